"""Scripted creditor and debtor consultations, and a driver that plays them through the engine.

The same scripts drive the engine benchmark (``bench.engine``) and the simulated Telegram users of the
end-to-end benchmark (``bench.e2e``). Each script types some answers and presses buttons for others,
like people do, and ends on the consultation's result screen; the driver checks that it got there, so a
benchmark cannot quietly measure a conversation that went astray.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flows.model import Inbound, Reply

SAY, PRESS = "say", "press"


@dataclass(frozen=True)
class Step:
    """One user action: type ``value`` (``say``) or press the current button whose label contains it."""

    action: str
    value: str


@dataclass(frozen=True)
class Script:
    """A whole consultation and the state it must end in."""

    name: str
    steps: tuple[Step, ...]
    final_state: str


def _steps(*pairs: tuple[str, str]) -> tuple[Step, ...]:
    return tuple(Step(action, value) for action, value in pairs)


CREDITOR = Script(
    "creditor",
    _steps(
        (SAY, "/start"), (PRESS, "我是债权人"), (SAY, "个人借款"), (PRESS, "不知道"), (PRESS, "还没起诉"),
        (SAY, "三千五"), (PRESS, "借条"), (PRESS, "转账记录"), (PRESS, "选好了"), (SAY, "2023-05-01"),
        (SAY, "2025年3月"), (PRESS, "承认欠款"), (SAY, "是"), (SAY, "江苏"), (PRESS, "确认无误"),
    ),
    "creditor.result",
)
DEBTOR = Script(
    "debtor",
    _steps(
        (SAY, "/start"), (PRESS, "我是债务人"), (PRESS, "信用卡"), (SAY, "2.6万"), (SAY, "2025-01-15"),
        (PRESS, "法院传票"), (PRESS, "不知道"), (PRESS, "不知道"), (PRESS, "能分期还"), (PRESS, "是"),
        (PRESS, "确认无误"),
    ),
    "debtor.result",
)
SCRIPTS = (CREDITOR, DEBTOR)


class ScriptError(AssertionError):
    """A script could not be played: a button is missing or the consultation ended elsewhere."""


def find_button(replies: list[Reply] | list[list[tuple[str, str]]], part: str) -> str:
    """The callback data of the first button whose label contains ``part`` (last keyboard first)."""
    keyboards = [[(b.label, b.data) for row in r.buttons for b in row] for r in replies] \
        if replies and isinstance(replies[0], Reply) else list(replies)
    for keyboard in reversed(keyboards):
        for label, data in keyboard:
            if part in label:
                return data
    raise ScriptError(f"no button containing {part!r}")


class EngineUser:
    """One simulated user playing a script through ``Engine.handle``, step by step."""

    def __init__(self, user_id: int, script: Script, update_ids: Iterator[int]) -> None:
        """``update_ids`` numbers the inbounds like Telegram numbers updates."""
        self.user_id = user_id
        self.script = script
        self.update_ids = update_ids
        self.index = 0
        self.last: list[Reply] = []
        self.state = ""

    @property
    def done(self) -> bool:
        """True once every step was played."""
        return self.index >= len(self.script.steps)

    def next_inbound(self) -> Inbound:
        """The inbound for the next step (presses look the button up in the last replies)."""
        step = self.script.steps[self.index]
        if step.action == SAY:
            return Inbound.typed(self.user_id, self.user_id, step.value, update_id=next(self.update_ids))
        return Inbound.pressed(self.user_id, self.user_id, find_button(self.last, step.value),
                               update_id=next(self.update_ids))

    def took(self, replies: list[Reply]) -> None:
        """Record the replies to the step just played; check the end state after the last step."""
        self.index += 1
        if any(r.buttons for r in replies):
            self.last = replies
        if replies:
            self.state = replies[-1].state
        if self.done and self.state != self.script.final_state:
            raise ScriptError(f"{self.script.name}: ended in {self.state!r}, not {self.script.final_state!r}")
