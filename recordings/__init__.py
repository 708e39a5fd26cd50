"""Recorded conversations: the fixture format, anonymised export from transcripts, and replay.

It sits above the core and the desks: a replay drives a whole engine, but the engine is always handed in
(``replay(..., engine_factory=...)``, see ``assembly.replay_engine``), so nothing here imports the
composition root except the command-line entry point ``recordings.cli`` (``python bot.py export|replay``).
It may import ``core`` (types), ``flows``, ``messages``, ``storage`` and ``clock``; no desk or channel.
"""
