"""Chinese numerals both ways, the one wrapper around cn2an.

cn2an is imported on first use: importing it compiles its patterns (~0.1 s), which would delay the
bot's start-up for a conversion most answers (digits, buttons) never need.
"""

from __future__ import annotations

from functools import cache
from typing import Any

CONVERSION_ERRORS = (ValueError, KeyError, IndexError, TypeError)


@cache
def _cn2an() -> Any:
    import cn2an  # no stubs

    return cn2an


def cn_to_number(text: str, mode: str = "smart") -> int | float:
    """Read a numeral ("三千五", "3万5", "二百零一"); ``mode`` is cn2an's ("strict", "normal", "smart").

    Raises ValueError when the text is not a numeral.
    """
    try:
        value = _cn2an().cn2an(text, mode)
    except CONVERSION_ERRORS as exc:
        raise ValueError(f"not a Chinese numeral: {text!r}") from exc
    if not isinstance(value, int | float):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    return value


def number_to_cn(value: int | float | str, mode: str = "low") -> str:
    """Write a number in Chinese: ``low`` 一百八十八, ``up`` 壹佰捌拾捌, ``rmb`` 壹佰捌拾捌元整."""
    return str(_cn2an().an2cn(value, mode))


def cn_to_int(text: str) -> int:
    """Read a whole Chinese numeral ("一百八十八" → 188, "十五" → 15, "二百零一" → 201).

    Raises ValueError for anything else (including a fraction).
    """
    if not text:
        raise ValueError("empty numeral")
    value = cn_to_number(text, "normal")
    if value != int(value):
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


def int_to_cn(number: int) -> str:
    """Write 1-9999 the way article numbers are written: 10 → 十, 110 → 一百一十, 201 → 二百零一."""
    if not 0 < number < 10000:
        raise ValueError(f"article number out of range: {number}")
    return number_to_cn(number, "low")
