"""Clean typed text before it is read: Unicode folding and trimming."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFKC-fold (full-width digits and letters become ASCII), drop control characters, trim."""
    folded = unicodedata.normalize("NFKC", text)
    cleaned = "".join(ch for ch in folded if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return cleaned.strip()
