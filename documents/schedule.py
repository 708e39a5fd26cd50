"""Instalment schedules for repayment agreements and hardship applications.

Plain arithmetic, no law: the debt is split into equal monthly instalments rounded down to the fen,
the last one takes the remainder, so the instalments always add up to the debt exactly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Instalment:
    """One instalment: its number (from 1), due date (None when the first date was not given), amount."""

    number: int
    due: date | None
    amount: Decimal


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it has no such day (1月31日 → 2月28日)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def instalments(total: Decimal, count: int, first: date | None) -> list[Instalment]:
    """Split ``total`` into ``count`` monthly instalments starting on ``first``."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if total <= 0:
        raise ValueError("total must be positive")
    each = (total / count).quantize(FEN, rounding=ROUND_DOWN)
    plan = []
    for i in range(count):
        amount = each if i < count - 1 else total - each * (count - 1)
        plan.append(Instalment(i + 1, add_months(first, i) if first else None, amount))
    return plan
