"""Calendar files (.ics, RFC 5545) for the user's own phone, made with the ``icalendar`` library.

The deadline is an all-day event (``DTSTART;VALUE=DATE``, ``DTEND`` the next day); each chosen offset is a
``VALARM`` that goes off at 09:00 on the day ``offset`` days before (a trigger relative to the start of the
all-day event, which calendars read as local midnight), matching the bot's own quiet hours. The event holds the
deadline's name, what to do, and the not-legal-advice note — no amounts and no names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import clock

PRODID = "-//xiaoe//小额债务助手//ZH"
ALARM_HOUR = 9


@dataclass(frozen=True)
class CalendarEntry:
    """One deadline for the calendar: its day, a title, a description and the alarm offsets in days."""

    key: str  # stable per chat and deadline, so importing the file again updates the event
    day: date
    summary: str
    description: str
    offsets: tuple[int, ...]


def alarm_trigger(offset_days: int) -> timedelta:
    """The trigger of an alarm at 09:00 ``offset_days`` before an all-day event (relative to its start)."""
    return timedelta(days=-offset_days, hours=ALARM_HOUR)


def event_uid(key: str) -> str:
    """A stable UID for ``key`` that reveals nothing of it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24] + "@xiaoe"


def calendar_file(entries: Iterable[CalendarEntry]) -> bytes:
    """The .ics bytes for these deadlines (one VEVENT each, one VALARM per offset)."""
    from icalendar import Alarm, Calendar, Event  # here, not at import: ~20 ms of the bot's start-up

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    stamp = clock.now_utc()
    for entry in entries:
        event = Event()
        event.add("uid", event_uid(entry.key))
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("transp", "TRANSPARENT")
        for offset in sorted(set(entry.offsets), reverse=True):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", entry.summary)
            alarm.add("trigger", alarm_trigger(offset))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
