"""WAL checkpoints in the background (storage/checkpoint.py): commits no longer checkpoint, the thread does,
and a SIGKILL loses no committed transaction."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from storage import open_database
from storage.checkpoint import AUTOCHECKPOINT_PAGES, Checkpointer
from storage.db import immediate

ROOT = Path(__file__).resolve().parents[1]


def write_rows(db, start: int, count: int) -> None:
    for i in range(start, start + count):
        with immediate(db):
            db.execute("insert into filler (id, body) values (?, ?)", [i, "x" * 3000])


def test_commits_stop_checkpointing_and_the_thread_does_it(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = open_database(path)
    db.execute("create table filler (id integer primary key, body text)")
    checkpointer = Checkpointer(db, interval=3600)  # the test runs the rounds itself
    checkpointer.start()
    try:
        assert checkpointer.running
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        # Well past the 1,000 pages at which a commit would have checkpointed (and restarted the log).
        write_rows(db, 0, 1500)
        other = sqlite3.connect(path)
        busy, log_pages, done = checkpointer.checkpoint(other)
        # No commit checkpointed: the log holds all 1,500 rows' pages (with it on, it restarts at ~1,000).
        assert busy == 0 and done == log_pages > AUTOCHECKPOINT_PAGES + 400
        assert checkpointer.pages == done
        # After a complete checkpoint the next commit starts the log again from the beginning.
        write_rows(db, 1500, 1)
        busy, log_pages, done = checkpointer.checkpoint(other)
        other.close()
        assert busy == 0 and done == log_pages < 10
    finally:
        checkpointer.stop()
    assert not checkpointer.running
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == AUTOCHECKPOINT_PAGES
    fresh = sqlite3.connect(path)
    assert fresh.execute("select count(*) from filler").fetchone()[0] == 1501


def test_background_thread_checkpoints_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "bg.db"
    db = open_database(path)
    db.execute("create table filler (id integer primary key, body text)")
    checkpointer = Checkpointer(db, interval=0.05)
    checkpointer.start()
    try:
        write_rows(db, 0, 50)
        deadline = time.monotonic() + 30
        while checkpointer.pages == 0:
            assert time.monotonic() < deadline, "no background checkpoint within 30 s"
            time.sleep(0.01)
    finally:
        checkpointer.stop()
    assert checkpointer.checkpoints >= 1


def test_in_memory_database_is_left_alone() -> None:
    db = open_database(":memory:")
    checkpointer = Checkpointer(db)
    checkpointer.start()
    assert not checkpointer.running
    checkpointer.stop()


WRITER = """
import sys
from storage import open_database
from storage.checkpoint import Checkpointer
from storage.db import immediate
db = open_database(sys.argv[1])
db.execute("create table if not exists filler (id integer primary key, body text)")
Checkpointer(db, interval=0.01).start()
i = 0
while True:
    with immediate(db):
        db.execute("insert into filler (id, body) values (?, ?)", [i, "x" * 3000])
    print(i, flush=True)  # committed
    i += 1
"""


def test_sigkill_loses_no_committed_row_with_background_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "kill.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    last = -1
    for line in proc.stdout:
        last = int(line)
        if last >= 2000:  # several background checkpoints have run meanwhile
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("select count(*), max(id) from filler").fetchone()
    assert rows[0] == rows[1] + 1 and rows[1] >= last  # every row reported committed is there, none missing
