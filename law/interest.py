"""Interest: the private-lending cap (4 × one-year LPR) and delay interest in enforcement.

* :func:`interest_cap` — 《民间借贷规定》 (2020 second amendment) 第二十五条: agreed interest above four times
  the one-year LPR **at contract formation** is not supported; 第三十一条 is the transitional rule for
  contracts formed before 2020-08-20; licensed lenders are outside these provisions (第一条第二款,
  法释〔2020〕27号 第一点).
* :func:`delay_interest` — the "doubled" part of delay interest under 民事诉讼法 第二百六十四条 and the 2014
  interpretation (迟延履行利息解释) 第一条: unpaid money debt × 0.0175% per day × days of delay.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from law.calculation import (
    Calculation,
    CalculationError,
    check_amount,
    check_date,
    fmt_date,
    fmt_money,
    fmt_pct,
    money,
    resolve_today,
)
from law.lpr import data_currency_caution, data_source_note, lpr_on, staleness_caution

TRANSITION_DATE = date(2020, 8, 20)
UNITS: dict[str, tuple[Decimal, str]] = {
    "year": (Decimal(1), "年利率"),
    "month": (Decimal(12), "月利率"),
    "day": (Decimal(365), "日利率"),
}
LENDERS = ("private", "licensed")
MAX_RATE_PCT = Decimal(1000)
DELAY_RATE_PER_DAY = Decimal("0.000175")  # 日万分之一点七五


def _check_rate(rate: object) -> Decimal:
    if isinstance(rate, bool) or not isinstance(rate, Decimal | int | str):
        raise CalculationError("利率必须是数字 / rate must be a number")
    try:
        value = Decimal(rate) if not isinstance(rate, Decimal) else rate
    except InvalidOperation as exc:
        raise CalculationError("利率必须是数字 / rate must be a number") from exc
    if not value.is_finite():
        raise CalculationError("利率必须是数字 / rate must be a number")
    if value < 0:
        raise CalculationError("利率不能是负数 / rate cannot be negative")
    if value > MAX_RATE_PCT:
        raise CalculationError("利率不合理（超过1000%） / rate implausibly high (over 1000%)")
    return value


def annual_rate(rate: Decimal, unit: str) -> tuple[Decimal, str]:
    """Convert a percentage per year/month/day to a yearly percentage; return it and the working (Chinese)."""
    if unit not in UNITS:
        raise CalculationError(f"利率单位只能是 year、month 或 day / unit must be year, month or day (got {unit})")
    factor, label = UNITS[unit]
    annual = rate * factor
    if unit == "year":
        return annual, f"约定年利率{fmt_pct(rate)}%"
    if unit == "month":
        return (
            annual,
            f"约定月利率{fmt_pct(rate)}%（俗称“月息{fmt_pct(rate)}分”），按×12折算为年利率{fmt_pct(annual)}%",
        )
    return annual, f"约定日利率{fmt_pct(rate)}%，按×365折算为年利率{fmt_pct(annual)}%"


def interest_cap(
    contract_date: date,
    rate: Decimal,
    unit: str = "year",
    lender: str = "private",
    today: date | None = None,
) -> Calculation:
    """Is an agreed interest rate within the private-lending cap of 4 × one-year LPR?

    ``rate`` is a percentage per ``unit`` ("year" 年化 %, "month" 月息 %, "day" 日息 %; e.g. 月息2分 =
    ``rate=2, unit="month"``). ``lender="licensed"`` (banks, credit cards, consumer-finance and small-loan
    companies, 花呗/借呗…) does not apply the cap. Result dict: ``regime``, ``cap_pct``,
    ``user_annual_pct``, ``exceeds``, ``lpr`` (month, publish_date, value_pct, confidence).
    """
    today = resolve_today(today)
    check_date(contract_date, "合同成立日期", "contract date")
    rate = _check_rate(rate)
    if lender not in LENDERS:
        raise CalculationError(
            f"出借人类型只能是 private 或 licensed / lender must be private or licensed (got {lender})"
        )
    if contract_date > today:
        raise CalculationError("合同成立日期不能晚于今天 / contract date cannot be in the future")
    user_annual, rate_line = annual_rate(rate, unit)

    formation_note = (
        "“合同成立时”：自然人之间的借款合同自贷款人提供借款时成立，例如银行转账的，自资金到达借款人账户时成立"
        "（民法典第六百七十九条、民间借贷规定第九条），不一定是写借条的日子。"
    )

    if lender == "licensed":
        return Calculation(
            name="interest-cap",
            result={
                "regime": "licensed",
                "cap_pct": None,
                "user_annual_pct": user_annual,
                "exceeds": None,
                "lpr": None,
            },
            summary=(
                f"持牌金融机构的贷款不适用民间借贷“四倍LPR”上限；{rate_line}。法院对它们适用什么上限，目前说不准，可以问法院或12348。"
            ),
            breakdown=[
                rate_line,
                "经金融监管部门批准设立的从事贷款业务的金融机构及其分支机构，因发放贷款等相关金融业务引发的纠纷，"
                "不适用民间借贷规定（民间借贷规定第一条第二款）。",
                "小额贷款公司、融资担保公司、典当行、融资租赁公司、商业保理公司等七类地方金融组织属于经金融监管部门批准设立的金融机构，"
                "同样不适用（法释〔2020〕27号第一点）。银行、信用卡、消费金融公司的贷款，以及花呗、借呗等，通常属于这一类。",
            ],
            citations=[
                "private-lending-provisions:第一条",
                "private-lending-scope-reply:一",
                "private-lending-provisions:第二十五条",
            ],
            cautions=[
                "银行、信用卡、消费金融公司、小额贷款公司等持牌机构的利率、罚息和费用，法院适用什么上限目前说不准；"
                "不要把“四倍LPR”当作它们的法定上限，也不要认为它们可以不受任何限制，有疑问问法院或12348。",
                "出借人是谁以借款合同或账单上写明的为准；花呗、借呗的出借方可能是消费金融公司、小额贷款公司或合作银行。",
                "如果出借人其实是个人或普通公司（不是持牌机构），请选择“民间借贷”重新计算。",
            ],
        )

    citations = ["private-lending-provisions:第二十五条"]
    cautions: list[str] = []
    if contract_date < TRANSITION_DATE:
        regime = "transitional"
        row = lpr_on(today)
        cap = row.one_year_pct * 4
        stale = staleness_caution(today)
        breakdown = [
            rate_line,
            f"合同成立于{fmt_date(contract_date)}，早于2020年8月20日，适用民间借贷规定第三十一条的过渡规则：",
            "  自合同成立到2020年8月19日的利息：当事人可以请求适用当时的司法解释计算。"
            "当时的规定（2015年《民间借贷规定》）一般理解为：年利率24%以内的受保护，超过36%的部分无效，24%—36%之间的已付利息不能要回。",
            "  自2020年8月20日到借款返还之日的利息：适用起诉时本规定的利率保护标准，即起诉时一年期LPR的四倍。",
            f"  本计算假设今天（{fmt_date(today)}）起诉，使用今天适用的一年期LPR："
            f"{row.month}为{fmt_pct(row.one_year_pct)}%，"
            f"四倍为{fmt_pct(cap)}%。",
        ]
        citations += ["private-lending-provisions:第三十一条"]
        cautions.append("2015年旧规定的24%/36%规则这里只是概括说明，具体适用可能有出入，有疑问问法院或12348。")
        cautions.append("过渡规则下的上限取决于实际起诉的日期；起诉时LPR如有变动，上限随之变化。")
        if stale:
            cautions.append(stale)
        lpr_text = f"按今天起诉计，一年期LPR {row.one_year_pct:.2f}%"
    else:
        regime = "formation"
        row = lpr_on(contract_date)
        cap = row.one_year_pct * 4
        breakdown = [
            rate_line,
            f"合同成立日{fmt_date(contract_date)}适用的一年期LPR：{row.month}（{fmt_date(row.publish_date)}发布）为"
            f"{fmt_pct(row.one_year_pct)}%（{row.plain_zh}）。",
            f"上限：{fmt_pct(row.one_year_pct)}% × 4 = {fmt_pct(cap)}%"
            "（民间借贷规定第二十五条：超过合同成立时一年期LPR四倍的部分不予支持）。",
        ]
        stale = staleness_caution(contract_date)
        if stale:
            cautions.append(stale)
        lpr_text = f"合同成立时一年期LPR {row.one_year_pct:.2f}%"

    exceeds = user_annual > cap
    if exceeds:
        breakdown.append(f"比较：{fmt_pct(user_annual)}% > {fmt_pct(cap)}%，超过部分的利息法院不予支持。")
        verdict = "超过上限，超过部分法院不予支持"
    else:
        breakdown.append(f"比较：{fmt_pct(user_annual)}% ≤ {fmt_pct(cap)}%，在上限以内。")
        verdict = "没有超过上限"
    summary = (
        f"民间借贷利率上限为年利率{fmt_pct(cap)}%（{lpr_text} × 4）；"
        f"你的约定折合年利率{fmt_pct(user_annual)}%，{verdict}。"
    )
    if unit != "year":
        cautions.append(
            "月利率×12、日利率×365折算为年利率是常用的简便算法；借条写法不清楚（如“2分利”是月息还是年息）时，以借条的实际约定为准。"
        )
    cautions.append(
        "逾期利息、违约金和其他费用可以一并主张，但总计超过合同成立时一年期LPR四倍的部分不予支持（民间借贷规定第二十八条、第二十九条）。"
    )
    cautions.append(formation_note)
    cautions.append(
        "只适用于民间借贷（自然人、法人和非法人组织之间的借款）；银行、信用卡、消费金融公司、小额贷款公司等持牌机构的贷款不适用"
        "（民间借贷规定第一条第二款、法释〔2020〕27号第一点）。"
    )
    cautions.append("借款合同对利息没有约定的，出借人不能主张利息（民间借贷规定第二十四条、民法典第六百八十条）。")
    cautions.append(data_currency_caution())
    citations += [
        "private-lending-provisions:第二十八条",
        "private-lending-provisions:第二十九条",
        "private-lending-provisions:第九条",
        "civil-code:第六百七十九条",
        "private-lending-provisions:第一条",
        "private-lending-scope-reply:一",
        "private-lending-provisions:第二十四条",
        "civil-code:第六百八十条",
    ]
    return Calculation(
        provenance=[data_source_note()],
        name="interest-cap",
        result={
            "regime": regime,
            "cap_pct": cap,
            "user_annual_pct": user_annual,
            "exceeds": exceeds,
            "lpr": row.to_json(),
        },
        summary=summary,
        breakdown=breakdown,
        citations=citations,
        cautions=cautions,
    )


def delay_interest(principal: Decimal, start: date, end: date, today: date | None = None) -> Calculation:
    """The doubled part of delay interest (加倍部分债务利息) during enforcement.

    ``principal``: the unpaid money debt fixed by the judgment, WITHOUT ordinary interest (第一条第三款).
    ``start``: the last day of the performance period set by the judgment (履行期间届满之日, 第二条).
    ``end``: the day the debtor pays (or money is transferred/the auction ruling takes effect, 第三条).

    Day count: delay interest runs "自履行期间届满之日起" (第二条) "至履行完毕之日" (第三条). As with every
    period counted in days, the starting day itself is not counted (民法典 第二百零一条第一款) and the
    end day is (计算至…之日), so days = ``end − start``: performance period ending 2024-03-11, paid
    2024-03-21 → 10 days (12–21 March). An ``end`` after today is allowed as a projection.
    """
    principal = check_amount(principal, "未履行的金钱债务", "principal")
    check_date(start, "履行期间届满日", "start date")
    check_date(end, "计算截止日", "end date")
    today = resolve_today(today)
    if start > today:
        raise CalculationError("履行期间届满日不能晚于今天 / start date cannot be in the future")
    if end <= start:
        raise CalculationError("截止日必须晚于履行期间届满日 / end date must be after the start date")
    days = (end - start).days
    amount = principal * DELAY_RATE_PER_DAY * days
    breakdown = [
        f"迟延履行天数：履行期间届满日{fmt_date(start)}当日不计，计算至{fmt_date(end)}（含当日），共{days}天"
        "（迟延履行利息解释第二条、第三条；民法典第二百零一条）。",
        f"加倍部分债务利息 = {fmt_money(principal)} × 万分之一点七五/日 × {days}天 = {fmt_money(amount)}"
        "（迟延履行利息解释第一条）。",
        "日万分之一点七五约相当于年利率6.3875%（×365，仅供参考）。",
    ]
    cautions = [
        "本金应是生效法律文书确定的、尚未清偿的金钱债务，不包括一般债务利息（迟延履行利息解释第一条第三款）。",
        "迟延履行期间的一般债务利息，按生效法律文书确定的方法另行计算；文书没有确定给付该利息的，不计算（迟延履行利息解释第一条第二款）。",
        "分次履行的，每部分分别计算至该部分履行完毕之日；非因被执行人申请而中止、暂缓执行的期间不计算（迟延履行利息解释第三条）。本计算按全部本金"
        "一次计算到截止日。",
        "被执行人的财产不足以清偿全部债务的，先清偿金钱债务，再清偿加倍部分债务利息（迟延履行利息解释第四条）。",
        "生效法律文书确定分期履行的，自每次履行期间届满之日起分别计算（迟延履行利息解释第二条）；文书未确定履行期间的，自文书生效之日起计算。",
    ]
    if end > today:
        cautions.append(f"截止日{fmt_date(end)}在今天之后，结果是假设届时履行完毕的预估。")
    return Calculation(
        name="delay-interest",
        result=money(amount),
        summary=f"加倍部分的迟延履行利息约 {fmt_money(amount)}（{days}天）",
        breakdown=breakdown,
        citations=[
            "delayed-performance-interest:第一条",
            "delayed-performance-interest:第二条",
            "delayed-performance-interest:第三条",
            "delayed-performance-interest:第四条",
            "civil-procedure-law:第二百六十四条",
            "civil-procedure-interpretation:第五百零四条",
            "civil-code:第二百零一条",
        ],
        cautions=cautions,
    )


def accrued_interest(principal: Decimal, annual_pct: Decimal, start: date, end: date) -> Calculation:
    """Simple interest on ``principal`` at ``annual_pct`` per year from ``start`` to ``end``.

    Used for the "暂计至…" figure of a complaint's interest claim. Day count: the starting day is not
    counted and the end day is (民法典 第二百零一条, as for every period counted in days), so
    days = ``end − start``; a day is 1/365 of the yearly rate. Result: the amount (rounded to the fen).
    """
    principal = check_amount(principal, "本金", "principal")
    rate = _check_rate(annual_pct)
    check_date(start, "起算日", "start date")
    check_date(end, "计算截止日", "end date")
    if end < start:
        raise CalculationError("截止日不能早于起算日 / end date must not be before the start date")
    days = (end - start).days
    amount = principal * rate / 100 * days / 365
    return Calculation(
        name="accrued-interest",
        result=money(amount),
        summary=f"{fmt_money(principal)} × 年利率{fmt_pct(rate)}% × {days}天 ÷ 365 ≈ {fmt_money(amount)}",
        breakdown=[
            f"天数：{fmt_date(start)}当日不计，计算至{fmt_date(end)}（含当日），共{days}天（民法典第二百零一条）。",
            f"利息 = {fmt_money(principal)} × {fmt_pct(rate)}% × {days} ÷ 365 = {fmt_money(amount)}。",
        ],
        citations=["civil-code:第二百零一条"],
        cautions=[
            "按实际天数、一年365天折算日利率；法院的具体算法（例如按360天折算、分段适用不同LPR）可能不同，"
            "金额以法院认定为准。",
        ],
    )
