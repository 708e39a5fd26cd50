"""The update handlers: each kind of Telegram update becomes one engine turn.

Each handler is named after what it handles (``on_message``, ``on_press``, ...), translates the update into an
:class:`~flows.model.Inbound` (or decides the bot stays silent) and calls :func:`play_turn`, which runs the engine
and hands its replies to the delivery (``channels/tg/delivery.py``, ``channels/tg/replies.py``).

Chats are served concurrently, each chat's updates strictly in the order Telegram numbered them (in a group:
per member, and per group for what posts there; ``channels/tg/concurrency.py``). An engine turn is synchronous
(well under a millisecond, one SQLite transaction) and runs in the event loop, so two turns never use the
engine's single SQLite connection at once; the waiting is on the network.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from telegram import (
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    ContextTypes,
)

from assembly import Engine
from channels.tg import group
from channels.tg.delivery import Delivery
from channels.tg.keyboards import KeyboardTracker
from channels.tg.replies import deliver_replies
from core.turn import KNOWN_LATER
from flows.model import Inbound, InboundKind

log = logging.getLogger(__name__)

ENGINE_KEY = "xiaoe.engine"
KEYBOARDS_KEY = "xiaoe.keyboards"
DELIVERY_KEY = "xiaoe.delivery"


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
        await play_turn(update, context, inbound)


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button press → one engine turn; the callback query is answered exactly once."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    chat = update.effective_chat
    inbound = Inbound.pressed(chat.id, query.from_user.id, query.data or "",
                              is_private=chat.type == ChatType.PRIVATE, update_id=update.update_id,
                              user_name=query.from_user.full_name)
    await play_turn(update, context, inbound)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to or removed from a group → one engine turn (introduction / data deleted)."""
    inbound = group.inbound_from_member_update(update)
    if inbound is not None:
        await play_turn(update, context, inbound)


async def on_members_joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """People joined a group → one engine turn (a welcome, if the group switched it on)."""
    inbound = group.inbound_from_new_members(update)
    if inbound is not None:
        await play_turn(update, context, inbound)


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message: edits are not read. A private chat gets a note and its current step again."""
    message, user, chat = update.edited_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or user.is_bot or chat.type != ChatType.PRIVATE:
        return  # in a group an edit is not worth a message to everyone
    await play_turn(update, context, Inbound(chat.id, user.id, InboundKind.EDITED, update_id=update.update_id,
                                         user_name=user.full_name))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update by error type and update id only (no token, no user text)."""
    err = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    frames = "".join(traceback.format_tb(err.__traceback__)) if err is not None else ""
    log.error("update %s failed: %s\n%s", update_id, type(err).__name__, frames.rstrip())


async def play_turn(update: Update, context: ContextTypes.DEFAULT_TYPE, inbound: Inbound) -> None:
    """Run one turn and deliver its replies; mark the update delivered once they all went out."""
    engine: Engine = context.bot_data[ENGINE_KEY]
    inbound = await group.with_admin_status(context.bot, engine, inbound)  # group /settings only
    delivery: Delivery = context.bot_data[DELIVERY_KEY]
    tracker: KeyboardTracker = context.bot_data[KEYBOARDS_KEY]
    played = engine.play(inbound)
    replies = played.replies
    if not replies and engine.processed(update.update_id):
        # Delivered before (a re-delivery after a crash): its callback query was answered back then.
        log.info("update %s already delivered", update.update_id)
        delivery.journal.finish(update.update_id)  # in case the bot stopped before clearing it
        return
    # Retries, the journal of what went out and the undeliverable record: see channels/tg/delivery.py.
    # The keyboard changes are written with the update marked delivered, in one transaction.
    keyboards = tracker.batch()

    def turn_of(chat_id: int, user_id: int) -> int | None:
        # The turn knows it (updates of one chat are handled one after another, so it is still current);
        # replies stored by an earlier run do not, and the session is read.
        if played.session_turn != KNOWN_LATER:
            return played.session_turn
        session = engine.session_of(chat_id, user_id)
        return session.turn if session else None

    async def send(bot: Any) -> None:
        keyboards.reset()  # each attempt (and a replay after a restart) makes the same changes again
        await deliver_replies(bot, update, inbound, replies, keyboards, turn_of)

    def finished() -> None:
        keyboards.write()
        engine.store.mark_delivered(update.update_id)

    await delivery.deliver(context.bot, update.update_id, inbound.chat_id, inbound.user_id, send, finished)
