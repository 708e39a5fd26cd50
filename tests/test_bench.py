"""The benchmarks still run (tiny sizes, no timing asserted): ``python -m bench --quick`` prints the table."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT

from bench.scenarios import SCRIPTS, EngineUser, ScriptError
from bench.timing import percentile


def test_percentile_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([5.0], 99) == 5.0


def test_scripts_end_on_their_result_screens(engine) -> None:
    ids = iter(range(1, 1000))
    for number, script in enumerate(SCRIPTS, start=1):
        user = EngineUser(number, script, ids)
        while not user.done:
            user.took(engine.handle(user.next_inbound()))
        assert user.state == script.final_state


def test_a_script_that_goes_astray_is_reported(engine) -> None:
    script = SCRIPTS[0]
    user = EngineUser(7, script, iter(range(1, 1000)))
    user.took(engine.handle(user.next_inbound()))  # /start
    user.took(engine.handle(user.next_inbound()))  # 我是债权人
    while script.steps[user.index].action != "press":
        user.took(engine.handle(user.next_inbound()))
    user.last = []  # as if the bot had shown no buttons
    with pytest.raises(ScriptError):
        user.next_inbound()


@pytest.mark.slow
def test_quick_bench_prints_the_whole_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run([PYTHON, "-m", "bench", "--quick", "--out", str(out), "--dir", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for row in ("| Engine |", "| End to end |", "| Memory |", "| Start-up |", "throughput ratio xiaoe / echo",
                "sessions held in memory"):
        assert row in table, row
    assert "Machine:" in table and "cores" in table
    assert out.read_text(encoding="utf-8").endswith(table)
    # Nothing in memory between turns, even in the tiny run.
    memory_row = next(line for line in table.splitlines() if "sessions held in memory" in line)
    assert "| 0 / 0 /" in memory_row


@pytest.mark.slow
def test_side_by_side_runs_two_trees_and_the_echo_bot() -> None:
    done = subprocess.run([PYTHON, "-m", "bench.sidebyside", str(ROOT), "--rounds", "1", "--consultations", "2",
                           "--users", "2"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["other", "this", "echo-k"]
    assert all("ms CPU per update" in line for line in lines) and "ratio to echo-k" in lines[1]
