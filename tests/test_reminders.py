"""Reminders (issue #19, phase 1): storage, deadlines, the pure scheduler with quiet hours, sending exactly once
across restarts on a real SQLite file, cancellation on a changed answer, /forget and retention, .ics files.

Every test runs on an injected clock (``clock.use``); none waits for real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from icalendar import Calendar
from sqlite_utils import Database
from telegram.error import Forbidden, TimedOut

import clock
from channels.tg import journal as journal_module
from channels.tg.reminders import ReminderSender, journal_id
from law.advice import advice_context
from law.periods import limitation, roll_over
from messages.render import TEMPLATES_DIR, render
from reminders import deadlines as dl
from reminders import messages
from reminders.ics import alarm_trigger, calendar_file
from reminders.refresh import refresh_holiday_dates
from reminders.schedule import due, next_due_at, next_window, window_open
from storage import open_database, privacy
from storage.reminders import NewReminder, Reminder, ReminderStore
from storage.retention import Retention
from tests.conftest import CREDITOR_ANSWERS

CHINA = clock.CHINA
TODAY = date(2026, 11, 22)
CREDITOR = {"role": "creditor", "amount": "5000", "debt_type": "loan", "due_date": "2024-01-01",
            "last_demand": "2025-03-01", "attitude": "admits", "stage": "not_sued", "province": "江苏"}


class Clock:
    """A hand-advanced clock for ``clock.use``."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


def china(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


@pytest.fixture
def now() -> Iterator[Clock]:
    fixed = Clock(china(TODAY, 10))
    with clock.use(fixed):
        yield fixed


class FakeBot:
    """Records each send_message; ``fail`` makes the next call raise; ``crash`` simulates a kill after it left."""

    def __init__(self, log: list[tuple[int, str]]) -> None:
        self.log = log
        self.fail: Exception | None = None
        self.die_after_write = False

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        if self.fail is not None:
            err, self.fail = self.fail, None
            raise err
        in_flight = journal_module._IN_FLIGHT.get()
        if in_flight is not None:
            in_flight.written()  # what the HTTP request hook does once the request has left the process
        self.log.append((chat_id, text))
        if self.die_after_write:
            raise KeyboardInterrupt  # killed while waiting for Telegram's answer
        return SimpleNamespace(message_id=len(self.log))


def new(chat: int = 11, kind: str = "limitation", deadline: date = date(2027, 1, 20), number: int = 0,
        session: int | None = 1, fingerprint: str = "f1", checked: bool = True,
        base: date | None = None) -> NewReminder:
    return NewReminder(chat_id=chat, user_id=chat, session_id=session, kind=kind, number=number, deadline=deadline,
                       base_date=base, holiday_checked=checked, fingerprint=fingerprint)


def run(sender: ReminderSender) -> Any:
    return asyncio.run(sender.run_once())


# ------------------------------------------------------------------------------------------------ storage


def test_store_keeps_one_row_per_offset_skips_past_days_and_repeats(now: Clock) -> None:
    store = ReminderStore(open_database(":memory:"))
    made = store.add(new(deadline=TODAY + timedelta(days=10)), [30, 7, 1])
    assert [r.offset_days for r in made] == [7, 1]  # 30 days before is already past
    assert [r.remind_on for r in made] == [TODAY + timedelta(days=3), TODAY + timedelta(days=9)]
    assert store.add(new(deadline=TODAY + timedelta(days=10)), [7]) == []  # already there
    assert {r.status for r in store.for_chat(11)} == {"pending"}
    with pytest.raises(ValueError):
        store.add(new(), [-1])


def test_cancel_removes_every_offset_of_that_deadline_only_in_its_chat(now: Clock) -> None:
    store = ReminderStore(open_database(":memory:"))
    first = store.add(new(), [30, 7, 1])
    store.add(new(kind="instalment_pay", number=1, deadline=date(2027, 2, 1)), [7])
    assert store.cancel(chat_id=99, reminder_id=first[0].id) == 0  # someone else's id
    assert store.cancel(chat_id=11, reminder_id=first[0].id) == 3
    assert [r.kind for r in store.for_chat(11)] == ["instalment_pay"]


def test_changed_answer_cancels_the_old_reminder(now: Clock) -> None:
    store = ReminderStore(open_database(":memory:"))
    before = dl.deadlines("creditor", CREDITOR, TODAY)
    limitation_deadline = before[0]
    store.add(new(deadline=limitation_deadline.day, fingerprint=limitation_deadline.fingerprint, session=5), [30])
    same = dl.deadlines("creditor", dict(CREDITOR), TODAY)
    assert store.reconcile(5, [(d.kind, d.number, d.fingerprint) for d in same]) == []
    changed = dl.deadlines("creditor", {**CREDITOR, "last_demand": "2025-09-01"}, TODAY)
    assert changed[0].day != limitation_deadline.day
    gone = store.reconcile(5, [(d.kind, d.number, d.fingerprint) for d in changed])
    assert [r.kind for r in gone] == ["limitation"]
    assert store.open() == []


def test_reconcile_asks_for_the_deadlines_only_when_the_session_has_unsent_reminders(now: Clock) -> None:
    store = ReminderStore(open_database(":memory:"))
    asked: list[int] = []

    def current() -> list[tuple[str, int, str]]:
        asked.append(1)
        return [(d.kind, d.number, d.fingerprint) for d in dl.deadlines("creditor", CREDITOR, TODAY)]

    assert store.reconcile(5, current) == [] and asked == []  # no reminders: nothing to compute
    kept = dl.deadlines("creditor", CREDITOR, TODAY)[0]
    store.add(new(deadline=kept.day, fingerprint=kept.fingerprint, session=5), [30])
    store.add(new(kind="instalment_pay", number=1, deadline=date(2027, 2, 1), session=5), [7])
    gone = store.reconcile(5, current)
    assert asked == [1] and [r.kind for r in gone] == ["instalment_pay"]
    assert [r.kind for r in store.open()] == ["limitation"]


# ---------------------------------------------------------------------------------------------- deadlines


def test_limitation_deadline_is_the_result_pages_date() -> None:
    found = dl.deadlines("creditor", CREDITOR, TODAY)
    assert [d.kind for d in found] == ["limitation"]
    # Due 2024-01-01, demanded 2025-03-01: three years from the demand (第一百九十五条), the corresponding
    # day 2028-03-01 (第二百零二条).
    assert found[0].base_date == date(2028, 3, 1)
    day, _rolled, checked = roll_over(date(2028, 3, 1))
    assert (found[0].day, found[0].holiday_checked) == (day, checked)
    calc = limitation(date(2024, 1, 1), date(2025, 3, 1), today=TODAY)
    assert found[0].day == calc.result["last_day"]
    assert found[0].section == "results/sections/c_limitation.html.j2"


@pytest.mark.parametrize("change", [
    {"debt_type": "wages", "wage_relation": "employment"},  # labour arbitration, not the civil period
    {"stage": "judged"},  # the result does not show the limitation section
    {"due_date": "2020-01-01", "last_demand": "never"},  # expired
    {"due_date": "none", "last_demand": "never"},  # not started
])
def test_no_limitation_reminder_where_the_result_shows_none(change: dict[str, str]) -> None:
    assert dl.deadlines("creditor", {**CREDITOR, **change}, TODAY) == []


def test_instalments_of_a_repayment_agreement_ahead_only() -> None:
    facts = {**CREDITOR, "stage": "judged", "document": "agreement", "plan_months": "3",
             "first_payment_date": "2026-11-15"}
    found = dl.deadlines("creditor", facts, TODAY)
    assert [(d.kind, d.number, d.day) for d in found] == [("instalment_check", 2, date(2026, 12, 15)),
                                                           ("instalment_check", 3, date(2027, 1, 15))]
    debtor = dl.deadlines("debtor", {**facts, "role": "debtor"}, TODAY)
    assert {d.kind for d in debtor} == {"instalment_pay"}
    moved = dl.deadlines("creditor", {**facts, "first_payment_date": "2026-11-20"}, TODAY)
    assert moved[0].fingerprint != found[0].fingerprint
    assert dl.deadlines("creditor", {**facts, "document": "hardship"}, TODAY) == []


def test_enforcement_deadline_and_every_kind_described() -> None:
    found = dl.enforcement(date(2026, 3, 1), TODAY)
    assert found is not None and found.base_date == date(2028, 3, 1)  # 第二百五十条: two years
    assert dl.enforcement(date(2020, 3, 1), TODAY) is None  # over
    for kind in dl.kinds().values():
        assert kind.label and kind.todo and kind.where
        assert kind.section.startswith(("results/sections/", "documents/"))
        if kind.section.startswith("results/"):
            assert (TEMPLATES_DIR / kind.section).exists()


def test_holiday_recompute_moves_a_reminder_when_the_data_covers_its_year(now: Clock) -> None:
    store = ReminderStore(open_database(":memory:"))
    # Stored as if made when 2026 was not covered: the unadjusted day, unchecked.
    made = store.add(new(deadline=date(2026, 12, 31), base=date(2026, 10, 3), checked=False), [1])
    store.db.execute("update reminders set deadline = '2026-10-03', remind_on = '2026-10-02' where id = ?",
                     [made[0].id])
    assert refresh_holiday_dates(store) == [made[0].id]
    moved = store.get(made[0].id)
    assert moved is not None and moved.holiday_checked
    assert moved.deadline == roll_over(date(2026, 10, 3))[0] != date(2026, 10, 3)
    assert moved.remind_on == moved.deadline - timedelta(days=1)
    assert refresh_holiday_dates(store) == []


# ---------------------------------------------------------------------------------------------- scheduler


def _row(rid: int, chat: int, remind_on: date, deadline: date, status: str = "pending") -> Reminder:
    return Reminder(id=rid, chat_id=chat, user_id=chat, session_id=1, kind="limitation", number=0,
                    deadline=deadline, base_date=None, holiday_checked=True, offset_days=(deadline - remind_on).days,
                    remind_on=remind_on, fingerprint="f", status=status, created_at="", sent_at=None)


def test_quiet_hours_only_between_nine_and_nine() -> None:
    rows = [_row(1, 11, TODAY, TODAY + timedelta(days=7))]
    assert due(rows, china(TODAY, 8, 59)) == []
    assert [d.reminder.id for d in due(rows, china(TODAY, 9))] == [1]
    assert [d.reminder.id for d in due(rows, china(TODAY, 20, 59))] == [1]
    assert due(rows, china(TODAY, 21)) == []
    assert due(rows, china(TODAY, 23, 30)) == []
    assert not window_open(china(TODAY, 3)) and window_open(china(TODAY, 12))
    # The same instants in UTC: 01:00 UTC is 09:00 in China.
    assert window_open(datetime(2026, 11, 22, 1, 0, tzinfo=clock.UTC))
    assert next_window(china(TODAY, 22)) == china(TODAY + timedelta(days=1), 9)
    assert next_window(china(TODAY, 6)) == china(TODAY, 9)
    assert next_due_at(rows, china(TODAY - timedelta(days=1), 21, 30)) == china(TODAY, 9)
    with pytest.raises(ValueError):
        due(rows, datetime(2026, 11, 22, 10))  # naive


def test_late_superseded_and_several_chats_due_at_once() -> None:
    deadline = TODAY + timedelta(days=1)
    rows = [_row(1, 11, deadline - timedelta(days=7), deadline), _row(2, 11, deadline - timedelta(days=1), deadline),
            *[_row(10 + c, 100 + c, TODAY, TODAY + timedelta(days=30)) for c in range(5)],
            _row(20, 11, TODAY + timedelta(days=1), TODAY + timedelta(days=2)),  # tomorrow's
            _row(21, 12, TODAY - timedelta(days=3), TODAY - timedelta(days=1))]  # deadline already over
    found = {d.reminder.id: d for d in due(rows, china(TODAY, 9, 30))}
    assert set(found) == {2, 10, 11, 12, 13, 14, 21}
    assert [r.id for r in found[2].superseded] == [1] and not found[2].late and found[2].days_left == 1
    assert found[21].late and found[21].deadline_passed
    assert not found[10].late and found[10].days_left == 30


# ------------------------------------------------------------------------------- sending once, restarts


def _sender(path: Path, sent: list[tuple[int, str]]) -> ReminderSender:
    """A freshly started bot: new connection, new journal, new sender."""
    return ReminderSender(open_database(path), FakeBot(sent))


def test_restart_after_the_due_time_sends_once_then_never_again(tmp_path: Path, now: Clock) -> None:
    path = tmp_path / "bot.db"
    sent: list[tuple[int, str]] = []
    store = ReminderStore(open_database(path))
    store.add(new(deadline=TODAY + timedelta(days=8)), [7])  # due tomorrow at 09:00
    store.db.close()
    now.set(china(TODAY + timedelta(days=1), 3))  # the bot was killed; at 03:00 it is back: quiet hours
    assert run(_sender(path, sent)).sent == [] and sent == []
    now.set(china(TODAY + timedelta(days=2), 15))  # killed again, back the day after: late
    report = run(_sender(path, sent))
    assert len(report.sent) == 1 and len(sent) == 1
    assert "这个提醒晚了" in sent[0][1] and "2026年11月30日" in sent[0][1] and "12348" in sent[0][1]
    for _ in range(2):  # two more restarts
        assert run(_sender(path, sent)).sent == []
    assert len(sent) == 1
    assert Database(path)["delivery_steps"].count == 0


def test_kill_after_the_message_left_does_not_send_it_again(tmp_path: Path, now: Clock,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bot.db"
    sent: list[tuple[int, str]] = []
    made = ReminderStore(open_database(path)).add(new(deadline=TODAY + timedelta(days=7)), [7])
    first = _sender(path, sent)

    def killed(*_: Any, **__: Any) -> None:
        raise KeyboardInterrupt  # the process dies between Telegram's answer and the row's "sent"

    monkeypatch.setattr(first.store, "mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        run(first)
    assert len(sent) == 1
    row = ReminderStore(Database(path)).get(made[0].id)
    assert row is not None and row.status == "sending"
    monkeypatch.undo()
    again = _sender(path, sent)
    assert run(again).sent == [made[0].id]
    assert len(sent) == 1 and again.counters.skipped == 1
    assert run(_sender(path, sent)).sent == [] and len(sent) == 1


def test_kill_while_waiting_for_telegrams_answer_does_not_send_it_again(tmp_path: Path, now: Clock) -> None:
    path = tmp_path / "bot.db"
    sent: list[tuple[int, str]] = []
    made = ReminderStore(open_database(path)).add(new(deadline=TODAY + timedelta(days=7)), [7])
    first = _sender(path, sent)
    first.bot.die_after_write = True
    with pytest.raises(KeyboardInterrupt):
        run(first)
    last_mark = Path(f"{path}.delivery-marks").read_text().split("\n")[-2]  # after "s ... 0" (about to go out)
    assert len(sent) == 1 and last_mark == f"+ {journal_id(made[0].id)} 0"
    again = _sender(path, sent)
    assert run(again).sent == [made[0].id] and len(sent) == 1 and again.counters.written_before_stop == 1
    assert Path(f"{path}.delivery-marks").read_text() == ""


def test_kill_before_the_message_left_sends_it_after_the_restart(tmp_path: Path, now: Clock) -> None:
    path = tmp_path / "bot.db"
    sent: list[tuple[int, str]] = []
    made = ReminderStore(open_database(path)).add(new(deadline=TODAY + timedelta(days=7)), [7])
    ReminderStore(Database(path)).claim(made[0].id)  # claimed, then the process died before the call
    sender = _sender(path, sent)
    assert run(sender).sent == [made[0].id] and len(sent) == 1 and sender.counters.skipped == 0


def test_refused_and_network_errors(tmp_path: Path, now: Clock) -> None:
    path = tmp_path / "bot.db"
    sent: list[tuple[int, str]] = []
    store = ReminderStore(open_database(path))
    blocked = store.add(new(chat=21, deadline=TODAY + timedelta(days=7)), [7])[0]
    sender = _sender(path, sent)
    sender.bot.fail = Forbidden("bot was blocked by the user")
    assert run(sender).failed == [blocked.id]
    store.add(new(chat=22, deadline=TODAY + timedelta(days=7)), [7])
    sender.bot.fail = TimedOut()
    report = run(sender)
    assert len(report.retry) == 1 and sent == []
    assert len(run(sender).sent) == 1 and len(sent) == 1  # sent on the next pass
    assert journal_id(5) > 2**52  # never a Telegram update id


def test_several_chats_due_at_once_each_get_theirs(tmp_path: Path, now: Clock) -> None:
    path = tmp_path / "bot.db"
    store = ReminderStore(open_database(path))
    for chat in range(1, 41):
        store.add(new(chat=chat, deadline=TODAY + timedelta(days=1)), [1])
    sent: list[tuple[int, str]] = []
    assert len(run(_sender(path, sent)).sent) == 40
    assert sorted(chat for chat, _ in sent) == list(range(1, 41))


# ----------------------------------------------------------------------------------- privacy, retention


def test_forget_deletes_every_reminder_of_the_user(now: Clock) -> None:
    db = open_database(":memory:")
    store = ReminderStore(db)
    store.add(new(chat=777001), [30, 7, 1])
    store.add(new(chat=888002), [7])
    assert any(entry.table == "reminders" for entry in privacy.USER_ROWS)
    counts = privacy.forget_user(db, 777001)
    assert counts["reminders"] == 3
    leftover = [(table, row) for table in db.table_names() for row in db[table].rows
                if 777001 in row.values() or any("777001" in str(v) for v in row.values())]
    assert leftover == [] and db["reminders"].count == 1


def test_retention_keeps_a_reminder_until_its_deadline_has_passed(now: Clock) -> None:
    db = open_database(":memory:")
    store = ReminderStore(db)
    store.add(new(deadline=TODAY + timedelta(days=100)), [30])
    store.add(new(chat=12, deadline=TODAY + timedelta(days=10)), [1])
    retention = Retention(db, days=30, now=clock.now_utc)
    now.set(china(TODAY + timedelta(days=60), 10))  # both older than 30 days; one deadline has passed
    assert retention.purge()["reminders"] == 1
    assert [r.chat_id for r in ReminderStore(db).open()] == [11]
    now.set(china(TODAY + timedelta(days=101), 10))
    assert retention.purge()["reminders"] == 1 and db["reminders"].count == 0


# ----------------------------------------------------------------------------------------- .ics, texts


def test_ics_round_trip_all_day_event_and_alarms(now: Clock) -> None:
    deadline = dl.deadlines("creditor", CREDITOR, TODAY)[0]
    entry = messages.calendar_entry(11, deadline, [30, 7, 1])
    parsed = Calendar.from_ical(calendar_file([entry]))
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == deadline.day and not isinstance(event.decoded("dtstart"), datetime)
    assert event.decoded("dtend") == deadline.day + timedelta(days=1)
    assert "诉讼时效的最后一日" in str(event["summary"]) and "12348" in str(event["description"])
    triggers = sorted(alarm.decoded("trigger") for alarm in event.walk("VALARM"))
    assert triggers == [alarm_trigger(30), alarm_trigger(7), alarm_trigger(1)]
    # 7 days before at 09:00: midnight of the event day minus 6 days 15 hours.
    assert alarm_trigger(7) == -timedelta(days=6, hours=15)
    assert "5000" not in calendar_file([entry]).decode()


def test_every_reminders_template_renders_in_chinese_with_the_note(now: Clock) -> None:
    deadline = dl.deadlines("creditor", CREDITOR, TODAY)[0]
    store = ReminderStore(open_database(":memory:"))
    rows = store.add(new(deadline=deadline.day, checked=deadline.holiday_checked), [30, 7])
    screens = [
        messages.offer([deadline]), messages.choose(deadline, TODAY, [7]),
        messages.choose(deadline, deadline.day), messages.confirmed(deadline, rows), messages.listing(rows),
        messages.listing([]), messages.cancelled(rows[0], "user"), messages.cancelled(rows[0], "changed"),
        messages.ics_caption(deadline, [7, 30]),
    ]
    for item in due(rows, china(rows[-1].remind_on, 9)), due(rows, china(deadline.day + timedelta(days=1), 9)):
        screens += [messages.reminder_message(d) for d in item]
    kind = dl.kinds()["limitation"]
    pages = [render("reminders/gone.html.j2"),
             render("reminders/section.html.j2", d=messages.view(rows[0]), section="", todo=kind.todo,
                    citations=list(kind.citations)),
             render("reminders/section.html.j2", **advice_context("creditor", CREDITOR, TODAY),
                    d=messages.view(rows[0]), section=kind.section, todo=kind.todo, citations=list(kind.citations))]
    for html in [screen.rendered.html for screen in screens] + [page.html for page in pages[:2]]:
        assert "12348" in html and "您" not in html
    assert "12348" in pages[2].html  # the result section's own words are the results' (law.periods' cautions)
    assert "诉讼时效" in pages[2].html and "要做什么" in pages[1].html
    assert "您" not in render("reminders/pick_first.html.j2").html  # a pop-up: short, no note
    assert len(messages.listing(rows).buttons) == 1  # one line, one cancel button per deadline
    assert [b.label for b in messages.choose(deadline, TODAY, [7]).buttons[0]] == ["30 天前", "✅ 7 天前", "1 天前"]
    assert "已经过去" in screens[-1].rendered.html
    all_reminder_templates = {p.name for p in (TEMPLATES_DIR / "reminders").glob("*.j2")}
    assert all_reminder_templates == {"_deadline.html.j2", "offer.html.j2", "choose.html.j2", "confirmed.html.j2",
                                      "list.html.j2", "reminder.html.j2", "cancelled.html.j2", "ics_caption.html.j2",
                                      "gone.html.j2", "section.html.j2", "pick_first.html.j2"}
    assert render("reminders/_deadline.html.j2", d=messages.view(deadline)).html


def test_writes_join_the_callers_transaction(now: Clock) -> None:
    from storage.db import immediate

    db = open_database(":memory:")
    store = ReminderStore(db)
    with pytest.raises(RuntimeError), immediate(db):  # a turn that fails after adding: nothing stays
        store.add(new(), [7], in_transaction=True)
        raise RuntimeError("the turn failed")
    assert store.open() == []
    with immediate(db):
        made = store.add(new(), [7, 1], in_transaction=True)
        assert store.cancel(11, made[0].id, in_transaction=True) == 2
    assert store.open() == [] and next_due_at(store.open(), now()) is None


# ---------------------------------------------------------------------------------------------- the desk


def _result(chat: Any) -> None:
    for text in CREDITOR_ANSWERS:
        chat.say(text)
    chat.press("确认无误")


def _remind(chat: Any, *offsets: int) -> None:
    chat.press("提醒我 1")
    for offset in offsets:
        chat.press(f"{offset} 天前")
    chat.press("确定")


def test_a_result_offers_its_deadline_and_the_chosen_reminders_are_stored(chat: Any, now: Clock) -> None:
    _result(chat)
    assert [r.kind for r in chat.last][-2:] == ["result", "notice"] and "这些日期很重要" in chat.text
    assert "诉讼时效的最后一日：2028年3月1日" in chat.text
    chat.press("提醒我 1")
    assert "你想提前多久收到提醒" in chat.text
    chat.press("确定")  # nothing chosen yet: a pop-up, nothing stored
    assert chat.last[0].alert and ReminderStore(chat.engine.db).for_chat(chat.chat_id) == []
    chat.press("30 天前")
    assert chat.last[0].meta["replace_pressed"] and "✅ 30 天前" in [b[0] for b in chat.buttons]
    chat.press("7 天前")
    chat.press("✅ 30 天前")  # picked twice: off again
    chat.press("确定")
    assert "已设置提醒" in chat.text and "2028年2月23日" in chat.text and "/forget" in chat.text
    rows = ReminderStore(chat.engine.db).for_chat(chat.chat_id)
    assert [(r.kind, r.offset_days, r.remind_on, r.session_id) for r in rows] == [
        ("limitation", 7, date(2028, 2, 23), chat.session().id)]
    chat.say("/reminders")
    assert "你设置的提醒" in chat.text and "提醒日期：2028年2月23日" in chat.text
    chat.press("取消第1项")
    assert "已取消提醒" in chat.text and ReminderStore(chat.engine.db).for_chat(chat.chat_id) == []
    assert "你现在没有设置任何提醒" in chat.text


def test_a_changed_answer_cancels_the_old_reminder_and_offers_the_new_date(chat: Any, now: Clock) -> None:
    _result(chat)
    _remind(chat, 7, 1)
    assert len(ReminderStore(chat.engine.db).for_chat(chat.chat_id)) == 2
    stale_offer = chat.engine.session_of(chat.chat_id, chat.user_id)
    assert stale_offer is not None
    chat.press_data(f"{stale_offer.turn}|r|")  # 修改回答 from the result: the review screen
    chat.press("最近一次催要")
    chat.say("2025-06-01")  # the last demand moved: so does the last day
    assert "它的提醒已取消" in chat.text and "2028年3月1日" in chat.text
    assert ReminderStore(chat.engine.db).for_chat(chat.chat_id) == []
    chat.press("确认无误")
    assert "2028年6月1日" in chat.text  # the new deadline is offered


def test_an_unchanged_review_keeps_the_reminder_and_an_old_offer_is_refused(chat: Any, now: Clock) -> None:
    _result(chat)
    old_offer = dict(chat.buttons)
    _remind(chat, 30)
    session = chat.session()
    chat.press_data(f"{session.turn}|r|")
    chat.press("确认无误")
    assert len(ReminderStore(chat.engine.db).for_chat(chat.chat_id)) == 1  # same answers: kept
    session.facts["last_demand"] = "2025-06-01"  # as if answered in another way meanwhile
    chat.engine.store.save(session)
    chat.press_data(old_offer[next(k for k in old_offer if "提醒我" in k)])
    assert chat.last[0].kind == "stale" and chat.last[0].alert


def test_forget_deletes_the_reminders_and_the_calendar_files(chat: Any, now: Clock, tmp_path: Path) -> None:
    _result(chat)
    _remind(chat, 7)
    chat.press("加入日历")  # under the confirmation
    reply = chat.last[-1]
    assert reply.kind == "document" and reply.files[0].parent == tmp_path / "out" / str(chat.user_id)
    event = next(iter(Calendar.from_ical(reply.files[0].read_bytes()).walk("VEVENT")))
    assert event.decoded("dtstart") == date(2028, 3, 1)
    assert [a.decoded("trigger") for a in event.walk("VALARM")] == [alarm_trigger(7)]  # the chosen offsets
    assert "7 天前" in chat.text
    chat.say("/forget")
    chat.press("确认删除")
    assert "期限提醒 1 条" in chat.text
    assert ReminderStore(chat.engine.db).for_chat(chat.chat_id) == []
    assert Database(chat.engine.db.conn).execute("select count(*) from reminders").fetchone()[0] == 0
    assert not reply.files[0].exists()


def test_the_reminder_button_shows_the_section_then_nothing_once_deleted(chat: Any, now: Clock) -> None:
    from desks.reminders import reminder_reply

    _result(chat)
    _remind(chat, 7)
    row = ReminderStore(chat.engine.db).for_chat(chat.chat_id)[0]
    item = due([row], china(row.remind_on, 9))[0]
    reply = reminder_reply(item)
    assert "距离这一天还有 <b>7</b> 天" in reply.html and "12348" in reply.html
    chat.press_data(reply.buttons[0][0].data)
    assert "诉讼时效" in chat.text and "三年" in chat.text and "12348" in chat.text
    chat.say("/restart")  # the session moves on: the button still works (any turn)
    chat.press_data(reply.buttons[0][0].data)
    assert "诉讼时效的最后一日" in chat.text
    ReminderStore(chat.engine.db).cancel(chat.chat_id, row.id)
    chat.press_data(reply.buttons[0][0].data)
    assert "这个提醒已经删除" in chat.text


def test_no_reminders_in_a_group(engine: Any) -> None:
    from flows.model import Inbound

    replies = engine.handle(Inbound.typed(-500, 200, "/reminders", is_private=False))
    text = " ".join(r.html for r in replies)
    assert "/reminders 只能在私聊中使用" in text
    assert all(b.url or "|Z|" not in b.data for r in replies for row in r.buttons for b in row)


DEBTOR = {"role": "debtor", "amount": "26000", "creditor_kind": "credit_card", "overdue_since": "2025-01-15",
          "stage": "judged"}


def test_the_kinds_table_offers_the_appeal_and_enforcement_from_the_agreed_facts() -> None:
    judged = {**DEBTOR, "service_date": "2026-11-15", "doc_kind": "judgment"}
    (appeal,) = dl.deadlines("debtor", judged, TODAY)
    assert (appeal.kind, appeal.day, appeal.role) == ("appeal", date(2026, 11, 30), "debtor")  # served + 15 days
    assert dl.deadlines("debtor", {**judged, "doc_kind": "ruling"}, TODAY)[0].day == date(2026, 11, 25)  # 10 days
    assert dl.deadlines("debtor", {**judged, "small_claims_case": "yes"}, TODAY) == []  # no appeal
    # Judgment or ruling unknown: the advice counts the debtor's cautious 10 days (law/advice.py), and so does the
    # reminder — earlier rather than too late.
    assert dl.deadlines("debtor", {**judged, "doc_kind": "unknown"}, TODAY)[0].day == date(2026, 11, 25)
    assert dl.deadlines("debtor", {**judged, "service_date": "2026-11-01"}, TODAY) == []  # already over
    assert dl.deadlines("debtor", {**judged, "service_date": "2026-11-16"}, TODAY)[0].fingerprint != appeal.fingerprint
    enforced = {**CREDITOR, "stage": "judged", "performance_end": "2026-06-30"}
    kinds_found = [(d.kind, d.day) for d in dl.deadlines("creditor", enforced, TODAY)]
    assert kinds_found == [("enforcement", date(2028, 6, 30))]  # two years (民事诉讼法第二百五十条)
    assert set(dl.SOURCES) | {"instalment_pay", "instalment_check"} == set(dl.kinds())


def test_a_kind_the_advice_context_provides_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    from law.calculation import Calculation

    real = dl.advice_context

    def with_labour(flow: str, facts: dict[str, Any], today: date) -> dict[str, Any]:
        context = real(flow, facts, today)
        context["labour_arbitration"] = Calculation(name="labour", summary="", result={
            "last_day": date(2027, 3, 1), "running": True, "expired": False, "days_left": 99})
        return context

    monkeypatch.setattr(dl, "advice_context", with_labour)
    wages = {**CREDITOR, "debt_type": "wages", "wage_relation": "employment", "employment_ended": "2026-03-01"}
    found = dl.deadlines("creditor", wages, TODAY)
    assert [(d.kind, d.day) for d in found] == [("labour_arbitration", date(2027, 3, 1))]  # no limitation: labour
    assert dl.deadlines("debtor", {**DEBTOR}, TODAY) == []  # a creditor's kind only


def test_the_terminal_shows_a_due_reminder_once_before_the_prompt(tmp_path: Path, now: Clock) -> None:
    import io

    from assembly import Engine
    from channels.terminal import TERMINAL_CHAT_ID, run_interactive, user_id_for
    from storage import SessionStore

    engine = Engine(SessionStore(open_database(tmp_path / "t.db")), clock=lambda: TODAY,
                    documents_dir=tmp_path / "out")
    uid = user_id_for("me")
    ReminderStore(engine.db).add(NewReminder(TERMINAL_CHAT_ID, uid, None, "limitation", 0, date(2027, 1, 20),
                                             date(2027, 1, 20), True, "f" * 16), [7], today=TODAY)
    now.set(china(date(2027, 1, 13), 8, 59))
    outputs = []
    for moment in (china(date(2027, 1, 13), 8, 59), china(date(2027, 1, 13), 9, 5), china(date(2027, 1, 13), 9, 6)):
        now.set(moment)
        out = io.StringIO()
        run_interactive(engine, "me", io.StringIO("/reminders\n"), out)
        outputs.append(out.getvalue())
    assert [text.count("⏰ 提醒：") for text in outputs] == [0, 1, 0]  # not before 09:00, then once
    assert "回看相关内容" in outputs[1] and ReminderStore(engine.db).open() == []


def test_an_instalment_is_chosen_by_its_number_not_its_place_in_a_list(chat: Any, now: Clock) -> None:
    from desks.reminders import ident

    chat.say("/start")
    session = chat.session()
    session.facts.update({**CREDITOR, "role": "debtor", "document": "agreement", "plan_months": "3",
                          "first_payment_date": "2026-12-15"})
    session.state = "documents.done"
    chat.engine.store.save(session)
    found = dl.deadlines("debtor", session.facts, TODAY)
    assert [(d.kind, d.number) for d in found] == [("instalment_pay", 1), ("instalment_pay", 2), ("instalment_pay", 3)]
    assert len({d.fingerprint for d in found}) == 1  # one schedule: the number tells them apart
    chat.press_data(f"{session.turn}|Z|o:{ident(found[1])}")
    assert "第2期" in chat.text
    chat.press("7 天前")
    chat.press("确定")
    (row,) = ReminderStore(chat.engine.db).for_chat(chat.chat_id)
    assert (row.kind, row.number, row.deadline, row.remind_on) == ("instalment_pay", 2, date(2027, 1, 15),
                                                                    date(2027, 1, 8))
    forged = ident(found[1]).rsplit(":", 1)[0] + ":xxxxxxxx"
    chat.press_data(f"{session.turn}|Z|o:{forged}")  # a forged fingerprint: refused
    assert chat.last[0].alert


def test_the_advice_contexts_labour_and_enforcement_deadlines_are_offered() -> None:
    # Issue 17's advice context names them labour_deadline and enforcement_deadline; the kinds table reads those.
    today = date(2026, 12, 7)
    wages = {"role": "creditor", "debt_type": "wages", "wage_relation": "employment", "amount": "8000",
             "due_date": "2026-10-15", "stage": "not_sued", "employment_ended": "2026-11-01", "still_employed": "no"}
    (labour,) = dl.deadlines("creditor", wages, today)
    assert (labour.kind, labour.day) == ("labour_arbitration", date(2027, 11, 1))  # a year from the end of work
    judged = {"role": "creditor", "debt_type": "loan", "amount": "15000", "stage": "judged",
              "performance_end": "2025-08-31"}
    (enforcement,) = dl.deadlines("creditor", judged, today)
    assert (enforcement.kind, enforcement.day) == ("enforcement", date(2027, 8, 31))  # two years (第二百五十条)


def test_no_labour_arbitration_deadline_for_service_wages() -> None:
    # 劳务报酬 from a private boss is a civil claim (limitation), not a labour dispute: no arbitration reminder.
    service = {"role": "creditor", "debt_type": "wages", "wage_relation": "service", "amount": "12000",
               "due_date": "2026-02-15", "stage": "not_sued", "last_demand": "2026-12-04"}
    assert [d.kind for d in dl.deadlines("creditor", service, date(2026, 12, 7))] == ["limitation"]
