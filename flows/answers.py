"""Read an answer to one question node, typed or pressed, into the fact value stored in the session.

Stored values are JSON-friendly: option values, ``"3500.00"`` for amounts, ``"2024-05-01"`` for
dates (a sibling fact ``<id>__approx`` marks a month-only date), province names, ``None`` for a
skipped optional question.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flows.spec import Node
from text.amounts import parse_amount
from text.choices import match_choice, match_choices, parse_yes_no
from text.dates import parse_date
from text.errors import ParseError
from text.formats import parse_format
from text.normalise import normalise
from text.provinces import parse_province

MAX_FREE_TEXT = 500


def _options(node: Node, facts: dict[str, Any] | None = None) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(o.value, o.label, o.aliases) for o in node.offered_options(facts)]


def _check_date(node: Node, value: date, today: date) -> None:
    rules = node.validate
    if "min" in rules and value < date.fromisoformat(str(rules["min"])):
        raise ParseError("date_too_early", min=str(rules["min"]))
    if rules.get("not_future") and value > today:
        raise ParseError("date_in_future")
    if rules.get("not_past") and value < today:
        raise ParseError("date_in_past")
    years = rules.get("max_years_ahead")
    if years is not None and value.year > today.year + int(years):
        raise ParseError("date_too_far")


def read_typed(node: Node, text: str, today: date, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parse typed text for ``node``; returns the facts to set (raises ParseError).

    ``facts`` (the session's) limits a choice to the options offered for them, so a typed number
    means the same option as the button with that number.
    """
    if node.kind in {"choice", "yesno"}:
        if node.kind == "yesno":
            try:
                return {node.id: parse_yes_no(text)}
            except ParseError:
                pass
        return {node.id: match_choice(text, _options(node, facts))}
    if node.kind == "multi":
        picked = match_choices(text, _options(node))
        return {node.id: normalise_multi(node, picked)}
    # Special options of amount/date questions ("没有约定还款日期") may be typed too.
    if node.options:
        try:
            value = match_choice(text, _options(node))
        except ParseError:
            pass
        else:
            if node.kind in {"date", "amount"}:
                return {node.id: value, f"{node.id}__approx": False}
            return {node.id: value}
    if node.kind == "amount":
        return {node.id: str(parse_amount(text))}
    if node.kind == "date":
        day, approximate = parse_date(text, today)
        _check_date(node, day, today)
        return {node.id: day.isoformat(), f"{node.id}__approx": approximate}
    if node.kind == "province":
        return {node.id: parse_province(text)}
    if node.kind == "text":
        cleaned = normalise(text)
        if not cleaned:
            raise ParseError("text_empty")
        if len(cleaned) > MAX_FREE_TEXT:
            raise ParseError("text_too_long", limit=MAX_FREE_TEXT)
        if "format" in node.validate:
            return parse_format(str(node.validate["format"]), node.id, cleaned, today)
        return {node.id: cleaned}
    raise ParseError("not_a_question")


def read_pressed(node: Node, value: str, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a pressed option value for ``node`` (offered for ``facts``); returns the facts to set."""
    if value not in {o.value for o in node.offered_options(facts)}:
        raise ParseError("choice_unknown")
    result: dict[str, Any] = {node.id: value}
    if node.kind in {"date", "amount"}:
        result[f"{node.id}__approx"] = False
    return result


def normalise_multi(node: Node, picked: list[str]) -> list[str]:
    """Apply exclusivity: an exclusive option alone, or the others without it; keep option order."""
    exclusive = {o.value for o in node.options if o.exclusive}
    chosen = set(picked)
    if chosen & exclusive and chosen - exclusive:
        last = picked[-1]
        chosen = {last} if last in exclusive else chosen - exclusive
    return [o.value for o in node.options if o.value in chosen]


def toggle(node: Node, picked: list[str], value: str) -> list[str]:
    """Toggle one option of a multi-choice question, honouring exclusive options."""
    if value not in {o.value for o in node.options}:
        raise ParseError("choice_unknown")
    if value in picked:
        return [v for v in picked if v != value]
    return normalise_multi(node, [*picked, value])


def display(node: Node, facts: dict[str, Any]) -> str:
    """How an answer reads on the review screen and in acknowledgements (plain text)."""
    if node.id not in facts:
        return "（未回答）"
    value = facts[node.id]
    if value is None:
        return "（已跳过）"
    if value == "unknown" and "unknown" not in {o.value for o in node.options}:
        return "不知道"
    if node.kind == "multi":
        return "、".join(node.option_label(v) for v in value) or "（无）"
    if node.kind in {"choice", "yesno"} or (node.options and value in {o.value for o in node.options}):
        return node.option_label(value)
    if node.kind == "amount":
        amount = Decimal(value)
        return f"{'约' if facts.get(f'{node.id}__approx') else ''}{amount:,.2f}元"
    if node.kind == "date":
        d = date.fromisoformat(value)
        text = f"{d.year}年{d.month}月{d.day}日"
        if facts.get(f"{node.id}__approx"):
            precision = facts.get(f"{node.id}__precision", "month")
            if precision == "month" and d.day == 1:
                text = f"{d.year}年{d.month}月（按当月1日计）"
            elif precision == "year" and d.month == 1 and d.day == 1:
                text = f"{d.year}年（按1月1日计）"
            elif precision == "season":  # three months from the stored first one; winter runs into next year
                end = f"{d.month + 2}月" if d.month <= 10 else f"{d.year + 1}年{d.month - 10}月"
                text = f"约{d.year}年{d.month}月—{end}（按{d.month}月1日计）"
            else:
                text = f"约{text}"
        return text
    return str(value)
