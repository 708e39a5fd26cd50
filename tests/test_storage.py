"""SQLite storage: WAL, busy timeout, owner-only file, migrations, one transaction per turn, forget."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import CREDITOR_ANSWERS, TODAY, Chat

from assembly import Engine
from flows.model import Inbound
from storage import SessionStore, open_database
from storage.migrations import migrations


def test_database_settings(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "x.db"
    db = open_database(path)
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert {"sessions", "transcript", "processed_updates"} <= set(db.table_names())
    applied = [m.name for m in migrations.applied(db)]
    assert applied[:5] == ["0001_sessions_transcripts_updates", "0002_telegram_keyboards", "0003_groups",
                           "0004_document_details", "0005_delivery_records"]
    assert applied == sorted(applied) and "0006_meta" in applied
    db.close()
    assert [m.name for m in migrations.applied(open_database(path))] == applied  # not applied twice


def test_transcript_records_every_message_with_states(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:3]:
        chat.say(answer)
    rows = chat.engine.store.transcript(chat.session().id)
    ins = [r for r in rows if r["direction"] == "in"]
    assert [r["text"] for r in ins] == ["/start", "1", "个人借款"]
    last_in = ins[-1]
    assert (last_in["state_before"], last_in["state_after"]) == ("creditor.debt_type", "creditor.loan_date")
    assert any(r["direction"] == "out" and r["kind"] == "question" for r in rows)


def test_log_many_writes_the_rows_log_writes_in_order() -> None:
    import clock

    one, many = SessionStore(open_database(":memory:")), SessionStore(open_database(":memory:"))
    buttons = [[{"label": "是", "data": "1:a:yes"}]]
    rows = [("in", "text", "三千五", None), ("out", "ack", "<b>金额</b>", []), ("out", "question", "借条？", buttons)]
    with clock.one_instant():
        for store in (one, many):
            session = store.create(5, 6, "creditor.amount")
        for direction, kind, text, shown in rows:
            one.log(session, 5, 6, direction, kind, text, buttons=shown, state_before="a", state_after="b",
                    update_id=9)
        many.log_many(session, 5, 6, rows, state_before="a", state_after="b", update_id=9)
    assert [dict(r) for r in many.transcript(session.id)] == [dict(r) for r in one.transcript(session.id)]
    assert [r["text"] for r in many.transcript(session.id)] == ["三千五", "<b>金额</b>", "借条？"]
    assert not one.db.conn.in_transaction and not many.db.conn.in_transaction  # committed, as log commits


def test_history_writes_what_encoding_the_whole_list_writes() -> None:
    from storage.sessions import _dumps
    from storage.state import History, Snapshot

    def full(snapshots: list[Snapshot]) -> str:
        return _dumps([s.to_dict() for s in snapshots])

    first = Snapshot("creditor.amount", {"role": "creditor", "province": "江苏", "evidence": ["iou"]})
    second = Snapshot("creditor.due_date", {"amount": "3500", "amount__approx": False}, editing=True, auto=True)
    third = Snapshot("creditor.review", {})
    for stored in ([], [first], [first, second]):
        for added in ([], [third], [third, second]):
            history = History.from_json(full(stored))
            assert bool(history) == bool(stored) and history._items is None  # answered without decoding
            for snapshot in added:
                history.append(snapshot)
            assert bool(history) == bool(stored + added)
            assert history.to_json(_dumps) == full(stored + added) and history._items is None
            assert list(history) == stored + added and history.to_json(_dumps) == full(stored + added)
    history = History.from_json(full([first, second]))
    history.append(third)
    assert history[-1] == third and history.pop() == third and history.pop() == second
    assert len(history) == 1 and history == [first] and history.to_json(_dumps) == full([first])
    assert not History.from_json(None) and History.from_json("").to_json(_dumps) == "[]"


def test_a_session_row_round_trips_with_its_history(chat: Chat) -> None:
    from storage.sessions import Session, _dumps

    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    row = chat.session().to_row()
    again = Session.from_row(row)
    assert again.to_row() == row  # not decoded: the stored text as it was
    assert _dumps([s.to_dict() for s in again.history]) == row["history"]  # decoded: the same text
    assert again.to_row() == row


def test_save_writes_the_whole_row_and_the_status_only_when_it_changed() -> None:
    from storage.sessions import SESSION_COLUMNS, Session

    store = SessionStore(open_database(":memory:"))
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)

    def stored(session_id: int) -> dict[str, object]:
        row = store.db.execute("select * from sessions where id = ?", [session_id]).fetchone()
        return dict(zip(SESSION_COLUMNS, row, strict=True))

    session = store.create(5, 6, "creditor.amount")
    session.state, session.facts, session.turn = "creditor.evidence", {"amount": "3500"}, 3
    statements.clear()
    store.save(session)
    assert stored(session.id) == session.to_row()
    updates = [s for s in statements if s.startswith("update sessions")]
    assert len(updates) == 1 and "status" not in updates[0]
    session.status = "finished"
    store.save(session)
    updates = [s for s in statements if s.startswith("update sessions")]
    assert "status" in updates[-1] and stored(session.id)["status"] == "finished"
    store.close(session)
    assert stored(session.id) == session.to_row() and session.to_row()["status"] == "closed"
    loaded = Session.from_row(stored(session.id))
    assert loaded.saved_status == "closed"
    made = Session(id=session.id, chat_id=5, user_id=6, flow="creditor", state="creditor.review", status="active")
    store.save(made)  # a session not read from the database: its status is written
    assert stored(session.id)["status"] == "active"


def test_update_processed_once_and_resent_only_if_undelivered(engine: Engine) -> None:
    first = engine.handle(Inbound.typed(1, 1, "/start", update_id=10))
    again = engine.handle(Inbound.typed(1, 1, "/start", update_id=10))
    assert [r.html for r in again] == [r.html for r in first]  # never delivered: the same replies, re-sent
    assert engine.store.db["transcript"].count_where("direction = 'in'") == 1
    engine.mark_delivered(10)
    assert engine.handle(Inbound.typed(1, 1, "/start", update_id=10)) == []
    engine.handle(Inbound.typed(1, 1, "1", update_id=11))
    engine.handle(Inbound.typed(1, 1, "1", update_id=11))
    assert engine.store.current(1, 1).state == "creditor.debt_type"  # answered once, not twice


def test_failed_turn_rolls_back(engine: Engine, monkeypatch) -> None:
    chat = Chat(engine)
    chat.say("/start")
    before = chat.session()

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine.store, "log_many", boom)  # the transcript rows fail to be written
    replies = chat.say("1")
    assert "出错" in replies[0].html
    after = chat.session()
    assert (after.state, after.facts, after.turn) == (before.state, before.facts, before.turn)


def test_forget_deletes_everything_about_the_user(tmp_path: Path) -> None:
    engine = Engine(SessionStore(open_database(tmp_path / "f.db")), clock=lambda: TODAY)
    me, other = Chat(engine, 1, 1), Chat(engine, 2, 2)
    for answer in CREDITOR_ANSWERS:
        me.say(answer)
        other.say(answer)
    me.say("/forget")
    me.press("确认删除")
    assert "已删除" in me.text
    db = engine.store.db
    for table in ("sessions", "transcript", "processed_updates"):
        assert db[table].count_where("user_id = ?", [1]) == 0, table
    assert db.execute("select count(*) from transcript where text like '%3500%' and user_id = 1").fetchone()[0] == 0
    assert db["sessions"].count_where("user_id = ?", [2]) == 1  # other users untouched
    me.say("/start")
    assert me.state == "start.role" and me.session().facts == {}


def test_forget_can_be_cancelled(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("/forget")
    chat.press("取消")
    assert "没有删除" in chat.text and chat.session().state == "creditor.debt_type"


def test_the_reused_json_encoders_write_what_json_writes() -> None:
    import json

    from storage.sessions import _dumps, _dumps_sorted

    values = ["江苏\n\"引号\"", 3, 2.5, float("nan"), None, True, [], {}, ["a", {"b": [1, 2.0, None]}],
              {"z": 1, "a": {"y": "是", "b": [True, False]}, "m": "", "😀": "emoji"}]
    for value in values:
        assert _dumps(value) == json.JSONEncoder(ensure_ascii=False).encode(value)
        assert _dumps_sorted(value) == json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode(value)
    assert _dumps_sorted({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    with pytest.raises(TypeError):
        _dumps({"when": object()})


def test_the_current_session_is_the_newest_not_closed() -> None:
    store = SessionStore(open_database(":memory:"))
    assert store.current(5, 6) is None
    first = store.create(5, 6, "creditor.amount")
    other_chat = store.create(7, 6, "creditor.amount")
    assert store.current(5, 6).id == first.id and store.current(7, 6).id == other_chat.id
    second = store.create(5, 6, "debtor.amount")
    assert store.current(5, 6).id == second.id  # the newest
    store.close(second)
    assert store.current(5, 6).id == first.id  # the newest not closed
    store.close(first)
    assert store.current(5, 6) is None
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    store.current(5, 6)
    store.db.conn.set_trace_callback(None)
    [query] = [s for s in statements if s.startswith("select")]
    assert "TEMP B-TREE" not in str(store.db.execute(f"explain query plan {query}").fetchall())  # no sort a turn


def test_an_empty_pending_reads_as_the_default_and_a_set_one_as_written() -> None:
    from storage.sessions import Session
    from storage.state import Pending

    store = SessionStore(open_database(":memory:"))
    session = store.create(5, 6, "creditor.amount")
    assert Session.from_row(session.to_row()).pending == Pending() == Pending.from_dict({})
    session.pending.tries, session.pending.tries_at, session.pending.picked = 2, "creditor.amount", ["iou"]
    again = Session.from_row(session.to_row())
    assert again.pending == session.pending and again.to_row() == session.to_row()
