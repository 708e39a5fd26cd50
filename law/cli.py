"""Command line for the calculators and the article search.

Usage (``bot.py`` forwards ``python bot.py calc ...`` / ``python bot.py law ...`` here)::

    python -m law.cli calc court-fee 5万 --procedure summary
    python -m law.cli calc limitation --due 2024-02-29 --interruption 2025-03-01 --json
    python -m law.cli calc interest-cap --contract-date 2023-05-01 --rate 2 --unit month
    python -m law.cli law 诉讼时效

Exit codes: 0 success, 1 nothing found (``law``) or internal error, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal

from law.arguments import UsageError, parse_amount, parse_rate, province_argument, read_dates, today_argument
from law.calculation import Calculation, CalculationError
from law.deadlines import appeal_deadline, labour_arbitration_deadline, retrial_deadline
from law.fees import PROCEDURES, court_fee, enforcement_fee, payment_order_fee, preservation_fee
from law.interest import delay_interest, interest_cap
from law.kb import format_article, get_article, search_articles
from law.periods import enforcement_deadline, limitation
from law.small_claims import small_claims

_AMOUNT_HELP = "金额，如 50000、5万、三千五 / amount, e.g. 50000, 5万, 5,000"
_DATES_HELP = (
    "日期可以写 2024-05-01、2024年5月1日、二〇二四年五月一日、去年五月（从 --today 起算；只写年月按1日计）"
    " / dates: 2024-05-01, 2024年5月1日, 去年五月 (relative to --today)"
)


# argparse's own English messages, said in Chinese first (the English stays for operators).
_ARGPARSE_ZH = (
    (re.compile(r"the following arguments are required: (.+)"), r"缺少参数：\1 / missing: \1"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
     r"参数 \1 只能是 \3，收到 \2 / \1 must be one of \3"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1 / unrecognized: \1"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 后面需要一个值 / \1 needs a value"),
    (re.compile(r"argument (\S+): (.+)"), r"\2"),
)


def _zh(message: str) -> str:
    for pattern, replacement in _ARGPARSE_ZH:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "参数 / arguments"
        self._optionals.title = "选项 / options"
        self.add_argument("-h", "--help", action="help", help="显示本帮助 / show this help")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "用法 / usage:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "用法 / usage:", 1)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(_zh(message))


def _rate_unit(rate: Decimal, given: str | None) -> str:
    """The unit for ``--rate``: ``--unit`` if given, else what the rate said, else a yearly rate."""
    said = getattr(rate, "unit", "")
    if given and said and given != said:
        names = {"year": "年利率", "month": "月利率", "day": "日利率"}
        raise UsageError(f"利率写的是{names[said]}，但 --unit 是 {given} / --rate says {said}, --unit says {given}")
    return given or said or "year"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _DATES_HELP
    parser.add_argument("--json", action="store_true", help="输出一个JSON对象 / print one JSON object")
    parser.add_argument(
        "--today",
        type=today_argument,
        default=None,
        help="把“今天”固定为某日（测试用） / fix today's date, YYYY-MM-DD",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree: ``calc <calculator> ...`` and ``law <query>``."""
    parser = _Parser(
        prog="bot.py",
        description="小额债务助手：法律计算器与法条查询 / xiaoe: legal calculators and article search",
    )
    commands = parser.add_subparsers(dest="command", metavar="{calc,law}", parser_class=_Parser)
    commands.required = True

    calc = commands.add_parser(
        "calc",
        help="计算器 / calculators",
        description="按法条计算诉讼费、利率上限、时效等 / statutory calculators",
        epilog=_DATES_HELP,
    )
    calcs = calc.add_subparsers(dest="calculator", metavar="CALCULATOR", parser_class=_Parser)
    calcs.required = True

    p = calcs.add_parser(
        "court-fee",
        help="案件受理费 / case acceptance fee",
        description="案件受理费（《诉讼费用交纳办法》第十三条，简易程序等减半）"
        " / court acceptance fee of a money claim",
    )
    p.add_argument("amount", type=parse_amount, help=_AMOUNT_HELP)
    p.add_argument(
        "--procedure",
        choices=sorted(PROCEDURES),
        default="ordinary",
        help="程序：ordinary普通、summary简易、small_claims小额、mediation调解结案、withdrawal撤诉 / procedure",
    )
    _common(p)

    for name, zh, en in (
        ("payment-order-fee", "申请支付令费用（财产案件受理费的1/3）", "payment order application fee"),
        ("preservation-fee", "财产保全申请费（最高5000元）", "property preservation fee"),
        ("enforcement-fee", "申请执行费（执行后由被执行人负担）", "enforcement application fee"),
    ):
        p = calcs.add_parser(name, help=f"{zh} / {en}", description=f"{zh} / {en}")
        p.add_argument("amount", type=parse_amount, help=_AMOUNT_HELP)
        _common(p)

    p = calcs.add_parser(
        "interest-cap",
        help="民间借贷利率上限（4倍LPR） / private-lending interest cap",
        description="民间借贷约定利率是否超过合同成立时一年期LPR的四倍（民间借贷规定第二十五条）"
        " / is the agreed rate above 4 x one-year LPR at contract formation",
    )
    p.add_argument("--contract-date", type=str, required=True, help="合同成立（出借）日期 / contract date")
    p.add_argument(
        "--rate", type=parse_rate, required=True,
        help="约定利率（百分数），如 24、年化24%%、月息2分、1分5 / rate in percent",
    )
    p.add_argument(
        "--unit",
        choices=["year", "month", "day"],
        default=None,
        help="利率单位：year年利率（默认）、month月利率、day日利率；利率里写了“月息/年化”时可省略"
        " / rate per year (default), month or day",
    )
    p.add_argument(
        "--lender",
        choices=["private", "licensed"],
        default="private",
        help="private个人或普通公司；licensed银行、信用卡、消费金融、小贷公司、花呗借呗等 / lender type",
    )
    _common(p)

    p = calcs.add_parser(
        "limitation",
        help="诉讼时效（三年） / limitation period",
        description="三年诉讼时效的最后一日（民法典第一百八十八条、第一百九十五条、第二百零一条至第二百零三条）"
        " / last day of the three-year limitation period",
    )
    p.add_argument(
        "--due",
        "--due-date",
        dest="due",
        type=str,
        default=None,
        help="约定还款日（分期的填最后一期） / due date",
    )
    p.add_argument(
        "--demand",
        "--demand-date",
        dest="demand",
        type=str,
        default=None,
        help="没有约定还款期限时，第一次催要的日期 / first demand (no term agreed)",
    )
    p.add_argument(
        "--interruption",
        "--last-interruption",
        dest="interruption",
        type=str,
        action="append",
        default=[],
        help="中断日期（催要、对方承认、起诉），可重复 / interruption date, repeatable",
    )
    _common(p)

    p = calcs.add_parser(
        "enforcement-deadline",
        help="申请执行期间（二年） / enforcement deadline",
        description="申请强制执行的二年期间（民事诉讼法第二百五十条） / two-year period to apply for enforcement",
    )
    p.add_argument(
        "--performance-end",
        type=str,
        required=True,
        help="判决等规定的履行期间最后一日 / last day to perform",
    )
    _common(p)

    p = calcs.add_parser(
        "delay-interest",
        help="迟延履行加倍部分利息 / delay interest in enforcement",
        description="加倍部分债务利息 = 未履行金钱债务 × 日万分之一点七五 × 天数（迟延履行利息解释第一条）"
        " / doubled delay interest, 0.0175% per day",
    )
    p.add_argument("amount", type=parse_amount, help="未履行的金钱债务（不含一般利息） / unpaid principal")
    p.add_argument("--start", type=str, required=True, help="履行期间届满日 / last day of performance period")
    p.add_argument("--end", type=str, required=True, help="履行完毕（计算截止）日 / date of payment")
    _common(p)

    p = calcs.add_parser(
        "small-claims",
        help="是否适用小额诉讼 / small-claims eligibility",
        description="标的额是否在本省小额诉讼标准以内（民事诉讼法第一百六十五条）"
        " / small-claims eligibility by province",
    )
    p.add_argument("amount", type=parse_amount, help="标的额 / " + _AMOUNT_HELP)
    p.add_argument(
        "--province", type=province_argument, default=None, help="省份，如 江苏、江苏省、Jiangsu / province"
    )
    _common(p)

    p = calcs.add_parser("appeal-deadline", help="上诉期（判决15日、裁定10日） / appeal deadline")
    p.add_argument("--served", type=str, required=True, help="送达日期 / service date")
    p.add_argument("--ruling", action="store_true", help="裁定（10日） / a ruling (10 days)")
    p.add_argument("--small-claims", action="store_true", help="小额诉讼案件 / small-claims case")
    _common(p)

    p = calcs.add_parser("retrial-deadline", help="申请再审期间（六个月） / retrial deadline")
    p.add_argument("--effective", type=str, required=True, help="判决生效日期 / effective date")
    _common(p)

    p = calcs.add_parser("labour-arbitration", help="劳动仲裁时效（一年） / labour arbitration period")
    p.add_argument("--known", type=str, required=True, help="知道权利被侵害的日期 / date known")
    p.add_argument("--interruption", type=str, action="append", default=[], help="中断日期 / interruption")
    p.add_argument("--employment-ended", type=str, default=None, help="离职日期 / employment end")
    p.add_argument("--wages-during-employment", action="store_true", help="在职期间欠薪 / wages owed in work")
    _common(p)

    p = commands.add_parser(
        "law",
        help="查法条 / search articles",
        description="按主题、条号或关键词查法条原文，如：诉讼时效、民法典188、小额诉讼 / search stored articles",
    )
    p.add_argument("query", nargs="+", help="查询内容 / query")
    p.add_argument("--limit", type=int, default=5, help="最多显示几条 / maximum results")
    p.add_argument("--json", action="store_true", help="输出一个JSON对象 / print one JSON object")
    return parser


def _run_calc(args: argparse.Namespace) -> Calculation:
    handlers: dict[str, Callable[[], Calculation]] = {
        "court-fee": lambda: court_fee(args.amount, args.procedure),
        "payment-order-fee": lambda: payment_order_fee(args.amount),
        "preservation-fee": lambda: preservation_fee(args.amount),
        "enforcement-fee": lambda: enforcement_fee(args.amount),
        "interest-cap": lambda: interest_cap(args.contract_date, Decimal(args.rate),
                                              _rate_unit(args.rate, args.unit), args.lender, today=args.today),
        "limitation": lambda: limitation(
            args.due,
            today=args.today,
            demand_date=args.demand,
            interruptions=args.interruption,
        ),
        "enforcement-deadline": lambda: enforcement_deadline(args.performance_end, today=args.today),
        "delay-interest": lambda: delay_interest(args.amount, args.start, args.end, today=args.today),
        "small-claims": lambda: small_claims(args.amount, args.province, today=args.today),
        "appeal-deadline": lambda: appeal_deadline(
            args.served, "ruling" if args.ruling else "judgment", args.small_claims, today=args.today
        ),
        "retrial-deadline": lambda: retrial_deadline(args.effective, today=args.today),
        "labour-arbitration": lambda: labour_arbitration_deadline(
            args.known, args.interruption, args.wages_during_employment, args.employment_ended, today=args.today
        ),
    }
    return handlers[args.calculator]()


def render(calculation: Calculation) -> str:
    """Plain-text rendering of a calculation for the terminal."""
    lines = [calculation.summary]
    if calculation.breakdown:
        lines += ["", "计算过程："]
        lines += [f"  {line}" for line in calculation.breakdown]
    if calculation.cautions:
        lines += ["", "注意："]
        lines += [f"  · {line}" for line in calculation.cautions]
    if calculation.provenance:
        lines += ["", "数据来源与可靠性："]
        lines += [f"  · {line}" for line in calculation.provenance]
    if calculation.citations:
        lines += ["", "法律依据："]
        lines += [f"  · {get_article(key).citation}" for key in calculation.citations]
    return "\n".join(lines)


def _law(args: argparse.Namespace) -> int:
    query = " ".join(args.query).strip()
    if not query:
        raise UsageError("查询内容不能为空 / query is empty")
    if args.limit <= 0:
        raise UsageError("--limit 必须大于0 / --limit must be positive")
    articles = search_articles(query, limit=args.limit)
    if args.json:
        print(
            json.dumps(
                {
                    "query": query,
                    "results": [
                        {
                            "key": a.key,
                            "citation": a.citation,
                            "law": a.law,
                            "version": a.version,
                            "version_zh": a.version_zh,
                            "source": a.source,
                            "text": a.text,
                        }
                        for a in articles
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0 if articles else 1
    if not articles:
        print(f"没有找到与“{query}”相关的条文。可以试试：诉讼时效、小额诉讼、支付令、利息、失信、执行、民法典188。")
        return 1
    print(("\n\n" + "—" * 20 + "\n\n").join(format_article(a) for a in articles))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 nothing found/internal error, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "law":
            return _law(args)
        notes = read_dates(args)
        calculation = _run_calc(args)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        print(f"参数错误 / usage error: {exc}", file=sys.stderr)
        return 2
    except CalculationError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never show a traceback to a user
        print(f"内部错误 / internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for note in notes:
        print(note, file=sys.stderr)
    try:
        if args.json:
            print(json.dumps(calculation.to_json(), ensure_ascii=False, indent=2))
        else:
            print(render(calculation))
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
