"""Clean typed text before it is read: Unicode folding and trimming."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFKC-fold (full-width digits and letters become ASCII), drop control characters, trim."""
    folded = unicodedata.normalize("NFKC", text)
    # A printable string holds no character of category C (its tabs and newlines would make it unprintable),
    # so the per-character scan is only needed for the rare text that is not printable.
    if not folded.isprintable():
        folded = "".join(ch for ch in folded if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return folded.strip()
