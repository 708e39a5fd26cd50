"""The conversation fixture format: a readable YAML file of turns (what the user did, what the bot said).

A fixture file holds one or more conversations::

    # xiaoe conversation fixture — format: README.md, "Conversation fixtures"
    conversations:
    - title: 出借人·朋友借款·时效内
      today: '2026-11-22'          # the engine's "today" while replaying
      user: user-3f9a2c1b          # pseudonyms, never real ids
      chat: user-3f9a2c1b
      source: session 12 of data/xiaoe.db, exported 2026-11-22
      turns:
      - user: /start               # typed text; a leading "/" is a command
        state: start.role          # the session state after the turn
        bot:
        - kind: notice
          html: |-
            ...
        - kind: question
          html: ...
          buttons:
          - [[我借钱给别人（我是出借人/债权人）, 0|a|creditor]]
      - press: 我借钱给别人（我是出借人/债权人）   # a button of the latest buttons the bot showed
        state: creditor.debt_type
        bot: [...]
      - press_data: 9|a|nonsense   # raw callback data (a stale or forged button)
      - unsupported: photo         # a message the bot does not read (photo, sticker, voice...)
      - reopen: true               # the bot process restarts here (database closed and reopened)

Replies of kind ``stale`` are shown as a pop-up alert by chat clients.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

HEADER = "# xiaoe conversation fixture — format: README.md, \"Conversation fixtures\". Replayed by pytest.\n"
ACTIONS = ("user", "press", "press_data", "unsupported", "reopen")


class FixtureError(ValueError):
    """A fixture file is malformed."""


@dataclass
class BotReply:
    """One message the bot sent: its kind, its HTML and its button rows of (label, data)."""

    kind: str
    html: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """The YAML mapping of this reply (buttons omitted when there are none)."""
        data: dict[str, Any] = {"kind": self.kind, "html": self.html}
        if self.buttons:
            data["buttons"] = [[[label, value] for label, value in row] for row in self.buttons]
        return data

    @classmethod
    def from_data(cls, raw: Any) -> BotReply:
        """Read a reply mapping written by :meth:`to_data`."""
        if not isinstance(raw, dict) or "html" not in raw:
            raise FixtureError(f"a bot reply needs 'html': {raw!r}")
        rows = [[(str(b[0]), str(b[1])) for b in row] for row in raw.get("buttons") or []]
        return cls(kind=str(raw.get("kind", "message")), html=str(raw["html"]), buttons=rows)


@dataclass
class Turn:
    """One user action and, except for ``reopen``, the bot's expected answer to it."""

    action: str  # one of ACTIONS
    value: str = ""
    state: str = ""
    bot: list[BotReply] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """The YAML mapping of this turn."""
        if self.action == "reopen":
            return {"reopen": True}
        return {self.action: self.value, "state": self.state, "bot": [r.to_data() for r in self.bot]}

    @classmethod
    def from_data(cls, raw: Any) -> Turn:
        """Read a turn mapping written by :meth:`to_data`."""
        if not isinstance(raw, dict):
            raise FixtureError(f"a turn must be a mapping: {raw!r}")
        actions = [a for a in ACTIONS if a in raw]
        if len(actions) != 1:
            raise FixtureError(f"a turn needs exactly one of {', '.join(ACTIONS)}: {raw!r}")
        action = actions[0]
        if action == "reopen":
            return cls("reopen")
        return cls(action, str(raw[action]), str(raw.get("state", "")),
                   [BotReply.from_data(r) for r in raw.get("bot") or []])

    def describe(self) -> str:
        """A short human description of the user's action (for diffs and the replay view)."""
        return {
            "user": f"输入 {self.value!r}",
            "press": f"按下按钮 「{self.value}」",
            "press_data": f"按下按钮（数据 {self.value!r}）",
            "unsupported": f"发送{self.value}",
            "reopen": "—— 机器人重启 ——",
        }[self.action]


@dataclass
class Conversation:
    """One recorded conversation of one user in one chat."""

    title: str
    today: date
    user: str
    chat: str
    turns: list[Turn]
    source: str = ""

    def to_data(self) -> dict[str, Any]:
        """The YAML mapping of this conversation."""
        data: dict[str, Any] = {"title": self.title, "today": self.today.isoformat(), "user": self.user,
                                "chat": self.chat}
        if self.source:
            data["source"] = self.source
        data["turns"] = [t.to_data() for t in self.turns]
        return data

    @classmethod
    def from_data(cls, raw: Any) -> Conversation:
        """Read a conversation mapping written by :meth:`to_data`."""
        if not isinstance(raw, dict) or "turns" not in raw:
            raise FixtureError("a conversation needs 'turns'")
        try:
            today = date.fromisoformat(str(raw.get("today", "")))
        except ValueError:
            raise FixtureError(f"bad 'today': {raw.get('today')!r}") from None
        return cls(title=str(raw.get("title", "")), today=today, user=str(raw.get("user", "user-1")),
                   chat=str(raw.get("chat", raw.get("user", "user-1"))),
                   turns=[Turn.from_data(t) for t in raw["turns"]], source=str(raw.get("source", "")))


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line text, flow style for button rows."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    # A button row ([[label, data], ...]) reads best on one line.
    flow = bool(value) and all(isinstance(b, list) and len(b) == 2 and all(isinstance(x, str) for x in b)
                               for b in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def dumps(conversations: Iterable[Conversation]) -> str:
    """The text of a fixture file holding these conversations."""
    body = yaml.dump({"conversations": [c.to_data() for c in conversations]}, Dumper=_Dumper,
                     allow_unicode=True, sort_keys=False, width=1000)
    return HEADER + body


def loads(text: str) -> list[Conversation]:
    """Parse the text of a fixture file."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise FixtureError(f"not valid YAML: {err}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("conversations"), list):
        raise FixtureError("a fixture file needs a 'conversations' list")
    return [Conversation.from_data(c) for c in raw["conversations"]]


def load(path: Path) -> list[Conversation]:
    """Read a fixture file."""
    return loads(Path(path).read_text(encoding="utf-8"))


def save(path: Path, conversations: Iterable[Conversation]) -> None:
    """Write a fixture file (creating its folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(conversations), encoding="utf-8")
