"""``python bot.py export …`` and ``python bot.py replay FILE``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from assembly import replay_engine
from messages import html_to_text
from recordings import format as fixture_format
from recordings.export import ExportError, export
from recordings.format import BotReply, FixtureError
from recordings.replay import ReplayResult, replay
from storage import SessionStore, open_database
from storage.db import DEFAULT_DB_PATH


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse hook
        self.print_usage(sys.stderr)
        self.exit(2, f"错误 / error: {message}\n")


def _fail(message: str) -> int:
    print(f"错误 / error: {message}", file=sys.stderr)
    return 2


def export_main(argv: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Export recorded conversations as an anonymised fixture file."""
    parser = _Parser(prog="bot.py export", description="把对话记录导出为匿名的测试用例 / export anonymised fixtures")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", type=int, help="会话编号 / session id")
    which.add_argument("--last", type=int, help="最近的 N 个会话 / the last N sessions")
    which.add_argument("--user", type=int, help="某个用户的全部对话 / every chat of one user id")
    parser.add_argument("--out", required=True, type=Path, help="输出文件 / fixture file to write (.yaml)")
    parser.add_argument("--force", action="store_true", help="覆盖已有文件 / overwrite an existing file")
    parser.add_argument("--title", default="", help="对话标题 / title of the conversation")
    parser.add_argument("--db", default=os.environ.get("XIAOE_DB") or str(DEFAULT_DB_PATH),
                        help="数据库 / database (default: $XIAOE_DB or data/xiaoe.db)")
    args = parser.parse_args(list(argv))
    if args.out.exists() and not args.force:
        return _fail(f"{args.out} 已存在，如需覆盖请加 --force / {args.out} exists; use --force to overwrite")
    if not Path(args.db).exists():
        return _fail(f"找不到数据库 {args.db} / no database at {args.db}")
    store = SessionStore(open_database(args.db))
    try:
        conversations, masker = export(store, session_id=args.session, last=args.last, user_id=args.user,
                                       title=args.title, engine_factory=replay_engine)
    except ExportError as err:
        return _fail(str(err))
    finally:
        store.db.close()
    fixture_format.save(args.out, conversations)
    turns = sum(len(c.turns) for c in conversations)
    masked = ", ".join(f"{k} {v}" for k, v in sorted(masker.counts.items())) or "none"
    print(f"已导出 {len(conversations)} 段对话、{turns} 轮到 {args.out} / exported {len(conversations)} "
          f"conversation(s), {turns} turns; masked: {masked}", file=out)
    changed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index, conversation in enumerate(conversations):
            changed += len(replay(conversation, Path(tmp) / f"{index}.db", engine_factory=replay_engine).mismatches)
    if changed:
        print(f"回放检查：{changed} 轮与记录不同（措辞或流程已改变，或匿名化改变了输入）。"
              f"用 `python bot.py replay {args.out}` 查看，确认后运行 `pytest --update-fixtures`。"
              f" / replay check: {changed} turn(s) differ", file=out)
    else:
        print("回放检查：每一轮都与记录一致 / replay check: every turn matches", file=out)
    return 0


def replay_main(argv: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Print a fixture side by side with what the bot says now; exit 1 if anything changed."""
    parser = _Parser(prog="bot.py replay", description="对照回放测试用例 / replay a fixture side by side")
    parser.add_argument("file", type=Path, help="fixture file (.yaml)")
    parser.add_argument("--width", type=int, default=0, help="列宽 / total width (default: terminal width)")
    parser.add_argument("--changed", action="store_true", help="只显示有变化的轮次 / show changed turns only")
    args = parser.parse_args(list(argv))
    try:
        conversations = fixture_format.load(args.file)
    except FileNotFoundError:
        return _fail(f"找不到文件 {args.file} / no such file")
    except FixtureError as err:
        return _fail(f"{args.file}: {err}")
    width = args.width or shutil.get_terminal_size((160, 40)).columns
    total_changed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index, conversation in enumerate(conversations):
            result = replay(conversation, Path(tmp) / f"{index}.db", engine_factory=replay_engine)
            total_changed += len(result.mismatches)
            print_side_by_side(result, width, out, changed_only=args.changed)
    turns = sum(len(c.turns) for c in conversations)
    print(f"\n{turns} 轮，{total_changed} 轮有变化 / {turns} turns, {total_changed} changed", file=out)
    return 1 if total_changed else 0


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (wide CJK characters count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Wrap ``text`` to ``width`` terminal columns, keeping its line breaks."""
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        line, used = "", 0
        for char in raw:
            w = display_width(char)
            if used + w > width:
                lines.append(line)
                line, used = "", 0
            line += char
            used += w
        lines.append(line)
    return lines


def _render(bot: Sequence[BotReply], state: str) -> str:
    parts = []
    for reply in bot:
        text = html_to_text(reply.html)
        buttons = " ".join(f"[{label}]" for row in reply.buttons for label, _ in row)
        parts.append(text + (f"\n{buttons}" if buttons else ""))
    return "\n— — —\n".join(parts) + f"\n〔{state}〕"


def print_side_by_side(result: ReplayResult, width: int, out: TextIO, *, changed_only: bool = False) -> None:
    """Write each turn: the user's action, then the recorded answer and the answer now in two columns."""
    column = max(20, (width - 3) // 2)
    print(f"=== {result.conversation.title} ({result.conversation.today}) ===", file=out)
    for outcome in result.outcomes:
        if changed_only and outcome.matches:
            continue
        mark = "✓" if outcome.matches else "≠"
        print(f"\n{mark} 第{outcome.index + 1}轮：{outcome.expected.describe()}", file=out)
        if outcome.expected.action == "reopen":
            continue
        left = wrap(_render(outcome.expected.bot, outcome.expected.state), column)
        right = wrap(outcome.error or _render(outcome.bot, outcome.state), column)
        header = "记录 / recorded".ljust(column - 4) + " │ " + "现在 / now"
        print(header, file=out)
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            sep = " │ " if a == b else " ┃ "
            print(a + " " * (column - display_width(a)) + sep + b, file=out)
