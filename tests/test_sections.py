"""Result sections: every section template has a valid header, and `when` picks the sections that apply."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from law.advice import advice_context
from messages.sections import (
    SECTIONS_DIR,
    SectionHeaderError,
    all_sections,
    applicable,
    parse_header,
    sections,
)

TODAY = date(2026, 11, 22)
# The sections converted from the old {% if %} chains; sections added later (issue 17b) are left out of the
# condition tests below, which check the mechanism against those known conditions.
ORIGINAL = {"labour", "labour_unsure", "next_steps", "limitation", "negotiation", "payment_order", "lawsuit",
            "preservation", "enforcement", "consequences", "sued", "judged", "enforced", "restricted", "negotiate",
            "interest", "harassment"}


def test_every_section_file_has_a_header() -> None:
    files = sorted(p.name for p in SECTIONS_DIR.glob("*.html.j2"))
    assert files and sorted(Path(s.template).name for s in all_sections()) == files


def test_sections_are_ordered_and_split_by_role() -> None:
    for role in ("creditor", "debtor"):
        found = sections(role)
        assert found and all(s.role in (role, "both") for s in found)
        assert [s.order for s in found] == sorted(s.order for s in found)


def test_header_errors_are_reported() -> None:
    with pytest.raises(SectionHeaderError, match="no"):
        parse_header("<b>x</b>", "x.html.j2")
    with pytest.raises(SectionHeaderError, match="lacks"):
        parse_header("{#---\nid: a\nlabel: A\n---#}\nbody", "a.html.j2")
    with pytest.raises(SectionHeaderError, match="role"):
        parse_header("{#---\nid: a\nlabel: A\nrole: judge\norder: 1\nwhen: 'true'\n---#}\n", "a.html.j2")
    with pytest.raises(SectionHeaderError, match="Jinja"):
        parse_header("{#---\nid: a\nlabel: A\nrole: both\norder: 1\nwhen: 'stage in ('\n---#}\n", "a.html.j2")


def test_header_is_not_rendered() -> None:
    from messages import render

    out = render(sections("creditor")[0].template, **advice_context("creditor", _creditor("not_sued"), TODAY),
                 sections=())
    assert "---" not in out.html and "when:" not in out.html


def _creditor(stage: str, **extra: str) -> dict[str, str]:
    facts = {"amount": "5000", "debt_type": "loan", "due_date": "2025-06-01", "last_demand": "2026-01-10",
             "attitude": "delays", "identity_known": "yes", "province": "江苏", "stage": stage}
    facts.update(extra)
    return facts


def _debtor(stage: str, **extra: str) -> dict[str, str]:
    facts = {"amount": "8000", "creditor_kind": "platform", "overdue_since": "2025-03-01", "stage": stage,
             "ability": "instalments", "harassment": "no"}
    facts.update(extra)
    return facts


@pytest.mark.parametrize(("facts", "expected"), [
    (_creditor("not_sued"), ["next_steps", "limitation", "negotiation", "payment_order", "lawsuit", "preservation"]),
    (_creditor("sued"), ["next_steps", "limitation", "lawsuit", "preservation"]),
    (_creditor("judged"), ["next_steps", "enforcement"]),
    (_creditor("terminated"), ["next_steps", "enforcement"]),
    (_creditor("not_sued", debt_type="wages", wage_relation="employment"), ["labour", "next_steps", "negotiation"]),
    (_creditor("not_sued", debt_type="wages", wage_relation="unsure"),
     ["labour_unsure", "next_steps", "limitation", "negotiation", "payment_order", "lawsuit", "preservation"]),
])
def test_creditor_conditions(facts: dict[str, str], expected: list[str]) -> None:
    context = advice_context("creditor", facts, TODAY)
    assert [s.id for s in applicable("creditor", context) if s.id in ORIGINAL] == expected


@pytest.mark.parametrize(("facts", "expected"), [
    (_debtor("overdue"), ["next_steps", "consequences", "negotiate", "limitation", "interest"]),
    (_debtor("collection"), ["next_steps", "consequences", "negotiate", "limitation", "interest", "harassment"]),
    (_debtor("sued"), ["next_steps", "consequences", "sued", "negotiate", "interest"]),
    (_debtor("judged", harassment="yes"),
     ["next_steps", "consequences", "judged", "negotiate", "interest", "harassment"]),
    (_debtor("restricted"), ["next_steps", "consequences", "enforced", "restricted", "negotiate", "interest"]),
])
def test_debtor_conditions(facts: dict[str, str], expected: list[str]) -> None:
    context = advice_context("debtor", facts, TODAY)
    assert [s.id for s in applicable("debtor", context) if s.id in ORIGINAL] == expected


def test_unknown_name_in_when_fails_loudly() -> None:
    section = parse_header("{#---\nid: a\nlabel: A\nrole: both\norder: 1\nwhen: no_such_key\n---#}\n", "a.html.j2")
    with pytest.raises(Exception, match="no_such_key"):
        section.applies({"stage": "sued"})


@pytest.mark.parametrize("role", ["creditor", "debtor"])
def test_one_evaluation_of_every_when_picks_what_each_when_picks(role: str) -> None:
    make = _creditor if role == "creditor" else _debtor
    stages = (["not_sued", "sued", "judged", "terminated"] if role == "creditor"
              else ["overdue", "collection", "sued", "judged", "restricted"])
    picked = set()
    for stage in stages:
        for extra in ({}, {"debt_type": "wages", "wage_relation": "employment"}, {"harassment": "yes"}):
            context = advice_context(role, make(stage, **extra), TODAY)
            one_by_one = tuple(s for s in sections(role) if s.applies(context))
            assert applicable(role, context) == one_by_one
            picked.update(s.id for s in one_by_one)
    assert len(picked) > len(sections(role)) // 2  # the contexts exercise most of the conditions
