"""The 总览 tables, built once from a :class:`Portfolio` and shown by both review.xlsx and
review.html: 得分差 ranking, 错误 ranking, 预算执行率 distribution, 评价等次 cross-tab, most frequent
findings, and the 无法复核/无评分 records."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .portfolio import GRADES, Portfolio, UnitRow
from .summary import SEVERITY_LABEL

NONE_ROW = "无"


@dataclass(frozen=True)
class Pct:
    """A fraction shown as a percentage with two decimals (``0.85`` → ``85.00%``)."""

    value: Decimal

    def __str__(self) -> str:
        return f"{self.value * 100:.2f}%"


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str | None = None
    numeric: set[str] = field(default_factory=set)  # right-aligned columns


def _pct(x: Decimal | None) -> Pct | None:
    return Pct(x) if x is not None else None


def unscored_line(p: Portfolio) -> str:
    """``无法复核/无评分：1 份（001.txt：无评分表，仅做一致性检查）`` — or ``0 份``."""
    if not p.unscored:
        return "无法复核/无评分：0 份"
    return f"无法复核/无评分：{len(p.unscored)} 份（" + "；".join(f"{r.label or r.file}：{r.status}" for r in p.unscored) + "）"


def drop_table(p: Portfolio) -> Table:
    cols = ["序号", "单位", "类型", "文件", "自评得分", "复核得分", "得分差", "自评等次", "复核等次",
            "预算执行率", "执行率区间", "执行率口径", "自评表填报执行率", "错误", "警告", "提示"]
    rows = [[i, r.label, r.kind, r.file, r.self_total, r.total, r.drop, r.self_grade, r.grade,
             _pct(r.rate), r.bucket, r.rate_basis, _pct(r.stated_rate), r.errors, r.warnings, r.infos]
            for i, r in enumerate(p.by_drop, start=1)]
    return Table("各单位得分差（自评得分 − 复核得分，从大到小）", cols, rows, unscored_line(p),
                 {"序号", "自评得分", "复核得分", "得分差", "预算执行率", "自评表填报执行率", "错误", "警告", "提示"})


def error_table(p: Portfolio) -> Table:
    cols = ["序号", "单位", "类型", "错误", "警告", "提示", "得分差", "状态"]
    rows = [[i, r.label, r.kind, r.errors, r.warnings, r.infos, r.drop, r.status]
            for i, r in enumerate(p.by_errors, start=1)]
    failed = sum(1 for r in p.rows if r.status.startswith("处理失败"))
    note = f"另有 {failed} 份处理失败，未计问题数。" if failed else None
    return Table("各单位问题数（按错误数从多到少）", cols, rows, note, {"序号", "错误", "警告", "提示", "得分差"})


NAMES_SHOWN = 30  # units named in a cell of the 预算执行率 table; the rest are counted


def _names(rows: list[UnitRow]) -> str | None:
    names = "、".join(r.label or r.file for r in rows[:NAMES_SHOWN])
    if len(rows) > NAMES_SHOWN:
        names += f"等 {len(rows)} 份"
    return names or None


def rate_table(p: Portfolio) -> Table:
    rows = [[label, definition, len(members), _names(members)] for label, definition, members in p.rate_buckets]
    rows.append(["合计", None, len(p.rows), None])
    note = ("预算执行率 = 全年执行数 ÷ 全年预算数（复核计算，保留两位小数后分档）；"
            "缺数时取自评表填报的执行率；两者都没有计入“未知”。")
    return Table("预算执行率分布", ["区间", "定义", "份数", "单位"], rows, note, {"份数"})


def grade_table(p: Portfolio) -> Table:
    cols = ["自评＼复核", *GRADES, "合计"]
    rows = []
    for before in GRADES:
        counts = [p.grade_count(before, after) for after in GRADES]
        rows.append([before, *counts, sum(counts)])
    col_totals = [sum(p.grade_count(b, a) for b in GRADES) for a in GRADES]
    rows.append(["合计", *col_totals, sum(col_totals)])
    return Table("评价等次：自评 → 复核（份）", cols, rows, unscored_line(p), {*GRADES, "合计"})


def findings_table(p: Portfolio) -> Table:
    cols = ["序号", "代码", "级别", "标题", "问题条数", "涉及单位数"]
    rows = [[i, s.code, SEVERITY_LABEL.get(s.severity, s.severity), s.title, s.count, s.units]
            for i, s in enumerate(p.top_findings, start=1)]
    return Table(f"最常见的问题（前{len(rows)}项，按涉及单位数）", cols, rows or [[NONE_ROW] + [None] * 5],
                 None, {"序号", "问题条数", "涉及单位数"})


def unscored_table(p: Portfolio) -> Table:
    rows = [[i, r.label or r.file, r.kind, r.file, r.status] for i, r in enumerate(p.unscored, start=1)]
    return Table(f"无法复核/无评分（{len(rows)} 份）", ["序号", "单位", "类型", "文件", "原因"],
                 rows or [[None, NONE_ROW, None, None, None]], None, {"序号"})


def overview_tables(p: Portfolio) -> list[Table]:
    return [drop_table(p), rate_table(p), grade_table(p), findings_table(p), error_table(p), unscored_table(p)]


def summary_tables(p: Portfolio) -> list[Table]:
    """The tables that do not list every record (for the index of a large batch, whose own table
    lists, sorts and filters them)."""
    return [rate_table(p), grade_table(p), findings_table(p)]


def headline(p: Portfolio) -> str:
    """One sentence for the top of the overview."""
    projects = sum(1 for r in p.rows if r.kind == "项目")
    kinds = f"（部门整体 {len(p.rows) - projects} 份、项目 {projects} 份）" if projects else ""
    lowered = sum(1 for r in p.by_drop if r.drop is not None and r.drop > 0)
    regraded = sum(n for (b, a), n in p.grades.items() if b != a)
    return (f"共 {len(p.rows)} 份记录{kinds}，可比较评分 {len(p.by_drop)} 份，其中复核得分低于自评得分 {lowered} 份、"
            f"评价等次改变 {regraded} 份；无法复核/无评分 {len(p.unscored)} 份。")
