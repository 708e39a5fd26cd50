"""The documents dialogue: the menu fits the facts, only missing fields are asked, every personal detail
may be skipped, details live apart from the session and go when the document is made (unless the user
agrees), /forget and restart delete them, and back/skip/restart keep working."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, TODAY, Chat
from docx import Document

import clock
from assembly import Engine
from channels.terminal import run_interactive, run_jsonl, user_id_for
from desks import documents as dialogue
from flows.model import Inbound
from storage import SessionStore, open_database

GOODS_ANSWERS = ["/start", "1", "货款", "1", "5000", "1", "2024-01-01", "2025-03-01", "1", "是", "江苏"]
JUDGED_ANSWERS = ["/start", "1", "个人借款", "不知道", "3", *["不知道"] * 4, "5000", "1", "2023-05-01", "2025-03-01",
                  "1",
                  "是", "江苏"]
PERSON_DEBTOR = ["/start", "2", "个人", "8000", "2025-01-15", "1", "1", "否"]
JUDGED_DEBTOR = ["/start", "2", "信用卡", "8000", "2025-01-15", "4", *["不知道"] * 4, "2", "否"]
NAME, ID_NUMBER, THEIR_NAME = "王晓明", "320106198503120413", "李建国"



def without_offer(replies: list) -> list:
    """The replies without the reminder offer the reminders desk adds after a document (issue #19)."""
    return [r for r in replies if not any("|Z|" in data for data in r.button_data())]

def result(chat: Chat, answers: list[str]) -> None:
    for answer in answers:
        chat.say(answer)
    chat.press("确认无误")
    assert chat.state.endswith(".result"), chat.text


def menu(chat: Chat, answers: list[str] = CREDITOR_ANSWERS) -> list[str]:
    """Reach the documents menu; returns the offered documents' labels."""
    result(chat, answers)
    chat.press("生成文书")
    assert chat.state == "documents.document", chat.text
    return [label for label, data in chat.buttons if data.split("|")[1] == "a"]


def walk(chat: Chat, answers: list[str]) -> list[str]:
    """Answer one by one; returns the question each answer was given at."""
    asked = []
    for answer in answers:
        asked.append(chat.state.removeprefix("documents."))
        chat.say(answer)
    return asked


def doc_text(chat: Chat) -> str:
    files = [f for r in chat.last for f in r.files]
    assert len(files) == 1, [r.html[:40] for r in chat.last]
    doc = Document(files[0])
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def details(chat: Chat) -> dict[str, tuple[str, int]]:
    rows = chat.engine.store.db.execute("select field, value, kept from document_details where user_id = ?",
                                        [chat.user_id]).fetchall()
    return {field: (value, kept) for field, value, kept in rows}


def everything_stored(engine: Engine) -> str:
    """Every text the database keeps outside document_details (sessions, history, transcript, updates)."""
    db = engine.store.db
    parts = [json.dumps(row, ensure_ascii=False) for table in ("sessions", "transcript", "processed_updates")
             for row in db[table].rows]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------- the menu


def test_the_menu_offers_only_documents_that_fit(engine: Engine) -> None:
    offers = {}
    for i, answers in enumerate([CREDITOR_ANSWERS, GOODS_ANSWERS, DEBTOR_ANSWERS, PERSON_DEBTOR]):
        offers[i] = menu(Chat(engine, user_id=300 + i), answers)
    assert [o.split("（")[0] for o in offers[0]] == ["催款函", "民事起诉状", "还款协议 / 分期还款协议"]
    assert [o.split("（")[0] for o in offers[1]] == ["催款函", "还款协议 / 分期还款协议"]  # a complaint only for loans
    assert [o.split("（")[0] for o in offers[2]] == ["协商还款申请书"]  # credit card, can pay in instalments
    assert [o.split("（")[0] for o in offers[3]] == ["还款协议 / 分期还款协议"]  # owes a friend, pays at once
    for i, answers in enumerate([JUDGED_ANSWERS, JUDGED_DEBTOR]):
        chat = Chat(engine, user_id=400 + i)
        result(chat, answers)
        assert not any("生成文书" in label for label, _ in chat.buttons)  # nothing fits after a judgment


def test_numbers_and_forged_presses_mean_the_offered_options(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat, DEBTOR_ANSWERS)
    turn = chat.session().turn
    chat.press_data(f"{turn}|a|complaint")  # a creditor's document, not on this debtor's menu
    assert chat.state == "documents.document" and chat.last[0].alert
    chat.say("1")  # the first OFFERED option: the hardship application
    assert chat.session().facts["document"] == "hardship"


# ------------------------------------------------------------------------------------ what is asked


def test_each_document_asks_only_its_missing_fields(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    asked = walk(chat, ["1"] + ["跳过"] * 5 + ["2023-05-01", "跳过", "15天"])
    assert asked == ["document", "my_name", "my_address", "my_phone", "their_name", "their_address", "loan_date",
                     "loan_method", "pay_within"]
    assert chat.state == "documents.done"  # nothing personal typed: no consent question
    chat.press("生成其他文书")
    asked = walk(chat, ["2"] + ["跳过"] * 9 + ["没有约定", "跳过"])
    assert asked == ["document", "my_name", "my_ethnicity", "my_id", "my_address", "my_phone", "their_name",
                     "their_id", "their_address", "their_phone", "interest_agreed",
                     "court"]  # loan date and method answered for the 催款函; no rate question: none agreed
    assert chat.state == "documents.done"
    other = Chat(engine, user_id=201)
    menu(other, DEBTOR_ANSWERS)
    asked = walk(other, ["1", "跳过", "跳过", "跳过", "跳过", "跳过", "12期", "2027-01-10", "失业", "跳过"])
    assert asked == ["document", "my_name", "my_id", "my_phone", "lender_name", "account_tail", "hardship_months",
                     "first_payment_date", "hardship_reason", "hardship_detail"]
    assert other.state == "documents.done"
    assert "个性化分期" in doc_text(other)


def test_a_complaint_end_to_end_with_typed_details(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["民事起诉状", NAME, "汉族", ID_NUMBER, "南京市鼓楼区中山北路100号", "138 1234 5678", THEIR_NAME,
                "跳过", "浙江省杭州市西湖区文三路200号", "跳过", "2023年5月1日", "微信", "约定了", "月息2分",
                "鼓楼区", "不保存"])
    assert chat.state == "documents.done"
    text = doc_text(chat)
    assert f"原告：{NAME}，男，汉族，1985年3月12日出生" in text and "13812345678" in text
    assert f"被告：{THEIR_NAME}" in text and "公民身份号码：________" in text
    assert "年利率14.6%" in text and "鼓楼区人民法院" in text
    note = without_offer(chat.last)[-2].html
    assert "约定超过上限，起诉状按上限14.6%主张" in note and "12348" in note
    assert "未填写（文书中留空或省略）：对方的身份证号、对方的联系电话。" in note
    assert "个人信息已经删除" in note
    screen = without_offer(chat.last)[-1]
    assert screen.state == "documents.done" and "生成其他文书" in screen.buttons[0][0].label


def test_identity_numbers_are_checked_politely_and_can_be_skipped(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["2", NAME, "汉"])
    assert chat.state == "documents.my_id"
    for bad, words in [("320106198503120414", "校验码"), ("32010619850312", "18 位"), ("320106850312041", "15 位"),
                       ("32010619851332041X", "出生日期"), ("3201061985031204A3", "数字或字母 X")]:
        chat.say(bad)
        assert chat.state == "documents.my_id" and words in chat.text and "跳过" in chat.text, (bad, chat.text)
    chat.say("320106198503120413")
    assert chat.state == "documents.my_address" and "320106********0413" in chat.text
    chat.say("返回")
    assert chat.state == "documents.my_id"
    chat.press("跳过")
    assert chat.state == "documents.my_address" and "my_id" not in details(chat)


# --------------------------------------------------------------------------------------- privacy


def test_personal_details_stay_out_of_the_session_and_the_transcript(engine: Engine) -> None:
    chat = Chat(engine)
    update_ids = iter(range(1000, 2000))

    def say(text: str) -> None:  # with update ids, so processed_updates keeps the replies too
        chat._run(Inbound.typed(chat.chat_id, chat.user_id, text, update_id=next(update_ids)))

    for answer in [*CREDITOR_ANSWERS, "确认"]:
        say(answer)
    chat.press("生成文书")
    for answer in ["3", NAME, "32010619850312041X", ID_NUMBER]:  # a wrong ID first: refused, never logged
        say(answer)
    assert chat.state == "documents.my_address"
    assert details(chat) == {"my_name": (NAME, 0), "my_id": (ID_NUMBER, 0)}
    stored = everything_stored(engine)
    for secret in (NAME, ID_NUMBER, "32010619850312041X", "320106********0413"):
        assert secret not in stored, secret
    assert "［已隐去］" in stored
    session = chat.session()
    assert session.facts["my_name"] == dialogue.GIVEN and session.facts["my_id"] == dialogue.GIVEN
    walk(chat, ["跳过"] * 7 + ["6期", "2026-12-15"])
    assert chat.state == "documents.keep_details"
    chat.say("1")  # 不保存
    assert chat.state == "documents.done" and NAME in doc_text(chat)
    assert details(chat) == {}  # made: the typed details are gone


def test_consent_keeps_details_for_the_next_document(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["1", NAME, "跳过", "13812345678", THEIR_NAME, "跳过", "跳过", "跳过", "7天"])
    assert chat.state == "documents.keep_details"
    chat.press("保存30天")
    assert {f: kept for f, (_, kept) in details(chat).items()} == {"my_name": 1, "my_phone": 1, "their_name": 1}
    assert "已按你的选择保存 30 天" in without_offer(chat.last)[-2].html
    assert any("删除保存的个人信息" in label for label, _ in chat.buttons)
    chat.press("生成其他文书")
    asked = walk(chat, ["还款协议", *["跳过"] * 6, "一次性还清", "2027-01-31"])
    assert "my_name" not in asked and "my_phone" not in asked and "their_name" not in asked
    assert asked[:2] == ["document", "my_id"]
    assert chat.state == "documents.done"  # nothing new typed: not asked again to keep
    text = doc_text(chat)
    assert f"甲方（债权人）：{NAME}" in text and f"乙方（债务人）：{THEIR_NAME}" in text
    assert "已自动填入你之前同意保存的：你的姓名、你的联系电话、对方的姓名" in without_offer(chat.last)[-2].html
    chat.press("删除保存的个人信息")
    assert details(chat) == {} and "已删除你保存的个人信息（3 项）" in chat.text
    assert not any("删除保存的个人信息" in label for label, _ in chat.buttons)


def test_forget_and_restart_delete_details(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["1", NAME])
    chat.say("/restart")
    chat.press("确定重新开始")
    assert details(chat) == {}  # the session closed: its unsaved details went with it
    menu(chat)
    walk(chat, ["1", NAME] + ["跳过"] * 6 + ["15天", "保存"])
    assert details(chat) == {"my_name": (NAME, 1)}
    chat.say("/forget")
    chat.press("确认删除")
    assert details(chat) == {} and "为文书保存的个人信息 1 项" in chat.text


def test_details_expire(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["1", NAME])
    store = engine.documents.details
    assert store.purge_expired() == 0
    assert store.purge_expired(clock.now_utc() + timedelta(hours=25)) == 1  # typed, never used: a day at most
    walk(chat, ["返回", NAME, *["跳过"] * 6, "15天"])
    assert chat.state == "documents.keep_details"
    chat.press("跳过")  # skipping the consent question keeps the default: not saved
    assert details(chat) == {}
    chat.press("生成其他文书")
    walk(chat, ["1", NAME, *["跳过"] * 6, "15天", "保存"])
    assert store.purge_expired(clock.now_utc() + timedelta(days=29)) == 0
    assert store.purge_expired(clock.now_utc() + timedelta(days=31)) == 1  # saved: thirty days


def test_automatic_steps_log_no_warnings(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    chat = Chat(engine)
    menu(chat)
    with caplog.at_level(logging.WARNING):
        walk(chat, ["2", *["跳过"] * 12, "没有约定", "跳过"])  # a complaint: many steps passed automatically
    assert chat.state == "documents.done"
    assert not caplog.records, [r.getMessage() for r in caplog.records][:3]


# ---------------------------------------------------------------------------------------- moving


def test_back_skip_and_restart_inside_documents(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    chat.say("返回")
    assert chat.state == "creditor.result"
    chat.press("生成文书")
    walk(chat, ["1", NAME])
    chat.press("返回上一步")
    assert chat.state == "documents.my_name"
    chat.say("/skip")
    assert chat.state == "documents.my_address" and "my_name" not in details(chat)
    walk(chat, ["跳过"] * 4 + ["跳过", "跳过", "30天"])
    assert chat.state == "documents.done"
    chat.press("返回上一步")  # from a made document: back to the menu, the typed steps are folded
    assert chat.state == "documents.document"
    chat.say("返回")
    assert chat.state == "creditor.result"
    chat.press("重新开始")
    chat.press("确定重新开始")  # the result's 重新开始 asks first (issue 16)
    assert chat.state == "start.role"


def test_stale_document_buttons_are_refused(engine: Engine) -> None:
    chat = Chat(engine)
    result(chat, CREDITOR_ANSWERS)
    old = dict((label, data) for label, data in chat.buttons)["📄 生成文书"]
    chat.press("生成文书")
    chat.press_data(old)
    assert chat.state == "documents.document" and chat.last[0].alert


# ------------------------------------------------------------------------------------------ files


def test_terminal_writes_the_file_and_prints_its_path(tmp_path: Path) -> None:
    engine = Engine(SessionStore(open_database(tmp_path / "t.db")), clock=lambda: TODAY,
                    documents_dir=tmp_path / "out")
    lines = [*CREDITOR_ANSWERS[1:], "确认", "生成文书", "1", *["跳过"] * 6, "跳过", "跳过", "15天"]
    out = io.StringIO()
    run_interactive(engine, "alice", io.StringIO("\n".join(lines) + "\n"), out)
    printed = [line for line in out.getvalue().splitlines() if line.startswith("📎 文件已保存：")]
    assert len(printed) == 1
    path = Path(printed[0].removeprefix("📎 文件已保存："))
    folder = (tmp_path / "out" / str(user_id_for("alice"))).resolve()  # per user: /forget removes it
    assert path.exists() and path.parent == folder and path.name == "催款函_2026-11-22.docx"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    jsonl = io.StringIO()
    run_jsonl(engine, "alice", [*lines], jsonl)
    files = [f for line in jsonl.getvalue().splitlines() for f in json.loads(line)["files"]]
    assert files == [str(path.with_name("催款函_2026-11-22(2).docx"))]  # a second file never overwrites


def test_ascii_file_name_when_the_file_system_cannot_take_chinese(engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "getfilesystemencoding", lambda: "ascii")
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["2"] + ["跳过"] * 12 + ["没有约定", "跳过"])
    files = [f for r in chat.last for f in r.files]
    assert [f.name for f in files] == ["civil-complaint_2026-11-22.docx"]


def test_outbox_files_are_private_and_swept(tmp_path: Path) -> None:
    engine = Engine(SessionStore(open_database(tmp_path / "t.db")), clock=lambda: TODAY,
                    documents_dir=tmp_path / "outbox", outbox=True)
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["1"] + ["跳过"] * 8 + ["15天"])
    (path,) = [f for r in chat.last for f in r.files]
    assert path.parent.parent == tmp_path / "outbox" and stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert engine.documents.sweep_outbox() == 0  # fresh: kept for the channel to send
    assert engine.documents.sweep_outbox(now=time.time() + dialogue.OUTBOX_TTL_SECONDS + 60) == 1
    assert not path.exists()


def test_a_question_typed_instead_of_a_detail_is_answered_and_nothing_is_stored(engine: Engine) -> None:
    chat = Chat(engine)
    menu(chat)
    walk(chat, ["1", NAME])
    assert chat.state == "documents.my_address"
    chat.say("支付令是什么？")
    assert chat.state == "documents.my_address" and "支付令" in chat.text and "你的住址" in chat.text
    assert set(details(chat)) == {"my_name"}


def test_facts_about_the_debt_are_not_asked_again_for_the_next_document(engine: Engine) -> None:
    # A user trial found the loan date asked for the 催款函, again for the 起诉状 and again for the 还款协议.
    chat = Chat(engine, user_id=777)
    menu(chat)
    chat.press("催款函")
    for _ in range(5):
        chat.say("跳过")
    assert chat.state == "documents.loan_date", chat.state
    chat.say("2024-01-10")
    chat.press("微信")
    chat.press("7日")
    assert chat.state == "documents.done", chat.text
    chat.press("生成其他文书")
    chat.press("起诉状")
    for _ in range(9):
        chat.say("跳过")
    assert chat.state == "documents.interest_agreed", chat.state  # loan date and method were not asked again
    assert chat.session().facts["loan_date"] == "2024-01-10" and chat.session().facts["loan_method"] == "wechat"
