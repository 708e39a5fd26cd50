"""Pytest fixtures for the fake Bot API (``botapi``, ``botapi_app_builder``).

A test module makes them available with ``from testing.fixtures import botapi`` (or, for every test,
the same line in ``tests/conftest.py`` with ``# noqa: F401``). The ``botapi`` fixture fails the test at
teardown if the bot broke one of Telegram's rules; a test that provokes violations on purpose consumes
them with ``botapi.take_violations()``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telegram.ext import ApplicationBuilder

from testing.fakebot import FakeBotAPI
from testing.wiring import application_builder

__all__ = ["botapi", "botapi_app_builder"]


@pytest.fixture
def botapi() -> Iterator[FakeBotAPI]:
    """A started ``FakeBotAPI``; the test fails at teardown if the bot broke Telegram's rules."""
    with FakeBotAPI() as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def botapi_app_builder(botapi: FakeBotAPI) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` already wired to the ``botapi`` fixture's server."""
    return application_builder(botapi)
