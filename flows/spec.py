"""Load and validate the flow definition files in ``flows/definitions/*.yaml``.

A flow file is data a lawyer can edit: each question's answer kind, options, whether it may be
skipped, and which state follows under which condition. This module turns those files into
immutable specs and refuses a file with a mistake in it (unknown target, missing default branch,
duplicate option...), so a typo fails the test suite instead of a user's consultation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

ANSWER_KINDS = frozenset({"choice", "multi", "yesno", "amount", "date", "province", "text"})
NODE_KINDS = ANSWER_KINDS | {"review", "result", "info", "document"}
# Kinds whose 'next' lists follow-up screens (a result's "生成文书", a document's "生成其他文书"), not answers.
FOLLOW_UP_KINDS = frozenset({"result", "document"})
# libyaml's parser when PyYAML has it (the same safe loading, several times faster: start-up reads every flow).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YES_NO_OPTIONS = (("yes", "是", ("有", "对", "知道")), ("no", "否", ("没有", "不知道", "不")))


class FlowDefinitionError(ValueError):
    """A flow definition file is malformed."""


Conditions = tuple[tuple[str, tuple[Any, ...]], ...]


def _prepared(when: Mapping[str, Any]) -> Conditions:
    """A ``when`` mapping as (fact, accepted values) pairs: a scalar accepts itself, a list any of its items."""
    return tuple((name, tuple(expected) if isinstance(expected, list) else (expected,))
                 for name, expected in when.items())


def _satisfied(conditions: Conditions, facts: Mapping[str, Any]) -> bool:
    """True when every fact is one of its accepted values (or, for a list fact, holds one of them)."""
    for name, wanted in conditions:
        actual = facts.get(name)
        if isinstance(actual, list):
            if not any(w in actual for w in wanted):
                return False
        elif actual not in wanted:
            return False
    return True


@dataclass(frozen=True)
class Option:
    """One answer option: stored ``value``, the ``label`` people see, and typed ``aliases``."""

    value: str
    label: str
    aliases: tuple[str, ...] = ()
    exclusive: bool = False  # in a multi-choice, picking it clears the others ("没有书面证据")
    when: tuple[Mapping[str, Any], ...] = ()  # offered only when the facts match one of these

    def offered(self, facts: Mapping[str, Any]) -> bool:
        """True when this option is offered for these facts (an option without 'when' always is)."""
        return not self.when or any(_satisfied(c, facts) for c in self._when_conditions)

    @cached_property
    def _when_conditions(self) -> tuple[Conditions, ...]:
        return tuple(_prepared(w) for w in self.when)


@dataclass(frozen=True)
class Branch:
    """Go to ``to`` when every fact in ``when`` matches (an empty ``when`` always matches)."""

    to: str
    when: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, facts: Mapping[str, Any]) -> bool:
        """True when the facts satisfy this branch's condition.

        A scalar expects equality (or membership, when the fact is a list); a list expects any of
        its items.
        """
        return _satisfied(self._conditions, facts)

    @cached_property
    def _conditions(self) -> Conditions:
        # Asked for every branch on every path walk (progress, moves): the condition is prepared once.
        return _prepared(self.when)


@dataclass(frozen=True)
class Node:
    """One state of a flow: a question, the review screen, a result, or an information page."""

    flow: str
    id: str
    kind: str
    template: str
    label: str = ""
    options: tuple[Option, ...] = ()
    optional: bool = False
    validate: Mapping[str, Any] = field(default_factory=dict)
    next: tuple[Branch, ...] = ()
    example: str = ""
    personal: bool = False  # the answer is a personal detail: kept apart from the session's facts
    ask_when: Mapping[str, Any] = field(default_factory=dict)  # asked only when these facts match

    @cached_property
    def state(self) -> str:
        """The machine state name, ``<flow>.<id>``."""
        return f"{self.flow}.{self.id}"

    @cached_property
    def is_question(self) -> bool:
        """True for nodes that ask for a fact."""
        return self.kind in ANSWER_KINDS

    def option_label(self, value: str) -> str:
        """The label of the option with this value (the value itself if none matches)."""
        for option in self.choice_options():
            if option.value == value:
                return option.label
        return value

    def choice_options(self) -> tuple[Option, ...]:
        """The options offered as buttons; yes/no questions get 是/否."""
        return self._choices

    @cached_property
    def _choices(self) -> tuple[Option, ...]:
        if self.kind == "yesno" and not self.options:
            return tuple(Option(v, label, aliases) for v, label, aliases in YES_NO_OPTIONS)
        return self.options

    def offered_options(self, facts: Mapping[str, Any] | None) -> tuple[Option, ...]:
        """The options offered for these facts (all of them when ``facts`` is None)."""
        options = self._choices
        if facts is None or not self._some_conditional:
            return options
        return tuple(o for o in options if o.offered(facts))

    @cached_property
    def _some_conditional(self) -> bool:
        # Most questions offer every option whatever the facts: no test per option then.
        return any(o.when for o in self._choices)

    def asked(self, facts: Mapping[str, Any]) -> bool:
        """True when this question applies to these facts (its 'ask_when' matches)."""
        return _satisfied(self._ask_conditions, facts)

    @cached_property
    def _ask_conditions(self) -> Conditions:
        return _prepared(self.ask_when)


@dataclass(frozen=True)
class Flow:
    """A whole flow: its nodes in file order, the first question, and its title."""

    id: str
    title: str
    nodes: tuple[Node, ...]
    first: str

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if absent)."""
        return self._by_id[node_id]

    @cached_property
    def _by_id(self) -> dict[str, Node]:
        # Looked up several times a turn (progress, paths): a dict, not a scan of the nodes.
        return {n.id: n for n in self.nodes}

    @property
    def questions(self) -> tuple[Node, ...]:
        """The question nodes, in file order."""
        return tuple(n for n in self.nodes if n.is_question)

    def has(self, node_id: str) -> bool:
        """True when the flow has a node with this id."""
        return any(n.id == node_id for n in self.nodes)


def _qualify(flow: str, target: str) -> str:
    return target if "." in target else f"{flow}.{target}"


def _conditions(raw: Any) -> tuple[Mapping[str, Any], ...]:
    """An option's 'when': one mapping, or a list of mappings of which any may match."""
    if not raw:
        return ()
    return tuple(dict(w) for w in raw) if isinstance(raw, list) else (dict(raw),)


def _parse_node(flow_id: str, raw: Mapping[str, Any]) -> Node:
    try:
        node_id = str(raw["id"])
        kind = str(raw["kind"])
    except KeyError as exc:
        raise FlowDefinitionError(f"{flow_id}: a node lacks {exc.args[0]!r}") from None
    if kind not in NODE_KINDS:
        raise FlowDefinitionError(f"{flow_id}.{node_id}: unknown kind {kind!r}")
    options = tuple(
        Option(
            value=str(o["value"]),
            label=str(o["label"]),
            aliases=tuple(str(a) for a in o.get("aliases", ())),
            exclusive=bool(o.get("exclusive", False)),
            when=_conditions(o.get("when")),
        )
        for o in raw.get("options", ())
    )
    values = [o.value for o in options]
    if len(values) != len(set(values)):
        raise FlowDefinitionError(f"{flow_id}.{node_id}: duplicate option values")
    if kind in {"choice", "multi"} and not options:
        raise FlowDefinitionError(f"{flow_id}.{node_id}: a {kind} question needs options")
    branches = tuple(
        Branch(to=_qualify(flow_id, str(b["to"])), when=dict(b.get("when") or {})) for b in raw.get("next", ())
    )
    if branches and branches[-1].when:
        raise FlowDefinitionError(f"{flow_id}.{node_id}: the last branch of 'next' must have no 'when'")
    if kind in ANSWER_KINDS and not branches:
        raise FlowDefinitionError(f"{flow_id}.{node_id}: a question needs 'next'")
    if branches and kind not in ANSWER_KINDS | FOLLOW_UP_KINDS:
        raise FlowDefinitionError(f"{flow_id}.{node_id}: a {kind} node cannot have 'next'")
    template = str(raw.get("template") or f"questions/{flow_id}/{node_id}.html.j2")
    return Node(
        flow=flow_id,
        id=node_id,
        kind=kind,
        template=template,
        label=str(raw.get("label", "")),
        options=options,
        optional=bool(raw.get("optional", False)),
        validate=dict(raw.get("validate") or {}),
        next=branches,
        example=str(raw.get("example", "")),
        personal=bool(raw.get("personal", False)),
        ask_when=dict(raw.get("ask_when") or {}),
    )


def load_flow(path: Path) -> Flow:
    """Read one definition file into a :class:`Flow`."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # a safe loader
    if not isinstance(raw, Mapping) or "id" not in raw or "nodes" not in raw:
        raise FlowDefinitionError(f"{path.name}: expected a mapping with 'id' and 'nodes'")
    flow_id = str(raw["id"])
    nodes = tuple(_parse_node(flow_id, n) for n in raw["nodes"])
    ids = [n.id for n in nodes]
    if len(ids) != len(set(ids)):
        raise FlowDefinitionError(f"{flow_id}: duplicate node ids")
    first = str(raw.get("first") or nodes[0].id)
    return Flow(id=flow_id, title=str(raw.get("title", flow_id)), nodes=nodes, first=first)


@dataclass(frozen=True)
class FlowRegistry:
    """All flows, indexed by machine state name."""

    flows: Mapping[str, Flow]
    initial: str

    def node(self, state: str) -> Node:
        """The node behind a machine state name (KeyError if unknown)."""
        return self._by_state[state]

    @cached_property
    def _by_state(self) -> dict[str, Node]:
        # Asked some 25 times a turn (moves, screens, paths): one dict over every flow's nodes.
        return {node.state: node for flow in self.flows.values() for node in flow.nodes}

    def flow_of(self, state: str) -> Flow:
        """The flow a state belongs to."""
        return self.flows[state.partition(".")[0]]

    def states(self) -> list[str]:
        """Every state of every flow."""
        return [n.state for f in self.flows.values() for n in f.nodes]

    def next_state(self, state: str, facts: Mapping[str, Any]) -> str:
        """The state that follows ``state`` for these facts (first matching branch)."""
        for branch in self.node(state).next:
            if branch.matches(facts):
                return branch.to
        raise FlowDefinitionError(f"{state}: no branch matches")

    def path(self, facts: Mapping[str, Any], start: str | None = None) -> list[str]:
        """The question states a consultation with these facts walks through, in order.

        Unanswered facts match no condition, so the path follows default branches past them. Used
        for progress ("第3步/共9步") and to tell whether an edit left any question unanswered.
        """
        state = start or self.initial
        seen: list[str] = []
        steps = self._question_branches
        while state not in seen:
            branches = steps.get(state)
            if branches is None:  # not a question
                if state not in self._by_state:
                    raise KeyError(state)  # as node() says of a state no flow has
                break
            seen.append(state)
            for target, conditions in branches:
                if _satisfied(conditions, facts):
                    state = target
                    break
            else:
                raise FlowDefinitionError(f"{state}: no branch matches")
        return seen

    @cached_property
    def _question_branches(self) -> dict[str, tuple[tuple[str, Conditions], ...]]:
        # The walk of :meth:`path` (progress on every question screen) without a method call per step:
        # each question's branches as (target, prepared condition), in order.
        return {node.state: tuple((b.to, b._conditions) for b in node.next)
                for flow in self.flows.values() for node in flow.nodes if node.is_question}

    def validate(self) -> None:
        """Check every branch target exists and every question is reachable from the start."""
        states = set(self.states())
        facts = {q.id for f in self.flows.values() for q in f.questions}
        for flow in self.flows.values():
            for node in flow.nodes:
                conditions = [b.when for b in node.next] + [w for o in node.options for w in o.when] + [node.ask_when]
                for when in conditions:
                    for fact in when:
                        if fact not in facts:
                            raise FlowDefinitionError(f"{node.state}: condition on unknown fact {fact!r}")
                for branch in node.next:
                    if branch.to not in states:
                        raise FlowDefinitionError(f"{node.state}: unknown target {branch.to!r}")
        reachable, todo = set(), [self.initial]
        while todo:
            state = todo.pop()
            if state in reachable:
                continue
            reachable.add(state)
            node = self.node(state)
            todo.extend(b.to for b in node.next)
            flow = self.flows[node.flow]
            for special in ("review", "result"):
                if flow.has(special):
                    todo.append(f"{flow.id}.{special}")
        unreachable = states - reachable
        if unreachable:
            raise FlowDefinitionError(f"unreachable states: {sorted(unreachable)}")


@cache
def load_registry(directory: Path = DEFINITIONS_DIR) -> FlowRegistry:
    """Load every ``*.yaml`` flow in ``directory``; the start flow's first node is the initial state."""
    flows = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = load_flow(path)
        flows[flow.id] = flow
    if "start" not in flows:
        raise FlowDefinitionError("no 'start' flow")
    registry = FlowRegistry(flows=flows, initial=f"start.{flows['start'].first}")
    registry.validate()
    return registry
