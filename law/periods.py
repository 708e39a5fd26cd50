"""Limitation periods (诉讼时效) and the enforcement deadline (申请执行期间).

Day arithmetic follows 民法典 第二百零一条—第二百零三条 (and, for the procedural enforcement period,
民事诉讼法 第八十五条, which gives the same result):

* the day the period starts from is not counted (第二百零一条): a period "from 2023-05-10" runs
  from 2023-05-11;
* a period of N years ends on the corresponding date N years later (第二百零二条): 2023-05-10 →
  2026-05-10; with no corresponding date (29 February in a common year) it ends on the last day of
  that month: 2024-02-29 + 3 years → 2027-02-28;
* if that last day is a 法定休假日, the period ends on the first day after the rest days
  (第二百零三条).

**Weekends.** The Civil Code does not define 法定休假日. We treat as 法定休假日 every day on which the
State Council's arrangement gives a rest day: public holidays AND ordinary Saturdays/Sundays, but not a
weekend day that has been turned into a working day (调休上班). Basis: 民法通则 第一百五十四条 (the
predecessor rule) read "星期日或者其他法定休假日"; the SPC opinion on it (民通意见 第198条) said that where
rest days are moved, the actual rest day counts; weekly rest on Saturday and Sunday is national law
since the 1995 State Council working-hours rules; SPC guidance on trial periods (2014) lists
"星期六、星期日、'五一'、'十一'、元旦、春节" as such days. These are secondary sources (not stored
in the knowledge base), so every result that rolls over says so and also shows the unadjusted date.
``chinese_calendar.is_holiday`` implements exactly this "actual rest day" notion (weekends minus
make-up working days, plus public holidays). The package covers 2004–2026 only; for later years the
roll-over cannot be checked and the calculators say so.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar  # no stubs

from law.calculation import Calculation, CalculationError, check_date, fmt_date, resolve_today, unique
from text.numerals import int_to_cn

WEEKDAYS_ZH = "一二三四五六日"
LONG_STOP_YEARS = 20

ROLLOVER_BASIS = (
    "最后一天碰上周末或法定节假日的，一般顺延到节后第一个工作日（调休上班的周末不顺延）；为稳妥起见，最好在原来的日期之前行动。"
)
# Where the rule above comes from: for the law CLI and the docs (Calculation.provenance), not for the chat.
ROLLOVER_SOURCE = (
    "“法定休假日”包括周六、周日等公休日和国家法定节假日，按国务院当年的放假安排认定。这是司法实践中的通常理解"
    "（民法通则第一百五十四条曾写明“星期日或者其他法定休假日”），民法典本身没有给出定义。"
)
HOLIDAY_PLAIN = "这一年的放假安排还没法核对，最后一天如果碰上节假日可能顺延；请按没顺延的日期安排，不要拖到最后。"
HOLIDAY_SOURCE = "节假日数据只覆盖2004—2026年（按国务院各年的放假安排整理），之后的年份无法核对顺延。"


@dataclass(frozen=True)
class LastDay:
    """Result of the period-end arithmetic of 民法典 第二百零二条、第二百零三条."""

    unadjusted: date
    last_day: date
    rolled_over: bool
    holiday_checked: bool
    notes: tuple[str, ...]


def add_years(start: date, years: int) -> date:
    """Corresponding date ``years`` later; 29 Feb without a corresponding date → 28 Feb (月末日)."""
    target_year = start.year + years
    last = calendar.monthrange(target_year, start.month)[1]
    return date(target_year, start.month, min(start.day, last))


def is_rest_day(day: date) -> bool:
    """True if ``day`` is a 法定休假日 (weekend or public holiday per the State Council arrangement).

    Raises NotImplementedError for years the chinese_calendar package does not cover.
    """
    return _rest_day(day)


@functools.lru_cache(maxsize=4096)
def _rest_day(day: date) -> bool:
    # The package's data is fixed for the process (and its check of the covered years scans all of it on
    # every call), so each day's answer is kept; a year it does not cover raises, which is never cached.
    return bool(chinese_calendar.is_holiday(day))


def roll_over(day: date) -> tuple[date, bool, bool]:
    """Move a last day that is a rest day to the first day after the rest days (第二百零三条).

    Returns (last day, rolled over?, holiday data available for every day checked?).
    """
    current = day
    rolled = False
    while True:
        try:
            rest = is_rest_day(current)
        except NotImplementedError:
            return current, rolled, False
        if not rest:
            return current, rolled, True
        current += timedelta(days=1)
        rolled = True


def period_end(start: date, years: int) -> LastDay:
    """Last day of a period of ``years`` years counted from ``start`` (start day not counted)."""
    unadjusted = add_years(start, years)
    last_day, rolled, checked = roll_over(unadjusted)
    notes: list[str] = [
        f"起算日{fmt_date(start)}当日不计入，自次日开始计算（民法典第二百零一条）；"
        f"{int_to_cn(years)}年后的对应日为{fmt_date(unadjusted)}（民法典第二百零二条）。"
    ]
    if start.month == 2 and start.day == 29 and unadjusted.day != 29:
        notes.append(
            f"{unadjusted.year}年没有2月29日，以该月末日{fmt_date(unadjusted)}为最后一日（民法典第二百零二条）。"
        )
    if rolled and checked:
        notes.append(
            f"{fmt_date(unadjusted)}是法定休假日（星期{WEEKDAYS_ZH[unadjusted.weekday()]}），"
            f"顺延至休假日结束的次日{fmt_date(last_day)}（民法典第二百零三条）。"
        )
    elif rolled and not checked:
        notes.append(
            f"{fmt_date(unadjusted)}起是法定休假日，已顺延到{fmt_date(last_day)}；之后是否还要顺延没法核对，"
            f"请按{fmt_date(last_day)}安排。"
        )
    elif not checked:
        weekend = unadjusted.weekday() >= 5
        notes.append(
            f"{unadjusted.year}年的放假安排还没法核对，最后一日如果碰上法定休假日可能顺延"
            + (
                f"；该日是星期{WEEKDAYS_ZH[unadjusted.weekday()]}，如果当天是休息日，期间会顺延到其后的第一个工作日。"
                if weekend
                else "。"
            )
        )
    return LastDay(
        unadjusted=unadjusted,
        last_day=last_day,
        rolled_over=rolled,
        holiday_checked=checked,
        notes=tuple(notes),
    )


def _provenance(end: LastDay) -> list[str]:
    """Where a last day's roll-over rule and holiday data come from (for the law CLI and the docs)."""
    return ([ROLLOVER_SOURCE] if end.rolled_over else []) + ([HOLIDAY_SOURCE] if not end.holiday_checked else [])


def _check_past(day: date, what: str, what_en: str, today: date) -> date:
    check_date(day, what, what_en)
    if day > today:
        raise CalculationError(f"{what}不能晚于今天 / {what_en} cannot be in the future")
    return day


def _status_lines(end: LastDay, today: date) -> tuple[bool, int]:
    expired = today > end.last_day
    return expired, (end.last_day - today).days


def limitation(
    due_date: date | None,
    last_interruption: date | None = None,
    today: date | None = None,
    demand_date: date | None = None,
    *,
    interruptions: Iterable[date] = (),
) -> Calculation:
    """Three-year limitation period (民法典 第一百八十八条) for a money claim.

    * ``due_date``: the agreed repayment date (for instalments: the last instalment, 第一百八十九条).
    * ``demand_date``: for a loan with no agreed term, the date the creditor first demanded repayment.
      The real start is the end of a reasonable grace period after it (诉讼时效规定 第四条), which we do not
      know; we start at the demand itself, which gives the earliest (safest) last day. If a due date is
      also given, a later demand is treated as an interruption instead.
    * ``last_interruption`` (and optionally every earlier one in ``interruptions``): dates of a demand,
      an acknowledgement (part payment, instalment plan…) or a suit. An interruption restarts the three
      years (第一百九十五条) only if it falls on/after the start and on/before the last day then running.
    * ``today``: defaults to today's date in China.

    Result dict: ``status`` ("running", "expired", "not_started"), ``start``, ``start_basis``,
    ``last_day``, ``unadjusted_last_day``, ``rolled_over``, ``holiday_checked``, ``expired``,
    ``days_left`` (negative = days since expiry), ``interruptions_used``, ``interruptions_ignored``,
    ``long_stop_passed`` (more than 20 years since the original start, 第一百八十八条第二款).
    """
    today = resolve_today(today)
    if due_date is not None:
        check_date(due_date, "到期日", "due date")
    if demand_date is not None:
        _check_past(demand_date, "催要日期", "demand date", today)
    given = [d for d in [*interruptions, last_interruption] if d is not None]
    for day in given:
        _check_past(day, "中断日期", "interruption date", today)

    citations = ["civil-code:第一百八十八条"]
    breakdown: list[str] = []
    cautions: list[str] = []

    if due_date is None and demand_date is None:
        if given:
            raise CalculationError(
                "没有到期日也没有催要日期，无法判断中断是否有效"
                " / need a due date or a demand date to apply interruptions"
            )
        return Calculation(
            name="limitation",
            result={
                "status": "not_started",
                "start": None,
                "start_basis": "none",
                "last_day": None,
                "unadjusted_last_day": None,
                "rolled_over": False,
                "holiday_checked": True,
                "expired": False,
                "days_left": None,
                "interruptions_used": [],
                "interruptions_ignored": [],
                "long_stop_passed": False,
            },
            summary="没有约定还款期限、也还没有催要过：三年诉讼时效还没有开始计算。",
            breakdown=[
                "借款期限没有约定或约定不明确的，借款人可以随时返还，贷款人可以催告借款人在合理期限内返还（民法典第六百七十五条）。",
                "不能确定履行期限的，诉讼时效从债权人要求债务人履行的宽限期届满之日起计算；债务人在第一次被要求时就明确表示"
                "不履行的，从其表示之日起计算（诉讼时效规定第四条）。",
                "因此在第一次催要之前，三年期间还没有开始。",
            ],
            citations=[
                *citations,
                "civil-code:第六百七十五条",
                "limitation-provisions:第四条",
                "civil-code:第五百一十一条",
            ],
            cautions=[
                "另有二十年的最长保护期：自权利受到损害之日起超过二十年的，人民法院不予保护（民法典第一百八十八条第二款）。",
                "建议尽早以可以留证据的方式（短信、微信、书面）催要；催要之后，时效按上述规则开始计算。",
            ],
        )

    if due_date is not None:
        start, basis = due_date, "due_date"
        breakdown.append(
            f"起算：约定的还款期限届满日{fmt_date(due_date)}（民法典第一百八十八条；分期的按最后一期，第一百八十九条）。"
        )
        citations.append("civil-code:第一百八十九条")
        if demand_date is not None:
            given.append(demand_date)
            breakdown.append(f"你提供的催要日期{fmt_date(demand_date)}按“提出履行请求”的中断事由处理。")
        if due_date > today:
            cautions.append(f"还款期限（{fmt_date(due_date)}）还没到；时效从到期后才开始计算。以下按到期日计算。")
    else:
        assert demand_date is not None
        start, basis = demand_date, "demand_date"
        breakdown.append(
            f"没有约定还款期限：从你提供的催要日期{fmt_date(demand_date)}起算。时效从第一次催要后的“合理宽限期”届满之日起算"
            "（债务人当时明确拒绝的，从拒绝之日起算，诉讼时效规定第四条）；之后每一次到达对方的催要都会中断时效、重新计算三年"
            "（民法典第一百九十五条），所以按最近一次到达对方的催要计算。"
        )
        citations += ["limitation-provisions:第四条", "civil-code:第六百七十五条"]
        cautions.append(
            "没有约定还款期限时，实际到期日取决于“合理宽限期”，法院会个案认定；本计算给出的是最早可能的届满日。"
        )
        cautions.append(
            "催要要能证明已经到达对方（例如对方回了微信、接了电话），才算数（诉讼时效规定第八条）；打电话关机、去找没找到人，"
            "这次不算。如果最近一次没有到达对方，请按上一次到达对方的催要来算，届满日会更早。"
        )
        citations.append("limitation-provisions:第八条")

    original_start = start
    long_stop = add_years(original_start, LONG_STOP_YEARS)
    end = period_end(start, 3)
    used: list[date] = []
    ignored: list[tuple[date, str]] = []
    for day in sorted(set(given)):
        if day < start:
            ignored.append((day, "早于时效起算日"))
            continue
        if day > end.last_day:
            ignored.append((day, "晚于当时的时效届满日"))
            continue
        used.append(day)
        start = day
        end = period_end(day, 3)
    if used:
        citations += [
            "civil-code:第一百九十五条",
            "limitation-provisions:第八条",
            "limitation-provisions:第十四条",
        ]
        for day in used:
            breakdown.append(f"{fmt_date(day)}发生中断，三年从这一天重新计算（民法典第一百九十五条）。")
        cautions.append(
            "催要要能证明已经到达对方（诉讼时效规定第八条）；因起诉、申请仲裁、申请支付令等引起的中断，三年从有关程序终结时起"
            "重新计算（民法典第一百九十五条），本计算按你提供的日期计算，会偏早。"
        )
    for day, why in ignored:
        breakdown.append(f"{fmt_date(day)}{why}，不产生中断效果。")
        if why.startswith("晚于"):
            cautions.append(
                f"{fmt_date(day)}的事件发生在时效届满之后，不能使已届满的时效“重新开始”。但如果那是债务人同意履行"
                "（如签字确认、承诺还款、制定还款计划）或者自愿还款，债务人就不能再以时效届满为由抗辩（诉讼时效规定第十九条）。"
                "如果在此之前还有其他催要或对方承认（每一次都在上一次起三年内），请把每一次的日期都提供出来再算。"
            )
            citations.append("limitation-provisions:第十九条")
    breakdown.extend(end.notes)
    citations += ["civil-code:第二百零一条", "civil-code:第二百零二条"]
    if end.rolled_over or not end.holiday_checked:
        citations.append("civil-code:第二百零三条")
    if end.rolled_over and today <= end.last_day:  # advice about acting in time, only for a date still ahead
        cautions.append(ROLLOVER_BASIS)
    if not end.holiday_checked and today <= end.last_day:
        cautions.append(HOLIDAY_PLAIN)
    provenance = _provenance(end)

    expired, days_left = _status_lines(end, today)
    if expired:
        summary = f"按你提供的日期，诉讼时效已于{fmt_date(end.last_day)}届满。"
        cautions.append(
            "时效届满不等于债务消灭：债务人可以提出不履行的抗辩（民法典第一百九十二条），但法院不会主动适用时效"
            "（民法典第一百九十三条），债务人不提，法院照样审理；届满后债务人同意履行或自愿履行的，不能再以时效抗辩，已履行的不能要回"
            "（民法典第一百九十二条第二款、诉讼时效规定第十九条）。"
        )
        citations += [
            "civil-code:第一百九十二条",
            "civil-code:第一百九十三条",
            "limitation-provisions:第十九条",
        ]
    else:
        summary = f"诉讼时效的最后一日是{fmt_date(end.last_day)}，距今天还有{days_left}天。"
        cautions.append(
            "在最后一日之前催要（留下书面或电子证据）、对方承认欠款（如部分还款、承诺还款计划）或者起诉，时效都会中断并重新计算三年"
            "（民法典第一百九十五条）。"
        )
        if "civil-code:第一百九十五条" not in citations:
            citations.append("civil-code:第一百九十五条")
    long_stop_passed = today > long_stop
    if long_stop_passed and not expired:
        summary += "但自起算日起已超过二十年最长保护期，法院原则上不予保护（民法典第一百八十八条第二款）。"
    if long_stop_passed:
        cautions.append(
            f"自{fmt_date(original_start)}起已超过二十年：自权利受到损害之日起超过二十年的，人民法院不予保护，"
            "中断也不能延长这二十年，只有特殊情况下法院才可以根据权利人的申请决定延长（民法典第一百八十八条第二款）。"
        )
    cautions.append(
        "本计算假设你提供的日期准确，且期间没有发生中止事由（如最后六个月内的不可抗力，民法典第一百九十四条）；"
        "诉讼时效期间和计算方法由法律规定，当事人约定无效（第一百九十七条）。"
    )
    citations += ["civil-code:第一百九十四条", "civil-code:第一百九十七条"]
    result = {
        "status": "expired" if expired else "running",
        "start": start,
        "start_basis": basis,
        "last_day": end.last_day,
        "unadjusted_last_day": end.unadjusted,
        "rolled_over": end.rolled_over,
        "holiday_checked": end.holiday_checked,
        "expired": expired,
        "days_left": days_left,
        "interruptions_used": used,
        "interruptions_ignored": [day for day, _ in ignored],
        "long_stop_passed": long_stop_passed,
    }
    return Calculation(
        name="limitation",
        result=result,
        summary=summary,
        breakdown=breakdown,
        citations=unique(citations),
        cautions=cautions,
        provenance=provenance,
    )


def enforcement_deadline(
    performance_end: date,
    today: date | None = None,
    *,
    interruptions: Iterable[date] = (),
) -> Calculation:
    """Two-year period to apply for enforcement (民事诉讼法 第二百五十条).

    The period runs from the last day of the performance period.

    ``performance_end``: the last day of the period the judgment/mediation document gave for payment
    (for instalments: the last instalment; with no period: the date the document took effect).
    ``interruptions``: dates of a demand for payment or of the debtor's acknowledgement. The article's
    first paragraph applies the limitation rules on interruption, so one that falls on/after the start
    and on/before the last day then running restarts the two years from that day (民法典第一百九十五条);
    one after expiry does not revive the period.
    """
    today = resolve_today(today)
    check_date(performance_end, "履行期间的最后一日", "performance end")
    given = sorted({d for d in interruptions if d is not None})
    for day in given:
        _check_past(day, "中断日期", "interruption date", today)
    end = period_end(performance_end, 2)
    breakdown = [
        f"申请执行的期间为二年，从法律文书规定履行期间的最后一日{fmt_date(performance_end)}起计算（民事诉讼法第二百五十条）。",
    ]
    used: list[date] = []
    ignored: list[date] = []
    for day in given:
        if day < performance_end or day > end.last_day:
            ignored.append(day)
            continue
        used.append(day)
        end = period_end(day, 2)
    for day in used:
        breakdown.append(
            f"{fmt_date(day)}你向对方要钱（或对方承认欠款），申请执行的期间中断，二年从这一天重新计算"
            "（民事诉讼法第二百五十条第一款、民法典第一百九十五条）。"
        )
    for day in ignored:
        why = "早于履行期间的最后一日" if day < performance_end else "晚于当时期间的最后一日"
        breakdown.append(f"{fmt_date(day)}{why}，不产生中断效果。")
    breakdown += [
        *end.notes,
        "期间开始的日不计入、最后一日是法定休假日的顺延，民事诉讼法第八十五条与民法典第二百零一条至第二百零三条的结果相同。",
    ]
    citations = [
        "civil-procedure-law:第二百五十条",
        "civil-procedure-law:第八十五条",
        "civil-code:第二百零一条",
        "civil-code:第二百零二条",
        "civil-code:第二百零三条",
        "civil-procedure-interpretation:第四百八十一条",
        "civil-procedure-interpretation:第四百六十六条",
        "civil-procedure-interpretation:第五百一十七条",
    ]
    cautions = []
    if end.rolled_over and today <= end.last_day:  # advice about acting in time, only for a date still ahead
        cautions.append(ROLLOVER_BASIS)
    if not end.holiday_checked and today <= end.last_day:
        cautions.append(HOLIDAY_PLAIN)
    provenance = _provenance(end)
    expired, days_left = _status_lines(end, today)
    if performance_end > today:
        cautions.append(f"履行期间还没有结束（{fmt_date(performance_end)}）；对方在此之前履行的，就不需要申请执行。")
    if expired:
        summary = f"按你提供的日期，申请执行的期间可能已于{fmt_date(end.last_day)}届满。"
        cautions.append(
            "超过期间申请的，法院仍应受理；但被执行人提出时效异议且成立的，法院裁定不予执行（民诉法解释第四百八十一条）。"
            "被执行人履行后又以不知道期间届满为由要求执行回转的，不予支持。"
        )
    else:
        summary = f"申请强制执行的最后一日是{fmt_date(end.last_day)}，距今天还有{days_left}天。"
        cautions.append(
            "超过期间申请的，法院仍会受理，但被执行人提出时效异议成立的，裁定不予执行（民诉法解释第四百八十一条）；请在期间内申请。"
        )
    if used:
        citations += ["civil-code:第一百九十五条", "limitation-provisions:第八条"]
        cautions.append(
            "要钱要能证明已经到达对方（例如对方回了微信、接了电话），才算中断（诉讼时效规定第八条）；"
            "请保存好这些记录。"
        )
    elif expired:
        cautions.append(
            "如果在这个日期之前你向对方要过钱（能证明对方收到了，例如对方回了微信）或者对方承认过欠款，期间会中断并重新计算二年"
            "（民事诉讼法第二百五十条第一款、民法典第一百九十五条），那样就不一定已经过期。"
        )
    cautions += [
        "申请执行期间也适用中止、中断（民事诉讼法第二百五十条第一款）：例如执行中达成和解协议的，从和解协议约定履行期限的最后一日"
        "起重新计算（民诉法解释第四百六十六条）。",
        "因没有可供执行的财产而“终结本次执行”后，发现财产可以再次申请，不受申请执行期间限制（民诉法解释第五百一十七条）。",
    ]
    result = {
        "last_day": end.last_day,
        "unadjusted_last_day": end.unadjusted,
        "rolled_over": end.rolled_over,
        "holiday_checked": end.holiday_checked,
        "expired": expired,
        "days_left": days_left,
        "interruptions_used": used,
        "interruptions_ignored": ignored,
    }
    return Calculation(
        name="enforcement-deadline",
        result=result,
        summary=summary,
        breakdown=breakdown,
        citations=unique(citations),
        cautions=cautions,
        provenance=provenance,
    )
