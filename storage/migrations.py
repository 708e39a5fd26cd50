"""Versioned schema migrations (sqlite-utils ``Migrations``); append new ones, never edit old ones."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("xiaoe")


@migrations(name="0001_sessions_transcripts_updates")
def m0001(db: Database) -> None:
    """Sessions, their transcripts, and the Telegram updates already processed."""
    db.table("sessions").create(
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
    db.table("sessions").create_index(["chat_id", "user_id", "status"])
    db.table("transcript").create(
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
    db.table("transcript").create_index(["session_id"])
    db.table("transcript").create_index(["chat_id", "user_id"])
    db.table("processed_updates").create(
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
    db.table("telegram_keyboards").create(
        {
            "chat_id": int,
            "message_id": int,
            "turn": int,  # the session turn encoded in the buttons' callback data
            "created_at": str,
        },
        pk=("chat_id", "message_id"),
        not_null={"chat_id", "message_id", "turn", "created_at"},
    )


@migrations(name="0003_groups")
def m0003(db: Database) -> None:
    """Group mode: per-group settings, deep-link tokens for private hand-over, and the throttle log."""
    db.table("group_settings").create(
        {
            "chat_id": int,
            "keyword_answers": int,  # 1: a mention/reply naming a topic gets the brief answer
            "welcome": int,  # 1: greet members who join (without naming them)
            "quiet": int,  # 1: one-line answers, no throttle notices
            "created_at": str,
            "updated_at": str,
        },
        pk="chat_id",
        not_null={"chat_id", "keyword_answers", "welcome", "quiet", "created_at", "updated_at"},
    )
    db.table("group_links").create(
        {
            "token": str,  # random, opaque: what t.me/<bot>?start=<token> carries
            "chat_id": int,  # the group the link was posted in (to delete it with the group's data)
            "topic": str,  # a quick topic to show in private, or null; never anything about a member
            "created_at": float,  # seconds since the epoch (the desk's clock)
            "expires_at": float,
        },
        pk="token",
        not_null={"token", "chat_id", "created_at", "expires_at"},
    )
    db.table("group_links").create_index(["chat_id"])
    db.table("group_links").create_index(["expires_at"])
    db.table("group_requests").create(
        {
            "id": int,
            "chat_id": int,
            "user_id": int,  # 0 for the bot's own events (introduction, welcome)
            "at": float,  # seconds since the epoch (the desk's clock)
            "key": str,  # what was asked ("faq:dishonest", "start", "press"...) or a notice marker ("!busy")
            "cost": int,  # group-bound Bot API requests it caused (messages, edits, getChatMember)
        },
        pk="id",
        not_null={"chat_id", "user_id", "at", "key", "cost"},
    )
    db.table("group_requests").create_index(["chat_id", "at"])


@migrations(name="0004_document_details")
def m0004(db: Database) -> None:
    """Personal details typed for documents (names, identity numbers, addresses, phones), apart from
    the session facts: one value per user and field. ``kept`` = 1 only when the user agreed to keep them
    for later documents (until ``expires_at``); other rows live only while the document is being made.
    """
    db.table("document_details").create(
        {
            "user_id": int,
            "field": str,
            "value": str,
            "session_id": int,
            "kept": int,
            "updated_at": str,
            "expires_at": str,
        },
        pk=("user_id", "field"),
        not_null={"user_id", "field", "value", "kept", "updated_at"},
        defaults={"kept": 0},
    )
    db.table("document_details").create_index(["session_id"])


@migrations(name="0005_delivery_records")
def m0005(db: Database) -> None:
    """Telegram delivery bookkeeping, ids only (never message text).

    ``delivery_steps``: each non-idempotent Bot API call (a message sent, a button press answered) of an
    update whose delivery is under way, so a restarted bot never repeats one that went out. Rows are
    removed once the update is delivered. ``undeliverable``: updates whose replies could not be delivered
    (the user blocked the bot, retries exhausted), kept for the operator's statistics.
    """
    db.table("delivery_steps").create(
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
    db.table("undeliverable").create(
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
    db.table("undeliverable").create_index(["chat_id"])
    db.table("undeliverable").create_index(["created_at"])
    db.table("transcript").create_index(["created_at"])
    db.table("processed_updates").create_index(["processed_at"])


@migrations(name="0006_meta")
def m0006(db: Database) -> None:
    """Small key/value settings of this database (e.g. the secret that keys export pseudonyms)."""
    db.table("meta").create({"key": str, "value": str}, pk="key", not_null={"value"})


@migrations(name="0007_reminders")
def m0007(db: Database) -> None:
    """Deadline reminders the user asked for (issue #19): one row per reminder message, the minimum to send it.

    No facts and no amounts: the deadline's kind, its date (and, for a date the holiday data decided, the
    date before roll-over, so it can be recomputed when the holiday data grows), when to remind, the chat,
    the consultation it came from and a fingerprint (a hash) of the answers that produced the date, so a
    changed answer cancels it. Kept past ``XIAOE_RETENTION_DAYS`` until the deadline has passed.
    """
    db.table("reminders").create(
        {
            "id": int,
            "chat_id": int,
            "user_id": int,
            "session_id": int,  # the consultation the deadline was computed in (no foreign key: sessions may go)
            "kind": str,  # a key of reminders/kinds.yaml: limitation, enforcement, instalment_pay...
            "number": int,  # instalment number, 0 otherwise
            "deadline": str,  # ISO date: the last day
            "base_date": str,  # ISO date before holiday roll-over, or null when no roll-over applies
            "holiday_checked": int,  # 1: the holiday data covered every day the roll-over looked at
            "offset_days": int,  # remind this many days before the deadline (30, 7, 1)
            "remind_on": str,  # ISO date: deadline - offset_days (sent from 09:00 China time that day)
            "fingerprint": str,  # hash of the answers that produced the deadline
            "status": str,  # pending | sending | sent | superseded | failed (a cancelled reminder is deleted)
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"chat_id", "user_id", "kind", "number", "deadline", "holiday_checked", "offset_days", "remind_on",
                  "fingerprint", "status", "created_at"},
        defaults={"status": "pending", "number": 0},
    )
    db.table("reminders").create_index(["status", "remind_on"])
    db.table("reminders").create_index(["chat_id", "status"])
    db.table("reminders").create_index(["session_id"])
