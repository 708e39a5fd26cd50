"""A bot process for the end-to-end and memory benchmarks: xiaoe, or an echo baseline, on the same settings.

    python -m bench.botproc xiaoe|echo|echo-k|echo-k-direct --base-url URL --token TOKEN [--db PATH]

Every kind is a python-telegram-bot ``Application`` from the same ``ApplicationBuilder`` settings as the
end-to-end tests (``testing.wiring.application_builder``: a 64-connection pool for requests, a
separate one for getUpdates, the same timeouts; xiaoe on its own HTTP client, ``channels/tg/client.py``, as
in production, the echo bots on python-telegram-bot's default one), without a rate limiter, processing updates the way
xiaoe does (``channels.tg.concurrency``: chats at once, each chat in order, at most 16 in flight, the
confirmed offset held below the lowest unfinished update), polling with ``run_polling`` and the
production ``allowed_updates``:

* ``xiaoe``: ``channels.tg.app.build_application`` over the engine on a WAL file database;
* ``echo``: one ``sendMessage`` with the text back, per message;
* ``echo-k``: the text of each message starts with ``k|``; the bot sends the rest back ``k`` times (as
  HTML, like xiaoe). The benchmark sets ``k`` to the number of Bot API calls xiaoe makes for that same
  step, so the two make the same number of requests and differ only in what the bot itself does;
* ``echo-k-direct``: echo-k on xiaoe's HTTP client: what is left between xiaoe and it is xiaoe's own work.

After an update has been handled completely (a handler in a later group), the process writes
``d <update_id> <time.monotonic_ns()>`` to stdout. On SIGUSR1 it writes ``s <json>``: what it holds in
memory (resident set, Python objects, live ``Session`` objects, PTB's per-user and per-chat data).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import html
import json
import os
import signal
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, TypeHandler, filters

from testing.wiring import application_builder, httpx_request

TODAY = date(2026, 11, 22)
KINDS = ("xiaoe", "echo", "echo-k", "echo-k-direct")


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


async def _echo_k(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    count, _, text = message.text.partition("|")
    for _ in range(int(count)):
        await context.bot.send_message(message.chat_id, html.escape(text), parse_mode=ParseMode.HTML)


async def _done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    os.write(1, f"d {update.update_id} {time.monotonic_ns()}\n".encode())  # one unbuffered write


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size of a process in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc status")


def memory_report(app: Application) -> dict[str, Any]:
    """What this process holds: RSS, Python objects, live sessions, PTB's per-user/chat data."""
    from storage.sessions import Session

    gc.collect()
    objects = gc.get_objects()
    report: dict[str, Any] = {
        "rss_kib": rss_kib(),
        "python_objects": len(objects),
        "live_sessions": sum(1 for o in objects if isinstance(o, Session)),
        "ptb_user_data": len(app.user_data),
        "ptb_chat_data": len(app.chat_data),
    }
    engine = app.bot_data.get("xiaoe.engine")
    if engine is not None:
        report["sqlite_cache_size"] = engine.store.db.execute("PRAGMA cache_size").fetchone()[0]
        report["sessions_in_db"] = engine.store.db.execute("select count(*) from sessions").fetchone()[0]
    return report


def build(kind: str, base_url: str, token: str, db: str | None) -> Application:
    """The Application of ``kind`` (see the module docstring)."""
    fake = SimpleNamespace(token=token, base_url=base_url, base_file_url=base_url.replace("/bot", "/file/bot"))
    if kind == "xiaoe":
        from assembly import Engine
        from channels.tg.app import build_application, direct_request
        from storage import SessionStore, open_database

        builder = application_builder(fake, requests=direct_request)  # type: ignore[arg-type]
        engine = Engine(SessionStore(open_database(db)), clock=lambda: TODAY)
        app = build_application(engine, builder=builder, rate_limiter=False)
    else:
        from channels.tg import concurrency

        requests: Any = httpx_request
        if kind == "echo-k-direct":  # xiaoe's HTTP client, without the journal an echo bot does not keep
            from channels.tg.client import BotAPIRequest

            requests = functools.partial(BotAPIRequest, trust_env=False)
        builder = application_builder(fake, requests=requests)  # type: ignore[arg-type]
        ledger = concurrency.install(builder)  # the same update processing as xiaoe's
        app = builder.build()
        concurrency.attach(app, ledger)
        handler = _echo if kind == "echo" else _echo_k
        app.add_handler(MessageHandler(filters.TEXT, handler))
    app.add_handler(TypeHandler(Update, _done), group=1)

    async def on_usr1() -> None:
        os.write(1, ("s " + json.dumps(memory_report(app)) + "\n").encode())

    async def post_init(application: Application) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, lambda: application.create_task(on_usr1()))

    previous = app.post_init

    async def chained(application: Application) -> None:
        if previous is not None:
            await previous(application)
        await post_init(application)

    app.post_init = chained
    return app


def main(argv: list[str] | None = None) -> int:
    """Run a bot of the given kind until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.botproc")
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db")
    args = parser.parse_args(argv)
    from channels.tg.app import ALLOWED_UPDATES

    app = build(args.kind, args.base_url, args.token, args.db)
    app.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
