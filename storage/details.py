"""Personal details typed for documents, kept apart from the session facts (table ``document_details``).

The session facts (and their undo history) only record *that* a detail was given; the value itself
lives here, one row per user and field. A row is temporary (``kept`` = 0) until the user agrees to
keep the details for later documents; temporary rows are deleted when the document is made, when the
session closes, when a new document is started, and by :meth:`DetailsStore.purge_expired` after
:data:`TEMPORARY_TTL`. Kept rows expire after :data:`KEPT_TTL`. ``/forget`` deletes every row.

Like :class:`~storage.sessions.SessionStore`, these methods never commit: the engine's turn does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

import clock
from storage.sessions import now_iso

TEMPORARY_TTL = timedelta(hours=24)
KEPT_TTL = timedelta(days=30)


class DetailsStore:
    """Reads and writes the ``document_details`` table."""

    def __init__(self, db: Database) -> None:
        """Wrap an open database (migration 0004 creates the table)."""
        self.db = db

    def put(self, user_id: int, session_id: int, field: str, value: str) -> None:
        """Store a typed detail (temporary until :meth:`keep`); replaces the user's earlier value."""
        self.db.execute(
            "insert into document_details (user_id, field, value, session_id, kept, updated_at, expires_at) "
            "values (?, ?, ?, ?, 0, ?, null) on conflict(user_id, field) do update set value = excluded.value, "
            "session_id = excluded.session_id, kept = 0, updated_at = excluded.updated_at, expires_at = null",
            [user_id, field, value, session_id, now_iso()],
        )

    def drop(self, user_id: int, field: str) -> None:
        """Forget one field of a user (a skipped question leaves a blank, not an old value)."""
        self.db.execute("delete from document_details where user_id = ? and field = ?", [user_id, field])

    def values(self, user_id: int) -> dict[str, str]:
        """Every stored detail of a user (temporary and kept), by field."""
        rows = self.db.execute("select field, value from document_details where user_id = ?", [user_id])
        return dict(rows.fetchall())

    def kept_fields(self, user_id: int) -> set[str]:
        """The fields this user agreed to keep for later documents."""
        rows = self.db.execute("select field from document_details where user_id = ? and kept = 1", [user_id])
        return {field for (field,) in rows.fetchall()}

    def temporary_fields(self, user_id: int) -> set[str]:
        """The fields typed for the document being made and not (yet) kept."""
        rows = self.db.execute("select field from document_details where user_id = ? and kept = 0", [user_id])
        return {field for (field,) in rows.fetchall()}

    def keep(self, user_id: int, now: datetime | None = None) -> int:
        """The user agreed: keep every temporary detail until now + :data:`KEPT_TTL`; returns the count."""
        expires = ((now or clock.now_utc()) + KEPT_TTL).isoformat(timespec="milliseconds")
        return self.db.execute(
            "update document_details set kept = 1, expires_at = ? where user_id = ? and kept = 0", [expires, user_id]
        ).rowcount

    def drop_temporary(self, user_id: int) -> int:
        """Delete the user's details that were not kept; returns how many rows went."""
        return self.db.execute("delete from document_details where user_id = ? and kept = 0", [user_id]).rowcount

    def drop_session(self, session_id: int) -> int:
        """Delete the temporary details typed in one session (it is being closed)."""
        return self.db.execute(
            "delete from document_details where session_id = ? and kept = 0", [session_id]
        ).rowcount

    def drop_user(self, user_id: int) -> int:
        """Delete every detail of a user, kept or not (``/forget``, or the user withdrew consent)."""
        return self.db.execute("delete from document_details where user_id = ?", [user_id]).rowcount

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete kept rows past their expiry and temporary rows older than :data:`TEMPORARY_TTL`."""
        moment = now or clock.now_utc()
        stale = (moment - TEMPORARY_TTL).isoformat(timespec="milliseconds")
        return self.db.execute(
            "delete from document_details where (kept = 1 and expires_at < ?) or (kept = 0 and updated_at < ?)",
            [moment.isoformat(timespec="milliseconds"), stale],
        ).rowcount
