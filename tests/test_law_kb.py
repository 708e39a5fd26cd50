"""Knowledge base: verbatim texts, provenance, citation keys and the /law search."""

import json
from pathlib import Path

import pytest

from law import kb
from law.kb import UnknownCitation, all_articles, cite, get_article, search_articles
from text.numerals import cn_to_int, int_to_cn

SHARED = Path(__file__).resolve().parents[2] / "shared" / "law"
DATA = Path(kb.__file__).resolve().parent / "data"
ADDED_FILES = {
    "civil-code-periods.md",
    "civil-procedure-law-periods.md",
    "labour-dispute-arbitration-law.md",
    "criminal-law-card-wages.md",
    "credit-card-crime-interpretation.md",
    "private-lending-evidence.md",
}
NOT_ARTICLE_FILES = {"FACTS.md", "ERRATA.md", "README.md"}

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/law is not present on this machine")


# --- verbatim copies -------------------------------------------------------------------------------


@needs_shared
def test_every_shared_file_is_copied_byte_for_byte():
    shared_files = sorted(p.name for p in SHARED.iterdir() if p.is_file())
    assert shared_files, "shared folder is empty"
    for name in shared_files:
        assert (DATA / name).read_bytes() == (SHARED / name).read_bytes(), name


@needs_shared
def test_every_stored_article_text_matches_shared_verbatim():
    # Independent of our parser: the shared file must contain "## <article>\n\n<text>\n" literally.
    index = json.loads((SHARED / "index.json").read_text(encoding="utf-8"))
    for entry in index:
        article = get_article(f"{entry['slug']}:{entry['article']}")
        raw = (SHARED / f"{entry['slug']}.md").read_text(encoding="utf-8")
        assert f"## {entry['article']}\n\n{article.text}\n" in raw, article.key
        assert article.law == raw.splitlines()[0][2:], article.key


def test_index_size_is_shared_index_plus_additions():
    shared_index = json.loads((DATA / "index.json").read_text(encoding="utf-8"))
    extra = json.loads((DATA / "index-extra.json").read_text(encoding="utf-8"))
    assert len(shared_index) == 230
    assert len(extra) == 25  # + 民事诉讼法第一百二十八、一百四十六、一百四十七条 (user trial)
    assert len(all_articles()) == len(shared_index) + len(extra)


def test_every_section_of_every_article_file_is_indexed():
    keys = {a.key for a in all_articles()}
    index_slugs = {}
    for name in ("index.json", "index-extra.json"):
        for entry in json.loads((DATA / name).read_text(encoding="utf-8")):
            index_slugs[entry.get("file") or f"{entry['slug']}.md"] = entry["slug"]
    for path in sorted(DATA.glob("*.md")):
        if path.name in NOT_ARTICLE_FILES:
            continue
        parsed = kb.parse_article_file(path)
        assert parsed.sections, path.name
        for section in parsed.sections:
            assert f"{index_slugs[path.name]}:{section}" in keys, (path.name, section)


def test_index_law_titles_match_file_titles():
    for name in ("index.json", "index-extra.json"):
        for entry in json.loads((DATA / name).read_text(encoding="utf-8")):
            article = get_article(f"{entry['slug']}:{entry['article']}")
            assert article.law == entry["law"], article.key


def test_every_article_has_provenance():
    for article in all_articles():
        assert article.text.strip(), article.key
        assert "`" in article.source and "commit" in article.source, article.key
        assert article.version, article.key
        assert article.version_zh and article.version_zh != article.version, article.key
        assert "\n\n\n" not in article.text
        assert "\u200b" not in article.text


# --- articles added in this package ------------------------------------------------------------------


def test_added_articles_have_source_and_verification_headers():
    for name in ADDED_FILES:
        text = (DATA / name).read_text(encoding="utf-8")
        assert "LawRefBook/Laws" in text and "Theonefkguy/Chinese-Laws" in text, name
        assert "commit `" in text, name
        assert "**Verification:**" in text, name


def test_civil_code_period_articles_are_stored():
    # Spot checks against the primary text read from LawRefBook/Laws and Theonefkguy/Chinese-Laws.
    assert get_article("civil-code:第二百零一条").text.startswith(
        "按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。"
    )
    assert (
        get_article("civil-code:第二百零二条").text
        == "按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日。"
    )
    assert get_article("civil-code:第二百零三条").text.startswith(
        "期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。"
    )
    assert "法定休假日后的第一日为期间届满的日期" in get_article("civil-procedure-law:第八十五条").text


def test_labour_arbitration_articles_are_stored():
    assert "可以向劳动争议仲裁委员会申请仲裁" in get_article("labour-dispute-arbitration-law:第五条").text
    art27 = get_article("labour-dispute-arbitration-law:第二十七条")
    assert art27.text.startswith("劳动争议申请仲裁的时效期间为一年。")
    assert art27.citation == "《劳动争议调解仲裁法》第二十七条"


# --- lookups -----------------------------------------------------------------------------------------


def test_get_article_and_cite():
    article = get_article("civil-code:第一百八十八条")
    assert article.key == "civil-code:第一百八十八条"
    assert article.short == "民法典"
    assert article.law == "中华人民共和国民法典"
    assert article.text.startswith("向人民法院请求保护民事权利的诉讼时效期间为三年。")
    assert article.citation == cite("civil-code:第一百八十八条") == "《民法典》第一百八十八条"
    assert article.number == 188


def test_numbered_point_of_the_reply_is_cited_as_a_point():
    assert cite("private-lending-scope-reply:一") == "《民间借贷适用范围批复》第一点"


@pytest.mark.parametrize(
    "key",
    ["civil-code:第九百条", "civil-code:188", "", "no-such-law:第一条", "civil-code", None],
)
def test_unknown_citation_raises(key):
    with pytest.raises(UnknownCitation):
        get_article(key)
    with pytest.raises(KeyError):  # UnknownCitation is a KeyError
        cite(key)


def test_short_titles_required_by_the_dialogue():
    shorts = {a.slug: a.short for a in all_articles()}
    assert shorts["civil-procedure-law"] == "民事诉讼法"
    assert shorts["civil-procedure-interpretation"] == "民诉法解释"
    assert shorts["private-lending-provisions"] == "民间借贷规定"
    assert shorts["limitation-provisions"] == "诉讼时效规定"
    assert shorts["litigation-fees-measures"] == "诉讼费用交纳办法"
    assert shorts["delayed-performance-interest"] == "迟延履行利息解释"
    assert len(set(shorts.values())) == len(shorts)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (110, "一百一十"),
        (188, "一百八十八"),
        (201, "二百零一"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1032, "一千零三十二"),
        (1260, "一千二百六十"),
    ],
)
def test_chinese_article_numbers(number, text):
    assert int_to_cn(number) == text
    assert cn_to_int(text) == number


def test_chinese_numbers_round_trip_and_match_stored_articles():
    for number in range(1, 1300):
        assert cn_to_int(int_to_cn(number)) == number
    for article in all_articles():
        if article.article.startswith("第") and "之" not in article.article:
            assert article.article == f"第{int_to_cn(article.number)}条", article.key


# --- search ------------------------------------------------------------------------------------------


def keys(query, limit=5):
    return [a.key for a in search_articles(query, limit=limit)]


@pytest.mark.parametrize(
    "query",
    [
        "civil-code:第一百八十八条",
        "民法典 第一百八十八条",
        "《民法典》第一百八十八条",
        "民法典188",
        "民法典 188条",
        "188条",
    ],
)
def test_search_by_article_number(query):
    assert keys(query)[0] == "civil-code:第一百八十八条"


def test_search_by_number_with_other_laws():
    assert keys("民诉法解释 第四百八十一条") == ["civil-procedure-interpretation:第四百八十一条"]
    assert keys("民诉法解释481") == ["civil-procedure-interpretation:第四百八十一条"]
    assert keys("民事诉讼法250") == ["civil-procedure-law:第二百五十条"]
    assert keys("刑法293条之一") == ["criminal-law:第二百九十三条之一"]
    assert keys("诉讼费用交纳办法 第十三条") == ["litigation-fees-measures:第十三条"]


def test_search_number_without_law_returns_every_law_with_that_article():
    found = keys("第一条", limit=20)
    assert "private-lending-provisions:第一条" in found
    assert "dishonest-list-provisions:第一条" in found
    assert all(key.endswith(":第一条") for key in found)


def test_search_article_not_stored_returns_nothing():
    assert keys("民法典 第九百条") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("诉讼时效", "civil-code:第一百八十八条"),
        ("小额诉讼", "civil-procedure-law:第一百六十五条"),
        ("支付令", "civil-procedure-law:第二百二十五条"),
        ("失信", "dishonest-list-provisions:第一条"),
        ("限制消费", "consumption-restriction-provisions:第一条"),
        ("征信", "credit-reporting-regulation:第十六条"),
        ("利息", "private-lending-provisions:第二十五条"),
        ("诉讼费", "litigation-fees-measures:第十三条"),
        ("催收", "criminal-law:第二百九十三条之一"),
        ("保全", "civil-procedure-law:第一百零三条"),
        ("执行", "civil-procedure-law:第二百五十条"),
        ("欠薪", "labour-dispute-arbitration-law:第五条"),
        ("法定休假日", "civil-code:第二百零一条"),
    ],
)
def test_search_by_topic_word(query, expected):
    assert keys(query)[0] == expected


def test_search_topic_inside_a_sentence():
    assert keys("我的诉讼时效过了吗")[0] == "civil-code:第一百八十八条"
    assert "civil-code:第六百七十五条" in keys("借钱不还怎么办")


def test_search_free_text_falls_back_to_article_words():
    assert "limitation-provisions:第四条" in keys("宽限期", limit=10)


def test_search_respects_limit_and_handles_nonsense():
    assert len(search_articles("诉讼时效", limit=3)) == 3
    assert search_articles("zzzzqqq") == []
    assert search_articles("   ") == []
    assert search_articles("诉讼时效", limit=0) == []


def test_topics_table_keys_resolve():
    table = kb.topics()
    assert len(table) >= 20
    for topic in table:
        assert topic["keywords"], topic["name"]
        for key in topic["keys"]:
            get_article(key)


def test_format_article_shows_citation_version_text_and_source():
    shown = kb.format_article(get_article("civil-code:第二百零三条"))
    assert shown.startswith("《民法典》第二百零三条\n")
    assert "2021年1月1日起施行" in shown
    assert "以法定休假日结束的次日为期间的最后一日" in shown
    assert "来源：" in shown and "LawRefBook/Laws" in shown


def test_public_notice_service_article_is_stored_with_two_sources():
    # 民事诉讼法 (2023) 第九十五条, added for the unreachable-debtor sections (issue 17).
    article = get_article("civil-procedure-law:第九十五条")
    assert article.text.startswith("受送达人下落不明，或者用本节规定的其他方式无法送达的，公告送达。")
    assert "自发出公告之日起，经过三十日，即视为送达。" in article.text
    assert "公告送达，应当在案卷中记明原因和经过。" in article.text
    assert "LawRefBook/Laws" in article.source and "Theonefkguy/Chinese-Laws" in article.source
    assert "no difference found" in article.verification
    assert "civil-procedure-law:第九十五条" in [a.key for a in search_articles("公告送达")]
