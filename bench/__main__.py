"""``python -m bench``: run every benchmark, print one table, write it to ``bench/results.md``.

    python -m bench                  # the full run (make bench), a few minutes
    python -m bench --quick          # tiny sizes: checks the code runs (tests/test_bench.py)
    python -m bench --only engine,startup --out -     # some parts; "-" writes no file
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench import e2e, engine, memory, startup
from bench.report import Machine, load_average, table

RESULTS = Path(__file__).resolve().parent / "results.md"
PARTS = ("engine", "e2e", "memory", "startup")
FULL = {
    "engine": {"consultations": 2000, "warmup": 200, "concurrent": 50},
    "e2e": {"rounds": 8, "consultations": 20, "users": 20, "warmup": 10, "remote_consultations": 6},
    "memory": {"sizes": (1_000, 100_000), "returning": 300, "consultations": 40, "users": 20},
    "startup": {"runs": 7},
}
QUICK = {
    "engine": {"consultations": 6, "warmup": 2, "concurrent": 3},
    "e2e": {"rounds": 1, "consultations": 2, "users": 2, "warmup": 1, "remote_consultations": 1,
            "remote_users": (1, 2)},
    "memory": {"sizes": (20, 60), "returning": 4, "consultations": 2, "users": 2},
    "startup": {"runs": 1},
}
HEADER = """# Benchmark results

Written by `make bench` (`python -m bench`); what each figure means and how it is measured: README.md,
"Performance", and the docstrings in `bench/`.

"""


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts and report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description="xiaoe benchmarks")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, only to check the code runs")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {','.join(PARTS)}")
    parser.add_argument("--out", default=str(RESULTS), help="Markdown file for the table ('-' for none)")
    parser.add_argument("--dir", type=Path, default=None, help="directory for temporary databases")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    machine = Machine.now()
    results: dict[str, object] = {}
    modules = {"engine": engine, "e2e": e2e, "memory": memory, "startup": startup}
    for part in PARTS:
        if part in parts:
            began = time.monotonic()
            sys.stderr.write(f"bench: {part}...\n")
            results[part] = modules[part].run(directory=args.dir, **sizes[part])  # type: ignore[attr-defined]
            sys.stderr.write(f"bench: {part} done in {time.monotonic() - began:.0f} s\n")
    machine.load_after = load_average()
    text = table(machine, results.get("engine"), results.get("e2e"), results.get("memory"),  # type: ignore[arg-type]
                 results.get("startup"))  # type: ignore[arg-type]
    sys.stdout.write(text)
    if args.out != "-":
        Path(args.out).write_text(HEADER + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
