"""Glossary data (law/data/glossary.yaml): plain one-sentence explanations, each resting on stored articles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from law import kb

GLOSSARY = Path(kb.__file__).resolve().parent / "data" / "glossary.yaml"
# Terms the results use (issue 16 and issue 17); each must be explained.
REQUIRED = {
    "支付令", "财产保全", "终本", "一审终审", "抗辩", "失信", "限高", "诉讼时效", "小额诉讼", "执行",
    "保全担保", "反诉", "起诉状", "答辩", "上诉", "再审", "LPR", "逾期利息", "恶意透支", "拒执罪",
}  # fmt: skip


def _terms() -> list[dict]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]


def test_every_required_term_is_explained() -> None:
    names = {t["term"] for t in _terms()} | {a for t in _terms() for a in t.get("aliases", [])}
    assert not REQUIRED - names, sorted(REQUIRED - names)


def test_terms_and_aliases_are_unique() -> None:
    seen: list[str] = []
    for term in _terms():
        seen += [term["term"], *term.get("aliases", [])]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("term", _terms(), ids=lambda t: t["term"])
def test_entry_cites_known_articles(term: dict) -> None:
    assert term["cites"], term["term"]
    for key in term["cites"]:
        article = kb.get_article(key)  # raises UnknownCitation for an unknown key
        assert article.text.strip()


@pytest.mark.parametrize("term", _terms(), ids=lambda t: t["term"])
def test_entry_is_one_plain_sentence(term: dict) -> None:
    plain = term["plain"]
    assert plain.endswith("。") and plain.count("。") == 1, plain
    assert len(plain) <= 90, (term["term"], len(plain))
    assert "您" not in plain
    for banned in ("未经确认", "http", "GitHub", "一定会", "肯定"):
        assert banned not in plain, (term["term"], banned)


def test_a_cited_article_mentions_the_term_or_its_core_word() -> None:
    # A cheap guard against citing the wrong article: for the terms whose own words appear in the law,
    # at least one cited article must contain them.
    literal = {"支付令", "财产保全", "反诉", "上诉", "再审", "恶意透支", "有效催收", "逾期利息", "申请执行期间"}
    core = {"逾期利息": "逾期利率", "申请执行期间": "申请执行的期间", "财产保全": "保全"}
    for term in _terms():
        if term["term"] not in literal:
            continue
        word = core.get(term["term"], term["term"])
        assert any(word in kb.get_article(key).text for key in term["cites"]), term["term"]
