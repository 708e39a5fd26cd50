"""The delivery machinery of channels/tg/delivery.py and channels/tg/journal.py, piece by piece (the crash
test and tests/test_faults.py prove it end to end)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from channels.tg.delivery import Delivery
from channels.tg.journal import DeliveryJournal, JournaledBot, delivery_request
from storage import open_database
from testing import FakeBotAPI


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs (Delivery does not catch BaseException)."""


class StubBot:
    """Records every call; fails the calls listed in ``failures`` (call number → exception)."""

    def __init__(self, failures: dict[int, BaseException] | None = None) -> None:
        self.calls: list[tuple[str, tuple]] = []
        self.failures = failures or {}

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            number = len(self.calls)
            self.calls.append((name, args))
            if number in self.failures:
                raise self.failures.pop(number)
            return type("Sent", (), {"message_id": 100 + number})()

        return call


async def deliver_turn(bot: Any) -> None:
    """What a turn's delivery does: answer the press, edit, send two messages."""
    await bot.answer_callback_query("q1")
    await bot.edit_message_text("folded", chat_id=1, message_id=5)
    await bot.send_message(1, "ack")
    await bot.send_message(1, "question")


@pytest.fixture
def delivery(tmp_path: Path) -> Delivery:
    return Delivery(open_database(tmp_path / "d.db"), attempts=3, backoff=(0.01, 0.01))


def test_a_delivery_cut_short_resumes_without_repeating_what_went_out(delivery: Delivery) -> None:
    first = StubBot({3: Crash()})  # killed while sending the second message

    async def run(bot: StubBot) -> bool:
        return await delivery.deliver(bot, 42, 1, 1, deliver_turn)

    with pytest.raises(Crash):
        asyncio.run(run(first))
    assert [name for name, _ in first.calls] == ["answer_callback_query", "edit_message_text", "send_message",
                                                 "send_message"]
    second = StubBot()
    assert asyncio.run(run(second)) is True
    # The press is not answered again, the first message not sent again; the edit is repeated (harmless).
    assert second.calls == [("edit_message_text", ("folded",)), ("send_message", (1, "question"))]
    assert delivery.counters.skipped == 2 and delivery.counters.resent_unsent == 1
    assert delivery.journal.db["delivery_steps"].count == 0  # cleared once delivered


def test_a_call_that_had_left_is_not_repeated_and_a_timed_out_one_is(delivery: Delivery) -> None:
    journal = delivery.journal
    for step, status in ((0, "sent"), (1, "written"), (2, "uncertain")):  # journaled calls only: no edits
        journal.begin(7, step, 1, 1)
        journal.mark(7, step, status)
    bot = StubBot()
    assert asyncio.run(delivery.deliver(bot, 7, 1, 1, deliver_turn)) is True
    assert bot.calls == [("edit_message_text", ("folded",)), ("send_message", (1, "question"))]
    assert (delivery.counters.written_before_stop, delivery.counters.resent_uncertain) == (1, 1)


@pytest.mark.parametrize(("error", "reason", "attempts"), [
    (Forbidden("Forbidden: bot was blocked by the user"), "blocked", 1),
    (BadRequest("Bad Request: message is too long"), "rejected", 1),
    (NetworkError("Internal Server Error"), "retries_exhausted", 3),
    (TimedOut(), "retries_exhausted", 3),
])
def test_undeliverable_replies_are_recorded_after_bounded_attempts(delivery: Delivery, error: Exception,
                                                                   reason: str, attempts: int) -> None:
    bot = StubBot()

    async def always_failing(journaled: Any) -> None:
        await journaled.answer_callback_query("q")
        raise error

    assert asyncio.run(delivery.deliver(bot, 9, 3, 4, always_failing)) is False
    [row] = delivery.journal.db["undeliverable"].rows
    assert (row["reason"], row["attempts"], row["chat_id"], row["user_id"]) == (reason, attempts, 3, 4)
    assert row["error"] == type(error).__name__
    assert [name for name, _ in bot.calls] == ["answer_callback_query"]  # answered once, never again


def test_a_transient_fault_is_retried_and_then_delivered(delivery: Delivery) -> None:
    bot = StubBot({2: NetworkError("Internal Server Error")})
    assert asyncio.run(delivery.deliver(bot, 11, 1, 1, deliver_turn)) is True
    names = [name for name, _ in bot.calls]
    assert names == ["answer_callback_query", "edit_message_text", "send_message",  # fails: a 500 answer
                     "edit_message_text", "send_message", "send_message"]
    assert delivery.counters.retried == 1 and delivery.counters.resent_uncertain == 0
    assert delivery.journal.db["undeliverable"].count == 0


def test_the_http_hooks_mark_a_request_written_before_telegram_answers(tmp_path: Path) -> None:
    journal = DeliveryJournal(open_database(tmp_path / "h.db"))
    seen: list[str] = []

    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> None:
            request = delivery_request(trust_env=False, read_timeout=5.0)
            async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
                counters = Delivery(journal.db).counters
                fake.inject("sendMessage", "slow", delay=0.4)
                journaled = JournaledBot(bot, journal, 1, chat.id, alice.id, counters)
                sending = asyncio.create_task(journaled.send_message(chat.id, "slow"))
                while not sending.done():
                    step = journal.step(1, 0)
                    if step and step["status"] not in seen:
                        seen.append(step["status"])
                    await asyncio.sleep(0.01)
                await sending
                seen.append(journal.step(1, 0)["status"])
                fake.inject("sendMessage", "500")
                with pytest.raises(NetworkError):
                    await JournaledBot(bot, journal, 2, chat.id, alice.id, counters).send_message(chat.id, "x")
                assert journal.step(2, 0) is None  # refused: certainly not sent, nothing to remember

        asyncio.run(scenario())
    # Under load the first look may come before the request reached the socket ("sending"); what matters is
    # that "written" is recorded while Telegram has not answered yet, then "sent".
    assert [status for status in seen if status != "sending"] == ["written", "sent"]
    assert seen[0] in ("sending", "written")


def test_the_update_is_marked_delivered_before_its_journal_is_cleared(delivery: Delivery) -> None:
    # Found by the crash test: cleared first, a bot stopped before marking the update delivered sent
    # every reply again after the restart (the journal that would have said "already sent" was gone).
    def stop_before_marking() -> None:
        raise Crash

    with pytest.raises(Crash):
        asyncio.run(delivery.deliver(StubBot(), 13, 1, 1, deliver_turn, finished=stop_before_marking))
    again = StubBot()
    marked: list[bool] = []
    assert asyncio.run(delivery.deliver(again, 13, 1, 1, deliver_turn, finished=lambda: marked.append(True)))
    assert [name for name, _ in again.calls] == ["edit_message_text"] and marked == [True]


def test_written_marks_survive_a_restart_in_an_owner_only_file(tmp_path: Path) -> None:
    db_path = tmp_path / "m.db"
    journal = DeliveryJournal(open_database(db_path))
    journal.begin(21, 0, 1, 1)
    journal.mark_written(21, 0)
    journal.begin(21, 1, 1, 1)
    journal.mark_written(21, 1)
    journal.unmark_written(21, 1)  # refused by Telegram
    marks = Path(f"{db_path}.delivery-marks")
    assert stat.S_IMODE(os.stat(marks).st_mode) == 0o600
    with open(marks, "ab") as torn:
        torn.write(b"+ 21")  # a line cut short by the kill
    after_restart = DeliveryJournal(open_database(db_path))
    assert after_restart.step(21, 0)["status"] == "written"
    assert after_restart.step(21, 1)["status"] == "sending"
    after_restart.finish(21)
    assert marks.stat().st_size == 0 and after_restart.step(21, 0) is None  # emptied once nothing is under way


def test_two_journals_on_one_database_share_the_marks_file(tmp_path: Path) -> None:
    # The bot's deliveries and the reminder sender each have a journal over the same database: one
    # finishing must not empty the file while the other's call has left and awaits its answer.
    db_path = tmp_path / "shared.db"
    updates, reminders = DeliveryJournal(open_database(db_path)), DeliveryJournal(open_database(db_path))
    updates.begin(5, 0, 1, 1)
    updates.mark_written(5, 0)
    reminders.begin(2**60 + 1, 0, 1, 1)
    reminders.done(2**60 + 1, 0, 77)
    reminders.finish(2**60 + 1)
    assert DeliveryJournal(open_database(db_path)).step(5, 0)["status"] == "written"
    assert "+ 5 0" in Path(f"{db_path}.delivery-marks").read_text()
    updates.finish(5)
    assert Path(f"{db_path}.delivery-marks").read_text() == ""
