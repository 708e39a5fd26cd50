"""Mainland provincial-level regions: their names, and the region an answer names."""

from __future__ import annotations

import re

from text.errors import ParseError
from text.normalise import normalise

# The 31 provincial-level divisions of the mainland: canonical short name -> (full name, pinyin).
PROVINCES: dict[str, tuple[str, str]] = {
    "北京": ("北京市", "beijing"),
    "天津": ("天津市", "tianjin"),
    "河北": ("河北省", "hebei"),
    "山西": ("山西省", "shanxi"),
    "内蒙古": ("内蒙古自治区", "neimenggu"),
    "辽宁": ("辽宁省", "liaoning"),
    "吉林": ("吉林省", "jilin"),
    "黑龙江": ("黑龙江省", "heilongjiang"),
    "上海": ("上海市", "shanghai"),
    "江苏": ("江苏省", "jiangsu"),
    "浙江": ("浙江省", "zhejiang"),
    "安徽": ("安徽省", "anhui"),
    "福建": ("福建省", "fujian"),
    "江西": ("江西省", "jiangxi"),
    "山东": ("山东省", "shandong"),
    "河南": ("河南省", "henan"),
    "湖北": ("湖北省", "hubei"),
    "湖南": ("湖南省", "hunan"),
    "广东": ("广东省", "guangdong"),
    "广西": ("广西壮族自治区", "guangxi"),
    "海南": ("海南省", "hainan"),
    "重庆": ("重庆市", "chongqing"),
    "四川": ("四川省", "sichuan"),
    "贵州": ("贵州省", "guizhou"),
    "云南": ("云南省", "yunnan"),
    "西藏": ("西藏自治区", "xizang"),
    "陕西": ("陕西省", "shaanxi"),
    "甘肃": ("甘肃省", "gansu"),
    "青海": ("青海省", "qinghai"),
    "宁夏": ("宁夏回族自治区", "ningxia"),
    "新疆": ("新疆维吾尔自治区", "xinjiang"),
}
_EXTRA_ALIASES = {"inner mongolia": "内蒙古", "tibet": "西藏", "nei mongol": "内蒙古"}


OUTSIDE_MAINLAND = ("香港", "澳门", "台湾")


def province_name(name: str | None) -> str | None:
    """Canonical short province name for "江苏", "江苏省", "Jiangsu", "jiangsu sheng"…; None if unknown."""
    if not name or not isinstance(name, str):
        return None
    text = normalise(name)
    lowered = re.sub(r"[\s_-]+", " ", text.lower()).strip()
    lowered = re.sub(r" (sheng|shi|province|municipality|autonomous region|zizhiqu)$", "", lowered)
    if lowered in _EXTRA_ALIASES:
        return _EXTRA_ALIASES[lowered]
    for short, (full, pinyin) in PROVINCES.items():
        if text in (short, full) or lowered.replace(" ", "") == pinyin:
            return short
    stripped = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", text)
    if stripped in PROVINCES:
        return stripped
    return None


def parse_province(text: str) -> str:
    """The region an answer names: "江苏", "江苏省", "广西壮族自治区", "在上海", "Jiangsu".

    Returns the short name ("江苏"); raises :class:`ParseError` ``province_outside_mainland`` for
    香港/澳门/台湾 and ``province_unknown`` for anything else.
    """
    exact = province_name(text)
    if exact is not None:
        return exact
    s = normalise(text).replace(" ", "")
    for name in sorted(PROVINCES, key=len, reverse=True):
        if name in s:
            return name
    if any(x in s for x in OUTSIDE_MAINLAND):
        raise ParseError("province_outside_mainland")
    raise ParseError("province_unknown")
