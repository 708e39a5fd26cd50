"""Build the reply that shows a session's current state: a question, the review, a result, a topic.

Every word comes from a template in ``messages/templates``; this module only decides which
template, with which context, and which buttons.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flows import callbacks as cb
from flows.answers import display
from flows.model import Button, Reply, ReplyKind
from flows.spec import FlowRegistry, Node
from law.advice import advice_context
from law.fees import court_fee
from law.lpr import latest_row
from messages import render
from messages.glossary import terms_in
from messages.render import yuan
from messages.sections import Section, applicable, find
from messages.summary import nearest_deadline
from storage.sessions import Session

NAV_BACK, NAV_SKIP, NAV_HELP, NAV_RESTART = "back", "skip", "help", "restart"
# Results desk values (cb.SECTION): ask before 重新开始 / 取消 / a change of role wipe a consultation.
CONFIRM_RESTART, CONFIRM_CANCEL, CONFIRM_ROLE = "ask:restart", "ask:cancel", "ask:role"
GLOSSARY_MAX = 8


def progress(registry: FlowRegistry, session: Session) -> tuple[int, int] | None:
    """(step, total) of the current question on the path these facts take, or None."""
    path = registry.path(session.facts)
    if session.state not in path or registry.node(session.state).flow in {"start", "topics"}:
        return None
    return path.index(session.state) + 1, len(path)


def _nav_row(session: Session, node: Node | None) -> tuple[Button, ...]:
    row = []
    if session.history:
        row.append(Button("⬅️ 返回上一步", cb.encode(session.turn, cb.NAV, NAV_BACK)))
    if node is not None and node.optional:
        row.append(Button("⏭ 跳过", cb.encode(session.turn, cb.NAV, NAV_SKIP)))
    return tuple(row)


def question(registry: FlowRegistry, session: Session, *, error: str = "", error_details: Any = None) -> Reply:
    """The current question, with options as buttons and 返回/跳过 as a navigation row."""
    node = registry.node(session.state)
    picked = list(session.pending.picked or []) if node.kind == "multi" else []
    rows: list[tuple[Button, ...]] = []
    for option in node.offered_options(session.facts):
        if node.kind == "multi":
            mark = "✅ " if option.value in picked else "▫️ "
            rows.append((Button(mark + option.label, cb.encode(session.turn, cb.TOGGLE, option.value)),))
        else:
            rows.append((Button(option.label, cb.encode(session.turn, cb.ANSWER, option.value)),))
    if node.kind == "multi":
        rows.append((Button("✔️ 选好了", cb.encode(session.turn, cb.DONE)),))
    nav = _nav_row(session, node)
    if nav:
        rows.append(nav)
    editing = session.pending.editing and node.id in session.facts
    rendered = render(
        "question.html.j2",
        body_template=node.template,
        node=node,
        progress=progress(registry, session),
        current=display(node, session.facts) if editing else "",
        picked=[node.option_label(v) for v in picked],
        error=error,
        error_details=error_details or {},
        typed_numbers=node.kind in {"choice", "multi", "yesno"},
        facts=session.facts,  # so a question can be worded for the case (wages vs a loan)
    )
    return Reply(rendered.html, tuple(rows), state=session.state, kind=ReplyKind.ERROR if error else ReplyKind.QUESTION)


def review(registry: FlowRegistry, session: Session) -> Reply:
    """The review screen: every answer on the path, each with a 修改 button, then 确认."""
    flow = registry.node(session.state).flow
    path = [registry.node(s) for s in registry.path(session.facts)]
    items = [(n.label, display(n, session.facts)) for n in path if n.flow == flow]
    rendered = render("review.html.j2", items=items, flow=registry.flows[flow])
    rows: list[tuple[Button, ...]] = [
        (Button(f"✏️ 修改：{n.label}", cb.encode(session.turn, cb.EDIT, n.id)),)
        for n in path
        if n.flow == flow
    ]
    if flow in ("creditor", "debtor"):
        other = "债务人（我欠别人钱）" if flow == "creditor" else "债权人（别人欠我钱）"
        rows.append((Button(f"🔁 修改身份：我其实是{other}", cb.encode(session.turn, cb.SECTION, CONFIRM_ROLE)),))
    rows.append((Button("✅ 确认无误，查看分析", cb.encode(session.turn, cb.CONFIRM)),))
    nav = _nav_row(session, None)
    if nav:
        rows.append(nav)
    return Reply(rendered.html, tuple(rows), state=session.state, kind=ReplyKind.REVIEW)


SECTIONS_PER_ROW = 3


def result_context(registry: FlowRegistry, session: Session, today: date) -> tuple[str, dict[str, Any]]:
    """(role, context) of a result: the advice context plus ``role``; the role is the result's flow."""
    flow = session.state.partition(".")[0]
    role = flow if flow in ("creditor", "debtor") else str(session.facts.get("role", ""))
    context = advice_context(role, session.facts, today)  # session.flow is only updated when saved
    context["role"] = role
    return role, context


def section_rows(session: Session, shown: tuple[Section, ...]) -> list[tuple[Button, ...]]:
    """One button per section, a few to a row, in the sections' order."""
    buttons = [Button(s.label, cb.encode(session.turn, cb.SECTION, f"s:{s.id}")) for s in shown]
    return [tuple(buttons[i:i + SECTIONS_PER_ROW]) for i in range(0, len(buttons), SECTIONS_PER_ROW)]


def shown_sections(summary: Reply) -> tuple[Section, ...]:
    """The sections a summary reply offered (kept in its meta), in order."""
    role = str(summary.meta.get("role", ""))
    found = (find(role, sid) for sid in summary.meta.get("sections", ()))
    return tuple(s for s in found if s is not None)


def result(registry: FlowRegistry, session: Session, today: date) -> Reply:
    """The layered result's first message: the summary, a button per applicable section, 修改/重新开始."""
    role, context = result_context(registry, session, today)
    shown = applicable(role, context)
    deadline = nearest_deadline(role, context, session.facts, today)
    rendered = render("results/summary.html.j2", deadline=deadline, **context)
    rows: list[tuple[Button, ...]] = section_rows(session, shown)
    follow_up = follow_up_title(registry, session)
    if follow_up:
        rows.append((Button(f"📄 {follow_up}", cb.encode(session.turn, cb.DRAFT)),))
    rows.append((Button("✏️ 修改信息", cb.encode(session.turn, cb.REVISE)),
                 Button("🔄 重新开始", cb.encode(session.turn, cb.SECTION, CONFIRM_RESTART))))
    return Reply(rendered.html, tuple(rows), state=session.state, kind=ReplyKind.RESULT,
                 meta={"citations": rendered.citations, "sections": [s.id for s in shown], "role": role})


def section(registry: FlowRegistry, session: Session, today: date, section_id: str) -> Reply | None:
    """One section of the result in full, with 查看依据, 名词解释, the next section and 返回摘要; None if it
    does not apply to these facts."""
    role, context = result_context(registry, session, today)
    shown = applicable(role, context)
    found = next((s for s in shown if s.id == section_id), None)
    if found is None:
        return None
    rendered = render(found.template, **context)
    first: list[Button] = []
    if rendered.citations:
        first.append(Button("📖 查看依据",
                            cb.encode(session.turn, cb.SECTION, f"b:{found.id}:0")))
    if terms_in(rendered.html):
        first.append(Button("📘 名词解释", cb.encode(session.turn, cb.SECTION, f"g:{found.id}")))
    rows: list[tuple[Button, ...]] = [tuple(first)] if first else []
    later = shown[shown.index(found) + 1:]
    last: list[Button] = [Button("⬅️ 返回摘要", cb.encode(session.turn, cb.SECTION, "m"))]
    if later:
        last.append(Button(f"下一节：{later[0].label} ▶️", cb.encode(session.turn, cb.SECTION, f"s:{later[0].id}")))
    rows.append(tuple(last))
    return Reply(rendered.html, tuple(rows), state=session.state, kind=ReplyKind.NOTICE,
                 meta={"citations": rendered.citations, "section": found.id})


def glossary(registry: FlowRegistry, session: Session, today: date, section_id: str) -> Reply | None:
    """The plain explanation of each legal term a section uses, with 返回 to that section."""
    shown = section(registry, session, today, section_id)
    if shown is None:
        return None
    found = terms_in(shown.html)[:GLOSSARY_MAX]
    rendered = render("results/glossary.html.j2", terms=found)
    rows = ((Button("⬅️ 返回这一节", cb.encode(session.turn, cb.SECTION, f"s:{section_id}")),
             Button("📋 返回摘要", cb.encode(session.turn, cb.SECTION, "m"))),)
    return Reply(rendered.html, rows, state=session.state, kind=ReplyKind.NOTICE)


def follow_up_title(registry: FlowRegistry, session: Session) -> str:
    """The title of the flow a result leads on to ("生成文书") when it has something to offer, else ""."""
    node = registry.node(session.state)
    for branch in node.next:
        if branch.matches(session.facts):
            target = registry.node(branch.to)
            if target.is_question and target.choice_options() and not target.offered_options(session.facts):
                return ""  # nothing on that menu fits these facts
            return registry.flows[target.flow].title
    return ""


def document(registry: FlowRegistry, session: Session) -> Reply:
    """A made document's screen: another document, drop saved details (if kept), back, restart."""
    node = registry.node(session.state)
    picked = registry.node(f"{node.flow}.document") if registry.flows[node.flow].has("document") else None
    title = picked.option_label(str(session.facts.get("document", ""))).split("（")[0] if picked else ""
    rendered = render(node.template, title=title, kept=session.pending.details_kept)
    rows: list[tuple[Button, ...]] = [(Button("📄 生成其他文书", cb.encode(session.turn, cb.ANOTHER)),)]
    if session.pending.details_kept:
        rows.append((Button("🗑 删除保存的个人信息", cb.encode(session.turn, cb.DROP_DETAILS)),))
    rows.append((Button("⬅️ 返回上一步", cb.encode(session.turn, cb.NAV, NAV_BACK)),
                 Button("🔄 重新开始", cb.encode(session.turn, cb.SECTION, CONFIRM_RESTART))))
    return Reply(rendered.html, tuple(rows), state=session.state, kind=ReplyKind.NOTICE)


def topic_context(registry: FlowRegistry, topic: str, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a quick-topic answer template needs (the LPR figures come from the data file).

    ``facts``: the consultation's answers when the question is asked inside one — the role (the 坐牢
    answer differs for a creditor), the debt type, and once the amount is known the court fee for it.
    """
    lpr = latest_row()
    facts = facts or {}
    context: dict[str, Any] = {
        "topic": topic, "topic_label": registry.node("topics.topic").option_label(topic), "lpr": lpr,
        "cap_pct": (lpr.one_year_pct * 4).normalize(), "role": facts.get("role"),
        "debt_type": facts.get("debt_type"), "fee_amount": None}
    if facts.get("amount") is not None:
        amount = Decimal(str(facts["amount"]))
        context.update(fee_amount=yuan(amount), fee_ordinary=yuan(court_fee(amount, "ordinary").result),
                       fee_summary=yuan(court_fee(amount, "summary").result))
    return context


def info(registry: FlowRegistry, session: Session) -> Reply:
    """An information page (a quick legal topic) with 其他话题 / 开始个人咨询."""
    node = registry.node(session.state)
    rendered = render(node.template, **topic_context(registry, session.facts.get("topic", "")))
    rows = (
        (Button("📖 查看引用的法条", cb.encode(session.turn, cb.LAW, "list")),),
        (Button("📚 其他话题", cb.encode(session.turn, cb.MORE)),
         Button("💬 开始个人咨询", cb.encode(session.turn, cb.NAV, NAV_RESTART))),
    )
    return Reply(rendered.html, rows, state=session.state, kind=ReplyKind.RESULT,
                 meta={"citations": rendered.citations})


def screen(registry: FlowRegistry, session: Session, today: date) -> Reply:
    """Whatever the current state shows."""
    node = registry.node(session.state)
    if node.is_question:
        return question(registry, session)
    if node.kind == "review":
        return review(registry, session)
    if node.kind == "result":
        return result(registry, session, today)
    if node.kind == "document":
        return document(registry, session)
    return info(registry, session)


def notice(template: str, session: Session | None = None, *, kind: ReplyKind = ReplyKind.NOTICE, alert: bool = False,
           buttons: tuple[tuple[Button, ...], ...] = (), **context: Any) -> Reply:
    """A one-off message from a template (help, stale button, errors...)."""
    rendered = render(template, **context)
    return Reply(rendered.html, buttons, state=session.state if session else "", kind=kind, alert=alert,
                 meta={"citations": rendered.citations})
