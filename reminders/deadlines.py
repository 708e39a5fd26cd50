"""The deadlines a consultation computes that lie ahead, ready to be offered as reminders.

Every date comes from the same calculators, with the same inputs, as the result page and the documents:

* ``limitation`` — the creditor's last day of the three-year limitation period: ``law.advice.creditor_context``
  → ``law.periods.limitation``; shown in ``results/sections/c_limitation`` (stages 未起诉 / 已起诉, not for
  wages in an employment, where the one-year arbitration limit applies instead). Rolled over holidays.
* ``enforcement`` — the last day to apply for enforcement: ``law.periods.enforcement_deadline`` (reached today
  only through /calc, from a performance-period end the user types; no consultation question asks for it yet),
  see :func:`enforcement`. Rolled over holidays.
* ``instalment_pay`` / ``instalment_check`` (debtor / creditor) — each instalment of a repayment agreement
  made by the documents flow: ``documents.schedule.instalments`` with the facts ``plan_months`` and
  ``first_payment_date``. Contract dates: no roll-over.

Not offered: the debtor's limitation date (``debtor_context``) is when the creditor's claim *may* be barred,
not something to act before; a hardship application's plan is only a proposal. Periods the results mention
in words only (the one-year labour arbitration limit, 15 days to appeal or to object to a payment order,
the answer period, a hearing, 30 days after pre-suit preservation or for judicial confirmation) have no date
the bot knows, so nothing computes them yet.
"""

from __future__ import annotations

import hashlib
import json
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


def _limitation(facts: dict[str, Any], today: date) -> list[Deadline]:
    if facts.get("stage") not in LIMITATION_STAGES or "amount" not in facts:
        return []
    context = advice_context("creditor", facts, today)
    calc: Calculation | None = context["limitation"]
    if context["is_labour"] or calc is None or calc.result["status"] != "running":
        return []
    last_day: date = calc.result["last_day"]
    if last_day < today:
        return []
    inputs = {key: facts.get(key) for key in ("due_date", "last_demand", "debt_type", "wage_relation", "stage")}
    return [Deadline(kind="limitation", number=0, day=last_day, base_date=calc.result["unadjusted_last_day"],
                     holiday_checked=bool(calc.result["holiday_checked"]), role="creditor",
                     section=kinds()["limitation"].section, fingerprint=fingerprint("limitation", inputs))]


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

    Sorted by date. ``facts`` are the session's facts (a documents flow adds its own to them).
    """
    role = str(facts.get("role") or flow)
    found: list[Deadline] = []
    if flow == "creditor":
        found += _limitation(facts, today)
    found += _instalments(facts, role, today)
    return sorted(found, key=lambda d: (d.day, d.kind, d.number))


def enforcement(performance_end: date, today: date) -> Deadline | None:
    """The enforcement-application deadline for a performance period ending ``performance_end`` (if ahead)."""
    try:
        calc = enforcement_deadline(performance_end, today=today)
    except CalculationError:
        return None
    if calc.result["expired"]:
        return None
    return Deadline(kind="enforcement", number=0, day=calc.result["last_day"],
                    base_date=calc.result["unadjusted_last_day"], holiday_checked=bool(calc.result["holiday_checked"]),
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
