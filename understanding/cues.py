"""Find cue phrases in text, minding negation: "没有借条只有转账" mentions 转账, and 借条 only negated."""

from __future__ import annotations

import re
from collections.abc import Iterable

from text.normalise import normalise

# Clause boundaries: punctuation, spaces, and words that start a new thought.
_CLAUSE = re.compile(r"[,，。.!！?？;；、\s~～]+|但是|但|可是|不过|只有|只是|就是|而且|然后|还有|另外")
_NEG_BEFORE = re.compile(
    r"(?:没有|没|不是|不|未|无|别|非)(?:被|有|过|收到|拿到|写|写过|打|打过|签|签过|留|留过|去|找)?$"
)
_NEG_AFTER = re.compile(r"^(?:(?:都|也|全|还)?(?:没有|没)$|没了|丢了|删了|不在了|没有了)")
_ALL_NEG_END = re.compile(r"(?:都|也|全都|啥都|什么都)(?:没有|没)$")


def clauses(text: str) -> list[str]:
    """Split text into clauses (see ``_CLAUSE``)."""
    return [c for c in _CLAUSE.split(normalise(text).lower()) if c]


def mention(text: str, phrase: str) -> str | None:
    """ "yes" when ``phrase`` occurs un-negated in some clause, "no" when it occurs only negated, else None."""
    phrase = normalise(phrase).lower()
    if not phrase:
        return None
    seen_negated = False
    for clause in clauses(text):
        start = clause.find(phrase)
        while start != -1:
            before, after = clause[:start], clause[start + len(phrase) :]
            negated = _NEG_BEFORE.search(before) or _NEG_AFTER.match(after) or _ALL_NEG_END.search(clause)
            if phrase[0] in "没不未无" or not negated:
                return "yes"
            seen_negated = True
            start = clause.find(phrase, start + 1)
    return "no" if seen_negated else None


def first_hit(text: str, phrases: Iterable[str]) -> str | None:
    """The first phrase (longest first) mentioned un-negated in ``text``."""
    for phrase in sorted(phrases, key=len, reverse=True):
        if mention(text, phrase) == "yes":
            return phrase
    return None


def any_negated(text: str, phrases: Iterable[str]) -> bool:
    """True when some phrase is mentioned only negated."""
    return any(mention(text, p) == "no" for p in phrases)


def mention_spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Where each phrase that ``text`` really mentions (:func:`mention`: not negated) stands, as (start, end)."""
    low = text.lower()
    spans = []
    for phrase in phrases:
        p = normalise(phrase).lower()
        if not p or mention(text, p) != "yes":
            continue
        at = low.find(p)
        while at != -1:
            spans.append((at, at + len(p)))
            at = low.find(p, at + 1)
    return spans
