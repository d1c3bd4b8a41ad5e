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

Bounds (:mod:`.limits`): the first :data:`DOCX_MAX_PARAGRAPHS` paragraphs are read, tables nested
more than :data:`DOCX_MAX_TABLE_DEPTH` levels are read as their cell's text, each with a
``content_truncated`` note (JX906); XML nested beyond libxml2's 256 levels is a ReadError naming it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from .document import Cell, Document, Paragraph, ReadError, ReadNote, Table, render_lines
from .limits import DOC_MAX_CELLS, DOCX_MAX_PARAGRAPHS, DOCX_MAX_TABLE_DEPTH, MAX_ROW_CELLS, MAX_TABLE_ROWS
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
CELL_PROPS, ROW_PROPS = frozenset((GRID_SPAN, V_MERGE, H_MERGE)), frozenset((GRID_BEFORE,))  # the ones read
SKIP = (DEL, MOVE_FROM, FALLBACK, _w + "sdtPr", _w + "sdtEndPr", _w + "rPr", _w + "pPr", _w + "tblPr",
        _w + "tblGrid", _w + "trPr", _w + "tcPr", _w + "instrText", _w + "delText")


def read_docx(path: Path, zf: zipfile.ZipFile | None = None) -> Document:
    """Read a .docx into a Document (format ``docx``). Raises ReadError for a corrupt, encrypted
    or hostile container (see :mod:`.safety`). ``zf``: the container already opened by
    :func:`~jixiao.readers.safety.open_zip` (left open), else it is opened here."""
    if zf is None:
        with open_zip(path) as zf:
            data = read_part(zf, "word/document.xml", path)
    else:
        data = read_part(zf, "word/document.xml", path)
    root = parse_xml(data, path, "word/document.xml")
    body = root.find(_w + "body")
    if body is None:
        raise ReadError(str(path), "文件已损坏：word/document.xml 中没有正文（w:body）")
    doc = Document(path=str(path), encoding="docx", format="docx")
    cut = _cut_paragraphs(body)
    walker = _Walker(doc, body)
    walker.body(body)
    if walker.too_deep:
        doc.notes.append(ReadNote("content_truncated", f"表格嵌套超过 {DOCX_MAX_TABLE_DEPTH} 层，更深的 {walker.too_deep} 个"
                                                       "表格只读入文字、未还原表格结构"))
    if walker.cells_cut:
        doc.notes.append(ReadNote("content_truncated", f"文档表格单元格超过 {DOC_MAX_CELLS} 个，其后的表格内容未读取"))
    if cut:
        doc.notes.append(ReadNote("content_truncated", cut))
    if not doc.blocks or not any((b.text.strip() if isinstance(b, Paragraph) else b.rows) for b in doc.blocks):
        raise ReadError(str(path), "文档没有任何文字内容（可能全部是图片：请提供可复制文字的版本）")
    return render_lines(doc)


_XPATH = {"namespaces": {"w": W}, "regexp": False, "smart_strings": False}  # no EXSLT regexps: cheaper calls
_COUNT_P = etree.XPath("count(.//w:p)", **_XPATH)


def _cut_paragraphs(body: etree._Element) -> str:
    """Remove from ``body`` what follows its first :data:`DOCX_MAX_PARAGRAPHS` paragraphs
    (``w:p``, in document order, wherever they are; a table row the cut falls in goes whole);
    what was cut (a note's message), or ""."""
    total = int(_COUNT_P(body))
    if total <= DOCX_MAX_PARAGRAPHS:
        return ""
    node = next(p for k, p in enumerate(body.iter(P)) if k == DOCX_MAX_PARAGRAPHS)
    row = next((a for a in node.iterancestors(TR)), None)
    node = row if row is not None else node
    at = node
    while at is not body:  # what follows the cut, at every level up to the body
        parent = at.getparent()
        for sib in list(at.itersiblings()):
            parent.remove(sib)
        at = parent
    node.getparent().remove(node)
    return (f"文档有 {total} 个段落（上限 {DOCX_MAX_PARAGRAPHS} 个），读到第 {DOCX_MAX_PARAGRAPHS} 个段落处为止，"
            "其后内容未读取")


class _Walker:
    def __init__(self, doc: Document, body: etree._Element | None = None):
        self.doc = doc
        self.texts = _paragraph_texts(body) if body is not None else None
        self.too_deep = 0  # nested tables beyond DOCX_MAX_TABLE_DEPTH, read as text
        self.cells_left = DOC_MAX_CELLS  # table cells still to build
        self.cells_cut = False  # tables (or rows) left out when they ran out

    def text(self, p: etree._Element, boxes: list[etree._Element]) -> str:
        """``_text(p, boxes)``, from the map made in one pass over the body when there is one."""
        if self.texts is None:
            return _text(p, boxes)
        got = self.texts.get(p)
        if got is None:
            return ""
        pieces, found = got
        boxes.extend(found)
        return "".join(pieces)

    def add(self, block) -> int:
        block.index = len(self.doc.blocks)
        self.doc.blocks.append(block)
        return block.index

    # -- body ---------------------------------------------------------------------------------
    def body(self, el: etree._Element) -> None:
        for child in _content(el):
            t = child.tag
            if t == P:
                self.paragraph(child)
            elif t == TBL:
                self.table(child)

    def paragraph(self, p: etree._Element) -> None:
        boxes: list[etree._Element] = []
        text = self.text(p, boxes)
        self.add(Paragraph(0, text))
        for box in boxes:  # text boxes after their anchor paragraph
            self.body(box)

    # -- tables -------------------------------------------------------------------------------
    def table(self, tbl: etree._Element, parent: tuple[int, int, int] | None = None, depth: int = 0) -> None:
        """One ``w:tbl`` as a Table block, then its nested tables (``depth`` levels down) after it;
        those deeper than :data:`DOCX_MAX_TABLE_DEPTH` are read as their cell's text."""
        if self.cells_left <= 0:
            self.cells_cut = True
            return
        rows: list[list[Cell]] = []
        table = Table(0, rows, parent=parent)
        index = self.add(table)
        nested: list[tuple[etree._Element, int, int]] = []
        origin_at: dict[int, Cell] = {}  # grid column → cell whose vertical merge is open there
        cell_text = self.cell_text
        for tr in _content(tbl, TR):
            if len(rows) > MAX_TABLE_ROWS:  # one row past the cap: cap_table names the cut
                break
            if self.cells_left <= 0:
                self.cells_cut = True
                break
            row: list[Cell] = []
            tcs: list[etree._Element] = []
            tr_pr = None
            for child in tr:  # the cells (_content(tr, TC)) and the first w:trPr, in one pass
                t = child.tag
                if t == TC:
                    tcs.append(child)
                elif t == TR_PR:
                    if tr_pr is None:
                        tr_pr = child
                elif t == SDT or t in WRAPPERS:
                    tcs.extend(_wrapped(child, t, TC))
            grid = _as_int(_props(tr_pr, ROW_PROPS).get(GRID_BEFORE))
            r = len(rows)
            for tc in tcs:
                if len(row) > MAX_ROW_CELLS:
                    break
                props = None
                content: list[tuple[str, etree._Element]] = []  # _content(tc), paragraphs and tables
                for child in tc:  # the first w:tcPr's merges and spans, and the content, in one pass
                    t = child.tag
                    if t == P or t == TBL:
                        content.append((t, child))
                    elif t == TC_PR:
                        if props is None:
                            props = _props(child, CELL_PROPS)
                    elif t == SDT or t in WRAPPERS:
                        content.extend((el.tag, el) for el in _wrapped(child, t))
                if props:
                    span = max(1, _as_int(props.get(GRID_SPAN)) or 1)
                    vmerge = props.get(V_MERGE, False)
                    hmerge = props.get(H_MERGE, False)
                else:
                    span, vmerge, hmerge = 1, False, False
                if hmerge is not False and hmerge != "restart" and row:
                    row[-1].colspan += span  # legacy horizontal merge continuation
                    grid += span
                    continue
                if vmerge is not False and vmerge in (None, "continue") and grid in origin_at:
                    origin = origin_at[grid]
                    origin.rowspan += 1
                    cell = Cell("", r, len(row), colspan=span, covered=True)
                else:
                    c = len(row)
                    cell = Cell(cell_text(content, nested, r, c, depth), r, c, colspan=span)
                    if vmerge == "restart":
                        origin_at[grid] = cell
                    elif origin_at:
                        origin_at.pop(grid, None)
                row.append(cell)
                grid += span
            self.cells_left -= len(row)
            rows.append(row)
        for sub, r, c in nested:
            self.table(sub, parent=(index, r, c), depth=depth + 1)

    def cell_text(self, content: list[tuple[str, etree._Element]], nested: list, r: int, c: int,
                  depth: int = 0) -> str:
        """The text of a cell whose content (``_content(tc)``) is ``content``, as (tag, element)
        pairs; its tables less than :data:`DOCX_MAX_TABLE_DEPTH` deep are added to ``nested``."""
        parts: list[str] = []
        texts = self.texts
        for t, child in content:
            if t == P:
                got = texts.get(child) if texts is not None else None
                if got is not None and not got[1]:  # the usual paragraph: text, no text box
                    parts.append("".join(got[0]))
                    continue
                boxes: list[etree._Element] = []
                parts.append(self.text(child, boxes))
                for box in boxes:
                    parts.extend(self.text(bp, []) for bp in box.iter(P))
            elif t == TBL and depth < DOCX_MAX_TABLE_DEPTH:
                nested.append((child, r, c))
            elif t == TBL:  # too deep to be a table of the report: its text, in the cell
                self.too_deep += 1
                parts.extend(self.text(p, []) for p in child.iter(P))
        while parts and not parts[-1].strip():
            parts.pop()
        return parts[0] if len(parts) == 1 else "\n".join(parts)


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    """``el.find(tag)`` for a plain tag: the first child with it (a loop beats ElementPath here)."""
    for child in el:
        if child.tag == tag:
            return child
    return None


def _content(el: etree._Element, tag: str | None = None) -> list[etree._Element]:
    """Children of ``el``, looking through content-control and custom-XML wrappers."""
    out: list[etree._Element] = []
    for child in el:
        t = child.tag
        if t == SDT or t in WRAPPERS:
            out.extend(_wrapped(child, t, tag))
        elif tag is None or t == tag:
            out.append(child)
    return out


def _wrapped(wrapper: etree._Element, t: str, tag: str | None = None) -> list[etree._Element]:
    """:func:`_content` of a wrapper child (``t`` its tag): a content control's first
    ``w:sdtContent``, or the wrapper itself."""
    if t == SDT:
        inner = _child(wrapper, SDT_CONTENT)
        return _content(inner, tag) if inner is not None else []
    return _content(wrapper, tag)


_V = "{%s}" % V
_EMIT = {T: None, TAB: " ", BR: "\n", CR: "\n", NO_BREAK_HYPHEN: "-"}
_FOUND = (T, TAB, BR, CR, NO_BREAK_HYPHEN, TXBX, PICT, _V + "*")  # what the text is made of
_STOP = frozenset(SKIP) | frozenset(_FOUND[:-1])  # an ancestor (below the paragraph) that hides it


def _text(p: etree._Element, boxes: list[etree._Element]) -> str:
    """A paragraph's visible text; text boxes found inside are appended to ``boxes``.

    One C-level pass over the elements that make text (``p.iter`` of ``_FOUND``); an element is
    left out when an ancestor below ``p`` is skipped (``SKIP``: deleted text, properties, the VML
    fallback) or already makes text itself (a text box, a VML shape) — the same text, in the same
    order, as walking the tree down and not entering those."""
    out: list[str] = []
    emit = _EMIT
    stop = _STOP
    for el in p.iter(*_FOUND):
        parent = el.getparent()
        while parent is not p:
            t = parent.tag
            if t in stop or t.startswith(_V):
                break
            parent = parent.getparent()
        else:
            t = el.tag
            if t in emit:
                s = emit[t]
                out.append((el.text or "") if s is None else s)
            elif t == TXBX:
                boxes.append(el)
            else:  # w:pict or a VML element: VML-only text boxes (old Word)
                boxes.extend(el.iter(TXBX))
    return "".join(out)


_INNER_P = etree.XPath(".//w:p//w:p", **_XPATH)
_PLAIN_T = etree.XPath(".//w:p/w:r/w:t", **_XPATH)


def _paragraph_texts(root: etree._Element) -> dict[etree._Element, tuple[list[str], list[etree._Element]]]:
    """Every paragraph's text pieces and text boxes under ``root``, in one pass: the same as
    ``_text(p, boxes)`` for each ``w:p`` (``"".join(pieces)``, boxes in order), without a tag
    matcher and a walk per paragraph. Paragraphs with neither are left out of the map.

    An element making text belongs to its nearest paragraph unless an ancestor between them
    stops it (``_STOP``, VML), and to every enclosing paragraph reached without such a stop
    (a paragraph inside a paragraph: malformed, but read as the tree walk reads it)."""
    out: dict[etree._Element, tuple[list[str], list[etree._Element]]] = {}
    outer: dict[etree._Element, list[etree._Element]] = {}  # paragraph → enclosing paragraphs it reaches
    emit, stop = _EMIT, _STOP
    inner = set(_INNER_P(root))  # paragraphs inside a paragraph (text boxes)

    def reaches(p: etree._Element) -> list[etree._Element]:
        got = outer.get(p)
        if got is None:
            got = []
            anc = p.getparent()
            while anc is not None:
                t = anc.tag
                if t == P:
                    got.append(anc)
                elif t in stop or t.startswith(_V):
                    break
                anc = anc.getparent()
            outer[p] = got
        return got

    plain = set(_PLAIN_T(root))  # w:t in a run of a paragraph, the usual text: nothing between to check
    for el in root.iter(*_FOUND):
        if el in plain:
            anc, t = el.getparent().getparent(), T
        else:
            anc = el.getparent()
            while anc is not None:
                t = anc.tag  # (lxml builds the tag string on every access: once per ancestor here)
                if t == P:
                    break
                if t in stop or t.startswith(_V):
                    anc = None
                    break
                anc = anc.getparent()
            if anc is None:
                continue
            t = el.tag
        ups = reaches(anc) if anc in inner else None
        for p in (anc, *ups) if ups else (anc,):
            got = out.get(p)
            if got is None:
                got = out[p] = ([], [])
            if t in emit:
                s = emit[t]
                got[0].append((el.text or "") if s is None else s)
            elif t == TXBX:
                got[1].append(el)
            else:  # w:pict or a VML element: VML-only text boxes (old Word)
                got[1].extend(el.iter(TXBX))
    return out


def _props(pr: etree._Element | None, tags: frozenset[str]) -> dict[str, str | None]:
    """Of a ``w:tcPr``/``w:trPr``, {child tag: its ``w:val`` (None when absent)} for the children
    whose tag is in ``tags``, the last one of a tag winning; one pass. ``w:val`` is read only for
    those: reading an attribute through lxml costs twice as much as reading a tag."""
    if pr is None:
        return {}
    out: dict[str, str | None] = {}
    for child in pr:
        t = child.tag
        if t in tags:
            out[t] = child.get(VAL)
    return out


def _as_int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
