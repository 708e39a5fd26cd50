"""Fill a database with many stored sessions, fast: real sessions cloned with new users, in one transaction.

The templates are real: the creditor and debtor scripts are played through the engine, and the session
row is copied after every step (so the clones are spread over every state, from the first question to
the result, with the facts, undo history and pending UI state a real session has at that point), with
the transcript row pair of that step. Each clone gets its own user (and private chat) id.

Only the sessions and a short transcript (one message in, one out) are cloned. A turn reads the
sessions index and one session row and only appends to the transcript and the processed updates, so
those append-only tables change the file's size, not what a running bot holds; cloning complete
transcripts (about 50 KB a consultation) would make 100,000 sessions a 5 GB file and minutes of writing.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

from bench.engine import TODAY
from bench.scenarios import SCRIPTS, EngineUser

FIRST_SEEDED_USER = 10_000_000
TRANSCRIPT_COLUMNS = ("session_id", "chat_id", "user_id", "direction", "kind", "text", "buttons", "state_before",
                      "state_after", "update_id", "created_at")


def templates() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(session row, its last turn's transcript rows [in, first out]) after every step of every script."""
    from assembly import Engine
    from storage import SessionStore, open_database

    found = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(SessionStore(open_database(Path(tmp) / "t.db")), clock=lambda: TODAY)
        db = engine.store.db
        update_ids = itertools.count(1)
        for number, script in enumerate(SCRIPTS, start=1):
            user = EngineUser(number, script, update_ids)
            while not user.done:
                user.took(engine.handle(user.next_inbound()))
                session = engine.store.current(number, number)
                assert session is not None
                row = session.to_row()
                turn = [dict(zip(TRANSCRIPT_COLUMNS, r, strict=True)) for r in db.execute(
                    f"select {', '.join(TRANSCRIPT_COLUMNS)} from transcript where session_id = ? and update_id = "
                    "(select max(update_id) from transcript where session_id = ?) order by id limit 2",
                    [session.id, session.id]).fetchall()]
                found.append((row, turn))
        db.close()
    return found


def seed(db_path: Path, sessions: int) -> int:
    """Add ``sessions`` cloned sessions to the database at ``db_path`` (created if needed); returns their count."""
    from storage import open_database

    db = open_database(db_path)
    conn = db.conn
    shapes = templates()
    session_columns = [column for column in shapes[0][0] if column in db["sessions"].columns_dict]
    session_sql = (f"insert into sessions ({', '.join(session_columns)}) "
                   f"values ({', '.join('?' * len(session_columns))})")
    transcript_sql = (f"insert into transcript ({', '.join(TRANSCRIPT_COLUMNS)}) "
                      f"values ({', '.join('?' * len(TRANSCRIPT_COLUMNS))})")
    first_id = (conn.execute("select max(id) from sessions").fetchone()[0] or 0) + 1

    def session_rows() -> Any:
        for i in range(sessions):
            row, _ = shapes[i % len(shapes)]
            user = FIRST_SEEDED_USER + i
            yield [first_id + i if c == "id" else user if c in ("chat_id", "user_id") else row[c]
                   for c in session_columns]

    def transcript_rows() -> Any:
        for i in range(sessions):
            _, turn = shapes[i % len(shapes)]
            user = FIRST_SEEDED_USER + i
            for r in turn:
                yield [first_id + i if c == "session_id" else user if c in ("chat_id", "user_id") else
                       None if c == "update_id" else r[c] for c in TRANSCRIPT_COLUMNS]

    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(session_sql, session_rows())
        conn.executemany(transcript_sql, transcript_rows())
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return sessions
