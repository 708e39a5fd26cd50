"""The consultation on Telegram: python-telegram-bot updates in, engine replies out.

Usage::

    TELEGRAM_BOT_TOKEN=... python bot.py telegram                       # long polling
    TELEGRAM_BOT_TOKEN=... python bot.py telegram --webhook https://example.com/xiaoe \\
        --listen 127.0.0.1 --port 8443 --secret S                        # webhook behind a reverse proxy

This module is a thin adapter, like ``channels/terminal.py``: it turns each update into an
:class:`~flows.model.Inbound`, lets :meth:`Engine.handle` run the turn, and sends every returned
:class:`~flows.model.Reply` as Telegram HTML with an inline keyboard (split at paragraph boundaries above
4,096 characters). Then it calls :meth:`Engine.mark_delivered`, so an update delivered again after a
crash is either ignored (its replies went out) or answered with the stored replies (they never did).
``channels/delivery.py`` makes that hold under SIGKILL and Bot API faults: updates are confirmed to
Telegram only once handled, what went out is journaled and never sent twice, faults are retried a bounded
number of times and undeliverable replies recorded.

Design notes:

* **Button presses.** Every callback query is answered exactly once. A refused press (stale or unknown
  button) comes back as one ``alert`` reply and becomes a pop-up, never a message. An accepted answer
  (first reply of kind ``ack``) is folded into the pressed question: the message is edited to show the
  question plus "✔️ answer" and loses its keyboard, so the chat reads like a filled-in form. Multi-choice
  toggles (``meta["replace_pressed"]``) edit the pressed message's text and keyboard in place.
* **No stale keyboards.** Every message sent with turn-bound buttons (all but the read-only law buttons)
  is recorded in the ``telegram_keyboards`` table with the session turn its callback data carries.
  After each turn, every recorded keyboard whose turn is no longer the session's current turn (or whose
  session has ended) is removed with ``editMessageReplyMarkup``. The rule mirrors the engine's own test
  for stale presses, so a keyboard is removed exactly when pressing it would be refused. Keeping it in
  SQLite (not in memory) means a restarted bot still cleans up the keyboards the old process sent.
* **Order.** Chats are served concurrently, each chat's updates strictly in Telegram's order (in a group:
  per member, and per group for what posts there); at most 16 updates in flight; an update is confirmed
  to Telegram only when it and every update before it are handled — see ``channels/concurrency.py``.
  An engine turn is synchronous (~0.3 ms, one SQLite transaction) and runs in the event loop, so two turns
  never share the connection at once; the waiting is on the network.
* **Secrets in logs.** :func:`install_redaction` wraps the log record factory so the bot token (and the
  webhook secret) are replaced in every log record before any handler sees it — including httpx's
  ``HTTP Request: POST https://api.telegram.org/bot<token>/...`` lines and exception tracebacks.
  PTB's DEBUG dumps of request parameters (which carry message texts) are silenced by
  :func:`configure_logging`; our own log lines carry ids and kinds only, never what a user wrote.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import logging
import os
import re
import secrets
import sys
import traceback
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from channels import concurrency
from channels import telegram_group as group
from channels.checkpoints import background_checkpoints
from channels.delivery import Delivery
from channels.journal import delivery_request
from flows import callbacks as cb
from flows.engine import Engine
from flows.model import Inbound, InboundKind, Reply
from messages import html_to_text
from storage.db import immediate
from storage.sessions import now_iso

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org/bot"
MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units
MAX_ALERT_LENGTH = 200
ENGINE_KEY = "xiaoe.engine"
KEYBOARDS_KEY = "xiaoe.keyboards"
DELIVERY_KEY = "xiaoe.delivery"
# Channel posts are not asked for: the bot serves people, not channels (it never answers one).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

# The command menu (Telegram shows it next to the input field).
PRIVATE_COMMANDS = (
    ("start", "开始咨询或继续上次的咨询"),
    ("help", "使用说明"),
    ("back", "返回上一步（撤销上一个回答）"),
    ("restart", "重新开始咨询"),
    ("review", "查看目前的回答"),
    ("law", "查看法条，例如 /law 诉讼时效"),
    ("calc", "计算器说明（诉讼费、诉讼时效等）"),
    ("forget", "删除我的全部数据"),
    ("cancel", "结束本次咨询"),
)
# In groups the bot answers general questions and hands consultations over to a private chat.
GROUP_COMMANDS = (
    ("faq", "常见问题，例如 /faq 失信"),
    ("start", "获取私聊咨询链接（个人情况只在私聊中分析）"),
    ("help", "在群里怎么用我"),
)
GROUP_ADMIN_COMMANDS = (*GROUP_COMMANDS, ("settings", "本群设置（仅管理员）"))


# ============================================================================================ HTML


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2


_HTML_TOKEN = re.compile(r"<[^>]*>|&#?\w{1,32};|\n\n|\n|[^<&\n]+|[<&]")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


def _closers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _openers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def _has_text(part: str) -> bool:
    return bool(html.unescape(re.sub(r"<[^>]*>", "", part)).strip())


def split_html(source: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` UTF-16 units, each valid on its own.

    Cuts at the last paragraph break (blank line) that fits in the second half of the part, else at
    the last line break there, else at any earlier break, else inside the text (never inside a tag or
    an entity). Tags open at a cut are closed at the end of the part and reopened (with their
    attributes) at the start of the next. The length is measured on the source, which is never shorter
    than the text Telegram counts, so every part is accepted.
    """
    if utf16_len(source) <= limit:
        return [source]
    tokens = _HTML_TOKEN.findall(source)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    cur: list[str] = []
    cur_len = 0
    # Places to cut in the current part: (token index of the separator, len(cur), stack there, weight, length).
    breaks: list[tuple[int, int, list[tuple[str, str]], int, int]] = []
    i = 0
    base = 0  # len(cur) right after a cut: a part always takes at least one token, so the loop ends

    def flush(upto: int, at_stack: list[tuple[str, str]]) -> None:
        part = "".join(cur[:upto]) + _closers(at_stack)
        if _has_text(part):
            parts.append(part)

    while i < len(tokens):
        tok = tokens[i]
        new_stack = stack
        match = _TAG_NAME.match(tok) if tok.startswith("<") and tok.endswith(">") else None
        if match:
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if stack and stack[-1][0] == name:
                    new_stack = stack[:-1]
            else:
                new_stack = [*stack, (name, tok)]
        size = utf16_len(tok)
        fits = cur_len + size + utf16_len(_closers(new_stack)) <= limit
        if not fits:
            late = [b for b in breaks if b[4] >= limit // 2]
            best = max(late or breaks, key=lambda b: (b[3], b[0]), default=None)
            room = limit - cur_len - utf16_len(_closers(stack))
            head = _prefix_within(tok, room) if not match and not tok.startswith("&") and room > 0 else ""
            if best is not None:
                sep_index, upto, at_stack, _, _ = best
                flush(upto, at_stack)
                i, stack = sep_index + 1, list(at_stack)
            elif head:
                tokens[i:i + 1] = [head, tok[len(head):]]
                cur.append(head)
                flush(len(cur), stack)
                i += 1
            elif len(cur) > base:
                flush(len(cur), stack)
            else:
                fits = True  # a tag longer than a whole part: take it anyway so the loop moves on
            if not fits:
                cur = [_openers(stack)] if stack else []
                cur_len = utf16_len(cur[0]) if cur else 0
                base = len(cur)
                breaks = []
                continue
        if tok in ("\n\n", "\n"):
            breaks.append((i, len(cur), list(stack), 2 if tok == "\n\n" else 1, cur_len))
        cur.append(tok)
        cur_len += size
        stack = new_stack
        i += 1
    flush(len(cur), stack)
    return parts


def _prefix_within(text: str, room: int) -> str:
    """The longest prefix of ``text`` of at most ``room`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return text[:index]
    return text


# ===================================================================================== secrets, logs

_SECRETS: set[str] = set()
_FACTORY_INSTALLED = False


def redact(text: str) -> str:
    """Replace every registered secret (bot token, its secret half, webhook secret) in ``text``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "<redacted>")
    return text


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed log call must not break logging
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[0] is not None:
        formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(formatted)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_redaction(*values: str) -> None:
    """Make sure ``values`` never reach a log: redacted in every record, whichever handler prints it.

    The bot token ``<id>:<secret>`` is registered whole and by its secret half. Works through the log
    record factory, so handlers added later (pytest's caplog, a file handler) get clean records too.
    """
    global _FACTORY_INSTALLED
    for value in values:
        if value and len(value) >= 8:
            _SECRETS.add(value)
            _SECRETS.add(urllib.parse.quote(value, safe=""))
            if ":" in value:
                _SECRETS.add(value.split(":", 1)[1])
    if _FACTORY_INSTALLED:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _SECRETS:
            _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _FACTORY_INSTALLED = True


def configure_logging(level: int) -> None:
    """Log levels for the Telegram channel: PTB's update and request dumps (they carry texts) stay off."""
    # PTB's DEBUG lines dump whole updates and request parameters, i.e. what users wrote.
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
    # httpx logs every request URL (with the token, redacted) at INFO: only worth it when debugging.
    logging.getLogger("httpx").setLevel(level if level <= logging.DEBUG else logging.WARNING)


# ========================================================================================= keyboards


class KeyboardTracker:
    """Messages that still show turn-bound buttons, per chat, in the engine's SQLite database."""

    def __init__(self, engine: Engine) -> None:
        """Use the engine's database (the ``telegram_keyboards`` table of migration 0002)."""
        self.db = engine.store.db

    def remember(self, chat_id: int, message_id: int, turn: int) -> None:
        """Record that ``message_id`` shows buttons of session turn ``turn``."""
        with immediate(self.db):
            self.db.execute(
                "insert into telegram_keyboards (chat_id, message_id, turn, created_at) values (?, ?, ?, ?) "
                "on conflict(chat_id, message_id) do update set turn = excluded.turn",
                [chat_id, message_id, turn, now_iso()],
            )

    def forget(self, chat_id: int, message_id: int) -> None:
        """The message no longer shows buttons."""
        with immediate(self.db):
            self.db.execute("delete from telegram_keyboards where chat_id = ? and message_id = ?",
                            [chat_id, message_id])

    def stale(self, chat_id: int, current_turn: int | None) -> list[int]:
        """Message ids in ``chat_id`` whose buttons no longer match ``current_turn`` (None: no session)."""
        rows = self.db.execute(
            "select message_id, turn from telegram_keyboards where chat_id = ? order by message_id", [chat_id]
        ).fetchall()
        return [mid for mid, turn in rows if current_turn is None or turn != current_turn]


def keyboard_turn(reply: Reply) -> int | None:
    """The session turn a reply's buttons belong to; None if it has only read-only (law) buttons."""
    for data in reply.button_data():
        press = cb.decode(data)
        if press is not None and press.action not in cb.READ_ONLY:
            return press.turn
    return None


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply's buttons (None without buttons)."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, url=b.url) if b.url else InlineKeyboardButton(b.label, callback_data=b.data)
          for b in row] for row in reply.buttons]
    )


def _not_modified(err: BadRequest) -> bool:
    return "message is not modified" in str(err).lower()


# ============================================================================================ turns


def inbound_from_message(update: Update, bot_username: str | None) -> Inbound | None:
    """The Inbound for a message update, or None when the bot should stay silent.

    Private chats: text and commands go to the engine, anything else is ``UNSUPPORTED``. Groups: only
    commands for this bot, mentions of it and replies to it (a group's other talk is not ours).
    """
    message, user, chat = update.message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or user.is_bot:
        return None
    private = chat.type == ChatType.PRIVATE
    common: dict[str, Any] = {"is_private": private, "update_id": update.update_id, "user_name": user.full_name}
    text = message.text
    if text is None:
        return Inbound(chat.id, user.id, InboundKind.UNSUPPORTED, **common) if private else None
    stripped = text.strip()
    if stripped.startswith("/"):
        head = stripped.split(maxsplit=1)[0]
        if "@" in head and bot_username and head.split("@", 1)[1].lower() != bot_username.lower():
            return None  # a command for another bot
    elif not private:
        mentioned = bool(bot_username) and f"@{bot_username}".lower() in text.lower()
        replied = bool(message.reply_to_message and message.reply_to_message.from_user
                       and message.reply_to_message.from_user.username == bot_username)
        if not (mentioned or replied):
            return None
    return Inbound.typed(chat.id, user.id, text, **common)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message (text, command, or anything else) → one engine turn."""
    inbound = inbound_from_message(update, context.bot.username)
    if inbound is not None:
        await _turn(update, context, inbound)


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button press → one engine turn; the callback query is answered exactly once."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    chat = update.effective_chat
    inbound = Inbound.pressed(chat.id, query.from_user.id, query.data or "",
                              is_private=chat.type == ChatType.PRIVATE, update_id=update.update_id,
                              user_name=query.from_user.full_name)
    await _turn(update, context, inbound)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to or removed from a group → one engine turn (introduction / data deleted)."""
    inbound = group.inbound_from_member_update(update)
    if inbound is not None:
        await _turn(update, context, inbound)


async def on_members_joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """People joined a group → one engine turn (a welcome, if the group switched it on)."""
    inbound = group.inbound_from_new_members(update)
    if inbound is not None:
        await _turn(update, context, inbound)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: edits are not read. A private chat gets a note and its current step again."""
    message, user, chat = update.edited_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or user.is_bot or chat.type != ChatType.PRIVATE:
        return  # in a group an edit is not worth a message to everyone
    await _turn(update, context, Inbound(chat.id, user.id, InboundKind.EDITED, update_id=update.update_id,
                                         user_name=user.full_name))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update by error type and update id only (no token, no user text)."""
    err = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    frames = "".join(traceback.format_tb(err.__traceback__)) if err is not None else ""
    log.error("update %s failed: %s\n%s", update_id, type(err).__name__, frames.rstrip())


async def _turn(update: Update, context: ContextTypes.DEFAULT_TYPE, inbound: Inbound) -> None:
    """Run one turn and deliver its replies; mark the update delivered once they all went out."""
    engine: Engine = context.bot_data[ENGINE_KEY]
    inbound = await group.with_admin_status(context.bot, engine, inbound)  # group /settings only
    delivery: Delivery = context.bot_data[DELIVERY_KEY]
    replies = engine.handle(inbound)
    if not replies:
        seen = engine.store.processed(update.update_id)
        if seen is not None and seen["delivered"]:
            # Delivered before (a re-delivery after a crash): its callback query was answered back then.
            log.info("update %s already delivered", update.update_id)
            delivery.journal.finish(update.update_id)  # in case the bot stopped before clearing it
            return
    # Retries, the journal of what went out and the undeliverable record: see channels/delivery.py.
    await delivery.deliver(context.bot, update.update_id, inbound.chat_id, inbound.user_id,
                           lambda bot: _deliver(update, context, inbound, replies, bot),
                           finished=lambda: engine.mark_delivered(update.update_id))


async def _deliver(update: Update, context: ContextTypes.DEFAULT_TYPE, inbound: Inbound,
                   replies: list[Reply], bot: Any = None) -> None:
    bot, chat_id = bot or context.bot, inbound.chat_id
    tracker: KeyboardTracker = context.bot_data[KEYBOARDS_KEY]
    query = update.callback_query
    alerts = [r for r in replies if r.alert]
    replies = [r for r in replies if not r.alert]
    if query is not None:
        try:
            if alerts:
                await bot.answer_callback_query(query.id, html_to_text(alerts[0].html)[:MAX_ALERT_LENGTH],
                                                show_alert=True)
            else:
                await bot.answer_callback_query(query.id)
        except BadRequest as err:  # e.g. "query is too old" after a long outage: the turn still counts
            log.info("update %s: callback answer refused (%s)", update.update_id, type(err).__name__)
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    if pressed is not None and replies and replies[0].kind == "ack":
        if await _fold_ack(bot, chat_id, pressed, replies[0], tracker):
            replies = replies[1:]
    elif pressed is not None and replies and replies[0].meta.get("replace_pressed"):
        await _replace(bot, chat_id, pressed, replies[0], tracker)
        replies = replies[1:]
    if inbound.is_private and (replies or not alerts):
        await _remove_stale_keyboards(context, inbound, tracker, bot)
    for reply in replies:
        await _send(bot, chat_id, reply, tracker)


async def _fold_ack(bot: Any, chat_id: int, pressed: Message, ack: Reply, tracker: KeyboardTracker) -> bool:
    """Edit the pressed question to show the chosen answer, without buttons; False if it cannot be done."""
    question = pressed.text_html if pressed.text else ""
    text = f"{question}\n\n{ack.html}" if question else ack.html
    tracker.forget(chat_id, pressed.message_id)
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        await _strip_keyboard(bot, chat_id, pressed.message_id)
        return False
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=pressed.message_id,
                                    parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
    except BadRequest as err:
        if not _not_modified(err):
            raise
    return True


async def _replace(bot: Any, chat_id: int, pressed: Message, reply: Reply, tracker: KeyboardTracker) -> None:
    """Show ``reply`` in the pressed message itself (multi-choice toggles)."""
    try:
        await bot.edit_message_text(reply.html, chat_id=chat_id, message_id=pressed.message_id,
                                    parse_mode=ParseMode.HTML, reply_markup=markup(reply),
                                    link_preview_options=NO_PREVIEW)
    except BadRequest as err:
        if not _not_modified(err):
            raise
    turn = keyboard_turn(reply)
    if turn is None:
        tracker.forget(chat_id, pressed.message_id)
    else:
        tracker.remember(chat_id, pressed.message_id, turn)


async def _remove_stale_keyboards(context: ContextTypes.DEFAULT_TYPE, inbound: Inbound,
                                  tracker: KeyboardTracker, bot: Any = None) -> None:
    """Remove the buttons the engine would now refuse (see the module docstring)."""
    engine: Engine = context.bot_data[ENGINE_KEY]
    session = engine.store.current(inbound.chat_id, inbound.user_id)
    for message_id in tracker.stale(inbound.chat_id, session.turn if session else None):
        # Strip, then forget: a bot stopped in between strips it again after the restart.
        await _strip_keyboard(bot or context.bot, inbound.chat_id, message_id)
        tracker.forget(inbound.chat_id, message_id)


async def _strip_keyboard(bot: Any, chat_id: int, message_id: int) -> None:
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
    except BadRequest as err:
        # Not modified, deleted by the user, too old to edit: nothing left to clean up either way.
        if not _not_modified(err):
            log.info("could not remove the keyboard of message %s: %s", message_id, type(err).__name__)


async def _send(bot: Any, chat_id: int, reply: Reply, tracker: KeyboardTracker) -> None:
    """Send one reply: split over 4,096 characters, the keyboard under the last part, then its files."""
    # No "typing…" before a result: the text is ready, so it would be one more round trip the user never sees.
    parts = split_html(reply.html) or ["…"]
    sent: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                      reply_markup=markup(reply) if last else None,
                                      link_preview_options=NO_PREVIEW)
    turn = keyboard_turn(reply)
    if sent is not None and turn is not None:
        tracker.remember(chat_id, sent.message_id, turn)
    for path in reply.files:
        if not path.exists():  # sent before a crash and deleted: the user has it already
            log.info("document of a reply to chat %s is gone; not sent again", chat_id)
            continue
        await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        with open(path, "rb") as handle:
            await bot.send_document(chat_id, handle, filename=path.name)
        # The file holds personal details: once Telegram has it, it does not stay on this server.
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # the document's own outbox folder, when now empty


# ====================================================================================== application


def _commands(pairs: Iterable[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in pairs]


async def register_commands(app: Application) -> None:
    """Register the command menu (Chinese) for private chats and groups, for zh and other clients.

    The requests go out together: polling starts after them, so one round trip instead of six.
    """
    bot = app.bot
    results = await asyncio.gather(*(
        bot.set_my_commands(_commands(pairs), scope=scope, language_code=language)
        for scope, pairs in ((BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
                             (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
                             (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_COMMANDS))
        for language in ("zh", None)
    ), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    for failure in failures:
        if not isinstance(failure, TelegramError):
            raise failure
    if failures:  # the menu is a nicety: never keep the bot from starting
        log.warning("could not register the command menu: %s", type(failures[0]).__name__)


def build_application(engine: Engine, token: str | None = None, base_url: str | None = None, *,
                      builder: ApplicationBuilder | None = None, rate_limiter: bool = True,
                      **builder_kwargs: Any) -> Application:
    """Build the Telegram ``Application`` for ``engine``.

    Give ``token`` (and optionally ``base_url``, the Bot API URL up to ``/bot``), or an ``builder``
    already configured (tests point one at a fake server). Other keyword arguments call the builder
    method of that name, e.g. ``post_stop=callback``.
    """
    # The default HTTP client gets the delivery journal's hooks (channels/journal.py).
    builder = builder or ApplicationBuilder().request(delivery_request(connection_pool_size=concurrency.pool_size()))
    if token is not None:
        builder = builder.token(token)
    if base_url is not None:
        builder = builder.base_url(base_url)
    for name, value in builder_kwargs.items():
        builder = getattr(builder, name)(value)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    # Before build(): PTB logs the base URL with the token in it while building.
    given = token if token is not None else getattr(builder, "_token", None)
    if isinstance(given, str):
        install_redaction(given)
    async def post_init(app: Application) -> None:
        await group.learn_username(app, engine)
        await register_commands(app)

    # Chats at once, each in order; confirmed to Telegram only once handled (channels/concurrency.py).
    ledger = concurrency.install(builder)
    app = builder.post_init(post_init).build()
    concurrency.attach(app, ledger)
    background_checkpoints(app, engine.store.db)  # no WAL checkpoint inside a turn (storage/checkpoint.py)
    install_redaction(app.bot.token)
    app.bot_data[ENGINE_KEY] = engine
    app.bot_data[KEYBOARDS_KEY] = KeyboardTracker(engine)
    app.bot_data[DELIVERY_KEY] = Delivery(engine.store.db)
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, on_message))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, on_members_joined))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))
    app.add_error_handler(on_error)
    return app


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: the public HTTPS URL Telegram posts to, where to listen, and the shared secret."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = ""

    def run_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Application.run_webhook`` / ``Updater.start_webhook``."""
        path = urllib.parse.urlsplit(self.url).path.strip("/")
        return {"listen": self.listen, "port": self.port, "url_path": path, "webhook_url": self.url,
                "secret_token": self.secret, "allowed_updates": ALLOWED_UPDATES}


def run(app: Application, webhook: Webhook | None = None) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook server when ``webhook`` is given."""
    if webhook is None:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5)
    else:
        app.run_webhook(**webhook.run_kwargs(), bootstrap_retries=5)


def main(argv: list[str], engine_factory: Any) -> int:
    """``python bot.py telegram [--webhook URL --listen HOST --port N --secret S] [--db PATH]``."""
    parser = argparse.ArgumentParser(prog="bot.py telegram", description="运行 Telegram 机器人 / run the Telegram bot")
    parser.add_argument("--db", help="SQLite database path (default: $XIAOE_DB or data/xiaoe.db)")
    parser.add_argument("--webhook", metavar="URL", help="public HTTPS URL for webhook mode (default: long polling)")
    parser.add_argument("--listen", default="127.0.0.1", help="address the webhook server binds (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port of the webhook server (default 8443)")
    parser.add_argument("--secret", default=os.environ.get("TELEGRAM_WEBHOOK_SECRET"),
                        help="webhook secret token (default: $TELEGRAM_WEBHOOK_SECRET, else a random one)")
    args = parser.parse_args(argv)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        sys.stderr.write("请设置 TELEGRAM_BOT_TOKEN。\nSet TELEGRAM_BOT_TOKEN to run the Telegram bot.\n")
        return 2
    secret = args.secret or secrets.token_urlsafe(32)
    install_redaction(token, secret)
    configure_logging(logging.getLogger().getEffectiveLevel())
    base_url = os.environ.get("TELEGRAM_API_URL") or DEFAULT_API_URL
    app = build_application(engine_factory(args.db), token, base_url)
    webhook = Webhook(args.webhook, args.listen, args.port, secret) if args.webhook else None
    log.warning("xiaoe Telegram bot starting (%s)", "webhook" if webhook else "long polling")
    try:
        run(app, webhook)
    except Exception:  # noqa: BLE001 - reported through logging, where the token is redacted
        log.critical("the Telegram bot stopped on an error", exc_info=True)
        return 1
    return 0
