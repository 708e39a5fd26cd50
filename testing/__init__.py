"""Test doubles shared by the test suite and the benchmarks: a fake Telegram Bot API and its wiring.

``FakeBotAPI`` (``testing.fakebot``, with its parts in ``pushing``, ``inspection``, ``transport``, ``methods``,
``messaging``, ``server``, ``records``, ``htmlparse`` and ``limits``) is a real HTTP server that an unmodified
python-telegram-bot ``Application`` polls and sends to; ``testing.wiring`` builds such an application and
runs it; ``testing.fixtures`` holds the pytest fixtures. This package may import python-telegram-bot and
the standard library only — nothing of xiaoe — so tests and ``bench/`` can both use it.
"""

from testing.fakebot import FakeBotAPI
from testing.htmlparse import HtmlParseError, parse_html, utf16_len
from testing.limits import DEFAULT_TOKEN
from testing.records import (
    ApiChat,
    ApiError,
    Call,
    Fault,
    Message,
    RateReport,
    StoredFile,
    UploadedFile,
    User,
    Violation,
)

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "ApiChat",
    "FakeBotAPI",
    "Fault",
    "HtmlParseError",
    "Message",
    "RateReport",
    "StoredFile",
    "UploadedFile",
    "User",
    "Violation",
    "parse_html",
    "utf16_len",
]
