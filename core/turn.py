"""The core: one :class:`Inbound` in, a list of :class:`Reply` out, one transaction.

The core knows nothing of Telegram, terminals or any feature by name. A turn:

1. opens a ``BEGIN IMMEDIATE`` transaction;
2. recognises an update id it has processed before (and returns its replies again only if they
   were never delivered);
3. loads the user's session and hands the inbound to the desks (``core.desk``): a group inbound to the
   desk that takes groups, a command to the desk that declared it, a press to the desk owning its action,
   typed text to the first desk (by priority) that absorbs it;
4. writes the session, transcript rows (with what desks and secrets redact) and the processed update id,
   and commits.

If anything fails midway the transaction rolls back, so a crash loses at most the answer being
processed, never one already acknowledged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

import clock as clock_module
from core.commands import Command, Scope
from core.context import TurnContext, TurnRecord
from core.desk import Desk
from core.replies import reply_from_dict, reply_to_dict, with_state
from flows import callbacks as cb
from flows import screens
from flows.machine import SharedMachine
from flows.model import Inbound, InboundKind, Reply, ReplyKind
from flows.spec import FlowRegistry
from law import advice
from storage.db import immediate
from storage.sessions import Session, SessionStore

log = logging.getLogger(__name__)

REDACTED = "［已隐去］"  # what the transcript shows instead of a personal detail


# ``Played.session_turn`` when the turn cannot tell (stored replies, a failed turn): ask ``session_of``.
KNOWN_LATER = -1


@dataclass(frozen=True)
class Played:
    """One turn's outcome: its replies, and the user's session turn number once it was committed.

    ``session_turn`` is None when the user has no session after the turn (never had one, or it was
    forgotten), and ``KNOWN_LATER`` when the turn did not load the session (replies stored by an earlier
    run, or a failed turn). Channels use it to tell stale keyboards without reading the session again.
    """

    replies: list[Reply]
    session_turn: int | None


def _turn_after(turn: TurnRecord) -> int | None:
    session = turn.session
    if turn.forgotten or session is None or session.status == "closed":
        return None
    return session.turn


HOOKS = ("maintain", "take_group", "before_command", "absorb", "absorb_answer", "prefill", "produce", "arrived",
         "redact_inbound")


def _implements(desk: Desk, hook: str) -> bool:
    """True when ``desk`` has its own ``hook`` (its class or the instance overrides the no-op of :class:`Desk`)."""
    return hook in vars(desk) or getattr(type(desk), hook) is not getattr(Desk, hook)


class Core:
    """Runs turns for every chat over one database, with the desks it is given."""

    def __init__(self, store: SessionStore, registry: FlowRegistry, desks: Sequence[Desk],
                 clock: Callable[[], date] = clock_module.today) -> None:
        """Build the shared machine once; ``clock`` gives "today" (fixed in tests)."""
        self.store = store
        self.registry = registry
        self.machine = SharedMachine(registry)
        self.clock = clock
        self.desks: list[Desk] = sorted(desks, key=lambda d: d.priority)  # stable: equal priorities keep order
        # Per hook, the desks that implement it, in the same order: the others' hooks are the base class's
        # no-ops, and a turn calls several hooks of every desk.
        self._hooked = {hook: [d for d in self.desks if _implements(d, hook)] for hook in HOOKS}
        self._action_owner = {action: d for d in reversed(self.desks) for action in d.actions}  # the first wins
        self._maintain()

    # ------------------------------------------------------------------------------------------
    # public API

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Process one inbound message and return the replies to send (see module docstring)."""
        return self.play(inbound).replies

    def play(self, inbound: Inbound) -> Played:
        """Like :meth:`handle`, also telling the session's turn number after it (see :class:`Played`)."""
        self._maintain()
        try:
            with clock_module.one_instant(), immediate(self.store.db), advice.once_per_turn():
                if inbound.update_id is not None:
                    seen = self.store.processed(inbound.update_id)
                    if seen is not None:
                        if seen["delivered"]:
                            return Played([], KNOWN_LATER)
                        return Played([reply_from_dict(r) for r in json.loads(seen["replies"])], KNOWN_LATER)
                session = self.store.current(inbound.chat_id, inbound.user_id)
                turn = TurnRecord(inbound, session, session.state if session else None)
                self._dispatch(TurnContext(self, turn))
                self._record(turn)
                return Played(turn.replies, _turn_after(turn))
        except Exception:
            # Never echo the user's text into logs: kind and ids only.
            log.exception("turn failed (chat=%s kind=%s)", inbound.chat_id, inbound.kind)
            return Played([screens.notice("internal_error.html.j2", kind=ReplyKind.ERROR)], KNOWN_LATER)

    def mark_delivered(self, update_id: int) -> None:
        """Record that the replies to ``update_id`` were all delivered."""
        with immediate(self.store.db):
            self.store.mark_delivered(update_id)

    def processed(self, update_id: int) -> bool | None:
        """For channels: None if ``update_id`` was never processed, else whether its replies were delivered."""
        seen = self.store.processed(update_id)
        return None if seen is None else bool(seen["delivered"])

    @property
    def db(self) -> Database:
        """The database every turn writes to (channels keep their own tables in it)."""
        return self.store.db

    def session_of(self, chat_id: int, user_id: int) -> Session | None:
        """For channels and tools: a user's current session in a chat (read-only use)."""
        return self.store.current(chat_id, user_id)

    def current_screen(self, chat_id: int, user_id: int) -> Reply | None:
        """The reply showing a user's current step (read-only), or None without a session."""
        session = self.store.current(chat_id, user_id)
        return screens.screen(self.registry, session, self.clock()) if session else None

    def commands(self) -> list[Command]:
        """Every command every desk declares (the one registry, see ``core.commands``)."""
        return [command for desk in self.desks for command in desk.commands()]

    def desks_with(self, hook: str) -> list[Desk]:
        """The desks implementing ``hook`` (one of :data:`HOOKS`), in priority order."""
        return self._hooked[hook]

    def desk(self, name: str) -> Desk:
        """The registered desk called ``name`` (KeyError if none)."""
        for desk in self.desks:
            if desk.name == name:
                return desk
        raise KeyError(name)

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete every row about a user: the core's tables, then each desk's own; counts per table."""
        counts = self.store.forget_user(user_id)
        for desk in self.desks:
            counts.update(desk.forget_user(user_id))
        return counts

    # ------------------------------------------------------------------------------------------
    # dispatch

    def _maintain(self) -> None:
        for desk in self._hooked["maintain"]:
            try:
                desk.maintain()
            except Exception:  # housekeeping must never cost a turn; it is retried later
                log.exception("desk %s: maintenance failed", desk.name)

    def _dispatch(self, ctx: TurnContext) -> None:
        inbound = ctx.inbound
        if not inbound.is_private:
            any(desk.take_group(ctx) for desk in self._hooked["take_group"])  # never a consultation in a group
            return
        if inbound.kind in {InboundKind.UNSUPPORTED, InboundKind.EDITED}:
            ctx.say("unsupported.html.j2" if inbound.kind == InboundKind.UNSUPPORTED else "edited.html.j2")
            ctx.show()
            return
        if inbound.kind == InboundKind.COMMAND:
            self._command(ctx, inbound.text, inbound.args)
            return
        if inbound.kind == InboundKind.PRESS:
            self.press(ctx, inbound.text)
            return
        any(desk.absorb(ctx, inbound.text) for desk in self._hooked["absorb"])

    def _command(self, ctx: TurnContext, name: str, args: str) -> None:
        owner = next((desk for desk in self.desks for c in desk.commands()
                      if c.name == name and c.scope != Scope.GROUP), None)
        if owner is None:
            ctx.say("unknown_command.html.j2", kind=ReplyKind.ERROR)
            ctx.show()
            return
        for desk in self._hooked["before_command"]:
            desk.before_command(ctx, name, args)
        owner.command(ctx, name, args)

    def press(self, ctx: TurnContext, data: str) -> None:
        """Hand a button press to the desk owning its action, refusing stale and forged ones."""
        press = cb.decode(data)
        owner = None if press is None else self._action_owner.get(press.action)
        if press is None or owner is None:
            ctx.refuse(unknown=True)
            return
        if press.action not in owner.any_turn_actions:
            session = ctx.session
            if session is None or press.turn != session.turn:
                ctx.refuse(unknown=False)
                return
            if press.action != cb.Action.RESUME:
                session.pending.resume = False  # any other button answers "continue or restart?"
        owner.press(ctx, press)

    # ------------------------------------------------------------------------------------------
    # records

    @staticmethod
    def _secrets(turn: TurnRecord) -> list[str]:
        """The turn's secrets, longest first (so a longer one is hidden whole before a part of it)."""
        return sorted((s for s in turn.secrets if s), key=len, reverse=True)

    @staticmethod
    def _redact(secrets: list[str], text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _record(self, turn: TurnRecord) -> None:
        inbound, session = turn.inbound, turn.session
        state_after = session.state if session else None
        replies = [r if r.state == (state_after or "") else with_state(r, state_after or "") for r in turn.replies]
        turn.replies = replies
        if turn.forgotten:
            # Nothing about this user may remain, not even this turn: only the bare update id (and the
            # "deleted" notice, which holds counts only), so a copy of this update is not played again.
            if inbound.update_id is not None:
                self.store.mark_forgotten_update(inbound.update_id, [reply_to_dict(r) for r in replies])
            return
        if session is not None:
            self.store.save(session)
        if not inbound.is_private:
            # Group messages are not kept: they could carry other members' words.
            if inbound.update_id is not None:
                self.store.mark_processed(inbound.update_id, inbound.chat_id, inbound.user_id,
                                          [reply_to_dict(r) for r in replies])
            return
        said = inbound.text if inbound.kind != InboundKind.COMMAND else f"/{inbound.text} {inbound.args}".strip()
        ctx = TurnContext(self, turn)
        redacting = self._hooked["redact_inbound"]
        kept = next((k for k in (d.redact_inbound(ctx, said) for d in redacting) if k is not None), None)
        secrets = self._secrets(turn)
        said = kept if kept is not None else self._redact(secrets, said)
        shown = [self._redact(secrets, reply.html) for reply in replies]
        rows: list[tuple[str, str, str, list[list[dict[str, str]]] | None]] = [
            ("in", inbound.kind.value, said, None)]
        rows += [("out", str(reply.kind), html,
                  [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons])
                 for reply, html in zip(replies, shown, strict=True)]
        self.store.log_many(session, inbound.chat_id, inbound.user_id, rows, state_before=turn.state_before,
                            state_after=state_after, update_id=inbound.update_id)
        if inbound.update_id is not None:
            self.store.mark_processed(inbound.update_id, inbound.chat_id, inbound.user_id,
                                      [reply_to_dict(r, html) for r, html in zip(replies, shown, strict=True)])
