"""Calendar dates as people type them, and dates as stored in facts (ISO strings)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from text.errors import ParseError
from text.normalise import normalise
from text.numerals import cn_to_number

_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_RELATIVE_YEARS = {"今年": 0, "去年": 1, "前年": 2}
_YEAR_PARTS = {"年底": "12月", "底": "12月", "年初": "1月", "初": "1月"}


def _cn_number_to_digits(s: str) -> str:
    """Rewrite Chinese numerals inside a date ("二〇二四年五月十日") as Arabic digits."""
    def month_day(match: re.Match[str]) -> str:
        try:
            return str(cn_to_number(match.group(0), "normal"))
        except ValueError:
            return match.group(0)

    head, sep, tail = s.partition("年")
    if sep:
        head = head.translate(_CN_DIGITS)
        tail = re.sub(r"[零一二三四五六七八九十]+", month_day, tail)
        return head + sep + tail
    return s


def _relative_year(s: str, today: date) -> str:
    """Rewrite "去年五月" / "今年3月10号" / "去年年底" with the calendar year."""
    for word, back in _RELATIVE_YEARS.items():
        if s.startswith(word):
            rest = s[len(word):]
            rest = _YEAR_PARTS.get(rest, rest)
            return f"{today.year - back}年{rest}"
    return s


def parse_date(text: str, today: date) -> tuple[date, bool]:
    """Parse a calendar date; returns (date, approximate).

    Accepts "2024-05-01", "2024/5/1", "2024.5.1", "2024年5月1日", "20240501", "二〇二四年五月一日",
    "今天", "昨天", "去年五月". A month without a day ("2024年5月") is taken as the 1st and flagged
    approximate. Raises :class:`ParseError` (``date_empty``, ``date_unreadable``, ``date_impossible``).
    """
    s = normalise(text).replace(" ", "")
    if not s:
        raise ParseError("date_empty")
    if s in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[s]), False
    s = _relative_year(s, today)
    s = _cn_number_to_digits(s)
    approximate = False
    m = _YMD.match(s) or _COMPACT.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _YM.match(s)
        if not m:
            raise ParseError("date_unreadable")
        y, mo = (int(g) for g in m.groups())
        d, approximate = 1, True
    try:
        return date(y, mo, d), approximate
    except ValueError:
        raise ParseError("date_impossible") from None


def stored_date(value: Any) -> date | None:
    """A date fact as stored ("2024-05-01"); None for anything else ("none", "never", None, garbage)."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
