"""Plain words: the glossary (law/data/glossary.yaml, edited by a lawyer) and the terms a text uses.

A result section offers "名词解释" for the legal terms it uses; each term is explained in one sentence,
with the articles it rests on one tap further (查看依据).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from law import kb

GLOSSARY = Path(kb.__file__).resolve().parent / "data" / "glossary.yaml"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Term:
    """One glossary entry: the term, its other spellings, its plain sentence and its citation keys."""

    term: str
    aliases: tuple[str, ...]
    plain: str
    cites: tuple[str, ...]


@cache
def terms(path: Path = GLOSSARY) -> tuple[Term, ...]:
    """Every glossary entry, in the file's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Term(str(t["term"]), tuple(t.get("aliases") or ()), str(t["plain"]), tuple(t.get("cites") or ()))
                 for t in data["terms"])


def terms_in(markup: str) -> list[Term]:
    """The glossary terms ``markup`` (HTML or text) uses, in order of first appearance.

    A term is found by its name or an alias; a term whose only occurrences sit inside a longer term
    that is also listed (时效 inside 诉讼时效) is still listed, since both are words the reader meets.
    """
    text = _TAG.sub("", markup)
    found: list[tuple[int, Term]] = []
    for term in terms():
        positions = [text.find(name) for name in (term.term, *term.aliases) if name in text]
        if positions:
            found.append((min(positions), term))
    return [term for _, term in sorted(found, key=lambda pair: pair[0])]
