"""The intake desk (issue 15): stories restated before anything is kept, answers in the user's words,
doubts, failed tries, stage questions and questions asked out of turn."""

from __future__ import annotations

from conftest import Chat


def _facts(chat: Chat) -> dict:
    return {k: v for k, v in chat.session().facts.items() if "__" not in k}


STORY = "朋友去年3月借了我两万，说好去年年底还，到现在一直拖着，我上个月还催过他，有微信转账记录，没有借条。他在东莞。"


def test_a_story_is_restated_once_and_kept_only_after_yes(chat: Chat) -> None:
    chat.say("/start")
    chat.say(STORY)
    assert chat.text.startswith("我理解的是") and "对吗" in chat.text
    assert [label for label, _ in chat.buttons] == ["✅ 对", "✏️ 有不对的"]
    assert _facts(chat) == {}  # nothing recorded before 对
    chat.press("对")
    facts = _facts(chat)
    assert facts["role"] == "creditor" and facts["amount"] == "20000.00" and facts["evidence"] == ["transfer"]
    assert facts["province"] == "广东" and facts["attitude"] == "admits"
    # Only what the story did not say is asked: the stage (debt type and loan date were told).
    assert chat.state == "creditor.stage"
    chat.say("还没起诉")
    assert chat.state == "creditor.identity_known"  # amount … attitude were told: passed without asking
    chat.say("返回")  # the skipped questions were real steps: back goes over them to the last answer
    assert chat.state == "creditor.stage"


def test_a_wrong_fact_is_dropped_and_then_asked(chat: Chat) -> None:
    chat.say("/start")
    chat.say(STORY)
    chat.press("有不对的")
    assert "哪一项不对" in chat.text
    chat.press("欠款金额")
    assert "amount" not in chat.session().pending.held["facts"]
    chat.press("对")
    assert "amount" not in chat.session().facts and chat.state == "creditor.stage"
    chat.say("还没起诉")
    assert chat.state == "creditor.amount"  # the dropped fact is asked
    chat.say("5000")
    assert chat.session().facts["amount"] == "5000.00"


def test_a_story_without_a_role_asks_the_role_first(chat: Chat) -> None:
    chat.say("/start")
    chat.say("法院终本了，同事借我两万多一直不还，怎么办")
    assert "你是哪一方" in chat.text and _facts(chat) == {}
    chat.press("债权人")
    assert "我理解的是" in chat.text and "约20,000.00元" in chat.text
    chat.say("对")
    assert chat.session().facts["amount__approx"] is True and chat.session().facts["stage"] == "terminated"


def test_contradicting_facts_are_neither_kept_and_are_asked(chat: Chat) -> None:
    chat.say("/start")
    chat.say("花呗欠了8000，还没逾期，但是催收天天打电话")
    assert "对不上" in chat.text
    chat.press("对")
    assert "overdue_since" not in chat.session().facts and "stage" not in chat.session().facts
    assert chat.state == "debtor.overdue_since"


def test_uncertain_answers_are_confirmed_before_they_are_kept(chat: Chat) -> None:
    for text in ["/start", "1", "货款", "1"]:
        chat.say(text)
    assert chat.state == "creditor.amount"
    chat.say("2")
    assert "2.00元" in chat.text and "吗" in chat.text and "amount" not in chat.session().facts
    chat.say("不对")
    assert chat.state == "creditor.amount" and "amount" not in chat.session().facts
    chat.say("两万多")
    assert "约20,000.00元" in chat.text and "amount" not in chat.session().facts
    chat.press("对")
    assert chat.session().facts["amount"] == "20000.00" and chat.session().facts["amount__approx"] is True
    assert chat.state == "creditor.evidence"


def test_a_number_at_a_typed_question_is_never_a_button(chat: Chat) -> None:
    for text in ["/start", "1", "货款", "1", "5000", "1,2"]:
        chat.say(text)
    assert chat.state == "creditor.due_date"
    history = len(chat.session().history)
    chat.say("1")
    assert chat.state == "creditor.due_date" and len(chat.session().history) == history


def test_dont_know_where_allowed_and_not_where_a_number_is_needed(chat: Chat) -> None:
    for text in ["/start", "1", "货款", "1"]:
        chat.say(text)
    chat.say("不知道")
    assert chat.state == "creditor.amount" and "amount" not in chat.session().facts
    for text in ["5000", "1"]:
        chat.say(text)
    chat.say("记不清了")
    assert chat.session().facts["due_date"] == "unknown" and chat.state == "creditor.last_demand"
    assert "不知道" in chat.text  # the acknowledgement says what was recorded


def test_what_does_it_mean_and_why_get_the_explanation(chat: Chat) -> None:
    for text in ["/start", "1", "货款", "1"]:
        chat.say(text)
    chat.say("什么意思")
    assert "意思是" in chat.text and "举个例子" in chat.text and chat.state == "creditor.amount"
    chat.say("为什么问这个")
    assert chat.text.startswith("💡") and "为什么问" in chat.text and chat.state == "creditor.amount"


def test_failed_tries_never_repeat_and_the_third_offers_a_way_out(chat: Chat) -> None:
    for text in ["/start", "1", "货款", "1", "5000", "1,2", "2024-06-30"]:
        chat.say(text)
    assert chat.state == "creditor.last_demand"
    chat.say("asdf")
    first = chat.last[0].html
    chat.say("qwer")
    second = chat.last[0].html
    assert first != second
    chat.say("zxcv")
    assert "12348" in chat.text and "什么意思" in chat.text
    chat.press("不知道，先跳过")
    assert chat.session().facts["last_demand"] == "unknown" and chat.state == "creditor.attitude"


def test_questions_out_of_turn_are_answered_then_the_step_shown(chat: Chat) -> None:
    for text in ["/start", "1", "货款", "1"]:
        chat.say(text)
    chat.say("他们说不还就要坐牢，是真的吗？")
    assert "欠钱会坐牢吗" in chat.text and "《刑法》第三百一十三条" in chat.text
    assert chat.last[-1].state == "creditor.amount" and "多少钱" in chat.last[-1].html
    chat.say("外星人会来要债吗？")
    assert "没有现成的答案" in chat.text and "12348" in chat.text and chat.state == "creditor.amount"


def test_a_question_after_the_result_is_answered(chat: Chat) -> None:
    for text in ["/start", "2", "信用卡", "2.6万", "2025-01-15", "催收", "分期", "否", "确认"]:
        chat.say(text)
    assert chat.state == "debtor.result"
    chat.say("会上征信吗")
    assert "📚 征信" in chat.text and chat.state == "debtor.result"


def test_each_stage_asks_its_own_questions(chat: Chat) -> None:
    for text in ["/start", "2", "网贷"]:
        chat.say(text)
    assert chat.state == "debtor.lender_licensed"
    for text in ["不知道", "3万", "2025-05-01", "传票"]:
        chat.say(text)
    assert chat.state == "debtor.sued_date"
    chat.say("不知道")
    assert chat.state == "debtor.hearing_date"
    chat.say("2026-12-10")
    assert chat.session().facts["hearing_date"] == "2026-12-10" and chat.state == "debtor.ability"


def test_not_overdue_skips_the_stage_question(chat: Chat) -> None:
    for text in ["/start", "2", "花呗", "8000", "还没逾期"]:
        chat.say(text)
    assert chat.state == "debtor.ability" and "stage" not in chat.session().facts


# --- user trial 2026-12-07 ---------------------------------------------------------------------------------


def _to_creditor(chat: Chat, *answers: str) -> None:
    for text in ["/start", "1", *answers]:
        chat.say(text)


def test_an_answer_with_a_question_inside_is_recorded_and_the_question_not_dropped(chat: Chat) -> None:
    _to_creditor(chat, "货款")
    assert chat.state == "creditor.stage"
    chat.say("还没 就是打电话要过几次 要花多少钱")
    assert chat.session().facts["stage"] == "not_sued"  # the answer is kept
    assert "要花多少钱" in chat.text or "费" in chat.text  # the question is answered or acknowledged
    assert chat.state != "creditor.stage"


def test_why_with_an_answer_in_it_explains_and_reads_the_answer(chat: Chat) -> None:
    _to_creditor(chat, "工资")
    assert chat.state == "creditor.wage_relation"
    chat.say("不是公司 我在工地做 为什么问这个")
    assert "为什么问" in chat.text  # the explanation
    assert "对吗" in chat.text and chat.session().pending.held is not None  # and the answer, restated


def test_a_feeling_gets_a_kind_line_not_an_echoed_question(chat: Chat) -> None:
    _to_creditor(chat, "货款", "1")
    assert chat.state == "creditor.amount"
    chat.say("我真的不知道怎么办了")
    assert "你问的" not in chat.text and "我真的不知道怎么办了" not in chat.text
    assert "一步一步" in chat.text and chat.state == "creditor.amount"


def test_hello_after_start_is_the_greeting_and_the_first_question(chat: Chat) -> None:
    chat.say("/start")
    chat.say("你好")
    assert "你好" in chat.text and "没看懂" not in chat.text
    assert chat.state == "start.role"


def test_summed_alternatives_are_never_proposed(chat: Chat) -> None:
    _to_creditor(chat, "货款", "1")
    chat.say("不对 是两万九千八 不是五万多 本金才两万三")
    assert "23,000.00元" in chat.text and "102,800" not in chat.text
    chat.press("对")
    assert chat.session().facts["amount"] == "23000.00"


def test_a_demand_that_never_reached_him_is_not_recorded(chat: Chat) -> None:
    _to_creditor(chat, "货款", "1", "12000", "聊天记录", "没约定")
    assert chat.state == "creditor.last_demand"
    chat.say("前两天去工地找他 没找到人 打电话也关机了")
    assert "last_demand" not in chat.session().facts and chat.state == "creditor.last_demand"
    assert "第八条" in chat.text and "从未催要过" in chat.text


def test_the_attitude_answer_keeps_what_it_says_about_the_address(chat: Chat) -> None:
    _to_creditor(chat, "货款", "1", "12000", "聊天记录", "没约定", "没催过")
    assert chat.state == "creditor.attitude"
    chat.say("就是不接电话 我只晓得他名字 不晓得他住哪里")
    facts = chat.session().facts
    assert facts["attitude"] == "ignores" and facts["identity_name_known"] == "yes"
    assert facts["identity_address_known"] == "no"
    assert chat.state != "creditor.identity_known"  # not asked again


def test_half_a_year_after_the_loan_is_a_due_date_to_confirm(chat: Chat) -> None:
    _to_creditor(chat, "借钱", "2019年夏天")
    assert "2019年6月—8月" in chat.text
    chat.press("对")
    for text in ["1", "30000", "转账"]:
        chat.say(text)
    assert chat.state == "creditor.due_date"
    chat.say("当时说半年就还 没说具体哪天")
    assert "2019年12月1日" in chat.text and "due_date" not in chat.session().facts


def test_several_figures_at_the_amount_question_offer_each_the_sum_and_neither(chat: Chat) -> None:
    for text in ["/start", "2", "花呗"]:
        chat.say(text)
    assert chat.state == "debtor.amount"
    chat.say("花呗一万二 借呗九千")
    labels = [label for label, _ in chat.buttons]
    assert labels == ["只算 12,000.00元", "只算 9,000.00元", "➕ 加起来 21,000.00元", "❌ 都不对"]
    assert "amount" not in chat.session().facts
    chat.press("只算 12,000")
    assert chat.session().facts["amount"] == "12000.00" and chat.state != "debtor.amount"


def test_several_creditors_in_a_story_leave_the_amount_for_the_chosen_one(chat: Chat) -> None:
    chat.say("/start")
    chat.say("我欠了花呗一万二 借呗九千 信用卡两万多 工作也丢了")
    assert "41,000" not in chat.text
    chat.press("对")
    assert "amount" not in chat.session().facts
    assert chat.state == "debtor.creditor_kind"
    chat.say("信用卡")
    assert chat.state == "debtor.amount"  # the card's own amount is asked, never the total of all three


def test_a_reply_typed_on_the_restatement_keeps_the_reading(chat: Chat) -> None:
    chat.say("/start")
    chat.say(STORY)
    chat.say("对 还有能不能上诉啊")
    assert chat.session().facts["amount"] == "20000.00"  # 对: kept, and the question not dropped
    assert "上诉" in chat.text


def test_no_with_a_correction_on_the_restatement_lists_the_facts(chat: Chat) -> None:
    chat.say("/start")
    chat.say(STORY)
    chat.say("不对 没有转账记录")
    assert "哪一项不对" in chat.text and chat.session().pending.held is not None  # the reading is kept


def test_the_due_date_explanation_for_wages_does_not_say_repay(chat: Chat) -> None:
    _to_creditor(chat, "工资", "劳务", "还没起诉", "12000", "聊天记录")
    assert chat.state == "creditor.due_date"
    chat.say("什么意思")
    assert "还钱" not in chat.text and "发" in chat.text


def test_no_with_a_question_on_the_restatement_answers_it_and_lists_the_facts(chat: Chat) -> None:
    chat.say("/start")
    chat.say(STORY)
    chat.say("不对 没有转账记录 那还能起诉吗")
    assert "哪一项不对" in chat.text and "起诉" in chat.text.split("哪一项不对")[0]


def test_other_text_on_the_restatement_is_read_as_before(chat: Chat) -> None:
    chat.say("/start")
    chat.say(STORY)
    chat.say("我是债权人")
    assert chat.session().facts["role"] == "creditor" and chat.state == "creditor.debt_type"


def test_a_stale_figure_button_is_refused(chat: Chat) -> None:
    from flows import callbacks as cb
    from flows.callbacks import Action

    for text in ["/start", "2", "花呗", "花呗一万二 借呗九千"]:
        chat.say(text)
    chat.press_data(cb.encode(chat.session().turn, Action.HOLD, "pick:9"))
    assert "amount" not in chat.session().facts and chat.session().pending.held is None
