"""Small-claims eligibility (民事诉讼法 第一百六十五条) and trial periods.

Limits are the rows of law/data/small-claims-thresholds.csv; the rule is "标的额为…年平均工资百分之五十以下"
(mandatory, 第一款) and "超过百分之五十但在二倍以下" (by agreement, 第二款) — "以下" includes the figure itself.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from law import CalculationError, get_article, small_claims, trial_periods
from law.small_claims import thresholds
from text.provinces import province_name

IN_2026 = date(2026, 3, 1)


def assert_citations_resolve(calculation):
    assert calculation.citations
    assert len(calculation.citations) == len(set(calculation.citations))
    for key in calculation.citations:
        get_article(key)


def test_rule_text():
    art165 = get_article("civil-procedure-law:第一百六十五条").text
    assert "年平均工资百分之五十以下的，适用小额诉讼的程序审理，实行一审终审" in art165
    assert (
        "超过各省、自治区、直辖市上年度就业人员年平均工资百分之五十但在二倍以下的，当事人双方也可以约定适用" in art165
    )


# --- Jiangsu: 2026 row, effective 2026-01-04: 64,610 / 258,440 --------------------------------------


def test_within_mandatory_limit():
    calculation = small_claims(D(50000), "江苏", today=IN_2026)
    result = calculation.result
    assert result["eligible"] is True
    assert result["by_agreement"] is False
    assert result["procedure"] == "small_claims"
    assert result["mandatory_limit"] == D(64610)
    assert result["agreed_limit"] == D(258440)
    assert result["year"] == 2026
    assert result["effective_from"] == date(2026, 1, 4)
    assert "secondary" in result["reliability"]
    assert "一审终审" in calculation.summary
    text = "\n".join(calculation.breakdown + calculation.cautions)
    assert "2026年" in text and "2026年1月4日" in text
    assert "二手来源" not in text and "http" not in text  # the chat says what it means for the user
    assert "12368" in text and any("二手来源" in line and "http" in line for line in calculation.provenance)
    assert_citations_resolve(calculation)


def test_mandatory_limit_is_inclusive():
    assert small_claims(D(64610), "江苏", today=IN_2026).result["eligible"] is True
    above = small_claims(D("64610.01"), "江苏", today=IN_2026).result
    assert above["eligible"] is False and above["by_agreement"] is True


def test_between_the_limits_needs_agreement():
    calculation = small_claims(D(100000), "江苏省", today=IN_2026)
    assert calculation.result["procedure"] == "small_claims_by_agreement"
    assert "双方当事人约定" in calculation.summary
    assert small_claims(D(258440), "江苏", today=IN_2026).result["by_agreement"] is True


def test_above_the_agreed_limit():
    calculation = small_claims(D("258440.01"), "Jiangsu", today=IN_2026)
    assert calculation.result["eligible"] is False
    assert calculation.result["by_agreement"] is False
    assert calculation.result["procedure"] == "summary_or_ordinary"
    assert_citations_resolve(calculation)


def test_older_row_applies_before_the_new_one_took_effect():
    # On 2025-06-01 the 2026 row (from 2026-01-04) is not yet in force: the 2024 row applies,
    # 60,862 / 243,448 (苏高法电〔2024〕9号, from 2024-01-06). 62,000 is then above the mandatory limit.
    calculation = small_claims(D(62000), "江苏", today=date(2025, 6, 1))
    assert calculation.result["mandatory_limit"] == D(60862)
    assert calculation.result["year"] == 2024
    assert calculation.result["by_agreement"] is True
    assert any("2025年可能已有新的通知" in c for c in calculation.cautions)
    # The same amount in 2026 is within 64,610.
    assert small_claims(D(62000), "江苏", today=IN_2026).result["eligible"] is True


def test_no_row_in_force_yet():
    # The oldest Jiangsu row takes effect on 2024-01-06.
    calculation = small_claims(D(1000), "江苏", today=date(2024, 1, 5))
    assert calculation.result["eligible"] is None
    assert calculation.result["mandatory_limit"] is None


def test_low_reliability_row_says_so():
    # Zhejiang 2022 row (54,323), taken from a spam mirror site: LOW reliability.
    calculation = small_claims(D(50000), "浙江", today=IN_2026)
    assert calculation.result["eligible"] is True
    assert calculation.result["mandatory_limit"] == D(54323)
    assert any("可靠性低" in c for c in calculation.provenance)
    assert any("一定要先问法院" in c for c in calculation.cautions)
    assert any("2022年" in c and "新的通知" in c for c in calculation.cautions)


# --- unknown limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("province", ["广东", "广东省", None, "", "火星", "Guangdong"])
def test_unknown_limit_explains_the_rule_without_a_number(province):
    calculation = small_claims(D(30000), province, today=IN_2026)
    result = calculation.result
    assert result["eligible"] is None
    assert result["by_agreement"] is None
    assert result["procedure"] == "unknown"
    assert result["mandatory_limit"] is None and result["agreed_limit"] is None
    if province:
        assert "请向当地法院确认" in calculation.summary
    else:  # user trial: say what decides the province (where he can sue), not "无法确定"
        assert "要看由哪个省的法院审理" in calculation.summary and "接受货币一方" in calculation.summary
        assert {"civil-procedure-law:第二十四条", "private-lending-provisions:第三条"} <= set(calculation.citations)
    assert "无法确定" not in calculation.summary and "本助手" not in calculation.summary
    text = "\n".join(calculation.breakdown)
    assert "50%" in text and "2倍" in text
    assert "高级人民法院" in text and "12368" in text
    assert "¥" not in text  # never an invented figure
    assert {"civil-procedure-law:第一百六十五条", "civil-procedure-interpretation:第二百七十二条"} <= set(
        calculation.citations
    )
    assert_citations_resolve(calculation)


def test_undated_row_is_only_a_reference():
    # Hunan: 45,707, year unknown → not used to decide, only shown with a caution.
    calculation = small_claims(D(30000), "湖南", today=IN_2026)
    assert calculation.result["eligible"] is None
    text = "\n".join(calculation.breakdown)
    assert "¥45,707.00" in text and "年份不明" in text and "不能据此判断" in text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("江苏", "江苏"),
        ("江苏省", "江苏"),
        ("Jiangsu", "江苏"),
        (" jiangsu ", "江苏"),
        ("JIANGSU", "江苏"),
        ("Jiangsu Province", "江苏"),
        ("广西壮族自治区", "广西"),
        ("内蒙古", "内蒙古"),
        ("Inner Mongolia", "内蒙古"),
        ("北京市", "北京"),
        ("Shaanxi", "陕西"),
        ("Shanxi", "山西"),
        ("台北", None),
        ("", None),
        (None, None),
    ],
)
def test_province_names(name, expected):
    assert province_name(name) == expected


def test_every_threshold_row_is_loaded_with_chinese_notes():
    rows = thresholds()
    assert len(rows) == 4
    for row in rows:
        assert row.reliability_zh and row.basis_zh and row.issuer_zh and row.year_zh
        assert row.source_url.startswith("http")
        # mandatory = 50% of the wage W, agreed = 2 W, so agreed ≈ 4 × mandatory; the notices round 50% of W
        # to the yuan (Zhejiang: W = 108,645 → 54,322.5 → 54,323 and 217,290), hence a tolerance of 2 yuan.
        assert abs(row.agreed_limit - 4 * row.mandatory_limit) <= 2, row


def test_bad_amount():
    with pytest.raises(CalculationError):
        small_claims(D(0), "江苏", today=IN_2026)


# --- trial periods ------------------------------------------------------------------------------------


def test_trial_periods():
    periods = trial_periods()
    small, summary, ordinary = periods["small_claims"], periods["summary"], periods["ordinary"]
    assert (small.months, small.extension_months, small.max_months) == (2, 1, 3)
    assert (summary.months, summary.extension_months, summary.max_months) == (3, 1, 4)
    assert (ordinary.months, ordinary.extension_months, ordinary.max_months) == (6, 6, None)
    # Check the numbers against the stored statute text.
    assert "两个月内审结" in get_article("civil-procedure-law:第一百六十八条").text
    assert "延长一个月" in get_article("civil-procedure-law:第一百六十八条").text
    assert "三个月内审结" in get_article("civil-procedure-law:第一百六十四条").text
    assert "累计不得超过四个月" in get_article("civil-procedure-interpretation:第二百五十八条").text
    assert "六个月内审结" in get_article("civil-procedure-law:第一百五十二条").text
    for period in periods.values():
        for key in period.citations:
            get_article(key)
        assert period.to_json()["months"] == period.months
