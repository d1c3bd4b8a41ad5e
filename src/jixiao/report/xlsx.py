"""``review.xlsx``: sheets 总览 (portfolio tables and chart), 汇总 (summary), 指标 (scored items
with 规则编号 / 依据 / 来源可信度), 问题清单 (the audit findings), 解析提示 (the parser notices,
JX9xx: what could not be read — never in 问题清单), 报告质量 (附件5 quality score).

Every sheet but 总览 has a bold frozen header row, an autofilter and widths fitted to the content;
Decimal cells are written as numbers. An inferred rule (``推断（INF）``) is highlighted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..checks.registry import PARSER_NOTICE_HEADING
from ..model import Value
from ..review import ReviewedFile
from ..rules.ruleset import ruleset_basis
from .provenance import QUALITY_COLUMNS, is_inferred, quality_rows, tag_text
from .sheets import write_sheet as _write_sheet
from .summary import (
    SEVERITY_LABEL,
    SUMMARY_COLUMNS,
    display_name,
    file_name,
    parent_units,
    records,
    sorted_audit_findings,
    sorted_parser_notices,
    summary_rows,
)
from .xlsx_overview import write_overview

ITEM_COLUMNS = [
    "文件", "单位", "规则集", "指标/规则", "规则编号", "依据", "来源可信度",
    "分值", "自评得分", "复核得分", "差值", "状态", "计算方法", "说明",
]
FINDING_COLUMNS = [
    "文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为", "影响分值", "证据",
]
NOTICE_COLUMNS = ["文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为", "证据"]


def evidence_text(evidence: list[Value]) -> str:
    """Each evidence Value as ``raw（source.label()）``, one per line."""
    out = []
    for v in evidence:
        raw = v.raw if v.raw is not None else ("" if v.value is None else str(v.value))
        label = v.source.label() if v.source else ""
        out.append(f"{raw}（{label}）" if label else raw)
    return "\n".join(out)


def _summary_rows(results: list[ReviewedFile]) -> list[list[Any]]:
    return [[row[k] for k in SUMMARY_COLUMNS] for row in summary_rows(results)]


def _item_rows(results: list[ReviewedFile]) -> tuple[list[list[Any]], list[bool]]:
    """Rows of 指标 and, per row, whether its rule is inferred (INF)."""
    rows, inferred = [], []
    parents = parent_units(results)
    for _, rec in records(results):
        for card in rec.scorecards or []:
            for it in card.items:
                diff = (
                    it.self_score - it.score
                    if it.self_score is not None and it.score is not None
                    else None
                )
                rows.append([
                    file_name(rec), display_name(rec, parents), ruleset_basis(card.ruleset), it.indicator or it.rule,
                    it.rule, it.source, tag_text(it.tag), it.weight, it.self_score, it.score, diff,
                    it.status, it.formula or None, it.reason,
                ])
                inferred.append(is_inferred(it.tag))
    return rows, inferred


def _finding_rows(results: list[ReviewedFile]) -> list[list[Any]]:
    """Rows of 问题清单: the audit findings (no parser notice)."""
    return _rows(results, sorted_audit_findings, with_impact=True)


def _notice_rows(results: list[ReviewedFile]) -> list[list[Any]]:
    """Rows of 解析提示: the parser notices (JX9xx)."""
    return _rows(results, sorted_parser_notices, with_impact=False)


def _rows(results: list[ReviewedFile], pick, with_impact: bool) -> list[list[Any]]:
    rows = []
    parents = parent_units(results)
    for _, rec in records(results):
        for f in pick(rec.findings):
            rows.append([file_name(rec), display_name(rec, parents), f.code, SEVERITY_LABEL.get(f.severity, f.severity),
                         f.title, f.message, f.expected, f.found] + ([f.score_impact] if with_impact else [])
                        + [evidence_text(f.evidence) or None])
    return rows


def _quality_rows(results: list[ReviewedFile]) -> tuple[list[list[Any]], list[bool]]:
    parents = parent_units(results)
    rows = [r for _, rec in records(results) for r in quality_rows(rec, display_name(rec, parents), file_name(rec))]
    return [[r[k] for k in QUALITY_COLUMNS] for r in rows], [r["inferred"] for r in rows]


def write_xlsx(results: list[ReviewedFile], path: Path) -> None:
    """Write the workbook: 总览, 汇总, 指标, 问题清单, 解析提示, 报告质量 (in that order)."""
    wb = Workbook()
    write_overview(wb.active, results)
    _write_sheet(wb.create_sheet("汇总"), SUMMARY_COLUMNS, _summary_rows(results))
    items, inferred = _item_rows(results)
    _write_sheet(wb.create_sheet("指标"), ITEM_COLUMNS, items, inferred, "来源可信度")
    _write_sheet(wb.create_sheet("问题清单"), FINDING_COLUMNS, _finding_rows(results))
    _write_sheet(wb.create_sheet(PARSER_NOTICE_HEADING), NOTICE_COLUMNS, _notice_rows(results))
    quality, q_inferred = _quality_rows(results)
    _write_sheet(wb.create_sheet("报告质量"), QUALITY_COLUMNS, quality, q_inferred, "来源可信度")
    wb.save(Path(path))
