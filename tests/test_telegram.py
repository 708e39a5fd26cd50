"""The Telegram channel end to end: a real PTB Application against the fake Bot API in testing/."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import os
import re
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.ext import Application

import desks.law_lookup
from assembly import Engine
from channels.tg.app import Webhook, build_application, direct_request
from channels.tg.htmlsplit import split_html, utf16_len
from channels.tg.menus import GROUP_COMMANDS, PRIVATE_COMMANDS
from channels.tg.redaction import configure_logging, redact
from channels.tg.replies import fold_typed_ack
from flows.model import Button, Reply, ReplyKind
from storage import SessionStore, open_database
from testing import FakeBotAPI, Message, User, parse_html
from testing import fixtures as botapi_fixtures
from testing.wiring import application_builder, running
from tests.conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, PYTHON, ROOT, TODAY

# The fake Bot API server, started per test; it fails the test at teardown if the bot broke a Telegram rule.
botapi = botapi_fixtures.botapi


def new_engine(path: Path) -> Engine:
    return Engine(SessionStore(open_database(path)), clock=lambda: TODAY)


def make_app(fake: FakeBotAPI, engine: Engine, **kwargs: object) -> Application:
    return build_application(engine, builder=application_builder(fake, requests=direct_request), **kwargs)


class Tg:
    """One user in a private chat with the bot; each action waits until the bot delivered the turn."""

    def __init__(self, fake: FakeBotAPI, engine: Engine, name: str = "Alice") -> None:
        self.fake, self.engine = fake, engine
        self.user: User = fake.user(name)
        self.chat = fake.private_chat(self.user)

    def delivered(self, update_id: int) -> bool:
        seen = self.engine.store.processed(update_id)
        return bool(seen and seen["delivered"])

    async def done(self, update_id: int) -> int:
        await self.fake.wait_for_async(lambda: self.delivered(update_id), timeout=5)
        return update_id

    async def say(self, text: str) -> int:
        return await self.done(self.fake.send_text(self.chat, self.user, text))

    def button(self, label_part: str) -> tuple[int, str]:
        for message in reversed(self.fake.messages_in(self.chat)):
            for b in message.buttons:
                if label_part in b["text"]:
                    return message.message_id, b["callback_data"]
        raise AssertionError(f"no button {label_part!r}; live: {[m.button_texts for m in self.messages]}")

    async def press(self, label_part: str) -> int:
        message_id, data = self.button(label_part)
        return await self.done(self.fake.press(self.chat, self.user, message_id, data))

    @property
    def messages(self) -> list[Message]:
        return self.fake.messages_in(self.chat)

    @property
    def text(self) -> str:
        return "\n".join(self.fake.texts_in(self.chat))

    @property
    def state(self) -> str:
        session = self.engine.store.current(self.chat.id, self.user.id)
        return session.state if session else ""

    def assert_one_live_keyboard(self) -> None:
        """No stale buttons: only messages whose buttons the engine would accept still show them."""
        session = self.engine.store.current(self.chat.id, self.user.id)
        for message in self.messages:
            turns = {d.split("|")[0] for d in message.callback_data if d.split("|")[1] != "L"}
            assert turns <= {str(session.turn if session else -1)}, (message.text[:40], turns)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


# ----------------------------------------------------------------------------------- consultations


def test_creditor_consultation_by_typing(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            for answer in CREDITOR_ANSWERS:
                await alice.say(answer)
                alice.assert_one_live_keyboard()
            assert alice.state == "creditor.review"
            await alice.say("确认")
            calls = [c.method for c in botapi.calls if c.method in ("sendChatAction", "sendMessage")]
            assert calls[-2:] == ["sendMessage", "sendMessage"]  # the summary, then the reminder offer
            keyboards = [m for m in alice.messages if m.keyboard]
            assert len(keyboards) == 2 and keyboards[0].button_texts[:3] == ["下一步", "时效", "协商与调解"]
            assert len(keyboards[0].text) <= 600  # the layered result's summary (issue 16)
            await alice.press("时效")  # a section, one press away
            alice.assert_one_live_keyboard()

    run(scenario)
    assert alice.state == "creditor.result"
    assert "《民法典》第一百八十八条" in alice.text and "12348" in alice.text
    # A typed answer's acknowledgement goes out in one message with the next question (one request, not two).
    acked = [t for t in alice.fake.texts_in(alice.chat) if t.startswith("✔️ 欠款金额（本金）：3,500.00元")]
    assert len(acked) == 1 and acked[0] != "✔️ 欠款金额（本金）：3,500.00元" and "\n\n" in acked[0]
    assert not any(t.startswith("✔️") and "\n" not in t.strip() for t in alice.fake.texts_in(alice.chat))
    # The result is ready when the turn ends: no "typing" round trip before it (requests per update).
    assert not botapi.calls_to("sendChatAction", action="typing")
    # The result's summary carries the section buttons; the reminder offer follows it.
    offers = [m for m in alice.messages if m.button_texts == ["⏰ 提醒我 1", "📅 加入日历 1"]]
    assert len(offers) == 1
    assert all(c.params.get("parse_mode") == "HTML" for c in botapi.calls_to("sendMessage"))


def test_debtor_consultation_by_buttons_folds_answers_into_questions(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    bob = Tg(botapi, engine, "Bob")

    async def scenario() -> None:
        async with running(app):
            await bob.say("/start")
            question_id, _ = bob.button("我是债务人")
            sent_before = len(botapi.calls_to("sendMessage"))
            await bob.press("我是债务人")
            # The pressed question now shows the answer and no buttons; the ack is not a message of its own.
            folded = botapi.message(bob.chat, question_id)
            assert folded.keyboard == [] and folded.text.endswith("✔️ 你的身份：我是债务人（我欠别人钱）"), folded.text
            assert len(botapi.calls_to("sendMessage")) == sent_before + 1  # just the next question
            await bob.press("信用卡")
            await bob.say("2.6万")
            await bob.say("2025-01-15")
            await bob.press("法院传票")
            await bob.press("不知道")
            await bob.press("不知道")
            await bob.press("能分期还")
            await bob.press("是")
            assert bob.state == "debtor.review"
            await bob.press("确认无误")
            bob.assert_one_live_keyboard()
            await bob.press("会发生什么")
            bob.assert_one_live_keyboard()

    run(scenario)
    assert bob.state == "debtor.result"
    assert "12348" in bob.text and "《" in bob.text
    answers = [c.params for c in botapi.calls_to("answerCallbackQuery")]
    # One answer for each of the 9 presses above.
    assert len(answers) == 9 and not any(a.get("show_alert") for a in answers)
    assert botapi.unanswered_callback_queries() == []


def test_multi_choice_back_review_edit_and_restart(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            for answer in CREDITOR_ANSWERS[:6]:  # up to the evidence question (multi-choice)
                await alice.say(answer)
            assert alice.state == "creditor.evidence"
            evidence_id, _ = alice.button("借条")
            count = len(alice.messages)
            await alice.press("借条")
            await alice.press("转账记录")
            toggled = botapi.message(alice.chat, evidence_id)
            assert "已选：借条·欠条、转账记录" in toggled.text  # edited in place, no new message
            assert len(alice.messages) == count
            alice.assert_one_live_keyboard()
            await alice.press("选好了")
            assert alice.state == "creditor.due_date"
            assert botapi.message(alice.chat, evidence_id).keyboard == []
            await alice.press("返回")
            assert alice.state == "creditor.evidence"
            alice.assert_one_live_keyboard()
            await alice.say("1")
            for answer in CREDITOR_ANSWERS[7:]:
                await alice.say(answer)
            assert alice.state == "creditor.review"
            await alice.press("修改：欠款金额")
            assert alice.state == "creditor.amount"
            await alice.say("5000")
            assert alice.state == "creditor.review"
            assert "欠款金额（本金）：5,000.00元" in alice.messages[-1].text
            alice.assert_one_live_keyboard()
            await alice.say("/restart")
            assert alice.state == "creditor.review"  # /restart asks first, like the button
            await alice.press("确定重新开始")
            assert alice.state == "start.role"
            alice.assert_one_live_keyboard()

    run(scenario)
    assert [m for m in alice.messages if m.keyboard][-1].button_texts[0].startswith("我是债权人")


def test_stale_and_unknown_buttons_get_an_alert_and_change_nothing(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            await alice.say("/start")
            old_id, old_data = alice.button("我是债权人")
            await alice.say("1")  # typed: the old question's keyboard is removed
            assert botapi.message(alice.chat, old_id).keyboard == []
            state, sends = alice.state, len(botapi.calls_to("sendMessage"))
            stale = await alice.done(botapi.press(alice.chat, alice.user, old_id, old_data, force=True))
            unknown = await alice.done(botapi.press(alice.chat, alice.user, old_id, "forged", force=True))
            assert (alice.state, len(botapi.calls_to("sendMessage"))) == (state, sends)
            for update_id, word in ((stale, "过期"), (unknown, "无法识别")):
                answer = botapi.callback_answer(update_id)
                assert answer["show_alert"] is True and word in answer["text"]

    run(scenario)


def test_text_with_markup_characters_is_escaped(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            for answer in CREDITOR_ANSWERS[:11]:
                await alice.say(answer)
            assert alice.state == "creditor.province"
            await alice.say("<b>&")
            assert alice.state == "creditor.province" and "没认出是哪个省份" in alice.messages[-1].text
            await alice.say("/law <b>&qqq")

    run(scenario)
    assert "「<b>&qqq」" in alice.messages[-1].text  # shown literally, parsed as plain text
    assert all(c.ok for c in botapi.calls_to("sendMessage"))


def test_long_article_is_split_into_valid_html_parts(botapi: FakeBotAPI, engine: Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real_get_article = desks.law_lookup.get_article
    paragraph = "第{}款　出借人请求借款人按照合同约定返还借款的 & <依法> 予以支持。"

    def long_article(key: str):
        article = real_get_article(key)
        lines = [paragraph.format(i) * 4 for i in range(60)] + ["很长的一行" * 1000]
        return dataclasses.replace(article, text="\n".join(lines))

    monkeypatch.setattr(desks.law_lookup, "get_article", long_article)
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            await alice.say("/law 诉讼时效")
            await alice.press("📖")

    run(scenario)
    parts = botapi.calls_to("sendMessage")[-5:]
    parts = [c for c in parts if c.seq > botapi.calls_to("answerCallbackQuery")[-1].seq]
    assert len(parts) >= 3 and all(c.ok for c in parts)
    sources = [c.params["text"] for c in parts]
    assert all(utf16_len(s) <= 4096 for s in sources)
    assert all(s.startswith("<blockquote>") for s in sources[1:])
    assert all(s.endswith("</blockquote>") for s in sources)
    shown = "".join(m.text for m in alice.messages[-len(parts):])
    expected = parse_html("<blockquote>" + "\n".join([paragraph.format(i).replace("&", "&amp;").replace(
        "<", "&lt;").replace(">", "&gt;") * 4 for i in range(60)] + ["很长的一行" * 1000]) + "</blockquote>")[0]
    assert re.sub(r"\s", "", shown).endswith(re.sub(r"\s", "", expected))


@pytest.mark.parametrize("limit", [100, 300, 4096])
def test_split_html_closes_and_reopens_tags(limit: int) -> None:
    source = ("<b>标题</b>\n\n" + '<a href="https://example.com/?a=1&amp;b=2">链接文字</a>\n\n'
              + "<blockquote>" + "\n".join(f"第{i}行 <i>斜体&amp;</i> <code>x&lt;y</code>" for i in range(50))
              + "</blockquote>\n\n" + "😀" * 300 + "\n\n" + "<b>粗体" + "字" * 500 + "</b>")
    parts = split_html(source, limit)
    assert all(utf16_len(p) <= limit for p in parts)
    texts = [parse_html(p)[0] for p in parts]  # raises on invalid HTML
    assert re.sub(r"\s", "", "".join(texts)) == re.sub(r"\s", "", parse_html(source)[0])
    if limit == 4096:
        assert len(parts) == 1 or all("\n\n" not in p[-2:] for p in parts)


_TEXT = st.sampled_from(["字", "a", "😀", "&amp;", "&lt;", " ", "\n", "\n\n", "第一百八十八条"]).map(
    lambda atom: atom * 37)
_HTML = st.recursive(
    _TEXT,
    lambda inner: st.tuples(st.sampled_from(["b", "i", 'a href="https://e.com/?a=1&amp;b=2"']), inner).map(
        lambda t: f"<{t[0]}>{t[1]}</{t[0].split()[0]}>") | st.lists(inner, min_size=1, max_size=8).map("".join),
    max_leaves=60,
).map(lambda body: f"{body}\n\n<blockquote>{body}</blockquote>")


@settings(max_examples=60, deadline=None)
@given(_HTML, st.sampled_from([200, 700, 4096]))
def test_split_html_parts_are_valid_and_keep_the_text(source: str, limit: int) -> None:
    parts = split_html(source, limit)
    assert all(utf16_len(p) <= limit for p in parts)
    texts = [parse_html(p)[0] for p in parts]
    assert re.sub(r"\s", "", "".join(texts)) == re.sub(r"\s", "", parse_html(source)[0])


# ----------------------------------------------------------------------------------- robustness


def test_bot_restarted_mid_consultation_continues_at_the_same_step(botapi: FakeBotAPI, tmp_path: Path) -> None:
    db = tmp_path / "restart.db"
    first = new_engine(db)
    alice = Tg(botapi, first)

    async def before() -> None:
        async with running(make_app(botapi, first)):
            for answer in CREDITOR_ANSWERS[:5]:
                await alice.say(answer)

    run(before)
    assert alice.state == "creditor.amount"
    [live] = [m for m in alice.messages if m.keyboard]
    first.store.db.close()

    second = new_engine(db)
    alice.engine = second

    async def after() -> None:
        async with running(make_app(botapi, second)):
            await alice.say("三千五")

    run(after)
    assert alice.state == "creditor.evidence"
    assert any(t.startswith("✔️ 欠款金额（本金）：3,500.00元\n") for t in botapi.texts_in(alice.chat))
    assert botapi.message(alice.chat, live.message_id).keyboard == []  # the new process removed it


def test_redelivered_update_is_processed_once(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            await alice.say("/start")
            await alice.say("1")
            sends = len(botapi.calls_to("sendMessage"))
            update_id = await alice.say("个人借款")
            assert len(botapi.calls_to("sendMessage")) == sends + 1  # the ack folded into the next question
            await botapi.wait_until_confirmed_async(update_id)
            botapi.redeliver(update_id)
            await botapi.wait_until_confirmed_async(update_id)
            marker = await alice.say("/review")  # processed after the redelivered update
            assert marker > update_id
            assert len([c for c in botapi.calls_to("sendMessage")][sends:]) == 1 + 2  # nothing for the copy

    run(scenario)
    assert alice.state == "creditor.loan_date"


def test_a_server_error_mid_delivery_is_retried_without_repeating_what_went_out(
        botapi: FakeBotAPI, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="channels")
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            await alice.say("/start")
            # A press is answered, the question edited, then the next question sent: that send fails once.
            botapi.inject("sendMessage", "500", chat_id=alice.chat.id)
            update_id = await alice.press("我是债权人")
            assert alice.delivered(update_id)

    run(scenario)
    assert alice.state == "creditor.debt_type"
    texts = botapi.texts_in(alice.chat)
    assert sum("对方欠你的是什么钱" in t for t in texts) == 1 and "对方欠你的是什么钱" in texts[-1]
    assert [c.status for c in botapi.calls_to("sendMessage")][-2:] == [500, 200]
    assert len(botapi.calls_to("answerCallbackQuery")) == 1  # the retry did not answer the press again
    [retry] = [r for r in caplog.records if "delivery attempt 1 failed" in r.getMessage()]
    assert "NetworkError" in retry.getMessage() and "我是债权人" not in retry.getMessage()


def test_blocked_user_does_not_crash_and_others_are_served(botapi: FakeBotAPI, engine: Engine,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(botapi, engine)
    alice, bob = Tg(botapi, engine, "Alice"), Tg(botapi, engine, "Bob")

    async def scenario() -> None:
        async with running(app):
            await alice.say("/start")
            blocked = botapi.send_text(alice.chat, alice.user, "1")
            botapi.block_chat(alice.chat)  # before the bot gets to it: every send to Alice is refused
            await alice.done(blocked)
            await bob.say("/start")
            await bob.say("2")
            assert bob.state == "debtor.creditor_kind"
            await alice.say("个人借款")  # writing again unblocks; the consultation goes on

    run(scenario)
    assert alice.state == "creditor.loan_date"
    assert any("blocked the bot" in r.getMessage() for r in caplog.records)
    refused = [c for c in botapi.calls if c.status == 403]
    assert len(refused) == 1 and refused[0].params["chat_id"] == alice.chat.id


def test_group_messages_point_to_a_private_chat(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = botapi.user("Alice")
    group = botapi.group("债务讨论群", members=[alice])

    async def scenario() -> None:
        async with running(app):
            botapi.send_text(group, alice, "/start@xiaoe_test_bot")
            await botapi.wait_for_calls_async("sendMessage", chat_id=group.id)

    run(scenario)
    [notice] = botapi.texts_in(group)
    assert "私聊" in notice


def test_commands_are_registered_in_chinese(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            await botapi.wait_for_calls_async("setMyCommands", n=4)

    run(scenario)
    private = botapi.commands({"type": "all_private_chats"}, language_code="zh")
    assert [c["command"] for c in private] == [
        "start", "help", "back", "restart", "review", "result", "law", "reminders", "calc", "forget", "cancel"]
    assert private == [{"command": c, "description": d} for c, d in PRIVATE_COMMANDS]
    assert [c["command"] for c in botapi.commands({"type": "all_group_chats"}, "zh")] == [
        c for c, _ in GROUP_COMMANDS]
    assert botapi.commands({"type": "all_private_chats"}) == private  # clients in other languages too


def test_token_never_reaches_the_logs(botapi: FakeBotAPI, engine: Engine) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        app = make_app(botapi, engine)
        configure_logging(logging.DEBUG)
        alice = Tg(botapi, engine)

        async def scenario() -> None:
            async with running(app):
                await alice.say("/start")
                await alice.say("我住在秘密路1号")  # not an answer: an error reply, never logged
                logging.getLogger("xiaoe.test").warning("token in a message: %s", botapi.token)

        run(scenario)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logged = stream.getvalue()
    assert "HTTP Request: POST" in logged and "/bot<redacted>/sendMessage" in logged  # the HTTP client did log URLs
    secret = botapi.token.split(":", 1)[1]
    assert botapi.token not in logged and secret not in logged
    assert "token in a message: <redacted>" in logged
    assert "秘密路" not in logged
    assert redact(f"x{botapi.token}y") == "x<redacted>y"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_requires_the_secret(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)
    hook = Webhook("https://example.com/xiaoe/hook", "127.0.0.1", _free_port(), "s3cret-webhook-token")
    local = f"http://127.0.0.1:{hook.port}/xiaoe/hook"

    async def scenario() -> None:
        async with app:
            await app.updater.start_webhook(**hook.run_kwargs())
            await app.start()
            try:
                assert botapi.webhook["url"] == hook.url and botapi.webhook["secret_token"] == hook.secret
                update_id = botapi.send_text(alice.chat, alice.user, "/start")
                status, _ = await botapi.post_update_to_webhook_async(local, update_id)
                assert status == 403
                status, _ = await botapi.post_update_to_webhook_async(local, update_id, secret="wrong")
                assert status == 403
                await asyncio.sleep(0.2)
                assert botapi.calls_to("sendMessage") == []
                status, _ = await botapi.post_update_to_webhook_async(local, update_id, secret=hook.secret)
                assert status == 200
                await alice.done(update_id)
            finally:
                await app.updater.stop()
                await app.stop()

    run(scenario)
    assert alice.state == "start.role"
    assert "我是债权人（别人欠我钱）" in alice.messages[-1].button_texts


# ----------------------------------------------------------------------------------- latency


def test_turn_latency(botapi: FakeBotAPI, engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(botapi, engine)
    alice = Tg(botapi, engine)
    latencies: list[float] = []

    async def scenario() -> None:
        async with running(app):
            for answer in CREDITOR_ANSWERS[:5]:
                await alice.say(answer)
            for i in range(50):
                text = "三千五" if i % 2 == 0 else "返回"
                expected = len(botapi.calls_to("sendMessage")) + 1  # typed answer: ack folded into the question
                started = time.monotonic()
                update_id = botapi.send_text(alice.chat, alice.user, text)
                calls = await botapi.wait_for_calls_async("sendMessage", n=expected)
                latencies.append(calls[expected - 1].monotonic - started)
                await alice.done(update_id)
                await asyncio.sleep(0.05)  # a person types slower than Telegram's 30 messages/s

    run(scenario)
    ms = sorted(x * 1000 for x in latencies)
    median, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
    with capsys.disabled():
        print(f"\nTelegram turn latency over {len(ms)} typed turns (push → last sendMessage): "
              f"median {median:.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")
    assert len(ms) == 50


def test_debtor_answers_by_typing_reach_the_result(botapi: FakeBotAPI, engine: Engine) -> None:
    app = make_app(botapi, engine)
    carol = Tg(botapi, engine, "Carol")

    async def scenario() -> None:
        async with running(app):
            for answer in DEBTOR_ANSWERS:
                await carol.say(answer)
            await carol.say("确认")
            botapi.send_sticker(carol.chat, carol.user)
            await botapi.wait_for_async(lambda: "只能读文字" in carol.text)

    run(scenario)
    assert "12348" in carol.text


def test_bot_py_telegram_polls_answers_and_stops_on_sigterm(botapi: FakeBotAPI, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(TELEGRAM_BOT_TOKEN=botapi.token, TELEGRAM_API_URL=botapi.base_url, XIAOE_DB=str(tmp_path / "x.db"),
               XIAOE_LOG_LEVEL="DEBUG", NO_PROXY="127.0.0.1")
    proc = subprocess.Popen([PYTHON, "bot.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        alice = botapi.user("Alice")
        chat = botapi.private_chat(alice)
        botapi.send_text(chat, alice, "/start")
        botapi.wait_for_calls("sendMessage", n=2, timeout=15, chat_id=chat.id)
        assert botapi.calls_to("setMyCommands")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err[-2000:]
    assert "我是债权人" in botapi.messages_in(chat)[-1].button_texts[0]
    assert "HTTP Request: POST" in err  # DEBUG logging was on...
    assert botapi.token not in err and botapi.token.split(":")[1] not in err  # ...and the token redacted


def test_a_typed_answers_acknowledgement_is_folded_into_the_next_reply_only_when_it_fits() -> None:
    ack = Reply("✔️ 金额：5,000.00元", kind=ReplyKind.ACK)
    question = Reply("第3步/共10步\n对方现在是什么态度？", buttons=((Button("承认", "3|c|a"),),),
                     kind=ReplyKind.QUESTION)
    [folded] = fold_typed_ack([ack, question])
    assert folded.html == f"{ack.html}\n\n{question.html}" and folded.buttons == question.buttons
    assert folded.kind == ReplyKind.QUESTION
    too_long = Reply("问" * 4096, kind=ReplyKind.QUESTION)
    assert fold_typed_ack([ack, too_long]) == [ack, too_long]  # together over 4,096 characters
    document = Reply("📄 已生成", files=(Path("x.docx"),), kind=ReplyKind.DOCUMENT)
    assert fold_typed_ack([ack, document]) == [ack, document]  # a reply with a file stays on its own
    notice = Reply("提示", kind=ReplyKind.NOTICE)
    assert fold_typed_ack([notice, question]) == [notice, question]  # nothing to fold without an ack
