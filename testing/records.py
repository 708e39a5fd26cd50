"""The fake's simulated world and its records: users, chats, messages, calls, violations, faults."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("testing.botapi")


class ApiError(Exception):
    """An error answer of the Bot API.  Raise it from a custom handler (see ``FakeBotAPI.set_handler``).

    ``violation`` says whether the bot broke a rule (recorded in ``.violations``) or merely met a condition
    of the world it must handle (a blocked user, say); ``detail`` explains a violation to the test reader.
    """

    def __init__(self, error_code: int, description: str, *, parameters: dict | None = None,
                 violation: bool = True, detail: str = "") -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters
        self.violation = violation
        self.detail = detail

    def payload(self) -> dict:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str, detail: str = "") -> ApiError:
    return ApiError(400, f"Bad Request: {description}", detail=detail)


@dataclass(frozen=True)
class User:
    """A Telegram user of the simulated world."""

    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False
    last_name: str | None = None
    language_code: str | None = None

    def to_api(self) -> dict:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class ApiChat:
    """A chat of the simulated world: ``private`` (id == the user's id), ``group`` or ``supergroup``."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def is_group(self) -> bool:
        """Whether this is a group or supergroup."""
        return self.type in ("group", "supergroup")

    def to_api(self) -> dict:
        """The Bot API ``Chat`` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class UploadedFile:
    """One file part of a multipart request, exactly as the bot uploaded it."""

    field: str
    filename: str | None
    content: bytes
    content_type: str | None


@dataclass
class StoredFile:
    """A file known to the fake server: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None
    mime_type: str | None
    kind: str
    file_path: str

    @property
    def file_size(self) -> int:
        """Size in bytes."""
        return len(self.content)


@dataclass
class Message:
    """A message in a simulated chat; for the bot's own messages, the state as it is now (after edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    date: int
    kind: str  # text, document, photo, sticker, voice, service
    text: str | None = None  # plain text after entity parsing
    entities: list[dict] = field(default_factory=list)
    source: str | None = None  # text exactly as the bot sent it (with markup)
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    media: dict | None = None  # the "document"/"photo"/... payload
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    history: list[dict] = field(default_factory=list)  # earlier versions: text/entities/reply_markup
    extra: dict = field(default_factory=dict)  # service fields (new_chat_members, ...)

    @property
    def keyboard(self) -> list[list[dict]]:
        """Rows of inline keyboard buttons (empty when there is none)."""
        if not self.reply_markup:
            return []
        return self.reply_markup.get("inline_keyboard") or []

    @property
    def buttons(self) -> list[dict]:
        """All inline keyboard buttons, row by row."""
        return [button for row in self.keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        """The labels of all inline buttons."""
        return [button["text"] for button in self.buttons]

    @property
    def callback_data(self) -> list[str]:
        """The callback_data of all inline buttons that have one."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class Call:
    """One request the bot made."""

    seq: int
    method: str  # canonical spelling, e.g. "sendMessage"
    params: dict
    files: dict[str, UploadedFile]
    time: float  # time.time() when received
    monotonic: float
    status: int | None = None  # HTTP status; None when no response was sent (drop/timeout)
    response: dict | None = None  # the full JSON answer
    fault: str | None = None  # kind of injected fault, if any
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the bot got a successful answer."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful answer (None otherwise)."""
        return self.response.get("result") if self.response else None

    @property
    def error(self) -> str | None:
        """The error description of a failed answer."""
        return self.response.get("description") if self.response and not self.ok else None


@dataclass
class Violation:
    """A breach of Telegram's rules by the bot, answered with Telegram's error."""

    method: str
    error_code: int
    description: str
    detail: str
    params: dict
    time: float
    call_seq: int | None = None

    def __str__(self) -> str:
        extra = f" [{self.detail}]" if self.detail else ""
        return f"{self.method}: {self.error_code} {self.description}{extra} params={_short(self.params)}"


@dataclass
class Fault:
    """An injected fault (see ``FakeBotAPI.inject``)."""

    method: str
    kind: str
    remaining: int
    match: dict
    retry_after: int = 1
    delay: float = 1.0
    description: str | None = None
    process: bool = False
    fired: int = 0


@dataclass
class RateReport:
    """Send rates seen so far (successful send* calls only)."""

    total_sends: int
    max_global_per_second: int
    max_per_chat_per_second: dict[int, int]
    max_per_group_per_minute: dict[int, int]
    breaches: list[str]


@dataclass
class _CallbackQuery:
    id: str
    update_id: int
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    created: float
    answered: float | None = None
    answer: dict | None = None


class _ClientGone(Exception):
    pass


class _DropConnection(Exception):
    pass


class _IncompleteBody(ValueError):
    pass


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _max_in_window(times: list[float], window: float) -> int:
    best = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# --------------------------------------------------------------------------------------------- HTTP
