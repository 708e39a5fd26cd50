"""Shared fixtures: an engine on a fresh database with a fixed "today", and a small chat driver."""

from __future__ import annotations

import logging
import os
import sys
from datetime import date
from pathlib import Path

import pytest

from assembly import Engine
from core.turn import Played
from flows.model import Inbound, Reply
from messages import html_to_text
from storage import SessionStore, open_database
from testing import FakeBotAPI
from tests.leakscan import LEDGER, Ledger

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 22)
# The one clock (clock.py) starts at TODAY for the whole run, subprocesses included, so stored timestamps,
# exported fixtures and every "today" agree whatever the real date and the machine's time zone.
os.environ["XIAOE_NOW"] = TODAY.isoformat()
# python-telegram-bot 22: time spans (RetryAfter.retry_after...) as timedelta, the behaviour of its next
# major version, as bot.py opts in; without it PTB warns at each access (PTBDeprecationWarning).
os.environ["PTB_TIMEDELTA"] = "1"
PYTHON = sys.executable


# Loggers whose levels the Telegram channel sets (channels.tg.redaction.configure_logging).
_CHANNEL_LOGGERS = ("telegram", "httpx", "channels.tg.client")


@pytest.fixture(autouse=True)
def channel_log_levels():
    """Put back the levels a test's ``configure_logging(DEBUG)`` set: left on, httpx would log the next
    tests' request URLs, with tokens the redaction was never told about (a test asserting that no token is
    logged then failed, depending on which tests ran before it in the worker)."""
    levels = {name: logging.getLogger(name).level for name in _CHANNEL_LOGGERS}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def leak_scan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """The session-wide leak scan (tests/leakscan.py): fails the test that shows a private fact in a group.

    Tests marked ``raw_bot`` drive the fake Bot API with a bare python-telegram-bot Bot, not xiaoe, so
    what they send is not the bot's output and stays out of the scan. Tests marked ``random_text`` (the
    fuzzer) type random strings, interface words among them, that are noise rather than anyone's facts.
    """
    if request.node.get_closest_marker("raw_bot") or request.node.get_closest_marker("random_text"):
        monkeypatch.setattr(FakeBotAPI, "default_observers", [])
        yield
        return
    LEDGER.test = request.node.nodeid
    original = Engine.play  # every turn (Engine.handle too) goes through play

    def play(self: Engine, inbound: Inbound) -> Played:
        played = original(self, inbound)
        LEDGER.record_engine(inbound, played.replies)
        return played

    monkeypatch.setattr(Engine, "play", play)
    monkeypatch.setattr(FakeBotAPI, "default_observers", [LEDGER.record])
    yield
    LEDGER.check()


# pytest-xdist: each worker scans with its own ledger and hands it over at its end; the controller merges them
# and compares the pairs across workers, so the whole suite is still one scan with one summary line.
_WORKER_LEDGERS: list[dict] = []
_SESSION_LEDGER: list[Ledger] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker: hand over its ledger. The controller: merge the workers' ledgers and fail on a leak
    between two workers (a leak within one worker has already failed its test)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["leakscan"] = LEDGER.export()
        return
    ledger = Ledger.merged(_WORKER_LEDGERS) if _WORKER_LEDGERS else LEDGER
    _SESSION_LEDGER.append(ledger)
    if ledger.leaks() or ledger.found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        for leak in ledger.found:
            sys.stderr.write(f"leak scan: {leak}\n")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist (controller): a worker finished; keep its ledger for the merge."""
    output = getattr(node, "workeroutput", {})
    if "leakscan" in output:
        _WORKER_LEDGERS.append(output["leakscan"])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the leak scan's counts at the end of the session (workers merged)."""
    ledger = _SESSION_LEDGER[-1] if _SESSION_LEDGER else LEDGER
    if ledger.outputs or ledger.facts:
        terminalreporter.write_line(ledger.summary())


class Chat:
    """Drives the engine as one user would: typed text, presses, and the last screen's buttons."""

    def __init__(self, engine: Engine, chat_id: int = 100, user_id: int = 200) -> None:
        self.engine = engine
        self.chat_id = chat_id
        self.user_id = user_id
        self.last: list[Reply] = []
        self.buttons: list[tuple[str, str]] = []

    def _run(self, inbound: Inbound) -> list[Reply]:
        self.last = self.engine.handle(inbound)
        # Every button the turn showed (a result and the reminder offer under it), as a user sees them.
        shown = [(b.label, b.data) for reply in self.last for row in reply.buttons for b in row]
        self.buttons = shown or self.buttons
        return self.last

    def say(self, text: str) -> list[Reply]:
        """Type a message (a leading '/' makes it a command)."""
        return self._run(Inbound.typed(self.chat_id, self.user_id, text))

    def press(self, label_part: str) -> list[Reply]:
        """Press the first current button whose label contains ``label_part``."""
        for label, data in self.buttons:
            if label_part in label:
                return self._run(Inbound.pressed(self.chat_id, self.user_id, data))
        raise AssertionError(f"no button {label_part!r} in {[b[0] for b in self.buttons]}")

    def press_data(self, data: str) -> list[Reply]:
        """Press a button by its raw callback data."""
        return self._run(Inbound.pressed(self.chat_id, self.user_id, data))

    @property
    def text(self) -> str:
        """The plain text of every reply of the last turn."""
        return "\n".join(html_to_text(r.html) for r in self.last)

    @property
    def state(self) -> str:
        """The state after the last turn."""
        return self.last[-1].state if self.last else ""

    def session(self):
        """The stored session of this chat."""
        return self.engine.store.current(self.chat_id, self.user_id)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """An engine on a fresh file database (WAL), today fixed at 2026-11-22."""
    return Engine(SessionStore(open_database(tmp_path / "xiaoe.db")), clock=lambda: TODAY,
                  documents_dir=tmp_path / "out")


@pytest.fixture
def chat(engine: Engine) -> Chat:
    """A private chat with one user."""
    return Chat(engine)


CREDITOR_ANSWERS = ["/start", "1", "个人借款", "2023年5月", "1", "三千五", "1,2", "2023-05-01", "2025年3月", "1", "是",
                    "江苏"]
DEBTOR_ANSWERS = ["/start", "2", "信用卡", "2.6万", "2025-01-15", "我收到传票了", "2026-11-01", "不知道", "能分期",
                  "是"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-fixtures``: rewrite recorded conversations whose answers changed (review the git diff)."""
    parser.addoption("--update-fixtures", action="store_true", default=False,
                     help="rewrite tests/fixtures/*.yaml with what the bot answers now")
