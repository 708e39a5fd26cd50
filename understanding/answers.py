"""Read one typed answer to one question: a sure value, a reading to confirm, a question back, or 不知道.

``read_answer`` never records an uncertain reading silently: approximations (两万多), bare small numbers
at an amount question, relative and lunar dates, several amounts and weak cues come back as
:class:`Confirm`. Numbers typed at a typed question (amount, date, text) are the answer, never a button.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from flows.answers import normalise_multi, read_typed
from flows.spec import Node, load_registry
from text.amounts import MAX_AMOUNT
from text.choices import match_choice, match_choices, parse_yes_no
from text.dates import parse_date
from text.errors import ParseError
from text.normalise import normalise
from understanding.amounts import debt_figures, find_amounts
from understanding.cues import clauses, mention, mention_spans
from understanding.dates import DateReading, find_dates
from understanding.lexicon import answer_words, question_words
from understanding.model import Answer, Ask, Confirm, Unknown, Value
from understanding.places import province_of

_WORDS = answer_words()
DOUBT: tuple[str, ...] = tuple(_WORDS["doubt"])
EXPLAIN: tuple[str, ...] = tuple(_WORDS["explain"])
WHY: tuple[str, ...] = tuple(_WORDS["why"])
UNREACHED: tuple[str, ...] = tuple(_WORDS["unreached_demand"])
REACHED: tuple[str, ...] = tuple(_WORDS["reached_demand"])
_WHY = re.compile(r"为(?:什么|啥|何)(?:要|你要|还要)?(?:问|知道|填)")
_NEGATIVE_AMOUNT = re.compile(r"(?:^|[^\d])[-−负]\s*[\d一二两三四五六七八九]")
SMALL_AMOUNT = Decimal(100)
_APPROX_WORDS = re.compile(r"大概|大约|左右|差不多|估计|上下|来块")
_REPAID = re.compile(r"还了|还过|已还|还回|还上了|还掉")


def _node(question_id: str) -> Node:
    return load_registry().node(question_id)


def _has(text: str, words: tuple[str, ...]) -> bool:
    """True when one of ``words`` occurs in ``text``."""
    return _any_of(words).search(text) is not None


@cache
def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    # One scan of the text for a word list (fixed data files) instead of one substring test per word.
    return re.compile("|".join(re.escape(w) for w in words) if words else "(?!)")  # no words: never found


def _doubt(question_id: str, node: Node) -> Answer:
    """What 不知道 means at this question: an allowed answer, an option, or a request to try again."""
    rule = str(question_words(question_id).get("dont_know", "unknown" if node.optional else "clarify"))
    if rule == "unknown":
        return Unknown()
    if rule == "clarify":
        return Ask("clarify", "dont_know_not_allowed")
    return Value(_with_approx(node, {node.id: rule}))


def _with_approx(node: Node, facts: dict[str, Any]) -> dict[str, Any]:
    if node.kind in {"date", "amount"} and f"{node.id}__approx" not in facts:
        facts[f"{node.id}__approx"] = False
    return facts


@cache
def _phrases(question_id: str) -> dict[str, tuple[list[str], list[str]]]:
    """Option value → (sure phrases, maybe phrases): the flow's label and aliases plus the synonyms file.

    Both are read once per process, so the table is built once per question (callers must not change it).
    """
    node = _node(question_id)
    words = question_words(question_id).get("options") or {}
    out: dict[str, tuple[list[str], list[str]]] = {}
    for option in node.choice_options():
        entry = words.get(option.value) or {}
        demoted = set(entry.get("demote") or [])
        sure = [p for p in (option.label, *option.aliases) if p not in demoted]
        sure += [str(p) for p in entry.get("sure") or []]
        maybe = [str(p) for p in entry.get("maybe") or []] + sorted(demoted)
        out[option.value] = (sure, maybe)
    return out


def _option_hits(text: str, phrases: dict[str, tuple[list[str], list[str]]]) -> tuple[set[str], set[str]]:
    """Options named by a sure phrase and by a maybe phrase. A phrase found only inside a longer phrase
    of another option does not count ("早就还" is 否认, not the 就还 of 承认)."""
    sure_spans = {v: mention_spans(text, s) for v, (s, _m) in phrases.items()}
    maybe_spans = {v: mention_spans(text, m) for v, (_s, m) in phrases.items()}
    every = [(v, span) for table in (sure_spans, maybe_spans) for v, spans in table.items() for span in spans]

    def standing(value: str, spans: list[tuple[int, int]]) -> bool:
        return any(
            not any(o != value and ob <= b and e <= oe and oe - ob > e - b for o, (ob, oe) in every) for b, e in spans
        )

    sure = {v for v, spans in sure_spans.items() if standing(v, spans)}
    maybe = {v for v, spans in maybe_spans.items() if standing(v, spans)}
    return sure, maybe


@cache
def _exact_names(question_id: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each option's value with the names that pick it when typed exactly (value and sure phrases, folded)."""
    return tuple((value, frozenset({value.lower(), *(normalise(p).lower() for p in sure)}))
                 for value, (sure, _maybe) in _phrases(question_id).items())


def _read_option(question_id: str, node: Node, s: str) -> Answer | None:
    """An option named by number, exact name, a sure phrase, or (to confirm) a maybe phrase."""
    typed = s.lower()
    for value, names in _exact_names(question_id):
        if typed in names:
            return Value(_with_approx(node, {node.id: value}))
    phrases = _phrases(question_id)
    sure_hits, maybe_hits = _option_hits(s, phrases)
    if len(sure_hits) == 1:
        return Value(_with_approx(node, {node.id: sure_hits.pop()}))
    if len(sure_hits) > 1:
        return Ask("clarify", "several_options")
    if len(maybe_hits) == 1:
        return Confirm(_with_approx(node, {node.id: maybe_hits.pop()}), "weak_cue")
    if len(maybe_hits) > 1:
        return Ask("clarify", "several_options")
    return None


_CLAUSE_SPLIT = re.compile(r"(?<=[?？])|[,，。;；!！\s]+")


def split_questions(text: str) -> tuple[str, list[str]]:
    """``text`` without its question clauses, and those clauses: "还没 就是打电话要过几次 要花多少钱" →
    ("还没 就是打电话要过几次", ["要花多少钱"]). 为什么问这个 / 什么意思 clauses count as questions too."""
    asking = tuple(_WORDS["asking"])
    kept: list[str] = []
    questions: list[str] = []
    for clause in (c for c in _CLAUSE_SPLIT.split(normalise(text)) if c and c.strip()):
        clause = clause.strip()
        if _has(clause, asking) or is_explain_or_why(clause):
            questions.append(clause)
        else:
            kept.append(clause)
    return " ".join(kept), questions


def is_explain_or_why(text: str) -> bool:
    """A clause asking what the question means or why it is asked (什么意思, 为什么问这个)."""
    s = normalise(text)
    return _has(s, WHY) or bool(_WHY.search(s)) or _has(s, EXPLAIN)


def is_feeling(text: str) -> bool:
    """A feeling rather than an answer or a question ("我真的不知道怎么办了", "我好害怕")."""
    return _has(normalise(text), tuple(_WORDS["feelings"]))


def is_greeting(text: str) -> bool:
    """A greeting and nothing else ("你好", "在吗")."""
    word = normalise(text).lower().strip(" 。.!！~～,，?？")
    return word in {str(g).lower() for g in _WORDS["greetings"]}


def read_answer(question_id: str, text: str, today: date, known: Mapping[str, Any] | None = None) -> Answer:
    """Read ``text`` typed at question ``question_id`` ("<flow>.<id>") against ``today``; ``known`` are the
    facts recorded so far (a due date said as "半年就还" counts from the loan date)."""
    node = _node(question_id)
    s = normalise(text).replace("\u3000", " ").strip(" 。.!！~～")
    if not s:
        return Ask("clarify", "empty")
    if _has(s, WHY) or _WHY.search(s):
        return Ask("why")
    if _has(s, EXPLAIN) and not _has(s, DOUBT):
        return Ask("explain")
    reader = {
        "choice": _read_choice,
        "yesno": _read_yesno,
        "multi": _read_multi,
        "amount": _read_amount,
        "date": _read_date,
        "province": _read_province,
        "text": _read_text,
    }.get(node.kind)
    if reader is None:
        return Ask("clarify", "not_a_question")
    if node.id == "due_date":
        after = _due_after(s, known or {})
        if after is not None:
            return after
    result = reader(question_id, node, s, today)
    if result is not None:
        return result
    if _has(s, DOUBT) or s in {"不知", "不懂", "?", "？"}:
        return _doubt(question_id, node)
    return Ask("clarify", "unreadable")


def _read_choice(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    if s.isdecimal():
        try:
            return Value({node.id: match_choice(s, [(o.value, o.label, o.aliases) for o in node.choice_options()])})
        except ParseError:
            return Ask("clarify", "number_out_of_range")
    if _has(s, DOUBT):
        # "就是不接电话 我只晓得他名字 不晓得他住哪里": the doubt is about something else; the other clauses answer.
        rest = " ".join(c for c in clauses(s) if not _has(c, DOUBT))
        other = _read_option(question_id, node, rest) if rest else None
        if isinstance(other, Value) and other.facts.get(node.id) != question_words(question_id).get("dont_know"):
            return Value({**_identity_facts(question_id, s), **other.facts})
    if _has(s, DOUBT) and question_words(question_id).get("dont_know") != "clarify":
        hit = _read_option(question_id, node, s)
        if (
            isinstance(hit, Value)
            and node.id in hit.facts
            and hit.facts[node.id] == question_words(question_id).get("dont_know")
        ):
            return hit
        return _doubt(question_id, node)
    found = _read_option(question_id, node, s)
    if found is not None:
        return found
    try:
        return Value({node.id: match_choice(s, [(o.value, o.label, o.aliases) for o in node.choice_options()])})
    except ParseError:
        return None


_POLARITY = re.compile(r"不知道|不清楚|不晓得|不知|没有|知道|清楚|晓得|有")


def _segment_polarity(segment: str, words: list[str], all_words: list[str]) -> str | None:
    """ "知道名字…" (verb first): a part takes the polarity before it; "名字知道…" (topic first): after it."""
    cue_at = min((segment.find(w) for w in words if w in segment), default=-1)
    if cue_at == -1:
        return None
    marks = [
        (m.start(), "yes" if m.group(0) in {"知道", "清楚", "晓得", "有"} else "no")
        for m in _POLARITY.finditer(segment)
    ]
    if not marks:
        return None
    first_cue = min(segment.find(w) for w in all_words if w in segment)
    if marks[0][0] < first_cue:
        before = [p for at, p in marks if at < cue_at]
        return before[-1] if before else None
    after = [p for at, p in marks if at > cue_at]
    return after[0] if after else None


def _compound(question_id: str, s: str) -> Answer | None:
    """ "知道名字不知道住哪" → both parts; one part alone → a follow-up about the other."""
    cues = question_words(question_id).get("compound") or {}
    if not cues:
        return None
    known: dict[str, str] = {}
    only = "只" in s
    segments = [seg for seg in re.split(r"[,，。;；\s]+", s) if seg]
    for part, words in cues.items():
        for segment in segments:
            if not any(w in segment for w in words):
                continue
            # "知道名字不知道住哪": a new polarity word starts a new sub-segment in verb-first speech.
            pieces = re.split(r"(?=不知道|不清楚|不晓得)", segment) if _POLARITY.match(segment) else [segment]
            for piece in pieces:
                polarity = _segment_polarity(piece, list(words), [w for ws in cues.values() for w in ws])
                if polarity is not None:
                    known[part] = polarity
    if not known:
        return None
    if only and any(v == "yes" for v in known.values()):
        for part in cues:
            known.setdefault(part, "no")
    if re.match(r"(?:是|对|嗯|知道|晓得)(?:的|啊)?(?:\s|$|[,，])", s) and all(v == "yes" for v in known.values()):
        for part in cues:  # "是 老乡 我晓得他住哪": the 是 answers the whole question
            known.setdefault(part, "yes")
    facts: dict[str, Any] = {f"identity_{part}_known": v for part, v in known.items()}
    if len(known) < len(cues):
        missing = [p for p in cues if p not in known]
        return Ask("follow_up", f"identity_{missing[0]}_known")
    base = question_id.split(".", 1)[1]
    facts[base] = "yes" if all(v == "yes" for v in known.values()) else "no"
    return Value(facts)


def _identity_facts(question_id: str, s: str) -> dict[str, Any]:
    """What a creditor's answer to another question says about knowing the debtor's name and address."""
    if not question_id.startswith("creditor.") or question_id == "creditor.identity_known":
        return {}
    found = _compound("creditor.identity_known", s)
    if not isinstance(found, Value):
        return {}
    return dict(found.facts)


def _read_yesno(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    compound = _compound(question_id, s)
    if compound is not None:
        return compound
    rule = question_words(question_id).get("dont_know")
    if _has(s, DOUBT) and rule != "no":
        return _doubt(question_id, node)
    found = _read_option(question_id, node, s)
    if found is not None:
        return found
    try:
        value = parse_yes_no(s)
    except ParseError:
        return None
    # "是"/"没有" alone are sure; a longer sentence read from its first character only is a guess.
    return Value({node.id: value}) if len(s) <= 3 else Confirm({node.id: value}, "weak_cue")


def _read_multi(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    if re.fullmatch(r"[\d,，、\s]+", s):
        try:
            return Value(
                {
                    node.id: normalise_multi(
                        node, match_choices(s, [(o.value, o.label, o.aliases) for o in node.options])
                    )
                }
            )
        except ParseError:
            return Ask("clarify", "number_out_of_range")
    phrases = _phrases(question_id)
    exclusive = {o.value for o in node.options if o.exclusive}
    picked: list[str] = []
    negated: list[str] = []
    parts = clauses(s)
    for value, (sure, _maybe) in phrases.items():
        if value in exclusive:  # "没有" alone means none; "没有借条" does not
            if any(p in parts or ((len(p) >= 3 or p[0] not in "没无都") and mention(s, p) == "yes") for p in sure):
                picked.append(value)
            continue
        states = {mention(s, p) for p in sure}
        if "yes" in states:
            picked.append(value)
        elif "no" in states and value not in exclusive:
            negated.append(value)
    positive = [v for v in picked if v not in exclusive]
    if positive:
        return Value({node.id: normalise_multi(node, positive)})
    if picked:
        return Value({node.id: normalise_multi(node, picked)})
    if negated:
        return Ask("clarify", "only_negated")  # "没有借条": then what do they have?
    return None


def _amount_facts(node: Node, value: Decimal, approx: bool, **extra: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {node.id: str(value.quantize(Decimal("0.01"))), f"{node.id}__approx": approx}
    facts.update(extra)
    return facts


def _read_amount(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    if _NEGATIVE_AMOUNT.search(s):
        return Ask("clarify", "amount_not_positive")
    if re.search(r"\d[eE][+-]?\d", s):
        return Ask("clarify", "unreadable")  # 1e999: a float, not money
    if re.search(r"\d{11,}", s.replace(",", "")):
        return Ask("clarify", "amount_too_large")
    if re.fullmatch(r"0+(?:\.0+)?\s*(?:元|块)?", s):
        return Ask("clarify", "amount_not_positive")
    amounts = find_amounts(s)
    if not amounts:
        return None
    if any(a.value >= MAX_AMOUNT for a in amounts):
        return Ask("clarify", "amount_too_large")
    if any(a.value <= 0 for a in amounts):
        return Ask("clarify", "amount_not_positive")
    amounts, chosen = debt_figures(s, amounts)
    if chosen in {"principal", "total"}:
        a = amounts[0]
        return Confirm(_amount_facts(node, a.value, a.approx or a.high is not None), chosen, (a.text,))
    if len(amounts) == 1:
        a = amounts[0]
        if a.high is not None:
            return Confirm(_amount_facts(node, a.value, True, **{f"{node.id}__high": str(a.high)}), "range", (a.text,))
        if chosen == "corrected":
            return Confirm(_amount_facts(node, a.value, a.approx), "corrected", (a.text,))
        if a.approx or _APPROX_WORDS.search(s):
            return Confirm(_amount_facts(node, a.value, True), "approximate", (a.text,))
        if a.bare and a.value < SMALL_AMOUNT:
            return Confirm(_amount_facts(node, a.value, False), "small_amount", (a.text,))
        return Value(_amount_facts(node, a.value, False))
    parts = tuple(a.text for a in amounts)
    approx = any(a.approx or a.high is not None for a in amounts)
    repaid = [a for a in amounts[1:] if _REPAID.search(s[: a.start][-4:])]
    if repaid and len(repaid) == len(amounts) - 1:
        left = amounts[0].value - sum(a.value for a in repaid)
        if left > 0:
            return Confirm(_amount_facts(node, left, approx), "repaid", parts)
    total = sum((a.value for a in amounts), Decimal(0))
    # Several debts or alternatives: the user picks one figure, the sum, or neither (the desk's buttons).
    choices = [[str(a.value.quantize(Decimal("0.01"))), a.approx or a.high is not None] for a in amounts]
    return Confirm(_amount_facts(node, total, approx, **{f"{node.id}__choices": choices}), "several_amounts", parts)


def _valid(node: Node, d: date, today: date) -> str | None:
    rules = node.validate
    if "min" in rules and d < date.fromisoformat(str(rules["min"])):
        return "date_too_early"
    if rules.get("not_future") and d > today:
        return "date_in_future"
    years = rules.get("max_years_ahead")
    if years is not None and d.year > today.year + int(years):
        return "date_too_far"
    return None


def _date_answer(node: Node, r: DateReading, today: date) -> Answer:
    problem = _valid(node, r.value, today)
    if problem:
        return Ask("clarify", problem)
    facts = {node.id: r.value.isoformat(), f"{node.id}__approx": r.precision != "day"}
    if r.precision != "day":
        facts[f"{node.id}__precision"] = r.precision
    if r.how == "explicit" and r.precision in {"day", "month"}:
        return Value(facts)
    if r.how == "relative" and r.precision == "day" and r.text in {"今天", "昨天", "前天"}:
        return Value(facts)
    if r.how == "lunar":
        return Confirm(facts, "lunar_date", (r.text,))
    if r.precision == "year":
        return Confirm(facts, "year_only", (r.text,))
    if r.precision == "season":
        return Confirm(facts, "season", (r.text,))
    return Confirm(facts, "relative_date", (r.text,))


_DURATION = re.compile(
    r"(?P<n>半|\d{1,2}|[一二两三四五六七八九十]{1,3})(?P<unit>个多?月|年)(?:以?内|之?后|左右)?(?:就|再)?(?:还|给|结)"
)
_CN_SMALL = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _due_after(s: str, known: Mapping[str, Any]) -> Answer | None:
    """ "当时说半年就还": the due date is the loan date plus that time, approximately, to confirm; without
    a known loan date the user is asked for the day it comes to."""
    m = _DURATION.search(s)
    if m is None or find_dates(s, date(2000, 1, 1)):
        return None
    n = m.group("n")
    if n == "半":
        count = 0.5
    elif n.isdigit():
        count = int(n)
    else:  # 三, 十二, 二十, 二十四
        head, ten, tail = n.partition("十")
        count = (_CN_SMALL.get(head, 1) * 10 if ten else _CN_SMALL.get(head, 0)) + _CN_SMALL.get(tail, 0)
    months = int(count * 12) if m.group("unit") == "年" else int(count)
    loan = known.get("loan_date")
    if not months or not isinstance(loan, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", loan):
        return Ask("clarify", "due_after_duration")
    start = date.fromisoformat(loan)
    index = start.year * 12 + start.month - 1 + months
    year, month = index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    facts = {"due_date": date(year, month, day).isoformat(), "due_date__approx": True, "due_date__precision": "about"}
    return Confirm(facts, "after_loan", (m.group(0),))


_SAME_EVENT_DAYS = 60


_ANCHORED = re.compile(r"^(?:今年|去年|前年|明年|\d{2,4}\s*年)")


def _against(d: DateReading, anchor: DateReading) -> DateReading:
    """``d`` (a date without its year) read against ``anchor``: soon after it ("去年腊月 说好过年前结的"), or
    shortly before it when said before it or in its month ("就是过年前 今年过年是2月份吧"); else as it was."""
    after = find_dates(d.text, anchor.value, future=True)
    before = find_dates(d.text, anchor.value, future=False)
    pick = None
    if len(after) == 1 and 0 <= (after[0].value - anchor.value).days <= _SAME_EVENT_DAYS:
        pick = after[0]
    elif len(before) == 1 and 0 <= (anchor.value - before[0].value).days <= _SAME_EVENT_DAYS:
        same_month = (before[0].value.year, before[0].value.month) == (anchor.value.year, anchor.value.month)
        if d.start < anchor.start or same_month:
            pick = before[0]
    return DateReading(pick.value, pick.precision, pick.how, d.text, d.start) if pick else d


def _one_event(dates: list[DateReading]) -> list[DateReading]:
    """Several dates that describe one event: "就是过年前 今年过年是2月份吧", "去年腊月 说好过年前结的".

    Dates without a year are re-read against the one date that names its year; when they then all lie
    within two months, the relative festival (过年前) is kept, else a lunar date, else the first."""
    if len(dates) < 2:
        return dates
    anchors = [d for d in dates if _ANCHORED.match(d.text)]
    if len(anchors) == 1:
        anchor = anchors[0]
        reread = []
        for d in dates:
            if d is not anchor:
                d = _against(d, anchor)
            reread.append(d)
        dates = reread
    if (max(d.value for d in dates) - min(d.value for d in dates)).days > _SAME_EVENT_DAYS:
        return dates
    relation = [d for d in dates if d.how == "lunar" and d.text[-1:] in "前后"]
    lunar = [d for d in dates if d.how == "lunar"]
    return [(relation or lunar or dates)[0]]


def _read_date(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    if node.options or question_words(question_id).get("options"):
        found = _read_option(question_id, node, s)
        if isinstance(found, Value):
            return found
    if node.id == "last_demand" and _has(s, UNREACHED) and not _has(s, REACHED):
        return Ask("clarify", "demand_not_reached")
    past_only = bool(node.validate.get("not_future"))
    dates = find_dates(s, today, future=not past_only)
    if past_only and any(d.value <= today for d in dates):
        dates = [d for d in dates if d.value <= today]  # "问他 他又说下个月还": the promise is not the event
    dates = _one_event(dates)
    if len(dates) == 1:
        return _date_answer(node, dates[0], today)
    if len(dates) > 1:
        return Ask("clarify", "several_dates")
    try:
        value, approximate = parse_date(s, today)
    except ParseError:
        if re.fullmatch(r"\d{1,3}", s):
            return Ask("clarify", "number_is_not_a_date")
        return None
    problem = _valid(node, value, today)
    if problem:
        return Ask("clarify", problem)
    return Value({node.id: value.isoformat(), f"{node.id}__approx": approximate})


def _read_province(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    if _has(s, DOUBT):
        return _doubt(question_id, node)
    if any(x in s for x in ("香港", "澳门", "台湾")):
        return Ask("clarify", "province_outside_mainland")
    province, how = province_of(s)
    if province:
        return Value({node.id: province})
    if how == "ambiguous":
        return Ask("clarify", "place_ambiguous")
    return None


def _read_text(question_id: str, node: Node, s: str, today: date) -> Answer | None:
    try:
        return Value(read_typed(node, s, today))
    except ParseError as error:
        return Ask("clarify", error.code)
