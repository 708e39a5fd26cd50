"""Button callback data, the one codec for private and group buttons, always within Telegram's 1–64 bytes.

Private buttons are ``<turn>|<action>|<value>``: the turn number makes a button from an earlier screen
recognisable as stale (pressing it gets a notice and changes nothing). Group buttons are
``g|<owner>|<action>|<value>``: the owner's user id lets the group desk refuse anyone else's press.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
GROUP_PREFIX = "g"


class Action(StrEnum):
    """What a private button does. Each is owned by one desk (see ``core.desk``)."""

    ANSWER = "a"
    TOGGLE = "t"
    DONE = "d"
    NAV = "n"
    EDIT = "e"
    CONFIRM = "c"
    REVISE = "r"
    MORE = "m"
    RESUME = "R"
    FORGET = "F"
    LAW = "L"
    # Documents: open the documents menu from a result, pick another document, drop saved personal details.
    DRAFT = "W"
    ANOTHER = "O"
    DROP_DETAILS = "X"
    # Reminders: offer, choose, confirm, calendar file, cancel, back to the section (the value says which).
    REMINDERS = "Z"
    # Intake: yes / no / "this one is wrong" on a reading held for confirmation (a story, an uncertain answer).
    HOLD = "H"
    # Results (issue 16): a section, the summary, a section's 查看依据 page or glossary, the last result,
    # and the confirmation of 重新开始/取消.
    SECTION = "S"


class GroupAction(StrEnum):
    """What a group button does: a topic answer, the topic menu, a settings switch, close the settings."""

    TOPIC = "t"
    MENU = "m"
    SETTING = "s"
    SETTINGS_DONE = "x"


# Short names, as the screens use them.
ANSWER, TOGGLE, DONE, NAV, EDIT = Action.ANSWER, Action.TOGGLE, Action.DONE, Action.NAV, Action.EDIT
CONFIRM, REVISE, MORE, RESUME, FORGET, LAW = (Action.CONFIRM, Action.REVISE, Action.MORE, Action.RESUME,
                                             Action.FORGET, Action.LAW)
DRAFT, ANOTHER, DROP_DETAILS = Action.DRAFT, Action.ANOTHER, Action.DROP_DETAILS
SECTION = Action.SECTION
ACTIONS = frozenset(Action)
READ_ONLY = frozenset({Action.LAW})  # honoured whatever the turn: pressing them changes nothing


@dataclass(frozen=True)
class Press:
    """A decoded private button press."""

    turn: int
    action: Action
    value: str


@dataclass(frozen=True)
class GroupPress:
    """A decoded group button: who may press it, what it does, with which value."""

    owner: int
    action: GroupAction
    value: str


def _checked(data: str) -> str:
    # A character is at most 4 bytes in UTF-8: only longer texts need encoding to be measured.
    if len(data) * 4 > MAX_BYTES and len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is True but int("²") fails


def encode(turn: int, action: Action, value: str = "") -> str:
    """Encode a private button's data; raises ValueError if it would exceed 64 bytes."""
    return _checked(f"{turn}|{action}|{value}")


def decode(data: str) -> Press | None:
    """Decode private button data; None for anything malformed or forged."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split("|", 2)
    if len(parts) != 3 or not _number(parts[0]) or parts[1] not in Action._value2member_map_:
        return None
    return Press(int(parts[0]), Action(parts[1]), parts[2])


def encode_group(owner: int, action: GroupAction, value: str = "") -> str:
    """Callback data of a group button owned by ``owner``; raises ValueError above 64 bytes."""
    return _checked(f"{GROUP_PREFIX}|{owner}|{action}|{value}")


def decode_group(data: str) -> GroupPress | None:
    """Decode group button data; None for anything else (private buttons, garbage)."""
    parts = data.split("|", 3) if data else []
    if len(parts) != 4 or parts[0] != GROUP_PREFIX or not _number(parts[1]):
        return None
    if parts[2] not in GroupAction._value2member_map_:
        return None
    return GroupPress(int(parts[1]), GroupAction(parts[2]), parts[3])
