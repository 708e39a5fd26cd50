"""The text package: at the bottom of the layers, one numeral helper, one stored-date reader, shared refusals."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from text.dates import stored_date
from text.numerals import cn_to_int, cn_to_number, int_to_cn, number_to_cn
from text.refusals import has_refusal, refusal, refusals

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT / "text"
# Every top-level package of the project (some, like flows/, are namespace packages without __init__.py).
PROJECT_PACKAGES = {p.name for p in ROOT.iterdir() if p.is_dir() and any(p.glob("*.py"))} | {"bot"}


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(TEXT.glob("*.py")), ids=lambda p: p.name)
def test_text_imports_nothing_of_the_project_but_the_clock(path):
    assert "text" in PROJECT_PACKAGES and "flows" in PROJECT_PACKAGES
    project = imported_modules(path) & PROJECT_PACKAGES
    assert project <= {"text"}, f"{path.name} imports {project - {'text'}}"


@pytest.mark.parametrize("package", ["law", "documents"])
def test_law_and_documents_never_import_flows(package):
    for path in sorted((ROOT / package).glob("*.py")):
        if path.name == "dialogue.py":  # the documents desk, driven by the engine
            continue
        assert not imported_modules(path) & {"flows", "channels"}, path.name


def test_no_second_copy_of_a_stored_date_reader_or_of_cn2an():
    for package in ("law", "documents", "flows", "recordings"):
        for path in (ROOT / package).glob("*.py"):
            source = path.read_text(encoding="utf-8")
            assert "def _date(" not in source, path
            assert "cn2an" not in imported_modules(path), path


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-05-01", date(2024, 5, 1)), ("none", None), ("never", None), (None, None), ("2023-02-29", None),
     (20240501, None), ("", None)],
)
def test_stored_date(value, expected):
    assert stored_date(value) == expected


def test_numerals():
    assert cn_to_number("三千五") == 3500
    assert cn_to_number("3万5") == 35000
    assert cn_to_int("二百零一") == 201
    assert int_to_cn(110) == "一百一十"
    assert number_to_cn("5000.5", "rmb") == "伍仟元伍角"
    with pytest.raises(ValueError):
        cn_to_number("很多")
    with pytest.raises(ValueError):
        cn_to_int("三点五")
    with pytest.raises(ValueError):
        int_to_cn(10000)


def test_every_shared_refusal_is_a_code_the_parsers_raise_and_fits_every_front_end():
    raised = set()
    for path in TEXT.glob("*.py"):
        raised |= set(re.findall(r'ParseError\("([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert set(refusals()) <= raised
    for code, sentence in refusals().items():
        assert has_refusal(code)
        assert "跳过" not in sentence and "按钮" not in sentence and "您" not in sentence, code
        assert refusal(code) == sentence
    assert not has_refusal("choice_unknown")  # chat-only wording stays in its template
