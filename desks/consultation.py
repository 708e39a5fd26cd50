"""The consultation desk: the flows themselves — starting, answering, navigating, reviewing.

It owns the consultation commands (/start, /help, /back, /skip, /restart, /cancel, /review), the
buttons that answer and move (answer, toggle, done, nav, edit, confirm, revise, more, resume, draft,
another), and typed text last of all desks: it is the fallback that reads whatever nobody else took.
Typed text is tried, in this order: "continue or restart?", a navigation word (返回, 跳过...), the first
answer of a new session, an answer to the current question (or a quick-topic question asked in the
middle of one), and on other screens a button's number, a confirmation word or a button's own label.
"""

from __future__ import annotations

from typing import ClassVar

from core.commands import Command, Scope, help_lines
from core.context import TurnContext
from core.desk import Desk
from flows import callbacks as cb
from flows import screens
from flows.answers import display, read_pressed, read_typed, toggle
from flows.callbacks import Action, Press
from flows.intents import TYPED_INTENTS
from flows.model import Button, Reply, ReplyKind
from flows.spec import FlowRegistry
from text.choices import match_choice
from text.errors import ParseError
from text.normalise import normalise

QUESTION_MARKS = ("?", "？", "吗", "是什么", "什么是", "怎么", "会不会", "能不能", "如何")
CONFIRM_WORDS = frozenset({"确认", "确认无误", "查看结果", "查看分析", "好", "ok"})
RESUME_WORDS, RESTART_WORDS = frozenset({"继续", "1", "是", "继续咨询"}), frozenset({"重新开始", "2", "重来"})
STEP_TRIGGERS = {Action.CONFIRM: "confirm", Action.REVISE: "revise", Action.MORE: "more", Action.DRAFT: "draft",
                 Action.ANOTHER: "another"}
NAVIGATION = frozenset({"back", "skip", "restart", "cancel"})


def typed_word(text: str) -> str:
    """Typed text reduced for matching command words: normalised, lower-case, without a final 。/!."""
    return normalise(text).lower().rstrip("。.!！")


def plain_label(label: str) -> str:
    """A button label without its leading emoji, for matching typed text."""
    return label.split(" ", 1)[1] if " " in label and not label[0].isalnum() else label


class ConsultationDesk(Desk):
    """Runs the consultation flows (see the module docstring)."""

    name = "consultation"
    priority = 900  # last: it reads whatever typed text no other desk took
    actions: ClassVar[frozenset[Action]] = frozenset({
        Action.ANSWER, Action.TOGGLE, Action.DONE, Action.NAV, Action.EDIT, Action.CONFIRM, Action.REVISE,
        Action.MORE, Action.RESUME, Action.DRAFT, Action.ANOTHER})

    def __init__(self, registry: FlowRegistry) -> None:
        """Over the flow definitions."""
        self.registry = registry

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """/start, /help, the navigation commands and /review."""
        return (
            Command("start", Scope.BOTH, menu="开始咨询或继续上次的咨询",
                    group_menu="获取私聊咨询链接（个人情况只在私聊中分析）", rank=10),
            Command("help", Scope.BOTH, menu="使用说明", group_menu="在群里怎么用我", rank=20),
            Command("back", menu="返回上一步（撤销上一个回答）", rank=30),
            Command("skip", rank=35),
            Command("restart", menu="重新开始咨询", rank=40),
            Command("review", menu="查看目前的回答", help="查看目前的回答", rank=50),
            Command("cancel", menu="结束本次咨询", rank=90),
        )

    # ------------------------------------------------------------------------------------------ entry points

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """Answer one of the consultation commands."""
        if name == "start":
            self._start(ctx)
        elif name == "help":
            self._help(ctx)
        elif name in ("restart", "cancel") and ctx.session is not None and ctx.session.history:
            # like the 重新开始/取消 buttons and typed words: ask first (the results desk asks)
            ctx.press(cb.encode(ctx.session.turn, Action.SECTION, f"ask:{name}"))
        elif name in NAVIGATION:
            self._nav(ctx, name)
        elif name == "review":
            self._show_answers(ctx)

    def press(self, ctx: TurnContext, press: Press) -> None:
        """Answer a consultation button (not stale: the core checked)."""
        session = ctx.session
        assert session is not None
        if press.action == Action.RESUME:
            self._resume(ctx, press.value == "yes")
        elif press.action == Action.NAV:
            if press.value == "help":
                self._help(ctx)
            else:
                self._nav(ctx, press.value)
        elif press.action == Action.ANSWER:
            node = ctx.node()
            if node is None or not node.is_question:
                ctx.refuse(unknown=False)
                return
            try:
                facts = read_pressed(node, press.value, session.facts)
            except ParseError:
                ctx.refuse(unknown=True)
                return
            ctx.answer(facts)
        elif press.action == Action.TOGGLE:
            self._toggle(ctx, press.value)
        elif press.action == Action.DONE:
            self._multi_done(ctx)
        elif press.action == Action.EDIT:
            ctx.edit(press.value)
        elif press.action in STEP_TRIGGERS:
            ctx.step(STEP_TRIGGERS[press.action])

    def absorb(self, ctx: TurnContext, text: str) -> bool:
        """Read typed text (see the module docstring for the order); always taken."""
        session = ctx.session
        word = typed_word(text)
        if session and session.pending.resume:
            if word in RESUME_WORDS:
                self._resume(ctx, True)
                return True
            if word in RESTART_WORDS:
                self._resume(ctx, False)
                return True
        intent = TYPED_INTENTS.get(word)
        if intent == "skip_if_optional":
            node = ctx.node()
            intent = "skip" if node is not None and node.optional else None
        if intent == "help":
            self._help(ctx)
        elif intent:
            self._nav(ctx, intent)
        elif session is None:
            self._first_answer(ctx, text)
        else:
            session.pending.resume = False
            if self.registry.node(session.state).is_question:
                self._typed_answer(ctx, text)
            else:
                self._typed_choice(ctx, text, word)
        return True

    # ------------------------------------------------------------------------------------------ typed text

    def _first_answer(self, ctx: TurnContext, text: str) -> None:
        session = ctx.open_session()
        try:
            facts = read_typed(self.registry.node(session.state), text, ctx.today())
        except ParseError:
            ctx.say("welcome.html.j2", restarted=False)
            ctx.show()
            return
        ctx.answer(facts)

    def _typed_answer(self, ctx: TurnContext, text: str) -> None:
        session = ctx.session
        assert session is not None
        node = self.registry.node(session.state)
        try:
            facts = read_typed(node, text, ctx.today(), session.facts)
        except ParseError as err:
            topic = self._asked_topic(ctx, text) if node.flow != "topics" else None
            if topic:
                # "支付令是什么？" in the middle of a consultation: answer, then ask again.
                ctx.say("topics/answer.html.j2", **screens.topic_context(self.registry, topic, session.facts))
                ctx.show()
                return
            ctx.reply(screens.question(self.registry, session, error=err.code, error_details=err.details))
            return
        ctx.answer(facts)

    def _typed_choice(self, ctx: TurnContext, text: str, word: str) -> None:
        """Review, result and info screens: a typed number, confirmation word or label presses a button."""
        session = ctx.session
        assert session is not None
        node = self.registry.node(session.state)
        buttons = [b for row in screens.screen(self.registry, session, ctx.today()).buttons for b in row]
        if word.isdecimal() and len(word) <= 3 and 1 <= int(word) <= len(buttons):
            ctx.press(buttons[int(word) - 1].data)
            return
        if node.kind == "review" and word in CONFIRM_WORDS:
            ctx.press(cb.encode(session.turn, Action.CONFIRM))
            return
        # Typing a button's own text ("确认无误，查看分析", "修改信息") presses it.
        try:
            data = match_choice(text, [(b.data, plain_label(b.label), ()) for b in buttons])
        except ParseError:
            pass
        else:
            ctx.press(data)
            return
        if node.kind == "info":
            try:
                topic = read_typed(self.registry.node("topics.topic"), text, ctx.today())
            except ParseError:
                pass
            else:
                ctx.fire("more")
                ctx.answer(topic)
                return
        ctx.say("use_buttons.html.j2", kind=ReplyKind.ERROR, count=len(buttons))
        ctx.show()

    def _asked_topic(self, ctx: TurnContext, text: str) -> str | None:
        """The quick topic a typed question is about ("失信名单是什么？"), if it clearly names one."""
        cleaned = normalise(text)
        if not any(mark in cleaned for mark in QUESTION_MARKS):
            return None
        try:
            return str(read_typed(self.registry.node("topics.topic"), cleaned, ctx.today())["topic"])
        except ParseError:
            return None

    # ------------------------------------------------------------------------------------------ moves

    def _toggle(self, ctx: TurnContext, value: str) -> None:
        session = ctx.session
        assert session is not None
        node = self.registry.node(session.state)
        if node.kind != "multi":
            ctx.refuse(unknown=False)
            return
        try:
            session.pending.picked = toggle(node, list(session.pending.picked or []), value)
        except ParseError:
            ctx.refuse(unknown=True)
            return
        session.turn += 1
        reply = screens.question(self.registry, session)
        ctx.reply(Reply(reply.html, reply.buttons, state=reply.state, kind=ReplyKind.QUESTION,
                        meta={"replace_pressed": True}))

    def _multi_done(self, ctx: TurnContext) -> None:
        session = ctx.session
        assert session is not None
        node = self.registry.node(session.state)
        picked = list(session.pending.picked or [])
        if node.kind != "multi":
            ctx.refuse(unknown=False)
            return
        if not picked:
            ctx.reply(screens.question(self.registry, session, error="multi_empty"))
            return
        ctx.answer({node.id: picked})

    def _nav(self, ctx: TurnContext, action: str) -> None:
        session = ctx.session
        if action == "restart":
            ctx.close_session()
            ctx.open_session()
            ctx.say("welcome.html.j2", restarted=True)
            ctx.show()
        elif action == "cancel":
            ctx.close_session()
            ctx.say("cancelled.html.j2")
        elif session is None:
            self._start(ctx)
        elif action == "back":
            ctx.back()
        elif action == "skip":
            node = self.registry.node(session.state)
            if node.is_question and node.optional:
                ctx.answer({node.id: None})
            else:
                ctx.say("cannot_skip.html.j2", kind=ReplyKind.ERROR)
                ctx.show()
        else:
            ctx.say("unknown_command.html.j2", kind=ReplyKind.ERROR)
            ctx.show()

    def _start(self, ctx: TurnContext) -> None:
        session = ctx.session
        if session is not None and session.finished_at is None and session.history:
            session.pending.resume = True
            step = screens.progress(self.registry, session)
            buttons = ((Button("▶️ 继续上次的咨询", cb.encode(session.turn, Action.RESUME, "yes")),),
                       (Button("🔄 重新开始", cb.encode(session.turn, Action.RESUME, "no")),))
            ctx.reply(screens.notice("resume.html.j2", session, buttons=buttons, step=step,
                                     label=self.registry.node(session.state).label))
            return
        if session is not None and session.history:
            ctx.close_session()
            session = None
        if session is None:
            ctx.open_session()
        ctx.say("welcome.html.j2", restarted=False)
        ctx.show()

    def _resume(self, ctx: TurnContext, keep: bool) -> None:
        session = ctx.session
        assert session is not None
        session.pending.resume = False
        if keep:
            ctx.show()
        else:
            self._nav(ctx, "restart")

    def _help(self, ctx: TurnContext) -> None:
        ctx.say("help.html.j2", commands=help_lines(ctx.commands()))
        ctx.show()

    def _show_answers(self, ctx: TurnContext) -> None:
        session = ctx.session
        if session is None:
            self._start(ctx)
            return
        nodes = [self.registry.node(s) for s in self.registry.path(session.facts)]
        items = [(n.label, display(n, session.facts)) for n in nodes if n.id in session.facts]
        ctx.say("answers_so_far.html.j2", items=items)
        ctx.show()
