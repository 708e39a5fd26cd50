"""Aggregate figures for the operator's /stats: counts only, never an id, a name or anything a user wrote."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

import clock


def _count(db: Database, sql: str, params: Any = ()) -> int:
    return int(db.execute(sql, params).fetchone()[0] or 0)


def aggregate_stats(db: Database, now: datetime | None = None) -> dict[str, Any]:
    """Counts over the whole database: users, consultations by flow and status, turns, delivery problems."""
    moment = now or clock.now_utc()
    day_ago = (moment - timedelta(days=1)).isoformat(timespec="milliseconds")
    week_ago = (moment - timedelta(days=7)).isoformat(timespec="milliseconds")
    by_flow = {flow: n for flow, n in db.execute(
        "select flow, count(*) from sessions where status != 'closed' group by flow order by flow").fetchall()}
    undeliverable: dict[str, int] = {}
    if db["undeliverable"].exists():
        undeliverable = {reason: n for reason, n in db.execute(
            "select reason, count(*) from undeliverable group by reason order by reason").fetchall()}
    return {
        "users": _count(db, "select count(distinct user_id) from sessions"),
        "active_users_week": _count(db, "select count(distinct user_id) from sessions where updated_at >= ?",
                                    [week_ago]),
        "sessions_open": _count(db, "select count(*) from sessions where status = 'active'"),
        "sessions_finished": _count(db, "select count(*) from sessions where status = 'finished'"),
        "sessions_closed": _count(db, "select count(*) from sessions where status = 'closed'"),
        "by_flow": by_flow,
        "turns_day": _count(db, "select count(*) from transcript where direction = 'in' and created_at >= ?",
                            [day_ago]),
        "turns_total": _count(db, "select count(*) from transcript where direction = 'in'"),
        "undeliverable": undeliverable,
    }
