"""People's questions after a result and in the middle of the questions (user trial 2026-12-07): cost,
会被起诉吗, 不去开庭, 答辩期, 拘留 (role-aware), 催收 of family and colleagues, 没有借条, 劳动局; a question
no topic covers goes to the article search; a second miss never repeats the first error text."""

from __future__ import annotations

from conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, Chat

from flows.screens import topic_context
from flows.spec import load_registry
from messages import html_to_text
from messages.render import render


def _finish(chat: Chat, answers: list[str]) -> None:
    for answer in answers:
        chat.say(answer)
    chat.press("确认无误")
    assert chat.state.endswith(".result")


def test_cost_after_the_result_gives_the_fee_for_the_amount_and_legal_aid(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)  # 三千五: under 10,000 → 50 yuan, half 25 (诉讼费用交纳办法第十三条、第十六条)
    for question in ["要花多少钱", "打官司要多少钱", "要请律师不"]:
        chat.say(question)
        assert "按你的金额 3,500.00元" in chat.text and "50.00元" in chat.text and "25.00元" in chat.text
        assert "12348" in chat.text and "不是一定要请律师" in chat.text
        assert chat.state == "creditor.result"


def test_a_creditor_asking_about_jail_gets_the_creditor_answer(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)
    chat.say("他这样不给钱会坐牢吗")
    assert "欠钱不还本身是民事纠纷，不是犯罪" in chat.text and "拒不执行判决、裁定罪" in chat.text
    assert "恶意透支" not in chat.text and "你所扶养家属" not in chat.text


def test_wage_creditor_jail_answer_names_the_wage_crime() -> None:
    registry = load_registry()
    text = html_to_text(render("topics/answer.html.j2", **topic_context(registry, "jail", {"role": "creditor",
                                                                                  "debt_type": "wages"})).html)
    assert "拒不支付劳动报酬罪" in text and "第二百七十六条之一" in text and "责令支付仍不支付" in text
    loan = html_to_text(render("topics/answer.html.j2", **topic_context(registry, "jail", {"role": "creditor",
                                                                                  "debt_type": "loan"})).html)
    assert "拒不支付劳动报酬罪" not in loan


def test_debtor_questions_after_the_result(chat: Chat) -> None:
    _finish(chat, DEBTOR_ANSWERS)
    chat.say("会被拘留吗")
    assert "只是逾期没还钱（比如逾期几个月）本身不是犯罪" in chat.text and "非法占有为目的" in chat.text
    assert "司法拘留" in chat.text and "第二百五十二条" in chat.text and "十五日" in chat.text
    chat.say("我不去开庭会怎么样")
    assert "可以缺席判决" in chat.text and "第一百四十七条" in chat.text
    chat.say("缺席判决")  # no question mark: still answered
    assert "可以缺席判决" in chat.text
    chat.say("答辩期是什么意思")
    assert "十五日内" in chat.text and "第一百二十八条" in chat.text and "不影响法院审理" in chat.text
    chat.say("会被起诉吗")
    assert "不是犯罪" in chat.text and "答辩状" in chat.text
    chat.say("他们打给我爸妈和同事 这个违法吗")
    assert "不得对无关第三人催收" in chat.text
    chat.say("会上征信吗")
    assert "5年" in chat.text
    assert chat.state == "debtor.result"


def test_creditor_practical_questions(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)
    chat.say("没有借条能告赢吗")
    assert "转账记录" in chat.text and "第十六条" in chat.text and "不能保证结果" in chat.text
    chat.say("咋个告 我只晓得名字和电话")
    assert "明确的被告" in chat.text and "公告送达" in chat.text
    chat.say("可以找劳动局不")
    assert "劳动行政部门" in chat.text and "12333" in chat.text and "第九条" in chat.text


def test_an_uncovered_question_goes_to_the_article_search(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)
    chat.say("再审是什么？")
    assert "可能相关的法条" in chat.text and "12348" in chat.text
    assert any("📖" in label for label, _ in chat.buttons) or any(
        "📖" in label for reply in chat.last for row in reply.buttons for label in [b.label for b in row])


def test_a_second_miss_never_repeats_the_same_error(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)
    chat.say("我真的不知道怎么办了")
    first = chat.text
    assert "没能理解" in first
    chat.say("唉")
    assert chat.text != first and "12348" in chat.text
    chat.say("要花多少钱")  # an answer resets the count
    chat.say("唉")
    assert "没能理解" in chat.text


def test_a_cost_question_in_the_middle_of_the_questions_is_answered(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    state = chat.state
    chat.say("打官司要多少钱？")
    assert "受理费" in chat.text and "12348" in chat.text
    assert chat.state == state


def test_enforcement_topic_says_the_two_years_can_be_interrupted(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)
    chat.say("过了两年还能申请吗 他要是说过期了怎么办")
    assert "重新计算二年" in chat.text and "仍然受理" in chat.text and "第四百八十一条" in chat.text


def test_a_creditor_asking_about_the_dishonest_list_is_told_he_can_apply(chat: Chat) -> None:
    _finish(chat, CREDITOR_ANSWERS)
    chat.say("能让他上失信吗")
    assert "你可以向执行法院申请把对方纳入失信名单" in chat.text and "第五条" in chat.text


def test_a_creditor_asking_about_jail_mid_flow_gets_the_creditor_answer(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")  # creditor
    chat.say("他这样不给钱会坐牢吗？")
    assert "欠钱不还本身是民事纠纷，不是犯罪" in chat.text and "你所扶养家属" not in chat.text
    assert "按你的金额" not in chat.text  # no amount yet: no fee figure
