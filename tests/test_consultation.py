"""Complete creditor and debtor consultations through the engine, and what their results say."""

from __future__ import annotations

from conftest import CREDITOR_ANSWERS, DEBTOR_ANSWERS, Chat


def run(chat: Chat, answers: list[str]) -> None:
    for answer in answers:
        chat.say(answer)


def everything(chat: Chat) -> tuple[str, str]:
    """(text, html) of the layered result: the summary plus every section, each opened by its button."""
    texts, pages = [chat.text], [r.html for r in chat.last]
    for _, data in [(label, data) for label, data in chat.buttons if "|S|s:" in data]:
        chat.press_data(data)
        texts.append(chat.text)
        pages += [r.html for r in chat.last]
    return "\n".join(texts), "\n".join(pages)


def test_creditor_consultation_reaches_review_then_result(chat: Chat) -> None:
    run(chat, CREDITOR_ANSWERS)
    assert chat.state == "creditor.review"
    assert "3,500.00元" in chat.text and "借条·欠条、转账记录" in chat.text
    chat.press("确认无误")
    assert chat.state == "creditor.result"
    result, _ = everything(chat)
    # Limitation restarted by the demand of 2025-03 (taken as the 1st): three years later.
    assert "2028年3月1日" in result
    assert "《民法典》第一百八十八条" in result and "《民法典》第一百九十五条" in result
    # Small claims in Jiangsu (64,610 limit), single instance, no appeal.
    assert "64,610" in result and "《民事诉讼法》第一百六十五条" in result and "不能上诉" in result
    # Payment order suits a debtor who admits the debt.
    assert "支付令" in result and "《民事诉讼法》第二百二十五条" in result
    # Court fee for 3,500 yuan: 50 yuan per case under the first tier; halved for summary procedure.
    assert "¥50.00" in result and "¥25.00" in result
    assert "12348" in result and "不构成法律意见" in result
    session = chat.session()
    assert session.status == "finished" and session.facts["amount"] == "3500.00"


def test_debtor_consultation_sued_credit_card(chat: Chat) -> None:
    run(chat, DEBTOR_ANSWERS)
    assert chat.state == "debtor.review"
    chat.press("确认无误")
    assert chat.state == "debtor.result"
    result, html = everything(chat)
    # Being sued does not put anyone on the dishonest list; the six conditions are listed.
    assert "不会</b>让你被列入失信名单" in html
    assert "《失信规定》第一条" in result and "《失信规定》第三条" in result
    # Small claims: no appeal, objection before the hearing, retrial only.
    assert "不能上诉" in result and "《民诉法解释》第四百二十四条" in result
    # Credit card: personalised instalments are something the bank MAY agree to.
    assert "个性化分期" in result and "可以" in result and "《信用卡业务监督管理办法》第七十条" in result
    # Licensed lender: the 4×LPR cap of the private-lending provisions does not apply, and we say plainly what is
    # uncertain (never 未确认: issue 16).
    assert "不适用" in result and "领用合约" in result and "未确认" not in result
    # Harassment was reported: privacy rights.
    assert "《民法典》第一千零三十三条" in result
    assert "《合同法》" not in result


def test_wage_arrears_point_to_labour_arbitration(chat: Chat) -> None:
    run(chat, ["/start", "1", "工资", "单位拖欠工资", "是", "1", "8000", "3", "没有约定", "从未催要过", "2", "否",
               "跳过"])
    chat.press("确认无误")
    result, html = everything(chat)
    assert "劳动仲裁" in result and "《劳动争议调解仲裁法》第五条" in result
    assert "《劳动争议调解仲裁法》第二十七条" in result
    assert "支付令：对方不争议" not in result  # the civil payment-order section is left out


def test_creditor_without_evidence_or_identity_is_warned(chat: Chat) -> None:
    run(chat, ["/start", "1", "1", "不知道", "1", "2万", "没有书面证据", "没有约定", "从未催要过", "联系不上", "否",
               "跳过"])
    chat.press("确认无误")
    result, html = everything(chat)
    assert "明确的被告" in result and "《民事诉讼法》第一百二十二条" in result
    assert "没有书面证据" in result
    assert "《诉讼时效规定》第四条" in result  # no term, never demanded: the period has not started
    assert "公告送达" in result  # unreachable: ordinary procedure, service by public notice (no payment order)


def test_debtor_restricted_gets_lifting_rules(chat: Chat) -> None:
    run(chat, ["/start", "2", "个人", "5000", "2022-01-01", "限高", "限高", "暂时无力偿还", "否"])
    chat.press("确认无误")
    result, html = everything(chat)
    assert "G字头动车组列车全部座位" in result and "《限制消费规定》第九条" in result
    assert "《民事诉讼法》第二百六十八条" in result  # enforcement terminated for hardship
    assert "《民间借贷规定》第二十五条" in result  # a personal lender: the 4×LPR cap applies


def test_quick_topics(chat: Chat) -> None:
    run(chat, ["/start", "3", "失信"])
    assert chat.state == "topics.answer"
    assert "《失信规定》第一条" in chat.text and "12348" in chat.text
    chat.press("其他话题")
    assert chat.state == "topics.topic"
    chat.say("利息")
    assert "四倍" in chat.text and "未确认" not in chat.text
    chat.say("小额诉讼")  # typing another topic on an answer page moves to it
    assert "两个月" in chat.text and chat.state == "topics.answer"


def test_expired_limitation_changes_the_checklist(chat: Chat) -> None:
    # Due 2020-01-01, last demand 2024-06-01 (after the period ran out on 2023-01-03): the result must not
    # tell the user a demand will interrupt it, and must point to an acknowledgement (诉讼时效规定第十九条).
    run(chat, ["/start", "1", "1", "2019-06-01", "1", "5000", "1", "2020-01-01", "2024-06-01", "1", "是", "江苏"])
    chat.press("确认无误")
    result, html = everything(chat)
    assert "可能</b>已经届满" in html
    assert "《诉讼时效规定》第十九条" in result and "不能让已经届满的时效重新开始" in result
    assert "这能中断诉讼时效" not in result


def test_question_in_the_middle_of_a_consultation(chat: Chat) -> None:
    run(chat, CREDITOR_ANSWERS[:7])
    assert chat.state == "creditor.due_date"
    chat.say("支付令是什么？")
    assert "《民事诉讼法》第二百二十五条" in chat.text and chat.state == "creditor.due_date"
    assert "没看懂" not in chat.text
