"""Choices and yes/no answers: option numbers, values, labels, aliases, "1,3", "借条、转账记录"."""

from __future__ import annotations

import re
from collections.abc import Sequence

from text.errors import ParseError
from text.normalise import normalise

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
