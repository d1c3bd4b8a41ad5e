"""Page geometry → blocks, shared by the PDF text layer (:mod:`.pdf`) and OCR (:mod:`.ocr`).

Input per page: positioned text items (glyphs, or characters recognised by OCR) and the boxes of
table cells. Output: the Document's paragraphs and tables, with merged cells as spans (see
:mod:`.pdf` for the rules: grid from the cell boxes, tables and rows joined across pages,
wrapped lines rejoined, low OCR confidence noted).
"""

from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass, field

from .document import BBox, Cell, Paragraph, ReadNote, Table

LOW_CONFIDENCE = 0.8
GRID_TOL = 2.0  # points: box edges closer than this are one grid line
COLUMN_MATCH_TOL = 3.0  # points: column boundaries of the two parts of a table split by a page
PAGE_NUMBER = re.compile(
    r"^[-－—–_\s]*(?:第\s*)?[0-9０-９]{1,4}\s*(?:页)?\s*(?:[/／]\s*(?:共\s*)?[0-9]{1,4}\s*页?|共\s*[0-9]{1,4}\s*页)?[-－—–_\s]*$"
)
# a line that starts a heading or a numbered item (never the continuation of a wrapped line)
ITEM_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[（(]\s*[一二三四五六七八九十百\d]+\s*[）)]"
    r"|\d{1,2}\s*[、.．](?!\d)|\d{1,2}\s*[）)]|第[一二三四五六七八九十百\d]+[章节条部分]"
    r"|[①②③④⑤⑥⑦⑧⑨⑩]|[●■◆▲★•·]|附件|附表)"
)
# what a line break cannot split, at the start of a line: a character with the closing
# punctuation after it (、，。 cannot start a line), opening punctuation with what follows it
# (“ （ cannot end a line), a number or Latin word
LEAD_UNIT = re.compile(r"^(?:.[、，。；：！？）》」’”%．]+|[^\sA-Za-z0-9]?[“‘（(《「【〔]+[A-Za-z0-9.,%+\-/]*"
                       r"|[A-Za-z0-9.,%+\-/()]+[、，。；：！？）》」’”]*)")


def _lead_width(text: str, size: float) -> float:
    """The width of the unit that starts ``text`` (see LEAD_UNIT): the previous line ended
    short of the right edge by about this much when the unit did not fit after it."""
    m = LEAD_UNIT.match(text)
    unit = m.group() if m else text[:1]
    return size * sum(0.6 if ch.isascii() else 1.0 for ch in unit)


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x3000 <= o <= 0x303F or 0x20000 <= o <= 0x3FFFF)


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "%.,)-")


# --------------------------------------------------------------------------------------------
# layout primitives shared with the OCR reader


@dataclass(slots=True)
class Text:
    """Text in a box on a page: (x0, top, x1, bottom) in points, font ``size``, OCR ``conf``."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    conf: float | None = None


@dataclass(slots=True)
class Item(Text):
    """A glyph of the text layer, or a character recognised by OCR."""

    group: int | None = None  # OCR: the recognised text line the character came from

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Line(Text):
    """A line of text made of items."""

    end: float = 0.0  # right end including trailing spaces (a line wrapped after its spaces)
    weak: str = ""  # OCR: the text around the least confident character


def _wrapped(prev: Line, nxt: Line, left: float, right: float) -> bool:
    """In a box from ``left`` to ``right``: ``prev`` spans the width (within the padding, about a
    character, and the width of what starts ``nxt`` and did not fit), so it was wrapped and
    ``nxt`` goes on with it, unless ``nxt`` starts a numbered item."""
    size = max(prev.size, 1.0)
    slack = 1.2 * size + 6 + _lead_width(nxt.text, size)
    return (right - max(prev.x1, prev.end) <= slack and prev.x0 - left <= 2.2 * size + 6
            and not ITEM_START.match(nxt.text))


@dataclass(slots=True)
class RawCell:
    box: BBox
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The lines of the cell; a line that fills the cell's width runs on into the next
        (wrapped by the cell, joined like a paragraph), any other line ends a paragraph of the
        cell (``\\n``)."""
        if not self.lines:
            return ""
        out = self.lines[0].text
        for prev, nxt in zip(self.lines, self.lines[1:]):
            if _wrapped(prev, nxt, self.box[0], self.box[2]):
                out = _join(out, nxt.text)
            else:
                out += "\n" + nxt.text
        return out

    @property
    def conf(self) -> float | None:
        confs = [ln.conf for ln in self.lines if ln.conf is not None]
        return min(confs) if confs else None

    @property
    def weak(self) -> str:
        scored = [ln for ln in self.lines if ln.conf is not None]
        return min(scored, key=lambda ln: ln.conf).weak if scored else ""


@dataclass(slots=True)
class RawTable:
    """One page's part of a table: the cell boxes, their text, the grid lines."""

    page: int
    cells: list[RawCell]
    xs: list[float]
    ys: list[float]

    @property
    def top(self) -> float:
        return self.ys[0]

    @property
    def bbox(self) -> BBox:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])


@dataclass(slots=True)
class PageLayout:
    number: int
    width: float
    height: float
    entries: list  # Line | RawTable, in reading order


def cluster(values: list[float], tol: float = GRID_TOL) -> list[float]:
    """Sorted distinct values, those within ``tol`` of the previous one merged (mean)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def nearest(points: list[float], v: float) -> int:
    i = bisect.bisect_left(points, v)
    if i == 0:
        return 0
    if i == len(points):
        return len(points) - 1
    return i if points[i] - v < v - points[i - 1] else i - 1


def group_lines(items: list[Item]) -> list[Line]:
    """Items into text lines: sorted by their vertical middle, an item joins the current line
    when it overlaps the line's band by half its height; each line is read left to right."""
    lines: list[list[Item]] = []
    band: list[float] = []
    for it in sorted(items, key=lambda i: (i.cy, i.x0)):
        if lines:
            top, bottom = band
            overlap = min(bottom, it.bottom) - max(top, it.top)
            if overlap >= 0.5 * min(it.bottom - it.top, bottom - top) and overlap > 0:
                lines[-1].append(it)
                band[0], band[1] = min(top, it.top), max(bottom, it.bottom)
                continue
        lines.append([it])
        band = [it.top, it.bottom]
    return [ln for ln in (make_line(g) for g in lines) if ln is not None]


def make_line(items: list[Item]) -> Line | None:
    items = sorted(items, key=lambda i: i.x0)
    parts: list[str] = []
    kept: list[Item] = []
    prev: Item | None = None
    for it in items:
        if prev is not None:
            size = max(prev.size, it.size, 1.0)
            if it.text == prev.text and abs(it.x0 - prev.x0) < 0.3 * size and abs(it.top - prev.top) < 0.3 * size:
                continue  # a glyph drawn twice (fake bold)
            gap = it.x0 - prev.x1
            a, b = parts[-1][-1:] if parts else "", it.text[:1]
            same_run = it.group is not None and it.group == prev.group  # the recogniser said where spaces are
            wide = gap > 1.5 * size or (gap > 0.25 * size and not is_cjk(a) and not is_cjk(b))
            if a and b and not a.isspace() and not b.isspace() and not same_run and wide:
                parts.append(" ")
        parts.append(it.text)
        kept.append(it)
        prev = it
    text = "".join(parts).strip()
    if not text:
        return None
    visible = [i for i in kept if i.text.strip()]
    confs = [i.conf for i in visible if i.conf is not None]
    weak = ""
    if confs:
        k = min(range(len(kept)), key=lambda j: 2.0 if kept[j].conf is None else kept[j].conf)
        weak = "".join(i.text for i in kept[max(0, k - 6):k + 7]).strip()
    sizes = sorted(i.size for i in visible)
    return Line(
        text=text,
        x0=min(i.x0 for i in visible),
        top=min(i.top for i in visible),
        x1=max(i.x1 for i in visible),
        bottom=max(i.bottom for i in visible),
        size=sizes[len(sizes) // 2],
        conf=min(confs) if confs else None,
        end=max(i.x1 for i in kept),
        weak=weak,
    )


class Grid:
    """The cell boxes of one table on one page, with a lookup from a point to its cell."""

    def __init__(self, boxes: list[BBox]):
        self.boxes = boxes
        self.xs = cluster([b[0] for b in boxes] + [b[2] for b in boxes])
        self.ys = cluster([b[1] for b in boxes] + [b[3] for b in boxes])
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        self.slots: list[list[int | None]] = [[None] * nc for _ in range(nr)]
        for k, (x0, top, x1, bottom) in enumerate(boxes):
            c0, c1 = nearest(self.xs, x0), nearest(self.xs, x1)
            r0, r1 = nearest(self.ys, top), nearest(self.ys, bottom)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    if self.slots[r][c] is None:
                        self.slots[r][c] = k

    def find(self, x: float, y: float) -> int | None:
        c = bisect.bisect_right(self.xs, x) - 1
        r = bisect.bisect_right(self.ys, y) - 1
        if 0 <= r < len(self.slots) and 0 <= c < len(self.slots[r]):
            return self.slots[r][c]
        return None

    @property
    def area(self) -> float:
        return (self.xs[-1] - self.xs[0]) * (self.ys[-1] - self.ys[0])


def layout_page(number: int, width: float, height: float, items: list[Item],
                tables: list[list[BBox]]) -> PageLayout:
    """Put the items of one page into the table cells (``tables``: the cell boxes of each
    table) and the rest into text lines; order everything top to bottom."""
    grids = sorted((Grid(boxes) for boxes in tables if boxes), key=lambda g: g.area)
    cell_items: list[list[list[Item]]] = [[[] for _ in g.boxes] for g in grids]
    free: list[Item] = []
    for it in items:
        cx, cy = it.cx, it.cy
        for gi, g in enumerate(grids):  # smallest first: a nested table takes its own text
            if g.xs[0] <= cx <= g.xs[-1] and g.ys[0] <= cy <= g.ys[-1]:
                k = g.find(cx, cy)
                if k is not None:
                    cell_items[gi][k].append(it)
                    break
        else:
            free.append(it)
    entries: list = []
    for g, per_cell in zip(grids, cell_items):
        cells = [RawCell(box, group_lines(its)) for box, its in zip(g.boxes, per_cell)]
        entries.append(RawTable(number, cells, g.xs, g.ys))
    lines = group_lines(free)
    # drop page headers/footers that are only a page number
    body = [ln for ln in lines if not (PAGE_NUMBER.match(ln.text)
                                       and (ln.bottom < 0.12 * height or ln.top > 0.85 * height))]
    entries.extend(body)
    entries.sort(key=lambda e: (e.top, e.x0 if isinstance(e, Line) else e.xs[0]))
    return PageLayout(number, width, height, entries)


# --------------------------------------------------------------------------------------------
# tables: page parts -> one Table with spans


def _same_columns(a: RawTable, b: RawTable) -> bool:
    """The column boundaries of ``b`` match those of ``a``: same outer edges, and every inner
    boundary of the part with fewer of them is one of the other's."""
    if abs(a.xs[0] - b.xs[0]) > COLUMN_MATCH_TOL or abs(a.xs[-1] - b.xs[-1]) > COLUMN_MATCH_TOL:
        return False
    few, many = (a.xs, b.xs) if len(a.xs) <= len(b.xs) else (b.xs, a.xs)
    return all(abs(many[nearest(many, x)] - x) <= COLUMN_MATCH_TOL for x in few)


def _rows_of(part: RawTable, xs: list[float]) -> list[list[tuple[RawCell, int, int, int, int, bool]]]:
    """Rows of one part as (cell, c0, c1, r0, r1, placeholder) in grid units: each box in the
    row band where it starts, and a placeholder for it in each band below that it covers."""
    placed = []
    for cell in part.cells:
        x0, top, x1, bottom = cell.box
        c0, c1 = nearest(xs, x0), nearest(xs, x1)
        r0, r1 = nearest(part.ys, top), nearest(part.ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        placed.append((cell, c0, c1, r0, r1))
    rows = []
    for r in range(len(part.ys) - 1):
        row = [(cell, c0, c1, r0, r1, r0 < r) for cell, c0, c1, r0, r1 in placed if r0 <= r < r1]
        if not any(not ph for *_, ph in row):
            continue  # a band only covered from above (cannot happen in a grid of boxes)
        row.sort(key=lambda t: t[1])
        rows.append(row)
    return rows


def _header_repeat(first: RawTable, part: RawTable) -> int:
    """How many leading rows of ``part`` repeat the leading rows of the table's first part."""
    xs = cluster(first.xs + part.xs, COLUMN_MATCH_TOL)
    a, b = _rows_of(first, xs), _rows_of(part, xs)

    def key(row):
        return tuple((c0, c1, None if ph else "".join(cell.text.split())) for cell, c0, c1, _, _, ph in row)

    n = 0
    while n < min(3, len(a) - 1, len(b)) and key(a[n]) == key(b[n]) and any(
            not ph and cell.text.strip() for cell, *_, ph in b[n]):
        n += 1
    return n


def _full_line(raw: RawCell) -> bool:
    """The cell's last line fills the box's width and sits at its bottom: the text ran on."""
    if not raw.lines:
        return False
    last = raw.lines[-1]
    slack = 2.2 * last.size + 6  # padding, plus a character or two that did not fit
    x0, _, x1, bottom = raw.box
    return x1 - last.x1 <= slack and last.x0 - x0 <= slack and bottom - last.bottom <= 1.2 * last.size + 4


def _split_row(row, above: list[tuple[int, int, Cell, RawCell | None]]) -> bool:
    """The first row of a page part is the rest of the row above it (the row was split by the
    page break): same cell boxes, the cells with text here all had text above, and each of them
    ended above with a full line at the bottom of its box (its text ran on). A new row has its
    own short label, value and score cells; a split that fell between two paragraphs of a cell
    is not recognised and stays two rows."""
    if [(c0, c1) for _, c0, c1, *_ in row] != [(c0, c1) for c0, c1, _, _ in above]:
        return False
    filled_above = {(c0, c1): raw for c0, c1, cell, raw in above if raw is not None and cell.text.strip()}
    filled_here = {(c0, c1) for raw, c0, c1, r0, r1, ph in row if not ph and raw.text.strip()}
    if not filled_here or not filled_here <= filled_above.keys():
        return False
    return all(_full_line(filled_above[k]) for k in filled_here)


def build_table(parts: list[RawTable], skip: list[int], index: int, weak: dict[int, str] | None = None) -> Table:
    """One Table from the page parts of a table (``skip[i]``: repeated header rows of part i).

    Over a page break: a cell whose box reaches the bottom of its part goes on as covered
    placeholders when the next part's first row has an empty box at the same columns and
    either the cell already spans several rows or that empty box does (a vertical merge over
    the break); a single empty box under a single-row cell stays an empty cell (nothing shows a
    merge). A first row that is the rest of a row split by the break (:func:`_split_row`) is
    appended to the row above, cell by cell; any other row split by the break stays two rows."""
    xs = cluster([x for p in parts for x in p.xs], COLUMN_MATCH_TOL)
    rows: list[list[Cell]] = []
    above: list[tuple[int, int, Cell, RawCell | None]] = []  # last row: (c0, c1, owner, its box or None)
    carried: dict[tuple[int, int], Cell] = {}
    for pi, part in enumerate(parts):
        bottom = len(part.ys) - 1
        reaching: dict[tuple[int, int], Cell] = {}
        made: dict[int, Cell] = {}
        for ri, row in enumerate(_rows_of(part, xs)[skip[pi]:]):
            # a box alone on both pages is one cell going on (a 1×1 table over the break)
            lone = pi > 0 and len(parts[pi - 1].cells) == 1 and len(part.cells) == 1
            if ri == 0 and pi > 0 and (lone or _split_row(row, above)):
                owners = {(c0, c1): cell for c0, c1, cell, _ in above}
                carried_raw = {(c0, c1): raw for c0, c1, _, raw in above if raw is not None}
                for raw, c0, c1, r0, r1, ph in row:
                    owner = owners[(c0, c1)]
                    made[id(raw)] = owner
                    text = raw.text.strip()
                    if text and owner.text.strip():
                        run_on = (not ITEM_START.match(text) and (c0, c1) in carried_raw
                                  and _full_line(carried_raw[(c0, c1)]))
                        owner.text = _join(owner.text, text) if run_on else f"{owner.text}\n{text}"
                    elif text:
                        owner.text = text
                    owner.rowspan += r1 - r0 - 1
                    if r1 == bottom:
                        reaching[(c0, c1)] = owner
                continue
            out: list[Cell] = []
            keys: list[tuple[int, int, Cell, RawCell | None]] = []
            for raw, c0, c1, r0, r1, ph in row:
                if ph:
                    owner = made[id(raw)]
                    out.append(Cell("", 0, 0, covered=True, page=part.page,
                                    bbox=(round(xs[c0], 2), round(part.ys[r0], 2), round(xs[c1], 2),
                                          round(part.ys[r0 + 1], 2))))
                    keys.append((c0, c1, owner, None))
                    continue
                owner = carried.get((c0, c1)) if ri == 0 else None
                box = tuple(round(v, 2) for v in raw.box)
                if (owner is not None and not raw.text.strip()
                        and (owner.rowspan > 1 or (r1 - r0 > 1 and owner.text.strip()))):
                    owner.rowspan += r1 - r0
                    out.append(Cell("", 0, 0, covered=True, page=part.page,
                                    bbox=(box[0], box[1], box[2], round(part.ys[r0 + 1], 2))))
                    cell = owner
                    keys.append((c0, c1, owner, None))
                else:
                    cell = Cell(raw.text, 0, 0, rowspan=r1 - r0, colspan=c1 - c0, page=part.page,
                                bbox=box, confidence=raw.conf)
                    if weak is not None and raw.conf is not None:
                        weak[id(cell)] = raw.weak
                    out.append(cell)
                    keys.append((c0, c1, cell, raw))
                made[id(raw)] = cell
                if r1 == bottom:
                    reaching[(c0, c1)] = cell
            rows.append(out)
            above = keys
        carried = reaching
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            cell.row, cell.col = r, c
    return Table(index, rows, page=parts[0].page)


# --------------------------------------------------------------------------------------------
# paragraphs and the page sequence -> blocks


@dataclass(slots=True)
class _Margins:
    left: float
    right: float


def _margins(pages: list[PageLayout]) -> _Margins | None:
    """The text area's left and right edge, from the lines outside tables of all pages: the
    most common left edge, and the rightmost right edge that several lines reach."""
    lines = [e for p in pages for e in p.entries if isinstance(e, Line)]
    if not lines:
        return None
    left = min(statistics.multimode(round(ln.x0) for ln in lines))
    rights = sorted((max(ln.x1, ln.end) for ln in lines), reverse=True)
    need = 2 if len(rights) < 40 else len(rights) // 20
    right = next((v for v in rights if sum(1 for x in rights if abs(x - v) <= 3.0) >= need), rights[0])
    width = max(p.width for p in pages)
    if right - left < 0.4 * width:
        right = float("inf")  # no full lines: never join
    return _Margins(left, right)


def _continues(prev: Line, nxt: Line, m: _Margins, page_break: bool) -> bool:
    """``nxt`` is the next line of the paragraph that ``prev`` ends (prev was wrapped).

    prev must reach the right edge of the text area (its trailing spaces count) within about a
    character plus the width of what starts ``nxt`` and could not be split from it (it did not
    fit). An indented line, a heading or numbered item, or another font size starts anew. In a
    document whose paragraphs are not indented, a paragraph whose last line happens to fill the
    width runs on into the next: the PDF does not tell them apart."""
    size = max(prev.size, 1.0)
    slack = 1.2 * size + _lead_width(nxt.text, size)
    if max(prev.x1, prev.end) < m.right - slack:
        return False  # prev stops short of the right edge: the paragraph ended there
    if nxt.x0 > m.left + 0.9 * nxt.size:
        return False  # indented: a new paragraph
    if ITEM_START.match(nxt.text) or PAGE_NUMBER.match(nxt.text):
        return False
    if abs(nxt.size - prev.size) > 0.2 * size:
        return False  # another font size: a heading, a caption
    # a wider gap than line spacing is paragraph spacing
    return page_break or nxt.top - prev.bottom <= 1.6 * size


def _join(a: str, b: str) -> str:
    if a and b and _is_word_char(a[-1]) and _is_word_char(b[0]) and a[-1].isalpha() and b[0].isalpha():
        return a + " " + b
    return a + b


def _union(a: BBox | None, b: Line) -> BBox:
    if a is None:
        return (round(b.x0, 2), round(b.top, 2), round(b.x1, 2), round(b.bottom, 2))
    return (min(a[0], round(b.x0, 2)), min(a[1], round(b.top, 2)), max(a[2], round(b.x1, 2)),
            max(a[3], round(b.bottom, 2)))


def assemble(pages: list[PageLayout], weak: dict[int, str] | None = None) -> list:
    """The blocks of the document from its pages: paragraphs rejoined, tables joined across
    page breaks. ``weak`` (OCR) receives, per id() of a paragraph or cell, the text around its
    least confident character."""
    margins = _margins(pages)
    blocks: list = []
    # state: the open paragraph or the open table
    para: Paragraph | None = None
    para_last: Line | None = None
    para_confs: list[tuple[float, str]] = []
    parts: list[RawTable] = []
    skips: list[int] = []
    last_kind: str | None = None  # what the previous entry (across pages) was
    last_page = 0
    last_height = 0.0

    def close_para() -> None:
        nonlocal para, para_last, para_confs
        if para is not None:
            if para_confs:
                para.confidence, text = min(para_confs)
                if weak is not None:
                    weak[id(para)] = text
            blocks.append(para)
        para, para_last, para_confs = None, None, []

    def close_table() -> None:
        nonlocal parts, skips
        if parts:
            blocks.append(build_table(parts, skips, len(blocks), weak))
        parts, skips = [], []

    for page in pages:
        for k, entry in enumerate(page.entries):
            first_on_page = k == 0
            if isinstance(entry, Line):
                close_table()
                page_break = first_on_page and last_page == page.number - 1 and last_kind == "line"
                if (para is not None and para_last is not None and margins is not None
                        and (page_break or not first_on_page)
                        and _continues(para_last, entry, margins, page_break)):
                    para.text = _join(para.text, entry.text)
                    if not page_break:
                        para.bbox = _union(para.bbox, entry)
                else:
                    close_para()
                    para = Paragraph(len(blocks), entry.text, page=page.number, bbox=_union(None, entry))
                para_last = entry
                if entry.conf is not None:
                    para_confs.append((entry.conf, entry.weak))
                last_kind = "line"
            else:
                close_para()
                prev = parts[-1] if parts else None
                join = 0
                if (prev is not None and first_on_page and last_kind == "table"
                        and prev.page == page.number - 1):
                    repeat = _header_repeat(parts[0], entry)
                    # without a repeated header, the columns must match and the part before
                    # must have run down the page (not a table that simply ended there)
                    if repeat or (_same_columns(prev, entry) and prev.ys[-1] > 0.7 * last_height):
                        join = 1
                        parts.append(entry)
                        skips.append(repeat)
                if not join:
                    close_table()
                    parts, skips = [entry], [0]
                last_kind = "table"
            last_page = page.number
        last_height = page.height
        if not page.entries:
            last_kind = None  # a blank page breaks both paragraphs and tables
            last_page = page.number
    close_para()
    close_table()
    for i, b in enumerate(blocks):
        b.index = i
    return blocks


def low_confidence_notes(blocks: list, weak: dict[int, str] | None = None,
                         threshold: float = LOW_CONFIDENCE) -> list[ReadNote]:
    """One note per paragraph or cell whose OCR confidence is below ``threshold``, quoting the
    text around its least confident character (from :func:`assemble`'s ``weak``)."""
    weak = weak or {}
    notes: list[ReadNote] = []
    for b in blocks:
        targets = [(b, f"第{b.page}页")] if isinstance(b, Paragraph) else [
            (c, f"第{c.page}页表格第{c.row + 1}行第{c.col + 1}格") for c in b.cells()]
        for item, where in targets:
            conf = item.confidence
            if conf is None or conf >= threshold:
                continue
            quote = weak.get(id(item)) or "".join(item.text.split())[:20]
            notes.append(ReadNote("ocr_low_confidence",
                                  f"{where} OCR 识别置信度低（{conf:.2f}）：“{quote}”，请核对原件",
                                  page=item.page, line=item.line or None, confidence=round(conf, 3)))
    return notes
