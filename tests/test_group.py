"""Group mode end to end: xiaoe in a group with several members at once, against the fake Bot API.

FAQ answers, the deep-link hand-over to a private consultation, foreign button presses, admin settings,
throttling, joining and leaving. Every message the bot shows in any group of the whole suite is checked
against every fact members gave in private by the session-wide leak scan (tests/leakscan.py, wired in
tests/conftest.py); ``test_the_leak_scan_sees_this_suite`` shows it is live here.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application

from assembly import Engine
from channels.tg import group as group_channel
from channels.tg.app import ALLOWED_UPDATES, build_application, direct_request
from channels.tg.menus import GROUP_ADMIN_COMMANDS, GROUP_COMMANDS
from desks import group as desk
from flows.faq import load_faq, match_topics
from flows.model import Inbound, InboundKind
from flows.spec import load_registry
from flows.throttle import GROUP_BUDGET, NOTICE_CEILING, TELEGRAM_GROUP_LIMIT
from storage import SessionStore, open_database
from storage.groups import LINK_TTL_SECONDS, MAX_PAYLOAD
from testing import FakeBotAPI, Message, User
from testing import fixtures as botapi_fixtures
from testing.wiring import application_builder, running
from tests.conftest import TODAY
from tests.leakscan import LEDGER

botapi = botapi_fixtures.botapi
BOT = "xiaoe_test_bot"
ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories")
MEMBER_RIGHTS = ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
                 "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
                 "can_add_web_page_previews", "can_change_info", "can_invite_users", "can_pin_messages",
                 "can_manage_topics", "can_edit_tag", "can_react_to_messages")
TOKEN_RE = re.compile(rf"^https://t\.me/{BOT}\?start=(g_[A-Za-z0-9_-]{{22}})$")


class Clock:
    """The group desk's clock: seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class World:
    """One bot (real PTB Application over the engine) and the people around it."""

    def __init__(self, fake: FakeBotAPI, tmp_path: Path) -> None:
        self.fake = fake
        self.clock = Clock()
        self.engine = Engine(SessionStore(open_database(tmp_path / "xiaoe.db")), clock=lambda: TODAY,
                             group_clock=self.clock)
        builder = application_builder(fake, requests=direct_request)
        self.app: Application = build_application(self.engine, builder=builder)
        self.db = self.engine.store.db

    def delivered(self, update_id: int) -> bool:
        seen = self.engine.store.processed(update_id)
        return bool(seen and seen["delivered"])

    async def done(self, update_id: int | None) -> int | None:
        """Wait until the bot handled the update (None: the bot never receives it)."""
        if update_id is not None:
            await self.fake.wait_for_async(lambda: self.delivered(update_id), timeout=5)
        return update_id

    def bot_messages(self, chat: object) -> list[Message]:
        return self.fake.messages_in(chat)


class Member:
    """A member of ``group``, who may also talk to the bot in private."""

    def __init__(self, world: World, group: object, name: str) -> None:
        self.world, self.fake, self.group = world, world.fake, group
        self.user: User = world.fake.user(name)
        self.private = world.fake.private_chat(self.user, started=False)  # has never opened the bot yet
        world.fake.set_member_status(group, self.user, "member")

    async def say(self, text: str, *, reply_to: int | None = None) -> list[Message]:
        """Write in the group; returns the bot's new messages there."""
        before = {m.message_id for m in self.world.bot_messages(self.group)}
        await self.world.done(self.fake.send_text(self.group, self.user, text, reply_to=reply_to))
        return [m for m in self.world.bot_messages(self.group) if m.message_id not in before]

    async def press(self, message: Message, label_part: str) -> int:
        """Press a button on a bot message in the group; returns the update id."""
        current = self.fake.message(self.group, message.message_id)
        data = next(b["callback_data"] for b in current.buttons if label_part in b["text"] and "callback_data" in b)
        return await self.world.done(self.fake.press(self.group, self.user, message.message_id, data))

    async def tell(self, text: str) -> list[str]:
        """Write to the bot in private; returns the texts of the bot's new private messages."""
        before = {m.message_id for m in self.world.bot_messages(self.private)}
        await self.world.done(self.fake.send_text(self.private, self.user, text))
        return [m.text or "" for m in self.world.bot_messages(self.private) if m.message_id not in before]

    async def press_private(self, label_part: str) -> list[str]:
        for message in reversed(self.world.bot_messages(self.private)):
            for b in message.buttons:
                if label_part in b["text"] and "callback_data" in b:
                    before = {m.message_id for m in self.world.bot_messages(self.private)}
                    await self.world.done(self.fake.press(self.private, self.user, message.message_id,
                                                          b["callback_data"]))
                    return [m.text or "" for m in self.world.bot_messages(self.private)
                            if m.message_id not in before]
        raise AssertionError(f"no private button {label_part!r}")

    @property
    def private_text(self) -> str:
        return "\n".join(m.text or "" for m in self.world.bot_messages(self.private))

    def state(self) -> str:
        session = self.world.engine.store.current(self.private.id, self.user.id)
        return session.state if session else ""


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def link_of(message: Message) -> str:
    [url] = [b["url"] for b in message.buttons if "url" in b]
    return url


def token_of(message: Message) -> str:
    match = TOKEN_RE.match(link_of(message))
    assert match, link_of(message)
    return match.group(1)


def group_text(world: World, group: object) -> str:
    """Everything the bot ever showed in the group: every version of every message, labels and links."""
    parts = []
    for message in world.bot_messages(group):
        for version in [*message.history, {"text": message.text, "reply_markup": message.reply_markup}]:
            parts.append(version.get("text") or "")
            for row in (version.get("reply_markup") or {}).get("inline_keyboard", []):
                parts += [b.get("text", "") + " " + b.get("url", "") for b in row]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ FAQ


def test_faq_menu_answers_and_wording_for_several_members_at_once(botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("债务互助群")
    alice, bob, carol = (Member(world, group, n) for n in ("Alice", "Bob", "Carol"))

    async def scenario() -> None:
        async with running(world.app):
            [menu] = await alice.say(f"/faq@{BOT}")
            assert [b for b in menu.button_texts] == [t.label for t in load_faq()]
            assert all(d.startswith(f"g|{alice.user.id}|t|") for d in menu.callback_data)
            [answer] = await bob.say("/faq 老赖")
            assert answer.text.startswith("📚 失信名单") and "败诉本身不会上失信名单" in answer.text
            assert "《失信规定》第一条" in answer.text and "12348" in answer.text and "不构成法律意见" in answer.text
            assert answer.button_texts == ["💬 私聊详细咨询", "📚 其他话题"]
            [mention] = await carol.say(f"@{BOT} 限高了还能坐高铁吗？")
            assert mention.text.startswith("📚 限制消费") and "《限制消费规定》第三条" in mention.text
            # Alice picks a topic on her own menu: the menu itself turns into the answer.
            await alice.press(menu, "征信")
            now = botapi.message(group, menu.message_id)
            assert now.text.startswith("📚 征信") and "《征信业管理条例》第十六条" in now.text
            assert now.button_texts == ["💬 私聊详细咨询", "📚 其他话题"]
            # Bob goes back to the topic list from his answer, then picks another topic.
            await bob.press(answer, "其他话题")
            assert botapi.message(group, answer.message_id).button_texts == [t.label for t in load_faq()]
            await bob.press(answer, "诉讼时效")
            assert "《民法典》第一百八十八条" in botapi.message(group, answer.message_id).text
            # A reply to the bot's message counts as talking to it; two topics named → a short menu.
            [choice] = await carol.say("被强制执行了会上失信吗", reply_to=mention.message_id)
            assert choice.button_texts == ["失信名单", "强制执行"] and "哪一个" in choice.text
            # Unknown words: the menu, without echoing them.
            [unknown] = await alice.say("/faq 我那笔三万块的事")
            assert "没有找到" in unknown.text and "三万" not in group_text(world, group)
            # Other talk in the group never reaches the bot (privacy mode) and gets no answer.
            before = len(world.bot_messages(group))
            assert botapi.send_text(group, bob.user, "今天谁去吃饭？说到失信名单……") is None
            assert len(world.bot_messages(group)) == before

    run(scenario)
    assert botapi.unanswered_callback_queries() == []
    assert not any(c.params.get("show_alert") for c in botapi.calls_to("answerCallbackQuery"))


def test_topic_matching_tolerates_common_wording() -> None:
    assert match_topics("失信名单是什么") == ["dishonest"]
    assert match_topics("老赖会怎么样") == match_topics("上了黑名单") == ["dishonest"]
    assert match_topics("限高") == match_topics("被限制高消费了") == ["consumption"]
    assert match_topics("借条过了三年还能要吗，时效怎么算") == ["limitation"]
    assert match_topics("失信被执行人") == ["dishonest"]  # "执行" inside it names no second topic
    assert match_topics("执行时效") == ["enforcement"]  # "时效" inside "执行时效" is not 诉讼时效
    assert match_topics("申请执行和诉讼时效") == ["limitation", "enforcement"]  # two topics: a short menu
    assert match_topics("今天天气不错") == []
    ids = [t.id for t in load_faq()]
    assert set(ids) <= {o.value for o in load_registry().node("topics.topic").options}  # same quick topics
    words = [name for t in load_faq() for name in t.names]
    assert len(words) == len(set(words)), "a word names two topics in flows/faq.yaml"


# ----------------------------------------------------------------------------------- foreign presses


def test_a_foreign_button_press_gets_an_alert_and_changes_nothing(botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("邻里群")
    alice, bob = Member(world, group, "Alice"), Member(world, group, "Bob")

    async def scenario() -> None:
        async with running(world.app):
            [menu] = await alice.say("/faq")
            pressed = await bob.press(menu, "支付令")
            answer = botapi.callback_answer(pressed)
            assert answer["show_alert"] is True and "这是其他成员的操作" in answer["text"]
            unchanged = botapi.message(group, menu.message_id)
            assert unchanged.history == [] and unchanged.text == menu.text
            assert unchanged.reply_markup == menu.reply_markup
            # Alice's own press still works afterwards.
            await alice.press(menu, "支付令")
            assert botapi.message(group, menu.message_id).text.startswith("📚 支付令")

    run(scenario)


# ------------------------------------------------------------------------------------- hand-over


def test_deep_link_hands_over_to_private_chats_and_two_consultations_stay_apart(
        botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("欠薪维权群")
    alice, bob = Member(world, group, "Alice"), Member(world, group, "Bob")
    alice_answers = ["1", "个人借款", "不知道", "1", "八千八百", "1,2", "2023年3月3日", "2025年1月", "1", "是", "浙江",
                     "确认"]
    bob_answers = ["2", "信用卡", "4.7万", "2024年2月14日", "我收到传票了", "不知道", "不知道", "能分期", "是", "确认"]

    async def scenario() -> None:
        async with running(world.app):
            [alice_link] = await alice.say(f"/start@{BOT}")
            [bob_link] = await bob.say("/start")
            assert "私聊" in alice_link.text and alice_link.button_texts == ["💬 私聊咨询"]
            a_token, b_token = token_of(alice_link), token_of(bob_link)
            assert a_token != b_token and len(a_token) <= MAX_PAYLOAD
            # Opaque: nothing about the member in the token or in its row.
            assert str(alice.user.id) not in a_token and "alice" not in a_token.lower()
            row = world.db["group_links"].get(a_token)
            assert set(row) == {"token", "chat_id", "topic", "created_at", "expires_at"}
            assert row["chat_id"] == group.id and row["topic"] is None
            assert row["expires_at"] - row["created_at"] == LINK_TTL_SECONDS

            # Both open the private chat through their links and answer, interleaved.
            opened = await alice.tell(f"/start {a_token}")
            assert "这里是我们的私聊" in opened[0] and "你是哪一方" in opened[-1]
            opened = await bob.tell(f"/start {b_token}")
            assert "这里是我们的私聊" in opened[0]
            for a_answer, b_answer in itertools.zip_longest(alice_answers, bob_answers):
                if a_answer:
                    await alice.tell(a_answer)
                if b_answer:
                    await bob.tell(b_answer)
                if a_answer == "浙江":  # meanwhile the group keeps working for both
                    [faq] = await bob.say("/faq 征信")
                    assert faq.text.startswith("📚 征信")
            assert (alice.state(), bob.state()) == ("creditor.result", "debtor.result")

    run(scenario)
    alice_private, bob_private = alice.private_text, bob.private_text
    assert "8,800.00元" in alice_private and "47,000.00元" in bob_private
    assert "47,000.00元" not in alice_private and "8,800.00元" not in bob_private
    shown = group_text(world, group)
    for fact in ["八千八百", "浙江", "4.7万", "8,800.00元", "47,000.00元", "2023年3月3日", "2024年2月14日",
                 "Alice", "Bob"]:
        assert fact not in shown
    sessions = list(world.db["sessions"].rows)
    assert {(s["chat_id"], s["user_id"]) for s in sessions} == {(alice.private.id, alice.user.id),
                                                                (bob.private.id, bob.user.id)}
    assert world.db["transcript"].count_where("chat_id = ?", [group.id]) == 0  # group words are not stored


def test_faq_link_opens_the_full_topic_in_private_and_anyone_may_use_a_link(
        botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("社区群")
    alice, bob = Member(world, group, "Alice"), Member(world, group, "Bob")

    async def scenario() -> None:
        async with running(world.app):
            [answer] = await alice.say("/faq 支付令")
            token = token_of(answer)
            assert world.db["group_links"].get(token)["topic"] == "payment_order"
            # Bob follows the link Alice asked for: he gets his own private chat, nothing of hers.
            opened = await bob.tell(f"/start {token}")
            assert "这里是我们的私聊" in opened[0]
            assert opened[1].startswith("📚 支付令") and "《民诉法解释》第四百三十六条" in opened[1]  # the full version
            assert "你是哪一方" in opened[-1]
            assert world.engine.store.current(alice.private.id, alice.user.id) is None

    run(scenario)


def test_an_expired_or_unknown_link_is_explained_and_the_consultation_starts(
        botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("同事群")
    alice = Member(world, group, "Alice")

    async def scenario() -> None:
        async with running(world.app):
            [link] = await alice.say("/start")
            world.clock.advance(LINK_TTL_SECONDS + 1)
            opened = await alice.tell(f"/start {token_of(link)}")
            assert "已经过期" in opened[0] and "24 小时" in opened[0]
            assert "你是哪一方" in opened[-1] and alice.state() == "start.role"
            again = await alice.tell("/start g_NotAnIssuedTokenAtAll123")
            assert "已经过期或无效" in again[0]

    run(scenario)


# --------------------------------------------------------------------------------------- settings


def test_settings_are_changed_by_an_admin_and_refused_for_others(botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("债务互助群", supergroup=True)
    admin, member = Member(world, group, "Ada"), Member(world, group, "Bob")
    botapi.set_member_status(group, admin.user, "administrator")

    async def scenario() -> None:
        async with running(world.app):
            [refused] = await member.say("/settings")
            assert "只有本群管理员可以修改设置" in refused.text and refused.buttons == []
            [panel] = await admin.say(f"/settings@{BOT}")
            assert "本群设置" in panel.text and "关键词自动回答：开" in panel.button_texts[0]
            checks = botapi.calls_to("getChatMember", chat_id=group.id)
            assert [c.params["user_id"] for c in checks] == [member.user.id, admin.user.id]
            # A member pressing the admin's panel: refused, nothing stored.
            pressed = await member.press(panel, "关键词自动回答")
            assert "这是其他成员的操作" in botapi.callback_answer(pressed)["text"]
            assert world.db["group_settings"].get(group.id)["keyword_answers"] == 1
            # The admin switches keyword answers off and quiet mode on.
            await admin.press(panel, "关键词自动回答")
            await admin.press(panel, "安静模式")
            row = world.db["group_settings"].get(group.id)
            assert (row["keyword_answers"], row["welcome"], row["quiet"]) == (0, 0, 1)
            assert "关键词自动回答：<b>关</b>" in botapi.message(group, panel.message_id).source
            # Keyword answers off: a mention naming a topic gets nothing; /faq still works, in one line.
            assert await member.say(f"@{BOT} 失信名单是什么") == []
            [short] = await member.say("/faq 失信")
            assert "败诉本身不会上失信名单" in short.text and "《失信规定》第二条" not in short.text
            assert "12348" in short.text
            # Demoted, the former admin can no longer change anything.
            botapi.set_member_status(group, admin.user, "member")
            pressed = await admin.press(panel, "安静模式")
            assert "只有本群管理员" in botapi.callback_answer(pressed)["text"]
            assert world.db["group_settings"].get(group.id)["quiet"] == 1
            botapi.set_member_status(group, admin.user, "administrator")
            await admin.press(panel, "完成")
            done = botapi.message(group, panel.message_id)
            assert "已保存" in done.text and done.buttons == []

    run(scenario)


def test_welcome_for_new_members_when_switched_on_never_names_them(botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("小区业主群")
    owner = Member(world, group, "Olga")
    botapi.set_member_status(group, owner.user, "creator")

    async def scenario() -> None:
        async with running(world.app):
            newcomer = botapi.user("Zhang", "zhang_wei")
            await world.done(botapi.member_joined(group, newcomer))
            assert world.bot_messages(group) == []  # welcome is off by default
            [panel] = await owner.say("/settings")
            await owner.press(panel, "新成员欢迎语")
            other = botapi.user("Wang", "wang_fang")
            await world.done(botapi.member_joined(group, other, by=owner.user))
            [welcome] = world.bot_messages(group)[1:]
            assert "欢迎新朋友" in welcome.text and welcome.button_texts == ["💬 私聊咨询"]
            assert "Wang" not in welcome.text and "wang_fang" not in welcome.text

    run(scenario)


# --------------------------------------------------------------------------------------- throttling


def test_throttling_keeps_every_group_under_telegrams_limit(tmp_path: Path) -> None:
    # Strict mode: the fake answers 429 to a bot that sends more than 20 messages a minute to a group.
    with FakeBotAPI(strict_rate_limits=True) as fake:
        world = World(fake, tmp_path)
        group, other_group = fake.group("大群"), fake.group("小群")
        alice = Member(world, group, "Alice")
        crowd = [Member(world, group, f"M{i}") for i in range(24)]
        neighbour = Member(world, other_group, "Nina")

        async def scenario() -> None:
            async with running(world.app):
                # One member floods /faq: answered once, told once to wait, then silence.
                replies = [await alice.say("/faq") for _ in range(6)]
                assert [len(r) for r in replies] == [1, 1, 0, 0, 0, 0]
                assert "刚才的回答请往上翻看" in replies[1][0].text
                # Her presses are edits; beyond six a minute she gets a pop-up instead.
                menu = replies[0][0]
                presses = []
                for _ in range(8):
                    showing = fake.message(group, menu.message_id).button_texts
                    presses.append(await alice.press(menu, "征信" if "征信" in showing else "其他话题"))
                alerts = [fake.callback_answer(p).get("text", "") for p in presses]
                assert alerts[:6] == [""] * 6 and all("太频繁" in a for a in alerts[6:])
                # Many members at once: answers until the group's budget, one busy notice, then silence.
                answered = [await m.say("/faq 催收") for m in crowd]
                counts = [len(r) for r in answered]
                spent = 2 + 6  # alice's two messages and six edits
                assert counts == [1] * (GROUP_BUDGET - spent) + [1] + [0] * (len(crowd) - (GROUP_BUDGET - spent) - 1)
                assert "暂停回答一分钟" in answered[GROUP_BUDGET - spent][0].text
                # Another group is not affected.
                assert len(await neighbour.say("/faq 征信")) == 1
                # A minute later (the desk's clock) the group is answered again.
                world.clock.advance(61)
                assert len(await crowd[-1].say("/faq 调解")) == 1

        run(scenario)
        group_requests = [c for c in fake.calls if c.params.get("chat_id") == group.id]
        assert len(group_requests) == NOTICE_CEILING + 1 <= TELEGRAM_GROUP_LIMIT  # sends + edits, real time
        assert not [c for c in fake.calls if c.status == 429]
        fake.assert_within_rate_limits()
        fake.assert_no_violations()


# ------------------------------------------------------------------------------------ added, removed


def test_bot_added_introduces_itself_and_removed_deletes_the_group_data(botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("新建的群", bot_status="left")
    owner = Member(world, group, "Olga")
    botapi.set_member_status(group, owner.user, "creator")

    async def scenario() -> None:
        async with running(world.app, allowed_updates=ALLOWED_UPDATES):  # what production asks Telegram for
            await world.done(botapi.bot_added_to_group(group, owner.user))
            [intro] = world.bot_messages(group)
            assert "大家好，我是小额债务助手" in intro.text and "/faq" in intro.text and "12348" in intro.text
            assert TOKEN_RE.match(link_of(intro)) and "Olga" not in intro.text
            [panel] = await owner.say("/settings")
            await owner.press(panel, "新成员欢迎语")
            await owner.say("/faq 失信")
            assert world.db["group_settings"].count == 1 and world.db["group_links"].count == 2
            sent = len(botapi.calls_to("sendMessage"))
            await world.done(botapi.bot_removed_from_group(group, owner.user))
            assert len(botapi.calls_to("sendMessage")) == sent  # nothing said after leaving
            for table in ("group_settings", "group_links", "group_requests", "telegram_keyboards", "sessions"):
                assert world.db[table].count_where("chat_id = ?", [group.id]) == 0, table
            # Only the removal's own update record is left: no content, no member id.
            [kept] = world.db["processed_updates"].rows_where("chat_id = ?", [group.id])
            assert (kept["user_id"], kept["replies"]) == (0, "[]")
            # Added again: a fresh introduction and the default settings.
            await world.done(botapi.bot_added_to_group(group, owner.user, service_message=False))
            assert world.db["group_settings"].get(group.id)["welcome"] == 0
            assert len(world.bot_messages(group)) == 4

    run(scenario)
    assert "my_chat_member" in botapi.last_call("getUpdates").params["allowed_updates"]
    assert not [u for u, reason in botapi.dropped_updates if "allowed_updates" in reason and "my_chat" in str(u)]


def test_group_commands_and_admin_commands_are_registered(botapi: FakeBotAPI, tmp_path: Path) -> None:
    world = World(botapi, tmp_path)

    async def scenario() -> None:
        async with running(world.app):
            await botapi.wait_for_calls_async("setMyCommands", n=6)

    run(scenario)
    group = botapi.commands({"type": "all_group_chats"}, "zh")
    admins = botapi.commands({"type": "all_chat_administrators"}, "zh")
    assert [c["command"] for c in group] == ["faq", "start", "help"] == [c for c, _ in GROUP_COMMANDS]
    assert [c["command"] for c in admins] == [c for c, _ in GROUP_ADMIN_COMMANDS] == ["faq", "start", "help",
                                                                                        "settings"]
    assert world.engine.group.bot_username == BOT and botapi.calls_to("getMe")


# ---------------------------------------------------------------------------------------- the desk


def test_group_button_data_carries_its_owner_and_fits_telegram() -> None:
    data = desk.encode(9_999_999_999, desk.TOPIC, "payment_order")
    assert len(data.encode()) <= 64 and desk.decode(data) == desk.GroupPress(9_999_999_999, "t", "payment_order")
    for bad in ["", "g|x|t|a", "3|a|creditor", "g|1|?|a", "g|1|t"]:
        assert desk.decode(bad) is None
    with pytest.raises(ValueError):
        desk.encode(1, desk.TOPIC, "x" * 64)


def test_private_commands_in_a_group_point_to_the_private_chat(engine: Engine) -> None:
    engine.group.bot_username = BOT
    for user, command in enumerate(["/review", "/forget", "/law 诉讼时效", "/back"]):
        [reply] = engine.handle(Inbound.typed(-77, user, command, is_private=False))
        assert "只能在私聊中使用" in reply.html and TOKEN_RE.match(reply.buttons[0][0].url)
    assert engine.store.db["sessions"].count == 0
    # Without a known username there is no link, and the text still says where to go.
    engine.group.bot_username = None
    [reply] = engine.handle(Inbound.typed(-78, 1, "/start", is_private=False))
    assert reply.buttons == () and "私聊" in reply.html


def test_forget_deletes_a_members_throttle_rows(engine: Engine) -> None:
    engine.handle(Inbound.typed(-90, 5, "/faq", is_private=False))
    assert engine.store.db["group_requests"].count_where("user_id = 5") == 1
    engine.handle(Inbound.typed(5, 5, "/forget"))
    engine.handle(Inbound.typed(5, 5, "确认删除"))
    assert engine.store.db["group_requests"].count_where("user_id = 5") == 0


def _member_update(chat_type: str, old: dict, new: dict) -> Update:
    bot = {"id": 1, "is_bot": True, "first_name": "Xiaoe", "username": BOT}
    return Update.de_json({"update_id": 5, "my_chat_member": {
        "chat": {"id": -5 if chat_type != "private" else 7, "type": chat_type, "title": "群"},
        "from": {"id": 7, "is_bot": False, "first_name": "Olga"}, "date": 0,
        "old_chat_member": {"user": bot, **old}, "new_chat_member": {"user": bot, **new}}}, None)


def test_only_the_bot_arriving_or_leaving_a_group_is_an_event() -> None:
    left, member, admin = {"status": "left"}, {"status": "member"}, {"status": "administrator",
                                                                     **{k: True for k in ADMIN_RIGHTS}}
    kicked, muted_out = {"status": "kicked", "until_date": 0}, {"status": "restricted", "is_member": False,
                                                                "until_date": 0, **{k: False for k in MEMBER_RIGHTS}}
    added = group_channel.inbound_from_member_update(_member_update("supergroup", left, member))
    assert (added.kind, added.text, added.chat_id, added.user_id) == (InboundKind.EVENT, desk.BOT_ADDED, -5, 0)
    assert group_channel.inbound_from_member_update(_member_update("group", member, kicked)).text == desk.BOT_REMOVED
    assert group_channel.inbound_from_member_update(_member_update("group", admin, muted_out)).text == desk.BOT_REMOVED
    assert group_channel.inbound_from_member_update(_member_update("group", member, admin)) is None  # promoted
    assert group_channel.inbound_from_member_update(_member_update("private", member, kicked)) is None  # blocked


# -------------------------------------------------------------------------------------- the leak scan


def test_the_leak_scan_sees_this_suite(botapi: FakeBotAPI, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    world = World(botapi, tmp_path)
    group = botapi.group("互助群")
    alice = Member(world, group, "Alice")

    async def scenario() -> None:
        async with running(world.app):
            [link] = await alice.say("/start")
            await alice.tell(f"/start {token_of(link)}")
            await alice.tell("2")
            await alice.tell("网贷")
            await alice.tell("六万三")
            await alice.say("/faq 利息")

    run(scenario)
    mine = request.node.nodeid
    outputs = [o for o in LEDGER.outputs if o.test == mine]
    facts = {f.value for f in LEDGER.facts}  # facts are kept once, under the test that first gave them
    assert {o.source for o in outputs} == {"wire", "engine"} and len(outputs) >= 4
    assert {"六万三", "63,000.00元", "alice"} <= facts
    assert not any("63,000.00元" in o.text for o in outputs)


def test_group_button_data_with_a_non_ascii_digit_is_refused_not_a_crash() -> None:
    from desks.group import decode

    assert decode("g|²|m|x") is None  # "²".isdigit() is True, int("²") raises
