"""Building and running the Telegram ``Application``: handlers, delivery, menus, polling or webhook.

Usage::

    TELEGRAM_BOT_TOKEN=... python bot.py telegram                       # long polling
    TELEGRAM_BOT_TOKEN=... python bot.py telegram --webhook https://example.com/xiaoe \\
        --listen 127.0.0.1 --port 8443 --secret S                        # webhook behind a reverse proxy
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

import clock
from assembly import Engine
from channels.tg import concurrency, group
from channels.tg.checkpoints import background_checkpoints
from channels.tg.client import BotAPIRequest
from channels.tg.delivery import Delivery
from channels.tg.handlers import (
    DELIVERY_KEY,
    ENGINE_KEY,
    KEYBOARDS_KEY,
    on_edited,
    on_error,
    on_members_joined,
    on_message,
    on_my_chat_member,
    on_press,
)
from channels.tg.journal import delivery_request
from channels.tg.keyboards import KeyboardTracker
from channels.tg.menus import register_commands
from channels.tg.redaction import configure_logging, install_redaction
from channels.tg.reminders import POLL_SECONDS, start_reminders, stop_reminders

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org/bot"
# Channel posts are not asked for: the bot serves people, not channels (it never answers one).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


def direct_request(**settings: Any) -> BotAPIRequest:
    """xiaoe's HTTP client for the bot's calls (``delivery_request``) with ``settings``, never through a
    proxy: what tests and benchmarks give ``testing.wiring.application_builder(requests=...)`` to run the
    production client against a Bot API on loopback."""
    return delivery_request(trust_env=False, **settings)


def build_application(engine: Engine, token: str | None = None, base_url: str | None = None, *,
                      builder: ApplicationBuilder | None = None, rate_limiter: bool = True,
                      reminders_now: Callable[[], datetime] = clock.now, reminders_poll: float = POLL_SECONDS,
                      **builder_kwargs: Any) -> Application:
    """Build the Telegram ``Application`` for ``engine``.

    Give ``token`` (and optionally ``base_url``, the Bot API URL up to ``/bot``), or an ``builder``
    already configured (tests point one at a fake server). Other keyword arguments call the builder
    method of that name, e.g. ``post_stop=callback``. The periodic reminder sender starts with the application
    (``post_init``) and stops with it (``post_shutdown``); ``reminders_now`` is its clock, ``reminders_poll`` the
    longest it sleeps between passes (channels/tg/reminders.py).
    """
    # The HTTP client (channels/tg/client.py), with the delivery journal's hooks (channels/tg/journal.py).
    builder = builder or ApplicationBuilder().request(
        delivery_request(connection_pool_size=concurrency.pool_size())).get_updates_request(
        BotAPIRequest(connection_pool_size=1))
    if token is not None:
        builder = builder.token(token)
    if base_url is not None:
        builder = builder.base_url(base_url)
    for name, value in builder_kwargs.items():
        builder = getattr(builder, name)(value)
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    # Before build(): PTB logs the base URL with the token in it while building.
    given = token if token is not None else getattr(builder, "_token", None)
    if isinstance(given, str):
        install_redaction(given)
    async def post_init(app: Application) -> None:
        await group.learn_username(app, engine)
        await register_commands(app)
        start_reminders(app, engine.db, now=reminders_now, poll=reminders_poll)

    # Chats at once, each in order; confirmed to Telegram only once handled (channels/tg/concurrency.py).
    ledger = concurrency.install(builder)
    app = builder.post_init(post_init).post_shutdown(stop_reminders).build()
    concurrency.attach(app, ledger)
    background_checkpoints(app, engine.db)  # no WAL checkpoint inside a turn (storage/checkpoint.py)
    install_redaction(app.bot.token)
    app.bot_data[ENGINE_KEY] = engine
    app.bot_data[KEYBOARDS_KEY] = KeyboardTracker(engine.db)
    app.bot_data[DELIVERY_KEY] = Delivery(engine.db)
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, on_message))
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, on_members_joined))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited))
    app.add_error_handler(on_error)
    return app


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: the public HTTPS URL Telegram posts to, where to listen, and the shared secret."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = ""

    def run_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Application.run_webhook`` / ``Updater.start_webhook``."""
        path = urllib.parse.urlsplit(self.url).path.strip("/")
        return {"listen": self.listen, "port": self.port, "url_path": path, "webhook_url": self.url,
                "secret_token": self.secret, "allowed_updates": ALLOWED_UPDATES}


def run(app: Application, webhook: Webhook | None = None) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook server when ``webhook`` is given."""
    if webhook is None:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5)
    else:
        app.run_webhook(**webhook.run_kwargs(), bootstrap_retries=5)


def main(argv: list[str], engine_factory: Any) -> int:
    """``python bot.py telegram [--webhook URL --listen HOST --port N --secret S] [--db PATH]``."""
    parser = argparse.ArgumentParser(prog="bot.py telegram", description="运行 Telegram 机器人 / run the Telegram bot")
    parser.add_argument("--db", help="SQLite database path (default: $XIAOE_DB or data/xiaoe.db)")
    parser.add_argument("--webhook", metavar="URL", help="public HTTPS URL for webhook mode (default: long polling)")
    parser.add_argument("--listen", default="127.0.0.1", help="address the webhook server binds (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port of the webhook server (default 8443)")
    parser.add_argument("--secret", default=os.environ.get("TELEGRAM_WEBHOOK_SECRET"),
                        help="webhook secret token (default: $TELEGRAM_WEBHOOK_SECRET, else a random one)")
    args = parser.parse_args(argv)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        sys.stderr.write("请设置 TELEGRAM_BOT_TOKEN。\nSet TELEGRAM_BOT_TOKEN to run the Telegram bot.\n")
        return 2
    secret = args.secret or secrets.token_urlsafe(32)
    install_redaction(token, secret)
    configure_logging(logging.getLogger().getEffectiveLevel())
    base_url = os.environ.get("TELEGRAM_API_URL") or DEFAULT_API_URL
    app = build_application(engine_factory(args.db), token, base_url)
    webhook = Webhook(args.webhook, args.listen, args.port, secret) if args.webhook else None
    log.warning("xiaoe Telegram bot starting (%s)", "webhook" if webhook else "long polling")
    try:
        run(app, webhook)
    except Exception:  # reported through logging, where the token is redacted
        log.critical("the Telegram bot stopped on an error", exc_info=True)
        return 1
    return 0
