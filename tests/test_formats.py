"""Typed answers with a fixed shape (text/formats.py, text/rates.py): identity numbers, phones, names, rates..."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import clock
from text.errors import ParseError
from text.formats import (
    EXAMPLE_IDS,
    display,
    id_birth_and_gender,
    id_check_char,
    parse_account_tail,
    parse_address,
    parse_court,
    parse_ethnicity,
    parse_format,
    parse_id_number,
    parse_name,
    parse_phone,
)
from text.rates import parse_rate


def test_the_standard_example_identity_number() -> None:
    # The example of GB 11643-1999: 11010519491231002X, a woman born 1949-12-31.
    assert id_check_char("11010519491231002") == "X"
    assert parse_id_number("320106 1985 0312 0413") == "320106198503120413"
    with pytest.raises(ParseError) as caught:  # the question's own example, typed back, is nobody's number
        parse_id_number("110105 1949 1231 002x")
    assert caught.value.code == "fmt_id_example"
    with pytest.raises(ParseError) as caught:  # a valid check digit, born 2030: a typo
        parse_id_number("11010520300101001X")
    assert caught.value.code == "fmt_id_future"
    assert id_birth_and_gender("11010519491231002X") == (date(1949, 12, 31), "女")
    assert id_birth_and_gender("320106198503120413") == (date(1985, 3, 12), "男")
    assert id_birth_and_gender(None) == (None, None)


@pytest.mark.parametrize(("text", "code"), [
    ("11010519491231002", "fmt_id_length"),
    ("110105194912310021", "fmt_id_checksum"),
    ("110105491231002", "fmt_id_old"),
    ("11010519491331002X", "fmt_id_birth"),
    ("11010518000101002X", "fmt_id_birth"),
    ("1101051949123100X2", "fmt_id_chars"),
])
def test_bad_identity_numbers_are_refused_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_id_number(text)
    assert err.value.code == code


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_round_trip(first17: str) -> None:
    number = first17 + id_check_char(first17)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > clock.today() or number in EXAMPLE_IDS:
        with pytest.raises(ParseError):
            parse_id_number(number)
        return
    assert parse_id_number(number) == number
    wrong = "0123456789X".replace(number[17], "")[0]
    with pytest.raises(ParseError):
        parse_id_number(first17 + wrong)


def test_phones_names_addresses_courts_and_cards() -> None:
    assert parse_phone("+86 138-1234-5678") == "13812345678"
    assert parse_phone("（010）12345678".replace("（", "(").replace("）", ")")) == "010-12345678"
    assert parse_phone("0755 8765 4321") == "0755-87654321"
    for bad in ["12345", "23812345678", "abc"]:
        with pytest.raises(ParseError):
            parse_phone(bad)
    assert parse_name("  阿依古丽·买买提 ") == "阿依古丽·买买提"
    for bad in ["张", "张三123", "支付令是什么？"]:
        with pytest.raises(ParseError):
            parse_name(bad)
    for bad in ["南京", "支付令是什么？"]:
        with pytest.raises(ParseError):
            parse_address(bad)
    assert parse_ethnicity("回") == "回族" and parse_ethnicity("汉族") == "汉族"
    assert parse_court("鼓楼区") == "鼓楼区人民法院" and parse_court("朝阳法院") == "朝阳法院"
    assert parse_account_tail("6222 0212 3456 6688") == "6688"  # only the last four are kept


@pytest.mark.parametrize(("text", "pct", "unit"), [
    ("年利率12%", "12", "year"), ("12%", "12", "year"), ("年化 24 %", "24", "year"), ("月息2分", "2", "month"),
    ("两分利", "2", "month"), ("1分5", "1.5", "month"), ("月利率1.5%", "1.5", "month"), ("0.5%/月", "0.5", "month"),
    ("日利率0.05%", "0.05", "day"), ("万分之五/天", "0.05", "day"),
])
def test_rates(text: str, pct: str, unit: str) -> None:
    assert parse_rate(text) == (Decimal(pct), unit)


def test_rates_refused() -> None:
    for bad in ["很高", "1%和2%", "0%"]:
        with pytest.raises(ParseError) as err:
            parse_rate(bad)
        assert err.value.code == "fmt_rate"
    with pytest.raises(ParseError) as err:
        parse_rate("月息100分")
    assert err.value.code == "fmt_rate_high"


def test_display_masks_identity_and_phone() -> None:
    facts = parse_format("id_number", "my_id", "320106198503120413")
    assert display("id_number", "my_id", facts) == "320106********0413"
    assert display("phone", "p", {"p": "13812345678"}) == "138****5678"
    assert display("rate", "r", parse_format("rate", "r", "月息2分")) == "月利率2%"
    assert display("name", "n", {"n": None}) == "（已跳过）"
    with pytest.raises(ValueError):
        parse_format("telepathy", "x", "?")


@pytest.mark.parametrize("text", ["他叫张伟，不过我不确定是不是真名", "张伟，男", "好像叫李四", "对方叫王五"])
def test_a_sentence_is_not_a_name(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_name(text)
    assert caught.value.code == "fmt_name_sentence"


@pytest.mark.parametrize("text", ["张伟", "欧阳娜娜", "某某科技有限公司", "Anna Müller"])
def test_names_and_companies_pass(text: str) -> None:
    assert parse_name(text) == text


def test_an_identity_number_is_checked_against_the_day_given() -> None:
    # Born 1985-03-12: refused on the day before, accepted on the day itself.
    with pytest.raises(ParseError) as caught:
        parse_id_number("320106198503120413", date(1985, 3, 11))
    assert caught.value.code == "fmt_id_future"
    assert parse_id_number("320106198503120413", date(1985, 3, 12)) == "320106198503120413"
    assert parse_format("id_number", "my_id", "320106198503120413", date(2026, 1, 1)) == {"my_id": "320106198503120413"}
