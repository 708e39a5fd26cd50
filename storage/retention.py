"""Retention: conversation records older than N days are deleted (``XIAOE_RETENTION_DAYS``, default 30).

What goes after N days: transcript rows (what was said), processed-update records (the stored replies
kept for re-sending after a crash), delivery records, and closed consultations (restarted or cancelled)
last touched before the cut-off. A consultation still open stays until its owner finishes with it,
restarts it or sends /forget — otherwise a person who comes back after a month would lose their answers.
A reminder the user asked for (issue #19) is kept until its deadline has passed, even beyond N days: it goes
once its deadline is over (China date) and it is older than the cut-off.

The purge runs when the bot starts and then at most once a day, from the turn path (no scheduler
needed). ``XIAOE_RETENTION_DAYS=0`` turns it off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

import clock
from storage.db import immediate

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30
PURGE_INTERVAL = timedelta(days=1)


def retention_days_from_env() -> int:
    """``XIAOE_RETENTION_DAYS`` as a whole number of days (default 30; 0 keeps everything)."""
    raw = os.environ.get("XIAOE_RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        log.warning("XIAOE_RETENTION_DAYS is not a whole number; using %s days", DEFAULT_RETENTION_DAYS)
        return DEFAULT_RETENTION_DAYS
    return max(days, 0)


def _iso(moment: datetime) -> str:
    """The timestamp format every table uses (``storage.sessions.now_iso``), so strings compare in time order."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


# (table, condition on rows older than :cutoff). Order matters: transcript rows point at sessions.
_PURGES: tuple[tuple[str, str], ...] = (
    ("transcript", "created_at < :cutoff or session_id in "
                   "(select id from sessions where status = 'closed' and updated_at < :cutoff)"),
    ("sessions", "status = 'closed' and updated_at < :cutoff"),
    ("processed_updates", "processed_at < :cutoff"),
    ("delivery_steps", "created_at < :cutoff"),
    ("undeliverable", "created_at < :cutoff"),
    ("reminders", "deadline < :today and created_at < :cutoff"),
)


@dataclass
class Retention:
    """Deletes records older than ``days`` days; ``now`` is injectable for tests."""

    db: Database
    days: int = DEFAULT_RETENTION_DAYS
    now: Callable[[], datetime] = clock.now_utc
    last_purge: datetime | None = None

    def purge(self) -> dict[str, int]:
        """Delete every record older than the cut-off now; returns the rows deleted per table."""
        self.last_purge = self.now()
        if self.days <= 0:
            return {}
        cutoff = _iso(self.last_purge - timedelta(days=self.days))
        today = self.last_purge.astimezone(clock.CHINA).date().isoformat()
        existing = set(self.db.table_names())
        counts: dict[str, int] = {}
        with immediate(self.db):
            for table, where in _PURGES:
                if table in existing:
                    counts[table] = self.db.execute(f"delete from [{table}] where {where}",
                                                    {"cutoff": cutoff, "today": today}).rowcount
        if any(counts.values()):
            log.info("retention: deleted %s", ", ".join(f"{n} {t}" for t, n in counts.items() if n))
        return counts

    def maybe_purge(self) -> dict[str, int] | None:
        """Purge if the last purge was more than a day ago (or never); None when it was not due."""
        if self.last_purge is not None and self.now() - self.last_purge < PURGE_INTERVAL:
            return None
        return self.purge()
