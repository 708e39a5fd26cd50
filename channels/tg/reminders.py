"""Sending due reminders exactly once, across restarts, through the delivery journal; the periodic job.

Each reminder is sent as its own "delivery" in :mod:`channels.tg.journal`, under the journal id
``2**60 + reminder.id`` (:func:`journal_id`): Telegram's update ids have at most 52 significant bits, so the two
never meet, and the id stays positive, as the journal's written-marks file requires. The order of writes:

1. ``claim``: the row goes ``pending`` → ``sending`` (committed);
2. the ``send_message`` call goes through a :class:`~channels.tg.journal.JournaledBot`, which records the call
   in the journal's marks file (shared with the bot's own deliveries) as ``sending`` before it leaves,
   ``written`` once it has left and ``sent`` when Telegram answers;
3. ``mark_sent``: the row becomes ``sent`` and its journal steps are deleted, in one transaction.

A bot stopped anywhere in between finds the row ``sending`` at start-up: it runs the same delivery again,
and the journal skips the call if it had left. So a reminder is sent once, whatever the restarts — with the
journal's own limits (a kill within microseconds of the request leaving; a request Telegram never answered).

:func:`start_reminders` (from the application's ``post_init``) runs :func:`reminder_loop` as an asyncio task
with its own database connection: at start-up it recomputes dates the holiday data now covers
(:func:`reminders.refresh.refresh_holiday_dates`), sends what fell due while the bot was down, then wakes at
the next moment a reminder becomes sendable (at most every ``poll`` seconds, which also catches rows added
meanwhile). :func:`stop_reminders` (``post_shutdown``) cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from telegram.error import BadRequest, Forbidden, TelegramError

import clock
from channels.tg.journal import DeliveryCounters, DeliveryJournal, JournaledBot
from channels.tg.keyboards import markup
from desks.reminders import reminder_reply
from reminders.refresh import refresh_holiday_dates
from reminders.schedule import Due, due, next_due_at
from storage import open_database
from storage.reminders import ReminderStore

log = logging.getLogger(__name__)

Compose = Callable[[Due], dict[str, Any]]
"""Builds the ``send_message`` keyword arguments (text, parse_mode, reply_markup) for a due reminder."""


JOURNAL_BASE = 1 << 60
"""Reminder journal ids start here, above any Telegram update id (at most 52 significant bits)."""


def journal_id(reminder_id: int) -> int:
    """The delivery-journal id of a reminder's message (positive, apart from Telegram's update ids)."""
    return JOURNAL_BASE + reminder_id


def compose(item: Due) -> dict[str, Any]:
    """The ``send_message`` arguments of a due reminder: its text and the "回看相关内容" button."""
    reply = reminder_reply(item)
    return {"text": reply.html, "parse_mode": "HTML", "reply_markup": markup(reply)}


@dataclass
class SendReport:
    """What one pass of :meth:`ReminderSender.run_once` did (reminder ids)."""

    sent: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)


class ReminderSender:
    """Finds the due reminders at ``now`` and sends each once; run at start-up and by the periodic job."""

    def __init__(self, db: Database, bot: Any, *, compose: Compose = compose,
                 now: Callable[[], datetime] = clock.now, journal: DeliveryJournal | None = None) -> None:
        """``bot``: a ``telegram.Bot`` (anything with an async ``send_message``); ``now``: the injectable clock."""
        self.store = ReminderStore(db)
        self.bot = bot
        self.compose = compose
        self.now = now
        self.journal = journal or DeliveryJournal(db)
        self.counters = DeliveryCounters()
        self.passes = 0  # completed passes (tests wait for one instead of sleeping)

    async def run_once(self) -> SendReport:
        """Send every reminder due now (none between 21:00 and 09:00 China time)."""
        report = SendReport()
        for item in due(self.store.open(), self.now()):
            if item.superseded:
                ids = [r.id for r in item.superseded if r.status == "pending"]
                self.store.set_status(ids, "superseded")
                report.superseded += ids
            outcome = await self._send(item)
            getattr(report, outcome).append(item.reminder.id)
        self.passes += 1
        return report

    async def _send(self, item: Due) -> str:
        reminder = item.reminder
        if reminder.status == "pending" and not self.store.claim(reminder.id):
            return "retry"  # cancelled or taken meanwhile
        bot = JournaledBot(self.bot, self.journal, journal_id(reminder.id), reminder.chat_id, reminder.user_id,
                           self.counters)
        try:
            await bot.send_message(chat_id=reminder.chat_id, **self.compose(item))
        except (Forbidden, BadRequest) as err:
            log.info("reminder %s: Telegram refused it (%s); not trying again", reminder.id, type(err).__name__)
            self.store.set_status([reminder.id], "failed")
            self.journal.finish(journal_id(reminder.id))
            return "failed"
        except TelegramError as err:
            log.warning("reminder %s: not sent (%s); trying again on the next pass", reminder.id, type(err).__name__)
            return "retry"
        self.store.mark_sent(reminder.id, journal_update_id=journal_id(reminder.id))
        self.journal.finish(journal_id(reminder.id))
        self.counters.delivered += 1
        return "sent"


TASK_KEY = "xiaoe.reminders.task"
SENDER_KEY = "xiaoe.reminders.sender"
POLL_SECONDS = 300.0


def database_path(db: Database) -> str:
    """The file of ``db`` ("" for an in-memory database)."""
    return next((row[2] for row in db.execute("PRAGMA database_list").fetchall() if row[1] == "main"), "")


async def reminder_loop(sender: ReminderSender, *, poll: float = POLL_SECONDS) -> None:
    """Send due reminders now and whenever one becomes sendable; never returns (cancel the task)."""
    refresh_holiday_dates(sender.store)
    while True:
        try:
            await sender.run_once()
        except Exception:  # a failed pass is retried on the next one; the loop must not die
            log.exception("reminders: a sending pass failed")
        now = sender.now()
        wake = next_due_at(sender.store.open(), now)
        delay = poll if wake is None else min(poll, max(0.0, (wake - now).total_seconds()))
        await asyncio.sleep(max(delay, 0.01))


def start_reminders(app: Any, db: Database, *, now: Callable[[], datetime] = clock.now,
                    poll: float = POLL_SECONDS) -> asyncio.Task[None]:
    """Start the periodic sender for ``app.bot`` over its own connection to ``db``'s file."""
    path = database_path(db)
    own = open_database(path) if path else db
    sender = ReminderSender(own, app.bot, now=now)
    task = asyncio.get_running_loop().create_task(reminder_loop(sender, poll=poll), name="xiaoe-reminders")
    app.bot_data[TASK_KEY] = task
    app.bot_data[SENDER_KEY] = sender
    return task


async def stop_reminders(app: Any) -> None:
    """Cancel the periodic sender started by :func:`start_reminders` (if any) and wait for it."""
    task = app.bot_data.pop(TASK_KEY, None)
    app.bot_data.pop(SENDER_KEY, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
