"""Sending one turn's replies: answering the press, folding answers into questions, messages and files.

* **Button presses.** Every callback query is answered exactly once. A refused press (stale or unknown
  button) comes back as one ``alert`` reply and becomes a pop-up, never a message. An accepted answer
  (first reply of kind ``ack``) is folded into the pressed question: the message is edited to show the
  question plus "✔️ answer" and loses its keyboard, so the chat reads like a filled-in form. Multi-choice
  toggles (``meta["replace_pressed"]``) edit the pressed message's text and keyboard in place.
* **Typed answers.** The acknowledgement of a typed answer (first reply of kind ``ack``, no buttons, no
  files) goes out in one message with the reply after it (the next question, the review…): "✔️ answer",
  a blank line, then that reply with its keyboard — one request instead of two. Not when together they
  would pass 4,096 characters, or the next reply carries files.
* **No stale keyboards.** After each private turn the buttons the engine would now refuse are removed
  (``channels/tg/keyboards.py``).
* **Long replies** are split at paragraph boundaries above 4,096 characters (``channels/tg/htmlsplit.py``),
  the keyboard under the last part; a reply's files follow it and are deleted from the server once sent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from telegram import (
    Message,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest

from channels.tg import wire
from channels.tg.htmlsplit import MAX_MESSAGE_LENGTH, split_html, utf16_len
from channels.tg.keyboards import KeyboardBatch, keyboard_turn, not_modified, strip_keyboard
from flows.model import Inbound, Reply, ReplyKind
from messages import html_to_text

# The user's session turn number after this turn (None: no session), for telling stale keyboards.
TurnOf = Callable[[int, int], int | None]

log = logging.getLogger(__name__)

MAX_ALERT_LENGTH = 200


async def deliver_replies(bot: Any, update: Update, inbound: Inbound, replies: list[Reply],
                          tracker: KeyboardBatch, turn_of: TurnOf) -> None:
    """Send one turn's ``replies`` to ``inbound``'s chat through ``bot`` (see the module docstring).

    ``turn_of`` tells the user's current session turn, to remove the keyboards that went stale.
    """
    chat_id = inbound.chat_id
    query = update.callback_query
    alerts = [r for r in replies if r.alert]
    replies = [r for r in replies if not r.alert]
    if query is not None:
        try:
            if alerts:
                await wire.answer_press(bot, query.id, html_to_text(alerts[0].html)[:MAX_ALERT_LENGTH],
                                        show_alert=True)
            else:
                await wire.answer_press(bot, query.id)
        except BadRequest as err:  # e.g. "query is too old" after a long outage: the turn still counts
            log.info("update %s: callback answer refused (%s)", update.update_id, type(err).__name__)
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    if pressed is not None and replies and replies[0].kind == "ack":
        if await fold_ack(bot, chat_id, pressed, replies[0], tracker):
            replies = replies[1:]
    elif pressed is not None and replies and replies[0].meta.get("replace_pressed"):
        await replace_pressed(bot, chat_id, pressed, replies[0], tracker)
        replies = replies[1:]
    elif pressed is None:
        replies = fold_typed_ack(replies)
    if inbound.is_private and (replies or not alerts):
        await remove_stale_keyboards(bot, inbound, tracker, turn_of)
    for reply in replies:
        await send_reply(bot, chat_id, reply, tracker)


async def fold_ack(bot: Any, chat_id: int, pressed: Message, ack: Reply, tracker: KeyboardBatch) -> bool:
    """Edit the pressed question to show the chosen answer, without buttons; False if it cannot be done."""
    question = pressed.text_html if pressed.text else ""
    text = f"{question}\n\n{ack.html}" if question else ack.html
    tracker.forget(chat_id, pressed.message_id)
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        await strip_keyboard(bot, chat_id, pressed.message_id)
        return False
    try:
        await wire.edit_html(bot, chat_id, pressed.message_id, text)
    except BadRequest as err:
        if not not_modified(err):
            raise
    return True


FOLDABLE = frozenset({ReplyKind.QUESTION, ReplyKind.REVIEW, ReplyKind.RESULT, ReplyKind.MESSAGE, ReplyKind.NOTICE})


def fold_typed_ack(replies: list[Reply]) -> list[Reply]:
    """A typed answer's ``ack`` and the reply after it as one reply (see the module docstring)."""
    if len(replies) < 2:
        return replies
    ack, following = replies[0], replies[1]
    if ack.kind != ReplyKind.ACK or ack.buttons or ack.files or following.files or following.kind not in FOLDABLE:
        return replies
    html = f"{ack.html}\n\n{following.html}"
    if utf16_len(html) > MAX_MESSAGE_LENGTH:
        return replies
    return [dataclasses.replace(following, html=html), *replies[2:]]


async def replace_pressed(bot: Any, chat_id: int, pressed: Message, reply: Reply, tracker: KeyboardBatch) -> None:
    """Show ``reply`` in the pressed message itself (multi-choice toggles)."""
    try:
        await wire.edit_html(bot, chat_id, pressed.message_id, reply.html, wire.keyboard(reply))
    except BadRequest as err:
        if not not_modified(err):
            raise
    turn = keyboard_turn(reply)
    if turn is None:
        tracker.forget(chat_id, pressed.message_id)
    else:
        tracker.remember(chat_id, pressed.message_id, turn)


async def remove_stale_keyboards(bot: Any, inbound: Inbound, tracker: KeyboardBatch,
                                 turn_of: TurnOf) -> None:
    """Remove the buttons the engine would now refuse (see ``channels/tg/keyboards.py``)."""
    for message_id in tracker.stale(inbound.chat_id, turn_of(inbound.chat_id, inbound.user_id)):
        # Strip, then forget: a bot stopped in between strips it again after the restart.
        await strip_keyboard(bot, inbound.chat_id, message_id)
        tracker.forget(inbound.chat_id, message_id)


async def send_reply(bot: Any, chat_id: int, reply: Reply, tracker: KeyboardBatch) -> None:
    """Send one reply: split over 4,096 characters, the keyboard under the last part, then its files."""
    # No "typing…" before a result: the text is ready, so it would be one more round trip the user never sees.
    parts = split_html(reply.html) or ["…"]
    sent: int | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await wire.send_html(bot, chat_id, part, wire.keyboard(reply) if last else None)
    turn = keyboard_turn(reply)
    if sent is not None and turn is not None:
        tracker.remember(chat_id, sent, turn)
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
