"""项目支出绩效自评表 (project expenditure self-evaluation tables), one or several in a file.

A project table comes alone (the national 2020 form, a sheet of a project workbook) or attached
to a 部门整体支出绩效自评报告 as 附件3, one table per project. :func:`find_projects` finds each
table and the blocks around it that belong to it (the 附件 label, title and 年度 line above it, a
table continued after a page break, the 填表人 / 自评结论 lines below it; two tables run together
in one are cut apart); :func:`extract_project` reads one into a ``Report(kind="project")``.

A table is a project table when
- the title above it (or in its first row, or the worksheet's name) names a 项目支出绩效自评表 /
  项目绩效自评表 — never a 部门整体 one — and the table has self-evaluation columns or opens with
  项目名称 and 主管部门 / 实施单位 rows; or
- it opens with a 项目名称 row, has a 主管部门 / 实施单位 row and self-evaluation columns
  (年初/全年预算数, 全年执行数 and 得分; or an indicator header with 实际完成值 and 得分).
The declaration (绩效目标申报表) and monitoring (执行监控表) sheets of a project workbook have the
first rows but no 得分 column, and are not taken.

All Values point into the whole document: blocks, rows, columns and lines are the file's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from ..model import Report, Value
from ..readers.document import Cell, Document, Paragraph, Table
from .funds import read_funds_variants
from .layouts import layouts
from .numbers import normalize, to_decimal
from .selfeval import indicator_header, is_total_label, read_selfeval_table
from .tables import at, cell_value, label_pairs, map_header, source_of

PROJECT_TITLE = layouts().project_titles  # layouts.toml [document]
DEPARTMENT_TITLE = re.compile(r"部门整体|整体支出|单位整体")
TITLE = re.compile(r"表(?:[（(].*[)）])?$|自评表|评价表")
YEAR_LINE = re.compile(r"^[（(]?(20\d\d)年度?[)）]?$")
YEAR_IN_TITLE = re.compile(r"(20\d\d)\s*年度")
ATTACHMENT = re.compile(r"^附件\s*\d+(?:[-－—]\d+)?[:：]?$")
UNIT_LINE = re.compile(r"^(?:金额)?单位[:：]|^填报单位|^[（(]?单位[:：]")
TRAILER = re.compile(r"^(?:填表人|填报人|填报日期|联系电话|单位负责人|项目负责人|财务负责人|审核人|"
                     r"自评结论|评价结论|自评等级|自评等次|评价等次|评价等级|绩效等级|说明|备注|注[:：])")
NOTE_ITEM = re.compile(r"^(?:\d+[.、．]|[（(]\d+[)）])")
HEAD_FIELDS = ("project_name", "managing_department", "implementing_unit")
CONCLUSION = re.compile(r"^(?:绩效)?(?:自评|评价)结论")
GRADE_LABEL = re.compile(r"^(?:自评|评价|绩效)?(?:等级|等次)$|^自评(?:等级|等次)|^评价(?:等级|等次)")
GRADE_IN_TEXT = re.compile(r"(?:等级|等次)(?:评定)?(?:为|是)?[:：]?[“\"]?(优秀|良好|合格|优|良|中|差)")
GRADE_WORD = re.compile(r"优秀|良好|合格|一般|较差|[优良中差]等?")
TOTAL_IN_TEXT = re.compile(r"自评(?:得分|总分)(?:为|是)?[:：]?(\d+(?:\.\d+)?)分")
PAIR = re.compile(r"([^\s:：]{2,10})[:：]\s*(\d+(?:\.\d+)?)")  # 填报日期：…  自评总分：95  单位领导审签：
SELFEVAL_BUDGET = re.compile(r"年初预算|全年预算")
SELFEVAL_EXECUTED = re.compile(r"全年执行|^执行数", re.MULTILINE)
HEAD_END = re.compile(r"年初预算|全年预算|年度资金总额|年度总体目标|三级指标")
NOTES_LABEL = re.compile(r"^(?:说明|备注|注)")
CONTINUED = re.compile(r"^[（(]?续(?:表)?[)）]?|^续表")
NAME_ROW = re.compile(r"部门名称|^单位名称")
INDICATOR_FAMILY = re.compile(r"^(产出|效益|满意度|成本)指标")
GOAL_HEAD = re.compile(r"^年度(?:总体|工作)?目标$|^年度总体目标")
UNIT_CODE = re.compile(r"^\d{3,}[-－—_]")
COLON = re.compile(r"[:：]")
GOAL_COLUMNS = {"expected": r"预期目标|年度目标$", "actual": r"实际完成"}


@dataclass(slots=True)
class ProjectPart:
    """The blocks of one project table in a document: ``blocks`` (indexes, in order), the
    ``tables`` among them (a piece of a table when several projects run together in one) and
    the ``title`` paragraph or title cell (None when untitled)."""

    blocks: list[int] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    title: Paragraph | Cell | None = None


# --------------------------------------------------------------------------------------------
# finding the tables


def find_projects(doc: Document) -> list[ProjectPart]:
    """Every project table of ``doc`` with the blocks that belong to it, in document order."""
    parts: list[ProjectPart] = []
    claimed: set[int] = set()
    blocks = doc.blocks
    pos = 0
    while pos < len(blocks):
        block = blocks[pos]
        if not isinstance(block, Table) or block.parent is not None:
            pos += 1
            continue
        title = _title_before(blocks, pos, claimed)
        in_table = _title_cell(block)
        title_text = normalize(in_table.text if in_table is not None else title.text if title else block.sheet)
        if not _is_project_table(block, title_text):
            pos += 1
            continue
        lead = _leading(blocks, pos, claimed)
        for n, seg in enumerate(split_projects(block)):
            part = ProjectPart(blocks=[block.index], tables=[seg])
            if n == 0:
                part.blocks[:0] = lead
                part.title = in_table or title
            parts.append(part)  # several project tables may run together in one table
        pos = _continuations(blocks, pos + 1, parts[-1])
        pos = _trailers(blocks, pos, parts[-1])
        claimed.update(i for part in parts for i in part.blocks)
    return parts


def _continuations(blocks, pos: int, part: ProjectPart) -> int:
    """Add to ``part`` the tables continuing it after a page break (with at most 续表 / unit
    lines between); returns the position after them."""
    while pos < len(blocks):
        k = pos
        while k < len(blocks) and isinstance(blocks[k], Paragraph) and _continuation_line(blocks[k]):
            k += 1
        if k < len(blocks) and isinstance(blocks[k], Table) and _continues(part, blocks[k]):
            part.blocks.extend(b.index for b in blocks[pos:k + 1])
            part.tables.append(blocks[k])
            pos = k + 1
            continue
        return pos
    return pos


def _trailers(blocks, pos: int, part: ProjectPart) -> int:
    """Add to ``part`` the 填表人 / 自评结论 / 说明 (and its numbered notes) lines below it."""
    in_notes = False
    while pos < len(blocks) and isinstance(blocks[pos], Paragraph):
        t = normalize(blocks[pos].text)
        if TRAILER.match(t):
            in_notes = bool(NOTES_LABEL.match(t))
        elif not (in_notes and NOTE_ITEM.match(t)):
            break
        part.blocks.append(blocks[pos].index)
        pos += 1
    return pos


def split_projects(table: Table) -> list[Table]:
    """``table`` cut before every later row opening with 项目名称 that follows a 总分 /
    年度资金总额 row — two project tables run together (adjacent tables in a text export). The
    pieces share the table's ``index`` and keep their cells (rows, lines) as they are."""
    starts = [0]
    seen_body = False
    for i, row in enumerate(table.rows):
        first = next((c for c in row if c.clean), None)
        if first is None:
            continue
        if i > starts[-1] and seen_body and _head_field(first.clean) == "project_name":
            starts.append(i)
            seen_body = False
        elif is_total_label(first.clean) or any(
                is_total_label(c.clean) or normalize(c.clean).startswith("年度资金总额") for c in row):
            seen_body = True
    if len(starts) == 1:
        return [table]
    bounds = starts + [len(table.rows)]
    return [_piece(table, a, b) for a, b in pairwise(bounds)]


def _piece(table: Table, a: int, b: int) -> Table:
    rows = table.rows[a:b]
    return Table(index=table.index, rows=rows, line=rows[0][0].line if rows[0] else table.line,
                 line_end=max((c.line_end for c in rows[-1]), default=table.line_end),
                 page=table.page, sheet=table.sheet, parent=table.parent)


def _title_before(blocks, pos: int, claimed: set[int]) -> Paragraph | None:
    """The nearest title-like paragraph among the (up to four) paragraphs right above a table,
    passing over 年度, unit and 附件 lines only."""
    k = pos - 1
    while k >= 0 and pos - k <= 4 and isinstance(blocks[k], Paragraph) and blocks[k].index not in claimed:
        t = normalize(blocks[k].text)
        if TITLE.search(t) and len(t) <= 60:
            return blocks[k]
        if not _lead_line(t):
            return None
        k -= 1
    return None


def _lead_line(t: str) -> bool:
    """A line between a table and its title: 年度, unit, 附件, 填报日期 / 自评总分 / 盖章 lines."""
    return bool(YEAR_LINE.match(t) or UNIT_LINE.match(t) or ATTACHMENT.match(t) or layouts().not_title.matches(t))


def _leading(blocks, pos: int, claimed: set[int]) -> list[int]:
    """Indexes of the paragraphs right above a project table that belong to it: its title, the
    年度 line, the unit line and the 附件 label."""
    out: list[int] = []
    k = pos - 1
    titles = 0  # a form title and the document's own title above it (广水: …项目自评表 / …绩效目标自评表)
    while k >= 0 and pos - k <= 5 and isinstance(blocks[k], Paragraph) and blocks[k].index not in claimed:
        t = normalize(blocks[k].text)
        if TITLE.search(t) and len(t) <= 60 and titles < 2:
            titles += 1
        elif not _lead_line(t):
            break
        out.insert(0, blocks[k].index)
        k -= 1
        if ATTACHMENT.match(t):
            break
    return out


def _title_cell(table: Table) -> Cell | None:
    """A title written in the table's first row (a row of one non-empty cell naming a 表)."""
    if not table.rows:
        return None
    texts = {c.clean for c in table.rows[0] if c.clean}
    if len(texts) == 1:
        cell = next(c for c in table.rows[0] if c.clean)
        if TITLE.search(cell.clean) and _head_field(cell.clean) is None:
            return cell
    return None


def _is_project_table(table: Table, title: str) -> bool:
    if title and DEPARTMENT_TITLE.search(title):
        return False
    named = _has_name_row(table) and any(_head_field(c.clean) in HEAD_FIELDS[1:] for row in table.rows[:6] for c in row)
    selfeval = _has_selfeval_columns(table)
    if title and PROJECT_TITLE.search(title):
        return named or selfeval
    return named and selfeval


def _has_name_row(table: Table) -> bool:
    """项目名称 opens one of the first three rows."""
    for row in table.rows[:3]:
        first = next((c for c in row if c.clean), None)
        if first is not None and _head_field(first.clean) == "project_name":
            return True
    return False


def _head_field(text: str) -> str | None:
    """``project_name`` / ``managing_department`` / ``implementing_unit`` for a label cell
    (layouts.toml ``[labels]``), else None."""
    return layouts().label_field(text, HEAD_FIELDS)


def _has_selfeval_columns(table: Table) -> bool:
    """A row naming a budget (年初/全年预算), the amount executed and a 得分 column, or an indicator
    header. (Each row's cells are joined by line breaks, which no cell holds: ``^`` is a cell's start.)"""
    for row in table.rows:
        text = "\n".join(c.clean for c in row)
        if "得分" in text and SELFEVAL_BUDGET.search(text) and SELFEVAL_EXECUTED.search(text):
            return True
    return indicator_header(table) is not None


def _continuation_line(p: Paragraph) -> bool:
    t = normalize(p.text)
    return bool(CONTINUED.match(t) or UNIT_LINE.match(t))


def _continues(part: ProjectPart, table: Table) -> bool:
    """``table`` carries on the project table of ``part`` (the form split by a page break): it
    has no 项目名称 / 部门名称 row and no title of its own, and brings rows the part still lacks
    (indicators or the 总分 row)."""
    if table.parent is not None or _has_name_row(table) or _title_cell(table) is not None:
        return False
    if any(NAME_ROW.search(c.clean) for row in table.rows[:3] for c in row):
        return False
    has_total = any(is_total_label(c.clean) for t in part.tables for row in t.rows for c in row)
    if has_total:
        return False
    texts = [c.clean for row in table.rows for c in row]
    brings = (indicator_header(table) is not None or any(is_total_label(t) for t in texts)
              or any(INDICATOR_FAMILY.match(t) for t in texts))
    return brings


# --------------------------------------------------------------------------------------------
# reading one


def extract_project(doc: Document, part: ProjectPart, parent: Report | None = None) -> Report:
    """The Report of one project table. ``doc`` is the whole document; ``parent`` the department
    report the table is attached to (its year and unit fill in what the table does not say)."""
    report = Report(kind="project")
    has_indicator_header = False
    for table in part.tables:
        read_selfeval_table(doc, table, report)
        read_funds_variants(doc, table, report)
        has_indicator_header |= indicator_header(table) is not None
        _head_rows(doc, table, report)
        _goal_columns(doc, table, report)
        _conclusion_rows(doc, table, report)
    _paragraphs(doc, part, report)
    _year(doc, part, report, parent)
    _unit(report, parent)
    report.layout = "selfeval_table" if has_indicator_header else "unknown"
    return report


def _head_rows(doc: Document, table: Table, report: Report) -> None:
    """项目名称 | X; 主管部门 | X | 实施单位 | Y (the rows above the funds header)."""
    for row in table.rows[:6]:
        if any(HEAD_END.search(c.clean) for c in row):
            break  # the funds header: a 项目名称 there is a template's column label, not the name
        for attr, _, nxt in label_pairs(row, HEAD_FIELDS, others=HEAD_FIELDS):
            if not getattr(report, attr).present:
                v = cell_value(doc, table, nxt, _unit_text if attr != "project_name" else None)
                if v.present or getattr(report, attr).source is None:
                    setattr(report, attr, v)


def _unit_text(text: str) -> str | None:
    """A unit cell without its leading code (``314002-成安县民政局机关`` → 成安县民政局机关)."""
    t = "".join(text.split())
    return UNIT_CODE.sub("", t) or None


def _goal_columns(doc: Document, table: Table, report: Report) -> None:
    """年度总体目标 | 预期目标 | 实际完成情况, then the row of texts under it; or 年度总体目标 | text."""
    for i, row in enumerate(table.rows):
        head = next((k for k, c in enumerate(row) if GOAL_HEAD.match(c.clean)), None)
        if head is None:
            continue
        cols = map_header(row, GOAL_COLUMNS)
        if "expected" in cols and i + 1 < len(table.rows):
            below = table.rows[i + 1]
            report.goal_expected = cell_value(doc, table, at(below, cols["expected"]))
            if "actual" in cols:
                report.goal_actual = cell_value(doc, table, at(below, cols["actual"]))
        elif head + 1 < len(row) and row[head + 1].clean:
            report.goal_expected = cell_value(doc, table, row[head + 1])
        return


def _conclusion_rows(doc: Document, table: Table, report: Report) -> None:
    """``自评结论 | text`` and ``自评等级 | 优`` rows (or ``自评等级：优`` in one cell)."""
    for row in table.rows:
        after: list[Cell | None] = [None] * len(row)  # the next non-empty cell right of each (linear, not a slice per cell)
        for k in range(len(row) - 2, -1, -1):
            after[k] = row[k + 1] if row[k + 1].clean else after[k + 1]
        for k, c in enumerate(row):
            name, _, rest = c.clean.partition("：") if "：" in c.clean else c.clean.partition(":")
            nxt = after[k]
            if CONCLUSION.match(name):
                if rest:
                    report.conclusion = cell_value(doc, table, c, _after_colon)
                elif nxt is not None:
                    report.conclusion = cell_value(doc, table, nxt)
                _grade_from(report, report.conclusion)
            elif GRADE_LABEL.match(name) and len(name) <= 6:
                if rest:
                    report.self_assessment.grade = cell_value(doc, table, c, _after_colon)
                elif nxt is not None:
                    report.self_assessment.grade = cell_value(doc, table, nxt)


def _paragraphs(doc: Document, part: ProjectPart, report: Report) -> None:
    """A ``自评结论：…`` paragraph below the table (and the grade or total it states), or a
    ``自评等级：优`` line."""
    tables = {t.index for t in part.tables}
    for b in doc.blocks:
        if b.index not in part.blocks or b.index in tables or not isinstance(b, Paragraph):
            continue
        t = normalize(b.text)
        if not report.self_assessment.total.present:
            total = _stated_total(b.text)
            if total is not None:
                report.self_assessment.total = Value(value=total[0], raw=total[1],
                                                     source=source_of(doc, None, line=b.line, block=b.index))
        if CONCLUSION.match(t) and not report.conclusion.present:
            report.conclusion = Value(value=_after_colon(b.text), raw=b.text.strip(),
                                      source=source_of(doc, None, line=b.line, block=b.index))
            _grade_from(report, report.conclusion)
        elif GRADE_LABEL.match(COLON.split(t, maxsplit=1)[0]) and not report.self_assessment.grade.present:
            v = _after_colon(b.text)
            if v and GRADE_WORD.fullmatch(normalize(v)):
                report.self_assessment.grade = Value(value=v, raw=b.text.strip(),
                                                     source=source_of(doc, None, line=b.line, block=b.index))


def _stated_total(text: str) -> tuple | None:
    """(total, the words as written) of a ``自评总分：95`` pair in a line (layouts.toml ``[labels]``
    self_total), or None."""
    for m in PAIR.finditer(text):
        if layouts().label_field(m.group(1), ("self_total",)):
            return to_decimal(m.group(2)), m.group(0)
    return None


def _grade_from(report: Report, conclusion: Value) -> None:
    """The grade (``评价等次为优``) and, when no 总分 row gave one, the total (``自评得分95分``)
    stated in a conclusion."""
    text = normalize(conclusion.raw)
    m = GRADE_IN_TEXT.search(text)
    if m and not report.self_assessment.grade.present:
        report.self_assessment.grade = Value(value=m.group(1), raw=conclusion.raw, source=conclusion.source)
    m = TOTAL_IN_TEXT.search(text)
    if m and not report.self_assessment.total.present:
        report.self_assessment.total = Value(value=to_decimal(m.group(1)), raw=conclusion.raw, source=conclusion.source)


def _after_colon(text: str) -> str | None:
    parts = COLON.split(text.strip(), maxsplit=1)
    rest = parts[1].strip() if len(parts) > 1 else ""
    return rest or None


def _year(doc: Document, part: ProjectPart, report: Report, parent: Report | None) -> None:
    """Year from the title (a paragraph or the table's first row) or a ``(2019年度)`` line above
    the table or in its first rows; else from the worksheet's name; else the parent's."""
    if part.tables:
        first = part.tables[0]
        for row in first.rows[:3]:
            cells = [c for c in row if c.clean]
            if len({c.clean for c in cells}) != 1:
                continue
            t = normalize(cells[0].text)
            m = YEAR_LINE.match(t) or (YEAR_IN_TITLE.search(t) if TITLE.search(t) else None)
            if m:
                report.year = cell_value(doc, first, cells[0])
                report.year.value = int(m.group(1))
                return
    for b in doc.blocks:
        if b.index in part.blocks and isinstance(b, Paragraph):
            t = normalize(b.text)
            m = YEAR_LINE.match(t) or (YEAR_IN_TITLE.search(t) if TITLE.search(t) else None)
            if m:
                report.year = Value(value=int(m.group(1)), raw=b.text.strip(),
                                    source=source_of(doc, None, line=b.line, block=b.index))
                return
    sheet = part.tables[0].sheet if part.tables else None
    m = YEAR_IN_TITLE.search(normalize(sheet)) if sheet and TITLE.search(normalize(sheet)) else None
    if m:  # a workbook names the sheet after the form: 2024年度项目支出绩效自评表
        report.year = Value(value=int(m.group(1)), raw=sheet, source=source_of(doc, part.tables[0]))
    elif parent is not None and parent.year.present:
        report.year = parent.year


def _unit(report: Report, parent: Report | None) -> None:
    """unit_name: the 实施单位; else the department's unit; else the 主管部门."""
    if report.implementing_unit.present:
        report.unit_name = report.implementing_unit
    elif parent is not None and parent.unit_name.present:
        report.unit_name = parent.unit_name
    elif report.managing_department.present:
        report.unit_name = report.managing_department

