"""Instructions per update of xiaoe's bot process and of the same-requests echo bot, counted by callgrind.

    python -m bench.instructions [--consultations 10] [--users 20]

On this shared machine CPU time per update swings by a fifth from one run to the next; the number of
instructions a process executes does not. Each kind (``bench.e2e``: xiaoe, echo-k, and echo-k-direct,
echo-k on xiaoe's HTTP client) runs under
``valgrind --tool=callgrind`` (user-space instructions, every thread), plays a warm-up batch, then
``callgrind_control -z`` zeroes the counts, one batch of ``consultations`` with ``users`` at once is
played and ``callgrind_control -d`` dumps them. Prints instructions per update and the ratios. About a
minute per kind (valgrind runs the bot some 50 times slower); needs valgrind. Not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.e2e import Batch, BotProcess, calls_per_step


def count(kind: str, directory: Path, per_step: dict[str, list[int]], consultations: int, users: int,
          user_ids: itertools.count) -> tuple[int, int]:
    """(instructions, updates) of one measured batch of ``kind`` under callgrind."""
    out = directory / f"callgrind.{kind}"
    # A database of its own: update ids restart with every fake Bot API, and the engine would take the
    # first bot's for repeats.
    prefix = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}")
    bot = BotProcess(kind, directory, db=directory / f"{kind}-counted.db", prefix=prefix, start_timeout=600)
    try:
        Batch(bot, 3, 3, user_ids, per_step).run(timeout=1200)
        subprocess.run(["callgrind_control", "-z", str(bot.process.pid)], check=True, capture_output=True)
        updates, _, _, _ = Batch(bot, consultations, users, user_ids, per_step).run(timeout=1200)
        subprocess.run(["callgrind_control", "-d", str(bot.process.pid)], check=True, capture_output=True)
    finally:
        bot.close()
    dump = next(directory.glob(f"callgrind.{kind}.1"), None) or sorted(directory.glob(f"callgrind.{kind}*"))[-1]
    return summary(dump), updates


def summary(out: Path) -> int:
    """The instructions a callgrind out file counts in all (its ``summary:`` line)."""
    match = re.search(r"^summary: (\d+)", out.read_text(errors="replace"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary in {out}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    """Count and print instructions per update for xiaoe, echo-k and echo-k-direct."""
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("--consultations", type=int, default=10)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    user_ids = itertools.count(300_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        xiaoe = BotProcess("xiaoe", directory)
        try:
            per_step = calls_per_step(xiaoe, user_ids)
        finally:
            xiaoe.close()
        per_update = {}
        for kind in ("xiaoe", "echo-k", "echo-k-direct"):
            instructions, updates = count(kind, directory, per_step, args.consultations, args.users, user_ids)
            per_update[kind] = instructions / updates
            print(f"{kind:7s} {instructions:,} instructions / {updates} updates = "
                  f"{per_update[kind] / 1e6:.2f} M per update", flush=True)
    for baseline in ("echo-k", "echo-k-direct"):
        print(f"ratio {baseline} / xiaoe (instructions per update): "
              f"{per_update[baseline] / per_update['xiaoe']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
