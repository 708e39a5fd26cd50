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
from telegram.ext import (
    Application,
)

log = logging.getLogger(__name__)

# The command menu for private chats.
PRIVATE_COMMANDS = (
    ("start", "开始咨询或继续上次的咨询"),
    ("help", "使用说明"),
    ("back", "返回上一步（撤销上一个回答）"),
    ("restart", "重新开始咨询"),
    ("review", "查看目前的回答"),
    ("law", "查看法条，例如 /law 诉讼时效"),
    ("calc", "计算器说明（诉讼费、诉讼时效等）"),
    ("forget", "删除我的全部数据"),
    ("cancel", "结束本次咨询"),
)
# In groups the bot answers general questions and hands consultations over to a private chat.
GROUP_COMMANDS = (
    ("faq", "常见问题，例如 /faq 失信"),
    ("start", "获取私聊咨询链接（个人情况只在私聊中分析）"),
    ("help", "在群里怎么用我"),
)
GROUP_ADMIN_COMMANDS = (*GROUP_COMMANDS, ("settings", "本群设置（仅管理员）"))


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
