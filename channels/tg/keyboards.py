"""Inline keyboards: building them from a reply's buttons, and removing the ones that went stale.

Every message sent with turn-bound buttons (all but the read-only law buttons) is recorded in the
``telegram_keyboards`` table with the session turn its callback data carries. After each turn, every recorded
keyboard whose turn is no longer the session's current turn (or whose session has ended) is removed with
``editMessageReplyMarkup``. The rule mirrors the engine's own test for stale presses, so a keyboard is removed
exactly when pressing it would be refused. Keeping it in SQLite (not in memory) means a restarted bot still
cleans up the keyboards the old process sent.

A delivery does not write each change at once: it collects them in a :class:`KeyboardBatch` (which reads
through to the table) and writes them in its one final transaction, with the update marked delivered
(``channels/tg/delivery.py``). A bot stopped before that commit delivers the update again after the restart,
and the replay makes the same changes: the delivery journal returns the ids of the messages that went out.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlite_utils import Database
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest

from channels.tg import wire
from flows import callbacks as cb
from flows.model import Reply
from storage.db import immediate
from storage.sessions import now_iso

log = logging.getLogger(__name__)

class KeyboardTracker:
    """Messages that still show turn-bound buttons, per chat, in the engine's SQLite database."""

    def __init__(self, db: Database) -> None:
        """Keep them in ``db`` (the ``telegram_keyboards`` table of migration 0002)."""
        self.db = db

    def remember(self, chat_id: int, message_id: int, turn: int) -> None:
        """Record that ``message_id`` shows buttons of session turn ``turn``."""
        with immediate(self.db):
            self.db.execute(
                "insert into telegram_keyboards (chat_id, message_id, turn, created_at) values (?, ?, ?, ?) "
                "on conflict(chat_id, message_id) do update set turn = excluded.turn",
                [chat_id, message_id, turn, now_iso()],
            )

    def forget(self, chat_id: int, message_id: int) -> None:
        """The message no longer shows buttons."""
        with immediate(self.db):
            self.db.execute("delete from telegram_keyboards where chat_id = ? and message_id = ?",
                            [chat_id, message_id])

    def stale(self, chat_id: int, current_turn: int | None) -> list[int]:
        """Message ids in ``chat_id`` whose buttons no longer match ``current_turn`` (None: no session)."""
        return [mid for mid, turn in self.rows(chat_id) if current_turn is None or turn != current_turn]

    def rows(self, chat_id: int) -> list[tuple[int, int]]:
        """(message id, turn) of every recorded keyboard in ``chat_id``, by message id."""
        return [(mid, turn) for mid, turn in self.db.execute(
            "select message_id, turn from telegram_keyboards where chat_id = ? order by message_id", [chat_id]
        ).fetchall()]

    def batch(self) -> KeyboardBatch:
        """A batch of changes for one delivery (see the module docstring)."""
        return KeyboardBatch(self)


class KeyboardBatch:
    """One delivery's keyboard changes, kept until :meth:`write`; reads see the table with them applied."""

    def __init__(self, tracker: KeyboardTracker) -> None:
        """Collect changes to ``tracker``'s table."""
        self.tracker = tracker
        self.changes: dict[tuple[int, int], int | None] = {}  # (chat, message) → turn; None: forget

    def remember(self, chat_id: int, message_id: int, turn: int) -> None:
        """``message_id`` shows buttons of session turn ``turn`` (written with the batch)."""
        self.changes[(chat_id, message_id)] = turn

    def forget(self, chat_id: int, message_id: int) -> None:
        """The message no longer shows buttons (written with the batch)."""
        self.changes[(chat_id, message_id)] = None

    def stale(self, chat_id: int, current_turn: int | None) -> list[int]:
        """Like :meth:`KeyboardTracker.stale`, with this batch's changes applied."""
        rows = dict(self.tracker.rows(chat_id))
        for (chat, message_id), turn in self.changes.items():
            if chat != chat_id:
                continue
            if turn is None:
                rows.pop(message_id, None)
            else:
                rows[message_id] = turn
        return [mid for mid, turn in sorted(rows.items()) if current_turn is None or turn != current_turn]

    def reset(self) -> None:
        """Drop the collected changes (a delivery attempt starts over and makes them again)."""
        self.changes.clear()

    def write(self) -> None:
        """Write the changes, inside the caller's transaction."""
        db = self.tracker.db
        for (chat_id, message_id), turn in self.changes.items():
            if turn is None:
                db.execute("delete from telegram_keyboards where chat_id = ? and message_id = ?",
                           [chat_id, message_id])
            else:
                db.execute(
                    "insert into telegram_keyboards (chat_id, message_id, turn, created_at) values (?, ?, ?, ?) "
                    "on conflict(chat_id, message_id) do update set turn = excluded.turn",
                    [chat_id, message_id, turn, now_iso()],
                )


def keyboard_turn(reply: Reply) -> int | None:
    """The session turn a reply's buttons belong to; None if it has only read-only (law) buttons."""
    for data in reply.button_data():
        press = cb.decode(data)
        if press is not None and press.action not in cb.READ_ONLY:
            return press.turn
    return None


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply's buttons (None without buttons)."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, url=b.url) if b.url else InlineKeyboardButton(b.label, callback_data=b.data)
          for b in row] for row in reply.buttons]
    )


def not_modified(err: BadRequest) -> bool:
    """Whether Telegram refused an edit only because it would change nothing."""
    return "message is not modified" in str(err).lower()


async def strip_keyboard(bot: Any, chat_id: int, message_id: int) -> None:
    """Remove the buttons under a message; a message that cannot be edited any more is left alone."""
    try:
        await wire.remove_keyboard(bot, chat_id, message_id)
    except BadRequest as err:
        # Not modified, deleted by the user, too old to edit: nothing left to clean up either way.
        if not not_modified(err):
            log.info("could not remove the keyboard of message %s: %s", message_id, type(err).__name__)
