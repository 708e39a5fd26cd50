"""Court fees under 《诉讼费用交纳办法》 (State Council Decree No. 481, in force 2007-04-01).

All four calculators apply cumulative tiers ("分段累计") to an amount: each band is charged at its
own rate on the part of the amount that falls inside it. The tier tables below are copied figure by
figure from 第十三条 第(一)项 and 第十四条 第(一)(二)(三)项 (see law/data/litigation-fees-measures.md).
"""

from __future__ import annotations

from decimal import Decimal

from law.calculation import Calculation, CalculationError, check_amount, fmt_money, money

FEES = "litigation-fees-measures"

# (upper bound of the band in yuan or None for "no upper bound", rate). The first band is a flat fee.
# 第十三条(一): 不超过1万元的，每件交纳50元；超过1万元至10万元的部分，按照2.5%交纳；……
# 超过2000万元的部分，按照0.5%交纳。
CASE_FEE_FLAT = (Decimal("10000"), Decimal("50"))
CASE_FEE_TIERS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("100000"), Decimal("0.025")),
    (Decimal("200000"), Decimal("0.02")),
    (Decimal("500000"), Decimal("0.015")),
    (Decimal("1000000"), Decimal("0.01")),
    (Decimal("2000000"), Decimal("0.009")),
    (Decimal("5000000"), Decimal("0.008")),
    (Decimal("10000000"), Decimal("0.007")),
    (Decimal("20000000"), Decimal("0.006")),
    (None, Decimal("0.005")),
)
# 第十四条(一)2: 执行金额或者价额不超过1万元的，每件交纳50元；超过1万元至50万元的部分，按照1.5%交纳；
# 超过50万元至500万元的部分，按照1%交纳；超过500万元至1000万元的部分，按照0.5%交纳；
# 超过1000万元的部分，按照0.1%交纳。
ENFORCEMENT_FLAT = (Decimal("10000"), Decimal("50"))
ENFORCEMENT_TIERS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("500000"), Decimal("0.015")),
    (Decimal("5000000"), Decimal("0.01")),
    (Decimal("10000000"), Decimal("0.005")),
    (None, Decimal("0.001")),
)
# 第十四条(二): 财产数额不超过1000元或者不涉及财产数额的，每件交纳30元；超过1000元至10万元的部分，按照1%交纳；
# 超过10万元的部分，按照0.5%交纳。但是，当事人申请保全措施交纳的费用最多不超过5000元。
PRESERVATION_FLAT = (Decimal("1000"), Decimal("30"))
PRESERVATION_TIERS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("100000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
PRESERVATION_CAP = Decimal("5000")

PROCEDURES: dict[str, str] = {
    "ordinary": "普通程序",
    "summary": "简易程序",
    "small_claims": "小额诉讼程序",
    "mediation": "以调解方式结案",
    "withdrawal": "申请撤诉",
}


def yuan_label(value: Decimal) -> str:
    """Band boundary as written in the statute: 10000 -> 1万元, 1000 -> 1000元."""
    if value >= 10000 and value % 10000 == 0:
        return f"{int(value // 10000)}万元"
    return f"{int(value)}元"


def pct_label(rate: Decimal) -> str:
    """0.025 -> 2.5%."""
    return f"{(rate * 100).normalize():f}%"


def tiered(
    amount: Decimal,
    flat: tuple[Decimal, Decimal],
    tiers: tuple[tuple[Decimal | None, Decimal], ...],
) -> tuple[Decimal, list[str]]:
    """Cumulative band fee for ``amount`` (unrounded) and one Chinese line per band used."""
    flat_limit, flat_fee = flat
    lines = [f"不超过{yuan_label(flat_limit)}的部分：每件{flat_fee}元 → {fmt_money(flat_fee)}"]
    total = flat_fee
    lower = flat_limit
    for upper, rate in tiers:
        if amount <= lower:
            break
        top = amount if upper is None else min(amount, upper)
        part = top - lower
        fee = part * rate
        total += fee
        band = (
            f"超过{yuan_label(lower)}的部分" if upper is None else f"超过{yuan_label(lower)}至{yuan_label(upper)}的部分"
        )
        lines.append(f"{band}：{fmt_money(part)} × {pct_label(rate)} = {fmt_money(fee)}")
        if upper is None:
            break
        lower = upper
    return total, lines


def _procedure(procedure: str) -> str:
    if procedure not in PROCEDURES:
        allowed = "、".join(PROCEDURES)
        raise CalculationError(f"未知的程序类型：{procedure}（可选：{allowed}） / unknown procedure: {procedure}")
    return procedure


def property_case_fee(amount: Decimal) -> Decimal:
    """Full acceptance fee of a property case (第十三条(一)), rounded to the fen."""
    total, _ = tiered(check_amount(amount), CASE_FEE_FLAT, CASE_FEE_TIERS)
    return money(total)


def court_fee(amount: Decimal, procedure: str = "ordinary") -> Calculation:
    """Case acceptance fee (案件受理费) of a money claim, by procedure.

    ``procedure``: ``ordinary`` (full fee, 第十三条(一)); ``summary`` (half, 第十六条); ``small_claims``
    (half, derived — UNCONFIRMED, FACTS fact 38); ``mediation`` / ``withdrawal`` (half, 第十五条).
    """
    amount = check_amount(amount, "诉讼请求金额", "claim amount")
    procedure = _procedure(procedure)
    full, lines = tiered(amount, CASE_FEE_FLAT, CASE_FEE_TIERS)
    breakdown = [f"诉讼请求金额 {fmt_money(amount)}，按财产案件标准分段累计："]
    breakdown += [f"  {line}" for line in lines]
    breakdown.append(f"全额案件受理费：{fmt_money(full)}")
    citations = [f"{FEES}:第十三条"]
    cautions: list[str] = []
    provenance: list[str] = []
    label = PROCEDURES[procedure]
    if procedure == "ordinary":
        fee = full
        summary = f"案件受理费约 {fmt_money(fee)}（{label}，全额）"
    else:
        fee = full / 2
        breakdown.append(f"{label}减半：{fmt_money(full)} ÷ 2 = {fmt_money(fee)}")
        summary = f"案件受理费约 {fmt_money(fee)}（{label}减半）"
        if procedure == "summary":
            citations.append(f"{FEES}:第十六条")
            cautions.append(
                "是否适用简易程序由法院决定；简易程序转为普通程序的，原告应在接到通知之日起七日内补交案件受理费"
                "（民诉法解释第一百九十九条）。"
            )
            citations.append("civil-procedure-interpretation:第一百九十九条")
        elif procedure == "small_claims":
            citations += [
                f"{FEES}:第十六条",
                "civil-procedure-interpretation:第二百八十一条",
                "civil-procedure-interpretation:第二百七十四条",
            ]
            cautions.append("小额诉讼的受理费是按减半估算的，你所在地法院可能按全额收，交费前以法院的通知为准。")
            provenance.append(
                "没有找到明确规定“小额诉讼案件减半收取案件受理费”的全国性条文。减半是推导出来的："
                "小额诉讼规定在民事诉讼法“简易程序”一章，民诉法解释第二百八十一条规定小额诉讼未规定的事项适用简易程序的其他规定，"
                "而简易程序案件减半交纳（《诉讼费用交纳办法》第十六条）。法院受理时应当告知诉讼费用交纳标准"
                "（民诉法解释第二百七十四条）。"
            )
        else:
            citations.append(f"{FEES}:第十五条")
            cautions.append(
                "起诉时还不知道会不会调解结案或撤诉，一般先按全额预交，以调解或撤诉结案后按减半计算（退还多交部分），"
                "具体以法院做法为准。"
            )
            cautions.append("已经按简易程序减半的，调解或撤诉结案时能不能再减半说不准，以法院的计算为准。")
            provenance.append("已按简易程序减半的案件再以调解或撤诉结案时能否再次减半，没有收录到明确规定。")
    cautions.append("这是按《诉讼费用交纳办法》标准估算的数字，实际金额以法院的交费通知为准。")
    cautions.append(
        "案件受理费由原告预交，最终由败诉方负担（《诉讼费用交纳办法》第二十条、第二十九条）；交费确有困难的，可以申请缓交、"
        "减交或者免交（第四十四条，免交只适用于自然人）。"
    )
    citations += [f"{FEES}:第二十条", f"{FEES}:第二十九条", f"{FEES}:第四十四条"]
    return Calculation(
        name="court-fee",
        result=money(fee),
        summary=summary,
        breakdown=breakdown,
        citations=citations,
        cautions=cautions,
        provenance=provenance,
    )


def payment_order_fee(amount: Decimal) -> Calculation:
    """Application fee for a payment order (支付令): one third of the property-case fee (第十四条(三))."""
    amount = check_amount(amount, "申请支付令的金额", "amount")
    full, lines = tiered(amount, CASE_FEE_FLAT, CASE_FEE_TIERS)
    fee = full / 3
    breakdown = [f"请求给付金额 {fmt_money(amount)}，先按财产案件受理费标准分段累计："]
    breakdown += [f"  {line}" for line in lines]
    breakdown.append(f"财产案件受理费：{fmt_money(full)}")
    breakdown.append(f"比照财产案件受理费标准的1/3：{fmt_money(full)} ÷ 3 = {fmt_money(fee)}")
    return Calculation(
        name="payment-order-fee",
        result=money(fee),
        summary=f"申请支付令费用约 {fmt_money(fee)}（财产案件受理费的三分之一）",
        breakdown=breakdown,
        citations=[
            f"{FEES}:第十四条",
            f"{FEES}:第十三条",
            f"{FEES}:第三十六条",
            "civil-procedure-law:第二百二十七条",
            "civil-procedure-interpretation:第一百九十五条",
        ],
        cautions=[
            "债务人未提出异议的，申请费由债务人负担；债务人异议致使督促程序终结的，由申请人负担，"
            "申请人另行起诉时可以把这笔费用列入诉讼请求（《诉讼费用交纳办法》第三十六条）。",
            "支付令失效转入诉讼程序的，债权人应当按照《诉讼费用交纳办法》补交案件受理费（民诉法解释第一百九十五条）。",
            "这是按标准估算的数字，实际金额以法院通知为准。",
        ],
    )


def preservation_fee(amount: Decimal) -> Calculation:
    """Application fee for property preservation (保全), 第十四条(二).

    30 yuan up to 1,000 yuan; 1% of the part from 1,000 to 100,000; 0.5% above; never more than 5,000 yuan.
    """
    amount = check_amount(amount, "保全的财产数额", "amount")
    total, lines = tiered(amount, PRESERVATION_FLAT, PRESERVATION_TIERS)
    breakdown = [f"实际保全的财产数额 {fmt_money(amount)}，分段累计："]
    breakdown += [f"  {line}" for line in lines]
    breakdown.append(f"分段合计：{fmt_money(total)}")
    if total > PRESERVATION_CAP:
        fee = PRESERVATION_CAP
        breakdown.append(f"超过最高限额，按最多不超过5000元计：{fmt_money(fee)}")
        summary = f"保全申请费 {fmt_money(fee)}（已达5000元上限）"
    else:
        fee = total
        summary = f"保全申请费约 {fmt_money(fee)}"
    return Calculation(
        name="preservation-fee",
        result=money(fee),
        summary=summary,
        breakdown=breakdown,
        citations=[
            f"{FEES}:第十四条",
            f"{FEES}:第三十八条",
            "civil-procedure-law:第一百零三条",
            "civil-procedure-law:第一百零四条",
            "property-preservation-provisions:第五条",
        ],
        cautions=[
            "费用按“实际保全的财产数额”计算，不一定等于你的诉讼请求金额。",
            "保全申请费由申请人负担，提起诉讼的，可以把它列入诉讼请求（《诉讼费用交纳办法》第三十八条第三款）。",
            "法院可以要求提供担保：诉讼中一般不超过请求保全数额的30%，诉前保全一般相当于请求保全数额"
            "（财产保全规定第五条）；这不是费用，但需要准备。",
            "这是按标准估算的数字，实际金额以法院通知为准。",
        ],
    )


def enforcement_fee(amount: Decimal) -> Calculation:
    """Application fee for enforcement (申请执行费), tiers of 第十四条(一).

    Paid after enforcement (第二十条第二款) and borne by the judgment debtor (第三十八条第一款).
    """
    amount = check_amount(amount, "执行金额", "amount")
    total, lines = tiered(amount, ENFORCEMENT_FLAT, ENFORCEMENT_TIERS)
    breakdown = [f"执行金额 {fmt_money(amount)}，分段累计："]
    breakdown += [f"  {line}" for line in lines]
    breakdown.append(f"合计：{fmt_money(total)}")
    return Calculation(
        name="enforcement-fee",
        result=money(total),
        summary=f"申请执行费约 {fmt_money(total)}（执行后交纳，由被执行人负担）",
        breakdown=breakdown,
        citations=[
            f"{FEES}:第十四条",
            f"{FEES}:第二十条",
            f"{FEES}:第三十八条",
        ],
        cautions=[
            "申请执行费不由申请人预交，执行后交纳（《诉讼费用交纳办法》第二十条第二款），由被执行人负担（第三十八条第一款）；"
            "执行中双方和解的，由双方协商，协商不成由法院决定（《诉讼费用交纳办法》第三十八条第二款）。",
            "没有执行金额或者价额的案件，每件50元至500元，不适用本计算。",
            "这是按标准估算的数字，实际金额以法院通知为准。",
        ],
    )
