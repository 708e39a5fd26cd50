"""The reminders' texts and buttons: templates in messages/templates/reminders, labels in reminders/buttons.yaml.

Buttons are returned as :class:`Button` (a label, an action name and an argument); the desk turns them into
the engine's callback data. Actions: ``offer`` (open the choice for a deadline), ``toggle`` (pick an offset),
``confirm``, ``ics`` (send the calendar file), ``cancel`` (a reminder from /reminders), ``section`` (the
result section a reminder links back to).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from messages.render import Rendered, render
from reminders.deadlines import Deadline, kinds
from reminders.ics import CalendarEntry
from reminders.schedule import Due
from storage.reminders import Reminder

OFFSETS = (30, 7, 1)
"""The reminder offsets offered (days before the deadline); several may be chosen."""

BUTTONS_FILE = Path(__file__).with_name("buttons.yaml")


@dataclass(frozen=True)
class Button:
    """A button of a reminders screen: ``action`` and ``arg`` are turned into callback data by the desk."""

    label: str
    action: str
    arg: str = ""


@dataclass(frozen=True)
class Screen:
    """A rendered message and its rows of buttons."""

    rendered: Rendered
    buttons: tuple[tuple[Button, ...], ...] = ()


@cache
def labels() -> dict[str, str]:
    """The button labels from reminders/buttons.yaml."""
    return dict(yaml.safe_load(BUTTONS_FILE.read_text(encoding="utf-8")))


def view(item: Deadline | Reminder) -> dict[str, Any]:
    """What the templates need of a deadline or a stored reminder."""
    if isinstance(item, Deadline):
        return {"kind": item.kind, "label": kinds()[item.kind].label, "number": item.number, "day": item.day,
                "holiday_checked": item.holiday_checked}
    return {"kind": item.kind, "label": kinds()[item.kind].label, "number": item.number, "day": item.deadline,
            "holiday_checked": item.holiday_checked}


def offsets_ahead(deadline: date, today: date, offsets: Iterable[int] = OFFSETS) -> list[int]:
    """The offered offsets whose reminder day is today or later."""
    return [o for o in offsets if deadline - timedelta(days=o) >= today]


MAX_OFFERED = 6
"""At most this many deadlines (the earliest) are offered at once: a 36-month plan would fill the screen."""


def offer(deadlines: Sequence[Deadline]) -> Screen:
    """The offer after a result: the deadlines ahead (the earliest :data:`MAX_OFFERED`), with "⏰ 提醒我" and
    "📅 加入日历" for each."""
    shown = list(deadlines)[:MAX_OFFERED]
    rows = tuple((Button(f"{labels()['remind_me']} {i}", "offer", str(i)),
                  Button(f"{labels()['calendar']} {i}", "ics", str(i)))
                 for i, _ in enumerate(shown, start=1))
    return Screen(render("reminders/offer.html.j2", deadlines=[view(d) for d in shown],
                         more=len(deadlines) - len(shown)), rows)


def choose(deadline: Deadline, today: date, chosen: Iterable[int] = ()) -> Screen:
    """Choosing when to be reminded of ``deadline`` (several offsets allowed)."""
    ahead = offsets_ahead(deadline.day, today)
    picked = sorted(set(chosen) & set(ahead), reverse=True)
    row = tuple(Button(labels()["offset_chosen" if o in picked else "offset"].format(days=o), "toggle", str(o))
                for o in ahead)
    rows = (row, (Button(labels()["confirm"], "confirm"),)) if ahead else ()
    return Screen(render("reminders/choose.html.j2", d=view(deadline), offsets=ahead, chosen=picked), rows)


def confirmed(deadline: Deadline, reminders: Sequence[Reminder]) -> Screen:
    """The confirmation once the reminders are stored."""
    dates = sorted({r.remind_on for r in reminders})
    return Screen(render("reminders/confirmed.html.j2", d=view(deadline), dates=dates))


def listing(reminders: Sequence[Reminder]) -> Screen:
    """/reminders: one line per deadline with its reminder days, a cancel button each (by one of its ids)."""
    grouped: dict[tuple[int, str, int, str], list[Reminder]] = {}
    for reminder in reminders:
        grouped.setdefault(reminder.deadline_key, []).append(reminder)
    groups = sorted(grouped.values(), key=lambda g: (g[0].deadline, g[0].kind, g[0].number))
    items = [{"d": view(g[0]), "dates": sorted({r.remind_on for r in g})} for g in groups]
    rows = tuple((Button(labels()["cancel"].format(index=i), "cancel", str(g[0].id)),)
                 for i, g in enumerate(groups, start=1))
    return Screen(render("reminders/list.html.j2", items=items), rows)


def reminder_message(due: Due) -> Screen:
    """The reminder itself: which deadline, its date, what to do, late or not, a button back to the section."""
    reminder = due.reminder
    kind = kinds()[reminder.kind]
    rendered = render("reminders/reminder.html.j2", d=view(reminder), days_left=due.days_left, late=due.late,
                      deadline_passed=due.deadline_passed, todo=kind.todo, citations=list(kind.citations))
    return Screen(rendered, ((Button(labels()["back_to_section"], "section", kind.section),),))


def cancelled(reminder: Reminder, reason: str) -> Screen:
    """Reminders removed, by the user (``reason="user"``) or because an answer changed (``"changed"``)."""
    return Screen(render("reminders/cancelled.html.j2", d=view(reminder), reason=reason))


def calendar_entry(chat_id: int, deadline: Deadline, offsets: Iterable[int]) -> CalendarEntry:
    """The .ics entry for ``deadline``: its name and what to do, no amounts, no names."""
    kind = kinds()[deadline.kind]
    title = kind.label + (f"（第{deadline.number}期）" if deadline.number else "")
    description = (f"{deadline.todo}\n"
                   + ("" if deadline.holiday_checked else "该年的放假安排不在节假日数据中，最后一日可能顺延。\n")
                   + "以上是一般法律信息，不构成法律意见。具体请咨询律师，或拨打 12348 公共法律服务热线。")
    key = f"{chat_id}:{deadline.kind}:{deadline.number}:{deadline.fingerprint}"
    return CalendarEntry(key=key, day=deadline.day, summary=f"小额债务助手：{title}", description=description,
                         offsets=tuple(offsets))


def ics_caption(deadline: Deadline, offsets: Iterable[int]) -> Screen:
    """The caption sent with the .ics file."""
    return Screen(render("reminders/ics_caption.html.j2", d=view(deadline), offsets=sorted(set(offsets),
                                                                                         reverse=True)))
