"""The understanding corpus: every recorded answer and story read by understanding/, with figures.

Prints, at the end of the run, the reading accuracy and the number of wrong facts recorded without
confirmation (a Value or a sure story reading that differs from what the corpus expects). That
number must be 0; the accuracy must stay at or above each set's floor (SETS).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.spec import load_registry
from law.kb import get_article
from text.provinces import PROVINCES
from understanding import Ask, Confirm, Unknown, Value, read_answer, read_story
from understanding.lexicon import explanations, story_patterns, synonyms
from understanding.places import PLACES_FILE

CORPUS = Path(__file__).parent / "corpus"


@dataclass
class Figures:
    """What one corpus set measured, printed at the end of the session."""

    answers: int = 0
    answers_right: int = 0
    answers_wrong_silent: int = 0
    stories: int = 0
    story_facts: int = 0
    story_facts_right: int = 0
    story_wrong_silent: int = 0
    engine_answers: int = 0
    engine_recorded: int = 0
    engine_wrong_silent: int = 0
    engine_stories: int = 0
    engine_story_silent: int = 0
    engine_story_confirmed: int = 0
    misses: list[str] = field(default_factory=list)


# The corpus written with the readers, and the held-out one written after them (see its header).
SETS = {"corpus": (("answers.yaml", "stories.yaml"), 0.95), "held-out": (("heldout.yaml",), 0.80)}
FIGURES: dict[str, Figures] = {name: Figures() for name in SETS}


class _Summary:
    """A pytest plugin registered by this module: prints the corpus figures in the terminal summary."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Write the figures after the run (only for the sets that ran)."""
        for name, f in FIGURES.items():
            if not f.answers and not f.story_facts:
                continue
            terminalreporter.write_sep("-", f"understanding {name}")
            if f.answers:
                terminalreporter.write_line(
                    f"answers: {f.answers_right}/{f.answers} read as expected "
                    f"({f.answers_right / f.answers:.1%}); "
                    f"wrong facts recorded without confirmation: {f.answers_wrong_silent}"
                )
            if f.story_facts:
                terminalreporter.write_line(
                    f"stories: {f.stories}, facts {f.story_facts_right}/{f.story_facts} read as expected "
                    f"({f.story_facts_right / f.story_facts:.1%}); wrong facts recorded without confirmation: "
                    f"{f.story_wrong_silent}"
                )
            if f.engine_answers:
                terminalreporter.write_line(
                    f"through the engine (intake desk): {f.engine_answers} answers typed at their question, "
                    f"{f.engine_recorded} recorded at once, wrong facts recorded without confirmation: "
                    f"{f.engine_wrong_silent}; {f.engine_stories} stories: facts recorded before 对: "
                    f"{f.engine_story_silent}, facts recorded after 对: {f.engine_story_confirmed}"
                )
            for miss in f.misses[:40]:
                terminalreporter.write_line(f"  miss: {miss}")


@pytest.fixture(scope="module", autouse=True)
def _print_figures(request: pytest.FixtureRequest):
    manager = request.config.pluginmanager
    if not manager.has_plugin("understanding-corpus-summary"):
        manager.register(_Summary(), "understanding-corpus-summary")
    yield


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


def _answer_cases(name: str = "answers.yaml") -> list[tuple[str, dict[str, Any]]]:
    data = _load(name)
    return [(qid, case) for qid, cases in (data.get("questions") or {}).items() for case in cases]


def _subset(expected: dict[str, Any], facts: dict[str, Any]) -> bool:
    return all(k in facts and facts[k] == v for k, v in expected.items())


def _judge(case: dict[str, Any], got: object) -> tuple[bool, bool]:
    """(read as expected, wrong fact recorded without confirmation)."""
    if "value" in case:
        right = isinstance(got, Value) and _subset(case["value"], got.facts)
    elif "confirm" in case:
        right = isinstance(got, Confirm) and _subset(case["confirm"], got.facts)
    elif "ask" in case:
        right = isinstance(got, Ask) and got.kind == case["ask"]
    else:
        right = isinstance(got, Unknown) and bool(case.get("unknown"))
    return right, isinstance(got, Value) and not right


def test_corpus_is_big_enough():
    assert len(_answer_cases()) >= 300
    assert len(_load("stories.yaml")["stories"]) >= 40


def test_answer_corpus_questions_exist():
    registry = load_registry()
    for files, _floor in SETS.values():
        for name in files:
            for qid, _case in _answer_cases(name):
                assert registry.node(qid).is_question, qid


@pytest.mark.parametrize("set_name", list(SETS))
def test_answers_read_as_expected(set_name: str):
    files, floor = SETS[set_name]
    figures = FIGURES[set_name]
    wrong_silent: list[str] = []
    for name in files:
        data = _load(name)
        today = date.fromisoformat(str(data["today"]))
        for qid, case in _answer_cases(name):
            got = read_answer(qid, str(case["text"]), today)
            right, silent = _judge(case, got)
            figures.answers += 1
            figures.answers_right += right
            if silent:
                figures.answers_wrong_silent += 1
                wrong_silent.append(f"{qid} {case['text']!r} -> {got}")
            if not right:
                figures.misses.append(f"{qid} {case['text']!r} -> {got}")
    assert figures.answers
    assert wrong_silent == []
    assert figures.answers_right / figures.answers >= floor, figures.misses


def _story_value_matches(key: str, expected: Any, got: Any) -> bool:
    if key == "questions":
        return len(expected) == len(got) and all(any(e in g for g in got) for e in expected)
    if isinstance(expected, list):
        return isinstance(got, list) and sorted(map(str, expected)) == sorted(map(str, got))
    return str(expected) == str(got)


@pytest.mark.parametrize("set_name", list(SETS))
def test_stories_read_as_expected(set_name: str):
    files, floor = SETS[set_name]
    figures = FIGURES[set_name]
    wrong_silent: list[str] = []
    for name in files:
        data = _load(name)
        today = date.fromisoformat(str(data["today"]))
        for story in data.get("stories") or []:
            readings = read_story(story["text"], today)
            got = {r.key: r for r in readings}
            expected: dict[str, Any] = story["facts"]
            figures.stories += 1
            for key, value in expected.items():
                figures.story_facts += 1
                reading = got.get(key)
                if reading is not None and _story_value_matches(key, value, reading.value):
                    figures.story_facts_right += 1
                else:
                    figures.misses.append(f"story {story['id']}: {key} expected {value!r}, got {reading}")
            for reading in readings:
                if not reading.sure or reading.key.endswith("__approx"):
                    continue
                if reading.key not in expected or not _story_value_matches(
                    reading.key, expected[reading.key], reading.value
                ):
                    wrong_silent.append(f"story {story['id']}: {reading}")
    figures.story_wrong_silent = len(wrong_silent)
    assert figures.story_facts
    assert wrong_silent == []
    assert figures.story_facts_right / figures.story_facts >= floor, figures.misses


# ------------------------------------------------------------------------------ end to end, through the engine
_BOOKKEEPING = ("__approx", "__precision", "__high")
_SETUP = {"creditor.wage_relation": {"debt_type": "wages"}, "creditor.still_employed": {"debt_type": "wages"}}


def _engine(tmp_path: Path, today: date):
    from assembly import Engine
    from storage import SessionStore, open_database

    return Engine(SessionStore(open_database(tmp_path / "corpus.db")), clock=lambda: today, group_clock=lambda: 1e9,
                  documents_dir=tmp_path / "out")


def _typed(engine: Any, user: int, text: str) -> None:
    from flows.model import Inbound

    engine.handle(Inbound.typed(user, user, text))


def _recorded(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v and not k.endswith(_BOOKKEEPING)}


@pytest.mark.parametrize("set_name", list(SETS))
def test_answers_through_the_engine_record_nothing_unconfirmed(set_name: str, tmp_path: Path):
    """Every corpus answer at a consultation question, typed to the real intake desk at that question:
    what the session records in that turn must be what the corpus expects (a held reading records nothing)."""
    files, _floor = SETS[set_name]
    figures = FIGURES[set_name]
    wrong: list[str] = []
    user = 1000
    for name in files:
        data = _load(name)
        today = date.fromisoformat(str(data["today"]))
        engine = _engine(tmp_path / name, today)
        for qid, case in _answer_cases(name):
            flow = qid.split(".")[0]
            if flow not in {"start", "creditor", "debtor"}:
                continue
            user += 1
            _typed(engine, user, "/start")
            session = engine.store.current(user, user)
            session.state, session.facts = qid, ({} if flow == "start" else {"role": flow, **_SETUP.get(qid, {})})
            engine.store.save(session)
            before = dict(session.facts)
            _typed(engine, user, str(case["text"]))
            after = engine.store.current(user, user)
            new = _recorded(before, after.facts if after else {})
            node_id = qid.split(".")[1]
            figures.engine_answers += 1
            figures.engine_recorded += bool(new)
            if "value" in case:
                bad = {k: v for k, v in new.items() if k in case["value"] and v != case["value"][k]}
                if node_id in new and node_id not in case["value"] and not bad:
                    bad = {node_id: new[node_id]}
            elif case.get("unknown"):
                bad = {k: v for k, v in new.items() if k == node_id and v not in ("unknown", None)}
            else:  # confirm / ask: nothing may be recorded before the user's yes
                bad = {k: v for k, v in new.items() if k == node_id or k in case.get("confirm", {})}
            if bad:
                wrong.append(f"{qid} {case['text']!r} recorded {bad}")
    figures.engine_wrong_silent = len(wrong)
    assert figures.engine_answers
    assert wrong == []


@pytest.mark.parametrize("set_name", list(SETS))
def test_stories_through_the_engine_are_recorded_only_after_yes(set_name: str, tmp_path: Path):
    """Every corpus story typed as a first message to the real engine: nothing is recorded before 对
    (except a sure one-fact answer to the role question)."""
    files, _floor = SETS[set_name]
    figures = FIGURES[set_name]
    user = 5000
    early: list[str] = []
    for name in files:
        data = _load(name)
        today = date.fromisoformat(str(data["today"]))
        engine = _engine(tmp_path / f"stories-{name}", today)
        for story in data.get("stories") or []:
            user += 1
            _typed(engine, user, str(story["text"]))
            session = engine.store.current(user, user)
            recorded = _recorded({}, dict(session.facts) if session else {})
            figures.engine_stories += 1
            # A one-fact message ("有人欠我钱不还") is a plain answer to the role question: recorded when sure
            # and right. Anything else recorded before 对 is a fact recorded without confirmation.
            wrong = {k: v for k, v in recorded.items()
                     if k not in story["facts"] or not _story_value_matches(k, story["facts"][k], v)}
            if wrong or len(recorded) > 1:
                early.append(f"story {story['id']}: {recorded}")
            _typed(engine, user, "对")
            session = engine.store.current(user, user)
            figures.engine_story_confirmed += len(_recorded({}, session.facts if session else {}))
    figures.engine_story_silent = len(early)
    assert figures.engine_stories
    assert early == []


def test_every_question_is_explained():
    registry = load_registry()
    texts = explanations()
    for flow in registry.flows:
        for node in registry.flows[flow].questions:
            entry = texts.get(node.state)
            assert entry, f"no explanation for {node.state}"
            for part in ("plain", "example", "why"):
                assert str(entry.get(part, "")).strip(), f"{node.state}: no {part}"
            assert "您" not in "".join(map(str, entry.values()))


def test_synonyms_name_real_questions_and_options():
    registry = load_registry()
    for qid, entry in synonyms().items():
        node = registry.node(qid)
        values = {o.value for o in node.choice_options()}
        for value in entry.get("options") or {}:
            assert str(value) in values, f"{qid}: no option {value}"
        rule = str(entry.get("dont_know", "unknown"))
        assert rule in {"unknown", "clarify"} | values, f"{qid}: dont_know {rule}"


def test_story_patterns_name_real_option_values():
    registry = load_registry()
    for entry in story_patterns()["facts"]:
        flows = ("creditor", "debtor") if entry["role"] == "any" else (entry["role"],)
        for flow in flows:
            state = f"{flow}.{entry['key']}"
            if state in registry.states():
                values = {o.value for o in registry.node(state).choice_options()}
                assert {str(v) for v in entry["options"]} <= values, state


def test_city_table_has_its_source_and_every_prefecture():
    text = PLACES_FILE.read_text(encoding="utf-8")
    assert "民政部" in text and "cpca 0.5.5" in text
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert {r["province"] for r in rows} <= set(PROVINCES)
    prefectures = [r for r in rows if r["level"] == "prefecture"]
    assert len(prefectures) >= 330
    assert {r["province"] for r in prefectures} == set(PROVINCES) - {"北京", "天津", "上海", "重庆"}


def test_explanations_cite_stored_articles_and_avoid_errata():
    hand_written = re.compile(r"第[一二三四五六七八九十百零]+条")
    errata = [
        re.compile(r"《合同法》"),
        re.compile(r"小额诉讼[^。]{0,40}(可以|可)上诉"),
        re.compile(r"小额诉讼[^。]{0,40}三个月"),
    ]
    cited = 0
    for qid, entry in explanations().items():
        text = "".join(str(entry.get(part, "")) for part in ("plain", "example", "why"))
        assert not hand_written.search(text), f"{qid}: cite articles in 'cite', not in the text"
        for pattern in errata:
            assert not pattern.search(text), (qid, pattern.pattern)
        for key in entry.get("cite") or []:
            assert get_article(key).text.strip(), key
            cited += 1
    assert cited >= 10
