"""The document catalogue (``documents/catalogue.yaml``): which documents exist and what templates may use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
CATALOGUE_FILE = PACKAGE_DIR / "catalogue.yaml"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


@dataclass(frozen=True)
class DocumentType:
    """One kind of document: its id (the flow's option value), title, Word template and file names."""

    id: str
    title: str
    template: str
    ascii_name: str
    summary: str

    @property
    def template_path(self) -> Path:
        """The .docx template file."""
        return TEMPLATES_DIR / self.template


@dataclass(frozen=True)
class Catalogue:
    """Every document type and every variable a template may use (name → Chinese description)."""

    documents: dict[str, DocumentType]
    variables: dict[str, str]

    def document(self, kind: str) -> DocumentType:
        """The document type with this id (KeyError if unknown)."""
        return self.documents[kind]


@cache
def catalogue() -> Catalogue:
    """Load ``documents/catalogue.yaml`` once."""
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    documents = {
        key: DocumentType(id=key, title=str(d["title"]), template=str(d["template"]),
                          ascii_name=str(d["ascii_name"]), summary=str(d["summary"]))
        for key, d in raw["documents"].items()
    }
    variables = {key: str(v["zh"]) for key, v in raw["variables"].items()}
    return Catalogue(documents=documents, variables=variables)
