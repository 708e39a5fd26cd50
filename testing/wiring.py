"""python-telegram-bot wiring for the fake Bot API: an ``ApplicationBuilder`` pointed at it, and
``running``, which polls it inside the current event loop the way ``run_polling`` does.

The pytest fixtures built on these are in ``testing/fixtures.py``. Example test (no pytest-asyncio)::

    def test_start(botapi, botapi_app_builder):
        alice = botapi.user("Alice", "alice")
        chat = botapi.private_chat(alice)
        app = botapi_app_builder.build()
        app.add_handler(...)

        async def scenario():
            async with running(app):
                botapi.send_text(chat, alice, "/start")
                await botapi.wait_for_calls_async("sendMessage", chat_id=chat.id)

        asyncio.run(scenario())
        assert botapi.texts_in(chat) == ["..."]

The ``botapi`` fixture fails the test at teardown if the bot broke one of Telegram's rules; a test that
provokes violations on purpose consumes them with ``botapi.take_violations()``.
"""

from __future__ import annotations

import contextlib
import datetime as dtm
from collections.abc import AsyncIterator, Callable, Sequence

from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from testing.fakebot import FakeBotAPI

__all__ = ["application_builder", "httpx_request", "running"]


def httpx_request(*, connection_pool_size: int, read_timeout: float | None, write_timeout: float | None,
                  connect_timeout: float | None, pool_timeout: float | None) -> BaseRequest:
    """python-telegram-bot's default HTTP client with these settings, never through a proxy."""
    return HTTPXRequest(
        connection_pool_size=connection_pool_size,
        read_timeout=read_timeout,
        write_timeout=write_timeout,
        connect_timeout=connect_timeout,
        pool_timeout=pool_timeout,
        # Never route 127.0.0.1 through a proxy configured in the environment.
        httpx_kwargs={"trust_env": False},
    )


def application_builder(
    fake: FakeBotAPI,
    *,
    read_timeout: float | None = 5.0,
    write_timeout: float | None = 5.0,
    connect_timeout: float | None = 2.0,
    pool_timeout: float | None = 1.0,
    get_updates_read_timeout: float | None = 5.0,
    requests: Callable[..., BaseRequest] = httpx_request,
) -> ApplicationBuilder:
    """An ``ApplicationBuilder`` pointed at ``fake`` (token, base_url, base_file_url, HTTP clients).

    Timeouts are set here because the builder refuses ``.read_timeout()`` & co. once ``.request()`` is
    given.  PTB adds the getUpdates ``timeout`` to ``get_updates_read_timeout`` for long polls.
    ``requests`` makes the two HTTP clients from keyword arguments (``connection_pool_size`` and the four
    timeouts; it must not use a proxy); default python-telegram-bot's own (:func:`httpx_request`).
    Add anything else (handlers, ``.rate_limiter(...)``, ``.post_init(...)``) as usual.
    """
    timeouts = {"write_timeout": write_timeout, "connect_timeout": connect_timeout, "pool_timeout": pool_timeout}
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .request(requests(connection_pool_size=64, read_timeout=read_timeout, **timeouts))
        .get_updates_request(requests(connection_pool_size=1, read_timeout=get_updates_read_timeout, **timeouts))
    )


@contextlib.asynccontextmanager
async def running(
    app: Application,
    *,
    poll_timeout: int | float = 1,
    allowed_updates: Sequence[str] | None = None,
    drop_pending_updates: bool | None = None,
) -> AsyncIterator[Application]:
    """Run ``app`` with polling inside the current event loop, in the order ``run_polling`` uses.

    Like ``Application.run_polling`` (and unlike a bare ``async with app``), this calls ``post_init``,
    ``post_stop`` and ``post_shutdown``.  ``poll_timeout`` is getUpdates' long-poll timeout in seconds
    (PTB's default is 10; short keeps shutdown fast, although a stopping Updater cancels its poll anyway).
    """
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None, "build the Application with an Updater (the default)"
        await app.updater.start_polling(
            timeout=dtm.timedelta(seconds=poll_timeout),
            allowed_updates=allowed_updates,
            drop_pending_updates=drop_pending_updates,
        )
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
