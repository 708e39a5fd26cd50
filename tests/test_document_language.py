"""Documents declare Simplified Chinese (zh-CN) and a named East Asian font, so Word and WPS check spelling
and choose fonts as for Chinese text (the python-docx default was en-US with a ja-JP East Asian theme)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from assembly import Engine
from channels.terminal import run_interactive
from tests.conftest import CREDITOR_ANSWERS, ROOT

TEMPLATES = sorted((ROOT / "documents" / "templates").glob("*.docx"))


def assert_declares_chinese(path: Path) -> None:
    document = Document(str(path))
    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang, fonts = rpr.find(qn("w:lang")), rpr.find(qn("w:rFonts"))
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("zh-CN", "zh-CN"), path.name
    assert fonts.get(qn("w:eastAsia")) == "宋体" and fonts.get(qn("w:eastAsiaTheme")) is None, path.name
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("word/styles.xml").decode("utf-8")
        settings = archive.read("word/settings.xml").decode("utf-8")
    assert "ja-JP" not in styles + settings and "eastAsiaTheme" not in styles, path.name
    assert 'w:themeFontLang w:val="zh-CN" w:eastAsia="zh-CN"' in settings, path.name


def test_there_are_four_templates() -> None:
    assert [p.name for p in TEMPLATES] == ["agreement.docx", "complaint.docx", "demand_letter.docx", "hardship.docx"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_each_template_declares_chinese(template: Path) -> None:
    assert_declares_chinese(template)


def test_a_generated_document_declares_chinese(engine: Engine) -> None:
    lines = [*CREDITOR_ANSWERS[1:], "确认", "生成文书", "1", *["跳过"] * 8, "15天"]
    out = io.StringIO()
    run_interactive(engine, "alice", io.StringIO("\n".join(lines) + "\n"), out)
    [saved] = [line.removeprefix("📎 文件已保存：") for line in out.getvalue().splitlines()
               if line.startswith("📎 文件已保存：")]
    assert_declares_chinese(Path(saved))


def test_the_scaffold_declares_chinese_too(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_templates
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    make_templates.demand_letter().save(tmp_path / "demand_letter.docx")
    assert_declares_chinese(tmp_path / "demand_letter.docx")
