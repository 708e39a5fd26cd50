"""The consultation engine: one :class:`Inbound` in, a list of :class:`Reply` out, one transaction.

The engine knows nothing of Telegram or terminals. A turn:

1. opens a ``BEGIN IMMEDIATE`` transaction;
2. recognises an update id it has processed before (and returns its replies again only if they
   were never delivered);
3. loads the user's session, lets the shared ``transitions`` machine move it, renders replies;
4. writes the session, transcript rows and the processed update id, and commits.

If anything fails midway the transaction rolls back, so a crash loses at most the answer being
processed, never one already acknowledged.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from transitions import MachineError

import clock as clock_module
from documents.dialogue import DocumentDesk
from flows import admin, screens
from flows import callbacks as cb
from flows.answers import display, read_pressed, read_typed, toggle
from flows.group import GroupDesk
from flows.intents import TYPED_INTENTS
from flows.machine import SharedMachine
from flows.model import Button, Inbound, InboundKind, Reply
from flows.parsers import ParseError, match_choice, normalise
from flows.spec import FlowRegistry, Node, load_registry
from law.kb import UnknownCitation, all_articles, get_article, search_articles
from storage.db import immediate
from storage.retention import Retention, retention_days_from_env
from storage.sessions import Session, SessionStore, now_iso

log = logging.getLogger(__name__)

COMMANDS = {"start", "help", "back", "skip", "restart", "review", "law", "calc", "forget", "cancel"}
MAX_AUTO_STEPS = 50
# Reply meta a channel needs when it re-sends stored replies after a crash.
STORED_META = frozenset({"replace_pressed"})
QUESTION_MARKS = ("?", "？", "吗", "是什么", "什么是", "怎么", "会不会", "能不能", "如何")


@dataclass
class Turn:
    """What one turn collects before it is written."""

    inbound: Inbound
    session: Session | None
    state_before: str | None
    replies: list[Reply] = field(default_factory=list)
    forgotten: bool = False
    secrets: set[str] = field(default_factory=set)  # personal details typed this turn: never logged


def law_token(key: str) -> str:
    """A short stable token for a citation key, to fit in callback data."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def reply_to_dict(reply: Reply, html: str | None = None) -> dict[str, Any]:
    """Serialise a reply (for the processed-updates table and fixtures); ``html`` replaces its text."""
    return {
        "html": reply.html if html is None else html,
        "buttons": [[{"label": b.label, "data": b.data, **({"url": b.url} if b.url else {})} for b in row]
                    for row in reply.buttons],
        "files": [str(f) for f in reply.files],
        "state": reply.state,
        "kind": reply.kind,
        "alert": reply.alert,
        "meta": {k: v for k, v in reply.meta.items() if k in STORED_META},
    }


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """Rebuild a reply serialised by :func:`reply_to_dict`."""
    return Reply(
        html=data["html"],
        buttons=tuple(tuple(Button(b["label"], b["data"], b.get("url", "")) for b in row) for row in data["buttons"]),
        files=tuple(Path(f) for f in data.get("files", [])),
        state=data.get("state", ""),
        kind=data.get("kind", "message"),
        alert=data.get("alert", False),
        meta=data.get("meta", {}),
    )


class Engine:
    """Runs consultations for every chat over one database."""

    def __init__(
        self,
        store: SessionStore,
        registry: FlowRegistry | None = None,
        clock: Callable[[], date] = clock_module.today,
        group_clock: Callable[[], float] = time.time,
        documents_dir: Path | None = None,
        outbox: bool = False,
        admins: admin.AdminGate | None = None,
    ) -> None:
        """Build the shared machine once; ``clock`` gives "today" (fixed in tests).

        ``group_clock`` gives the group desk's seconds. Generated documents are written under
        ``documents_dir`` (default ``./out``); with ``outbox`` the channel sends and deletes them
        (Telegram), and unsent ones are swept after an hour. ``admins`` decides who may run admin
        commands (default: ``XIAOE_ADMIN_IDS``). Old records are purged now and then once a day
        (``storage.retention``, ``XIAOE_RETENTION_DAYS``).
        """
        self.store = store
        self.registry = registry or load_registry()
        self.machine = SharedMachine(self.registry)
        self.clock = clock
        self.group = GroupDesk(store, self.registry, now=group_clock)  # group chats (flows/group.py)
        self.desk = DocumentDesk(store, self.registry, clock, documents_dir or Path("out"), outbox)
        self.admins = admins or admin.AdminGate()
        self.retention = Retention(store.db, retention_days_from_env())
        self._purge_if_due()

    # ------------------------------------------------------------------------------------------
    # public API

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Process one inbound message and return the replies to send (see module docstring)."""
        self._purge_if_due()
        try:
            with immediate(self.store.db):
                if inbound.update_id is not None:
                    seen = self.store.processed(inbound.update_id)
                    if seen is not None:
                        if seen["delivered"]:
                            return []
                        return [reply_from_dict(r) for r in json.loads(seen["replies"])]
                turn = Turn(inbound, None, None)
                turn.session = self.store.current(inbound.chat_id, inbound.user_id)
                turn.state_before = turn.session.state if turn.session else None
                self._dispatch(turn)
                self._record(turn)
                return turn.replies
        except Exception:
            # Never echo the user's text into logs: kind and ids only.
            log.exception("turn failed (chat=%s kind=%s)", inbound.chat_id, inbound.kind)
            return [screens.notice("internal_error.html.j2", kind="error")]

    def _purge_if_due(self) -> None:
        try:
            self.retention.maybe_purge()
        except Exception:  # a failed purge must never cost a turn; it is retried the next day
            log.exception("retention purge failed")

    def mark_delivered(self, update_id: int) -> None:
        """Record that the replies to ``update_id`` were all delivered."""
        with immediate(self.store.db):
            self.store.mark_delivered(update_id)

    def current_screen(self, chat_id: int, user_id: int) -> Reply | None:
        """The reply showing a user's current step (read-only), or None without a session."""
        session = self.store.current(chat_id, user_id)
        return screens.screen(self.registry, session, self.clock()) if session else None

    # ------------------------------------------------------------------------------------------
    # dispatch

    def _dispatch(self, turn: Turn) -> None:
        inbound = turn.inbound
        if not inbound.is_private:
            turn.replies.extend(self.group.handle(inbound))  # FAQ, deep links, settings: never a consultation
            return
        if inbound.kind == InboundKind.UNSUPPORTED:
            self._say(turn, "unsupported.html.j2")
            self._show(turn)
            return
        if inbound.kind == InboundKind.EDITED:
            self._say(turn, "edited.html.j2")
            self._show(turn)
            return
        if inbound.kind == InboundKind.COMMAND:
            self._command(turn, inbound.text, inbound.args)
            return
        if inbound.kind == InboundKind.PRESS:
            self._press(turn, inbound.text)
            return
        self._text(turn, inbound.text)

    def _command(self, turn: Turn, name: str, args: str) -> None:
        if name == "start":
            turn.replies.extend(self.group.handover(args))  # a deep link from a group: a note first
            self._start(turn)
        elif name == "help":
            self._help(turn)
        elif name in {"back", "skip", "restart", "cancel"}:
            self._nav(turn, name)
        elif name == "review":
            self._show_answers(turn)
        elif name == "law":
            self._law_search(turn, args)
        elif name == "calc":
            self._say(turn, "calc_help.html.j2")
        elif name == "forget":
            self._forget_prompt(turn)
        elif name in admin.ADMIN_COMMANDS:
            self._admin(turn, name, args)
        else:
            self._say(turn, "unknown_command.html.j2", kind="error")
            self._show(turn)

    def _text(self, turn: Turn, text: str) -> None:
        session = turn.session
        word = normalise(text).lower().rstrip("。.!！")
        if session and session.pending.get("forget"):
            self._forget_answer(turn, word in {"确认", "确认删除", "是", "删除", "yes", "1"})
            return
        if session and session.pending.get("resume"):
            if word in {"继续", "1", "是", "继续咨询"}:
                self._resume(turn, True)
                return
            if word in {"重新开始", "2", "重来"}:
                self._resume(turn, False)
                return
        intent = TYPED_INTENTS.get(word)
        if intent == "skip_if_optional":
            node = self._node(session)
            intent = "skip" if node is not None and node.optional else None
        if intent == "help":
            self._help(turn)
            return
        if intent:
            self._nav(turn, intent)
            return
        if session is None:
            session = turn.session = self.store.create(turn.inbound.chat_id, turn.inbound.user_id,
                                                      self.registry.initial)
            try:
                facts = read_typed(self.registry.node(session.state), text, self.clock())
            except ParseError:
                self._say(turn, "welcome.html.j2", restarted=False)
                self._show(turn)
                return
            self._answer(turn, facts)
            return
        if session.pending.get("resume"):
            session.pending.pop("resume")
        node = self.registry.node(session.state)
        if node.is_question:
            try:
                facts = read_typed(node, text, self.clock(), session.facts)
            except ParseError as err:
                topic = self._asked_topic(text) if node.flow != "topics" else None
                if topic:
                    # "支付令是什么？" in the middle of a consultation: answer, then ask again.
                    self._say(turn, "topics/answer.html.j2", **screens.topic_context(self.registry, topic))
                    self._show(turn)
                    return
                turn.replies.append(screens.question(self.registry, session, error=err.code,
                                                     error_details=err.details))
                return
            self._answer(turn, facts)
            return
        # Review, result and info screens: a typed number picks that button.
        buttons = [b for row in screens.screen(self.registry, session, self.clock()).buttons for b in row]
        if word.isdecimal() and len(word) <= 3 and 1 <= int(word) <= len(buttons):
            self._press(turn, buttons[int(word) - 1].data)
            return
        if node.kind == "review" and word in {"确认", "确认无误", "查看结果", "查看分析", "好", "ok"}:
            self._press(turn, cb.encode(session.turn, cb.CONFIRM))
            return
        # Typing a button's own text ("确认无误，查看分析", "修改信息") presses it.
        try:
            data = match_choice(text, [(b.data, _plain_label(b.label), ()) for b in buttons])
        except ParseError:
            pass
        else:
            self._press(turn, data)
            return
        if node.kind == "info":
            try:
                topic = read_typed(self.registry.node("topics.topic"), text, self.clock())
            except ParseError:
                pass
            else:
                self._fire(session, "more")
                self._answer(turn, topic)
                return
        self._say(turn, "use_buttons.html.j2", kind="error", count=len(buttons))
        self._show(turn)

    def _press(self, turn: Turn, data: str) -> None:
        press = cb.decode(data)
        session = turn.session
        if press is None:
            turn.replies.append(screens.notice("stale_button.html.j2", session, kind="stale", alert=True,
                                               unknown=True))
            return
        if press.action == cb.LAW:
            self._law_press(turn, press)
            return
        if session is None or press.turn != session.turn:
            turn.replies.append(screens.notice("stale_button.html.j2", session, kind="stale", alert=True,
                                               unknown=False))
            return
        if press.action != cb.RESUME:
            session.pending.pop("resume", None)
        if press.action == cb.RESUME:
            self._resume(turn, press.value == "yes")
        elif press.action == cb.FORGET:
            if not session.pending.get("forget"):  # the question was answered or cancelled already
                self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=False)
                return
            self._forget_answer(turn, press.value == "yes")
        elif press.action == cb.NAV:
            if press.value == "help":
                self._help(turn)
            else:
                self._nav(turn, press.value)
        elif press.action == cb.ANSWER:
            node = self._node(session)
            if node is None or not node.is_question:
                self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=False)
                return
            try:
                facts = read_pressed(node, press.value, session.facts)
            except ParseError:
                self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=True)
                return
            self._answer(turn, facts)
        elif press.action == cb.TOGGLE:
            self._toggle(turn, press.value)
        elif press.action == cb.DONE:
            self._multi_done(turn)
        elif press.action == cb.EDIT:
            self._edit(turn, press.value)
        elif press.action in {cb.CONFIRM, cb.REVISE, cb.MORE, cb.DRAFT, cb.ANOTHER}:
            trigger = {cb.CONFIRM: "confirm", cb.REVISE: "revise", cb.MORE: "more", cb.DRAFT: "draft",
                       cb.ANOTHER: "another"}[press.action]
            self._step(turn, trigger)
        elif press.action == cb.DROP_DETAILS:
            self.desk.drop_kept(turn)
            self._show(turn)

    # ------------------------------------------------------------------------------------------
    # moves

    def _node(self, session: Session | None) -> Node | None:
        return self.registry.node(session.state) if session else None

    def _fire(self, session: Session, trigger: str, **kwargs: Any) -> bool:
        try:
            return self.machine.fire(session, trigger, **kwargs)
        except MachineError:
            return False

    def _snapshot(self, session: Session, auto: bool = False) -> dict[str, Any]:
        return {
            "state": session.state,
            "facts": copy.deepcopy(session.facts),
            "editing": bool(session.pending.get("editing")),
            "auto": auto,
        }

    def _answer(self, turn: Turn, new_facts: dict[str, Any]) -> None:
        session = turn.session
        assert session is not None
        node = self.registry.node(session.state)
        snapshot = self._snapshot(session)
        new_facts, shown = self.desk.absorb(turn, node, new_facts)  # personal details leave the facts here
        session.facts.update(new_facts)
        if not self._fire(session, "answer"):
            session.facts = snapshot["facts"]
            self._say(turn, "internal_error.html.j2", kind="error")
            return
        session.history.append(snapshot)
        session.pending.pop("picked", None)
        session.pending.pop("resume", None)
        turn.replies.append(screens.notice("ack.html.j2", session, kind="ack", label=node.label,
                                           answer=shown or display(node, session.facts)))
        self._auto_advance(session)
        self.desk.produce(turn)
        self._arrive(turn)

    def _auto_advance(self, session: Session) -> None:
        """Walk past questions that need no asking, each a real transition: while editing, those already
        answered; in the documents flow, those the desk can fill (see ``DocumentDesk.prefill``)."""
        for _ in range(MAX_AUTO_STEPS):
            node = self.registry.node(session.state)
            if not node.is_question:
                return
            editing = session.pending.get("editing") and node.id in session.facts
            fill = {} if editing else self.desk.prefill(session, node)
            if fill is None:
                return
            snapshot = self._snapshot(session, auto=True)
            session.facts.update(fill)
            if not self._fire(session, "answer"):
                session.facts = snapshot["facts"]
                return
            session.history.append(snapshot)

    def _arrive(self, turn: Turn) -> None:
        """Bookkeeping after a move, then show the new state."""
        session = turn.session
        assert session is not None
        session.turn += 1
        session.pending.pop("resume", None)  # a move answers "continue or restart?" (/back after /start)
        node = self.registry.node(session.state)
        if node.kind == "review":
            session.pending.pop("editing", None)
        if node.kind == "result" and session.finished_at is None:
            session.finished_at = now_iso()
            session.status = "finished"
        self._show(turn)

    def _step(self, turn: Turn, trigger: str, **kwargs: Any) -> None:
        session = turn.session
        assert session is not None
        snapshot = self._snapshot(session)
        if not self._fire(session, trigger, **kwargs):
            self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=False)
            return
        session.history.append(snapshot)
        self._arrive(turn)

    def _edit(self, turn: Turn, target: str) -> None:
        session = turn.session
        assert session is not None
        snapshot = self._snapshot(session)
        if not self._fire(session, "edit", target=target):
            self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=True)
            return
        session.history.append(snapshot)
        session.pending["editing"] = True
        node = self.registry.node(session.state)
        if node.kind == "multi":
            session.pending["picked"] = list(session.facts.get(node.id) or [])
        self._arrive(turn)

    def _back(self, turn: Turn) -> None:
        session = turn.session
        if session is None or not session.history:
            self._say(turn, "no_back.html.j2")
            self._show(turn)
            return
        undone = dict(session.facts)
        while session.history:
            top = session.history[-1]
            if not self._fire(session, "back"):
                break
            session.history.pop()
            session.facts = top["facts"]
            if top["editing"]:
                session.pending["editing"] = True
            else:
                session.pending.pop("editing", None)
            if not top["auto"]:
                break
        session.pending.pop("picked", None)
        node = self.registry.node(session.state)
        if node.kind == "multi" and undone.get(node.id):
            # Back to a multi-choice question: show the picks being undone, ready to change or confirm.
            session.pending["picked"] = list(undone[node.id])
        if session.status == "finished" and self.registry.node(session.state).kind != "result":
            session.status = "active"
        self._arrive(turn)

    def _toggle(self, turn: Turn, value: str) -> None:
        session = turn.session
        assert session is not None
        node = self.registry.node(session.state)
        if node.kind != "multi":
            self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=False)
            return
        try:
            session.pending["picked"] = toggle(node, list(session.pending.get("picked", [])), value)
        except ParseError:
            self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=True)
            return
        session.turn += 1
        reply = screens.question(self.registry, session)
        turn.replies.append(Reply(reply.html, reply.buttons, state=reply.state, kind="question",
                                  meta={"replace_pressed": True}))

    def _multi_done(self, turn: Turn) -> None:
        session = turn.session
        assert session is not None
        node = self.registry.node(session.state)
        picked = list(session.pending.get("picked", []))
        if node.kind != "multi":
            self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=False)
            return
        if not picked:
            turn.replies.append(screens.question(self.registry, session, error="multi_empty"))
            return
        self._answer(turn, {node.id: picked})

    def _nav(self, turn: Turn, action: str) -> None:
        session = turn.session
        if action == "restart":
            if session is not None:
                self.store.close(session)
            turn.session = self.store.create(turn.inbound.chat_id, turn.inbound.user_id, self.registry.initial)
            self._say(turn, "welcome.html.j2", restarted=True)
            self._show(turn)
        elif action == "cancel":
            if session is not None:
                self.store.close(session)
            self._say(turn, "cancelled.html.j2")
        elif session is None:
            self._start(turn)
        elif action == "back":
            self._back(turn)
        elif action == "skip":
            node = self.registry.node(session.state)
            if node.is_question and node.optional:
                self._answer(turn, {node.id: None})
            else:
                self._say(turn, "cannot_skip.html.j2", kind="error")
                self._show(turn)
        else:
            self._say(turn, "unknown_command.html.j2", kind="error")
            self._show(turn)

    def _start(self, turn: Turn) -> None:
        session = turn.session
        if session is not None and session.finished_at is None and session.history:
            session.pending["resume"] = True
            step = screens.progress(self.registry, session)
            buttons = ((Button("▶️ 继续上次的咨询", cb.encode(session.turn, cb.RESUME, "yes")),),
                       (Button("🔄 重新开始", cb.encode(session.turn, cb.RESUME, "no")),))
            turn.replies.append(screens.notice("resume.html.j2", session, buttons=buttons, step=step,
                                               label=self.registry.node(session.state).label))
            return
        if session is not None and session.history:
            self.store.close(session)
            session = None
        if session is None:
            session = turn.session = self.store.create(turn.inbound.chat_id, turn.inbound.user_id,
                                                      self.registry.initial)
        self._say(turn, "welcome.html.j2", restarted=False)
        self._show(turn)

    def _resume(self, turn: Turn, keep: bool) -> None:
        session = turn.session
        assert session is not None
        session.pending.pop("resume", None)
        if keep:
            self._show(turn)
        else:
            self._nav(turn, "restart")

    def _help(self, turn: Turn) -> None:
        self._say(turn, "help.html.j2")
        self._show(turn)

    def _show_answers(self, turn: Turn) -> None:
        session = turn.session
        if session is None:
            self._start(turn)
            return
        nodes = [self.registry.node(s) for s in self.registry.path(session.facts)]
        items = [(n.label, display(n, session.facts)) for n in nodes if n.id in session.facts]
        self._say(turn, "answers_so_far.html.j2", items=items)
        self._show(turn)

    # ------------------------------------------------------------------------------------------
    # law, privacy

    def _law_search(self, turn: Turn, query: str) -> None:
        query = normalise(query)[:100]
        articles = search_articles(query, limit=5) if query else []
        buttons = tuple((Button(f"📖 {a.citation}", cb.encode(0, cb.LAW, law_token(a.key))),) for a in articles)
        self._say(turn, "law_search.html.j2", query=query, articles=articles, buttons=buttons)

    def _law_press(self, turn: Turn, press: cb.Press) -> None:
        session, value = turn.session, press.value
        if value == "list":
            if session is None or press.turn != session.turn:
                self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=False)
                return
            reply = screens.screen(self.registry, session, self.clock())
            keys = list(reply.meta.get("citations", ()))
            buttons = tuple(
                (Button(f"📖 {get_article(k).citation}", cb.encode(0, cb.LAW, law_token(k))),) for k in keys
            )
            self._say(turn, "law_list.html.j2", count=len(keys), buttons=buttons)
            return
        article = self._article_by_token(value)
        if article is None:
            self._say(turn, "stale_button.html.j2", kind="stale", alert=True, unknown=True)
            return
        self._say(turn, "law_article.html.j2", article=article)

    def _asked_topic(self, text: str) -> str | None:
        """The quick topic a typed question is about ("失信名单是什么？"), if it clearly names one."""
        cleaned = normalise(text)
        if not any(mark in cleaned for mark in QUESTION_MARKS):
            return None
        try:
            return read_typed(self.registry.node("topics.topic"), cleaned, self.clock())["topic"]
        except ParseError:
            return None

    @staticmethod
    def _article_by_token(token: str) -> Any:
        for article in all_articles():
            if law_token(article.key) == token:
                try:
                    return get_article(article.key)
                except UnknownCitation:
                    return None
        return None

    def _admin(self, turn: Turn, name: str, args: str) -> None:
        request = admin.AdminRequest(self.store.db, self.registry, args, admin.now_utc())
        replies = self.admins.run(name, turn.inbound.user_id, request)
        if replies is None:
            self._say(turn, "admin/refused.html.j2", kind="error")
            self._show(turn)
        else:
            turn.replies.extend(replies)

    def _forget_prompt(self, turn: Turn) -> None:
        session = turn.session
        if session is None:
            session = turn.session = self.store.create(turn.inbound.chat_id, turn.inbound.user_id,
                                                      self.registry.initial)
        session.pending["forget"] = True
        buttons = ((Button("🗑 确认删除我的全部数据", cb.encode(session.turn, cb.FORGET, "yes")),),
                   (Button("取消", cb.encode(session.turn, cb.FORGET, "no")),))
        self._say(turn, "forget_confirm.html.j2", buttons=buttons)

    def _forget_answer(self, turn: Turn, confirmed: bool) -> None:
        session = turn.session
        assert session is not None
        session.pending.pop("forget", None)
        if not confirmed:
            self._say(turn, "forget_cancelled.html.j2")
            self._show(turn)
            return
        counts = self.store.forget_user(turn.inbound.user_id)
        counts.update(self.group.groups.forget_user(turn.inbound.user_id))
        counts["documents"] = self.desk.forget_files(turn.inbound.user_id)
        turn.forgotten = True
        turn.session = None
        self._say(turn, "forgotten.html.j2", counts=counts)

    # ------------------------------------------------------------------------------------------
    # output and records

    def _say(self, turn: Turn, template: str, *, kind: str = "notice", alert: bool = False,
             buttons: tuple[tuple[Button, ...], ...] = (), **context: Any) -> None:
        turn.replies.append(screens.notice(template, turn.session, kind=kind, alert=alert, buttons=buttons,
                                           **context))

    def _show(self, turn: Turn) -> None:
        session = turn.session
        if session is None:
            return
        if session.pending.get("resume"):
            return
        turn.replies.append(screens.screen(self.registry, session, self.clock()))

    def _record(self, turn: Turn) -> None:
        inbound, session = turn.inbound, turn.session
        state_after = session.state if session else None
        replies = [r if r.state == (state_after or "") else _with_state(r, state_after or "") for r in turn.replies]
        turn.replies = replies
        if turn.forgotten:
            # Nothing about this user may remain, not even this turn: only the bare update id (and the
            # "deleted" notice, which holds counts only), so a copy of this update is not played again.
            if inbound.update_id is not None:
                self.store.mark_forgotten_update(inbound.update_id, [reply_to_dict(r) for r in replies])
            return
        if session is not None:
            self.store.save(session)
        if not inbound.is_private:
            # Group messages are not kept: they could carry other members' words.
            if inbound.update_id is not None:
                self.store.mark_processed(inbound.update_id, inbound.chat_id, inbound.user_id,
                                          [reply_to_dict(r) for r in replies])
            return
        said = inbound.text if inbound.kind != InboundKind.COMMAND else f"/{inbound.text} {inbound.args}".strip()
        said = self.desk.loggable_inbound(turn, said)
        self.store.log(session, inbound.chat_id, inbound.user_id, "in", inbound.kind.value, said,
                       state_before=turn.state_before, state_after=state_after, update_id=inbound.update_id)
        for reply in replies:
            self.store.log(session, inbound.chat_id, inbound.user_id, "out", reply.kind,
                           self.desk.loggable_reply(turn, reply.html),
                           buttons=[[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons],
                           state_before=turn.state_before, state_after=state_after, update_id=inbound.update_id)
        if inbound.update_id is not None:
            self.store.mark_processed(inbound.update_id, inbound.chat_id, inbound.user_id,
                                      [reply_to_dict(r, self.desk.loggable_reply(turn, r.html)) for r in replies])


def _plain_label(label: str) -> str:
    """A button label without its leading emoji, for matching typed text."""
    return label.split(" ", 1)[1] if " " in label and not label[0].isalnum() else label


def _with_state(reply: Reply, state: str) -> Reply:
    return Reply(reply.html, reply.buttons, reply.files, state, reply.kind, reply.alert, reply.meta)
