"""Documents on Telegram, end to end: the .docx arrives through sendDocument and leaves the server."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from docx import Document

from assembly import Engine
from channels.tg.app import build_application, direct_request
from channels.tg.keyboards import KeyboardTracker
from channels.tg.replies import send_reply
from flows.model import Reply
from storage import SessionStore, open_database
from testing import FakeBotAPI
from testing import fixtures as botapi_fixtures
from testing.wiring import application_builder, running
from tests.conftest import CREDITOR_ANSWERS, TODAY
from tests.test_telegram import Tg

botapi = botapi_fixtures.botapi

ID_NUMBER = "320106198503120413"


def test_a_complaint_arrives_as_a_document_and_is_deleted_from_the_server(botapi: FakeBotAPI, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    engine = Engine(SessionStore(open_database(tmp_path / "x.db")), clock=lambda: TODAY, documents_dir=outbox,
                    outbox=True)
    app = build_application(engine, builder=application_builder(botapi, requests=direct_request))
    alice = Tg(botapi, engine)

    async def scenario() -> None:
        async with running(app):
            for answer in [*CREDITOR_ANSWERS, "确认"]:
                await alice.say(answer)
            await alice.press("生成文书")
            await alice.press("民事起诉状")
            await alice.say("王晓明")
            await alice.press("汉族")
            await alice.say(ID_NUMBER)
            for _ in range(2):  # address, phone
                await alice.press("跳过")
            await alice.say("李建国")
            for _ in range(3):  # their identity number, address, phone
                await alice.press("跳过")
            await alice.say("2023-05-01")
            await alice.press("银行转账")
            await alice.press("没有约定利息")
            await alice.press("跳过")  # court
            assert alice.state == "documents.keep_details"
            await alice.press("不保存")
            alice.assert_one_live_keyboard()

    asyncio.run(scenario())
    assert alice.state == "documents.done"
    (call,) = botapi.calls_to("sendDocument")
    upload = call.files["document"]
    assert upload.filename == "民事起诉状_2026-11-22.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(upload.content)).paragraphs)
    assert "原告：王晓明，男，汉族" in text and f"公民身份号码：{ID_NUMBER}" in text and "被告：李建国" in text
    assert "逾期利息" in text and "本案诉讼费用由被告承担" in text
    files = ("sendChatAction", "sendDocument")
    sequence = [(c.method, c.params.get("action")) for c in botapi.calls if c.method in files]
    assert sequence[-2:] == [("sendChatAction", "upload_document"), ("sendDocument", None)]
    document_message = next(m for m in alice.messages if m.kind == "document")
    assert document_message.media["document"]["file_name"] == upload.filename
    # The note about the document comes just before the file, the buttons after it.
    messages = alice.messages
    index = messages.index(document_message)
    assert "民事起诉状</b>已生成" in (messages[index - 1].source or "")
    assert "生成其他文书" in messages[index + 1].button_texts[0]
    # Nothing about the document stays on the server: the file is gone, the typed details are gone.
    assert not any(outbox.rglob("*.docx"))
    assert engine.store.db.execute("select count(*) from document_details").fetchone()[0] == 0
    # The bot never echoed the full identity number (only the user's own message has it).
    assert not any(ID_NUMBER in (m.text or "") for m in messages if m.from_bot)
    assert any("320106********0413" in (m.text or "") for m in messages if m.from_bot)


def test_a_stored_reply_whose_file_is_gone_still_sends_its_text(botapi: FakeBotAPI, tmp_path: Path) -> None:
    """Replies re-sent after a crash may name a document already delivered (and deleted): no error, no file."""
    engine = Engine(SessionStore(open_database(tmp_path / "x.db")), clock=lambda: TODAY)
    app = build_application(engine, builder=application_builder(botapi, requests=direct_request))
    user = botapi.user("Carol")
    chat = botapi.private_chat(user)
    present = tmp_path / "outbox" / "a1" / "催款函_2026-11-22.docx"
    present.parent.mkdir(parents=True)
    present.write_bytes((Path(__file__).parents[1] / "documents" / "templates" / "demand_letter.docx").read_bytes())
    gone = tmp_path / "outbox" / "b2" / "还款协议_2026-11-22.docx"

    async def scenario() -> None:
        async with running(app):
            tracker = KeyboardTracker(engine.store.db)
            await send_reply(app.bot, chat.id, Reply("📄 已生成", files=(gone,), kind="document"), tracker)
            await send_reply(app.bot, chat.id, Reply("📄 已生成", files=(present,), kind="document"), tracker)

    asyncio.run(scenario())
    (call,) = botapi.calls_to("sendDocument")
    assert call.files["document"].filename == present.name
    assert [m.kind for m in botapi.messages_in(chat)] == ["text", "text", "document"]
    assert not present.exists() and not present.parent.exists()  # sent: the file and its folder are gone
