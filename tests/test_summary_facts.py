"""The first result message (the summary) honours the legal flags its sections honour, and estimates stay
estimates (issues 16/17, task 16b).

Each case renders the summary the way the result desk does (``flows.screens.result``) and checks what it
must and must not say for those facts: the fee of the procedure that can apply to an unreachable debtor;
no 支付令/起诉 for a debt not yet due; the time-bar warning before any negotiation; when a 失信 listing is
deleted by its ground; the appeal window as the nearest deadline; 约 on an approximate amount or date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from documents.builder import _debt
from flows import screens
from flows.spec import load_registry
from law.fees import court_fee
from messages import html_to_text
from storage.sessions import Session

TODAY = date(2026, 11, 22)
REGISTRY = load_registry()
LOAN = {"role": "creditor", "debt_type": "loan", "amount": "50000", "evidence": ["iou"], "due_date": "2025-06-01",
        "last_demand": "2026-01-10", "attitude": "admits", "identity_known": "yes", "province": "江苏",
        "stage": "not_sued"}
DEBT = {"role": "debtor", "creditor_kind": "person", "amount": "8000", "overdue_since": "2025-09-01",
        "stage": "overdue", "ability": "unable", "harassment": "no"}


def summary(facts: dict) -> str:
    """The summary's plain text for these facts."""
    role = facts["role"]
    session = Session(id=1, chat_id=1, user_id=1, flow=role, state=f"{role}.result", facts=dict(facts))
    text = html_to_text(screens.result(REGISTRY, session, TODAY).html)
    assert len(text) <= 600, (len(text), text)  # the first message still fits a phone screen (issue 16)
    return text


def actions(text: str) -> list[str]:
    """The numbered action lines of a summary."""
    return [line for line in text.splitlines() if line[:2] in ("1.", "2.", "3.")]


# ------------------------------------------------------------------------------------------ (a) the fee


def test_unreachable_debtor_gets_the_ordinary_procedure_fee() -> None:
    text = summary({**LOAN, "attitude": "unreachable"})
    ordinary = court_fee(Decimal("50000"), "ordinary").result
    small = court_fee(Decimal("50000"), "small_claims").result
    assert ordinary != small
    assert f"{ordinary:,.2f}元" in text and "普通程序" in text
    assert f"{small:,.2f}元" not in text and "小额诉讼估算" not in text


def test_reachable_debtor_within_the_small_claims_limit_gets_the_small_claims_fee() -> None:
    text = summary({**LOAN, "amount": "5000"})
    assert f"{court_fee(Decimal('5000'), 'small_claims').result:,.2f}元" in text and "按小额诉讼估算" in text


# ------------------------------------------------------------------------------------------ (b) not yet due


@pytest.mark.parametrize("attitude", ["admits", "delays", "unreachable"])
def test_not_yet_due_offers_no_payment_order_and_no_suit_now(attitude: str) -> None:
    text = summary({**LOAN, "due_date": "2027-03-01", "last_demand": "never", "attitude": attitude})
    assert "支付令" not in text
    assert "还没到" in text and "到期后" in text
    for line in actions(text):
        assert "起诉" not in line, line
    assert "到期后仍不还而起诉的" in text  # the fee is said as a later possibility only


def test_due_and_admitted_still_offers_the_payment_order() -> None:
    assert "支付令" in summary(LOAN)


# ------------------------------------------------------------------------------------------ (c) time-barred


@pytest.mark.parametrize("stage", ["overdue", "collection", "sued"])
@pytest.mark.parametrize("ability", ["unable", "instalments", "lump_sum"])
def test_possibly_time_barred_debt_warns_before_any_negotiation(stage: str, ability: str) -> None:
    text = summary({**DEBT, "overdue_since": "2022-03-01", "stage": stage, "ability": ability})
    lines = text.splitlines()
    warning = next((i for i, line in enumerate(lines) if "不能再以时效抗辩" in line), None)
    assert warning is not None, text
    for line in lines[:warning]:  # nothing before the warning suggests agreeing to pay
        assert not any(word in line for word in ("分期", "还款意愿", "协商", "调解", "还清")), (line, text)
    assert "还款意愿" not in text and "尽快还" not in text


def test_recent_debt_suggests_negotiation_without_the_time_bar_warning() -> None:
    text = summary({**DEBT, "ability": "instalments"})
    assert "协商分期" in text and "时效抗辩" not in text


# ------------------------------------------------------------------------------------------ (d) 失信 ground

RESTRICTED = {**DEBT, "stage": "restricted", "enforcement_measures": ["restricted", "dishonest"]}


def test_dishonest_for_nonpayment_is_deleted_after_performance() -> None:
    text = summary({**RESTRICTED, "dishonest_ground": "nonpayment_with_ability"})
    assert "失信信息应在三个工作日内删除" in text


@pytest.mark.parametrize("ground", ["other", "unknown"])
def test_dishonest_for_other_grounds_is_not_promised_deletion_on_payment(ground: str) -> None:
    text = summary({**RESTRICTED, "dishonest_ground": ground})
    assert "失信信息应在" not in text and "失信信息应删除" not in text
    assert "期满" in text


def test_restriction_alone_says_nothing_about_the_dishonest_list_deletion() -> None:
    text = summary({**RESTRICTED, "enforcement_measures": ["restricted"]})
    assert "删除" not in text and "解除限制消费" in text


# ------------------------------------------------------------------------------------------ (e) appeal window


def test_debtor_judged_within_the_appeal_window_is_told_the_appeal_date_first() -> None:
    text = summary({**DEBT, "stage": "judged", "service_date": "2026-11-15", "doc_kind": "judgment",
                    "small_claims_case": "unknown", "performance_end": "2027-01-20"})
    assert "可能还没生效" in text and "上诉" in actions(text)[0]
    assert "最晚 2026年11月30日 上诉" in text and "小额诉讼不能上诉" in text  # 15 days from 11-15; 11-30 a Monday


def test_debtor_judged_small_claim_has_no_appeal() -> None:
    text = summary({**DEBT, "stage": "judged", "service_date": "2026-11-15", "doc_kind": "judgment",
                    "small_claims_case": "yes"})
    assert "可能还没生效" not in text and "上诉（还有" not in text


def test_creditor_judged_within_the_appeal_window_waits_for_the_judgment_to_take_effect() -> None:
    text = summary({**LOAN, "stage": "judged", "service_date": "2026-11-15", "doc_kind": "judgment",
                    "small_claims_case": "no", "performance_end": "2027-01-20"})
    assert "可能还没生效" in text
    assert "上诉期最晚到 2026年11月30日" in text and "判决才生效" in text


def test_creditor_judged_after_the_appeal_window_goes_to_enforcement() -> None:
    text = summary({**LOAN, "stage": "judged", "service_date": "2026-09-01", "doc_kind": "judgment",
                    "small_claims_case": "no", "performance_end": "2026-10-31"})
    assert "可能还没生效" not in text and "申请强制执行最晚到" in text


# ------------------------------------------------------------------------------------------ estimates


@pytest.mark.parametrize("base", [LOAN, DEBT], ids=["creditor", "debtor"])
def test_an_approximate_amount_shows_yue_and_says_it_is_an_estimate(base: dict) -> None:
    text = summary({**base, "amount__approx": True})
    amount = f"{Decimal(base['amount']):,.2f}元"
    assert f"约{amount}" in text and "估计" in text
    exact = summary(base)
    assert f"约{amount}" not in exact and "估计" not in exact


def test_an_approximate_date_makes_the_deadline_approximate() -> None:
    text = summary({**LOAN, "last_demand": "2026-01-01", "last_demand__approx": True})
    assert "大概时间推算" in text
    assert "大概时间推算" not in summary(LOAN)


def test_documents_keep_the_estimate() -> None:
    assert _debt({**LOAN, "amount__approx": True})["amount"] == "约50,000.00元"
    assert _debt({**LOAN, "amount__approx": True})["amount_upper"].startswith("约人民币")
    assert _debt(LOAN)["amount"] == "50,000.00元"


@pytest.mark.parametrize("facts", [
    {**LOAN, "stage": "judged", "service_date": "unknown", "doc_kind": "unknown", "small_claims_case": "unknown",
     "performance_end": "unknown"},
    {**LOAN, "due_date": "unknown", "last_demand": "unknown", "identity_known": "unknown"},
    {**DEBT, "overdue_since": "unknown", "stage": "judged", "service_date": "unknown", "doc_kind": "unknown"},
    {**RESTRICTED, "dishonest_ground": "unknown", "enforcement_measures": ["unknown"]},
], ids=["creditor_judged", "creditor_not_sued", "debtor_judged", "debtor_restricted"])
def test_unknown_values_never_appear_as_facts(facts: dict) -> None:
    text = summary(facts)
    assert "unknown" not in text and "None" not in text


# ---------------------------------------------------------------------------- the answer period (user trial)


def test_a_sued_debtor_sees_the_answer_period_before_the_hearing() -> None:
    # Complaint received 2026-11-10 → day 15 is 2026-11-25 (a Wednesday), before a hearing on 2026-12-20
    # (民事诉讼法第一百二十八条, 第八十五条); today is 2026-11-22.
    sued = {"role": "debtor", "creditor_kind": "credit_card", "amount": "23000", "overdue_since": "2026-08-01",
            "stage": "sued", "sued_date": "2026-11-10", "hearing_date": "2026-12-20", "ability": "instalments",
            "harassment": "no"}
    text = summary(sued)
    assert "书面答辩最晚 2026年11月25日" in text and "还有3天" in text
    assert "2026年12月20日" not in text.split("⏰")[1].split("\n")[0]  # the nearest deadline is the answer period


def test_a_small_claims_debtor_is_not_offered_an_appeal() -> None:
    judged = {**DEBT, "stage": "judged", "small_claims_case": "yes"}
    text = summary(judged)
    assert "不能上诉" in text and "15日内上诉" not in text
