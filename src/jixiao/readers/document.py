"""The Document model: ordered blocks (paragraphs and tables) with their positions.

Plain dataclasses rather than pydantic: a Document is built for every file and never serialised
in the output contract, so it stays cheap.

Positions. Every block and cell carries ``line``/``line_end``: 1-based lines of the document's
*text view* (``Document.lines``). For a text file that is the file itself; for every other format
the reader builds the blocks and :func:`render_lines` writes them out in the flattened grammar
of the seeds (each cell a tab line, rows separated by a blank line), so excerpts and line
references work the same way for every format. The native position is kept beside it:

- .docx/.doc: ``Table.index`` is the block index in body order; ``Cell.row``/``col`` its place.
- .pdf: ``page`` (1-based) and ``bbox`` (x0, top, x1, bottom in PDF points) on cells,
  paragraphs and tables; ``confidence`` (0–1) on OCR'd text.
- .xlsx/.xls: ``Table.sheet`` and ``Cell.ref`` (A1 reference, e.g. ``B7``).
- .html: ``Table.index``/``Cell.row``/``col``.

Merged cells are spans, never duplicated text: a horizontal merge is one Cell with ``colspan``;
a vertical merge is the first Cell with ``rowspan`` and one empty placeholder Cell with
``covered=True`` in each row below it, so every row lists its cells left to right exactly as
the flattened text of the seeds does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """A file could not be read. The message names the file and the reason (in Chinese)."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


BBox = tuple[float, float, float, float]


def _clean_text(text: str) -> str:
    return "".join(text.split())  # str.split() splits on U+3000 (ideographic space) too


@dataclass(slots=True, init=False, repr=False)
class Cell:
    """One table cell. ``text`` is its text; ``clean`` the text with line breaks and
    ideographic/normal spaces removed (for label matching), a plain attribute kept in step with
    ``text`` by the ``text`` setter (the extractors read it thousands of times per report)."""

    _text: str
    row: int
    col: int
    line: int = 0  # first line of the cell in the text view
    line_end: int = 0  # last line of the cell in the text view
    rowspan: int = 1
    colspan: int = 1
    multiline: bool = False  # the cell spanned more than one source line
    covered: bool = False  # placeholder under a vertically merged cell (text is empty)
    page: int | None = None  # PDF page, 1-based
    bbox: BBox | None = None  # PDF box (x0, top, x1, bottom), points
    ref: str | None = None  # spreadsheet A1 reference
    confidence: float | None = None  # OCR confidence 0–1
    clean: str = field(default="", compare=False)  # text without line breaks and spaces

    def __init__(self, text: str, row: int, col: int, line: int = 0, line_end: int = 0, rowspan: int = 1,
                 colspan: int = 1, multiline: bool = False, covered: bool = False, page: int | None = None,
                 bbox: BBox | None = None, ref: str | None = None, confidence: float | None = None):
        self._text = text  # what the ``text`` setter does, without the property call
        self.clean = _clean_text(text) if text else ""
        self.row = row
        self.col = col
        self.line = line
        self.line_end = line_end
        self.rowspan = rowspan
        self.colspan = colspan
        self.multiline = multiline
        self.covered = covered
        self.page = page
        self.bbox = bbox
        self.ref = ref
        self.confidence = confidence

    @property
    def text(self) -> str:
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value
        self.clean = _clean_text(value) if value else ""

    def respace(self, text: str) -> None:
        """Set ``text`` to a text differing from it only in whitespace (``clean`` is unchanged)."""
        self._text = text

    def __repr__(self) -> str:
        return (f"Cell(text={self._text!r}, row={self.row!r}, col={self.col!r}, line={self.line!r}, "
                f"line_end={self.line_end!r}, rowspan={self.rowspan!r}, colspan={self.colspan!r}, "
                f"multiline={self.multiline!r}, covered={self.covered!r}, page={self.page!r}, bbox={self.bbox!r}, "
                f"ref={self.ref!r}, confidence={self.confidence!r})")


@dataclass(slots=True)
class Paragraph:
    index: int
    text: str
    line: int = 0
    line_end: int = 0
    page: int | None = None
    bbox: BBox | None = None
    confidence: float | None = None

    kind = "paragraph"


@dataclass(slots=True)
class Table:
    index: int
    rows: list[list[Cell]]
    line: int = 0
    line_end: int = 0
    page: int | None = None  # first page (PDF); a table joined across pages keeps its first
    sheet: str | None = None  # worksheet name (Excel)
    parent: tuple[int, int, int] | None = None  # (block, row, col) of the cell a nested table sits in

    kind = "table"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cells(self):
        for r in self.rows:
            yield from r

    def text(self) -> str:
        return "\n".join(" | ".join(c.clean for c in r) for r in self.rows)


Block = Paragraph | Table


@dataclass(slots=True)
class ReadNote:
    """Something a reader noticed and the reviewer should know (a garbled PDF page, low OCR
    confidence, a text box moved out of line). Becomes a JX9xx finding."""

    code: str  # e.g. "garbled_page", "ocr_low_confidence", "ocr_unavailable"
    message: str  # Chinese, names where
    page: int | None = None
    line: int | None = None
    confidence: float | None = None


@dataclass(slots=True)
class Document:
    path: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str = "utf-8"
    lines: list[str] = field(default_factory=list)  # the text view, for excerpts
    format: str = "text"  # text, docx, doc, pdf, xlsx, xls, html, image
    notes: list[ReadNote] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def subset(self, keep: set[int], unplaced_notes: bool = True) -> Document:
        """A view holding only the blocks whose ``index`` is in ``keep`` (in document order).

        The blocks are the same objects (indexes, lines, cells unchanged) and ``lines`` is the
        whole file's text view, so every position read through the view is a position in the
        original. Reader notes are kept when their line falls in a kept block, and notes with no
        line when ``unplaced_notes``. Used to extract a department report without its attached
        项目支出绩效自评表, and each project table on its own."""
        blocks = [b for b in self.blocks if b.index in keep]
        spans = [(b.line, b.line_end) for b in blocks]
        notes = [n for n in self.notes
                 if (n.line is None and unplaced_notes) or (n.line is not None and any(a <= n.line <= z for a, z in spans))]
        return Document(path=self.path, blocks=blocks, encoding=self.encoding, lines=self.lines,
                        format=self.format, notes=notes)

    def excerpt(self, line: int, before: int = 2, after: int = 2) -> list[tuple[int, str]]:
        """Source lines around ``line`` (1-based) as (number, text) pairs."""
        lo = max(1, line - before)
        hi = min(len(self.lines), line + after)
        return [(n, self.lines[n - 1]) for n in range(lo, hi + 1)]


def cap_table(table: Table) -> ReadNote | None:
    """Cut ``table`` to :data:`~jixiao.readers.limits.MAX_TABLE_ROWS` rows of at most
    :data:`~jixiao.readers.limits.MAX_ROW_CELLS` cells (a vertical merge reaching past the last
    row kept ends there); a ``table_capped`` note (JX909) saying what was cut, with the table's
    ``line`` (None until :func:`render_lines` has placed it), or None when it fits. Every reader's tables go
    through it (:func:`render_lines`, :func:`jixiao.readers.text.parse_text`). The note gives no
    totals: a reader may stop one row or cell past a cap (the .docx walker does), so the table's
    size beyond it is not known here."""
    from .limits import MAX_ROW_CELLS, MAX_TABLE_ROWS

    rows = table.rows
    wide = sum(1 for r in rows if len(r) > MAX_ROW_CELLS)
    if len(rows) <= MAX_TABLE_ROWS and not wide:
        return None
    cut: list[str] = []
    if len(rows) > MAX_TABLE_ROWS:
        cut.append(f"超过每张表 {MAX_TABLE_ROWS} 行的上限，第 {MAX_TABLE_ROWS + 1} 行起未读取")
        del rows[MAX_TABLE_ROWS:]
        for r, row in enumerate(rows):
            for cell in row:
                cell.rowspan = min(cell.rowspan, len(rows) - r)
    if wide:
        first = next(r for r, row in enumerate(rows) if len(row) > MAX_ROW_CELLS)
        cut.append(f"有 {wide} 行超过每行 {MAX_ROW_CELLS} 个单元格的上限（第 {first + 1} 行起），"
                   f"每行只读取前 {MAX_ROW_CELLS} 个")
        for row in rows:
            del row[MAX_ROW_CELLS:]
    where = f"工作表“{table.sheet}”中的表格" if table.sheet else "表格"
    return ReadNote("table_capped", f"{where}{'；'.join(cut)}", page=table.page, line=table.line or None)


def _text_lines(text: str) -> list[str]:
    """A cell's or paragraph's text as view lines: tabs become spaces (a leading tab would read as
    a new cell), runs of blank lines become one."""
    if "\n" not in text and "\t" not in text and "\r" not in text:  # one line (most cells)
        ln = text.rstrip()
        return [ln] if ln else []
    out: list[str] = []
    for ln in text.replace("\t", " ").replace("\r", "").split("\n"):
        ln = ln.rstrip()
        if not ln.strip() and (not out or not out[-1].strip()):
            continue
        out.append(ln)
    while out and not out[-1].strip():
        out.pop()
    return out


def render_lines(doc: Document) -> Document:
    """Write ``doc.blocks`` out as the text view in the flattened grammar and set every block's
    and cell's ``line``/``line_end`` to it. Returns ``doc`` (``doc.lines`` replaced).

    Blocks are renumbered in order (``index``), empty paragraphs dropped. The view parses back
    with :func:`jixiao.readers.text.parse_text` to the same cells."""
    lines: list[str] = []
    kept: list[Block] = []
    renumbered: dict[int, int] = {}
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            body = _text_lines(block.text)
            if not body:
                continue
            if lines and lines[-1] != "":
                lines.append("")
            block.line = len(lines) + 1
            lines.extend(s.lstrip() for s in body)
            block.line_end = len(lines)
            block.text = "\n".join(s.strip() for s in body)
        else:
            capped = cap_table(block)
            if not block.rows:
                continue
            if lines and lines[-1] != "":
                lines.append("")
            block.line = len(lines) + 1
            if capped is not None:
                capped.line = block.line
                doc.notes.append(capped)
            for r, row in enumerate(block.rows):
                if r:
                    lines.append("")
                for c, cell in enumerate(row):
                    cell.row, cell.col = r, c
                    text = cell.text
                    if "\n" not in text and "\t" not in text and "\r" not in text:  # one line: _text_lines inline
                        one = text.rstrip()
                        cell.line = len(lines) + 1
                        lines.append("\t" + one.lstrip())
                        cell.line_end = cell.line
                        cell.multiline = False
                        cell.respace(one.strip() if one else "")
                        continue
                    body = _text_lines(text) or [""]
                    cell.line = len(lines) + 1
                    lines.append("\t" + body[0].lstrip())
                    lines.extend(s.lstrip() or "" for s in body[1:])
                    cell.line_end = len(lines)
                    cell.multiline = len(body) > 1
                    # only whitespace changes: the cell's clean text stays what it was
                    cell.respace(("\n".join(s.strip() for s in body) if len(body) > 1 else body[0].strip())
                                 if body != [""] else "")
            block.line_end = len(lines)
            lines.extend(["", ""])
        renumbered[block.index] = len(kept)
        block.index = len(kept)
        kept.append(block)
    for block in kept:
        if isinstance(block, Table) and block.parent is not None:
            b, r, c = block.parent
            block.parent = (renumbered.get(b, b), r, c)
    while lines and lines[-1] == "":
        lines.pop()
    doc.blocks = kept
    doc.lines = lines
    return doc
