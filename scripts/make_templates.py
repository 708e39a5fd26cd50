"""Create the first versions of the Word templates in documents/templates/ (a one-off scaffold).

The .docx files are the source of truth: lawyers edit them in Word, WPS or LibreOffice (see
documents/templates/README.md). This script only exists to recreate them from scratch, and to show
their text in plain form for review; it refuses to overwrite an existing template unless --force is
given, so it cannot silently undo a lawyer's edits.

    .venv/bin/python scripts/make_templates.py            # create missing templates
    .venv/bin/python scripts/make_templates.py --force    # overwrite all of them
    .venv/bin/python scripts/make_templates.py --language # declare zh-CN in the existing ones (keeps edits)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "documents" / "templates"

BODY_FONT = "宋体"  # SimSun: what Chinese courts and offices expect; previews map it to Noto Serif CJK
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(14)  # 四号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四
INDENT = Pt(28)  # two characters
LINE = Pt(24)  # exact line spacing of body text
TABLE_LINE = Pt(18)

Part = str | tuple[str, bool]  # text, or (text, bold)


def declare_chinese(document) -> None:
    """Declare the text Simplified Chinese, so Word and WPS check its spelling and pick its fonts as Chinese.

    The default python-docx template says en-US with a ja-JP East Asian theme language and East Asian *theme*
    fonts (which win over named fonts in Word): every run defaults to zh-CN here, East Asian text to
    :data:`BODY_FONT` by name, and the theme's East Asian language is zh-CN too.
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.attrib.clear()
    for attr, value in (("ascii", LATIN_FONT), ("hAnsi", LATIN_FONT), ("eastAsia", BODY_FONT), ("cs", LATIN_FONT)):
        fonts.set(qn(f"w:{attr}"), value)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    for style_fonts in styles.iter(qn("w:rFonts")):  # headings and others: no East Asian theme font
        if style_fonts.get(qn("w:eastAsiaTheme")) is not None:
            del style_fonts.attrib[qn("w:eastAsiaTheme")]
            style_fonts.set(qn("w:eastAsia"), BODY_FONT)
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is None:
        theme_lang = settings.makeelement(qn("w:themeFontLang"), {})
        settings.append(theme_lang)
    theme_lang.set(qn("w:val"), "zh-CN")
    theme_lang.set(qn("w:eastAsia"), "zh-CN")


class Doc:
    """A small writer over python-docx for documents in the usual Chinese layout."""

    def __init__(self) -> None:
        self.doc = Document()
        self.break_next = False
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        normal = self.doc.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = BODY_SIZE
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        declare_chinese(self.doc)
        fmt = normal.paragraph_format
        # Exact line spacing, as in Chinese official documents: the same page breaks whatever CJK font is used.
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), LINE
        # A Chinese body paragraph is justified.
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def _runs(self, paragraph, parts: Sequence[Part], size=None, bold: bool = False) -> None:
        for part in parts:
            text, strong = (part, bold) if isinstance(part, str) else part
            run = paragraph.add_run(text)
            run.bold = strong or None
            if size is not None:
                run.font.size = size

    def title(self, text: str) -> None:
        """The centred title in 二号 bold, with space after it."""
        p = self._paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(12)
        p.paragraph_format.line_spacing = Pt(36)
        self._runs(p, [text], size=TITLE_SIZE, bold=True)

    def para(self, *parts: Part, indent: bool = True, align: str = "", bold: bool = False, size=None,
             before: int = 0, keep: bool = False) -> None:
        """A paragraph; indented two characters unless ``indent`` is False; ``keep`` = on the next one's page."""
        p = self._paragraph()
        p.paragraph_format.keep_with_next = keep or None
        if indent:
            p.paragraph_format.first_line_indent = INDENT
        if align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "left":
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        if before:
            p.paragraph_format.space_before = Pt(before)
        self._runs(p, parts, size=size, bold=bold)

    def heading(self, text: str) -> None:
        """A bold, unindented heading line such as 诉讼请求："""
        self.para((text, True), indent=False)

    def tag(self, text: str) -> None:
        """A paragraph holding only a docxtpl paragraph tag ({%p if … %}), removed when rendered."""
        self.doc.add_paragraph(text)

    def page_break(self) -> None:
        """Start a new page with the next paragraph (a break of its own could leave an empty page)."""
        self.break_next = True

    def _paragraph(self):
        p = self.doc.add_paragraph()
        if self.break_next:
            p.paragraph_format.page_break_before = True
            self.break_next = False
        return p

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        """A bordered table; a row with one cell starting with {%tr holds a docxtpl row tag."""
        table = self.doc.add_table(rows=0, cols=len(header))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for col, width in zip(table.columns, widths, strict=True):
            col.width = Cm(width)  # the grid: what LibreOffice and WPS go by
        for index, cells in enumerate([header, *rows]):
            row = table.add_row()
            for col, text in enumerate(cells):
                cell = row.cells[col]
                cell.width = Cm(widths[col])
                p = cell.paragraphs[0]
                p.paragraph_format.line_spacing = TABLE_LINE
                centred = index == 0 or col in (0, len(cells) - 1)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
                self._runs(p, [text], size=TABLE_SIZE, bold=index == 0)

    def save(self, path: Path) -> None:
        """Write the .docx file."""
        self.doc.save(str(path))


def party_line(label: str, who: str) -> tuple[Part, ...]:
    """One party of a complaint: 原告：张三，男，汉族，1990年1月1日出生，…"""
    return (
        (label, True),
        f"{{{{ {who}.name }}}}，{{{{ {who}.gender }}}}，{{{{ {who}.ethnicity }}}}，{{{{ {who}.birth }}}}出生，"
        f"公民身份号码：{{{{ {who}.id_number }}}}，住址：{{{{ {who}.address }}}}，联系电话：{{{{ {who}.phone }}}}。",
    )


def demand_letter() -> Doc:
    """催款函: parties, the debt, evidence, a deadline, the legal basis, a receipt and delivery advice."""
    d = Doc()
    d.title("催 款 函")
    d.para("{{ debtor.name }}：", indent=False)
    d.tag("{%p if debt.is_loan %}")
    d.para("{{ debt.loan_date }}，您向本人借款{{ debt.amount_upper }}（{{ debt.amount }}）"
           "{% if debt.loan_method %}，本人已通过{{ debt.loan_method }}方式将借款交付给您{% endif %}。"
           "{% if debt.due_date %}双方约定的还款日期为{{ debt.due_date }}。{% elif debt.no_term %}双方没有约定还款期"
           "限。"
           "{% endif %}截至本函发出之日，您尚欠本人借款本金{{ debt.amount_upper }}未归还。")
    d.tag("{%p else %}")
    d.para("截至本函发出之日，您尚欠本人{{ debt.cause }}{{ debt.amount_upper }}（{{ debt.amount }}）未付，"
           "该笔欠款形成于{{ debt.loan_date }}。{% if debt.due_date %}双方约定的付款日期为{{ debt.due_date }}"
           "。{% endif %}")
    d.tag("{%p endif %}")
    d.para("{% if debt.evidence_names %}上述事实有{{ debt.evidence_names }}等证据为证。{% endif %}"
           "{% if debt.last_demand %}本人曾于{{ debt.last_demand }}等时间向您催要，{% endif %}您至今未予清偿。")
    d.tag("{%p if debt.is_loan %}")
    d.para("根据{{ cite(\"civil-code:第六百七十五条\") }}，借款人应当按照约定的期限返还借款；对借款期限没有约定或者约"
           "定不明确的，"
           "贷款人可以催告借款人在合理期限内返还。借款人未按照约定的期限返还借款的，应当按照约定或者国家有关规定支付"
           "逾期利息"
           "（{{ cite(\"civil-code:第六百七十六条\") }}）。")
    d.tag("{%p elif not debt.is_labour %}")
    d.para("根据{{ cite(\"civil-code:第五百七十九条\") }}，当事人一方未支付价款、报酬、租金、利息，或者不履行其他金钱"
           "债务的，"
           "对方可以请求其支付；不履行合同义务的，应当承担继续履行等违约责任"
           "（{{ cite(\"civil-code:第五百七十七条\") }}）。")
    d.tag("{%p endif %}")
    d.para(("现本人正式向您催告：请您于收到本函之日起{{ demand.days_cn }}日内，"
            "向本人清偿上述欠款{{ debt.amount_upper }}。", True))
    d.tag("{%p if debt.is_labour %}")
    d.para("逾期仍不支付的，本人将依法通过劳动争议仲裁等途径主张权利。")
    d.tag("{%p else %}")
    d.para("逾期仍不清偿的，本人将依法向人民法院提起诉讼或者申请支付令，{% if debt.is_loan %}并依法主张逾期利息"
           "；{% endif %}"
           "诉讼费用依法由败诉方负担（{{ cite(\"litigation-fees-measures:第二十九条\") }}）。")
    d.tag("{%p endif %}")
    d.para("特此函告。")
    d.para("催款人：{{ creditor.name }}", indent=False, align="right", before=12)
    d.para("联系电话：{{ creditor.phone }}", indent=False, align="right")
    d.para("通讯地址：{{ creditor.address }}", indent=False, align="right")
    d.para("{{ today }}", indent=False, align="right")
    d.para("- - - - - - - - - - - - - - （沿此线剪下，请对方签收后交回）- - - - - - - - - - - - - -", indent=False,
           align="center", size=Pt(10.5), before=12, keep=True)
    d.para(("回　执", True), indent=False, align="center", keep=True)
    d.para("本人已于____年__月__日收到{{ creditor.name }}发出的催款函，"
           "确认尚欠其{{ debt.cause }}人民币____________元。", keep=True)
    d.para("签收人（签名并按手印）：________　　日期：____年__月__日", indent=False, align="right")
    d.page_break()
    d.title("寄送与留证说明")
    d.para(("本页请您自己保存，不要寄给对方。", True), indent=False, align="center")
    d.tag("{%p if debt.is_labour %}")
    d.para("一、为什么要能证明送达：劳动争议申请仲裁的时效期间为一年，因一方向对方主张权利而中断，从中断时起重新计算；"
           "劳动关系存续期间因拖欠劳动报酬发生争议的，不受一年的限制，但劳动关系终止的，应当自终止之日起一年内提出"
           "（{{ cite(\"labour-dispute-arbitration-law:第二十七条\") }}）。将来申请仲裁时，需要由您证明催款函已经送到"
           "。")
    d.tag("{%p else %}")
    d.para("一、为什么要能证明送达：向对方提出履行请求，诉讼时效中断，从中断时起重新计算"
           "（{{ cite(\"civil-code:第一百九十五条\") }}）；以信件或者数据电文主张权利，信件或者数据电文到达或者应当到"
           "达对方的，"
           "即产生中断的效力（{{ cite(\"limitation-provisions:第八条\") }}）。将来如果打官司，需要由您证明催款函已经"
           "送到。")
    d.tag("{%p endif %}")
    d.para("二、邮寄：建议使用中国邮政EMS寄到对方住址（{{ debtor.address }}），在详情单的内件品名一栏写明“催款函”。"
           "寄出前把催款函全文拍照或者复印留存，保存好详情单底联和查询到的签收（妥投）记录。")
    d.para("三、当面交付：请对方在回执上签名；对方拒绝签名的，可以用录音录像、在场证人等其他方式证明文书已经送到"
           "{% if not debt.is_labour %}（{{ cite(\"limitation-provisions:第八条\") }}第一款第（一）项）{% endif %}。")
    d.para("四、微信、短信、电子邮件：把催款函拍照，或者写明欠款金额和还款期限，发到对方平时使用的微信、手机号码或者"
           "邮箱，"
           "保存发送记录和对方的回复；不要删除聊天记录，最好保留原来的手机。")
    d.tag("{%p if limitation.expired %}")
    d.para(("特别提示：", True), "按您在咨询中提供的日期，诉讼时效可能已于{{ limitation.last_day }}届满。届满后单纯催"
            "款不能让时效重新开始；"
           "但对方在回执上签名确认欠款、或者同意还款的，一般不能再以时效届满为由拒绝"
           "（{{ cite(\"civil-code:第一百九十二条\") }}、{{ cite(\"limitation-provisions:第十九条\") }}）。")
    d.tag("{%p endif %}")
    d.para("本文书根据您在小额债务助手中提供的信息自动生成，仅供参考，不构成法律意见；发出前请核对全部内容，横线处请"
           "手写补全。"
           "需要帮助可以拨打12348公共法律服务热线。", size=Pt(12))
    return d


def complaint() -> Doc:
    """民事起诉状（民间借贷纠纷）: parties, claims, facts and reasons, the court, then the evidence list."""
    d = Doc()
    d.title("民事起诉状")
    d.para(*party_line("原告：", "creditor"), indent=False)
    d.para(*party_line("被告：", "debtor"), indent=False)
    d.para(("案由：", True), "民间借贷纠纷", indent=False)
    d.heading("诉讼请求：")
    d.para("一、判令被告向原告偿还借款本金{{ debt.amount_upper }}（{{ debt.amount }}）；")
    d.tag("{%p if claim.interest %}")
    d.para("二、判令被告向原告支付{% if claim.interest.kind == \"agreed\" %}利息（以借款本金{{ debt.amount }}为基数，"
           "自{{ claim.interest.start }}起按年利率{{ claim.interest.rate_pct }}%计算至实际清偿之日止"
           "{% else %}逾期利息（以借款本金{{ debt.amount }}为基数，自{{ claim.interest.start }}起按"
           "{{ claim.interest.lpr_month }}一年期贷款市场报价利率{{ claim.interest.rate_pct }}%计算至实际清偿之日"
           "止{% endif %}"
           "，暂计至{{ claim.interest.accrued_to }}为{{ claim.interest.accrued }}）；")
    d.para("三、本案诉讼费用由被告承担。")
    d.tag("{%p else %}")
    d.para("二、本案诉讼费用由被告承担。")
    d.tag("{%p endif %}")
    d.tag("{%p if claim.small_claims %}")
    d.para("（说明：本案诉讼标的额为{{ claim.total }}，不超过{{ claim.small_claims.province }}公布的小额诉讼标的额"
           "{{ claim.small_claims.limit }}；符合条件的，依照{{ cite(\"civil-procedure-law:第一百六十五条\") }}"
           "适用小额诉讼程序审理。）", size=Pt(12))
    d.tag("{%p endif %}")
    d.heading("事实与理由：")
    d.para("{{ debt.loan_date }}，被告向原告借款{{ debt.amount_upper }}（{{ debt.amount }}）"
           "{% if debt.loan_method %}，原告已通过{{ debt.loan_method }}方式将借款交付被告{% endif %}。"
           "{% if debt.due_date %}双方约定被告于{{ debt.due_date }}前归还借款。{% elif debt.no_term %}双方没有约定还"
           "款期限。{% endif %}"
           "{% if claim.interest and claim.interest.kind == \"agreed\" %}双方对借款利息有约定。{% endif %}")
    # Only a demand the user told about is written down; "ignores" is about demands, so it needs one.
    d.para("{% if not debt.no_term %}借款到期后，{% endif %}"
           "{% if debt.last_demand %}原告曾要求被告还款（最近一次为{{ debt.last_demand }}），{% endif %}被告"
           "{% if claim.attitude == \"admits\" %}虽承认欠款，但一直以各种理由拖延，"
           "{% elif claim.attitude == \"denies\" %}否认借款事实，"
           "{% elif claim.attitude == \"unreachable\" %}下落不明，原告无法与其取得联系，"
           "{% elif debt.last_demand %}对原告的催要置之不理，{% endif %}至今未归还借款。")
    d.para("原告认为，原、被告之间的借贷关系合法有效，被告应当按照约定返还借款{% if claim.interest %}并支付利"
           "息{% endif %}。"
           "{% if claim.interest %}原告主张的利率未超过法律规定的民间借贷利率保护上限。{% endif %}"
           "根据{{ cite(\"civil-code:第六百七十五条\") }}、{{ cite(\"civil-code:第五百七十七条\") }}"
           "{% if claim.interest and claim.interest.kind == \"agreed\" %}"
           "、{{ cite(\"private-lending-provisions:第二十五条\") }}"
           "、{{ cite(\"private-lending-provisions:第二十八条\") }}{% elif claim.interest %}"
           "、{{ cite(\"civil-code:第六百七十六条\") }}"
           "、{{ cite(\"private-lending-provisions:第二十八条\") }}{% endif %}等规定，为维护原告的合法权益，特向贵院"
           "提起诉讼，"
           "请求依法判如所请。")
    d.para("此致", before=12)
    d.para("{{ claim.court }}", indent=False)
    d.para("起诉人（签名）：________", indent=False, align="right", before=12)
    d.para("{{ today }}", indent=False, align="right")
    d.para("附：1. 本起诉状副本____份；2. 证据材料____份（见证据清单）。", indent=False, size=Pt(12), before=12)
    d.page_break()
    d.title("证 据 清 单")
    d.table(
        ["序号", "证据名称", "证明内容", "页数"],
        [
            ["{%tr for e in debt.evidence %}", "", "", ""],
            ["{{ loop.index }}", "{{ e.name }}", "{{ e.proves }}", ""],
            ["{%tr endfor %}", "", "", ""],
            ["{%tr if not debt.evidence %}", "", "", ""],
            ["", "________", "________", ""],
            ["{%tr endif %}", "", "", ""],
            ["{{ debt.evidence|length + 1 if debt.evidence else 2 }}", "原告身份证复印件", "原告的诉讼主体资格", ""],
            ["{{ debt.evidence|length + 2 if debt.evidence else 3 }}", "被告身份信息（身份证复印件或者户籍信息）",
             "被告的诉讼主体资格", ""],
        ],
        widths=[1.6, 6.4, 6.0, 1.6],
    )
    d.para("提交人：{{ creditor.name }}　　{{ today }}", indent=False, align="right", before=12)
    return d


def agreement() -> Doc:
    """还款协议 / 分期还款协议: both parties, the debt confirmed, the plan, default, signatures."""
    d = Doc()
    d.title("{{ title }}")
    for label, who in (("甲方（债权人）：", "creditor"), ("乙方（债务人）：", "debtor")):
        d.para((label, True), f"{{{{ {who}.name }}}}", indent=False, before=6)
        d.para(f"公民身份号码：{{{{ {who}.id_number }}}}", indent=False)
        d.para(f"住址：{{{{ {who}.address }}}}", indent=False)
        d.para(f"联系电话：{{{{ {who}.phone }}}}", indent=False)
    d.para("{% if debt.is_loan %}乙方于{{ debt.loan_date }}向甲方借款，截至本协议签订之日，乙方尚欠甲方借款本金"
           "{{ debt.amount_upper }}（{{ debt.amount }}）。{% else %}截至本协议签订之日，乙方尚欠甲方{{ debt.cause }}"
           "{{ debt.amount_upper }}（{{ debt.amount }}），该笔欠款形成于{{ debt.loan_date }}。{% endif %}"
           "为妥善解决上述债务，甲乙双方经平等协商，自愿达成如下协议，以资共同遵守：", before=12)
    d.heading("第一条　欠款确认")
    d.para("乙方确认截至本协议签订之日尚欠甲方{{ debt.amount_upper }}（{{ debt.amount }}），对该欠款事实和金额没有异"
           "议。")
    d.heading("第二条　还款安排")
    d.tag("{%p if plan.lump_sum %}")
    d.para("乙方应于{{ plan.first_date }}前，一次性向甲方支付全部欠款{{ debt.amount }}。")
    d.tag("{%p else %}")
    d.para("乙方分{{ plan.count }}期向甲方偿还上述欠款，每月一期，自{{ plan.first_date }}起至{{ plan.last_date }}止，"
           "各期还款日期和金额如下：")
    d.table(
        ["期次", "还款日期（当日或之前）", "还款金额"],
        [
            ["{%tr for i in plan.instalments %}", "", ""],
            ["第{{ i.number }}期", "{{ i.due }}", "{{ i.amount }}"],
            ["{%tr endfor %}", "", ""],
            ["合计", "", "{{ debt.amount }}"],
        ],
        widths=[3.0, 6.8, 5.8],
    )
    d.tag("{%p endif %}")
    d.heading("第三条　还款方式")
    d.para("乙方应将款项按期支付至甲方指定的账户（户名：________，开户行：________，账号：________________），"
           "或者以双方书面认可的其他方式支付。乙方可以提前还款。")
    d.heading("第四条　违约责任")
    d.para("乙方任何一期款项逾期超过{{ plan.overdue_grace_days }}日未足额支付的，甲方有权要求乙方立即清偿全部剩余欠款"
           "。")
    d.tag("{%p if debt.is_loan %}")
    d.para("乙方逾期付款的，应自逾期之日起按年利率____%向甲方支付逾期利息。依照"
           "{{ cite(\"private-lending-provisions:第二十八条\") }}、"
           "{{ cite(\"private-lending-provisions:第二十九条\") }}，"
           "逾期利息、违约金和其他费用合计以不超过合同成立时一年期贷款市场报价利率的四倍为限"
           "{% if cap.pct %}（按原借款日计算为年利率{{ cap.pct }}%）{% endif %}。")
    d.tag("{%p else %}")
    d.para("乙方逾期付款的，应按________向甲方支付违约金。约定的违约金过分高于造成的损失的，人民法院或者仲裁机构可以"
           "根据当事人的请求"
           "予以适当减少（{{ cite(\"civil-code:第五百八十五条\") }}）。")
    d.tag("{%p endif %}")
    d.heading("第五条　其他约定")
    d.para("乙方按本协议约定付清全部款项后，甲乙双方之间就上述欠款的债权债务关系终止。本协议未尽事宜，双方可以另行协"
           "商并签订书面补充协议。")
    d.heading("第六条　争议解决")
    d.para("因履行本协议发生争议的，双方应当友好协商；协商不成的，任何一方均可以依法向有管辖权的人民法院提起诉讼。")
    d.heading("第七条　协议生效")
    d.para("本协议自甲乙双方签名（或者按手印）之日起生效。本协议一式两份，甲乙双方各执一份，具有同等效力。")
    d.para("甲方（签名并按手印）：________　　　乙方（签名并按手印）：________", indent=False, before=24)
    d.para("签订日期：____年__月__日", indent=False, before=12)
    return d


def hardship() -> Doc:
    """协商还款申请书: the hardship, the proposed plan, 个性化分期 for credit cards, the schedule."""
    d = Doc()
    d.title("协商还款申请书")
    d.para("{{ lender.name }}：", indent=False)
    d.para("申请人：{{ debtor.name }}，公民身份号码：{{ debtor.id_number }}，联系电话：{{ debtor.phone }}"
           "{% if lender.credit_card %}，信用卡卡号后四位：{{ lender.account_tail }}"
           "{% elif lender.institution %}，借款合同编号（或者账户）后四位：{{ lender.account_tail }}{% endif %}。")
    d.para("本人{% if debt.overdue_since %}自{{ debt.overdue_since }}起{% endif %}因{{ hardship.reason }}，未能按期偿还"
           "{% if lender.credit_card %}贵行信用卡{% else %}{{ lender.you }}的{% endif %}欠款，"
           "目前尚欠{{ debt.amount_upper }}（{{ debt.amount }}，以账单为准）。{% if hardship.detail %}具体情况是"
           "：{{ hardship.detail }}{% endif %}")
    d.para("本人并非恶意拖欠，始终愿意偿还欠款，但现阶段的收入确实不足以一次性清偿。为此，恳请"
           "{{ lender.you }}考虑本人的实际困难，同意本人按以下方案还款：")
    d.para(("将上述欠款分{{ plan.count }}期偿还，每月一期，每期约{{ plan.each }}，自{{ plan.first_date }}起按月还款，"
            "至{{ plan.last_date }}还清（还款计划表附后）。", True))
    d.tag("{%p if lender.credit_card %}")
    d.para("根据{{ cite(\"credit-card-measures:第七十条\") }}，在特殊情况下，确认信用卡欠款金额超出持卡人还款能力、"
           "且持卡人仍有还款意愿的，发卡银行可以与持卡人平等协商，达成个性化分期还款协议，最长期限不得超过5年。"
           "本人目前的情况符合上述情形，恳请贵行与本人协商办理个性化分期还款。")
    d.tag("{%p endif %}")
    d.para("在分期还款期间，恳请{{ lender.you }}酌情减免逾期产生的罚息、违约金等费用。"
           "本人承诺按约还款；收入状况好转时，将提前偿还。")
    d.para("本人可以提供{{ hardship.proof }}等证明材料。请与本人联系：{{ debtor.phone }}。")
    d.para("此致", before=12)
    d.para("敬礼", indent=False)
    d.para("申请人（签名）：________", indent=False, align="right", before=12)
    d.para("{{ today }}", indent=False, align="right")
    d.page_break()
    d.title("附：还款计划表")
    d.table(
        ["期次", "还款日期", "还款金额"],
        [
            ["{%tr for i in plan.instalments %}", "", ""],
            ["第{{ i.number }}期", "{{ i.due }}", "{{ i.amount }}"],
            ["{%tr endfor %}", "", ""],
            ["合计", "", "{{ debt.amount }}"],
        ],
        widths=[3.0, 6.8, 5.8],
    )
    return d


TEMPLATES = {
    "demand_letter.docx": demand_letter,
    "complaint.docx": complaint,
    "agreement.docx": agreement,
    "hardship.docx": hardship,
}


def main(argv: list[str]) -> int:
    """Write the templates that do not exist yet (all of them with --force)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite existing templates (undoes manual edits)")
    parser.add_argument("--language", action="store_true",
                        help="only declare zh-CN and the East Asian font in the existing templates (keeps edits)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.language:
        for name in TEMPLATES:
            document = Document(str(OUT / name))
            declare_chinese(document)
            document.save(str(OUT / name))
            print(f"declared zh-CN in {(OUT / name).relative_to(ROOT)}")
        return 0
    for name, make in TEMPLATES.items():
        path = OUT / name
        if path.exists() and not args.force:
            print(f"kept {path.relative_to(ROOT)} (exists; --force to overwrite)")
            continue
        make().save(path)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
