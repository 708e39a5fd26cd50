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
from documents.render import full_cite, render_bytes, template_variables, write
from documents.samples import CREDITOR_DETAILS, SAMPLES
from documents.schedule import add_months, instalments
from flows.spec import load_registry
from law.calculation import fmt_pct
from law.fees import court_fee
from law.kb import get_article
from law.lpr import lpr_on
from messages.render import cn_date, html_to_text, render, yuan
from tests.test_citations import ERRATA_PATTERNS
from text.rates import parse_rate

TODAY = date(2026, 11, 22)
TRANSITION = date(2020, 8, 20)  # 民间借贷规定 第三十一条第二款
CC = "《中华人民共和国民法典》"
LT = "《最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定》"
PL = "《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》"
TE = "《最高人民法院关于适用〈中华人民共和国民法典〉时间效力的若干规定》"
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
         ("七日内", "微信转账", "借条（欠条）、转账记录", "2024年6月30日", "2025年3月1日", f"{CC}第六百七十五条",
          f"{LT}第八条", "寄送与留证说明", "回　执")),
    Case("demand-goods-no-details", "demand_letter",
         creditor(debt_type="goods", evidence=["none"], due_date="none", pay_within="30", loan_date=None), NONE,
         ("三十日内", "货款（服务费）", f"{CC}第五百七十九条", f"{BLANK}：", "____年__月__日"),
         ("借条", "约定的还款日期", "劳动争议仲裁")),
    Case("demand-labour-expired", "demand_letter",
         creditor(debt_type="wages", wage_relation="employment", due_date="2020-01-10", last_demand="never",
                  pay_within="15"), CREDITOR_DETAILS,
         ("工资（劳动报酬）", "劳动争议仲裁", "《中华人民共和国劳动争议调解仲裁法》第二十七条"),
         ("申请支付令", "特别提示", "诉讼时效规定", f"{CC}第五百七十九条")),
    Case("demand-loan-expired", "demand_letter", creditor(due_date="2020-01-10", last_demand="never"), NONE,
         ("特别提示", "2023年1月10日", f"{LT}第十九条")),
    Case("demand-loan-before-civil-code", "demand_letter", creditor(loan_date="2020-06-01", due_date="2021-06-01"),
         NONE, (f"{TE}第一条", "这笔借款发生在民法典施行（2021年1月1日）前",
                f"{CC}第六百七十五条")),
    Case("demand-goods-before-civil-code", "demand_letter",
         creditor(debt_type="goods", loan_date=None, due_date="2020-11-30"), NONE,
         (f"{TE}第一条", "这笔欠款的付款期限届满于民法典施行（2021年1月1日）前", f"{CC}第五百七十九条")),
    # 民事起诉状
    Case("complaint-agreed-above-cap", "complaint",
         creditor(interest_agreed="yes", interest_rate="2", interest_rate__unit="month", court="南京市鼓楼区人民法院",
                  loan_method="bank"), CREDITOR_DETAILS,
         ("民间借贷纠纷", "南京市鼓楼区人民法院", "年利率14.6%", "本案诉讼费用由被告承担", "小额诉讼",
          f"{PL}第二十五条", "王晓明，男，汉族，1985年3月12日出生", "证 据 清 单", "原告身份证复印件")),
    Case("complaint-agreed-within-cap", "complaint",
         creditor(interest_agreed="yes", interest_rate="10", interest_rate__unit="year", amount="120000.00",
                  province="上海"), CREDITOR_DETAILS,
         ("年利率10%", "人民币壹拾贰万元整", f"{BLANK}人民法院"), ("小额诉讼",)),
    Case("complaint-no-agreement", "complaint", creditor(interest_agreed="no"), NONE,
         ("逾期利息", "2024年7月1日", "一年期贷款市场报价利率", f"{CC}第六百七十六条", f"被告：{BLANK}")),
    Case("complaint-no-term", "complaint", creditor(interest_agreed="no", due_date="none"), CREDITOR_DETAILS,
         ("没有约定还款期限", "二、本案诉讼费用由被告承担", "原告曾要求被告还款（最近一次为2025年3月1日）"),
         ("利息（", "逾期利息（", "借款到期后")),
    Case("complaint-never-demanded", "complaint",
         creditor(interest_agreed="no", last_demand="never", attitude="ignores"), NONE,
         ("借款到期后，被告至今未归还借款",), ("催要", "要求被告还款")),
    Case("complaint-transitional", "complaint",
         creditor(interest_agreed="yes", interest_rate="36", loan_date="2020-03-01", due_date="2021-03-01",
                  attitude="unreachable"), CREDITOR_DETAILS,
         ("自2020年8月20日起按年利率12%计算", "下落不明", f"{PL}第三十一条", f"{TE}第一条"),
         ("小额诉讼", "自2020年3月1日起")),
    # Loans formed before 2020-08-20 (here also before the LPR series): 民间借贷规定第三十一条第二款 —
    # interest from 2020-08-20 capped at 4 × the one-year LPR at filing (2026-08 LPR 3.00% → 12%); the
    # contract and breach predate 2021, so the time-effect rule is cited before the Civil Code.
    Case("complaint-pre-lpr", "complaint",
         creditor(interest_agreed="yes", interest_rate="20", loan_date="2018-01-01", due_date="2019-01-01"), NONE,
         ("自2020年8月20日起按年利率12%计算", "三、本案诉讼费用由被告承担", f"{PL}第三十一条", f"{TE}第一条",
          "民法典施行前的法律事实引起的纠纷，适用当时的法律、司法解释的规定"),
         ("二、本案诉讼费用由被告承担", "自2018年1月1日起")),
    Case("complaint-pre-lpr-no-agreement", "complaint",
         creditor(interest_agreed="no", loan_date="2018-01-01", due_date="2019-01-01"), NONE,
         ("逾期利息（以借款本金35,000.00元为基数，自2020年8月20日起按2020-08一年期贷款市场报价利率3.85%计算",
          f"{PL}第三十一条", f"{TE}第一条"), ("自2019年1月2日起",)),
    Case("complaint-breach-before-civil-code", "complaint", creditor(interest_agreed="no", loan_date=None,
                                                                      due_date="2020-12-01"), NONE,
         ("本案借款的还款期限届满于民法典施行（2021年1月1日）前", f"{TE}第一条", "自2020年12月2日起"),
         ("本案借款发生在",)),
    Case("complaint-after-civil-code", "complaint", creditor(interest_agreed="no"), NONE,
         (f"{CC}第六百七十五条",), ("时间效力", "第三十一条")),
    Case("complaint-rate-unknown", "complaint", creditor(interest_agreed="yes", attitude="denies"), CREDITOR_DETAILS,
         ("逾期利息", "否认借款事实")),
    # 还款协议
    Case("agreement-instalments-creditor", "agreement",
         creditor(plan_months="6", first_payment_date="2026-12-31"), CREDITOR_DETAILS,
         ("分期还款协议", "第6期", "2027年2月28日", "2027年5月31日", "5,833.35元", "年利率14.6%",
          f"{PL}第二十九条", "甲方（债权人）：王晓明", "乙方（债务人）：李建国")),
    Case("agreement-pre-lpr-loan", "agreement",
         creditor(plan_months="3", first_payment_date="2026-12-31", loan_date="2019-03-01", due_date="2020-03-01"),
         CREDITOR_DETAILS,
         ("以不超过起诉时一年期贷款市场报价利率的四倍为限", "原借款合同成立于2020年8月20日之前",
          f"{PL}第三十一条第二款", "计算为年利率12%"), ("按原借款日计算", "合同成立时一年期")),
    Case("agreement-lump-sum-goods", "agreement",
         creditor(debt_type="goods", plan_months="1", first_payment_date="2027-01-15", loan_date=None), NONE,
         ("还款协议", "2027年1月15日前，一次性", f"{CC}第五百八十五条",
          "乙方尚欠甲方货款（服务费）人民币叁万伍仟元整", "该笔欠款形成于____年__月__日"), ("分期还款协议", "第1期")),
    Case("agreement-debtor-person", "agreement",
         debtor(creditor_kind="person", stage="overdue", ability="lump_sum", plan_months="3", loan_date="2024-02-10"),
         {"my_name": "赵丽", "their_name": "钱多多"},
         ("甲方（债权人）：钱多多", "乙方（债务人）：赵丽", "乙方于2024年2月10日向甲方借款", "第3期", BLANK)),
    # 协商还款申请书
    Case("hardship-credit-card", "hardship",
         debtor(hardship_months="60", first_payment_date="2026-12-10", hardship_reason="illness"),
         {**HARDSHIP_PERSON, "hardship_detail": "2025年住院两次，医疗费用约8万元。"},
         ("个性化分期", "《商业银行信用卡业务监督管理办法》第七十条", "分60期", "433.33元", "433.53元", "贵行", "6688",
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
        assert full_cite(key) in text, key
    # Each document cites its legal basis; a request to a platform or a person has no article to rest on.
    assert citations or (case.kind == "hardship" and case.facts["creditor_kind"] != "credit_card")
    assert set(_cited_articles(text)) <= {full_cite(k) for k in citations}
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


def statute_cap(loan_date: date, filing: date) -> tuple[Decimal, date]:
    """The cap and the first day it governs, worked here from the statute and the LPR table alone.

    民间借贷规定 第二十五条: 4 × the one-year LPR at contract formation. 第三十一条第二款: a contract formed
    before 2020-08-20 and sued on after it — interest from 2020-08-20 at most 4 × the one-year LPR at filing
    (interest before that follows the interpretation then in force, which the complaint does not claim).
    """
    if loan_date < TRANSITION:
        return lpr_on(filing).one_year_pct * 4, TRANSITION
    return lpr_on(loan_date).one_year_pct * 4, loan_date


def _check_interest_within_cap(facts: dict[str, Any], text: str) -> None:
    """The claimed yearly rate and accrued interest never exceed what the statute allows."""
    match = re.search(r"自(\d{4})年(\d+)月(\d+)日起按(?:\d{4}-\d{2})?(?:一年期贷款市场报价利率|年利率)(\d+(?:\.\d+)?)%",
                      text)
    if match is None:
        assert "利息（以借款本金" not in text
        return
    start = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    claimed = Decimal(match.group(4))
    # Loan date not given: the loan was made no later than the repayment date; both regimes are checked.
    loan_date = date.fromisoformat(facts["loan_date"] or facts["due_date"])
    cap, first_day = statute_cap(loan_date, TODAY)
    assert claimed <= cap, (claimed, cap)
    assert facts["loan_date"] or claimed <= statute_cap(TRANSITION - timedelta(days=1), TODAY)[0]
    assert start >= first_day, (start, first_day)  # never a day the cap does not cover
    if facts.get("interest_agreed") == "yes" and facts.get("interest_rate"):
        unit = facts.get("interest_rate__unit", "year")
        agreed = Decimal(facts["interest_rate"]) * {"year": 1, "month": 12, "day": 365}[unit]
        assert claimed == min(agreed, cap)
    accrued = Decimal(re.search(r"暂计至\d{4}年\d+月\d+日为([\d,]+\.\d{2})元", text).group(1).replace(",", ""))
    principal = Decimal(facts["amount"])
    days = (TODAY - first_day).days
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


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    loan_date=st.dates(min_value=date(2012, 1, 1), max_value=date(2026, 11, 1)),
    due_offset=st.integers(min_value=1, max_value=900),
    rate=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("60"), places=2),
    unit=st.sampled_from(["year", "month"]),
    amount=st.decimals(min_value=Decimal("100"), max_value=Decimal("500000"), places=2),
    agreed=st.sampled_from(["yes", "no", "unclear"]),
)
def test_interest_claim_never_exceeds_the_cap(loan_date: date, due_offset: int, rate: Decimal, unit: str,
                                              amount: Decimal, agreed: str) -> None:
    """Any loan date, also before the LPR series: a claim is computed, never above the statute's cap."""
    due = loan_date + timedelta(days=due_offset)
    facts = creditor(loan_date=loan_date.isoformat(), due_date=due.isoformat(), amount=str(amount),
                     interest_agreed=agreed, interest_rate=str(rate), interest_rate__unit=unit)
    claim = interest_claim(facts, amount, TODAY)
    cap, first_day = statute_cap(loan_date, TODAY)
    if claim.kind == "none":
        assert due >= TODAY and claim.omitted == "not_due"
        return
    assert claim.rate_pct is not None and claim.accrued is not None and claim.start is not None
    assert claim.rate_pct <= cap and claim.cap_pct == cap
    assert claim.start >= first_day
    assert claim.transitional == (loan_date < TRANSITION)
    if claim.kind == "agreed":
        assert claim.rate_pct == min(rate * (12 if unit == "month" else 1), cap)
        assert claim.start == first_day
        assert claim.earlier_part_from == (loan_date if loan_date < TRANSITION else None)
    else:
        overdue_from = max(due + timedelta(days=1), TRANSITION)
        assert claim.rate_pct == min(lpr_on(overdue_from).one_year_pct, cap)
        assert claim.start == overdue_from
        assert claim.earlier_part_from == (due + timedelta(days=1) if due + timedelta(days=1) < TRANSITION else None)
    days = (TODAY - claim.start).days
    assert claim.accrued <= amount * cap / 100 * days / 365 + Decimal("0.005")
    assert claim.total == amount + claim.accrued


def test_transitional_claim_worked_from_the_statute() -> None:
    # 借条 2018-03-15, 月息2分 (24% a year), repay by 2019-03-15, sued 2026-11-22. 第三十一条第二款: from
    # 2020-08-20 at most 4 × the one-year LPR at filing: the 2026-08 LPR is 3.00% → 12%. Days 2020-08-21 to
    # 2026-11-22 inclusive = 2285; 50,000 × 12% × 2285 / 365 = 37,561.64.
    facts = creditor(amount="50000.00", loan_date="2018-03-15", due_date="2019-03-15", interest_agreed="yes",
                     interest_rate="2", interest_rate__unit="month")
    claim = interest_claim(facts, Decimal("50000"), TODAY)
    assert (claim.kind, claim.rate_pct, claim.cap_pct, claim.agreed_pct) == ("agreed", Decimal("12.00"),
                                                                              Decimal("12.00"), Decimal("24"))
    assert claim.start == TRANSITION and claim.earlier_part_from == date(2018, 3, 15)
    assert (TODAY - TRANSITION).days == 2285 and claim.accrued == Decimal("37561.64")
    assert claim.transitional and claim.cap_lpr_month == "2026-08" and claim.reduced


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


# ------------------------------------------------------------------ the message sent with the document


def made_message(kind: str, facts: dict[str, Any]) -> str:
    """The chat message sent with document ``kind`` (documents/made.html.j2), as plain text."""
    draft = build(kind, facts, NONE, TODAY)
    fee = court_fee(draft.notes["claim"].total, "ordinary") if kind == "complaint" else None
    return html_to_text(render("documents/made.html.j2", kind=kind, title=draft.title, filename=f"{kind}.docx",
                  notes=draft.notes, context=draft.context, facts={**facts, "document": kind}, blanks=[],
                  used_kept=[], kept=False, dropped=False, kept_days=30, fee=fee, pct=fmt_pct).html)


EXPIRED_CREDITOR = creditor(due_date="2020-01-10", last_demand="never", plan_months="3",
                            first_payment_date="2026-12-31")
RUNNING_CREDITOR = creditor(plan_months="3", first_payment_date="2026-12-31")
EXPIRED_DEBTOR = debtor(creditor_kind="person", overdue_since="2021-01-15", plan_months="3", hardship_months="6",
                        first_payment_date="2026-12-31", hardship_reason="illness", loan_date="2020-12-01")
RUNNING_DEBTOR = debtor(creditor_kind="person", plan_months="3", hardship_months="6", first_payment_date="2026-12-31",
                        hardship_reason="illness")
UNKNOWN_DEBTOR = {**RUNNING_DEBTOR, "overdue_since": None}
MESSAGE_CASES = [
    ("demand_letter", EXPIRED_CREDITOR, "expired"), ("demand_letter", RUNNING_CREDITOR, "running"),
    ("agreement", EXPIRED_CREDITOR, "expired"), ("agreement", RUNNING_CREDITOR, "running"),
    ("agreement", EXPIRED_DEBTOR, "expired"), ("agreement", RUNNING_DEBTOR, "running"),
    ("agreement", UNKNOWN_DEBTOR, "unknown"),
    ("hardship", EXPIRED_DEBTOR, "expired"), ("hardship", RUNNING_DEBTOR, "running"),
    ("hardship", UNKNOWN_DEBTOR, "unknown"),
]


@pytest.mark.parametrize(("kind", "facts", "limitation"), MESSAGE_CASES,
                         ids=[f"{k}-{f['role']}-{lim}" for k, f, lim in MESSAGE_CASES])
def test_time_barred_caveat_comes_before_any_interruption_wording(kind: str, facts: dict[str, Any],
                                                                  limitation: str) -> None:
    # 民法典第一百九十二条第二款、诉讼时效规定第十九条: after expiry nothing is "interrupted"; agreeing to pay
    # gives up the defence. The caveat is said first, and a possibly time-barred debt gets no 中断 wording.
    text = made_message(kind, facts)
    notes = build(kind, facts, NONE, TODAY).notes
    expired = bool(notes["limitation"] and notes["limitation"].result["expired"])
    assert expired == (limitation == "expired")
    if limitation == "expired":
        assert "可能已于" in text and "不能再以时效届满为由拒绝" in text
        assert "中断" not in text
    elif limitation == "running":
        assert "中断" in text and "届满为由拒绝" not in text
    else:  # the debtor did not say since when: the caveat first, then what happens while it runs
        assert text.index("可能已经届满") < text.index("中断")
    assert "您" not in text and "12348" in text


def test_complaint_message_computes_the_transitional_cap_never_refuses() -> None:
    facts = creditor(interest_agreed="yes", interest_rate="2", interest_rate__unit="month", loan_date="2018-03-15",
                     due_date="2019-03-15")
    text = made_message("complaint", facts)
    assert "2020年8月20日起的利息：上限是起诉时一年期LPR的4倍，按今天起诉为年利率12%（2026-08的一年期LPR×4）" in text
    assert "超过上限，起诉状按上限12%主张" in text
    assert "合同成立到2020年8月19日的利息：按当时的司法解释计算" in text
    assert "《民间借贷规定》第三十一条第二款" in text and "《民法典时间效力规定》第一条" in text
    for refusal in ("无法计算上限", "不支持", "早于2019年8月20日"):
        assert refusal not in text
    overdue = made_message("complaint", creditor(interest_agreed="no", loan_date="2018-03-15", due_date="2019-03-15"))
    assert "自2020年8月20日起参照一年期LPR 3.85%（2020-08）" in overdue
    assert "2019年3月16日到2020年8月19日的逾期利息按当时的司法解释计算" in overdue


def test_agreement_message_states_the_transitional_cap() -> None:
    facts = creditor(plan_months="3", first_payment_date="2026-12-31", loan_date="2019-03-01", due_date="2020-03-01")
    text = made_message("agreement", facts)
    assert "2020年8月20日起的利息，上限按起诉时一年期LPR的四倍计算" in text and "年利率12%" in text
    assert "合同成立时一年期LPR的四倍" not in text


def test_a_month_only_loan_date_is_counted_late_and_under_the_lowest_cap(tmp_path: Path) -> None:
    # "2024年3月" (stored as the 1st, flagged approximate), 月息2分, 10,000 yuan: the loan may have been made on
    # any day of March. The claim runs from the latest, 2024-03-31, at min(24%, the lowest cap of March): the
    # 2024-02 and 2024-03 LPR are both 3.45% → 13.8%. Days 2024-04-01 to 2026-11-22 inclusive = 966;
    # 10,000 × 13.8% × 966 / 365 = 3,652.27.
    facts = creditor(amount="10000.00", interest_agreed="yes", interest_rate="2", interest_rate__unit="month",
                     loan_date="2024-03-01", loan_date__approx=True, due_date="2024-12-31")
    claim = interest_claim(facts, Decimal("10000"), TODAY)
    assert (claim.rate_pct, claim.start, claim.accrued) == (Decimal("13.80"), date(2024, 3, 31), Decimal("3652.27"))
    assert claim.counted_late == ("loan_date",)
    path = tmp_path / "c.docx"
    write(build("complaint", facts, NONE, TODAY), path)
    text = docx_text(path)
    assert "2024年3月，被告向原告借款" in text and "自2024年3月31日起按年利率13.8%计算" in text
    assert "2024年3月1日" not in text
    assert "借款日期你只说到了月份（或年份）：起诉状从可能的最后一天起算利息" in made_message("complaint", facts)


def test_a_month_only_loan_date_across_2020_08_20_takes_the_safe_regime() -> None:
    # "2020年8月", 24% agreed: made on 1–19 August → transitional, 4 × LPR at filing (2026-08: 3.00%) = 12%
    # from 2020-08-20; made on 20–31 August → 4 × LPR at formation (2020-08: 3.85%) = 15.4%. The lower, 12%,
    # is claimed from the latest possible day 2020-08-31: days to 2026-11-22 = 2274; 10,000 × 12% × 2274 /
    # 365 = 7,476.16.
    facts = creditor(amount="10000.00", interest_agreed="yes", interest_rate="24", loan_date="2020-08-01",
                     loan_date__approx=True, due_date="2021-08-01")
    claim = interest_claim(facts, Decimal("10000"), TODAY)
    assert (claim.rate_pct, claim.start, claim.accrued) == (Decimal("12.00"), date(2020, 8, 31), Decimal("7476.16"))
    assert claim.transitional and claim.earlier_part_from == date(2020, 8, 1)
    assert build("agreement", {**facts, "plan_months": "3"}, NONE, TODAY).context["cap"] == {
        "pct": "12", "transitional": True, "lpr_month": "2026-08", "approx": True}


def test_a_month_only_repayment_date_starts_overdue_interest_at_the_months_end() -> None:
    # Repay "2024年6月": overdue from 2024-07-01 at the 2024-06 LPR 3.45%; 2024-07-02 to 2026-11-22 = 874 days;
    # 10,000 × 3.45% × 874 / 365 = 826.11. An exact 2024-06-01 would start a month earlier.
    facts = creditor(amount="10000.00", interest_agreed="no", loan_date="2024-01-10", due_date="2024-06-01",
                     due_date__approx=True)
    claim = interest_claim(facts, Decimal("10000"), TODAY)
    assert (claim.rate_pct, claim.start, claim.accrued) == (Decimal("3.45"), date(2024, 7, 1), Decimal("826.11"))
    assert claim.counted_late == ("due_date",)
    exact = interest_claim({**facts, "due_date__approx": False}, Decimal("10000"), TODAY)
    assert exact.start == date(2024, 6, 2) and exact.accrued > claim.accrued


def test_expired_demand_letter_puts_the_caveat_first_and_promises_no_interruption(tmp_path: Path) -> None:
    # Due 2020-01-10, never demanded: the three years ended 2023-01-10 (民法典第一百八十八条). After expiry a
    # demand interrupts nothing (民法典第一百九十二条; 诉讼时效规定第十九条): the instructions page says so first.
    path = tmp_path / "d.docx"
    write(build("demand_letter", creditor(due_date="2020-01-10", last_demand="never"), NONE, TODAY), path)
    text = docx_text(path)
    assert text.index("特别提示") < text.index("一、为什么要能证明送达") < text.index("二、邮寄")
    assert "2023年1月10日届满" in text and "中断" not in text
    running = tmp_path / "r.docx"
    write(build("demand_letter", creditor(), NONE, TODAY), running)
    running_text = docx_text(running)
    assert "诉讼时效中断，从中断时起重新计算" in running_text and "特别提示" not in running_text


def test_hardship_message_to_a_person_states_the_cap_for_old_and_new_loans() -> None:
    # A person lender: 4 × LPR at formation (2023-05-01: 2023-04 LPR 3.65% → 14.6%, 第二十五条); a loan of
    # 2018 falls under 第三十一条第二款 (4 × LPR at filing, 2026-08: 3.00% → 12%). Online lenders and banks get
    # no figure: whether the private-lending cap applies depends on the lender's licence.
    new = made_message("hardship", {**RUNNING_DEBTOR, "loan_date": "2023-05-01"})
    assert "年利率14.6%）的部分，法院不予支持（《民间借贷规定》第二十五条）" in new
    old = made_message("hardship", {**RUNNING_DEBTOR, "loan_date": "2018-06-01"})
    assert "2020年8月20日起的利息上限是起诉时一年期LPR的四倍（《民间借贷规定》第三十一条第二款）" in old
    assert "年利率12%" in old
    for kind in ("online_lender", "credit_card", "platform"):
        text = made_message("hardship", {**RUNNING_DEBTOR, "creditor_kind": kind, "loan_date": "2018-06-01"})
        assert "协商利息时可以核对上限" not in text
