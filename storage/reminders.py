"""The ``reminders`` table (migration 0007): deadline reminders the user asked for, the minimum to send them.

One row is one reminder message: a deadline (kind, date, instalment number) and how many days before it to
remind. Rows move ``pending`` → ``sending`` (claimed by the sender, committed before the Bot API call) →
``sent``; a reminder overtaken by a later one of the same deadline (the bot was down through both) becomes
``superseded``, one Telegram refused for good (the user blocked the bot) ``failed``. A reminder the user
cancels, or whose deadline a changed answer moved, is deleted: nothing about it is kept.

Each method that writes runs in its own ``BEGIN IMMEDIATE`` transaction unless the caller already holds
one (the engine's turn): pass ``in_transaction=True`` then.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlite_utils import Database

import clock
from storage.db import immediate

COLUMNS = ("id", "chat_id", "user_id", "session_id", "kind", "number", "deadline", "base_date", "holiday_checked",
           "offset_days", "remind_on", "fingerprint", "status", "created_at", "sent_at")
_SELECT = f"select {', '.join(COLUMNS)} from reminders"
OPEN_STATUSES = ("pending", "sending")


@dataclass(frozen=True)
class Reminder:
    """One row of ``reminders``."""

    id: int
    chat_id: int
    user_id: int
    session_id: int | None
    kind: str
    number: int
    deadline: date
    base_date: date | None
    holiday_checked: bool
    offset_days: int
    remind_on: date
    fingerprint: str
    status: str
    created_at: str
    sent_at: str | None

    @property
    def deadline_key(self) -> tuple[int, str, int, str]:
        """What identifies the deadline in a chat: (chat, kind, instalment number, date)."""
        return (self.chat_id, self.kind, self.number, self.deadline.isoformat())

    @classmethod
    def from_row(cls, row: tuple[Any, ...] | dict[str, Any]) -> Reminder:
        """Build from a row in ``COLUMNS`` order (or a dict with those keys)."""
        values = dict(zip(COLUMNS, row, strict=True)) if not isinstance(row, dict) else row
        return cls(
            id=values["id"], chat_id=values["chat_id"], user_id=values["user_id"], session_id=values["session_id"],
            kind=values["kind"], number=values["number"] or 0, deadline=date.fromisoformat(values["deadline"]),
            base_date=date.fromisoformat(values["base_date"]) if values["base_date"] else None,
            holiday_checked=bool(values["holiday_checked"]), offset_days=values["offset_days"],
            remind_on=date.fromisoformat(values["remind_on"]), fingerprint=values["fingerprint"],
            status=values["status"], created_at=values["created_at"], sent_at=values["sent_at"],
        )


@dataclass(frozen=True)
class NewReminder:
    """What the reminder offer needs to store: one deadline and the offsets the user chose."""

    chat_id: int
    user_id: int
    session_id: int | None
    kind: str
    number: int
    deadline: date
    base_date: date | None
    holiday_checked: bool
    fingerprint: str


class ReminderStore:
    """Reads and writes of the ``reminders`` table."""

    def __init__(self, db: Database) -> None:
        """Use ``db`` (migrated by :func:`storage.db.open_database`)."""
        self.db = db

    @contextlib.contextmanager
    def _write(self, in_transaction: bool) -> Iterator[None]:
        if in_transaction:
            yield
        else:
            with immediate(self.db):
                yield

    def _select(self, where: str, params: Iterable[Any] = ()) -> list[Reminder]:
        rows = self.db.execute(f"{_SELECT} where {where} order by remind_on, id", list(params)).fetchall()
        return [Reminder.from_row(row) for row in rows]

    def add(self, new: NewReminder, offsets: Iterable[int], *, today: date | None = None,
            in_transaction: bool = False) -> list[Reminder]:
        """Store one reminder per offset (days before the deadline); returns the rows made.

        An offset whose reminder day is already past (``today`` or later is fine) is skipped, and so is one
        the chat already has for the same deadline. Asking again for a deadline replaces nothing.
        """
        today = today or clock.today()
        made: list[int] = []
        with self._write(in_transaction):
            for offset in sorted(set(offsets), reverse=True):
                if offset < 0:
                    raise ValueError(f"offset must be >= 0 days, not {offset}")
                remind_on = new.deadline - timedelta(days=offset)
                if remind_on < today:
                    continue
                exists = self.db.execute(
                    "select 1 from reminders where chat_id = ? and kind = ? and number = ? and deadline = ? "
                    "and offset_days = ? and status in ('pending', 'sending')",
                    [new.chat_id, new.kind, new.number, new.deadline.isoformat(), offset]).fetchone()
                if exists:
                    continue
                cursor = self.db.execute(
                    "insert into reminders (chat_id, user_id, session_id, kind, number, deadline, base_date, "
                    "holiday_checked, offset_days, remind_on, fingerprint, status, created_at) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                    [new.chat_id, new.user_id, new.session_id, new.kind, new.number, new.deadline.isoformat(),
                     new.base_date.isoformat() if new.base_date else None, int(new.holiday_checked), offset,
                     remind_on.isoformat(), new.fingerprint, clock.now_iso()])
                made.append(int(cursor.lastrowid or 0))
        return [row for i in made if (row := self.get(i)) is not None]

    def get(self, reminder_id: int) -> Reminder | None:
        """The reminder with this id, if it still exists."""
        rows = self._select("id = ?", [reminder_id])
        return rows[0] if rows else None

    def open(self) -> list[Reminder]:
        """Every reminder not yet sent (``pending`` or claimed ``sending``), earliest first."""
        return self._select("status in ('pending', 'sending')")

    def for_chat(self, chat_id: int) -> list[Reminder]:
        """The chat's reminders still to be sent (what /reminders lists), earliest first."""
        return self._select("chat_id = ? and status in ('pending', 'sending')", [chat_id])

    def cancel(self, chat_id: int, reminder_id: int, *, in_transaction: bool = False) -> int:
        """Delete the reminder ``reminder_id`` of ``chat_id`` and its siblings (same deadline); returns how many.

        The /reminders list shows one line per deadline, so its cancel button cancels every offset of it.
        """
        target = self.get(reminder_id)
        if target is None or target.chat_id != chat_id:
            return 0
        with self._write(in_transaction):
            return self.db.execute(
                "delete from reminders where chat_id = ? and kind = ? and number = ? and deadline = ? "
                "and status in ('pending', 'sending')",
                [chat_id, target.kind, target.number, target.deadline.isoformat()]).rowcount

    def reconcile(self, session_id: int,
                  current: Iterable[tuple[str, int, str]] | Callable[[], Iterable[tuple[str, int, str]]], *,
                  in_transaction: bool = False) -> list[Reminder]:
        """Delete the session's unsent reminders whose deadline no longer results from its answers.

        ``current``: (kind, instalment number, fingerprint) of every deadline the session's facts give now, or a
        function giving them (called only when the session has unsent reminders). A reminder survives only if
        its deadline is still among them with the same fingerprint (the same answers produced it). Returns the
        reminders deleted, so the user can be told.
        """
        unsent = self._select("session_id = ? and status in ('pending', 'sending')", [session_id])
        if not unsent:
            return []
        keep = set(current() if callable(current) else current)
        gone = [r for r in unsent if (r.kind, r.number, r.fingerprint) not in keep]
        if gone:
            with self._write(in_transaction):
                self.db.execute(f"delete from reminders where id in ({', '.join('?' * len(gone))})",
                                [r.id for r in gone])
        return gone

    def claim(self, reminder_id: int) -> bool:
        """``pending`` → ``sending`` (committed before the Bot API call); False if it was not pending."""
        with immediate(self.db):
            return self.db.execute("update reminders set status = 'sending' where id = ? and status = 'pending'",
                                   [reminder_id]).rowcount == 1

    def mark_sent(self, reminder_id: int, *, journal_update_id: int | None = None) -> None:
        """Record the reminder as sent; with ``journal_update_id``, drop its delivery-journal steps in the same
        transaction (the journal's job is over once the reminder itself says ``sent``)."""
        with immediate(self.db):
            self.db.execute("update reminders set status = 'sent', sent_at = ? where id = ?",
                            [clock.now_iso(), reminder_id])
            if journal_update_id is not None and "delivery_steps" in self.db.table_names():
                self.db.execute("delete from delivery_steps where update_id = ?", [journal_update_id])

    def set_status(self, reminder_ids: Iterable[int], status: str) -> None:
        """Set ``status`` (``superseded``, ``failed``) on these reminders."""
        ids = list(reminder_ids)
        if not ids:
            return
        with immediate(self.db):
            self.db.execute(f"update reminders set status = ? where id in ({', '.join('?' * len(ids))})",
                            [status, *ids])

    def move(self, reminder_id: int, deadline: date, holiday_checked: bool) -> None:
        """Give a reminder a recomputed deadline (holiday data now covers its year); its day moves with it."""
        target = self.get(reminder_id)
        if target is None:
            return
        with immediate(self.db):
            self.db.execute(
                "update reminders set deadline = ?, holiday_checked = ?, remind_on = ? where id = ?",
                [deadline.isoformat(), int(holiday_checked),
                 (deadline - timedelta(days=target.offset_days)).isoformat(), reminder_id])
