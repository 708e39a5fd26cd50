"""xiaoe from two working trees and the same-requests echo bot, side by side in one run.

    python -m bench.sidebyside OTHER_TREE [--rounds 8] [--consultations 30] [--users 20]

``OTHER_TREE`` is another checkout of xiaoe (e.g. ``git worktree add /tmp/before <commit>``); this tree is
"this". Three bot processes (``bench.e2e.BotProcess``: xiaoe of the other tree, xiaoe of this tree, and
echo-k making as many requests per step as this tree's xiaoe) play batches in turn; the order of a round
rotates and reverses so that each bot holds each place equally often (use a multiple of 6 rounds) and
machine noise falls on all three alike; each prints its CPU time per update (user + system,
from /proc) and updates per second, and the ratios against echo-k. On a shared machine one ``make bench``
run against another can differ by a fifth; alternating in one run is the fairer way to compare two
versions. Run it twice with the same tree on both sides to see the noise left (two identical bots in one
run have differed by up to 14 % here). Not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

from bench.e2e import Batch, BotProcess, calls_per_step, cpu_seconds


def main(argv: list[str] | None = None) -> int:
    """Play the batches and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.sidebyside")
    parser.add_argument("other", type=Path, help="another working tree of xiaoe")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--consultations", type=int, default=30)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args(argv)
    user_ids = itertools.count(600_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        bots = {"other": BotProcess("xiaoe", directory, db=directory / "other.db", root=args.other.resolve()),
                "this": BotProcess("xiaoe", directory, db=directory / "this.db"),
                "echo-k": BotProcess("echo-k", directory)}
        try:
            per_step = calls_per_step(bots["this"], user_ids)
            for bot in bots.values():
                Batch(bot, 10, 10, user_ids, per_step).run()
            totals = {name: [0, 0.0, 0.0] for name in bots}  # updates, CPU seconds, wall seconds
            names = list(bots)
            # Every bot in every place of the order equally often (rotations, each also reversed): where a
            # batch falls in the round moved a bot's CPU per update by ~10 % here.
            orders = [names[i:] + names[:i] for i in range(len(names))]
            orders += [list(reversed(order)) for order in orders]
            for index in range(args.rounds):
                for name in orders[index % len(orders)]:
                    before = cpu_seconds(bots[name].process.pid)
                    updates, seconds, _, _ = Batch(bots[name], args.consultations, args.users, user_ids,
                                                   per_step).run()
                    totals[name][0] += updates
                    totals[name][1] += cpu_seconds(bots[name].process.pid) - before
                    totals[name][2] += seconds
        finally:
            for bot in bots.values():
                bot.close()
    echo_cpu = totals["echo-k"][1] / totals["echo-k"][0]
    echo_rate = totals["echo-k"][0] / totals["echo-k"][2]
    for name, (updates, cpu, seconds) in totals.items():
        line = f"{name:7s} {cpu / updates * 1000:6.2f} ms CPU per update, {updates / seconds:6.1f} updates/s"
        if name != "echo-k":
            line += (f"; ratio to echo-k: CPU {echo_cpu / (cpu / updates):.2f}, "
                     f"throughput {(updates / seconds) / echo_rate:.2f}")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
