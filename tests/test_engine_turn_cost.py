"""What a turn computes once instead of several times (issue 18: the engine turn made cheaper, same output).

The figures are measured by ``python -m bench.engine_instructions``; these tests check that each saving keeps
its promise: the same results, and nothing remembered beyond the turn that computed it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from law import advice
from tests.conftest import CREDITOR_ANSWERS, Chat

TODAY = date(2026, 11, 22)
CREDITOR = {"role": "creditor", "amount": "5000", "debt_type": "loan", "due_date": "2024-01-01",
            "last_demand": "2025-03-01", "attitude": "admits", "stage": "not_sued", "province": "江苏"}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every advice context actually built (its flow), counted under ``advice_context``."""
    built: list[str] = []
    real = advice._advice_context

    def counted(flow: str, facts: dict[str, Any], today: date) -> dict[str, Any]:
        built.append(flow)
        return real(flow, facts, today)

    monkeypatch.setattr(advice, "_advice_context", counted)
    return built


def test_advice_context_is_built_once_per_facts_within_a_turn(builds: list[str]) -> None:
    with advice.once_per_turn():
        first = advice.advice_context("creditor", CREDITOR, TODAY)
        again = advice.advice_context("creditor", dict(CREDITOR), TODAY)
        assert builds == ["creditor"]
        assert again == first and again is not first  # each caller gets its own dict to extend
        again["role"] = "creditor"
        assert "role" not in advice.advice_context("creditor", CREDITOR, TODAY)
        changed = advice.advice_context("creditor", {**CREDITOR, "last_demand": "2025-09-01"}, TODAY)
        assert builds == ["creditor", "creditor"]  # other facts: built again
        assert changed["limitation"] != first["limitation"]
        advice.advice_context("creditor", CREDITOR, date(2026, 11, 23))
        assert len(builds) == 3  # another day: built again
    advice.advice_context("creditor", CREDITOR, TODAY)
    advice.advice_context("creditor", CREDITOR, TODAY)
    assert len(builds) == 5  # outside a turn nothing is remembered, not even what the turn built


def test_the_remembered_context_equals_a_fresh_one(builds: list[str]) -> None:
    fresh = advice.advice_context("creditor", CREDITOR, TODAY)
    with advice.once_per_turn():
        advice.advice_context("creditor", CREDITOR, TODAY)
        assert advice.advice_context("creditor", CREDITOR, TODAY) == fresh


def test_facts_that_are_not_json_are_built_every_time(builds: list[str]) -> None:
    odd = {**CREDITOR, "extra": {1, 2}}  # a set has no JSON form, so no key: never remembered
    with advice.once_per_turn():
        advice.advice_context("creditor", odd, TODAY)
        advice.advice_context("creditor", odd, TODAY)
    assert builds == ["creditor", "creditor"]


def test_a_result_turn_builds_the_advice_context_once(chat: Chat, builds: list[str]) -> None:
    for text in CREDITOR_ANSWERS:
        chat.say(text)
    assert chat.state.endswith(".review")
    builds.clear()
    chat.press("确认无误")
    assert chat.state == "creditor.result"
    assert "提醒" in chat.text  # the reminder offer was computed from the same context as the result screen
    assert builds == ["creditor"]


def test_undo_snapshots_copy_the_facts_deeply() -> None:
    from core.context import _copy_facts

    facts = {"amount": "5000", "n": 3, "rate": 0.5, "ok": True, "none": None, "evidence": ["iou", "transfer"],
             "held": {"parts": [{"value": 1}]}, "pair": ("a", ["b"])}
    copied = _copy_facts(facts)
    assert copied == facts
    facts["evidence"].append("chat")
    facts["held"]["parts"][0]["value"] = 2
    facts["pair"][1].append("c")
    assert copied["evidence"] == ["iou", "transfer"]
    assert copied["held"] == {"parts": [{"value": 1}]}
    assert copied["pair"] == ("a", ["b"])  # not JSON: still copied (by copy.deepcopy)


def test_a_turn_stamps_every_row_it_writes_with_one_moment(chat: Chat) -> None:
    import clock
    from flows.model import Inbound

    moments = iter(datetime(2026, 11, 22, 2, 0, second, tzinfo=UTC) for second in range(60))
    with clock.use(lambda: next(moments)):
        chat.say("/start")
        chat._run(Inbound.typed(chat.chat_id, chat.user_id, "1", update_id=7))
    db = chat.engine.store.db
    session = chat.session()
    rows = db.execute("select created_at from transcript where update_id = 7").fetchall()
    processed = db.execute("select processed_at from processed_updates where update_id = 7").fetchone()
    assert len(rows) >= 2
    assert {r[0] for r in rows} == {processed[0]} == {session.updated_at}
    assert session.updated_at > session.created_at  # the first turn had its own moment


def test_templates_see_every_global_through_one_flat_dict() -> None:
    from messages.render import environment, render

    globals_ = environment().get_template("question.html.j2").globals
    assert type(globals_) is dict  # not a ChainMap, copied key by key on every render
    assert {"cite", "cite_all", "has_refusal", "refusal", "range", "namespace"} <= set(globals_)
    assert render("stale_button.html.j2", unknown=True).html  # a template still renders with them


def test_the_path_walk_is_the_walk_through_next_state() -> None:
    import random

    from flows.spec import load_registry

    registry = load_registry()

    def walked(facts: dict[str, Any]) -> list[str]:
        state, seen = registry.initial, []
        while state not in seen and registry.node(state).is_question:
            seen.append(state)
            state = registry.next_state(state, facts)
        return seen

    questions = [n for f in registry.flows.values() for n in f.nodes if n.is_question and n.options]
    rng = random.Random(18)
    lengths = set()
    for _ in range(300):
        facts: dict[str, Any] = {}
        for node in rng.sample(questions, rng.randrange(len(questions))):
            values = [o.value for o in node.options]
            facts[node.id] = rng.sample(values, rng.randrange(1, len(values) + 1)) if node.kind == "multi" \
                else rng.choice(values)
        assert registry.path(facts) == walked(facts)
        lengths.add(len(walked(facts)))
    assert len(lengths) > 3  # the facts took many different paths
    with pytest.raises(KeyError):
        registry.path({}, start="creditor.no_such_question")


def test_button_data_is_measured_in_utf8_bytes_at_every_length() -> None:
    from flows.callbacks import MAX_BYTES, _checked

    for char, size in (("a", 1), ("是", 3), ("😀", 4)):
        fits = MAX_BYTES // size
        assert _checked(char * fits) == char * fits
        with pytest.raises(ValueError, match="too long"):
            _checked(char * (fits + 1))


def test_a_turn_calls_the_hooks_only_of_desks_that_implement_them(chat: Chat) -> None:
    from core.desk import Desk
    from core.turn import HOOKS

    engine = chat.engine
    for hook in HOOKS:
        implementing = [d for d in engine.desks if getattr(type(d), hook) is not getattr(Desk, hook)]
        assert engine.desks_with(hook) == implementing  # same desks, same (priority) order
    assert len(engine.desks_with("produce")) < len(engine.desks)  # most desks leave most hooks alone

    class Watching(Desk):
        name = "watching"

    watcher = Watching()
    seen: list[str] = []
    watcher.arrived = lambda ctx: seen.append(ctx.session.state)  # type: ignore[method-assign]
    from core.turn import Core

    core = Core(engine.store, engine.registry, [*engine.desks, watcher], engine.clock)
    assert watcher in core.desks_with("arrived") and watcher not in core.desks_with("produce")
    watched = Chat(core)
    watched.say("/start")
    watched.say("1")
    assert seen == ["creditor.debt_type"]


def test_a_press_goes_to_the_first_desk_declaring_its_action(chat: Chat) -> None:
    from flows.callbacks import Action

    desks = chat.engine.desks
    for action in Action:
        first = next((d for d in desks if action in d.actions), None)
        assert chat.engine._action_owner.get(action) is first


def test_offered_options_are_the_options_whose_condition_holds() -> None:
    from flows.spec import load_registry

    registry = load_registry()
    nodes = [n for f in registry.flows.values() for n in f.nodes if n.is_question]
    conditional = [n for n in nodes if any(o.when for o in n.choice_options())]
    assert conditional  # some questions offer options only for some facts
    for node in nodes:
        fact_sets: list[dict[str, Any]] = [{}]
        for option in node.choice_options():
            fact_sets += [dict(w) for w in option.when]
        for facts in fact_sets:
            expected = tuple(o for o in node.choice_options() if o.offered(facts))
            assert node.offered_options(facts) == expected
        assert node.offered_options(None) == node.choice_options()


def test_a_word_list_is_found_in_a_text_as_by_a_substring_test_per_word() -> None:
    from understanding.answers import _has

    words = ("不知道", "不清楚", "a.b", "(?")
    for text in ("我不知道", "不清", "axb", "a.b 就这样", "是(?", "", "知道"):
        assert _has(text, words) == any(w in text for w in words)
    assert not _has("什么都行", ())


def test_a_reply_kind_given_as_its_value_or_as_the_enum_is_the_enum() -> None:
    from flows.model import Reply, ReplyKind

    assert Reply("x", kind="ack").kind is ReplyKind.ACK  # type: ignore[arg-type]
    assert Reply("x", kind=ReplyKind.ERROR).kind is ReplyKind.ERROR
    with pytest.raises(ValueError):
        Reply("x", kind="nope")  # type: ignore[arg-type]
