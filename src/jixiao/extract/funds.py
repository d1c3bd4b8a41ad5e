"""Funds tables other than the national 年度资金总额 row (:mod:`.selfeval`), by their signatures
in layouts.toml:

- ``[tables.funds_by_source]`` (湖北广水): 项目资金来源 | 中央 | 省、地 | 本级 | 其他 | 合计 | 执行数 |
  执行率, the amounts in the row below;
- ``[tables.funds_pairs]`` (河北): 预算安排情况(调整后) | 资金到位情况 | 资金执行情况 | 预算执行进度(%),
  the rows below label–value pairs (预算数 6.84 | 到位数 6.84 | 执行数 6.84 | 100.00);
- ``[tables.breakdown]`` (重庆): a total with the parts stated under it (年度预算资金总额 1084.25,
  其中：中央补助 668.00, 市级资金 343.00 …), one per fund, for the sum checks (JX101).

A budget figure the form does not label 年初 or 全年 (合计, 预算数) is the 全年预算数 only when the
header says 调整后 or it is the base of the stated 执行率 (执行数 / 预算数 = 执行率).
"""

from __future__ import annotations

import re

from ..model import Breakdown, BreakdownPart, FundSource, Report, Value
from ..readers.document import Cell, Document, Table
from .layouts import signature
from .numbers import normalize, parse_amount, parse_percent, rate_matches
from .tables import (
    Col,
    at,
    cell_value,
    grid_width,
    header_columns,
    map_header,
    money_value,
    table_text,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
IN_WAN = re.compile(r"[(（]万元[)）]$")
AMONG = re.compile(r"^其中[:：]?")
TRAILING_MARKS = re.compile(r"[:：)）]+$")
FUND_HEADING = re.compile(r"^(.{2,40}?)[(（]万元[)）]$")
BY_SOURCE = signature("funds_by_source")
PAIRS = signature("funds_pairs")
BREAKDOWN = signature("breakdown")


def read_funds_variants(doc: Document, table: Table, report: Report) -> bool:
    """Fill ``report.funds`` from a funds_by_source or funds_pairs table; add the table's
    breakdowns to ``report.breakdowns``. Returns True when a funds layout was read."""
    found = False
    if not report.funds.executed.present:
        found = _by_source(doc, table, report) or _pairs(doc, table, report)
    report.breakdowns.extend(read_breakdowns(doc, table))
    return found


def _first(row: list[Cell]) -> Cell | None:
    return next((c for c in row if c.clean and not c.covered), None)


def _set_budget(report: Report, budget: Value, adjusted: bool) -> None:
    f = report.funds
    if budget.number is None or f.full_year_budget.present:
        return
    if adjusted or (f.executed.number is not None and rate_matches(f.executed.number, budget.number, f.execution_rate)):
        f.full_year_budget = budget


def by_source_header(table: Table) -> tuple[int, dict[str, Col]] | None:
    """(row index, field → column) of a ``[tables.funds_by_source]`` header: its first cell a
    ``header`` synonym, 合计 and 执行数 columns, and a row of values as wide below it."""
    for i, row in enumerate(table.rows[:-1]):
        first = _first(row)
        if first is None or not BY_SOURCE.header.matches(normalize(first.clean)):
            continue
        cols = map_header(row, {k: v for k, v in BY_SOURCE.columns.items() if k != "sources"})
        if {"total", "executed"} <= cols.keys() and grid_width(table.rows[i + 1]) == grid_width(row):
            return i, cols
    return None


def pairs_header(table: Table) -> tuple[int, bool, Col | None] | None:
    """(row index, whether the header says 调整后, the 执行率 column) of a
    ``[tables.funds_pairs]`` header: a row with every ``header`` synonym."""
    for i, row in enumerate(table.rows[:-1]):
        texts = [normalize(c.clean) for c in row]
        if PAIRS.header.all_in(texts):
            adjusted = any(PAIRS.labels["adjusted_header"].matches(t) for t in texts)
            rate_col = next(iter(map_header(row, {"rate": PAIRS.labels["execution_rate"]}).values()), None)
            return i, adjusted, rate_col
    return None


def _by_source(doc: Document, table: Table, report: Report) -> bool:
    found = by_source_header(table)
    if found is not None:
        i, cols = found
        row, values, first = table.rows[i], table.rows[i + 1], _first(table.rows[i])
        f = report.funds
        f.executed = money_value(doc, table, at(values, cols["executed"]))
        f.execution_rate = cell_value(doc, table, at(values, cols.get("execution_rate")), parse_percent)
        _set_budget(report, money_value(doc, table, at(values, cols["total"])), adjusted=False)
        sources = BY_SOURCE.columns["sources"]
        for head, col in zip(row, header_columns(row)):
            name = normalize(head.clean)
            if head is first or not sources.matches(name):
                continue
            amount = money_value(doc, table, at(values, col))
            if amount.present:
                label = IN_WAN.sub("", name)
                f.by_source.append(FundSource(name=cell_value(doc, table, head, lambda t, n=label: n),
                                              full_year_budget=amount))
        return f.executed.present
    return False


def _pairs(doc: Document, table: Table, report: Report) -> bool:
    found = pairs_header(table)
    if found is not None:
        i, adjusted, rate_col = found
        f = report.funds
        first_row = True
        for values in table.rows[i + 1:]:
            pairs = _label_values(values)
            if not pairs:
                break
            if first_row:
                for lab, cell in pairs:
                    if PAIRS.labels["executed"].matches(lab):
                        f.executed = money_value(doc, table, cell)
                if rate_col is not None:
                    f.execution_rate = cell_value(doc, table, at(values, rate_col), parse_percent)
                for lab, cell in pairs:
                    if PAIRS.labels["budget"].matches(lab):
                        _set_budget(report, money_value(doc, table, cell), adjusted)
                first_row = False
            elif len(pairs) >= 2:
                name = AMONG.sub("", pairs[0][0])
                label_cell = next(c for c in values if normalize(c.clean) == pairs[0][0])
                f.by_source.append(FundSource(
                    name=cell_value(doc, table, label_cell, lambda t, n=name: n),
                    full_year_budget=money_value(doc, table, pairs[0][1]),
                    executed=money_value(doc, table, pairs[-1][1])))
        return f.executed.present
    return False


def _label_values(row: list[Cell]) -> list[tuple[str, Cell]]:
    """(label, amount cell) for each label cell followed by a cell holding one amount."""
    cells = [c for c in row if not c.covered]
    out = []
    for a, b in zip(cells, cells[1:]):
        la = normalize(a.clean)
        if la and parse_amount(la) is None and CJK.search(la) and parse_amount(b.clean) is not None:
            out.append((la, b))
    return out


def read_breakdowns(doc: Document, table: Table) -> list[Breakdown]:
    """Totals with their parts in label–value rows (layouts.toml ``[tables.breakdown]``): a row
    whose label is a total (年度预算资金总额) and that holds one amount opens a breakdown; the
    ``其中：`` / source rows after it, one amount each, are its parts; it is named after the
    heading row above it (``计划生育家庭特别扶助制度补助资金（万元）``). Kept when it has two parts
    or more."""
    if not BREAKDOWN.total_row.may_match(table_text(table)) or not any(
            BREAKDOWN.total_row.matches(normalize(c.text[:16])) for c in table.cells() if c.text):
        return []  # no total label at all: not worth reading every cell
    out: list[Breakdown] = []
    heading: str | None = None
    current: Breakdown | None = None
    for row in table.rows:
        cells = [c for c in row if c.clean and not c.covered]
        amounts = [c for c in cells if parse_amount(c.clean) is not None and not CJK.search(c.clean)]
        amount_ids = {id(c) for c in amounts}
        labels = [c for c in cells if id(c) not in amount_ids]
        text = normalize(labels[-1].clean) if labels else ""
        lab = text.rstrip(":：)）")  # 年度预算资金总额): (a stray bracket in the form)
        if len(amounts) == 1 and labels and BREAKDOWN.total_row.matches(lab):
            current = Breakdown(name=heading or TRAILING_MARKS.sub("", lab),
                                total=money_value(doc, table, amounts[0]))
            out.append(current)
            continue
        if len(amounts) == 1 and labels and current is not None and BREAKDOWN.part_row.matches(lab):
            name = AMONG.sub("", text.rstrip(":："))
            current.parts.append(BreakdownPart(name=cell_value(doc, table, labels[-1], lambda t, n=name: n),
                                               amount=money_value(doc, table, amounts[0])))
            continue
        if not amounts and labels:
            m = next((m for c in labels if (m := FUND_HEADING.match(normalize(c.clean)))), None)
            if m:  # a fund's heading row (计划生育家庭特别扶助制度补助资金（万元）), wherever it stands in the row
                heading, current = m.group(1), None
            continue
        if amounts:
            current = None
    return [b for b in out if len(b.parts) >= 2]
