"""Reader for .docx (WordprocessingML), from the XML at the table-grid level.

The body is walked once with lxml (python-docx's ``row.cells`` costs 18–65 ms on merged-cell
tables; building the grid from the XML once costs well under 1 ms):

- paragraphs and tables in body order, through content controls (``w:sdt``), ``w:customXml``
  and ``w:smartTag`` wrappers; deleted text (``w:del``, ``w:moveFrom``) left out, inserted text kept;
- ``w:gridSpan`` → one Cell with ``colspan``; ``w:gridBefore``/``w:gridAfter`` → no cells;
  ``w:vMerge`` → the restarting Cell gets ``rowspan`` and each continuation is an empty
  ``covered`` placeholder; legacy ``w:hMerge`` continuations widen the cell on their left;
- nested tables become their own Table blocks after the parent, with ``parent`` set;
- text boxes (``w:txbxContent``, the DrawingML choice of ``mc:AlternateContent``, its VML
  fallback skipped so nothing is read twice) become paragraphs after the paragraph holding them.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .document import Cell, Document, Paragraph, ReadError, Table, render_lines
from .safety import open_zip, parse_xml, read_part

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
V = "urn:schemas-microsoft-com:vml"
_w = "{%s}" % W

P, TBL, TR, TC, T, TAB, BR, CR = (_w + n for n in ("p", "tbl", "tr", "tc", "t", "tab", "br", "cr"))
SDT, SDT_CONTENT, CUSTOM_XML, SMART_TAG = (_w + n for n in ("sdt", "sdtContent", "customXml", "smartTag"))
DEL, MOVE_FROM, TXBX = _w + "del", _w + "moveFrom", _w + "txbxContent"
FALLBACK, PICT = "{%s}Fallback" % MC, _w + "pict"
NO_BREAK_HYPHEN, SOFT_HYPHEN = _w + "noBreakHyphen", _w + "softHyphen"
WRAPPERS = (SDT_CONTENT, CUSTOM_XML, SMART_TAG)
TC_PR, TR_PR, VAL = _w + "tcPr", _w + "trPr", _w + "val"
GRID_SPAN, GRID_BEFORE, V_MERGE, H_MERGE = (_w + n for n in ("gridSpan", "gridBefore", "vMerge", "hMerge"))
SKIP = (DEL, MOVE_FROM, FALLBACK, _w + "sdtPr", _w + "sdtEndPr", _w + "rPr", _w + "pPr", _w + "tblPr",
        _w + "tblGrid", _w + "trPr", _w + "tcPr", _w + "instrText", _w + "delText")


def read_docx(path: Path) -> Document:
    """Read a .docx into a Document (format ``docx``). Raises ReadError for a corrupt, encrypted
    or hostile container (see :mod:`.safety`)."""
    with open_zip(path) as zf:
        data = read_part(zf, "word/document.xml", path)
    root = parse_xml(data, path, "word/document.xml")
    body = root.find(_w + "body")
    if body is None:
        raise ReadError(str(path), "文件已损坏：word/document.xml 中没有正文（w:body）")
    doc = Document(path=str(path), encoding="docx", format="docx")
    _Walker(doc).body(body)
    if not doc.blocks or not any((b.text.strip() if isinstance(b, Paragraph) else b.rows) for b in doc.blocks):
        raise ReadError(str(path), "文档没有任何文字内容（可能全部是图片：请提供可复制文字的版本）")
    return render_lines(doc)


class _Walker:
    def __init__(self, doc: Document):
        self.doc = doc

    def add(self, block) -> int:
        block.index = len(self.doc.blocks)
        self.doc.blocks.append(block)
        return block.index

    # -- body ---------------------------------------------------------------------------------
    def body(self, el: etree._Element) -> None:
        for child in _content(el):
            if child.tag == P:
                self.paragraph(child)
            elif child.tag == TBL:
                self.table(child)

    def paragraph(self, p: etree._Element) -> None:
        boxes: list[etree._Element] = []
        text = _text(p, boxes)
        self.add(Paragraph(0, text))
        for box in boxes:  # text boxes after their anchor paragraph
            self.body(box)

    # -- tables -------------------------------------------------------------------------------
    def table(self, tbl: etree._Element, parent: tuple[int, int, int] | None = None) -> None:
        rows: list[list[Cell]] = []
        table = Table(0, rows, parent=parent)
        index = self.add(table)
        nested: list[tuple[etree._Element, int, int]] = []
        origin_at: dict[int, Cell] = {}  # grid column → cell whose vertical merge is open there
        for tr in _content(tbl, TR):
            row: list[Cell] = []
            grid = _as_int(_props(tr.find(TR_PR)).get(GRID_BEFORE))
            for tc in _content(tr, TC):
                props = _props(tc.find(TC_PR))
                span = max(1, _as_int(props.get(GRID_SPAN)) or 1)
                vmerge = props.get(V_MERGE, False)
                hmerge = props.get(H_MERGE, False)
                if hmerge is not False and hmerge != "restart" and row:
                    row[-1].colspan += span  # legacy horizontal merge continuation
                    grid += span
                    continue
                if vmerge is not False and vmerge in (None, "continue") and grid in origin_at:
                    origin = origin_at[grid]
                    origin.rowspan += 1
                    cell = Cell("", len(rows), len(row), colspan=span, covered=True)
                else:
                    cell = Cell(self.cell_text(tc, nested, len(rows), len(row)), len(rows), len(row), colspan=span)
                    if vmerge == "restart":
                        origin_at[grid] = cell
                    else:
                        origin_at.pop(grid, None)
                row.append(cell)
                grid += span
            rows.append(row)
        for sub, r, c in nested:
            self.table(sub, parent=(index, r, c))

    def cell_text(self, tc: etree._Element, nested: list, r: int, c: int) -> str:
        parts: list[str] = []
        for child in _content(tc):
            if child.tag == P:
                boxes: list[etree._Element] = []
                parts.append(_text(child, boxes))
                for box in boxes:
                    parts.extend(_text(bp, []) for bp in box.iter(P))
            elif child.tag == TBL:
                nested.append((child, r, c))
        while parts and not parts[-1].strip():
            parts.pop()
        return "\n".join(parts)


def _content(el: etree._Element, tag: str | None = None):
    """Children of ``el``, looking through content-control and custom-XML wrappers."""
    for child in el:
        t = child.tag
        if t == SDT:
            inner = child.find(SDT_CONTENT)
            if inner is not None:
                yield from _content(inner, tag)
        elif t in WRAPPERS:
            yield from _content(child, tag)
        elif tag is None or t == tag:
            yield child


def _text(p: etree._Element, boxes: list[etree._Element]) -> str:
    """A paragraph's visible text; text boxes found inside are appended to ``boxes``."""
    out: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            t = child.tag
            if not isinstance(t, str) or t in SKIP:
                continue
            if t == T:
                out.append(child.text or "")
            elif t == TAB:
                out.append(" ")
            elif t in (BR, CR):
                out.append("\n")
            elif t == NO_BREAK_HYPHEN:
                out.append("-")
            elif t == TXBX:
                boxes.append(child)
            elif t == PICT or t.startswith("{%s}" % V):
                # VML-only text boxes (old Word): read, unless a DrawingML choice already gave them
                for box in child.iter(TXBX):
                    boxes.append(box)
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _props(pr: etree._Element | None) -> dict[str, str | None]:
    """A ``w:tcPr``/``w:trPr`` as {child tag: its ``w:val`` (None when absent)}; one pass."""
    if pr is None:
        return {}
    return {child.tag: child.get(VAL) for child in pr}


def _as_int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
