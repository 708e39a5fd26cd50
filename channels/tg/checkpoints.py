"""Run the engine database's WAL checkpoints in the background for as long as a Telegram application runs."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from storage.checkpoint import Checkpointer


def background_checkpoints(app: Any, db: Database) -> Checkpointer:
    """Start a :class:`~storage.checkpoint.Checkpointer` for ``db`` after ``app``'s ``post_init`` and stop it
    after its ``post_shutdown`` (both chained to whatever hooks ``app`` already has)."""
    checkpointer = Checkpointer(db)
    init, shutdown = app.post_init, app.post_shutdown

    async def post_init(application: Any) -> None:
        if init is not None:
            await init(application)
        checkpointer.start()

    async def post_shutdown(application: Any) -> None:
        try:
            if shutdown is not None:
                await shutdown(application)
        finally:
            checkpointer.stop()

    app.post_init, app.post_shutdown = post_init, post_shutdown
    return checkpointer
