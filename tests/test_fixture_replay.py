"""Every recorded conversation in tests/fixtures/ replays exactly, and together they cover every transition.

A changed reply fails with a readable diff of the turn; ``pytest --update-fixtures`` rewrites the
expectations after a deliberate change (then review ``git diff tests/fixtures``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assembly import replay_engine
from flows.machine import Edge, SharedMachine
from flows.spec import load_registry
from recordings import format as fixture_format
from recordings.format import BotReply, Conversation, Turn
from recordings.replay import ReplayResult, replay

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FILES = sorted(FIXTURES.glob("*.yaml"))


@pytest.fixture(scope="session")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[ReplayResult]]:
    """Every fixture file replayed once on fresh databases (shared by the tests below)."""
    base = tmp_path_factory.mktemp("replay")
    results = {}
    for i, path in enumerate(FILES):
        results[path] = [replay(c, base / f"{i}-{j}.db", engine_factory=replay_engine)
                         for j, c in enumerate(fixture_format.load(path))]
    return results


def missing_edges(all_edges: list[Edge], fired: set[Edge]) -> list[Edge]:
    """The transitions no fixture takes."""
    return [e for e in all_edges if e not in fired]


def test_corpus_has_at_least_30_conversations() -> None:
    conversations = [c for path in FILES for c in fixture_format.load(path)]
    assert len(conversations) >= 30, len(conversations)
    assert len({c.title for c in conversations}) == len(conversations), "titles should tell conversations apart"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_replays_exactly(path: Path, replayed: dict[Path, list[ReplayResult]],
                                 request: pytest.FixtureRequest) -> None:
    results = replayed[path]
    changed = [r for r in results if r.mismatches]
    if changed and request.config.getoption("--update-fixtures"):
        fixture_format.save(path, [r.updated() for r in results])
        pytest.skip(f"{path.name} rewritten with the current answers; review the git diff")
    if changed:
        report = "\n\n".join(f"{r.conversation.title}:\n{r.report()}" for r in changed)
        pytest.fail(f"{path.name} no longer replays (pytest --update-fixtures after a deliberate change):\n{report}",
                    pytrace=False)


def test_every_transition_of_every_flow_is_exercised(replayed: dict[Path, list[ReplayResult]]) -> None:
    edges = SharedMachine(load_registry()).edges
    fired = {e for results in replayed.values() for r in results for e in r.edges}
    missing = missing_edges(edges, fired)
    covered = len(edges) - len(missing)
    print(f"\ntransition coverage by {len(FILES)} fixture files: {covered}/{len(edges)}")
    assert not missing, "transitions no fixture exercises (record a conversation that takes them):\n" + "\n".join(
        f"  {e.trigger}: {e.source} → {e.dest} [{e.label}]" for e in missing)


def test_every_option_of_every_choice_question_is_chosen(replayed: dict[Path, list[ReplayResult]]) -> None:
    registry = load_registry()
    chosen = {pair for results in replayed.values() for r in results for pair in r.answers}
    gaps = []
    for flow in registry.flows.values():
        for node in flow.questions:
            if node.personal:  # the value is kept apart from the facts (documents): "given" must be seen
                if node.choice_options() and (node.id, "given") not in chosen:
                    gaps.append(f"{node.state}=given")
                continue
            for option in node.choice_options():
                if (node.id, option.value) not in chosen:
                    gaps.append(f"{node.state}={option.value}")
    assert not gaps, f"options no fixture picks: {gaps}"


def test_coverage_check_fails_for_an_unexercised_transition(replayed: dict[Path, list[ReplayResult]]) -> None:
    # The check above is only worth something if dropping the fixtures that take an edge shows it missing.
    edges = SharedMachine(load_registry()).edges
    topic_files = [p for p in replayed if p.stem.startswith("topics_")]
    fired = {e for path, results in replayed.items() if path not in topic_files for r in results for e in r.edges}
    missing = missing_edges(edges, fired)
    assert Edge("more", "topics.answer", "topics.topic", "") in missing


def test_a_changed_reply_fails_with_a_readable_diff(tmp_path: Path) -> None:
    conversation = fixture_format.load(FIXTURES / "debtor_card_collection.yaml")[0]
    turn = conversation.turns[2]
    original = turn.bot[-1]
    turn.bot[-1] = BotReply(original.kind, original.html.replace("欠", "借", 1), original.buttons)
    result = replay(conversation, tmp_path / "x.db", engine_factory=replay_engine)
    assert [o.index for o in result.mismatches] == [2]
    diff = result.report()
    assert "第3轮" in diff and "-" in diff and "+" in diff and "recorded" in diff and "now" in diff
    updated = result.updated()
    assert updated.turns[2].bot[-1] == original


def test_a_missing_button_is_reported_not_crashed(tmp_path: Path) -> None:
    conversation = Conversation("t", fixture_format.load(FIXTURES / "debtor_card_collection.yaml")[0].today,
                                "user-x", "user-x", [Turn("user", "/start"), Turn("press", "不存在的按钮")])
    result = replay(conversation, tmp_path / "x.db", engine_factory=replay_engine)
    assert result.mismatches[-1].error.startswith("没有找到按钮「不存在的按钮」")
    with pytest.raises(ValueError):
        result.updated()
