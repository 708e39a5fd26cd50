"""The typed parts of a session row: its pending UI state and its undo history.

Both are stored as JSON in the ``sessions`` table (``pending`` with sorted keys and only what is set,
``history`` as a list of snapshots), exactly as the loose dicts they replace were, so old rows load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
