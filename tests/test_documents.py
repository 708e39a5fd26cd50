"""Document generation: every document for several fact sets, opened with python-docx and checked.

Checked in each file: amounts (figures and 大写), dates, parties (or the blank line), citations,
no template tag left, and — for the complaint — that the interest claimed never exceeds the cap
computed independently here with law/interest.py.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import cn2an
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.builder import BLANK, build
from documents.catalogue import catalogue
from documents.claims import interest_claim
from documents.render import render_bytes, template_variables, write
from documents.samples import CREDITOR_DETAILS, SAMPLES
from documents.schedule import add_months, instalments
from flows.spec import load_registry
from law.interest import interest_cap
from law.kb import cite, get_article
from law.lpr import lpr_on
from messages.render import cn_date, yuan
from tests.test_citations import ERRATA_PATTERNS
from text.rates import parse_rate

TODAY = date(2026, 11, 22)
CITATION = re.compile(r"《[^》]+》第[一二三四五六七八九十百零]+条")
TAG = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


def docx_text(path_or_bytes: Path | bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    import io

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    doc = Document(source)
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def creditor(**extra: Any) -> dict[str, Any]:
    base = {"role": "creditor", "debt_type": "loan", "amount": "35000.00", "evidence": ["iou", "transfer"],
            "due_date": "2024-06-30", "last_demand": "2025-03-01", "attitude": "admits", "identity_known": "yes",
            "province": "江苏", "stage": "not_sued", "loan_date": "2023-05-01"}
    base.update(extra)
    return base


def debtor(**extra: Any) -> dict[str, Any]:
    base = {"role": "debtor", "creditor_kind": "credit_card", "amount": "26000.00", "overdue_since": "2025-01-15",
            "stage": "collection", "ability": "instalments", "harassment": "no"}
    base.update(extra)
    return base


@dataclass(frozen=True)
class Case:
    """One fact set for one document, with what must (not) appear."""

    name: str
    kind: str
    facts: dict[str, Any]
    details: dict[str, str]
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()


NONE: dict[str, str] = {}
HARDSHIP_PERSON = {"my_name": "赵丽", "my_id": "110101197801011236", "my_phone": "13712345678",
                   "lender_name": "某某银行信用卡中心", "account_tail": "6688"}

CASES = [
    # 催款函
    Case("demand-loan-full", "demand_letter", creditor(loan_method="wechat", pay_within="7"), CREDITOR_DETAILS,
         ("七日内", "微信转账", "借条（欠条）、转账记录", "2024年6月30日", "2025年3月1日", "《民法典》第六百七十五条",
          "《诉讼时效规定》第八条", "寄送与留证说明", "回　执")),
    Case("demand-goods-no-details", "demand_letter",
         creditor(debt_type="goods", evidence=["none"], due_date="none", pay_within="30", loan_date=None), NONE,
         ("三十日内", "货款（服务费）", "《民法典》第五百七十九条", f"{BLANK}：", "____年__月__日"),
         ("借条", "约定的还款日期", "劳动争议仲裁")),
    Case("demand-labour-expired", "demand_letter",
         creditor(debt_type="wages", wage_relation="employment", due_date="2020-01-10", last_demand="never",
                  pay_within="15"), CREDITOR_DETAILS,
         ("工资（劳动报酬）", "劳动争议仲裁", "《劳动争议调解仲裁法》第二十七条"),
         ("申请支付令", "特别提示", "诉讼时效规定", "《民法典》第五百七十九条")),
    Case("demand-loan-expired", "demand_letter", creditor(due_date="2020-01-10", last_demand="never"), NONE,
         ("特别提示", "2023年1月10日", "《诉讼时效规定》第十九条")),
    # 民事起诉状
    Case("complaint-agreed-above-cap", "complaint",
         creditor(interest_agreed="yes", interest_rate="2", interest_rate__unit="month", court="南京市鼓楼区人民法院",
                  loan_method="bank"), CREDITOR_DETAILS,
         ("民间借贷纠纷", "南京市鼓楼区人民法院", "年利率14.6%", "本案诉讼费用由被告承担", "小额诉讼",
          "《民间借贷规定》第二十五条", "王晓明，男，汉族，1985年3月12日出生", "证 据 清 单", "原告身份证复印件")),
    Case("complaint-agreed-within-cap", "complaint",
         creditor(interest_agreed="yes", interest_rate="10", interest_rate__unit="year", amount="120000.00",
                  province="上海"), CREDITOR_DETAILS,
         ("年利率10%", "人民币壹拾贰万元整", f"{BLANK}人民法院"), ("小额诉讼",)),
    Case("complaint-no-agreement", "complaint", creditor(interest_agreed="no"), NONE,
         ("逾期利息", "2024年7月1日", "一年期贷款市场报价利率", "《民法典》第六百七十六条", f"被告：{BLANK}")),
    Case("complaint-no-term", "complaint", creditor(interest_agreed="no", due_date="none"), CREDITOR_DETAILS,
         ("没有约定还款期限", "二、本案诉讼费用由被告承担", "原告曾要求被告还款（最近一次为2025年3月1日）"),
         ("利息（", "逾期利息（", "借款到期后")),
    Case("complaint-never-demanded", "complaint",
         creditor(interest_agreed="no", last_demand="never", attitude="ignores"), NONE,
         ("借款到期后，被告至今未归还借款",), ("催要", "要求被告还款")),
    Case("complaint-transitional", "complaint",
         creditor(interest_agreed="yes", interest_rate="36", loan_date="2020-03-01", due_date="2021-03-01",
                  attitude="unreachable"), CREDITOR_DETAILS,
         ("年利率12%", "下落不明"), ("小额诉讼",)),
    Case("complaint-pre-lpr", "complaint",
         creditor(interest_agreed="yes", interest_rate="20", loan_date="2018-01-01", due_date="2019-01-01"), NONE,
         ("二、本案诉讼费用由被告承担",), ("利息（",)),
    Case("complaint-rate-unknown", "complaint", creditor(interest_agreed="yes", attitude="denies"), CREDITOR_DETAILS,
         ("逾期利息", "否认借款事实")),
    # 还款协议
    Case("agreement-instalments-creditor", "agreement",
         creditor(plan_months="6", first_payment_date="2026-12-31"), CREDITOR_DETAILS,
         ("分期还款协议", "第6期", "2027年2月28日", "2027年5月31日", "5,833.35元", "年利率14.6%",
          "《民间借贷规定》第二十九条", "甲方（债权人）：王晓明", "乙方（债务人）：李建国")),
    Case("agreement-lump-sum-goods", "agreement",
         creditor(debt_type="goods", plan_months="1", first_payment_date="2027-01-15", loan_date=None), NONE,
         ("还款协议", "2027年1月15日前，一次性", "《民法典》第五百八十五条",
          "乙方尚欠甲方货款（服务费）人民币叁万伍仟元整", "该笔欠款形成于____年__月__日"), ("分期还款协议", "第1期")),
    Case("agreement-debtor-person", "agreement",
         debtor(creditor_kind="person", stage="overdue", ability="lump_sum", plan_months="3", loan_date="2024-02-10"),
         {"my_name": "赵丽", "their_name": "钱多多"},
         ("甲方（债权人）：钱多多", "乙方（债务人）：赵丽", "乙方于2024年2月10日向甲方借款", "第3期", BLANK)),
    # 协商还款申请书
    Case("hardship-credit-card", "hardship",
         debtor(hardship_months="60", first_payment_date="2026-12-10", hardship_reason="illness"),
         {**HARDSHIP_PERSON, "hardship_detail": "2025年住院两次，医疗费用约8万元。"},
         ("个性化分期", "《信用卡业务监督管理办法》第七十条", "分60期", "433.33元", "433.53元", "贵行", "6688",
          "本人或家人患病、受伤", "2025年住院两次", "病历、医疗费用票据", "2031年11月10日")),
    Case("hardship-platform-unable", "hardship",
         debtor(creditor_kind="online_lender", ability="unable", stage="sued", hardship_months="12",
                hardship_reason="job_loss", overdue_since="not_overdue"), NONE,
         ("贵公司", "分12期", f"{BLANK}：", "____年__月__日"), ("个性化分期", "信用卡卡号")),
    Case("hardship-person", "hardship",
         debtor(creditor_kind="person", hardship_months="6", hardship_reason="other"), {"lender_name": "孙大圣"},
         ("孙大圣：", "您的欠款", "恳请您考虑"), ("个性化分期", "后四位")),
]


def _cited_articles(text: str) -> list[str]:
    return CITATION.findall(text)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_document_content(case: Case, tmp_path: Path) -> None:
    draft = build(case.kind, case.facts, case.details, TODAY)
    path = tmp_path / f"{case.name}.docx"
    citations = write(draft, path)
    text = docx_text(path)
    assert not TAG.search(text), "a template tag was left in the document"
    amount = Decimal(case.facts["amount"])
    assert yuan(amount) in text and f"人民币{cn2an.an2cn(str(amount), 'rmb')}" in text
    assert cn_date(TODAY) in text or case.kind == "agreement"  # an agreement is dated when signed
    for key in citations:  # every citation the template made is spelled out in the document
        assert cite(key) in text, key
    # Each document cites its legal basis; a request to a platform or a person has no article to rest on.
    assert citations or (case.kind == "hardship" and case.facts["creditor_kind"] != "credit_card")
    assert set(_cited_articles(text)) <= {cite(k) for k in citations}
    facts = {**case.facts, "document": case.kind}
    for question in load_registry().flows["documents"].questions:
        if question.personal and question.asked(facts) and question.id in case.details:
            assert case.details[question.id] in text, question.id  # every detail the document asks for is in it
    for needle in case.must:
        assert needle in text, needle
    for needle in case.must_not:
        assert needle not in text, needle
    for pattern in ERRATA_PATTERNS:
        assert not pattern.search(text), pattern.pattern
    if case.facts.get("loan_date") and case.kind in {"demand_letter", "complaint", "agreement"}:
        assert cn_date(date.fromisoformat(case.facts["loan_date"])) in text
    if case.kind == "complaint":
        _check_interest_within_cap(case.facts, text)


def _check_interest_within_cap(facts: dict[str, Any], text: str) -> None:
    """The claimed yearly rate and accrued interest never exceed what the calculator allows."""
    match = re.search(r"按(?:\d{4}-\d{2})?(?:一年期贷款市场报价利率|年利率)(\d+(?:\.\d+)?)%", text)
    if match is None:
        assert "利息（以借款本金" not in text
        return
    claimed = Decimal(match.group(1))
    loan_date = date.fromisoformat(facts["loan_date"])
    cap = interest_cap(loan_date, claimed, today=TODAY).result["cap_pct"]
    assert claimed <= cap, (claimed, cap)
    if facts.get("interest_agreed") == "yes" and facts.get("interest_rate"):
        unit = facts.get("interest_rate__unit", "year")
        agreed = Decimal(facts["interest_rate"]) * {"year": 1, "month": 12, "day": 365}[unit]
        assert claimed == min(agreed, cap)
    accrued = Decimal(re.search(r"暂计至\d{4}年\d+月\d+日为([\d,]+\.\d{2})元", text).group(1).replace(",", ""))
    principal = Decimal(facts["amount"])
    days = (TODAY - loan_date).days
    assert accrued <= principal * cap / 100 * days / 365 + Decimal("0.01")


def test_samples_render_and_every_template_is_in_the_catalogue() -> None:
    variables = set(catalogue().variables)
    for sample in SAMPLES:
        used = template_variables(sample.kind)
        assert used <= variables, used - variables
        draft = build(sample.kind, sample.facts, sample.details, TODAY)
        assert set(draft.context) | {"cite", "cite_all"} == variables, "catalogue and builder disagree"
    assert {s.kind for s in SAMPLES} == set(catalogue().documents)


def test_templates_cite_only_through_the_helper() -> None:
    for doc in catalogue().documents.values():
        source = docx_text(doc.template_path)
        assert not CITATION.search(source), doc.template  # hand-written 《…》第…条 would bypass the check
        keys = re.findall(r"""cite\(\s*["“]([^"”]+)["”]\s*\)""", source)
        assert keys, doc.template
        for key in keys:
            assert get_article(key).text.strip()  # raises UnknownCitation for a typo


def test_typed_text_is_escaped_not_markup() -> None:
    details = {**CREDITOR_DETAILS, "my_name": "A&B <w:t>公司</w:t>", "their_address": "某路1号 & \"2\" 栋"}
    data, _ = render_bytes(build("complaint", creditor(), details, TODAY))
    text = docx_text(data)
    assert "A&B <w:t>公司</w:t>" in text and "某路1号 & \"2\" 栋" in text


def test_missing_variable_is_an_error_not_a_blank() -> None:
    draft = build("demand_letter", creditor(), CREDITOR_DETAILS, TODAY)
    del draft.context["debt"]["cause"]
    with pytest.raises(Exception, match="cause"):
        render_bytes(draft)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    loan_date=st.dates(min_value=date(2019, 8, 20), max_value=date(2026, 11, 1)),
    due_offset=st.integers(min_value=1, max_value=900),
    rate=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("60"), places=2),
    unit=st.sampled_from(["year", "month"]),
    amount=st.decimals(min_value=Decimal("100"), max_value=Decimal("500000"), places=2),
    agreed=st.sampled_from(["yes", "no", "unclear"]),
)
def test_interest_claim_never_exceeds_the_cap(loan_date: date, due_offset: int, rate: Decimal, unit: str,
                                              amount: Decimal, agreed: str) -> None:
    due = loan_date + timedelta(days=due_offset)
    facts = creditor(loan_date=loan_date.isoformat(), due_date=due.isoformat(), amount=str(amount),
                     interest_agreed=agreed, interest_rate=str(rate), interest_rate__unit=unit)
    claim = interest_claim(facts, amount, TODAY)
    cap = interest_cap(loan_date, Decimal(0), today=TODAY).result["cap_pct"]
    if claim.kind == "none":
        assert due >= TODAY
        return
    assert claim.rate_pct is not None and claim.accrued is not None and claim.start is not None
    assert claim.rate_pct <= cap
    if claim.kind == "agreed":
        assert claim.rate_pct == min(rate * (12 if unit == "month" else 1), cap)
    else:
        assert claim.rate_pct == min(lpr_on(due + timedelta(days=1)).one_year_pct, cap)
        assert claim.start == due + timedelta(days=1)
    days = (TODAY - claim.start).days
    assert claim.accrued <= amount * cap / 100 * days / 365 + Decimal("0.005")
    assert claim.total == amount + claim.accrued


@settings(max_examples=200, deadline=None)
@given(total=st.decimals(min_value=Decimal("1"), max_value=Decimal("9999999"), places=2),
       count=st.integers(min_value=1, max_value=60),
       first=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_instalments_add_up_and_fall_monthly(total: Decimal, count: int, first: date) -> None:
    plan = instalments(total, count, first)
    assert sum(i.amount for i in plan) == total
    assert all(i.amount >= 0 for i in plan) and len({i.amount for i in plan[:-1]}) <= 1
    assert [i.due for i in plan] == [add_months(first, k) for k in range(count)]
    assert all(i.due.day == first.day or i.due.day < first.day for i in plan if i.due)


def test_agreed_rate_examples_through_the_parser() -> None:
    # "月息2分" on a loan made 2023-05-01 (LPR 3.65%): 24% a year, claimed at the cap 14.6%.
    pct, unit = parse_rate("月息2分")
    facts = creditor(interest_agreed="yes", interest_rate=str(pct), interest_rate__unit=unit)
    claim = interest_claim(facts, Decimal("35000"), TODAY)
    assert (claim.kind, claim.rate_pct, claim.cap_pct, claim.agreed_pct) == ("agreed", Decimal("14.60"),
                                                                              Decimal("14.60"), Decimal("24"))
    assert claim.reduced and claim.lpr_month == "2023-04"


def test_generation_time_and_size(tmp_path: Path) -> None:
    """Not an assertion on speed: prints the figures for the report (pytest -s)."""
    for sample in SAMPLES:
        start = time.perf_counter()
        rounds = 5
        for i in range(rounds):
            write(build(sample.kind, sample.facts, sample.details, TODAY), tmp_path / f"{sample.kind}{i}.docx")
        elapsed = (time.perf_counter() - start) / rounds
        size = (tmp_path / f"{sample.kind}0.docx").stat().st_size
        print(f"{sample.kind}: {elapsed * 1000:.0f} ms per document, {size / 1024:.1f} KiB")
        assert size > 0


@pytest.mark.parametrize("kind", ["demand_letter", "complaint"])
def test_a_month_the_user_gave_stays_a_month_in_the_document(kind: str, tmp_path: Path) -> None:
    # A user trial found "2026年10月" (stored as the 1st, flagged approximate) written as "2026年10月1日".
    facts = creditor(stage="not_sued", last_demand="2026-10-01", last_demand__approx=True,
                     loan_date="2024-03-01", loan_date__approx=True)
    path = tmp_path / f"{kind}.docx"
    write(build(kind, facts, CREDITOR_DETAILS, TODAY), path)
    text = docx_text(path)
    assert "2026年10月1日" not in text and "2024年3月1日" not in text
    assert "2024年3月" in text
    assert kind == "complaint" or "2026年10月" in text


def test_complaint_without_agreed_interest_does_not_claim_an_agreed_rate(tmp_path: Path) -> None:
    # A user trial found "按照约定…支付利息。原告主张的利率未超过…上限" although no interest was agreed.
    path = tmp_path / "c.docx"
    write(build("complaint", creditor(interest_agreed="no"), CREDITOR_DETAILS, TODAY), path)
    text = docx_text(path)
    assert "逾期利息" in text and "逾期未还的还应支付逾期利息" in text
    assert "利率未超过" not in text and "并支付利息" not in text


def test_small_claims_remark_defers_to_the_court(tmp_path: Path) -> None:
    path = tmp_path / "c.docx"
    write(build("complaint", creditor(amount="8000.00"), CREDITOR_DETAILS, TODAY), path)
    text = docx_text(path)
    assert "小额诉讼" in text and "以受诉法院适用的标准为准" in text
