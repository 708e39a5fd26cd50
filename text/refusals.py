"""The plain wording of a refusal shared by every front end (``text/refusals.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

REFUSALS_FILE = Path(__file__).resolve().parent / "refusals.yaml"


@cache
def refusals() -> dict[str, str]:
    """Every shared refusal: ParseError code → sentence (with ``str.format`` placeholders)."""
    data = yaml.safe_load(REFUSALS_FILE.read_text(encoding="utf-8"))
    return {str(code): str(sentence) for code, sentence in data.items()}


def has_refusal(code: str) -> bool:
    """True when ``code`` has shared wording (the chat falls back to its own templates otherwise)."""
    return code in refusals()


def refusal(code: str, details: dict[str, object] | None = None) -> str:
    """The sentence explaining a refused answer; raises KeyError for a code without shared wording."""
    return refusals()[code].format(**(details or {}))
