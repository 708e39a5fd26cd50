"""Hotline data (law/data/hotlines.yaml): every public number the bot names has a stated use and a source."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from law import kb
from messages.render import TEMPLATES_DIR

HOTLINES = Path(kb.__file__).resolve().parent / "data" / "hotlines.yaml"
SERVICE_NUMBER = re.compile(r"(?<!\d)123\d\d(?!\d)")


def _entries() -> list[dict]:
    return yaml.safe_load(HOTLINES.read_text(encoding="utf-8"))["hotlines"]


def test_each_hotline_has_use_sources_and_reliability() -> None:
    numbers = [entry["number"] for entry in _entries()]
    assert len(numbers) == len(set(numbers))
    assert {"12348", "12368", "12333", "12378"} <= set(numbers)
    for entry in _entries():
        assert SERVICE_NUMBER.fullmatch(entry["number"]), entry
        assert entry["name"] and entry["operator"] and entry["use"], entry["number"]
        assert "您" not in entry["use"]
        assert entry["sources"], entry["number"]
        assert entry["reliability"].split(" ")[0] in {"official", "secondary"}, entry["number"]


def test_financial_hotline_uses_the_current_regulator_name() -> None:
    entry = next(e for e in _entries() if e["number"] == "12378")
    assert "国家金融监督管理总局" in entry["operator"]


def test_every_number_the_templates_name_has_an_entry() -> None:
    known = {entry["number"] for entry in _entries()}
    for path in sorted(TEMPLATES_DIR.rglob("*.j2")):
        for number in SERVICE_NUMBER.findall(path.read_text(encoding="utf-8")):
            assert number in known, (path.name, number)
