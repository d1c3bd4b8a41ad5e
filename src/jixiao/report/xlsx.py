"""``review.xlsx``: sheets 汇总 (summary), 指标 (scored items), 问题清单 (findings).

Every sheet has a bold frozen header row, an autofilter and widths fitted to the content;
Decimal cells are written as numbers.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..model import Value
from ..review import ReviewedFile
from .summary import SEVERITY_LABEL, SUMMARY_COLUMNS, file_name, sorted_findings, summary_rows, unit_name

ITEM_COLUMNS = [
    "文件", "单位", "规则集", "指标/规则", "规则编号", "依据标签",
    "分值", "自评得分", "复核得分", "差值", "状态", "计算方法", "说明",
]
FINDING_COLUMNS = [
    "文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为", "影响分值", "证据",
]
MAX_WIDTH = 60
WRAP_FROM = 30  # columns wider than this wrap their text


def _cell(value: Any) -> Any:
    """Decimal → int/float, everything else unchanged (None stays empty)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _display_width(text: str) -> int:
    """Width of the longest line, CJK / full-width characters counted double."""
    lines = text.split("\n") or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def evidence_text(evidence: list[Value]) -> str:
    """Each evidence Value as ``raw（source.label()）``, one per line."""
    out = []
    for v in evidence:
        raw = v.raw if v.raw is not None else ("" if v.value is None else str(v.value))
        label = v.source.label() if v.source else ""
        out.append(f"{raw}（{label}）" if label else raw)
    return "\n".join(out)


def _write_sheet(ws: Worksheet, columns: list[str], rows: list[list[Any]]) -> None:
    """Header + rows, bold frozen header, autofilter, fitted widths, wrap for wide columns."""
    ws.append(columns)
    for row in rows:
        ws.append([_cell(v) for v in row])
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"
    for idx, name in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        widths = [_display_width(name) + 2]  # room for the filter button
        widths += [_display_width(str(r[idx - 1])) for r in rows if r[idx - 1] is not None]
        width = min(max(widths) + 2, MAX_WIDTH)
        ws.column_dimensions[letter].width = width
        if width > WRAP_FROM:
            wrap = Alignment(wrap_text=True, vertical="top")
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.alignment = wrap


def _summary_rows(results: list[ReviewedFile]) -> list[list[Any]]:
    return [[row[k] for k in SUMMARY_COLUMNS] for row in summary_rows(results)]


def _item_rows(results: list[ReviewedFile]) -> list[list[Any]]:
    rows = []
    for rf in results:
        rec = rf.record
        for card in rec.scorecards or []:
            for it in card.items:
                diff = (
                    it.self_score - it.score
                    if it.self_score is not None and it.score is not None
                    else None
                )
                rows.append([
                    file_name(rec), unit_name(rec), card.ruleset, it.indicator or it.rule,
                    it.rule, it.tag, it.weight, it.self_score, it.score, diff,
                    it.status, it.formula or None, it.reason,
                ])
    return rows


def _finding_rows(results: list[ReviewedFile]) -> list[list[Any]]:
    rows = []
    for rf in results:
        rec = rf.record
        for f in sorted_findings(rec.findings):
            rows.append([
                file_name(rec), unit_name(rec), f.code, SEVERITY_LABEL.get(f.severity, f.severity),
                f.title, f.message, f.expected, f.found, f.score_impact,
                evidence_text(f.evidence) or None,
            ])
    return rows


def write_xlsx(results: list[ReviewedFile], path: Path) -> None:
    """Write the workbook: 汇总, 指标, 问题清单 (in that order)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _write_sheet(ws, SUMMARY_COLUMNS, _summary_rows(results))
    _write_sheet(wb.create_sheet("指标"), ITEM_COLUMNS, _item_rows(results))
    _write_sheet(wb.create_sheet("问题清单"), FINDING_COLUMNS, _finding_rows(results))
    wb.save(Path(path))
