"""Mask personal data in exported conversations, and turn ids into pseudonyms.

What is masked, in the user's text and wherever the bot's replies echo it:

- 身份证号 (18 digits, last may be X) → a made-up number with a valid check digit;
- mobile and landline phone numbers → 1380000xxxx / 010-0000xxxx;
- bank-card numbers (16–19 digits, spaces or dashes allowed) → 6200 0000 0000 xxxx;
- e-mail addresses → userN@example.invalid;
- street addresses (a place ending in 路/街/巷/弄/号/室/村/小区…) → 某省某市某区某路N号;
- personal names: a Chinese surname + given name after a cue such as 我叫 / 姓名 / 借给 / 朋友 → 甲某, 乙某…;
- whatever was typed at a question marked ``personal: true`` in the flow definitions, by the question's
  ``validate: {format: ...}`` (name, id_number, phone, address, account_tail, ethnicity; free text otherwise).

Replacements are format-preserving fakes rather than "***" so that a masked fixture still replays:
a masked ID number still passes the check-digit validation. The same value always gets the same fake
within one export. Ids become keyed-hash pseudonyms (``user-3f9a2c1b``): stable for one database,
not reversible without its secret.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from text.formats import id_check_char as id_check_digit  # GB 11643 check character

# Single-character surnames common enough to matter, minus characters that are far more often
# ordinary words after a cue (于 向 和 时 常 高 方 安 白 文 江 成 全 元 明 原 齐 明 花 ...).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付邱侯邹熊孟秦阎薛雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "夏侯", "尉迟")
# Characters that end a name: function words and the words that usually follow one in a debt story.
NAME_STOP = set("的了在是钱借欠还说给元块万千百个和与跟把被向从到对这那我你他她它们吗呢吧啊呀也都就又才很"
                "去来有没不要会能让叫打发收付共总约号月日年天时候后前里上下中间年已经曾将刚才")
NAME_CUES = (
    "我叫", "名叫", "叫做", "姓名是", "姓名为", "姓名", "名字是", "名字叫", "名字",
    "借给了", "借给", "还给", "欠我钱的是", "欠款人是", "欠款人", "债务人是", "债务人", "出借人是", "出借人",
    "债权人是", "债权人", "被告是", "被告", "原告是", "原告", "对方是", "对方叫", "朋友", "同事", "同学", "老乡",
    "亲戚", "邻居", "老板", "表哥", "表姐", "表弟", "表妹", "堂哥", "堂姐",
)

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
CARD_RE = re.compile(r"(?<![0-9])(?:\d{4}[ -]){3,4}\d{1,4}(?![0-9])|(?<![0-9])\d{16,19}(?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
LANDLINE_RE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PLACE = r"[\u4e00-\u9fa5A-Za-z0-9]"
ADDRESS_RE = re.compile(
    rf"{_PLACE}{{0,12}}?(?:省|市|区|县|镇|乡|自治州|旗)"  # an administrative division ...
    rf"{_PLACE}{{1,30}}?(?:路|街|大道|巷|弄|胡同|村|小区|花园|大厦|公寓|新村)"  # ... then a street-level place
    rf"(?:{_PLACE}{{0,12}}?(?:号楼|号院|号|栋|幢|座|单元|楼|室|户|组))*"  # house number, unit, room
)
# Words before an address that are not part of it ("我住在北京市…", "地址是…").
ADDRESS_LEAD = set("我你他她们住在家地址是为位于到去从的目前现现在户籍老")
# A personal question's ``validate: {format: ...}`` → the kind of fake that replaces its answer.
FIELD_KINDS = {"name": "name", "id_number": "id", "phone": "mobile", "address": "address", "account_tail": "tail",
               "ethnicity": "ethnicity", "court": "name"}
_KINDS = {"id", "mobile", "landline", "card", "email", "address", "tail", "ethnicity", "note", "name"}
NAME_FAKES = "甲乙丙丁戊己庚辛壬癸"


def pseudonym(secret: bytes, value: int, prefix: str = "user") -> str:
    """A stable, non-reversible pseudonym for an id, keyed with a per-database secret."""
    digest = hmac.new(secret, str(value).encode("ascii"), hashlib.sha256).hexdigest()[:8]
    return f"{prefix}-{digest}"


def pseudonym_id(name: str) -> int:
    """A positive integer id for a pseudonym, so a fixture can be replayed (stable per name)."""
    return 10**9 + int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16) % 10**9


@dataclass
class Masker:
    """Finds personal data and replaces each distinct value with the same fake every time."""

    replacements: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def _fake(self, kind: str, value: str) -> str:
        if value in self.replacements:
            return self.replacements[value]
        n = self._counts.get(kind, 0) + 1
        self._counts[kind] = n
        if kind == "id":
            first17 = f"11010119900101{n:03d}"
            fake = first17 + id_check_digit(first17)
        elif kind == "mobile":
            fake = f"1380000{n:04d}"
        elif kind == "landline":
            fake = f"010-0000{n:04d}"
        elif kind == "card":
            fake = f"6200 0000 0000 {n:04d}"
        elif kind == "email":
            fake = f"user{n}@example.invalid"
        elif kind == "address":
            fake = f"某省某市某区某路{n}号"
        elif kind == "tail":
            fake = f"{n:04d}"
        elif kind == "ethnicity":
            fake = "汉族"
        elif kind == "note":
            fake = f"（已匿名的说明{n}）"
        else:
            fake = (NAME_FAKES[(n - 1) % len(NAME_FAKES)] + "某") + ("" if n <= len(NAME_FAKES) else str(n))
        self.replacements[value] = fake
        return fake

    def learn_name(self, value: str) -> None:
        """Treat a whole typed answer as a personal name (a question marked ``personal: name``)."""
        value = value.strip()
        if value and not value.startswith("/"):
            self._fake("name", value)

    def learn_field(self, kind: str, value: str) -> str:
        """Treat a whole typed answer as personal data of ``kind`` (see :data:`FIELD_KINDS`); returns its fake."""
        value = value.strip()
        if not value or value.startswith("/"):
            return value
        return self._fake(kind if kind in _KINDS else "name", value)

    def fake_for(self, kind: str, key: str) -> str:
        """A fresh fake of ``kind`` for a value the transcript never held (``key`` tells such values apart)."""
        return self._fake(kind if kind in _KINDS else "name", key)

    def learn(self, text: str) -> None:
        """Find the personal data in a user's text and give each value its fake."""
        taken: list[tuple[int, int]] = []

        def free(start: int, end: int) -> bool:
            return all(end <= a or start >= b for a, b in taken)

        for kind, pattern in (("email", EMAIL_RE), ("id", ID_RE), ("card", CARD_RE), ("mobile", MOBILE_RE),
                              ("landline", LANDLINE_RE), ("address", ADDRESS_RE)):
            for match in pattern.finditer(text):
                start, end = match.span()
                if kind == "address":
                    while start < end and text[start] in ADDRESS_LEAD:
                        start += 1
                if free(start, end) and end - start >= 4:
                    taken.append((start, end))
                    self._fake(kind, text[start:end])
        for start, name in _names_after_cues(text):
            if free(start, start + len(name)):
                taken.append((start, start + len(name)))
                self._fake("name", name)

    def apply(self, text: str) -> str:
        """Replace every learnt value (and its HTML-escaped form) in ``text``; longest values first."""
        for value in sorted(self.replacements, key=len, reverse=True):
            fake = self.replacements[value]
            text = text.replace(value, fake)
            escaped = html.escape(value, quote=False)
            if escaped != value:
                text = text.replace(escaped, html.escape(fake, quote=False))
        return text

    @property
    def counts(self) -> dict[str, int]:
        """How many distinct values of each kind were masked."""
        return dict(self._counts)


def _names_after_cues(text: str) -> Iterable[tuple[int, str]]:
    """(position, name) for each surname + given name that follows a cue like 我叫 or 借给."""
    for cue in sorted(NAME_CUES, key=len, reverse=True):
        start = 0
        while (found := text.find(cue, start)) >= 0:
            start = found + len(cue)
            pos = start
            while pos < len(text) and text[pos] in " ：:，,是为":
                pos += 1
            name = _name_at(text, pos)
            if name:
                yield pos, name


def _name_at(text: str, pos: int) -> str:
    surname = next((c for c in COMPOUND_SURNAMES if text.startswith(c, pos)), None)
    if surname is None:
        if pos >= len(text) or text[pos] not in SURNAMES:
            return ""
        surname = text[pos]
    end = pos + len(surname)
    given = ""
    while end < len(text) and len(given) < 2 and "\u4e00" <= text[end] <= "\u9fa5" and text[end] not in NAME_STOP:
        given += text[end]
        end += 1
    return surname + given if given else ""
