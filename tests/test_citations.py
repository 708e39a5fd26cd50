"""Every citation written in messages/ resolves to a stored article, and no ERRATA wording slips in."""

from __future__ import annotations

import re
from pathlib import Path

from law.kb import get_article
from messages.render import TEMPLATES_DIR

CITE = re.compile(r"""cite\(\s*["']([^"']+)["']\s*\)""")
# Wording ERRATA.md shows to be wrong (same patterns as the before-stop hook).
ERRATA_PATTERNS = [
    re.compile(r"《合同法》"),
    re.compile(r"小额诉讼[^。]{0,40}(可以|可)上诉"),
    re.compile(r"小额诉讼[^。]{0,40}三个月"),
]


def _templates() -> list[Path]:
    return sorted(TEMPLATES_DIR.rglob("*.j2"))


def test_every_literal_citation_resolves() -> None:
    keys = {key for path in _templates() for key in CITE.findall(path.read_text(encoding="utf-8"))}
    assert len(keys) > 60, "expected the results to cite many articles"
    for key in sorted(keys):
        article = get_article(key)  # raises UnknownCitation
        assert article.text.strip()


def test_citations_are_only_made_through_the_helper() -> None:
    # A hand-written 《…》第…条 in a template bypasses the check above.
    hand_written = re.compile(r"《[^》]+》第[一二三四五六七八九十百零]+条")
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        assert not hand_written.search(text), path


def test_no_errata_wording_in_messages() -> None:
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in ERRATA_PATTERNS:
            assert not pattern.search(text), (path, pattern.pattern)
