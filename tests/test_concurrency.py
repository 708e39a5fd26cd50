"""Concurrent update processing (channels/tg/concurrency.py): order keys, the ledger's confirmable offset,
back-pressure, the gated getUpdates, and a chat stuck in retries that does not hold up the others."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update

from assembly import Engine
from channels.tg import concurrency
from channels.tg.app import build_application, direct_request
from channels.tg.concurrency import (
    ChatOrderedProcessor,
    GatedBot,
    LedgerQueue,
    UpdateLedger,
    order_keys,
)
from channels.tg.delivery import Delivery
from channels.tg.handlers import DELIVERY_KEY
from storage import SessionStore, open_database
from testing import FakeBotAPI
from testing.wiring import application_builder, running

PRIVATE_A, PRIVATE_B, GROUP = 1001, 1002, -5001
ROOT = Path(__file__).resolve().parents[1]


def message(update_id: int, chat_id: int, user_id: int, text: str = "hi") -> Update:
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "g"}
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": chat, "text": text,
        "from": {"id": user_id, "is_bot": False, "first_name": "u"}}}, None)


def press(update_id: int, chat_id: int, user_id: int) -> Update:
    sender = {"id": user_id, "is_bot": False, "first_name": "u"}
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "g"}
    return Update.de_json({"update_id": update_id, "callback_query": {
        "id": str(update_id), "from": sender, "chat_instance": "c", "data": "x",
        "message": {"message_id": 1, "date": 0, "chat": chat, "text": "q", "from": sender}}}, None)


class Recorder:
    """Handlers whose end the test controls: records starts and ends, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.gates: dict[int, asyncio.Event] = {}

    def gate(self, update_id: int) -> asyncio.Event:
        return self.gates.setdefault(update_id, asyncio.Event())

    async def handle(self, update_id: int, hold: bool) -> None:
        self.events.append(f"start {update_id}")
        if hold:
            await self.gate(update_id).wait()
        self.events.append(f"end {update_id}")


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_order_keys_private_group_message_and_press() -> None:
    assert order_keys(message(1, PRIVATE_A, PRIVATE_A)) == (("chat", PRIVATE_A),)
    assert order_keys(message(2, GROUP, 7)) == (("chat", GROUP), ("member", GROUP, 7))
    assert order_keys(press(3, GROUP, 7)) == (("member", GROUP, 7),)
    assert order_keys(press(4, PRIVATE_A, PRIVATE_A)) == (("chat", PRIVATE_A),)
    assert order_keys(object()) == (("update",),)


def test_same_chat_waits_other_chats_run_at_once() -> None:
    async def scenario() -> list[str]:
        ledger = UpdateLedger(8)
        processor = ChatOrderedProcessor(ledger)
        rec = Recorder()
        updates = [message(1, PRIVATE_A, PRIVATE_A), message(2, PRIVATE_A, PRIVATE_A),
                   message(3, PRIVATE_B, PRIVATE_B)]
        for update in updates:
            await ledger.admit(update.update_id)
        tasks = [asyncio.create_task(processor.process_update(u, rec.handle(u.update_id, u.update_id == 1)))
                 for u in updates]
        await settle()
        # Update 1 is held: chat B's update 3 ran to its end, chat A's update 2 has not started.
        assert rec.events == ["start 1", "start 3", "end 3"], rec.events
        assert ledger.offset() == 1  # 3 finished, but 1 (and 2) are not: nothing may be confirmed
        rec.gate(1).set()
        await asyncio.gather(*tasks)
        assert ledger.offset() == 4
        return rec.events

    assert asyncio.run(scenario()) == ["start 1", "start 3", "end 3", "end 1", "start 2", "end 2"]


def test_group_member_presses_run_side_by_side_but_posts_keep_order() -> None:
    async def scenario() -> list[str]:
        ledger = UpdateLedger(8)
        processor = ChatOrderedProcessor(ledger)
        rec = Recorder()
        # 1: member 7 presses (held); 2: member 8 presses; 3: member 8 posts; 4: member 7 posts.
        updates = [press(1, GROUP, 7), press(2, GROUP, 8), message(3, GROUP, 8), message(4, GROUP, 7)]
        for update in updates:
            await ledger.admit(update.update_id)
        tasks = [asyncio.create_task(processor.process_update(u, rec.handle(u.update_id, u.update_id == 1)))
                 for u in updates]
        await settle()
        # Member 8's press and post went ahead; member 7's post waits for member 7's press.
        assert rec.events == ["start 1", "start 2", "end 2", "start 3", "end 3"], rec.events
        rec.gate(1).set()
        await asyncio.gather(*tasks)
        return rec.events

    events = asyncio.run(scenario())
    assert events[5:] == ["end 1", "start 4", "end 4"], events


def test_ledger_offset_never_passes_an_unfinished_update_and_recognises_taken_ones() -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(10)
        assert ledger.offset(fallback=5) == 5
        for update_id in (10, 11, 12, 13):
            await ledger.admit(update_id)
        for update_id in (11, 13):
            ledger.finish(update_id)
        assert ledger.offset() == 10
        assert ledger.taken(11) and ledger.taken(13) and ledger.taken(10) and ledger.taken(12)
        assert not ledger.taken(14)
        ledger.finish(10)
        assert ledger.offset() == 12
        ledger.finish(12)
        assert ledger.offset() == 14 and ledger.unfinished == 0
        assert not ledger.taken(14)

    asyncio.run(scenario())


def test_queue_applies_back_pressure_at_the_limit() -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(2)
        ledger.polling = True
        queue = LedgerQueue(ledger)
        await queue.put(message(1, PRIVATE_A, PRIVATE_A))
        await queue.put(message(2, PRIVATE_B, PRIVATE_B))
        third = asyncio.create_task(queue.put(message(3, PRIVATE_A, PRIVATE_A)))
        await settle()
        assert not third.done() and queue.qsize() == 2
        ledger.finish(1)
        await asyncio.wait_for(third, 5)
        assert queue.qsize() == 3 and ledger.unfinished == 2

    asyncio.run(scenario())


def test_webhook_queue_answers_only_once_the_update_is_handled() -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(4)  # nothing polls: a webhook (or a test) puts the updates
        queue = LedgerQueue(ledger)
        put = asyncio.create_task(queue.put(message(1, PRIVATE_A, PRIVATE_A)))
        await settle()
        assert not put.done() and queue.qsize() == 1
        ledger.finish(1)
        await asyncio.wait_for(put, 5)

    asyncio.run(scenario())


class PollingBot:
    """Answers getUpdates like Telegram: every pending update at or above the offset, as JSON (the gated bot
    posts ``getUpdates`` itself and parses only the fresh updates); records offsets."""

    def __init__(self, pending: list[Update]) -> None:
        self.pending = pending
        self.offsets: list[int] = []
        self._request = (SimpleNamespace(read_timeout=5.0),)
        self.defaults = None

    async def _post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
        assert endpoint == "getUpdates"
        offset = data["offset"]
        self.offsets.append(offset)
        self.pending = [u for u in self.pending if u.update_id >= offset]
        return [u.to_dict() for u in self.pending]


def test_gated_polling_keeps_the_offset_below_a_stuck_update_and_drops_repeats() -> None:
    async def scenario() -> None:
        ledger = UpdateLedger(8)
        real = PollingBot([message(1, PRIVATE_A, PRIVATE_A), message(2, PRIVATE_B, PRIVATE_B)])
        gated = GatedBot(real, ledger)
        first = await gated.get_updates(0)
        assert [u.update_id for u in first] == [1, 2]
        for update in first:
            await ledger.admit(update.update_id)
        ledger.finish(2)  # update 1 is stuck
        real.pending.append(message(3, PRIVATE_B, PRIVATE_B))
        # The updater would confirm 3 (past 1); the gated bot asks from 1 and leaves out 1 and 2.
        second = await gated.get_updates(3)
        assert real.offsets[-1] == 1 and [u.update_id for u in second] == [3]
        await ledger.admit(3)
        ledger.finish(3)
        again = await gated.get_updates(4)  # only repeats came back: nothing new to handle
        assert again == () and real.offsets[-1] == 1
        ledger.finish(1)
        await gated.get_updates(4)
        assert real.offsets[-1] == 4

    asyncio.run(scenario())


def test_a_chat_stuck_in_retries_does_not_hold_up_the_other_chats(tmp_path: Path) -> None:
    """One chat's replies fail (500) until released; three other users meanwhile finish several steps each;
    Telegram is never told the stuck update was handled until it was; afterwards its reply arrives once."""
    engine = Engine(SessionStore(open_database(tmp_path / "stuck.db")))
    store = engine.store
    with FakeBotAPI() as fake:
        stuck_user = fake.user("Stuck")
        stuck = fake.private_chat(stuck_user)
        others = [(u, fake.private_chat(u)) for u in (fake.user(n) for n in ("Ann", "Ben", "Cat"))]
        app = build_application(engine, builder=application_builder(fake, requests=direct_request), rate_limiter=False)
        # A large budget: the stuck chat keeps retrying for as long as the test holds the fault.
        app.bot_data[DELIVERY_KEY] = Delivery(engine.db, attempts=10_000, backoff=(0.05,))

        def delivered(update_id: int) -> bool:
            row = store.processed(update_id)
            return row is not None and bool(row["delivered"])

        async def scenario() -> tuple[int, list[int]]:
            async with running(app):
                fake.inject("sendMessage", "500", times=1_000_000, chat_id=stuck.id)
                stuck_update = fake.send_text(stuck, stuck_user, "/start")
                await fake.wait_for_async(
                    lambda: len(fake.calls_to("sendMessage", chat_id=stuck.id)) >= 3, timeout=30)
                handled: list[int] = []
                for text in ("/start", "/help", "/review"):
                    ids = [fake.send_text(chat, user, text) for user, chat in others]
                    await fake.wait_for_async(lambda ids=ids: all(delivered(u) for u in ids), timeout=30)
                    handled += ids
                assert not delivered(stuck_update)  # still in its retries while the others were served
                offsets_while_stuck = [int(c.params.get("offset") or 0) for c in fake.calls_to("getUpdates")]
                fake.clear_faults()
                await fake.wait_for_async(lambda: delivered(stuck_update), timeout=30)
                await fake.wait_until_confirmed_async(max(handled), timeout=30)
                return stuck_update, offsets_while_stuck

        stuck_update, offsets = asyncio.run(scenario())
        assert max(offsets) <= stuck_update  # never confirmed past the unfinished update
        # Its welcome went out once, after the fault cleared: the same messages a served user got first.
        welcome = fake.texts_in(stuck)
        assert welcome and welcome == fake.texts_in(others[0][1])[:len(welcome)]
        assert len(fake.calls_to("sendMessage", ok=True, chat_id=stuck.id)) == len(welcome)
        for _, chat in others:
            assert len(fake.messages_in(chat)) >= 3
        fake.assert_no_violations()


def test_sigterm_finishes_and_confirms_the_updates_in_flight(tmp_path: Path) -> None:
    """``bot.py telegram`` gets SIGTERM while three chats' replies are slow to go out: it exits cleanly
    after all three were delivered and confirmed, polling stopped."""
    db = tmp_path / "sigterm.db"
    with FakeBotAPI() as fake:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, XIAOE_DB=str(db),
                   NO_PROXY="127.0.0.1", PYTHONUNBUFFERED="1", XIAOE_LOG_LEVEL="DEBUG")
        log = tmp_path / "bot.log"
        with log.open("wb") as err:
            proc = subprocess.Popen([sys.executable, "bot.py", "telegram"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)
        try:
            fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=30)
            people = [(u, fake.private_chat(u)) for u in (fake.user(n) for n in ("Ann", "Ben", "Cat"))]
            for _, chat in people:
                fake.inject("sendMessage", "slow", chat_id=chat.id, delay=1.5)
            ids = [fake.send_text(chat, user, "/start") for user, chat in people]

            def turns_done_replies_pending() -> bool:
                # Each turn committed, its (slow) replies not yet out: the updates are in flight.
                with contextlib.closing(sqlite3.connect(db)) as conn:
                    rows = conn.execute("select delivered from processed_updates where update_id in (?, ?, ?)",
                                        ids).fetchall()
                return len(rows) == len(ids) and not any(delivered for (delivered,) in rows)

            deadline = time.monotonic() + 30
            while not turns_done_replies_pending():
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                time.sleep(0.01)
            signalled_at = len(fake.calls)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")[-3000:]
            after = fake.calls[signalled_at:]
            try:
                for update_id in ids:
                    fake.wait_until_confirmed(update_id, timeout=1)
            except AssertionError as err:
                raise AssertionError(f"{err}\n{log.read_text(errors='replace')[-4000:]}") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    store = SessionStore(open_database(db))
    assert all(store.processed(u) is not None and store.processed(u)["delivered"] for u in ids)
    # Polling stopped at the signal: the last call was the non-waiting getUpdates that confirms what was
    # handled (python-telegram-bot's updater stops before the application; channels/tg/concurrency.py lets
    # that call wait until the updates in flight are finished).
    polls = [c for c in after if c.method == "getUpdates"]
    assert polls and str(polls[-1].params.get("timeout")) in ("0", "0.0"), [c.params for c in polls]
    assert polls[-1].params.get("offset") == max(ids) + 1
    assert "Traceback" not in log.read_text(errors="replace")


def test_an_idle_poll_waits_for_a_finish_but_not_for_one_that_already_happened(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a poll brought back only updates already taken, the next poll waits for one to finish; a finish
    in between (even during the poll itself) lets it go at once (no lost wake-up)."""
    monkeypatch.setattr(concurrency, "REPOLL_SECONDS", 3600.0)

    async def scenario() -> None:
        ledger = UpdateLedger(8)
        real = PollingBot([message(1, PRIVATE_A, PRIVATE_A), message(2, PRIVATE_B, PRIVATE_B)])
        gated = GatedBot(real, ledger)
        for update in await gated.get_updates(0):
            await ledger.admit(update.update_id)
        assert await gated.get_updates(3) == ()  # only repeats: the next poll would wait
        waiting = asyncio.create_task(gated.get_updates(3))
        await settle()
        assert not waiting.done() and len(real.offsets) == 2
        ledger.finish(2)
        assert await asyncio.wait_for(waiting, 5) == () and real.offsets[-1] == 1
        ledger.finish(1)  # finished before the next poll is even asked for
        await asyncio.wait_for(gated.get_updates(3), 5)
        assert real.offsets[-1] == 3

    asyncio.run(scenario())
