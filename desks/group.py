"""The group desk: what xiaoe says in group chats, where no consultation ever runs.

In a group the bot answers everyone's general questions and hands each member over to a private chat for
their own case. What reaches the desk was already filtered by the channel (commands for this bot,
mentions of it, replies to it, and group events); the desk answers:

* ``/faq`` — a menu of quick topics; ``/faq 失信`` or "@bot 失信名单是什么" — the brief answer for that
  topic (``flows/faq.yaml`` names the topics, ``messages/templates/group/faq/`` holds the answers), with a
  "私聊详细咨询" deep-link button and a "其他话题" button;
* ``/start`` — a deep-link button (``t.me/<bot>?start=<token>``) that opens the private chat; the token is
  random and opaque, maps to the group (and maybe a topic) only, and expires (``storage.groups``);
* ``/help``; the private commands (``/review``, ``/forget``...) — a pointer to the private chat;
* ``/settings`` — for administrators (the channel checks getChatMember and sets ``Inbound.is_admin``): three
  switches stored per group; everyone else gets a polite refusal;
* events: the bot added → a short introduction; removed → the group's data is deleted; members joined →
  a welcome without names, if the group switched it on.

Every group message is rendered from a fixed template: nothing a member typed is ever echoed, so no
member's amounts, names or other facts can reach the group. Buttons carry their owner's user id
(``g|<owner>|<action>|<value>``): anyone else pressing them gets the pop-up "这是其他成员的操作" and
nothing changes. Every reply is metered by ``flows.throttle``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.commands import Command, Scope
from core.context import TurnContext
from core.desk import Desk
from flows import faq, screens
from flows.callbacks import GroupAction, decode_group, encode_group
from flows.callbacks import GroupPress as GroupPress  # re-exported for tests and channels
from flows.model import BOT_ADDED, BOT_REMOVED, MEMBERS_JOINED, Button, Inbound, InboundKind, Reply, ReplyKind
from flows.spec import FlowRegistry
from flows.throttle import BUSY_KEY, LIMITED_KEY, PRESS_KEY, Ask, Verdict, judge
from storage.groups import LINK_TTL_SECONDS, SETTING_NAMES, GroupSettings, GroupStore, is_link_payload
from storage.sessions import SessionStore
from text.normalise import normalise

MENU_COLUMNS = 2
# The group button codec lives with the private one (flows.callbacks); these are its group names.
TOPIC, MENU = GroupAction.TOPIC, GroupAction.MENU
SETTING, SETTINGS_DONE = GroupAction.SETTING, GroupAction.SETTINGS_DONE
encode, decode = encode_group, decode_group


@dataclass(frozen=True)
class Plan:
    """An answer the desk intends to give, before the throttle has its say."""

    key: str  # equal keys are repeats (see flows.throttle)
    build: Callable[[], list[Reply]]
    member_limited: bool = True


class GroupDesk(Desk):
    """Answers group messages, presses and events; hands members over to private chats."""

    name = "group"
    priority = 200

    def __init__(self, store: SessionStore, registry: FlowRegistry, now: Callable[[], float] = time.time) -> None:
        """Use the core's database; ``now`` gives seconds since the epoch (a fake clock in tests)."""
        self.groups = GroupStore(store.db)
        self.registry = registry
        self.now = now
        self.bot_username: str | None = None  # set by the channel from getMe; needed for deep links
        # Commands that only make sense in a consultation: in a group they get a pointer to the private
        # chat. Derived from the command registry by the composition root.
        self.private_only: frozenset[str] = frozenset()

    # ------------------------------------------------------------------------------------------
    # desk protocol

    @classmethod
    def commands(cls) -> tuple[Command, ...]:
        """/faq and /settings (groups only; /start and /help in groups are answered here too)."""
        return (Command("faq", Scope.GROUP, group_menu="常见问题，例如 /faq 失信", rank=5),
                Command("settings", Scope.GROUP, group_menu="本群设置（仅管理员）", group_admins_only=True,
                        rank=95))

    def take_group(self, ctx: TurnContext) -> bool:
        """Every group inbound is this desk's."""
        ctx.reply(*self.handle(ctx.inbound))
        return True

    def before_command(self, ctx: TurnContext, name: str, args: str) -> None:
        """A private /start from a group's deep link: the hand-over note comes first."""
        if name == "start":
            ctx.reply(*self.handover(args))

    def forget_user(self, user_id: int) -> dict[str, int]:
        """The user's group rows (requests metered by the throttle)."""
        return self.groups.forget_user(user_id)

    # ------------------------------------------------------------------------------------------
    # public API

    def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to one group inbound (inside the engine's turn transaction)."""
        now = self.now()
        plan: Plan | None
        if inbound.kind == InboundKind.EVENT:
            return self._event(inbound, now)
        if inbound.kind == InboundKind.PRESS:
            return self._press(inbound, now)
        if inbound.kind == InboundKind.COMMAND:
            plan = self._command(inbound)
        elif inbound.kind == InboundKind.TEXT:
            plan = self._text(inbound)
        else:
            plan = None  # photos, stickers... in a group are not for us
        return self._metered(inbound, plan, now) if plan else []

    def needs_admin_check(self, inbound: Inbound) -> bool:
        """Whether the channel should look up the sender's admin status (getChatMember) before this turn.

        Only for ``/settings`` and the owner's settings buttons, and only when the throttle would let the
        request through, so a flood of ``/settings`` cannot flood getChatMember either.
        """
        if inbound.is_private:
            return False
        if inbound.kind == InboundKind.COMMAND and inbound.text == "settings":
            ask = Ask(inbound.user_id, "settings", cost=2)
        elif inbound.kind == InboundKind.PRESS:
            press = decode(inbound.text)
            if press is None or press.action != SETTING or press.owner != inbound.user_id:
                return False
            ask = Ask(inbound.user_id, PRESS_KEY, cost=2, press=True)
        else:
            return False
        log = self.groups.recent(inbound.chat_id, self.now())
        return judge(log, ask, quiet=self.groups.settings(inbound.chat_id).quiet) == Verdict.ALLOW

    def handover(self, payload: str) -> list[Reply]:
        """Private ``/start <payload>``: the notices that come before the usual start.

        A valid group token: a note that this private chat is private (plus the full answer of the topic
        the member came from, if any). An expired or unknown token: a polite explanation. Any other payload:
        nothing.
        """
        payload = payload.strip()
        if not is_link_payload(payload):
            return []
        link = self.groups.redeem_link(payload, self.now())
        if link is None:
            return [screens.notice("group/link_expired.html.j2", ttl_hours=LINK_TTL_SECONDS // 3600)]
        replies = [screens.notice("group/handover.html.j2")]
        if link.topic and faq.topic(link.topic) is not None:
            replies.append(screens.notice("topics/answer.html.j2",
                                          **screens.topic_context(self.registry, link.topic)))
        return replies

    # ------------------------------------------------------------------------------------------
    # what to answer

    def _command(self, inbound: Inbound) -> Plan:
        name, args, user = inbound.text, normalise(inbound.args), inbound.user_id
        chat_id = inbound.chat_id
        if name == "faq":
            return self._faq(chat_id, user, faq.match_topics(args) if args else [], not_found=bool(args))
        if name == "start":
            return Plan("start", lambda: [self._notice(chat_id, "group/start.html.j2", link_label="💬 私聊咨询")])
        if name == "settings":
            return Plan("settings", lambda: [self._settings_reply(chat_id, user, inbound.is_admin)])
        if name in self.private_only:
            return Plan("private_only", lambda: [self._notice(chat_id, "group/private_only.html.j2",
                                                              link_label="💬 私聊咨询", command=name)])
        return Plan("help", lambda: [self._notice(chat_id, "group/help.html.j2", link_label="💬 私聊咨询",
                                                  unknown=name != "help")])

    def _text(self, inbound: Inbound) -> Plan | None:
        """A mention of the bot or a reply to it."""
        if not self.groups.settings(inbound.chat_id).keyword_answers:
            return None
        text = inbound.text
        if self.bot_username:
            text = re.sub(f"@{re.escape(self.bot_username)}", " ", text, flags=re.IGNORECASE)
        topics = faq.match_topics(text)
        if topics:
            return self._faq(inbound.chat_id, inbound.user_id, topics, not_found=False)
        return Plan("pointer", lambda: [self._notice(inbound.chat_id, "group/private_only.html.j2",
                                                     link_label="💬 私聊咨询", command="")])

    def _faq(self, chat_id: int, user: int, topics: list[str], *, not_found: bool) -> Plan:
        if len(topics) == 1:
            return Plan(f"faq:{topics[0]}", lambda: [self._answer(chat_id, user, topics[0])])
        if topics:
            return Plan("faq:" + ",".join(topics), lambda: [self._menu(user, topics)])
        return Plan("faq:unknown" if not_found else "faq:menu", lambda: [self._menu(user, [], not_found=not_found)])

    def _event(self, inbound: Inbound, now: float) -> list[Reply]:
        chat_id = inbound.chat_id
        if inbound.text == BOT_REMOVED:
            self.groups.purge(chat_id)
            return []
        if inbound.text == BOT_ADDED:
            self.groups.ensure(chat_id)
            plan = Plan("event:intro", lambda: [self._notice(chat_id, "group/intro.html.j2",
                                                             link_label="💬 私聊咨询")], member_limited=False)
        elif inbound.text == MEMBERS_JOINED and self.groups.settings(chat_id).welcome:
            plan = Plan("event:welcome", lambda: [self._notice(chat_id, "group/welcome.html.j2",
                                                               link_label="💬 私聊咨询")], member_limited=False)
        else:
            return []
        return self._metered(Inbound(chat_id, 0, InboundKind.EVENT, inbound.text, is_private=False), plan, now)

    def _press(self, inbound: Inbound, now: float) -> list[Reply]:
        press = decode(inbound.text)
        if press is None:
            return [self._alert("stale_button.html.j2", unknown=True)]
        if press.owner != inbound.user_id:
            return [self._alert("group/alert_foreign.html.j2")]
        checked = int(inbound.is_admin is not None)
        settings = self.groups.settings(inbound.chat_id)
        verdict = judge(self.groups.recent(inbound.chat_id, now),
                        Ask(inbound.user_id, PRESS_KEY, cost=1 + checked, press=True), quiet=settings.quiet)
        if verdict != Verdict.ALLOW:
            if checked:
                self.groups.log_request(inbound.chat_id, inbound.user_id, PRESS_KEY, checked, now)
            return [self._alert("group/alert_slow.html.j2")]
        if press.action == TOPIC and faq.topic(press.value) is not None:
            reply = self._answer(inbound.chat_id, press.owner, press.value)
        elif press.action == MENU:
            reply = self._menu(press.owner, [])
        elif press.action in (SETTING, SETTINGS_DONE):
            if press.action == SETTING and (inbound.is_admin is not True or press.value not in SETTING_NAMES):
                if checked:
                    self.groups.log_request(inbound.chat_id, inbound.user_id, PRESS_KEY, checked, now)
                return [self._alert("group/alert_admin_only.html.j2")]
            if press.action == SETTING:
                settings = self.groups.toggle(inbound.chat_id, press.value)
            reply = self._settings_panel(settings, press.owner, done=press.action == SETTINGS_DONE)
        else:
            return [self._alert("stale_button.html.j2", unknown=True)]
        self.groups.log_request(inbound.chat_id, inbound.user_id, PRESS_KEY, 1 + checked, now)
        return [_replacing(reply)]

    # ------------------------------------------------------------------------------------------
    # throttle

    def _metered(self, inbound: Inbound, plan: Plan, now: float) -> list[Reply]:
        """Apply the throttle verdict to a planned answer; log what it costs."""
        chat_id, user = inbound.chat_id, inbound.user_id
        checked = int(inbound.is_admin is not None)
        quiet = self.groups.settings(chat_id).quiet
        verdict = judge(self.groups.recent(chat_id, now),
                        Ask(user, plan.key, cost=1 + checked, member_limited=plan.member_limited), quiet=quiet)
        if verdict == Verdict.ALLOW:
            replies = plan.build()
            self.groups.log_request(chat_id, user, plan.key, len(replies) + checked, now)
            return replies
        if verdict == Verdict.DROP:
            if checked:
                self.groups.log_request(chat_id, user, plan.key, checked, now)
            return []
        marker, template = ((LIMITED_KEY, "group/limited.html.j2") if verdict == Verdict.LIMITED_NOTICE
                            else (BUSY_KEY, "group/busy.html.j2"))
        self.groups.log_request(chat_id, user, marker, 1 + checked, now)
        return [screens.notice(template)]

    # ------------------------------------------------------------------------------------------
    # replies

    def _link(self, chat_id: int, topic: str | None = None) -> str:
        """A deep link into the private chat (empty when the bot's username is not known)."""
        if not self.bot_username:
            return ""
        return f"https://t.me/{self.bot_username}?start={self.groups.issue_link(chat_id, topic, self.now())}"

    def _notice(self, chat_id: int, template: str, *, link_label: str, **context: Any) -> Reply:
        """A group notice from ``template`` with a deep-link button under it."""
        url = self._link(chat_id)
        buttons = ((Button(link_label, "", url=url),),) if url else ()
        return screens.notice(template, buttons=buttons, linked=bool(url), **context)

    def _answer(self, chat_id: int, owner: int, topic_id: str) -> Reply:
        """The brief answer of one topic, with 私聊详细咨询 and 其他话题."""
        item = faq.topic(topic_id)
        assert item is not None
        quiet = self.groups.settings(chat_id).quiet
        url = self._link(chat_id, topic_id)
        rows: list[tuple[Button, ...]] = []
        if url:
            rows.append((Button("💬 私聊详细咨询", "", url=url),))
        rows.append((Button("📚 其他话题", encode(owner, MENU)),))
        return screens.notice("group/faq_answer.html.j2", buttons=tuple(rows), label=item.label, topic=topic_id,
                              quiet=quiet, linked=bool(url), **_lpr_context(self.registry, topic_id))

    def _menu(self, owner: int, topics: list[str], *, not_found: bool = False) -> Reply:
        """The topic menu (all topics, or the few a question named)."""
        items = [t for t in faq.load_faq() if not topics or t.id in topics]
        buttons = [Button(t.label, encode(owner, TOPIC, t.id)) for t in items]
        rows = tuple(tuple(buttons[i:i + MENU_COLUMNS]) for i in range(0, len(buttons), MENU_COLUMNS))
        return screens.notice("group/faq_menu.html.j2", buttons=rows, choosing=bool(topics), not_found=not_found,
                              examples=[t.label for t in items[:2]])

    def _settings_reply(self, chat_id: int, user: int, is_admin: bool | None) -> Reply:
        if is_admin is not True:
            return screens.notice("group/settings_refused.html.j2", unknown=is_admin is None)
        return self._settings_panel(self.groups.ensure(chat_id), user, done=False)

    @staticmethod
    def _settings_panel(settings: GroupSettings, owner: int, *, done: bool) -> Reply:
        labels = {"keyword_answers": "🔑 关键词自动回答", "welcome": "👋 新成员欢迎语", "quiet": "🤫 安静模式"}
        rows: tuple[tuple[Button, ...], ...] = ()
        if not done:
            rows = tuple((Button(f"{labels[name]}：{'开' if getattr(settings, name) else '关'}",
                                 encode(owner, SETTING, name)),) for name in SETTING_NAMES)
            rows += ((Button("✔️ 完成", encode(owner, SETTINGS_DONE)),),)
        return screens.notice("group/settings.html.j2", buttons=rows, settings=settings, done=done)

    @staticmethod
    def _alert(template: str, **context: Any) -> Reply:
        return screens.notice(template, kind=ReplyKind.STALE, alert=True, **context)


def _lpr_context(registry: FlowRegistry, topic_id: str) -> dict[str, Any]:
    """The figures a topic answer may need (the interest cap comes from the LPR data file)."""
    context = screens.topic_context(registry, topic_id)
    return {"lpr": context["lpr"], "cap_pct": context["cap_pct"]}


def _replacing(reply: Reply) -> Reply:
    """The same reply, shown in the pressed message itself (the channel edits it)."""
    return Reply(reply.html, reply.buttons, reply.files, reply.state, reply.kind, reply.alert,
                 {**reply.meta, "replace_pressed": True})
