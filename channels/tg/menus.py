"""The command menus Telegram shows next to the input field (Chinese), and their registration.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.error import TelegramError
from telegram.ext import Application

from assembly import command_menus

log = logging.getLogger(__name__)

# The command menus, derived from the desks' declarations (core/commands.py, assembly.py): private chats;
# groups, where the bot answers general questions and hands consultations over to a private chat; group admins.
_MENUS = command_menus()
PRIVATE_COMMANDS, GROUP_COMMANDS, GROUP_ADMIN_COMMANDS = _MENUS.private, _MENUS.group, _MENUS.group_admins


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
