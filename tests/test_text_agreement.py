"""One parser, every front end: the same typed amount, date or province means the same thing (or is refused
for the same reason, in the same words) in the chat and in the calculator CLI (`python bot.py calc ...`)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from flows.answers import read_typed
from flows.spec import load_registry
from law import court_fee, limitation, small_claims
from law.cli import main
from text.errors import ParseError
from text.refusals import refusal

TODAY = date(2025, 6, 15)
REGISTRY = load_registry()
AMOUNT = REGISTRY.node("creditor.amount")
DATE = REGISTRY.node("creditor.due_date")
PROVINCE = REGISTRY.node("creditor.province")


def chat(node, text: str) -> dict | str:
    """What the chat stores for ``text`` typed at ``node``, or the refusal's code."""
    try:
        return read_typed(node, text, TODAY)
    except ParseError as error:
        return error.code


def cli(capsys, *argv: str) -> tuple[int, dict | None, str]:
    """Run the CLI in-process: (exit code, the JSON printed or None, stderr)."""
    code = main(["calc", *argv, "--today", TODAY.isoformat(), "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else None), captured.err


AMOUNTS = [
    "5000", "5,000元", "五千", "三千五", "3.5万", "1万2", "两万块钱", "1.2w", "￥3000", "５０００", "人民币8000元整",
    "十万零三百", "0.5",
    # refused, for the same reason in both
    "-500", "0.001", "0", "三千多", "大概五千", "abc", "1e5", "200亿", "一些钱",
]


@pytest.mark.parametrize("text", AMOUNTS)
def test_an_amount_reads_the_same_in_the_chat_and_the_cli(capsys, text):
    said = chat(AMOUNT, text)
    code, data, err = cli(capsys, "court-fee", text)
    if isinstance(said, str):  # the chat refused: the CLI refuses with the chat's words
        assert code == 2 and data is None
        assert refusal(said) in err, (said, err)
    else:
        assert code == 0, err
        assert data["result"] == str(court_fee(Decimal(said["amount"])).result)


DATES = [
    "2024-05-01", "2024/5/1", "2024.5.1", "2024年5月1日", "20240501", "二〇二四年五月一日", "2024年5月",
    "去年五月", "去年3月10号", "今年年初", "昨天", "今天",
    # refused, for the same reason in both
    "2023-02-29", "2024-13-01", "yesterday", "五月一日", "2024年5月1", "上个月",
]


@pytest.mark.parametrize("text", DATES)
def test_a_date_reads_the_same_in_the_chat_and_the_cli(capsys, text):
    said = chat(DATE, text)
    code, data, err = cli(capsys, "limitation", "--due", text)
    if isinstance(said, str):
        assert code == 2 and data is None
        assert refusal(said) in err, (said, err)
        return
    assert code == 0, err
    due = date.fromisoformat(said["due_date"])
    assert data["result"]["last_day"] == limitation(due, today=TODAY).result["last_day"].isoformat()
    # A month without a day is the 1st in both, and both say so.
    assert ("按当月1日" in err or "没有写日" in err) == said["due_date__approx"]


PROVINCES = ["江苏", "江苏省", "在上海", "广西壮族自治区", "Jiangsu", "内蒙古"]


@pytest.mark.parametrize("text", PROVINCES)
def test_a_province_reads_the_same_in_the_chat_and_the_cli(capsys, text):
    said = chat(PROVINCE, text)
    code, data, err = cli(capsys, "small-claims", "30000", "--province", text)
    assert code == 0, err
    assert data["result"]["province"] == said["province"]
    assert data == json.loads(json.dumps(small_claims(Decimal(30000), said["province"], today=TODAY).to_json()))


def test_a_place_outside_the_mainland_is_not_a_province_anywhere(capsys):
    assert chat(PROVINCE, "香港") == "province_outside_mainland"
    code, data, _ = cli(capsys, "small-claims", "30000", "--province", "香港")
    assert code == 0 and data["result"]["province"] is None  # the calculator explains it has no figure
