"""Render a :class:`~documents.builder.Draft` into a .docx file with docxtpl (Word file + Jinja tags).

The Jinja environment is strict (an unknown variable is an error, never an empty string) and
autoescapes what users typed; templates cite law only through ``cite`` / ``cite_all``, which resolve
the key in the knowledge base (an unknown article raises) and remember it. A document goes to a court,
a bank or the other party, so it cites every instrument by its full title (:func:`full_cite`:
《中华人民共和国民法典》第六百七十五条, 《商业银行信用卡业务监督管理办法》第七十条), never by the short
titles the chat uses.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from documents.builder import Draft
from documents.catalogue import catalogue
from law.kb import get_article


def full_cite(key: str) -> str:
    """Full-title citation for a document: 《<full title>》第X条 (a title inside the title gets 〈〉).

    Raises :class:`law.kb.UnknownCitation` for a key that is not stored.
    """
    article = get_article(key)
    title = article.law.replace("《", "〈").replace("》", "〉")
    return f"《{title}》{article.label}"


def environment(citations: list[str]) -> Environment:
    """A fresh strict environment whose ``cite`` helpers record the keys used into ``citations``."""
    env = Environment(undefined=StrictUndefined, autoescape=True)

    def cite(key: str) -> Markup:
        text = full_cite(key)
        if key not in citations:
            citations.append(key)
        return Markup("%s") % text

    def cite_all(keys: list[str] | tuple[str, ...]) -> Markup:
        return Markup("、").join(cite(key) for key in keys)

    env.globals["cite"] = cite
    env.globals["cite_all"] = cite_all
    return env


def render_bytes(draft: Draft) -> tuple[bytes, list[str]]:
    """The .docx file of ``draft`` as bytes, and the citation keys its template used."""
    from docxtpl import DocxTemplate  # ~90 ms of imports (lxml, python-docx): paid by the first document

    template = DocxTemplate(catalogue().document(draft.kind).template_path)
    citations: list[str] = []
    template.render(draft.context, jinja_env=environment(citations), autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue(), citations


def write(draft: Draft, path: Path) -> list[str]:
    """Render ``draft`` into ``path`` (created readable by its owner only); returns the citation keys."""
    data, citations = render_bytes(draft)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return citations


def template_variables(kind: str) -> set[str]:
    """The top-level variables a document's template uses (for the catalogue check in the tests)."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(catalogue().document(kind).template_path)
    return set(template.get_undeclared_template_variables(environment([])))
