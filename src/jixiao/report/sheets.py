"""openpyxl helpers shared by the review.xlsx sheets: cell values, display widths, and one
header-plus-rows sheet (bold frozen header, autofilter, fitted widths, wrapped wide columns)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .overview import Pct

MAX_WIDTH = 60
WRAP_FROM = 30  # columns wider than this wrap their text
INFERRED_FILL = PatternFill("solid", fgColor="FFE8CC")  # 推断（INF）cells
PERCENT = "0.00%"


def cell_value(value: Any) -> Any:
    """Decimal → int/float, Pct → its fraction (shown with PERCENT), everything else unchanged
    (None stays empty)."""
    if isinstance(value, Pct):
        return float(value.value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def display_width(value: Any) -> int:
    """Width of the longest line of a cell's text, CJK / full-width characters counted double."""
    lines = str(value).split("\n") or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def write_sheet(ws: Worksheet, columns: list[str], rows: list[list[Any]],
                marked: list[bool] | None = None, mark_col: str | None = None) -> None:
    """Header + rows, bold frozen header, autofilter, fitted widths, wrap for wide columns;
    the ``mark_col`` cell of each ``marked`` row filled with INFERRED_FILL."""
    ws.append(columns)
    for row in rows:
        ws.append([cell_value(v) for v in row])
    if mark_col is not None and marked:
        col = columns.index(mark_col) + 1
        for i, flag in enumerate(marked, start=2):
            if flag:
                ws.cell(row=i, column=col).fill = INFERRED_FILL
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"
    for idx, name in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        widths = [display_width(name) + 2]  # room for the filter button
        widths += [display_width(r[idx - 1]) for r in rows if r[idx - 1] is not None]
        width = min(max(widths) + 2, MAX_WIDTH)
        ws.column_dimensions[letter].width = width
        if width > WRAP_FROM:
            wrap = Alignment(wrap_text=True, vertical="top")
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.alignment = wrap


