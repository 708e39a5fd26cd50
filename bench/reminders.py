"""Reminders benchmark (issue #19): storing reminders, the due computation, and one sending pass.

    python -m bench.reminders [--chats 1000]

Prints figures only (no assertion): a fake bot answers at once, so the pass measures the bot's own work
(SQLite on a WAL file, the delivery journal's writes, rendering), not Telegram. Not yet part of
``python -m bench``'s table (phase 2 adds it with the desk).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import clock
from channels.tg.reminders import ReminderSender
from reminders.schedule import due
from storage import open_database
from storage.reminders import NewReminder, ReminderStore

START = datetime(2026, 11, 22, 10, tzinfo=clock.CHINA)


class _Bot:
    """Answers every send_message at once."""

    def __init__(self) -> None:
        self.count = 0

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        self.count += 1
        return SimpleNamespace(message_id=self.count)


def run(chats: int) -> dict[str, float]:
    """Store ``chats`` deadlines × 3 offsets (one offset due today), time ``due()`` and one sending pass."""
    figures: dict[str, float] = {}
    with clock.use(lambda: START), tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "bench.db")
        store = ReminderStore(db)
        deadline = START.date() + timedelta(days=30)
        began = time.perf_counter()
        for chat in range(1, chats + 1):
            store.add(NewReminder(chat, chat, chat, "limitation", 0, deadline, None, True, "f"), [30, 7, 1])
        figures["add_s"] = time.perf_counter() - began
        rows = store.open()
        began = time.perf_counter()
        for _ in range(10):
            due(rows, START)
        figures["due_ms"] = (time.perf_counter() - began) / 10 * 1000
        sender = ReminderSender(db, _Bot())
        began = time.perf_counter()
        report = asyncio.run(sender.run_once())
        figures["pass_s"] = time.perf_counter() - began
        figures["sent"] = len(report.sent)
        db.close()
    return figures


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    f = run(args.chats)
    print(f"reminders, {args.chats} chats × 3 offsets:")
    print(f"  store: {f['add_s']:.2f} s; due() over {args.chats * 3} open rows: {f['due_ms']:.1f} ms")
    print(f"  one pass: {int(f['sent'])} sent in {f['pass_s']:.2f} s "
          f"({f['pass_s'] / max(f['sent'], 1) * 1000:.2f} ms each, fake bot)")


if __name__ == "__main__":
    main()
