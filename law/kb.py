"""Legal knowledge base: verbatim article texts with provenance, looked up by citation key.

The texts live in ``law/data/<file>.md`` (``# title``, a provenance header, then ``## 第X条`` sections)
and are listed in ``law/data/index.json`` (copied verbatim from the shared research folder) plus
``law/data/index-extra.json`` (articles added in this package; each entry names its ``file``).
Everything is parsed lazily on first use and cached.

A citation key is ``"<slug>:<article>"``, e.g. ``"civil-code:第一百八十八条"``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from text.normalise import normalise
from text.numerals import cn_to_int, int_to_cn

DATA_DIR = Path(__file__).resolve().parent / "data"
INDEX_FILES = ("index.json", "index-extra.json")

# Short titles used in citations: 《民法典》第一百八十八条.
SHORT_TITLES: dict[str, str] = {
    "civil-code": "民法典",
    "civil-code-time-effect": "民法典时间效力规定",
    "civil-procedure-law": "民事诉讼法",
    "civil-procedure-interpretation": "民诉法解释",
    "private-lending-provisions": "民间借贷规定",
    "private-lending-scope-reply": "民间借贷适用范围批复",
    "limitation-provisions": "诉讼时效规定",
    "litigation-fees-measures": "诉讼费用交纳办法",
    "dishonest-list-provisions": "失信规定",
    "consumption-restriction-provisions": "限制消费规定",
    "credit-reporting-regulation": "征信业管理条例",
    "personal-information-protection-law": "个人信息保护法",
    "criminal-law": "刑法",
    "credit-card-measures": "信用卡业务监督管理办法",
    "property-preservation-provisions": "财产保全规定",
    "delayed-performance-interest": "迟延履行利息解释",
    "refusal-to-execute-interpretation": "拒执解释",
    "labour-dispute-arbitration-law": "劳动争议调解仲裁法",
    "credit-card-crime-interpretation": "妨害信用卡管理刑事案件解释",
}

# Version and effective date in Chinese, for users (the English originals are in Article.version).
VERSIONS_ZH: dict[str, str] = {
    "civil-code": "2020年5月28日第十三届全国人民代表大会第三次会议通过，2021年1月1日起施行",
    "civil-code-time-effect": "2020年12月14日最高人民法院审判委员会第1821次会议通过，2021年1月1日起施行",
    "civil-procedure-law": "2023年9月1日第五次修正，2024年1月1日起施行",
    "civil-procedure-interpretation": "2022年修正（最高人民法院审判委员会第1866次会议），2022年4月10日起施行",
    "private-lending-provisions": ("2020年第二次修正（最高人民法院审判委员会第1823次会议），2021年1月1日起施行"),
    "private-lending-scope-reply": "法释〔2020〕27号，2021年1月1日起施行",
    "limitation-provisions": "2020年修正（最高人民法院审判委员会第1823次会议），2021年1月1日起施行",
    "litigation-fees-measures": "国务院令第481号，2007年4月1日起施行",
    "dishonest-list-provisions": "2017年修正（法释〔2017〕7号），2017年5月1日起施行",
    "consumption-restriction-provisions": "2015年修正，2015年7月22日起施行",
    "credit-reporting-regulation": "国务院令第631号，2013年3月15日起施行",
    "personal-information-protection-law": "2021年8月20日通过，2021年11月1日起施行",
    "criminal-law": "1997年修订，经修正至刑法修正案（十二）（2023年12月29日）",
    "credit-card-measures": "2011年1月13日原中国银监会发布",
    "property-preservation-provisions": "2016年12月1日起施行，2020年修正（修正的施行日期来源未载明）",
    "delayed-performance-interest": "2014年7月7日公布，2014年8月1日起施行",
    "refusal-to-execute-interpretation": "法释〔2024〕13号，2024年12月1日起施行",
    "labour-dispute-arbitration-law": "2007年12月29日通过，2008年5月1日起施行",
    "credit-card-crime-interpretation": "法释〔2009〕19号，2018年修正，修正后自2018年12月1日起施行",
}

class UnknownCitation(KeyError):
    """Raised when a citation key is not in the knowledge base."""


@dataclass(frozen=True)
class Article:
    """One stored article (or numbered point) with its provenance."""

    slug: str
    article: str
    law: str
    short: str
    version: str
    source: str
    text: str
    topic: str
    summary_en: str
    file: str
    verification: str = ""

    @property
    def key(self) -> str:
        """Citation key ``"<slug>:<article>"``."""
        return f"{self.slug}:{self.article}"

    @property
    def label(self) -> str:
        """The article part of a citation: ``第一百八十八条``, or ``第一点`` for a numbered point."""
        return self.article if self.article.startswith("第") else f"第{self.article}点"

    @property
    def citation(self) -> str:
        """Short Chinese citation, e.g. ``《民法典》第一百八十八条``."""
        return f"《{self.short}》{self.label}"

    @property
    def version_zh(self) -> str:
        """Version and effective date in Chinese (falls back to the English data)."""
        return VERSIONS_ZH.get(self.slug, self.version)

    @property
    def number(self) -> int | None:
        """The article number as an integer (188 for 第一百八十八条), or None if it has none."""
        match = re.fullmatch(
            r"第?([零〇一二两三四五六七八九十百千]+)[条点]?(?:之[一二三四五六七八九十]+)?", self.article
        )
        return cn_to_int(match.group(1)) if match else None


@dataclass(frozen=True)
class _ParsedFile:
    title: str
    version: str
    source: str
    verification: str
    sections: dict[str, str]


def parse_article_file(path: Path) -> _ParsedFile:
    """Parse one article file: ``# title``, provenance bullets, then ``## <article>`` sections."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title = ""
    header: dict[str, list[str]] = {}
    current_field = ""
    sections: dict[str, list[str]] = {}
    current_section = ""
    for line in lines:
        if line.startswith("## "):
            current_section = line[3:].strip()
            if current_section in sections:
                raise ValueError(f"{path.name}: duplicate section {current_section}")
            sections[current_section] = []
            continue
        if current_section:
            sections[current_section].append(line)
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        field_match = re.match(r"- \*\*(.+?):\*\*\s*(.*)", line)
        if field_match:
            current_field = field_match.group(1)
            header[current_field] = [field_match.group(2)] if field_match.group(2) else []
        elif line.startswith("- ") and current_field:
            header[current_field].append(line[2:].strip())
    if not title:
        raise ValueError(f"{path.name}: no '# ' title")
    return _ParsedFile(
        title=title,
        version=" ".join(header.get("Version / effective date", [])),
        source="; ".join(header.get("Source", [])),
        verification=" ".join(header.get("Verification", [])),
        sections={name: "\n".join(body).strip("\n") for name, body in sections.items()},
    )


@dataclass(frozen=True)
class _KB:
    articles: tuple[Article, ...]
    by_key: dict[str, Article]
    law_aliases: tuple[tuple[str, str], ...]
    topics: tuple[dict, ...]


@lru_cache(maxsize=1)
def _kb() -> _KB:
    files: dict[str, _ParsedFile] = {}
    articles: list[Article] = []
    slug_order: dict[str, int] = {}
    for index_name in INDEX_FILES:
        entries = json.loads((DATA_DIR / index_name).read_text(encoding="utf-8"))
        for entry in entries:
            file_name = entry.get("file") or f"{entry['slug']}.md"
            if file_name not in files:
                files[file_name] = parse_article_file(DATA_DIR / file_name)
            parsed = files[file_name]
            if entry["article"] not in parsed.sections:
                raise ValueError(f"{file_name}: index lists {entry['article']} but the file has no such section")
            slug_order.setdefault(entry["slug"], len(slug_order))
            articles.append(
                Article(
                    slug=entry["slug"],
                    article=entry["article"],
                    law=parsed.title,
                    short=SHORT_TITLES.get(entry["slug"], parsed.title),
                    version=entry["version"],
                    source=parsed.source,
                    text=parsed.sections[entry["article"]],
                    topic=entry.get("topic", ""),
                    summary_en=entry.get("summary_en", ""),
                    file=file_name,
                    verification=parsed.verification,
                )
            )
    articles.sort(key=lambda a: (slug_order[a.slug], a.number if a.number is not None else 0))
    by_key: dict[str, Article] = {}
    for article in articles:
        if article.key in by_key:
            raise ValueError(f"duplicate citation key {article.key}")
        by_key[article.key] = article
    topic_data = yaml.safe_load((DATA_DIR / "topics.yaml").read_text(encoding="utf-8"))
    aliases = sorted(topic_data["laws"].items(), key=lambda item: -len(item[0]))
    known_slugs = {article.slug for article in articles}
    for alias, slug in aliases:
        if slug not in known_slugs:
            raise ValueError(f"topics.yaml: alias {alias} names unknown law {slug}")
    for topic in topic_data["topics"]:
        for key in topic["keys"]:
            if key not in by_key:
                raise ValueError(f"topics.yaml: topic {topic['name']} lists unknown key {key}")
    return _KB(
        articles=tuple(articles),
        by_key=by_key,
        law_aliases=tuple(aliases),
        topics=tuple(topic_data["topics"]),
    )


def all_articles() -> list[Article]:
    """Every stored article, grouped by instrument and ordered by article number."""
    return list(_kb().articles)


def get_article(key: str) -> Article:
    """Return the article for a citation key such as ``"civil-code:第一百八十八条"``.

    Raises :class:`UnknownCitation` if the key is not stored.
    """
    try:
        return _kb().by_key[key]
    except (KeyError, TypeError):
        raise UnknownCitation(key) from None


def cite(key: str) -> str:
    """Short Chinese citation for a key, e.g. ``《民法典》第一百八十八条``; raises UnknownCitation."""
    return get_article(key).citation


def topics() -> list[dict]:
    """The keyword → citation-key table from ``law/data/topics.yaml`` (for menus and help)."""
    return [dict(topic) for topic in _kb().topics]


def format_article(article: Article) -> str:
    """Full text of an article for display: citation, instrument and version, text, source."""
    return f"{article.citation}\n《{article.law}》（{article.version_zh}）\n\n{article.text}\n\n来源：{article.source}"


_STOPWORDS = (
    "怎么办",
    "怎么算",
    "怎么",
    "什么",
    "如何",
    "是否",
    "多少",
    "可以",
    "能不能",
    "吗",
    "呢",
    "的",
    "了",
)
_ARTICLE_REF = re.compile(
    r"第?\s*(?P<num>[0-9]{1,4}|[零〇一二两三四五六七八九十百千]{1,8})\s*(?P<unit>条|点)?\s*(?P<suffix>之[一二三四五六七八九十])?"
)


def _normalise(query: str) -> str:
    return re.sub(r"\s+", " ", normalise(query))


def _article_ref(text: str, *, need_unit: bool) -> str | None:
    """Canonical ``第X条`` for text like "188", "188条", "第一百八十八条", "293条之一"; else None."""
    stripped = text.strip(" 《》<>.,，。:：")
    match = _ARTICLE_REF.fullmatch(stripped)
    if not match:
        return None
    num = match.group("num")
    if need_unit and not num.isdigit() and not match.group("unit") and not stripped.startswith("第"):
        return None
    try:
        value = int(num) if num.isdigit() else cn_to_int(num)
    except ValueError:
        return None
    if not 0 < value < 10000:
        return None
    return f"第{int_to_cn(value)}条{match.group('suffix') or ''}"


def _law_alias(query: str) -> tuple[str | None, str]:
    """Find the longest law alias in the query; return (slug, query without it)."""
    for alias, slug in _kb().law_aliases:
        if alias in query:
            return slug, query.replace(alias, " ", 1).strip()
    return None, query


def _add(results: list[Article], seen: set[str], items: list[Article]) -> None:
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            results.append(item)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def search_articles(query: str, limit: int = 5) -> list[Article]:
    """Find articles for a ``/law`` query, best first.

    Understands a citation key (``civil-code:第一百八十八条``), an article number with or without a law
    name (``民法典 第一百八十八条``, ``民法典188``, ``188条``), a topic word from ``topics.yaml``
    (诉讼时效, 小额诉讼, 支付令, 失信, 利息, 催收…), and otherwise words in the article texts.
    """
    if not isinstance(query, str) or limit <= 0:
        return []
    kb = _kb()
    q = _normalise(query)
    if not q:
        return []
    if q in kb.by_key:
        return [kb.by_key[q]]
    results: list[Article] = []
    seen: set[str] = set()

    slug, rest = _law_alias(q)
    ref = _article_ref(rest, need_unit=slug is None) if rest else None
    if ref is not None:
        matches = [a for a in kb.articles if a.article == ref and (slug is None or a.slug == slug)]
        return matches[:limit]
    if slug is not None and not rest.strip(" 《》"):
        return [a for a in kb.articles if a.slug == slug][:limit]

    # Topic keywords: the longest matching keyword first (more specific topics first).
    scored_topics = []
    for order, topic in enumerate(kb.topics):
        hits = [kw for kw in topic["keywords"] if kw.lower() in q.lower()]
        if hits:
            scored_topics.append((-max(len(kw) for kw in hits), order, topic))
    for _, _, topic in sorted(scored_topics, key=lambda item: item[:2]):
        _add(results, seen, [kb.by_key[key] for key in topic["keys"]])

    # Free text: whole words first, then character bigrams of what is left.
    words = q
    for stop in _STOPWORDS:
        words = words.replace(stop, " ")
    terms = [t for t in re.split(r"[\s,，。、;；:：?？!！《》]+", words) if t]
    if terms:
        scored: list[tuple[int, int, Article]] = []
        for position, article in enumerate(kb.articles):
            haystack = article.text + article.law + article.topic + article.summary_en.lower()
            score = 0
            for term in terms:
                if term.lower() in haystack:
                    score += 4 * len(term)
                elif len(term) > 2:
                    score += sum(1 for gram in _bigrams(term) if gram in haystack)
            if score >= 3:
                if slug is not None and article.slug == slug:
                    score += 100
                scored.append((-score, position, article))
        _add(results, seen, [item[2] for item in sorted(scored, key=lambda item: item[:2])])
    if slug is not None:
        results.sort(key=lambda a: a.slug != slug)
    return results[:limit]
