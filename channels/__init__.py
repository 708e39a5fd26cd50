"""Channel adapters: thin translations between a medium (``terminal``, Telegram in ``tg``) and the engine.

Channels sit above the engine core: they may import ``flows``, ``messages``, ``storage`` and ``clock``; no
other package imports a channel (only ``bot.py``, the entry point, and the tests and benchmarks).
"""
