"""Result sections: read each section template's YAML header and decide which sections apply.

Every file in ``messages/templates/results/sections/`` starts with a Jinja comment holding YAML::

    {#---
    id: limitation
    label: 时效
    role: creditor       # creditor | debtor | both
    order: 30
    when: stage in ("not_sued", "sued") and not is_labour
    ---#}

``when`` is a Jinja expression evaluated against the result's context (the advice context plus
what the results add). The conditions are data a lawyer reads next to the section they govern;
this module is only the mechanism.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError

from messages.render import TEMPLATES_DIR, environment

SECTIONS_DIR = TEMPLATES_DIR / "results" / "sections"
ROLES = ("creditor", "debtor", "both")
_HEADER = re.compile(r"\A\{#---\n(.*?)\n---#\}\n", re.DOTALL)


class SectionHeaderError(ValueError):
    """A section template whose header is missing or malformed."""


@dataclass(frozen=True)
class Section:
    """One result section: its id, button label, role, position, condition and template name."""

    id: str
    label: str
    role: str
    order: int
    when: str
    template: str

    def applies(self, context: Mapping[str, Any]) -> bool:
        """True when this section's ``when`` expression holds for ``context``."""
        return bool(_compiled(self.when)(**context))


@cache
def _compiled(expression: str) -> Any:
    """The compiled ``when`` expression (the shared environment: strict about unknown names)."""
    return environment().compile_expression(expression, undefined_to_none=False)


def parse_header(text: str, name: str) -> Section:
    """Parse the YAML header at the top of a section template's source ``text``."""
    match = _HEADER.match(text)
    if not match:
        raise SectionHeaderError(f"{name}: no '{{#---' … '---#}}' header at the top")
    data = yaml.safe_load(match.group(1)) or {}
    missing = {"id", "label", "role", "order", "when"} - set(data)
    if missing:
        raise SectionHeaderError(f"{name}: header lacks {sorted(missing)}")
    if data["role"] not in ROLES:
        raise SectionHeaderError(f"{name}: role must be one of {ROLES}, not {data['role']!r}")
    when = str(data["when"]).strip()
    try:
        _compiled(when)
    except TemplateSyntaxError as err:
        raise SectionHeaderError(f"{name}: 'when' is not a Jinja expression: {err}") from err
    return Section(id=str(data["id"]), label=str(data["label"]), role=data["role"], order=int(data["order"]),
                   when=when, template=f"results/sections/{name}")


@cache
def all_sections(directory: Path = SECTIONS_DIR) -> tuple[Section, ...]:
    """Every section in ``directory``, ordered by (order, id); ids are unique per role."""
    found = [parse_header(path.read_text(encoding="utf-8"), path.name)
             for path in sorted(directory.glob("*.html.j2"))]
    seen: set[tuple[str, str]] = set()
    for section in found:
        roles = ("creditor", "debtor") if section.role == "both" else (section.role,)
        for role in roles:
            if (role, section.id) in seen:
                raise SectionHeaderError(f"{section.template}: id {section.id!r} used twice for {role}")
            seen.add((role, section.id))
    return tuple(sorted(found, key=lambda s: (s.order, s.id)))


def sections(role: str) -> tuple[Section, ...]:
    """The sections a result for ``role`` (creditor | debtor) may show, in order."""
    return tuple(s for s in all_sections() if s.role in (role, "both"))


def applicable(role: str, context: Mapping[str, Any]) -> tuple[Section, ...]:
    """The sections for ``role`` whose ``when`` holds for ``context``, in order."""
    candidates = sections(role)
    if not candidates:
        return ()
    holds = _every_when(role)(**context)
    return tuple(s for s, ok in zip(candidates, holds, strict=True) if ok)


@cache
def _every_when(role: str) -> Any:
    """Every ``when`` of ``role``'s sections as one compiled tuple expression, in the sections' order: one
    evaluation (one Jinja context built from the result's context) instead of one per section."""
    return _compiled("(" + "".join(f"({s.when}), " for s in sections(role)) + ")")


def find(role: str, section_id: str) -> Section | None:
    """The section ``section_id`` for ``role``, or None."""
    return next((s for s in sections(role) if s.id == section_id), None)
