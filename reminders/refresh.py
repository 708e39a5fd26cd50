"""Recomputing stored last days once the holiday data covers their year (run when the sender starts)."""

from __future__ import annotations

from reminders.deadlines import recompute
from storage.reminders import ReminderStore


def refresh_holiday_dates(store: ReminderStore) -> list[int]:
    """Recompute the open reminders whose last day the holiday data did not cover when they were made.

    Run at start-up: after an update of the holiday package, a year it now covers may move a last day
    (roll-over); the reminder days move with it. Returns the ids that changed.
    """
    changed = []
    for reminder in store.open():
        if reminder.holiday_checked or reminder.base_date is None:
            continue
        day, checked = recompute(reminder.kind, reminder.base_date)
        if day != reminder.deadline or checked:
            store.move(reminder.id, day, checked)
            changed.append(reminder.id)
    return changed
