"""What the intake desk needs from a story: its facts checked against the flows, and the restatement.

``story_facts`` keeps only readings a flow can store (an option the question offers, a date, an
amount), renamed to the agreed fact keys; ``restatement`` words them for 我理解的是：…，对吗？.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.answers import display
from flows.spec import FlowRegistry, Node
from text.normalise import normalise
from understanding.lexicon import story_labels
from understanding.model import Reading

QUESTION_MARKS = ("?", "？", "吗", "是什么", "什么是", "怎么", "会不会", "能不能", "如何", "是不是", "可不可以")
YES_WORDS = frozenset({"对", "对的", "是", "是的", "没错", "嗯", "嗯嗯", "好", "好的", "对了", "正确", "都对", "ok",
                       "yes", "y", "1"})
NO_WORDS = frozenset({"不对", "不是", "错了", "不", "no", "n", "2", "不对的"})


def is_yes(word: str) -> bool:
    """A typed 对 / 是的 / 没错 (the held reading is right)."""
    return word in YES_WORDS


def is_no(word: str) -> bool:
    """A typed 不对 / 不是 (the held reading is wrong)."""
    return word in NO_WORDS


def _labels() -> dict[str, Any]:
    return story_labels()


def role_of(facts: dict[str, Any], known: dict[str, Any]) -> str | None:
    """The role the facts or the session name (creditor / debtor), if any."""
    role = known.get("role") or facts.get("role")
    return str(role) if role in {"creditor", "debtor"} else None


def flow_node(registry: FlowRegistry, key: str, role: str | None) -> Node | None:
    """The question storing ``key`` in the role's flow (or either flow when the role is not known)."""
    flows = [role] if role else ["creditor", "debtor"]
    for flow in ["start", *flows]:
        try:
            return registry.node(f"{flow}.{key}")
        except KeyError:
            continue
    return None


def _valid(node: Node, value: Any) -> bool:
    if node.kind in {"choice", "yesno"}:
        return value in {o.value for o in node.choice_options()}
    if node.kind == "multi":
        return isinstance(value, list) and bool(value) and set(value) <= {o.value for o in node.options}
    if node.options and value in {o.value for o in node.options}:
        return True
    if node.kind == "amount":
        try:
            return Decimal(str(value)) > 0
        except InvalidOperation:
            return False
    if node.kind == "date":
        return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
    if node.kind == "province":
        return isinstance(value, str) and bool(value)
    return False


def conflicts(facts: dict[str, Any], known: dict[str, Any]) -> list[tuple[str, str]]:
    """Pairs of facts that cannot both be true (还没有逾期 and 正在被催收), from the story or the session."""
    both = {**known, **facts}
    found = []
    if both.get("overdue_since") == "not_overdue" and both.get("stage") and both.get("role") == "debtor":
        found.append(("overdue_since", "stage"))
    return found


def story_facts(registry: FlowRegistry, readings: list[Reading], known: dict[str, Any]) -> dict[str, Any]:
    """The facts of a story a flow can store (sure or not: the restatement confirms them all).

    A role other than the session's is left out (the role is changed from the review, not by a
    story); values a question does not offer are left out (it is asked instead).
    """
    rename = dict(_labels().get("rename") or {})
    raw: dict[str, Any] = {}
    for r in readings:
        raw[str(rename.get(r.key, r.key))] = r.value
    if "role" in raw and known.get("role") and raw["role"] != known["role"]:
        del raw["role"]
    role = role_of(raw, known)
    for a, b in conflicts(raw, known):
        raw.pop(a, None)
        raw.pop(b, None)
        raw.setdefault("conflicts", []).append(f"{a}|{b}")
    facts: dict[str, Any] = {}
    for key, value in raw.items():
        if "__" in key:
            continue
        if key == "conflicts":
            facts[key] = value
            continue
        node = flow_node(registry, key, role)
        if node is None and role and key != "loan_date" and flow_node(registry, key, None) is not None:
            continue  # a question of the other role's flow (a creditor's 起诉 is not a debtor's 收到传票)
        if node is not None:
            if role is None and node.flow != "start":
                continue  # without a role, amount and stage mean different questions
            if not _valid(node, value) or known.get(key) == value:
                continue
        facts[key] = value
        for extra, extra_value in raw.items():
            if extra.startswith(f"{key}__"):
                facts[extra] = extra_value
    return facts


def _plain(key: str, value: Any) -> str:
    labels = _labels()
    words = dict((labels.get("values") or {}).get(key) or {})
    if isinstance(value, list):
        return "、".join(str(words.get(v, v)) for v in value)
    if str(value) in words:
        return str(words[str(value)])
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        d = date.fromisoformat(value)
        return f"{d.year}年{d.month}月{d.day}日"
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d{2}", value):
        return f"{Decimal(value):,.2f}元"
    return str(value)


def restatement(registry: FlowRegistry, facts: dict[str, Any], known: dict[str, Any],
                keyed: bool = False) -> list[Any]:
    """The facts as short lines ("欠款金额：约20,000.00元"); with ``keyed``, (key, line) pairs."""
    role = role_of(facts, known)
    labels = dict(_labels().get("labels") or {})
    lines: list[Any] = []
    order = ["role", *(n.id for n in registry.flows[role].questions)] if role else ["role"]
    ranked = sorted(facts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    for key, value in ranked:
        if "__" in key or key in {"questions", "conflicts"}:
            continue
        node = flow_node(registry, key, role)
        if node is not None and node.flow != "start":
            line = f"{node.label}：{display(node, {**known, **facts})}"
        elif key in labels:
            parts = [_plain(key, v) for v in value] if key == "amount_parts" else [_plain(key, value)]
            shown = "、".join(parts)
            if facts.get(f"{key}__approx") and not shown.startswith("约"):
                shown = "约" + shown
            line = f"{labels[key]}：{shown}"
        else:
            continue
        lines.append((key, line) if keyed else line)
    return lines


def conflict_lines(facts: dict[str, Any]) -> list[str]:
    """The contradictions a story held, worded from the data file ("还没有逾期" / "已经在被催收")."""
    words = dict(_labels().get("conflicts") or {})
    return [str(words.get(pair, words.get("default", ""))) for pair in facts.get("conflicts") or []]


def asked_topics(registry: FlowRegistry, text: str) -> list[str]:
    """The quick topics a typed question names ("不还会坐牢吗" → jail), in menu order.

    A name inside a longer name of another topic does not count (执行 inside 强制执行 is one topic).
    """
    folded = normalise(text).lower()
    spans: list[tuple[int, int, str]] = []
    for option in registry.node("topics.topic").choice_options():
        for name in {option.label, *option.aliases}:
            n = normalise(name).lower()
            at = folded.find(n) if n else -1
            while at != -1:
                spans.append((at, at + len(n), option.value))
                at = folded.find(n, at + 1)
    named = {t for b, e, t in spans
             if not any(ob <= b and e <= oe and oe - ob > e - b and o != t for ob, oe, o in spans)}
    return [o.value for o in registry.node("topics.topic").choice_options() if o.value in named]
