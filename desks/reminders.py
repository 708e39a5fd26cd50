"""The reminders desk (issue #19): offer reminders for the deadlines a result computed, /reminders, .ics files.

* :meth:`ReminderDesk.arrived` — after a move reached the review, a result or a document: the session's
  reminders whose deadline its answers no longer produce are deleted (the user is told), and on a result or a
  document the deadlines ahead are offered (after a document only its schedule) ("⏰ 提醒我" / "📅 加入日历").
* :meth:`ReminderDesk.press` — the buttons, all under :attr:`flows.callbacks.Action.REMINDERS`; the value
  names the step: ``o`` open the choice, ``t`` toggle an offset, ``c`` confirm, ``i`` the calendar file,
  ``x`` cancel from /reminders, ``s`` the content a sent reminder links back to. A deadline is named by
  :func:`ident` (kind, instalment number, the first 8 hex digits of its fingerprint) and looked up again in
  the deadlines the session's answers give now; the chosen offsets travel in the button data (a bit mask
  over :data:`reminders.messages.OFFSETS`), so nothing about an unfinished choice is stored.
* ``/reminders`` lists the chat's reminders with a cancel button each.

No reminders in groups: the core hands group inbounds to the group desk only, and ``/reminders`` there gets
the pointer to the private chat like every private command. ``/forget`` deletes the rows through the privacy
registry (``storage.privacy``); calendar files follow the documents (``out/<user id>/``, removed by /forget,
or the outbox the Telegram channel empties).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from core.commands import Command
from core.context import TurnContext
from core.desk import Desk
from documents.userfiles import free_path, user_folder
from flows import callbacks as cb
from flows.callbacks import Action, Press
from flows.model import Button as ReplyButton
from flows.model import Reply, ReplyKind
from law.advice import advice_context
from messages import render
from reminders.deadlines import Deadline, deadlines, kinds
from reminders.ics import calendar_file
from reminders.messages import (
    OFFSETS,
    Button,
    Screen,
    calendar_entry,
    cancelled,
    choose,
    confirmed,
    labels,
    listing,
    offer,
    offsets_ahead,
    reminder_message,
    view,
)
from reminders.schedule import Due, due
from storage.reminders import NewReminder, ReminderStore
from storage.sessions import Session, SessionStore

Rows = tuple[tuple[ReplyButton, ...], ...]
FP = 8  # fingerprint hex digits carried by a button
ICS_NAME = "期限提醒.ics"
ICS_ASCII_NAME = "deadline-reminder.ics"
SCHEDULE_KINDS = frozenset({"instalment_pay", "instalment_check"})  # what a document offers (its schedule)
RECONCILE_KINDS = frozenset({"review", "result", "document"})  # every answer is in: the deadlines are final
OFFER_KINDS = frozenset({"result", "document"})


def mask_of(offsets: Iterable[int]) -> int:
    """The bit mask of chosen offsets (bit i = ``OFFSETS[i]``)."""
    return sum(1 << i for i, o in enumerate(OFFSETS) if o in set(offsets))


def offsets_of(mask: int) -> list[int]:
    """The offsets a bit mask stands for."""
    return [o for i, o in enumerate(OFFSETS) if mask & (1 << i)]


def ident(deadline: Deadline) -> str:
    """How a button names a deadline: ``<kind code>:<instalment number>:<fingerprint prefix>`` (the kind code
    is its position among the sorted kind names; the fingerprint includes the kind, so a renumbered kind never
    matches an old button)."""
    code = sorted(kinds()).index(deadline.kind)
    return f"{code}:{deadline.number}:{deadline.fingerprint[:FP]}"


def _data(turn: int, *parts: object) -> str:
    return cb.encode(turn, Action.REMINDERS, ":".join(str(p) for p in parts))


def section_button(reminder_id: int) -> ReplyButton:
    """The "回看相关内容" button of a sent reminder (honoured from any screen)."""
    return ReplyButton(labels()["back_to_section"], _data(0, "s", reminder_id))


def reminder_reply(item: Due) -> Reply:
    """The reminder message the sender sends: the text and the button back to the relevant content."""
    screen = reminder_message(item)
    return Reply(screen.rendered.html, buttons=((section_button(item.reminder.id),),), kind=ReplyKind.NOTICE,
                 meta={"citations": screen.rendered.citations})


def _filename_ok(name: str) -> bool:
    try:
        name.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:
        return False
    return True


class ReminderDesk(Desk):
    """Reminders for the deadlines a consultation computed (see the module docstring)."""

    name = "reminders"
    priority = 870  # no typed text; after documents (their file first) and intake, before the consultation
    actions: ClassVar[frozenset[Action]] = frozenset({Action.REMINDERS})
    # A sent reminder's button and /reminders' cancel buttons outlive any screen; each press is checked itself.
    any_turn_actions: ClassVar[frozenset[Action]] = frozenset({Action.REMINDERS})

    def __init__(self, store: SessionStore, out_dir: Path, outbox: bool = False) -> None:
        """Reminders in ``store``'s database; calendar files under ``out_dir`` (``outbox``: the channel sends
        and deletes them)."""
        self.sessions = store
        self.store = ReminderStore(store.db)
        self.out_dir = out_dir
        self.outbox = outbox

    def take_due(self, chat_id: int, user_id: int, now: datetime) -> list[Reply]:
        """For a channel without the Telegram sender (the terminal): the reminders of this chat and user due at
        ``now``, marked sent (older overdue ones of the same deadline superseded), as replies to show."""
        replies = []
        mine = [r for r in self.store.open() if (r.chat_id, r.user_id) == (chat_id, user_id)]
        for item in due(mine, now):
            self.store.set_status([r.id for r in item.superseded if r.status == "pending"], "superseded")
            if item.reminder.status == "pending" and not self.store.claim(item.reminder.id):
                continue
            replies.append(reminder_reply(item))
            self.store.mark_sent(item.reminder.id)
        return replies

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """/reminders, in the private menu and in /help."""
        return (Command("reminders", menu="查看或取消期限提醒", help="查看或取消期限提醒", rank=60),)

    # ---------------------------------------------------------------------------------- the deadlines

    def _deadlines(self, ctx: TurnContext, session: Session) -> list[Deadline]:
        return deadlines(str(session.facts.get("role") or session.flow), session.facts, ctx.today())

    @staticmethod
    def _offered(found: list[Deadline], node_kind: str) -> list[Deadline]:
        """What an offer lists of the deadlines ``found``: after a result every deadline ahead; after a document
        only its schedule."""
        return [d for d in found if d.kind in SCHEDULE_KINDS] if node_kind == "document" else found

    def _buttons(self, screen: Screen, turn: int, shown: list[Deadline], mask: int = 0) -> Rows:
        """Turn a reminders screen's abstract buttons into callback data (``shown``: the deadlines an offer
        lists, by position; a single one for the choice screen)."""
        return tuple(tuple(ReplyButton(b.label, self._encode(b, turn, shown, mask)) for b in row)
                     for row in screen.buttons)

    @staticmethod
    def _encode(button: Button, turn: int, shown: list[Deadline], mask: int) -> str:
        if button.action == "cancel":
            return _data(turn, "x", button.arg)
        deadline = shown[int(button.arg) - 1] if button.action in ("offer", "ics") else shown[0]
        if button.action == "offer":
            return _data(turn, "o", ident(deadline))
        if button.action == "ics":
            return _data(turn, "i", ident(deadline))
        if button.action == "toggle":
            return _data(turn, "t", ident(deadline), mask ^ mask_of([int(button.arg)]))
        if button.action == "confirm":
            return _data(turn, "c", ident(deadline), mask)
        raise ValueError(f"unknown reminders button action {button.action!r}")

    # ---------------------------------------------------------------------------------- hooks

    def arrived(self, ctx: TurnContext) -> None:
        """Reconcile the session's reminders with its answers; offer the deadlines ahead after a result."""
        session, node = ctx.session, ctx.node()
        if session is None or node is None or node.kind not in RECONCILE_KINDS or not ctx.inbound.is_private:
            return
        # The deadlines are computed once, and at the review only when the session has reminders to check.
        found = self._deadlines(ctx, session) if node.kind in OFFER_KINDS else None

        def current() -> list[tuple[str, int, str]]:
            deadlines_now = found if found is not None else self._deadlines(ctx, session)
            return [(d.kind, d.number, d.fingerprint) for d in deadlines_now]

        gone = self.store.reconcile(session.id, current, in_transaction=True)
        told: set[tuple[int, str, int, str]] = set()
        for reminder in gone:
            if reminder.deadline_key not in told:
                told.add(reminder.deadline_key)
                ctx.reply(Reply(cancelled(reminder, "changed").rendered.html, kind=ReplyKind.NOTICE))
        shown = self._offered(found, node.kind) if found is not None else []
        if not shown:
            return
        screen = offer(shown)
        ctx.reply(Reply(screen.rendered.html, buttons=self._buttons(screen, session.turn, shown),
                        kind=ReplyKind.NOTICE, meta={"citations": screen.rendered.citations}))

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """/reminders: the chat's reminders, a cancel button each."""
        self._list(ctx)

    def _list(self, ctx: TurnContext, replace: bool = False) -> None:
        turn = ctx.session.turn if ctx.session else 0
        screen = listing(self.store.for_chat(ctx.inbound.chat_id))
        ctx.reply(Reply(screen.rendered.html, buttons=self._buttons(screen, turn, []), kind=ReplyKind.NOTICE,
                        meta={"replace_pressed": True} if replace else {}))

    def press(self, ctx: TurnContext, press: Press) -> None:
        """A reminders button (see the module docstring for the steps)."""
        parts = press.value.split(":")
        step, args = parts[0], parts[1:]
        numbers = [int(a) for a in args if a.isascii() and a.isdigit()]
        if step == "x" and len(numbers) == 1:
            self._cancel(ctx, numbers[0])
        elif step == "s" and len(numbers) == 1:
            self._section(ctx, numbers[0])
        elif step in ("o", "i", "t", "c") and len(args) >= 3:
            self._deadline_step(ctx, press, step, args)
        else:
            ctx.refuse(unknown=True)

    def _deadline_step(self, ctx: TurnContext, press: Press, step: str, args: list[str]) -> None:
        session = ctx.session
        key = ":".join(args[:3])
        found = [d for d in self._deadlines(ctx, session) if ident(d) == key] if session is not None else []
        if session is None or not found:
            ctx.refuse(unknown=False)  # the answers changed since this offer, or the consultation is gone
            return
        deadline = found[0]
        mask = int(args[3]) if len(args) > 3 and args[3].isascii() and args[3].isdigit() else 0
        chosen = offsets_of(mask)
        if step == "o" or step == "t":
            screen = choose(deadline, ctx.today(), chosen)
            ctx.reply(Reply(screen.rendered.html, buttons=self._buttons(screen, press.turn, [deadline], mask),
                            kind=ReplyKind.NOTICE, meta={"replace_pressed": step == "t"}))
        elif step == "c":
            picked = [o for o in chosen if o in offsets_ahead(deadline.day, ctx.today())]
            if not picked:
                ctx.say("reminders/pick_first.html.j2", kind=ReplyKind.STALE, alert=True)
                return
            new = NewReminder(chat_id=ctx.inbound.chat_id, user_id=ctx.inbound.user_id, session_id=session.id,
                              kind=deadline.kind, number=deadline.number, deadline=deadline.day,
                              base_date=deadline.base_date, holiday_checked=deadline.holiday_checked,
                              fingerprint=deadline.fingerprint)
            self.store.add(new, picked, today=ctx.today(), in_transaction=True)
            rows = [r for r in self.store.for_chat(ctx.inbound.chat_id)
                    if (r.kind, r.number, r.deadline) == (deadline.kind, deadline.number, deadline.day)]
            screen = confirmed(deadline, rows)
            calendar = ((ReplyButton(labels()["calendar"], _data(press.turn, "i", ident(deadline))),),)
            ctx.reply(Reply(screen.rendered.html, buttons=calendar, kind=ReplyKind.NOTICE,
                            meta={"replace_pressed": True}))
        else:
            self._calendar(ctx, deadline)

    def _calendar(self, ctx: TurnContext, deadline: Deadline) -> None:
        """The .ics file of one deadline, with alarms at the offsets chosen for it (else every one ahead)."""
        stored = [r.offset_days for r in self.store.for_chat(ctx.inbound.chat_id)
                  if (r.kind, r.number, r.deadline) == (deadline.kind, deadline.number, deadline.day)]
        offsets = stored or list(OFFSETS)
        data = calendar_file([calendar_entry(ctx.inbound.chat_id, deadline, offsets)])
        name = ICS_NAME if _filename_ok(ICS_NAME) else ICS_ASCII_NAME
        folder = self.out_dir / secrets.token_hex(8) if self.outbox else user_folder(self.out_dir, ctx.inbound.user_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = free_path(folder, name)
        path.write_bytes(data)
        caption = render("reminders/ics_caption.html.j2", d=view(deadline), offsets=sorted(set(offsets), reverse=True))
        ctx.reply(Reply(caption.html, files=(path,), kind=ReplyKind.DOCUMENT, meta={"citations": caption.citations}))

    def _cancel(self, ctx: TurnContext, reminder_id: int) -> None:
        target = self.store.get(reminder_id)
        if target is None or target.chat_id != ctx.inbound.chat_id or target.status not in ("pending", "sending"):
            ctx.refuse(unknown=False)
            return
        self.store.cancel(ctx.inbound.chat_id, reminder_id, in_transaction=True)
        ctx.reply(Reply(cancelled(target, "user").rendered.html, kind=ReplyKind.NOTICE))
        self._list(ctx, replace=False)

    def _section(self, ctx: TurnContext, reminder_id: int) -> None:
        """What a sent reminder links back to: its result section, re-rendered from the consultation's answers
        (or, when the consultation was deleted or the deadline has no result section, what to do)."""
        reminder = self.store.get(reminder_id)
        if reminder is None or reminder.chat_id != ctx.inbound.chat_id:
            ctx.say("reminders/gone.html.j2")
            return
        kind = kinds()[reminder.kind]
        session = self.sessions.get(reminder.session_id) if reminder.session_id else None
        section, context = "", {}
        role = str(session.facts.get("role") or session.flow) if session else ""
        # A result section is rendered with its own side's advice context (c_… creditor, d_… debtor).
        if session is not None and kind.section.endswith(".j2") and role in ("creditor", "debtor") \
                and Path(kind.section).name.startswith(f"{role[0]}_"):
            section, context = kind.section, advice_context(role, session.facts, ctx.today())
        rendered = render("reminders/section.html.j2", **context, d=view(reminder), section=section,
                          todo=kind.todo, citations=list(kind.citations))
        ctx.reply(Reply(rendered.html, kind=ReplyKind.NOTICE, meta={"citations": rendered.citations}))

