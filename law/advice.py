"""Turn a finished consultation's facts into the figures its result template (and its documents) need.

Every number comes from a calculator in ``law`` (each with its citations and cautions); which
sections a result shows, and their wording, stay in ``messages/templates/results``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from law.calculation import Calculation, CalculationError
from law.fees import court_fee, enforcement_fee, payment_order_fee, preservation_fee
from law.periods import limitation as limitation_period
from law.small_claims import small_claims
from text.dates import stored_date


def _safe(fn: Any, *args: Any, **kwargs: Any) -> Calculation | None:
    """Run a calculator; a refused input yields None (the template then explains in words)."""
    try:
        return fn(*args, **kwargs)
    except CalculationError:
        return None


def creditor_context(facts: dict[str, Any], today: date) -> dict[str, Any]:
    """Figures for a creditor: fees, small-claims eligibility, limitation."""
    amount = Decimal(facts["amount"])
    due = stored_date(facts.get("due_date"))
    demand = stored_date(facts.get("last_demand"))
    no_term = facts.get("due_date") == "none"
    limitation = _safe(
        limitation_period,
        due_date=None if no_term else due,
        last_interruption=None if no_term else demand,
        demand_date=demand if no_term else None,
        today=today,
    )
    return {
        "amount": amount,
        "debt_type": facts.get("debt_type"),
        "is_labour": facts.get("debt_type") == "wages" and facts.get("wage_relation") == "employment",
        "wage_unsure": facts.get("debt_type") == "wages" and facts.get("wage_relation") == "unsure",
        "is_loan": facts.get("debt_type") == "loan",
        "evidence": list(facts.get("evidence") or []),
        "due_date": due,
        "no_term": no_term,
        "not_yet_due": due is not None and due >= today,
        "last_demand": demand,
        "never_demanded": facts.get("last_demand") == "never",
        "demand_approx": bool(facts.get("last_demand__approx")),
        "attitude": facts.get("attitude"),
        "identity_known": facts.get("identity_known") == "yes",
        "province": facts.get("province"),
        "stage": facts.get("stage"),
        "fee_ordinary": court_fee(amount, "ordinary"),
        "fee_summary": court_fee(amount, "summary"),
        "fee_small": court_fee(amount, "small_claims"),
        "fee_payment_order": payment_order_fee(amount),
        "fee_preservation": preservation_fee(amount),
        "fee_enforcement": enforcement_fee(amount),
        "small_claims": small_claims(amount, facts.get("province"), today=today),
        "limitation": limitation,
    }


def debtor_context(facts: dict[str, Any], today: date) -> dict[str, Any]:
    """Figures for a debtor: the earliest the limitation could have run, small-claims facts."""
    amount = Decimal(facts["amount"])
    overdue = stored_date(facts.get("overdue_since"))
    kind = facts.get("creditor_kind")
    return {
        "amount": amount,
        "creditor_kind": kind,
        "licensed": kind in {"platform", "credit_card", "online_lender"},
        "overdue_since": overdue,
        "not_overdue": facts.get("overdue_since") == "not_overdue",
        "stage": facts.get("stage"),
        "ability": facts.get("ability"),
        "harassment": facts.get("harassment") == "yes",
        "limitation": _safe(limitation_period, due_date=overdue, today=today) if overdue else None,
        "fee_summary": court_fee(amount, "summary"),
        "fee_enforcement": enforcement_fee(amount),
    }


def advice_context(flow: str, facts: dict[str, Any], today: date) -> dict[str, Any]:
    """The template context for a flow's result page."""
    builders = {"creditor": creditor_context, "debtor": debtor_context}
    context = builders[flow](facts, today)
    context["today"] = today
    return context
