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
