"""The Bot API methods that send, edit and delete messages and answer button presses, checked like Telegram."""

from __future__ import annotations

import copy
import json
import logging
import time
import urllib.parse
from typing import Any

from testing.htmlparse import HtmlParseError, _strip_text, parse_html, utf16_len
from testing.limits import (
    BUTTON_ACTIONS,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_INLINE_BUTTONS,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_BYTES,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
)
from testing.records import ApiChat, ApiError, Message, UploadedFile, _bad
from testing.server import _guess_mime

logger = logging.getLogger("testing.botapi")




class MessagingMixin:
    """Part of :class:`testing.fakebot.FakeBotAPI` (its attributes are set in its ``__init__``)."""


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

    def _checked_reply(self, chat: ApiChat, params: dict) -> int | None:
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

    def _new_bot_message(self, chat: ApiChat, kind: str, params: dict) -> Message:
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

    def _editable(self, params: dict, what: str) -> tuple[ApiChat, Message]:
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
