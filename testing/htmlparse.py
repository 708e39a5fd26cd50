"""Telegram's HTML parse mode, reimplemented: text and entities, or Telegram's own parse error."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("testing.botapi")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for lengths and offsets."""
    return len(text.encode("utf-16-le")) // 2


def _redact(text: str) -> str:
    """Remove anything that looks like a token from a request path before it reaches a log."""
    return re.sub(r"/(file/)?bot[^/\s?]*", lambda m: f"/{m.group(1) or ''}bot<redacted>", text)


# --------------------------------------------------------------------------------------------- HTML


class HtmlParseError(ValueError):
    """Raised by :func:`parse_html`; the message is what Telegram puts after "can't parse entities: "."""


_ALLOWED_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "code", "pre",
    "blockquote", "tg-emoji",
})
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{0,31});")
_UNQUOTED_VALUE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


def _decode_entity(text: str, pos: int) -> tuple[str | None, int]:
    m = _ENTITY_RE.match(text, pos)
    if not m:
        return None, pos
    body = m.group(1)
    if body[0] == "#":
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None, pos
        return chr(code), m.end()
    value = _NAMED_ENTITIES.get(body)
    return (value, m.end()) if value is not None else (None, pos)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output
    piece: int  # index into the output pieces, to recover the inner text
    byte_offset: int
    language: str | None = None


def _strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim leading/trailing whitespace like Telegram does, keeping entity offsets right."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    out = []
    for ent in entities:
        start = max(ent["offset"] - shift, 0)
        end = min(ent["offset"] + ent["length"] - shift, total)
        if end > start:
            out.append({**ent, "offset": start, "length": end - start})
    return result, out


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)`` with UTF-16 offsets.

    Follows the Bot API's "HTML style" rules and TDLib's error messages.  With ``strict_ampersand`` (the
    default) a ``&`` that does not start one of ``&lt; &gt; &amp; &quot;`` or a numeric entity is an error,
    as the Bot API documentation demands; the real server is lenient there and keeps such a ``&``.
    The result is trimmed of leading/trailing whitespace, as Telegram does.
    """
    pieces: list[str] = []
    entities: list[dict] = []
    stack: list[_OpenTag] = []
    u16 = 0
    i = 0
    n = len(source)

    def boff(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    def emit(chunk: str) -> None:
        nonlocal u16
        pieces.append(chunk)
        u16 += utf16_len(chunk)

    while i < n:
        ch = source[i]
        if ch == "&":
            decoded, end = _decode_entity(source, i)
            if decoded is None:
                if strict_ampersand:
                    raise HtmlParseError(f'Unescaped "&" at byte offset {boff(i)}; write it as "&amp;"')
                decoded, end = "&", i + 1
            emit(decoded)
            i = end
            continue
        if ch != "<":
            j = i + 1
            while j < n and source[j] not in "<&":
                j += 1
            emit(source[i:j])
            i = j
            continue

        tag_start = i
        i += 1
        if i < n and source[i] == "/":  # end tag
            j = i + 1
            while j < n and not source[j].isspace() and source[j] != ">":
                j += 1
            name = source[i + 1 : j].lower()
            while j < n and source[j].isspace():
                j += 1
            if j >= n or source[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {boff(tag_start)}")
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {boff(tag_start)}")
            open_tag = stack[-1]
            if name and name != open_tag.name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {boff(tag_start)}, expected "</{open_tag.name}>", '
                    f'found "</{name}>"'
                )
            i = j + 1
            stack.pop()
            _close_tag(open_tag, u16, pieces, entities, stack)
            continue

        # start tag
        j = i
        while j < n and not source[j].isspace() and source[j] != ">":
            j += 1
        if j >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {boff(tag_start)}")
        name = source[i:j].lower()
        if name not in _ALLOWED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {boff(tag_start)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {boff(tag_start)}')
            if source[j] == ">":
                break
            attr_start = j
            while j < n and not source[j].isspace() and source[j] not in "=>/\"'":
                j += 1
            attr = source[attr_start:j].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {boff(tag_start)}'
                )
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {boff(tag_start)}')
            if source[j] != "=":
                attrs[attr] = ""
                continue
            j += 1
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {boff(tag_start)}')
            if source[j] in "\"'":
                quote = source[j]
                j += 1
                value: list[str] = []
                while j < n and source[j] != quote:
                    if source[j] == "&":
                        decoded, end = _decode_entity(source, j)
                        if decoded is not None:
                            value.append(decoded)
                            j = end
                            continue
                    value.append(source[j])
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {boff(tag_start)}")
                j += 1
                attrs[attr] = "".join(value)
            else:
                value_start = j
                while j < n and source[j] in _UNQUOTED_VALUE_CHARS:
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {boff(tag_start)}")
                if not source[j].isspace() and source[j] != ">":
                    raise HtmlParseError(f"Unexpected end of name token at byte offset {boff(j)}")
                attrs[attr] = source[value_start:j].lower()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {boff(tag_start)}'
            )
        stack.append(_OpenTag(name, attrs, u16, len(pieces), boff(tag_start)))
        i = j + 1

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return _strip_text("".join(pieces), entities)


def _close_tag(tag: _OpenTag, u16: int, pieces: list[str], entities: list[dict],
               stack: list[_OpenTag]) -> None:
    length = u16 - tag.start
    name = tag.name
    if name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise HtmlParseError("Invalid custom emoji identifier specified")
        if length > 0:
            entities.append({"type": "custom_emoji", "offset": tag.start, "length": length,
                             "custom_emoji_id": emoji_id})
        return
    if length <= 0:
        return
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    if name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[name]
    elif name == "a":
        url = tag.attrs.get("href") or "".join(pieces[tag.piece :]).strip()
        if not url:
            return
        entity.update(type="text_link", url=url)
    elif name == "code":
        css = tag.attrs.get("class", "")
        if css.startswith("language-") and stack and stack[-1].name == "pre" and stack[-1].start == tag.start:
            stack[-1].language = css.removeprefix("language-")
            return
        entity["type"] = "code"
    elif name == "pre":
        entity["type"] = "pre"
        if tag.language:
            entity["language"] = tag.language
    elif name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    else:  # pragma: no cover - every allowed tag is handled above
        return
    entities.append(entity)


# --------------------------------------------------------------------------------------------- model
