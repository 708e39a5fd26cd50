"""The typed parts of a session row: its pending UI state and its undo history.

Both are stored as JSON in the ``sessions`` table (``pending`` with sorted keys and only what is set,
``history`` as a list of snapshots, kept by :class:`History`), exactly as the loose dicts they replace
were, so old rows load.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, overload


@dataclass
class Pending:
    """Transient UI state between turns.

    ``resume``: "continue or restart?" was asked (after /start with an open consultation); ``forget``:
    "delete everything?" was asked; ``editing``: the user is changing an answer from the review screen;
    ``picked``: the options ticked so far at a multi-choice question (None: not picking);
    ``details_kept``: personal details are saved for later documents (the screen offers to drop them);
    ``documents_made``: how many files of each name this consultation wrote (the next one is numbered "(2)"…);
    ``held``: a reading that waits for the user's yes/no before it is recorded (intake desk: a story's
    restatement or an uncertain answer); ``tries``: failed readings at the state ``tries_at``.
    ``confirm``: "重新开始/取消/修改身份?" was asked ("restart:<turn>"…; a typed 确定/不了 answers it on that turn).
    """

    resume: bool = False
    forget: bool = False
    editing: bool = False
    picked: list[str] | None = None
    details_kept: bool = False
    documents_made: dict[str, int] = field(default_factory=dict)
    held: dict[str, Any] | None = None
    tries: int = 0
    tries_at: str = ""
    confirm: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pending:
        """Read the stored JSON object (unknown keys from older versions are ignored)."""
        picked = data.get("picked")
        return cls(resume=bool(data.get("resume")), forget=bool(data.get("forget")),
                   editing=bool(data.get("editing")), picked=None if picked is None else list(picked),
                   details_kept=bool(data.get("details_kept")),
                   documents_made={str(k): int(v) for k, v in (data.get("documents_made") or {}).items()},
                   held=data.get("held"), tries=int(data.get("tries") or 0), tries_at=str(data.get("tries_at") or ""),
                   confirm=str(data.get("confirm") or ""))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object to store: only what is set."""
        data: dict[str, Any] = {name: True for name in ("resume", "forget", "editing", "details_kept")
                                if getattr(self, name)}
        if self.picked is not None:
            data["picked"] = list(self.picked)
        if self.documents_made:
            data["documents_made"] = dict(self.documents_made)
        if self.held is not None:
            data["held"] = self.held
        if self.tries:
            data["tries"], data["tries_at"] = self.tries, self.tries_at
        if self.confirm:
            data["confirm"] = self.confirm
        return data


@dataclass
class Snapshot:
    """One undo step: the state and facts before a move, whether an answer was being edited, and whether
    the move was automatic (``back`` undoes automatic moves together with the answer before them)."""

    state: str
    facts: dict[str, Any] = field(default_factory=dict)
    editing: bool = False
    auto: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """Read one stored snapshot."""
        return cls(state=data["state"], facts=dict(data.get("facts") or {}), editing=bool(data.get("editing")),
                   auto=bool(data.get("auto")))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object to store."""
        return {"state": self.state, "facts": self.facts, "editing": self.editing, "auto": self.auto}


class History:
    """A session's undo snapshots, oldest first, decoded from their stored JSON only when a turn reads them.

    Most turns only ask whether there is any (the 返回 button) and append one or two snapshots; they never
    decode the stored list, and :meth:`to_json` writes the new snapshots after the stored text, which gives
    the text encoding the whole list would (the stored text was written by the same encoder). Anything else
    (its length, an item, ``pop``, iterating) decodes it once and works on the list from then on.
    """

    def __init__(self, snapshots: Iterable[Snapshot] = (), *, stored: str | None = None) -> None:
        """A history of ``snapshots``, or of the JSON text ``stored`` (decoded when first needed)."""
        self._items: list[Snapshot] | None = list(snapshots) if stored is None else None
        self._stored = stored or "[]"  # the JSON of the snapshots before self._appended (while not decoded)
        self._appended: list[Snapshot] = []

    @classmethod
    def from_json(cls, text: str | None) -> History:
        """The history stored as ``text`` (None or empty: no snapshots)."""
        return cls(stored=text or "[]")

    def _list(self) -> list[Snapshot]:
        if self._items is None:
            decoded = [Snapshot.from_dict(s) for s in json.loads(self._stored)]
            self._items, self._stored, self._appended = decoded + self._appended, "[]", []
        return self._items

    def to_json(self, encode: Callable[[Any], str]) -> str:
        """The JSON to store, with ``encode`` (the encoder that wrote the stored text)."""
        if self._items is not None:
            return encode([s.to_dict() for s in self._items])
        if not self._appended:
            return self._stored
        tail = ", ".join(encode(s.to_dict()) for s in self._appended)
        return f"[{tail}]" if self._stored == "[]" else f"{self._stored[:-1]}, {tail}]"

    def append(self, snapshot: Snapshot) -> None:
        """Add the newest snapshot."""
        if self._items is None:
            self._appended.append(snapshot)
        else:
            self._items.append(snapshot)

    def pop(self) -> Snapshot:
        """Remove and return the newest snapshot (IndexError when empty)."""
        return self._list().pop()

    def __bool__(self) -> bool:
        if self._items is None and (self._appended or self._stored.startswith("[{")):
            return True
        if self._items is None and self._stored == "[]":
            return False
        return bool(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(self._list())

    @overload
    def __getitem__(self, index: int) -> Snapshot: ...

    @overload
    def __getitem__(self, index: slice) -> list[Snapshot]: ...

    def __getitem__(self, index: int | slice) -> Snapshot | list[Snapshot]:
        return self._list()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History):
            return self._list() == other._list()
        if isinstance(other, list):
            return self._list() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"History({self._list()!r})"
