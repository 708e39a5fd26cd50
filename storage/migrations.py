"""Versioned schema migrations (sqlite-utils ``Migrations``); append new ones, never edit old ones."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("xiaoe")


@migrations(name="0001_sessions_transcripts_updates")
def m0001(db: Database) -> None:
    """Sessions, their transcripts, and the Telegram updates already processed."""
    db["sessions"].create(
        {
            "id": int,
            "chat_id": int,
            "user_id": int,
            "flow": str,
            "state": str,
            "facts": str,  # JSON object
            "history": str,  # JSON list of undo snapshots
            "pending": str,  # JSON object: transient UI state (multi-choice picks, confirmations)
            "turn": int,
            "status": str,  # active | finished | cancelled
            "created_at": str,
            "updated_at": str,
            "finished_at": str,
        },
        pk="id",
        not_null={"chat_id", "user_id", "flow", "state", "turn", "status", "created_at", "updated_at"},
        defaults={"facts": "{}", "history": "[]", "pending": "{}", "turn": 0, "status": "active"},
    )
    db["sessions"].create_index(["chat_id", "user_id", "status"])
    db["transcript"].create(
        {
            "id": int,
            "session_id": int,
            "chat_id": int,
            "user_id": int,
            "direction": str,  # in | out
            "kind": str,
            "text": str,
            "buttons": str,  # JSON
            "state_before": str,
            "state_after": str,
            "update_id": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["transcript"].create_index(["session_id"])
    db["transcript"].create_index(["chat_id", "user_id"])
    db["processed_updates"].create(
        {
            "update_id": int,
            "chat_id": int,
            "user_id": int,
            "replies": str,  # JSON list of serialised replies, kept so an unsent reply can be re-sent
            "delivered": int,
            "processed_at": str,
        },
        pk="update_id",
    )


@migrations(name="0002_telegram_keyboards")
def m0002(db: Database) -> None:
    """Telegram messages that still show turn-bound buttons, so stale keyboards can be removed."""
    db["telegram_keyboards"].create(
        {
            "chat_id": int,
            "message_id": int,
            "turn": int,  # the session turn encoded in the buttons' callback data
            "created_at": str,
        },
        pk=("chat_id", "message_id"),
        not_null={"chat_id", "message_id", "turn", "created_at"},
    )


@migrations(name="0005_delivery_records")
def m0005(db: Database) -> None:
    """Telegram delivery bookkeeping, ids only (never message text).

    ``delivery_steps``: each non-idempotent Bot API call (a message sent, a button press answered) of an
    update whose delivery is under way, so a restarted bot never repeats one that went out. Rows are
    removed once the update is delivered. ``undeliverable``: updates whose replies could not be delivered
    (the user blocked the bot, retries exhausted), kept for the operator's statistics.
    """
    db["delivery_steps"].create(
        {
            "update_id": int,
            "step": int,  # 0, 1, 2... in the order the delivery makes its calls
            "chat_id": int,
            "user_id": int,
            "status": str,  # sending | sent
            "message_id": int,  # of the message sent, when the call created one
            "created_at": str,
        },
        pk=("update_id", "step"),
        not_null={"update_id", "step", "chat_id", "user_id", "status", "created_at"},
    )
    db["undeliverable"].create(
        {
            "id": int,
            "update_id": int,
            "chat_id": int,
            "user_id": int,
            "reason": str,  # blocked | rejected | retries_exhausted
            "error": str,  # the exception type, e.g. Forbidden, TimedOut
            "attempts": int,
            "created_at": str,
        },
        pk="id",
        not_null={"chat_id", "user_id", "reason", "attempts", "created_at"},
    )
    db["undeliverable"].create_index(["chat_id"])
    db["undeliverable"].create_index(["created_at"])
    db["transcript"].create_index(["created_at"])
    db["processed_updates"].create_index(["processed_at"])
