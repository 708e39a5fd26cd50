"""Fixed explanatory notes that the dialogue shows with a citation, in the same shape as a calculation."""

from __future__ import annotations

from law.calculation import Calculation


def wage_arrears_note() -> Calculation:
    """Unpaid wages owed by an employer: labour arbitration comes first, not a lawsuit or small claims."""
    return Calculation(
        name="wage-arrears",
        result={"route": "labour_arbitration_first"},
        summary="用人单位拖欠工资属于劳动争议，一般要先申请劳动仲裁（免费），对仲裁裁决不服的再向法院起诉。",
        breakdown=[
            "用人单位与劳动者因劳动报酬等发生的争议属于劳动争议（劳动争议调解仲裁法第二条）。",
            "可以先协商或调解；不愿调解、调解不成的，向劳动争议仲裁委员会申请仲裁；对仲裁裁决不服的，除法律另有规定外，"
            "可以向人民法院起诉（劳动争议调解仲裁法第五条）。",
            "也可以向劳动行政部门（劳动监察）投诉拖欠工资（劳动争议调解仲裁法第九条）。",
            "劳动争议仲裁不收费（劳动争议调解仲裁法第五十三条）。",
            "仲裁时效为一年；但劳动关系存续期间因拖欠劳动报酬发生争议的，不受一年的限制，劳动关系终止的，应当自终止之日起一年内提出"
            "（劳动争议调解仲裁法第二十七条）。",
        ],
        citations=[
            "labour-dispute-arbitration-law:第五条",
            "labour-dispute-arbitration-law:第二条",
            "labour-dispute-arbitration-law:第九条",
            "labour-dispute-arbitration-law:第五十三条",
            "labour-dispute-arbitration-law:第二十七条",
        ],
        cautions=[
            "这只适用于与“用人单位”之间的劳动关系；个人之间的雇佣、帮工或劳务报酬纠纷一般不属于劳动争议，可以直接起诉，"
            "请结合具体情况判断或咨询当地劳动仲裁委员会、法律援助机构。",
            "劳动仲裁的一年时效与民法典的三年诉讼时效不同，不要按三年计算。",
        ],
    )
