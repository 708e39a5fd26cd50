"""Turn stored transcripts into anonymised conversation fixtures (``python bot.py export``)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import clock
from core.turn import REDACTED
from flows.intents import TYPED_INTENTS
from flows.spec import FlowRegistry, load_registry
from recordings.anonymise import FIELD_KINDS, Masker, pseudonym
from recordings.format import BotReply, Conversation, Turn
from recordings.replay import EngineFactory, replay
from storage.meta import secret
from storage.sessions import SessionStore
from text.normalise import normalise

SECRET_KEY = "export_pseudonym_secret"


class ExportError(ValueError):
    """What was asked for cannot be exported (no such session, nothing recorded...)."""


def rows_for_session(store: SessionStore, session_id: int) -> list[dict[str, Any]]:
    """The transcript rows of one session; ExportError if the session does not exist or is empty."""
    if store.get(session_id) is None:
        raise ExportError(f"没有编号为 {session_id} 的会话 / no session {session_id}")
    rows = store.transcript(session_id)
    if not rows:
        raise ExportError(f"会话 {session_id} 没有对话记录 / session {session_id} has no transcript")
    return rows


def sessions_last(store: SessionStore, count: int) -> list[int]:
    """The ids of the last ``count`` sessions that have a transcript, oldest first."""
    if count < 1:
        raise ExportError("--last 必须是正整数 / --last must be a positive number")
    rows = store.db.execute(
        "select distinct session_id from transcript where session_id is not null order by session_id desc limit ?",
        [count],
    ).fetchall()
    if not rows:
        raise ExportError("数据库里还没有对话记录 / the database has no transcripts")
    return sorted(r[0] for r in rows)


def rows_for_user(store: SessionStore, user_id: int) -> list[list[dict[str, Any]]]:
    """Every transcript row of a user, one list per chat, oldest first; ExportError if none."""
    rows = list(store.db["transcript"].rows_where("user_id = ?", [user_id], order_by="id"))
    if not rows:
        raise ExportError(f"用户 {user_id} 没有对话记录 / user {user_id} has no transcript")
    chats: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        chats.setdefault(row["chat_id"], []).append(row)
    return list(chats.values())


def _grouped(rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(incoming row, its outgoing rows) in order; outgoing rows before any incoming one are dropped."""
    turns: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for row in rows:
        if row["direction"] == "in":
            turns.append((row, []))
        elif turns:
            turns[-1][1].append(row)
    return turns


def _buttons(row: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(b["label"], b["data"]) for b in r] for r in json.loads(row["buttons"] or "[]")]


def press_label(current: Sequence[tuple[str, str]], data: str) -> str | None:
    """The label to record for a press: the one current button with this data and a unique label."""
    labels = [label for label, value in current if value == data]
    if len(labels) == 1 and sum(1 for label, _ in current if label == labels[0]) == 1:
        return labels[0]
    return None


def personal_kind(registry: FlowRegistry, state: str | None) -> str | None:
    """The fake kind for an answer typed at ``state`` if it is a personal question (see anonymise.FIELD_KINDS)."""
    try:
        node = registry.node(state) if state else None
    except KeyError:
        return None
    if node is None or not node.personal:
        return None
    return FIELD_KINDS.get(str(node.validate.get("format", "")), "note")


def _first_option(registry: FlowRegistry, state: str | None) -> str | None:
    try:
        options = registry.node(state).choice_options() if state else ()
    except KeyError:
        return None
    return options[0].label if options else None


def _learn(masker: Masker, registry: FlowRegistry, inbound: dict[str, Any]) -> None:
    if inbound["kind"] not in ("text", "command"):
        return
    text = inbound["text"] or ""
    kind = personal_kind(registry, inbound["state_before"])
    if kind and inbound["kind"] == "text" and text != REDACTED and normalise(text).lower() not in TYPED_INTENTS:
        masker.learn_field(kind, text)  # "跳过", "返回"... typed at a personal question are not personal
    masker.learn(text)


def conversation_from_rows(rows: Sequence[dict[str, Any]], *, title: str, source: str, secret_key: bytes,
                           registry: FlowRegistry | None = None, masker: Masker | None = None) -> Conversation:
    """Build one anonymised conversation from transcript rows (one user, one chat, oldest first)."""
    registry = registry or load_registry()
    masker = masker or Masker()
    grouped = _grouped(rows)
    if not grouped:
        raise ExportError("这段记录里没有用户发出的消息 / no incoming message in these rows")
    for inbound, _ in grouped:
        _learn(masker, registry, inbound)
    turns: list[Turn] = []
    current: list[tuple[str, str]] = []
    for inbound, outbound in grouped:
        kind, text = inbound["kind"], inbound["text"] or ""
        scrubbed = False
        if kind == "press":
            label = press_label(current, text)
            if REDACTED in text or (label is not None and REDACTED in label):
                # A pressed answer to a personal question (e.g. 汉族) was never stored: press its first option.
                option = _first_option(registry, inbound["state_before"])
                turn = Turn("press", option) if option else Turn("press_data", text)
                scrubbed = True
            else:
                turn = Turn("press", masker.apply(label)) if label is not None else Turn("press_data", text)
        elif kind == "unsupported":
            turn = Turn("unsupported", "message")
        elif kind == "text" and text == REDACTED and (field := personal_kind(registry, inbound["state_before"])):
            # Never stored (desks/documents.py): a fake of the right format is typed instead.
            turn = Turn("user", masker.fake_for(field, f"{REDACTED}#{inbound['id']}"))
            scrubbed = True
        else:
            turn = Turn("user", masker.apply(text))
        turn.state = inbound["state_after"] or ""
        for row in outbound:
            buttons = _buttons(row)
            turn.bot.append(BotReply(row["kind"], masker.apply(row["text"] or ""),
                                     [[(masker.apply(label), value) for label, value in r] for r in buttons]))
            if buttons:
                current = [b for r in buttons for b in r]
        if scrubbed:
            turn.bot = [BotReply("", REDACTED)]  # the bot's answer is re-recorded, see fill_scrubbed
        turns.append(turn)
    first = grouped[0][0]
    user = pseudonym(secret_key, first["user_id"], "user")
    chat = user if first["chat_id"] == first["user_id"] else pseudonym(secret_key, first["chat_id"], "chat")
    return Conversation(title=title, today=clock.china_date(first["created_at"]), user=user, chat=chat, turns=turns,
                        source=source)


def fill_scrubbed(conversation: Conversation, work_dir: Path, engine_factory: EngineFactory) -> int:
    """Re-record the turns whose text the transcript deliberately never kept; returns how many.

    Personal details typed for a document are stored as ［已隐去］ (and so are replies that echo
    them), so the bot's answers to those turns cannot be exported. The fixture types a fake of the
    right format there instead, and takes the bot's answers to it from a replay on a fresh database.
    """
    scrubbed = [i for i, t in enumerate(conversation.turns)
                if t.action != "reopen" and any(REDACTED in r.html for r in t.bot)]
    if not scrubbed:
        return 0
    result = replay(conversation, work_dir / f"scrub-{id(conversation)}.db", engine_factory=engine_factory)
    for i in scrubbed:
        outcome = result.outcomes[i]
        conversation.turns[i].state, conversation.turns[i].bot = outcome.state, list(outcome.bot)
    return len(scrubbed)


def export(store: SessionStore, *, session_id: int | None = None, last: int | None = None,
           user_id: int | None = None, title: str = "",
           engine_factory: EngineFactory) -> tuple[list[Conversation], Masker]:
    """The anonymised conversations asked for (exactly one of session, last, user) and what was masked.

    Turns whose personal details the transcript never kept are re-recorded by a replay on engines built
    by ``engine_factory`` (see :func:`fill_scrubbed`).
    """
    chosen = [x is not None for x in (session_id, last, user_id)]
    if sum(chosen) != 1:
        raise ExportError("请只指定 --session、--last、--user 之一 / give exactly one of --session, --last, --user")
    key = secret(store.db, SECRET_KEY)
    registry = load_registry()
    masker = Masker()
    stamp = clock.today().isoformat()
    batches: Iterable[tuple[list[dict[str, Any]], str]]
    if session_id is not None:
        batches = [(rows_for_session(store, session_id), f"session {session_id}, exported {stamp}")]
    elif last is not None:
        batches = [(rows_for_session(store, s), f"session {s}, exported {stamp}") for s in sessions_last(store, last)]
    else:
        assert user_id is not None
        batches = [(rows, f"one user's chat, exported {stamp}") for rows in rows_for_user(store, user_id)]
    batches = list(batches)
    for rows, _ in batches:  # learn every personal value first, so each fake is used everywhere
        for inbound, _ in _grouped(rows):
            _learn(masker, registry, inbound)
    conversations = []
    for index, (rows, source) in enumerate(batches, 1):
        name = title or "导出的对话"
        if len(batches) > 1:
            name = f"{name} #{index}"
        conversations.append(conversation_from_rows(rows, title=name, source=source, secret_key=key,
                                                    registry=registry, masker=masker))
    with tempfile.TemporaryDirectory() as tmp:
        for conversation in conversations:
            if fill_scrubbed(conversation, Path(tmp), engine_factory):
                conversation.source += "; turns with personal details re-recorded with fakes"
    return conversations, masker
