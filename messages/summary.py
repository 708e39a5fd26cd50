"""The first result message's figures: the nearest deadline for these facts, from the calculators.

Which deadlines exist is law (each from a tested calculator in ``law`` or a date the user gave); how
the summary words them stays in ``messages/templates/results/summary.html.j2``. Facts that issue 15b's
questions add (``hearing_date``, ``service_date``, ``performance_end``...) may be absent: absent means
unknown, and the summary then says how to find the date instead of giving one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from law.calculation import Calculation, CalculationError
from law.deadlines import answer_deadline, appeal_deadline
from law.periods import enforcement_deadline
from text.dates import stored_date


@dataclass(frozen=True)
class Deadline:
    """One deadline: ``kind`` names it for the template; ``day`` is its last day (None when unknown)."""

    kind: str
    day: date | None = None
    days_left: int | None = None
    approx: bool = False

    @property
    def passed(self) -> bool:
        """True when the last day is before today."""
        return self.days_left is not None and self.days_left < 0


def _calc(fn: Callable[..., Calculation], *args: Any, **kwargs: Any) -> Calculation | None:
    try:
        return fn(*args, **kwargs)
    except CalculationError:
        return None


def _from_calc(kind: str, calc: Calculation | None) -> Deadline | None:
    """A deadline from a calculator whose result carries ``last_day`` and ``days_left``."""
    if calc is None or not isinstance(calc.result, dict) or calc.result.get("last_day") is None:
        return None
    return Deadline(kind, calc.result["last_day"], calc.result.get("days_left"))


def _day(kind: str, value: Any, today: date) -> Deadline | None:
    """A deadline that is simply a date the user gave (a hearing, the end of the performance period)."""
    day = stored_date(value)
    return Deadline(kind, day, (day - today).days) if day else None


def candidates(role: str, context: Mapping[str, Any], facts: Mapping[str, Any], today: date) -> list[Deadline]:
    """Every deadline these facts let us date, before choosing the nearest.

    The advice context's own calculations (``appeal``, ``enforcement_deadline``, ``labour_deadline``:
    unknown facts already taken cautiously for the role) are used when present.
    """
    stage = context.get("stage")
    found: list[Deadline | None] = []
    if stage == "sued":
        found.append(_day("hearing", facts.get("hearing_date"), today))
        served = stored_date(facts.get("sued_date"))
        if role == "debtor" and served is not None:
            found.append(_from_calc("answer", _calc(answer_deadline, served, today=today)))
    if role == "creditor":
        if context.get("is_labour"):
            found.append(_from_calc("labour_dated", context.get("labour_deadline")))
        elif stage == "not_sued":
            found.append(_from_calc("limitation", context.get("limitation")))
        elif stage == "judged":
            calc = context.get("enforcement_deadline")
            end = stored_date(facts.get("performance_end"))
            if calc is None and end is not None:
                demand = stored_date(facts.get("last_demand"))
                calc = _calc(enforcement_deadline, end, today=today, interruptions=[demand] if demand else [])
            found.append(_from_calc("enforcement", calc))
            if context.get("appeal_open"):
                # the judgment takes effect only when the appeal period ends without an appeal
                found.append(_from_calc("appeal_other", context.get("appeal")))
    elif stage == "judged":
        appeal = context.get("appeal") if "appeal" in context else None
        if appeal is None and "appeal" not in context:
            served = stored_date(facts.get("service_date"))
            kind = facts.get("doc_kind") if facts.get("doc_kind") in ("judgment", "ruling") else "ruling"
            if served and facts.get("small_claims_case") != "yes":
                appeal = _calc(appeal_deadline, served, kind, today=today)
        found.append(_from_calc("appeal", appeal))
        found.append(_day("performance_end", facts.get("performance_end"), today))
    return [replace(d, approx=_approx(d.kind, facts)) for d in found if d]


# The facts each deadline is counted from: a date the user gave only roughly makes the deadline rough too.
SOURCES = {
    "hearing": ("hearing_date",),
    "answer": ("sued_date",),
    "limitation": ("due_date", "last_demand"),
    "enforcement": ("performance_end",),
    "appeal": ("service_date",),
    "appeal_other": ("service_date",),
    "performance_end": ("performance_end",),
    "labour_dated": ("employment_ended", "due_date", "last_demand"),
}


def _approx(kind: str, facts: Mapping[str, Any]) -> bool:
    """True when a date this deadline is counted from was given approximately (``<key>__approx``)."""
    return any(bool(facts.get(f"{key}__approx")) for key in SOURCES.get(kind, ()))


def nearest_deadline(role: str, context: Mapping[str, Any], facts: Mapping[str, Any], today: date) -> Deadline:
    """The nearest deadline still ahead; else the latest one passed; else ``Deadline(<stage default>)``.

    The default kinds (no date known) let the template say where the date comes from:
    ``labour`` (one year after the employment ends), ``enforcement_undated``, ``appeal_undated``,
    ``none`` (no legal deadline runs against the user now).
    """
    found = candidates(role, context, facts, today)
    ahead = sorted((d for d in found if not d.passed), key=lambda d: d.days_left or 0)
    if ahead:
        return ahead[0]
    if found:
        return max(found, key=lambda d: d.days_left or 0)
    stage = context.get("stage")
    if role == "creditor" and context.get("is_labour"):
        return Deadline("labour")
    if role == "creditor" and stage == "not_sued" and context.get("no_term") and context.get("never_demanded"):
        return Deadline("limitation_not_started")
    if role == "creditor" and stage == "judged":
        return Deadline("enforcement_undated")
    if role == "debtor" and stage == "judged":
        return Deadline("appeal_undated")
    if stage == "sued":
        return Deadline("hearing_undated")
    return Deadline("none")
