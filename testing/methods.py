"""The Bot API methods the fake implements, each checked against Telegram's rules."""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from testing.htmlparse import HtmlParseError, _strip_text, parse_html, utf16_len
from testing.limits import (
    BUTTON_ACTIONS,
    CHAT_ACTIONS,
    DEFAULT_UPDATE_TYPES,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_INLINE_BUTTONS,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_BYTES,
    NOT_MODIFIED,
    POLL_CONFLICT,
    QUERY_TOO_OLD,
    WEBHOOK_CONFLICT,
)
from testing.records import ApiError, Chat, Message, UploadedFile, _bad, _ClientGone
from testing.server import _guess_mime, _Handler

logger = logging.getLogger("testing.botapi")


class MethodsMixin:
    """Part of :class:`testing.fakebot.FakeBotAPI` (its attributes are set in its ``__init__``)."""

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
