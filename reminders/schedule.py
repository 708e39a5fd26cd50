"""Which reminders are due at a given moment: pure functions of China time and the stored rows.

A reminder is sendable from 09:00 China time on its day (``remind_on``) and only between 09:00 and 21:00
(:data:`SEND_FROM`, :data:`SEND_UNTIL`): one falling due at night waits for 09:00. A reminder whose day passed
while the bot was down is sent late, saying so; when several reminders of the same deadline are overdue at
once (the bot was down through both the 7-days and the 1-day reminder) only the most recent is sent and the
others are marked superseded. Nothing here reads a clock or the database: the caller passes ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import clock
from storage.reminders import OPEN_STATUSES, Reminder

SEND_FROM = time(9, 0)
SEND_UNTIL = time(21, 0)


def _china(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(clock.CHINA)


def window_open(now: datetime) -> bool:
    """True between 09:00 (inclusive) and 21:00 (exclusive) China time."""
    moment = _china(now).timetz().replace(tzinfo=None)
    return SEND_FROM <= moment < SEND_UNTIL


def sendable_from(day: date) -> datetime:
    """The first moment a reminder of ``day`` may be sent: 09:00 China time that day."""
    return datetime.combine(day, SEND_FROM, tzinfo=clock.CHINA)


def next_window(now: datetime) -> datetime:
    """``now`` if sending is allowed now, else the next 09:00 China time."""
    moment = _china(now)
    if window_open(moment):
        return moment
    day = moment.date() if moment.timetz().replace(tzinfo=None) < SEND_FROM else moment.date() + timedelta(days=1)
    return sendable_from(day)


@dataclass(frozen=True)
class Due:
    """A reminder to send on ``today`` (China date): ``late`` when its day passed while it was not sent,
    ``deadline_passed`` when the deadline itself is over; ``superseded``: older reminders of the same deadline,
    not to be sent any more."""

    reminder: Reminder
    today: date
    late: bool
    deadline_passed: bool
    superseded: tuple[Reminder, ...] = field(default=())

    @property
    def days_left(self) -> int:
        """Days from today to the deadline (0 on the day itself, negative once it has passed)."""
        return (self.reminder.deadline - self.today).days


def due(reminders: Iterable[Reminder], now: datetime) -> list[Due]:
    """The reminders to send at ``now`` (China time), earliest first; empty outside 09:00–21:00.

    Only ``pending`` and ``sending`` rows count (``sending``: claimed before a stop, to be finished now).
    """
    moment = _china(now)
    if not window_open(moment):
        return []
    today = moment.date()
    groups: dict[tuple[int, str, int, str], list[Reminder]] = {}
    for reminder in reminders:
        if reminder.status in OPEN_STATUSES and sendable_from(reminder.remind_on) <= moment:
            groups.setdefault(reminder.deadline_key, []).append(reminder)
    found: list[Due] = []
    for group in groups.values():
        # A claimed row is finished first (its message may already have left); else the most recent one.
        group.sort(key=lambda r: (r.status == "sending", r.remind_on, r.id))
        chosen, older = group[-1], tuple(group[:-1])
        found.append(Due(reminder=chosen, today=today, late=chosen.remind_on < today,
                         deadline_passed=chosen.deadline < today, superseded=older))
    return sorted(found, key=lambda d: (d.reminder.remind_on, d.reminder.id))


def next_due_at(reminders: Iterable[Reminder], now: datetime) -> datetime | None:
    """The next moment at or after ``now`` when some open reminder becomes sendable (None when none is open).

    The periodic job can sleep until then (or poll; either way :func:`due` decides).
    """
    moment = _china(now)
    times = [next_window(max(moment, sendable_from(r.remind_on)))
             for r in reminders if r.status in OPEN_STATUSES]
    return min(times) if times else None
