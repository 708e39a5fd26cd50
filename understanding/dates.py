"""Find dates in colloquial text against an explicit ``today``: calendar dates, 上个月, 前几天, 去年年底,
下个月15号, 年后, lunar months and festivals (腊月, 正月, 春节前), month-only and year-only dates.

Lunar dates are converted with lunar-python (a maintained calendar library), never a hand-made table.
Each reading says how it was obtained: "explicit" (the user wrote the calendar date), "relative"
(computed from today), "lunar" (converted from the lunar calendar).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from lunar_python import Lunar, Solar

from text.normalise import normalise

_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_int(word: str) -> int:
    """Small Chinese numerals (一 … 三十一, 二〇二四) or digits as an int."""
    if word.isdigit():
        return int(word)
    if "十" in word:
        head, _, tail = word.partition("十")
        return (_CN[head] if head else 1) * 10 + (_CN[tail] if tail else 0)
    if word.startswith("廿"):
        return 20 + (_CN[word[1:]] if word[1:] else 0)
    if len(word) > 1:  # 二〇二四
        return int("".join(str(_CN[c]) for c in word))
    return _CN[word]


_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,4})"


@dataclass(frozen=True)
class DateReading:
    """One date found in text. ``precision`` is "day", "month", "year" or "about" (前几天, 年后);
    ``how`` is "explicit", "relative" or "lunar"; ``value`` is the day taken for calculations."""

    value: date
    precision: str
    how: str
    text: str
    start: int


def _month_shift(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _lunar_day(word: str) -> int:
    if word.startswith("初"):
        return _cn_int(word[1:])
    return _cn_int(word)


def _lunar_to_solar(lunar_year: int, month: int, day: int) -> date:
    """Convert a lunar date; 腊月三十 in a 29-day 腊月 is 除夕, the eve of the next 春节. A lunar date
    that does not exist raises :class:`ValueError`."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError("no such lunar date")
    try:
        solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    except Exception as error:  # lunar-python raises a bare Exception for a 30th in a 29-day month
        if month == 12 and day == 30:
            return _lunar_to_solar(lunar_year + 1, 1, 1) - timedelta(days=1)
        raise ValueError("no such lunar date") from error
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_year_of(today: date) -> int:
    return int(Solar.fromYmd(today.year, today.month, today.day).getLunar().getYear())


_LUNAR_MONTHS = {"正月": 1, "腊月": 12, "冬月": 11}
_SEASONS = {"春": 3, "夏": 6, "秋": 9, "冬": 12}
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "season",
        re.compile(r"(?:(?P<y>(?<!\d)\d{4}|(?<!\d)\d{2})\s*年|(?P<ry>今年|去年|前年))(?:的)?(?P<season>[春夏秋冬])(?:天|季)"),
    ),
    (
        "yy",
        re.compile(
            rf"(?<!\d)(?P<yy>\d{{2}})\s*年(?![前多了来])(?:(?P<edge>底|末|初)|(?P<m>{_NUM})月(?:份)?"
            rf"(?:(?P<d>{_NUM})[日号]|(?P<part>初|中|底|末))?)?"
        ),
    ),
    (
        "ymd",
        re.compile(
            rf"(?P<y>\d{{4}}|[零〇一二三四五六七八九]{{4}})\s*[-/.年]\s*(?P<m>{_NUM})\s*[-/.月]\s*(?P<d>{_NUM})\s*[日号]?"
        ),
    ),
    (
        "lunar",
        re.compile(
            rf"(?P<ry>今年|去年|前年|明年|\d{{4}}年)?(?:农历|阴历)?(?P<lm>正月|腊月|冬月|(?<=农历){_NUM}月|(?<=阴历){_NUM}月)"
            r"(?P<ld>初[一二三四五六七八九十]|二十[一二三四五六七八九]?|十[一二三四五六七八九]|廿[一二三四五六七八九]|三十)?"
        ),
    ),
    (
        "festival",
        re.compile(
            r"(?P<ry>今年|去年|前年|明年|\d{4}年)?(?P<f>春节前|春节后|过年前|过年后|年前|年后|过完年|春节|过年|除夕|大年三十)"
        ),
    ),
    (
        "ym",
        re.compile(
            rf"(?P<y>\d{{4}}|[零〇一二三四五六七八九]{{4}})\s*年\s*(?P<m>{_NUM})\s*月(?:份)?(?P<part>初|中|底|末)?"
        ),
    ),
    (
        "rel_year",
        re.compile(
            rf"(?P<ry>今年|去年|前年|明年)(?:(?P<edge>年底|年末|年初|年中|底|初)|(?P<m>{_NUM})月(?:份)?(?:(?P<d>{_NUM})[日号])?(?P<part>初|中|底|末)?)?"
        ),
    ),
    (
        "rel_month",
        re.compile(rf"(?P<rm>上上个?月|上个?月|下个?月|这个?月|本月)(?:(?P<d>{_NUM})[日号]|(?P<part>初|中|底|末))?"),
    ),
    ("months_ago", re.compile(r"(?P<n>\d{1,2}|[一两三四五六七八九十半])个多?月(?:以)?(?:前|了)")),
    (
        "rel_day",
        re.compile(
            r"(?P<rd>今天|昨天|前天|大前天|前几天|前两天|这几天|上周|上个?星期|上个?礼拜|(?P<n>\d{1,2}|[一两三四五六七八九十])天前)"
        ),
    ),
    ("edge", re.compile(r"(?<![今去前明])(?P<edge>年底|年末|年初)")),
    (
        "md",
        re.compile(rf"(?<![\d年])(?P<m>{_NUM})月(?:份)?(?:(?P<d>{_NUM})[日号]|(?P<bd>\d{{1,2}})(?![\d万千百块元])|(?P<part>初|中|底|末))?"),
    ),
    ("y", re.compile(r"(?P<y>(?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")),
]
_PART_DAY = {"初": 5, "中": 15, "底": 25, "末": 25}
_MONTH_END = ("底", "末")


def _in_month(year: int, month: int, part: str | None, text: str, start: int, how: str) -> DateReading | None:
    """A month-only date (the 1st), or a part of it: 月初/月中 (about the 5th/15th) and 月底/月末 — the
    month's last day, as the limitation sections count a month-only date (约, to be confirmed)."""
    if not 1 <= month <= 12:
        return None
    if part in _MONTH_END:
        last = calendar.monthrange(year, month)[1]
        return DateReading(date(year, month, last), "about", how, text, start)
    d = _safe(year, month, _PART_DAY.get(part or "", 1))
    return DateReading(d, "month", how, text, start) if d else None


def find_dates(text: str, today: date, *, future: bool = False) -> list[DateReading]:
    """Every date in ``text`` in order of appearance. ``future`` says which way undated month names
    and festivals point (a due date: the next one; otherwise the last one)."""
    s = normalise(text).replace(" ", "")
    taken: list[tuple[int, int]] = []
    found: list[DateReading] = []
    for name, pattern in _PATTERNS:
        for m in pattern.finditer(s):
            if any(m.start() < e and m.end() > b for b, e in taken) or not m.group(0):
                continue
            reading = _read(name, m, today, future)
            if reading is not None:
                taken.append((m.start(), m.end()))
                found.append(reading)
    found.sort(key=lambda r: r.start)
    season = re.search(r"(?P<season>[春夏秋冬])(?:天|季)", s)
    years = [r for r in found if r.precision == "year"]
    if season and len(years) == 1:  # "19年 几月份记不得了 好像是夏天": that year's summer
        y = years[0]
        month = _SEASONS[season.group("season")]
        found[found.index(y)] = DateReading(date(y.value.year, month, 1), "season", y.how, y.text, y.start)
    return found


def _read(name: str, m: re.Match[str], today: date, future: bool) -> DateReading | None:
    g = m.groupdict()
    text, start = m.group(0), m.start()
    if name == "ymd":
        d = _safe(_cn_int(g["y"]), _cn_int(g["m"]), _cn_int(g["d"]))
        return DateReading(d, "day", "explicit", text, start) if d else None
    if name == "ym":
        return _in_month(_cn_int(g["y"]), _cn_int(g["m"]), g["part"], text, start, "explicit")
    if name == "season":
        year = int(g["y"]) if g.get("y") else today.year + {"今年": 0, "去年": -1, "前年": -2}[g["ry"]]
        if year < 100:
            year = _two_digit_year(year, today)
        return DateReading(date(year, _SEASONS[g["season"]], 1), "season", "explicit", text, start)
    if name == "yy":
        year = _two_digit_year(int(g["yy"]), today)
        if g.get("edge"):
            month = 1 if g["edge"] == "初" else 12
            return DateReading(date(year, month, 5 if month == 1 else 25), "about", "explicit", text, start)
        if not g.get("m"):
            return DateReading(date(year, 1, 1), "year", "explicit", text, start)
        if g.get("d"):
            d = _safe(year, _cn_int(g["m"]), _cn_int(g["d"]))
            return DateReading(d, "day", "explicit", text, start) if d else None
        return _in_month(year, _cn_int(g["m"]), g.get("part"), text, start, "explicit")
    if name == "y":
        return DateReading(date(int(g["y"]), 1, 1), "year", "explicit", text, start)
    if name == "rel_year":
        year = today.year + {"今年": 0, "去年": -1, "前年": -2, "明年": 1}[g["ry"]]
        edge = g.get("edge")
        if edge:
            month = {"年底": 12, "年末": 12, "底": 12, "年初": 1, "初": 1, "年中": 6}[edge]
            day = 25 if month == 12 else (5 if month == 1 else 15)
            return DateReading(date(year, month, day), "month", "relative", text, start)
        if g.get("m"):
            if g.get("d"):
                d = _safe(year, _cn_int(g["m"]), _cn_int(g["d"]))
                return DateReading(d, "day", "relative", text, start) if d else None
            return _in_month(year, _cn_int(g["m"]), g.get("part"), text, start, "relative")
        return DateReading(date(year, 1, 1), "year", "relative", text, start)
    if name == "rel_month":
        word = g["rm"]
        shift = -2 if word.startswith("上上") else -1 if word.startswith("上") else 1 if word.startswith("下") else 0
        y, mo = _month_shift(today, shift)
        if g.get("d"):
            d = _safe(y, mo, _cn_int(g["d"]))
            return DateReading(d, "day", "relative", text, start) if d else None
        return _in_month(y, mo, g.get("part"), text, start, "relative")
    if name == "months_ago":
        n = g["n"]
        if n == "半":
            return DateReading(today - timedelta(days=15), "about", "relative", text, start)
        y, mo = _month_shift(today, -_cn_int(n))
        d = _safe(y, mo, min(today.day, 28))
        return DateReading(d, "about", "relative", text, start) if d else None
    if name == "rel_day":
        word = g["rd"]
        fixed = {"今天": 0, "昨天": 1, "前天": 2, "大前天": 3}
        if word in fixed:
            return DateReading(today - timedelta(days=fixed[word]), "day", "relative", text, start)
        if g.get("n"):
            return DateReading(today - timedelta(days=_cn_int(g["n"])), "day", "relative", text, start)
        back = 7 if word.startswith("上") else 3
        return DateReading(today - timedelta(days=back), "about", "relative", text, start)
    if name == "edge":
        month = 12 if g["edge"] in {"年底", "年末"} else 1
        return DateReading(date(today.year, month, 25 if month == 12 else 5), "month", "relative", text, start)
    if name == "md":
        month = _cn_int(g["m"])
        if not 1 <= month <= 12:
            return None
        day_word = g.get("d") or g.get("bd")
        day = _cn_int(day_word) if day_word else 1
        part = g.get("part")
        if part in _MONTH_END:
            day = calendar.monthrange(today.year, month)[1]
        year = today.year
        d = _safe(year, month, day)
        if d is None:
            return None
        if future and d < today:
            d = _safe(year + 1, month, day)
        elif not future and d > today:
            d = _safe(year - 1, month, day)
        if d is None:
            return None
        if part:
            return _in_month(d.year, month, part, text, start, "relative")
        return DateReading(d, "day" if day_word else "month", "relative", text, start)
    try:
        return _read_lunar(name, g, text, start, today, future)
    except ValueError:
        return None


def _two_digit_year(yy: int, today: date) -> int:
    """ "19年" is 2019; a two-digit year after this year ("98年") is in the 1900s."""
    return 2000 + yy if 2000 + yy <= today.year else 1900 + yy


def _named_lunar_year(word: str, this_year: int) -> int:
    """The lunar year a year word names: 今年/去年/前年/明年 against this lunar year, or "2020年" itself."""
    if word[:-1].isdigit():
        return int(word[:-1])
    return this_year + {"今年": 0, "去年": -1, "前年": -2, "明年": 1}[word]


def _read_lunar(name: str, g: dict[str, str], text: str, start: int, today: date, future: bool) -> DateReading | None:
    """Lunar months, days and festivals (raises ValueError for a lunar date that does not exist)."""
    if name == "lunar":
        month = _LUNAR_MONTHS.get(g["lm"]) or _cn_int(g["lm"][:-1])
        day = _lunar_day(g["ld"]) if g.get("ld") else 1
        ly = _lunar_year_of(today)
        if g.get("ry"):
            ly = _named_lunar_year(g["ry"], ly)
            d = _lunar_to_solar(ly, month, day)
        else:
            d = _lunar_to_solar(ly, month, day)
            if not future and d > today:
                d = _lunar_to_solar(ly - 1, month, day)
            elif future and d < today:
                d = _lunar_to_solar(ly + 1, month, day)
        return DateReading(d, "day" if g.get("ld") else "month", "lunar", text, start)
    if name == "festival" and g["f"] in {"除夕", "大年三十"}:
        ly = _lunar_year_of(today)
        if g.get("ry"):  # 除夕 belongs to the lunar year it closes: 去年除夕 is the eve of this 春节
            ly = _named_lunar_year(g["ry"], ly)
            return DateReading(_lunar_to_solar(ly + 1, 1, 1) - timedelta(days=1), "day", "lunar", text, start)
        eves = [_lunar_to_solar(y, 1, 1) - timedelta(days=1) for y in (ly - 1, ly, ly + 1, ly + 2)]
        past = [e for e in eves if e <= today]
        coming = [e for e in eves if e >= today]
        d = min(coming) if future and coming else max(past)
        return DateReading(d, "day", "lunar", text, start)
    if name == "festival":
        word = g["f"]
        ly = _lunar_year_of(today)
        if g.get("ry"):
            ly = _named_lunar_year(g["ry"], ly)
        elif future and _lunar_to_solar(ly, 1, 1) < today:
            ly += 1
        elif not future and _lunar_to_solar(ly, 1, 1) > today:
            ly -= 1
        if word in {"春节前", "过年前", "年前"}:
            d = _lunar_to_solar(ly - 1, 12, 15)  # the second half of 腊月
        elif word in {"春节", "过年"}:
            d = _lunar_to_solar(ly, 1, 1)
        else:
            d = _lunar_to_solar(ly, 1, 16)  # after 元宵, when people say 年后
        return DateReading(d, "about", "lunar", text, start)
    return None
