"""The core and its desk protocol: the one command registry, desk priority, typed state, the button codec."""

from __future__ import annotations

import json
from typing import ClassVar

from assembly import DESKS, Engine, all_commands, command_menus, public_commands
from core.commands import Command, Scope, help_lines, menus, private_only
from core.context import TurnContext
from core.desk import Desk
from core.turn import Core
from desks.admin import ADMIN_COMMANDS
from flows import callbacks as cb
from flows.callbacks import Action, GroupAction
from flows.model import Inbound, Reply, ReplyKind
from storage.state import Pending, Snapshot
from tests.conftest import Chat


class HotlineDesk(Desk):
    """The example of docs/desks.md, replying without a template."""

    name = "hotline"
    priority = 700
    actions: ClassVar[frozenset[Action]] = frozenset()

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        return (Command("hotline", menu="免费法律帮助热线", help="免费法律帮助热线", rank=75),)

    def command(self, ctx: TurnContext, name: str, args: str) -> None:
        ctx.reply(Reply("拨打 12348", kind=ReplyKind.NOTICE))
        ctx.show()

    def absorb(self, ctx: TurnContext, text: str) -> bool:
        if text.strip() != "热线":
            return False
        self.command(ctx, "hotline", "")
        return True


def with_hotline(engine: Engine) -> Core:
    return Core(engine.store, engine.registry, [*engine.desks, HotlineDesk()], engine.clock)


def test_the_menus_come_from_the_desks_declarations() -> None:
    found = command_menus()
    assert [c for c, _ in found.private] == ["start", "help", "back", "restart", "review", "result", "law", "reminders",
                                              "calc", "forget", "cancel"]
    assert [c for c, _ in found.group] == ["faq", "start", "help"]
    assert [c for c, _ in found.group_admins] == ["faq", "start", "help", "settings"]
    assert public_commands() == {"start", "help", "back", "skip", "restart", "review", "result", "law", "reminders",
                                 "calc", "forget", "cancel"}
    assert private_only(all_commands()) == {"back", "skip", "restart", "review", "result", "law", "reminders", "calc",
                                            "forget", "cancel"}
    listed = {c for menu in (found.private, found.group, found.group_admins) for c, _ in menu}
    assert not listed & set(ADMIN_COMMANDS)
    assert {c.name for c in all_commands() if c.scope == Scope.ADMIN} == set(ADMIN_COMMANDS)


def test_the_registered_desks_are_the_declared_ones_in_priority_order(engine: Engine) -> None:
    assert [type(d) for d in engine.desks] == list(DESKS)
    priorities = [d.priority for d in engine.desks]
    assert priorities == sorted(priorities) and len(set(priorities)) == len(priorities)
    assert engine.group.private_only == private_only(engine.commands())
    owners = [d for action in Action for d in engine.desks if action in d.actions]
    assert len(owners) == len(Action)  # every button action has exactly one desk


def test_a_new_desk_is_one_class_registered_once(engine: Engine) -> None:
    core = with_hotline(engine)
    chat = Chat(core, 5, 5)  # type: ignore[arg-type]
    chat.say("/start")
    assert chat.say("/hotline")[0].html == "拨打 12348" and chat.state == "start.role"
    assert chat.say("热线")[0].html == "拨打 12348"  # absorbed before the consultation reads it
    assert "/hotline 免费法律帮助热线" in chat.say("/help")[0].html  # /help derives from the registry
    assert ("hotline", "免费法律帮助热线") in menus(core.commands()).private
    assert "hotline" in private_only(core.commands())
    assert "12348" not in Chat(engine, 6, 6).say("/hotline")[0].html  # not registered there: unknown command


def test_priority_is_the_order_of_the_old_cascade(engine: Engine) -> None:
    chat = Chat(engine, 7, 7)
    chat.say("/start")
    chat.say("/forget")
    chat.say("返回")  # a navigation word while "delete everything?" is open: privacy takes it, as a "no"
    assert chat.last[0].html == "好的，没有删除任何数据。" and chat.state == "start.role"  # not moved back
    assert chat.session() is not None and not chat.session().pending.forget


def test_pending_state_and_snapshots_store_the_same_json_as_before() -> None:
    assert Pending().to_dict() == {}
    stored = {"editing": True, "picked": [], "resume": True}
    assert Pending.from_dict(stored).to_dict() == stored
    assert Pending.from_dict({"forget": True, "details_kept": True}) == Pending(forget=True, details_kept=True)
    snapshot = {"state": "creditor.amount", "facts": {"role": "creditor"}, "editing": False, "auto": True}
    assert json.dumps(Snapshot.from_dict(snapshot).to_dict()) == json.dumps(snapshot)


def test_one_codec_for_private_and_group_buttons() -> None:
    data = cb.encode(3, Action.TOGGLE, "wages")
    assert data == "3|t|wages" and cb.decode(data) == cb.Press(3, Action.TOGGLE, "wages")
    assert cb.decode_group(data) is None and cb.decode("g|5|t|x") is None
    group = cb.encode_group(5, GroupAction.TOPIC, "x")
    assert cb.decode_group(group) == cb.GroupPress(5, GroupAction.TOPIC, "x")
    for bad in ["", "x|a|b", "²|a|b", "1|Y|b", "1|a", "g|²|t|x", "g|1|q|x"]:
        assert cb.decode(bad) is None and cb.decode_group(bad) is None


def test_reply_kinds_are_an_enum_and_stay_strings_on_the_wire(engine: Engine) -> None:
    replies = engine.handle(Inbound.typed(9, 9, "/start"))
    assert all(isinstance(r.kind, ReplyKind) for r in replies)
    assert Reply("x", kind="ack").kind is ReplyKind.ACK  # type: ignore[arg-type]
    assert json.dumps([r.kind for r in replies]) == '["notice", "question"]'


def test_help_lines_follow_the_menu_rank() -> None:
    expected = ["review", "result", "law", "reminders", "calc", "forget"]
    assert [name for name, _ in help_lines(all_commands())] == expected


def test_play_tells_the_session_turn_the_channel_would_otherwise_read_again(engine: Engine) -> None:
    from core.turn import KNOWN_LATER

    inbounds = [Inbound.typed(5, 5, "/start", update_id=1), Inbound.typed(5, 5, "我是债权人", update_id=2),
                Inbound.typed(5, 5, "乱七八糟", update_id=3), Inbound.typed(5, 5, "/cancel", update_id=4),
                Inbound.typed(5, 5, "确定", update_id=5)]
    for inbound in inbounds:
        played = engine.play(inbound)
        session = engine.session_of(5, 5)
        assert played.session_turn == (session.turn if session else None), inbound.text
    assert engine.session_of(5, 5) is None  # the last turn cancelled: no session, nothing current
    again = engine.play(inbounds[1])  # re-delivered before it was marked delivered: its stored replies
    assert again.replies and again.session_turn == KNOWN_LATER  # the turn was not played: unknown here
