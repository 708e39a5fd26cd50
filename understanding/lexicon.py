"""The data files the readers use: option synonyms, story patterns, question explanations."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SYNONYMS_FILE = ROOT / "flows" / "synonyms.yaml"
EXPLANATIONS_FILE = ROOT / "messages" / "explanations.yaml"
PATTERNS_FILE = Path(__file__).parent / "data" / "story_patterns.yaml"
ANSWER_WORDS_FILE = Path(__file__).parent / "data" / "answer_words.yaml"


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return data


@cache
def synonyms() -> dict[str, Any]:
    """flows/synonyms.yaml: question id → dont_know, compound cues, per-option sure/maybe phrases."""
    return _load(SYNONYMS_FILE)


@cache
def story_patterns() -> dict[str, Any]:
    """understanding/data/story_patterns.yaml: cue words for each fact a first message can carry."""
    return _load(PATTERNS_FILE)


@cache
def answer_words() -> dict[str, Any]:
    """understanding/data/answer_words.yaml: doubt, explain and why phrases for every question."""
    return _load(ANSWER_WORDS_FILE)


@cache
def explanations() -> dict[str, Any]:
    """messages/explanations.yaml: question id → plain, example, why."""
    return _load(EXPLANATIONS_FILE)


def question_words(question_id: str) -> dict[str, Any]:
    """The synonyms entry of one question (empty when it has none)."""
    entry = synonyms().get(question_id) or {}
    return dict(entry)


LABELS_FILE = Path(__file__).parent / "data" / "story_labels.yaml"


@cache
def story_labels() -> dict[str, Any]:
    """understanding/data/story_labels.yaml: restatement labels and value words for story facts."""
    return _load(LABELS_FILE)
