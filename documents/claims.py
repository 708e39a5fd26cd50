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
    2020-08-19 is governed by the interpretation then in force and is not part of the claim.
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


def loan_cap(loan_date: date, today: date) -> tuple[Decimal, str, bool, Calculation]:
    """The yearly cap for a private loan formed on ``loan_date`` and sued on ``today``.

    Returns (cap %, month of the LPR used, transitional?, the calculation). Formed on or after
    2020-08-20: 4 × LPR at formation (第二十五条). Formed before: 4 × LPR at filing, for interest from
    2020-08-20 (第三十一条第二款) — computed for any loan date, including those before the LPR series.
    """
    if loan_date < TRANSITION_DATE:
        calc = transitional_interest_cap(loan_date, today)
        stale = staleness_caution(today)
        if stale:
            calc.cautions.append(stale)
        result = cast(dict[str, Any], calc.result)
        return result["cap_pct"], result["lpr"]["month"], True, calc
    calc = interest_cap(loan_date, Decimal(0), "year", "private", today=today)
    result = cast(dict[str, Any], calc.result)
    return result["cap_pct"], result["lpr"]["month"], False, calc


def _agreed(principal: Decimal, loan_date: date, rate: Decimal, unit: str, today: date) -> InterestClaim:
    if loan_date >= TRANSITION_DATE:
        cap = interest_cap(loan_date, rate, unit, "private", today=today)
        result = cast(dict[str, Any], cap.result)
        cap_pct, agreed_pct = result["cap_pct"], result["user_annual_pct"]
        claimed = min(agreed_pct, cap_pct)
        accrued = accrued_interest(principal, claimed, loan_date, today)
        return InterestClaim(kind="agreed", basis="agreed", principal=principal, rate_pct=claimed, start=loan_date,
                             accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, agreed_pct=agreed_pct,
                             lpr_month=result["lpr"]["month"], cap_lpr_month=result["lpr"]["month"],
                             calculations=(cap, accrued))
    cap_pct, month, _, cap_calc = loan_cap(loan_date, today)
    agreed_pct, _ = annual_rate(rate, unit)
    claimed = min(agreed_pct, cap_pct)
    accrued = accrued_interest(principal, claimed, TRANSITION_DATE, today)
    return InterestClaim(kind="agreed", basis="agreed", principal=principal, rate_pct=claimed, start=TRANSITION_DATE,
                         accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, agreed_pct=agreed_pct,
                         lpr_month=month, transitional=True, cap_lpr_month=month, earlier_part_from=loan_date,
                         calculations=(cap_calc, accrued))


def _overdue_lpr(principal: Decimal, basis: str, due: date, loan_date: date | None, today: date) -> InterestClaim:
    first_day = due + timedelta(days=1)
    earlier_from = None
    if first_day < TRANSITION_DATE:
        # Overdue before 2020-08-20: the loan was formed before it too. Only the part from 2020-08-20 is
        # governed by the current provisions (第三十一条第二款); it is claimed at the LPR of that day.
        earlier_from, first_day = first_day, TRANSITION_DATE
        if loan_date is None or loan_date >= TRANSITION_DATE:
            loan_date = due  # formed no later than the repayment date: before 2020-08-20
    row = lpr_on(first_day)
    rate, cap_pct, cap_month, transitional, calcs = row.one_year_pct, None, None, False, []
    if loan_date is not None and loan_date <= today:
        cap_pct, cap_month, transitional, cap = loan_cap(loan_date, today)
        rate = min(rate, cap_pct)
        calcs.append(cap)
    accrued = accrued_interest(principal, rate, first_day, today)
    calcs.append(accrued)
    return InterestClaim(kind="overdue_lpr", basis=basis, principal=principal, rate_pct=rate, start=first_day,
                         accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, lpr_month=row.month,
                         transitional=transitional, cap_lpr_month=cap_month, earlier_part_from=earlier_from,
                         calculations=tuple(calcs))


def interest_claim(facts: Mapping[str, Any], principal: Decimal, today: date) -> InterestClaim:
    """The interest a complaint may claim for these facts (see the module docstring)."""
    agreed = facts.get("interest_agreed")
    loan_date = stored_date(facts.get("loan_date"))
    if loan_date is not None and loan_date > today:
        loan_date = None
    basis = {"no": "no_agreement", "unclear": "unclear"}.get(str(agreed), "no_agreement")
    if agreed == "yes":
        rate = facts.get("interest_rate")
        if rate is None:
            basis = "rate_unknown"
        elif loan_date is None:
            basis = "date_unknown"
        else:
            return _agreed(principal, loan_date, Decimal(str(rate)), str(facts.get("interest_rate__unit") or "year"),
                           today)
    due = stored_date(facts.get("due_date"))
    if due is None:
        return InterestClaim.none(principal, "no_term", basis)
    if due >= today:
        return InterestClaim.none(principal, "not_due", basis)
    return _overdue_lpr(principal, basis, due, loan_date, today)
