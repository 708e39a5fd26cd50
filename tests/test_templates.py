"""Every template renders with StrictUndefined somewhere in a realistic set of consultations,
and a missing variable is an error, not an empty string."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import TODAY, Chat
from jinja2 import UndefinedError

from assembly import Engine
from messages import render
from messages.render import TEMPLATES_DIR, environment
from storage import SessionStore, open_database

CREDITOR_VARIANTS = {
    "debt": [["1", "2023-05-01"], ["工资", "单位拖欠工资", "是"], ["工资", "不确定", "否", "2025-03-31"], ["2"],
             ["1", "不知道"]],
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
    "overdue": ["2020-01-01", "2024年3月"],  # not overdue (no stage question): a run of its own below
    "stage": ["1", "2", "3", "4", "5", "6"],
    "ability": ["1", "2", "3"],
    "harassment": ["是", "否"],
}


JUDGED = ["2025-05-20", "判决书", "不知道", "2025-06-10"]  # service date, kind, small claims, performance end
DEBTOR_STAGE_EXTRA = {"3": ["2025-05-01", "不知道"], "4": JUDGED, "5": ["1"], "6": ["2,3", "1"]}


def _loaded_templates(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    seen: set[str] = set()
    env = environment()
    env.cache.clear() if env.cache is not None else None
    original = env.loader.get_source

    def spy(environment, name):
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
        for label in [lbl for lbl, data in chat.buttons if "|S|s:" in data]:  # every section of the layered result
            chat.press(label)
            assert "返回摘要" in " ".join(lbl for lbl, _ in chat.buttons)
            chat.press("返回摘要")


def test_every_template_renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = _loaded_templates(monkeypatch)
    engine = Engine(SessionStore(open_database(tmp_path / "t.db")), clock=lambda: TODAY, group_clock=lambda: 1e9,
                    documents_dir=tmp_path / "out")
    creditor_runs = []
    for debt, evidence, due, demand, attitude, identity, province, stage in zip(
        *(itertools.islice(itertools.cycle(v), 6) for v in CREDITOR_VARIANTS.values()), strict=True
    ):
        extra = JUDGED if stage == "3" else []
        creditor_runs.append(["/start", "1", *debt, stage, *extra, "5000", evidence, due, demand, attitude, identity,
                              province])
    for stage in CREDITOR_VARIANTS["stage"]:
        extra = JUDGED if stage == "3" else []
        creditor_runs.append(["/start", "1", "1", "2020-01-01", stage, *extra, "12万", "1", "2022-01-01", "从未催要过",
                              "1", "是", "上海"])
    _results(engine, 1, creditor_runs)
    debtor_runs = [
        ["/start", "2", kind, *(["不知道"] if kind == "4" else []), "2.6万", overdue, stage,
         *DEBTOR_STAGE_EXTRA.get(stage, []), ability, harassment]
        for kind, overdue, stage, ability, harassment in zip(
            *(itertools.islice(itertools.cycle(v), 6) for v in DEBTOR_VARIANTS.values()), strict=True
        )
    ]
    debtor_runs.append(["/start", "2", "1", "8000", "还没有逾期", "1", "否"])
    _results(engine, 2, debtor_runs)
    chat = Chat(engine, chat_id=3, user_id=3)
    chat.say("/start")
    chat.say("3")
    for topic in range(1, 20):  # every quick topic (tests/test_navigation.py checks the count)
        chat.say(str(topic))
        assert chat.state == "topics.answer", chat.text
        if topic == 1:
            buttons = chat.buttons
            chat.press("查看引用的法条")
            chat.press_data(next(data for label, data in buttons if "其他话题" in label))
            continue
        chat.press("其他话题")
    # Notices and errors: help, unsupported, unknown command, stale, resume, forget, law, calc...
    for text in ["重新开始", "返回", "跳过", "帮助", "/nope", "/review", "/calc", "/law", "/law 诉讼时效",
                 "/law 不存在的东西xyz", "返回", "取消", "/start", "1", "1",
                 "三千多", "0", "99999999999", "abc", "/start", "/forget"]:
        chat.say(text)
        confirm = [label for label, _ in chat.buttons if label.startswith("✅ 确定")]
        if confirm:  # 重新开始 / 取消 ask first (issue 16)
            chat.press(confirm[0])
    chat.press("取消")
    chat.say("/forget")
    chat.press("确认删除")
    chat.say("/start")
    chat.say("1")
    chat.say("1")
    chat.say("2023-01-01")  # loan date
    chat.say("1")  # stage: not sued
    chat.say("5000")
    chat.say("9")
    chat.press("选好了")
    chat.say("1,2")
    for bad in ["2099-01-01", "1980-01-01", "2023-02-30", "下周"]:
        chat.say(bad)  # due date: too far, too early, impossible, unreadable
    chat.say("2023-01-01")
    chat.say("2030-01-01")  # demand in the future
    for text in ["从未催要过", "1", "是", "香港", "火星"]:
        chat.say(text)
    assert chat.state == "creditor.province"
    chat.press_data("0|a|zz")
    chat.press_data("garbage")
    from desks.admin import AdminGate
    from flows.model import Inbound, InboundKind

    engine.handle(Inbound(3, 3, InboundKind.UNSUPPORTED))
    engine.handle(Inbound(3, 3, InboundKind.EDITED))
    chat.say("/stats")  # refused: not an admin
    engine.admins = AdminGate([3])
    chat.say("/stats")
    chat.say("/export")
    chat.say("/export x")
    engine.handle(Inbound.typed(-5, 3, "hi", is_private=False))
    chat.say("/law 民法典 第一百八十八条")
    chat.press("民法典")
    chat.say("跳过")  # last step of the creditor flow → review
    chat.say("随便说说")
    chat.press("确认无误")
    chat.press("时效")
    chat.press("查看依据")
    chat.press("返回这一节")
    chat.press("名词解释")
    chat.press("返回摘要")
    chat.say("随便说说")  # typed on a result: the sections again
    chat.say("随便说说")  # a second miss: other words
    for question in ["答辩期是什么意思", "不去开庭会怎么样", "没有借条能告赢吗", "咋个告", "可以找劳动局不",
                     "会被起诉吗", "再审是什么？"]:
        chat.say(question)  # quick topics after a result; the last one only the article search finds
    chat.say("重新开始")
    chat.press("不了")
    chat.press("修改信息")
    chat.press("修改身份")
    chat.press("不了")
    chat.press("确认无误")
    chat.press("重新开始")
    chat.press("确定重新开始")
    chat.press("查看上次结果")
    Chat(engine, chat_id=4, user_id=4).say("/result")  # nothing to show yet
    _full_results()
    render("internal_error.html.j2")
    _reminders()
    _intake(engine)
    _group_tour(engine)
    _documents(engine)
    all_templates = {str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*.j2")}
    missing = all_templates - seen
    assert not missing, f"templates never rendered: {sorted(missing)}"


def _restart(chat: Chat) -> None:
    """/restart, confirmed when it asks (it asks when answers would be lost)."""
    chat.say("/restart")
    if any("确定重新开始" in label for label, _ in chat.buttons):
        chat.press("确定重新开始")


def _intake(engine: Engine) -> None:
    """The intake desk's notices: a story restated, corrected and declined; held answers; explanations;
    the 1st/2nd/3rd failed try; questions out of turn."""
    story = "朋友去年3月借了我两万，说好去年年底还，一直拖着，我上个月还催过他，有转账记录。他家里人会不会帮他说话？"
    chat = Chat(engine, chat_id=6, user_id=6)
    chat.say(story)
    chat.press("有不对的")
    chat.press("欠款金额")
    chat.press("对")  # restatement → 对: recorded
    _restart(chat)
    chat.say(story)
    chat.say("不对")  # story declined
    _restart(chat)
    chat.say("法院终本了，同事借我两万多一直不还，怎么办")  # no role: asked first
    chat.press("债权人")
    _restart(chat)
    chat.say("我借给朋友两万块钱")
    for _ in range(3):
        chat.press("有不对的")
        chat.press("❌")
    _restart(chat)
    chat.say("1")
    chat.say("1")
    chat.say("去年腊月")
    chat.say("不对")  # a held date declined
    chat.say("什么意思")
    chat.say("为什么问这个")
    chat.say("我好害怕")  # a feeling: a kind line and the step again
    chat.say("1")
    for text in ["2", "是", "两万多", "对", "1万和5000", "对"]:
        chat.say(text)
    for bad in ["asdf", "qwer", "zxcv"]:
        chat.say(bad)
    chat.say("他家里人会不会帮他说话")
    chat.say("会坐牢吗")
    other = Chat(engine, chat_id=7, user_id=7)
    for text in ["/start", "1", "2", "1", "5000"]:
        other.say(text)
    other.say("他现在一直已读不回，说好去年6月还的，我上个月还催过他一次")  # a story mid-way: noted
    for text in ["对", "1,2", "知道名字"]:
        other.say(text)
    assert other.state == "creditor.identity_known", other.text


def _full_results() -> None:
    """The full text of a result (every applicable section in one page): what tests/test_legal_table.py checks
    and the docs' screenshots show; the chat shows the same sections one button at a time."""
    from law.advice import advice_context
    from messages.sections import applicable

    for role, facts in (("creditor", {"amount": "5000", "stage": "not_sued", "debt_type": "loan"}),
                        ("creditor", {"amount": "5000", "stage": "not_sued", "debt_type": "loan",
                                      "evidence": ["transfer"], "attitude": "unreachable"}),
                        ("creditor", {"amount": "5000", "stage": "not_sued", "debt_type": "wages",
                                      "wage_relation": "employment"}),
                        ("debtor", {"amount": "26000", "stage": "sued", "creditor_kind": "credit_card"})):
        context = advice_context(role, facts, TODAY)
        render(f"results/{role}.html.j2", sections=applicable(role, context), **context)


def _reminders() -> None:
    """The reminders templates (issue #19), rendered through their module (the desk's own pages too)."""
    from datetime import timedelta

    from reminders import messages as rm
    from reminders.deadlines import deadlines
    from reminders.schedule import Due
    from storage.reminders import NewReminder, ReminderStore

    facts = {"role": "creditor", "amount": "5000", "debt_type": "loan", "due_date": "2024-01-01",
             "last_demand": "2025-03-01", "stage": "not_sued"}
    d = deadlines("creditor", facts, TODAY)[0]
    rows = ReminderStore(open_database(":memory:")).add(
        NewReminder(1, 1, 1, d.kind, d.number, d.day, d.base_date, d.holiday_checked, d.fingerprint), [30],
        today=TODAY)
    for screen in [rm.offer([d]), rm.choose(d, TODAY), rm.confirmed(d, rows), rm.listing(rows),
                   rm.cancelled(rows[0], "user"), rm.ics_caption(d, [30]),
                   rm.reminder_message(Due(rows[0], d.day - timedelta(days=30), late=False, deadline_passed=False))]:
        assert "12348" in screen.rendered.html
    kind = rm.kinds()[d.kind]
    assert "12348" in render("reminders/section.html.j2", d=rm.view(d), section="", todo=kind.todo,
                             citations=list(kind.citations)).html
    assert "12348" in render("reminders/gone.html.j2").html
    assert "确定" in render("reminders/pick_first.html.j2").html


def _group_tour(engine: Engine) -> None:
    """Every group template: FAQ menu and answers (also quiet), settings, events, throttling, hand-over."""
    from desks.group import encode
    from flows.faq import load_faq
    from flows.model import Inbound, InboundKind

    def group(chat_id: int, user: int, text: str, **kw: object) -> list:
        return engine.handle(Inbound.typed(chat_id, user, text, is_private=False, **kw))

    def press(chat_id: int, user: int, data: str, **kw: object) -> list:
        return engine.handle(Inbound.pressed(chat_id, user, data, is_private=False, **kw))

    engine.group.bot_username = "xiaoe_test_bot"
    engine.handle(Inbound(-10, 1, InboundKind.EVENT, "bot_added", is_private=False))
    for i, item in enumerate(load_faq()):
        assert "12348" in group(-10 - i, 1, f"/faq {item.label}")[0].html
    group(-30, 1, "/faq")
    group(-30, 2, "/faq 完全无关")
    group(-30, 3, "@xiaoe_test_bot 失信和限高有什么区别")
    group(-30, 4, "/review")
    group(-30, 4, "/nope")
    group(-30, 5, "/help")
    group(-30, 5, "/start")
    group(-31, 6, "/settings", is_admin=False)
    group(-31, 7, "/settings", is_admin=None)
    group(-31, 8, "/settings", is_admin=True)
    press(-31, 9, encode(8, "s", "quiet"))
    press(-31, 8, encode(8, "s", "quiet"), is_admin=False)
    press(-31, 8, encode(8, "s", "quiet"), is_admin=True)
    press(-31, 8, encode(8, "s", "welcome"), is_admin=True)
    press(-31, 8, encode(8, "x"))
    group(-31, 1, "/faq 失信")  # quiet now: one-line answer
    engine.handle(Inbound(-31, 1, InboundKind.EVENT, "members_joined", is_private=False))
    group(-40, 1, "/faq")
    group(-40, 1, "/faq")  # a repeat: limited
    for user in range(100, 120):
        group(-40, user, "/faq 征信")  # the group's budget: busy
    for _ in range(8):
        press(-40, 100, encode(100, "m"))  # too many presses
    token = group(-50, 1, "/start")[0].buttons[0][0].url.rsplit("=", 1)[1]
    engine.handle(Inbound.typed(77, 77, f"/start {token}"))
    engine.handle(Inbound.typed(78, 78, "/start g_unknownToken"))
    engine.handle(Inbound(-10, 1, InboundKind.EVENT, "bot_removed", is_private=False))


def _documents(engine: Engine) -> None:
    """Every documents question, the made/done/dropped notices and a refused identity number."""
    creditor = Chat(engine, chat_id=4, user_id=4)
    for answer in ["/start", "1", "1", "不知道", "1", "5000", "1", "2024-01-01", "2025-03-01", "1", "是", "江苏",
                   "确认"]:
        creditor.say(answer)
    creditor.press("生成文书")
    for answer in ["1", "张三", "南京市鼓楼区中山北路1号", "13812345678", "李四", "杭州市西湖区文三路2号",
                   "2023-05-01", "1", "1", "保存"]:
        creditor.say(answer)
    assert creditor.state == "documents.done", creditor.text
    creditor.press("删除保存的个人信息")
    creditor.press("生成其他文书")
    for answer in ["2", "张三", "汉族", "12345", "320106198503120413", "跳过", "跳过", "李四", "跳过", "跳过", "跳过",
                   "2023-05-01", "1", "1", "1.5%/月", "鼓楼区", "1"]:
        creditor.say(answer)
    assert creditor.state == "documents.done", creditor.text
    creditor.press("生成其他文书")
    for answer in ["3", *["跳过"] * 9, "6期", "2027-01-01"]:
        creditor.say(answer)
    assert creditor.state == "documents.done", creditor.text
    debtor = Chat(engine, chat_id=5, user_id=5)
    for answer in ["/start", "2", "信用卡", "2.6万", "2025-01-15", "2", "2", "否", "确认"]:  # 正在被催收: no extra
        debtor.say(answer)
    debtor.press("生成文书")
    for answer in ["1", "跳过", "跳过", "跳过", "某某银行", "6688", "12期", "2027-01-10", "失业", "找工作中", "1"]:
        debtor.say(answer)
    assert debtor.state == "documents.done", debtor.text


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        render("ack.html.j2", label="x")


def test_user_text_is_escaped() -> None:
    html = render("law_search.html.j2", query="<b>&evil", articles=[], buttons=()).html
    assert "&lt;b&gt;&amp;evil" in html and "<b>&evil" not in html
