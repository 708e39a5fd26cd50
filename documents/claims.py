"""The interest claimed in a 民间借贷 complaint: never above what the calculators in ``law/`` allow.

* An agreed rate with a known loan date: the claimed yearly rate is min(agreed, cap), the cap being
  four times the one-year LPR at contract formation (:func:`law.interest.interest_cap`, 民间借贷规定
  第二十五条; the transitional rule of 第三十一条 for contracts before 2020-08-20, with its caution),
  from the loan date until repayment — 第二十八条第二款第二项 lets the agreed loan-term rate run on as
  overdue interest.
* No agreed rate, an unclear one, or one that cannot be checked against the cap (rate or loan date not
  given): only what the law allows without an agreement — overdue interest at the one-year LPR of the
  time from the day after the agreed repayment date (第二十八条第二款第一项), again capped.
* No agreed repayment date, a repayment date not yet reached, or dates before the LPR series: no
  interest claim at all; ``omitted`` says why, and the chat message explains it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from law.calculation import Calculation, CalculationError
from law.interest import accrued_interest, interest_cap
from law.lpr import LPR_SERIES_START, lpr_on
from text.dates import stored_date


@dataclass(frozen=True)
class InterestClaim:
    """The interest claim of a complaint (``kind`` "agreed", "overdue_lpr" or "none").

    ``basis`` records what the user told about interest (agreed, no_agreement, unclear, rate_unknown,
    date_unknown); ``omitted`` why there is no claim (no_term, not_due, before_lpr, not_needed) or None.
    ``start`` is the date the claim names ("自…起": the loan date, or the first day overdue), not itself
    counted (民法典 第二百零一条); ``accrued`` the interest up to the document date.
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


def _agreed(principal: Decimal, loan_date: date, rate: Decimal, unit: str, today: date) -> InterestClaim | None:
    try:
        cap = interest_cap(loan_date, rate, unit, "private", today=today)
    except CalculationError:
        return None  # before the LPR series: the cap cannot be computed
    result = cast(dict[str, Any], cap.result)
    cap_pct, agreed_pct = result["cap_pct"], result["user_annual_pct"]
    claimed = min(agreed_pct, cap_pct)
    accrued = accrued_interest(principal, claimed, loan_date, today)
    return InterestClaim(kind="agreed", basis="agreed", principal=principal, rate_pct=claimed, start=loan_date,
                         accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, agreed_pct=agreed_pct,
                         lpr_month=result["lpr"]["month"], calculations=(cap, accrued))


def _overdue_lpr(principal: Decimal, basis: str, due: date, loan_date: date | None, today: date) -> InterestClaim:
    first_day = due + timedelta(days=1)
    if first_day < LPR_SERIES_START:
        return InterestClaim.none(principal, "before_lpr", basis)
    row = lpr_on(first_day)
    rate, cap_pct, calcs = row.one_year_pct, None, []
    if loan_date is not None and LPR_SERIES_START <= loan_date <= today:
        cap = interest_cap(loan_date, rate, "year", "private", today=today)
        cap_pct = cast(dict[str, Any], cap.result)["cap_pct"]
        rate = min(rate, cap_pct)
        calcs.append(cap)
    accrued = accrued_interest(principal, rate, first_day, today)
    calcs.append(accrued)
    return InterestClaim(kind="overdue_lpr", basis=basis, principal=principal, rate_pct=rate, start=first_day,
                         accrued=cast(Decimal, accrued.result), cap_pct=cap_pct, lpr_month=row.month,
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
            claim = _agreed(principal, loan_date, Decimal(str(rate)), str(facts.get("interest_rate__unit") or "year"),
                            today)
            if claim is None:
                return InterestClaim.none(principal, "before_lpr", "agreed")
            return claim
    due = stored_date(facts.get("due_date"))
    if due is None:
        return InterestClaim.none(principal, "no_term", basis)
    if due >= today:
        return InterestClaim.none(principal, "not_due", basis)
    return _overdue_lpr(principal, basis, due, loan_date, today)
