"""Money amounts in yuan: "5000", "5,000元", "五千", "三千五", "3.5万", "1万2", "两万块钱", "1.2w", "￥3000"."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from text.errors import ParseError
from text.normalise import normalise
from text.numerals import cn_to_number

MAX_AMOUNT = Decimal(10) ** 10
FEN = Decimal("0.01")

_CURRENCY_WORDS = ("人民币", "rmb", "cny", "块钱", "元整", "圆整", "块", "元", "圆", "￥", "¥", "钱")
_VAGUE_MARKERS = ("多", "几", "余", "来万", "左右", "大概", "大约", "约", "差不多", "上下", "好像", "估计", "?", "？")
_NEGATIVE_MARKERS = ("-", "负", "−")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_NUMERAL = re.compile(r"[\d.零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+")


def parse_amount(text: str) -> Decimal:
    """Parse a money amount in yuan, rounded to the fen.

    Vague ("三千多"), zero, negative, below one fen ("0.001") and absurd (≥ 10^10) amounts are refused
    with a :class:`ParseError` (``amount_vague``, ``amount_not_positive``, ``amount_too_large``,
    ``amount_unreadable``, ``amount_empty``).
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
        if not _NUMERAL.fullmatch(s):
            raise ParseError("amount_unreadable")
        try:
            value = Decimal(str(cn_to_number(s, "smart")))
        except (ValueError, InvalidOperation):
            raise ParseError("amount_unreadable") from None
    if value >= MAX_AMOUNT:
        raise ParseError("amount_too_large")
    value = value.quantize(FEN, rounding=ROUND_HALF_UP)
    if value <= 0:  # also "0.001", which rounds to 0.00元
        raise ParseError("amount_not_positive")
    return value
