"""The one command registry: every ``/command`` is declared once, by the desk that answers it.

The private dispatcher, the Telegram command menus, the group "private only" pointer, the admin command
set, the fuzzer's command set and the /help lines are all derived from these declarations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """Where a command is answered."""

    PRIVATE = "private"  # a consultation command; in a group it gets a pointer to the private chat
    BOTH = "both"  # answered in private chats and (by the group desk) in groups
    GROUP = "group"  # groups only; in a private chat it is an unknown command
    ADMIN = "admin"  # operators only (``XIAOE_ADMIN_IDS``), private chats, never in a menu


@dataclass(frozen=True)
class Command:
    """One ``/command``: its scope, its menu texts and its line in /help (empty: not listed there).

    ``rank`` orders the menus and the /help lines (commands of several desks interleave).
    """

    name: str
    scope: Scope = Scope.PRIVATE
    menu: str = ""  # the private chat menu
    group_menu: str = ""  # the group menu
    group_admins_only: bool = False  # listed in the group menu for administrators only
    help: str = ""  # the /help line: "/name <help>"
    rank: int = 100


@dataclass(frozen=True)
class Menus:
    """The Telegram command menus: (command, description) pairs per audience."""

    private: tuple[tuple[str, str], ...]
    group: tuple[tuple[str, str], ...]
    group_admins: tuple[tuple[str, str], ...]


def ranked(commands: Iterable[Command]) -> list[Command]:
    """Commands in menu order (by rank, then declaration order)."""
    return sorted(commands, key=lambda c: c.rank)


def private_commands(commands: Iterable[Command]) -> frozenset[str]:
    """Names the private dispatcher answers for everyone (not the admin ones)."""
    return frozenset(c.name for c in commands if c.scope in {Scope.PRIVATE, Scope.BOTH})


def private_only(commands: Iterable[Command]) -> frozenset[str]:
    """Names that in a group get a pointer to the private chat."""
    return frozenset(c.name for c in commands if c.scope == Scope.PRIVATE)


def admin_commands(commands: Iterable[Command]) -> frozenset[str]:
    """Names only operators may run."""
    return frozenset(c.name for c in commands if c.scope == Scope.ADMIN)


def menus(commands: Iterable[Command]) -> Menus:
    """The three Telegram menus derived from the declarations."""
    ordered = ranked(commands)
    group = tuple((c.name, c.group_menu) for c in ordered if c.group_menu and not c.group_admins_only)
    return Menus(
        private=tuple((c.name, c.menu) for c in ordered if c.menu),
        group=group,
        group_admins=tuple((c.name, c.group_menu) for c in ordered if c.group_menu),
    )


def help_lines(commands: Iterable[Command]) -> list[tuple[str, str]]:
    """(name, text) of every command with a /help line, in menu order."""
    return [(c.name, c.help) for c in ranked(commands) if c.help]
