"""返回, 跳过, 重新开始, 帮助, review-and-edit, resume, stale buttons and multi-choice toggling."""

from __future__ import annotations

from conftest import CREDITOR_ANSWERS, Chat


def test_back_undoes_the_last_answer(chat: Chat) -> None:
    for answer in ["/start", "1", "货款", "1", "5000"]:
        chat.say(answer)
    assert chat.state == "creditor.evidence"
    chat.say("返回")
    assert chat.state == "creditor.amount"
    assert "amount" not in chat.session().facts
    chat.press("返回上一步")
    assert chat.state == "creditor.stage" and "stage" not in chat.session().facts
    chat.say("/back")
    assert chat.state == "creditor.debt_type" and "debt_type" not in chat.session().facts
    chat.say("/back")
    assert chat.state == "start.role"
    assert "第一步" in chat.say("返回")[0].html


def test_back_over_a_conditional_branch(chat: Chat) -> None:
    for answer in ["/start", "1", "工资", "不确定", "是", "1", "3000"]:
        chat.say(answer)
    assert chat.state == "creditor.evidence"
    for _ in range(3):
        chat.say("返回")
    assert chat.state == "creditor.still_employed"
    chat.say("返回")
    assert chat.state == "creditor.wage_relation"
    chat.say("返回")
    chat.say("个人借款")
    assert chat.state == "creditor.loan_date" and "wage_relation" not in chat.session().facts


def test_progress_counts_the_path(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    assert "第2步/共10步" in chat.text
    chat.say("工资")
    assert "第3步/共11步" in chat.text  # the wage question adds a step


def test_skip_only_optional_questions(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:11]:
        chat.say(answer)
    assert chat.state == "creditor.province"
    chat.say("跳过")
    assert chat.state == "creditor.review" and chat.session().facts["province"] is None
    chat.say("返回")
    chat.say("不知道")  # 不知道 at an optional question is a skip
    assert chat.state == "creditor.review" and chat.session().facts["province"] is None
    chat.press("修改：目前进展")
    chat.say("跳过")
    assert chat.state == "creditor.stage" and "不能跳过" in chat.text


def test_restart_starts_a_new_session(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    old = chat.session().id
    chat.say("重新开始")
    assert "确定要重新开始吗" in chat.text and chat.session().id == old  # asked first (issue 16)
    chat.press("确定重新开始")
    assert chat.state == "start.role" and chat.session().id != old and chat.session().facts == {}


def test_help_at_any_step_keeps_the_step(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    chat.say("帮助")
    assert "使用帮助" in chat.text and chat.state == "creditor.evidence"


def test_review_edit_returns_to_review(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS:
        chat.say(answer)
    chat.press("修改：欠款金额")
    assert chat.state == "creditor.amount" and "当前回答" in chat.text
    chat.say("8000")
    assert chat.state == "creditor.review" and "8,000.00元" in chat.text
    chat.press("确认无误")
    assert "8,000.00元" in chat.text


def test_edit_that_opens_a_new_question_asks_it_then_returns(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS:
        chat.say(answer)
    chat.press("修改：欠款类型")
    chat.say("工资")
    assert chat.state == "creditor.wage_relation"  # a new question on the new path
    chat.say("劳务")
    assert chat.state == "creditor.review"  # everything else already answered
    assert "劳务报酬" in chat.text
    chat.say("返回")  # undo walks back over the automatic steps to the question answered
    assert chat.state == "creditor.wage_relation"


def test_review_command_lists_answers_without_moving(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    chat.say("/review")
    assert "3,500.00元" in chat.text and chat.state == "creditor.evidence"


def test_multi_choice_toggles_and_exclusive_option(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    chat.press("借条")
    chat.press("聊天记录")
    assert "已选：借条·欠条、聊天记录" in chat.text
    chat.press("没有书面证据")
    assert "已选：没有书面证据" in chat.text
    chat.press("选好了")
    assert chat.session().facts["evidence"] == ["none"] and chat.state == "creditor.due_date"


def test_multi_choice_done_with_nothing_picked(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:6]:
        chat.say(answer)
    chat.press("选好了")
    assert "至少选择一项" in chat.text and chat.state == "creditor.evidence"


def test_stale_button_changes_nothing(chat: Chat) -> None:
    chat.say("/start")
    old_buttons = list(chat.buttons)
    chat.say("1")
    before = chat.session()
    chat.press_data(old_buttons[1][1])  # "我是债务人" from the first screen
    assert chat.last[0].alert and "过期" in chat.text
    after = chat.session()
    assert (after.state, after.facts, after.turn) == (before.state, before.facts, before.turn)


def test_forged_button_data_is_refused(chat: Chat) -> None:
    chat.say("/start")
    for data in ["", "x", "0|a|", "0|zz|1", "999999|a|creditor", "0|a|" + "x" * 80, "0|e|amount", "0|a|evil"]:
        replies = chat.press_data(data)
        assert replies and replies[0].alert
    assert chat.session().state == "start.role" and chat.session().facts == {}


def test_returning_user_is_asked_to_continue(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS[:7]:
        chat.say(answer)
    chat.say("/start")
    assert "欢迎回来" in chat.text and "第7步/共11步" in chat.text
    chat.press("继续上次")
    assert chat.state == "creditor.due_date" and chat.session().facts["amount"] == "3500.00"
    chat.say("/start")
    chat.press("重新开始")
    assert chat.state == "start.role" and chat.session().facts == {}


def test_cancel_closes_the_session(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("取消")
    assert "确定要结束这次咨询吗" in chat.text and chat.session() is not None  # asked first (issue 16)
    chat.press("确定结束")
    assert "已结束" in chat.text and chat.session() is None


def test_typing_a_button_label_presses_it(chat: Chat) -> None:
    for answer in CREDITOR_ANSWERS:
        chat.say(answer)
    chat.say("确认无误，查看分析")
    assert chat.state == "creditor.result"
    chat.say("修改信息")
    assert chat.state == "creditor.review"


def test_back_instead_of_answering_the_resume_question(chat: Chat) -> None:
    # Found by tests/test_fuzz.py: /back right after "继续还是重新开始？" used to get no reply at all.
    chat.say("1")
    chat.say("/start")
    assert "欢迎回来" in chat.text
    replies = chat.say("/back")
    assert replies and chat.state == "start.role" and "你是哪一方" in chat.text


def test_a_button_of_an_earlier_consultation_never_answers_the_new_one(chat: Chat) -> None:
    # The crash test found it: a question sent just before a kill keeps its buttons (its message id died with
    # the process), and a new consultation numbered its turns from 0 again, so the old button's turn could
    # match the new session's and answer a question of the new consultation.
    chat.say("/start")
    old_role_button = dict(chat.buttons)["我是债权人（别人欠我钱）"]
    chat.press("我是债权人")
    chat.say("重新开始")
    chat.press("确定重新开始")
    assert chat.state == "start.role"
    new_role_button = dict(chat.buttons)["我是债权人（别人欠我钱）"]
    assert new_role_button != old_role_button  # the new consultation's turns go on from the old one's
    chat.press_data(old_role_button)
    assert "这个按钮已经过期了" in chat.text and chat.session().state == "start.role"  # refused, nothing answered
    chat.press_data(new_role_button)
    assert chat.session().state.startswith("creditor.")
