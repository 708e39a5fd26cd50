"""The law lookup desk: ``/law 关键词`` searches the article texts, 📖 buttons show one article in full.

Article buttons are read-only and honoured from any screen (``flows.callbacks.READ_ONLY``); the "法条"
list of a result screen shows the articles that screen cited. ``/calc`` points to the calculators.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from core.commands import Command
from core.context import TurnContext
from core.desk import Desk
from flows import callbacks as cb
from flows import screens
from flows.callbacks import Action, Press
from flows.model import Button
from law.kb import UnknownCitation, all_articles, get_article, search_articles
from text.normalise import normalise

MAX_QUERY = 100
MAX_RESULTS = 5


def law_token(key: str) -> str:
    """A short stable token for a citation key, to fit in callback data."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def article_button(citation: str, key: str) -> tuple[Button]:
    """A one-button row that shows the article ``key``."""
    return (Button(f"📖 {citation}", cb.encode(0, Action.LAW, law_token(key))),)


class LawLookupDesk(Desk):
    """/law, /calc and the article buttons."""

    name = "law"
    priority = 500
    actions: ClassVar[frozenset[Action]] = frozenset({Action.LAW})
    any_turn_actions: ClassVar[frozenset[Action]] = cb.READ_ONLY

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """/law and /calc."""
        return (
            Command("law", menu="查看法条，例如 /law 诉讼时效", help="关键词 查看法条原文（如「/law 诉讼时效」）",
                    rank=60),
            Command("calc", menu="计算器说明（诉讼费、诉讼时效等）", help="计算器说明", rank=70),
        )

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """/law searches; /calc explains the calculators."""
        if name == "calc":
            ctx.say("calc_help.html.j2")
            return
        query = normalise(args)[:MAX_QUERY]
        articles = search_articles(query, limit=MAX_RESULTS) if query else []
        buttons = tuple(article_button(a.citation, a.key) for a in articles)
        ctx.say("law_search.html.j2", query=query, articles=articles, buttons=buttons)

    def press(self, ctx: TurnContext, press: Press) -> None:
        """📖 one article, or the list of the articles the current screen cites."""
        session = ctx.session
        if press.value == "list":
            if session is None or press.turn != session.turn:
                ctx.refuse(unknown=False)
                return
            reply = screens.screen(ctx.registry, session, ctx.today())
            keys = list(reply.meta.get("citations", ()))
            buttons = tuple(article_button(get_article(k).citation, k) for k in keys)
            ctx.say("law_list.html.j2", count=len(keys), buttons=buttons)
            return
        article = article_by_token(press.value)
        if article is None:
            ctx.refuse(unknown=True)
            return
        ctx.say("law_article.html.j2", article=article)


def article_by_token(token: str) -> Any:
    """The article whose :func:`law_token` is ``token``, or None."""
    for article in all_articles():
        if law_token(article.key) == token:
            try:
                return get_article(article.key)
            except UnknownCitation:
                return None
    return None
