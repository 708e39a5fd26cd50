"""Open the SQLite database: WAL mode, a busy timeout, owner-only file, migrations applied."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from types import TracebackType

from sqlite_utils import Database

from storage.migrations import migrations

DEFAULT_DB_PATH = Path("data") / "xiaoe.db"
BUSY_TIMEOUT_SECONDS = 10.0


def default_db_path() -> Path:
    """The database path from ``XIAOE_DB`` or ``data/xiaoe.db`` under the working directory."""
    return Path(os.environ.get("XIAOE_DB", str(DEFAULT_DB_PATH)))


def _create_owner_only(path: Path) -> None:
    """Create the database file readable and writable by its owner only, if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new data directory: owner only
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)


def open_database(path: str | Path | None = None) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    ``":memory:"`` gives a private in-memory database, useful in tests. The connection may be used
    from another thread than the one that opened it (the Telegram channel runs handlers in the event
    loop's thread), but never from two threads at once.
    """
    target = default_db_path() if path is None else path
    if str(target) == ":memory:":
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        target = Path(target)
        _create_owner_only(target)
        conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    db = Database(conn)
    if str(target) != ":memory:":
        db.enable_wal()
        db.execute("PRAGMA synchronous=NORMAL;")
    db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)};")
    db.execute("PRAGMA foreign_keys=ON;")
    migrations.apply(db)
    return db


def immediate(db: Database) -> _Immediate:
    """One write transaction taken with ``BEGIN IMMEDIATE``: ``with immediate(db):`` commits at the end of the
    block, or rolls back when it raises.

    A deferred ``BEGIN`` that reads and then writes fails with "database is locked" when a second
    process writes meanwhile, whatever the busy timeout; ``BEGIN IMMEDIATE`` takes the write lock
    first and waits for it politely.
    """
    return _Immediate(db)


class _Immediate:
    """The context manager :func:`immediate` returns (a class: cheaper than a generator, once per turn)."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    def __enter__(self) -> Database:
        conn = self._db.conn
        if conn.in_transaction:
            raise RuntimeError("immediate() does not nest")
        conn.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        conn = self._db.conn
        if exc_type is None:
            conn.execute("COMMIT")
        elif conn.in_transaction:
            conn.execute("ROLLBACK")
