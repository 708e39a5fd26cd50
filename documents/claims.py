"""The interest claimed in a 民间借贷 complaint: never above what the calculators in ``law/`` allow.

* An agreed rate with a known loan date: the claimed yearly rate is min(agreed, cap), the cap being
  four times the one-year LPR at contract formation (:func:`law.interest.interest_cap`, 民间借贷规定
  第二十五条), from the loan date until repayment — 第二十八条第二款第二项 lets the agreed loan-term
  rate run on as overdue interest.
* A loan formed before 2020-08-20 (also before the LPR series began on 2019-08-20): the transitional
  rule of 第三十一条第二款. Interest from 2020-08-20 is capped at four times the one-year LPR at filing
  (:func:`law.deadlines.transitional_interest_cap`; a complaint made today is filed today at the
  earliest), so the claim runs from 2020-08-20 at min(agreed, that cap). Interest up to 2020-08-19
  follows the interpretation then in force, which law/data does not hold: the claim leaves that part
  out (``earlier_part_from`` records from when) and the chat message says so plainly — never a refusal.
* No agreed rate, an unclear one, or one that cannot be checked against the cap (rate or loan date not
  given): only what the law allows without an agreement — overdue interest at the one-year LPR of the
  time from the day after the agreed repayment date (第二十八条第二款第一项), again capped; for a loan
  overdue before 2020-08-20 from 2020-08-20 (the part governed by the current provisions), at the LPR
  of that day.
* No agreed repayment date or a repayment date not yet reached: no interest claim at all; ``omitted``
  says why, and the chat message explains it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from law.calculation import Calculation
from law.deadlines import TRANSITION_DATE, transitional_interest_cap
from law.interest import accrued_interest, annual_rate, interest_cap
from law.lpr import lpr_on, staleness_caution
from text.dates import stored_date


@dataclass(frozen=True)
class InterestClaim:
    """The interest claim of a complaint (``kind`` "agreed", "overdue_lpr" or "none").

    ``basis`` records what the user told about interest (agreed, no_agreement, unclear, rate_unknown,
    date_unknown); ``omitted`` why there is no claim (no_term, not_due, not_needed) or None.
    ``start`` is the date the claim names ("自…起": the loan date, the first day overdue, or 2020-08-20
    under the transitional rule), not itself counted (民法典 第二百零一条); ``accrued`` the interest up
    to the document date. ``transitional``: the cap is the one of 民间借贷规定第三十一条第二款 (4 × LPR
    at filing, for interest from 2020-08-20); ``earlier_part_from``: the interest from this day to
    2020-08-19 is governed by the interpretation then in force and is not part of the claim;
    ``counted_late``: the month-only date facts counted from their latest possible day.
    """

    kind: str
    basis: str
    principal: Decimal
    rate_pct: Decimal | None = None
    start: date | None = None
    accrued: Decimal | None = None
    cap_pct: Decimal | None = None
    agreed_pct: Decimal | None = None
    lpr_month: str | None = None
    omitted: str | None = None
    transitional: bool = False
    cap_lpr_month: str | None = None
    earlier_part_from: date | None = None
    counted_late: tuple[str, ...] = ()
    calculations: tuple[Calculation, ...] = ()

    @classmethod
    def none(cls, principal: Decimal, omitted: str, basis: str = "") -> InterestClaim:
        """No interest claim, for the reason ``omitted``."""
        return cls(kind="none", basis=basis, principal=principal, omitted=omitted)

    @property
    def total(self) -> Decimal:
        """Principal plus the accrued interest claimed (the amount in dispute, 标的额)."""
        return self.principal + (self.accrued or Decimal(0))

    @property
    def reduced(self) -> bool:
        """True when the agreed rate was above the cap and the claim was cut down to it."""
        return self.agreed_pct is not None and self.cap_pct is not None and self.agreed_pct > self.cap_pct

    @property
    def cautions(self) -> list[str]:
        """Every caution of the calculations behind the claim, without repeats."""
        seen: list[str] = []
        for calc in self.calculations:
            seen += [c for c in calc.cautions if c not in seen]
        return seen


def date_range(facts: Mapping[str, Any], key: str) -> tuple[date, date] | None:
    """The earliest and latest day a date fact can mean: a month-only answer (stored as the 1st, flagged
    ``<key>__approx``) spans its month, a year-only one its year; an exact day is itself."""
    day = stored_date(facts.get(key))
    if day is None:
        return None
    if not facts.get(f"{key}__approx"):
        return day, day
    precision = facts.get(f"{key}__precision") or "month"
    if precision == "year":
        return day, date(day.year, 12, 31)
    if precision == "month":
        return day, date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day, day  # "about": a single estimated day


def loan_cap(loan_date: date, today: date, rate: Decimal = Decimal(0), unit: str = "year",
             ) -> tuple[Decimal, str, bool, Calculation]:
    """The yearly cap for a private loan formed on ``loan_date`` and sued on ``today``.

    Returns (cap %, month of the LPR used, transitional?, the calculation). Formed on or after
    2020-08-20: 4 × LPR at formation (第二十五条). Formed before: 4 × LPR at filing, for interest from
    2020-08-20 (第三十一条第二款) — computed for any loan date, including those before the LPR series.
    ``rate``/``unit``: the agreed rate, for the working shown with the formation cap.
    """
    if loan_date < TRANSITION_DATE:
        calc = transitional_interest_cap(loan_date, today)
        stale = staleness_caution(today)
        if stale:
            calc.cautions.append(stale)
        result = cast(dict[str, Any], calc.result)
        return result["cap_pct"], result["lpr"]["month"], True, calc
    calc = interest_cap(loan_date, rate, unit, "private", today=today)
    result = cast(dict[str, Any], calc.result)
    return result["cap_pct"], result["lpr"]["month"], False, calc


def lowest_cap(loan: tuple[date, date], today: date, rate: Decimal = Decimal(0), unit: str = "year",
                ) -> tuple[Decimal, str, bool, Calculation]:
    """The cap for a loan date known only as a range: the lowest one any day of the range can have."""
    return min((loan_cap(day, today, rate, unit) for day in sorted(set(loan))), key=lambda cap: cap[0])


def _agreed(principal: Decimal, loan: tuple[date, date], rate: Decimal, unit: str, today: date,
            counted_late: tuple[str, ...]) -> InterestClaim:
    """Agreed interest: min(agreed, cap) from the loan date (its latest possible day), or from 2020-08-20."""
    cap_pct, month, transitional, cap_calc = lowest_cap(loan, today, rate, unit)
    agreed_pct, _ = annual_rate(rate, unit)
    claimed = min(agreed_pct, cap_pct)
    start = max(loan[1], TRANSITION_DATE) if transitional else loan[1]
    earlier = loan[0] if transitional and loan[0] < TRANSITION_DATE else None
    accrued = accrued_interest(principal, claimed, start, today)
    return InterestClaim(kind="agreed", basis="agreed", principal=principal, rate_pct=claimed, start=start,
                         accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, agreed_pct=agreed_pct,
                         lpr_month=month, transitional=transitional, cap_lpr_month=month, earlier_part_from=earlier,
                         counted_late=counted_late, calculations=(cap_calc, accrued))


def _overdue_lpr(principal: Decimal, basis: str, due: date, loan: tuple[date, date] | None, today: date,
                 counted_late: tuple[str, ...]) -> InterestClaim:
    """Overdue interest at the LPR from the day after ``due`` (its latest possible day), capped."""
    first_day = due + timedelta(days=1)
    earlier_from = None
    if first_day < TRANSITION_DATE:
        # Overdue before 2020-08-20: the loan was formed before it too. Only the part from 2020-08-20 is
        # governed by the current provisions (第三十一条第二款); it is claimed at the LPR of that day.
        earlier_from, first_day = first_day, TRANSITION_DATE
        if loan is None or loan[0] >= TRANSITION_DATE:
            loan = (due, due)  # formed no later than the repayment date: before 2020-08-20
    row = lpr_on(first_day)
    rate, cap_pct, cap_month, transitional, calcs = row.one_year_pct, None, None, False, []
    if loan is not None and loan[0] <= today:
        cap_pct, cap_month, transitional, cap = lowest_cap((loan[0], min(loan[1], today)), today)
        rate = min(rate, cap_pct)
        calcs.append(cap)
    accrued = accrued_interest(principal, rate, first_day, today)
    calcs.append(accrued)
    return InterestClaim(kind="overdue_lpr", basis=basis, principal=principal, rate_pct=rate, start=first_day,
                         accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, lpr_month=row.month,
                         transitional=transitional, cap_lpr_month=cap_month, earlier_part_from=earlier_from,
                         counted_late=counted_late, calculations=tuple(calcs))


def interest_claim(facts: Mapping[str, Any], principal: Decimal, today: date) -> InterestClaim:
    """The interest a complaint may claim for these facts (see the module docstring).

    A month-only (or year-only) loan or repayment date is counted in the direction safe for the creditor
    who files: interest runs from the latest day the date can mean, under the lowest cap any of its days
    can have, so that the claim is never above what the law allows; ``counted_late`` names those facts.
    """
    agreed = facts.get("interest_agreed")
    loan = date_range(facts, "loan_date")
    if loan is not None and loan[0] > today:
        loan = None
    if loan is not None:
        loan = (loan[0], min(loan[1], today))
    due_range = date_range(facts, "due_date")
    counted_late = tuple(key for key, span in (("loan_date", loan), ("due_date", due_range))
                         if span is not None and span[0] != span[1])
    basis = {"no": "no_agreement", "unclear": "unclear"}.get(str(agreed), "no_agreement")
    if agreed == "yes":
        rate = facts.get("interest_rate")
        if rate is None:
            basis = "rate_unknown"
        elif loan is None:
            basis = "date_unknown"
        else:
            return _agreed(principal, loan, Decimal(str(rate)), str(facts.get("interest_rate__unit") or "year"),
                           today, tuple(k for k in counted_late if k == "loan_date"))
    if due_range is None:
        return InterestClaim.none(principal, "no_term", basis)
    if due_range[1] >= today:
        return InterestClaim.none(principal, "not_due", basis)
    return _overdue_lpr(principal, basis, due_range[1], loan, today, counted_late)
