"""Plain words, honestly uncertain: what the user reads never names a source, a URL, a data file or GitHub,
never says 未经确认, and always says 你 (issue 16).

Two places feed the chat: the templates (messages/templates/**) and the calculators' user-facing notes
(summary, breakdown, cautions of every law calculator, over a spread of inputs that reach each branch).
Provenance lives in ``Calculation.provenance`` (the law CLI and the docs), which this test leaves alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from law.calculation import Calculation, CalculationError
from law.deadlines import (
    appeal_deadline,
    labour_arbitration_deadline,
    retrial_deadline,
    transitional_interest_cap,
)
from law.fees import court_fee, enforcement_fee, payment_order_fee, preservation_fee
from law.interest import accrued_interest, delay_interest, interest_cap
from law.periods import enforcement_deadline, limitation
from law.small_claims import small_claims
from messages.render import TEMPLATES_DIR
from text.provinces import PROVINCES

# A URL, a data-source name, GitHub, 未经确认 (any spelling), 您.
FORBIDDEN = re.compile(
    r"https?://|www\.|\.com\b|\.cn\b|GitHub|github|未经确认|未确认|UNCONFIRMED|您|二手来源|扬子晚报|镜像|"
    r"数据整理|数据文件|节假日数据|LawRefBook|民法通则|统计局|来源未载明|未经[^，。、；]{0,8}确认|单一来源|"
    r"本助手的资料|我们核对的|我们数据中"
)
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
TODAY = date(2026, 11, 22)


def _templates() -> list[Path]:
    return sorted(TEMPLATES_DIR.rglob("*.j2"))


def test_the_pattern_catches_what_it_must() -> None:
    for bad in ("见http://x.cn", "数据整理自GitHub公开数据文件", "【未经确认】", "请您", "二手来源——扬子晚报网",
                "节假日数据只覆盖2004—2026年", "民法通则第一百五十四条", "⚠️ LPR数据：单一来源，未经第二来源确认。",
                "未经第二来源确认", "本助手的资料里没有四川省…", "在我们核对的法律条文中，没有找到"):
        assert FORBIDDEN.search(bad), bad
    for good in ("这个数额按2022年公布的标准，你所在地法院现在可能更高，起诉前问一下法院或12368",
                 "《民法典》第一百九十五条"):
        assert not FORBIDDEN.search(good), good


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_user_facing_template_is_plain(path: Path) -> None:
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))  # comments are for maintainers, never rendered
    found = FORBIDDEN.findall(text)
    assert not found, f"{path.name}: {found}"


def _safe(fn, *args, **kwargs) -> Calculation | None:  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)
    except CalculationError:
        return None


def _calculations() -> list[tuple[str, Calculation]]:
    out: list[tuple[str, Calculation | None]] = []
    amounts = [Decimal(v) for v in ("1", "800", "5000", "26000", "70000", "300000", "2000000")]
    for amount in amounts:
        for procedure in ("ordinary", "summary", "small_claims"):
            out.append((f"court_fee {amount} {procedure}", _safe(court_fee, amount, procedure)))
        out += [(f"payment_order_fee {amount}", _safe(payment_order_fee, amount)),
                (f"preservation_fee {amount}", _safe(preservation_fee, amount)),
                (f"enforcement_fee {amount}", _safe(enforcement_fee, amount))]
        for province in [None, "火星", *PROVINCES]:
            for today in (TODAY, date(2025, 3, 1), date(2023, 6, 1)):
                out.append((f"small_claims {amount} {province} {today}", _safe(small_claims, amount, province, today)))
    for due in (date(2024, 2, 29), date(2022, 9, 30), date(2026, 1, 1), date(2020, 1, 1), date(2029, 5, 1)):
        out.append((f"limitation {due}", _safe(limitation, due, today=TODAY)))
        out.append((f"limitation {due} +demand", _safe(limitation, due, TODAY - timedelta(days=30), today=TODAY)))
        out.append((f"enforcement_deadline {due}", _safe(enforcement_deadline, due, today=TODAY)))
        out.append((f"labour {due}", _safe(labour_arbitration_deadline, min(due, TODAY), today=TODAY)))
    out.append(("limitation no term", _safe(limitation, None, today=TODAY)))
    out.append(("limitation demand only", _safe(limitation, None, demand_date=date(2025, 5, 1), today=TODAY)))
    for served in (date(2026, 11, 1), date(2026, 9, 30), date(2025, 12, 20)):
        for kind in ("judgment", "ruling"):
            for small in (False, True):
                out.append((f"appeal {served} {kind} {small}",
                            _safe(appeal_deadline, served, kind, small, today=TODAY)))
        out.append((f"retrial {served}", _safe(retrial_deadline, served, today=TODAY)))
    for lent in (date(2019, 6, 1), date(2021, 3, 1), date(2025, 10, 1)):
        for rate, unit in ((Decimal("24"), "year"), (Decimal("2"), "month"), (Decimal("0.05"), "day")):
            for lender in ("private", "licensed"):
                out.append((f"interest_cap {lent} {rate}{unit} {lender}",
                            _safe(interest_cap, lent, rate, unit, lender=lender, today=TODAY)))
        out.append((f"transitional {lent}", _safe(transitional_interest_cap, lent, TODAY)))
    out.append(("delay_interest", _safe(delay_interest, Decimal(10000), date(2026, 1, 1), TODAY, today=TODAY)))
    out.append(("accrued_interest", _safe(accrued_interest, Decimal(10000), Decimal("3.45"), date(2025, 1, 1), TODAY)))
    return [(name, calc) for name, calc in out if calc is not None]


def test_calculator_notes_are_plain() -> None:
    calculations = _calculations()
    assert len(calculations) > 500
    for kind in ("court_fee", "small_claims", "limitation", "enforcement_deadline", "labour", "appeal", "retrial",
                 "interest_cap", "transitional", "delay_interest", "accrued_interest"):
        assert any(name.startswith(kind) for name, _ in calculations), kind  # every calculator was reached
    bad = []
    for name, calc in calculations:
        for line in [calc.summary, *calc.breakdown, *calc.cautions]:
            if FORBIDDEN.search(line):
                bad.append(f"{name}: {line}")
    assert not bad, "\n".join(sorted(set(bad))[:20])


def test_provenance_is_kept_off_the_chat_but_not_lost() -> None:
    calc = small_claims(Decimal(5000), "江苏", TODAY)
    assert any(FORBIDDEN.search(line) for line in calc.provenance)  # the source, URL and all, for the docs/CLI
    assert any("12368" in c for c in calc.cautions)  # what it means for the user, in the chat
