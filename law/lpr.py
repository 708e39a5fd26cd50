"""One-year Loan Prime Rate (LPR) history from ``law/data/lpr.csv``.

The file is compiled from two public GitHub data files, not from the official announcements of the
National Interbank Funding Center (全国银行间同业拆借中心); every row says how well it is confirmed.
The LPR in force on a day is the one with the latest ``publish_date`` on or before that day.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from law.calculation import CalculationError
from law.kb import DATA_DIR

LPR_FILE = DATA_DIR / "lpr.csv"
LPR_SERIES_START = date(2019, 8, 20)


@dataclass(frozen=True)
class LprRow:
    """One monthly LPR publication."""

    month: str
    publish_date: date
    one_year_pct: Decimal
    five_year_pct: Decimal
    confidence: str
    source: str

    @property
    def plain_zh(self) -> str:
        """What a user reads about the figure: where to check it, never how many sources we compared."""
        return "以全国银行间同业拆借中心公布的为准"

    @property
    def confidence_zh(self) -> str:
        """How well this row is confirmed, in Chinese."""
        return confidence_zh(self.confidence)

    def to_json(self) -> dict[str, str]:
        """JSON-ready summary of the row (what a calculation used)."""
        return {
            "month": self.month,
            "publish_date": self.publish_date.isoformat(),
            "value_pct": str(self.one_year_pct),
            "confidence": self.confidence,
            "confidence_zh": self.confidence_zh,
        }


def confidence_zh(confidence: str) -> str:
    """Translate the confidence column of lpr.csv for users."""
    text = confidence.lower()
    if "single source" in text:
        return "单一来源，未经第二来源确认"
    if "two sources agree" in text:
        if "publish date differs" in text:
            detail = confidence.split("publish date differs", 1)[1].strip(" ()")
            return f"两个来源利率一致（发布日期有出入：{detail}）"
        return "两个来源一致"
    return confidence


@lru_cache(maxsize=1)
def lpr_rows() -> tuple[LprRow, ...]:
    """All LPR rows, oldest first."""
    rows = []
    with LPR_FILE.open(encoding="utf-8", newline="") as handle:
        for raw in csv.DictReader(handle):
            rows.append(
                LprRow(
                    month=raw["month"],
                    publish_date=date.fromisoformat(raw["publish_date"]),
                    one_year_pct=Decimal(raw["lpr_1y_pct"]),
                    five_year_pct=Decimal(raw["lpr_5y_plus_pct"]),
                    confidence=raw["confidence"],
                    source=raw["source"],
                )
            )
    rows.sort(key=lambda row: row.publish_date)
    return tuple(rows)


def latest_row() -> LprRow:
    """The newest row in the data file."""
    return lpr_rows()[-1]


def lpr_on(day: date) -> LprRow:
    """The one-year LPR in force on ``day`` (latest publication on or before it).

    Raises CalculationError before 2019-08-20, when the LPR series starts.
    """
    if day < LPR_SERIES_START:
        raise CalculationError(
            "日期早于LPR首次发布日（2019年8月20日），没有对应的LPR / date is before the LPR series start (2019-08-20)"
        )
    found = None
    for row in lpr_rows():
        if row.publish_date <= day:
            found = row
        else:
            break
    assert found is not None  # the first row is published on LPR_SERIES_START
    return found


def data_currency_caution() -> str:
    """The standard note on how current and how reliable the LPR data is."""
    last = latest_row()
    return f"这里的LPR数值截至{last.month}，之后公布的新数值可能不同，请以官方公布的为准。"


def data_source_note() -> str:
    """Where the LPR figures come from and how sure they are (for the law CLI and the docs, not the chat)."""
    last = latest_row()
    return (
        f"LPR数据截至{last.month}（{last.confidence_zh}）；"
        "数据整理自GitHub公开数据文件，并非全国银行间同业拆借中心的官方公告原文。"
    )


def staleness_caution(day: date) -> str | None:
    """A caution if ``day`` is after the date when a newer LPR than the data's last one was due."""
    last = latest_row()
    # LPR is published on the 20th of each month (moved to the next working day on holidays):
    # from the 20th of the month after the last row, a newer figure may exist that we do not hold.
    year, month = last.publish_date.year, last.publish_date.month + 1
    if month == 13:
        year, month = year + 1, 1
    next_due = date(year, month, 20)
    if day >= next_due:
        return (
            f"所需日期（{day.isoformat()}）晚于我这里最新的LPR（{last.month}），之后可能已发布新的LPR；"
            f"本计算使用{last.month}的数值，请到全国银行间同业拆借中心或中国人民银行网站核对。"
        )
    return None
