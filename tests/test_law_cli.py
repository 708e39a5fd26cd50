"""Command line: `calc ...` and `law ...`, in-process through main() and end to end in a subprocess."""

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from law.arguments import parse_amount, parse_date
from law.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
CALCULATORS = [
    "court-fee",
    "payment-order-fee",
    "preservation-fee",
    "enforcement-fee",
    "interest-cap",
    "limitation",
    "enforcement-deadline",
    "delay-interest",
    "small-claims",
    "appeal-deadline",
    "retrial-deadline",
    "labour-arbitration",
]


def run(*args):
    """Run the CLI in a fresh interpreter, as `python bot.py calc ...` will."""
    return subprocess.run(
        [sys.executable, "-m", "law.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


# --- argument parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50000", "50000"),
        ("5万", "50000"),
        ("5.5万", "55000"),
        ("5,000", "5000"),
        ("5，000", "5000"),  # full-width comma
        ("¥5,000元", "5000"),
        ("3k", "3000"),
        ("1亿", "100000000"),
        ("１２３", "123"),  # full-width digits
        ("五万", "50000"),  # Chinese numerals as people say them
        ("三千五", "3500"),
        ("1万2", "12000"),
        ("3万5", "35000"),
        ("两万块", "20000"),
        ("十万零三百", "100300"),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == D(expected)


@pytest.mark.parametrize("text", ["abc", "", "1e5", "5万元万"])
def test_parse_amount_rejects(text):
    with pytest.raises(Exception, match="没看懂这个金额"):
        parse_amount(text)


@pytest.mark.parametrize(("text", "why"), [("很多", "具体的数字"), ("三千多", "具体的数字"), ("-5", "大于 0"),
                                          ("0.001", "大于 0"), ("0", "大于 0"), ("200亿", "太大")])
def test_parse_amount_refuses_what_the_chat_refuses(text, why):
    with pytest.raises(Exception, match=why):
        parse_amount(text)


def test_parse_date():
    today = date(2025, 3, 1)
    assert parse_date("2024-02-29", today) == (date(2024, 2, 29), False)
    assert parse_date("2024/2/9", today) == (date(2024, 2, 9), False)
    assert parse_date("2024年2月9日", today) == (date(2024, 2, 9), False)
    assert parse_date("二〇二四年五月一日", today) == (date(2024, 5, 1), False)
    assert parse_date("去年五月", today) == (date(2024, 5, 1), True)
    assert parse_date("昨天", today) == (date(2025, 2, 28), False)
    with pytest.raises(Exception, match="这个日期不存在"):
        parse_date("2023-02-29", today)
    with pytest.raises(Exception, match="没看懂这个日期"):
        parse_date("yesterday", today)


def test_relative_dates_count_from_today_and_month_only_dates_are_noted(capsys):
    argv = ["calc", "limitation", "--due", "去年五月", "--today", "2025-03-01", "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["result"]["last_day"] == "2027-05-01"  # 2024-05-01 + 3 years
    assert "按2024年5月1日计算" in captured.err


# --- in-process ----------------------------------------------------------------------------------------


def test_court_fee_human_output(capsys):
    assert main(["calc", "court-fee", "5万"]) == 0
    out = capsys.readouterr().out
    # 50 + 40,000 × 2.5% = 1,050
    assert out.startswith("案件受理费约 ¥1,050.00")
    assert "计算过程：" in out and "注意：" in out and "法律依据：" in out
    assert "《诉讼费用交纳办法》第十三条" in out


def test_court_fee_json(capsys):
    assert main(["calc", "court-fee", "20000", "--procedure", "summary", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"] == "150.00"  # 300 / 2
    assert set(data) >= {"result", "summary", "breakdown", "citations", "cautions"}
    assert "litigation-fees-measures:第十六条" in data["citations"]


def test_limitation_json_with_today(capsys):
    argv = ["calc", "limitation", "--due", "2024-02-29", "--today", "2025-01-01", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"]["last_day"] == "2027-02-28"
    assert data["result"]["expired"] is False


def test_limitation_with_repeated_interruptions(capsys):
    argv = [
        "calc", "limitation", "--due", "2018-03-01", "--interruption", "2020-12-01",
        "--interruption", "2023-11-30", "--today", "2026-03-01", "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["result"]["last_day"] == "2026-11-30"


def test_interest_cap_month_rate(capsys):
    argv = ["calc", "interest-cap", "--contract-date", "2023-05-01", "--rate", "2", "--unit", "month"]
    assert main([*argv, "--today", "2025-06-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"]["cap_pct"] == "14.60"  # 4 × 3.65 (LPR 2023-04)
    assert data["result"]["user_annual_pct"] == "24"
    assert data["result"]["exceeds"] is True


@pytest.mark.parametrize(
    ("rate", "unit", "annual"),
    [
        ("2分", None, "24"),  # 月息2分: 2 % a month
        ("月息2分", None, "24"),
        ("两分", None, "24"),
        ("1分5", None, "18"),
        ("年化24%", None, "24"),
        ("年息15.4", None, "15.4"),
        ("日息0.05%", None, "18.25"),
        ("24", None, "24"),  # a bare number is a yearly rate
        ("2", "month", "24"),
        ("月息2分", "month", "24"),  # the same unit twice is fine
    ],
)
def test_interest_cap_reads_rates_as_people_say_them(capsys, rate, unit, annual):
    argv = ["calc", "interest-cap", "--contract-date", "2023-05-01", "--rate", rate, "--today", "2025-06-01", "--json"]
    assert main([*argv, *(["--unit", unit] if unit else [])]) == 0
    assert D(json.loads(capsys.readouterr().out)["result"]["user_annual_pct"]) == D(annual)


def test_a_rate_that_contradicts_unit_is_refused(capsys):
    argv = ["calc", "interest-cap", "--contract-date", "2023-05-01", "--rate", "月息2分", "--unit", "year"]
    assert main(argv) == 2
    assert "利率写的是月利率，但 --unit 是 year" in capsys.readouterr().err


def test_argparse_messages_are_in_chinese(capsys):
    assert main(["calc", "court-fee"]) == 2
    assert capsys.readouterr().err.strip().startswith("参数错误 / usage error: 缺少参数：amount")
    assert main(["calc", "court-fee", "5", "--procedure", "appeal"]) == 2
    assert "只能是" in capsys.readouterr().err
    assert main(["calc", "court-fee", "--help"]) == 0
    out = capsys.readouterr().out
    assert "用法 / usage:" in out and "参数 / arguments:" in out and "显示本帮助" in out
    assert "show this help message" not in out and "positional arguments" not in out


def test_other_calculators_run(capsys):
    assert main(["calc", "payment-order-fee", "20000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "100.00"
    assert main(["calc", "preservation-fee", "100万", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "5000.00"
    assert main(["calc", "enforcement-fee", "50,000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "650.00"
    assert main(["calc", "delay-interest", "100000", "--start", "2024-03-11", "--end", "2024-03-21", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "175.00"
    assert main(["calc", "enforcement-deadline", "--performance-end", "2023-10-01", "--today", "2024-01-01"]) == 0
    assert "2025年10月9日" in capsys.readouterr().out
    assert main(["calc", "small-claims", "5万", "--province", "江苏", "--today", "2026-03-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["eligible"] is True


def test_law_query(capsys):
    assert main(["law", "诉讼时效"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("《民法典》第一百八十八条")
    assert "向人民法院请求保护民事权利的诉讼时效期间为三年" in out
    assert main(["law", "民法典", "188", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["key"] == "civil-code:第一百八十八条"


def test_law_query_without_result(capsys):
    assert main(["law", "zzzzqqq"]) == 1
    assert "没有找到" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["calc", "court-fee", "0"],
        ["calc", "court-fee", "-5000"],
        ["calc", "court-fee", "abc"],
        ["calc", "court-fee", "20000000000"],
        ["calc", "court-fee", "0.001"],
        ["calc", "court-fee", "100", "--procedure", "appeal"],
        ["calc", "limitation", "--due", "2023-02-29"],
        ["calc", "limitation", "--due", "2023-05-10", "--interruption", "2030-01-01", "--today", "2026-01-01"],
        ["calc", "interest-cap", "--contract-date", "2030-01-01", "--rate", "24", "--today", "2026-01-01"],
        ["calc", "interest-cap", "--contract-date", "2019-08-19", "--rate", "24"],
        ["calc", "interest-cap", "--contract-date", "2023-01-01", "--rate", "x"],
        ["calc", "interest-cap", "--rate", "24"],
        ["calc", "delay-interest", "1000", "--start", "2024-02-01", "--end", "2024-01-01"],
        ["calc", "small-claims", "0", "--province", "江苏"],
        ["calc", "nonsense"],
        ["calc"],
        [],
        ["law"],
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert " / " in lines[0]


def test_every_calculator_has_bilingual_help(capsys):
    parser = build_parser()
    calc = next(a for a in parser._subparsers._group_actions if a.dest == "command").choices["calc"]
    choices = next(a for a in calc._subparsers._group_actions if a.dest == "calculator").choices
    assert sorted(choices) == sorted(CALCULATORS)
    for name in CALCULATORS:
        assert main(["calc", name, "--help"]) == 0
        out = capsys.readouterr().out
        assert any("\u4e00" <= ch <= "\u9fff" for ch in out), name  # Chinese
        assert " / " in out, name  # and English
        for action in choices[name]._actions:
            assert action.help, (name, action.dest)


# --- end to end (subprocess) ---------------------------------------------------------------------------


@pytest.mark.slow
def test_subprocess_success():
    proc = run("calc", "court-fee", "5,000", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"] == "50.00"


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("calc", "court-fee", "-1"),
        ("calc", "court-fee", "lots"),
        ("calc", "court-fee", "1e11"),
        ("calc", "court-fee", "20000000000"),
        ("calc", "limitation", "--due", "2023-13-01"),
        ("calc", "interest-cap", "--contract-date", "2099-01-01", "--rate", "24"),
        ("calc", "interest-cap", "--contract-date", "2019-01-01", "--rate", "24"),
    ],
)
def test_subprocess_bad_input(args):
    proc = run(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


@pytest.mark.slow
def test_subprocess_help_and_law():
    proc = run("--help")
    assert proc.returncode == 0 and "calc" in proc.stdout
    proc = run("law", "小额诉讼")
    assert proc.returncode == 0
    assert "基层人民法院和它派出的法庭审理事实清楚" in proc.stdout
