"""The deadlines a consultation computes that lie ahead, ready to be offered as reminders.

Every date comes from the same calculators, with the same inputs, as the result page and the documents. The
kinds table (:data:`SOURCES`) says, for each kind, which consultation flows offer it, under which key of the
advice context (``law.advice.advice_context``) its calculation appears, and which answers produced it (their
values are the kind's fingerprint). A kind whose key the advice context does not (yet) provide is computed
from the agreed fact keys with the same calculator, when the answers are there (:func:`_appeal_from_facts`,
:func:`_enforcement_from_facts`); a kind with neither stays silent. Today:

* ``limitation`` — creditor: ``advice_context[\"limitation\"]`` (``law.periods.limitation``), shown in
  ``results/sections/c_limitation`` (stages 未起诉 / 已起诉, not for wages in an employment). Rolled over holidays.
* ``appeal`` — either side: ``advice_context[\"appeal\"]``, else
  ``law.deadlines.appeal_deadline`` from ``service_date`` and ``doc_kind`` (judgment | ruling; ``unknown``: the
  advice's cautious reading, 10 days for a debtor), none in a small claim (``small_claims_case == \"yes\"``).
* ``enforcement`` — creditor: ``advice_context[\"enforcement_deadline\"]``, else
  ``law.periods.enforcement_deadline`` from ``performance_end`` (see also :func:`enforcement`, used by /calc).
* ``labour_arbitration`` — creditor (wages in an employment): ``advice_context[\"labour_deadline\"]`` only
  (``law.deadlines.labour_arbitration_deadline`` needs the day the worker knew, which the advice context
  decides).
* ``instalment_pay`` / ``instalment_check`` (debtor / creditor) — each instalment of a repayment agreement
  made by the documents flow: ``documents.schedule.instalments`` with the facts ``plan_months`` and
  ``first_payment_date``. Contract dates: no roll-over.

Not offered: the debtor's limitation date (``debtor_context``) is when the creditor's claim *may* be barred,
not something to act before; a hardship application's plan is only a proposal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from documents.schedule import instalments
from law.advice import advice_context
from law.calculation import Calculation, CalculationError
from law.deadlines import appeal_deadline
from law.periods import enforcement_deadline, roll_over

KINDS_FILE = Path(__file__).with_name("kinds.yaml")
LIMITATION_STAGES = frozenset({"not_sued", "sued"})  # where the result shows the limitation section


@dataclass(frozen=True)
class Kind:
    """A deadline kind as reminders/kinds.yaml describes it."""

    name: str
    label: str
    where: str
    section: str
    rolls_over: bool
    todo: str
    citations: tuple[str, ...]


@cache
def kinds() -> dict[str, Kind]:
    """Every deadline kind that can be reminded, from reminders/kinds.yaml."""
    data = yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8"))
    return {
        name: Kind(name=name, label=item["label"], where=item["where"], section=item["section"],
                   rolls_over=bool(item["rolls_over"]), todo=str(item["todo"]),
                   citations=tuple(item.get("citations") or ()))
        for name, item in data.items()
    }


@dataclass(frozen=True)
class Deadline:
    """One computed deadline that lies ahead.

    ``base_date`` is the date before holiday roll-over (None for kinds without roll-over);
    ``holiday_checked`` is False when the holiday data did not cover a day the roll-over looked at, so the
    date may still move; ``fingerprint`` hashes the answers that produced the date.
    """

    kind: str
    number: int
    day: date
    base_date: date | None
    holiday_checked: bool
    role: str
    section: str
    fingerprint: str

    @property
    def todo(self) -> str:
        """What to do before the deadline."""
        return kinds()[self.kind].todo


def fingerprint(kind: str, inputs: dict[str, Any]) -> str:
    """A short hash of the inputs that produced a deadline: a changed answer gives a different one."""
    text = json.dumps({"kind": kind, **inputs}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _result(calc: Calculation) -> dict[str, Any]:
    """A date calculator's result (every one in law.periods / law.deadlines is a dict; anything else: empty)."""
    return calc.result if isinstance(calc.result, dict) else {}


def _checked(result: dict[str, Any], base: date | None, last_day: date) -> bool:
    """Whether the holiday data covered the roll-over of this last day (the calculation says, or ask again)."""
    if "holiday_checked" in result:
        return bool(result["holiday_checked"])
    return roll_over(base or last_day)[2]


def _appeal_from_facts(facts: dict[str, Any], today: date) -> Calculation | None:
    """The appeal deadline from ``service_date`` and ``doc_kind`` (agreed fact keys), None without them."""
    kind = facts.get("doc_kind")
    if kind not in ("judgment", "ruling") or facts.get("small_claims_case") == "yes":
        return None
    try:
        served = date.fromisoformat(str(facts.get("service_date")))
        return appeal_deadline(served, kind=str(kind), today=today)
    except (ValueError, CalculationError):
        return None


def _enforcement_from_facts(facts: dict[str, Any], today: date) -> Calculation | None:
    """The enforcement-application deadline from ``performance_end``, None without it."""
    try:
        demand = facts.get("last_demand")
        interruptions = [date.fromisoformat(str(demand))] if demand and demand != "unknown" else []
        return enforcement_deadline(date.fromisoformat(str(facts.get("performance_end"))), today=today,
                                    interruptions=interruptions)
    except (ValueError, CalculationError):
        return None


def _limitation_applies(facts: dict[str, Any], context: dict[str, Any]) -> bool:
    """The result shows the creditor's limitation section, and the period is running."""
    calc = context.get("limitation")
    return (facts.get("stage") in LIMITATION_STAGES and "amount" in facts and not context.get("is_labour")
            and isinstance(calc, Calculation) and _result(calc).get("status") == "running")


def _labour_applies(facts: dict[str, Any], context: dict[str, Any]) -> bool:
    """Only wages in an employment go to labour arbitration; 劳务 (a private boss, a job done) is a civil claim."""
    return bool(context.get("is_labour"))


@dataclass(frozen=True)
class Source:
    """Where one deadline kind comes from: the flows offering it, the advice context's key, the answers it
    depends on (the fingerprint), a calculator over the facts when the context lacks the key, and a condition."""

    flows: tuple[str, ...]
    context_key: str
    inputs: tuple[str, ...]
    from_facts: Callable[[dict[str, Any], date], Calculation | None] | None = None
    applies: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None


SOURCES: dict[str, Source] = {
    "limitation": Source(("creditor",), "limitation",
                         ("due_date", "last_demand", "debt_type", "wage_relation", "stage"),
                         applies=_limitation_applies),
    "appeal": Source(("creditor", "debtor"), "appeal", ("service_date", "doc_kind", "small_claims_case"),
                     from_facts=_appeal_from_facts),
    "enforcement": Source(("creditor",), "enforcement_deadline", ("performance_end",),
                          from_facts=_enforcement_from_facts),
    "labour_arbitration": Source(("creditor",), "labour_deadline",
                                 ("employment_ended", "still_employed", "due_date", "last_demand", "debt_type",
                                  "wage_relation"), applies=_labour_applies),
}
"""The kinds computed from a consultation's answers (instalments come from the documents flow instead)."""


def _calculated(kind: str, source: Source, facts: dict[str, Any], context: dict[str, Any],
                today: date) -> Deadline | None:
    calc = context.get(source.context_key)
    if not isinstance(calc, Calculation) and source.from_facts is not None:
        calc = source.from_facts(facts, today)
    if not isinstance(calc, Calculation) or (source.applies is not None and not source.applies(facts, context)):
        return None
    result = _result(calc)
    last_day = result.get("last_day")
    if not isinstance(last_day, date) or result.get("expired") or last_day < today:
        return None
    base = result.get("unadjusted_last_day")
    base = base if isinstance(base, date) else None
    inputs = {key: facts.get(key) for key in source.inputs}
    return Deadline(kind=kind, number=0, day=last_day, base_date=base,
                    holiday_checked=_checked(result, base, last_day), role=kind_role(kind, facts),
                    section=kinds()[kind].section, fingerprint=fingerprint(kind, inputs))


def kind_role(kind: str, facts: dict[str, Any]) -> str:
    """Whose deadline it is: the consultation's role (an appeal can be either side's)."""
    flows = SOURCES[kind].flows
    return flows[0] if len(flows) == 1 else str(facts.get("role") or "")


def _instalments(facts: dict[str, Any], role: str, today: date) -> list[Deadline]:
    if facts.get("document") != "agreement" or not facts.get("plan_months"):
        return []
    try:
        first = date.fromisoformat(str(facts.get("first_payment_date")))
        count = int(facts["plan_months"])
        amount = Decimal(str(facts["amount"]))
        plan = instalments(amount, count, first)
    except (ValueError, KeyError, InvalidOperation):
        return []
    kind = "instalment_pay" if role == "debtor" else "instalment_check"
    inputs = {"first_payment_date": first.isoformat(), "plan_months": count, "role": role}
    section = kinds()[kind].section
    return [Deadline(kind=kind, number=item.number, day=item.due, base_date=None, holiday_checked=True,
                     role=role, section=section, fingerprint=fingerprint(kind, inputs))
            for item in plan if item.due is not None and item.due >= today]


def deadlines(flow: str, facts: dict[str, Any], today: date) -> list[Deadline]:
    """Every deadline the consultation ``flow`` (creditor / debtor) with these facts computes, from today on.

    Sorted by date. ``facts`` are the session's facts (a documents flow adds its own to them; then the
    consultation's role decides the flow).
    """
    role = str(facts.get("role") or flow)
    found: list[Deadline] = []
    if role in ("creditor", "debtor") and "amount" in facts:
        context = advice_context(role, facts, today)
        for kind, source in SOURCES.items():
            if role in source.flows and (item := _calculated(kind, source, facts, context, today)) is not None:
                found.append(item)
    found += _instalments(facts, role, today)
    return sorted(found, key=lambda d: (d.day, d.kind, d.number))


def enforcement(performance_end: date, today: date) -> Deadline | None:
    """The enforcement-application deadline for a performance period ending ``performance_end`` (if ahead)."""
    try:
        calc = enforcement_deadline(performance_end, today=today)
    except CalculationError:
        return None
    result = _result(calc)
    if result["expired"]:
        return None
    return Deadline(kind="enforcement", number=0, day=result["last_day"],
                    base_date=result["unadjusted_last_day"], holiday_checked=bool(result["holiday_checked"]),
                    role="creditor", section=kinds()["enforcement"].section,
                    fingerprint=fingerprint("enforcement", {"performance_end": performance_end.isoformat()}))


def recompute(kind: str, base_date: date) -> tuple[date, bool]:
    """The last day again from the date before roll-over, with today's holiday data: (day, holiday data covered it).

    For reminders stored while the holiday package did not cover the year (``holiday_checked`` false).
    """
    if not kinds()[kind].rolls_over:
        return base_date, True
    day, _rolled, checked = roll_over(base_date)
    return day, checked
