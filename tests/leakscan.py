"""The session-wide leak scan: nothing a member told the bot in private may ever show up in a group.

Two sources feed one ``Ledger`` for the whole test session:

* the wire — ``FakeBotAPI`` reports every message, edit, caption, button label, link and pop-up the bot
  made visible in a group, and every text a user typed in a private chat (``testing/``);
* the engine — ``tests/conftest.py`` wraps ``Engine.handle`` and reports every reply to a group inbound and
  every text typed in private, so engine-level tests count too.

From each private text the ledger derives the facts it holds: the text itself (unless it is interface
vocabulary such as an option label, "是" or "返回"), every amount in it as the engine prints amounts
("3,500.00元"), a date as the engine prints dates, and the user's names. After every test, each pair of
(group output, private fact) not compared before is compared, so every group output of the session meets
every private fact of the session whatever the order of the tests; the test that completes a leaking pair
fails in teardown.
"""

from __future__ import annotations

import contextlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from desks.results import NO_WORDS, YES_WORDS
from flows.intents import TYPED_INTENTS
from flows.model import Inbound, InboundKind, Reply
from flows.spec import load_registry
from messages import html_to_text
from text.amounts import parse_amount
from text.dates import parse_date
from text.errors import ParseError

# Words that drive the interface rather than state a fact (beyond option labels and aliases).
UI_WORDS = {
    "是", "否", "是的", "不是", "对", "好", "有", "没有", "无", "嗯", "yes", "no", "ok", "确认", "确认删除", "确认无误",
    "继续", "继续咨询", "查看结果", "查看分析", "修改信息", "不知道", "知道", "选好了", "你好", "谢谢",
    # fixed button labels of flows/screens.py, which people also type
    "其他话题", "开始个人咨询", "查看引用的法条", "确认无误，查看分析", "继续上次的咨询", "返回上一步",
}
_AMOUNTS = re.compile(r"[0-9][0-9.,]*\s*(?:万|千|百)?[0-9]*|[零〇一二两三四五六七八九十百千万亿]{2,}")
_PICKS = re.compile(r"[0-9\s,，、;；]+")
_ASCII_CHARS = re.compile(r"[a-z0-9_]")
_END_PUNCTUATION = "。.!！?？~～ "
MIN_AMOUNT = 100  # smaller numbers in a text are option picks, days or months rather than sums owed
REFERENCE_DAY = date(2026, 11, 22)  # relative dates ("昨天") only need some day to become a date


def fold(text: str) -> str:
    """NFKC, lower case, trimmed: how outputs and facts are compared."""
    return unicodedata.normalize("NFKC", text).lower().strip()


@cache
def vocabulary() -> frozenset[str]:
    """Interface words: every option label and alias of every flow, typed intents, yes/no words."""
    words = {fold(w) for w in UI_WORDS} | {fold(w) for w in TYPED_INTENTS}
    words |= {fold(w) for w in YES_WORDS | NO_WORDS}  # answers to 重新开始/取消? (desks/results.py)
    for state in load_registry().states():
        node = load_registry().node(state)
        for option in node.options:
            words.add(fold(option.label))
            words.update(fold(a) for a in option.aliases)
    return frozenset(words)


def _yuan(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):,.2f}元"


def facts_in(text: str, names: list[str] | tuple[str, ...] = ()) -> set[str]:
    """The facts a private text holds (see the module docstring), folded."""
    facts: set[str] = set()
    whole = fold(text).strip(_END_PUNCTUATION)
    if whole and not whole.startswith("/"):
        is_pick = _PICKS.fullmatch(whole) is not None and sum(c.isdigit() for c in whole) <= 2
        # "1万", "5000": the fact is the amount, checked as the bot prints it ("10,000.00元"); the raw form
        # would match legal texts ("不超过1万元的"). Spelled-out amounts ("三千五") stay facts as typed too.
        bare_amount = re.fullmatch(r"[0-9.,]+\s*[万千百kw]?\s*[元块]?", whole) is not None
        if not is_pick and not bare_amount and whole not in vocabulary():
            facts.add(whole)
        for token in _AMOUNTS.findall(whole):
            with contextlib.suppress(ParseError, ArithmeticError, ValueError):
                amount = parse_amount(token)
                if amount >= MIN_AMOUNT:
                    facts.add(fold(_yuan(amount)))
        try:
            day, approximate = parse_date(whole, REFERENCE_DAY)
        except (ParseError, ValueError):
            pass
        else:
            facts.add(f"{day.year}年{day.month}月" if approximate else f"{day.year}年{day.month}月{day.day}日")
            facts.add(day.isoformat())
    facts.update(fold(n) for n in names)
    return {f for f in facts if len(f) >= (3 if f.isascii() else 2)}


def contains(output: str, fact: str) -> bool:
    """Whether folded ``output`` shows ``fact``: a substring, and for ASCII facts a whole word."""
    if not fact.isascii():
        return fact in output
    start = output.find(fact)
    while start != -1:
        before = output[start - 1] if start else ""
        after = output[start + len(fact)] if start + len(fact) < len(output) else ""
        if not _ASCII_CHARS.fullmatch(before or " ") and not _ASCII_CHARS.fullmatch(after or " "):
            return True
        start = output.find(fact, start + 1)
    return False


@dataclass(frozen=True)
class GroupOutput:
    """Something made visible in a group: where it came from, and all its text (message, buttons, links)."""

    source: str  # wire | engine
    chat_id: int
    test: str
    text: str


@dataclass(frozen=True)
class Fact:
    """A fact a user gave in private, with the test where it was given."""

    value: str
    user_id: int
    test: str


@dataclass(frozen=True)
class Leak:
    """A group output that shows a private fact."""

    fact: Fact
    output: GroupOutput

    def __str__(self) -> str:
        return (f"private fact {self.fact.value!r} (user {self.fact.user_id}, {self.fact.test}) appears in a "
                f"group message ({self.output.source}, chat {self.output.chat_id}, {self.output.test}): "
                f"{self.output.text[:200]!r}")


class LeakFound(AssertionError):
    """Raised by ``Ledger.check`` with every leak found."""


@dataclass
class Ledger:
    """Every group output and private fact of a test session, and which pairs were compared already."""

    test: str = ""
    outputs: list[GroupOutput] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    private_texts: int = 0
    comparisons: int = 0
    found: list[Leak] = field(default_factory=list)
    _known: set[str] = field(default_factory=set)
    _seen_outputs: int = 0
    _seen_facts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # recording ---------------------------------------------------------------------------------

    def record(self, kind: str, record: dict) -> None:
        """A ``FakeBotAPI`` observer: ``group_output`` and ``private_input`` records (see testing/)."""
        if kind == "group_output":
            text = "\n".join([record.get("text", ""), *record.get("buttons", []), *record.get("urls", []),
                              *record.get("files", [])])
            self._output("wire", record["chat_id"], text)
        elif kind == "private_input":
            self._private(record["user_id"], record["text"], record.get("names", []))

    def record_engine(self, inbound: Inbound, replies: list[Reply]) -> None:
        """One engine turn: a private text is a source of facts; replies to a group are outputs."""
        if inbound.is_private:
            if inbound.kind == InboundKind.TEXT:
                self._private(inbound.user_id, inbound.text, [inbound.user_name] if inbound.user_name else [])
            return
        for reply in replies:
            parts = [html_to_text(reply.html)]
            parts += [f"{b.label}\n{b.url}" for row in reply.buttons for b in row]
            self._output("engine", inbound.chat_id, "\n".join(parts))

    def _output(self, source: str, chat_id: int, text: str) -> None:
        with self._lock:
            self.outputs.append(GroupOutput(source, chat_id, self.test, fold(text)))

    def _private(self, user_id: int, text: str, names: list[str]) -> None:
        with self._lock:
            self.private_texts += 1
            for value in sorted(facts_in(text, names)):
                if value not in self._known:
                    self._known.add(value)
                    self.facts.append(Fact(value, user_id, self.test))

    # checking ----------------------------------------------------------------------------------

    def leaks(self) -> list[Leak]:
        """Compare every pair not compared before; returns the leaks among them."""
        with self._lock:
            outputs, facts = list(self.outputs), list(self.facts)
            old_o, old_f = self._seen_outputs, self._seen_facts
            self._seen_outputs, self._seen_facts = len(outputs), len(facts)
        found = []
        pairs = [(o, f) for o in outputs[old_o:] for f in facts]
        pairs += [(o, f) for o in outputs[:old_o] for f in facts[old_f:]]
        for output, fact in pairs:
            if contains(output.text, fact.value):
                found.append(Leak(fact, output))
        self.comparisons += len(pairs)
        self.found.extend(found)
        return found

    def check(self) -> None:
        """Raise ``LeakFound`` if a group output shows a private fact."""
        found = self.leaks()
        if found:
            raise LeakFound("private facts shown in a group:\n" + "\n".join(str(leak) for leak in found))

    # parallel workers (pytest-xdist) -------------------------------------------------------------

    def export(self) -> dict:
        """What a worker hands the controller at its end: every output and fact, and its counts."""
        # ids as text: execnet cannot send integers beyond 32 bits (Telegram ids are larger)
        return {"outputs": [[o.source, str(o.chat_id), o.test, o.text] for o in self.outputs],
                "facts": [[f.value, str(f.user_id), f.test] for f in self.facts],
                "private_texts": self.private_texts}

    @classmethod
    def merged(cls, exports: list[dict]) -> Ledger:
        """One ledger of the whole session from the workers' exports, not compared yet: its :meth:`leaks`
        meets every group output with every private fact, across workers too, as in a single process."""
        ledger = cls()
        for part in exports:
            ledger.outputs.extend(GroupOutput(source, int(chat), test, text)
                                  for source, chat, test, text in part["outputs"])
            for value, user_id, test in part["facts"]:
                if value not in ledger._known:
                    ledger._known.add(value)
                    ledger.facts.append(Fact(value, int(user_id), test))
            ledger.private_texts += part["private_texts"]
        return ledger

    def summary(self) -> str:
        """Counts for the end of the session."""
        self.leaks()
        wire = [o for o in self.outputs if o.source == "wire"]
        engine = [o for o in self.outputs if o.source == "engine"]
        verdict = f"{len(self.found)} LEAKS (see the failing tests)" if self.found else "no leak"
        groups = len({(o.test, o.chat_id) for o in self.outputs})
        tests = len({o.test for o in self.outputs})
        return (f"leak scan: {len(wire)} group messages over the Bot API and {len(engine)} engine replies to groups "
                f"({groups} groups in {tests} tests), checked against {len(self.facts)} private facts from "
                f"{self.private_texts} private texts ({self.comparisons} comparisons): {verdict}")


LEDGER = Ledger()  # the session's (or this xdist worker's) ledger (tests/conftest.py wires it up)
