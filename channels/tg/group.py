"""Telegram specifics of group mode: membership updates, new members, admin checks, the bot's username.

``channels/tg/app.py`` registers the handlers; this module only translates Telegram objects into
engine inbounds (``desks/group.py`` decides what to say) and makes the two Bot API calls group mode needs:
getMe (the username for ``t.me/<bot>?start=<token>`` deep links) and getChatMember (is the sender an
administrator of this group? asked only when ``GroupDesk.needs_admin_check`` says so).
"""

from __future__ import annotations

import dataclasses
import logging

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application

from assembly import Engine
from flows.model import BOT_ADDED, BOT_REMOVED, MEMBERS_JOINED, Inbound, InboundKind

log = logging.getLogger(__name__)

GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
PRESENT = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER})
ADMINS = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


def _present(member: object) -> bool:
    status = getattr(member, "status", None)
    if status == ChatMemberStatus.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return status in PRESENT


def inbound_from_member_update(update: Update) -> Inbound | None:
    """``my_chat_member`` in a group → the bot_added / bot_removed event; None for anything else.

    A promotion or demotion (member ↔ administrator) is not an arrival; private chats (a user blocking the
    bot) are not group events.
    """
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUP_TYPES:
        return None
    before, after = _present(change.old_chat_member), _present(change.new_chat_member)
    if before == after:
        return None
    # User id 0: who added or removed the bot is not needed, so it is not stored with the event.
    return Inbound(change.chat.id, 0, InboundKind.EVENT, BOT_ADDED if after else BOT_REMOVED, is_private=False,
                   update_id=update.update_id)


def inbound_from_new_members(update: Update) -> Inbound | None:
    """A "new_chat_members" service message → members_joined (people only; never their names)."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or chat.type not in GROUP_TYPES:
        return None
    if not any(not member.is_bot for member in message.new_chat_members):
        return None  # the bot itself (its arrival is my_chat_member) or other bots
    return Inbound(chat.id, 0, InboundKind.EVENT, MEMBERS_JOINED, is_private=False, update_id=update.update_id)


async def with_admin_status(bot: Bot, engine: Engine, inbound: Inbound) -> Inbound:
    """``inbound`` with ``is_admin`` set from getChatMember, when the group desk needs to know."""
    if not engine.needs_admin_check(inbound):
        return inbound
    try:
        member = await bot.get_chat_member(inbound.chat_id, inbound.user_id)
    except TelegramError as err:
        log.warning("admin check failed in chat %s: %s", inbound.chat_id, type(err).__name__)
        return inbound  # not known: the desk says it cannot confirm the status right now
    return dataclasses.replace(inbound, is_admin=member.status in ADMINS)


async def learn_username(app: Application, engine: Engine) -> None:
    """Ask getMe for the bot's username, which group deep links need."""
    try:
        me = await app.bot.get_me()
    except TelegramError as err:  # deep links degrade to "please message me privately"
        log.warning("getMe failed, group deep links disabled: %s", type(err).__name__)
        return
    engine.set_bot_username(me.username)
