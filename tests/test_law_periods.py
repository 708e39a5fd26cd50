"""Limitation (民法典 第一百八十八条、第一百九十五条) and enforcement deadline (民事诉讼法 第二百五十条).

Day arithmetic by hand from 民法典 第二百零一条 (start day not counted), 第二百零二条 (corresponding date,
else month end) and 第二百零三条 (last day on a 法定休假日 → the day after the rest days). Rest days are
those of the State Council arrangement as encoded in the chinese_calendar package (weekends except
make-up working days, plus public holidays); the dates used below are quoted in each comment.
"""

from datetime import date

import pytest

from law import CalculationError, enforcement_deadline, get_article, limitation
from law.periods import add_years, is_rest_day, period_end, roll_over

TODAY = date(2026, 3, 1)


def assert_citations_resolve(calculation):
    assert calculation.citations
    assert len(calculation.citations) == len(set(calculation.citations))
    for key in calculation.citations:
        get_article(key)


# --- day arithmetic ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2023, 5, 10), 3, date(2026, 5, 10)),  # corresponding date
        (date(2024, 2, 29), 3, date(2027, 2, 28)),  # 2027 has no 29 Feb → month end (第二百零二条)
        (date(2024, 2, 29), 4, date(2028, 2, 29)),  # 2028 is a leap year
        (date(2023, 1, 31), 2, date(2025, 1, 31)),
    ],
)
def test_add_years(start, years, expected):
    assert add_years(start, years) == expected


def test_rest_days_follow_the_state_council_arrangement():
    assert is_rest_day(date(2025, 10, 1))  # National Day (2025: 1–8 October off)
    assert is_rest_day(date(2025, 10, 8))
    assert not is_rest_day(date(2025, 10, 9))  # Thursday, first working day after the holiday
    assert is_rest_day(date(2023, 1, 15))  # an ordinary Sunday
    assert not is_rest_day(date(2025, 9, 28))  # Sunday made a working day (调休上班) for National Day 2025
    with pytest.raises(NotImplementedError):
        is_rest_day(date(2027, 1, 1))  # outside the package's 2004–2026 data


def test_roll_over():
    assert roll_over(date(2025, 10, 1)) == (date(2025, 10, 9), True, True)
    assert roll_over(date(2025, 10, 9)) == (date(2025, 10, 9), False, True)
    assert roll_over(date(2027, 2, 28)) == (date(2027, 2, 28), False, False)
    # 2026-12-31 is a Thursday working day; no need to look into 2027.
    assert roll_over(date(2026, 12, 31)) == (date(2026, 12, 31), False, True)


# --- limitation ----------------------------------------------------------------------------------------


def test_limitation_simple_case():
    # Due 2023-05-10 → 3 years → 2026-05-10, a Sunday → Monday 2026-05-11 (a working day).
    calculation = limitation(date(2023, 5, 10), today=TODAY)
    result = calculation.result
    assert result["unadjusted_last_day"] == date(2026, 5, 10)
    assert result["last_day"] == date(2026, 5, 11)
    assert result["rolled_over"] is True
    assert result["expired"] is False
    assert result["days_left"] == (date(2026, 5, 11) - TODAY).days == 71
    assert result["status"] == "running"
    assert "2026年5月11日" in calculation.summary
    assert_citations_resolve(calculation)


def test_limitation_rolls_over_national_day():
    # Due 2022-10-01 → 2025-10-01 (Wednesday), inside the 2025 National Day holiday 1–8 October
    # → the day after the holiday ends: Thursday 2025-10-09.
    calculation = limitation(date(2022, 10, 1), today=date(2025, 1, 1))
    assert calculation.result["unadjusted_last_day"] == date(2025, 10, 1)
    assert calculation.result["last_day"] == date(2025, 10, 9)
    assert calculation.result["rolled_over"] is True
    assert any("2025年10月9日" in line and "第二百零三条" in line for line in calculation.breakdown)
    assert any("节假日" in c and "顺延" in c for c in calculation.cautions)
    assert any("民法通则" in line for line in calculation.provenance)
    assert "civil-code:第二百零三条" in calculation.citations


def test_limitation_rolls_over_spring_festival_2026():
    # Due 2023-02-17 → 2026-02-17 (Tuesday), inside the 2026 Spring Festival holiday 15–23 February
    # → Tuesday 2026-02-24.
    assert limitation(date(2023, 2, 17), today=date(2025, 1, 1)).result["last_day"] == date(2026, 2, 24)


def test_limitation_does_not_roll_over_a_make_up_working_day():
    # Due 2022-09-28 → 2025-09-28: a Sunday, but a working day under the 2025 National Day arrangement.
    calculation = limitation(date(2022, 9, 28), today=date(2025, 1, 1))
    assert calculation.result["last_day"] == date(2025, 9, 28)
    assert calculation.result["rolled_over"] is False


def test_limitation_leap_day_and_uncovered_year():
    # Due 2024-02-29 → no 29 Feb in 2027 → 2027-02-28 (第二百零二条). 2027 holidays are not in the data,
    # so the roll-over cannot be checked (2027-02-28 is a Sunday: we say so, but do not guess).
    calculation = limitation(date(2024, 2, 29), today=date(2025, 1, 1))
    result = calculation.result
    assert result["last_day"] == date(2027, 2, 28)
    assert result["holiday_checked"] is False
    assert result["rolled_over"] is False
    text = "\n".join(calculation.breakdown)
    assert "2027年没有2月29日" in text
    assert "没法核对" in text and "星期日" in text
    assert any("2004—2026" in line for line in calculation.provenance)
    assert not any("2004—2026" in c for c in calculation.cautions)


def test_limitation_interruption_restarts_three_years():
    # Due 2020-01-15; creditor's demand 2022-12-01 (within the running period) → new period from
    # 2022-12-01 → 2025-12-01 (Monday, working day). On 2026-03-01 that is 90 days past.
    calculation = limitation(date(2020, 1, 15), last_interruption=date(2022, 12, 1), today=TODAY)
    result = calculation.result
    assert result["last_day"] == date(2025, 12, 1)
    assert result["interruptions_used"] == [date(2022, 12, 1)]
    assert result["expired"] is True
    assert result["days_left"] == -90
    assert "civil-code:第一百九十五条" in calculation.citations
    assert_citations_resolve(calculation)


def test_limitation_interruption_chain():
    # Due 2018-03-01 → 2021-03-01 (Monday). Interruption 2020-12-01 → 2023-12-01 (Friday).
    # Interruption 2023-11-30 (before 2023-12-01) → 2026-11-30 (Monday).
    calculation = limitation(
        date(2018, 3, 1), last_interruption=date(2023, 11, 30), interruptions=[date(2020, 12, 1)], today=TODAY
    )
    assert calculation.result["last_day"] == date(2026, 11, 30)
    assert calculation.result["interruptions_used"] == [date(2020, 12, 1), date(2023, 11, 30)]
    assert calculation.result["expired"] is False


def test_interruption_after_expiry_does_not_revive_the_period():
    # Without the 2020-12-01 interruption, the period of the due date 2018-03-01 ended on 2021-03-01;
    # a demand on 2023-11-30 comes too late (but an acknowledgement would lose the debtor the defence).
    calculation = limitation(date(2018, 3, 1), last_interruption=date(2023, 11, 30), today=TODAY)
    assert calculation.result["last_day"] == date(2021, 3, 1)
    assert calculation.result["interruptions_ignored"] == [date(2023, 11, 30)]
    assert calculation.result["expired"] is True
    assert any("诉讼时效规定第十九条" in c for c in calculation.cautions)
    assert "limitation-provisions:第十九条" in calculation.citations


def test_interruption_before_the_start_does_not_count():
    # A demand before the due date is not an interruption: the period had not started.
    calculation = limitation(date(2023, 5, 10), last_interruption=date(2023, 1, 1), today=TODAY)
    assert calculation.result["last_day"] == date(2026, 5, 11)
    assert calculation.result["interruptions_ignored"] == [date(2023, 1, 1)]


def test_interruption_on_the_start_day_and_on_the_last_day_count():
    # On the due date itself: same start, same result.
    assert limitation(date(2023, 5, 10), last_interruption=date(2023, 5, 10), today=TODAY).result[
        "interruptions_used"
    ] == [date(2023, 5, 10)]
    # Due 2020-06-12 → last day 2023-06-12 (Monday). A demand on that very day still interrupts:
    # → 2026-06-12 (Friday, working day).
    calculation = limitation(date(2020, 6, 12), last_interruption=date(2023, 6, 12), today=TODAY)
    assert calculation.result["last_day"] == date(2026, 6, 12)
    # Due 2020-01-15 → 2023-01-15 (Sunday) → last day Monday 2023-01-16; a demand on the 16th counts
    # → 2026-01-16 (Friday).
    calculation = limitation(date(2020, 1, 15), last_interruption=date(2023, 1, 16), today=TODAY)
    assert calculation.result["last_day"] == date(2026, 1, 16)


def test_demand_date_when_no_term_was_agreed():
    # No agreed term; first demand 2024-05-06. Conservatively start at the demand → 2027-05-06
    # (2027: holidays not in the data, cannot check roll-over).
    calculation = limitation(None, demand_date=date(2024, 5, 6), today=TODAY)
    result = calculation.result
    assert result["start_basis"] == "demand_date"
    assert result["last_day"] == date(2027, 5, 6)
    assert any("宽限期" in line for line in calculation.breakdown)
    assert "limitation-provisions:第四条" in calculation.citations
    assert "宽限期届满之日起计算" in get_article("limitation-provisions:第四条").text


def test_demand_after_a_due_date_is_an_interruption():
    calculation = limitation(date(2020, 1, 15), demand_date=date(2022, 12, 1), today=TODAY)
    assert calculation.result["last_day"] == date(2025, 12, 1)
    assert calculation.result["start_basis"] == "due_date"


def test_no_term_and_no_demand_has_not_started():
    calculation = limitation(None, today=TODAY)
    result = calculation.result
    assert result["status"] == "not_started"
    assert result["last_day"] is None and result["expired"] is False
    assert "还没有开始" in calculation.summary
    assert {"civil-code:第六百七十五条", "limitation-provisions:第四条"} <= set(calculation.citations)
    assert any("二十年" in c for c in calculation.cautions)
    assert_citations_resolve(calculation)


def test_expired_explains_the_defence():
    # Due 2020-01-15 → last day 2023-01-16 (see above); expired by 2026-03-01.
    calculation = limitation(date(2020, 1, 15), today=TODAY)
    assert calculation.result["expired"] is True
    assert "届满" in calculation.summary
    assert {
        "civil-code:第一百九十二条",
        "civil-code:第一百九十三条",
        "limitation-provisions:第十九条",
    } <= set(calculation.citations)
    joined = "\n".join(calculation.cautions)
    assert "可以提出不履行的抗辩" in joined and "不会主动适用" in joined
    assert_citations_resolve(calculation)


def test_twenty_year_long_stop_is_not_extended_by_interruptions():
    # Due 2004-03-01. Each interruption falls inside the period then running, so the three years restart:
    # 2007-01-01 → 2010-01-01; 2009-12-01 → 2012-12-01; 2012-10-01 → 2015-10-01; 2015-09-01 → 2018-09-01;
    # 2018-06-01 → 2021-06-01; 2021-03-01 → 2024-03-01; 2023-12-01 → 2026-12-01 (Tuesday, working day).
    # But the 20-year long-stop from 2004-03-01 ended on 2024-03-01 (第一百八十八条第二款).
    calculation = limitation(
        date(2004, 3, 1),
        interruptions=[
            date(2007, 1, 1),
            date(2009, 12, 1),
            date(2012, 10, 1),
            date(2015, 9, 1),
            date(2018, 6, 1),
            date(2021, 3, 1),
        ],
        last_interruption=date(2023, 12, 1),
        today=TODAY,
    )
    assert calculation.result["last_day"] == date(2026, 12, 1)
    assert len(calculation.result["interruptions_used"]) == 7
    assert calculation.result["expired"] is False
    assert calculation.result["long_stop_passed"] is True
    assert "二十年" in calculation.summary
    assert any("二十年" in c and "第一百八十八条第二款" in c for c in calculation.cautions)
    assert limitation(date(2023, 5, 10), today=TODAY).result["long_stop_passed"] is False


def test_interruption_by_suit_restarts_only_when_proceedings_end():
    calculation = limitation(date(2020, 1, 15), last_interruption=date(2022, 12, 1), today=TODAY)
    assert any("程序终结时起" in c for c in calculation.cautions)


def test_the_last_day_itself_is_not_expired():
    calculation = limitation(date(2023, 5, 10), today=date(2026, 5, 11))
    assert calculation.result["expired"] is False
    assert calculation.result["days_left"] == 0
    assert limitation(date(2023, 5, 10), today=date(2026, 5, 12)).result["expired"] is True


def test_future_due_date_is_allowed_with_a_note():
    calculation = limitation(date(2026, 6, 1), today=TODAY)
    assert calculation.result["last_day"] == date(2029, 6, 1)
    assert any("还没到" in c for c in calculation.cautions)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"due_date": date(2023, 5, 10), "last_interruption": date(2026, 3, 2)},  # future interruption
        {"due_date": None, "demand_date": date(2026, 3, 2)},  # future demand
        {"due_date": None, "last_interruption": date(2024, 1, 1)},  # nothing to interrupt
        {"due_date": "2023-05-10"},
    ],
)
def test_limitation_bad_input(kwargs):
    with pytest.raises(CalculationError):
        limitation(today=TODAY, **kwargs)


def test_period_end_notes_cite_the_articles():
    end = period_end(date(2022, 10, 1), 3)
    assert any("第二百零一条" in note for note in end.notes)
    assert any("第二百零二条" in note for note in end.notes)
    assert any("第二百零三条" in note for note in end.notes)


# --- enforcement deadline --------------------------------------------------------------------------------


def test_enforcement_deadline_two_years():
    # Performance period ends 2024-09-30 → 2 years → 2026-09-30 (Wednesday, working day).
    calculation = enforcement_deadline(date(2024, 9, 30), today=TODAY)
    assert calculation.result["last_day"] == date(2026, 9, 30)
    assert calculation.result["expired"] is False
    assert calculation.result["days_left"] == 213
    assert {"civil-procedure-law:第二百五十条", "civil-procedure-interpretation:第四百八十一条"} <= set(
        calculation.citations
    )
    assert "申请执行的期间为二年" in get_article("civil-procedure-law:第二百五十条").text
    assert_citations_resolve(calculation)


def test_enforcement_deadline_rolls_over_national_day():
    # 2023-10-01 → 2025-10-01 (National Day holiday 1–8 October 2025) → 2025-10-09.
    assert enforcement_deadline(date(2023, 10, 1), today=date(2024, 1, 1)).result["last_day"] == date(2025, 10, 9)


def test_enforcement_deadline_leap_day_lands_on_a_make_up_working_saturday():
    # 2024-02-29 → no 29 Feb in 2026 → 2026-02-28, a Saturday that is a working day under the 2026
    # Spring Festival arrangement → no roll-over.
    calculation = enforcement_deadline(date(2024, 2, 29), today=date(2025, 1, 1))
    assert calculation.result["last_day"] == date(2026, 2, 28)
    assert calculation.result["rolled_over"] is False


def test_enforcement_deadline_expired_explains_late_application():
    # 2022-01-10 → 2024-01-10 (Wednesday) → expired by 2026-03-01.
    calculation = enforcement_deadline(date(2022, 1, 10), today=TODAY)
    assert calculation.result["expired"] is True
    assert any("仍应受理" in c and "不予执行" in c for c in calculation.cautions)
    assert "人民法院应予受理" in get_article("civil-procedure-interpretation:第四百八十一条").text


def test_enforcement_deadline_bad_input():
    with pytest.raises(CalculationError):
        enforcement_deadline("2024-01-01", today=TODAY)


def test_enforcement_deadline_interrupted_by_a_demand_inside_the_window():
    # Tester 3: payment deadline 2023-08-31; without interruption 2025-08-31 (a Sunday) → 2025-09-01.
    # A demand in 2025-06 (month-only, read as 2025-06-01) falls inside that window, so under 民事诉讼法
    # 第二百五十条第一款 + 民法典第一百九十五条 two years restart from it: 2027-06-01 (a Tuesday, working day).
    # Today 2026-12-07 → 176 days left.
    calculation = enforcement_deadline(date(2023, 8, 31), today=date(2026, 12, 7), interruptions=[date(2025, 6, 1)])
    assert calculation.result["last_day"] == date(2027, 6, 1)
    assert calculation.result["expired"] is False
    assert calculation.result["days_left"] == 176
    assert calculation.result["interruptions_used"] == [date(2025, 6, 1)]
    assert "中断" in " ".join(calculation.breakdown)
    assert not any("没有考虑中断" in c for c in calculation.cautions)
    assert any("第八条" in c for c in calculation.cautions)
    assert {"civil-code:第一百九十五条", "limitation-provisions:第八条"} <= set(calculation.citations)
    assert "中断" in get_article("civil-procedure-law:第二百五十条").text
    assert_citations_resolve(calculation)


def test_enforcement_deadline_demand_after_expiry_or_before_start_does_not_interrupt():
    # 2022-01-10 → 2024-01-10 (Wednesday). A demand on 2021-12-01 (before the start) and one on 2025-05-01
    # (after expiry) change nothing.
    calculation = enforcement_deadline(
        date(2022, 1, 10), today=TODAY, interruptions=[date(2021, 12, 1), date(2025, 5, 1)]
    )
    assert calculation.result["last_day"] == date(2024, 1, 10)
    assert calculation.result["expired"] is True
    assert calculation.result["interruptions_used"] == []
    assert calculation.result["interruptions_ignored"] == [date(2021, 12, 1), date(2025, 5, 1)]
    assert "可能已于2024年1月10日届满" in calculation.summary
    assert any("不一定已经过期" in c for c in calculation.cautions)


def test_enforcement_deadline_two_demands_chain():
    # 2022-01-10 → 2024-01-10; demand 2023-12-01 → 2025-12-01 (Monday); demand 2025-11-03 → 2027-11-03
    # (Wednesday, working day).
    calculation = enforcement_deadline(
        date(2022, 1, 10), today=TODAY, interruptions=[date(2025, 11, 3), date(2023, 12, 1)]
    )
    assert calculation.result["interruptions_used"] == [date(2023, 12, 1), date(2025, 11, 3)]
    assert calculation.result["last_day"] == date(2027, 11, 3)


def test_enforcement_deadline_future_interruption_refused():
    with pytest.raises(CalculationError):
        enforcement_deadline(date(2022, 1, 10), today=TODAY, interruptions=[date(2026, 5, 1)])


def test_no_term_demand_is_not_called_the_first_demand():
    # User trial: he gave the LATEST demand (2026-11-30); the text must not call it 第一次催要日, and must say a
    # demand counts only if it reached the debtor (诉讼时效规定第八条). 2026-11-30 + 3 years = 2029-11-30 (Friday).
    calculation = limitation(None, demand_date=date(2026, 11, 30), today=date(2026, 12, 7))
    text = "\n".join([*calculation.breakdown, *calculation.cautions])
    assert "第一次催要日" not in text and "最近一次到达对方的催要" in text
    assert "到达对方" in " ".join(calculation.cautions) and "limitation-provisions:第八条" in calculation.citations
    assert calculation.result["last_day"] == date(2029, 11, 30)
