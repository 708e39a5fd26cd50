"""What a desk sees of one turn: :class:`TurnContext` (say, reply, show, secrets, the session, the moves).

:class:`TurnRecord` is what a turn collects before the core writes it; desks never touch it directly.
The moves (answer, step, edit, back) are the core's: each is one transition of the shared machine with an
undo snapshot, and around an answer the desks' ``absorb_answer``, ``prefill`` and ``produce`` hooks run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from transitions import MachineError

from core.commands import Command
from flows import screens
from flows.answers import display
from flows.machine import SharedMachine
from flows.model import Button, Inbound, Reply, ReplyKind
from flows.spec import FlowRegistry, Node
from storage.sessions import Session, SessionStore, now_iso
from storage.state import Snapshot

MAX_AUTO_STEPS = 50


@dataclass
class TurnRecord:
    """What one turn collects before it is written."""

    inbound: Inbound
    session: Session | None
    state_before: str | None
    replies: list[Reply] = field(default_factory=list)
    forgotten: bool = False
    secrets: set[str] = field(default_factory=set)  # personal details typed this turn: never logged


_IMMUTABLE = (str, int, float, bool, type(None))
_SCALARS = frozenset(_IMMUTABLE)  # the exact types, kept as they are without a call each


def _copy_facts(value: Any) -> Any:
    """A deep copy of facts (plain JSON data: dicts, lists, strings, numbers), much cheaper than
    ``copy.deepcopy``; anything else in them is still copied by ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {key: item if type(item) in _SCALARS else _copy_facts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) in _SCALARS else _copy_facts(item) for item in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)


class AnswerHooks(Protocol):
    """The desk hooks the moves call around an answer (``core.desk.Desk`` has them all)."""

    def absorb_answer(self, ctx: TurnContext, node: Node, facts: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """See :meth:`core.desk.Desk.absorb_answer`."""

    def prefill(self, session: Session, node: Node) -> dict[str, Any] | None:
        """See :meth:`core.desk.Desk.prefill`."""

    def produce(self, ctx: TurnContext) -> None:
        """See :meth:`core.desk.Desk.produce`."""

    def arrived(self, ctx: TurnContext) -> None:
        """See :meth:`core.desk.Desk.arrived`."""


class Host(Protocol):
    """What a context needs of the core that runs the turn (``core.turn.Core``), without importing it."""

    @property
    def store(self) -> SessionStore:
        """The sessions and transcripts."""

    @property
    def registry(self) -> FlowRegistry:
        """The flow definitions."""

    @property
    def machine(self) -> SharedMachine:
        """The one shared machine."""

    @property
    def clock(self) -> Callable[[], date]:
        """Today."""

    @property
    def desks(self) -> Sequence[AnswerHooks]:
        """The registered desks, in priority order."""

    def desks_with(self, hook: str) -> Sequence[AnswerHooks]:
        """The desks implementing ``hook``, in priority order."""

    def press(self, ctx: TurnContext, data: str) -> None:
        """Dispatch a button press."""

    def commands(self) -> list[Command]:
        """Every declared command."""

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete every row about a user."""


class TurnContext:
    """The narrow view of a turn handed to desks."""

    def __init__(self, core: Host, turn: TurnRecord) -> None:
        """Wrap ``turn`` of ``core``; built by the core for each turn."""
        self._core = core
        self._turn = turn

    # ------------------------------------------------------------------------------------------ reading

    @property
    def inbound(self) -> Inbound:
        """What the user did."""
        return self._turn.inbound

    @property
    def session(self) -> Session | None:
        """The user's current session in this chat (None before the first one or after /forget)."""
        return self._turn.session

    @property
    def state_before(self) -> str | None:
        """The session state when the turn began."""
        return self._turn.state_before

    @property
    def registry(self) -> FlowRegistry:
        """The flow definitions."""
        return self._core.registry

    def today(self) -> date:
        """Today (China time; fixed in tests)."""
        return self._core.clock()

    def commands(self) -> list[Command]:
        """Every command of every registered desk (for /help)."""
        return self._core.commands()

    def node(self) -> Node | None:
        """The session's current node, or None without a session."""
        session = self._turn.session
        return self._core.registry.node(session.state) if session else None

    # ------------------------------------------------------------------------------------------ output

    def reply(self, *replies: Reply) -> None:
        """Add replies as they are."""
        self._turn.replies.extend(replies)

    def say(self, template: str, *, kind: ReplyKind = ReplyKind.NOTICE, alert: bool = False,
            buttons: tuple[tuple[Button, ...], ...] = (), **context: Any) -> None:
        """Add a notice rendered from ``template``."""
        self._turn.replies.append(screens.notice(template, self._turn.session, kind=kind, alert=alert,
                                                 buttons=buttons, **context))

    def refuse(self, *, unknown: bool) -> None:
        """The pop-up for a stale or unknown button: nothing changes."""
        self.say("stale_button.html.j2", kind=ReplyKind.STALE, alert=True, unknown=unknown)

    def show(self) -> None:
        """Add the screen of the current step (nothing without a session or while asking to resume)."""
        session = self._turn.session
        if session is None or session.pending.resume:
            return
        self._turn.replies.append(screens.screen(self._core.registry, session, self._core.clock()))

    def secret(self, *texts: str) -> None:
        """Mark personal details typed this turn: the transcript gets a placeholder instead."""
        self._turn.secrets.update(texts)

    def press(self, data: str) -> None:
        """Act as if the button with ``data`` was pressed (a typed number or label picks a button)."""
        self._core.press(self, data)

    # ------------------------------------------------------------------------------------------ sessions

    def open_session(self) -> Session:
        """Start a new session for this user and chat at the first step, and make it current."""
        inbound = self._turn.inbound
        session = self._core.store.create(inbound.chat_id, inbound.user_id, self._core.registry.initial)
        self._turn.session = session
        return session

    def close_session(self) -> None:
        """Close the current session (restart, cancel); it is still saved at the end of the turn."""
        if self._turn.session is not None:
            self._core.store.close(self._turn.session)

    def drop_session(self) -> None:
        """Forget the (closed) session for the rest of this turn."""
        self._turn.session = None

    def forget_user(self) -> dict[str, int]:
        """Delete every row about the user, with every desk's own; nothing of this turn is logged."""
        counts = self._core.forget_user(self._turn.inbound.user_id)
        self._turn.forgotten = True
        self._turn.session = None
        return counts

    # ------------------------------------------------------------------------------------------ moves

    def _current(self) -> Session:
        session = self._turn.session
        assert session is not None, "a move needs a session"
        return session

    def fire(self, trigger: str, **kwargs: Any) -> bool:
        """Fire a machine trigger on the session; False when it does not apply."""
        try:
            return self._core.machine.fire(self._current(), trigger, **kwargs)
        except MachineError:
            return False

    def snapshot(self, auto: bool = False) -> Snapshot:
        """An undo snapshot of the session (what 返回 restores)."""
        session = self._current()
        return Snapshot(session.state, _copy_facts(session.facts), session.pending.editing, auto)

    def answer(self, new_facts: dict[str, Any]) -> None:
        """Store an answer to the current question, acknowledge it and move on."""
        session = self._current()
        node = self._core.registry.node(session.state)
        snapshot = self.snapshot()
        shown = None
        for desk in self._core.desks_with("absorb_answer"):  # personal details leave the facts here (documents)
            new_facts, said = desk.absorb_answer(self, node, new_facts)
            shown = shown or said
        session.facts.update(new_facts)
        if not self.fire("answer"):
            session.facts = snapshot.facts
            self.say("internal_error.html.j2", kind=ReplyKind.ERROR)
            return
        session.history.append(snapshot)
        session.pending.picked = None
        session.pending.resume = False
        self.say("ack.html.j2", kind=ReplyKind.ACK, label=node.label,
                 answer=shown or display(node, session.facts))
        self._auto_advance(session)
        for desk in self._core.desks_with("produce"):
            desk.produce(self)
        self.arrive()

    def _prefill(self, session: Session, node: Node) -> dict[str, Any] | None:
        for desk in self._core.desks_with("prefill"):
            fill = desk.prefill(session, node)
            if fill is not None:
                return fill
        return None

    def _auto_advance(self, session: Session) -> None:
        """Walk past questions that need no asking, each a real transition: while editing, those already
        answered; otherwise those a desk can fill (see :meth:`core.desk.Desk.prefill`)."""
        for _ in range(MAX_AUTO_STEPS):
            node = self._core.registry.node(session.state)
            if not node.is_question:
                return
            editing = session.pending.editing and node.id in session.facts
            fill = {} if editing else self._prefill(session, node)
            if fill is None:
                return
            snapshot = self.snapshot(auto=True)
            session.facts.update(fill)
            if not self.fire("answer"):
                session.facts = snapshot.facts
                return
            session.history.append(snapshot)

    def arrive(self) -> None:
        """Bookkeeping after a move, then show the new state."""
        session = self._current()
        session.turn += 1
        session.pending.resume = False  # a move answers "continue or restart?" (/back after /start)
        node = self._core.registry.node(session.state)
        if node.kind == "review":
            session.pending.editing = False
        if node.kind == "result" and session.finished_at is None:
            session.finished_at = now_iso()
            session.status = "finished"
        self.show()
        for desk in self._core.desks_with("arrived"):
            desk.arrived(self)

    def step(self, trigger: str) -> None:
        """A move by a button trigger (confirm, revise, more, draft, another)."""
        session = self._current()
        snapshot = self.snapshot()
        if not self.fire(trigger):
            self.refuse(unknown=False)
            return
        session.history.append(snapshot)
        self.arrive()

    def edit(self, target: str) -> None:
        """From the review screen to the question ``target``, to change its answer."""
        session = self._current()
        snapshot = self.snapshot()
        if not self.fire("edit", target=target):
            self.refuse(unknown=True)
            return
        session.history.append(snapshot)
        session.pending.editing = True
        node = self._core.registry.node(session.state)
        if node.kind == "multi":
            session.pending.picked = list(session.facts.get(node.id) or [])
        self.arrive()

    def back(self) -> None:
        """Undo the last answer (and the automatic steps after it)."""
        session = self._turn.session
        if session is None or not session.history:
            self.say("no_back.html.j2")
            self.show()
            return
        undone = dict(session.facts)
        while session.history:
            top = session.history[-1]
            if not self.fire("back"):
                break
            session.history.pop()
            session.facts = top.facts
            session.pending.editing = top.editing
            if not top.auto:
                break
        session.pending.picked = None
        node = self._core.registry.node(session.state)
        if node.kind == "multi" and undone.get(node.id):
            # Back to a multi-choice question: show the picks being undone, ready to change or confirm.
            session.pending.picked = list(undone[node.id])
        if session.status == "finished" and node.kind != "result":
            session.status = "active"
        self.arrive()
