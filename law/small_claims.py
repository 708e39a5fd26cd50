"""Small-claims eligibility (小额诉讼) and statutory trial periods.

民事诉讼法 第一百六十五条: simple money claims up to 50% of the province's previous-year average annual
wage of employed persons MUST go to small claims (single instance, no appeal); between 50% and 2× the
parties MAY agree to it. The provincial figures are published by each 高级人民法院; the ones we found are
in ``law/data/small-claims-thresholds.csv`` — all from secondary sources (press reports, mirror sites).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import yaml

from law.calculation import Calculation, check_amount, fmt_date, fmt_money, resolve_today, unique
from law.kb import DATA_DIR
from text.dates import stored_date
from text.provinces import PROVINCES, province_name

THRESHOLDS_FILE = DATA_DIR / "small-claims-thresholds.csv"
THRESHOLDS_ZH_FILE = DATA_DIR / "small-claims-thresholds.zh.yaml"

@dataclass(frozen=True)
class Threshold:
    """One published small-claims limit for a province."""

    province: str
    year: int | None
    year_text: str
    effective_from: date | None
    effective_text: str
    mandatory_limit: Decimal
    agreed_limit: Decimal
    wage_basis: str
    issuer: str
    source: str
    reliability: str
    year_zh: str
    basis_zh: str
    issuer_zh: str
    reliability_zh: str

    @property
    def source_url(self) -> str:
        """The first web address in the source column (the rest of that column is an English note)."""
        match = re.search(r"https?://\S+", self.source)
        return match.group(0) if match else self.source


@dataclass(frozen=True)
class TrialPeriod:
    """Statutory trial period of one procedure, counted from case registration (立案之日)."""

    procedure: str
    label: str
    months: int
    extension_months: int
    max_months: int | None
    note: str
    citations: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "procedure": self.procedure,
            "label": self.label,
            "months": self.months,
            "extension_months": self.extension_months,
            "max_months": self.max_months,
            "note": self.note,
            "citations": list(self.citations),
        }


def trial_periods() -> dict[str, TrialPeriod]:
    """Trial periods: small claims 2 (+1) months, summary 3 (+1, max 4), ordinary 6 (+6, then more)."""
    return {
        "small_claims": TrialPeriod(
            procedure="small_claims",
            label="小额诉讼程序",
            months=2,
            extension_months=1,
            max_months=3,
            note="应当在立案之日起两个月内审结；有特殊情况经本院院长批准可以延长一个月；可以一次开庭审结并当庭宣判。",
            citations=("civil-procedure-law:第一百六十八条", "civil-procedure-law:第一百六十七条"),
        ),
        "summary": TrialPeriod(
            procedure="summary",
            label="简易程序",
            months=3,
            extension_months=1,
            max_months=4,
            note="应当在立案之日起三个月内审结；经本院院长批准可以延长一个月，延长后累计不得超过四个月。",
            citations=("civil-procedure-law:第一百六十四条", "civil-procedure-interpretation:第二百五十八条"),
        ),
        "ordinary": TrialPeriod(
            procedure="ordinary",
            label="普通程序",
            months=6,
            extension_months=6,
            max_months=None,
            note="应当在立案之日起六个月内审结；经本院院长批准可以延长六个月；还需要延长的，报请上级人民法院批准。",
            citations=("civil-procedure-law:第一百五十二条",),
        ),
    }


def _parse_year(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{4}", text.strip()) else None


@lru_cache(maxsize=1)
def thresholds() -> tuple[Threshold, ...]:
    """All rows of small-claims-thresholds.csv (the province column holds "江苏 Jiangsu")."""
    rows = []
    notes = yaml.safe_load(THRESHOLDS_ZH_FILE.read_text(encoding="utf-8"))
    with THRESHOLDS_FILE.open(encoding="utf-8", newline="") as handle:
        for raw in csv.DictReader(handle):
            province = province_name(raw["province"].split()[0])
            if province is None:
                raise ValueError(f"unknown province in thresholds file: {raw['province']}")
            note = notes.get(f"{province}:{raw['mandatory_limit_yuan']}")
            if note is None:
                raise ValueError(f"{THRESHOLDS_ZH_FILE.name}: no entry for {province}:{raw['mandatory_limit_yuan']}")
            rows.append(
                Threshold(
                    province=province,
                    year=_parse_year(raw["year"]),
                    year_text=raw["year"],
                    effective_from=stored_date(raw["effective_from"].strip()),
                    effective_text=raw["effective_from"],
                    mandatory_limit=Decimal(raw["mandatory_limit_yuan"]),
                    agreed_limit=Decimal(raw["agreed_limit_yuan"]),
                    wage_basis=raw["wage_basis"],
                    issuer=raw["issuer"],
                    source=raw["source"],
                    reliability=raw["reliability"],
                    year_zh=note["year"],
                    basis_zh=note["basis"],
                    issuer_zh=note["issuer"],
                    reliability_zh=note["reliability"],
                )
            )
    return tuple(rows)


def threshold_for(province: str, today: date) -> tuple[Threshold | None, Threshold | None]:
    """(latest row effective on/before ``today``, a row with an unknown date) for a canonical province."""
    dated = [t for t in thresholds() if t.province == province and t.effective_from and t.effective_from <= today]
    undated = [t for t in thresholds() if t.province == province and t.effective_from is None]
    best = max(dated, key=lambda t: t.effective_from or date.min) if dated else None
    return best, (undated[0] if undated else None)


_RULE_LINES = [
    "小额诉讼的标准：标的额为本省、自治区、直辖市上年度就业人员年平均工资50%以下的简单金钱给付案件，适用小额诉讼程序、一审终审"
    "（民事诉讼法第一百六十五条第一款）；超过50%但在2倍以下的，双方当事人可以约定适用（第二款）。",
    "“上年度就业人员年平均工资”指已经公布的上一年度数据；公布前以已经公布的最近年度为准（民诉法解释第二百七十二条）。",
]
_HOW_TO_FIND = (
    "具体数额由各省高级人民法院每年通知公布，可以在当地高级人民法院网站查找“小额诉讼程序审理民事案件标的额”的通知，"
    "或者向受理法院、12368诉讼服务热线询问。"
)
_BASE_CITATIONS = [
    "civil-procedure-law:第一百六十五条",
    "civil-procedure-interpretation:第二百七十二条",
]
_SCOPE_CAUTION = (
    "除金额外，还必须是事实清楚、权利义务关系明确、争议不大的简单金钱给付案件，由基层法院审理；需要评估鉴定、一方下落不明、"
    "提出反诉、涉外等案件不适用（民事诉讼法第一百六十六条）。"
)


def small_claims(amount: Decimal, province: str | None, today: date | None = None) -> Calculation:
    """Does a money claim fall under small-claims procedure in ``province``?

    Uses the latest published limit effective on/before ``today``. Result dict: ``eligible`` (True = the
    mandatory small-claims procedure applies, False = it does not, None = no limit known for the
    province/date), ``by_agreement`` (True = between the limits: small claims only if both parties agree),
    ``procedure`` ("small_claims", "small_claims_by_agreement", "summary_or_ordinary", "unknown"),
    ``province``, ``mandatory_limit``, ``agreed_limit``, ``year``, ``effective_from``, ``reliability``.
    """
    amount = check_amount(amount, "标的额", "amount")
    today = resolve_today(today)
    canonical = province_name(province)
    periods = trial_periods()
    base_result: dict[str, object] = {
        "eligible": None,
        "by_agreement": None,
        "procedure": "unknown",
        "province": canonical,
        "mandatory_limit": None,
        "agreed_limit": None,
        "year": None,
        "effective_from": None,
        "reliability": None,
    }
    citations = [*_BASE_CITATIONS, "civil-procedure-law:第一百六十六条"]
    cautions = [_SCOPE_CAUTION]
    provenance: list[str] = []

    row, undated = threshold_for(canonical, today) if canonical else (None, None)
    if row is None:
        if canonical is None:
            where = f"“{province}”不是可识别的省级行政区" if province else "还不知道由哪个省的法院审理"
        else:
            where = f"{PROVINCES[canonical][0]}现在适用的小额诉讼标的额，我这里没有确切的数字"
        breakdown = [f"{where}，无法判断具体金额是否适用小额诉讼。", *_RULE_LINES, _HOW_TO_FIND]
        if not province:
            citations += ["civil-procedure-law:第二十四条", "private-lending-provisions:第三条"]
        if undated is not None:
            breakdown.append(
                f"参考：找到过{PROVINCES[undated.province][0]}的一个数字——{fmt_money(undated.mandatory_limit)}"
                f"（约定适用上限{fmt_money(undated.agreed_limit)}，{undated.issuer_zh}），但{undated.year_zh}，"
                "生效日期不明，很可能已被更新的通知取代，不能据此判断。"
            )
            provenance.append(f"该参考数字的来源：{undated.reliability_zh}（{undated.source_url}）。")
        return Calculation(
            name="small-claims",
            result=base_result,
            summary=("要看由哪个省的法院审理：小额诉讼的标的额各省不同。借钱的案子一般可以在被告住所地起诉，"
                     "没有约定履行地的，也可以在接受货币一方（一般是出借人）所在地起诉（民事诉讼法第二十四条、民间借贷规定第三条）；"
                     "起诉前向那里的法院问一下标准。") if not province else
            f"{where}。请向当地法院确认小额诉讼的标的额。",
            breakdown=breakdown,
            citations=citations,
            cautions=cautions,
            provenance=provenance,
        )

    full_name = PROVINCES[row.province][0]
    assert row.effective_from is not None
    limit_line = (
        f"{full_name}：{row.year_zh}标准，自{fmt_date(row.effective_from)}起施行——"
        f"小额诉讼标的额{fmt_money(row.mandatory_limit)}以下；双方约定适用的，{fmt_money(row.agreed_limit)}以下。"
    )
    provenance.append(f"依据：{row.basis_zh}；发布：{row.issuer_zh}。")
    breakdown = [limit_line]
    result = dict(base_result)
    result.update(
        {
            "province": row.province,
            "mandatory_limit": row.mandatory_limit,
            "agreed_limit": row.agreed_limit,
            "year": row.year,
            "effective_from": row.effective_from,
            "reliability": row.reliability,
        }
    )
    if amount <= row.mandatory_limit:
        result.update({"eligible": True, "by_agreement": False, "procedure": "small_claims"})
        summary = (
            f"{fmt_money(amount)}不超过{full_name}的小额诉讼标的额{fmt_money(row.mandatory_limit)}，"
            "符合条件的简单金钱纠纷应当适用小额诉讼程序（一审终审，不能上诉）。"
        )
        breakdown.append(
            f"{fmt_money(amount)} ≤ {fmt_money(row.mandatory_limit)}："
            "适用小额诉讼程序（民事诉讼法第一百六十五条第一款）。"
        )
        period = periods["small_claims"]
        breakdown.append(f"审理期限：{period.note}")
        cautions.append(
            "小额诉讼一审终审，不能上诉；可以在开庭前对适用小额诉讼提出异议，判决后只能依法定事由向原审法院申请再审"
            "（民事诉讼法第一百六十九条，民诉法解释第四百二十四条）。"
        )
        citations += [
            *period.citations,
            "civil-procedure-law:第一百六十九条",
            "civil-procedure-interpretation:第四百二十四条",
            "civil-procedure-interpretation:第二百七十一条",
        ]
    elif amount <= row.agreed_limit:
        result.update({"eligible": False, "by_agreement": True, "procedure": "small_claims_by_agreement"})
        summary = (
            f"{fmt_money(amount)}超过{full_name}的小额诉讼标的额{fmt_money(row.mandatory_limit)}，但在"
            f"{fmt_money(row.agreed_limit)}以内：只有双方当事人约定，才可以适用小额诉讼程序；否则适用简易程序或普通程序。"
        )
        breakdown.append(
            f"{fmt_money(row.mandatory_limit)} < {fmt_money(amount)} ≤ {fmt_money(row.agreed_limit)}："
            "双方可以约定适用小额诉讼（民事诉讼法第一百六十五条第二款）。"
        )
        cautions.append(
            "约定适用小额诉讼的，同样一审终审、不能上诉；不约定的，由法院适用简易程序或普通程序（可以上诉）。"
        )
        citations += [*periods["summary"].citations, *periods["small_claims"].citations]
    else:
        result.update({"eligible": False, "by_agreement": False, "procedure": "summary_or_ordinary"})
        summary = (
            f"{fmt_money(amount)}超过{full_name}约定适用小额诉讼的上限{fmt_money(row.agreed_limit)}，不适用小额诉讼，"
            "由法院决定适用简易程序或普通程序。"
        )
        breakdown.append(f"{fmt_money(amount)} > {fmt_money(row.agreed_limit)}：不适用小额诉讼程序。")
        citations += [
            "civil-procedure-law:第一百六十条",
            *periods["summary"].citations,
            *periods["ordinary"].citations,
        ]
    # In the chat: what the uncertainty means for the user. Where the figure comes from: provenance.
    newer = f"{today.year}年可能已有新的通知，" if row.year is not None and today.year - row.year >= 1 else ""
    cautions.append(f"这个数额按{row.year_zh}公布的标准，每年随平均工资调整，{newer}你所在地法院现在可能已经更高，"
                    "起诉前问一下法院或12368。")
    if row.reliability_zh.startswith("可靠性低"):
        cautions.append("这个数额没能从法院的正式通知核实，可能已经过时，一定要先问法院。")
    provenance.append(f"数额不是取自法院官网原文：{row.reliability_zh}（{row.source_url}）。")
    return Calculation(
        name="small-claims",
        result=result,
        summary=summary,
        breakdown=breakdown,
        citations=unique(citations),
        cautions=cautions,
        provenance=provenance,
    )
