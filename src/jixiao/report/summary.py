"""Per-record summary rows shared by the renderers, and the terminal table.

``summary_rows(results)`` → ``[{文件, 单位, 年度, 版式, 规则集, 自评得分, 复核得分, 得分差, 等次,
错误, 警告, 提示, 解析, 状态}, ...]``; scores are Decimal or None (shown as "—"). A project table
attached to a department report is its own row, its 单位 shown as ``项目名称（所属单位）``.
错误/警告/提示 count the audit findings only; 解析 counts the parser notices (JX9xx,
:func:`jixiao.checks.registry.is_parser_notice`). 规则集 names the rule set by its document
(财预〔2020〕10号), not by its internal name.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from rich.markup import escape as _escape
from rich.table import Table

from ..checks.registry import audit_findings, parser_notices
from ..model import Finding, Record
from ..review import ReviewedFile
from ..rules.ruleset import ruleset_basis

DASH = "—"
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SUMMARY_COLUMNS = [
    "文件", "单位", "年度", "版式", "规则集", "自评得分", "复核得分", "得分差", "等次", "错误", "警告", "提示", "解析", "状态",
]
# Report.layout as the summary names it (the internal names stay in records.jsonl)
LAYOUT_LABEL = {"selfeval_table": "绩效自评表", "yueyang_ref": "评分表（岳阳参考格式）", "narrative": "文字报告",
                "unknown": "未识别"}
NOTICE_COLUMN = "解析"  # the count of parser notices (解析提示), apart from the audit's 错误/警告/提示


def records(results: list[ReviewedFile]) -> Iterator[tuple[ReviewedFile, Record]]:
    """(document, record) pairs in input order: each file's main document, then the project
    tables attached to it (``ReviewedFile.documents()``). Results already flattened (main
    document and its parts all listed, as ``jixiao review`` passes them) give each document once."""
    seen: set[int] = set()
    for rf in results:
        for doc in rf.documents() if hasattr(rf, "documents") else [rf]:
            if id(doc) not in seen:
                seen.add(id(doc))
                yield doc, doc.record


def parent_units(results: list[ReviewedFile]) -> dict[str, str | None]:
    """Record id → 单位名称, for labelling project tables with the unit they belong to."""
    return {rec.id: unit_name(rec) for _, rec in records(results) if rec.id is not None}


def file_name(record: Record) -> str:
    """The file name of ``record.source`` (no folders)."""
    return _file_name(record.source)


@lru_cache(maxsize=64)
def _file_name(source: str) -> str:  # each output asks for it
    return Path(source).name or source


def unit_name(record: Record) -> str | None:
    """``report.unit_name.value`` (or its raw text), None for a failed file."""
    if record.report is None:
        return None
    v = record.report.unit_name
    return str(v.value) if v.value is not None else v.raw


def project_name(record: Record) -> str | None:
    """``report.project_name`` (value or raw text), None when absent."""
    if record.report is None:
        return None
    v = record.report.project_name
    return str(v.value) if v.value is not None else v.raw


def parent_unit(record: Record, parents: dict[str, str | None]) -> str | None:
    """The unit a project table belongs to: its parent record's unit, else the table's own
    主管部门 / 预算部门 name."""
    if record.parent is not None and parents.get(record.parent):
        return parents[record.parent]
    rep = record.report
    if rep is None:
        return None
    for v in (rep.managing_department, rep.unit_name):
        if v.value is not None or v.raw:
            return str(v.value) if v.value is not None else v.raw
    return None


def is_project(record: Record) -> bool:
    return record.parent is not None or (record.report is not None and record.report.kind == "project")


def display_name(record: Record, parents: dict[str, str | None]) -> str | None:
    """单位名称; for a project table ``项目名称（所属单位）``."""
    if not is_project(record):
        return unit_name(record)
    name = project_name(record) or "未命名项目"
    owner = parent_unit(record, parents)
    return f"{name}（{owner}）" if owner else name


def ruleset_text(record: Record) -> str | None:
    """The rule set applied, named by its document, and how it was chosen: ``财预〔2020〕10号（检测）``
    (``record.ruleset`` keeps the internal name, ``national_2020``)."""
    name = ruleset_basis(record.ruleset or (record.scorecards[0].ruleset if record.scorecards else None))
    if name is None:
        return None
    return f"{name}（{record.ruleset_origin}）" if record.ruleset_origin else name


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


def sorted_audit_findings(findings: list[Finding] | None) -> list[Finding]:
    """The audit findings (parser notices left out), errors first."""
    return sorted_findings(audit_findings(findings))


def sorted_parser_notices(findings: list[Finding] | None) -> list[Finding]:
    """The parser notices (解析提示, JX9xx), warnings first."""
    return sorted_findings(parser_notices(findings))


def _as_decimal(value: Any) -> Decimal | None:
    """A number as Decimal (ints and floats read back from JSON too), None otherwise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def summary_row(rf: ReviewedFile, record: Record | None = None,
                parents: dict[str, str | None] | None = None) -> dict[str, Any]:
    """One summary dict (keys as ``SUMMARY_COLUMNS``) for one record of a reviewed file."""
    rec = record if record is not None else rf.record
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
    for f in audit_findings(rec.findings):
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return {
        "文件": file_name(rec),
        "单位": display_name(rec, parents or {}),
        "年度": rep.year.value if rep is not None else None,
        "版式": LAYOUT_LABEL.get(rep.layout, rep.layout) if rep is not None else None,
        "规则集": ruleset_text(rec),
        "自评得分": self_total,
        "复核得分": total,
        "得分差": self_total - total if self_total is not None and total is not None else None,
        "等次": grade_text(self_grade, card.grade if card else None),
        "错误": counts["error"],
        "警告": counts["warning"],
        "提示": counts["info"],
        NOTICE_COLUMN: len(parser_notices(rec.findings)),
        "状态": rec.error if rec.error else "已复核",
    }


def summary_rows(results: list[ReviewedFile]) -> list[dict[str, Any]]:
    """One summary dict per record (files in input order, project tables after their file's
    main record)."""
    parents = parent_units(results)
    return [summary_row(rf, rec, parents) for rf, rec in records(results)]


def totals(results: list[ReviewedFile]) -> dict[str, int]:
    """Batch totals: {文件, 记录, 已复核, 失败, 错误, 警告, 提示, 解析}: 文件 counts distinct sources,
    记录/已复核/失败 count records (a project table is a record of its file; 失败 = records with an
    error), 错误/警告/提示 the audit findings and 解析 the parser notices."""
    rows = summary_rows(results)
    failed = sum(1 for _, rec in records(results) if rec.error is not None)
    return {
        "文件": len({rec.source for _, rec in records(results)}),
        "记录": len(rows),
        "已复核": len(rows) - failed,
        "失败": failed,
        **{k: sum(r[k] for r in rows) for k in ("错误", "警告", "提示", NOTICE_COLUMN)},
    }


def rich_table(results: list[ReviewedFile]) -> Table:
    """Terminal table of a batch held in memory (see :func:`rows_table`)."""
    return rows_table(summary_rows(results))


def rows_table(rows: list[dict[str, Any]]) -> Table:
    """Terminal table of summary rows: 文件, 单位, 年度, 自评得分, 复核得分, 等次, 错误, 警告, 提示
    (audit findings), 解析 (parser notices); a file that could not be reviewed shows its 状态."""
    table = Table(title="复核结果", header_style="bold", show_lines=False)
    table.add_column("文件", overflow="fold")
    table.add_column("单位", overflow="fold")
    table.add_column("年度", justify="right")
    for name in ("自评得分", "复核得分"):
        table.add_column(name, justify="right")
    table.add_column("等次", justify="center")
    for name, style in (("错误", "red"), ("警告", "yellow"), ("提示", "cyan"), (NOTICE_COLUMN, "dim")):
        table.add_column(name, justify="right", style=style)
    for row in rows:
        if row["状态"] != "已复核":
            table.add_row(_escape(row["文件"]), f"[red]{_escape(row['状态'])}[/red]", *[DASH] * 4, "", "", "", "")
            continue
        table.add_row(
            _escape(row["文件"]),
            _escape(fmt(row["单位"])),
            fmt(row["年度"]),
            fmt(row["自评得分"]),
            fmt(row["复核得分"]),
            fmt(row["等次"]),
            *(str(row[k]) if row[k] else "" for k in ("错误", "警告", "提示", NOTICE_COLUMN)),
        )
    return table
