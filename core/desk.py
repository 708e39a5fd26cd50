"""The desk protocol: how a feature plugs into the core.

A desk declares the commands (:class:`core.commands.Command`) and the button actions
(:class:`flows.callbacks.Action`) it owns and implements the hooks it needs; every hook has a harmless
default. The core calls desks in ascending :attr:`Desk.priority`, and for typed text the first desk whose
:meth:`Desk.absorb` returns True takes the message, so priority *is* the order in which features get a
say (see ``assembly.py`` for the order and why). A desk only sees a :class:`core.context.TurnContext`:
the inbound, the session, today, say/reply/show, secrets and the flow moves — never the engine.
"""

from __future__ import annotations

from typing import Any, ClassVar

from core.commands import Command
from core.context import TurnContext
from flows.callbacks import Action, Press
from flows.spec import Node
from storage.sessions import Session


class Desk:
    """Base class of every desk: declarations plus no-op hooks (override what you need)."""

    name: ClassVar[str] = ""
    priority: ClassVar[int] = 100  # lower goes first
    actions: ClassVar[frozenset[Action]] = frozenset()  # button actions this desk answers
    any_turn_actions: ClassVar[frozenset[Action]] = frozenset()  # of those, honoured from any screen

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """The commands this desk answers."""
        return ()

    def maintain(self) -> None:
        """Housekeeping before each turn, outside its transaction (e.g. purging old rows)."""

    def take_group(self, ctx: TurnContext) -> bool:
        """Answer a group-chat inbound; True when taken (no consultation ever runs in a group)."""
        return False

    def before_command(self, ctx: TurnContext, name: str, args: str) -> None:
        """Add replies before the owner of a private command answers it (e.g. a note on /start)."""

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """Answer a private ``/name args`` this desk declared."""

    def press(self, ctx: TurnContext, press: Press) -> None:
        """Answer a press of one of this desk's actions (already checked not stale, unless any-turn)."""

    def absorb(self, ctx: TurnContext, text: str) -> bool:
        """Take typed text before the desks after this one; True when taken."""
        return False

    def absorb_answer(self, ctx: TurnContext, node: Node, facts: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Take an answer to ``node`` before it is stored: (facts to store, text to acknowledge or None)."""
        return facts, None

    def prefill(self, session: Session, node: Node) -> dict[str, Any] | None:
        """Facts that answer ``node`` without asking, or None when this desk cannot tell."""
        return None

    def produce(self, ctx: TurnContext) -> None:
        """After an answer moved the session: add replies or files for the state reached."""

    def arrived(self, ctx: TurnContext) -> None:
        """After a move (answer, step, edit, back) has shown the new state: add replies after that screen."""

    def redact_inbound(self, ctx: TurnContext, said: str) -> str | None:
        """What the transcript keeps of the inbound instead of ``said``, or None to keep it."""
        return None

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete this desk's own rows about a user (``/forget``); counts per table."""
        return {}
