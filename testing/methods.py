"""The Bot API methods the fake implements (updates, webhook, commands, chats), checked like Telegram.

Message methods are in ``testing/messaging.py``.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from testing.limits import (
    CHAT_ACTIONS,
    DEFAULT_UPDATE_TYPES,
    POLL_CONFLICT,
    WEBHOOK_CONFLICT,
)
from testing.records import ApiChat, ApiError, _bad, _ClientGone
from testing.server import _Handler

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

    def _require_chat(self, chat_id: Any, *, sending: bool = True) -> ApiChat:
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
