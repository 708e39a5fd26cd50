"""The recorded conversations replay through the Telegram adapter too (real PTB against the fake Bot API).

What the user sees in Telegram must carry the recorded replies: each one sent as a message (split
when long), folded into the pressed question (an answer's acknowledgement), shown in place (a
multi-choice toggle) or as a pop-up alert (a refused button), with the recorded buttons, and the
session must be in the recorded state after every turn. A ``reopen`` step stops the Application and
closes the database, then starts both again on the same file, like a restart of the bot process.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from assembly import Engine
from channels.tg.app import build_application, direct_request
from channels.tg.replies import MAX_ALERT_LENGTH
from messages import html_to_text
from recordings import format as fixture_format
from recordings.format import BotReply, Conversation, Turn
from recordings.replay import ids, resolve_press
from storage import SessionStore, open_database
from testing import FakeBotAPI, parse_html
from testing import fixtures as botapi_fixtures
from testing.wiring import application_builder, running

botapi = botapi_fixtures.botapi

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = [(path, index) for path in sorted(FIXTURES.glob("*.yaml")) for index, _ in
         enumerate(fixture_format.load(path))]
SHOWN = ("sendMessage", "editMessageText", "answerCallbackQuery")


@dataclass
class Shown:
    """One thing the user saw: a message sent, a message edited, or an alert."""

    how: str  # send | edit | alert
    text: str  # plain text as the client shows it
    buttons: list[tuple[str, str]]


def _plain(html: str) -> str:
    return parse_html(html)[0]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _buttons(markup: object) -> list[tuple[str, str]]:
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def _expected_buttons(reply: BotReply) -> list[tuple[str, str]]:
    return [b for row in reply.buttons for b in row]


def shown_since(fake: FakeBotAPI, mark: int) -> list[Shown]:
    """What the bot showed the user after the ``mark``-th call."""
    shown = []
    for call in fake.calls[mark:]:
        if call.method not in SHOWN or not call.ok:
            continue
        params = call.params
        if call.method == "answerCallbackQuery":
            if params.get("show_alert"):
                shown.append(Shown("alert", str(params.get("text", "")), []))
            continue
        how = "send" if call.method == "sendMessage" else "edit"
        shown.append(Shown(how, _plain(str(params["text"])), _buttons(params.get("reply_markup"))))
    return shown


def check_turn(expected: list[BotReply], shown: list[Shown]) -> str | None:
    """None when ``shown`` carries every expected reply in order, else what is wrong."""
    alerts = [s for s in shown if s.how == "alert"]
    visible = [s for s in shown if s.how != "alert"]
    want_alerts = [r for r in expected if r.kind == "stale"]
    if [a.text for a in alerts] != [html_to_text(r.html)[:MAX_ALERT_LENGTH] for r in want_alerts[:1]]:
        return f"alerts {[a.text for a in alerts]} ≠ expected {[r.html for r in want_alerts]}"
    at = 0
    folded = ""  # the rest of a message that carried a typed answer's acknowledgement and the next reply
    for reply in (r for r in expected if r.kind != "stale"):
        want = _plain(reply.html)
        if folded:
            collected, folded = folded, ""
            while at < len(visible) and visible[at].how == "send" and len(collected) < len(_squash(want)):
                last = visible[at]
                collected += _squash(visible[at].text)
                at += 1
            if collected != _squash(want):
                return f"folded {collected[:120]!r}\n  expected {want[:120]!r}"
            if last.buttons != _expected_buttons(reply):
                return f"buttons {last.buttons} ≠ expected {_expected_buttons(reply)}"
            continue
        if at >= len(visible):
            return f"reply never shown: {want[:80]!r}"
        item = visible[at]
        if item.how == "edit":
            if not item.text.endswith(want):
                return f"edited message {item.text[-80:]!r} does not end with {want[:80]!r}"
            last = item
            at += 1
        elif reply.kind == "ack" and _squash(item.text).startswith(_squash(want)) and len(item.text) > len(want):
            folded, last = _squash(item.text)[len(_squash(want)):], item  # one message: ack, then the next reply
            at += 1
            continue
        else:
            collected, last = "", item
            while at < len(visible) and visible[at].how == "send" and len(_squash(collected)) < len(_squash(want)):
                last = visible[at]
                collected += visible[at].text
                at += 1
            if _squash(collected) != _squash(want):
                return f"sent {collected[:120]!r}\n  expected {want[:120]!r}"
        if last.buttons != _expected_buttons(reply):
            return f"buttons {last.buttons} ≠ expected {_expected_buttons(reply)}"
    if at != len(visible):
        return f"unexpected extra messages: {[v.text[:60] for v in visible[at:]]}"
    return None


def _press_target(fake: FakeBotAPI, chat: object, data: str) -> int | None:
    for message in reversed(fake.messages_in(chat)):
        if data in message.callback_data:
            return message.message_id
    return None


async def _replay(fake: FakeBotAPI, conversation: Conversation, db_path: Path) -> list[str]:
    _, user_id = ids(conversation)
    user = fake.user("Replay", user_id=user_id)
    chat = fake.private_chat(user)
    problems: list[str] = []
    current: list[tuple[str, str]] = []
    segments: list[list[tuple[int, Turn]]] = [[]]
    for index, turn in enumerate(conversation.turns):
        if turn.action == "reopen":
            segments.append([])
        else:
            segments[-1].append((index, turn))
    for segment in segments:
        engine = Engine(SessionStore(open_database(db_path)), clock=lambda: conversation.today,
                        documents_dir=db_path.parent / "outbox", outbox=True)  # as bot.py runs Telegram
        app = build_application(engine, builder=application_builder(fake, requests=direct_request))
        try:
            async with running(app, poll_timeout=0.2):
                for index, turn in segment:
                    mark = len(fake.calls)
                    if turn.action == "user":
                        update_id = fake.send_text(chat, user, turn.value)
                    elif turn.action == "unsupported":
                        update_id = fake.send_photo(chat, user)
                    else:
                        data = turn.value if turn.action == "press_data" else resolve_press(turn.value, current)
                        assert data is not None, f"turn {index + 1}: no button {turn.value!r}"
                        target = _press_target(fake, chat, data)
                        if target is None:
                            if turn.action == "press":
                                problems.append(f"turn {index + 1}: button {turn.value!r} is no longer on screen")
                                continue
                            target = fake.messages_in(chat)[-1].message_id  # a stale or forged button
                        update_id = fake.press(chat, user, target, data, force=True)

                    def delivered(uid: int | None = update_id, store: SessionStore = engine.store) -> bool:
                        seen = store.processed(uid) if uid is not None else None
                        return bool(seen and seen["delivered"])

                    await fake.wait_for_async(delivered, timeout=10)
                    await asyncio.sleep(0)
                    problem = check_turn(turn.bot, shown_since(fake, mark))
                    # The state of the session this turn ran in (a cancelled one included), as recorded.
                    rows = list(engine.store.db["sessions"].rows_where(
                        "chat_id = ? and user_id = ?", [chat.id, user.id], order_by="id desc", limit=1))
                    state = rows[0]["state"] if rows else ""
                    if state != turn.state:
                        problem = (problem or "") + f" state {state!r} ≠ recorded {turn.state!r}"
                    if problem:
                        problems.append(f"turn {index + 1} ({turn.describe()}): {problem}")
                    # Every button the turn showed (a result and the reminder offer under it), as the replay does.
                    current = [b for reply in turn.bot for b in _expected_buttons(reply)] or current
        finally:
            engine.store.db.close()
    return problems


@pytest.mark.slow
@pytest.mark.parametrize(("path", "index"), CASES, ids=[f"{p.stem}-{i}" for p, i in CASES])
def test_fixture_replays_through_telegram(path: Path, index: int, botapi: FakeBotAPI, tmp_path: Path) -> None:
    conversation = fixture_format.load(path)[index]
    problems = asyncio.run(_replay(botapi, conversation, tmp_path / "xiaoe.db"))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_checker_notices_a_missing_or_changed_reply() -> None:
    expected = [BotReply("ack", "✔️ 金额：5,000.00元"),
                BotReply("question", "<b>第3步</b>\n证据？", [[("借条", "3|t|iou")]])]
    good = [Shown("edit", "问题？\n\n✔️ 金额：5,000.00元", []), Shown("send", "第3步\n证据？", [("借条", "3|t|iou")])]
    assert check_turn(expected, good) is None
    assert check_turn(expected, good[:1]) is not None
    assert check_turn(expected, [good[0], Shown("send", "第3步\n证据？", [])]) is not None
    assert check_turn(expected, [good[0], Shown("send", "第4步\n证据？", [("借条", "3|t|iou")])]) is not None
    assert check_turn(expected, [*good, Shown("send", "多余", [])]) is not None
