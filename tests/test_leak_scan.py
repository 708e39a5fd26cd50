"""The leak scan can fail: facts planted in group messages are caught, over the wire and from the engine.

These tests use their own ``Ledger`` (and their own FakeBotAPI observers), so the leaks they plant on
purpose never reach the session's ledger that checks the real bot (tests/leakscan.py, tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import textwrap

import pytest
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes, MessageHandler, filters

from flows.model import Button, Inbound, Reply
from testing import FakeBotAPI
from testing.wiring import application_builder, running
from tests.conftest import ROOT
from tests.leakscan import LeakFound, Ledger, contains, facts_in

pytest_plugins = ["pytester"]


def test_a_fact_planted_in_a_group_message_over_the_wire_is_caught() -> None:
    ledger = Ledger(test="planted")
    with FakeBotAPI(observers=[ledger.record]) as fake:
        alice = fake.user("Alice")
        group = fake.group("互助群", members=[alice])
        private = fake.private_chat(alice)

        async def leaky(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            """A deliberately broken bot: repeats private words, then the amount as xiaoe prints it."""
            if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE and update.message:
                await context.bot.send_message(group.id, f"有人说：{update.message.text}")
                await context.bot.send_message(group.id, "群友欠款 8,800.00元")

        app = application_builder(fake).build()
        app.add_handler(MessageHandler(filters.TEXT, leaky))

        async def scenario() -> None:
            async with running(app):
                fake.send_text(private, alice, "我借给老王八千八百元")
                await fake.wait_for_calls_async("sendMessage", n=2, chat_id=group.id)

        asyncio.run(scenario())
    assert [r["text"] for r in fake.private_inputs] == ["我借给老王八千八百元"]
    assert [r["text"] for r in fake.group_outputs] == ["有人说：我借给老王八千八百元", "群友欠款 8,800.00元"]
    with pytest.raises(LeakFound) as caught:
        ledger.check()
    message = str(caught.value)
    assert "'我借给老王八千八百元'" in message and "'8,800.00元'" in message
    assert len(ledger.found) == 2
    ledger.check()  # each pair is judged once: nothing new to report


def test_a_fact_planted_in_an_engine_reply_is_caught_whatever_came_first() -> None:
    ledger = Ledger(test="first")
    # The group output comes first (an earlier test), the private fact later (a later test).
    ledger.record_engine(Inbound.typed(-5, 1, "/faq", is_private=False),
                         [Reply("有位群友说他欠了<b>20,000.00元</b>")])
    ledger.check()  # no private fact yet
    ledger.test = "second"
    ledger.record_engine(Inbound.typed(9, 9, "欠款两万", user_name="张伟"), [Reply("收到")])
    with pytest.raises(LeakFound, match="20,000.00元"):
        ledger.check()
    # A link button counts too: a name inside a deep link is a leak.
    ledger.record_engine(Inbound.typed(-5, 2, "/start", is_private=False),
                         [Reply("私聊", ((Button("go", "", url="https://t.me/x?start=张伟"),),))])
    with pytest.raises(LeakFound, match="张伟"):
        ledger.check()


def test_facts_are_what_members_say_not_the_interface_words() -> None:
    assert facts_in("是") == facts_in("1") == facts_in("1,2") == facts_in("/start g_abc") == set()
    assert facts_in("信用卡") == facts_in("返回") == set()  # option aliases and typed intents
    assert facts_in("三千五") == {"三千五", "3,500.00元"}
    assert {"2023-05-01", "2023年5月1日"} <= facts_in("2023-05-01")
    assert {"2025年3月"} <= facts_in("2025年3月")
    assert "alice" in facts_in("随便", ["Alice"])
    assert not contains("https://t.me/xiaoe_test_bot", "test") and contains("a test bot", "test")
    assert contains("一共3,500.00元", "3,500.00元") and not contains("小额诉讼", "小额诉讼程序")


def test_a_leaking_turn_fails_its_test_through_the_session_fixture(pytester: pytest.Pytester,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The real wiring: conftest's autouse fixture fails the test whose group output shows a private fact."""
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_planted=textwrap.dedent("""
        from desks.group import GroupDesk
        from flows.model import Button, Inbound, Reply


        def test_private_then_leak(engine, monkeypatch):
            engine.handle(Inbound.typed(7, 7, "/start"))
            engine.handle(Inbound.typed(7, 7, "我欠了一万八"))
            monkeypatch.setattr(GroupDesk, "handle", lambda self, inbound: [Reply("刚才有人欠 18,000.00元")])
            engine.handle(Inbound.typed(-3, 8, "/faq", is_private=False))


        def test_clean(engine):
            engine.handle(Inbound.typed(-3, 8, "/faq", is_private=False))
        """))
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", env_path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, errors=1)
    out = result.stdout.str()
    assert "ERROR at teardown of test_private_then_leak" in out and "LeakFound" in out
    assert "private fact '18,000.00元'" in out and "刚才有人欠 18,000.00元" in out
    result.stdout.fnmatch_lines(["leak scan: * 1 LEAKS*"])


def test_worker_ledgers_merge_into_one_scan_that_meets_pairs_across_workers() -> None:
    from tests.leakscan import Ledger

    told, shown = Ledger(test="tests/a.py::told"), Ledger(test="tests/b.py::shown")
    told.record("private_input", {"user_id": 7_000_000_001, "text": "他叫欧阳锋", "names": []})
    shown.record("group_output", {"chat_id": -1_001_234_567_890, "text": "群里有人说：他叫欧阳锋"})
    assert told.leaks() == [] and shown.leaks() == []  # each worker alone sees no pair
    merged = Ledger.merged([told.export(), shown.export()])
    [leak] = merged.leaks()
    assert leak.fact.user_id == 7_000_000_001 and leak.output.chat_id == -1_001_234_567_890
    assert leak.fact.test == "tests/a.py::told" and "1 LEAKS" in merged.summary()
