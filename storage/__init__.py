"""SQLite storage: sessions, transcripts, processed updates and every other table (via sqlite-utils).

The ``storage`` package owns the schema (versioned migrations), the tables' plain read/write functions, the
/forget registry (``privacy``) and retention. It sits at the bottom with ``law``: it may import ``text`` and
``clock`` only, never the core, desks, flows or channels.
"""

from storage.db import open_database
from storage.sessions import Session, SessionStore

__all__ = ["Session", "SessionStore", "open_database"]
