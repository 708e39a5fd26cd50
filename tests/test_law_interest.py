"""Interest cap (民间借贷规定 第二十五条、第三十一条) and delay interest (迟延履行利息解释 第一条—第三条).

LPR values quoted in comments are the rows of law/data/lpr.csv (month, publish_date, one-year %).
"""

from datetime import date
from decimal import Decimal as D

import pytest

from law import CalculationError, delay_interest, get_article, interest_cap, lpr_on
from law.lpr import data_currency_caution, data_source_note, latest_row, lpr_rows

TODAY = date(2025, 6, 1)


def assert_citations_resolve(calculation):
    assert calculation.citations
    assert len(calculation.citations) == len(set(calculation.citations))
    for key in calculation.citations:
        get_article(key)


# --- LPR data ----------------------------------------------------------------------------------------


def test_lpr_series_starts_2019_08_20():
    first = lpr_rows()[0]
    assert (first.month, first.publish_date, first.one_year_pct) == ("2019-08", date(2019, 8, 20), D("4.25"))
    # 民间借贷规定 第二十五条第二款 names the series "自2019年8月20日起每月发布".
    assert "自2019年8月20日起每月发布" in get_article("private-lending-provisions:第二十五条").text


def test_lpr_in_force_is_latest_publication_on_or_before_the_day():
    assert lpr_on(date(2019, 8, 20)).one_year_pct == D("4.25")  # published that day
    assert lpr_on(date(2019, 9, 19)).one_year_pct == D("4.25")  # 2019-09 row is published on 09-20
    assert lpr_on(date(2019, 9, 20)).one_year_pct == D("4.20")
    assert lpr_on(date(2023, 6, 19)).one_year_pct == D("3.65")  # 2023-05 row
    assert lpr_on(date(2023, 6, 20)).one_year_pct == D("3.55")  # 2023-06 row
    with pytest.raises(CalculationError):
        lpr_on(date(2019, 8, 19))


def test_data_currency_caution_names_last_month_and_confidence():
    assert latest_row().month == "2026-08"
    assert data_currency_caution().startswith("这里的LPR数值截至2026-08")
    assert data_source_note().startswith("LPR数据截至2026-08（单一来源，未经第二来源确认）")


# --- cap at contract formation (第二十五条) -----------------------------------------------------------


def test_cap_uses_lpr_at_contract_formation():
    # Contract 2023-05-01: LPR in force = 2023-04 row (published 2023-04-20) 3.65% → cap 4 × 3.65 = 14.60%.
    # Agreed 24% a year > 14.60% → the part above is not supported.
    calculation = interest_cap(date(2023, 5, 1), D(24), today=TODAY)
    result = calculation.result
    assert result["regime"] == "formation"
    assert result["cap_pct"] == D("14.60")
    assert result["user_annual_pct"] == D(24)
    assert result["exceeds"] is True
    assert result["lpr"]["month"] == "2023-04"
    assert result["lpr"]["value_pct"] == "3.65"
    assert result["lpr"]["confidence_zh"] == "两个来源一致"
    assert "14.6%" in calculation.summary and "24%" in calculation.summary
    assert "private-lending-provisions:第二十五条" in calculation.citations
    assert_citations_resolve(calculation)


def test_monthly_rate_is_multiplied_by_twelve():
    # 月息2分 = 2% a month → 24% a year; 月息1分 = 12% a year ≤ 14.60%.
    two = interest_cap(date(2023, 5, 1), D(2), unit="month", today=TODAY)
    assert two.result["user_annual_pct"] == D(24)
    assert two.result["exceeds"] is True
    assert any("×12" in line for line in two.breakdown)
    one = interest_cap(date(2023, 5, 1), D(1), unit="month", today=TODAY)
    assert one.result["user_annual_pct"] == D(12)
    assert one.result["exceeds"] is False


def test_daily_rate_is_multiplied_by_365():
    # 0.05% a day × 365 = 18.25% a year > 14.60%.
    calculation = interest_cap(date(2023, 5, 1), D("0.05"), unit="day", today=TODAY)
    assert calculation.result["user_annual_pct"] == D("18.25")
    assert calculation.result["exceeds"] is True
    assert any("×365" in line for line in calculation.breakdown)


def test_rate_equal_to_the_cap_is_not_above_it():
    # "超过…四倍的除外": exactly four times is still supported.
    calculation = interest_cap(date(2023, 5, 1), D("14.6"), today=TODAY)
    assert calculation.result["exceeds"] is False
    assert interest_cap(date(2023, 5, 1), D("14.61"), today=TODAY).result["exceeds"] is True


def test_contract_on_2020_08_20_uses_formation_rule():
    # 2020-08 row published 2020-08-20: 3.85% → cap 15.40%.
    calculation = interest_cap(date(2020, 8, 20), D(15), today=TODAY)
    assert calculation.result["regime"] == "formation"
    assert calculation.result["cap_pct"] == D("15.40")
    assert calculation.result["exceeds"] is False


def test_recent_contract_uses_single_source_lpr_with_caution():
    # 2025-05 row (published 2025-05-20) 3.00% → cap 12%; single-source row.
    calculation = interest_cap(date(2025, 5, 20), D(13), today=TODAY)
    assert calculation.result["cap_pct"] == D("12.00")
    assert calculation.result["lpr"]["confidence_zh"] == "单一来源，未经第二来源确认"
    assert any(c.startswith("这里的LPR数值截至2026-08") for c in calculation.cautions)
    assert any(line.startswith("LPR数据截至2026-08") for line in calculation.provenance)


def test_contract_after_the_data_warns_that_a_newer_lpr_may_exist():
    # Last row 2026-08; from 2026-09-20 a newer LPR may have been published that we do not hold.
    calculation = interest_cap(date(2026, 9, 25), D(10), today=date(2026, 10, 1))
    assert any("可能已发布新的LPR" in c for c in calculation.cautions)
    assert not any(
        "可能已发布新的LPR" in c for c in interest_cap(date(2026, 9, 1), D(10), today=date(2026, 9, 2)).cautions
    )


# --- transitional rule (第三十一条) --------------------------------------------------------------------


def test_contract_before_the_lpr_series_is_computed_not_refused():
    # Formed 2018-03-01, before the first LPR (2019-08-20): 第三十一条第二款 still caps interest from 2020-08-20 at
    # 4 × the one-year LPR at filing — no LPR at formation is needed. Filing = today 2025-06-01 → 3.00% → 12%.
    calculation = interest_cap(date(2018, 3, 1), D(24), today=TODAY)
    assert calculation.result["regime"] == "transitional"
    assert calculation.result["cap_pct"] == D("12.00")
    assert calculation.result["exceeds"] is True
    assert "private-lending-provisions:第三十一条" in calculation.citations


def test_contract_before_2020_08_20_uses_transitional_rule():
    # Formed 2020-08-19: interest from 2020-08-20 is capped at 4 × LPR at filing (第三十一条第二款).
    # "Filing" = today 2025-06-01 → 2025-05 row 3.00% → 12%.
    calculation = interest_cap(date(2020, 8, 19), D(15), today=TODAY)
    assert calculation.result["regime"] == "transitional"
    assert calculation.result["cap_pct"] == D("12.00")
    assert calculation.result["exceeds"] is True
    assert calculation.result["lpr"]["month"] == "2025-05"
    assert "private-lending-provisions:第三十一条" in calculation.citations
    text = "\n".join(calculation.breakdown)
    assert "2020年8月19日" in text and "起诉时" in text and "24%" in text and "36%" in text
    assert any("2015" in c and "12348" in c for c in calculation.cautions)
    assert "适用起诉时本规定的利率保护标准计算" in get_article("private-lending-provisions:第三十一条").text
    assert_citations_resolve(calculation)


# --- licensed lenders ----------------------------------------------------------------------------------


def test_licensed_lender_does_not_get_the_private_lending_cap():
    calculation = interest_cap(date(2024, 1, 10), D("0.05"), unit="day", lender="licensed", today=TODAY)
    result = calculation.result
    assert result["regime"] == "licensed"
    assert result["cap_pct"] is None
    assert result["exceeds"] is None
    assert result["lpr"] is None
    assert result["user_annual_pct"] == D("18.25")
    assert {"private-lending-provisions:第一条", "private-lending-scope-reply:一"} <= set(calculation.citations)
    assert any("说不准" in c for c in calculation.cautions)
    assert "不适用本规定" in get_article("private-lending-provisions:第一条").text
    assert "小额贷款公司" in get_article("private-lending-scope-reply:一").text
    assert_citations_resolve(calculation)


def test_licensed_lender_accepts_contracts_before_the_lpr_series():
    assert interest_cap(date(2018, 3, 1), D(20), lender="licensed", today=TODAY).result["regime"] == "licensed"


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"contract_date": date(2025, 6, 2), "rate": D(24)},  # after "today"
        {"contract_date": date(2023, 5, 1), "rate": D(-1)},
        {"contract_date": date(2023, 5, 1), "rate": D("NaN")},
        {"contract_date": date(2023, 5, 1), "rate": D(2000)},
        {"contract_date": date(2023, 5, 1), "rate": D(24), "unit": "week"},
        {"contract_date": date(2023, 5, 1), "rate": D(24), "lender": "bank"},
        {"contract_date": "2023-05-01", "rate": D(24)},
    ],
)
def test_interest_cap_bad_input(kwargs):
    with pytest.raises(CalculationError) as info:
        interest_cap(today=TODAY, **kwargs)
    assert "\n" not in str(info.value) and " / " in str(info.value)


# --- delay interest ----------------------------------------------------------------------------------


def test_delay_interest_worked_example():
    # Performance period ends 2024-03-11, paid 2024-03-21: 12…21 March = 10 days (start day not counted,
    # 第二条 "自…届满之日起计算"; end day counted, 第三条 "计算至…履行完毕之日").
    # 100,000 × 0.000175 × 10 = 175.00
    calculation = delay_interest(D(100000), date(2024, 3, 11), date(2024, 3, 21), today=TODAY)
    assert calculation.result == D("175.00")
    assert "10天" in calculation.summary
    assert "日万分之一点七五" in get_article("delayed-performance-interest:第一条").text
    assert_citations_resolve(calculation)


@pytest.mark.parametrize(
    ("principal", "start", "end", "expected"),
    [
        # 33,333.33 × 0.000175 = 5.83333275; × 45 = 262.49997375 → 262.50
        ("33333.33", date(2024, 1, 1), date(2024, 2, 15), "262.50"),
        # 100 × 0.000175 × 6 = 0.105 → 0.11 (half-up; half-even would give 0.10)
        ("100", date(2024, 1, 1), date(2024, 1, 7), "0.11"),
        # leap year: 2024-02-28 → 2024-03-01 is 2 days (29 Feb and 1 Mar); 50,000 × 0.000175 × 2 = 17.50
        ("50000", date(2024, 2, 28), date(2024, 3, 1), "17.50"),
        # one year 2023-01-01 → 2024-01-01 = 365 days; 10,000 × 0.000175 × 365 = 638.75
        ("10000", date(2023, 1, 1), date(2024, 1, 1), "638.75"),
    ],
)
def test_delay_interest_examples(principal, start, end, expected):
    assert delay_interest(D(principal), start, end, today=TODAY).result == D(expected)


def test_delay_interest_projection_into_the_future_is_flagged():
    calculation = delay_interest(D(10000), date(2025, 5, 1), date(2025, 7, 1), today=TODAY)
    assert any("预估" in c for c in calculation.cautions)


@pytest.mark.parametrize(
    ("principal", "start", "end"),
    [
        (D(0), date(2024, 1, 1), date(2024, 2, 1)),
        (D(1000), date(2024, 2, 1), date(2024, 2, 1)),  # no day of delay
        (D(1000), date(2024, 2, 1), date(2024, 1, 1)),  # end before start
        (D(1000), date(2025, 6, 2), date(2025, 7, 1)),  # start after today
    ],
)
def test_delay_interest_bad_input(principal, start, end):
    with pytest.raises(CalculationError):
        delay_interest(principal, start, end, today=TODAY)
