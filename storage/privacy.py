"""What /forget deletes: every table that holds rows about a user, in one registry.

Each :class:`UserRows` entry names a table and the SQL condition that selects one user's rows in it
(``:user`` is the user's Telegram id; in a private chat the chat id is the same number). Entries run
in list order, so a table whose rows point at another table's rows (a foreign key) comes first.

A feature that adds a table with personal data adds one entry here, e.g.::

    UserRows("documents", "user_id = :user"),

``tests/test_privacy.py`` inspects every table of the database after /forget and fails if any row
still carries the user's id or words, so a table left out of this list is caught.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True)
class UserRows:
    """One table's rows about a user: ``delete from <table> where <where>`` with ``:user`` bound.

    With ``anonymise`` (an SQL ``set`` clause) the rows are kept, stripped of everything personal, instead.
    """

    table: str
    where: str
    anonymise: str = ""


USER_ROWS: list[UserRows] = [
    # Transcript rows point at sessions (foreign key): delete them first.
    UserRows("transcript", "user_id = :user or session_id in (select id from sessions where user_id = :user)"),
    UserRows("sessions", "user_id = :user"),
    # The bare update id stays (Telegram's sequence number for the bot, nothing about the person): an update
    # Telegram delivers again after a crash is then recognised, not played back into a new session.
    UserRows("processed_updates", "user_id = :user or chat_id = :user",
             anonymise="chat_id = null, user_id = null, replies = '[]', delivered = 1"),
    UserRows("telegram_keyboards", "chat_id = :user"),
    UserRows("delivery_steps", "user_id = :user or chat_id = :user"),
    UserRows("undeliverable", "user_id = :user or chat_id = :user"),
    # Personal details typed for documents (issue #6), saved or not.
    UserRows("document_details", "user_id = :user"),
    # Group mode (issue #4): a member's throttle log; group settings and links hold nothing about members.
    UserRows("group_requests", "user_id = :user"),
    # Deadline reminders (issue #19): the chat, the deadline's kind and date, when to remind.
    UserRows("reminders", "user_id = :user or chat_id = :user"),
]


def forget_user(db: Database, user_id: int) -> dict[str, int]:
    """Delete every registered row about ``user_id``; returns how many rows went from each table.

    Runs inside the caller's transaction (the engine's turn). Tables that do not exist in this
    database (a feature not installed) are skipped.
    """
    existing = set(db.table_names())
    counts: dict[str, int] = {}
    for entry in USER_ROWS:
        if entry.table not in existing:
            continue
        if entry.anonymise:
            sql = f"update [{entry.table}] set {entry.anonymise} where {entry.where}"
        else:
            sql = f"delete from [{entry.table}] where {entry.where}"
        counts[entry.table] = db.execute(sql, {"user": user_id}).rowcount
    return counts
