"""Instructions per engine turn (``Engine.handle``), counted by callgrind.

    python -m bench.engine_instructions [--short 10] [--long 50] [--users 20]

On this shared machine CPU time per turn swings from one run to the next; the number of instructions a
process executes does not. The engine benchmark's scripts (``bench.scenarios.SCRIPTS``, played by
``bench.engine._play``) run in a child process under ``valgrind --tool=callgrind`` twice, on a fresh WAL
file database each time and after the same warm-up: once with a short batch of consultations and once
with a long one. Each child prints how many turns it played; the "summary:" line of each callgrind out
file gives its instructions. Start-up, imports and warm-up are the same in both, so

    (instructions_long - instructions_short) / (turns_long - turns_short)

is the instructions per turn of ``Engine.handle`` alone (user space: the parsing of the answer, the
flow, the rendering and the SQLite transaction). Prints both counts and the figure. A minute or two
(valgrind runs Python some 50 times slower); needs valgrind. Not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WARMUP = 6  # consultations played before the counted batch, in both runs
TURNS = "turns: "


def play(consultations: int, users: int, directory: Path) -> int:
    """Warm up, then play ``consultations`` scripts, ``users`` at once; the number of counted turns."""
    from bench.engine import _engine, _play

    engine = _engine(directory / "engine.db")
    _play(engine, WARMUP, users, 1_000_000)
    return len(_play(engine, consultations, users, 2_000_000))


def count(consultations: int, users: int, directory: Path) -> tuple[int, int]:
    """(instructions, turns) of one child process playing ``consultations`` under callgrind."""
    run_dir = directory / f"run{consultations}"
    run_dir.mkdir()
    out = run_dir / "callgrind.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               sys.executable, "-m", "bench.engine_instructions", "--child", str(consultations),
               "--users", str(users), "--directory", str(run_dir)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    turns = next((int(line[len(TURNS):]) for line in done.stdout.splitlines() if line.startswith(TURNS)),
                 None)
    if turns is None:
        raise RuntimeError(f"the child printed no turn count: {done.stdout!r} {done.stderr[-2000:]!r}")
    from bench.instructions import summary  # here: the counted child needs none of bench.e2e's imports

    return summary(out), turns


def main(argv: list[str] | None = None) -> int:
    """Count instructions for a short and a long batch and print instructions per turn."""
    parser = argparse.ArgumentParser(prog="python -m bench.engine_instructions")
    parser.add_argument("--short", type=int, default=10, help="consultations in the short batch")
    parser.add_argument("--long", type=int, default=50, help="consultations in the long batch")
    parser.add_argument("--users", type=int, default=20, help="users in a consultation at once")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(f"{TURNS}{play(args.child, args.users, args.directory)}", flush=True)
        return 0
    if args.long <= args.short:
        raise SystemExit("--long must be more consultations than --short")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        short_instructions, short_turns = count(args.short, args.users, Path(tmp))
        print(f"short: {short_instructions:,} instructions, {short_turns} turns", flush=True)
        long_instructions, long_turns = count(args.long, args.users, Path(tmp))
        print(f"long:  {long_instructions:,} instructions, {long_turns} turns", flush=True)
    per_turn = (long_instructions - short_instructions) / (long_turns - short_turns)
    print(f"Engine.handle: {per_turn / 1e6:.3f} M instructions per turn "
          f"(({long_instructions:,} - {short_instructions:,}) / ({long_turns} - {short_turns}))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
