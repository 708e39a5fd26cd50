"""The understanding readers against facts known independently of the corpus: calendar dates of
festivals, provincial capitals, negation, and the rule that computed readings are never sure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from understanding import Confirm, Value, read_answer, read_story
from understanding.amounts import find_amounts
from understanding.cues import mention
from understanding.dates import find_dates
from understanding.places import province_of

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("春节", date(2025, 6, 15), date(2025, 1, 29)),  # 2025 Spring Festival: 29 January
        ("春节", date(2026, 6, 15), date(2026, 2, 17)),  # 2026 Spring Festival: 17 February
        ("去年腊月初八", date(2025, 6, 15), date(2025, 1, 7)),  # 腊八 of lunar 2024
        ("正月十五", date(2024, 3, 1), date(2024, 2, 24)),  # 元宵 2024
    ],
)
def test_lunar_dates_match_the_calendar(text: str, today: date, expected: date):
    (reading,) = find_dates(text, today)
    assert reading.value == expected
    assert reading.how == "lunar"


def test_undated_festival_points_forward_for_a_due_date():
    (reading,) = find_dates("春节", date(2025, 6, 15), future=True)
    assert reading.value == date(2026, 2, 17)


@pytest.mark.parametrize(
    ("city", "province"),
    [
        ("石家庄", "河北"),
        ("太原", "山西"),
        ("呼和浩特", "内蒙古"),
        ("沈阳", "辽宁"),
        ("长春", "吉林"),
        ("哈尔滨", "黑龙江"),
        ("南京", "江苏"),
        ("杭州", "浙江"),
        ("合肥", "安徽"),
        ("福州", "福建"),
        ("南昌", "江西"),
        ("济南", "山东"),
        ("郑州", "河南"),
        ("武汉", "湖北"),
        ("长沙", "湖南"),
        ("广州", "广东"),
        ("南宁", "广西"),
        ("海口", "海南"),
        ("成都", "四川"),
        ("贵阳", "贵州"),
        ("昆明", "云南"),
        ("拉萨", "西藏"),
        ("西安", "陕西"),
        ("兰州", "甘肃"),
        ("西宁", "青海"),
        ("银川", "宁夏"),
        ("乌鲁木齐", "新疆"),
    ],
)
def test_every_provincial_capital_maps_to_its_province(city: str, province: str):
    assert province_of(city) == (province, "city")


def test_several_amounts_in_one_line():
    values = [a.value for a in find_amounts("花呗一万二 借呗九千，信用卡3.5万")]
    assert values == [Decimal("12000.00"), Decimal("9000.00"), Decimal("35000.00")]


def test_numbers_that_are_not_money_are_skipped():
    assert find_amounts("2023年3月借的，分了12期，一次还清") == []


def test_negation_is_per_clause():
    assert mention("没有借条只有转账", "借条") == "no"
    assert mention("没有借条只有转账", "转账") == "yes"
    assert mention("老板不给我工钱", "工钱") == "yes"


@pytest.mark.parametrize("text", ["上个月", "前几天", "去年腊月", "年后", "2024年"])
def test_computed_dates_are_confirmed_never_recorded(text: str):
    assert isinstance(read_answer("creditor.last_demand", text, TODAY), Confirm)


def test_a_written_date_is_recorded():
    assert read_answer("creditor.last_demand", "2025年3月1日", TODAY) == Value(
        {"last_demand": "2025-03-01", "last_demand__approx": False}
    )


def test_story_relative_dates_and_approximate_amounts_are_not_sure():
    readings = {r.key: r for r in read_story("我借给他两万多，上个月催过他", TODAY)}
    assert readings["amount"].value == "20000.00" and not readings["amount"].sure
    assert readings["last_demand"].value == "2025-05-01" and not readings["last_demand"].sure


def test_new_years_eve_belongs_to_the_lunar_year_it_closes():
    assert find_dates("去年除夕", TODAY)[0].value == date(2025, 1, 28)  # eve of 春节 2025
    assert find_dates("腊月三十", TODAY)[0].value == date(2025, 1, 28)  # 腊月 of lunar 2024 had 29 days


_ALPHABET = (
    "0123456789.,-年月日号一二两三四五六七八九十百千万块元多几"
    "农历腊正初廿春节年前后上下个去今明欠我借给不没有知道名字住哪在东莞朝阳区 ，"
)
_QUESTIONS = [
    "start.role",
    "creditor.debt_type",
    "creditor.amount",
    "creditor.evidence",
    "creditor.due_date",
    "creditor.last_demand",
    "creditor.identity_known",
    "creditor.province",
    "debtor.overdue_since",
    "debtor.harassment",
    "documents.my_phone",
]


def test_readers_never_raise_on_odd_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(_QUESTIONS), st.text(alphabet=_ALPHABET, max_size=24))
    def check(question_id: str, text: str) -> None:
        read_answer(question_id, text, TODAY)
        read_story(text, TODAY)

    check()


# --- user trial 2026-12-07 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("19年夏天", date(2019, 6, 1), "season"),  # a two-digit year's season
        ("去年冬天", date(2024, 12, 1), "season"),
        ("23年8月5号", date(2023, 8, 5), "day"),
        ("23年2月底", date(2023, 2, 28), "about"),  # month-end is the month's last day (not a leap year)
        ("24年2月底", date(2024, 2, 29), "about"),
        ("98年", date(1998, 1, 1), "year"),  # a two-digit year after this year is in the 1900s
        ("22年初", date(2022, 1, 5), "about"),
    ],
)
def test_two_digit_years_seasons_and_month_ends(text: str, expected: date, precision: str):
    (reading,) = find_dates(text, TODAY)
    assert (reading.value, reading.precision) == (expected, precision)


def test_impossible_two_digit_dates_are_not_read():
    assert find_dates("23年13月", TODAY) == [] and find_dates("23年2月30号", TODAY) == []
    assert find_dates("10年前", TODAY)[0].text == "年前"  # a duration, not the year 2010


def test_a_season_reads_as_three_months_to_confirm():
    reading = read_answer("creditor.loan_date", "2019年夏天", TODAY)
    assert isinstance(reading, Confirm) and reading.facts["loan_date__precision"] == "season"
    from flows.answers import display
    from flows.spec import load_registry

    node = load_registry().node("creditor.loan_date")
    assert display(node, reading.facts) == "约2019年6月—8月（按6月1日计）"
    winter = read_answer("creditor.loan_date", "2019年冬天", TODAY).facts
    assert display(node, winter) == "约2019年12月—2020年2月（按12月1日计）"


def test_a_due_date_said_as_a_time_after_the_loan():
    known = {"loan_date": "2024-01-31"}
    reading = read_answer("creditor.due_date", "说好十二个月后还", TODAY, known)
    assert isinstance(reading, Confirm) and reading.facts["due_date"] == "2025-01-31"
    reading = read_answer("creditor.due_date", "一个月就还", TODAY, known)
    assert reading.facts["due_date"] == "2024-02-29"  # the last day of a shorter month
    assert read_answer("creditor.due_date", "二十个月内还", TODAY, known).facts["due_date"] == "2025-09-30"
    assert read_answer("creditor.due_date", "半年就还", TODAY, {}).reason == "due_after_duration"


def test_dates_months_apart_stay_several():
    reading = read_answer("creditor.due_date", "去年3月借的 说好过年前还", TODAY)
    assert reading.reason == "several_dates"


def test_a_story_never_takes_a_future_date_for_a_past_event():
    facts = {r.key: r.value for r in read_story("朋友借了我两万 说发了工资就还 下个月再去找他要", TODAY)}
    assert "last_demand" not in facts


def test_doubt_about_something_else_at_a_debtor_question():
    reading = read_answer("debtor.harassment", "天天打电话 不知道是哪家公司的", TODAY)
    assert not (isinstance(reading, Value) and reading.facts.get("identity_known"))


def test_an_amount_refined_into_a_range_and_a_total_after_a_principal():
    amounts = find_amounts("两万多 快三万了吧")
    from understanding.amounts import debt_figures

    kept, why = debt_figures("两万多 快三万了吧", amounts)
    assert why == "estimate" and (kept[0].value, kept[0].high) == (Decimal(20000), Decimal(30000))
    kept, why = debt_figures("一万 加上利息一共一万三", find_amounts("一万 加上利息一共一万三"))
    assert why == "total" and kept[0].value == Decimal(13000)
    text = "花呗一万二 借呗九千"
    assert debt_figures(text, find_amounts(text))[1] is None  # several debts: the user is asked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("去年腊月 说好过年前结的", "2026-02-02"),  # 春节 2026 was 17 February
        ("不晓得几号 就是过年前 今年过年是2月份吧", "2026-02-02"),  # one date described three ways
    ],
)
def test_one_event_said_several_ways_on_the_trial_day(text: str, expected: str):
    reading = read_answer("creditor.due_date", text, date(2026, 12, 7))
    assert isinstance(reading, Confirm) and reading.facts["due_date"] == expected


def test_a_loan_story_on_the_trial_day_keeps_2019_not_next_month():
    readings = {r.key: r.value for r in read_story("19年借给朋友三万块钱 微信转的 没打借条 他一直说下个月还下个月还",
                                                   date(2026, 12, 7))}
    assert readings["loan_date"] == "2019-01-01"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("法院判了我还他四万六 会不会上失信名单？", "stage"),
        ("我有个2023年的判决 他一直不还 现在去申请执行还来得及吗", "stage"),
    ],
)
def test_a_question_in_a_story_is_not_a_fact(text: str, key: str):
    readings = {r.key: r.value for r in read_story(text, TODAY)}
    assert key not in readings and readings["questions"]


def test_doubt_about_another_thing_keeps_the_answer_without_identity_facts():
    reading = read_answer("debtor.creditor_kind", "信用卡 不知道是哪个银行的", TODAY)
    assert isinstance(reading, Value) and reading.facts == {"creditor_kind": "credit_card"}
    reading = read_answer("creditor.attitude", "不接电话 不知道为啥", TODAY)
    assert isinstance(reading, Value) and reading.facts == {"attitude": "ignores"}


def test_a_due_date_in_digits_after_the_loan():
    reading = read_answer("creditor.due_date", "说好6个月就还", TODAY, {"loan_date": "2024-03-15"})
    assert isinstance(reading, Confirm) and reading.facts["due_date"] == "2024-09-15"
