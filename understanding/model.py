"""What a reading of the user's words can be: a sure value, a value to confirm, a question back, or 不知道."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Value:
    """A certain reading: the facts to record as they are."""

    facts: dict[str, Any]


@dataclass(frozen=True)
class Confirm:
    """An uncertain reading: restate ``facts`` and ask yes/no before recording anything.

    ``why`` names the doubt: "approximate", "small_amount", "several_amounts", "relative_date",
    "lunar_date", "year_only", "weak_cue", "range".
    """

    facts: dict[str, Any]
    why: str
    parts: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Ask:
    """No fact: explain the question ("explain", "why") or ask again more precisely ("clarify")."""

    kind: str
    reason: str = ""


@dataclass(frozen=True)
class Unknown:
    """The user does not know (不知道 / 记不清), where the question allows it."""


@dataclass(frozen=True)
class Reading:
    """One fact a story carries; ``sure`` is False when it must be confirmed before it counts."""

    key: str
    value: Any
    sure: bool
    cue: str = ""


Answer = Value | Confirm | Ask | Unknown
