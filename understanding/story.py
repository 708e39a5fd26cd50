"""Read a first message (a story) for every fact it carries, each with a certainty.

The cue words live in understanding/data/story_patterns.yaml. A reading is ``sure`` only when a
specific cue names it plainly; guesses (weak cues, approximate or several amounts, relative and lunar
dates, a place that may be the user's own) are returned with ``sure=False`` so that the bot restates
them before they count.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from text.normalise import normalise
from understanding.amounts import AmountReading, debt_figures, find_amounts
from understanding.cues import mention, mention_spans
from understanding.dates import DateReading, find_dates
from understanding.lexicon import answer_words, story_patterns
from understanding.model import Reading
from understanding.places import province_of

_SENTENCE = re.compile(r"[。！？!?\n；;]+")
_CLAUSE = re.compile(r"[。！？!?\n；;，,]+")


_ASKING = ("吗", "?", "？", "会不会", "能不能", "是不是", "可不可以", "来得及", "有没有")


def statements(text: str) -> str:
    """``text`` without its questions: "会不会上失信名单？" or "现在去申请执行还来得及吗" states no fact."""
    pieces = [p for p in re.split(r"(?<=[?？])|[。！!\n；;，,\s]+", text) if p and p.strip()]
    return "，".join(p for p in pieces if not any(m in p for m in _ASKING))


def _hits(text: str, options: dict[str, Any], in_questions: bool = True) -> tuple[list[str], list[str]]:
    """Options with an un-negated sure cue, and options with only a maybe cue (in option order). Unless
    ``in_questions``, a cue inside a question counts only when it is itself a question ("能起诉吗")."""
    stated = statements(text) if not in_questions else text

    def said(cue: str) -> bool:
        return mention(text if any(m in cue for m in _ASKING) else stated, cue) == "yes"

    sure, maybe = [], []
    for value, cues in options.items():
        if any(said(c) for c in cues.get("sure") or []):
            sure.append(str(value))
        elif any(said(c) for c in cues.get("maybe") or []):
            maybe.append(str(value))
    return sure, maybe


def _role(text: str) -> Reading | None:
    """Creditor or debtor by counting cues; a cue inside a longer cue of the other side does not
    count ("找我借了" is the creditor's 找我借, not the debtor's 我借了)."""
    patterns = story_patterns()["role"]
    creditor_spans = mention_spans(text, [str(c) for c in patterns["creditor"].get("sure") or []])
    debtor_spans = mention_spans(text, [str(c) for c in patterns["debtor"].get("sure") or []])

    def outside(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> int:
        def beaten(b: int, e: int) -> bool:
            return any(ob < e and b < oe and (ob < b or (ob == b and oe > e)) for ob, oe in others)

        return sum(1 for b, e in spans if not beaten(b, e))

    creditor = outside(creditor_spans, debtor_spans)
    debtor = outside(debtor_spans, creditor_spans)
    if creditor and not debtor:
        return Reading("role", "creditor", True, "role")
    if debtor and not creditor:
        return Reading("role", "debtor", True, "role")
    if creditor != debtor:
        return Reading("role", "creditor" if creditor > debtor else "debtor", False, "role")
    return None


def _option_facts(text: str, role: str | None) -> list[Reading]:
    readings: list[Reading] = []
    for entry in story_patterns()["facts"]:
        if entry.get("role", "any") not in {"any", role}:
            continue
        options = entry["options"]
        sure, maybe = _hits(text, options, bool(entry.get("in_questions")))
        pick = entry.get("pick", "one")
        key = entry["key"]
        if pick == "all":
            if sure:
                readings.append(Reading(key, sure, True, "pattern"))
        elif pick == "latest":
            if sure:
                readings.append(Reading(key, sure[-1], True, "pattern"))
        elif len(sure) == 1:
            readings.append(Reading(key, sure[0], True, "pattern"))
        elif not sure and len(maybe) == 1:
            readings.append(Reading(key, maybe[0], False, "pattern"))
    return readings


def _before(text: str, start: int, width: int = 8) -> str:
    clause_start = max((m.end() for m in _CLAUSE.finditer(text[:start])), default=0)
    return text[max(clause_start, start - width) : start]


def _creditor_kinds(text: str) -> int:
    """How many kinds of creditor (花呗/借呗 = platform, 信用卡, a friend…) ``text`` names."""
    entry = next(e for e in story_patterns()["facts"] if e["key"] == "creditor_kind")
    sure, _maybe = _hits(text, entry["options"])
    return len(set(sure))


def _amount_readings(text: str, role: str | None) -> list[Reading]:
    patterns = story_patterns()["amounts"]
    debts: list[AmountReading] = []
    repaid: list[AmountReading] = []
    readings: list[Reading] = []
    for a in find_amounts(text):
        before = _before(text, a.start)
        if any(w in before for w in patterns["monthly"]):
            readings.append(Reading("monthly_capacity", str(a.value), False, "amount"))
        elif any(w in before for w in patterns["repaid"]):
            repaid.append(a)
        elif not any(w in before for w in patterns["skip_before"]):
            debts.append(a)
    debts, _chosen = debt_figures(text, debts)
    if not debts:
        return readings
    approx = any(a.approx or a.high is not None for a in debts)
    if len(debts) == 1:
        total = debts[0].value
        sure = not approx and not (debts[0].bare and debts[0].value < 100)
    else:
        total = sum((a.value for a in debts), Decimal(0))
        sure = False
        readings.append(Reading("amount_parts", [str(a.value) for a in debts], False, "amount"))
        if role == "debtor" and _creditor_kinds(text) > 1:
            # "花呗一万二 借呗九千 信用卡两万多": several creditors. Their total is not the amount owed to
            # the one the consultation is about; it is asked after the creditor is chosen.
            return readings
    if repaid:
        paid = sum((a.value for a in repaid), Decimal(0))
        readings.append(Reading("repaid", str(paid), False, "amount"))
        if paid < total:
            total, sure = total - paid, False
    readings.append(Reading("amount", str(total.quantize(Decimal("0.01"))), sure, "amount"))
    if approx:
        readings.append(Reading("amount__approx", True, False, "amount"))
    return readings


_FUTURE_KEYS = frozenset({"hearing_date", "performance_end"})


def _date_key(text: str, d: DateReading, role: str | None) -> str | None:
    """The key of the nearest date cue in the same clause (after the date wins a tie)."""
    following = text[d.start + len(d.text) : d.start + len(d.text) + 2]
    if following[:1] == "还" and (len(following) == 1 or following[1] in "，,。.!！ 钱给清上款我你他她完"):
        return "due_date"  # "下个月还", "年底还钱"; not "上个月还催过他"
    clause_start = max((m.end() for m in _CLAUSE.finditer(text[: d.start])), default=0)
    ends = [m.start() for m in _CLAUSE.finditer(text, d.start + len(d.text))]
    clause_end = ends[0] if ends else len(text)
    best: tuple[int, str] | None = None
    for entry in story_patterns()["dates"]:
        if entry.get("role", "any") not in {"any", role}:
            continue
        for cue in entry["cues"]:
            for m in re.finditer(re.escape(cue), text[clause_start:clause_end]):
                at = clause_start + m.start()
                distance = d.start - at if at < d.start else at - (d.start + len(d.text))
                if best is None or distance < best[0]:
                    best = (distance, entry["key"])
    return best[1] if best else None


def _date_readings(text: str, today: date, role: str | None) -> list[Reading]:
    readings: list[Reading] = []
    seen: set[str] = set()
    ahead = {r.start: r for r in find_dates(text, today, future=True)}
    for d in find_dates(text, today):
        key = _date_key(text, d, role)
        if key is None or key in seen:
            continue
        if key in _FUTURE_KEYS and d.start in ahead:
            d = ahead[d.start]  # "12月20号开庭": the next 20 December, not the last one
        elif key not in _FUTURE_KEYS | {"due_date"} and d.value > today:
            continue  # a loan, a demand, a judgment: never in the future ("一直说下个月还" is a promise)
        if key == "last_demand" and _unreached(text, d):
            continue  # "去工地找他 没找到人": a demand that never reached him does not interrupt the limitation
        seen.add(key)
        sure = d.how == "explicit" and d.precision in {"day", "month"}
        readings.append(Reading(key, d.value.isoformat(), sure, d.text))
        readings.append(Reading(f"{key}__approx", d.precision != "day", sure, d.text))
    return readings


def _unreached(text: str, d: DateReading) -> bool:
    """Whether the sentence of date ``d`` says the demand never reached the debtor (没找到人, 关机, 没人接)."""
    words = answer_words()
    sentence = _SENTENCE.split(text[d.start :])[0]
    unreached = any(w in sentence for w in words["unreached_demand"])
    return unreached and not any(w in sentence for w in words["reached_demand"])


def _fears(text: str) -> list[Reading]:
    found = [str(k) for k, cues in story_patterns()["fears"].items() if any(c in text for c in cues)]
    return [Reading("fears", found, True, "fears")] if found else []


def _questions(text: str) -> list[Reading]:
    markers = story_patterns()["questions"]["markers"]
    found = []
    for sentence in _SENTENCE.split(text):
        sentence = sentence.strip(" ，,")
        if sentence and any(m in sentence for m in markers) and sentence[-1:] not in "呢":
            found.append(sentence)
    return [Reading("questions", found, True, "questions")] if found else []


def read_story(text: str, today: date) -> list[Reading]:
    """Every fact ``text`` carries, against ``today``: role, debt type or creditor kind, stage,
    attitude, ability, harassment, evidence, amount(s), dates, province, fears and questions."""
    s = normalise(text)
    readings: list[Reading] = []
    role = _role(s)
    if role is not None:
        readings.append(role)
    role_value = role.value if role is not None else None
    readings += _option_facts(s, role_value)
    readings += _amount_readings(s, role_value)
    readings += _date_readings(s, today, role_value)
    if role_value == "creditor":
        province, how = province_of(s, strict=True)
        if province:
            readings.append(Reading("province", province, False, how))
    not_yet = ("还没逾期", "没逾期", "还没到期", "快到期", "下个月到期")
    if role_value == "debtor" and any(mention(s, c) == "yes" for c in not_yet):
        readings.append(Reading("overdue_since", "not_overdue", True, "pattern"))
    readings += _fears(s)
    readings += _questions(s)
    return readings
