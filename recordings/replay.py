"""Replay a recorded conversation through the engine on a fresh database and compare every turn.

The user's side of the fixture is sent again (typed text, presses by label, raw callback data,
unsupported messages, a process restart); the bot's answers now are compared with the recorded
ones exactly (state, kind, HTML, buttons). Every transition the machine takes is reported, which
is how the corpus proves it covers every edge of every flow.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from core.turn import Core
from flows.machine import Edge
from flows.model import Inbound, InboundKind, Reply
from recordings.anonymise import pseudonym_id
from recordings.format import BotReply, Conversation, Turn, _Dumper


@dataclass
class TurnOutcome:
    """What the bot answers now to one recorded turn."""

    index: int
    expected: Turn
    state: str = ""
    bot: list[BotReply] = field(default_factory=list)
    error: str = ""  # the turn could not be sent (e.g. its button no longer exists)

    @property
    def matches(self) -> bool:
        """True when the answer now equals the recorded one."""
        if self.expected.action == "reopen":
            return True
        return not self.error and self.state == self.expected.state and self.bot == self.expected.bot

    def diff(self) -> str:
        """A readable unified diff of the recorded turn against the answer now."""
        head = f"第{self.index + 1}轮 / turn {self.index + 1}: {self.expected.describe()}"
        if self.error:
            return f"{head}\n  {self.error}"
        before = _turn_yaml(self.expected.state, self.expected.bot)
        after = _turn_yaml(self.state, self.bot)
        lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "recorded", "now", lineterm="", n=2)
        return head + "\n" + "\n".join(lines)


@dataclass
class ReplayResult:
    """Every turn's outcome, and the transitions the machine took."""

    conversation: Conversation
    outcomes: list[TurnOutcome]
    edges: list[Edge]
    answers: set[tuple[str, str]] = field(default_factory=set)  # every (fact, value) held after some turn

    @property
    def mismatches(self) -> list[TurnOutcome]:
        """The turns whose answer changed."""
        return [o for o in self.outcomes if not o.matches]

    def report(self) -> str:
        """The diffs of every changed turn (empty when all match)."""
        return "\n\n".join(o.diff() for o in self.mismatches)

    def updated(self) -> Conversation:
        """The conversation with its expectations replaced by the answers now (for --update-fixtures)."""
        broken = [o for o in self.outcomes if o.error]
        if broken:
            raise ValueError("cannot update a fixture whose turns cannot be sent:\n" +
                             "\n".join(o.diff() for o in broken))
        turns = [t if t.action == "reopen" else replace(t, state=o.state, bot=list(o.bot))
                 for t, o in zip(self.conversation.turns, self.outcomes, strict=True)]
        return replace(self.conversation, turns=turns)


def _turn_yaml(state: str, bot: Sequence[BotReply]) -> str:
    return yaml.dump({"state": state, "bot": [r.to_data() for r in bot]}, Dumper=_Dumper, allow_unicode=True,
                     sort_keys=False, width=1000)


def to_bot_reply(reply: Reply) -> BotReply:
    """The fixture form of an engine reply."""
    return BotReply(str(reply.kind), reply.html, [[(b.label, b.data) for b in row] for row in reply.buttons])


def ids(conversation: Conversation) -> tuple[int, int]:
    """The (chat id, user id) a conversation is replayed with."""
    return pseudonym_id(conversation.chat), pseudonym_id(conversation.user)


def resolve_press(label: str, current: Sequence[tuple[str, str]]) -> str | None:
    """The callback data of the current button with this exact label, or None."""
    matches = [data for text, data in current if text == label]
    return matches[0] if len(matches) == 1 else None


def inbound_for(turn: Turn, chat_id: int, user_id: int, update_id: int,
                current: Sequence[tuple[str, str]]) -> Inbound | str:
    """The Inbound that replays ``turn``, or an error message when its button is not on screen."""
    if turn.action == "user":
        return Inbound.typed(chat_id, user_id, turn.value, update_id=update_id)
    if turn.action == "press_data":
        return Inbound.pressed(chat_id, user_id, turn.value, update_id=update_id)
    if turn.action == "unsupported":
        return Inbound(chat_id, user_id, InboundKind.UNSUPPORTED, update_id=update_id)
    data = resolve_press(turn.value, current)
    if data is None:
        return f"没有找到按钮「{turn.value}」；当前按钮 / current buttons: {[t for t, _ in current]}"
    return Inbound.pressed(chat_id, user_id, data, update_id=update_id)


# Builds the engine for a replay: (database path, conversation) -> a core with every desk. The composition
# root provides it (``assembly.replay_engine``); recordings never import the root.
EngineFactory = Callable[[Path, Conversation], Core]


def replay(conversation: Conversation, db_path: Path, *, engine_factory: EngineFactory) -> ReplayResult:
    """Replay ``conversation`` on a fresh database at ``db_path`` (which must not exist yet)."""
    db_path = Path(db_path)
    if db_path.exists():
        raise FileExistsError(db_path)
    factory = engine_factory
    edges: list[Edge] = []
    engine = factory(db_path, conversation)
    engine.machine.observers.append(edges.append)
    chat_id, user_id = ids(conversation)
    current: list[tuple[str, str]] = []
    outcomes: list[TurnOutcome] = []
    update_id = 0
    answers: set[tuple[str, str]] = set()
    try:
        for index, turn in enumerate(conversation.turns):
            outcome = TurnOutcome(index, turn)
            outcomes.append(outcome)
            if turn.action == "reopen":
                engine.store.db.close()
                engine = factory(db_path, conversation)
                engine.machine.observers.append(edges.append)
                continue
            update_id += 1
            inbound = inbound_for(turn, chat_id, user_id, update_id, current)
            if isinstance(inbound, str):
                outcome.error = inbound
                continue
            replies = engine.handle(inbound)
            engine.mark_delivered(update_id)
            outcome.bot = [to_bot_reply(r) for r in replies]
            outcome.state = replies[-1].state if replies else ""
            # The buttons of every reply of this turn (a result and the reminder offer after it), if any.
            shown = [(b.label, b.data) for reply in replies for row in reply.buttons for b in row]
            current = shown or current
            session = engine.store.current(chat_id, user_id)
            for key, value in (session.facts if session else {}).items():
                answers.update((key, str(v)) for v in (value if isinstance(value, list) else [value]))
    finally:
        engine.store.db.close()
    return ReplayResult(conversation, outcomes, edges, answers)
