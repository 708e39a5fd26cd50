"""Operator-only commands (``/stats``...), for the Telegram user ids listed in ``XIAOE_ADMIN_IDS``.

Everyone else gets a polite refusal, and the commands are not in the public command menu. A new admin
command is one decorated function::

    @admin_command("export")
    def export(request: AdminRequest) -> list[Reply]:
        ...

Admin replies carry aggregate figures only — never another user's id, name or words. The export
itself (``recordings.export``) sits above the desks: the composition root hands it in as an
:data:`Exporter`, so this desk never imports ``recordings``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

import clock
from core.commands import Command, Scope
from core.context import TurnContext
from core.desk import Desk
from flows import screens
from flows.model import Reply, ReplyKind
from flows.spec import FlowRegistry
from storage.stats import aggregate_stats

log = logging.getLogger(__name__)


class ExportError(ValueError):
    """What was asked for cannot be exported (raised by an :data:`Exporter`)."""


# (database, last N conversations, title) -> (conversations, saver writing them to a path)
Exporter = Callable[[Database, int, str], tuple[list[Any], Callable[[Path], None]]]


@dataclass(frozen=True)
class AdminRequest:
    """What an admin command may use: the database, the flows, the command's arguments, the time."""

    db: Database
    registry: FlowRegistry
    args: str
    now: datetime
    exporter: Exporter | None = None


AdminHandler = Callable[[AdminRequest], list[Reply]]
ADMIN_COMMANDS: dict[str, AdminHandler] = {}


def admin_command(name: str) -> Callable[[AdminHandler], AdminHandler]:
    """Register ``/name`` as an admin-only command handled by the decorated function."""

    def register(handler: AdminHandler) -> AdminHandler:
        ADMIN_COMMANDS[name] = handler
        return handler

    return register


def parse_admin_ids(raw: str | None) -> frozenset[int]:
    """Telegram user ids from a comma- (or space-) separated list; anything else is ignored with a warning."""
    ids: set[int] = set()
    for part in (raw or "").replace(",", " ").split():
        try:
            ids.add(int(part))
        except ValueError:
            log.warning("XIAOE_ADMIN_IDS: ignoring an entry that is not a number")
    return frozenset(ids)


class AdminGate:
    """Decides who may run admin commands and runs them."""

    def __init__(self, admin_ids: Iterable[int] | None = None) -> None:
        """``admin_ids`` (default: ``XIAOE_ADMIN_IDS`` from the environment; empty means nobody)."""
        self.admin_ids = (frozenset(admin_ids) if admin_ids is not None
                          else parse_admin_ids(os.environ.get("XIAOE_ADMIN_IDS")))

    def allows(self, user_id: int) -> bool:
        """True for the configured admin ids only."""
        return user_id in self.admin_ids

    def run(self, name: str, user_id: int, request: AdminRequest) -> list[Reply] | None:
        """The replies of admin command ``name``; None when ``user_id`` may not run it (the caller refuses)."""
        if not self.allows(user_id):
            log.info("admin command refused (user %s)", user_id)
            return None
        return ADMIN_COMMANDS[name](request)


class AdminDesk(Desk):
    """The operator commands of :data:`ADMIN_COMMANDS`, behind an :class:`AdminGate`."""

    name = "admin"
    priority = 600

    def __init__(self, db: Database, registry: FlowRegistry, gate: AdminGate | None = None,
                 exporter: Exporter | None = None) -> None:
        """``gate`` decides who may run them (default: ``XIAOE_ADMIN_IDS``); ``exporter`` serves /export."""
        self.db = db
        self.registry = registry
        self.gate = gate or AdminGate()
        self.exporter = exporter

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """One admin command per registered handler (never in a menu)."""
        return tuple(Command(name, Scope.ADMIN) for name in ADMIN_COMMANDS)

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        """Run the command for an admin; refuse everyone else politely."""
        request = AdminRequest(self.db, self.registry, args, now_utc(), self.exporter)
        replies = self.gate.run(name, ctx.inbound.user_id, request)
        if replies is None:
            ctx.say("admin/refused.html.j2", kind=ReplyKind.ERROR)
            ctx.show()
        else:
            ctx.reply(*replies)


def now_utc() -> datetime:
    """The current time in UTC (admin requests are stamped with it)."""
    return clock.now_utc()


# ------------------------------------------------------------------------------------------ commands


@admin_command("stats")
def stats(request: AdminRequest) -> list[Reply]:
    """Usage figures: users, consultations per flow and status, turns, undeliverable replies."""
    figures = aggregate_stats(request.db, request.now)
    titles = {flow_id: flow.title for flow_id, flow in request.registry.flows.items()}
    return [screens.notice("admin/stats.html.j2", figures=figures, titles=titles)]


EXPORT_MAX = 20  # conversations per /export


@admin_command("export")
def export(request: AdminRequest) -> list[Reply]:
    """``/export [N]``: the last N conversations (default 1) as an anonymised fixture file (recordings/)."""
    words = request.args.split()
    # ASCII digits only: "²".isdigit() is True but int("²") fails (found by the fuzzer).
    if len(words) > 1 or (words and (not re.fullmatch(r"[0-9]{1,3}", words[0])
                                     or not 1 <= int(words[0]) <= EXPORT_MAX)):
        return [screens.notice("admin/export.html.j2", usage=True, max=EXPORT_MAX, count=0, turns=0)]
    count = int(words[0]) if words else 1
    try:
        if request.exporter is None:
            raise ExportError("no exporter configured")
        conversations, save = request.exporter(request.db, count, f"管理员导出 {request.now:%Y-%m-%d}")
    except (ExportError, ValueError):
        return [screens.notice("admin/export.html.j2", usage=False, max=EXPORT_MAX, count=0, turns=0)]
    folder = Path(tempfile.mkdtemp(prefix="xiaoe-export-"))  # 0700; the channel deletes the file once sent
    path = folder / f"xiaoe-export-{request.now:%Y%m%d-%H%M%S}.yaml"
    save(path)
    path.chmod(0o600)
    turns = sum(len(c.turns) for c in conversations)
    reply = screens.notice("admin/export.html.j2", usage=False, max=EXPORT_MAX, count=len(conversations),
                           turns=turns)
    return [Reply(reply.html, files=(path,), kind=ReplyKind.DOCUMENT)]
