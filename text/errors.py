"""The one exception of the text package: an answer that could not be understood."""

from __future__ import annotations


class ParseError(ValueError):
    """An answer that could not be understood; ``code`` selects the polite explanation."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details
