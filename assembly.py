"""The composition root: the one place that knows every desk, builds them and registers them with the core.

Desk priority is the order in which desks get a say (lower first); for typed text it is the order of the
old cascade, and it matters:

====  =============  ===============================================================================
 100  privacy        an open "delete everything?" question takes any typed answer first (/forget)
 200  group          every group-chat inbound (no consultation ever runs in a group); the /start hand-over
 500  law lookup     /law, /calc and the read-only 📖 buttons
 600  admin          operator commands (``XIAOE_ADMIN_IDS``)
 800  documents      absorbs personal details from answers, prefills questions, writes the .docx
 840  results        result sections, 查看依据, /result; asks before typed 重新开始/取消; text typed on a result
 850  intake         reads stories and answers in people's words at the consultation's questions
 870  reminders      offers reminders after a result (after the documents desk's file), /reminders, .ics
 900  consultation   the flows; last, because it reads whatever typed text nobody else took
====  =============  ===============================================================================

This module may import everything below it (core, desks, recordings); only entry points (bot.py,
channels, tests, benchmarks) import it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlite_utils import Database

import clock as clock_module
from core.commands import Command, Menus, menus, private_commands, private_only
from core.desk import Desk
from core.turn import Core
from desks.admin import AdminDesk, AdminGate
from desks.consultation import ConsultationDesk
from desks.documents import DocumentDesk
from desks.group import GroupDesk
from desks.intake import IntakeDesk
from desks.law_lookup import LawLookupDesk
from desks.privacy import PrivacyDesk
from desks.reminders import ReminderDesk
from desks.results import ResultsDesk
from flows.model import Inbound
from flows.spec import FlowRegistry, load_registry
from recordings import format as fixture_format
from recordings.export import export
from recordings.format import Conversation
from storage import SessionStore, open_database
from storage.retention import Retention, retention_days_from_env

# Every desk class, in priority order (the same order the core sorts the instances into).
DESKS: tuple[type[Desk], ...] = (PrivacyDesk, GroupDesk, LawLookupDesk, AdminDesk, DocumentDesk, ResultsDesk,
                                 IntakeDesk, ReminderDesk, ConsultationDesk)


class Engine(Core):
    """The core with every desk of xiaoe registered (see the module docstring for their order)."""

    def __init__(
        self,
        store: SessionStore,
        registry: FlowRegistry | None = None,
        clock: Callable[[], date] = clock_module.today,
        group_clock: Callable[[], float] = time.time,
        documents_dir: Path | None = None,
        outbox: bool = False,
        admins: AdminGate | None = None,
    ) -> None:
        """Build every desk over one database; ``clock`` gives "today" (fixed in tests).

        ``group_clock`` gives the group desk's seconds. Generated documents are written under
        ``documents_dir`` (default ``./out``); with ``outbox`` the channel sends and deletes them
        (Telegram), and unsent ones are swept after an hour. ``admins`` decides who may run admin
        commands (default: ``XIAOE_ADMIN_IDS``). Old records are purged now and then once a day
        (``storage.retention``, ``XIAOE_RETENTION_DAYS``).
        """
        registry = registry or load_registry()
        self.group = GroupDesk(store, registry, now=group_clock)
        self.documents = DocumentDesk(store, registry, clock, documents_dir or Path("out"), outbox)
        self.admin = AdminDesk(store.db, registry, admins, exporter=export_for_admins)
        self.privacy = PrivacyDesk(Retention(store.db, retention_days_from_env()))
        self.reminders = ReminderDesk(store, documents_dir or Path("out"), outbox)
        desks = [self.privacy, self.group, LawLookupDesk(), self.admin, self.documents, ResultsDesk(store),
                 IntakeDesk(registry), self.reminders, ConsultationDesk(registry)]
        super().__init__(store, registry, desks, clock)
        self.group.private_only = private_only(self.commands())

    @property
    def retention(self) -> Retention:
        """The retention purge (``XIAOE_RETENTION_DAYS``), run before turns by the privacy desk."""
        return self.privacy.retention

    @property
    def admins(self) -> AdminGate:
        """Who may run admin commands (tests replace it)."""
        return self.admin.gate

    @admins.setter
    def admins(self, gate: AdminGate) -> None:
        self.admin.gate = gate

    def needs_admin_check(self, inbound: Inbound) -> bool:
        """For the Telegram channel: whether to look up the sender's group admin status before this turn."""
        return self.group.needs_admin_check(inbound)

    def set_bot_username(self, username: str | None) -> None:
        """The bot's @username (from getMe): group replies need it for deep links into the private chat."""
        self.group.bot_username = username


def replay_engine(db_path: Path, conversation: Conversation) -> Engine:
    """An engine on a fresh database for replaying ``conversation`` (on the day it was recorded)."""
    return Engine(SessionStore(open_database(db_path)), clock=lambda: conversation.today,
                  documents_dir=db_path.parent / f"{db_path.stem}-documents")


def export_for_admins(db: Database, last: int, title: str) -> tuple[list[Conversation], Callable[[Path], None]]:
    """``/export``: the last conversations as an anonymised fixture, and a function that saves them."""
    conversations, _ = export(SessionStore(db), last=last, title=title, engine_factory=replay_engine)
    return conversations, lambda path: fixture_format.save(path, conversations)


def all_commands() -> list[Command]:
    """Every command of every desk (the one registry), without building an engine."""
    return [command for desk in DESKS for command in desk.commands()]


def command_menus() -> Menus:
    """The Telegram command menus (private chats, groups, group administrators), derived from the desks."""
    return menus(all_commands())


def public_commands() -> frozenset[str]:
    """The commands everyone may send in a private chat (the fuzzer's set)."""
    return private_commands(all_commands())
