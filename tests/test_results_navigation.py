"""Layered results: section buttons, 返回摘要, 查看依据 pages, 名词解释, /result, typed text after a result,
and 重新开始/取消 asking first (issue 16)."""

from __future__ import annotations

from conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, Chat

from desks.results import PAGE
from messages import html_to_text


def _finish(chat: Chat, answers: list[str] = CREDITOR_ANSWERS) -> None:
    for answer in answers:
        chat.say(answer)
    chat.press("确认无误")
    assert chat.state.endswith(".result")


def _summary(chat: Chat) -> str:
    """The result's summary of the last turn (the reminder offer follows it in the same turn)."""
    return "\n".join(html_to_text(r.html) for r in chat.last if r.kind == "result")


def test_a_section_button_shows_the_section_and_returns_to_the_summary(chat: Chat) -> None:
    _finish(chat)
    summary = _summary(chat)
    chat.press("时效")
    assert "诉讼时效" in chat.text and chat.text != summary
    assert any("返回摘要" in label for label, _ in chat.buttons)
    chat.press("返回摘要")
    assert chat.text == summary and chat.state == "creditor.result"


def test_next_section_walks_every_section(chat: Chat) -> None:
    _finish(chat)
    labels = [label for label, data in chat.buttons if "|S|s:" in data]
    seen = []
    chat.press(labels[0])
    seen.append(chat.text)
    while any("下一节" in label for label, _ in chat.buttons):
        chat.press("下一节")
        seen.append(chat.text)
    assert len(seen) == len(labels) and len(set(seen)) == len(seen)


def test_basis_pages_hold_at_most_eight_articles(chat: Chat) -> None:
    _finish(chat)
    summary = list(chat.buttons)
    cited: dict[str, int] = {}
    for label, data in summary:
        if "|S|s:" in data:
            chat.press_data(data)
            cited[label] = len(chat.last[0].meta["citations"])
    label = max(cited, key=lambda k: cited[k])
    assert cited[label] > PAGE  # the longest list needs a second page
    chat.press_data(dict(summary)[label])
    chat.press("查看依据")
    count = int(chat.text.split("共 ")[1].split(" 条")[0])
    assert count == cited[label]
    seen = 0
    while True:
        articles = [lbl for lbl, data in chat.buttons if "|L|" in data]
        assert 0 < len(articles) <= PAGE
        seen += len(articles)
        if not any("下一页" in lbl for lbl, _ in chat.buttons):
            break
        chat.press("下一页")
    assert seen == count
    chat.press("📖")
    assert "第" in chat.text  # the article text
    chat.press_data(next(data for lbl, data in chat.buttons if "返回这一节" in lbl)) if any(
        "返回这一节" in lbl for lbl, _ in chat.buttons) else None


def test_glossary_explains_the_terms_of_a_section(chat: Chat) -> None:
    _finish(chat)
    chat.press("支付令")
    chat.press("名词解释")
    assert "支付令：" in chat.text and "您" not in chat.text


def test_typed_text_after_the_result_never_resends_it(chat: Chat) -> None:
    _finish(chat)
    summary = _summary(chat)
    chat.say("嗯嗯好的谢谢")
    assert summary not in chat.text and "想看哪一部分" in chat.text
    assert any("|S|s:" in data for _, data in chat.buttons)
    chat.say("支付令是什么？")
    assert "支付令" in chat.text and summary not in chat.text
    chat.say("1")  # a number presses the summary's first button (the first section)
    assert "下一步" in chat.text or "✅" in chat.text


def test_result_command_shows_the_last_result_after_a_restart(chat: Chat) -> None:
    _finish(chat)
    summary = _summary(chat)
    chat.press("重新开始")
    assert "确定要重新开始吗" in chat.text and chat.state == "creditor.result"
    chat.press("确定重新开始")
    assert chat.state == "start.role" and any("查看上次结果" in label for label, _ in chat.buttons)
    chat.press("查看上次结果")
    assert chat.text == summary
    chat.say("/result")
    assert chat.text == summary
    chat.press("时效")  # the last result's sections still open
    assert "诉讼时效" in chat.text


def test_result_command_without_a_result(chat: Chat) -> None:
    chat.say("/result")
    assert "还没有可以查看的结果" in chat.text


def test_declining_the_restart_keeps_everything(chat: Chat) -> None:
    _finish(chat, DEBTOR_ANSWERS)
    before = chat.session().facts
    chat.say("重新开始")
    chat.press("不了")
    assert chat.state == "debtor.result" and chat.session().facts == before


def test_a_stale_confirmation_is_refused(chat: Chat) -> None:
    _finish(chat)
    chat.say("取消")
    confirm = next(data for label, data in chat.buttons if "确定结束" in label)
    chat.press("不了")
    chat.press("修改信息")
    chat.press_data(confirm)
    assert chat.last[0].alert and chat.session() is not None


def test_role_can_be_changed_from_the_review(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS:
        chat.say(answer)
    old = chat.session().id
    chat.press("修改身份")
    assert "确定要修改身份吗" in chat.text and chat.state == "creditor.review"
    chat.press("确定修改身份")
    session = chat.session()
    assert session.id != old and session.facts["role"] == "debtor" and chat.state.startswith("debtor.")


def test_jsonl_channel_can_press_every_section(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io
    import json

    from conftest import TODAY

    from assembly import Engine
    from channels.terminal import run_jsonl
    from storage import SessionStore, open_database

    engine = Engine(SessionStore(open_database(tmp_path / "j.db")), clock=lambda: TODAY,
                    documents_dir=tmp_path / "out")
    out = io.StringIO()
    sections: dict[str, str] = {}

    def last(kind: str | None = None) -> dict:
        replies = [json.loads(line) for line in out.getvalue().splitlines()]
        return [r for r in replies if kind is None or r["kind"] == kind][-1]

    def lines():  # type: ignore[no-untyped-def]
        yield from CREDITOR_ANSWERS[1:]
        yield "确认无误"
        summary = last("result")  # the reminder offer follows it
        assert len(summary["text"]) <= 600
        for row in summary["buttons"]:
            for button in row:
                if "|S|s:" in button["data"]:
                    yield json.dumps({"press": button["data"]})
                    sections[button["label"]] = last()["text"]

    run_jsonl(engine, "alice", lines(), out)
    assert len(sections) >= 5 and all(sections.values())
    assert len(set(sections.values())) == len(sections)


def test_typed_confirmation_answers_the_question(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:4]:
        chat.say(answer)
    old = chat.session().id
    chat.say("重新开始")
    chat.say("不了")
    assert chat.session().id == old and "接着来" in chat.text
    chat.say("是")  # no question pending any more: read as an answer, never as a confirmation
    assert chat.session().id == old
    chat.say("取消")
    chat.say("确定")
    assert "已结束" in chat.text and chat.session() is None


def test_slash_restart_asks_first_like_the_button(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:3]:
        chat.say(answer)
    before = (chat.session().id, chat.session().facts, chat.state)
    chat.say("/restart")
    assert "确定要重新开始吗" in chat.text
    assert (chat.session().id, chat.session().facts, chat.state) == before
    chat.press("不了")
    assert (chat.session().id, chat.session().facts, chat.state) == before
    chat.say("/restart")
    chat.press("确定重新开始")
    assert chat.session().id != before[0] and chat.state == "start.role"


def test_slash_cancel_asks_first_and_yes_ends_it(chat: Chat) -> None:
    _finish(chat)
    facts = chat.session().facts
    chat.say("/cancel")
    assert "确定结束" in " ".join(label for label, _ in chat.buttons)
    assert chat.state == "creditor.result" and chat.session().facts == facts
    chat.say("确定")
    assert chat.session() is None or chat.session().facts != facts


def test_slash_restart_with_nothing_answered_acts_at_once(chat: Chat) -> None:
    chat.say("/start")
    chat.say("/restart")
    assert "确定要重新开始吗" not in chat.text and chat.state == "start.role"
