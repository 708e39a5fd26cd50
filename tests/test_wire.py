"""channels/tg/wire.py: a delivery's Bot API calls with JSON parameters, read as JSON — against the fake Bot API
over HTTP on 127.0.0.1 with a real python-telegram-bot ``Bot``, and through the delivery journal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from channels.tg import wire
from channels.tg.delivery import Delivery
from channels.tg.journal import DeliveryJournal, JournaledBot, delivery_request
from channels.tg.keyboards import not_modified
from flows.model import Button, Reply
from storage import open_database
from testing import FakeBotAPI

REPLY = Reply("<b>借款时间</b>：你是什么时候借出的？", buttons=(
    (Button("今年", "c|3|a|this_year"), Button("去年", "c|3|a|last_year")),
    (Button("查看法条", "", url="https://flk.npc.gov.cn/"),),
))


def test_the_keyboard_is_the_json_python_telegram_bot_would_send() -> None:
    ptb = InlineKeyboardMarkup([
        [InlineKeyboardButton("今年", callback_data="c|3|a|this_year"),
         InlineKeyboardButton("去年", callback_data="c|3|a|last_year")],
        [InlineKeyboardButton("查看法条", url="https://flk.npc.gov.cn/")],
    ])
    assert json.loads(wire.keyboard(REPLY) or "") == ptb.to_dict()
    assert wire.keyboard(Reply("没有按钮")) is None


def run_with_bot(fake: FakeBotAPI, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        request = delivery_request(trust_env=False, read_timeout=5.0)
        async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
            await scenario(bot)

    asyncio.run(main())


def test_send_edit_and_strip_reach_telegram_as_the_typed_methods_would() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)
        ids: list[int | None] = []

        async def scenario(bot: Bot) -> None:
            ids.append(await wire.send_html(bot, chat.id, REPLY.html, wire.keyboard(REPLY)))
            assert ids[0] is not None
            await wire.edit_html(bot, chat.id, ids[0], REPLY.html + "\n\n✔️ 去年")
            ids.append(await wire.send_html(bot, chat.id, "下一题", wire.keyboard(REPLY)))
            assert ids[1] is not None
            await wire.remove_keyboard(bot, chat.id, ids[1])

        run_with_bot(fake, scenario)
        first, second = (fake.message(chat, message_id) for message_id in ids if message_id is not None)
        assert first.text == "借款时间：你是什么时候借出的？\n\n✔️ 去年"
        assert first.entities and first.entities[0]["type"] == "bold"  # parsed as HTML
        assert not first.keyboard and not second.keyboard  # edit without a keyboard removes it; so does strip
        assert [b["text"] for b in second.history[0]["reply_markup"]["inline_keyboard"][0]] == ["今年", "去年"]
        sent = fake.calls_to("sendMessage")[0].params
        assert sent["link_preview_options"] == {"is_disabled": True}  # the fake API decodes JSON fields
        assert sent["parse_mode"] == "HTML"


def test_a_refusal_is_the_same_telegram_error_as_with_the_typed_methods() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario(bot: Bot) -> None:
            with pytest.raises(BadRequest):
                await wire.edit_html(bot, chat.id, 999_999, "不存在的消息")
            fake.inject("sendMessage", "403")
            with pytest.raises(Forbidden):
                await wire.send_html(bot, chat.id, "你好")

        run_with_bot(fake, scenario)


def test_journaled_calls_are_made_once_even_when_the_delivery_is_played_again(tmp_path: Path) -> None:
    journal = DeliveryJournal(open_database(tmp_path / "w.db"))
    counters = Delivery(journal.db).counters
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)
        results: list[int | None] = []

        async def deliver(bot: Bot, question: int, query_id: str) -> None:
            journaled = JournaledBot(bot, journal, 7, chat.id, alice.id, counters)
            await wire.answer_press(journaled, query_id)
            try:
                await wire.edit_html(journaled, chat.id, question, "你是什么时候借出的？\n\n✔️ 今年")
            except BadRequest as err:  # the replay's edit changes nothing; the delivery ignores that too
                assert not_modified(err)
            results.append(await wire.send_html(journaled, chat.id, "借了多少钱？"))

        async def scenario(bot: Bot) -> None:
            question = await wire.send_html(bot, chat.id, "你是什么时候借出的？", wire.keyboard(REPLY))
            assert question is not None
            update_id = fake.press(chat, alice, question, "c|3|a|this_year")
            query_id = fake.update(update_id)["callback_query"]["id"]
            await deliver(bot, question, query_id)
            await deliver(bot, question, query_id)  # a replay (a restart before the delivery was finished)

        run_with_bot(fake, scenario)
        assert len(fake.calls_to("sendMessage")) == 2  # the question, then the reply: once
        assert len(fake.calls_to("answerCallbackQuery")) == 1
        assert len(fake.calls_to("editMessageText")) == 2  # edits are repeated: harmless
        assert results[0] is not None and results == [results[0], results[0]]  # the id comes from the journal
        assert counters.skipped == 2
        assert not fake.take_violations()
