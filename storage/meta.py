"""Key/value settings kept in the database itself (table ``meta``)."""

from __future__ import annotations

import secrets

from sqlite_utils import Database


def get_meta(db: Database, key: str) -> str | None:
    """The value stored under ``key``, or None."""
    rows = list(db["meta"].rows_where("key = ?", [key]))
    return rows[0]["value"] if rows else None


def set_meta(db: Database, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (replacing any earlier value)."""
    db.table("meta").insert({"key": key, "value": value}, pk="key", replace=True)


def secret(db: Database, key: str) -> bytes:
    """A random 32-byte secret stored under ``key``, created on first use; never leaves the database."""
    value = get_meta(db, key)
    if value is None:
        value = secrets.token_hex(32)
        if db.conn.in_transaction:  # inside the caller's transaction (an engine turn): it commits
            set_meta(db, key, value)
        else:
            with db.conn:
                set_meta(db, key, value)
    return bytes.fromhex(value)
