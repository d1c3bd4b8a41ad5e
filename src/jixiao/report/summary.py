"""Per-file summary rows shared by the renderers, and the terminal table.

``summary_rows(results)`` → ``[{文件, 单位, 年度, 版式, 自评得分, 复核得分, 得分差, 等次,
错误, 警告, 提示, 状态}, ...]``; scores are Decimal or None (shown as "—").
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.markup import escape as _escape
from rich.table import Table

from ..model import Finding, Record
from ..review import ReviewedFile

DASH = "—"
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SUMMARY_COLUMNS = [
    "文件", "单位", "年度", "版式", "自评得分", "复核得分", "得分差", "等次", "错误", "警告", "提示", "状态",
]


def file_name(record: Record) -> str:
    """The file name of ``record.source`` (no folders)."""
    return Path(record.source).name or record.source


def unit_name(record: Record) -> str | None:
    """``report.unit_name.value`` (or its raw text), None for a failed file."""
    if record.report is None:
        return None
    v = record.report.unit_name
    return str(v.value) if v.value is not None else v.raw


def fmt(value: Any) -> str:
    """Display text for a cell: Decimal without trailing noise, None → "—"."""
    if value is None or value == "":
        return DASH
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value else str(value)
    return str(value)


def grade_text(self_grade: str | None, grade: str | None) -> str | None:
    """"优 → 良" when the recomputed grade differs from the self grade, else the grade."""
    if self_grade and grade and self_grade != grade:
        return f"{self_grade} → {grade}"
    return grade or self_grade


def sorted_findings(findings: list[Finding] | None) -> list[Finding]:
    """Findings, errors first (stable within a severity)."""
    return sorted(findings or [], key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def summary_row(rf: ReviewedFile) -> dict[str, Any]:
    """One summary dict (keys as ``SUMMARY_COLUMNS``) for one reviewed file."""
    rec = rf.record
    rep = rec.report
    card = rec.scorecards[0] if rec.scorecards else None
    self_total = card.self_total if card and card.self_total is not None else None
    if self_total is None and rep is not None:
        self_total = _as_decimal(rep.self_assessment.total.value)
    total = card.total if card else None
    self_grade = card.self_grade if card else None
    if self_grade is None and rep is not None and rep.self_assessment.grade.present:
        self_grade = str(rep.self_assessment.grade.value)
    counts = {k: 0 for k in SEVERITY_LABEL}
    for f in rec.findings or []:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return {
        "文件": file_name(rec),
        "单位": unit_name(rec),
        "年度": rep.year.value if rep is not None else None,
        "版式": rep.layout if rep is not None else None,
        "自评得分": self_total,
        "复核得分": total,
        "得分差": self_total - total if self_total is not None and total is not None else None,
        "等次": grade_text(self_grade, card.grade if card else None),
        "错误": counts["error"],
        "警告": counts["warning"],
        "提示": counts["info"],
        "状态": rec.error if rec.error else "已复核",
    }


def summary_rows(results: list[ReviewedFile]) -> list[dict[str, Any]]:
    """One summary dict per reviewed file, in input order."""
    return [summary_row(rf) for rf in results]


def totals(results: list[ReviewedFile]) -> dict[str, int]:
    """Batch totals: {文件, 已复核, 失败, 错误, 警告, 提示}."""
    rows = summary_rows(results)
    failed = sum(1 for rf in results if not rf.ok)
    return {
        "文件": len(rows),
        "已复核": len(rows) - failed,
        "失败": failed,
        **{k: sum(r[k] for r in rows) for k in ("错误", "警告", "提示")},
    }


def rich_table(results: list[ReviewedFile]) -> Table:
    """Terminal table: 文件, 单位, 年度, 自评得分, 复核得分, 等次, 错误, 警告, 提示."""
    table = Table(title="复核结果", header_style="bold", show_lines=False)
    table.add_column("文件", overflow="fold")
    table.add_column("单位", overflow="fold")
    table.add_column("年度", justify="right")
    for name in ("自评得分", "复核得分"):
        table.add_column(name, justify="right")
    table.add_column("等次", justify="center")
    for name, style in (("错误", "red"), ("警告", "yellow"), ("提示", "cyan")):
        table.add_column(name, justify="right", style=style)
    for rf, row in zip(results, summary_rows(results)):
        if not rf.ok:
            table.add_row(_escape(row["文件"]), f"[red]{_escape(row['状态'])}[/red]", *[DASH] * 4, "", "", "")
            continue
        table.add_row(
            _escape(row["文件"]),
            _escape(fmt(row["单位"])),
            fmt(row["年度"]),
            fmt(row["自评得分"]),
            fmt(row["复核得分"]),
            fmt(row["等次"]),
            *(str(row[k]) if row[k] else "" for k in ("错误", "警告", "提示")),
        )
    return table

