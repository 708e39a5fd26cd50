"""Every transition of every flow fires, the definitions are validated, and the diagram is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.machine import SharedMachine, flows_markdown
from flows.spec import FlowDefinitionError, load_flow, load_registry
from storage.sessions import Session
from storage.state import Snapshot

ROOT = Path(__file__).resolve().parents[1]


def _facts_for(registry, edge) -> dict:
    """Facts that satisfy an answer edge's condition (the branch's 'when')."""
    node = registry.node(edge.source)
    for branch in node.next:
        if branch.to == edge.dest and branch.when:
            return {k: (v[0] if isinstance(v, list) else v) for k, v in branch.when.items()}
    return {}


def test_every_transition_fires() -> None:
    registry = load_registry()
    shared = SharedMachine(registry)
    assert shared.edges, "no transitions built"
    # The documents flow: 生成文书 under both results, 生成其他文书 on a made document, and its questions.
    assert {("draft", "creditor.result"), ("draft", "debtor.result"), ("another", "documents.done")} <= {
        (e.trigger, e.source) for e in shared.edges}
    assert sum(e.trigger == "answer" and e.source.startswith("documents.") for e in shared.edges) == 24
    for edge in shared.edges:
        session = Session(id=1, chat_id=1, user_id=1, flow=edge.source.split(".")[0], state=edge.source)
        kwargs = {}
        if edge.trigger == "answer" and edge.label == "editing":
            # Editing from the review screen with every question answered: straight back to review.
            session.pending.editing = True
            flow = registry.flows[edge.source.split(".")[0]]
            session.facts = {q.id: (q.choice_options()[0].value if q.choice_options() else "x") for q in flow.questions}
            session.facts["role"] = flow.id
            for q in flow.questions:
                if q.kind == "multi":
                    session.facts[q.id] = [q.options[0].value]
        elif edge.trigger == "answer":
            session.facts = _facts_for(registry, edge)
        elif edge.trigger == "edit":
            kwargs["target"] = edge.label.removeprefix("target=")
        elif edge.trigger == "back":
            session.history = [Snapshot(edge.dest)]
        assert shared.fire(session, edge.trigger, **kwargs), edge
        assert session.state == edge.dest, edge


def test_first_matching_branch_wins() -> None:
    registry = load_registry()
    assert registry.next_state("creditor.debt_type", {"debt_type": "wages"}) == "creditor.wage_relation"
    assert registry.next_state("creditor.debt_type", {"debt_type": "loan"}) == "creditor.loan_date"
    assert registry.next_state("creditor.debt_type", {"debt_type": "goods"}) == "creditor.stage"
    assert registry.next_state("start.role", {"role": "debtor"}) == "debtor.creditor_kind"


def test_unknown_trigger_from_a_state_is_refused() -> None:
    shared = SharedMachine(load_registry())
    session = Session(id=1, chat_id=1, user_id=1, flow="start", state="start.role")
    from transitions import MachineError

    with pytest.raises(MachineError):
        shared.fire(session, "confirm")
    assert session.state == "start.role"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("id: f\nnodes:\n  - {id: a, kind: choice, options: [{value: x, label: X}], next: [{to: nowhere}]}\n",
         "unknown target"),
        ("id: f\nnodes:\n  - {id: a, kind: amount, next: [{to: b, when: {a: 1}}]}\n  - {id: b, kind: result}\n",
         "last branch"),
        ("id: f\nnodes:\n  - {id: a, kind: choice, next: [{to: a}]}\n", "needs options"),
        ("id: f\nnodes:\n  - {id: a, kind: telepathy}\n", "unknown kind"),
        ("id: f\nnodes:\n  - {id: a, kind: choice, options: [{value: x, label: X}, {value: x, label: Y}],"
         " next: [{to: a}]}\n", "duplicate option"),
    ],
)
def test_malformed_definitions_are_refused(tmp_path: Path, yaml_text: str, message: str) -> None:
    start = tmp_path / "start.yaml"
    start.write_text(yaml_text.replace("id: f\n", "id: start\n", 1), encoding="utf-8")
    with pytest.raises(FlowDefinitionError, match=message):
        load_flow(start)
        load_registry.__wrapped__(tmp_path)


def test_flows_doc_is_current() -> None:
    expected = flows_markdown(SharedMachine(load_registry()))
    doc = (ROOT / "docs" / "flows.md").read_text(encoding="utf-8")
    assert doc == expected, "docs/flows.md is stale: run `python bot.py diagram --markdown > docs/flows.md`"
