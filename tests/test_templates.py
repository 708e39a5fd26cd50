"""Every template renders with StrictUndefined somewhere in a realistic set of consultations,
and a missing variable is an error, not an empty string."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import TODAY, Chat
from jinja2 import UndefinedError

from flows.engine import Engine
from messages import render
from messages.render import TEMPLATES_DIR, environment
from storage import SessionStore, open_database

CREDITOR_VARIANTS = {
    "debt": [["1"], ["工资", "单位拖欠工资"], ["工资", "不确定"]],
    "evidence": ["1,2,3,4", "没有书面证据", "证人"],
    "due": ["2023-05-01", "没有约定", "2027-06-01"],
    "demand": ["2025-03-01", "从未催要过"],
    "attitude": ["1", "2", "3"],
    "identity": ["是", "否"],
    "province": ["江苏", "跳过", "西藏"],
    "stage": ["1", "2", "3", "4", "5"],
}
DEBTOR_VARIANTS = {
    "kind": ["1", "2", "3", "4", "5"],
    "overdue": ["2020-01-01", "还没有逾期"],
    "stage": ["1", "2", "3", "4", "5", "6"],
    "ability": ["1", "2", "3"],
    "harassment": ["是", "否"],
}


def _loaded_templates(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    seen: set[str] = set()
    env = environment()
    env.cache.clear() if env.cache is not None else None
    original = env.loader.get_source

    def spy(environment, name):  # noqa: ANN001, ANN202
        seen.add(name)
        return original(environment, name)

    monkeypatch.setattr(env.loader, "get_source", spy)
    return seen


def _results(engine: Engine, chat_id: int, answers_list: list[list[str]]) -> None:
    for i, answers in enumerate(answers_list):
        chat = Chat(engine, chat_id=chat_id, user_id=1000 + i)
        for answer in answers:
            chat.say(answer)
        assert chat.state.endswith(".review"), (answers, chat.text)
        chat.press("确认无误")
        assert chat.state.endswith(".result"), chat.text
        assert "12348" in chat.text


def test_every_template_renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = _loaded_templates(monkeypatch)
    engine = Engine(SessionStore(open_database(tmp_path / "t.db")), clock=lambda: TODAY)
    creditor_runs = []
    for debt, evidence, due, demand, attitude, identity, province, stage in zip(
        *(itertools.islice(itertools.cycle(v), 6) for v in CREDITOR_VARIANTS.values()), strict=True
    ):
        creditor_runs.append(["/start", "1", *debt, "5000", evidence, due, demand, attitude, identity, province, stage])
    for stage in CREDITOR_VARIANTS["stage"]:
        creditor_runs.append(["/start", "1", "1", "12万", "1", "2022-01-01", "从未催要过", "1", "是", "上海", stage])
    _results(engine, 1, creditor_runs)
    debtor_runs = [
        ["/start", "2", kind, "2.6万", overdue, stage, ability, harassment]
        for kind, overdue, stage, ability, harassment in zip(
            *(itertools.islice(itertools.cycle(v), 6) for v in DEBTOR_VARIANTS.values()), strict=True
        )
    ]
    _results(engine, 2, debtor_runs)
    chat = Chat(engine, chat_id=3, user_id=3)
    chat.say("/start")
    chat.say("3")
    for topic in range(1, 12):
        chat.say(str(topic))
        assert chat.state == "topics.answer", chat.text
        chat.press("其他话题")
    # Notices and errors: help, unsupported, unknown command, stale, resume, forget, law, calc...
    for text in ["重新开始", "返回", "跳过", "帮助", "/nope", "/review", "/calc", "/law", "/law 诉讼时效",
                 "/law 不存在的东西xyz", "返回", "取消", "/start", "1", "1",
                 "三千多", "0", "99999999999", "abc", "/start", "/forget"]:
        chat.say(text)
    chat.press("取消")
    chat.say("/forget")
    chat.press("确认删除")
    chat.say("/start")
    chat.say("1")
    chat.say("1")
    chat.say("5000")
    chat.say("9")
    chat.press("选好了")
    chat.say("1,2")
    for bad in ["2099-01-01", "1980-01-01", "2023-02-30", "下周"]:
        chat.say(bad)  # due date: too far, too early, impossible, unreadable
    chat.say("2023-01-01")
    chat.say("2030-01-01")  # demand in the future
    for text in ["从未催要过", "1", "是", "香港", "火星", "跳过"]:
        chat.say(text)
    assert chat.state == "creditor.stage"
    chat.press_data("0|a|zz")
    chat.press_data("garbage")
    from flows.admin import AdminGate
    from flows.model import Inbound, InboundKind

    engine.handle(Inbound(3, 3, InboundKind.UNSUPPORTED))
    engine.handle(Inbound(3, 3, InboundKind.EDITED))
    chat.say("/stats")  # refused: not an admin
    engine.admins = AdminGate([3])
    chat.say("/stats")
    engine.handle(Inbound.typed(-5, 3, "hi", is_private=False))
    chat.say("/law 民法典 第一百八十八条")
    chat.press("民法典")
    chat.say("1")  # last step of the creditor flow → review
    chat.say("随便说说")
    chat.press("确认无误")
    chat.press("查看引用的法条")
    render("internal_error.html.j2")
    all_templates = {str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.j2")}
    missing = all_templates - seen
    assert not missing, f"templates never rendered: {sorted(missing)}"


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        render("ack.html.j2", label="x")


def test_user_text_is_escaped() -> None:
    html = render("law_search.html.j2", query="<b>&evil", articles=[], buttons=()).html
    assert "&lt;b&gt;&amp;evil" in html and "<b>&evil" not in html
