"""Deadlines after a judgment and for wage claims, and the transitional interest cap for old loans.

* appeal (上诉): 15 days from service of a first-instance judgment, 10 days for a ruling
  (民事诉讼法 2023 第一百七十一条); small claims are final at first instance (第一百六十五条), so there
  is no appeal deadline, only retrial;
* retrial (再审): 6 months after the judgment or ruling takes effect (第二百一十六条);
* labour arbitration (劳动仲裁): 1 year from when the worker knew or should have known of the harm,
  interrupted by a demand, a request to an authority or the employer agreeing to pay, and for wages
  owed during employment running only from the end of employment (劳动争议调解仲裁法 第二十七条);
* loans formed before 2020-08-20 and sued on after it: interest from 2020-08-20 capped at four times
  the one-year LPR at filing (民间借贷规定 第三十一条第二款).

Day arithmetic: procedural periods (appeal, retrial) follow 民事诉讼法 第八十五条 — the start day is not
counted and a last day that is a 法定休假日 moves to the first day after; a period of months ends on
the corresponding day of the month, or the month's last day if there is none (民法典 第二百零二条 — the
Civil Procedure Law has no own month rule; courts count the same way). The labour law has no counting
rule of its own; we apply 民法典 第二百零一条—第二百零三条 and say so.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from law.calculation import Calculation, CalculationError, check_date, fmt_date, fmt_pct, resolve_today
from law.lpr import lpr_on
from law.periods import ROLLOVER_BASIS, WEEKDAYS_ZH, add_years, roll_over

APPEAL_DAYS = {"judgment": 15, "ruling": 10}
DOC_ZH = {"judgment": "判决书", "ruling": "裁定书"}
RETRIAL_MONTHS = 6
TRANSITION_DATE = date(2020, 8, 20)
NO_HOLIDAY_DATA = "这一年的放假安排还没法核对，最后一天如果碰上节假日可能顺延；请按没顺延的日期安排，不要拖到最后。"


def add_months(start: date, months: int) -> date:
    """Corresponding day ``months`` later; with no such day (31 Aug + 6 months) the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _end(unadjusted: date) -> tuple[date, list[str], list[str]]:
    """Roll a last day over rest days; return it with breakdown lines and cautions."""
    last_day, rolled, checked = roll_over(unadjusted)
    lines: list[str] = []
    cautions: list[str] = []
    if rolled:
        lines.append(
            f"{fmt_date(unadjusted)}是法定休假日（星期{WEEKDAYS_ZH[unadjusted.weekday()]}），"
            f"顺延至休假日后的第一日{fmt_date(last_day)}。"
        )
        cautions.append(ROLLOVER_BASIS)
    if not checked:
        cautions.append(NO_HOLIDAY_DATA)
    return last_day, lines, cautions


def _status(last_day: date, today: date) -> tuple[bool, int]:
    return today > last_day, (last_day - today).days


def appeal_deadline(
    served: date, kind: str = "judgment", small_claims: bool = False, today: date | None = None
) -> Calculation:
    """Last day to appeal a first-instance judgment (15 days) or ruling (10 days) from ``served``.

    ``served``: the day the judgment or ruling was served on the user (送达之日). ``kind`` is
    ``"judgment"`` or ``"ruling"``. For a small claim there is no appeal: the result says so and points
    to retrial instead (result ``appealable`` is False, ``last_day`` None).
    """
    today = resolve_today(today)
    if kind not in APPEAL_DAYS:
        raise CalculationError(f"文书种类只能是判决或裁定 / kind must be judgment or ruling, not {kind!r}")
    check_date(served, "送达日期", "service date")
    if served > today:
        raise CalculationError("送达日期不能晚于今天 / service date cannot be in the future")
    if small_claims:
        return Calculation(
            name="appeal-deadline",
            result={"appealable": False, "last_day": None, "expired": None, "days_left": None},
            summary="小额诉讼案件一审终审，不能上诉。",
            breakdown=[
                "适用小额诉讼程序审理的案件实行一审终审（民事诉讼法第一百六十五条）。",
                "认为判决有错误的，可以在判决发生法律效力后六个月内向原审法院申请再审（民事诉讼法第二百一十六条、"
                "民诉法解释第四百二十四条）。",
                "申请再审的理由是“案件本来不应适用小额程序”的，理由成立后作出的再审判决可以上诉（民诉法解释第四百二十四条第二款）。",
            ],
            citations=[
                "civil-procedure-law:第一百六十五条",
                "civil-procedure-law:第二百一十六条",
                "civil-procedure-interpretation:第四百二十四条",
            ],
            cautions=["申请再审不停止判决的执行（民事诉讼法第二百一十条）。"],
        )
    days = APPEAL_DAYS[kind]
    unadjusted = served + timedelta(days=days)
    last_day, roll_lines, cautions = _end(unadjusted)
    breakdown = [
        f"不服第一审{DOC_ZH[kind][:2]}的，在{DOC_ZH[kind]}送达之日起{days}日内上诉（民事诉讼法第一百七十一条）。",
        f"送达当日{fmt_date(served)}不计入，从次日起算，第{days}日是{fmt_date(unadjusted)}（民事诉讼法第八十五条）。",
        *roll_lines,
    ]
    expired, days_left = _status(last_day, today)
    if expired:
        summary = f"上诉期已于{fmt_date(last_day)}届满，{DOC_ZH[kind][:2]}一般已经发生法律效力。"
        cautions.append("上诉期过了以后，一般只能在法定情形下申请再审（民事诉讼法第二百一十一条、第二百一十六条）。")
    else:
        summary = f"上诉的最后一日是{fmt_date(last_day)}，距今天还有{days_left}天。"
    cautions += [
        "期间不包括在途时间，上诉状在期满前交邮的，不算过期（民事诉讼法第八十五条）；稳妥起见请提前递交。",
        "送达日以你实际签收或者法律规定视为送达的日期为准；记不清的，请按可能最早的那一天算。",
    ]
    return Calculation(
        name="appeal-deadline",
        result={
            "appealable": True,
            "last_day": last_day,
            "unadjusted_last_day": unadjusted,
            "expired": expired,
            "days_left": days_left,
        },
        summary=summary,
        breakdown=breakdown,
        citations=[
            "civil-procedure-law:第一百七十一条",
            "civil-procedure-law:第八十五条",
            "civil-procedure-law:第二百一十一条",
            "civil-procedure-law:第二百一十六条",
        ],
        cautions=cautions,
    )


def answer_deadline(served: date, today: date | None = None) -> Calculation:
    """Last day for a defendant's written answer: 15 days from receiving the complaint (第一百二十八条).

    ``served``: the day the copy of the complaint (起诉状副本) was received. Counted like every period of the
    Civil Procedure Law: from the next day, a last day on a rest day moves to the next working day (第八十五条).
    Filing no answer does not stop the case or the hearing (the same article).
    """
    today = resolve_today(today)
    check_date(served, "收到起诉状副本的日期", "service date")
    if served > today:
        raise CalculationError("收到日期不能晚于今天 / service date cannot be in the future")
    unadjusted = served + timedelta(days=15)
    last_day, roll_lines, cautions = _end(unadjusted)
    expired, days_left = _status(last_day, today)
    summary = (f"答辩期已于{fmt_date(last_day)}届满；没有提交答辩状不影响案件审理，开庭时仍可以答辩。" if expired
               else f"提交答辩状的最后一日是{fmt_date(last_day)}，距今天还有{days_left}天。")
    return Calculation(
        name="answer-deadline",
        result={"last_day": last_day, "unadjusted_last_day": unadjusted, "expired": expired, "days_left": days_left},
        summary=summary,
        breakdown=[
            "被告在收到起诉状副本之日起十五日内提出答辩状（民事诉讼法第一百二十八条）。",
            f"收到当日{fmt_date(served)}不计入，从次日起算，第15日是{fmt_date(unadjusted)}（民事诉讼法第八十五条）。",
            *roll_lines,
        ],
        citations=["civil-procedure-law:第一百二十八条", "civil-procedure-law:第八十五条",
                   "civil-procedure-interpretation:第二百七十五条"],
        cautions=[*cautions,
                  "不提出答辩状的，不影响人民法院审理（民事诉讼法第一百二十八条）；法院通知上写了答辩、举证期限的，"
                  "以通知为准（小额诉讼的期限由法院确定，可能更短）。"],
    )


def retrial_deadline(effective: date, today: date | None = None) -> Calculation:
    """Last day to apply for retrial: 6 months after the judgment or ruling took effect (第二百一十六条).

    ``effective``: the day the judgment took effect (for a small claim: the day it was served; for an
    appealable judgment: the day after the appeal period ended without an appeal).
    """
    today = resolve_today(today)
    check_date(effective, "生效日期", "effective date")
    unadjusted = add_months(effective, RETRIAL_MONTHS)
    last_day, roll_lines, cautions = _end(unadjusted)
    breakdown = [
        "当事人申请再审，应当在判决、裁定发生法律效力后六个月内提出（民事诉讼法第二百一十六条）。",
        f"生效日{fmt_date(effective)}不计入，六个月后的对应日为{fmt_date(unadjusted)}"
        "（民事诉讼法第八十五条；没有对应日的以月末日为最后一日，按民法典第二百零二条）。",
        *roll_lines,
    ]
    expired, days_left = _status(last_day, today)
    if expired:
        summary = f"自生效起六个月的再审申请期已于{fmt_date(last_day)}届满。"
    else:
        summary = f"申请再审的最后一日一般是{fmt_date(last_day)}，距今天还有{days_left}天。"
    cautions += [
        "以新证据、伪造的主要证据、据以作出判决的文书被撤销或变更、审判人员贪污受贿等事由申请的，"
        "自知道或者应当知道之日起六个月内提出（民事诉讼法第二百一十六条）。",
        "申请再审不停止判决的执行（民事诉讼法第二百一十条）。",
    ]
    return Calculation(
        name="retrial-deadline",
        result={"last_day": last_day, "unadjusted_last_day": unadjusted, "expired": expired, "days_left": days_left},
        summary=summary,
        breakdown=breakdown,
        citations=[
            "civil-procedure-law:第二百一十六条",
            "civil-procedure-law:第二百一十条",
            "civil-procedure-law:第二百一十一条",
            "civil-procedure-law:第八十五条",
            "civil-code:第二百零二条",
        ],
        cautions=cautions,
    )


def labour_arbitration_deadline(
    known: date,
    interruptions: Iterable[date] = (),
    wages_during_employment: bool = False,
    employment_ended: date | None = None,
    today: date | None = None,
) -> Calculation:
    """One-year labour arbitration period (劳动争议调解仲裁法 第二十七条) with its own interruption rule.

    ``known``: when the worker knew or should have known the right was infringed. ``interruptions``:
    days the worker demanded payment from the employer, asked an authority (e.g. a 劳动监察 complaint)
    for relief, or the employer agreed to pay; each one before expiry restarts the year. For wages owed
    while employed (``wages_during_employment``) the year does not run during employment; it runs from
    ``employment_ended`` (None: still employed → no deadline yet).
    """
    today = resolve_today(today)
    check_date(known, "知道权利被侵害的日期", "date known")
    citations = [
        "labour-dispute-arbitration-law:第二十七条",
        "civil-code:第二百零一条",
        "civil-code:第二百零二条",
        "civil-code:第二百零三条",
    ]
    basis = (
        "劳动争议调解仲裁法没有规定期间的计算方法，这里按民法典第二百零一条至第二百零三条计算"
        "（起算日不计入，最后一日是法定休假日的顺延）。"
    )
    breakdown: list[str] = []
    start = known
    if wages_during_employment:
        breakdown.append(
            "劳动关系存续期间因拖欠劳动报酬发生争议的，申请仲裁不受一年时效限制；"
            "劳动关系终止的，应当自劳动关系终止之日起一年内提出（劳动争议调解仲裁法第二十七条第四款）。"
        )
        if employment_ended is None:
            return Calculation(
                name="labour-arbitration-deadline",
                result={"last_day": None, "running": False, "expired": False, "days_left": None},
                summary="你还在这家单位工作，追讨在职期间拖欠的工资申请仲裁，目前不受一年时效限制。",
                breakdown=breakdown,
                citations=citations,
                cautions=["离职（劳动关系终止）后一年内要申请仲裁；离职日期一定要记清楚。"],
            )
        check_date(employment_ended, "劳动关系终止日期", "employment end")
        start = employment_ended
        breakdown.append(f"劳动关系于{fmt_date(employment_ended)}终止，一年从这一天起算。")
    else:
        breakdown.append(
            f"仲裁时效期间为一年，从知道或者应当知道权利被侵害之日{fmt_date(known)}起计算（劳动争议调解仲裁法第二十七条第一款）。"
        )
    unadjusted = add_years(start, 1)
    last_day, roll_lines, cautions = _end(unadjusted)
    breakdown += [f"一年后的对应日为{fmt_date(unadjusted)}。", *roll_lines]
    ignored: list[date] = []
    for day in sorted(set(interruptions)):
        check_date(day, "中断日期", "interruption date")
        if day > today:
            raise CalculationError("中断日期不能晚于今天 / interruption date cannot be in the future")
        if day < start:
            continue
        if day > last_day:
            ignored.append(day)
            continue
        unadjusted = add_years(day, 1)
        last_day, roll_lines, more = _end(unadjusted)
        cautions += [c for c in more if c not in cautions]
        breakdown += [
            f"{fmt_date(day)}主张权利、请求有关部门处理或者单位同意支付，时效中断，从这一天起重新计算一年，"
            f"对应日为{fmt_date(unadjusted)}（劳动争议调解仲裁法第二十七条第二款）。",
            *roll_lines,
        ]
    for day in ignored:
        breakdown.append(f"{fmt_date(day)}已经在时效届满之后，不再产生中断的效果。")
    expired, days_left = _status(last_day, today)
    if expired:
        summary = f"按你给的日期，一年的仲裁时效已于{fmt_date(last_day)}届满。"
        cautions.append(
            "因不可抗力或者其他正当理由不能在期间内申请的，时效中止（劳动争议调解仲裁法第二十七条第三款）；"
            "日期不确定的，请尽快咨询12348或者当地劳动争议仲裁委员会。"
        )
    else:
        summary = f"申请劳动仲裁的最后一日一般是{fmt_date(last_day)}，距今天还有{days_left}天。"
    cautions.append(basis)
    return Calculation(
        name="labour-arbitration-deadline",
        result={"last_day": last_day, "running": True, "expired": expired, "days_left": days_left},
        summary=summary,
        breakdown=breakdown,
        citations=citations,
        cautions=cautions,
    )


def transitional_interest_cap(contract_date: date, filing_date: date) -> Calculation:
    """Annual cap for interest from 2020-08-20 on a loan formed before that day: 4 × one-year LPR at filing.

    民间借贷规定 第三十一条第二款: for a case accepted after 2020-08-20 on a contract formed before it,
    interest up to 2020-08-19 follows the interpretation then in force, and interest from 2020-08-20 is
    capped by the current standard computed at filing (起诉时). ``filing_date`` is the day the suit is or
    was filed (for a planned suit: today).
    """
    check_date(contract_date, "合同成立日期", "contract date")
    check_date(filing_date, "起诉日期", "filing date")
    if contract_date >= TRANSITION_DATE:
        raise CalculationError(
            "合同成立于2020年8月20日及以后，应按合同成立时的LPR计算上限，不适用过渡规则"
            " / contract formed on or after 2020-08-20: use the cap at formation"
        )
    if filing_date < TRANSITION_DATE:
        raise CalculationError("起诉日期早于2020年8月20日，不适用本条 / filing before 2020-08-20: rule does not apply")
    row = lpr_on(filing_date)
    cap = row.one_year_pct * 4
    return Calculation(
        name="transitional-interest-cap",
        result={"cap_pct": cap, "lpr": row.to_json(), "from": TRANSITION_DATE},
        summary=f"自2020年8月20日起的利息，年利率上限一般是起诉时一年期LPR的4倍，即{fmt_pct(cap)}%。",
        breakdown=[
            f"合同成立于{fmt_date(contract_date)}，早于2020年8月20日（民间借贷规定第三十一条第二款）。",
            "合同成立到2020年8月19日的利息，当事人可以请求按当时的司法解释计算。",
            f"2020年8月20日起的利息，按起诉时的标准：起诉日{fmt_date(filing_date)}适用的一年期LPR为"
            f"{fmt_pct(row.one_year_pct)}%（{row.month}发布），4倍为{fmt_pct(cap)}%。",
        ],
        citations=["private-lending-provisions:第三十一条", "private-lending-provisions:第二十五条"],
        cautions=[
            f"LPR{row.plain_zh}，用之前可以再核对一下。",
            "起诉日期不同，上限可能不同；按实际起诉（立案）那天的LPR为准。",
        ],
    )


__all__ = [
    "add_months",
    "appeal_deadline",
    "labour_arbitration_deadline",
    "retrial_deadline",
    "transitional_interest_cap",
]
