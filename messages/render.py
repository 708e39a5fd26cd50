"""Render reply templates: autoescaped Telegram HTML, strict about missing variables, with citations.

Templates cite law only through ``cite("<slug>:<article>")``; the helper resolves the citation in
the knowledge base (an unknown citation raises, so a typo fails the tests) and records it, so a
result can offer "查看法条" for exactly the articles it cited.
"""

from __future__ import annotations

import html
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from law.kb import cite as kb_cite
from text.refusals import has_refusal, refusal

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Rendered:
    """A rendered template: its HTML and the citation keys it used, in first-use order."""

    html: str
    citations: tuple[str, ...]


def yuan(value: Any) -> str:
    """Format money in yuan with thousands separators and fen: 3500 → "3,500.00元"."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount:,.2f}元"


def cn_date(value: Any) -> str:
    """Format a date (or ISO string) the Chinese way: 2024-05-01 → "2024年5月1日"."""
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{d.year}年{d.month}月{d.day}日"


@pass_context
def _cite(ctx: Context, key: str) -> Markup:
    """Resolve a citation key to 《短名》第X条 and remember it for the "查看法条" list."""
    text = kb_cite(key)
    used: list[str] = ctx["_citations"]
    if key not in used:
        used.append(key)
    return Markup("%s") % text


@pass_context
def _cite_all(ctx: Context, keys: list[str] | tuple[str, ...]) -> Markup:
    """Several citations joined with 、 (each resolved and remembered like ``cite``)."""
    return Markup("、").join(_cite(ctx, key) for key in keys)


class _FlatGlobalsEnvironment(Environment):
    """Jinja's environment with each template's globals in one flat dict instead of a ``ChainMap`` over the
    environment's: every render and include copies them into a new context, and a ``ChainMap`` is copied
    key by key through Python code. :func:`environment` sets every global before a template is loaded."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """The template's globals over the environment's, as one dict."""
        return {**self.globals, **(d or {})}


@cache
def environment() -> Environment:
    """The shared Jinja environment (autoescape on, StrictUndefined, tidy whitespace).

    Templates are compiled once and kept (``auto_reload=False``): the default re-reads each template's
    modification time on every lookup, once per template and per include, every turn. Restart the bot
    after editing a template.
    """
    env = _FlatGlobalsEnvironment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        auto_reload=False,
        cache_size=-1,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals["cite"] = _cite
    env.globals["cite_all"] = _cite_all
    env.globals["has_refusal"] = has_refusal
    env.globals["refusal"] = refusal
    env.filters["yuan"] = yuan
    env.filters["cn_date"] = cn_date
    return env


_BLANK_RUNS = re.compile(r"\n{3,}")


def render(name: str, **context: Any) -> Rendered:
    """Render template ``name`` with ``context``; collapses runs of blank lines."""
    citations: list[str] = []
    template = environment().get_template(name)
    text = template.render(_citations=citations, **context)
    if "\n\n\n" in text:  # most texts have no run to collapse: no regex scan for them
        text = _BLANK_RUNS.sub("\n\n", text)
    text = text.strip()
    return Rendered(html=text, citations=tuple(citations))


_TAG = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>")
_HREF = re.compile(r'href="([^"]*)"')


def html_to_text(markup: str) -> str:
    """Telegram HTML → plain text for the terminal: tags dropped, links kept, entities decoded."""
    def replace(match: re.Match[str]) -> str:
        closing, tag, attrs = match.groups()
        if tag == "a" and not closing:
            href = _HREF.search(attrs)
            return f"[{html.unescape(href.group(1))}] " if href else ""
        return ""

    return html.unescape(_TAG.sub(replace, markup))
