"""Turn a finished consultation's facts into the figures and flags its result sections need.

Every number comes from a calculator in ``law`` (each with its citations and cautions); which
sections a result shows, and their wording, stay in ``messages/templates/results`` (the ``when`` line
of each section's header is evaluated against this context).

The facts the stage questions add (``service_date``, ``doc_kind``, ``small_claims_case``,
``performance_end``, ``loan_date``, ``lender_licensed``, ``dishonest_ground``, ``employment_ended``,
``still_employed``, ``enforcement_measures``, ``sued_date``…) may be absent: absent means unknown.
For an unknown fact the context never invents a value; it takes the assumption that is cautious for
*this* user's role and sets a ``*_unknown`` flag so the section can say what to find out.
"""

from __future__ import annotations

import calendar
import json
from contextvars import ContextVar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from law.calculation import Calculation, CalculationError
from law.deadlines import (
    TRANSITION_DATE,
    appeal_deadline,
    labour_arbitration_deadline,
    retrial_deadline,
    transitional_interest_cap,
)
from law.fees import court_fee, enforcement_fee, payment_order_fee, preservation_fee
from law.periods import enforcement_deadline
from law.periods import limitation as limitation_period
from law.small_claims import small_claims
from text.dates import stored_date

CIVIL_CODE_DATE = date(2021, 1, 1)  # 民法典 in force (时间效力规定第一条)
CARD_CRIME_THRESHOLD = Decimal(50000)  # 恶意透支 数额较大 (妨害信用卡管理刑事案件解释第八条)
LONG_STOP_WARNING_YEARS = 17  # mention the 20-year long-stop when the start is this old


def _safe(fn: Any, *args: Any, **kwargs: Any) -> Calculation | None:
    """Run a calculator; a refused input yields None (the template then explains in words)."""
    try:
        return fn(*args, **kwargs)
    except CalculationError:
        return None


def _result(calc: Calculation | None) -> dict[str, Any]:
    """A calculator's result dict ({} for no calculation or a non-dict result)."""
    return calc.result if calc is not None and isinstance(calc.result, dict) else {}


def _choice(facts: dict[str, Any], key: str) -> str:
    """A choice fact as stored, or "unknown" when it was not asked or not answered."""
    value = facts.get(key)
    return str(value) if value not in (None, "") else "unknown"


def _month_end(day: date) -> date:
    """The last day of ``day``'s month (the latest day a month-only date can mean)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _judgment_context(facts: dict[str, Any], today: date, role: str) -> dict[str, Any]:
    """Appeal and retrial deadlines from the service date; unknown facts taken cautiously for ``role``.

    Unknown document kind: a debtor who may appeal is told the shorter period (a ruling, 10 days), a
    creditor waiting for the judgment to take effect the longer one (a judgment, 15 days). Unknown
    small-claims status: the appeal date is computed and the section says it applies only if the case
    was not a small claim.
    """
    served = stored_date(facts.get("service_date"))
    kind = _choice(facts, "doc_kind")
    small = _choice(facts, "small_claims_case")
    cautious = "ruling" if role == "debtor" else "judgment"
    kind_used = kind if kind in ("judgment", "ruling") else cautious
    appeal = retrial = None
    if served is not None:
        appeal = _safe(appeal_deadline, served, kind_used, small == "yes", today=today)
        if small == "yes":
            retrial = _safe(retrial_deadline, served, today=today)
        elif _result(appeal).get("expired"):
            retrial = _safe(retrial_deadline, _result(appeal)["last_day"] + timedelta(days=1), today=today)
    return {
        "service_date": served,
        "service_unknown": served is None,
        "doc_kind": kind,
        "doc_kind_unknown": kind not in ("judgment", "ruling"),
        "small_claims_case": small,
        "appeal": appeal,
        "retrial": retrial,
        # the judgment may not be effective yet: an appeal is still possible (or we cannot tell)
        "appeal_open": small != "yes" and (served is None or (appeal is not None and not _result(appeal)["expired"])),
    }


def _common(facts: dict[str, Any], today: date) -> dict[str, Any]:
    """Flags both roles need: lender type, 失信 ground, enforcement measures, pre-2021 facts."""
    loan_date = stored_date(facts.get("loan_date"))
    measures = [str(m) for m in (facts.get("enforcement_measures") or [])]
    return {
        "loan_date": loan_date,
        "lender_licensed": _choice(facts, "lender_licensed"),
        "dishonest_ground": _choice(facts, "dishonest_ground"),
        "enforcement_measures": measures,
        "sued_date": stored_date(facts.get("sued_date")),
        "hearing_date": stored_date(facts.get("hearing_date")),
    }


def _transitional(loan_date: date | None, filing: date) -> Calculation | None:
    """The 2020-08-20 transitional interest cap for a loan formed before that day, else None."""
    if loan_date is None or loan_date >= TRANSITION_DATE or filing < TRANSITION_DATE:
        return None
    return _safe(transitional_interest_cap, loan_date, filing)


def _labour(facts: dict[str, Any], due: date | None, demand: date | None, today: date) -> dict[str, Any]:
    """The one-year labour arbitration period (劳动争议调解仲裁法第二十七条) from what is known.

    Still employed → no deadline yet. Employment ended on a known day → a year from then, restarted by
    a later demand. Neither known → the cautious assumption for a worker: the year runs from the agreed
    pay day (the earliest start), and the section says that staying employed or a later end changes it.
    """
    ended = stored_date(facts.get("employment_ended"))
    still = _choice(facts, "still_employed")
    known = ended or due or demand
    interruptions = [d for d in (demand,) if d is not None]
    deadline: Calculation | None = None
    if still == "yes":
        deadline = _safe(labour_arbitration_deadline, due or today, wages_during_employment=True, today=today)
    elif ended is not None:
        deadline = _safe(labour_arbitration_deadline, ended, interruptions, wages_during_employment=True,
                         employment_ended=ended, today=today)
    elif known is not None:
        deadline = _safe(labour_arbitration_deadline, known, interruptions, today=today)
    return {
        "labour_deadline": deadline,
        "employment_ended": ended,
        "still_employed": still,
        "employment_unknown": ended is None and still != "yes",
    }


def _likely_procedure(context: dict[str, Any]) -> dict[str, Any]:
    """The procedure a suit can use and its fee: no small claims or summary procedure for a defendant who
    cannot be found (民事诉讼法第一百六十六条第四项; 民诉法解释第二百五十七条第一项); small claims only when
    the amount is within the province's limit; the payment order only when due and the debtor is reachable.
    """
    if context["unreachable"]:
        procedure = "ordinary"
    elif _result(context["small_claims"]).get("eligible"):
        procedure = "small_claims"
    else:
        procedure = "summary"
    fees = {"ordinary": "fee_ordinary", "summary": "fee_summary", "small_claims": "fee_small"}
    return {
        "likely_procedure": procedure,
        "likely_procedure_zh": {"ordinary": "普通程序", "summary": "简易程序", "small_claims": "小额诉讼"}[procedure],
        "fee_likely": context[fees[procedure]],
        "payment_order_possible": not context["not_yet_due"] and not context["unreachable"]
        and context["identity_known"] and not context["is_labour"],
    }


def creditor_context(facts: dict[str, Any], today: date) -> dict[str, Any]:
    """Figures and flags for a creditor: fees, small claims, limitation, deadlines after a judgment."""
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
    stage = facts.get("stage")
    debt_type = facts.get("debt_type")
    evidence = list(facts.get("evidence") or [])
    attitude = facts.get("attitude")
    # A demand counts only if it reached the debtor (诉讼时效规定第八条): when he cannot be reached, the
    # last day without that demand is the safe one to plan by.
    unreached = _safe(limitation_period, due_date=due, today=today) if (
        attitude == "unreachable" and demand is not None and due is not None and not no_term) else None
    is_labour = debt_type == "wages" and facts.get("wage_relation") == "employment"
    is_loan = debt_type == "loan"
    performance_end = stored_date(facts.get("performance_end"))
    common = _common(facts, today)
    start = _result(limitation).get("start")
    basis_day = common["loan_date"] or due
    context = {
        "amount": amount,
        "amount_approx": bool(facts.get("amount__approx")),
        "debt_type": debt_type,
        "is_labour": is_labour,
        "wage_unsure": debt_type == "wages" and facts.get("wage_relation") == "unsure",
        "is_wage_service": debt_type == "wages" and facts.get("wage_relation") in ("service", "unsure"),
        "is_loan": is_loan,
        "evidence": evidence,
        "transfer_only": is_loan and "transfer" in evidence and "iou" not in evidence,
        "interest_agreed": facts.get("interest_agreed"),
        "due_date": due,
        "due_approx": bool(facts.get("due_date__approx")),
        "no_term": no_term,
        "not_yet_due": due is not None and due >= today,
        "last_demand": demand,
        "never_demanded": facts.get("last_demand") == "never",
        "demand_approx": bool(facts.get("last_demand__approx")),
        "attitude": attitude,
        "unreachable": attitude == "unreachable",
        "identity_known": facts.get("identity_known") == "yes",
        "name_known": facts.get("identity_known") == "yes" or facts.get("identity_name_known") == "yes",
        "address_known": facts.get("identity_known") == "yes" or facts.get("identity_address_known") == "yes",
        "province": facts.get("province"),
        "stage": stage,
        "fee_ordinary": court_fee(amount, "ordinary"),
        "fee_summary": court_fee(amount, "summary"),
        "fee_small": court_fee(amount, "small_claims"),
        "fee_payment_order": payment_order_fee(amount),
        "fee_preservation": preservation_fee(amount),
        "fee_enforcement": enforcement_fee(amount),
        "small_claims": small_claims(amount, facts.get("province"), today=today),
        "limitation": limitation,
        "limitation_if_unreached": unreached,
        "limitation_expired": bool(_result(limitation).get("expired")),
        "long_stop_near": bool(start and (today - start).days > 365 * LONG_STOP_WARNING_YEARS),
        "performance_end": performance_end,
        "performance_unknown": performance_end is None,
        "performance_approx": bool(facts.get("performance_end__approx")),
        "enforcement_deadline": _safe(
            enforcement_deadline, performance_end, today=today, interruptions=[demand] if demand else []
        ) if performance_end else None,
        "pre_civil_code": basis_day is not None and basis_day < CIVIL_CODE_DATE,
        "transitional_cap": _transitional(common["loan_date"], common["sued_date"] or today) if is_loan else None,
        **common,
        **_judgment_context(facts, today, "creditor"),
    }
    context.update(_likely_procedure(context))
    if debt_type == "wages":
        context.update(_labour(facts, due, demand, today))
    else:
        context.update({"labour_deadline": None, "employment_ended": None, "still_employed": "unknown",
                        "employment_unknown": True})
    return context


def debtor_context(facts: dict[str, Any], today: date) -> dict[str, Any]:
    """Figures and flags for a debtor: limitation (counted late, the safe side), deadlines, risks.

    A month-only ``overdue_since`` is read as the month's last day: for a debtor wondering whether the
    limitation has run, the latest possible start is the cautious one, and the section says so.
    """
    amount = Decimal(facts["amount"])
    overdue = stored_date(facts.get("overdue_since"))
    approx = bool(facts.get("overdue_since__approx"))
    if overdue is not None and approx:
        overdue = min(_month_end(overdue), today)
    kind = facts.get("creditor_kind")
    common = _common(facts, today)
    limitation = _safe(limitation_period, due_date=overdue, today=today) if overdue else None
    licensed_answer = common["lender_licensed"]
    basis_day = common["loan_date"] or overdue
    return {
        "amount": amount,
        "amount_approx": bool(facts.get("amount__approx")),
        "creditor_kind": kind,
        # institutions that are licensed whatever the contract says (banks issue cards)
        "licensed": kind == "credit_card" or (kind in {"platform", "online_lender"} and licensed_answer == "yes"),
        "licence_unknown": kind in {"platform", "online_lender"} and licensed_answer not in ("yes", "no"),
        "unlicensed_lender": kind in {"platform", "online_lender"} and licensed_answer == "no",
        "private_lending": kind in {"person", "company"},
        "card_debt": kind == "credit_card",
        "card_below_threshold": amount < CARD_CRIME_THRESHOLD,
        "overdue_since": overdue,
        "overdue_approx": approx,
        "not_overdue": facts.get("overdue_since") == "not_overdue",
        "stage": facts.get("stage"),
        "ability": facts.get("ability"),
        "harassment": facts.get("harassment") == "yes",
        "interest_agreed": facts.get("interest_agreed"),
        "limitation": limitation,
        "limitation_possibly_expired": bool(_result(limitation).get("expired")),
        "pre_civil_code": basis_day is not None and basis_day < CIVIL_CODE_DATE,
        "transitional_cap": _transitional(common["loan_date"], common["sued_date"] or today)
        if kind in {"person", "company"} else None,
        "fee_summary": court_fee(amount, "summary"),
        "fee_enforcement": enforcement_fee(amount),
        **common,
        **_judgment_context(facts, today, "debtor"),
    }


# Contexts already built in this engine turn, by (flow, the facts as sorted JSON, today); None outside a turn.
_turn_contexts: ContextVar[dict[tuple[str, str, date], dict[str, Any]] | None] = \
    ContextVar("advice_turn_contexts", default=None)
_facts_key = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


class once_per_turn:  # lower case: used like a function, ``with advice.once_per_turn():``
    """Within the block (one engine turn), :func:`advice_context` builds each context once.

    A result turn asks for the same facts' context several times (the deadlines to reconcile, the deadlines
    to offer, the result screen). The contexts are keyed by the facts' content, so an answer changed
    within the turn gets a new one, and they are dropped when the turn ends: nothing outlives a turn.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _turn_contexts.set({})

    def __exit__(self, *exc: object) -> None:
        _turn_contexts.reset(self._token)


def advice_context(flow: str, facts: dict[str, Any], today: date) -> dict[str, Any]:
    """The template context for a flow's result page (a new dict on every call, which callers may extend)."""
    remembered = _turn_contexts.get()
    if remembered is None:
        return _advice_context(flow, facts, today)
    try:
        key = (flow, _facts_key(facts), today)
    except (TypeError, ValueError):  # facts that are not plain JSON: no key, built every time
        return _advice_context(flow, facts, today)
    if key not in remembered:
        remembered[key] = _advice_context(flow, facts, today)
    return dict(remembered[key])


def _advice_context(flow: str, facts: dict[str, Any], today: date) -> dict[str, Any]:
    builders = {"creditor": creditor_context, "debtor": debtor_context}
    context = builders[flow](facts, today)
    context["today"] = today
    return context
