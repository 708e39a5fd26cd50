"""Pushing user activity into the fake: texts, presses, uploads, membership, redeliveries."""

from __future__ import annotations

import copy
import logging
import re
import time
from typing import Any

from testing.htmlparse import utf16_len
from testing.records import ApiChat, Call, Message, StoredFile, User, _CallbackQuery
from testing.server import _guess_mime

logger = logging.getLogger("testing.botapi")


class PushingMixin:
    """Part of :class:`testing.fakebot.FakeBotAPI` (its attributes are set in its ``__init__``)."""

    # ------------------------------------------------------------------ pushing updates

    def send_text(self, chat: ApiChat | int, user: User | int, text: str, *,
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

    def edit_text(self, chat: ApiChat | int, user: User | int, message_id: int, text: str) -> int | None:
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

    def send_photo(self, chat: ApiChat | int, user: User | int, *, caption: str | None = None,
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

    def send_sticker(self, chat: ApiChat | int, user: User | int, *, emoji: str = "👍") -> int | None:
        """The user sends a sticker."""
        with self._lock:
            c, u = self._chat(chat), self._user(user)
            stored = self._store_file(b"RIFF\x00\x00\x00\x00WEBPfake", "sticker", None, "image/webp")
            msg = self._user_message(c, u, "sticker")
            msg.media = {"sticker": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                     "type": "regular", "width": 512, "height": 512, "is_animated": False,
                                     "is_video": False, "emoji": emoji, "file_size": stored.file_size}}
            return self._queue_message(c, msg)

    def send_voice(self, chat: ApiChat | int, user: User | int, *, duration: int = 3,
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

    def send_document(self, chat: ApiChat | int, user: User | int, filename: str = "file.pdf",
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

    def press(self, chat: ApiChat | int, user: User | int, message_id: int, data: str, *,
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

    def press_button(self, chat: ApiChat | int, user: User | int, message_id: int, text: str) -> int:
        """Like ``press``, finding the callback button by its label."""
        with self._lock:
            msg = self._messages.get(self._chat(chat).id, {}).get(message_id)
            for button in msg.buttons if msg else []:
                if button.get("text") == text and "callback_data" in button:
                    return self.press(chat, user, message_id, button["callback_data"])
            raise ValueError(f"no callback button labelled {text!r} on message {message_id}")

    def bot_added_to_group(self, chat: ApiChat | int, by: User | int | None = None, *, status: str = "member",
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

    def member_joined(self, chat: ApiChat | int, user: User | int, *, by: User | int | None = None) -> int | None:
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

    def bot_removed_from_group(self, chat: ApiChat | int, by: User | int | None = None, *,
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

    # ================================================================== internals: world helpers

    def _user(self, user: User | int) -> User:
        uid = user.id if isinstance(user, User) else int(user)
        if uid not in self._users:
            raise ValueError(f"unknown user {uid}; create it with FakeBotAPI.user()")
        return self._users[uid]

    def _chat(self, chat: ApiChat | int) -> ApiChat:
        cid = chat.id if isinstance(chat, ApiChat) else int(chat)
        if cid not in self._chats:
            if cid in self._users:
                return self.private_chat(cid, started=False)
            raise ValueError(f"unknown chat {cid}; create it with private_chat() or group()")
        return self._chats[cid]

    def _any_member(self, chat: ApiChat) -> User:
        for uid, status in self._members.get(chat.id, {}).items():
            if uid != self.bot_id and status in ("creator", "administrator", "member"):
                return self._users[uid]
        return self.user("Admin")

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _user_message(self, chat: ApiChat, user: User, kind: str, reply_to: int | None = None) -> Message:
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

    def _observe_input(self, chat: ApiChat, user: User, text: str) -> None:
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

    def _bot_receives(self, chat: ApiChat, msg: Message) -> str | None:
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

    def _queue_message(self, chat: ApiChat, msg: Message, key: str = "message") -> int | None:
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

    def _member_update(self, chat: ApiChat, actor: User, old: str, new: str) -> dict:
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
