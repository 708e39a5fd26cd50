"""Plain values that cross the engine boundary: what comes in, what goes out.

Channel adapters (terminal, Telegram, fixture replay) translate their own events into an
:class:`Inbound` and turn each :class:`Reply` back into their own output. Nothing here knows
about Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class InboundKind(StrEnum):
    """What the user did: typed text, pressed a button, or sent a /command."""

    TEXT = "text"
    PRESS = "press"
    COMMAND = "command"
    UNSUPPORTED = "unsupported"  # a photo, sticker, voice note... the engine answers politely
    EVENT = "event"  # a group event, named in ``text``: bot_added, bot_removed, members_joined
    EDITED = "edited"  # the user edited a message already answered: edits are not read


# The group events a channel reports (``Inbound.text`` of an ``EVENT``).
BOT_ADDED, BOT_REMOVED, MEMBERS_JOINED = "bot_added", "bot_removed", "members_joined"


@dataclass(frozen=True)
class Inbound:
    """One user action, normalised by a channel adapter.

    ``text`` holds the typed text, the pressed button's data, or the command name (without the
    slash, lower-case); ``args`` holds a command's arguments. ``update_id`` lets storage recognise an
    update delivered twice.
    """

    chat_id: int
    user_id: int
    kind: InboundKind
    text: str = ""
    args: str = ""
    is_private: bool = True
    update_id: int | None = None
    user_name: str = ""
    is_admin: bool | None = None  # group administrator? None: not checked (only group settings need it)

    @classmethod
    def typed(cls, chat_id: int, user_id: int, text: str, **kw: object) -> Inbound:
        """Build a typed-text inbound; a leading '/' makes it a command."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            return cls(chat_id, user_id, InboundKind.COMMAND, name, rest.strip(), **kw)  # type: ignore[arg-type]
        return cls(chat_id, user_id, InboundKind.TEXT, text, **kw)  # type: ignore[arg-type]

    @classmethod
    def pressed(cls, chat_id: int, user_id: int, data: str, **kw: object) -> Inbound:
        """Build a button-press inbound carrying the button's callback data."""
        return cls(chat_id, user_id, InboundKind.PRESS, data, **kw)  # type: ignore[arg-type]


class ReplyKind(StrEnum):
    """What a reply is, for channels (an ``ack`` may edit the pressed question, a ``stale`` one is a pop-up)."""

    MESSAGE = "message"
    QUESTION = "question"
    REVIEW = "review"
    RESULT = "result"
    NOTICE = "notice"
    ERROR = "error"
    ACK = "ack"  # acknowledges a pressed or typed answer
    STALE = "stale"  # a refused press: shown as a pop-up alert
    DOCUMENT = "document"  # carries a file


@dataclass(frozen=True)
class Button:
    """One inline button: the label the user sees and the data sent back when pressed.

    A button with a ``url`` opens that link instead (a deep link into the private chat); its data is empty.
    """

    label: str
    data: str
    url: str = ""


@dataclass(frozen=True)
class Reply:
    """One message the bot sends: Telegram-flavoured HTML, button rows, and files to attach.

    ``state`` is the session state after the turn (for transcripts, fixtures and the JSONL channel).
    ``answers_question`` is set when this reply acknowledges a pressed question, so a channel may
    edit the question message instead of sending a new one.
    """

    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    files: tuple[Path, ...] = ()
    state: str = ""
    kind: ReplyKind = ReplyKind.MESSAGE
    alert: bool = False  # for a press that must be refused with a pop-up in chat clients
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        """Accept a kind given as its string value (stored replies, fixtures) and keep the enum."""
        if type(self.kind) is not ReplyKind:
            object.__setattr__(self, "kind", ReplyKind(self.kind))

    def button_data(self) -> list[str]:
        """Every callback button's data, row by row (link buttons have none)."""
        return [b.data for row in self.buttons for b in row if not b.url]
