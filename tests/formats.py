"""Fixture builders: one report, written out in every input format from its text Document.

The text reader gives a :class:`~jixiao.readers.document.Document` whose tables are ragged (a
horizontally merged cell appears once, so rows have fewer cells than the table is wide) and whose
vertically merged cells appear as empty cells. The builders turn that back into what an office
would have: real grids with real merges. The rules are deterministic (see :func:`layout`):

- the grid width ``W`` of a table is its longest row;
- a row of ``k < W`` cells is spread over the grid as evenly as possible: cell ``i`` covers grid
  columns ``floor(i·W/k)`` to ``floor((i+1)·W/k) - 1`` (so the leftover spans are spread, the first
  cell is never widened when ``W/k`` is not whole);
- an *empty* cell in one of the first :data:`LABEL_COLUMNS` cells of its row becomes a vertical
  merge continuation (Word ``vMerge``, HTML/Excel ``rowspan``) when the cell above it covers the
  same grid columns and is non-empty or itself a continuation: the 一级指标/二级指标 label columns
  of indicator tables, the 部门 label columns of the 基础数据表.

Read back, every format must therefore give exactly the text Document's cell lists: the same
number of cells per row, the same texts, the continuations as empty (``covered``) cells at the
same positions.

``write_docx`` (python-docx), ``write_xlsx`` (openpyxl), ``write_html`` (utf-8 or GBK) write one
file; ``convert`` runs LibreOffice once for a batch (.docx → .pdf/.doc, .xlsx → .xls; LibreOffice
cannot turn a text document into a workbook).
"""

from __future__ import annotations

import copy
import html as html_lib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

from jixiao.readers.document import Document, Paragraph, Table, render_lines
from jixiao.readers.office import soffice  # re-exported for the tests

LABEL_COLUMNS = 3  # cells 0..2 of a row may be vertical-merge continuations


# ---------------------------------------------------------------------------------------------
# grid layout shared by every builder


@dataclass(slots=True)
class Slot:
    """One cell of a text row placed on the grid."""

    text: str
    row: int
    index: int  # position in the text row
    col: int  # first grid column
    span: int  # grid columns covered
    cont: bool = False  # vertical-merge continuation of the slot above
    rowspan: int = 1  # for the first slot of a vertical merge: rows covered (itself included)


def spans(k: int, width: int) -> list[tuple[int, int]]:
    """(first grid column, span) of each of ``k`` cells spread over ``width`` grid columns."""
    bounds = [i * width // k for i in range(k + 1)]
    return [(bounds[i], bounds[i + 1] - bounds[i]) for i in range(k)]


def layout(table: Table) -> tuple[int, list[list[Slot]]]:
    """The grid width and the placed rows of ``table`` (see the module doc)."""
    width = max(1, table.width)
    grid: list[list[Slot]] = []
    for r, row in enumerate(table.rows):
        placed = [Slot(cell.text, r, i, col, span) for i, (cell, (col, span)) in
                  enumerate(zip(row, spans(len(row), width)))]
        grid.append(placed)
    for r in range(1, len(grid)):
        above = {(s.col, s.span): s for s in grid[r - 1]}
        for s in grid[r][:LABEL_COLUMNS]:
            if s.text.strip():
                continue
            top = above.get((s.col, s.span))
            if top is not None and (top.text.strip() or top.cont):
                s.cont = True
    for r in range(len(grid)):
        for s in grid[r]:
            if s.cont:
                continue
            k = r + 1
            while k < len(grid) and any(t.cont and t.col == s.col and t.span == s.span for t in grid[k]):
                k += 1
            s.rowspan = k - r
    return width, grid


def cell_lines(text: str) -> list[str]:
    """A cell's text as its paragraphs (blank paragraphs inside kept, outer ones dropped)."""
    lines = [ln.strip() for ln in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines or [""]


def table_title(doc: Document, table: Table) -> str | None:
    """The paragraph right before ``table`` (its title in the forms), if any."""
    i = doc.blocks.index(table)
    if i and isinstance(doc.blocks[i - 1], Paragraph):
        return doc.blocks[i - 1].text.strip()
    return None


def tables_only(doc: Document) -> Document:
    """A copy of ``doc`` with its paragraphs left out, re-rendered: what a workbook can carry."""
    out = Document(path=doc.path, blocks=[copy.deepcopy(b) for b in doc.blocks if isinstance(b, Table)],
                   encoding=doc.encoding, format=doc.format)
    return render_lines(out)


# ---------------------------------------------------------------------------------------------
# .docx


def write_docx(doc: Document, path: str | Path, page_numbers: bool = True) -> Path:
    """Write ``doc`` as a .docx: paragraphs and tables in body order, A4, bordered tables on the
    grid of :func:`layout` with real ``gridSpan`` and ``vMerge`` merges, one paragraph per line
    of a cell's text; with ``page_numbers`` a centred ``- N -`` page-number footer (in its own
    part, as Word keeps it: not body text, but printed on every page of a PDF made from it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = new_docx(margin_mm=20, font="宋体")
    sec = d.sections[0]
    if page_numbers:
        page_number_footer(sec)
    body = d.element.body
    text_width = sec.page_width - sec.left_margin - sec.right_margin
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            d.add_paragraph(block.text.strip())
            continue
        width, grid = layout(block)
        table = d.add_table(rows=0, cols=width)
        table.style = d.styles["Table Grid"]
        tbl = table._tbl
        col_w = int(text_width / width)
        for gc in tbl.tblGrid.gridCol_lst:
            gc.w = col_w
        for row in grid:
            tr = tbl.add_tr()
            for s in row:
                tc = tr.add_tc()
                tc.width = col_w * s.span
                tcPr = tc.get_or_add_tcPr()
                if s.span > 1:
                    tcPr.grid_span = s.span
                if s.cont:
                    tcPr.vMerge_val = "continue"
                elif s.rowspan > 1:
                    tcPr.vMerge_val = "restart"
                lines = [""] if s.cont else cell_lines(s.text)
                p = tc.p_lst[0] if tc.p_lst else tc._add_p()
                for k, line in enumerate(lines):
                    if k:
                        p = OxmlElement("w:p")
                        tc.append(p)
                    if line:
                        r = OxmlElement("w:r")
                        rPr = OxmlElement("w:rPr")
                        sz = OxmlElement("w:sz")
                        sz.set(qn("w:val"), "18")  # 9 pt in tables
                        rPr.append(sz)
                        r.append(rPr)
                        t = OxmlElement("w:t")
                        t.text = line
                        t.set(qn("xml:space"), "preserve")
                        r.append(t)
                        p.append(r)
    # two tables in a row would be joined by Word: keep an empty paragraph between them
    prev = None
    for el in list(body):
        if el.tag == qn("w:tbl") and prev is not None and prev.tag == qn("w:tbl"):
            el.addprevious(OxmlElement("w:p"))
        prev = el
    # Word always ends the body with a paragraph; a .docx ending in a table converts to a .doc
    # whose last table LibreOffice reads back as loose paragraphs (seed 004)
    last = [el for el in body if el.tag != qn("w:sectPr")]
    if last and last[-1].tag == qn("w:tbl"):
        last[-1].addnext(OxmlElement("w:p"))
    path = Path(path)
    d.save(str(path))
    return path


def new_docx(margin_mm: int, font: str):
    """An empty A4 python-docx Document: ``margin_mm`` margins, 10.5 pt ``font`` for Chinese."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    d = docx.Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = sec.top_margin = sec.bottom_margin = Mm(margin_mm)
    normal = d.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return d


def page_number_footer(section) -> None:
    """A centred footer "- N -" with a PAGE field (a page number the readers must drop)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run("- ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    para._p.append(fld)
    para.add_run(" -")


# ---------------------------------------------------------------------------------------------
# .xlsx

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str | None, n: int, used: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters) from a table's title."""
    base = _SHEET_BAD.sub("", title or "")[:28].strip("' ") or f"表{n}"
    name, k = base, 2
    while name in used:
        name = f"{base[:26]}_{k}"
        k += 1
    used.add(name)
    return name


NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")
PERCENT = re.compile(r"^-?\d+(?:\.(\d+))?%$")


def typed_value(text: str):
    """A cell's text as Excel would hold it: plain numbers and percentages as numbers with the
    number format that displays them as written (``12.00`` → 12.0 with ``0.00``, ``93.75%`` →
    0.9375 with ``0.00%``); anything else as text. Returns (value, number format or None)."""
    from decimal import Decimal

    m = NUMBER.match(text)
    if m and not (len(text.lstrip("-")) > 1 and text.lstrip("-").startswith("0") and not m.group(1)):
        decimals = len(m.group(1) or "")
        value = int(text) if not decimals else float(text)
        return value, ("0." + "0" * decimals) if decimals else "0"
    m = PERCENT.match(text)
    if m:
        decimals = len(m.group(1) or "")
        return float(Decimal(text[:-1]) / 100), "0" + ("." + "0" * decimals if decimals else "") + "%"
    return text, None


def write_xlsx(doc: Document, path: str | Path, titles: bool = False, typed: bool = True) -> Path:
    """Write every table of ``doc`` to its own worksheet (named after the paragraph before it):
    each cell one range of the grid, merged (``merge_cells``) when it spans columns or rows, every
    cell of the range framed. With ``typed`` (the default, as a form filled in Excel is) plain
    numbers and percentages are stored as numbers with the number format that shows them as
    written (:func:`typed_value`), else every value is a string. Paragraphs are not carried,
    except, with ``titles=True``, the title paragraph as a first row merged across the width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, table in enumerate(doc.tables, 1):
        title = table_title(doc, table)
        ws = wb.create_sheet(sheet_name(title, n, used))
        width, grid = layout(table)
        top = 1
        if titles and title:
            ws.cell(1, 1, title)
            if width > 1:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            top = 2
        for c in range(1, width + 1):
            ws.column_dimensions[get_column_letter(c)].width = 14
        for r, row in enumerate(grid):
            for s in row:
                if s.cont:
                    continue
                lines = cell_lines(s.text)
                text = "\n".join(lines)
                cell = ws.cell(top + r, s.col + 1)
                if text:
                    value, fmt = typed_value(text) if typed else (text, None)
                    cell.value = value
                    if fmt:
                        cell.number_format = fmt
                    else:
                        cell.data_type = "s"  # stays a string, whatever it looks like
                cell.alignment = wrap
                for rr in range(top + r, top + r + s.rowspan):
                    for cc in range(s.col + 1, s.col + s.span + 1):
                        ws.cell(rr, cc).border = border
                if s.span > 1 or s.rowspan > 1:
                    ws.merge_cells(start_row=top + r, start_column=s.col + 1,
                                   end_row=top + r + s.rowspan - 1, end_column=s.col + s.span)
    if not wb.sheetnames:
        wb.create_sheet("Sheet1")
    path = Path(path)
    wb.save(str(path))
    return path


# ---------------------------------------------------------------------------------------------
# .html

NAV = ("<nav class=\"menu\"><ul><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk\">政务公开</a></li>"
       "<li><a href=\"/yjs\">预决算公开</a></li><li><a href=\"/jxpj\">绩效评价</a></li></ul></nav>")


def html_text(doc: Document, encoding: str = "utf-8", title: str | None = None) -> str:
    """The report as an HTML page: a ``<nav>`` menu (not part of the report), ``<p>`` per
    paragraph, ``<table>`` with ``colspan``/``rowspan`` (continuation cells left out, as HTML
    does), ``<br>`` between the lines of a cell."""
    esc = html_lib.escape
    charset = "gbk" if encoding.lower().replace("-", "") in ("gbk", "gb2312", "gb18030") else encoding
    out = ["<!DOCTYPE html>", "<html lang=\"zh-CN\">", "<head>", f"<meta charset=\"{charset}\">",
           f"<title>{esc(title or Path(doc.path).stem)}</title>", "</head>", "<body>", NAV,
           "<div class=\"article\">"]
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            out.append(f"<p>{esc(block.text.strip())}</p>")
            continue
        _, grid = layout(block)
        out.append("<table border=\"1\" cellspacing=\"0\" cellpadding=\"2\">")
        for row in grid:
            tds = []
            for s in row:
                if s.cont:
                    continue
                attrs = (f" colspan=\"{s.span}\"" if s.span > 1 else "") + (
                    f" rowspan=\"{s.rowspan}\"" if s.rowspan > 1 else "")
                body = "<br>".join(esc(line) for line in cell_lines(s.text))
                tds.append(f"<td{attrs}>{body}</td>")
            out.append("<tr>" + "".join(tds) + "</tr>")
        out.append("</table>")
    out += ["</div>", "<footer>版权所有 示例区人民政府 | 网站标识码 0000000000</footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_html(doc: Document, path: str | Path, encoding: str = "utf-8") -> Path:
    """Write ``doc`` as an HTML page in ``encoding`` (``utf-8`` or ``gbk``; a GBK page declares
    ``<meta charset="gbk">`` and, as a browser saving it would, writes the few characters GBK
    lacks (``•`` in seed 004) as numeric character references)."""
    path = Path(path)
    path.write_bytes(html_text(doc, encoding).encode(encoding, errors="xmlcharrefreplace"))
    return path


# ---------------------------------------------------------------------------------------------
# LibreOffice





def convert(paths: Path | Iterable[Path], to: str, outdir: str | Path) -> dict[Path, Path | None]:
    """Convert ``paths`` to ``to`` (``pdf``, ``doc``, ``xlsx`` …) with ONE LibreOffice run
    (:func:`jixiao.readers.office.convert`); returns {input: output in ``outdir`` named after the
    input's stem, or None when it failed}. Raises RuntimeError when LibreOffice is absent."""
    from jixiao.readers.office import convert as office_convert

    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    if not paths:
        return {}
    if soffice() is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    ext = to.split(":")[0]
    result: dict[Path, Path | None] = {}
    with tempfile.TemporaryDirectory(prefix="jixiao-fmt-") as tmp:
        got = office_convert(paths, to, Path(tmp))
        for p in paths:
            src = got.get(p)
            if src is None or not Path(src).exists():
                result[p] = None
                continue
            dest = outdir / f"{p.stem}.{ext}"
            shutil.move(str(src), dest)
            result[p] = dest
    return result


# ---------------------------------------------------------------------------------------------
# comparing Documents


def squash(s: str | None) -> str:
    return "".join((s or "").split())


def cell_grid(doc: Document) -> list[list[list[tuple[str, bool]]]]:
    """Every table as rows of (squashed text, covered) pairs."""
    return [[[(squash(c.text), c.covered) for c in row] for row in t.rows] for t in doc.tables]


def expected_covered(doc: Document) -> list[list[list[bool]]]:
    """Where the builders put vertical-merge continuations, per table/row/cell."""
    return [[[s.cont for s in row] for row in layout(t)[1]] for t in doc.tables]
