"""Record the conversation corpus in tests/fixtures/ the way a real one is made.

Each script below is a person talking to the bot: the engine runs on a real SQLite file with the
bot's "today" fixed, every turn is logged in the transcript like in production, and then
``recordings.export`` — the code behind ``python bot.py export`` — turns the transcript into an
anonymised fixture. ``("reopen",)`` closes the database and opens it again mid-conversation (a bot
restart); the export cannot see that, so the recorder marks it in the fixture.

Run after adding a script (it rewrites every fixture it records)::

    python scripts/record_corpus.py            # all
    python scripts/record_corpus.py NAME...    # some

Wording changes are not a reason to re-record: use ``pytest --update-fixtures`` and review the diff.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assembly import Engine, replay_engine  # noqa: E402
from flows.model import Inbound, InboundKind  # noqa: E402
from recordings import format as fixture_format  # noqa: E402
from recordings.export import SECRET_KEY, conversation_from_rows, fill_scrubbed, rows_for_user  # noqa: E402
from recordings.format import Turn  # noqa: E402
from storage import SessionStore, open_database  # noqa: E402
from storage.meta import secret, set_meta  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TODAY = date(2026, 11, 22)
# A fixed secret for this synthetic corpus only, so re-recording keeps the same pseudonyms.
CORPUS_SECRET = "c0ffee" * 10 + "c0ffee00"

Step = str | tuple[str, ...]

CREDITOR_LOAN = ["/start", ("press", "债权人"), ("press", "个人借款"), ("press", "不知道"), ("press", "还没起诉"),
                 "5000", ("press", "借条"), ("press", "转账"),
                 ("press", "选好了"), "2024-06-30", "2025年3月", ("press", "承认"), ("press", "是"), "浙江"]
DEBTOR_CARD = ["/start", ("press", "债务人"), ("press", "信用卡"), "2.6万", "2025-01-15", ("press", "催收"),
               ("press", "分期"), ("press", "否")]

SCRIPTS: dict[str, tuple[str, Sequence[Step]]] = {
    # ------------------------------------------------------------------ creditors
    "creditor_loan_buttons": ("出借人·朋友借款·全部按按钮·确认后修改再确认", [
        *CREDITOR_LOAN, ("press", "确认无误"), ("press", "修改信息"), ("press", "返回"), ("press", "修改信息"),
        ("press", "确认无误"),
    ]),
    "creditor_loan_typed": ("出借人·全部打字回答（数字选项、中文金额、年月）", [
        "/start", "1", "个人借款", "2023年5月", "1", "三千五", "1,2", "2023-05-01", "2025年3月", "1", "是", "江苏",
        "确认",
    ]),
    "creditor_loan_personal_data": ("出借人·回答里带了姓名和电话（导出时已匿名）", [
        "/start", "我借钱给朋友了", "对", "不知道", "还没起诉", "我借给朋友张三3500，他电话13912345678", "3500", "借条",
        "选好了", "没有约定", "从未催要过", "不回", "否", "跳过", "确认",
    ]),
    "creditor_goods_denies_sued": ("供货方·货款·对方否认·已起诉", [
        "/start", ("press", "债权人"), ("press", "货款"), ("press", "返回"), ("press", "货款"), ("press", "正在审理"),
        "12万", ("press", "聊天记录"),
        ("press", "证人"), ("press", "选好了"), "2025-09-30", "2025-10-15", ("press", "否认"), ("press", "是"),
        "广东省",
        ("press", "确认无误"),
    ]),
    "creditor_other_unreachable_judged": ("其他欠款·联系不上·已判决未履行", [
        "/start", ("press", "债权人"), ("press", "其他"), ("press", "已判决"), ("press", "不知道"), ("press", "裁定书"),
        ("press", "不知道"), ("press", "不知道"), "8000", ("press", "没有书面证据"), ("press", "选好了"),
        ("press", "没有约定"), ("press", "从未催要"), ("press", "联系不上"), ("press", "否"), ("press", "跳过"),
        ("press", "确认无误"),
    ]),
    "creditor_enforcing": ("出借人·已申请强制执行", [
        "/start", "别人欠我钱", "借钱", "2020年春节前", "对", "执行中", "2万", "借条，转账", "2022年12月31日",
        "2024-02-29", "拖着", "知道", "上海", "确认无误",
    ]),
    "creditor_terminated": ("出借人·终本之后", [
        "/start", "债权人", "借款", "2019-03-01", "终本", "6万", "转账", "2021-03-01", "2023-01-01", "失联", "是",
        "北京",
        "确认",
    ]),
    "creditor_expired_limitation": ("出借人·到期后多年未催·时效可能已过", [
        "/start", "债权人", "借款", "2019年", "对", "还没起诉", "1万", "借条", "2019-05-01", "从未催要过", "承认", "是",
        "四川", "确认",
    ]),
    "creditor_wages_employment": ("劳动者·单位拖欠工资", [
        "/start", ("press", "债权人"), ("press", "工资"), ("press", "劳动关系"), ("press", "是"), ("press", "返回"),
        ("press", "是"),
        ("press", "还没起诉"), "9800", ("press", "转账"), ("press", "聊天"), ("press", "选好了"), "2026-10-15",
        "2026-11-01",
        ("press", "不回应"), ("press", "是"), "江苏", ("press", "确认无误"),
    ]),
    "creditor_wages_service_back": ("打零工·劳务报酬·在分支上返回", [
        "/start", ("press", "债权人"), ("press", "工资"), ("press", "返回"), ("press", "工资"), ("press", "劳务报酬"),
        ("press", "返回"), ("press", "不确定"), ("press", "否"), "2026年9月", ("press", "返回"), ("press", "返回"),
        ("press", "返回"), ("press", "劳务报酬"), ("press", "还没起诉"), "3000", ("press", "没有书面证据"),
        ("press", "选好了"), "没有约定", "2026年9月", "不理", "否", "跳过", "确认",
    ]),
    "creditor_back_every_step": ("出借人·每一步都先回答再返回", [
        "/start", ("press", "债权人"), ("press", "返回"), ("press", "债权人"), ("press", "个人借款"), ("press", "返回"),
        ("press", "个人借款"), "2023-05-10", ("press", "返回"), "2023-05-10", ("press", "还没起诉"), ("press", "返回"),
        ("press", "还没起诉"), "5000", ("press", "返回"), "5000", ("press", "借条"), ("press", "选好了"),
        ("press", "返回"), ("press", "选好了"), "2024-06-30", ("press", "返回"), "2024-06-30", "2025-03-01",
        ("press", "返回"), "2025-03-01", ("press", "承认"), ("press", "返回"), ("press", "承认"), ("press", "是"),
        ("press", "返回"), ("press", "是"), "浙江", ("press", "返回"), "浙江", ("press", "确认无误"), "返回",
        ("press", "确认无误"),
    ]),
    "creditor_edit_every_answer": ("出借人·在核对页逐项修改，改完再返回", [
        *CREDITOR_LOAN,
        *[step for label, answer in (
            ("借出的日期", "2023-06-01"), ("欠款类型", ("press", "货款")), ("欠款金额", "6000"), ("手上的证据",
            ("press", "选好了")),
            ("约定的还款日期", "2024-07-31"), ("最近一次催要", "2025-04-01"), ("对方的态度", ("press", "否认")),
            ("是否知道对方", ("press", "否")), ("对方所在省份", "福建"), ("目前进展", ("press", "正在审理")),
        ) for step in (("press", f"修改：{label}"), answer, ("press", "返回"), ("press", "返回"))],
        ("press", "确认无误"),
    ]),
    "creditor_edit_to_wages": ("出借人·把欠款类型改成工资，补答新增的问题后返回", [
        *CREDITOR_LOAN, ("press", "修改：欠款类型"), ("press", "工资"), ("press", "劳动关系"), ("press", "是"),
        ("press", "修改：用工关系"), ("press", "劳务报酬"), ("press", "返回"), ("press", "返回"),
        ("press", "确认无误"),
    ]),
    "creditor_typed_at_review": ("核对页：打字选择按钮（数字、按钮文字）", [
        *CREDITOR_LOAN, "4", "7000", "确认", "修改信息", "确认无误，查看分析",
    ]),
    # ------------------------------------------------------------------ debtors
    "debtor_card_collection": ("信用卡逾期·正在被催收·想分期", [*DEBTOR_CARD, ("press", "确认无误")]),
    "debtor_card_typed_summons": ("信用卡·收到传票（打字回答）", [
        "/start", "2", "信用卡", "2.6万", "2025-01-15", "我收到传票了", "记不清", "不知道", "能分期", "是", "确认",
    ]),
    "debtor_platform_not_overdue": ("花呗借呗·还没逾期·担心上征信", [
        "/start", "我欠了花呗的钱", "对", "8000", "还没逾期", "返回", "还没逾期", "能一次还清", "否", "确认",
    ]),
    "debtor_online_lender_harassed": ("网贷·暴力催收·暂时无力偿还", [
        "/start", ("press", "债务人"), ("press", "网贷"), ("press", "返回"), ("press", "网贷"), ("press", "不知道"),
        "1.2万", "2025年6月", ("press", "催收"),
        ("press", "无力偿还"), ("press", "是"), ("press", "确认无误"), "他们说不还就要坐牢，是真的吗？", "会上征信吗",
    ]),
    "debtor_person_judged": ("欠朋友钱·已经判决", [
        "/start", "债务人", "朋友", "5万", "2024-03-01", "判决", "返回", "判决", "2026-10-08", "返回", "2026-10-08",
        "判决书",
        "返回", "判决书", "一审终审", "返回", "一审终审", "2026-10-20", "返回", "2026-10-20", "分期", "否", "确认",
    ]),
    "debtor_company_enforced": ("欠公司货款·被强制执行", [
        "/start", "我欠别人钱", "公司", "3万", "2023-08-08", "被强制执行", "返回", "被强制执行", "工资被冻结了",
        "返回", "还没有",
        "没钱", "否", "确认",
    ]),
    "debtor_restricted": ("已被限高/列入失信名单", [
        "/start", "债务人", "网贷", "持牌", "20万", "2022-01-10", "限高", "限高，失信", "有钱不还", "返回", "有钱不还",
        "分期", "是", "确认",
    ]),
    "debtor_back_every_step": ("债务人·每一步都先回答再返回", [
        "/start", ("press", "债务人"), ("press", "返回"), ("press", "债务人"), ("press", "个人"), ("press", "返回"),
        ("press", "个人"), "8000", ("press", "返回"), "8000", "2025-02-01", ("press", "返回"), "2025-02-01",
        ("press", "还没被起诉"), ("press", "返回"), ("press", "还没被起诉"), ("press", "一次还清"),
        ("press", "返回"), ("press", "一次还清"), ("press", "否"), ("press", "返回"), ("press", "否"),
        ("press", "确认无误"), "返回", ("press", "确认无误"),
    ]),
    "debtor_edit_every_answer": ("债务人·在核对页逐项修改，改完再返回", [
        *DEBTOR_CARD,
        *[step for label, answer in (
            ("欠谁的钱", ("press", "花呗")), ("欠款金额", "3万"), ("目前情况", ("press", "还没被起诉")),
            ("还款能力", ("press", "一次还清")), ("是否遭遇骚扰式催收", ("press", "是")),
            ("从何时开始逾期", ("press", "还没有逾期")),
        ) for step in (("press", f"修改：{label}"), answer, ("press", "返回"), ("press", "返回"))],
        ("press", "确认无误"), ("press", "修改信息"), ("press", "返回"), ("press", "修改信息"),
        ("press", "确认无误"),
    ]),
    # ------------------------------------------------------------------ story first (issue 15)
    "story_creditor_not_sued": ("出借人·一段话讲清楚·确认后只问缺的·问了「能起诉吗」", [
        "/start", "朋友去年3月借了我两万，说好去年年底还，到现在一直拖着，我上个月还催过他，有微信转账记录，没有借条。"
        "他在东莞。能起诉吗？", ("press", "对"), "知道名字 不知道住哪", ("press", "确认无误"),
    ]),
    "story_creditor_sued_corrected": ("出借人·选身份后讲经过·有一项不对·改掉后补问", [
        "/start", ("press", "债权人"), "我借给表哥5万块，2023年5月10日转的账，打了借条，今年已经起诉了，现在等开庭",
        ("press", "有不对的"), ("press", "目前进展"), ("press", "对"), "记不清", "为什么问这个", ("press", "正在审理"),
        "没有约定", "上个月", "对", "什么意思", "他一直说没钱", "是", "浙江", ("press", "确认无误"),
    ]),
    "story_creditor_judged": ("供货方·已判决·讲出送达日和履行期限", [
        "/start", "我起诉了欠我3万货款的老板，今年10月8日收到判决书，判他10月30日前给钱，到现在一分没给",
        ("press", "对"), ("press", "判决书"), ("press", "不是小额"), "2026-10-30", "有送货单和聊天记录",
        "2025-06-30", "2026年7月", "不回", "是", "广东", ("press", "确认无误"),
    ]),
    "story_creditor_enforcing": ("出借人·正在强制执行·对方失联", [
        "/start", "法院已经在强制执行了，朋友欠我八万，借条转账都有，他一直失联", ("press", "对"), "2021年", "对",
        "2022年底", "对", "2023-03-01", "是", "跳过", ("press", "确认无误"),
    ]),
    "story_creditor_terminated": ("出借人·终本·金额只记得大概", [
        "/start", "法院终本了，同事借我两万多一直不还，怎么办", ("press", "债权人"), "对", "借给他的", "不知道",
        "借条", "不知道", "不知道",
        "不知道", "是", "四川", ("press", "确认无误"),
    ]),
    "story_creditor_wages": ("劳动者·已离职·一段话讲工资", [
        "/start", "公司拖欠我三个月工资一共一万五，我今年9月份已经离职了，老板一直说下个月发，我在苏州", ("press",
        "对"),
        "否", "2026-09-30", "还没起诉", "工资条和考勤记录", "聊天记录", "2026-10-10", "上周", "对", "拖着", "知道",
        ("press", "确认无误"),
    ]),
    "story_debtor_collection": ("网贷借款人·一段话：爸妈被骚扰、失业、怕坐牢", [
        "/start",
        "我在网贷借了两万多，去年12月开始逾期，现在天天打电话给我爸妈，我工作也丢了，他们说不还就要坐牢是真的吗",
        ("press", "对"), "不知道", ("press", "确认无误"), "会上征信吗",
    ]),
    "story_debtor_sued": ("信用卡·收到传票·讲开庭日", [
        "/start", "我欠信用卡5万，上周收到法院传票，12月10日开庭，我现在失业了每个月最多还五百", ("press", "对"),
        "2025年3月", "对", ("press", "确认无误"),
    ]),
    "story_debtor_judged": ("欠朋友钱·已判决·讲送达日和履行期限", [
        "/start", "欠朋友3万，已经判决了，判决书是10月8日收到的，让我10月30日前还清，我现在还不上", ("press", "对"),
        "2024-05-01", ("press", "裁定书"), "写了一审终审", "不知道", "否", ("press", "确认无误"),
    ]),
    "story_debtor_restricted": ("借呗·失信加冻结·不知道原因", [
        "/start", "借呗欠了八万，去年就被起诉了，现在被列入失信了，卡也被冻结了，坐不了高铁", ("press", "对"),
        "2024年6月", "冻结、失信", "不知道", "分期", "否", ("press", "确认无误"),
    ]),
    "story_debtor_conflict": ("花呗·说还没逾期又说被催收·两点对不上都不记", [
        "/start", "花呗欠了8000，还没逾期，但是催收天天打电话，会上征信吗", ("press", "对"), "上个月", "对",
        ("press", "正在被催收"), "每个月最多还五百", "是", ("press", "确认无误"),
    ]),
    "story_debtor_declined_and_mid_flow": ("债务人·先不认复述·中途再讲一段", [
        "/start", "我欠同事一万块，今年8月就该还了，还没还上", "不对", ("press", "债务人"), ("press", "个人"),
        "我欠同事一万块，今年8月开始逾期的，现在他天天催我，我能分期还", ("press", "对"), "否",
        ("press", "确认无误"),
    ]),
    "new_questions_back_and_edit_creditor": ("债权人·新增问题逐个返回再修改", [
        "/start", ("press", "债权人"), ("press", "工资"), ("press", "劳动关系"), ("press", "否"), ("press", "返回"),
        ("press", "否"), "2026-09-30", ("press", "返回"), "2026-09-30", ("press", "已判决"), ("press", "返回"),
        ("press", "已判决"), "2026-10-08", ("press", "返回"), "2026-10-08", ("press", "判决书"), ("press", "返回"),
        ("press", "判决书"), ("press", "是小额"), ("press", "返回"), ("press", "是小额"), "2026-10-20", ("press",
        "返回"),
        "2026-10-20", "9800", ("press", "返回"), "9800", ("press", "转账"), ("press", "选好了"), "2026-08-31",
        "2026-11-01", ("press", "不回应"), ("press", "是"), "江苏",
        *[step for label, answer in (
            ("离职", ("press", "不知道")), ("收到判决书", "2026-10-09"), ("法院文书", ("press", "裁定书")),
            ("是否按小额诉讼", ("press", "不是小额")), ("判决确定的履行期限", "2026-10-21"), ("现在是否还在", ("press",
            "是")),
        ) for step in (("press", f"修改：{label}"), answer, ("press", "返回"), ("press", "返回"))],
        ("press", "修改：欠款类型"), ("press", "个人借款"), "2024-02-02", ("press", "返回"), "2024-02-02",
        ("press", "修改：借出的日期"), "2024-03-03", ("press", "返回"), ("press", "返回"), ("press", "确认无误"),
    ]),
    "new_questions_back_and_edit_debtor": ("债务人·新增问题逐个返回再修改", [
        "/start", ("press", "债务人"), ("press", "网贷"), ("press", "不是"), ("press", "返回"), ("press", "不是"),
        "3万", ("press", "返回"), "3万", "2025-05-01", ("press", "传票"), ("press", "返回"), ("press", "传票"),
        "2026-11-01", ("press", "返回"), "2026-11-01", "2026-12-01", ("press", "返回"), "2026-12-01",
        ("press", "一次还清"), ("press", "返回"), ("press", "一次还清"), ("press", "否"),
        *[step for label, answer in (
            ("放贷的是否持牌", ("press", "是（")), ("收到起诉材料", "2026-11-02"), ("开庭日期", ("press", "不知道")),
        ) for step in (("press", f"修改：{label}"), answer, ("press", "返回"), ("press", "返回"))],
        ("press", "修改：目前情况"), ("press", "已经判决"), "2026-10-08", ("press", "判决书"), ("press", "不知道"),
        "2026-10-20", ("press", "返回"), "2026-10-20",
        *[step for label, answer in (
            ("收到判决书", "2026-10-09"), ("法院文书", ("press", "不知道")), ("是否按小额诉讼", ("press", "是小额")),
            ("判决确定的履行期限", "2026-10-21"),
        ) for step in (("press", f"修改：{label}"), answer, ("press", "返回"), ("press", "返回"))],
        ("press", "修改：目前情况"), ("press", "已被限制消费"), ("press", "失信名单"), ("press", "选好了"),
        ("press", "返回"), ("press", "选好了"), ("press", "其他原因"), ("press", "返回"), ("press", "其他原因"),
        ("press", "修改：目前情况"), ("press", "被强制执行"), ("press", "返回"), ("press", "返回"),
        ("press", "修改：列入失信名单的原因"), ("press", "有能力"), ("press", "返回"), ("press", "返回"),
        ("press", "修改：法院已经采取的措施"), ("press", "不知道"), ("press", "选好了"), ("press", "返回"),
        ("press", "返回"),
        ("press", "确认无误"),
    ]),
    # ------------------------------------------------------------------ topics
    "topics_browse": ("只想了解常识·看几个话题", [
        "/start", ("press", "法律常识"), ("press", "返回"), ("press", "法律常识"), ("press", "小额诉讼"), "返回",
        ("press", "诉讼时效"), ("press", "其他话题"), ("press", "返回"), ("press", "其他话题"),
        "支付令", ("press", "其他话题"), ("press", "限制消费"), ("press", "查看引用的法条"),
        ("press", "第一条"), "其他话题", "老赖", ("press", "其他话题"), "征信", ("press", "其他话题"), "暴力催收",
        ("press", "其他话题"), "利息", ("press", "其他话题"), "打官司多少钱", ("press", "其他话题"), "调解",
        ("press", "其他话题"), "强制执行", ("press", "其他话题"), "会坐牢吗", ("press", "其他话题"), "能不能不还",
        ("press", "开始个人咨询"),
    ]),
    "topics_typed_question_midflow": ("咨询中途问「支付令是什么？」", [
        "/start", "债权人", "借款", "支付令是什么？", "不知道", "还没起诉", "5000", "失信名单是什么", "能不能不还？",
        "外星人会来要债吗？", "借条", "选好了",
    ]),
    # ------------------------------------------------------------------ documents
    "doc_demand_letter": ("出借人·生成催款函（个人信息不保存），再回到文书菜单和结果页", [
        *CREDITOR_LOAN, ("press", "确认无误"), ("press", "生成文书"), ("press", "返回"), ("press", "生成文书"),
        ("press", "催款函"), "王小明", "江苏省南京市鼓楼区中山北路100号", "13912345678", "李四",
        "浙江省杭州市西湖区文三路200号", "2024-01-10", ("press", "微信"), ("press", "7日"), ("press", "不保存"),
        "返回", ("press", "催款函"), ("press", "跳过"), ("press", "跳过"), ("press", "跳过"), ("press", "跳过"),
        ("press", "跳过"), ("press", "跳过"), ("press", "支付宝"), ("press", "15日"),
        ("press", "生成其他文书"), ("press", "返回"),
    ]),
    "doc_complaint_back_every_step": ("出借人·起诉状：每个问题先回答再返回，保存个人信息后再生成还款协议", [
        *CREDITOR_LOAN, ("press", "确认无误"), ("press", "生成文书"), ("press", "起诉状"),
        *[step for answer in (
            "王小明", ("press", "汉族"), "320106198503120413", "江苏省南京市鼓楼区中山北路100号", "13912345678",
            "李四", "440304198808081238", "浙江省杭州市西湖区文三路200号", "13700001111", "2024-01-10",
            ("press", "银行转账"), ("press", "约定了利率"), "月息1分5", "鼓楼区",
        ) for step in (answer, ("press", "返回"), answer)],
        ("press", "保存30天"), ("press", "返回"), ("press", "还款协议"), "2024-01-10", ("press", "分6期"),
        ("press", "返回"), ("press", "分6期"),
        "2027-01-01", ("press", "删除保存的个人信息"), ("press", "生成其他文书"), ("press", "还款协议"),
        ("press", "跳过"), ("press", "返回"), ("press", "跳过"),
    ]),
    "doc_complaint_interest_options": ("起诉状：没有约定利息、约定不明确；法院留空", [
        *CREDITOR_LOAN, ("press", "确认无误"), ("press", "生成文书"), ("press", "起诉状"),
        *["跳过"] * 11, ("press", "没有约定利息"), "跳过",
        ("press", "返回"), ("press", "起诉状"), *["跳过"] * 11, ("press", "约定不明确"), "跳过",
    ]),
    "doc_agreement_plans": ("出借人·还款协议：一次性、3期、12期、24期、36期", [
        *CREDITOR_LOAN, ("press", "确认无误"), ("press", "生成文书"),
        *[step for plan in ("一次性还清", "分3期", "分12期", "分24期", "分36期") for step in (
            ("press", "还款协议"), *["跳过"] * 9, ("press", plan), "跳过", ("press", "返回"))],
        ("press", "催款函"), *["跳过"] * 6, ("press", "现金"), ("press", "30日"),
    ]),
    "doc_hardship_credit_card": ("信用卡持卡人·协商还款申请书（个性化分期）", [
        "/start", ("press", "债务人"), ("press", "信用卡"), "2.6万", "2025-01-15", ("press", "催收"),
        ("press", "分期"), ("press", "否"), ("press", "确认无误"), ("press", "生成文书"), ("press", "返回"),
        ("press", "生成文书"), ("press", "协商还款申请书"), "赵六", "440304198808081238", "13800138000",
        "某某银行信用卡中心", "6688", ("press", "12期"), "2027-01-10", ("press", "失业"),
        "今年三月被裁员，正在找工作，每月只有临时收入两千元", ("press", "不保存"),
    ]),
    "doc_hardship_reasons": ("网贷借款人·申请书：各种困难原因和期数", [
        "/start", "债务人", "网贷", "不知道", "1.2万", "2025年6月", "催收", "无力偿还", "否", "确认", ("press",
        "生成文书"),
        *[step for months, reason in (("6期", "收入大幅减少"), ("24期", "患病"), ("36期", "经营困难"),
                                      ("60期", "家庭变故"), ("12期", "其他原因"))
          for step in (("press", "协商还款申请书"), *["跳过"] * 5, ("press", months), "跳过", ("press", reason),
                       "跳过", ("press", "返回"))],
    ]),
    "doc_agreement_debtor_person": ("欠朋友钱的债务人·和对方签还款协议", [
        "/start", "债务人", "朋友", "5万", "2024-03-01", "催收", "分期", "否", "确认", ("press", "生成文书"),
        ("press", "还款协议"), "孙七", "110101199003071233", "北京市朝阳区建国路88号", "13600001234", "周八",
        "跳过", "跳过", "跳过", "2024-01-01", ("press", "分12期"), "2027-02-01", "不保存",
    ]),
    # ------------------------------------------------------------------ navigation, commands, restarts
    "restart_and_cancel": ("中途重新开始、取消、再开始", [
        "/start", "债权人", "借款", "重新开始", "确定", "债务人", "信用卡", "/restart", "确定", "取消",
        "/start", "常识",
    ]),
    "resume_after_bot_restart": ("机器人重启后继续上次的咨询", [
        "/start", "债权人", "借款", "不知道", "还没起诉", "5000", ("reopen",), "/start", ("press", "继续上次"), "借条",
        "选好了",
        ("reopen",), "2024-06-30",
    ]),
    "resume_declined_after_restart": ("机器人重启后选择重新开始", [
        "/start", "债务人", "信用卡", ("reopen",), "/start", ("press", "重新开始"), "债权人",
    ]),
    "commands_help_review_law": ("命令：帮助、已答内容、法条搜索、计算器说明、未知命令", [
        "/help", "/start", "债权人", "借款", "不知道", "还没起诉", "8000", "/review", "/law 诉讼时效", ("press",
        "第一百八十八条"),
        "/calc", "/foo", "帮助", "/skip", "/back", "/cancel", "确定",
    ]),
    "skip_optional_province": ("跳过可选问题（省份），不可跳过的问题会说明", [
        "/start", "债权人", "借款", "跳过", "不知道", "还没起诉", "5000", "借条", "选好了", "没有约定", "从未催要过",
        "承认",
        "是", "不清楚", "确认",
    ]),
    # ------------------------------------------------------------------ bad inputs
    "bad_amounts": ("金额输错：负数、文字、过大、零、带单位的玩笑", [
        "/start", "债权人", "借款", "不知道", "还没起诉", "-500", "很多钱", "0", "999999999999", "五千块吧大概", "5000",
    ]),
    "bad_dates": ("日期输错：不存在的日期、未来、乱写、太早", [
        "/start", "债权人", "借款", "不知道", "还没起诉", "5000", "借条", "选好了", "2024-02-30", "明年", "abc",
        "1980-01-01",
        "2024年6月", "2030-01-01", "下个月", "2025-03-01",
    ]),
    "bad_choices_and_buttons": ("选项输错、没选就点选好了、过期和伪造的按钮、发图片", [
        "/start", "我也不知道", "99", "债权人", ("data", "0|a|creditor"), ("data", "garbage"),
        ("data", "1|a|no_such_option"), "借款", "不知道", "还没起诉", "5000", ("press", "选好了"), ("press", "借条"),
        ("press", "借条"),
        ("press", "借条"), ("press", "没有书面证据"), ("press", "选好了"), ("unsupported",), "<b>2024-06-30</b>",
        "' OR 1=1 --", "2024-06-30",
    ]),
    "bad_input_at_review_and_result": ("核对页和结果页乱输入", [
        *DEBTOR_CARD, "随便说点什么", "42", ("press", "确认无误"), "谢谢", ("press", "查看引用的法条"),
        ("data", "0|L|ffffffffff"),
    ]),
}


def _button_data(buttons: Sequence[tuple[str, str]], part: str) -> str:
    for label, data in buttons:
        if part in label:
            return data
    raise SystemExit(f"no button containing {part!r}; have {[b[0] for b in buttons]}")


def record(name: str, title: str, steps: Sequence[Step], db_path: Path, user_id: int) -> None:
    """Run one script through the engine on ``db_path`` and export it to tests/fixtures/NAME.yaml."""

    def new_engine() -> Engine:
        return Engine(SessionStore(open_database(db_path)), clock=lambda: TODAY,
                      documents_dir=db_path.parent / f"out-{user_id}")

    engine = new_engine()
    buttons: list[tuple[str, str]] = []
    reopen_at: list[int] = []
    turns = 0
    for step in steps:
        update_id = user_id * 1000 + turns
        if step == ("reopen",):
            engine.store.db.close()
            engine = new_engine()
            reopen_at.append(turns + len(reopen_at))
            continue
        if isinstance(step, str):
            inbound = Inbound.typed(user_id, user_id, step, update_id=update_id)
        elif step[0] == "press":
            inbound = Inbound.pressed(user_id, user_id, _button_data(buttons, step[1]), update_id=update_id)
        elif step[0] == "data":
            inbound = Inbound.pressed(user_id, user_id, step[1], update_id=update_id)
        elif step[0] == "unsupported":
            inbound = Inbound(user_id, user_id, InboundKind.UNSUPPORTED, update_id=update_id)
        else:
            raise SystemExit(f"{name}: unknown step {step!r}")
        replies = engine.handle(inbound)
        engine.mark_delivered(update_id)
        turns += 1
        for reply in replies:
            if reply.buttons:
                buttons = [(b.label, b.data) for row in reply.buttons for b in row]
    store = engine.store
    (rows,) = rows_for_user(store, user_id)
    conversation = conversation_from_rows(rows, title=title, source="scripts/record_corpus.py",
                                          secret_key=secret(store.db, SECRET_KEY))
    store.db.close()
    for index in reopen_at:
        conversation.turns.insert(index, Turn("reopen"))
    fill_scrubbed(conversation, db_path.parent, replay_engine)
    fixture_format.save(FIXTURES / f"{name}.yaml", [conversation])
    print(f"{name}: {len(conversation.turns)} turns")


def main(names: Sequence[str]) -> int:
    """Record the scripts named (all when none)."""
    chosen = list(names) or list(SCRIPTS)
    unknown = [n for n in chosen if n not in SCRIPTS]
    if unknown:
        print(f"unknown scripts: {unknown}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "corpus.db"
        db = open_database(db_path)
        set_meta(db, SECRET_KEY, CORPUS_SECRET)
        db.close()
        for name in chosen:
            title, steps = SCRIPTS[name]
            record(name, title, steps, db_path, user_id=7_000_000_000 + list(SCRIPTS).index(name) * 7919)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
