"""The consultation on Telegram: python-telegram-bot updates in, engine replies out.

A thin adapter, like ``channels/terminal.py``: each update becomes an :class:`~flows.model.Inbound`,
:meth:`Engine.handle` runs the turn, and every returned :class:`~flows.model.Reply` goes out as Telegram HTML
with an inline keyboard. Then :meth:`Engine.mark_delivered` is called, so an update delivered again after a
crash is either ignored (its replies went out) or answered with the stored replies (they never did).

Modules, each with one job:

* ``app`` — builds the ``Application`` (handlers, delivery, menus, redaction) and runs it: polling or webhook.
* ``handlers`` — one handler per kind of update (``on_message``, ``on_press``, ...); each plays one turn.
* ``replies`` — sends a turn's replies: answers the press, folds answers into questions, messages, files.
* ``keyboards`` — inline keyboards, and the ``telegram_keyboards`` table that finds the stale ones.
* ``htmlsplit`` — splits HTML above 4,096 UTF-16 units into parts that are each valid.
* ``delivery`` / ``journal`` — at most once per call, at least once per reply, through crashes and faults.
* ``group`` — group specifics: membership updates, new members, admin checks, the bot's username.
* ``menus`` — the command menus; ``redaction`` — the token and webhook secret never reach a log.
* ``concurrency`` — chats at once, each chat in order; an update confirmed only when it and all before it are
  handled; at most 16 in flight. ``checkpoints`` — SQLite WAL checkpoints in the background while it runs.

This package may import python-telegram-bot, ``flows`` (the engine's public surface), ``messages`` and
``storage``; nothing imports it but ``bot.py``. (The package is ``tg``, not ``telegram``, so it can never
shadow python-telegram-bot.)
"""
