"""Deadlines after a judgment, labour arbitration and the transitional interest cap, worked from the statute.

Every expected date below is worked by hand from the article cited next to it; weekday and holiday
facts are from the State Council arrangements (2024: 国庆 10-01..10-07; 2025: 国庆/中秋 10-01..10-08).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from law.calculation import CalculationError
from law.deadlines import (
    add_months,
    answer_deadline,
    appeal_deadline,
    labour_arbitration_deadline,
    retrial_deadline,
    transitional_interest_cap,
)
from law.kb import get_article
from law.lpr import lpr_on

TODAY = date(2025, 3, 1)


# --- appeal: 民事诉讼法 第一百七十一条 (15/10 days from service), 第八十五条 (start day not counted) ---


def test_judgment_appeal_is_fifteen_days_after_service() -> None:
    # Served Mon 2025-03-03; day 1 = 03-04 ... day 15 = 03-18 (Tue, a working day).
    calc = appeal_deadline(date(2025, 3, 3), "judgment", today=date(2025, 3, 5))
    assert calc.result["last_day"] == date(2025, 3, 18)
    assert calc.result["days_left"] == 13
    assert not calc.result["expired"]
    assert "civil-procedure-law:第一百七十一条" in calc.citations


def test_ruling_appeal_is_ten_days_after_service() -> None:
    calc = appeal_deadline(date(2025, 3, 3), "ruling", today=date(2025, 3, 5))
    assert calc.result["last_day"] == date(2025, 3, 13)  # Thursday


def test_appeal_last_day_on_a_weekend_moves_to_monday() -> None:
    # Served Fri 2025-03-07 + 15 = Sat 2025-03-22 → Mon 2025-03-24 (第八十五条第三款).
    calc = appeal_deadline(date(2025, 3, 7), today=date(2025, 3, 10))
    assert calc.result["unadjusted_last_day"] == date(2025, 3, 22)
    assert calc.result["last_day"] == date(2025, 3, 24)


def test_appeal_last_day_in_national_day_holiday_moves_past_it() -> None:
    # Served 2025-09-16 + 15 = 2025-10-01, holiday through 10-08 → Thu 2025-10-09.
    calc = appeal_deadline(date(2025, 9, 16), today=date(2025, 9, 20))
    assert calc.result["last_day"] == date(2025, 10, 9)


def test_expired_appeal_points_to_retrial() -> None:
    calc = appeal_deadline(date(2025, 1, 2), today=date(2025, 3, 1))
    assert calc.result["expired"] and "届满" in calc.summary
    assert any("再审" in c for c in calc.cautions)


def test_small_claims_cannot_be_appealed() -> None:
    calc = appeal_deadline(date(2025, 2, 20), small_claims=True, today=TODAY)
    assert calc.result["appealable"] is False and calc.result["last_day"] is None
    assert "不能上诉" in calc.summary
    assert "civil-procedure-interpretation:第四百二十四条" in calc.citations
    assert "可以上诉" in " ".join(calc.breakdown)  # the retrial on "should not have been a small claim"


def test_appeal_rejects_bad_input() -> None:
    with pytest.raises(CalculationError):
        appeal_deadline(date(2025, 3, 2), "order", today=TODAY)
    with pytest.raises(CalculationError):
        appeal_deadline(date(2025, 3, 2), today=TODAY)  # served after "today"


# --- retrial: 民事诉讼法 第二百一十六条 (6 months after effect) ---------------------------------------


def test_retrial_six_months_corresponding_day() -> None:
    calc = retrial_deadline(date(2024, 4, 10), today=TODAY)
    assert calc.result["last_day"] == date(2024, 10, 10)  # Thursday
    assert calc.result["expired"]


def test_retrial_without_corresponding_day_ends_on_month_end() -> None:
    # 2024-08-31 + 6 months: no 31 February → 2025-02-28 (Friday, working day).
    calc = retrial_deadline(date(2024, 8, 31), today=date(2024, 9, 2))
    assert calc.result["last_day"] == date(2025, 2, 28)
    assert calc.result["days_left"] == (date(2025, 2, 28) - date(2024, 9, 2)).days


def test_retrial_end_in_holiday_rolls_over() -> None:
    # 2024-04-01 + 6 months = 2024-10-01 (国庆 through 10-07) → Tue 2024-10-08.
    calc = retrial_deadline(date(2024, 4, 1), today=date(2024, 4, 2))
    assert calc.result["last_day"] == date(2024, 10, 8)


def test_add_months_wraps_years() -> None:
    assert add_months(date(2024, 11, 30), 6) == date(2025, 5, 30)
    assert add_months(date(2023, 8, 29), 6) == date(2024, 2, 29)  # leap year has the day


# --- labour arbitration: 劳动争议调解仲裁法 第二十七条 ---------------------------------------------------


def test_labour_one_year_rolls_over_weekend() -> None:
    # Known 2024-03-15 + 1 year = Sat 2025-03-15 → Mon 2025-03-17.
    calc = labour_arbitration_deadline(date(2024, 3, 15), today=TODAY)
    assert calc.result["last_day"] == date(2025, 3, 17)
    assert "labour-dispute-arbitration-law:第二十七条" in calc.citations


def test_labour_interruption_restarts_the_year() -> None:
    calc = labour_arbitration_deadline(date(2024, 3, 15), interruptions=[date(2024, 12, 1)], today=TODAY)
    assert calc.result["last_day"] == date(2025, 12, 1)  # Monday
    assert any("重新计算" in line for line in calc.breakdown)


def test_labour_interruption_after_expiry_has_no_effect() -> None:
    calc = labour_arbitration_deadline(date(2023, 1, 10), interruptions=[date(2024, 2, 1)], today=TODAY)
    assert calc.result["last_day"] == date(2024, 1, 10)  # Wednesday
    assert calc.result["expired"]
    assert any("不再产生中断" in line for line in calc.breakdown)


def test_labour_wages_during_employment_not_limited_until_it_ends() -> None:
    running = labour_arbitration_deadline(date(2023, 1, 10), wages_during_employment=True, today=TODAY)
    assert running.result["running"] is False and running.result["last_day"] is None
    ended = labour_arbitration_deadline(
        date(2023, 1, 10), wages_during_employment=True, employment_ended=date(2024, 6, 30), today=TODAY
    )
    assert ended.result["last_day"] == date(2025, 6, 30)  # Monday


# --- transitional cap: 民间借贷规定 第三十一条第二款 -----------------------------------------------------


def test_transitional_cap_is_four_times_lpr_at_filing() -> None:
    filing = date(2025, 3, 1)
    calc = transitional_interest_cap(date(2018, 5, 1), filing)
    assert calc.result["cap_pct"] == lpr_on(filing).one_year_pct * 4
    assert "起诉" in get_article("private-lending-provisions:第三十一条").text  # the rule really says 起诉时


def test_transitional_cap_known_value() -> None:
    # LPR published 2020-08-20 was 3.85% (unchanged through 2020-12); 4 × 3.85 = 15.4.
    calc = transitional_interest_cap(date(2019, 1, 1), date(2020, 12, 1))
    assert calc.result["cap_pct"] == Decimal("15.40")


def test_transitional_cap_refuses_where_rule_does_not_apply() -> None:
    with pytest.raises(CalculationError):
        transitional_interest_cap(date(2020, 8, 20), date(2025, 1, 1))
    with pytest.raises(CalculationError):
        transitional_interest_cap(date(2019, 1, 1), date(2020, 8, 19))


def test_every_citation_resolves() -> None:
    calcs = [
        appeal_deadline(date(2025, 3, 3), today=date(2025, 3, 5)),
        appeal_deadline(date(2025, 2, 20), small_claims=True, today=TODAY),
        retrial_deadline(date(2024, 4, 10), today=TODAY),
        labour_arbitration_deadline(date(2024, 3, 15), today=TODAY),
        transitional_interest_cap(date(2018, 5, 1), date(2025, 3, 1)),
    ]
    for calc in calcs:
        for key in calc.citations:
            get_article(key)


# --- command line ---------------------------------------------------------------------------------------


def test_calc_cli_entries(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from law.cli import main

    assert main(["calc", "appeal-deadline", "--served", "2025-09-16", "--today", "2025-09-20", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["last_day"] == "2025-10-09"
    assert main(["calc", "appeal-deadline", "--served", "2025-03-03", "--ruling", "--today", "2025-03-05"]) == 0
    assert "2025年3月13日" in capsys.readouterr().out
    assert main(["calc", "retrial-deadline", "--effective", "2024-08-31", "--today", "2024-09-02", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["last_day"] == "2025-02-28"
    args = ["calc", "labour-arbitration", "--known", "2024-03-15", "--interruption", "2024-12-01"]
    assert main([*args, "--today", "2025-03-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["last_day"] == "2025-12-01"


# --- answer period (民事诉讼法第一百二十八条) -----------------------------------------------------------


def test_answer_deadline_fifteen_days_from_receiving_the_complaint():
    # Received Monday 2026-11-30: day 1 is 12-01, day 15 is Tuesday 2026-12-15, a working day.
    calculation = answer_deadline(date(2026, 11, 30), today=date(2026, 12, 7))
    assert calculation.result["last_day"] == date(2026, 12, 15) and calculation.result["days_left"] == 8
    assert "civil-procedure-law:第一百二十八条" in calculation.citations
    assert any("不影响人民法院审理" in c for c in calculation.cautions)


def test_answer_deadline_on_a_saturday_moves_to_monday():
    # Received Friday 2026-11-27: day 15 is Saturday 2026-12-12 → the next working day, Monday 2026-12-14 (第八十五条).
    calculation = answer_deadline(date(2026, 11, 27), today=date(2026, 12, 7))
    assert calculation.result["unadjusted_last_day"] == date(2026, 12, 12)
    assert calculation.result["last_day"] == date(2026, 12, 14)


def test_answer_deadline_refuses_a_future_service_date():
    with pytest.raises(CalculationError):
        answer_deadline(date(2026, 12, 8), today=date(2026, 12, 7))
