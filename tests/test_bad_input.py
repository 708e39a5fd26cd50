"""Any input at any step gets a polite Chinese answer and leaves the session valid."""

from __future__ import annotations

import re

import pytest
from conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, Chat

from flows.engine import Engine
from flows.model import Inbound, InboundKind
from flows.spec import load_registry

HOSTILE = [
    "😀😀😀🔥",
    "测" * 5000,
    "<b>加粗</b><script>alert(1)</script>&amp;",
    "'; DROP TABLE sessions; --",
    "/unknowncommand",
    "/start@some_other_bot extra",
    "\x00\x07\x1b[31m",
    "   ",
    "{\"press\": \"0|a|creditor\"}",
    "-1",
    "1e999",
    "NaN",
]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _states_to_visit() -> list[list[str]]:
    """Answer prefixes that stop at every question, the review and the result of both flows."""
    prefixes = [CREDITOR_ANSWERS[:i] for i in range(1, len(CREDITOR_ANSWERS) + 1)]
    prefixes += [DEBTOR_ANSWERS[:i] for i in range(2, len(DEBTOR_ANSWERS) + 1)]
    prefixes += [["/start", "3"], ["/start", "3", "1"]]
    return prefixes


@pytest.mark.parametrize("prefix", _states_to_visit(), ids=lambda p: f"after-{len(p)}-{p[1] if len(p) > 1 else ''}")
def test_hostile_input_at_every_step(engine: Engine, prefix: list[str]) -> None:
    registry = load_registry()
    chat = Chat(engine)
    for answer in prefix:
        chat.say(answer)
    before = chat.session()
    for text in HOSTILE:
        replies = chat.say(text)
        assert replies, text
        for reply in replies:
            assert CHINESE.search(reply.html), (text, reply.html)
            assert "<script>" not in reply.html
            assert "测测测测测" not in reply.html  # the user's text is never echoed back at length
        session = chat.session()
        assert session is not None and session.state in registry.states()
    unsupported = engine.handle(Inbound(chat.chat_id, chat.user_id, InboundKind.UNSUPPORTED))
    assert "图片" in unsupported[0].html
    after = chat.session()
    if before.state == after.state:
        # Nothing hostile was taken as an answer, except where it is a valid one ("-1" is not).
        assert after.facts == before.facts


def test_html_in_answers_is_escaped_in_replies(chat: Chat) -> None:
    for answer in ["/start", "3", "<b>&"]:
        chat.say(answer)
    for reply in chat.last:
        assert "<b>&" not in reply.html.replace("<b>&lt;", "")


def test_group_chat_never_runs_a_consultation(engine: Engine) -> None:
    replies = engine.handle(Inbound.typed(-100, 7, "别人欠我三千五", is_private=False))
    assert "私聊" in replies[0].html and "三千五" not in replies[0].html
    assert engine.store.current(-100, 7) is None
    assert engine.store.db["transcript"].count == 0  # group words are not stored


@pytest.mark.parametrize("before", [[], ["/start", "我是债权人", "取消"], ["/start", "/forget", "确认删除"]])
def test_ordinary_text_without_a_session_gets_the_greeting(engine: Engine, before: list[str]) -> None:
    # A user trial found "你好" after 取消 or /forget (or as a first message) answered with an internal error.
    chat = Chat(engine, 321, 321)
    for text in before:
        chat.say(text)
    chat.say("你好")
    assert [r.kind for r in chat.last] == ["notice", "question"], chat.text
    assert "你是哪一方" in chat.text and "出错" not in chat.text
    assert chat.state == "start.role"
