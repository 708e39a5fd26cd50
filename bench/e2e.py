"""End to end: python-telegram-bot polling the test Bot API over HTTP, many simulated users at once.

Four bot processes run side by side, each with its own fake Bot API server in this process (see
``bench.botproc``): **xiaoe**, a bare **echo** bot, **echo-k**, an echo bot that makes as many Bot API
requests per update as xiaoe made for the same step, and **echo-k-direct**, echo-k on xiaoe's own HTTP
client (``channels/tg/client.py``; the two other echo bots use python-telegram-bot's default, httpx). All
use the same ``ApplicationBuilder`` settings, no rate limiter (it would cap every bot at Telegram's 30
messages/s and measure the limiter), the same update processing (``channels.tg.concurrency``: chats at once,
each in order) and the same simulated users.

Simulated users work in a closed loop: ``users`` of them at a time, each playing a creditor or debtor
script (``bench.scenarios``): send a step, wait until the bot has handled the update completely, send
the next. Echo users type each step's text (a press becomes its button label). A finished user is
replaced by a new one until the batch's consultations are done. Latency is from the moment the update
is queued at the fake Bot API to the moment the bot has finished handling it (all its requests
answered); with many users at once it includes the wait for the CPU behind other users' updates, so each
round also plays one consultation with a lone user, whose latency is the
bot's own. Batches of the three kinds are interleaved round by round so that machine noise hits all of
them alike; the fake Bot API's own work (in this process) is part of every measurement. The bot
process's CPU time per update is reported too: it is what a busy machine distorts least.

Finally xiaoe and the echo bot each play one batch against a fake Bot API that answers every request
``REMOTE_LATENCY`` late, like a distant api.telegram.org, and xiaoe plays one batch for each number of
users in ``REMOTE_USERS`` (1, 5, 20, 50 at once) against such an API: there the round trips, not CPU, set
the pace, and handling chats concurrently is what lets throughput grow with the number of users.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bench.fakeapi import BenchBotAPI
from bench.scenarios import PRESS, SCRIPTS, Script, ScriptError
from bench.startup import stop
from bench.timing import percentile

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("xiaoe", "echo", "echo-k", "echo-k-direct")
REMOTE_LATENCY = 0.05  # seconds per Bot API request: roughly a round trip to api.telegram.org from afar
REMOTE_USERS = (1, 5, 20, 50)  # users at once in the distant-API scaling runs


@dataclass
class KindResult:
    """Pooled figures of one kind of bot over all its batches."""

    updates: int = 0
    seconds: float = 0.0
    latencies_ns: list[int] = field(default_factory=list)
    requests: int = 0  # Bot API requests the bot made while handling the measured updates
    cpu_seconds: float = 0.0  # CPU time of the bot process (user + system) during the measured batches

    @property
    def per_second(self) -> float:
        """Updates handled per second."""
        return self.updates / self.seconds if self.seconds else float("nan")

    @property
    def cpu_ms_per_update(self) -> float:
        """The bot process's CPU time per update, in ms (robust against a busy machine)."""
        return self.cpu_seconds * 1000 / self.updates if self.updates else float("nan")

    @property
    def p50_ms(self) -> float:
        """Median latency in ms."""
        return percentile(self.latencies_ns, 50) / 1e6

    @property
    def p95_ms(self) -> float:
        """95th percentile latency in ms."""
        return percentile(self.latencies_ns, 95) / 1e6

    @property
    def p99_ms(self) -> float:
        """99th percentile latency in ms."""
        return percentile(self.latencies_ns, 99) / 1e6


@dataclass
class E2EResult:
    """Every kind's pooled figures and the settings they ran with."""

    kinds: dict[str, KindResult]
    solo: dict[str, KindResult]  # one user at a time: latency without queueing behind other users
    users: int
    rounds: int
    consultations: int  # per batch
    calls_per_step: dict[str, list[int]]  # what xiaoe makes per script step (and echo-k copies)
    remote: dict[str, KindResult] = field(default_factory=dict)  # with REMOTE_LATENCY added to every request
    remote_users: dict[int, KindResult] = field(default_factory=dict)  # xiaoe, REMOTE_LATENCY, by users at once

    def ratio(self, baseline: str) -> float:
        """xiaoe's throughput over a baseline's."""
        return self.kinds["xiaoe"].per_second / self.kinds[baseline].per_second


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotProcess:
    """One bot process with its fake Bot API and the simulated users that talk to it."""

    def __init__(self, kind: str, directory: Path, db: Path | None = None, latency: float = 0.0,
                 prefix: tuple[str, ...] = (), start_timeout: float = 60.0, root: Path = ROOT) -> None:
        """Start the fake server (answering each request ``latency`` s late) and the bot (on ``db``, default
        ``<directory>/<kind>.db``, its command line after ``prefix``, e.g. a profiler; the code of the
        working tree ``root``, default this one); wait until it polls."""
        self.kind = kind
        self.fake = BenchBotAPI(latency=latency).start()
        self.db = db or directory / f"{kind}.db"
        env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", "PYTHONPATH": str(root)}
        self.stderr_path = directory / f"{kind}-{self.fake.port}.stderr"
        with self.stderr_path.open("w") as stderr:  # a file, not a pipe nobody reads until the end
            self.process = subprocess.Popen(
                [*prefix, sys.executable, "-m", "bench.botproc", kind, "--base-url", self.fake.base_url,
                 "--token", self.fake.token, "--db", str(self.db)],
                cwd=root, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1,
            )
        self.lines: dict[str, list[str]] = defaultdict(list)
        self._on_done = None
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        if not self.fake.first_poll.wait(start_timeout):
            self.close()
            raise RuntimeError(f"{kind} bot never polled: {self.stderr_tail()}")

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            tag, _, rest = line.rstrip("\n").partition(" ")
            if tag == "d" and self._on_done is not None:
                update_id, _, at = rest.partition(" ")
                self._on_done(int(update_id), int(at))
            else:
                with self._cond:
                    self.lines[tag].append(rest)
                    self._cond.notify_all()

    def wait_line(self, tag: str, timeout: float = 30.0) -> str:
        """The next line the bot writes with ``tag`` (other than done lines)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.lines[tag], timeout):
                raise RuntimeError(f"{self.kind} bot wrote no {tag!r} line: {self.stderr_tail()}")
            return self.lines[tag].pop(0)

    def stderr_tail(self) -> str:
        """The end of what the bot wrote to stderr, for error messages."""
        try:
            return self.stderr_path.read_text(errors="replace")[-3000:] or "(nothing on stderr)"
        except OSError:
            return "(no stderr file)"

    def close(self) -> None:
        """Stop the bot and its fake server."""
        stop(self.process)
        self.fake.stop()


class Batch:
    """A closed loop of simulated users playing ``consultations`` scripts against one bot."""

    def __init__(self, bot: BotProcess, consultations: int, users: int, user_ids: Iterator[int],
                 calls_per_step: dict[str, list[int]] | None = None, record_calls: bool = False,
                 script_of: Callable[[int], Script] = lambda user_id: SCRIPTS[user_id % len(SCRIPTS)]) -> None:
        """Prepare; ``run()`` plays it. ``script_of`` picks each user's script from the user id."""
        self.bot = bot
        self.fake = bot.fake
        self.remaining = consultations
        self.users = users
        self.user_ids = user_ids
        self.calls_per_step = calls_per_step or {}
        self.record_calls = record_calls
        self.script_of = script_of
        self.pending: dict[int, tuple[int, int, Script, int]] = {}  # update id -> (user, queued ns, script, step)
        self.latencies: list[int] = []
        self.step_calls: dict[str, list[int]] = {}
        self.active = 0
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self.lock = threading.Lock()

    def _send(self, user_id: int, script: Script, step: int) -> None:
        action = script.steps[step]
        kind = self.bot.kind
        if self.record_calls:
            self._calls_before = len(self.fake.calls)
        queued = time.monotonic_ns()
        if kind == "xiaoe" and action.action == PRESS:
            message_id, data = self.fake.button(user_id, action.value)
            update_id = self.fake.press(user_id, user_id, message_id, data)
        elif kind.startswith("echo-k"):
            count = self.calls_per_step[script.name][step]
            update_id = self.fake.send_text(user_id, user_id, f"{count}|{action.value}")
        else:
            update_id = self.fake.send_text(user_id, user_id, action.value)
        if update_id is None:
            raise ScriptError(f"update not delivered ({script.name} step {step})")
        self.pending[update_id] = (user_id, queued, script, step)

    def _start_user(self) -> None:
        if self.remaining <= 0:
            return
        self.remaining -= 1
        self.active += 1
        user_id = next(self.user_ids)
        script = self.script_of(user_id)
        self.fake.private_chat(self.fake.user("Bench", user_id=user_id))
        self._send(user_id, script, 0)

    def on_done(self, update_id: int, at_ns: int) -> None:
        """The bot finished an update: note its latency, let that user go on (reader thread)."""
        try:
            with self.lock:
                user_id, queued, script, step = self.pending.pop(update_id)
                self.latencies.append(at_ns - queued)
                if self.record_calls:
                    made = [c for c in self.fake.calls[self._calls_before:] if c.method != "getUpdates"]
                    self.step_calls.setdefault(script.name, []).append(len(made))
                if step + 1 < len(script.steps):
                    self._send(user_id, script, step + 1)
                else:
                    self.active -= 1
                    self._start_user()
                if self.active == 0:
                    self.finished.set()
        except BaseException as exc:  # report it to the waiting thread instead of dying silently
            self.error = exc
            self.finished.set()

    def run(self, timeout: float = 120.0) -> tuple[int, float, int, float]:
        """Play the batch; (updates handled, seconds, Bot API requests made, bot CPU seconds)."""
        requests_before = len(self.fake.calls)
        cpu_before = cpu_seconds(self.bot.process.pid)
        self.bot._on_done = self.on_done
        started = time.monotonic()
        with self.lock:
            for _ in range(self.users):
                self._start_user()
        if not self.finished.wait(timeout):
            raise RuntimeError(f"{self.bot.kind} batch did not finish in {timeout}s ({self.bot.stderr_tail()})")
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(self.bot.process.pid) - cpu_before
        self.bot._on_done = None
        if self.error is not None:
            raise self.error
        # Every request of the batch has been answered before its update's done line: count them all.
        requests = sum(1 for c in self.fake.calls[requests_before:] if c.method != "getUpdates")
        return len(self.latencies), elapsed, requests, cpu


def calls_per_step(bot: BotProcess, user_ids: Iterator[int]) -> dict[str, list[int]]:
    """How many requests (besides polling) xiaoe makes for each step of each script, one user at a time."""
    counts: dict[str, list[int]] = {}
    for _ in SCRIPTS:
        batch = Batch(bot, 1, 1, user_ids, record_calls=True)
        batch.run()
        for name, per_step in batch.step_calls.items():
            counts[name] = per_step
    return counts


def _check_xiaoe(bot: BotProcess, consultations: int) -> None:
    """Every xiaoe consultation reached its result (read from the bot's database)."""
    import sqlite3

    with sqlite3.connect(bot.db) as conn:
        finished = conn.execute("select count(*) from sessions where state like '%.result'").fetchone()[0]
    if finished < consultations:
        raise ScriptError(f"only {finished} of {consultations} xiaoe consultations reached a result")


def remote(directory: Path, user_ids: Iterator[int], consultations: int, users: int) -> dict[str, KindResult]:
    """xiaoe and the echo bot when every request takes ``REMOTE_LATENCY`` (one batch each, no warm-up)."""
    results = {}
    for kind in ("xiaoe", "echo"):
        bot = BotProcess(kind, directory, db=directory / f"remote-{kind}.db", latency=REMOTE_LATENCY)
        try:
            batch = Batch(bot, max(consultations, users), users, user_ids)  # every user busy at the start
            updates, seconds, requests, cpu = batch.run(timeout=600)
        finally:
            bot.close()
        results[kind] = KindResult(updates, seconds, batch.latencies, requests, cpu)
    return results


def remote_scaling(directory: Path, user_ids: Iterator[int], consultations: int,
                   users: tuple[int, ...] = REMOTE_USERS) -> dict[int, KindResult]:
    """xiaoe with ``REMOTE_LATENCY`` per request, for each number of users at once (one bot process; each
    batch plays at least one consultation per user, so every user is busy at the start)."""
    results = {}
    bot = BotProcess("xiaoe", directory, db=directory / "remote-scaling.db", latency=REMOTE_LATENCY)
    try:
        for count in users:
            batch = Batch(bot, max(consultations, count), count, user_ids)
            updates, seconds, requests, cpu = batch.run(timeout=600)
            results[count] = KindResult(updates, seconds, batch.latencies, requests, cpu)
    finally:
        bot.close()
    return results


def run(rounds: int = 4, consultations: int = 40, users: int = 20, warmup: int = 10, remote_consultations: int = 0,
        directory: Path | None = None, remote_users: tuple[int, ...] = REMOTE_USERS) -> E2EResult:
    """Warm each bot up, then ``rounds`` rounds of one batch per kind (order alternating); then, if
    ``remote_consultations``, xiaoe and the echo bot with a distant Bot API."""
    user_ids = itertools.count(200_000_000)
    results = {kind: KindResult() for kind in KINDS}
    solo = {kind: KindResult() for kind in KINDS}
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        bots = {kind: BotProcess(kind, Path(tmp)) for kind in KINDS}
        try:
            per_step = calls_per_step(bots["xiaoe"], user_ids)
            played = len(SCRIPTS)
            for kind, bot in bots.items():
                Batch(bot, warmup, min(users, warmup), user_ids, per_step).run()
                played += warmup if kind == "xiaoe" else 0
            for index in range(rounds):
                order = KINDS if index % 2 == 0 else tuple(reversed(KINDS))
                for kind in order:
                    batch = Batch(bots[kind], consultations, users, user_ids, per_step)
                    updates, seconds, requests, cpu = batch.run()
                    result = results[kind]
                    result.updates += updates
                    result.seconds += seconds
                    result.requests += requests
                    result.cpu_seconds += cpu
                    result.latencies_ns += batch.latencies
                    played += consultations if kind == "xiaoe" else 0
                    alone = Batch(bots[kind], 1, 1, user_ids, per_step)
                    updates, seconds, requests, cpu = alone.run()
                    solo[kind].updates += updates
                    solo[kind].seconds += seconds
                    solo[kind].latencies_ns += alone.latencies
                    played += 1 if kind == "xiaoe" else 0
            _check_xiaoe(bots["xiaoe"], played)
        finally:
            for bot in bots.values():
                bot.close()
        far = remote(Path(tmp), user_ids, remote_consultations, users) if remote_consultations else {}
        scaling = (remote_scaling(Path(tmp), user_ids, remote_consultations, remote_users)
                   if remote_consultations else {})
    return E2EResult(results, solo, users, rounds, consultations, per_step, far, scaling)


if __name__ == "__main__":
    r = run(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    for kind, k in r.kinds.items():
        print(f"{kind:7s} {k.per_second:8.1f} upd/s  p50 {k.p50_ms:7.2f} ms  p99 {k.p99_ms:7.2f} ms  "
              f"alone p50 {r.solo[kind].p50_ms:.2f} ms  "
              f"requests/update {k.requests / k.updates:.2f}  cpu {k.cpu_ms_per_update:.2f} ms/update")
    print("calls per step", r.calls_per_step)
    print(f"xiaoe/echo {r.ratio('echo'):.2f}  xiaoe/echo-k {r.ratio('echo-k'):.2f}")
