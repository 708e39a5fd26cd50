"""The fact-combination table (tests/legal_table.yaml): which sections and statements a result shows.

Each row gives a role's facts; the result is rendered the way the result desk renders its full text
(``law.advice.advice_context`` → ``messages.sections.applicable`` → ``results/<role>.html.j2``), and the
row's sections, phrases and forbidden phrases are checked. The rows come from docs/legal-review.md §13
(issue 17): they hold the branches that decide legal correctness, not wording variants.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from law.advice import advice_context
from messages import html_to_text, render
from messages.sections import applicable
from tests.conftest import TODAY

TABLE = yaml.safe_load((Path(__file__).parent / "legal_table.yaml").read_text(encoding="utf-8"))
ROWS = TABLE["rows"]
EVERY_RESULT_SAYS = ("不构成法律意见", "12348")
NEVER_SAYS = ("您", "http", "未确认", "未经确认", "UNCONFIRMED", "LawRefBook")


def _facts(row: dict[str, Any]) -> dict[str, Any]:
    """The row's facts over its role's base facts (a null value removes the base fact)."""
    facts = dict(TABLE["bases"][row["role"]])
    for key, value in (row.get("facts") or {}).items():
        if value is None:
            facts.pop(key, None)
        else:
            facts[key] = value
    return facts


def rendered(role: str, facts: dict[str, Any]) -> tuple[list[str], str, str]:
    """(applicable section ids, result HTML, result plain text) for ``facts``, as the result desk shows them."""
    context = advice_context(role, facts, TODAY)
    context["role"] = role
    shown = applicable(role, context)
    page = render(f"results/{role}.html.j2", sections=shown, **context)
    return [s.id for s in shown], page.html, html_to_text(page.html)


def test_table_has_at_least_80_distinct_rows() -> None:
    ids = [row["id"] for row in ROWS]
    assert len(ids) >= 80 and len(set(ids)) == len(ids)
    assert {row["role"] for row in ROWS} == {"creditor", "debtor"}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['id']}-{row['role']}")
def test_fact_combination(row: dict[str, Any]) -> None:
    ids, page_html, text = rendered(row["role"], _facts(row))
    both = page_html + "\n" + text  # a phrase may carry <b> marks or be checked on the plain text
    for section in row.get("sections", []):
        assert section in ids, f"row {row['id']}: section {section} missing (shown: {ids})"
    for section in row.get("no_sections", []):
        assert section not in ids, f"row {row['id']}: section {section} must not apply (shown: {ids})"
    for phrase in [*row.get("says", []), *EVERY_RESULT_SAYS]:
        assert phrase in both, f"row {row['id']}: missing {phrase!r}"
    for phrase in [*row.get("not_says", []), *NEVER_SAYS]:
        assert phrase not in both, f"row {row['id']}: must not say {phrase!r}"


def test_new_fact_keys_absent_or_present_render() -> None:
    """Every stage of both roles renders with none of the new stage facts and with all of them."""
    new = {"service_date": "2026-11-10", "doc_kind": "ruling", "small_claims_case": "unknown",
           "performance_end": "2026-12-01", "enforcement_measures": ["frozen"], "dishonest_ground": "unknown",
           "loan_date": "2019-06-01", "lender_licensed": "unknown", "employment_ended": "2026-01-31",
           "still_employed": "no", "sued_date": "2026-10-01", "hearing_date": "2026-12-10"}
    stages = {"creditor": ("not_sued", "sued", "judged", "enforcing", "terminated"),
              "debtor": ("overdue", "collection", "sued", "judged", "enforced", "restricted")}
    for role, role_stages in stages.items():
        for stage in role_stages:
            for extra in ({}, new):
                facts = {**TABLE["bases"][role], "stage": stage, **extra}
                _, _, text = rendered(role, facts)
                assert "12348" in text and "您" not in text


def test_every_statement_line_cites_or_is_practical() -> None:
    """No section states an article number in prose without the cite() helper (a citation that can't be checked)."""
    sections = Path(__file__).resolve().parents[1] / "messages" / "templates" / "results" / "sections"
    for path in sections.glob("*.html.j2"):
        for line in path.read_text(encoding="utf-8").splitlines():
            bare = re.sub(r"\{\{.*?\}\}", "", line)
            uncited = re.search(r"《[^》]+》第[一二三四五六七八九十百零]+条", bare)
            assert not uncited, f"{path.name}: uncited {line[:60]}"


def _statement_fragments(body: str) -> list[str]:
    """The longest literal run (≥ 6 Chinese characters) of each statement line of a section body."""
    found = []
    for line in body.splitlines():
        text = line.strip()
        if not text or text.startswith("{%"):
            continue
        literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "\x00", text)
        runs = [run for run in literal.split("\x00") if len(re.sub(r"[^\u4e00-\u9fff]", "", run)) >= 6]
        if runs:
            found.append(max(runs, key=len)[:40])
    return found


def test_every_statement_line_is_rendered_by_some_row() -> None:
    """Each statement line of every section appears in the result of at least one table row."""
    pages = "\n".join(rendered(row["role"], _facts(row))[1] for row in ROWS)
    sections = Path(__file__).resolve().parents[1] / "messages" / "templates" / "results" / "sections"
    lines = [(path.name, fragment) for path in sorted(sections.glob("*.html.j2"))
             for fragment in _statement_fragments(path.read_text(encoding="utf-8").split("---#}\n", 1)[1])]
    missing = [item for item in lines if item[1] not in pages]
    assert len(lines) > 150 and not missing, missing
