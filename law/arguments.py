"""The calculator CLI's arguments, read by the chat's own parsers (the :mod:`text` package).

An amount, a date, a rate or a province typed on the command line means what it means in the chat, and
a refusal uses the chat's wording (:mod:`text.refusals`), followed by what was typed and an English
line for operators.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from decimal import Decimal

import clock
from text.amounts import parse_amount as parse_amount_text
from text.dates import parse_date as parse_date_text
from text.errors import ParseError
from text.normalise import normalise
from text.provinces import parse_province
from text.rates import parse_rate as parse_rate_words
from text.refusals import has_refusal, refusal


class UsageError(Exception):
    """A command-line argument could not be used (reported in one line, exit code 2)."""


def _refused(what: str, raw: str, error: ParseError) -> str:
    """One line for a refused argument: the chat's wording, then what was typed (English for operators)."""
    reason = refusal(error.code, error.details) if has_refusal(error.code) else error.code
    return f"{reason}（你输入的{what}是「{raw}」） / cannot use {raw!r}: {error.code}"


def parse_amount(text: str) -> Decimal:
    """Read an amount exactly as the chat does (:func:`text.amounts.parse_amount`): "5万", "三千五", "5,000元".

    Refuses with the chat's wording what the chat refuses: "-500", "0.001", "三千多", "abc".
    """
    try:
        return parse_amount_text(str(text))
    except ParseError as error:
        raise argparse.ArgumentTypeError(_refused("金额", str(text).strip(), error)) from None


def parse_date(text: str, today: date | None = None) -> tuple[date, bool]:
    """Read a date exactly as the chat does (:func:`text.dates.parse_date`); returns (date, approximate).

    ``today`` (default: the clock's) anchors "昨天" and "去年五月"; "2024年5月" is the 1st, approximate.
    """
    try:
        return parse_date_text(str(text), today or clock.today())
    except ParseError as error:
        raise argparse.ArgumentTypeError(_refused("日期", str(text).strip(), error)) from None


def today_argument(text: str) -> date:
    """``--today``: a date read against the clock."""
    return parse_date(text)[0]


def province_argument(text: str) -> str:
    """``--province`` as the chat reads it ("在江苏" → 江苏); an unknown name goes on for the calculator to explain."""
    try:
        return parse_province(text)
    except ParseError:
        return text


class Rate(Decimal):
    """A rate in percent that may say its own unit ("月息2分" is 2 % a month): ``unit`` is year/month/day or ""."""

    unit: str = ""


def parse_rate(text: str) -> Rate:
    """Read a percentage: 24, 24%, 0.05; or as people say it (月息2分, 1分5, 年化24%, 日息0.05%, 万分之五/天).

    A bare number says no unit (``--unit`` decides, yearly by default); worded rates are read by the same
    parser the consultation uses (:func:`text.rates.parse_rate`).
    """
    raw = normalise(str(text)).replace(" ", "")
    unit = ""
    if re.fullmatch(r"-?\d+(?:\.\d+)?%?", raw):
        value = Rate(raw.rstrip("%"))
    else:
        try:
            pct, unit = parse_rate_words(raw)
        except ParseError as error:
            if has_refusal(error.code):
                raise argparse.ArgumentTypeError(_refused("利率", str(text), error)) from None
            raise argparse.ArgumentTypeError(
                f"无法识别的利率：{text}（请写成 24、24%、月息2分 或 年化24%） / cannot read rate: {text}") from None
        value = Rate(pct)
    value.unit = unit
    return value


# Date options, read after argparse so that "昨天" and "去年五月" count from --today when it is given.
DATE_OPTIONS = {
    "contract_date": "--contract-date", "due": "--due", "demand": "--demand", "interruption": "--interruption",
    "performance_end": "--performance-end", "start": "--start", "end": "--end", "served": "--served",
    "effective": "--effective", "known": "--known", "employment_ended": "--employment-ended",
}


def read_dates(args: argparse.Namespace) -> list[str]:
    """Turn the date options of ``args`` into dates in place; returns notes on month-only dates.

    Raises :class:`UsageError` with the chat's wording for a date the chat would refuse.
    """
    today = args.today or clock.today()
    notes: list[str] = []

    def read(option: str, raw: str) -> date:
        try:
            value, approximate = parse_date(raw, today)
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"{option}: {exc}") from None
        if approximate:
            notes.append(f"注意：{option}「{raw}」没有写日，按{value.year}年{value.month}月1日计算"
                         f" / {option} {raw!r} taken as {value.isoformat()}")
        return value

    for dest, option in DATE_OPTIONS.items():
        raw = getattr(args, dest, None)
        if isinstance(raw, list):
            setattr(args, dest, [read(option, item) for item in raw])
        elif isinstance(raw, str):
            setattr(args, dest, read(option, raw))
    return notes
