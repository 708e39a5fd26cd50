"""The results desk: the layered result's sections, 查看依据 pages, 名词解释, /result, and safe 重新开始/取消.

A result is a short summary (``flows.screens.result``) with one button per section that applies; this
desk answers those buttons (``Action.SECTION``): a section in full, its cited articles as a paged list
(at most :data:`PAGE` article buttons a page), its terms in plain words, back to the summary. ``/result``
and the 查看上次结果 button show the last finished consultation's result again, even after a restart,
until retention removes it. 重新开始 and 取消 — pressed or typed — ask first when they would wipe a
consultation. Typed text on a result screen never re-sends the whole result: a button's number or label
presses it, a question about a topic is answered, anything else gets the section buttons again.
"""

from __future__ import annotations

from typing import ClassVar

from core.commands import Command
from core.context import TurnContext
from core.desk import Desk
from desks.law_lookup import MAX_QUERY, MAX_RESULTS, article_button
from flows import callbacks as cb
from flows import screens
from flows.callbacks import Action, Press
from flows.intents import TYPED_INTENTS
from flows.model import Button, Reply, ReplyKind
from law.kb import get_article, search_articles
from storage import SessionStore
from storage.sessions import Session
from text.choices import match_choice
from text.errors import ParseError
from text.normalise import normalise
from understanding.intake import asked_topics

PAGE = 8  # article buttons on one 查看依据 page
YES_WORDS = frozenset({"确定", "确认", "是", "是的", "好", "好的", "对", "yes", "y", "1"})
NO_WORDS = frozenset({"不了", "不", "不要", "否", "算了", "继续", "no", "n", "2"})
QUESTION_MARKS = ("?", "？", "吗", "是什么", "什么是", "怎么", "会不会", "能不能", "如何", "多少", "哪")


SEARCH_MARKS = ("?", "？", "吗", "是什么", "什么是", "多少", "能不能", "会不会", "可不可以")


def _questionish(text: str) -> bool:
    """True when the text is plainly a question ("…吗", "…是什么"); "不知道怎么办了" is not searched."""
    return any(mark in normalise(text) for mark in SEARCH_MARKS)


def _word(text: str) -> str:
    return normalise(text).lower().rstrip("。.!！")


class ResultsDesk(Desk):
    """Sections, 查看依据, 名词解释, /result and the 重新开始/取消 confirmation (see the module docstring)."""

    name = "results"
    priority = 840  # before intake (850) and the consultation (900): typed text on a result screen, typed 重新开始/取消
    actions: ClassVar[frozenset[Action]] = frozenset({Action.SECTION})
    any_turn_actions: ClassVar[frozenset[Action]] = frozenset({Action.SECTION})

    def __init__(self, store: SessionStore) -> None:
        """Over the session store (for the last finished consultation)."""
        self.store = store

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """/result."""
        return (Command("result", menu="查看上次的分析结果", help="查看上次的分析结果", rank=55),)

    # ------------------------------------------------------------------------------------------ entry points

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """/result: the last result again."""
        self._last_result(ctx)

    def press(self, ctx: TurnContext, press: Press) -> None:
        """A section, the summary, a 查看依据 page, 名词解释, the last result, or a confirmation."""
        value = press.value
        if ctx.session is not None and not value.startswith("ask:"):
            ctx.session.pending.confirm = ""  # any other press answers or drops the question
        if value == "last":
            self._last_result(ctx)
            return
        if value.startswith("ask:"):
            self._ask(ctx, value.removeprefix("ask:"))
            return
        if value.startswith("do:"):
            self._do(ctx, press, value.removeprefix("do:"))
            return
        if value == "keep":
            self._keep(ctx)
            return
        session = self._result_session(ctx)
        if session is None:
            ctx.refuse(unknown=False)
            return
        kind, _, rest = value.partition(":")
        reply: Reply | None
        if kind == "m":
            reply = screens.result(ctx.registry, session, ctx.today())
        elif kind == "s":
            reply = screens.section(ctx.registry, session, ctx.today(), rest)
        elif kind == "g":
            reply = screens.glossary(ctx.registry, session, ctx.today(), rest)
        elif kind == "b":
            section_id, _, page = rest.partition(":")
            reply = self._basis(ctx, session, section_id, int(page) if page.isdigit() else 0)
        else:
            reply = None
        if reply is None:
            ctx.refuse(unknown=True)
            return
        ctx.reply(reply)

    def absorb(self, ctx: TurnContext, text: str) -> bool:
        """Typed 重新开始/取消 with a consultation under way asks first; typed text on a result screen."""
        session = ctx.session
        if session is None or session.pending.resume:
            return False
        word = _word(text)
        asked, _, turn = session.pending.confirm.partition(":")
        if asked:
            session.pending.confirm = ""
            if turn == str(session.turn) and word in YES_WORDS:
                self._do(ctx, Press(session.turn, Action.SECTION, f"do:{asked}"), asked)
                return True
            if turn == str(session.turn) and word in NO_WORDS:
                self._keep(ctx)
                return True
        intent = TYPED_INTENTS.get(word)
        if intent in ("restart", "cancel") and session.history:
            self._ask(ctx, intent)
            return True
        if intent or not self._at_result(ctx, session):
            return False
        return self._typed_on_result(ctx, session, text, word)

    # ------------------------------------------------------------------------------------------ helpers

    def _at_result(self, ctx: TurnContext, session: Session) -> bool:
        return session.state in ctx.registry.states() and ctx.registry.node(session.state).kind == "result"

    def _result_session(self, ctx: TurnContext) -> Session | None:
        """The session whose result the buttons refer to: the current one at a result, else the last one."""
        session = ctx.session
        if session is not None and self._at_result(ctx, session):
            return session
        return self._last_finished(ctx)

    def _last_finished(self, ctx: TurnContext) -> Session | None:
        """The latest consultation of this user in this chat that reached a result (closed or not)."""
        inbound = ctx.inbound
        for session in self.store.finished(inbound.chat_id, inbound.user_id):
            if session.facts.get("role") in ("creditor", "debtor") and "amount" in session.facts:
                return session
        return None

    def _last_result(self, ctx: TurnContext) -> None:
        session = self._result_session(ctx)
        if session is None:
            ctx.say("results/no_result.html.j2")
            ctx.show()
            return
        ctx.reply(screens.result(ctx.registry, session, ctx.today()))

    def _typed_on_result(self, ctx: TurnContext, session: Session, text: str, word: str) -> bool:
        """A number or label presses a button; a topic question is answered; else the sections again."""
        summary = screens.result(ctx.registry, session, ctx.today())
        buttons = [b for row in summary.buttons for b in row]
        if word.isdecimal() and len(word) <= 3 and 1 <= int(word) <= len(buttons):
            ctx.press(buttons[int(word) - 1].data)
            return True
        try:
            data = match_choice(text, [(b.data, b.label.split(" ", 1)[-1], ()) for b in buttons])
        except ParseError:
            pass
        else:
            ctx.press(data)
            return True
        topics = asked_topics(ctx.registry, normalise(text))
        if topics:
            session.pending.tries = 0
            for topic in topics[:2]:
                ctx.say("topics/answer.html.j2", **screens.topic_context(ctx.registry, topic, session.facts))
            ctx.reply(self._offer(session, summary))
            return True
        articles = search_articles(normalise(text)[:MAX_QUERY], limit=MAX_RESULTS) if _questionish(text) else []
        if articles:
            session.pending.tries = 0
            ctx.say("results/law_found.html.j2", articles=articles,
                    buttons=tuple(article_button(a.citation, a.key) for a in articles))
            ctx.reply(self._offer(session, summary))
            return True
        session.pending.tries = session.pending.tries + 1 if session.pending.tries_at == session.state else 1
        session.pending.tries_at = session.state
        ctx.reply(self._offer(session, summary, unread=True, again=session.pending.tries > 1))
        return True

    def _offer(self, session: Session, summary: Reply, unread: bool = False, again: bool = False) -> Reply:
        """The section buttons again (not the whole result), with 返回摘要; ``again``: a second miss in a
        row gets other words (never the identical error twice)."""
        rows = screens.section_rows(session, screens.shown_sections(summary))
        rows.append((Button("📋 返回摘要", cb.encode(session.turn, Action.SECTION, "m")),))
        reply = screens.notice("results/offer.html.j2", session, buttons=tuple(rows), unread=unread, again=again)
        return Reply(reply.html, reply.buttons, state=session.state,
                     kind=ReplyKind.ERROR if unread else ReplyKind.NOTICE)

    def _basis(self, ctx: TurnContext, session: Session, section_id: str, page: int) -> Reply | None:
        """A page of the articles a section cites: at most PAGE buttons, with 上一页/下一页 and 返回."""
        shown = screens.section(ctx.registry, session, ctx.today(), section_id)
        if shown is None:
            return None
        keys = list(shown.meta.get("citations", ()))
        pages = max(1, -(-len(keys) // PAGE))
        page = min(max(page, 0), pages - 1)
        rows: list[tuple[Button, ...]] = [article_button(get_article(k).citation, k)
                                          for k in keys[page * PAGE:(page + 1) * PAGE]]
        turn = session.turn
        paging: list[Button] = []
        if page > 0:
            paging.append(Button("◀️ 上一页", cb.encode(turn, Action.SECTION, f"b:{section_id}:{page - 1}")))
        if page + 1 < pages:
            paging.append(Button("下一页 ▶️", cb.encode(turn, Action.SECTION, f"b:{section_id}:{page + 1}")))
        if paging:
            rows.append(tuple(paging))
        rows.append((Button("⬅️ 返回这一节", cb.encode(turn, Action.SECTION, f"s:{section_id}")),))
        reply = screens.notice("results/basis.html.j2", session, buttons=tuple(rows), count=len(keys),
                               page=page + 1, pages=pages)
        return Reply(reply.html, reply.buttons, state=session.state, kind=ReplyKind.NOTICE)

    def _ask(self, ctx: TurnContext, what: str) -> None:
        """Ask before 重新开始/取消 wipe the consultation under way; with nothing to lose, just do it."""
        session = ctx.session
        if what not in ("restart", "cancel", "role"):
            ctx.refuse(unknown=True)
            return
        if what != "role" and (session is None or not session.history):
            ctx.press(cb.encode(session.turn if session else 0, Action.NAV, what))
            return
        assert session is not None
        turn = session.turn
        yes = {"restart": "✅ 确定重新开始", "cancel": "✅ 确定结束", "role": "✅ 确定修改身份"}[what]
        buttons = ((Button(yes,
                           cb.encode(turn, Action.SECTION, f"do:{what}")),),
                   (Button("↩️ 不了，继续", cb.encode(turn, Action.SECTION, "keep")),))
        session.pending.confirm = f"{what}:{turn}"
        ctx.reply(screens.notice("results/confirm.html.j2", session, buttons=buttons, what=what,
                                 finished=session.finished_at is not None))

    def _keep(self, ctx: TurnContext) -> None:
        """Neither restart nor cancel: say so and show the current step again."""
        ctx.say("results/kept.html.j2")
        ctx.show()

    def _do(self, ctx: TurnContext, press: Press, what: str) -> None:
        """The confirmed 重新开始/取消 (only from the screen that asked: a stale confirmation is refused)."""
        session = ctx.session
        if session is None or press.turn != session.turn or what not in ("restart", "cancel", "role"):
            ctx.refuse(unknown=False)
            return
        if what == "role":
            other = "debtor" if session.facts.get("role") == "creditor" else "creditor"
            ctx.close_session()
            ctx.open_session()
            ctx.answer({"role": other})
            return
        finished = session.finished_at is not None
        ctx.press(cb.encode(session.turn, Action.NAV, what))
        if finished:
            last = ctx.session.turn if ctx.session else 0
            ctx.reply(screens.notice("results/last_kept.html.j2", ctx.session, buttons=(
                (Button("📋 查看上次结果", cb.encode(last, Action.SECTION, "last")),),)))

