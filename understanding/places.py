"""Places → province, from the city table (understanding/data/places.csv, 民政部 行政区划代码)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from text.normalise import normalise
from text.provinces import PROVINCES

PLACES_FILE = Path(__file__).parent / "data" / "places.csv"
_SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "地区", "林区", "新区", "市", "区", "县", "盟", "旗")


@dataclass(frozen=True)
class Place:
    """A place found in text: its ``province`` (short name), the ``name`` as in the table and ``level``."""

    name: str
    province: str
    level: str
    prefecture: str


_ETHNIC = re.compile(r"^(.{2,}?)(?:[^族]{1,4}族)+自治[州县旗]$")


def _short(name: str) -> str:
    ethnic = _ETHNIC.match(name)
    if ethnic:
        return ethnic.group(1)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@cache
def place_index() -> dict[str, tuple[Place, ...]]:
    """Every full and short place name → the places it can mean (more than one when ambiguous)."""
    index: dict[str, list[Place]] = {}
    lines = [line for line in PLACES_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for row in csv.DictReader(lines):
        place = Place(row["name"], row["province"], row["level"], row["prefecture"])
        for key in {row["name"], _short(row["name"])}:
            index.setdefault(key, []).append(place)
    return {k: tuple(v) for k, v in index.items()}


def find_places(text: str) -> list[tuple[str, tuple[Place, ...]]]:
    """Place names in ``text`` (longest first, not overlapping) with the places each can mean."""
    s = normalise(text).replace(" ", "")
    index = place_index()
    found: list[tuple[int, str, tuple[Place, ...]]] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(index, key=len, reverse=True):
        if len(name) < 2:
            continue
        start = s.find(name)
        while start != -1:
            end = start + len(name)
            if not any(start < e and end > b for b, e in taken):
                taken.append((start, end))
                found.append((start, name, index[name]))
            start = s.find(name, end)
    return [(name, places) for _, name, places in sorted(found)]


_PLACE_CUES = ("在", "住", "老家", "是", "回", "去", "到")


def province_of(text: str, *, strict: bool = False) -> tuple[str | None, str]:
    """The province ``text`` names, directly or through a city: (province, how) where how is
    "province", "city" (one province for every place named), "ambiguous" or "none".

    Prefecture-level names win over districts and counties. ``strict`` (for long stories, where
    short county names can be ordinary words) counts a county only right after 在/住/老家….
    """
    s = normalise(text).replace(" ", "")
    for name in sorted(PROVINCES, key=len, reverse=True):
        if name in s:
            return name, "province"
    by_prefecture: set[str] = set()
    by_county: set[str] = set()
    for name, places in find_places(s):
        prefectures = [p for p in places if p.level == "prefecture"]
        if prefectures:
            by_prefecture |= {p.province for p in prefectures}
            continue
        at = s.find(name)
        if strict and not any(s[:at].endswith(cue) for cue in _PLACE_CUES):
            continue
        by_county |= {p.province for p in places}
    provinces = by_prefecture or by_county
    if len(provinces) == 1:
        return next(iter(provinces)), "city"
    if provinces:
        return None, "ambiguous"
    return None, "none"
