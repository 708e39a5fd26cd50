"""Turn what people type into facts: amounts, dates, provinces, choices, yes/no.

Every parser returns the parsed value or raises :class:`ParseError` whose ``code`` names a message
template fragment (``messages/templates/errors/<code>.html.j2``), so the wording of every refusal
stays in templates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

MAX_AMOUNT = Decimal(10) ** 10
FEN = Decimal("0.01")


class ParseError(ValueError):
    """An answer that could not be understood; ``code`` selects the polite explanation."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def normalise(text: str) -> str:
    """NFKC-fold (full-width digits and letters become ASCII), drop control characters, trim."""
    folded = unicodedata.normalize("NFKC", text)
    cleaned = "".join(ch for ch in folded if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return cleaned.strip()


@cache
def _cn2an() -> Any:
    """cn2an's converter, imported on first use: importing cn2an compiles its patterns (~0.1 s), which
    would delay the bot's start-up for a parser most answers (digits, buttons) never need."""
    import cn2an

    return cn2an.cn2an


# --- amounts ---------------------------------------------------------------------------------

_CURRENCY_WORDS = ("人民币", "rmb", "cny", "块钱", "元整", "圆整", "块", "元", "圆", "￥", "¥", "钱")
_VAGUE_MARKERS = ("多", "几", "余", "来万", "左右", "大概", "大约", "约", "差不多", "上下", "好像", "估计", "?", "？")
_NEGATIVE_MARKERS = ("-", "负", "−")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(text: str) -> Decimal:
    """Parse a money amount in yuan: "5000", "5,000元", "五千", "三千五", "3.5万", "1万2", "两万块钱",
    "1.2w", "￥3000". Vague ("三千多"), zero, negative and absurd (≥ 10^10) amounts are refused.
    """
    s = normalise(text).lower().replace(" ", "")
    if not s:
        raise ParseError("amount_empty")
    if any(m in s for m in _NEGATIVE_MARKERS):
        raise ParseError("amount_not_positive")
    if any(m in s for m in _VAGUE_MARKERS):
        raise ParseError("amount_vague")
    s = _THOUSANDS.sub("", s)
    for word in _CURRENCY_WORDS:
        s = s.replace(word, "")
    s = s.replace("w", "万").replace("k", "千")
    if not s:
        raise ParseError("amount_empty")
    value: Decimal
    if _PLAIN_NUMBER.match(s):
        value = Decimal(s)
    else:
        if not re.fullmatch(r"[\d.零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+", s):
            raise ParseError("amount_unreadable")
        try:
            converted = _cn2an()(s, "smart")
        except (ValueError, KeyError, IndexError, TypeError):
            raise ParseError("amount_unreadable") from None
        try:
            value = Decimal(str(converted))
        except InvalidOperation:
            raise ParseError("amount_unreadable") from None
    if value >= MAX_AMOUNT:
        raise ParseError("amount_too_large")
    value = value.quantize(FEN, rounding=ROUND_HALF_UP)
    if value <= 0:  # also "0.001", which rounds to 0.00元
        raise ParseError("amount_not_positive")
    return value


# --- dates -----------------------------------------------------------------------------------

_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$")
_RELATIVE = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def _cn_number_to_digits(s: str) -> str:
    """Rewrite Chinese numerals inside a date ("二〇二四年五月十日") as Arabic digits."""
    def month_day(match: re.Match[str]) -> str:
        try:
            return str(_cn2an()(match.group(0), "normal"))
        except (ValueError, KeyError, IndexError):
            return match.group(0)

    head, sep, tail = s.partition("年")
    if sep:
        head = head.translate(_CN_DIGITS)
        tail = re.sub(r"[零一二三四五六七八九十]+", month_day, tail)
        return head + sep + tail
    return s


_RELATIVE_YEARS = {"今年": 0, "去年": 1, "前年": 2}


def _relative_year(s: str, today: date) -> str:
    """Rewrite "去年五月" / "今年3月10号" / "去年年底" with the calendar year."""
    for word, back in _RELATIVE_YEARS.items():
        if s.startswith(word):
            rest = s[len(word):]
            rest = {"年底": "12月", "底": "12月", "年初": "1月", "初": "1月"}.get(rest, rest)
            return f"{today.year - back}年{rest}"
    return s


def parse_date(text: str, today: date) -> tuple[date, bool]:
    """Parse a calendar date; returns (date, approximate).

    Accepts "2024-05-01", "2024/5/1", "2024.5.1", "2024年5月1日", "20240501", "二〇二四年五月一日",
    "今天", "昨天". A month without a day ("2024年5月") is taken as the 1st and flagged approximate.
    """
    s = normalise(text).replace(" ", "")
    if not s:
        raise ParseError("date_empty")
    if s in _RELATIVE:
        return today - timedelta(days=_RELATIVE[s]), False
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


# --- provinces -------------------------------------------------------------------------------

PROVINCES: tuple[str, ...] = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
    "陕西", "甘肃", "青海", "宁夏", "新疆",
)
_PROVINCE_SUFFIXES = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区")


def parse_province(text: str) -> str:
    """Match a mainland provincial-level region ("江苏", "江苏省", "广西壮族自治区", "在上海")."""
    s = normalise(text).replace(" ", "")
    for name in sorted(PROVINCES, key=len, reverse=True):
        if name in s:
            return name
    if any(x in s for x in ("香港", "澳门", "台湾")):
        raise ParseError("province_outside_mainland")
    raise ParseError("province_unknown")


# --- choices ---------------------------------------------------------------------------------

_YES = {"是", "是的", "对", "对的", "有", "嗯", "好", "知道", "yes", "y", "ok", "是呀", "有的"}
_NO = {"否", "不", "不是", "没有", "无", "不知道", "no", "n", "没", "不对"}
_SPLIT = re.compile(r"[,，、;；\s]+|和|及")


def parse_yes_no(text: str) -> str:
    """Return "yes" or "no" for common Chinese and English answers."""
    s = normalise(text).lower().rstrip("。.!！~")
    if s in _YES:
        return "yes"
    if s in _NO:
        return "no"
    if s[:1] in {"没", "不", "无", "否", "只"}:  # "没有骚扰", "只知道微信"
        return "no"
    if s[:1] in {"有", "是", "对", "知"}:  # "有，天天打给我妈", "知道住址"
        return "yes"
    raise ParseError("choice_unknown")


def match_choice(text: str, options: Sequence[tuple[str, str, Sequence[str]]]) -> str:
    """Find the option a typed answer means: its number, its value, its label, or an alias.

    ``options`` are (value, label, aliases). A unique partial match of two or more characters also
    counts ("债权人" picks "我是债权人（别人欠我钱）").
    """
    s = normalise(text).lower().rstrip("。.!！")
    if not s:
        raise ParseError("choice_unknown")
    if s.isdecimal():
        index = int(s) if len(s) <= 6 else 0  # int() refuses very long digit strings
        if 1 <= index <= len(options):
            return options[index - 1][0]
        raise ParseError("choice_out_of_range", count=len(options))
    for value, label, aliases in options:
        names = {value.lower(), normalise(label).lower(), *(normalise(a).lower() for a in aliases)}
        if s in names:
            return value
    if len(s) >= 2:
        hits = [
            value
            for value, label, aliases in options
            if s in normalise(label).lower() or any(s in normalise(a).lower() for a in aliases)
        ]
        if len(set(hits)) == 1:
            return hits[0]
        # "我收到传票了" names the alias "传票": an option whose alias appears in the text — unless it
        # is negated ("还没收到传票", "没被强制执行", "只知道微信").
        contained = {
            value
            for value, label, aliases in options
            for name in (label, *aliases)
            if len(normalise(name)) >= 2 and _mentions(s, normalise(name).lower())
        }
        if len(contained) == 1:
            return contained.pop()
    raise ParseError("choice_unknown")


_NEGATIONS = ("没", "不", "未", "别", "非", "无", "只")


def _mentions(text: str, name: str) -> bool:
    """True when ``name`` occurs in ``text`` and no occurrence is negated just before it."""
    start = text.find(name)
    found = False
    while start != -1:
        before = text[max(0, start - 5):start]
        if any(neg in before for neg in _NEGATIONS):
            return False
        found = True
        start = text.find(name, start + 1)
    return found


def match_choices(text: str, options: Sequence[tuple[str, str, Sequence[str]]]) -> list[str]:
    """Parse a multi-choice answer: "1,3", "1 2", "借条、转账记录"; order kept, duplicates dropped."""
    parts = [p for p in _SPLIT.split(normalise(text)) if p]
    if not parts:
        raise ParseError("choice_unknown")
    picked: list[str] = []
    for part in parts:
        value = match_choice(part, options)
        if value not in picked:
            picked.append(value)
    return picked
