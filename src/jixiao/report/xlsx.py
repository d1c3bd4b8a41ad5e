"""``review.xlsx``: sheets 总览 (portfolio tables and chart), 汇总 (summary), 指标 (scored items
with 规则编号 / 依据 / 来源可信度), 问题清单 (the audit findings), 解析提示 (the parser notices,
JX9xx: what could not be read — never in 问题清单), 报告质量 (附件5 quality score).

Every sheet but 总览 has a bold frozen header row, an autofilter and widths fitted to the content;
Decimal cells are written as numbers, text always as text (never a formula or a link). An
inferred rule (``推断``) is highlighted.

Written by XlsxWriter in its constant-memory mode, row by row as the files of a batch finish
(:class:`WorkbookStream`): a sheet keeps its first ``FIT_ROWS`` rows to fit the column widths and
choose the wrapped columns on, then streams; a sheet that reaches Excel's 1,048,576 rows goes on
in ``指标（2）``, ``指标（3）`` …
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from ..checks.registry import PARSER_NOTICE_HEADING
from ..review import ReviewedFile
from .cleantext import printable
from .portfolio import Portfolio
from .provenance import QUALITY_COLUMNS
from .rows import (
    FINDING_COLUMNS,
    ITEM_COLUMNS,
    NOTICE_COLUMNS,
    FileOutput,
    Rows,
    evidence_text,
    file_outputs,
)
from .sheets import INFERRED_RGB, MAX_WIDTH, WRAP_FROM, display_width, sheet_cell
from .summary import SUMMARY_COLUMNS

__all__ = ["ITEM_COLUMNS", "FINDING_COLUMNS", "NOTICE_COLUMNS", "WorkbookStream", "evidence_text", "write_xlsx"]

MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header included
FIT_ROWS = 2_000  # rows a sheet keeps to fit its column widths on before it streams


def write_cell(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """One cell by its type: text as text (a leading ``=`` ``+`` ``-`` ``@`` or a URL stays text:
    ``write_string`` never writes a formula), without the characters XML forbids
    (:func:`.cleantext.printable`); numbers as numbers, None left empty (but formatted when
    ``fmt`` is given)."""
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, printable(str(value)), fmt)


class SheetStream:
    """One header-plus-rows sheet written row by row; see the module doc. Rows come as
    :class:`.rows.Rows` does them (each cell a :func:`.sheets.sheet_cell`)."""

    def __init__(self, wb: xlsxwriter.Workbook, title: str, columns: list[str], mark_col: str | None = None,
                 max_rows: int = MAX_ROWS):
        self.wb, self.title, self.columns, self.max_rows = wb, title, columns, max_rows
        self.mark = columns.index(mark_col) if mark_col is not None else None
        self.pending: list[tuple[list[Any], bool]] | None = []
        self.sheets = 0
        self.rows = 0  # data rows in the current sheet
        self.widths: dict[int, float] = {}
        self.bold = wb.add_format({"bold": True})
        self.formats = {  # (wrapped, marked) → cell format
            (True, False): wb.add_format({"text_wrap": True, "valign": "top"}),
            (True, True): wb.add_format({"text_wrap": True, "valign": "top", "pattern": 1, "bg_color": INFERRED_RGB}),
            (False, True): wb.add_format({"pattern": 1, "bg_color": INFERRED_RGB}),
            (False, False): None,
        }
        self.column_formats: dict[bool, list] = {}  # marked row → each column's format (set by _start)
        self.ws = self._new_sheet()

    def _new_sheet(self):
        self.sheets += 1
        self.rows = 0
        return self.wb.add_worksheet(self.title if self.sheets == 1 else f"{self.title}（{self.sheets}）")

    def _start(self) -> None:
        """Widths, frozen header and the header row of the current sheet (the widths fitted on
        the first sheet's pending rows, and the columns that wrap with them)."""
        if not self.widths:
            for i, name in enumerate(self.columns):
                widths = [display_width(name) + 2]  # room for the filter button
                widths += [display_width(r[i]) for r, _ in self.pending or [] if r[i] is not None]
                self.widths[i] = min(max(widths) + 2, MAX_WIDTH)
            wrap = {i for i, w in self.widths.items() if w > WRAP_FROM}
            self.column_formats = {marked: [self.formats[(i in wrap, marked and i == self.mark)]
                                            for i in range(len(self.columns))] for marked in (False, True)}
        ws = self.ws
        for i, width in self.widths.items():
            ws.set_column(i, i, width)
        ws.freeze_panes(1, 0)
        for i, name in enumerate(self.columns):
            ws.write_string(0, i, name, self.bold)

    def append(self, row: list[Any], marked: bool = False) -> None:
        if self.pending is not None:
            self.pending.append((row, marked))
            if len(self.pending) >= FIT_ROWS:
                self._flush()
            return
        self._write(row, marked)

    def extend(self, rows: Rows) -> None:
        for row, marked in zip(rows.rows, rows.marked):
            self.append(row, marked)

    def _flush(self) -> None:
        self._start()
        pending, self.pending = self.pending or [], None
        for row, marked in pending:
            self._write(row, marked)

    def _write(self, row: list[Any], marked: bool) -> None:
        """One row: text as text, numbers as numbers, an empty cell left out unless it is the
        marked 来源可信度 cell (which is filled all the same)."""
        if self.rows + 1 >= self.max_rows:
            self._finish()
            self.ws = self._new_sheet()
            self._start()
        ws, r = self.ws, self.rows + 1
        formats = self.column_formats[marked]
        for i, v in enumerate(row):
            kind = type(v)
            if kind is str:
                ws.write_string(r, i, v, formats[i])
            elif v is None:
                if marked and i == self.mark:
                    ws.write_blank(r, i, None, formats[i])
            elif kind is bool:
                ws.write_boolean(r, i, v, formats[i])
            else:
                ws.write_number(r, i, v, formats[i])
        self.rows += 1

    def _finish(self) -> None:
        self.ws.autofilter(0, 0, self.rows, len(self.columns) - 1)

    def close(self) -> None:
        if self.pending is not None:
            self._flush()
        self._finish()


class WorkbookStream:
    """review.xlsx written as a batch goes: :meth:`add` each file's outputs, :meth:`close` with
    the batch's portfolio (the 总览 sheet, first in the workbook, is filled last)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.wb = xlsxwriter.Workbook(str(self.path), {"constant_memory": True, "strings_to_urls": False,
                                                       "strings_to_formulas": False, "strings_to_numbers": False})
        self.overview = self.wb.add_worksheet("总览")
        self.summary = SheetStream(self.wb, "汇总", SUMMARY_COLUMNS)
        self.items = SheetStream(self.wb, "指标", ITEM_COLUMNS, "来源可信度")
        self.findings = SheetStream(self.wb, "问题清单", FINDING_COLUMNS)
        self.notices = SheetStream(self.wb, PARSER_NOTICE_HEADING, NOTICE_COLUMNS)
        self.quality = SheetStream(self.wb, "报告质量", QUALITY_COLUMNS, "来源可信度")

    def add(self, fo: FileOutput) -> None:
        for r in fo.records:
            self.summary.append([sheet_cell(r.summary[k]) for k in SUMMARY_COLUMNS])
            self.items.extend(r.items)
            self.findings.extend(r.findings)
            self.notices.extend(r.notices)
            self.quality.extend(r.quality)

    def close(self, portfolio: Portfolio, chart=None) -> None:
        """Fill 总览 (with ``chart``, a :class:`.chart.Chart`, drawn here unless given) and save."""
        from .xlsx_overview import write_overview

        write_overview(self.wb, self.overview, portfolio, chart)
        for s in (self.summary, self.items, self.findings, self.notices, self.quality):
            s.close()
        self.wb.close()


def write_xlsx(results: list[ReviewedFile], path: Path) -> None:
    """Write the workbook of a batch held in memory: 总览, 汇总, 指标, 问题清单, 解析提示, 报告质量."""
    from .portfolio import build_portfolio

    book = WorkbookStream(path)
    for fo in file_outputs(results):
        book.add(fo)
    book.close(build_portfolio(results))
