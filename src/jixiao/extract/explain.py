"""What the reader understood of each table — the pdfplumber ``debug_tablefinder`` habit:
which signature of layouts.toml matched, which column became which field, which rows were read
and which skipped and why, and the key–value labels found. ``jixiao show FILE --layout`` prints
it; JX905 uses :func:`unmatched_tables` to name the headers of a table that looks like a
self-evaluation table but matches no signature.

It runs the extractors' own header and row functions, so what it says is what was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..readers.document import Cell, Document, Table
from .funds import by_source_header, pairs_header, read_breakdowns
from .layouts import signature
from .numbers import normalize, parse_amount
from .selfeval import FUNDS, funds_header, funds_rows, indicator_header, indicator_rows
from .tables import Col, header_columns, is_subheader, label_pairs, map_header
from .yueyang import SCORE, score_header

FIELD_ZH = {
    "level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target_op": "指标值符号", "target": "年度指标值",
    "target_unit": "计量单位", "actual": "实际完成值", "weight": "分值", "self_score": "得分", "deviation": "偏差原因",
    "initial_budget": "年初预算数", "full_year_budget": "全年预算数", "executed": "全年执行数",
    "execution_rate": "执行率", "total": "合计（预算数）", "criterion": "评分标准", "note": "扣分原因",
    "unit_name": "单位名称", "project_name": "项目名称", "managing_department": "主管部门",
    "implementing_unit": "实施单位", "staffing_authorized": "编制数", "staffing_actual": "实有人数",
    "self_total": "自评总分",
}
# a table that looks like a self-evaluation table: its header names indicators and scores or results
SELFEVAL_LOOK = (re.compile(r"指标"), re.compile(r"得分|分值|权重|完成|实际|记录|自评"))
# below the first rows, an indicator header must name a score column (a 执行监控表 has 完成 columns only)
SCORE_COLUMN = re.compile(r"得分|分值|权重|自评分")
HEADER_SEARCH_ROWS = 30


@dataclass(slots=True)
class ColumnMap:
    field: str
    header: str  # the header text it was matched on (上层·下层 for a two-row header)
    grid: int


@dataclass(slots=True)
class RowNote:
    row: int
    line: int
    what: str  # 指标行 / 总分行 / 跳过：原因


@dataclass(slots=True)
class TableLayout:
    """One table as the extractors saw it."""

    block: int
    line: int
    sheet: str | None
    signatures: list[str] = field(default_factory=list)  # names in layouts.toml [tables.*]
    titles: list[str] = field(default_factory=list)
    columns: dict[str, list[ColumnMap]] = field(default_factory=dict)  # signature → its columns
    unmapped: dict[str, list[str]] = field(default_factory=dict)  # signature → header texts left over
    rows: list[RowNote] = field(default_factory=list)
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (field, label, value)
    breakdowns: list[str] = field(default_factory=list)
    header_row: list[str] = field(default_factory=list)  # the first header-like row (for JX905)

    @property
    def looks_like_selfeval(self) -> bool:
        text = "".join(self.header_row)
        return all(rx.search(text) for rx in SELFEVAL_LOOK)


def _cols(mapping: dict[str, Col]) -> list[ColumnMap]:
    return sorted((ColumnMap(k, v.label, v.grid) for k, v in mapping.items()), key=lambda c: c.grid)


def _left(header: list[Cell], mapped: dict[str, Col], sub: list[Cell] | None = None) -> list[str]:
    used = {(c.grid, c.label) for c in mapped.values()}
    return [c.label for c in header_columns(header, sub) if c.label and (c.grid, c.label) not in used]


def _header_row(table: Table) -> list[str]:
    """The first row with three labels or more (skipping title rows); when that row does not look
    like a self-evaluation header, a row further down that names 指标 and a score column (分值,
    得分, 权重) and holds no amounts — the indicator header of a project form stands below its
    项目名称 / 主管部门 / 项目资金 rows."""
    first: list[str] = []
    for k, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        texts = [c.clean for c in row if c.clean and not c.covered]
        if len(set(texts)) < 3:
            continue
        joined = "".join(texts)
        if not first and k < 8:
            first = texts
            if all(rx.search(joined) for rx in SELFEVAL_LOOK):
                return texts
        elif "指标" in joined and SCORE_COLUMN.search(joined) and all(parse_amount(t) is None for t in texts):
            return texts
    return first


def explain_table(doc: Document, table: Table) -> TableLayout:
    out = TableLayout(block=table.index, line=table.line, sheet=table.sheet, header_row=_header_row(table))
    hdr = indicator_header(table)
    if hdr is not None:
        sig = signature("indicator")
        start, cols, _ = hdr
        out.signatures.append("indicator")
        out.titles.append(sig.title)
        out.columns["indicator"] = _cols(cols)
        names_here = any(sig.columns["name"].matches(normalize(c.clean)) for c in table.rows[start])
        two_rows = not names_here and start > 0 and is_subheader(table.rows[start - 1], table.rows[start])
        head, sub = (table.rows[start - 1], table.rows[start]) if two_rows else (table.rows[start], None)
        out.unmapped["indicator"] = _left(head, cols, sub)
        reasons = {"indicator": "指标行", "total": "总分（合计）行"}
        for kind, row, why in indicator_rows(table, hdr):
            first = next((c for c in row if c.clean), row[0] if row else None)
            if first is not None:
                out.rows.append(RowNote(first.row, first.line, reasons.get(kind) or f"跳过：{why}"))
    for i, row in funds_rows(table):
        label = next(c for c in row if c.clean and FUNDS.total_row.matches(normalize(c.clean)))
        header = funds_header(table, i)
        if header is not None:
            cols = map_header(header, FUNDS.columns)
            out.signatures.append("funds")
            out.titles.append(FUNDS.title)
            out.columns["funds"] = _cols(cols)
            out.unmapped["funds"] = _left(header, cols)
            out.rows.append(RowNote(label.row, label.line, f"资金合计行（{label.clean}）"))
        break
    found = by_source_header(table)
    if found is not None:
        i, cols = found
        sig = signature("funds_by_source")
        out.signatures.append("funds_by_source")
        out.titles.append(sig.title)
        out.columns["funds_by_source"] = _cols(cols)
        out.unmapped["funds_by_source"] = _left(table.rows[i], cols)
    pairs = pairs_header(table)
    if pairs is not None:
        sig = signature("funds_pairs")
        out.signatures.append("funds_pairs")
        out.titles.append(sig.title + ("（表头写明调整后：预算数即全年预算数）" if pairs[1] else ""))
    if score_header(table) is not None:
        cols = map_header(score_header(table), SCORE.columns)
        out.signatures.append("yueyang_score")
        out.titles.append(SCORE.title)
        out.columns["yueyang_score"] = _cols(cols)
    if any(signature("basic_data").header.matches(c.clean) for c in table.cells()):
        out.signatures.append("basic_data")
        out.titles.append(signature("basic_data").title)
    for b in read_breakdowns(doc, table):
        out.breakdowns.append(f"{b.name}：合计 {b.total.raw}，分项 " + "、".join(f"{p.name.value} {p.amount.raw}" for p in b.parts))
    if out.breakdowns:
        out.signatures.append("breakdown")
        out.titles.append(signature("breakdown").title)
    for row in table.rows:
        out.labels += [(name, a.clean, b.clean) for name, a, b in label_pairs(row) if b.clean]
    return out


def explain(doc: Document) -> list[TableLayout]:
    """Every top-level table of ``doc`` as the extractors saw it."""
    return [explain_table(doc, t) for t in doc.tables if t.parent is None]


def unmatched_tables(doc: Document) -> list[TableLayout]:
    """Tables that look like a self-evaluation table (their header names 指标 and scores or
    results) but match no indicator or score-table signature."""
    out = []
    for t in doc.tables:
        if t.parent is not None or not all(rx.search("".join(_header_row(t))) for rx in SELFEVAL_LOOK):
            continue
        if indicator_header(t) is None and score_header(t) is None:
            out.append(explain_table(doc, t))
    return out
