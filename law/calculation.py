"""Shared pieces of the calculators: the result record, the error type and money/date helpers.

Every calculator in ``law`` returns a :class:`Calculation` and raises :class:`CalculationError`
(a ``ValueError``) with a one-line bilingual message for bad input. Money is ``Decimal`` rounded
ROUND_HALF_UP to the fen (0.01 yuan) only at the end of each computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import clock

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("10000000000")  # 1e10 yuan: anything larger is a typo, not a small debt
CHINA_TZ = "Asia/Shanghai"


class CalculationError(ValueError):
    """Bad input for a calculator; the message is one line, Chinese then English."""


@dataclass(frozen=True)
class Calculation:
    """The result of one calculator: headline figure, working, citations and cautions.

    ``citations`` are knowledge-base keys such as ``"civil-code:第一百八十八条"``; render them
    with :func:`law.kb.cite`. ``cautions`` are Chinese sentences the user must see with the result, in
    plain words (what an uncertainty means for the user, never where a figure comes from). ``provenance``
    says where a figure comes from and how sure it is (sources, data coverage, what was not confirmed): for
    the law CLI and the docs, never shown in the chat.
    """

    name: str
    result: object
    summary: str
    breakdown: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; Decimal and date values become strings."""
        return {
            "name": self.name,
            "result": jsonable(self.result),
            "summary": self.summary,
            "breakdown": list(self.breakdown),
            "citations": list(self.citations),
            "cautions": list(self.cautions),
            "provenance": list(self.provenance),
        }


def jsonable(value: object) -> Any:
    """Convert Decimal/date (also inside dicts, lists and tuples) to strings for JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def money(value: Decimal) -> Decimal:
    """Round a yuan amount half-up to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    """Format yuan for users: ``¥1,050.00``."""
    return f"¥{money(value):,.2f}"


def fmt_pct(value: Decimal) -> str:
    """Format a percentage without trailing zeros: 12 -> ``12``, 6.3875 -> ``6.3875``, 3.85 -> ``3.85``."""
    text = format(value.normalize(), "f")
    return text


def check_amount(amount: object, what: str = "金额", what_en: str = "amount") -> Decimal:
    """Validate a money amount: a finite Decimal, > 0, at most 2 decimals, not above 1e10 yuan."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise CalculationError(f"{what}必须是数字 / {what_en} must be a number")
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as exc:
        raise CalculationError(f"{what}必须是数字 / {what_en} must be a number") from exc
    if not value.is_finite():
        raise CalculationError(f"{what}必须是数字 / {what_en} must be a number")
    if value <= 0:
        raise CalculationError(f"{what}必须大于0 / {what_en} must be positive")
    if value > MAX_AMOUNT:
        raise CalculationError(f"{what}过大（超过100亿元） / {what_en} too large (over 1e10 yuan)")
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise CalculationError(f"{what}最多保留两位小数（分） / {what_en} has more than 2 decimal places")
    return value


def check_date(value: object, what: str, what_en: str) -> date:
    """Validate that ``value`` is a date (not a datetime)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalculationError(f"{what}必须是日期 / {what_en} must be a date")
    return value


def china_today() -> date:
    """Today's date in China (Asia/Shanghai), whatever the server's time zone (the one clock)."""
    return clock.today()


def resolve_today(today: date | None) -> date:
    """Return ``today`` if given (validated), else China's current date."""
    if today is None:
        return china_today()
    return check_date(today, "今天的日期", "today")


def fmt_date(value: date) -> str:
    """Format a date for users: ``2025年10月9日``."""
    return f"{value.year}年{value.month}月{value.day}日"


def unique(items: list[str]) -> list[str]:
    """Drop repeated entries, keeping the first occurrence's position."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
