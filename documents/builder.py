"""Turn a consultation's facts and the details typed for a document into the document's variables.

:func:`build` returns a :class:`Draft`: ``context`` holds exactly the variables listed in
``documents/catalogue.yaml`` (what the Word templates use), ``notes`` what the chat message about the
document needs (blanks left, cautions, why a claim was left out). Every legal figure comes from a
calculator in ``law/``: the interest cap and the accrued interest from :mod:`law.interest`, the LPR
from :mod:`law.lpr`, small-claims eligibility from :mod:`law.small_claims`, the limitation period
from :mod:`law.periods` (through :func:`law.advice.advice_context`, as on the result screen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from documents.catalogue import catalogue
from documents.claims import InterestClaim, date_range, interest_claim, lowest_cap
from documents.schedule import instalments
from law.advice import advice_context
from law.small_claims import small_claims
from messages.render import cn_date, yuan
from text.dates import stored_date
from text.formats import id_birth_and_gender
from text.numerals import number_to_cn
from text.provinces import PROVINCES

CIVIL_CODE_IN_FORCE = date(2021, 1, 1)
BLANK = "________"
BLANK_DATE = "____年__月__日"
OVERDUE_GRACE_DAYS = 15  # an instalment this many days late makes the rest due (agreement template)

CAUSES_CREDITOR = {"loan": "借款", "goods": "货款（服务费）", "wages": "劳务报酬", "other": "欠款"}
CAUSES_DEBTOR = {"person": "借款", "company": "欠款", "credit_card": "信用卡欠款", "platform": "消费信贷欠款",
                 "online_lender": "借款"}
LENDER_KINDS = {"credit_card": "发卡银行", "platform": "贷款机构", "online_lender": "贷款机构", "person": "出借人",
                "company": "债权人"}
# How a hardship application addresses its reader.
LENDER_YOU = {"credit_card": "贵行", "platform": "贵公司", "online_lender": "贵公司", "company": "贵公司"}
LOAN_METHODS = {"bank": "银行转账", "wechat": "微信转账", "alipay": "支付宝转账", "cash": "现金"}
HARDSHIP_PROOF = {
    "job_loss": "解除劳动合同证明、失业登记", "income_drop": "收入证明、银行流水", "illness": "病历、医疗费用票据",
    "business": "经营亏损的账目、银行流水", "family": "家庭变故的相关证明",
}
HARDSHIP_REASONS = {
    "job_loss": "失业、收入中断", "income_drop": "收入大幅减少", "illness": "本人或家人患病、受伤",
    "business": "经营困难", "family": "家庭变故", "other": "其他原因",
}
# Evidence from the consultation: (short name for prose, name in the evidence list, what it proves).
EVIDENCE = {
    "iou": ("借条（欠条）", "借条（欠条）原件", "双方之间的债权债务关系及欠款金额"),
    "transfer": ("转账记录", "转账记录（银行流水、微信或支付宝转账凭证）", "款项已经实际交付"),
    "chat": ("聊天记录", "微信、短信等聊天记录", "被告确认欠款、原告多次催要的事实"),
    "witness": ("证人证言", "证人证言（证人：________）", "借款（欠款）发生的经过"),
}
PERSONAL_FIELDS = ("name", "ethnicity", "id", "address", "phone")


@dataclass
class Draft:
    """A document ready to render: its type, title, template variables and the notes for the chat."""

    kind: str
    title: str
    context: dict[str, Any]
    notes: dict[str, Any] = field(default_factory=dict)


def _cn(value: date | None, blank: str = BLANK_DATE) -> str:
    return cn_date(value) if value else blank


def _fact_date(facts: Mapping[str, Any], key: str, blank: str = BLANK_DATE) -> str:
    """A date fact as written in a document; a month the user gave ("2025年3月") stays a month, never "1日"."""
    day = stored_date(facts.get(key))
    if day is None:
        return blank
    return f"{day.year}年{day.month}月" if facts.get(f"{key}__approx") else cn_date(day)


def party(details: Mapping[str, str], prefix: str) -> dict[str, str]:
    """One party's details (``my`` or ``their``) with gender and birth date read from the identity number."""
    get = {key: details.get(f"{prefix}_{key}") for key in PERSONAL_FIELDS}
    born, gender = id_birth_and_gender(get["id"])
    return {
        "name": get["name"] or BLANK,
        "id_number": get["id"] or BLANK,
        "gender": gender or BLANK,
        "birth": cn_date(born) if born else BLANK_DATE,
        "ethnicity": get["ethnicity"] or BLANK,
        "address": get["address"] or BLANK,
        "phone": get["phone"] or BLANK,
    }


def _debt(facts: Mapping[str, Any]) -> dict[str, Any]:
    amount = Decimal(facts["amount"])
    creditor_side = facts.get("role") == "creditor"
    if creditor_side:
        kind = facts.get("debt_type") or "other"
        cause = CAUSES_CREDITOR.get(kind, "欠款")
        if kind == "wages" and facts.get("wage_relation") != "service":
            cause = "工资（劳动报酬）"
    else:
        creditor_kind = facts.get("creditor_kind")
        kind = "loan" if creditor_kind in {"person", "online_lender"} else "other"
        cause = CAUSES_DEBTOR.get(creditor_kind or "", "欠款")
    due = stored_date(facts.get("due_date"))
    given = [e for e in facts.get("evidence") or [] if e in EVIDENCE]
    evidence = [{"name": EVIDENCE[e][1], "proves": EVIDENCE[e][2]} for e in given]
    rough = "约" if facts.get("amount__approx") else ""  # an estimate the user gave stays an estimate
    return {
        "amount": f"{rough}{yuan(amount)}",
        "amount_upper": f"{rough}人民币{number_to_cn(str(amount), 'rmb')}",
        "amount_approx": bool(rough),
        "kind": kind,
        "cause": cause,
        "is_loan": kind == "loan",
        "is_labour": creditor_side and kind == "wages" and facts.get("wage_relation") == "employment",
        "loan_date": _fact_date(facts, "loan_date"),
        "loan_method": LOAN_METHODS.get(facts.get("loan_method") or "", ""),
        "due_date": _fact_date(facts, "due_date", "") if due else "",
        "no_term": facts.get("due_date") == "none",
        "overdue_since": _fact_date(facts, "overdue_since", ""),
        "last_demand": _fact_date(facts, "last_demand", ""),
        "evidence": evidence,
        "evidence_names": "、".join(EVIDENCE[e][0] for e in given),
        "before_civil_code": _before_civil_code(facts),
    }


def _plan(facts: Mapping[str, Any], amount: Decimal, count_fact: str) -> dict[str, Any]:
    count = int(facts.get(count_fact) or 1)
    first = stored_date(facts.get("first_payment_date"))
    plan = instalments(amount, count, first)
    return {
        "count": count,
        "lump_sum": count == 1,
        "each": yuan(plan[0].amount),
        "first_date": _cn(first),
        "last_date": _cn(plan[-1].due),
        "instalments": [{"number": i.number, "due": _cn(i.due), "amount": yuan(i.amount)} for i in plan],
        "overdue_grace_days": OVERDUE_GRACE_DAYS,
    }


def _cap(facts: Mapping[str, Any], today: date, is_loan: bool) -> dict[str, Any]:
    """The private-lending cap for the loan: at formation, or the transitional one for loans before 2020-08-20.

    A month-only loan date takes the lowest cap any day of that month can have (``approx``).
    """
    loan = date_range(facts, "loan_date")
    if not is_loan or loan is None or loan[0] > today:
        return {"pct": None, "transitional": False, "lpr_month": "", "approx": False}
    cap_pct, month, transitional, calc = lowest_cap((loan[0], min(loan[1], today)), today)
    return {"pct": format(cap_pct.normalize(), "f"), "transitional": transitional, "lpr_month": month,
            "approx": loan[0] != loan[1], "calculation": calc}


def _before_civil_code(facts: Mapping[str, Any]) -> str:
    """Which fact predates 2021-01-01, when 时间效力规定第一条 decides the law: "formed" (the loan or
    contract), "breached" (the agreed repayment date, or for a debtor the first day overdue) or "".

    A month-only date is stored as the month's 1st: a month before 2021 is before 2021 whichever day it was.
    """
    loan = stored_date(facts.get("loan_date"))
    if loan is not None and loan < CIVIL_CODE_IN_FORCE:
        return "formed"
    breach = stored_date(facts.get("due_date" if facts.get("role") == "creditor" else "overdue_since"))
    return "breached" if breach is not None and breach < CIVIL_CODE_IN_FORCE else ""


def _not_yet_due(due: date | None, today: date) -> bool:
    return due is not None and due >= today


def _claim(facts: Mapping[str, Any], today: date, claim: InterestClaim, small: Any) -> dict[str, Any]:
    interest = None
    if claim.kind != "none":
        assert claim.rate_pct is not None and claim.start is not None and claim.accrued is not None
        interest = {
            "kind": claim.kind,
            "rate_pct": format(claim.rate_pct.normalize(), "f"),
            "start": cn_date(claim.start),
            "accrued": yuan(claim.accrued),
            "accrued_to": cn_date(today),
            "lpr_month": claim.lpr_month or "",
            "transitional": claim.transitional,
        }
    remark = None
    result = small.result if small is not None else {}
    if result.get("eligible") and facts.get("attitude") != "unreachable":
        remark = {"province": PROVINCES[result["province"]][0], "limit": yuan(result["mandatory_limit"]),
                  "year": str(result["year"]) if result.get("year") else ""}
    return {
        "interest": interest,
        "total": yuan(claim.total),
        "small_claims": remark,
        "court": facts.get("court") or f"{BLANK}人民法院",
        "attitude": facts.get("attitude") or "",
    }


def build(kind: str, facts: Mapping[str, Any], details: Mapping[str, str], today: date) -> Draft:
    """The variables of document ``kind`` for these facts and personal details (see the module docstring).

    ``facts`` are the session's facts (consultation answers plus the document questions; a personal
    question only marks there that an answer was given); ``details`` the personal answers given for
    this document, by question id.
    """
    doc = catalogue().document(kind)
    role = facts.get("role")
    me, them = party(details, "my"), party(details, "their")
    creditor, debtor = (me, them) if role == "creditor" else (them, me)
    debt = _debt(facts)
    amount = Decimal(facts["amount"])
    advice = advice_context(str(role), dict(facts), today)
    # Unpaid wages in an employment are a labour dispute: its one-year arbitration limit is not the civil one.
    limitation = None if debt["is_labour"] else advice.get("limitation")
    cap = _cap(facts, today, debt["is_loan"])
    claim = interest_claim(facts, amount, today) if kind == "complaint" else InterestClaim.none(amount, "not_needed")
    small = None
    if kind == "complaint":
        small = small_claims(claim.total, facts.get("province"), today=today)
    plan_fact = "hardship_months" if kind == "hardship" else "plan_months"
    plan = _plan(facts, amount, plan_fact) if facts.get(plan_fact) else _plan({}, amount, plan_fact)
    title = doc.title
    if kind == "agreement" and not plan["lump_sum"]:
        title = "分期还款协议"
    creditor_kind = facts.get("creditor_kind") or ""
    days = str(facts.get("pay_within") or "15")
    context: dict[str, Any] = {
        "title": title,
        "today": cn_date(today),
        "blank": BLANK,
        "creditor": creditor,
        "debtor": debtor,
        "lender": {
            "name": details.get("lender_name") or BLANK,
            "account_tail": details.get("account_tail") or "____",
            "kind": LENDER_KINDS.get(creditor_kind, "债权人"),
            "credit_card": creditor_kind == "credit_card",
            "institution": creditor_kind in {"credit_card", "platform", "online_lender"},
            "you": LENDER_YOU.get(creditor_kind, "您"),
        },
        "debt": debt,
        "demand": {"days": days, "days_cn": number_to_cn(days)},
        "claim": _claim(facts, today, claim, small) if kind == "complaint" else None,
        "plan": plan,
        "cap": {key: cap[key] for key in ("pct", "transitional", "lpr_month", "approx")},
        "hardship": {
            "reason": HARDSHIP_REASONS.get(facts.get("hardship_reason") or "", BLANK),
            "detail": details.get("hardship_detail") or "",
            "proof": HARDSHIP_PROOF.get(facts.get("hardship_reason") or "", "收入证明、银行流水"),
        },
        "limitation": {
            "expired": bool(limitation and limitation.result.get("expired")),
            "last_day": cn_date(limitation.result["last_day"]) if limitation and limitation.result.get("last_day")
            else "",
        },
    }
    notes = {
        "claim": claim,
        "small_claims": small,
        "limitation": limitation,
        "cap": cap.get("calculation"),
        "not_yet_due": _not_yet_due(stored_date(facts.get("due_date")), today),
        "plan_end": plan["last_date"] if kind in {"agreement", "hardship"} else "",
    }
    return Draft(kind=kind, title=title, context=context, notes=notes)
