"""The consultation in a terminal: numbered options for people, JSON lines for programs.

Interactive mode prints each reply as plain text with its buttons as numbered options; typing a
number presses the option. ``--jsonl`` mode reads one input per line (plain text, or
``{"press": "<data>"}``) and writes one JSON object per bot message, flushing each line, so it works
with pipes and is what the end-to-end tests drive.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TextIO

import clock
from assembly import Engine
from flows.model import Inbound, Reply
from messages import html_to_text

TERMINAL_CHAT_ID = 1


def user_id_for(name: str) -> int:
    """A stable positive user id for a terminal user name (same name → same session)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:6], "big")


def reply_to_json(reply: Reply) -> dict:
    """The JSON object the ``--jsonl`` channel prints for one bot message."""
    return {
        "text": html_to_text(reply.html),
        "html": reply.html,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons],
        "state": reply.state,
        "kind": reply.kind,
        "files": [str(path.resolve()) for path in reply.files],
    }


def parse_jsonl_input(line: str, chat_id: int, user_id: int) -> Inbound | None:
    """One input line → an Inbound: ``{"press": data}``, ``{"text": ...}`` or plain text."""
    stripped = line.rstrip("\n")
    if not stripped.strip():
        return None
    if stripped.lstrip().startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            if isinstance(obj.get("press"), str):
                return Inbound.pressed(chat_id, user_id, obj["press"])
            if isinstance(obj.get("text"), str):
                return Inbound.typed(chat_id, user_id, obj["text"])
    return Inbound.typed(chat_id, user_id, stripped)


def run_jsonl(engine: Engine, user: str, lines: Iterable[str], out: TextIO) -> int:
    """Machine interface: JSON lines in and out; returns the exit code (0 at end of input)."""
    uid = user_id_for(user)

    def emit(replies: list[Reply]) -> None:
        for reply in replies:
            out.write(json.dumps(reply_to_json(reply), ensure_ascii=False) + "\n")
        out.flush()

    emit(engine.handle(Inbound.typed(TERMINAL_CHAT_ID, uid, "/start")))
    for line in lines:
        inbound = parse_jsonl_input(line, TERMINAL_CHAT_ID, uid)
        if inbound is not None:
            emit(engine.handle(inbound))
    return 0


def _print_reply(reply: Reply, out: TextIO, first: int = 1) -> list[str]:
    """Print one reply for people (and where its files were written); returns its buttons' data in order.

    Buttons are numbered from ``first`` (a turn's replies continue one numbering: a result, then the
    reminder offer under it)."""
    out.write("\n" + html_to_text(reply.html) + "\n")
    for path in reply.files:
        out.write(f"📎 文件已保存：{path.resolve()}\n")
    data = []
    for row in reply.buttons:
        for button in row:
            data.append(button.data)
            out.write(f"  [{first + len(data) - 1}] {button.label}\n")
    return data


GOODBYE = "再见！你的咨询已保存，下次运行时可以继续。"
HISTORY_FILE = "terminal_history"  # under the data folder, beside the database


def history_worthy(line: str) -> bool:
    """Whether a typed line may be kept in the history file: commands and option numbers only.

    Answers to questions (amounts, names, identity numbers, dates) stay in this run's memory, where the up
    arrow finds them, but never reach the disk."""
    text = line.strip()
    return text.startswith("/") or (text.isascii() and text.isdigit() and len(text) <= 2)


class LineReader:
    """Reads the chat's input lines: readline editing and history on a terminal, plain lines otherwise."""

    def __init__(self, stdin: TextIO, history: Path | None = None) -> None:
        """``history``: the file the worthy lines of earlier runs are read from and written back to."""
        self.stdin = stdin
        self.history = history
        self.readline: ModuleType | None = None
        if stdin is sys.stdin and stdin.isatty():
            try:
                import readline
            except ImportError:  # Windows without pyreadline: plain input() still works
                pass
            else:
                self.readline = readline
        if self.readline is not None and history is not None and history.is_file():
            with contextlib.suppress(OSError):
                self.readline.read_history_file(history)

    def read(self, prompt: str, out: TextIO) -> str:
        """One line without its newline; raises EOFError at the end of input (Ctrl-D)."""
        if self.readline is not None:
            return input(prompt)
        out.write(prompt)
        out.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def save(self) -> None:
        """Write the history file back with only :func:`history_worthy` lines (owner-only permissions)."""
        if self.readline is None or self.history is None:
            return
        rl = self.readline
        lines = [rl.get_history_item(i) for i in range(1, rl.get_current_history_length() + 1)]
        rl.clear_history()
        for line in lines:
            if line and history_worthy(line):
                rl.add_history(line)
        rl.set_history_length(500)
        with contextlib.suppress(OSError):
            self.history.parent.mkdir(parents=True, exist_ok=True)
            self.history.touch(mode=0o600, exist_ok=True)
            rl.write_history_file(self.history)


def _turn(engine: Engine, inbound: Inbound, out: TextIO) -> list[str]:
    """One turn printed; returns the new buttons' data (empty when the turn showed none)."""
    new_buttons: list[str] = []
    for reply in engine.handle(inbound):
        if reply.alert:
            out.write(f"\n（{html_to_text(reply.html)}）\n")
            continue
        new_buttons += _print_reply(reply, out, len(new_buttons) + 1)
    return new_buttons


def run_interactive(engine: Engine, user: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
                    history: Path | None = None) -> int:
    """Human interface: numbered options; a bare number presses the matching button.

    Ctrl-D (end of input) and Ctrl-C end the chat with one line saying the consultation is saved (every
    turn is stored as it happens); ``history`` is the readline history file (see :class:`LineReader`)."""
    uid = user_id_for(user)
    reader = LineReader(stdin, history)
    out.write("小额债务助手 · 终端模式（输入「帮助」查看说明，Ctrl-D 或 Ctrl-C 退出）\n")
    buttons: list[str] = []
    try:
        buttons = _turn(engine, Inbound.typed(TERMINAL_CHAT_ID, uid, "/start"), out) or buttons
        while True:
            # Reminders that fell due (XIAOE_NOW moves the clock for a demo), shown once, before the prompt.
            for reply in engine.reminders.take_due(TERMINAL_CHAT_ID, uid, clock.now()):
                buttons = _print_reply(reply, out) or buttons
            text = reader.read("\n> ", out).strip()
            if not text:
                continue
            if text.isascii() and text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
                inbound = Inbound.pressed(TERMINAL_CHAT_ID, uid, buttons[int(text) - 1])
            else:
                inbound = Inbound.typed(TERMINAL_CHAT_ID, uid, text)
            buttons = _turn(engine, inbound, out) or buttons
    except (EOFError, KeyboardInterrupt):
        out.write(f"\n{GOODBYE}\n")
        out.flush()
        return 0
    finally:
        reader.save()
