"""The terminal channel through real processes: `bot.py chat --jsonl`, crash and restart, `bot.py` alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, PYTHON, ROOT


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["XIAOE_DB"] = str(tmp_path / "term.db")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _jsonl(tmp_path: Path, lines: list[str], user: str = "alice") -> list[dict]:
    proc = subprocess.run(
        [PYTHON, "bot.py", "chat", "--jsonl", "--user", user, "--db", str(tmp_path / "term.db")],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT, env=_env(tmp_path), timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_jsonl_creditor_consultation(tmp_path: Path) -> None:
    messages = _jsonl(tmp_path, CREDITOR_ANSWERS[1:])
    review = messages[-1]
    assert review["state"] == "creditor.review"
    confirm = next(b["data"] for row in review["buttons"] for b in row if "确认" in b["label"])
    result = _jsonl(tmp_path, [json.dumps({"press": confirm})])
    text = "\n".join(m["text"] for m in result)
    summary = next(m for m in result if m["kind"] == "result")  # then the reminder offer
    assert result[-1]["state"] == "creditor.result"
    assert "小额诉讼" in text and "12348" in text and len(summary["text"]) <= 600  # the layered summary
    limitation = next(b["data"] for row in summary["buttons"] for b in row if b["label"] == "时效")
    section = _jsonl(tmp_path, [json.dumps({"press": limitation})])
    assert "《民法典》第一百八十八条" in section[-1]["text"]  # a section, one press away
    assert "<b>" in summary["html"] and "<b>" not in summary["text"]
    assert all(set(m) >= {"text", "html", "buttons", "state"} for m in messages + result)


def test_jsonl_debtor_consultation_by_pressing(tmp_path: Path) -> None:
    messages = _jsonl(tmp_path, [])
    assert messages[-1]["state"] == "start.role"
    lines: list[str] = []
    # Press the debtor button, then type the rest.
    debtor = next(b["data"] for row in messages[-1]["buttons"] for b in row if "债务人" in b["label"])
    lines.append(json.dumps({"press": debtor}))
    lines += DEBTOR_ANSWERS[2:]
    out = _jsonl(tmp_path, lines, user="bob")
    assert out[-1]["state"] == "debtor.review"


def test_killed_process_resumes_at_the_same_step(tmp_path: Path) -> None:
    cmd = [PYTHON, "bot.py", "chat", "--jsonl", "--user", "carol", "--db", str(tmp_path / "term.db")]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                            env=_env(tmp_path))
    assert proc.stdin and proc.stdout
    proc.stdout.readline()  # welcome
    proc.stdout.readline()  # first question
    for answer in CREDITOR_ANSWERS[1:8]:
        proc.stdin.write(answer + "\n")
        proc.stdin.flush()
        ack = json.loads(proc.stdout.readline())
        question = json.loads(proc.stdout.readline())
        assert ack["kind"] == "ack", ack
    assert question["state"] == "creditor.last_demand"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # A new process on the same database: offered to continue, then the same step and facts.
    out = _jsonl(tmp_path, ["继续"], user="carol")
    assert "欢迎回来" in out[0]["text"] and "第8步/共11步" in out[0]["text"]
    assert out[-1]["state"] == "creditor.last_demand"
    out = _jsonl(tmp_path, ["/review"], user="carol")
    joined = "\n".join(m["text"] for m in out)
    assert "3,500.00元" in joined and "2023年5月1日" in joined


def test_bot_without_token_opens_terminal_chat(tmp_path: Path) -> None:
    proc = subprocess.run([PYTHON, "bot.py"], input="", capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "终端模式" in proc.stdout and "你是哪一方" in proc.stdout and "[1] 我是债权人" in proc.stdout


def test_interactive_numbers_press_buttons(tmp_path: Path) -> None:
    proc = subprocess.run([PYTHON, "bot.py", "chat", "--user", "dan"], input="1\n3.5万\n", capture_output=True,
                          text=True, cwd=ROOT, env=_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "对方欠你的是什么钱" in proc.stdout
    assert "🙏" in proc.stdout  # "3.5万" is not a debt type: polite refusal, not a crash
