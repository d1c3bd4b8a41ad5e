"""``review.xlsx``: sheets 总览 (portfolio tables and chart), 汇总 (summary), 指标 (scored items
with 规则编号 / 依据 / 来源可信度), 问题清单 (the audit findings), 解析提示 (the parser notices,
JX9xx: what could not be read — never in 问题清单), 报告质量 (附件5 quality score).

Every sheet but 总览 has a bold frozen header row, an autofilter and widths fitted to the content;
Decimal cells are written as numbers. An inferred rule (``推断（INF）``) is highlighted.

Written in openpyxl's write-only mode, row by row as the files of a batch finish
(:class:`WorkbookStream`): a sheet keeps its first ``FIT_ROWS`` rows to fit the column widths on,
then streams; a sheet that reaches Excel's 1,048,576 rows goes on in ``指标（2）``, ``指标（3）`` …
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from ..checks.registry import PARSER_NOTICE_HEADING
from ..review import ReviewedFile
from .portfolio import Portfolio
from .provenance import QUALITY_COLUMNS
from .rows import FINDING_COLUMNS, ITEM_COLUMNS, NOTICE_COLUMNS, FileOutput, Rows, evidence_text, file_outputs
from .sheets import INFERRED_FILL, MAX_WIDTH, WRAP_FROM, cell_value, display_width
from .summary import SUMMARY_COLUMNS

__all__ = ["ITEM_COLUMNS", "FINDING_COLUMNS", "NOTICE_COLUMNS", "WorkbookStream", "evidence_text", "write_xlsx"]

MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header included
FIT_ROWS = 2_000  # rows a sheet keeps to fit its column widths on before it streams
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


class SheetStream:
    """One header-plus-rows sheet written row by row; see the module doc."""

    def __init__(self, wb: Workbook, title: str, columns: list[str], mark_col: str | None = None,
                 max_rows: int = MAX_ROWS):
        self.wb, self.title, self.columns, self.max_rows = wb, title, columns, max_rows
        self.mark = columns.index(mark_col) if mark_col is not None else None
        self.pending: list[tuple[list[Any], bool]] = []
        self.sheets = 0
        self.ws = None
        self.rows = 0  # data rows in the current sheet
        self.wrap: set[int] = set()
        self.widths: dict[int, float] = {}
        self.styles: dict[tuple[bool, bool], StyleArray] = {}
        self._new_sheet()

    def _new_sheet(self) -> None:
        if self.ws is not None:
            self._finish()
        self.sheets += 1
        self.ws = self.wb.create_sheet(self.title if self.sheets == 1 else f"{self.title}（{self.sheets}）")
        self.rows = 0
        self.fitted = False

    def _fit(self) -> None:
        """Column widths from the header and the pending rows (write-only sheets need them
        before the first row), then the header."""
        if self.sheets == 1:
            for i, name in enumerate(self.columns):
                widths = [display_width(name) + 2]  # room for the filter button
                widths += [display_width(r[i]) for r, _ in self.pending if r[i] is not None]
                self.widths[i] = min(max(widths) + 2, MAX_WIDTH)
            self.wrap = {i for i, w in self.widths.items() if w > WRAP_FROM}
        ws = self.ws
        for i, width in self.widths.items():
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        ws.freeze_panes = "A2"
        header = []
        for name in self.columns:
            c = WriteOnlyCell(ws, value=name)
            c.font = BOLD
            header.append(c)
        ws.append(header)
        self.fitted = True

    def append(self, row: list[Any], marked: bool = False) -> None:
        if not self.fitted:
            self.pending.append((row, marked))
            if len(self.pending) >= FIT_ROWS:
                self._flush()
            return
        self._write(row, marked)

    def extend(self, rows: Rows) -> None:
        for row, marked in zip(rows.rows, rows.marked):
            self.append(row, marked)

    def _flush(self) -> None:
        self._fit()
        pending, self.pending = self.pending, []
        for row, marked in pending:
            self._write(row, marked)

    def _write(self, row: list[Any], marked: bool) -> None:
        if self.rows + 1 >= self.max_rows:
            self._new_sheet()
            self._fit()
        ws = self.ws
        values: list[Any] = [cell_value(v) for v in row]
        fill = marked and self.mark is not None
        for i in self.wrap:
            if values[i] is not None or (fill and i == self.mark):
                values[i] = self._cell(values[i], True, fill and i == self.mark)
        if fill and self.mark not in self.wrap:
            values[self.mark] = self._cell(values[self.mark], False, True)
        ws.append(values)
        self.rows += 1

    def _cell(self, value: Any, wrap: bool, fill: bool):
        """A cell with the wrap alignment and/or the INF fill. The style is worked out once per
        kind (openpyxl hashes a style each time one is set, the larger part of a row's cost) and
        its index array copied onto each cell."""
        c = WriteOnlyCell(self.ws, value=value)
        key = (wrap, fill)
        style = self.styles.get(key)
        if style is None:
            if wrap:
                c.alignment = WRAP
            if fill:
                c.fill = INFERRED_FILL
            self.styles[key] = StyleArray(c._style)
        else:
            c._style = StyleArray(style)
        return c

    def _finish(self) -> None:
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self.rows + 1}"

    def close(self) -> None:
        if not self.fitted:
            self._flush()
        self._finish()


class WorkbookStream:
    """review.xlsx written as a batch goes: :meth:`add` each file's outputs, :meth:`close` with
    the batch's portfolio (the 总览 sheet, first in the workbook, is filled last)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.wb = Workbook(write_only=True)
        self.overview = self.wb.create_sheet("总览")
        self.summary = SheetStream(self.wb, "汇总", SUMMARY_COLUMNS)
        self.items = SheetStream(self.wb, "指标", ITEM_COLUMNS, "来源可信度")
        self.findings = SheetStream(self.wb, "问题清单", FINDING_COLUMNS)
        self.notices = SheetStream(self.wb, PARSER_NOTICE_HEADING, NOTICE_COLUMNS)
        self.quality = SheetStream(self.wb, "报告质量", QUALITY_COLUMNS, "来源可信度")

    def add(self, fo: FileOutput) -> None:
        for r in fo.records:
            self.summary.append([r.summary[k] for k in SUMMARY_COLUMNS])
            self.items.extend(r.items)
            self.findings.extend(r.findings)
            self.notices.extend(r.notices)
            self.quality.extend(r.quality)

    def close(self, portfolio: Portfolio, chart=None) -> None:
        """Fill 总览 (with ``chart``, a :class:`.chart.Chart`, drawn here unless given) and save."""
        from .xlsx_overview import write_overview

        write_overview(self.overview, portfolio, chart)
        for s in (self.summary, self.items, self.findings, self.notices, self.quality):
            s.close()
        self.wb.save(self.path)


def write_xlsx(results: list[ReviewedFile], path: Path) -> None:
    """Write the workbook of a batch held in memory: 总览, 汇总, 指标, 问题清单, 解析提示, 报告质量."""
    from .portfolio import build_portfolio

    book = WorkbookStream(path)
    for fo in file_outputs(results):
        book.add(fo)
    book.close(build_portfolio(results))
