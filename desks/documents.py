"""The documents desk: what the core asks this desk at a few points of a turn.

The steps themselves are flow data (``flows/definitions/documents.yaml``) moved by the shared
machine like every other flow; this module decides the parts that depend on more than one answer:

* :meth:`DocumentDesk.absorb_answer` — before an answer is stored: a personal detail goes to the
  ``document_details`` table and the session facts only record that it was given (:data:`GIVEN`);
  picking a document clears the previous document's answers;
* :meth:`DocumentDesk.prefill` — whether a question can be passed without asking: it does not apply
  to the document picked (``ask_when``), its answer is a detail the user agreed to keep, or (the
  consent question) nothing personal was typed;
* :meth:`DocumentDesk.produce` — on reaching the document screen: build, render and write the .docx,
  delete the typed details unless the user agreed to keep them, and fold the document's steps in the
  undo history so that 返回 leads back to the documents menu;
* :meth:`DocumentDesk.redact_inbound` — what of a turn may be written to the transcript (personal
  details never are; the details typed this turn are marked secret, so replies show a placeholder).

It also owns the "drop my saved details" button. It is registered before the consultation desk, whose
answers it absorbs, and may import ``core``, ``flows``, ``documents``, ``law``, ``storage``, ``messages``.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from core.context import TurnContext
from core.desk import Desk
from core.turn import REDACTED
from documents.builder import Draft, build
from documents.catalogue import catalogue
from documents.render import write
from documents.userfiles import free_path, next_name, remove_user_files, user_folder
from flows.callbacks import Action, Press
from flows.intents import TYPED_INTENTS
from flows.model import InboundKind, Reply, ReplyKind
from flows.spec import FlowRegistry, Node
from law.calculation import fmt_pct
from law.fees import court_fee
from messages import render
from storage.details import KEPT_TTL, DetailsStore
from storage.sessions import Session, SessionStore
from text.formats import display as format_display
from text.normalise import normalise

FLOW = "documents"
PICK = "documents.document"
CONSENT = "keep_details"
GIVEN = "given"  # the fact recorded for a personal detail; the value lives in document_details
# Answers about the debt itself, not about one document: kept for the next document of the consultation
# (a user trial found the loan date asked again for the 催款函, the 起诉状 and the 还款协议).
DEBT_FACTS = frozenset({"loan_date", "loan_method", "interest_agreed", "interest_rate"})
OUTBOX_TTL_SECONDS = 3600  # an outbox file not sent within an hour is deleted


def filesystem_accepts(name: str) -> bool:
    """True when ``name`` can be written as a file name with this system's file name encoding."""
    try:
        name.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:
        return False
    return True


class DocumentDesk(Desk):
    """The documents part of a turn, over the core's store and registry (see the module docstring)."""

    name = "documents"
    priority = 800  # before the consultation desk (it takes no typed text, but absorbs answers)
    actions: ClassVar[frozenset[Action]] = frozenset({Action.DROP_DETAILS})

    def __init__(self, store: SessionStore, registry: FlowRegistry, clock: Callable[[], date], out_dir: Path,
                 outbox: bool = False) -> None:
        """``out_dir`` receives the files; ``outbox`` = the channel sends and deletes them (Telegram)."""
        self.store = store
        self.details = DetailsStore(store.db)
        self.registry = registry
        self.clock = clock
        self.out_dir = out_dir
        self.outbox = outbox
        self.sweep_outbox()

    # ---------------------------------------------------------------------------------- questions

    def _documents_node(self, node: Node) -> bool:
        return node.flow == FLOW and node.is_question

    def _asked_ids(self) -> list[str]:
        """The document questions whose answers belong to one document (reset when the next is picked)."""
        return [n.id for n in self.registry.flows[FLOW].questions if n.id not in DEBT_FACTS]

    def absorb_answer(self, ctx: TurnContext, node: Node, facts: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Take an answer to ``node`` before the core stores it: (facts to store, text to show or None)."""
        session = ctx.session
        assert session is not None
        if not self._documents_node(node):
            return facts, None
        if node.state == PICK:
            self._reset(session)
            return facts, None
        fmt = node.validate.get("format")
        shown = format_display(str(fmt), node.id, facts) if fmt else None
        if not node.personal:
            return facts, shown
        value = facts.get(node.id)
        if value is None:
            self.details.drop(session.user_id, node.id)
            return {node.id: None}, None
        text = str(value)
        self.details.put(session.user_id, session.id, node.id, text)
        shown = shown or text
        ctx.secret(text, shown, ctx.inbound.text.strip())
        return {node.id: GIVEN}, shown

    def _reset(self, session: Session) -> None:
        """A document is being picked: forget the previous document's answers and typed details, and
        every saved detail past its time (so an expired one is never filled in)."""
        for qid in self._asked_ids():
            for key in (qid, f"{qid}__approx", f"{qid}__unit"):
                session.facts.pop(key, None)
        self.details.drop_temporary(session.user_id)
        self.details.purge_expired()

    def prefill(self, session: Session, node: Node) -> dict[str, Any] | None:
        """The facts to set when ``node`` can be passed without asking, or None when it must be asked."""
        if not self._documents_node(node) or node.state == PICK:
            return None
        if not node.asked(session.facts):
            return {}
        if node.id in DEBT_FACTS and session.facts.get(node.id, "unknown") != "unknown" and not session.facts.get(
                f"{node.id}__approx"):
            return {}  # answered for an earlier document of this consultation
        if node.id == CONSENT:
            return None if self.details.temporary_fields(session.user_id) else {}
        if node.personal and node.id in self.details.kept_fields(session.user_id):
            return {node.id: GIVEN}
        return None

    # ---------------------------------------------------------------------------------- the file

    def _target(self, draft: Draft, today: date, session: Session) -> Path:
        doc = catalogue().document(draft.kind)
        stamp = today.isoformat()
        name = f"{draft.title}_{stamp}.docx"
        if not filesystem_accepts(name):
            name = f"{doc.ascii_name}_{stamp}.docx"
        name = next_name(session.pending.documents_made, name)
        folder = self.out_dir / secrets.token_hex(8) if self.outbox else user_folder(self.out_dir, session.user_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return free_path(folder, name)

    def forget_user(self, user_id: int) -> dict[str, int]:
        """/forget: delete the user's documents folder (the outbox deletes its files once sent)."""
        return {"documents": 0 if self.outbox else remove_user_files(self.out_dir, user_id)}

    def sweep_outbox(self, now: float | None = None) -> int:
        """Delete outbox files older than :data:`OUTBOX_TTL_SECONDS` (sending failed); returns the count."""
        if not self.outbox or not self.out_dir.is_dir():
            return 0
        limit, removed = (now or time.time()) - OUTBOX_TTL_SECONDS, 0
        for folder in self.out_dir.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < limit:
                removed += sum(1 for _ in folder.glob("*.docx"))
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def produce(self, ctx: TurnContext) -> None:
        """On reaching a document screen by answering: write the document and report it (see module doc)."""
        session = ctx.session
        assert session is not None
        node = self.registry.node(session.state)
        if node.kind != "document":
            return
        self.details.purge_expired()
        self.sweep_outbox()
        facts, today = session.facts, self.clock()
        kind = str(facts["document"])
        stored = self.details.values(session.user_id)
        kept = self.details.kept_fields(session.user_id)
        questions = [q for q in self.registry.flows[FLOW].questions if q.state != PICK and q.asked(facts)]
        personal = {q.id: stored[q.id] for q in questions if q.personal and facts.get(q.id) == GIVEN and q.id in stored}
        draft = build(kind, facts, personal, today)
        path = self._target(draft, today, session)
        write(draft, path)
        consent = facts.get(CONSENT) == "yes"
        typed = self.details.temporary_fields(session.user_id)
        if consent:
            self.details.keep(session.user_id)
        else:
            self.details.drop_temporary(session.user_id)
        if consent or kept:
            session.pending.details_kept = True
        self._fold_history(session)
        blanks = [q.label for q in questions if q.optional and q.id not in personal and q.id != CONSENT
                  and (q.personal or facts.get(q.id) is None)]
        reply = render(
            "documents/made.html.j2",
            kind=kind, title=draft.title, filename=path.name,  # the file written, "(2)" suffix included
            notes=draft.notes, context=draft.context,
            facts=facts, blanks=blanks,
            used_kept=[q.label for q in questions if q.id in kept and q.id in personal and q.id not in typed],
            kept=consent and bool(typed), dropped=not consent and bool(typed), kept_days=KEPT_TTL.days,
            fee=court_fee(draft.notes["claim"].total, "ordinary") if kind == "complaint" else None, pct=fmt_pct,
        )
        ctx.reply(Reply(reply.html, files=(path,), state=session.state, kind=ReplyKind.DOCUMENT,
                        meta={"citations": reply.citations}))

    def _fold_history(self, session: Session) -> None:
        """Mark the document's steps automatic: 返回 from the document screen goes back to the menu."""
        for index in range(len(session.history) - 1, -1, -1):
            snapshot = session.history[index]
            if snapshot.state == PICK and not snapshot.auto:
                for later in session.history[index + 1:]:
                    later.auto = True
                return

    def press(self, ctx: TurnContext, press: Press) -> None:
        """The user withdrew consent: delete every saved detail now, say so, show the screen again."""
        session = ctx.session
        assert session is not None
        count = self.details.drop_user(session.user_id)
        session.pending.details_kept = False
        session.turn += 1
        rendered = render("documents/dropped.html.j2", count=count)
        ctx.reply(Reply(rendered.html, state=session.state, kind=ReplyKind.NOTICE))
        ctx.show()

    # ---------------------------------------------------------------------------------- privacy

    def redact_inbound(self, ctx: TurnContext, said: str) -> str | None:
        """Nothing typed at a personal question reaches the transcript (None: keep ``said``)."""
        state = ctx.state_before
        if not (state and ctx.inbound.kind == InboundKind.TEXT and self.registry.node(state).personal):
            return None
        # "跳过", "返回"... typed there are not personal details: kept, so the transcript shows what happened.
        typed = normalise(ctx.inbound.text).lower().rstrip("。.!！")
        return REDACTED if typed not in TYPED_INTENTS else None

