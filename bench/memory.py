"""Memory: the resident set of a running xiaoe bot with 1,000 and with 100,000 sessions stored.

For each size the database is seeded (``bench.seed``), then a real bot process (``bench.botproc xiaoe``,
polling the fake Bot API over HTTP) serves the same workload: returning users spread over the whole
database come back (``/start``, ``/review``, ``/help``: each turn reads and writes their stored
session), then new users run complete consultations. Afterwards the process reports what it holds
(SIGUSR1, see ``bench.botproc``): resident set, Python objects, live ``Session`` objects, PTB's
per-user and per-chat data, SQLite's page cache limit. Sessions are never kept in memory between
turns, so the only thing that may grow with the number of stored sessions is SQLite's page cache,
which ``PRAGMA cache_size`` bounds (2,000 KiB by default).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.e2e import Batch, BotProcess
from bench.scenarios import SAY, SCRIPTS, Script, Step
from bench.seed import FIRST_SEEDED_USER, seed

RETURNING = Script("returning", (Step(SAY, "/start"), Step(SAY, "/review"), Step(SAY, "/help")), "")


@dataclass
class MemoryRun:
    """What the bot held after serving the workload over a database of ``sessions`` sessions."""

    sessions: int
    rss_start_kib: int
    report: dict[str, Any]

    @property
    def rss_kib(self) -> int:
        """Resident set after the workload."""
        return int(self.report["rss_kib"])


@dataclass
class MemoryResult:
    """The runs, smallest database first."""

    runs: list[MemoryRun]

    @property
    def growth_mib(self) -> float:
        """RSS growth from the smallest to the largest database, in MiB."""
        return (self.runs[-1].rss_kib - self.runs[0].rss_kib) / 1024


def _stats(bot: BotProcess) -> dict[str, Any]:
    import signal

    bot.process.send_signal(signal.SIGUSR1)
    return json.loads(bot.wait_line("s"))


def one(sessions: int, directory: Path, returning: int = 300, consultations: int = 40, users: int = 20) -> MemoryRun:
    """Seed ``sessions``, start the bot, serve the workload, read what it holds."""
    db = directory / f"memory-{sessions}.db"
    seed(db, sessions)
    bot = BotProcess("xiaoe", directory, db=db)
    try:
        start = _stats(bot)["rss_kib"]
        spread = [FIRST_SEEDED_USER + i * sessions // returning for i in range(returning)]
        Batch(bot, returning, users, iter(spread), script_of=lambda _: RETURNING).run()
        fresh = itertools.count(FIRST_SEEDED_USER + sessions + 1000)
        Batch(bot, consultations, users, fresh, script_of=lambda u: SCRIPTS[u % len(SCRIPTS)]).run()
        report = _stats(bot)
    finally:
        bot.close()
    return MemoryRun(sessions, start, report)


def run(sizes: tuple[int, ...] = (1_000, 100_000), directory: Path | None = None, **kwargs: Any) -> MemoryResult:
    """One run per database size."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        return MemoryResult([one(n, Path(tmp), **kwargs) for n in sizes])


if __name__ == "__main__":
    result = run()
    for r in result.runs:
        print(r.sessions, r.rss_start_kib, r.report)
    print(f"growth {result.growth_mib:.1f} MiB")
