"""What ``jixiao review`` prints when a batch is done: every record for a small batch, a short
summary for a large one (the full list being in review.xlsx and review.html)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from .portfolio import UnitRow
from .summary import DASH, NOTICE_COLUMN, fmt, rows_table
from .writer import BatchWriter

FULL_TABLE_RECORDS = 30  # records listed one by one; a larger batch gets the short summary
WORST = 10  # units listed in each ranking of the short summary


def batch_tables(writer: BatchWriter) -> list[Table]:
    """The tables to print for the batch ``writer`` has written."""
    rows = [r.summary for fo in writer.outputs for r in fo.records]
    if not writer.pages and len(rows) <= FULL_TABLE_RECORDS:
        return [rows_table(rows)]
    p = writer.portfolio()
    return [totals_table(writer.totals()), _ranking(f"得分差最大的 {WORST} 份（自评得分 − 复核得分）", p.by_drop[:WORST]),
            _ranking(f"错误最多的 {WORST} 份", p.by_errors[:WORST])]


def totals_table(totals: dict[str, int]) -> Table:
    t = Table(title="复核结果（完整列表见 review.xlsx“汇总”表和 review.html）", header_style="bold")
    keys = ["文件", "记录", "已复核", "失败", "错误", "警告", "提示", NOTICE_COLUMN]
    for k in keys:
        t.add_column(k, justify="right")
    t.add_row(*(str(totals[k]) for k in keys))
    return t


def _ranking(title: str, rows: list[UnitRow]) -> Table:
    t = Table(title=title, header_style="bold")
    for name, justify in (("单位", "left"), ("文件", "left"), ("自评得分", "right"), ("复核得分", "right"),
                          ("得分差", "right"), ("错误", "right"), ("警告", "right")):
        t.add_column(name, justify=justify, overflow="fold")
    for r in rows:
        t.add_row(escape(r.label or DASH), escape(r.file), fmt(r.self_total), fmt(r.total), fmt(r.drop),
                  str(r.errors), str(r.warnings))
    if not rows:
        t.add_row("无", *[""] * 6)
    return t

