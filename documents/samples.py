"""Sample consultations for the document previews (scripts/render_previews.sh) and the tests.

Every person here is fictitious; the identity numbers are made up with a valid check digit.

    python -m documents.samples OUT_DIR      # writes OUT_DIR/<document>.docx, one per document
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from documents.builder import build
from documents.render import write

SAMPLE_TODAY = date(2026, 11, 22)

CREDITOR_FACTS: dict[str, Any] = {
    "role": "creditor", "debt_type": "loan", "amount": "35000.00", "evidence": ["iou", "transfer", "chat"],
    "due_date": "2024-06-30", "last_demand": "2025-03-01", "attitude": "admits", "identity_known": "yes",
    "province": "江苏", "stage": "not_sued",
}
CREDITOR_DETAILS = {
    "my_name": "王晓明", "my_ethnicity": "汉族", "my_id": "320106198503120413",
    "my_address": "江苏省南京市鼓楼区中山北路100号2单元301室", "my_phone": "13812345678",
    "their_name": "李建国", "their_id": "330106199007150628",
    "their_address": "浙江省杭州市西湖区文三路200号5幢502室", "their_phone": "13912345678",
}
DEBTOR_FACTS: dict[str, Any] = {
    "role": "debtor", "creditor_kind": "credit_card", "amount": "26000.00", "overdue_since": "2025-01-15",
    "stage": "collection", "ability": "instalments", "harassment": "no",
}


@dataclass(frozen=True)
class Sample:
    """One document made from a sample consultation."""

    kind: str
    facts: dict[str, Any]
    details: dict[str, str]


SAMPLES = (
    Sample("demand_letter", {**CREDITOR_FACTS, "loan_date": "2023-05-01", "loan_method": "bank", "pay_within": "15"},
           CREDITOR_DETAILS),
    Sample("complaint", {**CREDITOR_FACTS, "loan_date": "2023-05-01", "loan_method": "bank",
                         "interest_agreed": "yes", "interest_rate": "1.5", "interest_rate__unit": "month",
                         "court": "南京市鼓楼区人民法院"}, CREDITOR_DETAILS),
    Sample("agreement", {**CREDITOR_FACTS, "loan_date": "2023-05-01", "plan_months": "6",
                         "first_payment_date": "2026-12-15"}, CREDITOR_DETAILS),
    Sample("hardship", {**DEBTOR_FACTS, "hardship_months": "24", "first_payment_date": "2026-12-10",
                        "hardship_reason": "job_loss"},
           {"my_name": "赵丽", "my_id": "110101197801011236", "my_phone": "13712345678",
            "lender_name": "某某银行信用卡中心", "account_tail": "6688",
            "hardship_detail": "2025年6月公司裁员后一直在找工作，目前每月只有约3000元临时收入。"}),
)


def main(argv: list[str]) -> int:
    """Write one sample .docx per document into the directory given."""
    out = Path(argv[0] if argv else "out/samples")
    for sample in SAMPLES:
        draft = build(sample.kind, sample.facts, sample.details, SAMPLE_TODAY)
        write(draft, out / f"{sample.kind}.docx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
