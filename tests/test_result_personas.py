"""Layered results for 14 personas (both roles, every stage): a first message a phone screen holds, with the
nearest deadline and three actions, and every applicable section one button away and short (issue 16).

Run with ``-s`` to print each persona's figures (first-message length, sections, total characters).
"""

from __future__ import annotations

from datetime import date

import pytest

from flows import callbacks as cb
from flows import screens
from flows.spec import load_registry
from messages import html_to_text
from messages.sections import applicable
from messages.summary import candidates
from storage.sessions import Session

TODAY = date(2026, 11, 22)
FIRST_MAX, SECTION_MAX, TELEGRAM_MAX = 600, 1200, 4096
REGISTRY = load_registry()

LOAN = {"role": "creditor", "debt_type": "loan", "amount": "5000", "evidence": ["iou", "transfer"],
        "due_date": "2025-06-01", "last_demand": "2026-01-10", "attitude": "delays", "identity_known": "yes",
        "province": "江苏"}
CARD = {"role": "debtor", "creditor_kind": "credit_card", "amount": "26000", "overdue_since": "2025-01-15",
        "ability": "instalments", "harassment": "no"}

PERSONAS: dict[str, dict] = {
    "creditor_not_sued": {**LOAN, "stage": "not_sued"},
    "creditor_not_sued_admits_unknown_identity": {**LOAN, "stage": "not_sued", "attitude": "admits",
                                                  "identity_known": "no", "evidence": ["none"]},
    "creditor_expired_limitation": {**LOAN, "stage": "not_sued", "due_date": "2020-01-01",
                                    "last_demand": "2021-02-01"},
    "creditor_no_term_never_demanded": {**LOAN, "stage": "not_sued", "due_date": "none", "last_demand": "never"},
    "creditor_wages_employment": {**LOAN, "debt_type": "wages", "wage_relation": "employment", "stage": "not_sued",
                                  "employment_ended": "2026-05-01", "still_employed": "no"},
    "creditor_sued_hearing": {**LOAN, "stage": "sued", "hearing_date": "2026-12-10"},
    "creditor_judged": {**LOAN, "stage": "judged", "performance_end": "2026-03-31"},
    "creditor_judged_undated": {**LOAN, "stage": "judged", "province": None},
    "creditor_enforcing": {**LOAN, "stage": "enforcing"},
    "creditor_terminated": {**LOAN, "stage": "terminated"},
    "debtor_overdue": {**CARD, "stage": "overdue"},
    "debtor_collection_harassed": {**CARD, "creditor_kind": "online_lender", "stage": "collection",
                                   "harassment": "yes", "ability": "unable"},
    "debtor_sued": {**CARD, "stage": "sued"},
    "debtor_judged": {**CARD, "creditor_kind": "person", "stage": "judged", "service_date": "2026-11-15",
                      "doc_kind": "judgment", "small_claims_case": "no", "performance_end": "2026-12-20"},
    "debtor_enforced": {**CARD, "creditor_kind": "company", "stage": "enforced", "ability": "lump_sum"},
    "debtor_restricted": {**CARD, "stage": "restricted", "enforcement_measures": ["restricted", "dishonest"]},
}


def _session(facts: dict) -> Session:
    role = facts["role"]
    return Session(id=1, chat_id=1, user_id=1, flow=role, state=f"{role}.result",
                   facts={k: v for k, v in facts.items() if v is not None})


def test_every_stage_of_both_roles_is_covered() -> None:
    stages = {(f["role"], f["stage"]) for f in PERSONAS.values()}
    for role in ("creditor", "debtor"):
        options = {o.value for o in REGISTRY.node(f"{role}.stage").options}
        assert options <= {s for r, s in stages if r == role}
    assert len(PERSONAS) >= 12


@pytest.mark.parametrize("name", PERSONAS)
def test_first_message_is_short_with_deadline_and_three_actions(name: str) -> None:
    facts = PERSONAS[name]
    session = _session(facts)
    reply = screens.result(REGISTRY, session, TODAY)
    text = html_to_text(reply.html)
    assert len(text) <= FIRST_MAX, (len(text), text)
    lines = text.splitlines()
    for number in ("1.", "2.", "3."):
        assert sum(line.startswith(number) for line in lines) == 1, (number, text)
    assert "⏰" in text and "12348" in text and "不构成法律意见" in text
    role, context = screens.result_context(REGISTRY, session, TODAY)
    dated = candidates(role, context, session.facts, TODAY)
    if dated:
        nearest = min((d for d in dated if not d.passed), key=lambda d: d.days_left or 0, default=None) or max(
            dated, key=lambda d: d.days_left or 0)
        assert nearest.day is not None
        assert f"{nearest.day.year}年{nearest.day.month}月{nearest.day.day}日" in text, text
    assert "您" not in text


@pytest.mark.parametrize("name", PERSONAS)
def test_every_applicable_section_has_a_button_and_is_short(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    session = _session(PERSONAS[name])
    reply = screens.result(REGISTRY, session, TODAY)
    role, context = screens.result_context(REGISTRY, session, TODAY)
    expected = [s.id for s in applicable(role, context)]
    pressed = []
    for row in reply.buttons:
        for button in row:
            press = cb.decode(button.data)
            if press and press.action == cb.SECTION and press.value.startswith("s:"):
                pressed.append(press.value[2:])
    assert pressed == expected and expected
    total = len(html_to_text(reply.html))
    for section_id in pressed:
        shown = screens.section(REGISTRY, session, TODAY, section_id)
        assert shown is not None
        text = html_to_text(shown.html)
        assert len(text) <= SECTION_MAX, (section_id, len(text))
        assert len(shown.html) <= TELEGRAM_MAX
        assert "您" not in text
        total += len(text)
    with capsys.disabled():
        print(f"\n{name:45} first={len(html_to_text(reply.html)):4} sections={len(pressed):2} total={total:5}",
              end="")
