"""Privacy and security: /forget leaves nothing, retention, no token or message text in logs, owner-only
files, admin-only commands."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import CREDITOR_ANSWERS, PYTHON, ROOT, TODAY, Chat
from sqlite_utils import Database

import clock
from assembly import Engine
from channels.tg.app import build_application, direct_request
from channels.tg.menus import PRIVATE_COMMANDS
from desks import admin
from desks.admin import AdminGate, AdminRequest, admin_command, parse_admin_ids
from flows.model import Reply
from storage import SessionStore, open_database, privacy
from storage.retention import DEFAULT_RETENTION_DAYS, Retention, retention_days_from_env
from storage.sessions import now_iso
from testing import FakeBotAPI
from testing import fixtures as botapi_fixtures
from testing.wiring import application_builder, running

botapi = botapi_fixtures.botapi

# Alice's answers carry words found nowhere else, so any trace of them in the database can be seen.
ALICE_ANSWERS = ["/start", "1", "个人借款", "2023年5月", "1", "37651", "1,2", "2023-05-17", "2025年3月", "1", "是",
                 "江苏"]
ALICE_WORDS = ["37651", "37,651", "2023-05-17", "2023年5月17日"]


def rows_about(db: Database, user_id: int, words: list[str]) -> list[tuple[str, str, Any]]:
    """Every (table, column, value) in the whole database that carries ``user_id`` or one of ``words``."""
    found = []
    for table in db.table_names():
        for row in db[table].rows:
            for column, value in row.items():
                text = value if isinstance(value, str) else ""
                if value == user_id or str(user_id) in text or any(w in text for w in words):
                    found.append((table, column, value if not isinstance(value, str) else value[:80]))
    return found


async def _wait_delivered(fake: FakeBotAPI, engine: Engine, update_id: int) -> None:
    await fake.wait_for_async(lambda: (row := engine.store.processed(update_id)) is not None and row["delivered"])


# ----------------------------------------------------------------------------------------- /forget


def test_forget_over_telegram_leaves_no_row_about_the_user(botapi: FakeBotAPI, engine: Engine) -> None:
    app = build_application(engine, builder=application_builder(botapi, requests=direct_request))
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    alice_chat, bob_chat = botapi.private_chat(alice), botapi.private_chat(bob)

    async def say(chat, user, text: str) -> int:
        update_id = botapi.send_text(chat, user, text)
        await _wait_delivered(botapi, engine, update_id)
        return update_id

    async def scenario() -> None:
        async with running(app):
            for mine, his in zip(ALICE_ANSWERS, CREDITOR_ANSWERS, strict=True):
                await say(alice_chat, alice, mine)
                await say(bob_chat, bob, his)
            # One of Alice's replies could not be delivered: that is recorded too (ids only).
            botapi.inject("sendMessage", "403", chat_id=alice_chat.id)
            await say(alice_chat, alice, "/review")
            db = engine.store.db
            assert db["undeliverable"].count_where("chat_id = ?", [alice_chat.id]) == 1
            assert db["telegram_keyboards"].count_where("chat_id = ?", [alice_chat.id]) >= 1
            await say(alice_chat, alice, "/forget")
            confirm = next(m for m in reversed(botapi.messages_in(alice_chat)) if m.buttons)
            data = next(b["callback_data"] for b in confirm.buttons if "确认删除" in b["text"])
            update_id = botapi.press(alice_chat, alice, confirm.message_id, data)
            await _wait_delivered(botapi, engine, update_id)

    asyncio.run(scenario())
    assert "已删除你的全部数据" in botapi.texts_in(alice_chat)[-1]
    left = rows_about(engine.store.db, alice.id, ALICE_WORDS)
    assert left == [], left
    bobs = rows_about(engine.store.db, bob.id, [])
    tables = set(engine.store.db.table_names())
    assert {"sessions", "transcript", "processed_updates", "telegram_keyboards", "delivery_steps",
            "undeliverable"} <= tables
    # Bob is untouched: his consultation and transcript are all there.
    assert engine.store.current(bob_chat.id, bob.id).state == "creditor.review"
    assert {t for t, _, _ in bobs} >= {"sessions", "transcript", "processed_updates", "telegram_keyboards"}


def test_every_table_with_user_rows_is_in_the_forget_registry(engine: Engine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat(engine, 4242, 4242)
    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    db = engine.store.db
    # Another feature adds a table of its own (documents, group data...): registered, it is covered.
    db["documents"].create({"id": int, "user_id": int, "name": str}, pk="id")
    db["documents"].insert({"user_id": 4242, "name": "借条_37651.docx"})
    db["group_notes"].create({"id": int, "user_id": int, "note": str}, pk="id")
    db["group_notes"].insert({"user_id": 4242, "note": "x"})
    monkeypatch.setattr(privacy, "USER_ROWS", [*privacy.USER_ROWS, privacy.UserRows("documents", "user_id = :user")])
    chat.say("/forget")
    chat.press("确认删除")
    # The inspection sees the one table left out of the registry: it is how a forgotten table is caught.
    assert rows_about(db, 4242, ["37651"]) == [("group_notes", "user_id", 4242)]


def test_forget_needs_the_confirmation(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("/forget")
    chat.say("嗯？")  # anything but a yes cancels
    assert "没有删除" in chat.text
    old_confirm = [data for label, data in chat.buttons if True]
    chat.say("/review")
    forged = f"{chat.session().turn}|F|yes"  # a confirmation button after the question was closed
    chat.press_data(forged)
    assert "过期" in chat.text and chat.session().facts == {"role": "creditor"}
    assert old_confirm


# ----------------------------------------------------------------------------------------- retention


def _age(db: Database, table: str, column: str, days: int) -> None:
    old = (clock.now_utc() - timedelta(days=days)).isoformat(timespec="milliseconds")
    db.execute(f"update [{table}] set [{column}] = ?", [old])
    db.conn.commit()


def test_retention_purges_old_transcripts_and_keeps_open_consultations(tmp_path: Path) -> None:
    engine = Engine(SessionStore(open_database(tmp_path / "r.db")), clock=lambda: TODAY)
    old, new = Chat(engine, 1, 1), Chat(engine, 2, 2)
    for answer in CREDITOR_ANSWERS[:6]:
        old.say(answer)
    old.say("/restart")
    old.press("确定重新开始")  # the first consultation is closed, a new one open
    old.say("2")
    db = engine.store.db
    _age(db, "transcript", "created_at", 40)
    _age(db, "processed_updates", "processed_at", 40)
    _age(db, "sessions", "updated_at", 40)
    for answer in CREDITOR_ANSWERS[:5]:
        new.say(answer)  # fresh rows, today
    fresh = db["transcript"].count_where("user_id = 2")
    now = clock.now_utc()
    retention = Retention(db, days=30, now=lambda: now)
    counts = retention.purge()
    assert counts["transcript"] > 0 and counts["sessions"] == 1  # the closed consultation
    assert db["transcript"].count_where("user_id = 1") == 0
    assert db["transcript"].count_where("user_id = 2") == fresh
    assert engine.store.current(1, 1).state == "debtor.creditor_kind"  # the open consultation stays
    assert db["sessions"].count_where("status = 'closed'") == 0
    # Once a day: not again an hour later, again the next day (an injected clock).
    moment = [now + timedelta(hours=1)]
    retention.now = lambda: moment[0]
    assert retention.maybe_purge() is None
    moment[0] = now + timedelta(days=1, minutes=1)
    assert retention.maybe_purge() is not None
    # Rows younger than the limit stay: 29 days on, today's rows are still there.
    assert Retention(db, days=30, now=lambda: now + timedelta(days=29)).purge()["transcript"] == 0


def test_retention_runs_at_start_up_and_in_the_turn_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.db"
    engine = Engine(SessionStore(open_database(path)), clock=lambda: TODAY)
    chat = Chat(engine, 5, 5)
    for answer in CREDITOR_ANSWERS[:5]:
        chat.say(answer)
    _age(engine.store.db, "transcript", "created_at", 8)
    engine.store.db.close()
    monkeypatch.setenv("XIAOE_RETENTION_DAYS", "7")
    restarted = Engine(SessionStore(open_database(path)), clock=lambda: TODAY)  # purges on start-up
    assert restarted.store.db["transcript"].count == 0
    # In the turn path: a turn a day later purges again.
    _age(restarted.store.db, "processed_updates", "processed_at", 9)
    later = restarted.retention.last_purge + timedelta(days=1, seconds=1)
    restarted.retention.now = lambda: later
    Chat(restarted, 5, 5).say("/review")
    assert restarted.store.db["processed_updates"].count == 0
    assert restarted.retention.last_purge == later


@pytest.mark.parametrize(("raw", "days"), [("", DEFAULT_RETENTION_DAYS), ("7", 7), ("0", 0), ("-3", 0),
                                           ("abc", DEFAULT_RETENTION_DAYS)])
def test_retention_setting(monkeypatch: pytest.MonkeyPatch, raw: str, days: int) -> None:
    monkeypatch.setenv("XIAOE_RETENTION_DAYS", raw)
    assert retention_days_from_env() == days


def test_retention_zero_keeps_everything(engine: Engine) -> None:
    Chat(engine).say("/start")
    _age(engine.store.db, "transcript", "created_at", 3650)
    assert Retention(engine.store.db, days=0).purge() == {}
    assert engine.store.db["transcript"].count > 0


# ------------------------------------------------------------------------------ tokens, logs, files


def _env(fake: FakeBotAPI, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("XIAOE_")}
    env.update(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.base_url, XIAOE_DB=str(db),
               NO_PROXY="127.0.0.1", **extra)
    return env


def test_token_never_appears_in_errors_even_when_telegram_rejects_it(tmp_path: Path) -> None:
    """python-telegram-bot puts the token into InvalidToken's message; it must not reach stderr."""
    with FakeBotAPI() as fake:
        wrong = "987654321:AAWrongTokenThatMustNeverShow_0123"
        env = _env(fake, tmp_path / "t.db", XIAOE_LOG_LEVEL="DEBUG")
        env["TELEGRAM_BOT_TOKEN"] = wrong
        proc = subprocess.run([PYTHON, "bot.py", "telegram"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
        fake.take_violations()  # the wrong token, on purpose
    assert proc.returncode == 1
    assert "InvalidToken: The token `<redacted>` was rejected" in proc.stderr  # the error is there...
    assert wrong not in proc.stderr and wrong.split(":")[1] not in proc.stderr  # ...without the token


def test_message_texts_are_not_logged_at_the_default_level(tmp_path: Path) -> None:
    db = tmp_path / "quiet.db"
    with FakeBotAPI() as fake:
        proc = subprocess.Popen([PYTHON, "bot.py", "telegram"], cwd=ROOT, env=_env(fake, db),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            alice = fake.user("Alice")
            chat = fake.private_chat(alice)
            for answer in ALICE_ANSWERS:
                update_id = fake.send_text(chat, alice, answer)
                fake.wait_until_confirmed(update_id, timeout=15)
            fake.inject("sendMessage", "403", chat_id=chat.id)  # a warning is logged: ids only
            fake.wait_until_confirmed(fake.send_text(chat, alice, "我住在秘密路37651号"), timeout=15)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert "blocked the bot" in err  # something was logged...
    assert not [w for w in [*ALICE_WORDS, "秘密路", "个人借款", "江苏"] if w in err], err  # ...but no text
    assert fake.token not in err and fake.token.split(":")[1] not in err
    raw = db.read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    assert fake.token.split(":")[1].encode() not in raw  # nor is the token stored


def test_database_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new-dir" / "x.db"
    engine = Engine(SessionStore(open_database(path)), clock=lambda: TODAY)
    Chat(engine).say("/start")
    for name in ("x.db", "x.db-wal", "x.db-shm"):
        assert stat.S_IMODE(os.stat(path.parent / name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


# ------------------------------------------------------------------------------------- admin commands


def test_stats_for_admins_only_and_never_personal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIAOE_ADMIN_IDS", "7, 8")
    engine = Engine(SessionStore(open_database(tmp_path / "a.db")), clock=lambda: TODAY)
    user, admin_chat = Chat(engine, 424242, 424242), Chat(engine, 7, 7)
    for answer in ALICE_ANSWERS:
        user.say(answer)
    user.say("/stats")
    assert "仅供本机器人的管理员" in user.text and "用户" not in user.text.split("管理员")[0]
    admin_chat.say("/stats")
    text = admin_chat.text
    assert "使用统计" in text and "用户：1 人" in text and "债权人咨询：1" in text
    assert not [w for w in [*ALICE_WORDS, "个人借款", "江苏"] if w in text]
    assert "424242" not in text


def test_admin_ids_setting() -> None:
    assert parse_admin_ids("1, 2 3,,x") == frozenset({1, 2, 3})
    assert parse_admin_ids(None) == frozenset() and not AdminGate([]).allows(1)


def test_a_new_admin_command_is_one_decorated_function(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "ADMIN_COMMANDS", dict(admin.ADMIN_COMMANDS))

    @admin_command("export")
    def export(request: AdminRequest) -> list[Reply]:
        return [Reply(f"导出 {request.args}")]

    engine.admins = AdminGate([9])
    assert "导出 全部" in Chat(engine, 9, 9).say("/export 全部")[0].html
    assert "仅供本机器人的管理员" in Chat(engine, 10, 10).say("/export 全部")[0].html


def test_admin_commands_are_not_in_the_public_menu(botapi: FakeBotAPI, engine: Engine) -> None:
    app = build_application(engine, builder=application_builder(botapi, requests=direct_request))

    async def scenario() -> None:
        async with running(app):
            await botapi.wait_for_calls_async("setMyCommands", n=4)

    asyncio.run(scenario())
    menus = [botapi.commands({"type": scope}, language) for scope in ("all_private_chats", "all_group_chats")
             for language in ("zh", "")]
    listed = {c["command"] for menu in menus for c in menu}
    assert listed and not listed & set(admin.ADMIN_COMMANDS)
    assert not {name for name, _ in PRIVATE_COMMANDS} & set(admin.ADMIN_COMMANDS)


def test_stats_counts_undeliverable_replies_by_reason(engine: Engine) -> None:
    db = engine.store.db
    db["undeliverable"].insert({"update_id": 1, "chat_id": 3, "user_id": 3, "reason": "blocked",
                                "error": "Forbidden", "attempts": 1, "created_at": now_iso()})
    engine.admins = AdminGate([5])
    assert "用户已屏蔽 1" in Chat(engine, 5, 5).say("/stats")[0].html


def test_export_for_admins_sends_an_anonymised_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIAOE_ADMIN_IDS", "7")
    engine = Engine(SessionStore(open_database(tmp_path / "a.db")), clock=lambda: TODAY)
    user, admin_chat = Chat(engine, 424242, 424242), Chat(engine, 7, 7)
    for answer in ["/start", "债权人", "借款", "不知道", "还没起诉", "我借给朋友张三5000，他电话13912345678"]:
        user.say(answer)
    user.say("/export")
    assert "仅供本机器人的管理员" in user.text and not any(r.files for r in user.last)
    (reply,) = admin_chat.say("/export 1")
    assert reply.kind == "document" and "已导出最近 1 段对话" in reply.html
    (path,) = reply.files
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    text = path.read_text(encoding="utf-8")
    assert "conversations:" in text and "甲某" in text and "13800000001" in text
    assert "张三" not in text and "13912345678" not in text and "424242" not in text
    assert "用法" in admin_chat.say("/export lots")[0].html
    assert "用法" in admin_chat.say("/export 999")[0].html
    assert "用法" in admin_chat.say("/export ²")[0].html  # a digit to str.isdigit, not to int()
