"""Button callback data: ``<turn>|<action>|<value>``, always within Telegram's 1–64 bytes.

The turn number makes a button from an earlier screen recognisable as stale: pressing it gets a
notice and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64

# Actions. Read-only ones (help, law) are honoured whatever the turn.
ANSWER, TOGGLE, DONE, NAV, EDIT, CONFIRM, REVISE, MORE, RESUME, FORGET, LAW = (
    "a", "t", "d", "n", "e", "c", "r", "m", "R", "F", "L",
)
# Documents: open the documents menu from a result, pick another document, drop saved personal details.
DRAFT, ANOTHER, DROP_DETAILS = "W", "O", "X"
READ_ONLY = frozenset({LAW})
ACTIONS = frozenset({ANSWER, TOGGLE, DONE, NAV, EDIT, CONFIRM, REVISE, MORE, RESUME, FORGET, LAW,
                     DRAFT, ANOTHER, DROP_DETAILS})


@dataclass(frozen=True)
class Press:
    """A decoded button press."""

    turn: int
    action: str
    value: str


def encode(turn: int, action: str, value: str = "") -> str:
    """Encode a button's data; raises ValueError if it would exceed 64 bytes."""
    data = f"{turn}|{action}|{value}"
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str) -> Press | None:
    """Decode button data; None for anything malformed or forged."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split("|", 2)
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit()) or parts[1] not in ACTIONS:
        return None
    return Press(int(parts[0]), parts[1], parts[2])
