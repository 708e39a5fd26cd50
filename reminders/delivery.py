"""Sending due reminders exactly once, across restarts, through the delivery journal.

Each reminder is sent as its own "delivery" in :mod:`channels.tg.journal`, under the journal id
``2**60 + reminder.id`` (:func:`journal_id`): Telegram's update ids have at most 52 significant bits, so the two
never meet, and the id stays positive, as the journal's written-marks file requires. The order of writes:

1. ``claim``: the row goes ``pending`` → ``sending`` (committed);
2. the ``send_message`` call goes through a :class:`~channels.tg.journal.JournaledBot`, which records the call in
   ``delivery_steps`` before it leaves and ``sent`` when Telegram answers (the written-marks file covers the
   moment in between);
3. ``mark_sent``: the row becomes ``sent`` and its journal steps are deleted, in one transaction.

A bot stopped anywhere in between finds the row ``sending`` at start-up: it runs the same delivery again,
and the journal skips the call if it had left. So a reminder is sent once, whatever the restarts — with the
journal's own limits (a kill within microseconds of the request leaving; a request Telegram never answered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from telegram.error import BadRequest, Forbidden, TelegramError

import clock
from channels.tg.journal import DeliveryCounters, DeliveryJournal, JournaledBot
from reminders.deadlines import recompute
from reminders.messages import Screen, reminder_message
from reminders.schedule import Due, due
from storage.reminders import ReminderStore

log = logging.getLogger(__name__)

Compose = Callable[[Due], dict[str, Any]]
"""Builds the ``send_message`` keyword arguments (text, parse_mode, reply_markup) for a due reminder."""


JOURNAL_BASE = 1 << 60
"""Reminder journal ids start here, above any Telegram update id (at most 52 significant bits)."""


def journal_id(reminder_id: int) -> int:
    """The delivery-journal id of a reminder's message (positive, apart from Telegram's update ids)."""
    return JOURNAL_BASE + reminder_id


def plain_compose(item: Due) -> dict[str, Any]:
    """The reminder text alone, without buttons (the desk's compose adds the "回看相关内容" button)."""
    screen: Screen = reminder_message(item)
    return {"text": screen.rendered.html, "parse_mode": "HTML"}


@dataclass
class SendReport:
    """What one pass of :meth:`ReminderSender.run_once` did (reminder ids)."""

    sent: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)


class ReminderSender:
    """Finds the due reminders at ``now`` and sends each once; run at start-up and by the periodic job."""

    def __init__(self, db: Database, bot: Any, *, compose: Compose = plain_compose,
                 now: Callable[[], datetime] = clock.now, journal: DeliveryJournal | None = None) -> None:
        """``bot``: a ``telegram.Bot`` (anything with an async ``send_message``); ``now``: the injectable clock."""
        self.store = ReminderStore(db)
        self.bot = bot
        self.compose = compose
        self.now = now
        self.journal = journal or DeliveryJournal(db)
        self.counters = DeliveryCounters()

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


def refresh_holiday_dates(store: ReminderStore) -> list[int]:
    """Recompute the open reminders whose last day the holiday data did not cover when they were made.

    Run at start-up: after an update of the holiday package, a year it now covers may move a last day
    (roll-over); the reminder days move with it. Returns the ids that changed.
    """
    changed = []
    for reminder in store.open():
        if reminder.holiday_checked or reminder.base_date is None:
            continue
        day, checked = recompute(reminder.kind, reminder.base_date)
        if day != reminder.deadline or checked:
            store.move(reminder.id, day, checked)
            changed.append(reminder.id)
    return changed
