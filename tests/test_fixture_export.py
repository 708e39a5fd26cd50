"""`python bot.py export` and `python bot.py replay`: anonymised fixtures from real transcripts, and their replay."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from assembly import Engine, replay_engine
from flows.spec import load_registry
from recordings import format as fixture_format
from recordings.anonymise import Masker, id_check_digit
from recordings.cli import display_width, export_main, replay_main
from recordings.export import conversation_from_rows
from recordings.replay import replay
from storage import SessionStore, open_database
from tests.conftest import PYTHON, ROOT, TODAY, Chat

PERSONAL_TEXT = "我借给朋友张三3500，他电话13912345678，住在北京市朝阳区建国路88号3单元501室"


def record(db_path: Path, user_id: int, steps: list[str]) -> Engine:
    engine = Engine(SessionStore(open_database(db_path)), clock=lambda: TODAY)
    chat = Chat(engine, chat_id=user_id, user_id=user_id)
    for step in steps:
        chat.say(step)
    return engine


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    db = tmp_path / "xiaoe.db"
    engine = record(db, 5_551_234_567, ["/start", "债权人", "借款", "不知道", "还没起诉", PERSONAL_TEXT, "3500",
                                        "借条", "选好了"])
    record(db, 5_559_999_999, ["/start", "债务人", "信用卡"])
    engine.store.db.close()
    return db


def run_export(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = export_main(list(args), out)
    return code, out.getvalue()


# ------------------------------------------------------------------------------ export


def test_export_one_session_anonymised_and_replayable(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "fixtures" / "one.yaml"
    code, said = run_export("--session", "1", "--out", str(out), "--db", str(recorded), "--title", "测试")
    assert code == 0, said
    assert "replay check: every turn matches" in said
    text = out.read_text(encoding="utf-8")
    for secret in ("张三", "13912345678", "建国路88号", "5551234567"):
        assert secret not in text
    assert "甲某" in text and "13800000001" in text and "某省某市某区某路1号" in text
    (conversation,) = fixture_format.load(out)
    assert conversation.title == "测试" and conversation.today == TODAY
    assert conversation.user.startswith("user-") and len(conversation.turns) == 9
    assert [t.action for t in conversation.turns[:3]] == ["user", "user", "user"]
    assert conversation.turns[-1].state == "creditor.due_date"
    assert not replay(conversation, tmp_path / "replay.db", engine_factory=replay_engine).mismatches


def test_presses_are_recorded_by_their_button_label(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    engine = Engine(SessionStore(open_database(db)), clock=lambda: TODAY)
    chat = Chat(engine, 42, 42)
    chat.say("/start")
    chat.press("债务人")
    chat.press_data("0|a|creditor")  # a stale button: kept as raw data
    engine.store.db.close()
    out = tmp_path / "f.yaml"
    assert run_export("--last", "1", "--out", str(out), "--db", str(db))[0] == 0
    turns = fixture_format.load(out)[0].turns
    assert (turns[1].action, turns[1].value) == ("press", "我是债务人（我欠别人钱）")
    assert (turns[2].action, turns[2].value) == ("press_data", "0|a|creditor")
    assert turns[2].bot[0].kind == "stale"


def test_pseudonyms_are_stable_per_database_and_differ_between_databases(recorded: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    run_export("--session", "1", "--out", str(first), "--db", str(recorded))
    run_export("--user", "5551234567", "--out", str(second), "--db", str(recorded))
    assert fixture_format.load(first)[0].user == fixture_format.load(second)[0].user
    other = tmp_path / "other.db"
    record(other, 5_551_234_567, ["/start"]).store.db.close()
    third = tmp_path / "c.yaml"
    run_export("--user", "5551234567", "--out", str(third), "--db", str(other))
    assert fixture_format.load(third)[0].user != fixture_format.load(first)[0].user


def test_last_n_exports_several_conversations(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "two.yaml"
    code, said = run_export("--last", "2", "--out", str(out), "--db", str(recorded))
    assert code == 0 and "exported 2 conversation(s)" in said
    conversations = fixture_format.load(out)
    assert [c.turns[-1].state for c in conversations] == ["creditor.due_date", "debtor.amount"]
    assert conversations[0].user != conversations[1].user


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "99"], "没有编号为 99 的会话"),
        (["--user", "12345"], "用户 12345 没有对话记录"),
        (["--last", "0"], "--last 必须是正整数"),
    ],
)
def test_export_errors_are_clear(recorded: Path, tmp_path: Path, args: list[str], message: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_export(*args, "--out", str(tmp_path / "x.yaml"), "--db", str(recorded))
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_export_refuses_to_overwrite_without_force(recorded: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.yaml"
    out.write_text("keep me", encoding="utf-8")
    code, _ = run_export("--session", "1", "--out", str(out), "--db", str(recorded))
    assert code == 2 and "已存在" in capsys.readouterr().err and out.read_text(encoding="utf-8") == "keep me"
    code, _ = run_export("--session", "1", "--out", str(out), "--db", str(recorded), "--force")
    assert code == 0 and "conversations:" in out.read_text(encoding="utf-8")


def test_export_without_a_database_or_a_choice_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_export("--session", "1", "--out", str(tmp_path / "f.yaml"), "--db", str(tmp_path / "none.db"))[0] == 2
    assert "找不到数据库" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        export_main(["--out", str(tmp_path / "f.yaml")])
    assert exc.value.code == 2


def test_bot_py_export_and_replay_from_the_command_line(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.yaml"
    done = subprocess.run([PYTHON, "bot.py", "export", "--session", "1", "--out", str(out), "--db", str(recorded)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([PYTHON, "bot.py", "replay", str(out), "--width", "100"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "记录 / recorded" in done.stdout and "现在 / now" in done.stdout and "0 changed" in done.stdout


# ------------------------------------------------------------------------------ replay view


def test_replay_shows_a_changed_turn_side_by_side_and_exits_1(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.yaml"
    run_export("--session", "1", "--out", str(out), "--db", str(recorded))
    text = out.read_text(encoding="utf-8").replace("对方欠你的是什么钱？", "对方到底欠你什么钱？", 1)
    out.write_text(text, encoding="utf-8")
    view = io.StringIO()
    assert replay_main([str(out), "--width", "120", "--changed"], view) == 1
    shown = view.getvalue()
    assert "≠ 第2轮" in shown and "对方到底欠你什么钱？" in shown and "对方欠你的是什么钱？" in shown
    assert "┃" in shown and "1 changed" in shown
    assert all(display_width(line) <= 121 for line in shown.splitlines())


def test_replay_of_a_broken_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("conversations: [{title: x}]", encoding="utf-8")
    assert replay_main([str(bad)]) == 2
    assert "turns" in capsys.readouterr().err
    assert replay_main([str(tmp_path / "missing.yaml")]) == 2


# ------------------------------------------------------------------------------ anonymiser


@pytest.mark.parametrize(
    ("text", "secret", "fake"),
    [
        ("我叫王小明，借了钱", "王小明", "甲某"),
        ("借给朋友李四5000元", "李四", "甲某"),
        ("欠我钱的是欧阳娜娜", "欧阳娜娜", "甲某"),
        ("电话13912345678", "13912345678", "13800000001"),
        ("电话 +86 139 1234 5678", "+86 139 1234 5678", "13800000001"),
        ("座机010-62345678", "010-62345678", "010-00000001"),
        ("身份证110101199003071234", "110101199003071234", "110101199001010015"),
        ("身份证号11010119900307123X", "11010119900307123X", "110101199001010015"),
        ("卡号6222 0212 3456 7890 123", "6222 0212 3456 7890 123", "6200 0000 0000 0001"),
        ("卡号6222021234567890", "6222021234567890", "6200 0000 0000 0001"),
        ("邮箱 zhang.san@qq.com", "zhang.san@qq.com", "user1@example.invalid"),
        ("我住在北京市朝阳区建国路88号3单元501室", "北京市朝阳区建国路88号3单元501室", "某省某市某区某路1号"),
        ("他在广东省深圳市南山区科技园路1号上班", "广东省深圳市南山区科技园路1号", "某省某市某区某路1号"),
    ],
)
def test_masker_finds_personal_data(text: str, secret: str, fake: str) -> None:
    masker = Masker()
    masker.learn(text)
    masked = masker.apply(text)
    assert secret not in masked and fake in masked
    # The bot echoing the value (even HTML-escaped) is masked the same way.
    assert masker.apply(f"<b>{secret}</b>") == f"<b>{fake}</b>"


@pytest.mark.parametrize("text", ["5000", "三千五", "2024-06-30", "江苏省", "城市里的人", "对方于2023年借款",
                                  "借给他三千五",
                                  "20230501", "欠了花呗8000", "我是债权人（别人欠我钱）", "支付令是什么？"])
def test_masker_leaves_consultation_facts_alone(text: str) -> None:
    masker = Masker()
    masker.learn(text)
    assert masker.apply(text) == text and not masker.replacements


def test_fake_id_numbers_pass_the_check_digit() -> None:
    masker = Masker()
    masker.learn("110101199003071234 和 320102198001011235")
    fakes = [f for v, f in masker.replacements.items()]
    assert len(fakes) == 2 and len(set(fakes)) == 2
    assert all(f[-1] == id_check_digit(f[:17]) for f in fakes)
    assert id_check_digit("11010519491231002") == "X"  # the GB 11643 example


def test_answers_to_personal_questions_are_masked_whole(tmp_path: Path) -> None:
    # A question marked `personal: true` with a name format: whatever is typed there is a name.
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "start.yaml").write_text(
        "id: start\nnodes:\n  - {id: name, kind: text, label: 对方姓名, personal: true, validate: {format: name},"
        " next: [{to: done}]}\n  - {id: done, kind: info, template: topics/answer.html.j2}\n", encoding="utf-8")
    registry = load_registry(flows)
    assert registry.node("start.name").personal
    rows = [
        {"direction": "in", "kind": "text", "text": "诸葛小花", "state_before": "start.name",
         "state_after": "start.done", "user_id": 9, "chat_id": 9, "created_at": "2026-11-22T03:00:00+00:00",
         "buttons": "[]"},
        {"direction": "out", "kind": "ack", "text": "✔️ 对方姓名：诸葛小花", "buttons": "[]"},
    ]
    conversation = conversation_from_rows(rows, title="t", source="s", secret_key=b"k", registry=registry)
    assert conversation.turns[0].value == "甲某"
    assert conversation.turns[0].bot[0].html == "✔️ 对方姓名：甲某"


def test_the_corpus_has_no_real_ids_or_personal_data() -> None:
    # Personal details the recorded personas typed (scripts/record_corpus.py); the bot's own examples
    # ("例如：张三", the GB 11643 sample ID number) may appear, these may not.
    typed = ["张三3500", "13912345678", "王小明", "320106198503120413", "江苏省南京市鼓楼区中山北路100号",
             "浙江省杭州市西湖区文三路200号", "13700001111", "赵六", "13800138000", "孙七", "周八",
             "110101199003071233", "13600001234", "440304198808081238", "北京市朝阳区建国路88号", "今年三月被裁员",
             "7000000000"]
    text = "\n".join(line for p in (ROOT / "tests" / "fixtures").glob("*.yaml")
                     for line in p.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("例如"))
    assert [value for value in typed if value in text] == []
    assert "user-" in text and "甲某" in text

