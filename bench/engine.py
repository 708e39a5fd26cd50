"""Engine benchmark: complete consultations through ``Engine.handle`` on a WAL file database.

Many users are in the middle of a consultation at once (their turns interleave, as they would on
Telegram), each playing a creditor or debtor script from ``bench.scenarios`` to its result. Every turn
carries an update id, so the turn writes exactly what a Telegram turn writes (session, transcript rows,
processed update) in one ``BEGIN IMMEDIATE`` transaction.

Three passes over fresh databases:

1. **latency**: the plain code path, each ``handle`` call timed with ``perf_counter_ns``, with SQLite's
   automatic WAL checkpoint (inside the commit that passes 1,000 pages: the "before" p99);
2. **background**: the same with ``storage.checkpoint.Checkpointer`` (automatic checkpoint off, PASSIVE
   checkpoints from another thread every second), as the Telegram bot runs;
3. **split**: the same turns with the machine, the template rendering and the storage calls wrapped by
   ``bench.timing.Split``, which gives each turn's exclusive time per component. The wrappers cost a
   little, so the split is reported as shares and per-turn medians of its own pass.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.scenarios import SCRIPTS, EngineUser
from bench.timing import Split, percentile

TODAY = date(2026, 11, 22)
COMPONENTS = ("machine", "rendering", "storage", "other")
STORE_METHODS = ("current", "create", "save", "close", "get", "log", "log_many", "processed", "mark_processed",
                 "mark_delivered", "forget_user")


@dataclass
class EngineResult:
    """What the engine benchmark measured."""

    turns: int
    consultations: int
    turns_per_second: float
    p50_ms: float
    p99_ms: float
    split_ms: dict[str, float]  # median per turn, exclusive, from the split pass
    split_share: dict[str, float]  # share of all turn time in the split pass
    background_p50_ms: float = float("nan")  # the same, WAL checkpoints in a background thread
    background_p99_ms: float = float("nan")


def _engine(path: Path) -> Any:
    from assembly import Engine
    from storage import SessionStore, open_database

    return Engine(SessionStore(open_database(path)), clock=lambda: TODAY)


def _play(engine: Any, consultations: int, concurrent: int, first_user: int,
          on_turn: Any = None) -> list[int]:
    """Play ``consultations`` scripts, ``concurrent`` users at a time, round robin; per-turn ns."""
    update_ids = itertools.count(first_user * 100)
    waiting = [EngineUser(first_user + i, SCRIPTS[i % len(SCRIPTS)], update_ids) for i in range(consultations)]
    waiting.reverse()
    active: list[EngineUser] = []
    latencies: list[int] = []
    handle = engine.handle
    while waiting or active:
        while waiting and len(active) < concurrent:
            active.append(waiting.pop())
        for user in list(active):
            inbound = user.next_inbound()
            if on_turn is None:
                started = time.perf_counter_ns()
                replies = handle(inbound)
                latencies.append(time.perf_counter_ns() - started)
            else:
                with on_turn():
                    replies = handle(inbound)
            user.took(replies)
            if user.done:
                active.remove(user)
    return latencies


@contextlib.contextmanager
def instrumented(engine: Any, split: Split) -> Iterator[None]:
    """Wrap the engine's machine, rendering and storage calls so ``split`` times them (then unwrap)."""
    import core.turn
    import flows.screens

    saved_render, saved_immediate = flows.screens.render, core.turn.immediate
    real_immediate = saved_immediate

    @contextlib.contextmanager
    def timed_immediate(db: Any) -> Iterator[Any]:
        manager = real_immediate(db)
        with split.timed("storage"):
            value = manager.__enter__()
        try:
            yield value
        except BaseException as exc:
            with split.timed("storage"):
                if not manager.__exit__(type(exc), exc, exc.__traceback__):
                    raise
        else:
            with split.timed("storage"):
                manager.__exit__(None, None, None)

    engine.machine.fire = split.wrap("machine", engine.machine.fire)
    for name in STORE_METHODS:
        setattr(engine.store, name, split.wrap("storage", getattr(engine.store, name)))
    flows.screens.render = split.wrap("rendering", saved_render)
    core.turn.immediate = timed_immediate
    try:
        yield
    finally:
        flows.screens.render, core.turn.immediate = saved_render, saved_immediate
        del engine.machine.fire
        for name in STORE_METHODS:
            delattr(engine.store, name)


def run(consultations: int = 2000, warmup: int = 200, concurrent: int = 50,
        directory: Path | None = None) -> EngineResult:
    """Run both passes; ``warmup`` consultations first (not counted) on each fresh database."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        engine = _engine(Path(tmp) / "latency.db")
        _play(engine, warmup, concurrent, 1_000_000)
        started = time.perf_counter_ns()
        latencies = _play(engine, consultations, concurrent, 2_000_000)
        elapsed = time.perf_counter_ns() - started

        # The same with the WAL checkpointed in the background (storage/checkpoint.py), as the bot runs.
        from storage.checkpoint import Checkpointer

        engine = _engine(Path(tmp) / "background.db")
        checkpointer = Checkpointer(engine.store.db)
        checkpointer.start()
        try:
            _play(engine, warmup, concurrent, 1_000_000)
            background = _play(engine, consultations, concurrent, 2_000_000)
        finally:
            checkpointer.stop()

        engine = _engine(Path(tmp) / "split.db")
        _play(engine, warmup, concurrent, 1_000_000)
        split = Split()
        with instrumented(engine, split):
            _play(engine, consultations, concurrent, 2_000_000, on_turn=split.turn)
    return EngineResult(
        turns=len(latencies),
        consultations=consultations,
        turns_per_second=len(latencies) / (elapsed / 1e9),
        p50_ms=percentile(latencies, 50) / 1e6,
        p99_ms=percentile(latencies, 99) / 1e6,
        split_ms={k: v / 1e6 for k, v in split.medians(COMPONENTS).items()},
        split_share=split.shares(COMPONENTS),
        background_p50_ms=percentile(background, 50) / 1e6,
        background_p99_ms=percentile(background, 99) / 1e6,
    )


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    result = run(consultations=n, warmup=max(10, n // 10))
    print(result)
