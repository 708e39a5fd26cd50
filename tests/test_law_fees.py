"""Court fees: worked examples from 《诉讼费用交纳办法》 第十三条、第十四条、第十五条、第十六条.

Every expected figure is worked by hand from the statute's cumulative bands ("分段累计"), not copied
from the code's output.
"""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from law import CalculationError, court_fee, enforcement_fee, get_article, payment_order_fee, preservation_fee


def assert_citations_resolve(calculation):
    assert calculation.citations
    assert len(calculation.citations) == len(set(calculation.citations))
    for key in calculation.citations:
        get_article(key)


def test_tier_tables_are_the_statute_text():
    # The figures used by the code must be the ones in the stored article text.
    art13 = get_article("litigation-fees-measures:第十三条").text
    for band in (
        "1．不超过1万元的，每件交纳50元；",
        "2．超过1万元至10万元的部分，按照2.5%交纳；",
        "3．超过10万元至20万元的部分，按照2%交纳；",
        "4．超过20万元至50万元的部分，按照1.5%交纳；",
        "5．超过50万元至100万元的部分，按照1%交纳；",
        "6．超过100万元至200万元的部分，按照0.9%交纳；",
        "7．超过200万元至500万元的部分，按照0.8%交纳；",
        "8．超过500万元至1000万元的部分，按照0.7%交纳；",
        "9．超过1000万元至2000万元的部分，按照0.6%交纳；",
        "10．超过2000万元的部分，按照0.5%交纳。",
    ):
        assert band in art13
    art14 = get_article("litigation-fees-measures:第十四条").text
    assert (
        "执行金额或者价额不超过1万元的，每件交纳50元；超过1万元至50万元的部分，按照1.5%交纳；"
        "超过50万元至500万元的部分，按照1%交纳；超过500万元至1000万元的部分，按照0.5%交纳；"
        "超过1000万元的部分，按照0.1%交纳。"
    ) in art14
    assert (
        "财产数额不超过1000元或者不涉及财产数额的，每件交纳30元；超过1000元至10万元的部分，按照1%交纳；"
        "超过10万元的部分，按照0.5%交纳。但是，当事人申请保全措施交纳的费用最多不超过5000元。"
    ) in art14
    assert "(三)依法申请支付令的，比照财产案件受理费标准的1/3交纳。" in art14
    assert (
        get_article("litigation-fees-measures:第十五条").text
        == "以调解方式结案或者当事人申请撤诉的，减半交纳案件受理费。"
    )
    assert get_article("litigation-fees-measures:第十六条").text == "适用简易程序审理的案件减半交纳案件受理费。"


# --- 案件受理费 第十三条(一) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("5000", "50.00"),  # ≤ 1万: flat 50
        ("10000", "50.00"),  # exactly 1万 is still "不超过1万元"
        ("10000.01", "50.00"),  # 50 + 0.01 × 2.5% = 50.00025 → 50.00
        ("10001", "50.03"),  # 50 + 1 × 2.5% = 50.025 → 50.03 (half-up, not half-even 50.02)
        ("20000", "300.00"),  # 50 + 10,000 × 2.5% = 300
        ("50000", "1050.00"),  # 50 + 40,000 × 2.5% = 1,050
        ("100000", "2300.00"),  # 50 + 90,000 × 2.5% = 2,300
        ("200000", "4300.00"),  # 2,300 + 100,000 × 2% = 4,300
        ("500000", "8800.00"),  # 4,300 + 300,000 × 1.5% = 8,800
        ("1000000", "13800.00"),  # 8,800 + 500,000 × 1% = 13,800
        ("2000000", "22800.00"),  # 13,800 + 1,000,000 × 0.9% = 22,800
        ("5000000", "46800.00"),  # 22,800 + 3,000,000 × 0.8% = 46,800
        ("10000000", "81800.00"),  # 46,800 + 5,000,000 × 0.7% = 81,800
        ("20000000", "141800.00"),  # 81,800 + 10,000,000 × 0.6% = 141,800
        ("30000000", "191800.00"),  # 141,800 + 10,000,000 × 0.5% = 191,800
        ("12345.67", "108.64"),  # 50 + 2,345.67 × 2.5% = 108.64175 → 108.64
    ],
)
def test_court_fee_ordinary(amount, expected):
    calculation = court_fee(D(amount))
    assert calculation.result == D(expected)
    assert calculation.name == "court-fee"
    assert_citations_resolve(calculation)


def test_court_fee_summary_procedure_is_half():
    # FACTS fact 79: 20,000 under summary procedure → 300 / 2 = 150.
    calculation = court_fee(D(20000), "summary")
    assert calculation.result == D("150.00")
    assert "简易程序减半" in calculation.summary
    assert "¥150.00" in calculation.summary
    assert "litigation-fees-measures:第十六条" in calculation.citations
    assert_citations_resolve(calculation)


def test_court_fee_half_rounding():
    # 12,345.67: full 108.64175, half 54.320875 → 54.32 (rounded once, at the end).
    assert court_fee(D("12345.67"), "summary").result == D("54.32")


def test_court_fee_small_claims_is_half_with_unconfirmed_caution():
    calculation = court_fee(D(20000), "small_claims")
    assert calculation.result == D("150.00")
    assert any("小额诉讼" in c and "减半估算" in c and "法院" in c for c in calculation.cautions)
    assert any("推导" in line for line in calculation.provenance)  # how the half was derived, off the chat
    assert "civil-procedure-interpretation:第二百八十一条" in calculation.citations
    assert_citations_resolve(calculation)


@pytest.mark.parametrize(
    ("procedure", "amount", "expected"), [("mediation", 50000, "525.00"), ("withdrawal", 5000, "25.00")]
)
def test_court_fee_mediation_and_withdrawal_are_half(procedure, amount, expected):
    # 第十五条: 50,000 → 1,050 / 2 = 525; 5,000 → 50 / 2 = 25.
    calculation = court_fee(D(amount), procedure)
    assert calculation.result == D(expected)
    assert "litigation-fees-measures:第十五条" in calculation.citations
    assert_citations_resolve(calculation)


def test_court_fee_breakdown_shows_each_band():
    calculation = court_fee(D(250000))
    # 50 + 90,000 × 2.5% (2,250) + 100,000 × 2% (2,000) + 50,000 × 1.5% (750) = 5,050
    assert calculation.result == D("5050.00")
    text = "\n".join(calculation.breakdown)
    assert "不超过1万元的部分：每件50元" in text
    assert "超过1万元至10万元的部分：¥90,000.00 × 2.5% = ¥2,250.00" in text
    assert "超过10万元至20万元的部分：¥100,000.00 × 2% = ¥2,000.00" in text
    assert "超过20万元至50万元的部分：¥50,000.00 × 1.5% = ¥750.00" in text
    assert "50万元至100万元" not in text


def test_court_fee_json():
    data = court_fee(D(20000)).to_json()
    assert data["result"] == "300.00"
    assert set(data) >= {"result", "summary", "breakdown", "citations", "cautions"}
    assert all(isinstance(line, str) for line in data["breakdown"])


# --- 支付令 第十四条(三) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (5000, "16.67"),  # 50 / 3 = 16.666… → 16.67
        (20000, "100.00"),  # 300 / 3 = 100
        (100000, "766.67"),  # 2,300 / 3 = 766.666… → 766.67
    ],
)
def test_payment_order_fee_is_a_third(amount, expected):
    calculation = payment_order_fee(D(amount))
    assert calculation.result == D(expected)
    assert "litigation-fees-measures:第三十六条" in calculation.citations
    assert any("由债务人负担" in c for c in calculation.cautions)
    assert_citations_resolve(calculation)


# --- 保全申请费 第十四条(二) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (500, "30.00"),  # ≤ 1,000: 30
        (1000, "30.00"),  # exactly 1,000 is "不超过1000元"
        (20000, "220.00"),  # 30 + 19,000 × 1% = 220 (FACTS fact 52)
        (100000, "1020.00"),  # 30 + 99,000 × 1% = 1,020 (FACTS fact 52)
        (200000, "1520.00"),  # 1,020 + 100,000 × 0.5% = 1,520
        (896000, "5000.00"),  # 1,020 + 796,000 × 0.5% = 5,000 exactly: the cap is reached, not exceeded
        ("896000.01", "5000.00"),  # 5,000.00005 → capped at 5,000
        (1000000, "5000.00"),  # 1,020 + 900,000 × 0.5% = 5,520 → capped at 5,000
        (100000000, "5000.00"),
    ],
)
def test_preservation_fee(amount, expected):
    calculation = preservation_fee(D(amount))
    assert calculation.result == D(expected)
    assert_citations_resolve(calculation)


def test_preservation_fee_says_when_the_cap_bites():
    assert "上限" in preservation_fee(D(1000000)).summary
    assert any("5000元" in line for line in preservation_fee(D(1000000)).breakdown)
    assert "上限" not in preservation_fee(D(896000)).summary
    assert "上限" not in preservation_fee(D(20000)).summary


# --- 申请执行费 第十四条(一) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (5000, "50.00"),  # ≤ 1万: 50
        (10000, "50.00"),  # exactly 1万
        (20000, "200.00"),  # 50 + 10,000 × 1.5% = 200 (FACTS fact 57)
        (50000, "650.00"),  # 50 + 40,000 × 1.5% = 650 (FACTS fact 57)
        (500000, "7400.00"),  # 50 + 490,000 × 1.5% = 7,400
        (5000000, "52400.00"),  # 7,400 + 4,500,000 × 1% = 52,400
        (10000000, "77400.00"),  # 52,400 + 5,000,000 × 0.5% = 77,400
        (20000000, "87400.00"),  # 77,400 + 10,000,000 × 0.1% = 87,400
    ],
)
def test_enforcement_fee(amount, expected):
    calculation = enforcement_fee(D(amount))
    assert calculation.result == D(expected)
    assert_citations_resolve(calculation)


def test_enforcement_fee_is_paid_after_enforcement_by_the_debtor():
    calculation = enforcement_fee(D(20000))
    assert "执行后交纳" in calculation.summary and "被执行人负担" in calculation.summary
    assert {"litigation-fees-measures:第二十条", "litigation-fees-measures:第三十八条"} <= set(calculation.citations)
    art20 = get_article("litigation-fees-measures:第二十条").text
    assert "执行申请费执行后交纳" in art20
    assert (
        "本办法第十条第(一)项、第(八)项规定的申请费由被执行人负担。"
        in get_article("litigation-fees-measures:第三十八条").text
    )


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [D(0), D(-1), D("-0.01"), D("NaN"), D("Infinity"), D("10000000000.01"), D("0.001"), "abc", 1.5, True, None],
)
@pytest.mark.parametrize("calculator", [court_fee, payment_order_fee, preservation_fee, enforcement_fee])
def test_bad_amounts_raise_calculation_error(calculator, amount):
    with pytest.raises(CalculationError) as info:
        calculator(amount)
    message = str(info.value)
    assert "\n" not in message
    assert " / " in message  # Chinese / English


def test_positive_amount_message():
    with pytest.raises(CalculationError, match="金额必须大于0 / .*amount must be positive"):
        court_fee(D(0))


def test_amount_limit_is_inclusive():
    assert court_fee(D("10000000000")).result > 0


def test_unknown_procedure():
    with pytest.raises(CalculationError):
        court_fee(D(1000), "appeal")
    assert isinstance(CalculationError("x"), ValueError)


# --- properties of the band tables ------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D("10000000000"), places=2)


@given(amounts, amounts)
def test_fees_never_decrease_with_the_amount(a, b):
    low, high = min(a, b), max(a, b)
    for calculator in (court_fee, preservation_fee, enforcement_fee, payment_order_fee):
        assert calculator(low).result <= calculator(high).result


@given(amounts)
def test_fee_bounds(amount):
    # Minimums: 50 (第十三条 first band), 30 (preservation), 50 (enforcement); preservation cap 5,000;
    # the marginal rate never exceeds 2.5% / 1% / 1.5%, so the fee never exceeds flat fee + rate × amount.
    assert D(50) <= court_fee(amount).result <= D(50) + amount * D("0.025") + D("0.01")
    assert D(30) <= preservation_fee(amount).result <= D(5000)
    assert D(50) <= enforcement_fee(amount).result <= D(50) + amount * D("0.015") + D("0.01")
    half = court_fee(amount, "summary").result
    assert abs(half * 2 - court_fee(amount).result) <= D("0.01")
