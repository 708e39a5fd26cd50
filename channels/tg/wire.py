"""The four Bot API calls of a delivery, made with JSON parameters and read as JSON.

``sendMessage``, ``editMessageText``, ``editMessageReplyMarkup`` and ``answerCallbackQuery`` make up nearly
every request xiaoe sends. Through python-telegram-bot's ``Bot.send_message`` & co. each one builds an
``InlineKeyboardMarkup`` of ``InlineKeyboardButton`` objects only to serialise it again, and turns Telegram's
answer — the whole message, keyboard and entities included — into a ``Message`` of which the delivery needs
one integer, the message id. Here the keyboard goes out as the JSON Telegram expects, built once from the
reply's buttons, and the answer stays the JSON dict it arrived as. The request itself still takes
python-telegram-bot's path below the typed methods (``Bot._post``, the one ``getUpdates`` polling uses too,
see ``channels/tg/concurrency.py``): the same HTTP client and connection pools, the rate limiter, the
timeouts, and the same ``TelegramError`` subclasses for every refusal and fault, so the delivery journal,
the retries and the undeliverable record work unchanged. Measured on the end-to-end benchmark's
conversations (``python -m bench.instructions``): see README "Performance".

``bot`` is whatever the delivery hands over: a :class:`~channels.tg.journal.JournaledBot` (which journals
``sendMessage`` and ``answerCallbackQuery``) or a plain ``telegram.Bot``.
"""

from __future__ import annotations

import json
from typing import Any

from flows.model import Reply

HTML = "HTML"
# Link previews off: the replies cite laws, never pages worth a preview card.
NO_PREVIEW = '{"is_disabled":true}'

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def keyboard(reply: Reply) -> str | None:
    """A reply's buttons as the ``reply_markup`` JSON of an inline keyboard (None without buttons)."""
    if not reply.buttons:
        return None
    return _dumps({"inline_keyboard": [
        [{"text": b.label, "url": b.url} if b.url else {"text": b.label, "callback_data": b.data} for b in row]
        for row in reply.buttons
    ]})


async def post(bot: Any, endpoint: str, data: dict[str, Any]) -> Any:
    """Make one Bot API request; Telegram's ``result`` as JSON (a dict for a message, True for a yes)."""
    poster = getattr(bot, "post", None)  # a JournaledBot: journaled by endpoint name
    if poster is not None:
        return await poster(endpoint, data)
    return await bot._post(endpoint, data)


def message_id(result: Any) -> int | None:
    """The id of the message Telegram's ``result`` describes, if it is one."""
    return result.get("message_id") if isinstance(result, dict) else None


async def send_html(bot: Any, chat_id: int, html: str, reply_markup: str | None = None) -> int | None:
    """``sendMessage`` with HTML text and, optionally, an inline keyboard; the new message's id."""
    data: dict[str, Any] = {"chat_id": chat_id, "text": html, "parse_mode": HTML, "link_preview_options": NO_PREVIEW}
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    return message_id(await post(bot, "sendMessage", data))


async def edit_html(bot: Any, chat_id: int, message: int, html: str, reply_markup: str | None = None) -> None:
    """``editMessageText``: the message shows ``html``, and ``reply_markup`` (no keyboard when None)."""
    data: dict[str, Any] = {"chat_id": chat_id, "message_id": message, "text": html, "parse_mode": HTML,
                            "link_preview_options": NO_PREVIEW}
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    await post(bot, "editMessageText", data)


async def remove_keyboard(bot: Any, chat_id: int, message: int) -> None:
    """``editMessageReplyMarkup`` without a keyboard: the buttons under ``message`` go."""
    await post(bot, "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message})


async def answer_press(bot: Any, query_id: str, text: str | None = None, show_alert: bool = False) -> None:
    """``answerCallbackQuery``: the button stops spinning; ``text`` as a pop-up when ``show_alert``."""
    data: dict[str, Any] = {"callback_query_id": query_id}
    if text is not None:
        data["text"] = text
    if show_alert:
        data["show_alert"] = True
    await post(bot, "answerCallbackQuery", data)
