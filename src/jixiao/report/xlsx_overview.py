"""The 总览 sheet of review.xlsx: a title line, the chart as a picture at A4 (above the tables, so
it can be copied into a memo on its own), then the overview tables one under another, each with
a bold title, a shaded header and its note. Written row by row (a write-only sheet): the widths
are fitted on the tables first."""

from __future__ import annotations

import io
import math
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .chart import SIZE_PX, Chart, render_chart
from .overview import Pct, headline, overview_tables
from .portfolio import Portfolio
from .sheets import MAX_WIDTH, PERCENT, WRAP_FROM, cell_value, display_width

SHEET = "总览"
TITLE = "部门整体支出绩效自评复核总览"
IMAGE_ANCHOR_ROW = 4
IMAGE_SCALE = 0.75  # shown at 900 × 405 px; the embedded PNG keeps its full 1200 × 540
ROW_PX = 20  # default row height (15 pt)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F5")
NOTE_FONT = Font(italic=True, color="667085")
WRAP = Alignment(wrap_text=True, vertical="top")


def write_overview(ws, p: Portfolio, chart: Chart | None = None) -> None:
    """Fill the write-only sheet ``ws`` (titled 总览) with the portfolio ``p`` and its chart
    (drawn here unless given)."""
    chart = chart or render_chart(p)
    tables = overview_tables(p)
    widths: dict[int, int] = {}
    for table in tables:  # header and value cells (titles and notes overflow instead)
        for col, name in enumerate(table.columns, start=1):
            widths[col] = max(widths.get(col, 0), display_width(name))
        for values in table.rows:
            for col, v in enumerate(values, start=1):
                if v is not None:
                    widths[col] = max(widths.get(col, 0), display_width(v))
    wrap = {col for col, w in widths.items() if w + 2 > WRAP_FROM}
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)
    ws.page_setup.orientation = "landscape"

    def styled(value: Any, font: Font | None = None, fill: PatternFill | None = None, number_format: str | None = None,
               alignment: Alignment | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        if number_format is not None:
            c.number_format = number_format
        if alignment is not None:
            c.alignment = alignment
        return c

    ws.append([styled(TITLE, Font(bold=True, size=14))])
    ws.append([headline(p)])
    ws.append([styled(chart.note, NOTE_FONT)] if chart.note else [])
    img = Image(io.BytesIO(chart.png))
    img.width, img.height = (round(x * IMAGE_SCALE) for x in SIZE_PX)
    ws.add_image(img, f"A{IMAGE_ANCHOR_ROW}")
    first_table_row = IMAGE_ANCHOR_ROW + math.ceil(img.height / ROW_PX) + 1
    for _ in range(IMAGE_ANCHOR_ROW - 1, first_table_row - 1):
        ws.append([])
    for table in tables:
        ws.append([styled(table.title, Font(bold=True, size=12))])
        ws.append([styled(name, Font(bold=True), HEADER_FILL, alignment=WRAP if col in wrap else None)
                   for col, name in enumerate(table.columns, start=1)])
        for values in table.rows:
            ws.append([styled(cell_value(v), number_format=PERCENT if isinstance(v, Pct) else None,
                              alignment=WRAP if col in wrap else None)
                       for col, v in enumerate(values, start=1)])
        if table.note:
            ws.append([styled(table.note, NOTE_FONT)])
        ws.append([])
