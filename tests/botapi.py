"""A fake Telegram Bot API server for offline end-to-end tests.

``FakeBotAPI`` is a real HTTP server on 127.0.0.1 (standard library only, one thread per connection) that
speaks the Bot API wire protocol closely enough for an unmodified python-telegram-bot ``Application`` to
poll it, send to it and retry against it.  Tests push user activity (texts, button presses, uploads,
membership changes), then inspect what the bot did: every call is recorded, the bot's messages are kept
as they look now (after edits), and every breach of Telegram's rules is answered with Telegram's own
400 error *and* recorded in ``.violations``.

Wiring (see ``tests/botapi_fixtures.py`` for ready-made helpers)::

    with FakeBotAPI() as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())

Everything here is thread-safe: the helpers that push updates may be called from the test thread or from
inside the bot's event loop.  Blocking waits come in two flavours: ``wait_for*`` (for sync tests or tests
whose bot runs in another thread) and ``wait_for*_async`` (for tests that run the bot in the same event
loop, where a blocking wait would freeze the bot).

The server never writes the bot token to the logs it produces (paths are redacted).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hmac
import http.client
import itertools
import json
import logging
import math
import re
import select
import socket
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "Chat",
    "FakeBotAPI",
    "Fault",
    "HtmlParseError",
    "Message",
    "RateReport",
    "StoredFile",
    "UploadedFile",
    "User",
    "Violation",
    "parse_html",
    "utf16_len",
]

logger = logging.getLogger("tests.botapi")

DEFAULT_TOKEN = "123456789:AAFakeTokenForOfflineTests_0123456789"

MAX_TEXT_LENGTH = 4096  # UTF-16 code units after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_BUTTONS = 100
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

GLOBAL_SENDS_PER_SECOND = 30
GROUP_SENDS_PER_MINUTE = 20

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

# Update types Telegram delivers when allowed_updates was never given (or given as []).
ALL_UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
    "chat_join_request", "chat_boost", "removed_chat_boost",
)
DEFAULT_UPDATE_TYPES = tuple(
    t for t in ALL_UPDATE_TYPES if t not in ("chat_member", "message_reaction", "message_reaction_count")
)

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
SEND_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "sendAudio", "sendVideo", "sendVoice", "sendSticker",
    "sendAnimation", "sendVideoNote", "sendMediaGroup", "sendLocation", "sendContact", "sendPoll",
    "sendDice", "sendVenue", "copyMessage", "forwardMessage",
})
BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)

# How form-encoded parameters are typed (PTB sends JSON-dumped strings for anything that is not a str).
_JSON_PARAMS = frozenset({
    "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
    "link_preview_options", "reply_parameters", "media", "menu_button",
})
_INT_PARAMS = frozenset({
    "chat_id", "message_id", "user_id", "offset", "limit", "cache_time", "max_connections",
    "message_thread_id", "reply_to_message_id", "from_chat_id", "until_date", "duration",
})
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "only_if_banned",
    "disable_content_type_detection", "has_spoiler", "allow_paid_broadcast", "revoke_messages",
})


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for lengths and offsets."""
    return len(text.encode("utf-16-le")) // 2


def _redact(text: str) -> str:
    """Remove anything that looks like a token from a request path before it reaches a log."""
    return re.sub(r"/(file/)?bot[^/\s?]*", lambda m: f"/{m.group(1) or ''}bot<redacted>", text)


# --------------------------------------------------------------------------------------------- HTML


class HtmlParseError(ValueError):
    """Raised by :func:`parse_html`; the message is what Telegram puts after "can't parse entities: "."""


_ALLOWED_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "code", "pre",
    "blockquote", "tg-emoji",
})
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{0,31});")
_UNQUOTED_VALUE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


def _decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    m = _ENTITY_RE.match(text, pos)
    if not m:
        return None, pos
    body = m.group(1)
    if body[0] == "#":
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None, pos
        return chr(code), m.end()
    value = _NAMED_ENTITIES.get(body)
    return (value, m.end()) if value is not None else (None, pos)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output
    piece: int  # index into the output pieces, to recover the inner text
    byte_offset: int
    language: str | None = None


def _strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim leading/trailing whitespace like Telegram does, keeping entity offsets right."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    out = []
    for ent in entities:
        start = max(ent["offset"] - shift, 0)
        end = min(ent["offset"] + ent["length"] - shift, total)
        if end > start:
            out.append({**ent, "offset": start, "length": end - start})
    return result, out


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)`` with UTF-16 offsets.

    Follows the Bot API's "HTML style" rules and TDLib's error messages.  With ``strict_ampersand`` (the
    default) a ``&`` that does not start one of ``&lt; &gt; &amp; &quot;`` or a numeric entity is an error,
    as the Bot API documentation demands; the real server is lenient there and keeps such a ``&``.
    The result is trimmed of leading/trailing whitespace, as Telegram does.
    """
    pieces: list[str] = []
    entities: list[dict] = []
    stack: list[_OpenTag] = []
    u16 = 0
    i = 0
    n = len(source)

    def boff(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    def emit(chunk: str) -> None:
        nonlocal u16
        pieces.append(chunk)
        u16 += utf16_len(chunk)

    while i < n:
        ch = source[i]
        if ch == "&":
            decoded, end = _decode_entity(source, i)
            if decoded is None:
                if strict_ampersand:
                    raise HtmlParseError(f'Unescaped "&" at byte offset {boff(i)}; write it as "&amp;"')
                decoded, end = "&", i + 1
            emit(decoded)
            i = end
            continue
        if ch != "<":
            j = i + 1
            while j < n and source[j] not in "<&":
                j += 1
            emit(source[i:j])
            i = j
            continue

        tag_start = i
        i += 1
        if i < n and source[i] == "/":  # end tag
            j = i + 1
            while j < n and not source[j].isspace() and source[j] != ">":
                j += 1
            name = source[i + 1 : j].lower()
            while j < n and source[j].isspace():
                j += 1
            if j >= n or source[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {boff(tag_start)}")
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {boff(tag_start)}")
            open_tag = stack[-1]
            if name and name != open_tag.name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {boff(tag_start)}, expected "</{open_tag.name}>", '
                    f'found "</{name}>"'
                )
            i = j + 1
            stack.pop()
            _close_tag(open_tag, u16, pieces, entities, stack)
            continue

        # start tag
        j = i
        while j < n and not source[j].isspace() and source[j] != ">":
            j += 1
        if j >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {boff(tag_start)}")
        name = source[i:j].lower()
        if name not in _ALLOWED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {boff(tag_start)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {boff(tag_start)}')
            if source[j] == ">":
                break
            attr_start = j
            while j < n and not source[j].isspace() and source[j] not in "=>/\"'":
                j += 1
            attr = source[attr_start:j].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {boff(tag_start)}'
                )
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {boff(tag_start)}')
            if source[j] != "=":
                attrs[attr] = ""
                continue
            j += 1
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {boff(tag_start)}')
            if source[j] in "\"'":
                quote = source[j]
                j += 1
                value: list[str] = []
                while j < n and source[j] != quote:
                    if source[j] == "&":
                        decoded, end = _decode_entity(source, j)
                        if decoded is not None:
                            value.append(decoded)
                            j = end
                            continue
                    value.append(source[j])
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {boff(tag_start)}")
                j += 1
                attrs[attr] = "".join(value)
            else:
                value_start = j
                while j < n and source[j] in _UNQUOTED_VALUE_CHARS:
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {boff(tag_start)}")
                if not source[j].isspace() and source[j] != ">":
                    raise HtmlParseError(f"Unexpected end of name token at byte offset {boff(j)}")
                attrs[attr] = source[value_start:j].lower()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {boff(tag_start)}'
            )
        stack.append(_OpenTag(name, attrs, u16, len(pieces), boff(tag_start)))
        i = j + 1

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return _strip_text("".join(pieces), entities)


def _close_tag(tag: _OpenTag, u16: int, pieces: list[str], entities: list[dict],
               stack: list[_OpenTag]) -> None:
    length = u16 - tag.start
    name = tag.name
    if name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise HtmlParseError("Invalid custom emoji identifier specified")
        if length > 0:
            entities.append({"type": "custom_emoji", "offset": tag.start, "length": length,
                             "custom_emoji_id": emoji_id})
        return
    if length <= 0:
        return
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    if name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[name]
    elif name == "a":
        url = tag.attrs.get("href") or "".join(pieces[tag.piece :]).strip()
        if not url:
            return
        entity.update(type="text_link", url=url)
    elif name == "code":
        css = tag.attrs.get("class", "")
        if css.startswith("language-") and stack and stack[-1].name == "pre" and stack[-1].start == tag.start:
            stack[-1].language = css.removeprefix("language-")
            return
        entity["type"] = "code"
    elif name == "pre":
        entity["type"] = "pre"
        if tag.language:
            entity["language"] = tag.language
    elif name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    else:  # pragma: no cover - every allowed tag is handled above
        return
    entities.append(entity)


# --------------------------------------------------------------------------------------------- model


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
class Chat:
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeBotAPI/1.0"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("http %s", _redact(format % args))

    def client_gone(self) -> bool:
        """Whether the client closed its end of this connection (checked without blocking)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], fake: FakeBotAPI) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection error from %s", client_address, exc_info=True)


# --------------------------------------------------------------------------------------------- server


Observer = Callable[[str, dict], None]


class FakeBotAPI:
    """A fake Telegram Bot API server with a small simulated world.  Use it as a context manager.

    Privacy records: ``group_outputs`` holds everything the bot made visible in a group (messages, edits,
    captions, button labels and links, pop-up answers to presses there) and ``private_inputs`` everything
    users typed to it in private chats.  Each record also goes to the ``observers`` (by default
    ``FakeBotAPI.default_observers``, which tests/conftest.py fills with the session-wide leak scan).
    """

    default_observers: ClassVar[list[Observer]] = []

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "xiaoe_test_bot",
        bot_name: str = "Xiaoe",
        privacy_mode: bool = True,
        strict_html: bool = True,
        strict_rate_limits: bool = False,
        callback_query_ttl: float | None = 15.0,
        allow_http_webhook: bool = False,
        latency: float = 0.0,
        max_hang: float = 120.0,
        observers: Iterable[Observer] | None = None,
    ) -> None:
        """Configure the fake; nothing listens until ``start()`` (or ``with``).

        ``privacy_mode``: like a bot with BotFather's default privacy mode, the bot only receives group
        messages that are commands, mention it or reply to it (unless it is an administrator).
        ``strict_html``: a lone ``&`` is a parse error (the documented rule; real Telegram tolerates it).
        ``strict_rate_limits``: answer 429 when the bot exceeds 30 sends/s overall or 20/min in a group.
        ``callback_query_ttl``: seconds after which answerCallbackQuery fails with "query is too old".
        ``latency``: seconds added before every answer.  ``max_hang``: cap for the "timeout" fault.
        ``observers``: called with ("group_output" | "private_input", record) (default: ``default_observers``).
        """
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.privacy_mode = privacy_mode
        self.strict_html = strict_html
        self.strict_rate_limits = strict_rate_limits
        self.callback_query_ttl = callback_query_ttl
        self.allow_http_webhook = allow_http_webhook
        self.latency = latency
        self.max_hang = max_hang
        self.bot_user = User(int(token.split(":", 1)[0]), bot_name, username=bot_username, is_bot=True)

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

        # world
        self._users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self._chats: dict[int, Chat] = {}
        self._members: dict[int, dict[int, str]] = {}  # chat id -> user id -> status
        self._started: set[int] = set()  # private chats whose user has started the bot
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, Message]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_000_000_000_001)
        self._file_seq = itertools.count(1)
        self._query_seq = itertools.count(4_000_000_000_000_000_001)

        # updates
        self._update_seq = itertools.count(10_000)
        self._updates: dict[int, dict] = {}
        self._pending: list[dict] = []
        self._redelivered: list[dict] = []
        self._redelivered_sent: set[int] = set()
        self._confirmed_offset = 0
        self._allowed_updates: tuple[str, ...] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self.dropped_updates: list[tuple[dict, str]] = []
        # Requests whose client went away before the whole body arrived (a bot killed mid-send): Telegram
        # never carries them out. (method, time.time()); the token is not kept.
        self.incomplete_requests: list[tuple[str, float]] = []

        # webhook
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "allowed_updates": None,
                                        "max_connections": 40}
        self.webhook_deliveries: list[tuple[str, int, int]] = []  # (url, update_id, status)

        # records
        self._call_seq = itertools.count(1)
        self._calls: list[Call] = []
        self.violations: list[Violation] = []
        self.not_modified: list[Violation] = []
        self.internal_errors: list[str] = []
        self.fault_counts: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._sends: list[tuple[float, int]] = []
        self._handlers: dict[str, tuple[str, Callable[..., Any]]] = {}
        self.group_outputs: list[dict] = []
        self.private_inputs: list[dict] = []
        self.observers: list[Observer] = list(FakeBotAPI.default_observers if observers is None else observers)
        for name, handler in self._builtin_methods().items():
            self._handlers[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        """Bind 127.0.0.1 on an ephemeral port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeBotAPI", daemon=True
        )
        self._thread.start()
        logger.debug("FakeBotAPI listening on 127.0.0.1:%d", self.port)
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection and wake every waiting request."""
        if self._server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id (the number before the colon of the token)."""
        return self.bot_user.id

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ------------------------------------------------------------------ world

    def user(self, first_name: str = "Test", username: str | None = None, *, user_id: int | None = None,
             is_bot: bool = False, last_name: str | None = None,
             language_code: str | None = "zh-hans") -> User:
        """Create (or replace) a user of the simulated world."""
        with self._lock:
            uid = user_id if user_id is not None else next(self._user_ids)
            new = User(uid, first_name, username=username, is_bot=is_bot, last_name=last_name,
                       language_code=language_code)
            self._users[new.id] = new
            return new

    def private_chat(self, user: User | int, *, started: bool = True) -> Chat:
        """The private chat between ``user`` and the bot (its id is the user's id).

        With ``started=False`` the user never pressed Start, so the bot cannot write first (403).
        """
        with self._lock:
            u = self._user(user)
            chat = self._chats.get(u.id)
            if chat is None:
                chat = Chat(u.id, "private", username=u.username, first_name=u.first_name,
                            last_name=u.last_name)
                self._chats[u.id] = chat
                self._members[u.id] = {u.id: "member", self.bot_id: "member"}
            if started:
                self._started.add(u.id)
            return chat

    def group(self, title: str, *, members: Iterable[User | int] = (), supergroup: bool = False,
              chat_id: int | None = None, username: str | None = None, bot_status: str = "member") -> Chat:
        """Create a group (negative id) with ``members``; the bot is in it as ``bot_status``.

        Use ``bot_status="left"`` plus ``bot_added_to_group`` to simulate the bot joining later.
        """
        if bot_status not in MEMBER_STATUSES:
            raise ValueError(f"bot_status must be one of {MEMBER_STATUSES}")
        with self._lock:
            if chat_id is None:
                chat_id = -next(self._supergroup_ids if supergroup else self._group_ids)
            chat = Chat(chat_id, "supergroup" if supergroup else "group", title=title, username=username)
            self._chats[chat_id] = chat
            self._members[chat_id] = {self.bot_id: bot_status}
            for member in members:
                self._members[chat_id][self._user(member).id] = "member"
            return chat

    def set_member_status(self, chat: Chat | int, user: User | int, status: str) -> None:
        """Set what getChatMember answers for (chat, user): creator/administrator/member/... ."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        with self._lock:
            c = self._chat(chat)
            self._members.setdefault(c.id, {})[self._user(user).id] = status

    def block_chat(self, chat: Chat | int, *, notify: bool = False) -> None:
        """The user blocks the bot: every later send to this chat gets 403 "bot was blocked by the user".

        With ``notify`` a my_chat_member update (bot status "kicked") is queued, as Telegram does.
        The block is lifted by ``unblock_chat`` or when the user writes to the bot again.
        """
        with self._lock:
            c = self._chat(chat)
            self._blocked.add(c.id)
            if notify and c.type == "private":
                self._queue({"my_chat_member": self._member_update(c, self._user(c.id), "member", "kicked")})

    def unblock_chat(self, chat: Chat | int) -> None:
        """Undo ``block_chat``."""
        with self._lock:
            self._blocked.discard(self._chat(chat).id)

    # ------------------------------------------------------------------ pushing updates

    def send_text(self, chat: Chat | int, user: User | int, text: str, *,
                  reply_to: int | None = None) -> int | None:
        """The user writes ``text`` in ``chat``; returns the update_id.

        Entities are detected like Telegram does (bot_command, mention).  Returns None when the bot would
        not receive the message (privacy mode in a group, bot not in the group).
        """
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            msg = self._user_message(c, u, "text", reply_to=reply_to)
            msg.text = text
            msg.entities = self._detect_entities(text)
            self._observe_input(c, u, text)
            return self._queue_message(c, msg)

    def edit_text(self, chat: Chat | int, user: User | int, message_id: int, text: str) -> int | None:
        """The user edits an earlier text message; queues an ``edited_message`` update."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            msg = self._messages.get(c.id, {}).get(message_id)
            if msg is None or msg.from_bot or msg.sender_id != u.id or msg.kind != "text":
                raise ValueError(f"message {message_id} in chat {c.id} is not a text message of user {u.id}")
            msg.history.append({"text": msg.text, "entities": msg.entities})
            msg.text = text
            msg.entities = self._detect_entities(text)
            msg.edit_date = int(time.time())
            self._observe_input(c, u, text)
            return self._queue_message(c, msg, key="edited_message")

    def send_photo(self, chat: Chat | int, user: User | int, *, caption: str | None = None,
                   content: bytes = b"\x89PNG\r\n\x1a\nfake-photo",
                   reply_to: int | None = None) -> int | None:
        """The user sends a photo (a non-text message)."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            stored = self._store_file(content, "photo", file_name=None, mime_type="image/jpeg")
            msg = self._user_message(c, u, "photo", reply_to=reply_to)
            sizes = []
            for width, height in ((90, 67), (320, 240), (1280, 960)):
                sizes.append({"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                              "width": width, "height": height, "file_size": stored.file_size})
            msg.media = {"photo": sizes}
            self._set_caption(msg, caption)
            return self._queue_message(c, msg)

    def send_sticker(self, chat: Chat | int, user: User | int, *, emoji: str = "👍") -> int | None:
        """The user sends a sticker."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            stored = self._store_file(b"RIFF\x00\x00\x00\x00WEBPfake", "sticker", None, "image/webp")
            msg = self._user_message(c, u, "sticker")
            msg.media = {"sticker": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                     "type": "regular", "width": 512, "height": 512, "is_animated": False,
                                     "is_video": False, "emoji": emoji, "file_size": stored.file_size}}
            return self._queue_message(c, msg)

    def send_voice(self, chat: Chat | int, user: User | int, *, duration: int = 3,
                   content: bytes = b"OggS\x00fake-voice") -> int | None:
        """The user sends a voice note."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            stored = self._store_file(content, "voice", None, "audio/ogg")
            msg = self._user_message(c, u, "voice")
            msg.media = {"voice": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                   "duration": duration, "mime_type": "audio/ogg",
                                   "file_size": stored.file_size}}
            return self._queue_message(c, msg)

    def send_document(self, chat: Chat | int, user: User | int, filename: str = "file.pdf",
                      content: bytes = b"%PDF-1.4 fake", *, mime_type: str | None = None,
                      caption: str | None = None) -> int | None:
        """The user sends a document; the bot can getFile and download ``content``."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            stored = self._store_file(content, "document", filename, mime_type or _guess_mime(filename))
            msg = self._user_message(c, u, "document")
            msg.media = {"document": self._document_dict(stored)}
            self._set_caption(msg, caption)
            return self._queue_message(c, msg)

    def press(self, chat: Chat | int, user: User | int, message_id: int, data: str, *,
              force: bool = False) -> int:
        """The user presses an inline button with ``data`` under the bot's message; returns the update_id.

        Each press gets a fresh callback query id, which the bot must answer exactly once.  Unless
        ``force``, the button must be on the message as it is now.
        """
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            msg = self._messages.get(c.id, {}).get(message_id)
            if msg is None or msg.deleted or not msg.from_bot:
                raise ValueError(f"no message {message_id} of the bot in chat {c.id}")
            if not force and data not in msg.callback_data:
                raise ValueError(f"message {message_id} has no button with callback_data {data!r}; "
                                 f"it has {msg.callback_data}")
            query_id = str(next(self._query_seq))
            payload = {"callback_query": {
                "id": query_id, "from": u.to_api(), "message": self._message_dict(msg),
                "chat_instance": str(abs(hash(("chat_instance", c.id))) % 10**18), "data": data,
            }}
            update_id = self._queue(payload)
            if self._delivered(update_id):  # else the bot can never answer it
                self._callback_queries[query_id] = _CallbackQuery(
                    query_id, update_id, c.id, message_id, u.id, data, time.monotonic())
            return update_id

    def press_button(self, chat: Chat | int, user: User | int, message_id: int, text: str) -> int:
        """Like ``press``, finding the callback button by its label."""
        with self._lock:
            msg = self._messages.get(self._chat(chat).id, {}).get(message_id)
            for button in msg.buttons if msg else []:
                if button.get("text") == text and "callback_data" in button:
                    return self.press(chat, user, message_id, button["callback_data"])
            raise ValueError(f"no callback button labelled {text!r} on message {message_id}")

    def bot_added_to_group(self, chat: Chat | int, by: User | int | None = None, *, status: str = "member",
                           service_message: bool = True) -> int:
        """The bot is added to a group: queues my_chat_member (left -> status); returns its update_id.

        With ``service_message`` the "new_chat_members" message Telegram also sends is queued after it.
        """
        with self._lock:
            c = self._chat(chat)
            actor = self._user(by) if by is not None else self._any_member(c)
            old = self._members.setdefault(c.id, {}).get(self.bot_id, "left")
            self._members[c.id][self.bot_id] = status
            self._members[c.id].setdefault(actor.id, "member")
            update_id = self._queue({"my_chat_member": self._member_update(c, actor, old, status)})
            if service_message:
                msg = self._user_message(c, actor, "service")
                msg.extra = {"new_chat_members": [self.bot_user.to_api()]}
                self._queue_message(c, msg)
            return update_id

    def member_joined(self, chat: Chat | int, user: User | int, *, by: User | int | None = None) -> int | None:
        """``user`` joins a group (added by ``by``, or by invite link): queues the "new_chat_members" message."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            if not c.is_group:
                raise ValueError(f"chat {c.id} is not a group")
            actor = self._user(by) if by is not None else u
            self._members.setdefault(c.id, {})[u.id] = "member"
            msg = self._user_message(c, actor, "service")
            msg.extra = {"new_chat_members": [u.to_api()]}
            return self._queue_message(c, msg)

    def bot_removed_from_group(self, chat: Chat | int, by: User | int | None = None, *,
                               kicked: bool = True) -> int:
        """The bot is removed (``kicked``) or leaves; queues my_chat_member; later sends get 403."""
        with self._lock:
            c = self._chat(chat)
            actor = self._user(by) if by is not None else self._any_member(c)
            old = self._members.setdefault(c.id, {}).get(self.bot_id, "member")
            new = "kicked" if kicked else "left"
            self._members[c.id][self.bot_id] = new
            return self._queue({"my_chat_member": self._member_update(c, actor, old, new)})

    def queue_update(self, payload: dict) -> int:
        """Queue a raw update (everything but ``update_id``); returns the new update_id."""
        with self._lock:
            return self._queue(copy.deepcopy(payload))

    def redeliver(self, update_id: int) -> int:
        """Deliver an already confirmed update again, with the same update_id.

        Simulates the bot crashing after fetching an update but before acknowledging the offset: the next
        getUpdates returns it whatever the offset says.
        """
        with self._cond:
            if update_id not in self._updates:
                raise ValueError(f"unknown update {update_id}")
            if not any(u["update_id"] == update_id for u in self._pending + self._redelivered):
                self._redelivered_sent.discard(update_id)
                self._redelivered.append(copy.deepcopy(self._updates[update_id]))
                self._redelivered.sort(key=lambda u: u["update_id"])
            self._cond.notify_all()
            return update_id

    def pending_updates(self) -> list[dict]:
        """Updates queued and not yet confirmed by an offset."""
        with self._lock:
            return copy.deepcopy(sorted(self._redelivered + self._pending, key=lambda u: u["update_id"]))

    def update(self, update_id: int) -> dict:
        """The JSON of any update ever queued."""
        with self._lock:
            return copy.deepcopy(self._updates[update_id])

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        """Every request the bot made so far, in order of completion."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, *, ok: bool | None = None, **match: Any) -> list[Call]:
        """Calls of ``method`` (case-insensitive) whose params match ``match`` (compared as strings)."""
        with self._lock:
            return [c for c in self._calls if self._call_matches(c, method, ok, match)]

    def last_call(self, method: str) -> Call | None:
        """The most recent call of ``method``."""
        found = self.calls_to(method)
        return found[-1] if found else None

    def messages_in(self, chat: Chat | int, *, include_users: bool = False) -> list[Message]:
        """The bot's visible messages in ``chat`` as they are now (copies); optionally users' too."""
        with self._lock:
            c = self._chat(chat)
            return [copy.deepcopy(m) for _, m in sorted(self._messages.get(c.id, {}).items())
                    if not m.deleted and (m.from_bot or include_users)]

    def message(self, chat: Chat | int, message_id: int) -> Message:
        """One message (a copy), deleted or not."""
        with self._lock:
            return copy.deepcopy(self._messages[self._chat(chat).id][message_id])

    def texts_in(self, chat: Chat | int) -> list[str]:
        """The plain texts (or captions) of the bot's visible messages in ``chat``."""
        return [m.text if m.text is not None else (m.caption or "") for m in self.messages_in(chat)]

    @property
    def files(self) -> dict[str, StoredFile]:
        """Every file known by file_id (bot uploads and user files)."""
        with self._lock:
            return dict(self._files)

    def uploads(self) -> list[StoredFile]:
        """Files the bot uploaded, in order."""
        with self._lock:
            return [f for f in self._files.values() if f.kind.startswith("bot:")]

    def callback_answer(self, update_id: int) -> dict | None:
        """The parameters of answerCallbackQuery for the press queued as ``update_id`` (None if none)."""
        with self._lock:
            for q in self._callback_queries.values():
                if q.update_id == update_id:
                    return copy.deepcopy(q.answer)
            raise ValueError(f"update {update_id} is not a callback query")

    def unanswered_callback_queries(self) -> list[str]:
        """Ids of callback queries the bot has not answered (yet)."""
        with self._lock:
            return [q.id for q in self._callback_queries.values() if q.answered is None]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The command list set for exactly this scope and language (as getMyCommands would answer)."""
        with self._lock:
            return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations so far (for tests that provoke them on purpose)."""
        with self._lock:
            taken, self.violations = self.violations, []
            return taken

    def assert_no_violations(self, *, grace: float = 1.0, allow_unanswered: bool = False) -> None:
        """Fail unless the bot kept every rule.  "message is not modified" is allowed (see ``.not_modified``).

        Unanswered callback queries count as violations unless ``allow_unanswered``; up to ``grace``
        seconds are given for answers still in flight.  Errors inside the fake itself also fail.
        """
        if not allow_unanswered and grace > 0:
            deadline = time.monotonic() + grace
            with self._cond:
                while self.unanswered_callback_queries() and time.monotonic() < deadline:
                    self._cond.wait(max(0.0, min(0.05, deadline - time.monotonic())))
        with self._lock:
            problems = [str(v) for v in self.violations]
            problems += [f"internal error of the fake: {e}" for e in self.internal_errors]
            if not allow_unanswered:
                for q in self._callback_queries.values():
                    if q.answered is None:
                        problems.append(f"callback query {q.id} (update {q.update_id}, data={q.data!r}) "
                                        "was never answered")
        if problems:
            raise AssertionError("the bot broke Telegram's rules:\n  " + "\n  ".join(problems))

    # ------------------------------------------------------------------ waiting

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every call/update); return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {timeout}s; {self._recent_calls()}")
                self._cond.wait(min(remaining, 0.1))

    def wait_for_calls(self, method: str, n: int = 1, timeout: float = 5.0, *, ok: bool | None = None,
                       **match: Any) -> list[Call]:
        """Block until the bot made ``n`` calls of ``method`` matching ``match``; return all such calls."""
        try:
            return self.wait_for(lambda: self._enough(method, n, ok, match), timeout)
        except AssertionError:
            got = len(self.calls_to(method, ok=ok, **match))
            raise AssertionError(f"waited {timeout}s for {n} {method} call(s) matching {match}, got {got}; "
                                 f"{self._recent_calls()}") from None

    async def wait_for_async(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """``wait_for`` for tests whose bot runs in the same event loop (does not block the loop)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s; {self._recent_calls()}")
            await asyncio.sleep(0.01)

    async def wait_for_calls_async(self, method: str, n: int = 1, timeout: float = 5.0, *,
                                   ok: bool | None = None, **match: Any) -> list[Call]:
        """``wait_for_calls`` for tests whose bot runs in the same event loop."""
        try:
            return await self.wait_for_async(lambda: self._enough(method, n, ok, match), timeout)
        except AssertionError:
            got = len(self.calls_to(method, ok=ok, **match))
            raise AssertionError(f"waited {timeout}s for {n} {method} call(s) matching {match}, got {got}; "
                                 f"{self._recent_calls()}") from None

    def wait_until_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Block until the bot acknowledged ``update_id`` via getUpdates' offset."""
        self.wait_for(lambda: self._is_confirmed(update_id), timeout)

    async def wait_until_confirmed_async(self, update_id: int, timeout: float = 5.0) -> None:
        """``wait_until_confirmed`` for tests whose bot runs in the same event loop."""
        await self.wait_for_async(lambda: self._is_confirmed(update_id), timeout)

    def _enough(self, method: str, n: int, ok: bool | None, match: dict) -> list[Call] | None:
        found = [c for c in self._calls if self._call_matches(c, method, ok, match)]
        return found if len(found) >= n else None

    def _is_confirmed(self, update_id: int) -> bool:
        return self._confirmed_offset > update_id and all(
            u["update_id"] != update_id for u in self._redelivered)

    @staticmethod
    def _call_matches(call: Call, method: str, ok: bool | None, match: dict) -> bool:
        if call.method.lower() != method.lower():
            return False
        if ok is not None and call.ok != ok:
            return False
        return all(str(call.params.get(k)) == str(v) for k, v in match.items())

    def _recent_calls(self, count: int = 12) -> str:
        with self._lock:
            recent = self._calls[-count:]
        lines = [f"#{c.seq} {c.method} -> {c.status} {c.fault or ''} {c.error or ''}".rstrip()
                 for c in recent]
        return "recent calls: " + ("; ".join(lines) if lines else "none")

    # ------------------------------------------------------------------ faults

    def inject(self, method: str, kind: str, times: int = 1, **params: Any) -> Fault:
        """Make the next ``times`` calls of ``method`` ("*" for any) fail with ``kind``.

        Kinds: "429" (``retry_after=1``), "500", "403" (blocked by the user), any other HTTP code such as
        "502", "slow" (``delay=1.0`` seconds, then processed normally), "timeout" (no answer until the
        client gives up), "drop" (connection closed without an answer).  ``description=`` overrides the
        error text; ``process=True`` makes "timeout"/"drop" still carry out the request.  Every other
        keyword is a filter on the call's params, e.g. ``chat_id=...``.
        """
        if kind not in ("slow", "timeout", "drop") and not kind.isdigit():
            raise ValueError(f"unknown fault kind {kind!r}")
        options = {k: params.pop(k) for k in ("retry_after", "delay", "description", "process")
                   if k in params}
        fault = Fault(method, kind, times, params, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every fault that has not fired yet."""
        with self._lock:
            self._faults.clear()

    def set_handler(self, method: str, handler: Callable[[dict, dict[str, UploadedFile]], Any]) -> None:
        """Implement or override a method: ``handler(params, files)`` returns a result or raises ApiError."""
        with self._lock:
            self._handlers[method.lower()] = (method, lambda params, files: handler(params, files))

    # ------------------------------------------------------------------ rates

    def rate_report(self) -> RateReport:
        """Sends per second overall and per chat, and per minute per group; breaches of Telegram's limits."""
        with self._lock:
            sends = list(self._sends)
        times = [t for t, _ in sends]
        by_chat: dict[int, list[float]] = {}
        for t, chat_id in sends:
            by_chat.setdefault(chat_id, []).append(t)
        per_chat = {cid: _max_in_window(ts, 1.0) for cid, ts in by_chat.items()}
        per_group = {cid: _max_in_window(ts, 60.0) for cid, ts in by_chat.items() if cid < 0}
        breaches = []
        overall = _max_in_window(times, 1.0)
        if overall > GLOBAL_SENDS_PER_SECOND:
            breaches.append(f"{overall} sends within one second (limit {GLOBAL_SENDS_PER_SECOND})")
        breaches += [f"{count} sends to group {cid} within one minute (limit {GROUP_SENDS_PER_MINUTE})"
                     for cid, count in per_group.items() if count > GROUP_SENDS_PER_MINUTE]
        return RateReport(len(sends), overall, per_chat, per_group, breaches)

    def assert_within_rate_limits(self) -> None:
        """Fail if the bot ever sent more than 30 messages/s overall or 20/min to one group."""
        report = self.rate_report()
        if report.breaches:
            raise AssertionError("the bot exceeded Telegram's flood limits: " + "; ".join(report.breaches))

    def _rate_limited(self, chat_id: int) -> int | None:
        """Seconds to wait if sending to ``chat_id`` now would exceed a limit (strict mode)."""
        now = time.monotonic()
        recent = [t for t, _ in self._sends if now - t < 1.0]
        if len(recent) >= GLOBAL_SENDS_PER_SECOND:
            return 1
        if chat_id < 0:
            in_group = [t for t, c in self._sends if c == chat_id and now - t < 60.0]
            if len(in_group) >= GROUP_SENDS_PER_MINUTE:
                return max(1, math.ceil(60.0 - (now - in_group[0])))
        return None

    # ------------------------------------------------------------------ webhook delivery

    def post_update_to_webhook(self, url: str, update: int | dict, secret: str | None = None,
                               timeout: float = 10.0) -> tuple[int, bytes]:
        """POST an update (an update_id or raw JSON) to the bot's webhook endpoint at ``url``.

        Sends ``X-Telegram-Bot-Api-Secret-Token`` when ``secret`` is given.  Returns (status, body).
        Blocking: from a test whose bot runs in the same event loop use ``post_update_to_webhook_async``.
        """
        payload = self.update(update) if isinstance(update, int) else update
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("only http://127.0.0.1 webhook endpoints can be reached in tests")
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        try:
            conn.request("POST", parts.path or "/", body=body, headers=headers)
            response = conn.getresponse()
            status, data = response.status, response.read()
        finally:
            conn.close()
        with self._cond:
            self.webhook_deliveries.append((url, payload.get("update_id", 0), status))
            self._cond.notify_all()
        return status, data

    async def post_update_to_webhook_async(self, url: str, update: int | dict, secret: str | None = None,
                                           timeout: float = 10.0) -> tuple[int, bytes]:
        """``post_update_to_webhook`` without blocking the event loop."""
        return await asyncio.to_thread(self.post_update_to_webhook, url, update, secret, timeout)

    def deliver_pending_to_webhook(self, url: str) -> list[int]:
        """Deliver queued updates to ``url`` in order, as Telegram would; confirmed ones leave the queue.

        Uses the secret set by setWebhook.  Stops at the first non-2xx answer (Telegram retries later).
        """
        statuses = []
        for upd in self.pending_updates():
            status, _ = self.post_update_to_webhook(url, upd, self.webhook.get("secret_token"))
            statuses.append(status)
            if not 200 <= status < 300:
                break
            with self._cond:
                self._redelivered_sent.add(upd["update_id"])
                self._confirm(upd["update_id"] + 1)
        return statuses

    # ================================================================== internals: world helpers

    def _user(self, user: User | int) -> User:
        uid = user.id if isinstance(user, User) else int(user)
        if uid not in self._users:
            raise ValueError(f"unknown user {uid}; create it with FakeBotAPI.user()")
        return self._users[uid]

    def _chat(self, chat: Chat | int) -> Chat:
        cid = chat.id if isinstance(chat, Chat) else int(chat)
        if cid not in self._chats:
            if cid in self._users:
                return self.private_chat(cid, started=False)
            raise ValueError(f"unknown chat {cid}; create it with private_chat() or group()")
        return self._chats[cid]

    def _any_member(self, chat: Chat) -> User:
        for uid, status in self._members.get(chat.id, {}).items():
            if uid != self.bot_id and status in ("creator", "administrator", "member"):
                return self._users[uid]
        return self.user("Admin")

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _user_message(self, chat: Chat, user: User, kind: str, reply_to: int | None = None) -> Message:
        if chat.type == "private" and chat.id != user.id:
            raise ValueError(f"user {user.id} cannot write in the private chat of {chat.id}")
        if chat.type == "private":
            self._started.add(chat.id)
            self._blocked.discard(chat.id)  # writing to the bot means it is not blocked
        elif self._members.setdefault(chat.id, {}).get(user.id) in (None, "left"):
            self._members[chat.id][user.id] = "member"
        if reply_to is not None and reply_to not in self._messages.get(chat.id, {}):
            raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to")
        msg = Message(chat.id, self._new_message_id(chat.id), False, user.id, int(time.time()), kind,
                      reply_to=reply_to)
        self._messages.setdefault(chat.id, {})[msg.message_id] = msg
        return msg

    def _set_caption(self, msg: Message, caption: str | None) -> None:
        if caption is not None:
            msg.caption = caption
            msg.caption_entities = self._detect_entities(caption)
            self._observe_input(self._chats[msg.chat_id], self._users[msg.sender_id], caption)

    # ------------------------------------------------------------------ privacy records

    def _notify(self, kind: str, record: dict) -> None:
        (self.group_outputs if kind == "group_output" else self.private_inputs).append(record)
        for observer in self.observers:
            observer(kind, copy.deepcopy(record))

    def _observe_input(self, chat: Chat, user: User, text: str) -> None:
        """A user typed ``text``: recorded when it was said in a private chat."""
        if chat.type == "private":
            names = [n for n in (user.first_name, user.last_name, user.username) if n]
            self._notify("private_input", {"chat_id": chat.id, "user_id": user.id, "text": text, "names": names})

    def _observe_output(self, call: Call, result: Any) -> None:
        """The bot made something visible: recorded when it is visible in a group."""
        if isinstance(result, dict) and isinstance(result.get("chat"), dict) and "message_id" in result:
            chat = self._chats.get(result["chat"]["id"])
            msg = self._messages.get(chat.id, {}).get(result["message_id"]) if chat else None
            if chat is None or msg is None or not chat.is_group:
                return
            media = msg.media or {}
            files = [m.get("file_name", "") for m in media.values() if isinstance(m, dict)]
            self._notify("group_output", {
                "chat_id": chat.id, "message_id": msg.message_id, "method": call.method,
                "text": msg.text if msg.text is not None else (msg.caption or ""),
                "buttons": msg.button_texts, "urls": [b["url"] for b in msg.buttons if "url" in b],
                "files": [f for f in files if f]})
        elif call.method == "answerCallbackQuery" and result is True:
            query = self._callback_queries.get(str(call.params.get("callback_query_id", "")))
            text = call.params.get("text")
            if query is not None and query.chat_id < 0 and isinstance(text, str) and text:
                self._notify("group_output", {"chat_id": query.chat_id, "message_id": query.message_id,
                                              "method": call.method, "text": text, "buttons": [], "urls": [],
                                              "files": []})

    def _detect_entities(self, text: str) -> list[dict]:
        found = []
        for m in re.finditer(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])", text):
            found.append({"type": "bot_command", "offset": utf16_len(text[: m.start()]),
                          "length": utf16_len(m.group())})
        for m in re.finditer(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])", text):
            found.append({"type": "mention", "offset": utf16_len(text[: m.start()]),
                          "length": utf16_len(m.group())})
        return sorted(found, key=lambda e: e["offset"])

    def _bot_receives(self, chat: Chat, msg: Message) -> str | None:
        """Why the bot would NOT receive ``msg`` in ``chat`` (None if it does)."""
        if not chat.is_group:
            return None
        status = self._members.get(chat.id, {}).get(self.bot_id, "left")
        if status in ("left", "kicked"):
            return f"the bot is not in the group (status {status})"
        if not self.privacy_mode or status in ("administrator", "creator") or msg.kind == "service":
            return None
        text = msg.text if msg.text is not None else (msg.caption or "")
        entities = msg.entities if msg.text is not None else msg.caption_entities
        me = f"@{self.bot_user.username}".lower()
        for ent in entities:
            word = text.encode("utf-16-le")[2 * ent["offset"] : 2 * (ent["offset"] + ent["length"])]
            word_text = word.decode("utf-16-le").lower()
            if ent["type"] == "bot_command" and ("@" not in word_text or word_text.endswith(me)):
                return None
            if ent["type"] == "mention" and word_text == me:
                return None
        if msg.reply_to is not None:
            replied = self._messages.get(chat.id, {}).get(msg.reply_to)
            if replied is not None and replied.from_bot:
                return None
        return "privacy mode: not a command, mention of the bot or reply to it"

    def _queue_message(self, chat: Chat, msg: Message, key: str = "message") -> int | None:
        reason = self._bot_receives(chat, msg)
        payload = {key: self._message_dict(msg)}
        if reason is not None:
            self.dropped_updates.append((payload, reason))
            logger.info("update not delivered to the bot: %s", reason)
            return None
        return self._queue(payload)

    def _queue(self, payload: dict) -> int:
        kind = next(iter(payload))
        update_id = next(self._update_seq)
        update = {"update_id": update_id, **payload}
        self._updates[update_id] = update
        if kind not in self._allowed_updates:
            self.dropped_updates.append((update, f"{kind} not in allowed_updates"))
            logger.info("update %s not delivered: %s is not in allowed_updates", update_id, kind)
            return update_id
        self._pending.append(copy.deepcopy(update))
        self._cond.notify_all()
        return update_id

    def _delivered(self, update_id: int) -> bool:
        return any(u["update_id"] == update_id for u in self._pending)

    def _member_update(self, chat: Chat, actor: User, old: str, new: str) -> dict:
        return {"chat": chat.to_api(), "from": actor.to_api(), "date": int(time.time()),
                "old_chat_member": self._member_dict(self.bot_user, old),
                "new_chat_member": self._member_dict(self.bot_user, new)}

    @staticmethod
    def _member_dict(user: User, status: str) -> dict:
        data: dict[str, Any] = {"status": status, "user": user.to_api()}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                        can_delete_messages=True,
                        can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                        can_change_info=True, can_invite_users=True, can_post_stories=False,
                        can_edit_stories=False, can_delete_stories=False, can_pin_messages=True)
        elif status == "restricted":
            data.update(is_member=True, can_change_info=False, can_invite_users=False, can_pin_messages=False,
                        can_send_messages=False, can_send_polls=False, can_send_other_messages=False,
                        can_add_web_page_previews=False, can_manage_topics=False, until_date=0,
                        can_send_audios=False, can_send_documents=False, can_send_photos=False,
                        can_send_videos=False, can_send_video_notes=False, can_send_voice_notes=False,
                        can_edit_tag=False, can_react_to_messages=False)
        elif status == "kicked":
            data["until_date"] = 0
        return data

    def _store_file(self, content: bytes, kind: str, file_name: str | None,
                    mime_type: str | None) -> StoredFile:
        n = next(self._file_seq)
        ext = ""
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        folder = kind.removeprefix("bot:")
        stored = StoredFile(
            file_id=f"FAKE{folder[:3].upper()}{n:06d}AgADfakefileid", file_unique_id=f"AgAD{n:06d}",
            content=content, file_name=file_name, mime_type=mime_type, kind=kind,
            file_path=f"fakebotapi/{folder}s/file_{n}{ext}",
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored.file_id
        return stored

    @staticmethod
    def _document_dict(stored: StoredFile) -> dict:
        data: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                "file_size": stored.file_size}
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def _message_dict(self, msg: Message) -> dict:
        sender = self.bot_user if msg.from_bot else self._users[msg.sender_id]
        data: dict[str, Any] = {"message_id": msg.message_id, "from": sender.to_api(),
                                "chat": self._chats[msg.chat_id].to_api(), "date": msg.date}
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.reply_to is not None:
            replied = self._messages.get(msg.chat_id, {}).get(msg.reply_to)
            if replied is not None:
                inner = self._message_dict(replied)
                inner.pop("reply_to_message", None)
                data["reply_to_message"] = inner
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = copy.deepcopy(msg.entities)
        if msg.media:
            data.update(copy.deepcopy(msg.media))
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = copy.deepcopy(msg.caption_entities)
        if msg.extra:
            data.update(copy.deepcopy(msg.extra))
        if msg.reply_markup:
            data["reply_markup"] = copy.deepcopy(msg.reply_markup)
        return data

    # ================================================================== internals: HTTP handling

    def _handle(self, h: _Handler) -> None:
        received, mono = time.time(), time.monotonic()
        split = urllib.parse.urlsplit(h.path)
        try:
            body = self._read_body(h)
        except (ValueError, OSError) as err:
            if isinstance(err, _IncompleteBody):
                method = re.fullmatch(r"/bot[^/]*/([^/?]*)", split.path)
                with self._lock:
                    self.incomplete_requests.append((method.group(1) if method else "?", received))
            h.close_connection = True
            return
        path = urllib.parse.unquote(split.path)
        if path.startswith("/file/bot"):
            self._serve_file(h, path)
            return
        m = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if m is None:
            self._write(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, raw_method = m.groups()
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            # Never record or log the token that was offered: it might be a real one.
            wrong = ApiError(401, "Unauthorized", detail="request with a wrong token")
            self._violation(raw_method, wrong, {})
            self._write(h, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        entry = self._handlers.get(raw_method.lower())
        method = entry[0] if entry else raw_method
        call = Call(next(self._call_seq), method, {}, {}, received, mono)
        try:
            call.params, call.files = self._parse_params(h, split.query, body)
            if entry is None:
                raise ApiError(404, "Not Found", detail=f"method {raw_method!r} is unknown to Telegram or "
                                                        "not implemented by FakeBotAPI (see set_handler)")
            status, payload = self._dispatch(h, call, entry[1])
        except ApiError as err:
            status, payload = err.error_code, err.payload()
            self._violation(method, err, call.params, call)
        except _ClientGone:
            self._record(call, None, None)
            h.close_connection = True
            return
        except _DropConnection:
            self._record(call, None, None)
            self._drop(h)
            return
        except Exception as exc:  # a bug of the fake: answer 500 and make assert_no_violations fail
            logger.exception("FakeBotAPI failed on %s", method)
            with self._lock:
                self.internal_errors.append(f"{method}: {exc!r}")
            status, payload = 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        self._record(call, status, payload)
        self._write(h, status, payload)

    def _dispatch(self, h: _Handler, call: Call, handler: Callable[..., Any]) -> tuple[int, dict]:
        fault = self._take_fault(call)
        if self.latency:
            self._stopping.wait(self.latency)
        if fault is not None:
            call.fault = fault.kind
            if fault.kind == "slow":
                self._stopping.wait(fault.delay)
            elif fault.kind in ("timeout", "drop"):
                if fault.process:
                    self._run(h, call, handler)
                if fault.kind == "timeout":
                    self._hang(h)
                raise _DropConnection
            else:
                return self._fault_answer(fault)
        chat_id = call.params.get("chat_id")
        if self.strict_rate_limits and call.method in SEND_METHODS and isinstance(chat_id, int):
            with self._lock:
                wait = self._rate_limited(chat_id)
            if wait is not None:
                raise ApiError(429, f"Too Many Requests: retry after {wait}",
                               parameters={"retry_after": wait}, detail="flood limit exceeded (strict mode)")
        result = self._run(h, call, handler)
        return 200, {"ok": True, "result": result}

    def _run(self, h: _Handler, call: Call, handler: Callable[..., Any]) -> Any:
        if call.method == "getUpdates":
            return self._m_get_updates(call.params, h)
        with self._lock:
            result = handler(call.params, call.files)
            if call.method in SEND_METHODS and isinstance(result, dict) and "chat" in result:
                self._sends.append((time.monotonic(), result["chat"]["id"]))
            self._observe_output(call, result)
            return result

    def _take_fault(self, call: Call) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining <= 0:
                    continue
                if fault.method != "*" and fault.method.lower() != call.method.lower():
                    continue
                if not all(str(call.params.get(k)) == str(v) for k, v in fault.match.items()):
                    continue
                fault.remaining -= 1
                fault.fired += 1
                self.fault_counts[fault.kind] += 1
                return fault
        return None

    @staticmethod
    def _fault_answer(fault: Fault) -> tuple[int, dict]:
        code = int(fault.kind)
        if code == 429:
            description = fault.description or f"Too Many Requests: retry after {fault.retry_after}"
            return 429, {"ok": False, "error_code": 429, "description": description,
                         "parameters": {"retry_after": fault.retry_after}}
        default = {403: "Forbidden: bot was blocked by the user", 500: "Internal Server Error",
                   502: "Bad Gateway", 400: "Bad Request: injected fault"}.get(code, f"Error {code}")
        return code, {"ok": False, "error_code": code, "description": fault.description or default}

    def _hang(self, h: _Handler) -> None:
        deadline = time.monotonic() + self.max_hang
        while not self._stopping.is_set() and time.monotonic() < deadline:
            if h.client_gone():
                return
            self._stopping.wait(0.02)

    @staticmethod
    def _drop(h: _Handler) -> None:
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.shutdown(socket.SHUT_RDWR)

    def _record(self, call: Call, status: int | None, payload: dict | None) -> None:
        call.status, call.response = status, payload
        call.duration = time.monotonic() - call.monotonic
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        logger.debug("%s -> %s%s", call.method, status if status is not None else "no answer",
                     f" ({call.fault})" if call.fault else "")

    def _violation(self, method: str, err: ApiError, params: dict, call: Call | None = None) -> None:
        if not err.violation:
            return
        record = Violation(method, err.error_code, err.description, err.detail, dict(params), time.time(),
                           call.seq if call else None)
        with self._cond:
            if err.description.startswith("Bad Request: message is not modified"):
                self.not_modified.append(record)
            else:
                self.violations.append(record)
                logger.info("violation: %s", record)
            self._cond.notify_all()

    def _write(self, h: _Handler, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._write_raw(h, status, body, "application/json")

    @staticmethod
    def _write_raw(h: _Handler, status: int, body: bytes, content_type: str) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
        except OSError:
            h.close_connection = True

    @staticmethod
    def _read_body(h: _Handler) -> bytes:
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = h.rfile.readline()
                if not line:
                    raise _IncompleteBody("incomplete request body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(h.rfile.read(size))
                h.rfile.readline()
        length = int(h.headers.get("Content-Length") or 0)
        if length > MAX_UPLOAD_BYTES + 1024 * 1024:
            raise ValueError("request too large")
        body = h.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-request (e.g. the bot was killed): Telegram never sees such a request.
            raise _IncompleteBody("incomplete request body")
        return body

    def _serve_file(self, h: _Handler, path: str) -> None:
        m = re.fullmatch(r"/file/bot([^/]*)/(.+)", path)
        if m is None or not hmac.compare_digest(m.group(1).encode(), self.token.encode()):
            self._write(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        with self._lock:
            file_id = self._file_paths.get(m.group(2))
            stored = self._files.get(file_id) if file_id else None
        if stored is None:
            self._write(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self._write_raw(h, 200, stored.content, stored.mime_type or "application/octet-stream")

    def _parse_params(self, h: _Handler, query: str, body: bytes) -> tuple[dict, dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        files: dict[str, UploadedFile] = {}
        ctype = h.headers.get("Content-Type", "")
        mime = ctype.split(";")[0].strip().lower()
        if body and mime == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise _bad("can't parse JSON encoded request") from None
            if not isinstance(data, dict):
                raise _bad("can't parse JSON encoded request")
            raw.update(data)
        elif body and mime == "application/x-www-form-urlencoded":
            raw.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif body and mime == "multipart/form-data":
            fields, files = _parse_multipart(body, ctype)
            raw.update(fields)
        params = {key: self._coerce(key, value) for key, value in raw.items()}
        for key, value in list(params.items()):  # attach://name references
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                files[key] = files.pop(value[9:])
        return params, files

    @staticmethod
    def _coerce(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in _JSON_PARAMS:
            try:
                return json.loads(value)
            except ValueError:
                if key == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from None
                if key in ("entities", "caption_entities"):
                    raise _bad("can't parse entities JSON object") from None
                raise _bad(f"can't parse {key} JSON object") from None
        if key in _INT_PARAMS:
            try:
                return int(value)
            except ValueError:
                if key == "chat_id":
                    return value  # "@channelusername"
                raise _bad(f"invalid {key} specified") from None
        if key in _FLOAT_PARAMS:
            try:
                number = float(value)
            except ValueError:
                raise _bad(f"invalid {key} specified") from None
            return int(number) if number.is_integer() else number
        if key in _BOOL_PARAMS:
            return value.lower() in ("true", "1")
        return value

    # ================================================================== Bot API methods

    def _builtin_methods(self) -> dict[str, Callable[[dict, dict], Any]]:
        return {
            "getMe": self._m_get_me,
            "getUpdates": lambda params, files: None,  # handled in _run (needs the connection)
            "setWebhook": self._m_set_webhook,
            "deleteWebhook": self._m_delete_webhook,
            "getWebhookInfo": self._m_get_webhook_info,
            "setMyCommands": self._m_set_my_commands,
            "getMyCommands": self._m_get_my_commands,
            "deleteMyCommands": self._m_delete_my_commands,
            "setMyDescription": lambda p, f: self._m_set_description(p, "description"),
            "getMyDescription": lambda p, f: self._m_get_description(p, "description"),
            "setMyShortDescription": lambda p, f: self._m_set_description(p, "short_description"),
            "getMyShortDescription": lambda p, f: self._m_get_description(p, "short_description"),
            "sendMessage": self._m_send_message,
            "editMessageText": self._m_edit_message_text,
            "editMessageReplyMarkup": self._m_edit_message_reply_markup,
            "answerCallbackQuery": self._m_answer_callback_query,
            "sendChatAction": self._m_send_chat_action,
            "sendDocument": lambda p, f: self._m_send_media(p, f, "document"),
            "sendPhoto": lambda p, f: self._m_send_media(p, f, "photo"),
            "getFile": self._m_get_file,
            "getChatMember": self._m_get_chat_member,
            "getChat": self._m_get_chat,
            "deleteMessage": self._m_delete_message,
        }

    def _m_get_me(self, params: dict, files: dict) -> dict:
        return {**self.bot_user.to_api(), "can_join_groups": True, "can_read_all_group_messages":
                not self.privacy_mode, "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    # -- updates

    def _confirm(self, offset: int) -> None:
        if offset > self._confirmed_offset:
            self._confirmed_offset = offset
        self._pending = [u for u in self._pending if u["update_id"] >= self._confirmed_offset]
        # A redelivered update is below the confirmed offset already; it leaves once it has been handed out
        # and a later getUpdates confirms it.
        self._redelivered = [u for u in self._redelivered
                             if u["update_id"] >= offset or u["update_id"] not in self._redelivered_sent]

    def _m_get_updates(self, params: dict, h: _Handler) -> list[dict]:
        offset = params.get("offset")
        limit = params.get("limit", 100)
        timeout = params.get("timeout", 0) or 0
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            limit = 100
        if not isinstance(timeout, int | float) or timeout < 0:
            timeout = 0
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook["url"]:
                raise ApiError(409, WEBHOOK_CONFLICT, detail="getUpdates while a webhook is set")
            allowed = params.get("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = tuple(allowed) if allowed else DEFAULT_UPDATE_TYPES
            if isinstance(offset, int) and offset < 0:
                everything = sorted(self._redelivered + self._pending, key=lambda u: u["update_id"])
                keep = everything[offset:]
                if keep:
                    self._confirm(keep[0]["update_id"])
                else:
                    self._confirm(max(self._updates, default=-1) + 1)
            elif isinstance(offset, int) and offset > 0:
                self._confirm(offset)
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            while True:
                if self._stopping.is_set():
                    return []
                ready = sorted(self._redelivered + self._pending, key=lambda u: u["update_id"])[:limit]
                if ready:
                    self._redelivered_sent.update(u["update_id"] for u in ready)
                    return copy.deepcopy(ready)
                if generation != self._poll_generation:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                if h.client_gone():
                    raise _ClientGone
                self._cond.wait(min(remaining, 0.05))
        # Another getUpdates arrived while this one was waiting.  If this client is gone (PTB cancelled its
        # long poll, e.g. on shutdown) nobody will read the answer; otherwise two pollers overlap.
        give_up = time.monotonic() + 0.3
        while time.monotonic() < give_up:
            if h.client_gone():
                raise _ClientGone
            time.sleep(0.02)
        raise ApiError(409, POLL_CONFLICT, detail="two getUpdates requests overlapped")

    def _m_set_webhook(self, params: dict, files: dict) -> bool:
        url = params.get("url", "")
        if not url:
            self.webhook.update(url="", secret_token=None)
            return True
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" and not (self.allow_http_webhook and parts.scheme == "http"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.port not in (None, 443, 80, 88, 8443) and parts.scheme == "https":
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = tuple(allowed) if allowed else DEFAULT_UPDATE_TYPES
        if params.get("drop_pending_updates"):
            self._confirm(max(self._updates, default=-1) + 1)
        self.webhook.update(url=url, secret_token=secret, allowed_updates=allowed,
                            max_connections=params.get("max_connections", 40))
        self._cond.notify_all()
        return True

    def _m_delete_webhook(self, params: dict, files: dict) -> bool:
        self.webhook.update(url="", secret_token=None)
        if params.get("drop_pending_updates"):
            self._confirm(max(self._updates, default=-1) + 1)
        return True

    def _m_get_webhook_info(self, params: dict, files: dict) -> dict:
        info: dict[str, Any] = {"url": self.webhook["url"], "has_custom_certificate": False,
                                "pending_update_count": len(self._pending) + len(self._redelivered)}
        if self.webhook["url"]:
            info["max_connections"] = self.webhook["max_connections"]
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    # -- commands and descriptions

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if scope is None:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True)

    def _checked_scope_and_language(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        kinds = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
                 "chat_administrators", "chat_member")
        if not isinstance(scope, dict) or scope.get("type") not in kinds:
            raise _bad("can't parse BotCommandScope: unsupported type")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            self._require_chat(scope.get("chat_id"), sending=False)
        if scope["type"] == "chat_member" and not isinstance(scope.get("user_id"), int):
            raise _bad("invalid user_id specified")
        language = params.get("language_code", "") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return self._scope_key(scope), language

    def _m_set_my_commands(self, params: dict, files: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict) or not isinstance(cmd.get("command"), str):
                raise _bad("can't parse BotCommand")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", cmd["command"]):
                raise _bad("BOT_COMMAND_INVALID", detail="command must be 1-32 of a-z, 0-9 and _")
            description = cmd.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("command description must be non-empty", detail="description must be 1-256 chars")
            clean.append({"command": cmd["command"], "description": description})
        self._commands[self._checked_scope_and_language(params)] = clean
        return True

    def _m_get_my_commands(self, params: dict, files: dict) -> list[dict]:
        return copy.deepcopy(self._commands.get(self._checked_scope_and_language(params), []))

    def _m_delete_my_commands(self, params: dict, files: dict) -> bool:
        self._commands.pop(self._checked_scope_and_language(params), None)
        return True

    def _m_set_description(self, params: dict, kind: str) -> bool:
        limit = 512 if kind == "description" else 120
        text = params.get(kind, "") or ""
        if len(text) > limit:
            raise _bad(f"{kind} is too long")
        self._descriptions[(kind, params.get("language_code", "") or "")] = text
        return True

    def _m_get_description(self, params: dict, kind: str) -> dict:
        return {kind: self._descriptions.get((kind, params.get("language_code", "") or ""), "")}

    # -- chats

    def _require_chat(self, chat_id: Any, *, sending: bool = True) -> Chat:
        chat = None
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            chat = next((c for c in self._chats.values() if c.is_group and c.username
                         and c.username.lower() == chat_id[1:].lower()), None)
        if chat is None:
            if chat_id is None or chat_id == "":
                raise _bad("chat_id is empty")
            raise _bad("chat not found", detail=f"chat_id={chat_id!r} does not exist in the simulated world")
        if not sending:
            return chat
        if chat.type == "private":
            if chat.id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user", violation=False)
            if chat.id not in self._started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user", violation=False)
        else:
            status = self._members.get(chat.id, {}).get(self.bot_id, "left")
            if status == "kicked":
                kind = "supergroup" if chat.type == "supergroup" else "group"
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat", violation=False)
            if status == "left":
                raise ApiError(403, "Forbidden: bot is not a member of the group chat", violation=False)
        return chat

    def _m_get_chat(self, params: dict, files: dict) -> dict:
        chat = self._require_chat(params.get("chat_id"), sending=False)
        return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _m_get_chat_member(self, params: dict, files: dict) -> dict:
        chat = self._require_chat(params.get("chat_id"), sending=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int) or user_id not in self._users:
            raise _bad("user not found", detail=f"user_id={user_id!r} does not exist in the simulated world")
        if chat.type == "private":
            if user_id not in (chat.id, self.bot_id):
                raise _bad("user not found", detail="only the user and the bot are in a private chat")
            status = "member"
        else:
            status = self._members.get(chat.id, {}).get(user_id, "left")
        return self._member_dict(self._users[user_id], status)

    def _m_send_chat_action(self, params: dict, files: dict) -> bool:
        self._require_chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # -- messages

    def _formatted(self, text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict]]:
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else parse_mode
        if not mode:
            if entities is not None and not isinstance(entities, list):
                raise _bad("can't parse entities JSON object")
            return _strip_text(text, copy.deepcopy(entities or []))
        if mode == "html":
            try:
                return parse_html(text, strict_ampersand=self.strict_html)
            except HtmlParseError as err:
                lone_amp = "Unescaped" in str(err)
                detail = "lone '&' (documented rule; real Telegram is lenient)" if lone_amp else ""
                raise _bad(f"can't parse entities: {err}", detail=detail) from None
        if mode in ("markdown", "markdownv2"):
            # Not validated by the fake: the text is kept as sent.
            return _strip_text(text, [])
        raise _bad("unsupported parse_mode")

    def _checked_markup(self, raw: Any, *, inline_only: bool = False) -> dict | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise _bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(raw, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in raw:
            if inline_only or not ({"keyboard", "remove_keyboard", "force_reply"} & raw.keys()):
                raise _bad("can't parse inline keyboard markup JSON object" if inline_only
                           else "can't parse reply keyboard markup JSON object")
            return copy.deepcopy(raw)
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        count = 0
        for row in rows:
            for button in row:
                count += 1
                self._check_button(button)
        if count > MAX_INLINE_BUTTONS:
            raise _bad("REPLY_MARKUP_TOO_LONG", detail=f"{count} buttons, at most {MAX_INLINE_BUTTONS}")
        cleaned = [row for row in rows if row]
        return {"inline_keyboard": copy.deepcopy(cleaned)} if cleaned else None

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        if not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not button["text"].strip():
            raise _bad("BUTTON_TEXT_INVALID", detail="button text is empty")
        actions = [key for key in BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad("can't parse inline keyboard button: "
                       "Text buttons are unallowed in the inline keyboard",
                       detail=f"button {button['text']!r} has neither callback_data nor url")
        if len(actions) > 1:
            raise _bad("can't parse inline keyboard button: exactly one of the optional fields must be used",
                       detail=f"button {button['text']!r} has {actions}")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8")) if isinstance(data, str) else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID", detail=f"callback_data must be 1-64 bytes, got {size}")
        if "url" in button:
            url = button["url"]
            parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https", "tg") or (
                    parts.scheme != "tg" and not parts.hostname):
                raise _bad("BUTTON_URL_INVALID", detail=f"url {url!r}")

    def _checked_reply(self, chat: Chat, params: dict) -> int | None:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        allow = (reply.get("allow_sending_without_reply") if isinstance(reply, dict)
                 else params.get("allow_sending_without_reply"))
        if target is None:
            return None
        msg = self._messages.get(chat.id, {}).get(target)
        if msg is None or msg.deleted:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return int(target)

    def _new_bot_message(self, chat: Chat, kind: str, params: dict) -> Message:
        msg = Message(chat.id, self._new_message_id(chat.id), True, self.bot_id, int(time.time()), kind)
        msg.reply_to = self._checked_reply(chat, params)
        return msg

    def _m_send_message(self, params: dict, files: dict) -> dict:
        chat = self._require_chat(params.get("chat_id"))
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("message text is empty")
        parse_mode = params.get("parse_mode")
        plain, entities = self._formatted(text, parse_mode, params.get("entities"))
        if not plain:
            raise _bad("message text is empty")
        if utf16_len(plain) > MAX_TEXT_LENGTH:
            raise _bad("message is too long",
                       detail=f"{utf16_len(plain)} UTF-16 units, at most {MAX_TEXT_LENGTH}")
        markup = self._checked_markup(params.get("reply_markup"))
        msg = self._new_bot_message(chat, "text", params)
        msg.text, msg.entities, msg.source, msg.parse_mode = plain, entities, text, parse_mode
        msg.reply_markup = markup
        self._messages.setdefault(chat.id, {})[msg.message_id] = msg
        return self._message_dict(msg)

    def _m_send_media(self, params: dict, files: dict[str, UploadedFile], kind: str) -> dict:
        chat = self._require_chat(params.get("chat_id"))
        upload = files.get(kind)
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            if len(upload.content) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            stored = self._store_file(upload.content, f"bot:{kind}", upload.filename,
                                      upload.content_type or _guess_mime(upload.filename or ""))
        else:
            ref = params.get(kind)
            if not isinstance(ref, str) or not ref:
                raise _bad(f"there is no {kind} in the request")
            if ref in self._files:
                stored = self._files[ref]
            elif ref.startswith(("http://", "https://")):
                raise _bad("failed to get HTTP URL content", detail="the simulated world has no internet")
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
        caption, caption_entities = None, []
        if params.get("caption"):
            caption, caption_entities = self._formatted(params["caption"], params.get("parse_mode"),
                                                        params.get("caption_entities"))
            if utf16_len(caption) > MAX_CAPTION_LENGTH:
                raise _bad("message caption is too long",
                           detail=f"{utf16_len(caption)} UTF-16 units, at most {MAX_CAPTION_LENGTH}")
        markup = self._checked_markup(params.get("reply_markup"))
        msg = self._new_bot_message(chat, kind, params)
        if kind == "photo":
            msg.media = {"photo": [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                    "width": 800, "height": 600, "file_size": stored.file_size}]}
        else:
            msg.media = {kind: self._document_dict(stored)}
        msg.caption, msg.caption_entities = caption, caption_entities
        msg.source, msg.parse_mode, msg.reply_markup = params.get("caption"), params.get("parse_mode"), markup
        self._messages.setdefault(chat.id, {})[msg.message_id] = msg
        return self._message_dict(msg)

    def _m_get_file(self, params: dict, files: dict) -> dict:
        stored = self._files.get(params.get("file_id", ""))
        if stored is None:
            raise _bad("wrong file_id or the file is temporarily unavailable")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size, "file_path": stored.file_path}

    def _editable(self, params: dict, what: str) -> tuple[Chat, Message]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID", detail="inline messages are not simulated")
        chat = self._require_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad("message identifier is not specified")
        msg = self._messages.get(chat.id, {}).get(message_id)
        if msg is None or msg.deleted:
            raise _bad(f"message to {what} not found",
                       detail=f"message {message_id} does not exist in chat {chat.id}")
        return chat, msg

    def _m_edit_message_text(self, params: dict, files: dict) -> dict:
        chat, msg = self._editable(params, "edit")
        if not msg.from_bot:
            raise _bad("message can't be edited", detail="the message was not sent by the bot")
        if msg.kind != "text":
            raise _bad("there is no text in the message to edit")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("text must be non-empty")
        plain, entities = self._formatted(text, params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise _bad("text must be non-empty")
        if utf16_len(plain) > MAX_TEXT_LENGTH:
            raise _bad("MESSAGE_TOO_LONG",
                       detail=f"{utf16_len(plain)} UTF-16 units, at most {MAX_TEXT_LENGTH}")
        # Telegram removes the inline keyboard when an edit does not pass reply_markup.
        markup = self._checked_markup(params.get("reply_markup"), inline_only=True)
        if (plain, _norm(entities), markup) == (msg.text, _norm(msg.entities), msg.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append({"text": msg.text, "entities": msg.entities, "reply_markup": msg.reply_markup})
        msg.text, msg.entities, msg.source, msg.parse_mode = plain, entities, text, params.get("parse_mode")
        msg.reply_markup = markup
        msg.edit_date = int(time.time())
        return self._message_dict(msg)

    def _m_edit_message_reply_markup(self, params: dict, files: dict) -> dict:
        chat, msg = self._editable(params, "edit")
        if not msg.from_bot:
            raise _bad("message can't be edited", detail="the message was not sent by the bot")
        markup = self._checked_markup(params.get("reply_markup"), inline_only=True)
        if markup == msg.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        msg.history.append({"text": msg.text, "entities": msg.entities, "reply_markup": msg.reply_markup})
        msg.reply_markup = markup
        msg.edit_date = int(time.time())
        return self._message_dict(msg)

    def _m_delete_message(self, params: dict, files: dict) -> bool:
        chat, msg = self._editable(params, "delete")
        if not msg.from_bot and chat.is_group and self._members.get(chat.id, {}).get(self.bot_id) not in (
                "administrator", "creator"):
            raise _bad("message can't be deleted", detail="deleting others' messages needs admin rights")
        msg.deleted = True
        return True

    def _m_answer_callback_query(self, params: dict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        query = self._callback_queries.get(query_id)
        if query is None:
            raise ApiError(400, QUERY_TOO_OLD, detail=f"unknown callback query id {query_id!r}")
        if query.answered is not None:
            raise ApiError(400, QUERY_TOO_OLD, detail=f"callback query {query_id} answered twice")
        if self.callback_query_ttl is not None and time.monotonic() - query.created > self.callback_query_ttl:
            raise ApiError(400, QUERY_TOO_OLD,
                           detail=f"answered after more than {self.callback_query_ttl}s")
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG", detail=f"answer text longer than {MAX_CALLBACK_ANSWER_LENGTH}")
        query.answered = time.monotonic()
        query.answer = {k: v for k, v in params.items() if k != "callback_query_id"}
        self._cond.notify_all()
        return True


def _norm(entities: list[dict]) -> list[str]:
    return sorted(json.dumps(e, sort_keys=True) for e in entities)


def _guess_mime(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if m is None:
        raise _bad("can't parse multipart request: no boundary")
    delimiter = b"--" + m.group(1).encode()
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', disposition)
        attrs = {k.lower(): _unescape_form(v) for k, v in pairs}
        name = attrs.get("name")
        if name is None:
            continue
        if "filename" in attrs:
            files[name] = UploadedFile(name, attrs["filename"], content, headers.get("content-type"))
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def _unescape_form(value: str) -> str:
    """Undo the HTML5 form encoding httpx applies to names and filenames."""
    value = re.sub(r"%([0-1][0-9A-Fa-f]|22|7[Ff])", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")
