"""The one table ``make bench`` prints, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.e2e import KINDS, REMOTE_LATENCY, E2EResult
from bench.engine import EngineResult
from bench.memory import MemoryResult
from bench.startup import StartupResult
from bench.timing import median

TARGET_ENGINE_P50_MS = 0.5
TARGET_E2E_RATIO = 0.8
TARGET_SAME_REQUESTS_RATIO = 0.9
TARGET_REMOTE_PER_SECOND = 25
REMOTE_TARGET_USERS = 20
TARGET_MEMORY_GROWTH_MB = 20
TARGET_STARTUP_S = 0.5


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's idea of it)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average() -> str:
    """The 1/5/15-minute load averages, e.g. "1.20 0.90 0.70"."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


@dataclass
class Machine:
    """Where and when the benchmarks ran."""

    cpu: str
    cores: int
    python: str
    system: str
    started: str
    load_before: str
    load_after: str = ""

    @classmethod
    def now(cls) -> Machine:
        """This machine, now."""
        return cls(cpu_model(), os.cpu_count() or 0, platform.python_version(),
                   f"{platform.system()} {platform.release()}",
                   datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), load_average())

    def describe(self) -> str:
        """One line about the machine."""
        return (f"{self.cpu}, {self.cores} cores, Python {self.python}, {self.system}; {self.started}; "
                f"load average {self.load_before} before, {self.load_after} after")


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def table(machine: Machine, engine: EngineResult | None, e2e: E2EResult | None, memory: MemoryResult | None,
          startup: StartupResult | None) -> str:
    """The results as one Markdown table (rows for the parts that ran)."""
    rows: list[tuple[str, str, str, str, str]] = []
    if engine is not None:
        split = engine.split_ms
        share = engine.split_share
        rows += [
            ("Engine", f"turns/s ({engine.consultations:,} consultations, {engine.turns:,} turns, WAL file)",
             f"{engine.turns_per_second:,.0f}", "", ""),
            ("", "turn latency p50 / p99, SQLite's automatic WAL checkpoint (before)",
             f"{_ms(engine.p50_ms)} / {_ms(engine.p99_ms)}",
             f"p50 ≤ {TARGET_ENGINE_P50_MS} ms", _met(engine.p50_ms <= TARGET_ENGINE_P50_MS)),
            ("", "turn latency p50 / p99, WAL checkpoint in a background thread (as the bot runs)",
             f"{_ms(engine.background_p50_ms)} / {_ms(engine.background_p99_ms)}", "", ""),
            ("", "split per turn (median ms; share of time): machine / rendering / storage / engine logic",
             " / ".join(f"{split[k]:.3f} ({share[k]:.0%})" for k in ("machine", "rendering", "storage", "other")),
             "", ""),
        ]
    if e2e is not None:
        first = True
        for kind, label in (("xiaoe", "xiaoe"), ("echo", "bare echo bot"),
                            ("echo-k", "echo bot, xiaoe's number of requests"),
                            ("echo-k-direct", "the same on xiaoe's HTTP client (echo-k-direct)")):
            k, alone = e2e.kinds[kind], e2e.solo[kind]
            rows.append(("End to end" if first else "",
                         f"{label}: updates/s, latency p50 / p99 ({e2e.users} users at once); p50 for a lone user",
                         f"{k.per_second:,.0f}/s, {_ms(k.p50_ms)} / {_ms(k.p99_ms)}; {_ms(alone.p50_ms)}", "", ""))
            first = False
        rows += [
            ("", "Bot API requests per update: xiaoe / echo / echo-k / echo-k-direct",
             " / ".join(f"{e2e.kinds[k].requests / e2e.kinds[k].updates:.2f}" for k in KINDS), "", ""),
            ("", "bot process CPU per update: xiaoe / echo / echo-k / echo-k-direct",
             " / ".join(_ms(e2e.kinds[k].cpu_ms_per_update) for k in KINDS), "", ""),
            ("", "throughput ratio xiaoe / echo", f"{e2e.ratio('echo'):.2f}", f"≥ {TARGET_E2E_RATIO}",
             _met(e2e.ratio("echo") >= TARGET_E2E_RATIO)),
            ("", "throughput ratio xiaoe / echo-k (same requests)", f"{e2e.ratio('echo-k'):.2f}",
             f"≥ {TARGET_SAME_REQUESTS_RATIO}", _met(e2e.ratio("echo-k") >= TARGET_SAME_REQUESTS_RATIO)),
            ("", "throughput ratio xiaoe / echo-k-direct (same requests, same HTTP client: xiaoe's own work)",
             f"{e2e.ratio('echo-k-direct'):.2f}", "", ""),
        ]
        if e2e.remote:
            x, echo = e2e.remote["xiaoe"], e2e.remote["echo"]
            rows.append(("", f"with {REMOTE_LATENCY * 1000:.0f} ms per Bot API request: xiaoe / echo updates/s "
                             "(requests/s); Telegram accepts ~30 messages/s",
                         f"{x.per_second:.1f} ({x.requests / x.seconds:.0f}) / {echo.per_second:.1f} "
                         f"({echo.requests / echo.seconds:.0f})", "", ""))
        for count, r in e2e.remote_users.items():
            target = count == REMOTE_TARGET_USERS
            rows.append(("", f"with {REMOTE_LATENCY * 1000:.0f} ms per Bot API request, {count} user"
                             f"{'s' if count > 1 else ''} at once: xiaoe updates/s, latency p50 / p95, "
                             "requests per update, bot CPU busy",
                         f"{r.per_second:.1f}/s, {_ms(r.p50_ms)} / {_ms(r.p95_ms)}, "
                         f"{r.requests / r.updates:.2f}, {r.cpu_seconds / r.seconds:.0%}",
                         f"≥ {TARGET_REMOTE_PER_SECOND}/s" if target else "",
                         _met(r.per_second >= TARGET_REMOTE_PER_SECOND) if target else ""))
    if memory is not None:
        small, large = memory.runs[0], memory.runs[-1]
        growth_mb = (large.rss_kib - small.rss_kib) * 1024 / 1e6
        rows += [
            ("Memory", f"bot RSS with {small.sessions:,} / {large.sessions:,} sessions stored",
             f"{small.rss_kib / 1024:.1f} / {large.rss_kib / 1024:.1f} MiB", "", ""),
            ("", "growth", f"{growth_mb:+.1f} MB", f"≤ {TARGET_MEMORY_GROWTH_MB} MB",
             _met(growth_mb <= TARGET_MEMORY_GROWTH_MB)),
            ("", "sessions held in memory / PTB user+chat data entries / SQLite cache_size",
             f"{large.report['live_sessions']} / {large.report['ptb_user_data'] + large.report['ptb_chat_data']} / "
             f"{large.report.get('sqlite_cache_size', 'n/a')}", "", ""),
        ]
    if startup is not None:
        rows += [
            ("Start-up", f"process start → first getUpdates (median of {len(startup.runs)})",
             f"{startup.median_s:.2f} s", f"≤ {TARGET_STARTUP_S} s", _met(startup.median_s <= TARGET_STARTUP_S)),
            ("", "CPU time used by then (median)", f"{startup.median_cpu_s:.2f} s", "", ""),
            ("", "a bare python-telegram-bot echo bot, started alternately: time / CPU (medians); "
                 "what xiaoe adds (median of pair differences)",
             f"{startup.bare_median_s:.2f} s / {median(startup.bare_cpu):.2f} s; {startup.added_s:+.2f} s", "", ""),
        ]
    lines = [f"Machine: {machine.describe()}", "",
             "| Benchmark | Measure | Result | Target | Met |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines) + "\n"
