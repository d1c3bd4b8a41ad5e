"""The unit's 复核意见 (review opinion) as a .docx: what a 财政局绩效科 reviewer signs and sends
back to a budget unit after triaging the findings of one reviewed record.

``opinion_docx(record, triage, reviewer=..., version=..., today=...)`` → the bytes of a Word
document (python-docx). ``triage[i]`` is the reviewer's :class:`Triage` of ``record.findings[i]``
(None = not yet decided, 待复核). The document holds:

* title 关于《{单位}{年度}年度部门整体支出绩效自评报告》的复核意见 (a project record:
  关于《{项目名称}{年度}年度项目支出绩效自评表》的复核意见);
* 一、基本情况: 自评得分/等次 vs 复核得分/等次 (first scorecard: ``self_total``/``self_grade`` vs
  ``total``/``grade``, scores in points with two decimals), 预算执行率 (fraction shown as a
  percentage, amounts in 万元; computed as :func:`.portfolio.execution_rate` does);
* 二、评分复核: the scored items whose recomputed score differs from the self score (三级指标/项目,
  分值, 自评得分, 复核得分, 得分差 = 自评 − 复核 — the sign convention of the whole tool: positive
  when the review lowers the score —, 计算方法, 依据 = the rule's source document, marked
  推断 when the method is our inference — never an internal rule id or tag),
  plus the scorecard's 折算 note and the points that could not be recomputed;
* 三、复核确认的问题: every 确认 finding (errors first), numbered (一)(二)…: title, message, the
  cited original text with its place in the report's own words (:meth:`Source.label`: 表名·行标签·列标题,
  page or sheet cell — never the internal block index), the reviewer's comment;
* 四、需整改事项: one line per confirmed finding saying what to correct (现为 / 应为 when the
  finding carries them) — no deadline is invented;
* 附：未采纳的问题 (不采纳 findings with the reason given) and a line counting the findings still
  待复核, which are not part of the opinion;
* never a parser notice (解析提示, JX9xx, :func:`jixiao.checks.registry.is_parser_notice`): what
  could not be read is not a finding about the unit, whatever its triage says;
* the rule set named by its document (财预〔2020〕10号), not by its internal name;
* 复核人 and date.

Report text is written as text (python-docx escapes it for XML); characters XML 1.0 forbids
(control characters a report may carry) are replaced by spaces so that no text can break the file.

A record that failed (``error``) or holds no report gives a short document saying 无法复核 and
why. A record without scorecards (a narrative report) still gets its confirmed findings; its
score sections say 无法复核评分 and why. Fonts: East Asian text in 仿宋 (body) / 黑体 (headings) /
宋体 (title and tables), set through ``w:eastAsia`` so Word renders it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..checks.registry import is_parser_notice
from ..decimals import quantize
from ..extract.numbers import money_text, percent_text
from ..model import Finding, Record, Scorecard, ScoredItem
from ..rules.base import q2
from ..rules.ruleset import ruleset_basis
from .cleantext import ILLEGAL_XML
from .portfolio import execution_rate
from .provenance import is_inferred
from .summary import (
    SEVERITY_LABEL,
    SEVERITY_ORDER,
    _as_decimal,
    file_name,
    fmt,
    project_name,
    unit_name,
)

CONFIRMED = "确认"  # the finding stands and goes into the opinion
DISMISSED = "不采纳"  # the reviewer rejects the finding (listed in the annex with the reason)
PENDING = "待复核"  # status None: not decided yet, left out of the opinion
STATUSES = (CONFIRMED, DISMISSED, None)

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_PT = 14  # 四号
TABLE_PT = 10.5  # 五号
DASH = "—"
NOT_FILLED = "未填"
EVIDENCE_CHARS = 200  # cited text longer than this is cut with …
DIFF_HEADING = "得分差（自评−复核）"  # the one sign convention for score differences (as the portfolio's 得分差)
SCORE_COLUMNS = ("三级指标/项目", "分值", "自评得分", "复核得分", DIFF_HEADING, "计算方法", "依据")


@dataclass
class Triage:
    """A reviewer's decision on one finding.

    ``status``: ``"确认"`` (confirmed), ``"不采纳"`` (dismissed; ``comment`` is the reason) or None
    (待复核, not decided). ``comment``: the reviewer's note; ``reviewer``: who decided; ``at``: when.
    """

    status: str | None = None
    comment: str | None = None
    reviewer: str | None = None
    at: datetime | None = None


# ---------------------------------------------------------------- text helpers


def points_text(x: Decimal | None) -> str:
    """Points with two decimals as the forms write them (``98.5`` → ``98.50``); None → ``—``."""
    return DASH if x is None else f"{q2(x)}"


def date_text(d: date) -> str:
    """``2025年3月5日`` (no leading zeros, as official letters write dates)."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (1 ≤ n ≤ 99); larger n as digits."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _year(record: Record) -> str | None:
    rep = record.report
    if rep is None or (rep.year.value is None and not rep.year.raw):
        return None
    v = rep.year.value
    if isinstance(v, (int, Decimal)) or (isinstance(v, str) and v.isdigit()):
        return str(int(v))
    digits = "".join(ch for ch in str(rep.year.raw or v) if ch.isdigit())
    return digits[:4] or None


def is_project_record(record: Record) -> bool:
    """A 项目支出绩效自评表 record (``report.kind == "project"``)."""
    return record.report is not None and record.report.kind == "project"


def document_name(record: Record) -> str:
    """The reviewed document as the title names it: ``岳麓区商务局2019年度部门整体支出绩效自评报告``
    or ``{项目名称}2024年度项目支出绩效自评表``; the file name when the report is missing."""
    if record.report is None:
        return file_name(record)
    year = _year(record)
    when = f"{year}年度" if year else ""
    if is_project_record(record):
        return f"{project_name(record) or '未命名项目'}{when}项目支出绩效自评表"
    return f"{unit_name(record) or '（单位名称未识别）'}{when}部门整体支出绩效自评报告"


def opinion_title(record: Record) -> str:
    """关于《…》的复核意见."""
    return f"关于《{document_name(record)}》的复核意见"


def _addressee(record: Record) -> str | None:
    rep = record.report
    if rep is None:
        return None
    if is_project_record(record):
        for v in (rep.implementing_unit, rep.unit_name, rep.managing_department):
            if v.value is not None or v.raw:
                return str(v.value) if v.value is not None else v.raw
        return None
    return unit_name(record)


def self_total(record: Record, card: Scorecard | None) -> Decimal | None:
    """自评得分: the scorecard's, else the total written in the report (points)."""
    if card is not None and card.self_total is not None:
        return card.self_total
    return _as_decimal(record.report.self_assessment.total.value) if record.report is not None else None


def self_grade(record: Record, card: Scorecard | None) -> str | None:
    """自评等次: the scorecard's, else the grade written in the report."""
    if card is not None and card.self_grade is not None:
        return card.self_grade
    rep = record.report
    if rep is not None and rep.self_assessment.grade.present:
        return str(rep.self_assessment.grade.value)
    return None


def differing_items(card: Scorecard) -> list[ScoredItem]:
    """Items recomputed (status 计算, a score) whose score differs from the self score, a missing
    self score counting as different. 无法计算 and 不适用 items are not listed."""
    return [it for it in card.items
            if it.status == "计算" and it.score is not None
            and (it.self_score is None or it.score != it.self_score)]


INFERRED = "推断"  # how the opinion marks a method resting on our inference (tag INF)


def basis_text(item: ScoredItem, ruleset: str | None = None) -> str:
    """依据, as a reviewer can paste it: the rule's source (else the rule set's document,
    财预〔2020〕10号), with ``（推断）`` when the method is our inference — no rule id, no tag."""
    text = item.source or ruleset_basis(ruleset) or DASH
    return f"{text}（{INFERRED}）" if is_inferred(item.tag) else text


def _check_triage(record: Record, triage: list[Triage | None]) -> list[Triage | None]:
    findings = record.findings or []
    if len(triage) != len(findings):
        raise ValueError(f"triage 有 {len(triage)} 项，而记录有 {len(findings)} 个问题：triage[i] 须对应 findings[i]")
    for i, t in enumerate(triage):
        if t is not None and t.status not in STATUSES:
            raise ValueError(f"triage[{i}].status 应为 “确认”、“不采纳” 或 None，而不是 {t.status!r}")
    return list(triage)


def _by_status(record: Record, triage: list[Triage | None], status: str | None) -> list[tuple[Finding, Triage | None]]:
    """(finding, triage) pairs with the status, errors first, record order within a severity;
    parser notices (解析提示) are never part of the opinion."""
    pairs = [(f, t) for f, t in zip(record.findings or [], triage)
             if (t.status if t else None) == status and not is_parser_notice(f)]
    return sorted(pairs, key=lambda p: SEVERITY_ORDER.get(p[0].severity, 9))


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def evidence_lines(finding: Finding) -> list[str]:
    """``“3370.55”（基础数据表·预算执行·全年执行数）``, one per distinct cited text and place (the
    text-view line only where no place in the report is known)."""
    out, seen = [], set()
    for v in finding.evidence:
        raw = v.raw if v.raw is not None else ("" if v.value is None else str(v.value))
        where = v.source.label(line=False) if v.source is not None else ""
        if (raw, where) in seen:
            continue
        seen.add((raw, where))
        text = _cut(raw) if raw.strip() else "（空白）"
        out.append(f"“{text}”" + (f"（{where}）" if where else ""))
    return out


def _decided_by(t: Triage | None) -> str:
    if t is None:
        return ""
    parts = [x for x in (t.reviewer, t.at.strftime("%Y-%m-%d %H:%M") if t.at else None) if x]
    return f"（{'，'.join(parts)}）" if parts else ""


def correction_text(finding: Finding) -> str:
    """What the unit must correct for a confirmed finding: title, then 现为…，应为… if known."""
    detail = "；".join(x for x in (f"现为：{finding.found}" if finding.found else None,
                                   f"应为：{finding.expected}" if finding.expected else None) if x)
    return finding.title + (f"（{detail}）" if detail else "")


# ---------------------------------------------------------------- docx helpers


def _fonts(rpr_owner, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set ascii/hAnsi to ``latin`` and w:eastAsia to ``east_asia`` on a style's or run's rPr,
    dropping theme fonts that would override them."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _new_document(title: str, reviewer: str | None):
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element, BODY_FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(28)
    doc.core_properties.title = title
    doc.core_properties.author = reviewer or ""
    doc.core_properties.language = "zh-CN"
    return doc


def _run(par, text: str, *, bold: bool = False, font: str | None = None, size: float | None = None):
    run = par.add_run(ILLEGAL_XML.sub(" ", text))
    run.bold = bold or None
    if font is not None:
        _fonts(run._element, font)
    if size is not None:
        run.font.size = Pt(size)
    return run


def _title(doc, text: str) -> None:
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.line_spacing = Pt(36)
    par.paragraph_format.space_after = Pt(12)
    _run(par, text, bold=True, font=TITLE_FONT, size=20)


def _heading(doc, text: str) -> None:
    par = doc.add_paragraph()
    par.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    _run(par, text, font=HEADING_FONT)


def _para(doc, text: str, *, lead: str | None = None, indent: bool = True, align=None):
    """A body paragraph (首行缩进 two characters); ``lead`` is printed bold before ``text``."""
    par = doc.add_paragraph()
    if indent:
        par.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    if align is not None:
        par.alignment = align
    if lead:
        _run(par, lead, bold=True)
    if text:
        _run(par, text)
    return par


def _table(doc, header: tuple[str, ...], rows: list[list[str]], widths_cm: list[float]) -> None:
    """A bordered table (Table Grid), bold header row, 宋体 五号."""
    table = doc.add_table(rows=0, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)  # w:gridCol, which LibreOffice follows
    for i, cells in enumerate([list(header), *rows]):
        row = table.add_row()
        for width, cell, text in zip(widths_cm, row.cells, cells):
            cell.width = Cm(width)
            par = cell.paragraphs[0]
            par.paragraph_format.line_spacing = 1.0
            _run(par, text, bold=i == 0, font=TITLE_FONT, size=TABLE_PT)
    doc.add_paragraph()


def _signature(doc, reviewer: str | None, version: int | None, today: date) -> None:
    doc.add_paragraph()
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, f"复核人：{reviewer}" if reviewer else "复核人：＿＿＿＿＿＿", indent=False, align=right)
    if version is not None:
        _para(doc, f"版本：第{version}版", indent=False, align=right)
    _para(doc, date_text(today), indent=False, align=right)


def _bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- sections


def _failed_opinion(record: Record, reviewer: str | None, version: int | None, today: date) -> bytes:
    doc = _new_document(opinion_title(record), reviewer)
    _title(doc, opinion_title(record))
    reason = record.error or "未能从文件中抽取报告内容"
    _para(doc, f"文件：{file_name(record)}", indent=False)
    _para(doc, "经复核，该报告无法复核。", lead="复核结论：")
    _para(doc, reason, lead="原因：")
    _signature(doc, reviewer, version, today)
    return _bytes(doc)


def _unscored_reason(card: Scorecard | None) -> str | None:
    if card is None:
        return "报告未提供可复核的评分表或绩效指标表，仅做一致性检查"
    if card.total is None:
        return "复核得分无法计算"
    return None


def _basic_section(doc, record: Record, card: Scorecard | None) -> None:
    rep = record.report
    _heading(doc, "一、基本情况")
    if is_project_record(record):
        _para(doc, project_name(record) or "未命名项目", lead="项目名称：")
        for label, v in (("主管部门：", rep.managing_department), ("实施单位：", rep.implementing_unit)):
            if v.value is not None or v.raw:
                _para(doc, str(v.value) if v.value is not None else v.raw, lead=label)
    else:
        _para(doc, unit_name(record) or "（未识别）", lead="预算部门（单位）：")
    year = _year(record)
    if year:
        _para(doc, f"{year}年度", lead="评价年度：")
    st, sg = self_total(record, card), self_grade(record, card)
    _para(doc, f"{points_text(st)}分" if st is not None else "报告未填写", lead="自评得分：")
    _para(doc, sg or "报告未填写", lead="自评等次：")
    reason = _unscored_reason(card)
    if reason is not None:
        _para(doc, f"无法复核（{reason}）", lead="复核得分：")
    else:
        _para(doc, f"{points_text(card.total)}分", lead="复核得分：")
        _para(doc, card.grade or DASH, lead="复核等次：")
        if st is not None:
            diff = card.total - st
            if q2(diff) == 0:
                change = "复核得分与自评得分一致"
            else:
                change = f"复核得分比自评得分{'低' if diff < 0 else '高'}{points_text(abs(diff))}分"
            if sg and card.grade and sg != card.grade:
                change += f"，评价等次由“{sg}”调整为“{card.grade}”"
            _para(doc, change + "。")
        rs = ruleset_basis(record.ruleset or card.ruleset)
        if rs:
            _para(doc, rs, lead="复核所依据的评分规则：")
    rate, basis, stated = execution_rate(rep)
    funds = rep.funds
    budget, executed = _as_decimal(funds.full_year_budget.value), _as_decimal(funds.executed.value)
    if rate is None:
        _para(doc, "报告未提供全年预算数、全年执行数或执行率，无法计算。", lead="预算执行率：")
    else:
        text = percent_text(rate)
        if budget is not None and executed is not None:
            text = f"全年预算数{money_text(budget)}，全年执行数{money_text(executed)}，预算执行率{text}（{basis}）"
        else:
            text = f"{text}（{basis}）"
        if stated is not None and basis != "自评表填报" and quantize(stated, rate) != rate:
            text += f"；自评表填报执行率{percent_text(stated)}，与计算结果不符"
        _para(doc, text + "。", lead="预算执行率：")


def _score_section(doc, card: Scorecard | None) -> None:
    _heading(doc, "二、评分复核")
    reason = _unscored_reason(card)
    if card is None:
        _para(doc, f"无法复核评分：{reason}。")
        return
    items = differing_items(card)
    if not items:
        _para(doc, "逐项复核，各项复核得分与自评得分一致。")
    else:
        _para(doc, f"逐项复核，以下{len(items)}项复核得分与自评得分不同（分值、得分单位为分；"
                   f"得分差 = 自评得分 − 复核得分，正数为复核扣减）：")
        rows = [[it.indicator or DASH, fmt(it.weight),
                 points_text(it.self_score) if it.self_score is not None else NOT_FILLED,
                 points_text(it.score),
                 points_text(it.self_score - it.score) if it.self_score is not None else DASH,
                 it.formula or it.reason or DASH, basis_text(it, card.ruleset)] for it in items]
        _table(doc, SCORE_COLUMNS, rows, [2.8, 1.1, 1.3, 1.3, 1.2, 4.6, 3.3])
    if card.note:
        _para(doc, card.note + "。", lead="折算说明：")
    unverified = [it for it in card.items if it.status == "无法计算"]
    if unverified:
        names = "、".join(f"“{it.indicator}”" for it in unverified if it.indicator)
        _para(doc, f"另有{len(unverified)}项无法依据报告数据复核（{names}），保留自评得分，"
                   f"合计{points_text(card.unverified_points)}分未经核实。")
    if reason is not None:
        _para(doc, f"复核总分无法计算：{reason}。")


def _confirmed_section(doc, confirmed: list[tuple[Finding, Triage | None]]) -> None:
    _heading(doc, "三、复核确认的问题")
    if not confirmed:
        _para(doc, "经复核，未确认存在问题。")
        return
    for n, (f, t) in enumerate(confirmed, start=1):
        severity = SEVERITY_LABEL.get(f.severity, f.severity)
        _para(doc, f"（{cn_number(n)}）{f.title}（{severity}）")
        _para(doc, f.message, lead="问题说明：")
        if f.score_impact is not None and f.score_impact != 0:  # negative: the self score is too high
            _para(doc, f"{points_text(-f.score_impact)}分", lead=f"{DIFF_HEADING}：")
        lines = evidence_lines(f)
        if lines:
            _para(doc, "", lead="原文依据：")
            for line in lines:
                _para(doc, line)
        if t is not None and t.comment:
            _para(doc, t.comment + _decided_by(t), lead="复核意见：")


def _corrections_section(doc, confirmed: list[tuple[Finding, Triage | None]]) -> None:
    _heading(doc, "四、需整改事项")
    if not confirmed:
        _para(doc, "经复核，未发现需整改的事项。")
        return
    counts = {k: sum(1 for f, _ in confirmed if f.severity == k) for k in SEVERITY_LABEL}
    split = "、".join(f"{SEVERITY_LABEL[k]}{v}项" for k, v in counts.items() if v)
    _para(doc, f"经复核，确认问题{len(confirmed)}项（{split}）。请对照以下事项予以更正：")
    for n, (f, _) in enumerate(confirmed, start=1):
        _para(doc, f"{n}. {correction_text(f)}（见三、（{cn_number(n)}））。")


def _annex(doc, dismissed: list[tuple[Finding, Triage | None]], pending: int) -> None:
    _heading(doc, "附：未采纳的问题")
    if not dismissed:
        _para(doc, "无。")
    for n, (f, t) in enumerate(dismissed, start=1):
        reason = t.comment if t is not None and t.comment else "未说明理由"
        _para(doc, f"{n}. {f.title}：{_cut(f.message)}")
        _para(doc, reason + _decided_by(t), lead="不采纳理由：")
    if pending:
        _para(doc, f"另有{pending}项问题尚待复核，未纳入本复核意见。")
    else:
        _para(doc, "无待复核的问题。")


def opinion_docx(record: Record, triage: list[Triage | None], *, reviewer: str | None = None,
                 version: int | None = None, today: date | None = None) -> bytes:
    """The 复核意见 of one record as .docx bytes (see the module doc for its contents).

    ``triage[i]`` is the decision on ``record.findings[i]`` (None = 待复核); ``reviewer`` signs
    the opinion (a blank line when None); ``version`` is printed as 第N版 when given; ``today``
    is the date printed (default: today). Scores are in points with two decimals, money in 万元,
    rates as percentages. Raises ValueError when ``triage`` does not have one entry per finding
    or holds a status other than ``"确认"``, ``"不采纳"`` or None.
    """
    today = today or date.today()
    if record.error is not None or record.report is None:
        return _failed_opinion(record, reviewer, version, today)
    triage = _check_triage(record, triage)
    card = record.scorecards[0] if record.scorecards else None
    confirmed = _by_status(record, triage, CONFIRMED)
    dismissed = _by_status(record, triage, DISMISSED)
    pending = len(_by_status(record, triage, None))

    title = opinion_title(record)
    doc = _new_document(title, reviewer)
    _title(doc, title)
    addressee = _addressee(record)
    if addressee:
        _para(doc, f"{addressee}：", indent=False)
    _para(doc, f"经对《{document_name(record)}》（文件：{file_name(record)}）进行复核，现将复核意见反馈如下。")
    _basic_section(doc, record, card)
    _score_section(doc, card)
    _confirmed_section(doc, confirmed)
    _corrections_section(doc, confirmed)
    _annex(doc, dismissed, pending)
    _signature(doc, reviewer, version, today)
    return _bytes(doc)
