"""SQLite storage for sessions, transcripts and processed updates (via sqlite-utils)."""

from storage.db import open_database
from storage.sessions import Session, SessionStore

__all__ = ["Session", "SessionStore", "open_database"]
