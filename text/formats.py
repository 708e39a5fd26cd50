"""Typed answers with a fixed shape: names, 身份证号, phone numbers, addresses, interest rates...

A text question names its format in the flow file (``validate: {format: id_number}``); the parser
here (rates: :mod:`text.rates`) turns the typed text into the facts to store, or raises
:class:`ParseError` whose code selects a polite Chinese explanation in
``messages/templates/documents/errors.html.j2``. ``display`` gives the short form shown back to the
user (identity numbers and phone numbers partly masked).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import clock
from text.errors import ParseError
from text.normalise import normalise
from text.rates import parse_rate, rate_text

# GB 11643-1999: weights of the first 17 digits and the check character for (sum mod 11).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

_SPACES = re.compile(r"[\s\-－—_]+")
# Commas, full stops and talk around a name: a sentence, not a name that goes into a court document.
_NAME_SENTENCE = re.compile(r"[，,。；;：:]|^(?:他|她|我|对方)?叫|不确定|不知道|好像|可能|应该是")
# The sample number shown in the question itself (GB 11643's example): typed back, it is not anyone's.
EXAMPLE_IDS = frozenset({"11010519491231002X"})
_NAME_FORBIDDEN = re.compile(r"[\d?？!！@#$%^&*<>{}\[\]=+|\\/]")


def id_check_char(first17: str) -> str:
    """The check character (0-9 or X) of an 18-digit identity number's first 17 digits."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def parse_id_number(text: str, today: date | None = None) -> str:
    """An 18-character 居民身份证号码: 17 digits, a valid birth date no later than ``today`` (default: the
    clock's), and the right check character."""
    value = _SPACES.sub("", normalise(text)).upper()
    if len(value) == 15 and value.isdigit():
        raise ParseError("fmt_id_old")
    if len(value) != 18:
        raise ParseError("fmt_id_length", length=len(value))
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ParseError("fmt_id_chars")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ParseError("fmt_id_birth") from None
    if born.year < 1900:
        raise ParseError("fmt_id_birth")
    if born > (today or clock.today()):
        raise ParseError("fmt_id_future")
    if id_check_char(value[:17]) != value[17]:
        raise ParseError("fmt_id_checksum")
    if value in EXAMPLE_IDS:
        raise ParseError("fmt_id_example")
    return value


def id_birth_and_gender(value: str | None) -> tuple[date | None, str | None]:
    """Birth date and 男/女 read from a valid 18-digit identity number (None, None otherwise)."""
    if not value or len(value) != 18:
        return None, None
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None, None
    return born, ("男" if int(value[16]) % 2 else "女")


def parse_phone(text: str) -> str:
    """A mainland mobile number (11 digits from 13–19) or a landline with its area code."""
    value = _SPACES.sub("", normalise(text)).replace("(", "").replace(")", "")
    value = re.sub(r"^(\+?86)(?=1\d{10}$)", "", value)
    if re.fullmatch(r"1[3-9]\d{9}", value):
        return value
    if re.fullmatch(r"0\d{9,11}", value):
        area = 3 if value[1] in "12" else 4  # 010, 02x: three digits; the rest: four
        return f"{value[:area]}-{value[area:]}"
    raise ParseError("fmt_phone")


def parse_name(text: str) -> str:
    """A person's or an organisation's name: 2–40 characters, no digits or question marks, not a sentence."""
    value = re.sub(r"\s+", " ", normalise(text))
    if len(value) < 2 or len(value) > 40 or _NAME_FORBIDDEN.search(value):
        raise ParseError("fmt_name")
    if _NAME_SENTENCE.search(value):
        raise ParseError("fmt_name_sentence")  # "他叫张伟，不过我不确定是不是真名"
    return value


def parse_address(text: str) -> str:
    """A postal address: at least 5 characters."""
    value = re.sub(r"\s+", " ", normalise(text))
    if len(value) < 5 or "?" in value or "？" in value:  # "支付令是什么？" is a question, not an address
        raise ParseError("fmt_address")
    if len(value) > 120:
        raise ParseError("text_too_long", limit=120)
    return value


def parse_ethnicity(text: str) -> str:
    """An ethnic group as written on the identity card, with 族 added when left out ("汉" → "汉族")."""
    value = normalise(text).replace(" ", "")
    if not value or len(value) > 10 or _NAME_FORBIDDEN.search(value):
        raise ParseError("fmt_ethnicity")
    return value if value.endswith("族") else f"{value}族"


def parse_court(text: str) -> str:
    """A court's name; "朝阳区" becomes "朝阳区人民法院", a name with 法院 is kept as typed."""
    value = normalise(text).replace(" ", "")
    if len(value) < 2 or len(value) > 60 or _NAME_FORBIDDEN.search(value):
        raise ParseError("fmt_court")
    return value if "法院" in value else f"{value}人民法院"


def parse_account_tail(text: str) -> str:
    """The last four characters of a card or contract number (only those are kept)."""
    value = re.sub(r"[\s\-－]", "", normalise(text)).upper()
    if not re.fullmatch(r"[0-9A-Z]{4,30}", value):
        raise ParseError("fmt_account_tail")
    return value[-4:]


def _mask(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return value
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


FormatReader = Callable[[str, str, date], dict[str, Any]]


def _single(parser: Callable[[str], str]) -> FormatReader:
    return lambda node_id, text, today: {node_id: parser(text)}


def _id_number(node_id: str, text: str, today: date) -> dict[str, Any]:
    return {node_id: parse_id_number(text, today)}


def _rate(node_id: str, text: str, today: date) -> dict[str, Any]:
    pct, unit = parse_rate(text)
    return {node_id: format(pct, "f"), f"{node_id}__unit": unit}


FORMATS: dict[str, FormatReader] = {
    "name": _single(parse_name),
    "id_number": _id_number,
    "phone": _single(parse_phone),
    "address": _single(parse_address),
    "ethnicity": _single(parse_ethnicity),
    "court": _single(parse_court),
    "account_tail": _single(parse_account_tail),
    "rate": _rate,
}


def parse_format(fmt: str, node_id: str, text: str, today: date | None = None) -> dict[str, Any]:
    """Parse ``text`` in format ``fmt`` into the facts for question ``node_id`` (raises ParseError).

    ``today`` (default: the clock's) is the day a date inside the answer is checked against.
    """
    try:
        parser = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown answer format {fmt!r}") from None
    return parser(node_id, text, today or clock.today())


def display(fmt: str, node_id: str, facts: dict[str, Any]) -> str:
    """How an answer in format ``fmt`` is shown back (identity and phone numbers partly masked)."""
    value = facts.get(node_id)
    if value is None:
        return "（已跳过）"
    if fmt == "id_number":
        return _mask(str(value), 6, 4)
    if fmt == "phone":
        return _mask(str(value), 3, 4)
    if fmt == "rate":
        return rate_text(str(value), str(facts.get(f"{node_id}__unit", "year")))
    if fmt == "account_tail":
        return f"尾号{value}"
    return str(value)
