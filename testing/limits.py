"""Telegram's limits and the Bot API vocabulary the fake server checks against."""

from __future__ import annotations

import logging

logger = logging.getLogger("testing.botapi")


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
