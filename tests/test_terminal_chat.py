"""The terminal chat: clean exits, the history file, per-user documents, /forget, and bot.py --help."""

from __future__ import annotations

import io
import readline
import subprocess
from pathlib import Path

import pytest

from assembly import Engine
from channels import terminal
from channels.terminal import GOODBYE, LineReader, history_worthy, run_interactive, user_id_for
from tests.conftest import CREDITOR_ANSWERS, PYTHON, ROOT

DOCUMENT = [*CREDITOR_ANSWERS[1:], "确认", "生成文书", "1", *["跳过"] * 8, "15天"]


class Interrupting(io.StringIO):
    """Standard input whose reads raise ``error`` after the given lines (Ctrl-C or Ctrl-D at the prompt)."""

    def __init__(self, lines: list[str], error: type[BaseException]) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.error = error

    def readline(self, size: int | None = -1) -> str:
        line = super().readline()
        if not line:
            raise self.error
        return line


@pytest.mark.parametrize("error", [KeyboardInterrupt, EOFError])
def test_ctrl_c_and_ctrl_d_say_goodbye_without_a_traceback(engine: Engine, error: type[BaseException]) -> None:
    out = io.StringIO()
    assert run_interactive(engine, "alice", Interrupting(["1", "个人借款"], error), out) == 0
    assert out.getvalue().rstrip().splitlines()[-1] == GOODBYE and "保存" in GOODBYE
    session = engine.store.current(terminal.TERMINAL_CHAT_ID, user_id_for("alice"))
    assert session is not None and session.facts  # the answers given so far are kept


def test_end_of_input_says_goodbye(engine: Engine) -> None:
    out = io.StringIO()
    assert run_interactive(engine, "alice", io.StringIO("1\n"), out) == 0
    assert out.getvalue().rstrip().endswith(GOODBYE)


def test_only_commands_and_option_numbers_are_history_worthy() -> None:
    assert history_worthy("/forget") and history_worthy("3") and history_worthy(" 12 ")
    for private in ["320106198503120413", "王晓明", "三千五", "2023-05-01", "5000", "张三欠我3500元"]:
        assert not history_worthy(private)


def test_the_history_file_keeps_no_answers(tmp_path: Path) -> None:
    history = tmp_path / "data" / "terminal_history"
    reader = LineReader(io.StringIO(), history)
    reader.readline = readline  # as on a terminal
    readline.clear_history()
    for line in ["1", "王晓明", "/review", "320106198503120413", "2"]:
        readline.add_history(line)
    reader.save()
    assert history.read_text(encoding="utf-8").split() == ["1", "/review", "2"]
    assert history.stat().st_mode & 0o077 == 0
    readline.clear_history()


def test_documents_go_to_a_per_user_folder_that_forget_removes(engine: Engine, tmp_path: Path) -> None:
    out = io.StringIO()
    for _ in range(2):  # the same document twice on one day
        run_interactive(engine, "alice", io.StringIO("\n".join(DOCUMENT) + "\n"), out)
    saved = [Path(line.removeprefix("📎 文件已保存：")) for line in out.getvalue().splitlines()
             if line.startswith("📎 文件已保存：")]
    folder = tmp_path / "out" / str(user_id_for("alice"))
    assert [p.name for p in saved] == ["催款函_2026-11-22.docx", "催款函_2026-11-22(2).docx"]
    assert all(p.parent == folder.resolve() and p.is_file() for p in saved)
    announced = [line for line in out.getvalue().splitlines() if "已生成：" in line]
    assert [line.split("已生成：")[1].strip() for line in announced] == [p.name for p in saved]  # the file written
    run_interactive(engine, "bob", io.StringIO("\n".join(DOCUMENT) + "\n"), io.StringIO())
    out = io.StringIO()
    run_interactive(engine, "alice", io.StringIO("/forget\n1\n"), out)
    assert "生成的文书 2 份" in out.getvalue()
    assert not folder.exists() and (tmp_path / "out" / str(user_id_for("bob"))).is_dir()  # only alice's


def test_help_lists_every_subcommand() -> None:
    done = subprocess.run([PYTHON, "bot.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
    for command in ["chat", "telegram", "calc", "law", "export", "replay", "diagram"]:
        assert f"    {command} " in done.stdout, command
