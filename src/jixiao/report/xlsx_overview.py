"""The 总览 sheet of review.xlsx: a title line, the chart as a picture at A4 (above the tables, so
it can be copied into a memo on its own; none for a single record), then the overview tables one
under another, each with a bold title, a shaded header and its note. Written row by row (a constant-memory sheet): the
widths are fitted on the tables first."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from .overview import Pct, headline, overview_tables
from .portfolio import Portfolio
from .sheets import MAX_WIDTH, WRAP_FROM, cell_value, display_width

if TYPE_CHECKING:
    from .chart import Chart

SHEET = "总览"
TITLE = "部门整体支出绩效自评复核总览"
IMAGE_ANCHOR_ROW = 4
IMAGE_SCALE = 0.75  # shown at 900 × 405 px; the embedded PNG keeps its full 1200 × 540
ROW_PX = 20  # default row height (15 pt)
SCREEN_DPI = 96  # XlsxWriter sizes a picture by its own dpi (the chart's PNG says 120) against 96


def write_overview(wb, ws, p: Portfolio, chart: Chart | None = None) -> None:
    """Fill the sheet ``ws`` (titled 总览) of the XlsxWriter workbook ``wb`` with the portfolio
    ``p`` and its chart (drawn here unless given; none for a single record, see
    :attr:`.portfolio.Portfolio.charted`)."""
    from .xlsx import write_cell

    if p.charted:
        from .chart import render_chart  # matplotlib: loaded only when a chart is drawn

        chart = chart or render_chart(p)
    else:
        chart = None
    tables = overview_tables(p)
    widths: dict[int, int] = {}
    for table in tables:  # header and value cells (titles and notes overflow instead)
        for col, name in enumerate(table.columns):
            widths[col] = max(widths.get(col, 0), display_width(name))
        for values in table.rows:
            for col, v in enumerate(values):
                if v is not None:
                    widths[col] = max(widths.get(col, 0), display_width(v))
    wrap = {col for col, w in widths.items() if w + 2 > WRAP_FROM}
    for col, width in widths.items():
        ws.set_column(col, col, min(width + 2, MAX_WIDTH))
    ws.set_landscape()
    title = wb.add_format({"bold": True, "font_size": 14})
    heading = wb.add_format({"bold": True, "font_size": 12})
    note = wb.add_format({"italic": True, "font_color": "#667085"})
    header = {w: wb.add_format({"bold": True, "bg_color": "#EEF1F5", "pattern": 1, **wrapped(w)}) for w in (False, True)}
    value = {(w, pct): wb.add_format({**wrapped(w), **({"num_format": "0.00%"} if pct else {})})
             for w in (False, True) for pct in (False, True)}

    ws.write_string(0, 0, TITLE, title)
    write_cell(ws, 1, 0, headline(p))
    row = IMAGE_ANCHOR_ROW - 1  # 0-based: the tables start where the picture would
    if chart is not None:
        from .chart import DPI, SIZE_PX

        if chart.note:
            ws.write_string(2, 0, chart.note, note)
        scale = IMAGE_SCALE * DPI / SCREEN_DPI
        ws.insert_image(row, 0, "chart.png", {"image_data": io.BytesIO(chart.png), "x_scale": scale, "y_scale": scale})
        row += math.ceil(SIZE_PX[1] * IMAGE_SCALE / ROW_PX) + 1  # below the picture
    for table in tables:
        write_cell(ws, row, 0, table.title, heading)
        row += 1
        for col, name in enumerate(table.columns):
            write_cell(ws, row, col, name, header[col in wrap])
        row += 1
        for values in table.rows:
            for col, v in enumerate(values):
                fmt = value[(col in wrap, isinstance(v, Pct))]
                write_cell(ws, row, col, cell_value(v), fmt if (col in wrap or isinstance(v, Pct)) else None)
            row += 1
        if table.note:
            write_cell(ws, row, 0, table.note, note)
            row += 1
        row += 1


def wrapped(wrap: bool) -> dict:
    return {"text_wrap": True, "valign": "top"} if wrap else {}
