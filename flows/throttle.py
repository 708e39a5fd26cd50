"""Per-group throttling: stay under Telegram's 20 messages a minute per group, and calm a member's flood.

The policy is a pure function of the last minute's throttle log (``storage.groups.GroupStore.recent``), so
it is deterministic under an injected clock. Every group-bound Bot API request a turn causes is counted —
messages, edits and the getChatMember admin check — because python-telegram-bot's rate limiter counts them
all against the group, and would otherwise hold up every update behind a flooded group.

* A group's answers may cost at most ``GROUP_BUDGET`` requests per minute. When a new request would
  exceed it, the group gets one "busy" notice in that minute (if there is headroom for it), then silence;
  a button press gets a pop-up instead, which is not a group message.
* A member who repeats a request within the minute, or makes more than ``MEMBER_REQUESTS`` different
  ones, gets one polite "please wait" notice, then silence until the minute has passed. Pressing buttons
  more than ``MEMBER_PRESSES`` times a minute gets a pop-up.
* Notices never push a group beyond ``NOTICE_CEILING`` (< 20), and quiet groups get no notices at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.groups import Request

TELEGRAM_GROUP_LIMIT = 20  # messages per minute per group
GROUP_BUDGET = 18  # for answers
NOTICE_CEILING = 19  # answers plus at most one busy or limit notice stay below Telegram's limit
MEMBER_REQUESTS = 3  # different requests per member per minute
MEMBER_PRESSES = 6  # button presses per member per minute

PRESS_KEY = "press"
BUSY_KEY = "!busy"
LIMITED_KEY = "!limited"


class Verdict(StrEnum):
    """What to do with a group request."""

    ALLOW = "allow"
    LIMITED_NOTICE = "limited_notice"  # tell the member once to wait
    BUSY_NOTICE = "busy_notice"  # tell the group once that it is busy
    ALERT = "alert"  # refuse a button press with a pop-up (costs no group message)
    DROP = "drop"  # say nothing


@dataclass(frozen=True)
class Ask:
    """A request to judge: who, what (a key; equal keys are repeats), its cost, and whether it is a press."""

    user_id: int
    key: str
    cost: int
    press: bool = False
    member_limited: bool = True  # events (introduction, welcome) are limited by the group budget only


def used(log: list[Request]) -> int:
    """Group-bound requests of the last minute."""
    return sum(r.cost for r in log)


def judge(log: list[Request], ask: Ask, *, quiet: bool = False) -> Verdict:
    """The verdict for ``ask`` given the group's last-minute log (see the module docstring)."""
    spent = used(log)
    if ask.press:
        presses = [r for r in log if r.user_id == ask.user_id and r.key == PRESS_KEY]
        if len(presses) >= MEMBER_PRESSES or spent + ask.cost > GROUP_BUDGET:
            return Verdict.ALERT
        return Verdict.ALLOW
    if ask.member_limited:
        mine = [r for r in log if r.user_id == ask.user_id and not r.key.startswith("!") and r.key != PRESS_KEY]
        if ask.key in {r.key for r in mine} or len(mine) >= MEMBER_REQUESTS:
            told = any(r.user_id == ask.user_id and r.key == LIMITED_KEY for r in log)
            return Verdict.DROP if told or quiet or spent + 1 > NOTICE_CEILING else Verdict.LIMITED_NOTICE
    if spent + ask.cost > GROUP_BUDGET:
        told = any(r.key == BUSY_KEY for r in log)
        if told or quiet or not ask.member_limited or spent + 1 > NOTICE_CEILING:
            return Verdict.DROP
        return Verdict.BUSY_NOTICE
    return Verdict.ALLOW
