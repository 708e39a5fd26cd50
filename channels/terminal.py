"""The consultation in a terminal: numbered options for people, JSON lines for programs.

Interactive mode prints each reply as plain text with its buttons as numbered options; typing a
number presses the option. ``--jsonl`` mode reads one input per line (plain text, or
``{"press": "<data>"}``) and writes one JSON object per bot message, flushing each line, so it works
with pipes and is what the end-to-end tests drive.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TextIO

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


def _print_reply(reply: Reply, out: TextIO) -> list[str]:
    """Print one reply for people (and where its files were written); returns its buttons' data in order."""
    out.write("\n" + html_to_text(reply.html) + "\n")
    for path in reply.files:
        out.write(f"📎 文件已保存：{path.resolve()}\n")
    data = []
    for row in reply.buttons:
        for button in row:
            data.append(button.data)
            out.write(f"  [{len(data)}] {button.label}\n")
    return data


def run_interactive(engine: Engine, user: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Human interface: numbered options; a bare number presses the matching button."""
    uid = user_id_for(user)
    out.write("小额债务助手 · 终端模式（输入「帮助」查看说明，Ctrl-D 退出）\n")
    buttons: list[str] = []
    for reply in engine.handle(Inbound.typed(TERMINAL_CHAT_ID, uid, "/start")):
        buttons = _print_reply(reply, out) or buttons
    while True:
        out.write("\n> ")
        out.flush()
        line = stdin.readline()
        if not line:
            out.write("\n再见！\n")
            return 0
        text = line.strip()
        if not text:
            continue
        if text.isascii() and text.isdigit() and buttons and 1 <= int(text) <= len(buttons):
            inbound = Inbound.pressed(TERMINAL_CHAT_ID, uid, buttons[int(text) - 1])
        else:
            inbound = Inbound.typed(TERMINAL_CHAT_ID, uid, text)
        new_buttons: list[str] = []
        for reply in engine.handle(inbound):
            if reply.alert:
                out.write(f"\n（{html_to_text(reply.html)}）\n")
                continue
            new_buttons = _print_reply(reply, out) or new_buttons
        if new_buttons:
            buttons = new_buttons
