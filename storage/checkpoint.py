"""WAL checkpoints in a background thread, so no engine turn pays for one.

In WAL mode SQLite by default checkpoints from inside the ``COMMIT`` that makes the log pass 1,000 pages:
that one commit copies the log into the database file (and syncs it), which is the engine's p99 (a few
ms against ~0.3 ms p50). :class:`Checkpointer` switches that off on the engine's connection
(``wal_autocheckpoint=0``) and runs ``PRAGMA wal_checkpoint(PASSIVE)`` from its own connection in its own
thread every ``interval`` seconds. PASSIVE never waits for or blocks the writer: it copies what no reader
still needs; the log is rewritten from its start once a checkpoint has caught up with it, so it stays
small. On :meth:`Checkpointer.stop` automatic checkpoints come back and one last checkpoint runs.

Durability is unchanged: a transaction is durable when its ``COMMIT`` is in the log, not when a
checkpoint copies it. The database keeps ``synchronous=NORMAL`` (``storage/db.py``): in WAL mode a commit
survives the process being killed (it is in the operating system's cache; the crash tests SIGKILL the
bot), and the database is never corrupted; only a power loss or kernel crash may roll back the last
commits before the next sync (at checkpoint). ``FULL`` would sync the log at every commit (milliseconds on
ordinary disks, on the hot path of every turn) for that one case; a user whose last answer is lost that
way sees the previous step again, no message is repeated or lost by the Bot API journal because the
journal lives in the same database.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from sqlite_utils import Database

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 1.0  # seconds between background checkpoints
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, restored on stop


def database_file(db: Database) -> Path | None:
    """The file behind ``db``'s main database; None for an in-memory database."""
    for row in db.execute("PRAGMA database_list").fetchall():
        if row[1] == "main" and row[2]:
            return Path(row[2])
    return None


class Checkpointer:
    """A daemon thread that checkpoints ``db``'s WAL every ``interval`` seconds (see the module docstring)."""

    def __init__(self, db: Database, interval: float = DEFAULT_INTERVAL) -> None:
        """Prepare to checkpoint the file database behind ``db`` (nothing happens for an in-memory one)."""
        self.db = db
        self.interval = interval
        self.path = database_file(db)
        self.checkpoints = 0  # completed background checkpoints (for tests and logs)
        self.pages = 0  # pages copied into the database file by them
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the background thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Turn the automatic checkpoint off on ``db`` and start the background thread."""
        if self.path is None or self.running:
            return
        mode = self.db.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            return
        self.db.execute("PRAGMA wal_autocheckpoint=0")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="xiaoe-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, restore automatic checkpoints and checkpoint once more (from ``db``'s thread)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self.db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint on ``conn``: (busy, log pages, pages checkpointed)."""
        busy, log_pages, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        self.pages += max(done, 0)
        return busy, log_pages, done

    def _run(self) -> None:
        conn = sqlite3.connect(str(self.path), timeout=10.0)
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            while not self._stop.wait(self.interval):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error as err:  # a locked or busy moment: the next round catches up
                    log.info("background checkpoint failed: %s", type(err).__name__)
        finally:
            conn.close()
