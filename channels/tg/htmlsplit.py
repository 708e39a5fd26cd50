"""Splitting Telegram HTML into messages of at most 4,096 UTF-16 units, each valid HTML on its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2


_HTML_TOKEN = re.compile(r"<[^>]*>|&#?\w{1,32};|\n\n|\n|[^<&\n]+|[<&]")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


def _closers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _openers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def _has_text(part: str) -> bool:
    return bool(html.unescape(re.sub(r"<[^>]*>", "", part)).strip())


def split_html(source: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` UTF-16 units, each valid on its own.

    Cuts at the last paragraph break (blank line) that fits in the second half of the part, else at
    the last line break there, else at any earlier break, else inside the text (never inside a tag or
    an entity). Tags open at a cut are closed at the end of the part and reopened (with their
    attributes) at the start of the next. The length is measured on the source, which is never shorter
    than the text Telegram counts, so every part is accepted.
    """
    if utf16_len(source) <= limit:
        return [source]
    tokens = _HTML_TOKEN.findall(source)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    cur: list[str] = []
    cur_len = 0
    # Places to cut in the current part: (token index of the separator, len(cur), stack there, weight, length).
    breaks: list[tuple[int, int, list[tuple[str, str]], int, int]] = []
    i = 0
    base = 0  # len(cur) right after a cut: a part always takes at least one token, so the loop ends

    def flush(upto: int, at_stack: list[tuple[str, str]]) -> None:
        part = "".join(cur[:upto]) + _closers(at_stack)
        if _has_text(part):
            parts.append(part)

    while i < len(tokens):
        tok = tokens[i]
        new_stack = stack
        match = _TAG_NAME.match(tok) if tok.startswith("<") and tok.endswith(">") else None
        if match:
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if stack and stack[-1][0] == name:
                    new_stack = stack[:-1]
            else:
                new_stack = [*stack, (name, tok)]
        size = utf16_len(tok)
        fits = cur_len + size + utf16_len(_closers(new_stack)) <= limit
        if not fits:
            late = [b for b in breaks if b[4] >= limit // 2]
            best = max(late or breaks, key=lambda b: (b[3], b[0]), default=None)
            room = limit - cur_len - utf16_len(_closers(stack))
            head = _prefix_within(tok, room) if not match and not tok.startswith("&") and room > 0 else ""
            if best is not None:
                sep_index, upto, at_stack, _, _ = best
                flush(upto, at_stack)
                i, stack = sep_index + 1, list(at_stack)
            elif head:
                tokens[i:i + 1] = [head, tok[len(head):]]
                cur.append(head)
                flush(len(cur), stack)
                i += 1
            elif len(cur) > base:
                flush(len(cur), stack)
            else:
                fits = True  # a tag longer than a whole part: take it anyway so the loop moves on
            if not fits:
                cur = [_openers(stack)] if stack else []
                cur_len = utf16_len(cur[0]) if cur else 0
                base = len(cur)
                breaks = []
                continue
        if tok in ("\n\n", "\n"):
            breaks.append((i, len(cur), list(stack), 2 if tok == "\n\n" else 1, cur_len))
        cur.append(tok)
        cur_len += size
        stack = new_stack
        i += 1
    flush(len(cur), stack)
    return parts


def _prefix_within(text: str, room: int) -> str:
    """The longest prefix of ``text`` of at most ``room`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return text[:index]
    return text
