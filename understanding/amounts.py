"""Find money amounts in colloquial text: 八千块钱, 一万两千快 (typo), 1.2w, 两万多, 三五千, 5000到8000.

Built on :func:`text.amounts.parse_amount` for the number itself; this module finds the amounts in
a sentence and says how exact each is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from text.amounts import parse_amount
from text.errors import ParseError
from text.normalise import normalise

_NUMERAL = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_MAGNITUDE = set("十百千万亿拾佰仟")
# One run: digits/numerals, an optional approximation word, an optional currency unit.
_RUN = re.compile(
    rf"(?P<num>(?:(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d+)(?:\.\d+)?|[{_NUMERAL}])(?:[\d.{_NUMERAL}]|[wWkK](?![a-zA-Z]))*)"
    r"(?P<approx>多|来|余|几)?(?P<mag2>(?<=[多来余几])[十百千万]+)?(?P<unit>块钱|块|元|圆|rmb|人民币)?(?P<after>左右|上下|出头)?"
)
# What follows a number that is not money: dates, durations, counts, rates, percentages.
_NOT_MONEY_AFTER = re.compile(
    r"^(?:年|月|日|号|个|天|期|次|岁|点|%|％|分|周|星期|人|家|张|笔|成|倍|楼|栋|幢|单元|室|层|户|号线|小时|w?多?个月)"
)
_NOT_MONEY_BEFORE = ("第", "星期", "周", "初", "廿", "腊月", "正月")
_LONG_DIGITS = re.compile(r"\d{11,}")
_NOT_MONEY_CUES = ("电话", "手机", "号码", "手机号", "卡号", "身份证", "微信号", "QQ", "qq")
_RANGE_PAIR = re.compile(rf"^([一二两三四五六七八九])([一二两三四五六七八九])([{_MAGNITUDE}]+)$")
_VAGUE_BEFORE = ("大概", "大约", "差不多", "约", "估计", "可能", "好像", "将近", "快")
_CN_ONE = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000, "亿": 10**8}


@dataclass(frozen=True)
class AmountReading:
    """One amount found in text: ``value`` in yuan; ``approx`` for 多/左右/ranges; ``bare`` for a
    plain number without unit or magnitude (a bare "2" may be a button number, not 2元)."""

    value: Decimal
    approx: bool
    bare: bool
    text: str
    start: int
    high: Decimal | None = None


def fix_typos(text: str) -> str:
    """快→块 after a number ("一万两千快"), full-width forms folded; w/k magnitudes kept for parse_amount."""
    s = normalise(text)
    s = re.sub(rf"(?<=[\d{_NUMERAL}])快", "块", s)
    # 一直/一共/一次… after a number are words, not digits: "两万一直没还" is 两万, not 两万一.
    return re.sub(r"(?<=[万千百])一(?=[直共次起下点些样般定再])", "\u3000", s)


def _magnitude_value(word: str) -> int:
    total = 1
    for ch in word:
        total *= _UNIT[ch]
    return total


def find_amounts(text: str) -> list[AmountReading]:
    """Every money amount in ``text``, in order. Numbers that are dates, counts or rates are skipped."""
    s = fix_typos(text)
    found: list[AmountReading] = []
    for m in _RUN.finditer(s):
        num, approx_word, unit, after = m.group("num"), m.group("approx"), m.group("unit"), m.group("after")
        mag2 = m.group("mag2") or ""
        if _LONG_DIGITS.search(num) or any(s[max(0, m.start() - 4) : m.start()].endswith(w) for w in _NOT_MONEY_CUES):
            continue  # a phone, card or ID number, not money
        lead = re.match(rf"[{_NUMERAL}]+(?=\d)", num)
        skip = lead.end() if lead and not set(lead.group(0)) & _MAGNITUDE else 0
        num = num[skip:]  # "张三3500": the 三 belongs to the name
        rest = s[m.end() :] if not (unit or after) else ""
        if not approx_word and not mag2:
            rest = s[m.end("num") :]
        if not unit and _NOT_MONEY_AFTER.match(rest):
            continue
        if any(s[: m.start()].endswith(b) for b in _NOT_MONEY_BEFORE):
            continue
        has_digit = any(c.isdigit() for c in num)
        has_magnitude = bool(mag2) or any(c in _MAGNITUDE or c in "wWkK" for c in num)
        if not (has_digit or has_magnitude or unit):
            continue  # "一次还清", "两个人": a lone numeral character is not money
        pair = None if approx_word else _RANGE_PAIR.match(num)
        if pair:  # 三五千 = 3000 to 5000
            scale = _magnitude_value(pair.group(3))
            low, top = _CN_ONE[pair.group(1)] * scale, _CN_ONE[pair.group(2)] * scale
            found.append(AmountReading(Decimal(low), True, False, m.group(0)[skip:], m.start() + skip, Decimal(top)))
            continue
        value = _parse_prefix(num, "" if mag2 else unit or "")
        if value is None:
            continue
        high: Decimal | None = None
        if mag2:
            value = (value * _magnitude_value(mag2)).quantize(Decimal("0.01"))
        if approx_word == "几":  # 十几万 = 10万 to 20万
            high = value * 2
        approx = bool(approx_word or after) or any(w in s[max(0, m.start() - 4) : m.start()] for w in _VAGUE_BEFORE)
        bare = not unit and not has_magnitude and "." not in num
        found.append(AmountReading(value, approx, bare, m.group(0)[skip:], m.start() + skip, high))
    return _join_ranges(s, found)


def _parse_prefix(num: str, unit: str) -> Decimal | None:
    """Parse ``num``; when it fails, the longest prefix that parses ("3.5万一直" → 3.5万)."""
    for end in range(len(num), 0, -1):
        try:
            return parse_amount(num[:end] + (unit if end == len(num) else ""))
        except ParseError:
            continue
    return None


def _join_ranges(s: str, found: list[AmountReading]) -> list[AmountReading]:
    """ "5000到8000" / "5000-8000块": two amounts joined by 到/至/-/~ are one approximate range."""
    out: list[AmountReading] = []
    for reading in found:
        if out:
            prev = out[-1]
            between = s[prev.start + len(prev.text) : reading.start]
            if between in {"到", "至", "-", "~", "～", "—"} and prev.high is None and reading.value > prev.value:
                low = prev.value
                if prev.bare and not reading.bare and reading.value >= 10000 and low < 10000:
                    low = low * 10000  # "2到3万"
                elif prev.bare and not reading.bare and reading.value >= 1000 and low < 1000:
                    low = low * 1000 if reading.value < 10000 else low
                out[-1] = AmountReading(low, True, False, prev.text + between + reading.text, prev.start, reading.value)
                continue
        out.append(reading)
    return out


_NEGATED_BEFORE = re.compile(r"(?:不是|并不是|哪有|没有)\s*$")
_TOTAL_BEFORE = ("一共", "总共", "合计", "总计", "加起来", "加上", "连本带息", "算下来")
_PRINCIPAL_BEFORE = ("本金",)
_REFINE_BEFORE = ("快", "将近", "差不多", "接近", "不到", "最多", "顶多")


def debt_figures(text: str, amounts: list[AmountReading]) -> tuple[list[AmountReading], str | None]:
    """The amounts of ``text`` that are the debt, and why others were set aside.

    Amounts are not always several debts to add up: "不是五万多" rejects a figure (``corrected``);
    "本金两万三 加上利息…一共两万九千八" names the principal, which is what is asked (``principal``);
    "一共两万九" names a total (``total``); "两万多 快三万了吧" refines one estimate into a range
    (``estimate``). Otherwise every amount is kept and the reason is None.
    """
    s = fix_typos(text)
    kept = [a for a in amounts if not _NEGATED_BEFORE.search(s[max(0, a.start - 4) : a.start])]
    reason = "corrected" if len(kept) < len(amounts) else None
    if len(kept) < 2:
        return kept, reason
    principal = [a for a in kept if any(w in s[max(0, a.start - 4) : a.start] for w in _PRINCIPAL_BEFORE)]
    if principal:
        return principal[:1], "principal"
    total = [a for a in kept if any(w in s[max(0, a.start - 8) : a.start] for w in _TOTAL_BEFORE)]
    if total:
        return total[-1:], "total"
    if len(kept) == 2:
        low, top = kept
        between = s[low.start + len(low.text) : top.start]
        refines = any(w in s[max(0, top.start - 3) : top.start] for w in _REFINE_BEFORE)
        if refines and top.value >= low.value and not re.search(r"[\u4e00-\u9fff]{3,}", between.strip(" ，,吧了呢")):
            said = s[low.start : top.start + len(top.text)]
            joined = AmountReading(low.value, True, False, said, low.start, top.value)
            return [joined], "estimate"
    return kept, reason
