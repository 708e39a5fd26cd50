"""The one clock: every "now" and "today" in xiaoe comes from here, in China time.

Deadlines are counted in China's calendar whatever time zone the server runs in: at 02:00 in Beijing a
server in New York still says "yesterday", and a deadline computed from its local date would be a day late.
China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact and needs no time-zone
database.

``XIAOE_NOW`` fixes the start of the clock for demos, replays and tests: ``2026-11-22`` (10:00 China time
that day) or a full ISO time such as ``2026-11-22T23:59:30+08:00``. The clock then runs on from that instant
(so timestamps still increase and intervals still pass), which keeps "today" fixed for any run shorter
than the rest of that day. Tests can also install a clock of their own with :func:`use`.

This module imports nothing from the project: every layer may use it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")
"""China Standard Time (Asia/Shanghai), UTC+8 with no daylight saving."""

ENV_VAR = "XIAOE_NOW"
_DEFAULT_HOUR = 10  # a date alone in XIAOE_NOW means 10:00 China time that day

_source: Callable[[], datetime] | None = None
# Inside :func:`one_instant`: the block's moment in China time and as a stored stamp (this thread only).
_instant: ContextVar[tuple[datetime, str] | None] = ContextVar("clock_instant", default=None)


class ClockError(ValueError):
    """``XIAOE_NOW`` holds something that is not a date or an ISO time."""


def parse_start(text: str) -> datetime:
    """Read a ``XIAOE_NOW`` value: a date (10:00 China time) or an ISO time (naive = China time)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, _DEFAULT_HOUR, tzinfo=CHINA)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"{ENV_VAR}={text!r}: expected YYYY-MM-DD or an ISO time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def _from_environment() -> Callable[[], datetime] | None:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    start = parse_start(value)
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def now() -> datetime:
    """The current moment as an aware datetime in China time (``XIAOE_NOW`` or :func:`use` if set)."""
    instant = _instant.get()
    if instant is not None:
        return instant[0]
    return _read()


def _read() -> datetime:
    global _source
    if _source is None:
        _source = _from_environment() or (lambda: datetime.now(UTC))
    return _source().astimezone(CHINA)


def today() -> date:
    """Today's date in China."""
    return now().date()


def now_utc() -> datetime:
    """The current moment in UTC (what stored timestamps hold)."""
    return now().astimezone(UTC)


def now_iso() -> str:
    """The current moment as an ISO-8601 UTC string with milliseconds (every timestamp column)."""
    instant = _instant.get()
    if instant is not None:
        return instant[1]
    return now_utc().isoformat(timespec="milliseconds")


class one_instant:  # lower case: used like a function, ``with clock.one_instant():``
    """Within the block every "now" is the moment it began (an engine turn happens at one instant: its rows
    carry one timestamp, read once). Other threads keep their own clock."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        moment = _read()
        self._token = _instant.set((moment, moment.astimezone(UTC).isoformat(timespec="milliseconds")))

    def __exit__(self, *exc: object) -> None:
        _instant.reset(self._token)


def china_date(stamp: str) -> date:
    """The China date of a stored ISO timestamp (naive stamps are UTC)."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).date()


def reset() -> None:
    """Forget the chosen source, so the next call reads ``XIAOE_NOW`` again (tests that change it)."""
    global _source
    _source = None


@contextmanager
def use(source: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, ``now()`` asks ``source`` (tests: a fixed or hand-advanced clock)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
