"""Sessions, transcripts and processed updates: the rows one turn reads and writes.

All writes of a turn happen inside one ``BEGIN IMMEDIATE`` transaction opened by the engine
(``storage.db.immediate``); these methods never commit on their own.

The per-turn reads and writes are plain parameterised SQL through ``Database.execute`` (sqlite3 keeps
the prepared statements): sqlite-utils' ``Table.insert``/``update``/``rows_where`` look the schema up
again on every call (table list, ``PRAGMA table_info``, a savepoint), which cost more than the turn's
own SQL. The schema still comes from the sqlite-utils migrations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlite_utils import Database

import clock
from storage import privacy
from storage.state import History, Pending, Snapshot


def _encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, sort_keys=...).encode``, the way every column holds JSON.

    That method builds a new C encoder on every call; where the C accelerator is there, one is built here
    and reused (the same text; no check for circular data, which a session's plain JSON never holds).
    """
    base = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys)
    if c_make_encoder is None:
        return base.encode
    reused = c_make_encoder(None, base.default, encode_basestring, None, base.key_separator, base.item_separator,
                            sort_keys, False, True)
    return lambda value: "".join(reused(value, 0))


_dumps = _encoder(sort_keys=False)
_dumps_sorted = _encoder(sort_keys=True)

SESSION_COLUMNS = ("id", "chat_id", "user_id", "flow", "state", "facts", "history", "pending", "turn", "status",
                   "created_at", "updated_at", "finished_at")
_SELECT_SESSION = f"select {', '.join(SESSION_COLUMNS)} from sessions"
_INSERT_SESSION = (f"insert into sessions ({', '.join(SESSION_COLUMNS[1:])}) "
                   f"values ({', '.join('?' * len(SESSION_COLUMNS[1:]))})")
# A turn never changes a session's chat, user or creation time; its status (in the index the current session is
# found by) only sometimes: it is written only when it changed, so the index is left alone on other turns.
_TURN_COLUMNS = ("flow", "state", "facts", "history", "pending", "turn", "updated_at", "finished_at")
_UPDATE_SESSION = f"update sessions set {', '.join(c + ' = ?' for c in _TURN_COLUMNS)} where id = ?"
_UPDATE_SESSION_STATUS = (f"update sessions set {', '.join(c + ' = ?' for c in (*_TURN_COLUMNS, 'status'))} "
                          "where id = ?")
_INSERT_TRANSCRIPT = (
    "insert into transcript (session_id, chat_id, user_id, direction, kind, text, buttons, state_before, "
    "state_after, update_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_PROCESSED = (
    "insert or replace into processed_updates (update_id, chat_id, user_id, replies, delivered, processed_at) "
    "values (?, ?, ?, ?, 0, ?)"
)


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string (what every timestamp column holds)."""
    return clock.now_iso()


@dataclass
class Session:
    """One consultation of one user in one chat; the ``transitions`` model during a turn."""

    id: int
    chat_id: int
    user_id: int
    flow: str
    state: str
    facts: dict[str, Any] = field(default_factory=dict)
    history: History = field(default_factory=History)
    pending: Pending = field(default_factory=Pending)
    turn: int = 0
    status: str = "active"
    created_at: str = ""
    updated_at: str = ""
    finished_at: str | None = None
    # The status as last read or written (None: not known), so a save writes the status only when it changed.
    saved_status: str | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Session:
        """Build a session from its database row."""
        return cls(
            id=row["id"],
            chat_id=row["chat_id"],
            user_id=row["user_id"],
            flow=row["flow"],
            state=row["state"],
            facts=json.loads(row["facts"] or "{}"),
            history=History.from_json(row["history"]),
            pending=Pending.from_dict(json.loads(row["pending"])) if row["pending"] not in (None, "", "{}")
            else Pending(),  # nothing pending, as on most turns: no JSON to read
            turn=row["turn"],
            status=row["status"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            finished_at=row["finished_at"],
            saved_status=row["status"],
        )

    def __post_init__(self) -> None:
        if not isinstance(self.history, History):  # a plain list of snapshots
            self.history = History(self.history)

    def _history_json(self) -> str:
        history: History | list[Snapshot] = self.history
        if isinstance(history, History):
            return history.to_json(_dumps)
        return _dumps([s.to_dict() for s in history])  # a list assigned after the session was made

    def to_row(self) -> dict[str, Any]:
        """The database row for this session."""
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "user_id": self.user_id,
            "flow": self.flow,
            "state": self.state,
            "facts": _dumps_sorted(self.facts),
            "history": self._history_json(),
            "pending": _dumps_sorted(self.pending.to_dict()),
            "turn": self.turn,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "finished_at": self.finished_at,
        }


class SessionStore:
    """Reads and writes sessions, transcript rows and processed update ids."""

    def __init__(self, db: Database) -> None:
        """Wrap an open database (see ``storage.db.open_database``)."""
        self.db = db

    # sessions ---------------------------------------------------------------------------------

    def current(self, chat_id: int, user_id: int) -> Session | None:
        """The open (active or finished, not closed) session of this user in this chat, if any."""
        # The newest by max(id) over the (chat_id, user_id, status) index: "order by id desc limit 1" sorted
        # the matching rows in a temporary b-tree on every turn.
        row = self.db.execute(
            f"{_SELECT_SESSION} where id = (select max(id) from sessions "
            "where chat_id = ? and user_id = ? and status != 'closed')",
            [chat_id, user_id],
        ).fetchone()
        return Session.from_row(dict(zip(SESSION_COLUMNS, row, strict=True))) if row else None

    def finished(self, chat_id: int, user_id: int, limit: int = 5) -> list[Session]:
        """This user's latest sessions in this chat that reached a result (closed ones too), newest first."""
        rows = self.db.execute(
            f"{_SELECT_SESSION} where chat_id = ? and user_id = ? and finished_at is not null order by id desc limit ?",
            [chat_id, user_id, limit],
        ).fetchall()
        return [Session.from_row(dict(zip(SESSION_COLUMNS, row, strict=True))) for row in rows]

    def create(self, chat_id: int, user_id: int, state: str) -> Session:
        """Start a new session at ``state``.

        Its turns are numbered on from the user's previous session in this chat: a button carries the
        turn it belongs to, and an earlier consultation's button that is still on screen (its message
        left just before a crash, so its keyboard could not be removed) must not match a turn of the new
        one — it gets the "expired" pop-up instead of answering a question it was never asked for.
        """
        stamp = now_iso()
        last = self.db.execute("select max(turn) from sessions where chat_id = ? and user_id = ?",
                               [chat_id, user_id]).fetchone()[0]
        session = Session(
            id=0, chat_id=chat_id, user_id=user_id, flow=state.partition(".")[0], state=state,
            created_at=stamp, updated_at=stamp, turn=0 if last is None else last + 1,
        )
        row = session.to_row()
        session.id = self.db.execute(_INSERT_SESSION, [row[c] for c in SESSION_COLUMNS[1:]]).lastrowid or 0
        session.saved_status = session.status
        return session

    def save(self, session: Session) -> None:
        """Write the session back, stamping ``updated_at``."""
        session.updated_at = now_iso()
        session.flow = session.state.partition(".")[0]
        row = session.to_row()
        values = [row[c] for c in _TURN_COLUMNS]
        if session.status == session.saved_status:
            self.db.execute(_UPDATE_SESSION, [*values, session.id])
        else:
            self.db.execute(_UPDATE_SESSION_STATUS, [*values, session.status, session.id])
            session.saved_status = session.status

    def close(self, session: Session) -> None:
        """Close a session (restart, cancel): it stays in the database, no longer current.

        Personal details typed for a document in it and not kept with the user's consent go now.
        """
        session.status = "closed"
        self.save(session)
        self.db.execute("delete from document_details where session_id = ? and kept = 0", [session.id])

    def get(self, session_id: int) -> Session | None:
        """A session by id."""
        rows = list(self.db["sessions"].rows_where("id = ?", [session_id]))
        return Session.from_row(rows[0]) if rows else None

    # transcript -------------------------------------------------------------------------------

    def log(
        self,
        session: Session | None,
        chat_id: int,
        user_id: int,
        direction: str,
        kind: str,
        text: str,
        *,
        buttons: list[list[dict[str, str]]] | None = None,
        state_before: str | None = None,
        state_after: str | None = None,
        update_id: int | None = None,
    ) -> None:
        """Append one transcript row (a message in or out)."""
        self.db.execute(_INSERT_TRANSCRIPT, [
            session.id if session else None, chat_id, user_id, direction, kind, text, _dumps(buttons or []),
            state_before, state_after, update_id, now_iso(),
        ])

    def log_many(
        self,
        session: Session | None,
        chat_id: int,
        user_id: int,
        rows: Sequence[tuple[str, str, str, list[list[dict[str, str]]] | None]],
        *,
        state_before: str | None = None,
        state_after: str | None = None,
        update_id: int | None = None,
    ) -> None:
        """Append several transcript rows of one turn, in order: each (direction, kind, text, buttons), as
        :meth:`log` writes them, in one statement."""
        stamp = now_iso()
        session_id = session.id if session else None
        conn = self.db.conn
        outside = not conn.in_transaction
        try:
            conn.executemany(_INSERT_TRANSCRIPT, [
                (session_id, chat_id, user_id, direction, kind, text, _dumps(buttons or []), state_before,
                 state_after, update_id, stamp)
                for direction, kind, text, buttons in rows
            ])
        except Exception:
            if outside and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if outside and conn.in_transaction:  # committed on its own outside a transaction, as Database.execute does
            conn.execute("COMMIT")

    def transcript(self, session_id: int) -> list[dict[str, Any]]:
        """Every transcript row of a session, oldest first."""
        return list(self.db["transcript"].rows_where("session_id = ?", [session_id], order_by="id"))

    # processed updates ------------------------------------------------------------------------

    def processed(self, update_id: int) -> dict[str, Any] | None:
        """The record of an already processed update, or None."""
        cursor = self.db.execute("select * from processed_updates where update_id = ?", [update_id])
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None

    def mark_processed(self, update_id: int, chat_id: int, user_id: int, replies: list[dict[str, Any]]) -> None:
        """Remember that an update was handled and what the bot answered."""
        self.db.execute(_INSERT_PROCESSED, [update_id, chat_id, user_id, _dumps(replies), now_iso()])

    def mark_forgotten_update(self, update_id: int, replies: list[dict[str, Any]]) -> None:
        """Remember the update of a /forget confirmation without any id of its user (see ``storage.privacy``)."""
        self.db.table("processed_updates").insert(
            {"update_id": update_id, "chat_id": None, "user_id": None,
             "replies": json.dumps(replies, ensure_ascii=False), "delivered": 0, "processed_at": now_iso()},
            replace=True,
        )

    def mark_delivered(self, update_id: int) -> None:
        """Record that every reply to this update reached the user."""
        # An update may have no record: a turn that failed, or one whose user was just forgotten.
        self.db.execute("update processed_updates set delivered = 1 where update_id = ?", [update_id])

    # privacy ----------------------------------------------------------------------------------

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete every row about this user (see ``storage.privacy.USER_ROWS``); counts per table."""
        return privacy.forget_user(self.db, user_id)
