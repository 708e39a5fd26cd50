"""Fuzzing the engine: a hypothesis state machine plays thousands of random turns per run.

Three users type random text (emoji, control characters, 10,000-character strings, HTML and SQL
fragments), plausible answers for whatever is being asked, commands at every step, button presses
(current, stale, forged), unsupported messages, edits, group messages, and the same update delivered
twice. After every turn: every input got a reply in Chinese, no turn failed (the engine logs and answers
"出错了" when a turn raises: that must never happen), every session sits in a valid state of its flow,
and repeated updates change nothing. Every few turns and at the end of each run the database is checked:
``PRAGMA integrity_check``, foreign keys, one open consultation per user, every processed update has its
replies, no update written to the transcript twice.

One pytest run plays at least 10,000 turns; the figure and the time are printed.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from pathlib import Path

import pytest
from conftest import TODAY
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from assembly import Engine, public_commands
from desks.admin import AdminGate
from flows import callbacks as cb
from flows.model import Inbound, InboundKind, Reply
from flows.spec import load_registry
from storage import SessionStore, open_database

MIN_TURNS = 10_000
COMMANDS = public_commands()  # from the one command registry
USERS = (1, 2, 3)  # user id == chat id (private chats); user 3 is an admin
REGISTRY = load_registry()
STATES = set(REGISTRY.states())
CHINESE = __import__("re").compile(r"[\u4e00-\u9fff]")
INTERNAL_ERROR = "刚才处理出错了"
DB_CHECK_EVERY = 40


class Counter:
    """Turns played across every run of the state machine in this pytest process."""

    turns = 0
    db_checks = 0
    states: set[str] = set()


# --------------------------------------------------------------------------------------- inputs

HOSTILE = [
    "<b>", "</i>", "<script>alert(1)</script>", "&amp;", "&", "&#0;", "<a href='javascript:x'>x</a>",
    "'; DROP TABLE sessions; --", "\" OR 1=1 --", "1; DELETE FROM transcript", "%s%n%x", "{{ 7*7 }}",
    "{% raw %}", "${jndi:ldap://x}", "\x00", "\x07", "\x1b[31m", "\u202e", "\ufeff", "\u200b", "\r\n",
    "\t", "😀", "👨‍👩‍👧‍👦", "🇨🇳", "𠮷", "²", "١٢", "Ⅻ", "ｆｕｌｌ", "NaN", "Infinity", "-0", "1e999",
    "0x10", "null", "undefined", "[]", "{}", "/", "//", "/start@other_bot", "@xiaoe_test_bot",
    "返回", "跳过", "帮助", "取消", "重新开始", "继续", "确认", "是", "否", "1", "2", "3", "9", "0", "1,2",
    "3.5万", "三千五", "三千多", "2024-05-01", "2024年5月", "昨天", "2099-01-01", "2023-02-30", "江苏",
    "火星", "支付令是什么？", "失信名单", "我收到传票了",
]
ANSWERS = {
    "amount": ["5000", "3.5万", "三千五", "1万2", "5,000元", "0", "-1", "三千多", "99999999999", "0.001"],
    "date": ["2023-05-01", "2024年5月", "2025年3月", "昨天", "2099-01-01", "1980-01-01", "2023-02-30", "下周"],
    "province": ["江苏", "广东省", "上海", "香港", "火星", "跳过"],
    "text": ["随便说说", "对方是我同事", "<b>&</b>"],
    "review": ["确认", "1", "2", "修改", "好"],
    "result": ["1", "2", "其他话题", "重新开始"],
    "info": ["1", "其他话题", "诉讼时效", "利息"],
}

_long = st.builds(lambda unit, n: unit * n, st.sampled_from(["测", "a", "😀", "<", "&", "1", "三千五", "\x00"]),
                  st.integers(1_000, 10_000))
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), min_size=1, max_size=6).map("".join),
    _long,
)
FORGED = st.one_of(
    st.text(max_size=70),
    st.builds(lambda t, a, v: f"{t}|{a}|{v}", st.integers(-3, 10**9), st.sampled_from([*cb.ACTIONS, "x", "", "||"]),
              st.one_of(st.text(max_size=20), st.sampled_from(["yes", "no", "back", "skip", "help", "restart",
                                                                "list", "loan", "creditor", "amount", "none"]))),
)


def plausible_answers(state: str) -> list[str]:
    """Typed answers a person might give at ``state``: options by label, alias and number, sample values."""
    node = REGISTRY.node(state)
    answers = list(ANSWERS.get(node.kind, []))
    options = node.choice_options()
    for number, option in enumerate(options, 1):
        answers += [str(number), option.label, *option.aliases[:2]]
    if node.kind == "multi" and len(options) > 1:
        answers += ["1,2", "1、3", f"{len(options)}"]
    return answers or ["1"]


# ---------------------------------------------------------------------------------- the machine


class ErrorLog(logging.Handler):
    """Collects ERROR records of the engine (a failed turn is logged there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class EngineFuzz(RuleBasedStateMachine):
    """Random turns by three users on one engine and one SQLite file."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory(prefix="xiaoe-fuzz-")
        self.engine = Engine(SessionStore(open_database(Path(self.dir.name) / "fuzz.db")), clock=lambda: TODAY,
                             admins=AdminGate([3]))
        self.errors = ErrorLog()
        logging.getLogger("flows").addHandler(self.errors)
        self.next_update = 1
        self.last: list[Reply] = []
        self.last_private = True
        self.played = False
        self.buttons: dict[int, list[str]] = {u: [] for u in USERS}
        self.seen_buttons: dict[int, list[str]] = {u: [] for u in USERS}
        self.sent: list[tuple[Inbound, list[str], bool]] = []  # (inbound, reply html, delivered)
        self.steps = 0

    def teardown(self) -> None:
        try:
            self.check_database()
        finally:
            logging.getLogger("flows").removeHandler(self.errors)
            self.engine.store.db.close()
            self.dir.cleanup()

    # -- playing turns

    def play(self, inbound: Inbound) -> list[Reply]:
        replies = self.engine.handle(inbound)
        Counter.turns += 1
        self.last, self.played = replies, True
        self.last_private = inbound.is_private
        if inbound.update_id is not None:
            self.sent.append((inbound, [r.html for r in replies], False))
        if inbound.is_private:
            data = [b.data for r in replies for row in r.buttons for b in row]
            if data:
                self.buttons[inbound.user_id] = data
                self.seen_buttons[inbound.user_id] = (self.seen_buttons[inbound.user_id] + data)[-60:]
        return replies

    def update_id(self, with_id: bool) -> int | None:
        if not with_id:
            return None
        self.next_update += 1
        return self.next_update

    def state_of(self, user: int) -> str | None:
        session = self.engine.store.current(user, user)
        return session.state if session else None

    # -- rules

    @rule(user=st.sampled_from(USERS), text=TEXT, with_id=st.booleans())
    def type_text(self, user: int, text: str, with_id: bool) -> None:
        self.play(Inbound.typed(user, user, text, update_id=self.update_id(with_id)))

    @rule(user=st.sampled_from(USERS), pick=st.integers(0, 10_000))
    def answer_plausibly(self, user: int, pick: int) -> None:
        state = self.state_of(user) or REGISTRY.initial
        candidates = plausible_answers(state)
        self.play(Inbound.typed(user, user, candidates[pick % len(candidates)], update_id=self.update_id(True)))

    @precondition(lambda self: any(self.buttons.values()))
    @rule(user=st.sampled_from(USERS), pick=st.integers(0, 10_000))
    def press_current(self, user: int, pick: int) -> None:
        data = self.buttons[user] or ["0|n|help"]
        self.play(Inbound.pressed(user, user, data[pick % len(data)], update_id=self.update_id(True)))

    @precondition(lambda self: any(self.seen_buttons.values()))
    @rule(user=st.sampled_from(USERS), other=st.sampled_from(USERS), pick=st.integers(0, 10_000))
    def press_old_or_someone_elses(self, user: int, other: int, pick: int) -> None:
        data = self.seen_buttons[other] or ["0|a|creditor"]
        self.play(Inbound.pressed(user, user, data[pick % len(data)], update_id=self.update_id(True)))

    @rule(user=st.sampled_from(USERS), data=FORGED)
    def press_forged(self, user: int, data: str) -> None:
        self.play(Inbound.pressed(user, user, data, update_id=self.update_id(True)))

    @rule(user=st.sampled_from(USERS), name=st.sampled_from(sorted(COMMANDS | {"stats", "export", "START", "x"})),
          args=st.one_of(st.just(""), TEXT))
    def command(self, user: int, name: str, args: str) -> None:
        self.play(Inbound.typed(user, user, f"/{name} {args}".strip(), update_id=self.update_id(True)))

    @rule(user=st.sampled_from(USERS), kind=st.sampled_from([InboundKind.UNSUPPORTED, InboundKind.EDITED]))
    def not_text(self, user: int, kind: InboundKind) -> None:
        self.play(Inbound(user, user, kind, update_id=self.update_id(True)))

    @rule(user=st.sampled_from(USERS), text=TEXT, how=st.sampled_from(["/faq ", "/start ", "@xiaoe_test_bot ", ""]))
    def in_a_group(self, user: int, text: str, how: str) -> None:
        # The Telegram channel passes on only commands, mentions and replies to the bot (privacy mode); the
        # group desk may stay silent by design (throttled members, text that names no topic in quiet mode).
        self.play(Inbound.typed(-1000 - user, user, how + text, is_private=False, update_id=self.update_id(True)))

    @precondition(lambda self: bool(self.sent))
    @rule(pick=st.integers(0, 10_000))
    def delivered(self, pick: int) -> None:
        index = pick % len(self.sent)
        inbound, html, _ = self.sent[index]
        self.engine.mark_delivered(inbound.update_id)
        self.sent[index] = (inbound, html, True)

    @precondition(lambda self: bool(self.sent))
    @rule(pick=st.integers(0, 10_000))
    def same_update_again(self, pick: int) -> None:
        inbound, html, delivered = self.sent[pick % len(self.sent)]
        before = {u: self.engine.store.current(u, u) for u in USERS}
        processed = self.engine.store.processed(inbound.update_id)
        replies = self.engine.handle(inbound)
        Counter.turns += 1
        self.played = False  # a repeated update may rightly get no reply: its replies went out already
        after = {u: self.engine.store.current(u, u) for u in USERS}
        assert [s and (s.id, s.state, s.turn) for s in after.values()] == \
               [s and (s.id, s.state, s.turn) for s in before.values()], "a repeated update changed a session"
        assert processed is not None, f"update {inbound.update_id} was answered but not recorded"
        if delivered or processed["delivered"]:
            assert replies == []
        else:
            assert [r.html for r in replies] == html

    # -- invariants

    @invariant()
    def every_input_got_a_chinese_reply(self) -> None:
        if not self.played:
            return
        assert self.last or not self.last_private, "an input got no reply"
        for reply in self.last:
            assert CHINESE.search(reply.html), reply.html[:200]
            assert INTERNAL_ERROR not in reply.html
        assert not self.errors.records, self.errors.records[0].getMessage()

    @invariant()
    def sessions_are_in_valid_states(self) -> None:
        for user in USERS:
            session = self.engine.store.current(user, user)
            if session is None:
                continue
            assert session.state in STATES, session.state
            Counter.states.add(session.state)
            assert session.flow == session.state.partition(".")[0]
            assert session.status in {"active", "finished"}
            assert all(snapshot.state in STATES for snapshot in session.history)
            if session.status == "finished":
                assert session.finished_at
        self.steps += 1
        if self.steps % DB_CHECK_EVERY == 0:
            self.check_database()

    def check_database(self) -> None:
        db = self.engine.store.db
        Counter.db_checks += 1
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        open_per_user = db.execute("select chat_id, user_id, count(*) from sessions where status != 'closed' "
                                   "group by chat_id, user_id having count(*) > 1").fetchall()
        assert open_per_user == [], open_per_user
        for row in db["processed_updates"].rows:
            if row["user_id"] is not None and row["chat_id"] > 0:  # (forgotten users keep only the update id;
                # a group turn the desk answered with silence, e.g. throttled, has no replies by design)
                assert json.loads(row["replies"]), f"update {row['update_id']} has no replies"
        twice = db.execute("select update_id from transcript where direction = 'in' and update_id is not null "
                           "group by update_id having count(*) > 1").fetchall()
        assert twice == [], twice
        orphans = db.execute("select count(*) from transcript where session_id is not null and session_id not in "
                             "(select id from sessions)").fetchone()[0]
        assert orphans == 0


@pytest.mark.slow
@pytest.mark.random_text
def test_fuzz_engine_turns(capsys: pytest.CaptureFixture[str]) -> None:
    started, runs = time.monotonic(), 0
    # No shrinking: a failure is reported at once with its (long) example instead of minutes of shrinking in CI.
    fuzz_settings = settings(max_examples=30, stateful_step_count=100, deadline=None,
                             suppress_health_check=list(HealthCheck),
                             phases=[Phase.explicit, Phase.reuse, Phase.generate])
    while Counter.turns < MIN_TURNS:
        run_state_machine_as_test(EngineFuzz, settings=fuzz_settings)
        runs += 1
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nFuzz: {Counter.turns} engine turns in {elapsed:.1f} s ({runs} hypothesis run(s), "
              f"{Counter.db_checks} database checks), no failed turn, every state valid; sessions visited "
              f"{len(Counter.states)} of the {len(STATES)} states")
    assert Counter.turns >= MIN_TURNS
