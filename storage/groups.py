"""Group-mode rows: settings per group, deep-link tokens, and the log the per-group throttle reads.

Nothing here holds what a member said: settings are three switches, a deep-link token maps to a group and
at most a quick-topic id, and the throttle log keeps (member id, request kind, time) for one minute only.
Like ``storage.sessions``, these methods never commit: the engine's turn transaction does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from storage.sessions import now_iso

SETTING_NAMES = ("keyword_answers", "welcome", "quiet")
DEFAULTS = {"keyword_answers": True, "welcome": False, "quiet": False}

# Deep links stay valid for a day: long enough for a member who reads the group the next morning, short
# enough that old group messages do not keep working links for ever. An expired link still helps: the
# private chat explains it politely and starts the consultation anyway.
LINK_TTL_SECONDS = 24 * 60 * 60
LINK_PREFIX = "g_"
# Telegram's rule for a /start payload: 1-64 characters of A-Z, a-z, 0-9, _ and -.
LINK_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
MAX_PAYLOAD = 64

THROTTLE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class GroupSettings:
    """The switches an administrator can change for one group."""

    chat_id: int
    keyword_answers: bool = DEFAULTS["keyword_answers"]
    welcome: bool = DEFAULTS["welcome"]
    quiet: bool = DEFAULTS["quiet"]


@dataclass(frozen=True)
class GroupLink:
    """A redeemed deep-link token: where it was posted and the quick topic it asks for, if any."""

    token: str
    chat_id: int
    topic: str | None


@dataclass(frozen=True)
class Request:
    """One throttle-log row: who asked what, when, and how many group-bound requests it cost."""

    user_id: int
    key: str
    at: float
    cost: int


def is_link_payload(text: str) -> bool:
    """Whether a /start payload has the shape of our group deep-link tokens."""
    return text.startswith(LINK_PREFIX) and 0 < len(text) <= MAX_PAYLOAD and set(text) <= LINK_ALPHABET


class GroupStore:
    """Reads and writes the group tables of migration 0003."""

    def __init__(self, db: Database) -> None:
        """Wrap an open database (see ``storage.db.open_database``)."""
        self.db = db

    # settings ----------------------------------------------------------------------------------

    def settings(self, chat_id: int) -> GroupSettings:
        """The group's settings (the defaults when the group has no row)."""
        rows = list(self.db["group_settings"].rows_where("chat_id = ?", [chat_id]))
        if not rows:
            return GroupSettings(chat_id)
        row = rows[0]
        return GroupSettings(chat_id, **{name: bool(row[name]) for name in SETTING_NAMES})

    def ensure(self, chat_id: int) -> GroupSettings:
        """Create the group's settings row with the defaults unless it exists; return the settings."""
        stamp = now_iso()
        self.db.execute(
            "insert into group_settings (chat_id, keyword_answers, welcome, quiet, created_at, updated_at) "
            "values (?, ?, ?, ?, ?, ?) on conflict(chat_id) do nothing",
            [chat_id, *(int(DEFAULTS[name]) for name in SETTING_NAMES), stamp, stamp],
        )
        return self.settings(chat_id)

    def toggle(self, chat_id: int, name: str) -> GroupSettings:
        """Flip one switch; returns the new settings. Raises KeyError for an unknown switch."""
        if name not in SETTING_NAMES:
            raise KeyError(name)
        current = self.ensure(chat_id)
        self.db.execute(
            f"update group_settings set {name} = ?, updated_at = ? where chat_id = ?",  # name is whitelisted
            [int(not getattr(current, name)), now_iso(), chat_id],
        )
        return self.settings(chat_id)

    # deep links --------------------------------------------------------------------------------

    def issue_link(self, chat_id: int, topic: str | None, now: float) -> str:
        """A fresh random token for a deep link posted in ``chat_id``; expired tokens are pruned."""
        self.db.execute("delete from group_links where expires_at <= ?", [now])
        token = LINK_PREFIX + secrets.token_urlsafe(16)  # 22 random URL-safe characters
        self.db.table("group_links").insert(
            {"token": token, "chat_id": chat_id, "topic": topic, "created_at": now,
             "expires_at": now + LINK_TTL_SECONDS}
        )
        return token

    def redeem_link(self, token: str, now: float) -> GroupLink | None:
        """The link a token stands for, or None when it is unknown or expired (it stays usable until then)."""
        if not is_link_payload(token):
            return None
        rows = list(self.db["group_links"].rows_where("token = ? and expires_at > ?", [token, now]))
        if not rows:
            return None
        return GroupLink(token, rows[0]["chat_id"], rows[0]["topic"])

    # throttle log ------------------------------------------------------------------------------

    def recent(self, chat_id: int, now: float) -> list[Request]:
        """The group's throttle-log rows of the last minute, oldest first."""
        since = now - THROTTLE_WINDOW_SECONDS
        rows = self.db.execute(
            "select user_id, key, at, cost from group_requests where chat_id = ? and at > ? order by at, id",
            [chat_id, since],
        ).fetchall()
        return [Request(*row) for row in rows]

    def log_request(self, chat_id: int, user_id: int, key: str, cost: int, now: float) -> None:
        """Append a throttle-log row; rows older than the window are dropped on the way."""
        self.db.execute("delete from group_requests where at <= ?", [now - THROTTLE_WINDOW_SECONDS])
        self.db.table("group_requests").insert({"chat_id": chat_id, "user_id": user_id, "at": now, "key": key,
                                          "cost": cost})

    # deletion ----------------------------------------------------------------------------------

    def purge(self, chat_id: int) -> dict[str, int]:
        """Delete everything stored about a group (the bot was removed); returns rows deleted per table."""
        counts: dict[str, int] = {}
        for table in ("group_settings", "group_links", "group_requests", "processed_updates",
                      "telegram_keyboards"):
            if self.db[table].exists():
                counts[table] = self.db.execute(f"delete from {table} where chat_id = ?", [chat_id]).rowcount
        session_ids = [r["id"] for r in self.db["sessions"].rows_where("chat_id = ?", [chat_id], select="id")]
        counts["transcript"] = self.db.execute("delete from transcript where chat_id = ?", [chat_id]).rowcount
        if session_ids:
            marks = ",".join("?" * len(session_ids))
            counts["transcript"] += self.db.execute(
                f"delete from transcript where session_id in ({marks})", session_ids).rowcount
        counts["sessions"] = self.db.execute("delete from sessions where chat_id = ?", [chat_id]).rowcount
        return counts

    def forget_user(self, user_id: int) -> dict[str, Any]:
        """Delete a member's throttle-log rows (part of /forget)."""
        return {"group_requests": self.db.execute("delete from group_requests where user_id = ?",
                                                  [user_id]).rowcount}
