"""Interest rates as people say them: "年利率12%", "月息2分", "1分5", "日利率0.05%", "万分之五/天"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from text.errors import ParseError
from text.normalise import normalise

MAX_RATE_PCT_PER_YEAR = Decimal(1000)
RATE_UNITS = {"year": (Decimal(1), "年利率"), "month": (Decimal(12), "月利率"), "day": (Decimal(365), "日利率")}
_CN_DIGITS = str.maketrans("零一二两三四五六七八九", "01223456789")
_RATE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_RATE_FEN = re.compile(r"^(?:月息|月利)?(\d+(?:\.\d+)?)分(?:利|息)?$")
_RATE_FEN_SPLIT = re.compile(r"^(?:月息|月利)?(\d)分(\d)(?:厘)?$")


def parse_rate(text: str) -> tuple[Decimal, str]:
    """An agreed interest rate as (percent, unit): "年利率12%", "12%", "月息2分", "1分5", "月利率1.5%",
    "日利率0.05%", "万分之五/天". A number without a unit word is a yearly rate; "X分" alone is the
    common way of saying 月息X%. Raises ParseError for anything else or a rate above 1000% a year.
    """
    s = normalise(text).replace(" ", "").replace("％", "%").lower().translate(_CN_DIGITS)
    s = s.replace("年化", "年利率").replace("年息", "年利率")
    s = s.replace("每月", "月").replace("每天", "日").replace("每日", "日").replace("/天", "日").replace("/日", "日")
    s = s.replace("/月", "月").replace("/年", "年")
    pct: Decimal | None = None
    unit = "year"
    split = _RATE_FEN_SPLIT.match(s)
    fen = _RATE_FEN.match(s)
    try:
        if split:  # "1分5" = 月息1.5%
            pct, unit = Decimal(f"{split.group(1)}.{split.group(2)}"), "month"
        elif fen:
            pct, unit = Decimal(fen.group(1)), "month"
        elif "万分之" in s:
            number = _RATE_NUMBER.search(s.split("万分之", 1)[1])
            if number is None:
                raise ParseError("fmt_rate")
            pct, unit = Decimal(number.group(1)) / 100, "day" if "日" in s or "天" in s else "year"
        else:
            number = _RATE_NUMBER.search(s)
            if number is None or len(_RATE_NUMBER.findall(s)) != 1:
                raise ParseError("fmt_rate")
            pct = Decimal(number.group(1))
            if "月" in s:
                unit = "month"
            elif "日" in s or "天" in s:
                unit = "day"
    except InvalidOperation:
        raise ParseError("fmt_rate") from None
    if pct is None or pct <= 0:
        raise ParseError("fmt_rate")
    if pct * RATE_UNITS[unit][0] > MAX_RATE_PCT_PER_YEAR:
        raise ParseError("fmt_rate_high")
    return pct.normalize(), unit


def rate_text(pct: str | Decimal, unit: str) -> str:
    """A rate in words: ("1.5", "month") → "月利率1.5%"."""
    return f"{RATE_UNITS[unit][1]}{format(Decimal(pct).normalize(), 'f')}%"
