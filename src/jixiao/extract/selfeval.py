"""The 2020+ 部门整体支出绩效自评表 (seeds 002, 003, 004): 年度资金总额 row and its sources,
年度总体目标, the indicator table (一级/二级/三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因), 总分.

The same rows make up a 项目支出绩效自评表, so :func:`read_selfeval_table` (one table into a
Report) is shared with :mod:`jixiao.extract.project`.
"""

from __future__ import annotations

import re

from ..model import Figure, FundSource, Indicator, Report, Value
from ..readers.document import Cell, Document, Table
from .numbers import parse_amount, parse_percent
from .tables import (
    amount_value, at, cell_after, cell_value, find_rows, label, map_header, measure_value, money_value,
)

FUNDS_COLUMNS = {
    "initial_budget": r"年初预算",
    "full_year_budget": r"全年预算|调整后预算",
    "executed": r"全年执行|执行数",
    "weight": r"^分值$|^权重",
    "execution_rate": r"执行率",
    "self_score": r"^得分$|^自评得分",
}
INDICATOR_COLUMNS = {
    "level1": r"^一级指标",
    "level2": r"^二级指标",
    "name": r"^三级指标",
    "target": r"年度指标值|预期指标值|^指标值|年度\S*指标值",
    "actual": r"实际完成值|^实际值|^完成值|实际\S*完成值|全年实际值",
    "weight": r"^分值|^权重",
    "self_score": r"^得分|^自评得分",
    "deviation": r"偏差|未完成原因",
}
INCOME_NATURE = {
    "一般公共预算": r"一般公共预算",
    "政府性基金": r"政府性基金",
    "纳入专户管理的非税收入": r"专户",
    "其他资金": r"其他资金",
    "当年财政拨款": r"当年财政拨款|财政拨款",
    "上年结转": r"上年结转",
}
SPENDING_NATURE = {"基本支出": "spending.basic", "项目支出": "spending.project"}
LEVEL_SCORE = re.compile(r"[（(]\d+(?:\.\d+)?分[)）]$")


def extract_selfeval(doc: Document, report: Report) -> bool:
    """Fill ``report`` from a self-evaluation table; returns False when the document has none."""
    found = False
    for table in doc.tables:
        found |= read_selfeval_table(doc, table, report)
    return found


def read_selfeval_table(doc: Document, table: Table, report: Report) -> bool:
    """Fill ``report`` from one table: the 年度资金总额 row and the source rows under it (万元),
    the indicator rows and 总分 row (points), 预算部门名称, 年度总体目标. Returns True when the
    table has a 年度资金总额 row under a budget header or an indicator header.

    ``table`` may be a piece of a table (:func:`jixiao.extract.project.split_projects`); ``doc``
    is the document its ``index`` counts in (the paragraph above it may say ``单位：元``). Values
    carry the cells' own positions."""
    found = False
    for i, row in find_rows(table, r"^年度资金总额"):
        header = _header_above(table, i, r"年初预算|全年预算")
        if header is not None:
            _funds(doc, table, header, row, report)
            _sources(doc, table, i, header, report)
            found = True
        break
    hdr = indicator_header(table)
    if hdr is not None:
        _indicators(doc, table, hdr, report)
        found = True
    for _, row in find_rows(table, r"预算部门名称|^单位名称|^部门名称"):
        c = cell_after(row, r"预算部门名称|^单位名称|^部门名称")
        if c is not None and c.clean and not report.unit_name.present:
            report.unit_name = cell_value(doc, table, c)
    _goals(doc, table, report)
    return found


def _header_above(table: Table, index: int, pattern: str) -> list[Cell] | None:
    for j in range(index - 1, max(-1, index - 3), -1):
        if any(re.search(pattern, c.clean) for c in table.rows[j]):
            return table.rows[j]
    return None


def _funds(doc: Document, table: Table, header: list[Cell], row: list[Cell], report: Report) -> None:
    cols = map_header(header, FUNDS_COLUMNS)
    f = report.funds
    for name in ("initial_budget", "full_year_budget", "executed"):
        setattr(f, name, money_value(doc, table, at(row, cols.get(name))))
    f.weight = cell_value(doc, table, at(row, cols.get("weight")), parse_amount)
    f.self_score = cell_value(doc, table, at(row, cols.get("self_score")), parse_amount)
    f.execution_rate = cell_value(doc, table, at(row, cols.get("execution_rate")), parse_percent)
    for key, v in (("funds.full_year_budget", f.full_year_budget), ("funds.executed", f.executed),
                   ("funds.execution_rate", f.execution_rate)):
        if v.present:
            report.figures.append(Figure(key=key, label=_LABELS[key], where="自评表", value=v))


_LABELS = {
    "funds.full_year_budget": "全年预算数",
    "funds.executed": "全年执行数",
    "funds.execution_rate": "预算执行率",
    "spending.basic": "基本支出",
    "spending.project": "项目支出",
}


def _sources(doc: Document, table: Table, index: int, header: list[Cell], report: Report) -> None:
    """Rows under 年度资金总额: either per-source rows with three amounts (seed 003) or the
    按收入性质 / 按支出性质 label–value grid (seeds 002, 004)."""
    cols = map_header(header, FUNDS_COLUMNS)
    for row in table.rows[index + 1:]:
        texts = [c.clean for c in row]
        if any(re.search(r"年度(总体|工作)目标|绩效指标", t) for t in texts):
            break
        amounts = [parse_amount(t) for t in texts]
        # layout A: a source row with amounts under the 年初/全年/执行 columns
        if len(row) >= len(header) - 1 and any(a is not None for a in amounts):
            name_cell = next((c for c in row if c.clean and parse_amount(c.clean) is None), None)
            if name_cell is not None:
                report.funds.by_source.append(FundSource(
                    name=cell_value(doc, table, name_cell, label),
                    initial_budget=money_value(doc, table, at(row, cols.get("initial_budget"))),
                    full_year_budget=money_value(doc, table, at(row, cols.get("full_year_budget"))),
                    executed=money_value(doc, table, at(row, cols.get("executed"))),
                    weight=cell_value(doc, table, at(row, cols.get("weight")), parse_amount),
                    execution_rate=cell_value(doc, table, at(row, cols.get("execution_rate")), parse_percent),
                    self_score=cell_value(doc, table, at(row, cols.get("self_score")), parse_amount),
                ))
            continue
        # layout B: label cells followed by (or containing) their amount
        for k, c in enumerate(row):
            name = label(c.clean)
            if not name or parse_amount(name) is not None and not re.search(r"[\u4e00-\u9fff]", name):
                continue
            value_cell = c if parse_amount(c.clean) is not None else (row[k + 1] if k + 1 < len(row) else None)
            name = re.sub(r"[:：]?[\d.]+$", "", name)
            if value_cell is None or parse_amount(value_cell.clean) is None:
                continue
            if value_cell is not c and re.search(r"[\u4e00-\u9fff]", value_cell.clean):
                continue
            v = money_value(doc, table, value_cell)
            for nature, key in SPENDING_NATURE.items():
                if nature in name:
                    report.funds.by_nature[nature] = v
                    report.figures.append(Figure(key=key, label=nature, where="自评表", value=v))
                    break
            else:
                for src_name, pattern in INCOME_NATURE.items():
                    if re.search(pattern, name):
                        report.funds.by_source.append(FundSource(
                            name=cell_value(doc, table, c, lambda t, s=src_name: s), executed=v))
                        break


def indicator_header(table: Table) -> tuple[int, dict[str, int], int] | None:
    """The indicator header row of ``table``: (row index, field → column counted from the right,
    row width), or None. A header names 三级指标, 得分, a target and an actual column."""
    for i, row in enumerate(table.rows):
        texts = [c.clean for c in row]
        if any(re.search(r"^三级指标", t) for t in texts) and any("得分" in t for t in texts):
            cols = map_header(row, INDICATOR_COLUMNS)
            if {"name", "target", "actual"} <= cols.keys():
                return i, cols, len(row)
    return None


def _indicators(doc: Document, table: Table, hdr: tuple[int, dict[str, int], int], report: Report) -> None:
    start, cols, width = hdr
    level1 = level2 = Value()
    for row in table.rows[start + 1:]:
        texts = [c.clean for c in row]
        if any(re.fullmatch(r"总分|合计|总计", t) for t in texts):
            _total_row(doc, table, row, report)
            continue
        if any(re.search(r"^三级指标", t) for t in texts):
            continue  # a repeated header after a page break
        if len(row) < width - 3:
            continue
        l1 = at(row, cols.get("level1"))
        l2 = at(row, cols.get("level2"))
        if l1 is not None and l1.clean:
            level1 = cell_value(doc, table, l1, _level_label)
            level2 = Value()
        if l2 is not None and l2.clean:
            level2 = cell_value(doc, table, l2, _level_label)
        name = at(row, cols.get("name"))
        target = at(row, cols.get("target"))
        weight = at(row, cols.get("weight"))
        if not any(c is not None and c.clean for c in (name, target, weight)):
            continue
        report.indicators.append(Indicator(
            level1=level1, level2=level2,
            name=cell_value(doc, table, name, _indicator_name),
            target=measure_value(doc, table, target),
            actual=measure_value(doc, table, at(row, cols.get("actual"))),
            weight=amount_value(doc, table, weight),
            self_score=amount_value(doc, table, at(row, cols.get("self_score"))),
            deviation=cell_value(doc, table, at(row, cols.get("deviation"))),
        ))


def _total_row(doc: Document, table: Table, row: list[Cell], report: Report) -> None:
    idx = next(i for i, c in enumerate(row) if re.fullmatch(r"总分|合计|总计", c.clean))
    nums = [c for c in row[idx + 1:] if parse_amount(c.clean) is not None]
    sa = report.self_assessment
    if len(nums) >= 2:
        sa.total_weight = amount_value(doc, table, nums[0])
        sa.total = amount_value(doc, table, nums[1])
    elif len(nums) == 1:
        sa.total = amount_value(doc, table, nums[0])
    if sa.total.present:
        report.figures.append(Figure(key="self.total", label="自评得分", where="自评表", value=sa.total))


def _goals(doc: Document, table: Table, report: Report) -> None:
    for i, row in find_rows(table, r"^年度(总体|工作)目标$|^年度(总体|工作)目标"):
        if i + 1 < len(table.rows):
            cells = [c for c in table.rows[i + 1] if c.clean]
            if cells:
                report.qualitative_goals.append(cell_value(doc, table, cells[0]))
            if len(cells) > 1:
                report.qualitative_goals.append(cell_value(doc, table, cells[1]))


def _level_label(text: str) -> str:
    return LEVEL_SCORE.sub("", "".join(text.split()))


def _indicator_name(text: str) -> str:
    return re.sub(r"^指标\d+[:：]", "", "".join(text.split())) or None
