"""Build the ONE shared ``transitions`` machine from the flow definitions.

Triggers and where they come from:

- ``answer``: a question → the next state, one transition per branch of its ``next`` list (the
  branch's ``when`` becomes the transition's condition); in a flow with a review screen, every
  question also has an ``answer`` → review transition taken first while the user is editing an
  answer from the review screen and no question on the path is left unanswered.
- ``edit``: review → each question of the flow (condition: the pressed target).
- ``confirm``: review → result; ``revise``: result → review; ``more``: an info page → its
  flow's first question.
- ``draft``: a result → each target of its ``next`` list (the documents menu, "生成文书");
  ``another``: a document screen → each target of its ``next`` ("生成其他文书").
- ``back``: the reverse of every edge above, taken when the top of the session's undo history
  names that edge's source.

The machine is built with ``model=None`` and ``auto_transitions=False``; for each move the engine
fires the machine's event on the session it has loaded for that turn (``Event.trigger(model)``, what
a model's own trigger method calls). Sessions are never registered with ``add_model``: that binds a
``trigger``/``may_*``/``is_<state>`` method to the session for every trigger and every state, which
cost more than the move itself when done once per turn. The machine does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from transitions import EventData, Machine, MachineError

from flows.spec import FOLLOW_UP_KINDS, FlowRegistry, Node
from storage.sessions import Session

Condition = Callable[[EventData], bool]


@dataclass(frozen=True)
class Edge:
    """One transition of the machine, kept for diagrams, coverage and tests."""

    trigger: str
    source: str
    dest: str
    label: str  # a readable condition, e.g. "debt_type=wages", "editing", "history=creditor.amount"


def _session(ev: EventData) -> Session:
    """The session a trigger was fired on (the machine's model for that move)."""
    return cast(Session, ev.model)


def _branch_condition(registry: FlowRegistry, node: Node, index: int) -> Condition:
    branch = node.next[index]
    return lambda ev: branch.matches(_session(ev).facts)


def _edit_complete(registry: FlowRegistry, flow_id: str) -> Condition:
    def condition(ev: EventData) -> bool:
        session = _session(ev)
        if not session.pending.editing:
            return False
        path = registry.path(session.facts)
        return all(registry.node(s).id in session.facts for s in path if registry.node(s).flow == flow_id)

    return condition


def _target_is(target: str) -> Condition:
    return lambda ev: ev.kwargs.get("target") == target


def _history_top_is(state: str) -> Condition:
    def condition(ev: EventData) -> bool:
        history = _session(ev).history
        return bool(history) and history[-1].state == state

    return condition


def _label(when: dict) -> str:
    return ", ".join(f"{k}={'|'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in when.items())


def build_edges(registry: FlowRegistry) -> list[tuple[Edge, Condition | None]]:
    """Every transition of every flow with its condition, in the order they must be tried."""
    forward: list[tuple[Edge, Condition | None]] = []
    for flow in registry.flows.values():
        review = f"{flow.id}.review" if flow.has("review") else None
        result = f"{flow.id}.result" if flow.has("result") else None
        for node in flow.nodes:
            if node.is_question:
                if review:
                    forward.append((Edge("answer", node.state, review, "editing"), _edit_complete(registry, flow.id)))
                for i, branch in enumerate(node.next):
                    cond = _branch_condition(registry, node, i) if branch.when else None
                    forward.append((Edge("answer", node.state, branch.to, _label(dict(branch.when))), cond))
            elif node.kind == "review":
                for question in flow.questions:
                    forward.append((Edge("edit", node.state, question.state, f"target={question.id}"),
                                    _target_is(question.id)))
                if result:
                    forward.append((Edge("confirm", node.state, result, ""), None))
            elif node.kind in FOLLOW_UP_KINDS:
                if node.kind == "result" and review:
                    forward.append((Edge("revise", node.state, review, ""), None))
                trigger = "draft" if node.kind == "result" else "another"
                for i, branch in enumerate(node.next):
                    cond = _branch_condition(registry, node, i) if branch.when else None
                    forward.append((Edge(trigger, node.state, branch.to, _label(dict(branch.when))), cond))
            elif node.kind == "info":
                forward.append((Edge("more", node.state, f"{flow.id}.{flow.first}", ""), None))
    backward: list[tuple[Edge, Condition | None]] = []
    seen: set[tuple[str, str]] = set()
    for edge, _ in forward:
        key = (edge.dest, edge.source)
        if key in seen or edge.dest == edge.source:
            continue
        seen.add(key)
        backward.append((Edge("back", edge.dest, edge.source, f"history={edge.source}"),
                         _history_top_is(edge.source)))
    return forward + backward


class SharedMachine:
    """The shared machine plus the edge list it was built from."""

    def __init__(self, registry: FlowRegistry) -> None:
        """Build the machine for every flow in ``registry``."""
        self.registry = registry
        self.machine = Machine(
            model=None,
            states=registry.states(),
            initial=registry.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
            after_state_change=self._after_transition,
        )
        edges = build_edges(registry)
        self._edge_of: dict[int, Edge] = {}
        for edge, condition in edges:
            self.machine.add_transition(
                edge.trigger, edge.source, edge.dest, conditions=[condition] if condition else None
            )
            added = self.machine.events[edge.trigger].transitions[edge.source][-1]
            self._edge_of[id(added)] = edge
        self.edges: list[Edge] = [edge for edge, _ in edges]
        self.observers: list[Callable[[Edge], None]] = []

    def _after_transition(self, event: EventData) -> None:
        if self.observers and event.transition is not None:
            edge = self._edge_of[id(event.transition)]
            for observer in self.observers:
                observer(edge)

    def fire(self, session: object, trigger: str, **kwargs: object) -> bool:
        """Fire ``trigger`` on ``session`` from its saved state; True if it moved.

        Raises ``transitions.MachineError`` when the trigger has no transition from that state.
        """
        event = self.machine.events.get(trigger)
        if event is None:
            raise MachineError(f"unknown trigger {trigger!r}")
        return bool(event.trigger(session, **kwargs))

    def triggers_from(self, state: str) -> set[str]:
        """The triggers that have at least one transition out of ``state``."""
        return {e.trigger for e in self.edges if e.source == state}

    def mermaid(self) -> str:
        """A Mermaid state diagram of every flow (deterministic, for the docs)."""
        lines = ["stateDiagram-v2"]
        for edge in self.edges:
            label = edge.trigger + (f" [{edge.label}]" if edge.label else "")
            lines.append(f"    {edge.source.replace('.', '_')} --> {edge.dest.replace('.', '_')} : {label}")
        return "\n".join(lines) + "\n"


def flows_markdown(shared: SharedMachine) -> str:
    """The whole ``docs/flows.md``: every flow's states, transition counts and the diagram."""
    from collections import Counter

    registry = shared.registry
    lines = [
        "# Flows: states and transitions",
        "",
        "Generated from `flows/definitions/*.yaml` by `python bot.py diagram --markdown > docs/flows.md`;",
        "`tests/test_transitions.py` fails when this file is stale. Edit the YAML, not this file.",
        "",
    ]
    for flow in registry.flows.values():
        lines += [f"## {flow.id} — {flow.title}", ""]
        for node in flow.nodes:
            extra = " (optional)" if node.optional else ""
            label = f": {node.label}" if node.label else ""
            lines.append(f"- `{node.state}` — {node.kind}{extra}{label}")
        lines.append("")
    counts = Counter(edge.trigger for edge in shared.edges)
    summary = ", ".join(f"{trigger} {n}" for trigger, n in sorted(counts.items()))
    lines += [f"Transitions: {len(shared.edges)} in all — {summary}.", "", "```mermaid", shared.mermaid() + "```", ""]
    return "\n".join(lines)
