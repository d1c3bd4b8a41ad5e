"""Reader for PDF reports: the text layer with pdfplumber, scanned pages through :mod:`.ocr`;
the geometry (boxes and glyphs → paragraphs and tables) is :mod:`.layout`, shared with OCR.

What comes out is the Document the .docx reader gives for the same report:

- Tables come from the ruling lines (``TableFinder``, lines strategy; filled background boxes
  are left out so shading does not make tables). The cell boxes give the grid: column
  boundaries are the distinct x of all box edges, row bands the distinct y. A box over k
  columns is one Cell with ``colspan=k``; a box over k row bands is one Cell with ``rowspan=k``
  in its first row plus an empty ``covered`` placeholder in each row below it, at the same
  left-to-right place — what a docx ``gridSpan``/``vMerge`` gives. A lone bordered box is a
  1×1 table, as in Word.
- Text is taken from the page's characters once (``page.chars``) and each glyph is put in the
  cell whose box holds its centre (a grid lookup, no cropping per cell). Chinese is joined
  without spaces, spaces in the text are kept, a wide gap between Latin letters or digits
  becomes one space, a glyph drawn twice (fake bold) is read once. Within a cell, a line that
  fills the cell's width runs on into the next (wrapped); any other line break is kept as
  ``\n`` (a paragraph of the cell). A short paragraph that happens to fill a narrow cell is
  therefore joined to the next one: the PDF does not tell them apart.
- Text outside tables becomes paragraphs in reading order, tables in between at their place.
  A line that reaches the right edge of the text area (within about a character, plus the width
  of what starts the next line and could not be split from it) runs on into the next line,
  also across a page break, unless the next line is indented (a new Chinese paragraph), starts
  like a heading or numbered item, or has another font size. Page headers/footers that are
  only a page number are dropped, and so are running headers/footers (the same line at the top
  or bottom of at least three pages and half of them).
- A table that ends one page and starts the next (nothing else between) is one Table when the
  new page repeats the header row (the repeat is dropped), or when the column boundaries match
  and the first part ran down its page. A vertically merged cell that goes on over the break
  continues as covered placeholders when its part on the new page is empty. A row split by the
  break is rejoined cell by cell when its part on the new page only continues cells whose text
  ran to the bottom of the first part with a full line; otherwise (a split between two
  paragraphs of a cell, say) it stays two rows: both have a ruling line at the break.
- A page whose text layer is empty (a scan: an image over the page and no more than a line or
  two of text) or garbled ((cid:NN) glyphs, private-use or replacement characters, Latin-1
  mojibake) is recognised with OCR when the ``ocr`` extra is installed (note ``ocr_page``);
  otherwise a note ``no_text_layer``/``garbled_page`` names the page, and a PDF with no usable
  page at all is a :class:`ReadError`. A scan that carries a text layer (a "searchable" PDF)
  keeps its text, and its table grid is found in the page image when the extra is installed.

Positions: ``page`` is 1-based, ``bbox`` is (x0, top, x1, bottom) in PDF points from the
page's top-left corner (pdfplumber's coordinates). Confidence (OCR only) is the lowest
character confidence of the cell or paragraph; below 0.8 it is noted (``ocr_low_confidence``).
"""

from __future__ import annotations

import re
from pathlib import Path

from .document import BBox, Document, ReadError, ReadNote, render_lines
from .layout import Item, Line, PageLayout, is_cjk, assemble, layout_page, low_confidence_notes

MAX_PAGES = 500
MAX_PAGE_CONTENT = 1024 * 1024  # decompressed bytes of one page's content streams (a dense page: ~200 KB)
MAX_PAGE_CHARS = 30_000  # glyphs on one page (a dense A4 page of small CJK text: ~4,000)
INSTALL_HINT = "未安装 OCR 组件：pip install 'jixiao[ocr]'"
TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "edge_min_length": 3,
    "intersection_tolerance": 3,
}
CID = re.compile(r"^\(cid:\d+\)$")


# --------------------------------------------------------------------------------------------
# the text layer of one page


def _image_cover(page) -> float:
    """The share of the page covered by images (a scan is one image over the whole page)."""
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for im in page.images:
        w = max(0.0, min(float(im["x1"]), float(page.width)) - max(float(im["x0"]), 0.0))
        h = max(0.0, min(float(im["bottom"]), float(page.height)) - max(float(im["top"]), 0.0))
        covered += w * h
    return min(1.0, covered / area)


def _text_state(chars: list[dict], page) -> str:
    """``ok``; ``empty``: a scan (an image over the page and no text, or only a line or two of
    text stamped on it, such as a page number); ``blank``: no text and no image; ``garbled``:
    (cid:NN) glyphs, private-use or replacement characters, or Latin-1 mojibake."""
    visible = [c["text"] for c in chars if c["text"].strip()]
    if len(visible) < 40:
        cover = _image_cover(page) if page.images else 0.0
        if cover > 0.5 or (len(visible) < 3 and cover > 0.1):
            return "empty"
        if len(visible) < 3:
            return "blank"
    bad = 0
    latin1 = cjk = 0
    for t in visible:
        if CID.match(t) or any(0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd" for ch in t):
            bad += 1
        elif len(t) == 1:
            o = ord(t)
            if 0xC0 <= o <= 0xFF:
                latin1 += 1
            elif is_cjk(t):
                cjk += 1
    n = len(visible)
    if bad / n > 0.3:
        return "garbled"
    if latin1 / n > 0.3 and cjk / n < 0.05:
        return "garbled"  # GBK bytes shown as Latin-1: a font without a usable ToUnicode map
    return "ok"


def _page_items(chars: list[dict]) -> list[Item]:
    out = []
    for c in chars:
        t = c["text"]
        if not t or CID.match(t):
            continue
        top, bottom = float(c["top"]), float(c["bottom"])
        size = float(c.get("size") or 0) or (bottom - top)
        if not c.get("upright", True):
            # rotated glyph: its box is tall and narrow; treat its width as its size
            size = min(size, float(c["x1"] - c["x0"])) or size
        out.append(Item(t, float(c["x0"]), top, float(c["x1"]), bottom, size))
    return out


def _shading(obj) -> bool:
    """A filled, unstroked rectangle wider and taller than a rule: background shading, not a
    border (its edges would make a paragraph with a tinted background into a table)."""
    return (obj.get("object_type") == "rect" and bool(obj.get("fill")) and not obj.get("stroke")
            and obj["width"] > 2 and obj["height"] > 2)


def _find_tables(page) -> list[list[BBox]]:
    """The cell boxes of each table on the page. A lone bordered box (a 1×1 table in Word, or
    the part of one on this page) is a table too, unless it holds other boxes (a frame drawn
    around a table)."""
    from pdfplumber.table import TableFinder

    if any(_shading(r) for r in page.rects):
        page = page.filter(lambda obj: not _shading(obj))
    finder = TableFinder(page, TABLE_SETTINGS)
    tables: list[list[BBox]] = []
    taken: set[BBox] = set()
    for t in finder.tables:
        boxes = [tuple(float(v) for v in c) for c in t.cells if c is not None]
        if len(boxes) > 1:
            tables.append(boxes)
            taken.update(boxes)
    lone = [tuple(float(v) for v in c) for c in finder.cells if tuple(float(v) for v in c) not in taken]
    for box in lone:
        x0, top, x1, bottom = box
        if x1 - x0 < 20 or bottom - top < 8:
            continue
        inside = any(x0 - 1 <= b[0] and b[2] <= x1 + 1 and top - 1 <= b[1] and b[3] <= bottom + 1
                     for b in taken.union(lone) if b != box)
        if not inside:
            tables.append([box])
    return tables


# --------------------------------------------------------------------------------------------
# the reader


def _open_error(path: Path, exc: BaseException) -> ReadError:
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    name = type(inner).__name__
    if "Password" in name or "Encrypt" in name or "encrypt" in str(inner).lower():
        return ReadError(str(path), "PDF 已加密（需要密码才能打开），无法读取；请提供未加密的文件")
    detail = str(inner) or name
    return ReadError(str(path), f"文件已损坏：PDF 结构无法解析（{detail[:120]}）")


def _check_file(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 16384))
            tail = fh.read()
    except OSError as exc:
        raise ReadError(str(path), f"无法打开文件：{exc.strerror or exc}") from None
    if b"%PDF-" not in head:
        raise ReadError(str(path), "不是 PDF 文件（缺少 %PDF- 文件头）")
    if b"%%EOF" not in tail:
        raise ReadError(str(path), "PDF 文件不完整（缺少结尾标记 %%EOF），可能下载或拷贝不完整")


def read_pdf(path: Path) -> Document:
    """Read a PDF report into a Document (see the module doc). Raises ReadError naming the file
    for a file that is not a PDF, is truncated, corrupt or encrypted, has more than
    ``MAX_PAGES`` pages, or has no usable text and OCR is not installed."""
    import pdfplumber
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.utils.exceptions import PdfminerException

    path = Path(path)
    _check_file(path)
    doc = Document(path=str(path), format="pdf")
    try:
        pdf = pdfplumber.open(path)
    except PdfminerException as exc:
        raise _open_error(path, exc) from None
    except Exception as exc:  # pdfminer raises many types on hostile input
        raise _open_error(path, exc) from None
    try:
        try:
            for count, _ in enumerate(PDFPage.create_pages(pdf.doc), 1):
                if count > MAX_PAGES:
                    raise ReadError(str(path), f"PDF 超过 {MAX_PAGES} 页，不像一份绩效自评报告；未读取")
            pages = pdf.pages
        except ReadError:
            raise
        except Exception as exc:
            raise _open_error(path, exc) from None
        if not pages:
            raise ReadError(str(path), "PDF 没有页面")
        layouts: list[PageLayout | None] = []
        states: list[str] = []
        for page in pages:
            n = page.page_number
            try:
                over = _over_budget(page)
                chars = [] if over else page.chars
                if len(chars) > MAX_PAGE_CHARS:
                    over = f"有 {len(chars)} 个字符（上限 {MAX_PAGE_CHARS} 个），不像报告页面"
                if over:
                    state = "broken"
                    layouts.append(None)
                    doc.notes.append(ReadNote("content_truncated", f"第{n}页{over}，已跳过", page=n))
                    continue
                state = _text_state(chars, page)
                if state == "ok":
                    tables = _find_tables(page)
                    if not tables and page.images and _image_cover(page) > 0.5:
                        tables = _grids_from_image(path, n - 1)  # a scan with a text layer
                    layouts.append(layout_page(n, float(page.width), float(page.height), _page_items(chars), tables))
                else:
                    layouts.append(None)
            except ReadError:
                raise
            except Exception as exc:  # a broken content stream (RecursionError too): this page only
                state = "broken"
                layouts.append(None)
                doc.notes.append(ReadNote("garbled_page", f"第{n}页内容无法解析（{type(exc).__name__}），已跳过", page=n))
            finally:
                try:
                    page.close()  # drop the page's cached objects
                except Exception:
                    pass
            states.append(state)
    except BaseException:
        try:  # an error from close() must not replace the one that stopped the reading
            pdf.close()
        except Exception:
            pass
        raise
    else:
        try:
            pdf.close()
        except Exception as exc:  # everything was read; closing a broken file is no reason to refuse it
            doc.notes.append(ReadNote("garbled_page", f"PDF 关闭时出错（{type(exc).__name__}），已读内容不受影响"))

    need_ocr = [i for i, s in enumerate(states) if s in ("empty", "garbled")]
    ocr_ran = bool(need_ocr) and _ocr_pages(path, doc, layouts, states, need_ocr)
    usable = [lay for lay in layouts if lay is not None]
    if not any(lay.entries for lay in usable):
        if ocr_ran:
            raise ReadError(str(path), "PDF 是扫描件或文字层是乱码，OCR 也未识别出任何文字")
        if "garbled" in states:
            raise ReadError(str(path), f"PDF 的文字层是乱码（字体缺少 Unicode 映射），需要 OCR 识别；{INSTALL_HINT}")
        if "empty" in states:
            raise ReadError(str(path), f"PDF 是扫描件（无文字层），需要 OCR 识别；{INSTALL_HINT}")
        raise ReadError(str(path), "PDF 中没有任何文字")
    _drop_running_lines(usable)
    weak: dict[int, str] = {}
    doc.blocks = assemble(usable, weak)
    render_lines(doc)
    doc.notes.extend(low_confidence_notes(doc.blocks, weak))
    doc.notes.sort(key=lambda note: note.page or 0)
    return doc


def _over_budget(page) -> str:
    """Why the page's content streams are too large to parse (decompressed size measured with a
    bound, before pdfminer decodes them), or ``""``."""
    import zlib

    from pdfminer.pdftypes import resolve1

    contents = resolve1(page.page_obj.attrs.get("Contents"))
    streams = contents if isinstance(contents, list) else [contents]
    total = glyphs = 0
    for ref in streams[:1000]:
        st = resolve1(ref)
        raw = getattr(st, "rawdata", None)
        if raw is None:
            raw = getattr(st, "data", None) or b""
        filters = resolve1(st.attrs.get("Filter")) if hasattr(st, "attrs") else None
        names = [getattr(resolve1(f), "name", f) for f in (filters if isinstance(filters, list) else [filters])]
        if any(str(x) in ("FlateDecode", "Fl") for x in names):
            left = MAX_PAGE_CONTENT + 1 - total
            try:
                data = zlib.decompressobj().decompress(raw, max(1, left))
            except zlib.error:
                data = raw
        elif names == [None]:
            data = raw
        else:
            data = raw[:MAX_PAGE_CONTENT + 1]  # other filters: the raw size as a bound
        total += len(data)
        if total > MAX_PAGE_CONTENT:
            return f"内容流解压后超过 {MAX_PAGE_CONTENT // 1024} KB，不像报告页面"
        glyphs += sum(len(m) if m[:1] == b"(" else len(m) // 4 for m in _STRINGS.findall(data))
        if glyphs > MAX_PAGE_CHARS:
            return f"约有 {glyphs} 个字符（上限 {MAX_PAGE_CHARS} 个），不像报告页面"
    return ""


_STRINGS = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]+>")  # string operands: what glyphs are drawn from


def _drop_running_lines(pages: list[PageLayout]) -> None:
    """Drop running headers and footers: a line in the top or bottom 8% of the page whose text
    (digits aside) recurs there on at least three pages and half of them."""
    if len(pages) < 3:
        return

    def key(ln: Line) -> str:
        return re.sub(r"[0-9０-９]+", "#", "".join(ln.text.split()))

    def edge_lines(p: PageLayout) -> list[Line]:
        return [e for e in p.entries if isinstance(e, Line) and (e.bottom < 0.08 * p.height or e.top > 0.92 * p.height)]

    counts: dict[str, int] = {}
    for p in pages:
        for k in {key(ln) for ln in edge_lines(p)}:
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, n in counts.items() if n >= 3 and n >= len(pages) / 2}
    if running:
        for p in pages:
            drop = {id(ln) for ln in edge_lines(p) if key(ln) in running}
            p.entries = [e for e in p.entries if id(e) not in drop]


def _grids_from_image(path: Path, index: int) -> list[list[BBox]]:
    """For a scanned page that carries a text layer but no vector lines: the table grid found
    in the rendered image (needs the OCR extra's OpenCV; else no tables)."""
    from . import ocr

    if not ocr.available():
        return []
    try:
        return ocr.grids_of_pdf_page(path, index)
    except Exception:  # the grid is an improvement; the text layer is read without it
        return []


def _ocr_pages(path: Path, doc: Document, layouts: list, states: list[str], todo: list[int]) -> bool:
    """Recognise the pages ``todo`` (0-based) with OCR into ``layouts``; without the OCR extra,
    or when recognition fails, note each page instead. True when OCR ran."""
    from . import ocr

    def skipped(i: int, why: str) -> None:
        n = i + 1
        if states[i] == "empty":
            doc.notes.append(ReadNote("no_text_layer", f"第{n}页是扫描图像（无文字层），{why}", page=n))
        else:
            doc.notes.append(ReadNote("garbled_page", f"第{n}页文字层是乱码（字体缺少 Unicode 映射），{why}", page=n))

    if not ocr.available():
        for i in todo:
            skipped(i, f"未读取其内容；{INSTALL_HINT}")
        return False
    for i in todo:
        try:
            layouts[i] = ocr.ocr_pdf_page(path, i)
        except ReadError:
            raise
        except Exception as exc:  # the recogniser failed on this page; the rest goes on
            skipped(i, f"OCR 识别失败（{type(exc).__name__}），未读取其内容")
            continue
        why = "是扫描图像（无文字层）" if states[i] == "empty" else "文字层是乱码"
        doc.notes.append(ReadNote("ocr_page", f"第{i + 1}页{why}，已用 OCR 识别；数字请以原件核对", page=i + 1))
    return True
