"""Where a user's generated documents are written, and their removal on /forget.

Each user has a folder of their own under the documents folder (``out/<user id>/``), so /forget can delete
exactly that user's files, identity numbers included, and nobody else's.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def user_folder(out_dir: Path, user_id: int) -> Path:
    """The folder for ``user_id``'s documents (not created here)."""
    return out_dir / str(int(user_id))


def numbered(name: str, n: int) -> str:
    """``name`` for the first, ``stem(2).docx`` for the second… (how a repeated file name is told apart)."""
    return name if n <= 1 else f"{Path(name).stem}({n}){Path(name).suffix}"


def next_name(made: dict[str, int], name: str) -> str:
    """The name for one more document called ``name`` in a consultation; ``made`` counts them (updated).

    Depends only on the consultation, not on the disk, so every channel announces the same name."""
    made[name] = made.get(name, 0) + 1
    return numbered(name, made[name])


def free_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name(2)``, ``name(3)``… when taken: the file name to write and announce."""
    path, n, stem, suffix = folder / name, 1, Path(name).stem, Path(name).suffix
    while path.exists():
        n += 1
        path = folder / f"{stem}({n}){suffix}"
    return path


def remove_user_files(out_dir: Path, user_id: int) -> int:
    """Delete ``user_id``'s document folder; returns how many documents it held."""
    folder = user_folder(out_dir, user_id)
    if not folder.is_dir():
        return 0
    count = sum(1 for path in folder.rglob("*") if path.is_file())
    shutil.rmtree(folder)
    return count
