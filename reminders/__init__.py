"""Deadline reminders (issue #19): which deadlines lie ahead, when to remind, sending them once, .ics files.

Phase 1 holds the mechanism only, independent of the engine: :mod:`reminders.deadlines` (the deadlines a
consultation computes), :mod:`reminders.schedule` (pure: what is due at a given China time),
:mod:`reminders.refresh` (recomputing dates the holiday data now covers; the sender that sends due reminders
exactly once through the delivery journal lives in the Telegram channel, :mod:`channels.tg.reminders`),
:mod:`reminders.ics` (calendar files) and :mod:`reminders.messages` (the texts). The storage is
:mod:`storage.reminders`. docs/reminders.md plans the desk that plugs them into the bot.
"""
