"""Reminders through the Telegram channel, end to end: a real PTB Application against the fake Bot API, the
periodic sender on an injected clock (issue #19)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from icalendar import Calendar

import clock
from assembly import Engine
from channels.tg.app import build_application, direct_request
from channels.tg.reminders import SENDER_KEY, ReminderSender
from storage import SessionStore, open_database
from storage.reminders import NewReminder, ReminderStore
from testing import FakeBotAPI
from testing import fixtures as botapi_fixtures
from testing.wiring import application_builder, running
from tests.conftest import CREDITOR_ANSWERS, PYTHON, ROOT, TODAY
from tests.test_telegram import Tg

botapi = botapi_fixtures.botapi

REMIND_ON = date(2028, 2, 23)  # 7 days before the limitation's last day, 2028-03-01


class Clock:
    """A hand-advanced clock for the engine, the sender and every timestamp."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.CHINA)


def reminders_in(alice: Tg) -> list[str]:
    return [m.text or "" for m in alice.messages if m.from_bot and (m.text or "").startswith("⏰ 提醒")]


async def passes(app: object, count: int = 2) -> None:
    """Wait until the periodic sender has completed ``count`` more passes (it polls every 20 ms here)."""
    sender: ReminderSender = app.bot_data[SENDER_KEY]  # type: ignore[attr-defined]
    target = sender.passes + count
    for _ in range(500):
        if sender.passes >= target:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the reminder sender made no progress")


def test_a_reminder_chosen_in_the_chat_arrives_once_at_nine_with_its_button(botapi: FakeBotAPI,
                                                                            tmp_path: Path) -> None:
    moment = Clock(at(TODAY, 10))
    path = tmp_path / "x.db"

    def new_app() -> tuple[Engine, object]:
        engine = Engine(SessionStore(open_database(path)), clock=lambda: moment().date(),
                        documents_dir=tmp_path / "outbox", outbox=True)
        builder = application_builder(botapi, requests=direct_request)
        return engine, build_application(engine, builder=builder, reminders_now=moment, reminders_poll=0.02)

    async def scenario() -> None:
        engine, app = new_app()
        alice = Tg(botapi, engine)
        async with running(app):  # type: ignore[arg-type]
            for answer in [*CREDITOR_ANSWERS, "确认"]:
                await alice.say(answer)
            assert "这些日期很重要" in alice.messages[-1].text
            await alice.press("提醒我 1")
            await alice.press("7 天前")
            await alice.press("1 天前")
            await alice.press("确定")
            assert "已设置提醒" in alice.messages[-1].text
            await alice.press("加入日历")
            moment.moment = at(REMIND_ON, 8, 59)
            await passes(app)
            assert reminders_in(alice) == []  # before 09:00: nothing
        # The bot is stopped over 09:00 and started again at 09:30 (the restart finds the reminder due).
        moment.moment = at(REMIND_ON, 9, 30)
        engine, app = new_app()
        alice.engine = engine  # the same user and chat, the restarted bot's engine
        async with running(app):  # type: ignore[arg-type]
            await passes(app)
            (text,) = reminders_in(alice)
            assert "诉讼时效的最后一日" in text and "距离这一天还有 7 天" in text and "12348" in text
            await alice.press("回看相关内容")
            assert "诉讼时效" in alice.messages[-1].text and "三年" in alice.messages[-1].text
            moment.moment = at(REMIND_ON, 21, 0)  # past 21:00 the 1-day reminder of tomorrow cannot go
            await passes(app)
        for _ in range(2):  # two restarts: still once
            engine, app = new_app()
            alice.engine = engine
            async with running(app):  # type: ignore[arg-type]
                await passes(app)
        assert len(reminders_in(alice)) == 1
        moment.moment = at(date(2028, 2, 29), 9, 0)
        engine, app = new_app()
        alice.engine = engine
        async with running(app):  # type: ignore[arg-type]
            await passes(app)
            assert len(reminders_in(alice)) == 2 and "距离这一天还有 1 天" in reminders_in(alice)[-1]
            await alice.say("/reminders")
            assert "你现在没有设置任何提醒" in alice.messages[-1].text
        assert ReminderStore(engine.db).open() == []

    with clock.use(moment):
        asyncio.run(scenario())
    (call,) = botapi.calls_to("sendDocument")
    upload = call.files["document"]
    assert upload.filename == "期限提醒.ics"
    event = next(iter(Calendar.from_ical(upload.content).walk("VEVENT")))
    assert event.decoded("dtstart") == date(2028, 3, 1) and len(event.walk("VALARM")) == 2
    assert not any((tmp_path / "outbox").rglob("*.ics"))  # sent, then deleted from the server


def _until(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    """Wait (polling every 50 ms) until ``predicate()`` is true; the timeout only bounds a failure."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_bot_py_killed_and_restarted_after_the_due_time_sends_the_reminder_once(botapi: FakeBotAPI,
                                                                                 tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    alice = botapi.user("Alice")
    chat = botapi.private_chat(alice)
    deadline = date(2027, 1, 20)
    store = ReminderStore(open_database(path))
    (row,) = store.add(NewReminder(chat.id, alice.id, None, "limitation", 0, deadline, deadline, True, "f" * 16), [7],
                       today=TODAY)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(TELEGRAM_BOT_TOKEN=botapi.token, TELEGRAM_API_URL=botapi.base_url, XIAOE_DB=str(path),
               NO_PROXY="127.0.0.1", PYTHONUNBUFFERED="1")

    def sent() -> list[str]:
        return [m.text or "" for m in botapi.messages_in(chat) if (m.text or "").startswith("⏰ 提醒")]

    def run(now: str, until: Callable[[], object]) -> None:
        """``bot.py telegram`` at China time ``now`` (XIAOE_NOW), SIGKILLed as soon as ``until()`` holds."""
        proc = subprocess.Popen([PYTHON, "bot.py", "telegram"], cwd=ROOT, env={**env, "XIAOE_NOW": now},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _until(until)
        finally:
            proc.kill()
            proc.wait(timeout=15)
        assert proc.returncode == -signal.SIGKILL

    def answered(text: str) -> Callable[[], bool]:
        count = len(botapi.calls_to("sendMessage", chat_id=chat.id))
        botapi.send_text(chat, alice, text)
        return lambda: len(botapi.calls_to("sendMessage", chat_id=chat.id)) > count

    def status() -> str:
        found = ReminderStore(open_database(path)).get(row.id)
        return found.status if found else "gone"

    run("2027-01-12T20:00:00+08:00", answered("/start"))  # the day before: nothing to send
    assert sent() == [] and status() == "pending"
    run("2027-01-13T08:00:00+08:00", answered("/help"))  # the day itself, before 09:00: nothing yet
    assert sent() == [] and status() == "pending"
    run("2027-01-13T09:30:00+08:00", lambda: sent())  # the bot was down at 09:00: sent at start-up, then killed
    for _ in range(2):  # two more restarts, after the due time: still once
        run("2027-01-13T10:00:00+08:00", lambda: status() == "sent")
    run("2027-01-13T10:00:00+08:00", answered("/reminders"))
    (text,) = sent()
    assert "距离这一天还有 7 天" in text and "12348" in text
    assert "你现在没有设置任何提醒" in (botapi.messages_in(chat)[-1].text or "")
    assert status() == "sent"
