"""The intake desk: the consultation's questions read in the user's own words (issue 15).

It takes typed text at the questions of the consultation flows (start, creditor, debtor) before the
consultation desk, and:

* reads a **story** (the first message, or a long one at any question) with
  :func:`understanding.read_story`, restates it in one message (我理解的是：…，对吗？ 对 / 有不对的) and records
  it only after 对; "有不对的" lists the facts so the user drops the wrong one (it is then asked);
* reads a **typed answer** with :func:`understanding.read_answer`: sure readings are answers, uncertain
  ones (两万多, "2", 上个月, 腊月) are held and restated as a yes/no first, 不知道 is recorded as ``unknown``
  where the question allows it, 什么意思 / 为什么问这个 get the question's explanation;
* counts failed tries: the second never repeats the first's text, the third offers 跳过 (where allowed),
  the explanation and 12348;
* answers a question typed out of turn (quick topics), at a question or after the result, then shows the
  step again — or says it cannot answer it, with 12348.

Its ``prefill`` passes a consultation question whose fact is already known (from a story), as a real
transition, so 返回 works. Wording lives in ``messages/templates/intake/``; story labels in
``understanding/data/story_labels.yaml``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from core.context import TurnContext
from core.desk import Desk
from flows import callbacks as cb
from flows import screens
from flows.answers import display, read_typed
from flows.callbacks import Action, Press
from flows.intents import TYPED_INTENTS
from flows.model import Button, Reply, ReplyKind
from flows.spec import FlowRegistry, Node
from storage.sessions import Session
from text.errors import ParseError
from text.normalise import normalise
from understanding import Ask, Confirm, Unknown, Value, read_answer, read_story
from understanding.answers import is_explain_or_why, is_feeling, is_greeting, split_questions
from understanding.intake import (
    QUESTION_MARKS,
    asked_topics,
    conflict_lines,
    is_no,
    is_yes,
    restatement,
    story_facts,
)
from understanding.lexicon import explanations, question_words, story_labels
from understanding.model import Answer

FLOWS = frozenset({"start", "creditor", "debtor"})
# A reply on a restatement that starts with 对 / 不对 and says more ("对 还有能不能上诉啊").
_LEAD = re.compile(r"^(?P<lead>不对|不是|错了|对的|对|是的|没错|嗯)[\s,，。.!！、]+(?P<rest>\S.*)$")
STORY_MIN_CHARS = 20  # a typed answer this long that carries several facts is read as a story
HOLD_YES, HOLD_NO, HOLD_WRONG, HOLD_DROP, HOLD_PICK = "yes", "no", "wrong", "drop:", "pick:"
# Reader findings whose own hint says more than the question's generic error text (retry.html.j2).
OWN_HINTS = frozenset({"demand_not_reached", "due_after_duration"})


def _entry(ctx: TurnContext, node: Node) -> dict[str, Any]:
    """The question's explanation; for wages, its ``wages`` wording where it has one (no 还钱 for wages)."""
    entry = dict(explanations().get(node.state) or {})
    facts = ctx.session.facts if ctx.session is not None else {}
    if facts.get("debt_type") == "wages":
        entry.update(entry.get("wages") or {})
    return entry


class IntakeDesk(Desk):
    """Reads stories and typed answers at the consultation's questions (see the module docstring)."""

    name = "intake"
    priority = 850  # after documents (800, which absorbs personal details), before the consultation (900)
    actions: ClassVar[frozenset[Action]] = frozenset({Action.HOLD})

    def __init__(self, registry: FlowRegistry) -> None:
        """Over the flow definitions."""
        self.registry = registry

    # ------------------------------------------------------------------------------------------ hooks

    def prefill(self, session: Session, node: Node) -> dict[str, Any] | None:
        """A consultation question already answered (by a confirmed story) is passed without asking."""
        if node.flow in FLOWS - {"start"} and node.is_question and node.id in session.facts:
            return {}
        return None

    def produce(self, ctx: TurnContext) -> None:
        """After the role was answered for a story told without one: read the story again and restate it."""
        session = ctx.session
        if session is None or not session.pending.held or session.pending.held.get("kind") != "story_norole":
            return
        text = str(session.pending.held.get("text") or "")
        session.pending.held = None
        if "role" not in session.facts or not self.registry.node(session.state).is_question:
            return
        cue = str((story_labels().get("role_cue") or {}).get(session.facts["role"], ""))
        facts = story_facts(self.registry, read_story(f"{cue}。{text}", ctx.today()), dict(session.facts))
        if not [k for k in facts if "__" not in k and k not in {"questions", "conflicts"}]:
            return
        session.pending.held = {"kind": "story", "facts": facts, "state": session.state}
        self._restate(ctx, session, turn=session.turn + 1)  # the move's arrive() counts this turn

    def press(self, ctx: TurnContext, press: Press) -> None:
        """对 / 不对 / 有不对的 / the fact that is wrong, on a held reading."""
        session = ctx.session
        assert session is not None
        held = session.pending.held
        if press.value == "unknown":
            self._unknown(ctx)
            return
        if held is None:
            ctx.refuse(unknown=False)
            return
        if press.value == HOLD_YES:
            self._accept(ctx)
        elif press.value == HOLD_NO:
            self._decline(ctx)
        elif press.value == HOLD_WRONG and held.get("kind") == "story":
            self._pick_wrong(ctx)
        elif press.value.startswith(HOLD_PICK) and held.get("kind") == "answer" and held.get("choices"):
            self._pick_figure(ctx, press.value[len(HOLD_PICK):])
        elif press.value.startswith(HOLD_DROP) and held.get("kind") == "story":
            self._drop(ctx, press.value[len(HOLD_DROP):])
        else:
            ctx.refuse(unknown=True)

    def absorb(self, ctx: TurnContext, text: str) -> bool:
        """Take typed text at a consultation question (or a question typed after the result)."""
        session = ctx.session
        word = normalise(text).lower().rstrip("。.!！")
        if session is not None and session.pending.resume:
            return False
        held = session.pending.held if session is not None else None
        if session is not None and held is not None and held.get("state") != session.state:
            session.pending.held = held = None  # the user moved on (a button, 返回): the held reading is dropped
        if session is not None and held is not None and held.get("kind") != "story_norole":
            if is_yes(word):
                self._accept(ctx)
                return True
            if is_no(word):
                self._decline(ctx)
                return True
            if word in {"有不对的", "有不对", "不全对"} and held.get("kind") == "story":
                self._pick_wrong(ctx)
                return True
            if held.get("kind") == "story" and self._typed_on_restatement(ctx, word):
                return True
            session.pending.held = None  # typed something else: the held reading is dropped, the text read
        if word in TYPED_INTENTS:
            return False
        node = self.registry.node(self.registry.initial if session is None else session.state)
        if node.kind in {"review", "result"} and node.flow in FLOWS:
            return self._question_after_result(ctx, text)
        if not node.is_question or node.flow not in FLOWS:
            return False
        if session is not None and session.pending.editing:
            return self._answer(ctx, node, text)
        if self._story(ctx, node, text):
            return True
        return self._answer(ctx, node, text)

    # ------------------------------------------------------------------------------------------ stories

    def _story(self, ctx: TurnContext, node: Node, text: str) -> bool:
        """Read ``text`` as a story when it carries facts beyond the question asked; hold it to confirm."""
        cleaned = normalise(text)
        at_start = node.flow == "start" or ctx.session is None
        if not at_start and len(cleaned) < STORY_MIN_CHARS:
            return False
        session = ctx.session
        known = dict(session.facts) if session is not None else {}
        readings = read_story(cleaned, ctx.today())
        facts = story_facts(self.registry, readings, known)
        main = [k for k in facts if "__" not in k and k not in {"questions", "conflicts"}]
        if at_start and "role" not in facts and len({r.key for r in readings if "__" not in r.key}) >= 2:
            # A story without a role: ask the role first, then read the story again for that role.
            if session is None:
                session = ctx.open_session()
            session.pending.held = {"kind": "story_norole", "text": cleaned, "state": session.state}
            ctx.say("intake/need_role.html.j2")
            ctx.show()
            return True
        if at_start and len(main) < 2 and not (main and main != ["role"]):
            return False
        if not at_start and len([k for k in main if k != node.id]) < 2:
            return False  # a long answer to this question, not a story: read as the answer
        if session is None:
            session = ctx.open_session()
        session.turn += 1
        session.pending.held = {"kind": "story", "facts": facts, "state": session.state}
        self._restate(ctx, session)
        return True

    def _typed_on_restatement(self, ctx: TurnContext, word: str) -> bool:
        """ "对 还有能不能上诉啊": 对 with a question — the reading is kept and the question answered with the
        story's own; "不对 还没申请…": the reading is kept and the user picks the wrong fact, instead of
        throwing the whole reading away."""
        lead = _LEAD.match(word)
        if lead is None:
            return False
        session = ctx.session
        assert session is not None and session.pending.held is not None
        _rest, questions = split_questions(lead.group("rest"))
        if is_yes(lead.group("lead")):
            facts = dict(session.pending.held.get("facts") or {})
            facts["questions"] = [*(facts.get("questions") or []), *questions]
            session.pending.held = {**session.pending.held, "facts": facts}
            self._accept(ctx)
        else:
            if questions:
                self._answer_questions(ctx, questions, unanswered="intake/question_kept.html.j2")
            self._pick_wrong(ctx)
        return True

    def _restate(self, ctx: TurnContext, session: Session, turn: int | None = None) -> None:
        held = session.pending.held or {}
        turn = session.turn if turn is None else turn
        lines = restatement(self.registry, dict(held.get("facts") or {}), session.facts)
        notes = conflict_lines(dict(held.get("facts") or {}))
        buttons = ((Button("✅ 对", cb.encode(turn, Action.HOLD, HOLD_YES)),),
                   (Button("✏️ 有不对的", cb.encode(turn, Action.HOLD, HOLD_WRONG)),))
        ctx.reply(screens.notice("intake/restate.html.j2", session, buttons=buttons, lines=lines, notes=notes))

    def _pick_wrong(self, ctx: TurnContext) -> None:
        session = ctx.session
        assert session is not None and session.pending.held is not None
        facts = dict(session.pending.held.get("facts") or {})
        lines = restatement(self.registry, facts, session.facts, keyed=True)
        session.turn += 1
        rows = [(Button(f"❌ {label}", cb.encode(session.turn, Action.HOLD, HOLD_DROP + key)),)
                for key, label in lines]
        rows.append((Button("✅ 其余都对", cb.encode(session.turn, Action.HOLD, HOLD_YES)),))
        ctx.reply(screens.notice("intake/pick_wrong.html.j2", session, buttons=tuple(rows)))

    def _drop(self, ctx: TurnContext, key: str) -> None:
        session = ctx.session
        assert session is not None and session.pending.held is not None
        facts = {k: v for k, v in dict(session.pending.held.get("facts") or {}).items()
                 if k != key and not k.startswith(f"{key}__")}
        session.pending.held = {**session.pending.held, "facts": facts}
        session.turn += 1
        if not [k for k in facts if "__" not in k and k not in {"questions", "conflicts"}]:
            session.pending.held = None
            ctx.say("intake/dropped_all.html.j2")
            ctx.show()
            return
        ctx.say("intake/dropped.html.j2")
        self._restate(ctx, session)

    # ------------------------------------------------------------------------------------------ answers

    def _answer(self, ctx: TurnContext, node: Node, text: str) -> bool:
        session = ctx.session
        fresh = session is None
        if session is None:
            session = ctx.open_session()
        reading = read_answer(node.state, text, ctx.today(), session.facts)
        if (fresh or node.flow == "start") and is_greeting(text):
            ctx.say("welcome.html.j2", restarted=False)  # "你好" as a first message: the greeting
            ctx.show()
            return True
        if fresh and isinstance(reading, Ask) and reading.kind == "clarify":
            ctx.say("welcome.html.j2", restarted=False)
            ctx.show()
            return True
        if not isinstance(reading, Value | Confirm) and is_feeling(text):
            ctx.say("intake/feeling.html.j2")  # a feeling: a kind line and the step, not an echoed question
            ctx.show()
            return True
        reading = self._answer_with_questions(ctx, node, text, reading)
        if isinstance(reading, Value):
            self._record(ctx, node, dict(reading.facts))
        elif isinstance(reading, Confirm):
            session.turn += 1
            held_facts = dict(reading.facts)
            choices = list(held_facts.pop(f"{node.id}__choices", None) or [])
            session.pending.held = {"kind": "answer", "facts": held_facts, "state": session.state,
                                    "why": reading.why, "parts": list(reading.parts), "choices": choices}
            buttons: tuple[tuple[Button, ...], ...] = (
                (Button("✅ 对", cb.encode(session.turn, Action.HOLD, HOLD_YES)),),
                (Button("❌ 不对", cb.encode(session.turn, Action.HOLD, HOLD_NO)),),
            )
            if choices:  # several figures: each one, their sum, or neither
                rows = [(Button(f"只算 {display(node, {node.id: v, f'{node.id}__approx': a})}",
                                cb.encode(session.turn, Action.HOLD, f"{HOLD_PICK}{i}")),)
                        for i, (v, a) in enumerate(choices)]
                buttons = (*rows, (Button(f"➕ 加起来 {display(node, {**session.facts, **held_facts})}",
                                          cb.encode(session.turn, Action.HOLD, HOLD_YES)),),
                           (Button("❌ 都不对", cb.encode(session.turn, Action.HOLD, HOLD_NO)),))
            facts = {**session.facts, **held_facts}
            ctx.reply(screens.notice("intake/confirm.html.j2", session, buttons=buttons, why=reading.why,
                                     parts=list(reading.parts), label=node.label, answer=display(node, facts)))
        elif isinstance(reading, Unknown):
            # 不知道 at an optional question is a skip (None, as /skip); elsewhere the fact "unknown".
            self._record(ctx, node, {node.id: None if node.optional else "unknown"})
        elif reading.kind in {"explain", "why"}:
            self._explain(ctx, node, reading.kind)
        elif reading.kind == "follow_up":
            ctx.say("intake/follow_up.html.j2", kind=ReplyKind.ERROR, part=reading.reason)
            ctx.show()
        else:
            self._failed(ctx, node, text, reading)
        return True

    def _answer_with_questions(self, ctx: TurnContext, node: Node, text: str, reading: Answer) -> Answer:
        """An answer with a question inside ("还没 就是打电话要过几次 要花多少钱", "…为什么问这个"): the
        answer part is read on its own; when it answers the step, the question is answered (or 为什么问这个
        explained) first, and the answer's reading is returned. Otherwise ``reading`` is kept."""
        answer_text, questions = split_questions(text)
        if not questions or not answer_text:
            return reading
        inner = read_answer(node.state, answer_text, ctx.today(), ctx.session.facts if ctx.session else None)
        if not isinstance(inner, Value | Confirm | Unknown):
            return reading
        asked = [q for q in questions if not is_explain_or_why(q)]
        if len(asked) < len(questions):
            entry = _entry(ctx, node)
            kind = "why" if isinstance(reading, Ask) and reading.kind == "why" else "explain"
            ctx.say("intake/explain.html.j2", entry=entry, kind_asked=kind, label=node.label)
        if asked:
            self._answer_questions(ctx, asked, unanswered="intake/question_kept.html.j2")
        return inner

    def _record(self, ctx: TurnContext, node: Node, facts: dict[str, Any]) -> None:
        session = ctx.session
        assert session is not None
        session.pending.tries, session.pending.tries_at = 0, ""
        if node.id not in facts:
            ctx.say("intake/follow_up.html.j2", kind=ReplyKind.ERROR, part="")
            ctx.show()
            return
        ctx.answer(facts)

    def _unknown(self, ctx: TurnContext) -> None:
        """The 3rd failed try's 不知道 button: what 不知道 means at this question (skip, unknown or an option)."""
        session = ctx.session
        assert session is not None
        node = self.registry.node(session.state)
        rule = str(question_words(node.state).get("dont_know", "unknown" if node.optional else "clarify"))
        if rule == "clarify" and not node.optional:
            ctx.refuse(unknown=False)
            return
        value: Any = None if rule == "clarify" else rule
        self._record(ctx, node, {node.id: value})

    def _explain(self, ctx: TurnContext, node: Node, kind: str) -> None:
        entry = _entry(ctx, node)
        ctx.say("intake/explain.html.j2", entry=entry, kind_asked=kind, label=node.label)
        ctx.show()

    def _failed(self, ctx: TurnContext, node: Node, text: str, reading: Ask) -> None:
        """A reading that gave nothing: a question out of turn, or the 1st/2nd/3rd failed try."""
        session = ctx.session
        assert session is not None
        if self._topic_answer(ctx, text):
            return
        if session.pending.tries_at != session.state:
            session.pending.tries, session.pending.tries_at = 0, session.state
        session.pending.tries += 1
        tries = session.pending.tries
        if tries == 1 and reading.reason not in OWN_HINTS:
            # The question's own error text (the same one the buttons' flows always gave).
            try:
                read_typed(node, text, ctx.today(), session.facts)
            except ParseError as err:
                ctx.reply(screens.question(self.registry, session, error=err.code, error_details=err.details))
                return
        rule = str(question_words(node.state).get("dont_know", "unknown" if node.optional else "clarify"))
        can_skip = node.optional or rule != "clarify"
        entry = _entry(ctx, node)
        session.turn += 1
        rows: list[tuple[Button, ...]] = []
        if tries >= 3 and can_skip:
            rows.append((Button("🤷 不知道，先跳过", cb.encode(session.turn, Action.HOLD, "unknown")),))
        ctx.say("intake/retry.html.j2", kind=ReplyKind.ERROR, tries=tries, reason=reading.reason,
                entry=entry, can_skip=can_skip, node=node)
        reply = screens.question(self.registry, session)
        ctx.reply(Reply(reply.html, tuple(rows) + reply.buttons, state=reply.state, kind=reply.kind))

    # ------------------------------------------------------------------------------------------ questions

    def _topic_answer(self, ctx: TurnContext, text: str) -> bool:
        """A question typed out of turn: its quick topics' answers then the current step, or — when it is
        clearly a question nobody here can answer — say so, with 12348."""
        cleaned = normalise(text)
        if not any(mark in cleaned for mark in QUESTION_MARKS):
            return False
        self._answer_questions(ctx, [cleaned], unanswered="intake/cannot_answer.html.j2")
        ctx.show()
        return True

    def _answer_questions(self, ctx: TurnContext, questions: list[str], unanswered: str) -> None:
        """Each question answered by the quick topics it names (two at most), or said unanswerable."""
        for question in questions[:3]:
            clauses = [c for c in re.split(r"[,，;；\s]+", question) if any(m in c for m in QUESTION_MARKS)]
            topics = asked_topics(self.registry, "，".join(clauses)) or asked_topics(self.registry, question)
            if not topics:
                ctx.say(unanswered, question=clauses[-1] if clauses else question)
            for topic in topics[:2]:
                ctx.say("topics/answer.html.j2", **screens.topic_context(
                    self.registry, topic, ctx.session.facts if ctx.session else None))

    def _question_after_result(self, ctx: TurnContext, text: str) -> bool:
        """On the review and result screens a typed question is answered; anything else is left to them."""
        return self._topic_answer(ctx, text)

    # ------------------------------------------------------------------------------------------ yes / no

    def _accept(self, ctx: TurnContext) -> None:
        session = ctx.session
        assert session is not None
        held = session.pending.held or {}
        session.pending.held = None
        facts = dict(held.get("facts") or {})
        if held.get("state") != session.state:
            ctx.refuse(unknown=False)
            return
        if held.get("kind") == "answer":
            self._record(ctx, self.registry.node(session.state), facts)
            return
        questions = list(facts.pop("questions", None) or [])
        facts.pop("conflicts", None)
        self._answer_questions(ctx, [normalise(q) for q in questions], unanswered="intake/question_kept.html.j2")
        node = self.registry.node(session.state)
        if node.id in facts:
            ctx.answer(facts)
        else:
            session.facts.update(facts)
            ctx.say("intake/noted.html.j2")
            session.turn += 1
            ctx.show()

    def _pick_figure(self, ctx: TurnContext, index: str) -> None:
        """One of several figures typed at an amount question, picked by its button: recorded alone."""
        session = ctx.session
        assert session is not None
        held = session.pending.held or {}
        choices = list(held.get("choices") or [])
        if not index.isdecimal() or int(index) >= len(choices) or held.get("state") != session.state:
            session.pending.held = None
            ctx.refuse(unknown=False)
            return
        session.pending.held = None
        node = self.registry.node(session.state)
        value, approx = choices[int(index)]
        self._record(ctx, node, {node.id: value, f"{node.id}__approx": bool(approx)})

    def _decline(self, ctx: TurnContext) -> None:
        session = ctx.session
        assert session is not None
        held = session.pending.held or {}
        session.pending.held = None
        if held.get("kind") == "story":
            ctx.say("intake/story_declined.html.j2")
        else:
            ctx.say("intake/declined.html.j2", why=held.get("why", ""))
        session.turn += 1
        ctx.show()
