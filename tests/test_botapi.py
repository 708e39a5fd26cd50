"""Tests of the fake Bot API server, driven by a real python-telegram-bot Bot / Application."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from testing import DEFAULT_TOKEN, FakeBotAPI, HtmlParseError, parse_html, utf16_len
from testing.wiring import application_builder, running

# These tests exercise the fake itself with a bare Bot: what they send is not xiaoe's output.
pytestmark = pytest.mark.raw_bot


def _request(read_timeout: float = 5.0) -> HTTPXRequest:
    return HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0, httpx_kwargs={"trust_env": False})


@contextlib.asynccontextmanager
async def raw_bot(fake: FakeBotAPI, *, read_timeout: float = 5.0, token: str | None = None,
                  bot_class: type[Bot] = Bot, **kwargs: object) -> AsyncIterator[Bot]:
    bot = bot_class(token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
                    request=_request(read_timeout), get_updates_request=_request(read_timeout), **kwargs)
    async with bot:
        yield bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d or "?", callback_data=d) for d in data]])


# ----------------------------------------------------------------------------------- basics


def test_get_me_wrong_token_and_unknown_method(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="testing.botapi")
    wrong_token = "987654321:SomebodyElsesRealLookingTokenXYZ"
    with FakeBotAPI(bot_username="xiaoe_bot") as fake:

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                me = await bot.get_me()
                assert (me.username, me.is_bot, me.id) == ("xiaoe_bot", True, fake.bot_id)
                assert await bot.do_api_request("GETME") is not None  # method names are case-insensitive
                with pytest.raises(Exception, match="(?i)not found"):
                    await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
            with pytest.raises(InvalidToken):
                async with raw_bot(fake, token=wrong_token):
                    pass

        asyncio.run(scenario())
        assert [c.method for c in fake.calls] == ["getMe", "getMe", "getMe", "sendTelepathy"]
        assert fake.calls[-1].status == 404
        problems = fake.take_violations()
        assert [v.error_code for v in problems] == [404, 401]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "getMe" in logged
    for token in (DEFAULT_TOKEN, wrong_token):
        assert token not in logged
        assert token.split(":")[1] not in logged
        assert token.split(":")[1] not in repr(problems)


# ----------------------------------------------------------------------------------- polling


def test_polling_application_gets_texts_and_presses_in_order_and_redeliveries() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice", "alice")
        chat = fake.private_chat(alice)
        seen: list[tuple[int, str]] = []

        async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            seen.append((update.update_id, update.message.text))
            await update.message.reply_text("<b>Pick</b> one", parse_mode="HTML", reply_markup=keyboard("a", "b"))

        async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            seen.append((update.update_id, update.message.text))

        async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            seen.append((update.update_id, f"button:{query.data}"))
            await query.answer()
            await query.edit_message_text(f"You chose <i>{query.data}</i>", parse_mode="HTML")

        app = application_builder(fake).build()
        app.add_handler(CommandHandler("start", on_start))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
        app.add_handler(CallbackQueryHandler(on_button))

        async def scenario() -> list[int]:
            async with running(app):
                ids = [fake.send_text(chat, alice, "/start"), fake.send_text(chat, alice, "你好")]
                [sent] = await fake.wait_for_calls_async("sendMessage", ok=True)
                ids.append(fake.press(chat, alice, sent.result["message_id"], "b"))
                await fake.wait_for_calls_async("editMessageText", ok=True)
                await fake.wait_until_confirmed_async(ids[-1])
                fake.redeliver(ids[1])  # as if the bot had crashed before acknowledging it
                await fake.wait_for_async(lambda: len(seen) == 4)
            return ids

        ids = asyncio.run(scenario())
        assert seen == [(ids[0], "/start"), (ids[1], "你好"), (ids[2], "button:b"), (ids[1], "你好")]
        [message] = fake.messages_in(chat)
        assert message.text == "You chose b"
        assert message.entities == [{"type": "italic", "offset": 10, "length": 1}]
        assert message.keyboard == []  # editMessageText without reply_markup removes the keyboard
        assert message.history[0]["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "b"
        assert fake.callback_answer(ids[2]) == {}
        fake.assert_no_violations()


def test_polling_survives_a_failing_get_updates() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)
        got: list[str] = []

        async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            got.append(update.message.text)

        app = application_builder(fake).build()
        app.add_handler(MessageHandler(filters.TEXT, on_text))

        async def scenario() -> None:
            async with running(app):
                fake.inject("getUpdates", "500")
                fake.send_text(chat, alice, "still there?")
                await fake.wait_for_async(lambda: got, timeout=5)

        asyncio.run(scenario())
        assert got == ["still there?"]
        assert fake.fault_counts["500"] == 1
        fake.assert_no_violations()


def test_offsets_limits_long_poll_and_redeliver() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                ids = [fake.send_text(chat, alice, f"m{i}") for i in range(3)]
                assert [u.update_id for u in await bot.get_updates()] == ids
                assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed yet
                assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
                assert await bot.get_updates(offset=ids[-1] + 1) == ()
                assert fake.pending_updates() == []

                fake.redeliver(ids[0])
                again = await bot.get_updates(offset=ids[-1] + 1)
                assert [(u.update_id, u.message.text) for u in again] == [(ids[0], "m0")]
                assert await bot.get_updates(offset=ids[0] + 1) == ()

                more = [fake.send_text(chat, alice, f"n{i}") for i in range(3)]
                assert [u.update_id for u in await bot.get_updates(limit=2)] == more[:2]
                assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]

                loop = asyncio.get_running_loop()
                loop.call_later(0.3, fake.send_text, chat, alice, "late")
                started = time.monotonic()
                late = await bot.get_updates(offset=more[-1] + 1, timeout=5)
                assert [u.message.text for u in late] == ["late"]
                assert 0.2 < time.monotonic() - started < 2.0  # answered as soon as the update came

                started = time.monotonic()
                assert await bot.get_updates(offset=late[-1].update_id + 1, timeout=1) == ()
                assert 0.9 < time.monotonic() - started < 2.5

        asyncio.run(scenario())
        fake.assert_no_violations()


def test_overlapping_get_updates_conflict() -> None:
    with FakeBotAPI() as fake:

        async def scenario() -> None:
            async with raw_bot(fake) as first, raw_bot(fake) as second:
                waiting = asyncio.create_task(first.get_updates(timeout=3))
                await asyncio.sleep(0.2)
                assert await second.get_updates() == ()
                with pytest.raises(Conflict, match="(?i)terminated by other getupdates request"):
                    await waiting

        asyncio.run(scenario())
        [violation] = fake.take_violations()
        assert violation.error_code == 409


# ----------------------------------------------------------------------------------- rules


def test_rule_breaches_are_rejected_and_recorded() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                await bot.send_message(chat.id, "x" * 4096)
                await bot.send_message(chat.id, "😀" * 2048)  # 4096 UTF-16 code units
                with pytest.raises(BadRequest, match="(?i)^message is too long$"):
                    await bot.send_message(chat.id, "x" * 4097)
                with pytest.raises(BadRequest, match="(?i)message is too long"):
                    await bot.send_message(chat.id, "😀" * 2049)  # only 2049 code points
                await bot.send_message(chat.id, f"<b>{'x' * 4000}</b>", parse_mode="HTML")  # length after parsing

                with pytest.raises(BadRequest, match="(?i)can't find end tag corresponding to start tag \"b\""):
                    await bot.send_message(chat.id, "<b>x", parse_mode="HTML")
                with pytest.raises(BadRequest, match="(?i)can't parse entities: unescaped \"&\""):
                    await bot.send_message(chat.id, "a & b", parse_mode="HTML")
                with pytest.raises(BadRequest, match="(?i)unsupported start tag \"\" at byte offset 2"):
                    await bot.send_message(chat.id, "a < b", parse_mode="HTML")
                await bot.send_message(chat.id, "a &amp; b &lt; c", parse_mode="HTML")

                await bot.send_message(chat.id, "ok", reply_markup=keyboard("x" * 64))
                with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                    await bot.send_message(chat.id, "bad", reply_markup=keyboard("x" * 65))
                with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                    await bot.send_message(chat.id, "bad", reply_markup=keyboard("欠" * 22))  # 66 bytes
                with pytest.raises(BadRequest, match="(?i)text buttons are unallowed"):
                    await bot.send_message(chat.id, "bad", reply_markup=InlineKeyboardMarkup(
                        [[InlineKeyboardButton("no action")]]))

                sent = await bot.send_message(chat.id, "pick", reply_markup=keyboard("p"))
                fake.press(chat, alice, sent.message_id, "p")
                [update] = await bot.get_updates()
                assert await update.callback_query.answer()
                with pytest.raises(BadRequest, match="(?i)query is too old"):
                    await update.callback_query.answer()
                with pytest.raises(BadRequest, match="(?i)query is too old"):
                    await bot.answer_callback_query("123456")

                with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                    await bot.edit_message_text("new", chat_id=chat.id, message_id=999)
                with pytest.raises(BadRequest, match="(?i)chat not found"):
                    await bot.send_message(-42, "anyone?")
                with pytest.raises(BadRequest, match="(?i)message caption is too long"):
                    await bot.send_document(chat.id, b"data", filename="a.txt", caption="c" * 1025)

        asyncio.run(scenario())
        with pytest.raises(AssertionError, match="message is too long"):
            fake.assert_no_violations()
        details = [v.description.removeprefix("Bad Request: ") for v in fake.take_violations()]
        assert details == [
            "message is too long", "message is too long",
            "can't parse entities: Can't find end tag corresponding to start tag \"b\"",
            "can't parse entities: Unescaped \"&\" at byte offset 2; write it as \"&amp;\"",
            "can't parse entities: Unsupported start tag \"\" at byte offset 2",
            "BUTTON_DATA_INVALID", "BUTTON_DATA_INVALID",
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            "query is too old and response timeout expired or query ID is invalid",
            "query is too old and response timeout expired or query ID is invalid",
            "message to edit not found", "chat not found", "message caption is too long",
        ]
        fake.assert_no_violations()


def test_not_modified_is_allowed_and_unanswered_queries_are_not() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                sent = await bot.send_message(chat.id, "<b>same</b>", parse_mode="HTML",
                                              reply_markup=keyboard("k"))
                with pytest.raises(BadRequest, match="(?i)message is not modified"):
                    await sent.edit_text("<b>same</b>", parse_mode="HTML", reply_markup=keyboard("k"))
                await sent.edit_text("same", reply_markup=keyboard("k"))  # entities differ: modified
                await sent.edit_reply_markup(None)
                with pytest.raises(BadRequest, match="(?i)message is not modified"):
                    await sent.edit_reply_markup(None)
                with pytest.raises(BadRequest, match="(?i)message can't be edited"):
                    await bot.edit_message_text("mine now", chat_id=chat.id, message_id=user_message_id)

        user_update = fake.send_text(chat, alice, "my own words")
        user_message_id = fake.update(user_update)["message"]["message_id"]
        asyncio.run(scenario())
        assert len(fake.not_modified) == 2
        [violation] = fake.take_violations()
        assert "can't be edited" in violation.description
        fake.assert_no_violations()

        bot_message = fake.messages_in(chat)[0]
        assert (bot_message.text, bot_message.entities, bot_message.keyboard) == ("same", [], [])
        fake.press(chat, alice, bot_message.message_id, "k", force=True)  # a stale button
        with pytest.raises(AssertionError, match="never answered"):
            fake.assert_no_violations(grace=0.1)
        fake.assert_no_violations(allow_unanswered=True)


# ----------------------------------------------------------------------------------- faults


def test_injected_faults_reach_ptb_as_the_right_exceptions() -> None:
    with FakeBotAPI() as fake:
        alice, bob = fake.user("Alice"), fake.user("Bob")
        chat, other = fake.private_chat(alice), fake.private_chat(bob)

        async def scenario() -> None:
            async with raw_bot(fake, read_timeout=0.5) as bot:
                fake.inject("sendMessage", "429", retry_after=3)
                with pytest.raises(RetryAfter) as flood:
                    await bot.send_message(chat.id, "hi")
                assert flood.value.retry_after == timedelta(seconds=3)  # PTB_TIMEDELTA (tests/conftest.py)

                fake.inject("sendMessage", "500")
                with pytest.raises(NetworkError, match="Internal Server Error") as caught:
                    await bot.send_message(chat.id, "hi")
                assert not isinstance(caught.value, BadRequest | TimedOut)

                fake.inject("sendMessage", "slow", delay=1.0)
                with pytest.raises(TimedOut):
                    await bot.send_message(chat.id, "slow but delivered")
                # The server still carried out the request: a blind retry would send it twice.
                await fake.wait_for_async(lambda: "slow but delivered" in fake.texts_in(chat), timeout=3)

                fake.inject("sendMessage", "timeout")
                with pytest.raises(TimedOut):
                    await bot.send_message(chat.id, "never answered")

                fake.inject("sendMessage", "drop")
                with pytest.raises(NetworkError, match="RemoteProtocolError") as dropped:
                    await bot.send_message(chat.id, "dropped")
                assert not isinstance(dropped.value, TimedOut)

                fake.inject("*", "403", chat_id=chat.id)
                assert await bot.send_message(other.id, "other chats are fine")
                with pytest.raises(Forbidden, match="bot was blocked by the user"):
                    await bot.send_chat_action(chat.id, "typing")

                fake.block_chat(chat)
                with pytest.raises(Forbidden, match="bot was blocked by the user"):
                    await bot.send_message(chat.id, "hello?")
                fake.send_text(chat, alice, "I am back")  # writing to the bot unblocks it
                assert await bot.send_message(chat.id, "welcome back")

        asyncio.run(scenario())
        # The hung "timeout" call is recorded when its handler thread notices the client left (polled every
        # 20 ms): under load (parallel workers) that can come after the scenario, so wait for it.
        fake.wait_for(lambda: sum(c.fault == "timeout" for c in fake.calls_to("sendMessage")), timeout=5)
        assert dict(fake.fault_counts) == {"429": 1, "500": 1, "slow": 1, "timeout": 1, "drop": 1, "403": 1}
        unanswered = sorted((c for c in fake.calls_to("sendMessage") if c.status is None), key=lambda c: c.seq)
        assert [c.fault for c in unanswered] == ["timeout", "drop"]
        assert fake.texts_in(chat) == ["slow but delivered", "welcome back"]
        fake.assert_no_violations()


def test_a_request_cut_off_mid_body_is_not_carried_out() -> None:
    """A client killed while sending (SIGKILL mid-request) leaves half a request: Telegram ignores it."""
    import socket

    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)
        body = f"chat_id={chat.id}&text=half".encode()
        with socket.create_connection(("127.0.0.1", fake.port)) as sock:
            sock.sendall(f"POST /bot{fake.token}/sendMessage HTTP/1.1\r\nHost: x\r\n"
                         f"Content-Type: application/x-www-form-urlencoded\r\n"
                         f"Content-Length: {len(body) + 40}\r\n\r\n".encode() + body)
        fake.wait_for(lambda: fake.incomplete_requests)
        assert [method for method, _ in fake.incomplete_requests] == ["sendMessage"]
        assert fake.calls == [] and fake.texts_in(chat) == []
        fake.assert_no_violations()


def test_rate_limiter_retries_after_429() -> None:
    with FakeBotAPI() as fake:
        chat = fake.private_chat(fake.user("Alice"))

        async def scenario() -> None:
            async with raw_bot(fake, bot_class=ExtBot, rate_limiter=AIORateLimiter(max_retries=2)) as bot:
                fake.inject("sendMessage", "429", retry_after=1)
                started = time.monotonic()
                await bot.send_message(chat.id, "eventually")
                assert time.monotonic() - started >= 1.0

        asyncio.run(scenario())
        assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]
        fake.assert_no_violations()


def test_rate_report_and_strict_mode() -> None:
    with FakeBotAPI() as fake:
        group = fake.group("Debtors' club", members=[fake.user("Alice")])

        async def flood(target: FakeBotAPI) -> None:
            async with raw_bot(target) as bot:
                for i in range(21):
                    await bot.send_message(group.id, f"spam {i}")

        asyncio.run(flood(fake))
        report = fake.rate_report()
        assert report.total_sends == 21 and report.max_per_group_per_minute == {group.id: 21}
        with pytest.raises(AssertionError, match="21 sends to group"):
            fake.assert_within_rate_limits()

    with FakeBotAPI(strict_rate_limits=True) as strict:
        group = strict.group("Debtors' club", chat_id=group.id)
        with pytest.raises(RetryAfter):
            asyncio.run(flood(strict))
        assert [c.status for c in strict.calls_to("sendMessage")][-2:] == [200, 429]
        [violation] = strict.take_violations()
        assert violation.error_code == 429


# ----------------------------------------------------------------------------------- files, webhook


def test_send_document_records_bytes_and_can_be_downloaded() -> None:
    payload = bytes(range(256)) + "欠条\r\n".encode()
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> bytes:
            async with raw_bot(fake) as bot:
                sent = await bot.send_document(chat.id, payload, filename="欠条 \"v2\".docx", caption="<b>请查收</b>",
                                               parse_mode="HTML")
                assert sent.document.file_name == "欠条 \"v2\".docx" and sent.caption == "请查收"
                fake.send_document(chat, alice, "reply.pdf", b"%PDF-1.7 from user")
                [update] = await bot.get_updates()
                user_file = await update.message.document.get_file()
                assert bytes(await user_file.download_as_bytearray()) == b"%PDF-1.7 from user"
                own = await bot.get_file(sent.document.file_id)
                return bytes(await own.download_as_bytearray())

        assert asyncio.run(scenario()) == payload
        [call] = fake.calls_to("sendDocument")
        upload = call.files["document"]
        assert (upload.filename, upload.content) == ("欠条 \"v2\".docx", payload)
        [stored] = fake.uploads()
        assert stored.content == payload and stored.file_name == "欠条 \"v2\".docx"
        [message] = fake.messages_in(chat)
        assert message.kind == "document" and message.caption_entities == [
            {"type": "bold", "offset": 0, "length": 3}]
        fake.assert_no_violations()


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str | None, dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_webhook_mode_conflicts_with_polling_and_delivers_with_secret() -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/telegram"
    _Receiver.received = []
    try:
        with FakeBotAPI() as fake:
            alice = fake.user("Alice")
            chat = fake.private_chat(alice)

            async def scenario() -> None:
                async with raw_bot(fake) as bot:
                    with pytest.raises(BadRequest, match="(?i)https url must be provided"):
                        await bot.set_webhook("http://example.com/hook")
                    assert await bot.set_webhook("https://example.com/hook", secret_token="s3cret")
                    with pytest.raises(Conflict, match="(?i)can't use getupdates method while webhook is active"):
                        await bot.get_updates()
                    info = await bot.get_webhook_info()
                    assert (info.url, info.pending_update_count) == ("https://example.com/hook", 0)

                    first = fake.send_text(chat, alice, "/start")
                    assert (await bot.get_webhook_info()).pending_update_count == 1
                    assert await fake.post_update_to_webhook_async(hook, first, secret="other") == (200, b"")
                    assert fake.deliver_pending_to_webhook(hook) == [200]
                    assert (await bot.get_webhook_info()).pending_update_count == 0

                    assert await bot.delete_webhook()
                    second = fake.send_text(chat, alice, "polling again")
                    assert [u.update_id for u in await bot.get_updates()] == [second]

            asyncio.run(scenario())
            assert fake.webhook["secret_token"] is None
            [conflict, insecure] = sorted(fake.take_violations(), key=lambda v: v.error_code, reverse=True)
            assert (conflict.error_code, insecure.error_code) == (409, 400)
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert [(secret, update["message"]["text"]) for secret, update in _Receiver.received] == [
        ("other", "/start"), ("s3cret", "/start")]


# ----------------------------------------------------------------------------------- world


def test_world_updates_parse_in_ptb_and_privacy_mode() -> None:
    with FakeBotAPI() as fake:
        alice, bob = fake.user("Alice", "alice"), fake.user("Bob")
        private = fake.private_chat(alice)
        group = fake.group("借款群", members=[alice, bob], bot_status="left")
        fake.set_member_status(group, alice, "creator")
        fake.set_member_status(group, bob, "administrator")

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                with pytest.raises(Forbidden, match="not a member"):
                    await bot.send_message(group.id, "hello?")
                added = fake.bot_added_to_group(group, alice)
                fake.send_text(group, bob, "chit-chat the bot must not see")
                command = fake.send_text(group, bob, "/help@xiaoe_test_bot please")
                mention = fake.send_text(group, bob, "hey @xiaoe_test_bot")
                edited = fake.edit_text(group, bob, fake.update(command)["message"]["message_id"], "/help")
                media = [fake.send_photo(private, alice, caption="收据"), fake.send_sticker(private, alice),
                         fake.send_voice(private, alice), fake.send_document(private, alice, "合同.pdf")]
                removed = fake.bot_removed_from_group(group, alice)

                updates = {u.update_id: u for u in await bot.get_updates()}
                assert updates[added].my_chat_member.new_chat_member.status == "member"
                assert updates[added + 1].message.new_chat_members[0].id == fake.bot_id
                assert updates[command].message.text == "/help@xiaoe_test_bot please"
                assert updates[command].message.entities[0].type == "bot_command"
                assert updates[command].message.entities[0].length == len("/help@xiaoe_test_bot")
                assert updates[mention].message.entities[0].type == "mention"
                assert updates[edited].edited_message.text == "/help"
                assert updates[media[0]].message.photo[-1].width == 1280
                assert updates[media[0]].message.caption == "收据"
                assert updates[media[1]].message.sticker.emoji == "👍"
                assert updates[media[2]].message.voice.mime_type == "audio/ogg"
                assert updates[media[3]].message.document.file_name == "合同.pdf"
                assert updates[removed].my_chat_member.new_chat_member.status == "kicked"
                assert len(updates) == 10 and len(fake.dropped_updates) == 1

                owner = await bot.get_chat_member(group.id, alice.id)
                admin = await bot.get_chat_member(group.id, bob.id)
                assert (owner.status, admin.status) == ("creator", "administrator")
                stranger = fake.user("Carol")
                assert (await bot.get_chat_member(group.id, stranger.id)).status == "left"
                info = await bot.get_chat(group.id)
                assert (info.title, info.type) == ("借款群", "group")
                with pytest.raises(Forbidden, match="kicked from the group chat"):
                    await bot.send_message(group.id, "bye")
                with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
                    await bot.send_chat_action(private.id, "dancing")

                new = fake.private_chat(fake.user("Dave"), started=False)
                with pytest.raises(Forbidden, match="can't initiate conversation"):
                    await bot.send_message(new.id, "hi stranger")

        asyncio.run(scenario())
        assert len(fake.take_violations()) == 1  # the invalid chat action
        fake.assert_no_violations()


def test_privacy_records_of_group_outputs_and_private_inputs() -> None:
    seen: list[tuple[str, dict]] = []
    with FakeBotAPI(observers=[lambda kind, record: seen.append((kind, record))]) as fake:
        alice = fake.user("Alice", "alice")
        private = fake.private_chat(alice)
        group = fake.group("借款群", members=[alice])

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                fake.send_text(private, alice, "我欠了三千")
                fake.send_photo(private, alice, caption="借条照片")
                fake.send_text(group, alice, "/faq 群里的话")  # said in a group: not a private input
                keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("私聊", url="https://t.me/b?start=g_x"),
                                                  InlineKeyboardButton("按钮", callback_data="d")]])
                sent = await bot.send_message(group.id, "<b>你好</b>", parse_mode="HTML", reply_markup=keyboard)
                pressed = fake.press(group, alice, sent.message_id, "d")
                query = next(u for u in await bot.get_updates() if u.update_id == pressed).callback_query
                await query.answer("这是其他成员的操作", show_alert=True)
                await bot.edit_message_text("改过了", chat_id=group.id, message_id=sent.message_id)
                await bot.send_message(private.id, "私聊里的回答")  # not a group output
                joined = fake.member_joined(group, fake.user("Bob"))
                update = next(u for u in await bot.get_updates(offset=joined) if u.update_id == joined)
                assert [m.first_name for m in update.message.new_chat_members] == ["Bob"]

        asyncio.run(scenario())
    outputs = [r for kind, r in seen if kind == "group_output"]
    assert [(r["method"], r["text"]) for r in outputs] == [
        ("sendMessage", "你好"), ("answerCallbackQuery", "这是其他成员的操作"), ("editMessageText", "改过了")]
    assert outputs[0]["buttons"] == ["私聊", "按钮"] and outputs[0]["urls"] == ["https://t.me/b?start=g_x"]
    inputs = [r for kind, r in seen if kind == "private_input"]
    assert [r["text"] for r in inputs] == ["我欠了三千", "借条照片"] and inputs[0]["names"] == ["Alice", "alice"]
    assert fake.group_outputs == outputs and fake.private_inputs == inputs


def test_commands_per_scope_and_language() -> None:
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    with FakeBotAPI() as fake:

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                assert await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
                assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
                assert await bot.set_my_commands([BotCommand("status", "进度")],
                                                 scope=BotCommandScopeAllGroupChats())
                assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
                assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
                assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())] == [
                    "status"]
                with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
                    await bot.set_my_commands([BotCommand("Start", "uppercase is not allowed")])

        asyncio.run(scenario())
        assert fake.commands(language_code="en") == [{"command": "start", "description": "Start"}]
        assert len(fake.take_violations()) == 1


# ----------------------------------------------------------------------------------- HTML parser


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>bold</b> <i>it</i>", "bold it",
         [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 5, "length": 2}]),
        ("😀<u>x</u>", "😀x", [{"type": "underline", "offset": 2, "length": 1}]),
        ("<a href=\"https://example.com/?a=1&amp;b=2\">link</a>", "link",
         [{"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/?a=1&b=2"}]),
        ("<pre><code class=\"language-python\">x = 1</code></pre>", "x = 1",
         [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]),
        ("<span class=\"tg-spoiler\">s</span><tg-spoiler>t</tg-spoiler>", "st",
         [{"type": "spoiler", "offset": 0, "length": 1}, {"type": "spoiler", "offset": 1, "length": 1}]),
        ("<blockquote expandable>q</blockquote>", "q", [{"type": "expandable_blockquote", "offset": 0, "length": 1}]),
        ("&#20320;&#x597D; &quot;&gt;&lt;&amp;", "你好 \"><&", []),
        ("  <b> padded </b>  ", "padded", [{"type": "bold", "offset": 0, "length": 6}]),
        ("<B>upper</B> a > b", "upper a > b", [{"type": "bold", "offset": 0, "length": 5}]),
    ],
)
def test_parse_html_accepts_telegram_html(source: str, text: str, entities: list[dict]) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>x", "Can't find end tag corresponding to start tag \"b\""),
        ("<br>", "Unsupported start tag \"br\" at byte offset 0"),
        ("你<div>x</div>", "Unsupported start tag \"div\" at byte offset 3"),
        ("<b>x</i>", "Unmatched end tag at byte offset 4, expected \"</b>\", found \"</i>\""),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"),
        ("a &nbsp; b", "Unescaped \"&\" at byte offset 2; write it as \"&amp;\""),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(source: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(source)
    assert str(caught.value) == error


def test_parse_html_lenient_ampersand_like_the_real_server() -> None:
    assert parse_html("a & b &nbsp;", strict_ampersand=False) == ("a & b &nbsp;", [])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_escaped_text_round_trips(text: str) -> None:
    plain, entities = parse_html(html.escape(text, quote=False))
    assert (plain, entities) == (text.strip(), [])
    assert utf16_len(plain) == len(plain.encode("utf-16-le")) // 2


def test_delete_message_rules() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        group = fake.group("群", members=[alice])

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                mine = await bot.send_message(group.id, "/status@xiaoe_test_bot")
                theirs = fake.update(fake.send_text(group, alice, "/status"))["message"]["message_id"]
                assert await mine.delete()
                with pytest.raises(BadRequest, match="(?i)message to delete not found"):
                    await mine.delete()
                with pytest.raises(BadRequest, match="(?i)message can't be deleted"):
                    await bot.delete_message(group.id, theirs)
                fake.set_member_status(group, fake.bot_id, "administrator")
                assert await bot.delete_message(group.id, theirs)

        asyncio.run(scenario())
        assert fake.messages_in(group) == []
        assert [m.text for m in fake.messages_in(group, include_users=True)] == []
        assert len(fake.take_violations()) == 2


def test_allowed_updates_are_remembered_like_telegram_does() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> None:
            async with raw_bot(fake) as bot:
                sent = await bot.send_message(chat.id, "pick", reply_markup=keyboard("x"))
                assert await bot.get_updates(allowed_updates=["message"]) == ()
                fake.press(chat, alice, sent.message_id, "x")  # never created for this bot
                text = fake.send_text(chat, alice, "hi")
                assert [u.update_id for u in await bot.get_updates()] == [text]  # setting persists
                await bot.get_updates(offset=text + 1, allowed_updates=[])  # [] means the default set
                press = fake.press(chat, alice, sent.message_id, "x")
                [update] = await bot.get_updates(offset=text + 1)
                assert update.update_id == press
                await update.callback_query.answer()

        asyncio.run(scenario())
        assert [reason for _, reason in fake.dropped_updates] == ["callback_query not in allowed_updates"]
        fake.assert_no_violations()


def test_sync_waits_with_the_bot_in_another_thread() -> None:
    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await update.message.reply_text(update.message.text.upper())

        app = application_builder(fake).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        stop = threading.Event()

        async def serve() -> None:
            async with running(app):
                await asyncio.get_running_loop().run_in_executor(None, stop.wait)

        thread = threading.Thread(target=asyncio.run, args=(serve(),))
        thread.start()
        try:
            fake.send_text(chat, alice, "hello")
            [call] = fake.wait_for_calls("sendMessage", chat_id=chat.id, ok=True)
            assert call.params["text"] == "HELLO" and call.result["text"] == "HELLO"
            assert fake.wait_for(lambda: fake.texts_in(chat)) == ["HELLO"]
            with pytest.raises(AssertionError, match="waited 0.2s for 2 sendMessage"):
                fake.wait_for_calls("sendMessage", 2, timeout=0.2)
        finally:
            stop.set()
            thread.join(10)
        assert not thread.is_alive()
        fake.assert_no_violations()
