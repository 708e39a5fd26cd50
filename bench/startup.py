"""Start-up: from starting ``python bot.py telegram`` to its first ``getUpdates`` at the Bot API.

Each xiaoe start alternates with a start of ``bench/barebot.py``, a bare python-telegram-bot echo bot
started the same way, so that the difference (what xiaoe adds to the library's own start) holds on a
busy machine, where even CPU times vary by half from one minute to the next.

The real entry point with the production settings (rate limiter, command menu registration), pointed
at the fake Bot API through ``TELEGRAM_API_URL``; the clock starts just before the process is spawned
and stops when the fake server receives the first ``getUpdates`` (both ``time.monotonic``, which is
one clock for every process on the machine). Before that the bot imports its modules, opens and
migrates the database, calls ``getMe``, registers its command menu (``setMyCommands``) and deletes any
webhook. Each run starts on a fresh database directory, except that the interpreter's bytecode caches
are warm (as after the first start of a deployed bot).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.fakeapi import BenchBotAPI
from bench.timing import median

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class StartupResult:
    """Seconds from process start to the first getUpdates (wall clock, and the process's CPU time)."""

    runs: list[float]
    cpu: list[float]
    bare_runs: list[float]
    bare_cpu: list[float]

    @property
    def bare_median_s(self) -> float:
        """The bare PTB bot's median wall-clock time."""
        return median(self.bare_runs)

    @property
    def added_s(self) -> float:
        """Median over the pairs of (xiaoe − bare bot) wall-clock time: what xiaoe adds."""
        return median([x - b for x, b in zip(self.runs, self.bare_runs, strict=True)])

    @property
    def median_s(self) -> float:
        """The median wall-clock time."""
        return median(self.runs)

    @property
    def median_cpu_s(self) -> float:
        """The median CPU time (user + system) the bot had used by then: what a busy machine inflates least."""
        return median(self.cpu)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bot_environment(fake: BenchBotAPI, db_path: Path) -> dict[str, str]:
    """The environment that points ``python bot.py telegram`` at ``fake`` (and never through a proxy)."""
    # PYTHONDONTWRITEBYTECODE (set in some shells and CI) is left out: with it, xiaoe's own ~100 modules were
    # compiled from source at every start (their caches never written), while the bare bot's library comes
    # with its caches from pip — not the warm start of a deployed bot this measures.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "XIAOE_")) and "proxy" not in k.lower()
           and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.base_url, "XIAOE_DB": str(db_path),
                "XIAOE_LOG_LEVEL": "WARNING", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    return env


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM (the bot shuts down cleanly), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def one_run(directory: Path, python: str = sys.executable, timeout: float = 30.0,
            script: Path = ROOT / "bot.py") -> tuple[float, float]:
    """Start the bot once on a fresh database; (wall seconds, CPU seconds) to its first getUpdates."""
    process: subprocess.Popen | None = None
    cpu: list[float] = []

    def note_cpu() -> None:
        if process is not None:
            cpu.append(cpu_seconds(process.pid))

    with BenchBotAPI(on_first_poll=note_cpu) as fake:
        env = bot_environment(fake, directory / "xiaoe.db")
        started = time.monotonic()
        args = [python, str(script)] + (["telegram"] if script.name == "bot.py" else [])
        process = subprocess.Popen(args, cwd=directory, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if not fake.first_poll.wait(timeout):
                stop(process)
                raise RuntimeError("the bot never polled: " + (process.stderr.read().decode()[-2000:]
                                                              if process.stderr else ""))
        finally:
            stop(process)
    assert fake.first_poll_at is not None
    return fake.first_poll_at - started, cpu[0] if cpu else float("nan")


def run(runs: int = 5, directory: Path | None = None) -> StartupResult:
    """``runs`` pairs of start-ups, xiaoe and the bare bot (after one unmeasured pair that warms the caches)."""
    result = StartupResult([], [], [], [])
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        for i in range(runs + 1):
            for script, times, cpu in ((ROOT / "bot.py", result.runs, result.cpu),
                                       (ROOT / "bench" / "barebot.py", result.bare_runs, result.bare_cpu)):
                where = Path(tmp) / f"{i}-{script.stem}"
                where.mkdir()
                elapsed, used = one_run(where, script=script)
                if i:
                    times.append(elapsed)
                    cpu.append(used)
    return result


if __name__ == "__main__":
    print(run())
