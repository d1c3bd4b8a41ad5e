"""A form's table as a grid of merged cells, written into Word (python-docx) or Excel (openpyxl).

:class:`Grid` is what the form builders (:mod:`.forms`) fill: cells placed at (row, column) of a
fixed number of grid columns, each spanning ``rowspan`` × ``colspan`` grid cells. :func:`add_docx_table`
turns it into a Word table whose merges are real (``w:gridSpan`` across, ``w:vMerge`` down, as
Word writes them); :func:`write_sheet` into worksheet cells with merged ranges and a frame, numbers
stored as numbers with the number format the form prints (``0.00``, ``0.00%``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt


@dataclass
class Place:
    """One cell of a form: its ``text`` as printed, where it starts and how far it spans.

    ``number`` (with ``number_format``) is the value a spreadsheet stores for a numeric cell —
    the printed ``text`` is then what Excel displays with that format. ``label`` cells are the
    form's own words (centred); others are the unit's values."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    label: bool = False
    number: Decimal | None = None
    number_format: str = "General"


@dataclass
class Grid:
    """A table of ``columns`` grid columns; rows are added with :meth:`row`, cells with :meth:`put`.
    Grid cells no :class:`Place` covers are empty cells of their own."""

    columns: int
    rows: int = 0
    places: list[Place] = field(default_factory=list)

    def row(self) -> int:
        """Add a row; returns its index."""
        self.rows += 1
        return self.rows - 1

    def put(self, row: int, col: int, text: str | None, colspan: int = 1, rowspan: int = 1, label: bool = False,
            number: Decimal | None = None, number_format: str = "General") -> Place:
        if col + colspan > self.columns:
            raise ValueError(f"cell at column {col} spanning {colspan} is wider than the grid ({self.columns})")
        p = Place(text or "", row, col, rowspan, colspan, label, number, number_format)
        self.places.append(p)
        return p

    def down_to_last_row(self, place: Place) -> None:
        """Let ``place`` span down to the last row added so far (a label merged over its rows)."""
        place.rowspan = self.rows - place.row

    def texts(self) -> list[list[str]]:
        """The grid as rows of cell texts, a spanned cell's text in its first grid cell and the
        cells it covers empty (the rows a reader gives back for the written table)."""
        out = [["" for _ in range(self.columns)] for _ in range(self.rows)]
        for p in self.places:
            out[p.row][p.col] = p.text
        return out

    def check(self) -> None:
        """Raise ValueError when two cells overlap or one reaches below the last row."""
        seen: set[tuple[int, int]] = set()
        for p in self.places:
            if p.row + p.rowspan > self.rows:
                raise ValueError(f"cell {p.text!r} at row {p.row} spans below the table")
            for r in range(p.row, p.row + p.rowspan):
                for c in range(p.col, p.col + p.colspan):
                    if (r, c) in seen:
                        raise ValueError(f"cells overlap at row {r}, column {c}")
                    seen.add((r, c))


# --------------------------------------------------------------------------------------------
# Word


def set_east_asian_font(document, name: str = "宋体", size_pt: float = 10.5) -> None:
    """The Normal style in ``name`` for Chinese and Latin text (Word needs ``w:eastAsia``)."""
    style = document.styles["Normal"]
    style.font.name = name
    style.font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def add_docx_table(document, grid: Grid, widths_cm: list[float], size_pt: float = 9):
    """Append ``grid`` to ``document`` as a bordered table with real merged cells; returns it."""
    grid.check()
    table = document.add_table(rows=grid.rows, cols=grid.columns)
    table.style = document.styles["Table Grid"]
    table.autofit = False
    for k, w in enumerate(widths_cm):
        table.columns[k].width = Cm(w)
    for p in grid.places:
        cell = table.cell(p.row, p.col)
        if p.rowspan > 1 or p.colspan > 1:
            cell = cell.merge(table.cell(p.row + p.rowspan - 1, p.col + p.colspan - 1))
        cell.width = Cm(sum(widths_cm[p.col:p.col + p.colspan]))
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_text(cell, p, size_pt)
    return table


def _cell_text(cell, p: Place, size_pt: float) -> None:
    lines = p.text.split("\n")
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:  # a merge leaves the merged cells' (empty) paragraphs behind
        extra._p.getparent().remove(extra._p)
    para = paragraphs[0]
    for k, line in enumerate(lines):
        if k:
            para = cell.add_paragraph()
        if line:
            run = para.add_run(line)
            run.font.size = Pt(size_pt)
        short = len(p.text) <= 12 or p.label or p.number is not None
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER if short else WD_ALIGN_PARAGRAPH.LEFT


# --------------------------------------------------------------------------------------------
# Excel


def write_sheet(ws, grid: Grid, top: int, widths_cm: list[float]) -> int:
    """Write ``grid`` into ``ws`` from row ``top`` (1-based), column A: values, merged ranges,
    thin borders on every cell of the table, wrapped text. Returns the row after the table."""
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    grid.check()
    thin = Side(style="thin")
    frame = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r in range(grid.rows):
        for c in range(grid.columns):
            ws.cell(top + r, c + 1).border = frame
    for p in grid.places:
        cell = ws.cell(top + p.row, p.col + 1)
        if p.number is not None:
            cell.value = p.number
            cell.number_format = p.number_format
        elif p.text:
            cell.value = p.text
            cell.data_type = "s"  # a target written “=100%” is text, not a formula
            cell.number_format = "@"
        short = len(p.text) <= 12 or p.label or p.number is not None
        cell.alignment = Alignment(horizontal="center" if short else "left", vertical="center", wrap_text=True)
        if p.rowspan > 1 or p.colspan > 1:
            ws.merge_cells(start_row=top + p.row, start_column=p.col + 1,
                           end_row=top + p.row + p.rowspan - 1, end_column=p.col + p.colspan)
    for k, w in enumerate(widths_cm):
        ws.column_dimensions[get_column_letter(k + 1)].width = round(w * 5, 1)
    return top + grid.rows
