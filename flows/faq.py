"""The group FAQ catalogue (``flows/faq.yaml``) and the matcher that finds the topics a question names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from text.normalise import normalise

FAQ_PATH = Path(__file__).resolve().parent / "faq.yaml"


@dataclass(frozen=True)
class FaqTopic:
    """One FAQ topic: its id (a quick topic of the topics flow), menu label and the words that name it."""

    id: str
    label: str
    synonyms: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The label and every synonym, normalised and lower-cased, longest first."""
        found = {_fold(self.label), *(_fold(s) for s in self.synonyms)}
        return tuple(sorted((n for n in found if n), key=len, reverse=True))


def _fold(text: str) -> str:
    return normalise(str(text)).lower()


@cache
def load_faq(path: Path = FAQ_PATH) -> tuple[FaqTopic, ...]:
    """The FAQ topics in menu order; raises ValueError for a malformed file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topics = []
    for entry in raw.get("topics") or []:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("label"):
            raise ValueError(f"{path.name}: every topic needs an id and a label: {entry!r}")
        synonyms = entry.get("synonyms") or []
        if not isinstance(synonyms, list):
            raise ValueError(f"{path.name}: synonyms of {entry['id']} must be a list")
        topics.append(FaqTopic(str(entry["id"]), str(entry["label"]), tuple(str(s) for s in synonyms)))
    if not topics:
        raise ValueError(f"{path.name}: no topics")
    if len({t.id for t in topics}) != len(topics):
        raise ValueError(f"{path.name}: duplicate topic ids")
    return tuple(topics)


def topic(topic_id: str) -> FaqTopic | None:
    """The FAQ topic with this id, or None."""
    return next((t for t in load_faq() if t.id == topic_id), None)


def match_topics(text: str) -> list[str]:
    """The ids of the topics ``text`` names, in menu order.

    Every occurrence of a topic's name counts, except one lying inside a longer occurrence of another
    topic's name ("执行" inside "失信被执行人" names only 失信名单).
    """
    folded = _fold(text)
    spans: list[tuple[int, int, str]] = []
    for faq_topic in load_faq():
        for name in faq_topic.names:
            start = folded.find(name)
            while start != -1:
                spans.append((start, start + len(name), faq_topic.id))
                start = folded.find(name, start + 1)
    named = {
        topic_id
        for start, end, topic_id in spans
        if not any(o_start <= start and end <= o_end and (o_end - o_start) > (end - start) and other != topic_id
                   for o_start, o_end, other in spans)
    }
    return [t.id for t in load_faq() if t.id in named]
