"""The privacy desk: ``/forget`` (delete every row about the user, after a confirmation) and retention.

While the confirmation is open, the desk takes typed text before every other desk: any answer either
confirms or cancels, so nothing typed then is read as a consultation answer. Retention
(``storage.retention``, ``XIAOE_RETENTION_DAYS``) purges old records at most once a day, before a turn.
"""

from __future__ import annotations

from typing import ClassVar

from core.commands import Command
from core.context import TurnContext
from core.desk import Desk
from flows import callbacks as cb
from flows.callbacks import Action, Press
from flows.model import Button
from storage.retention import Retention
from text.normalise import normalise

CONFIRM_WORDS = frozenset({"确认", "确认删除", "是", "删除", "yes", "1"})


class PrivacyDesk(Desk):
    """/forget and the retention purge."""

    name = "privacy"
    priority = 100  # first: an open "delete everything?" question takes any typed answer
    actions: ClassVar[frozenset[Action]] = frozenset({Action.FORGET})

    def __init__(self, retention: Retention) -> None:
        """``retention`` purges old rows (its own schedule: once a day)."""
        self.retention = retention

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """/forget."""
        return (Command("forget", menu="删除我的全部数据", help="删除你的全部数据", rank=80),)

    def maintain(self) -> None:
        """Purge old records when a day has passed since the last purge."""
        self.retention.maybe_purge()

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """/forget: ask for a confirmation first."""
        session = ctx.session or ctx.open_session()
        session.pending.forget = True
        buttons = ((Button("🗑 确认删除我的全部数据", cb.encode(session.turn, Action.FORGET, "yes")),),
                   (Button("取消", cb.encode(session.turn, Action.FORGET, "no")),))
        ctx.say("forget_confirm.html.j2", buttons=buttons)

    def press(self, ctx: TurnContext, press: Press) -> None:
        """The confirmation buttons."""
        session = ctx.session
        if session is None or not session.pending.forget:  # answered or cancelled already
            ctx.refuse(unknown=False)
            return
        self._answer(ctx, press.value == "yes")

    def absorb(self, ctx: TurnContext, text: str) -> bool:
        """A typed answer to the open confirmation."""
        session = ctx.session
        if not (session and session.pending.forget):
            return False
        self._answer(ctx, normalise(text).lower().rstrip("。.!！") in CONFIRM_WORDS)
        return True

    def _answer(self, ctx: TurnContext, confirmed: bool) -> None:
        session = ctx.session
        assert session is not None
        session.pending.forget = False
        if not confirmed:
            ctx.say("forget_cancelled.html.j2")
            ctx.show()
            return
        counts = ctx.forget_user()
        ctx.say("forgotten.html.j2", counts=counts)
