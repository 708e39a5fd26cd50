"""Small timing helpers: percentiles and an exclusive-time split of a turn by component."""

from __future__ import annotations

import contextlib
import functools
import math
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values`` by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    """The median (nan for no values)."""
    return statistics.median(values) if values else float("nan")


class Split:
    """Exclusive time per component: time in a component nested inside another counts once, for the inner one.

    ``wrap(name, func)`` returns ``func`` timed as component ``name``; ``turn()`` brackets one turn, after
    which ``turns`` holds that turn's nanoseconds per component, with the rest under ``other``.
    """

    def __init__(self) -> None:
        """No turns yet."""
        self.turns: list[dict[str, int]] = []
        self._stack: list[list[Any]] = []  # [name, started_ns]
        self._current: dict[str, int] = defaultdict(int)

    def _enter(self, name: str) -> None:
        now = time.perf_counter_ns()
        if self._stack:
            top = self._stack[-1]
            self._current[top[0]] += now - top[1]
        self._stack.append([name, now])

    def _leave(self) -> None:
        now = time.perf_counter_ns()
        name, started = self._stack.pop()
        self._current[name] += now - started
        if self._stack:
            self._stack[-1][1] = now

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Count the time inside the block as ``name``."""
        self._enter(name)
        try:
            yield
        finally:
            self._leave()

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func``, with the time of each call counted as ``name``."""
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._enter(name)
            try:
                return func(*args, **kwargs)
            finally:
                self._leave()

        return timed

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Bracket one turn: its time outside every wrapped component is ``other``."""
        self._current = defaultdict(int)
        with self.timed("other"):
            yield
        self.turns.append(dict(self._current))

    def medians(self, names: Sequence[str]) -> dict[str, float]:
        """The median nanoseconds per turn of each component (0 for turns that never entered it)."""
        return {name: median([t.get(name, 0) for t in self.turns]) for name in names}

    def shares(self, names: Sequence[str]) -> dict[str, float]:
        """Each component's share of the total time over all turns (sums to 1)."""
        totals = {name: sum(t.get(name, 0) for t in self.turns) for name in names}
        whole = sum(totals.values()) or 1
        return {name: totals[name] / whole for name in names}
