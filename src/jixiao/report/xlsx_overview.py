"""The 总览 sheet of review.xlsx: a title line, the chart as a picture at A4 (above the tables, so
it can be copied into a memo on its own), then the overview tables one under another, each with
a bold title, a shaded header and its note."""

from __future__ import annotations

import io
import math

from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..review import ReviewedFile
from .chart import SIZE_PX, render_chart
from .overview import Pct, headline, overview_tables
from .portfolio import build_portfolio
from .sheets import MAX_WIDTH, PERCENT, WRAP_FROM, cell_value, display_width

SHEET = "总览"
TITLE = "部门整体支出绩效自评复核总览"
IMAGE_ANCHOR_ROW = 4
IMAGE_SCALE = 0.75  # shown at 900 × 405 px; the embedded PNG keeps its full 1200 × 540
ROW_PX = 20  # default row height (15 pt)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F5")
NOTE_FONT = Font(italic=True, color="667085")


def write_overview(ws: Worksheet, results: list[ReviewedFile]) -> None:
    """Fill ``ws`` (renamed 总览) with the portfolio of ``results``."""
    p = build_portfolio(results)
    chart = render_chart(p)
    ws.title = SHEET
    ws.page_setup.orientation = "landscape"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = headline(p)
    if chart.note:
        ws["A3"] = chart.note
        ws["A3"].font = NOTE_FONT
    img = Image(io.BytesIO(chart.png))
    img.width, img.height = (round(x * IMAGE_SCALE) for x in SIZE_PX)
    ws.add_image(img, f"A{IMAGE_ANCHOR_ROW}")
    row = IMAGE_ANCHOR_ROW + math.ceil(img.height / ROW_PX) + 1
    widths: dict[int, int] = {}
    data_cells: dict[int, list] = {}  # column → header and value cells (titles and notes overflow instead)
    for table in overview_tables(p):
        ws.cell(row=row, column=1, value=table.title).font = Font(bold=True, size=12)
        row += 1
        for col, name in enumerate(table.columns, start=1):
            c = ws.cell(row=row, column=col, value=name)
            c.font, c.fill = Font(bold=True), HEADER_FILL
            widths[col] = max(widths.get(col, 0), display_width(name))
            data_cells.setdefault(col, []).append(c)
        row += 1
        for values in table.rows:
            for col, v in enumerate(values, start=1):
                c = ws.cell(row=row, column=col, value=cell_value(v))
                if isinstance(v, Pct):
                    c.number_format = PERCENT
                if v is not None:
                    widths[col] = max(widths.get(col, 0), display_width(v))
                data_cells.setdefault(col, []).append(c)
            row += 1
        if table.note:
            ws.cell(row=row, column=1, value=table.note).font = NOTE_FONT
            row += 1
        row += 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)
        if width + 2 > WRAP_FROM:
            for cell in data_cells[col]:
                cell.alignment = wrap
