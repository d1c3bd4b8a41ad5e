"""Reader for HTML reports: web pages (government sites), Word's "网页" export (.htm with mso
styles) and Word's single-file web archive (.mht, MIME multipart/related).

Decoding: a BOM wins; then the charset the page declares (``<meta charset>``, the http-equiv
content type, an XML declaration; for .mht the part's MIME charset); GB2312/GBK are read as
GB18030 (their superset). A declared charset that does not decode the bytes is ignored; then
UTF-8, then GB18030. Parsing: lxml.html with no network access; comments, processing
instructions and Word's conditional blocks (``<![if …]>``) are dropped.

Main text: script/style/nav/aside/form… elements, elements hidden with ``display:none``, and
elements whose id/class names navigation (nav, menu, breadcrumb, footer, sidebar…) are dropped,
unless one holds most of the page's text. If an ``article``/``main``/``#content``/
``.TRS_Editor``-like element holds most of the (non-link) text, only it is read.

Blocks in document order: each block element (``p``, ``div`` text run, ``h1``–``h6``, ``li``…) is
one Paragraph, ``<br>`` a line break inside it. Source line breaks collapse like a browser does,
except that a break between two CJK characters disappears (Word wraps long Chinese lines in its
HTML). ``<table>`` → Table: ``colspan`` → one Cell with ``colspan``; ``rowspan`` → the Cell with
``rowspan`` and an empty ``covered`` placeholder (with the same ``colspan``) at its position in
each row below. A table nested in a cell becomes its own Table right after its parent (after the
parent's other nested tables) with ``parent=(block, row, col)``; the parent cell's text leaves the
nested table out. Layout tables do not hide content: a one-column table (a single cell
included) that holds tables or headings is unwrapped into the flow; a one-cell table of text alone
(a form's 部门意见 box) stays a table, as in the .docx.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .document import Cell, Document, Paragraph, ReadError, ReadNote, Table, render_lines
from .limits import DOC_MAX_CELLS
from .text import decode_bom

MAX_HTML_BYTES = 30 * 1024 * 1024  # a report page is never this large
MAX_COLSPAN = 200
MAX_DEPTH = 100  # element nesting walked; deeper content is read as plain text

GB_ALIASES = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "cp936", "ms936", "windows-936", "euc-cn",
              "x-euc-cn", "csgb2312", "chinese", "gb18030", "iso-ir-58"}

DROP_TAGS = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "frame",
             "frameset", "object", "embed", "applet", "svg", "math", "canvas", "audio", "video", "map",
             "select", "option", "button", "input", "textarea", "dialog"}
NAV_TAGS = {"nav", "aside", "form", "menu"}  # dropped unless they hold the content (ASP.NET wraps pages in a form)
CHROME_TAGS = {"header", "footer"}  # dropped outside the chosen main content
LAYOUT_MARKS = {"table", "h1", "h2", "h3", "h4", "h5", "h6", "article", "main", "nav"}
PRE_TAGS = {"pre", "xmp", "listing", "plaintext"}
BLOCK_TAGS = {"address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dir", "div", "dl",
              "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
              "hgroup", "hr", "html", "legend", "li", "listing", "main", "ol", "p", "pre", "section", "summary",
              "ul", "xmp", "caption", "tr", "td", "th", "tbody", "thead", "tfoot"}
NAV_NAME = re.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|navigation|menu|menus|submenu|breadcrumbs?|crumbs?|bread|footer|foot|"
    r"sidebar|side|sidenav|topbar|toolbar|header|banner|share|pagination|pager|copyright|dqwz|weizhi|"
    r"position|location|skip|search|login|friendlink|links)(?:$|[\s_\-\d])",
    re.IGNORECASE)
CONTENT_NAME = re.compile(
    r"(?:^|[\s_\-])(?:content|contents|article|trs_editor|custom_unionstyle|zoom|detail|details|main|"
    r"zw|zwgk|text|news_?content|art_?con|pages_?content|article_?content|con_?text)(?:$|[\s_\-\d])",
    re.IGNORECASE)
CHROME_TEXT = re.compile(r"^(?:当前位置|您的位置|您现在的位置|你的位置|所在位置|首页\s*[>＞»]|【?\s*字体[：:]|"
                         r"【?\s*打印|【?\s*关闭|分享到|扫一扫)")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML text
WS = re.compile(r"[ \t\r\n\f\v]+")
BR = "\u2028"  # a hard line break (<br>)
SOFT = "\u2029"  # a block boundary inside a cell: one line break, however many meet
_BREAKS = re.compile(r"[\u2028\u2029][\u2028\u2029 \t\r\n\f\v]*")


def _wide(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x3000 <= o <= 0x303F or 0x20000 <= o <= 0x2FFFF)


def collapse(text: str) -> str:
    """Collapse whitespace (``&nbsp;`` included) like a browser: a run becomes one space, or nothing when it holds a
    source line break between two wide (CJK) characters. Break marks become line breaks: a run
    of them holding a block boundary (:data:`SOFT`) gives one line break, or as many as it holds
    ``<br>``s that do not close a block; a run of ``<br>``s alone gives one per ``<br>``. Lines are
    stripped, blank lines at the ends dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")  # &nbsp; runs collapse too

    def space(m: re.Match) -> str:
        if "\n" in m.group(0):
            s, e = m.start(), m.end()
            before = text[s - 1] if s else ""
            after = text[e] if e < len(text) else ""
            if before and after and _wide(before) and _wide(after):
                return ""
        return " "

    text = WS.sub(space, text)

    def breaks(m: re.Match) -> str:
        run = "".join(ch for ch in m.group(0) if ch in (BR, SOFT))
        if SOFT not in run:
            return "\n" * len(run)
        hard = len(run.replace(BR + SOFT, SOFT).replace(SOFT, ""))
        return "\n" * max(1, hard)

    text = _BREAKS.sub(breaks, text)
    lines = [ln.strip() for ln in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# decoding


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in GB_ALIASES:
        return "gb18030"
    if name in ("utf8", "unicode-1-1-utf-8"):
        return "utf-8"
    if name in ("unicode", "utf-16", "ucs-2"):
        return "utf-16"
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    return None if found in UNUSABLE else found


SINGLE_BYTE = {"iso8859-1", "cp1252", "ascii", "latin-1"}
UNUSABLE = {"undefined"}  # Python codecs that refuse every byte
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-.]+)["']""", re.IGNORECASE)


def decode_html(data: bytes, path: str, hint: str | None = None) -> tuple[str, str]:
    """HTML bytes → (text, encoding): BOM, else the declared charset (meta / XML declaration /
    ``hint`` from a MIME header), else UTF-8, else GB18030."""
    by_bom = decode_bom(data)
    if by_bom is not None:
        return by_bom
    head = data[:8192]
    declared: list[str] = []
    for rx in (_XML_DECL, _META_CHARSET):
        m = rx.search(head)
        if m:
            cs = _norm_charset(m.group(1).decode("ascii", "ignore"))
            if cs:
                declared.append(cs)
    cs = _norm_charset(hint)
    if cs:
        declared.append(cs)
    # a Chinese page labelled Latin-1/cp1252 (a server default) decodes without error but wrongly:
    # such a label comes after UTF-8 and GB18030
    order = [d for d in declared if d not in SINGLE_BYTE] + ["utf-8", "gb18030"] + \
        [d for d in declared if d in SINGLE_BYTE]
    for enc in order:
        if enc.startswith("utf-16"):
            continue  # utf-16 without a BOM is not declared in an ASCII meta tag
        try:
            return data.decode(enc), enc
        except (UnicodeError, LookupError):  # UnicodeError: codecs such as "undefined" refuse everything
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def charset_note(data: bytes, encoding: str) -> ReadNote | None:
    """A ``charset_fallback`` note when the page declares a charset that is unknown or does not
    decode it, and another (``encoding``) was used."""
    m = _META_CHARSET.search(data[:8192]) or _XML_DECL.search(data[:8192])
    if not m:
        return None
    declared = m.group(1).decode("ascii", "ignore")
    if _norm_charset(declared) == encoding:
        return None
    return ReadNote("charset_fallback", f"网页声明的字符集“{declared[:40]}”无法使用，已按 {encoding} 读取；"
                                        "个别文字可能是乱码，请核对原件")


def _mht_html(data: bytes, path: str) -> tuple[bytes, str | None]:
    """The text/html part of a MIME web archive (.mht), transfer-decoded, and its charset."""
    import email
    from email import policy

    msg = email.message_from_bytes(data, policy=policy.compat32)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload, part.get_content_charset()
    raise ReadError(path, "这是网页存档（.mht），但其中没有 HTML 正文部分")


def _is_mht(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"mime-version:") or (head.startswith(b"from:") and b"multipart/related" in head) \
        or (b"content-type: multipart/related" in head and not head.startswith(b"<"))


# ------------------------------------------------------------------------------------------
# entry point


def read_html(path: Path) -> Document:
    """Read an .html/.htm/.mht report into a Document (``format="html"``)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_HTML_BYTES:
            raise ReadError(str(path), f"网页文件过大（{size / 1024 / 1024:.0f} MB，上限 "
                                       f"{MAX_HTML_BYTES // 1024 // 1024} MB），不像一份自评报告；未读取")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), f"无法打开文件：{exc.strerror or exc}") from None
    if not data.strip():
        raise ReadError(str(path), "文件为空")
    hint = None
    if _is_mht(data):
        data, hint = _mht_html(data, str(path))
    text, encoding = decode_html(data, str(path), hint)
    doc = parse_html(text, str(path), encoding)
    note = None if hint else charset_note(data, encoding)
    if note is not None:
        doc.notes.append(note)
    return doc


def parse_html(text: str, path: str = "<html>", encoding: str = "utf-8") -> Document:
    """Build the Document of an HTML string (see the module doc)."""
    import lxml.html
    from lxml import etree

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text.lstrip("\ufeff"))  # lxml refuses str with a declaration
    text = _CONTROL.sub("", text.replace("\x0c", " "))  # lxml keeps them in the tree but refuses them when text is set (_drop)
    if not text.strip():
        raise ReadError(path, "文件为空")
    # huge_tree lifts libxml2's nesting limit of 256 (messy pages with unclosed <font>/<div> pass
    # it, and everything after would be lost); the input is already capped at MAX_HTML_BYTES
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  remove_blank_text=False, default_doctype=False, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(path, f"网页无法解析（{exc}）") from None
    doc = Document(path=path, encoding=encoding, format="html")
    if any("Excessive depth" in e.message for e in parser.error_log):
        doc.notes.append(ReadNote("html_truncated", "网页标签嵌套过深，超出部分未读取"))
    body = root.find("body")
    if body is None:
        body = root
    _drop_hidden(body)
    main = _main_content(body)
    _drop_chrome(main, inside_main=main is not body)
    walker = _Walker(doc)
    walker.walk_children(main, 0)
    walker.flush()
    if walker.cut_depth:
        doc.notes.append(ReadNote("html_truncated", f"网页表格嵌套超过 {MAX_DEPTH} 层，更深的表格只读入文字、未还原表格结构"))
    if walker.cut:
        doc.notes.append(ReadNote("html_truncated", f"网页表格单元格超过 {DOC_MAX_CELLS} 个，其余表格未读取"))
    return render_lines(doc)


# ------------------------------------------------------------------------------------------
# cleaning


def _tag(el) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return ("display:none" in style or "mso-hide:all" in style or "visibility:hidden" in style
            or el.get("hidden") is not None)


def _drop(el) -> None:
    """Remove ``el`` but keep its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _drop_hidden(body) -> None:
    for el in list(body.iter()):
        if el is body or el.getparent() is None:
            continue
        if not isinstance(el.tag, str) or _tag(el) in DROP_TAGS or _hidden(el):
            _drop(el)


def _text_lengths(root) -> dict:
    """Non-space characters of text under each element, outside links (navigation is mostly
    links): one pass, children before parents."""
    size: dict = {}
    for el in reversed(list(root.iter())):
        if _tag(el) == "a":
            size[el] = 0
            continue
        n = len("".join((el.text or "").split()))
        for child in el:
            n += size.get(child, 0) + len("".join((child.tail or "").split()))
        size[el] = n
    return size


def _names(el) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''} {el.get('role') or ''}"


def _main_content(body):
    """The outermost article/main/#content-like element holding ≥ 60% of the page's non-link
    text, else ``body``."""
    size = _text_lengths(body)
    total = size.get(body, 0)
    if total == 0:
        return body
    for el in body.iter():  # document order: an ancestor comes before its descendants
        if el is body or not isinstance(el.tag, str):
            continue
        tag = _tag(el)
        if tag in ("table", "tr", "td", "th", "tbody", "thead", "tfoot"):
            continue  # a content table is content, not a container to cut the page down to
        named = tag in ("article", "main") or el.get("role") == "main" or CONTENT_NAME.search(_names(el))
        if named and size.get(el, 0) >= 0.6 * total:
            return el
    return body


def _drop_chrome(root, inside_main: bool) -> None:
    """Drop navigation: nav/aside/form (and header/footer outside the chosen main content) and
    elements whose id/class names navigation, unless they hold half the text or a data table;
    then short chrome lines (当前位置：首页 > …, 【打印】【关闭】)."""
    size = _text_lengths(root)
    total = max(size.get(root, 0), 1)
    for el in list(root.iter()):
        if el is root or el.getparent() is None or not isinstance(el.tag, str):
            continue
        tag = _tag(el)
        if tag in ("td", "th", "tr", "table", "tbody", "thead", "tfoot"):
            continue
        navlike = tag in NAV_TAGS or (tag in CHROME_TAGS and not inside_main) or bool(NAV_NAME.search(_names(el)))
        if navlike and not _keeps_content(el, size, total):
            if inside_main and tag not in NAV_TAGS and el.find(".//h1") is not None:
                continue  # <div class="header"><h1>报告标题</h1> inside the article is its title
            _drop(el)
    for el in list(root.iter("p", "div", "span", "li", "h1", "h2", "h3", "h4", "h5", "h6")):
        if el.getparent() is None:
            continue
        t = "".join(el.itertext()).strip()
        if t and len(t) < 120 and CHROME_TEXT.match(t) and el.find(".//table") is None:
            _drop(el)


def _keeps_content(el, size: dict, total: int) -> bool:
    if size.get(el, 0) >= 0.5 * total:
        return True
    for t in el.iter("table"):
        rows = _rows(t)
        if len(rows) >= 2 and sum(len(c) for _, c in rows) >= 4:
            return True
    return False


# ------------------------------------------------------------------------------------------
# walking


class _Walker:
    """Turns the cleaned tree into blocks. The document flow collects inline text into the
    current paragraph; a block element ends it; a table becomes Table blocks."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.parts: list[str] = []
        self.cells = 0
        self.cut = False
        self.cut_depth = False

    # -- the document flow
    def flush(self) -> None:
        text = collapse("".join(self.parts))
        self.parts = []
        if text:
            self.doc.blocks.append(Paragraph(len(self.doc.blocks), text))

    def walk_flow(self, el, depth: int = 0) -> None:
        tag = _tag(el)
        if tag == "table":
            self.flush()
            self.table(el, None, depth)
        elif tag == "br":
            self.parts.append(BR)
        elif depth > MAX_DEPTH:
            self.parts.append(" ".join(el.itertext()))
        else:
            block = tag in BLOCK_TAGS
            if block:
                self.flush()
            self.walk_children(el, depth, pre=tag in PRE_TAGS)
            if block:
                self.flush()
        if el.tail:
            self.parts.append(el.tail)

    def walk_children(self, el, depth: int, pre: bool = False) -> None:
        if el.text:
            self.parts.append(el.text.replace("\n", BR) if pre else el.text)
        for child in el:
            self.walk_flow(child, depth + 1)

    # -- tables
    def table(self, el, parent: tuple[int, int, int] | None, depth: int) -> None:
        rows = _rows(el)
        n_cells = sum(len(cells) for _, cells in rows)
        if n_cells == 0:
            return
        if depth > MAX_DEPTH:  # tables nested past the bound: their text, without the structure
            self.cut_depth = True
            self.parts.append(" ".join(el.itertext()))
            return
        if _layout(el, rows, n_cells):
            for _, cells in rows:  # a layout table: its content is the flow
                for td in cells:
                    self.flush()
                    self.walk_children(td, depth + 1)
                    self.flush()
            return
        if self.cells + n_cells > DOC_MAX_CELLS:
            self.cut = True
            return
        self.cells += n_cells
        caption = el.find("caption")
        if caption is not None:
            text = collapse(self.cell_text(caption, [], depth + 1))
            if text:
                self.doc.blocks.append(Paragraph(len(self.doc.blocks), text))
        grid, nested = self.grid(rows, depth)
        if not grid:
            return
        index = len(self.doc.blocks)
        self.doc.blocks.append(Table(index, grid, parent=parent))
        for r, c, t in nested:
            self.table(t, (index, r, c), depth + 1)

    def grid(self, rows: list, depth: int) -> tuple[list[list[Cell]], list]:
        """Cells row by row: a colspan is one cell; a rowspan leaves a covered placeholder (with
        its colspan) at its column in each row below."""
        n_rows = len(rows)
        pending: dict[int, list[int]] = {}  # start column → [rows still covered, colspan]
        grid: list[list[Cell]] = []
        nested: list = []
        for r, (_, tds) in enumerate(rows):
            row: list[Cell] = []
            col = 0
            done: set[int] = set()

            def covered(c: int, row: list[Cell] = row, r: int = r, done: set[int] = done) -> int:
                span = pending[c][1]
                row.append(Cell("", r, len(row), colspan=span, covered=True))
                done.add(c)
                return c + span

            for td in tds:
                while col in pending and col not in done:
                    col = covered(col)
                colspan = _span(td.get("colspan"), MAX_COLSPAN)
                rowspan = _span(td.get("rowspan"), n_rows - r, zero_means=n_rows - r)
                found: list = []
                text = collapse(self.cell_text(td, found, depth + 1))
                for t in found:
                    nested.append((len(grid), len(row), t))
                row.append(Cell(text, r, len(row), rowspan=rowspan, colspan=colspan))
                if rowspan > 1:
                    pending[col] = [rowspan, colspan]
                    done.add(col)
                col += colspan
            for c in sorted(pending):  # rowspans reaching past the row's last cell
                if c >= col and c not in done:
                    col = covered(c)
            for c in list(pending):
                pending[c][0] -= 1
                if pending[c][0] <= 0:
                    del pending[c]
            grid.append(row)
        # rows left without a cell (<tr></tr>) carry nothing
        keep = [i for i, row in enumerate(grid) if row]
        if len(keep) != len(grid):
            old_to_new = {old: new for new, old in enumerate(keep)}
            grid = [grid[i] for i in keep]
            nested = [(old_to_new[r], c, t) for r, c, t in nested if r in old_to_new]
        return grid, nested

    def cell_text(self, el, nested: list, depth: int) -> str:
        """The raw text of a cell: block children bounded by :data:`SOFT` marks, nested tables
        left out (appended to ``nested``; a layout table's content is read inline)."""
        out: list[str] = []
        if el.text:
            out.append(el.text)
        for child in el:
            tag = _tag(child)
            if tag == "table":
                inner = _rows(child)
                cells = [td for _, tds in inner for td in tds]
                if cells and _layout(child, inner, len(cells)):
                    for td in cells:  # a layout table inside a cell: its content is the cell's
                        out.append(SOFT + self.cell_text(td, nested, depth + 1) + SOFT)
                elif cells:
                    nested.append(child)
                    out.append(SOFT)
            elif tag == "br":
                out.append(BR)
            elif depth > MAX_DEPTH:
                out.append(" ".join(child.itertext()))
            elif tag in BLOCK_TAGS:
                out.append(SOFT + self.cell_text(child, nested, depth + 1) + SOFT)
            else:
                out.append(self.cell_text(child, nested, depth + 1))
            if child.tail:
                out.append(child.tail)
        return "".join(out)


def _layout(el, rows: list, n_cells: int) -> bool:
    """A table used for page layout, whose content is the flow: ``role=presentation``, or a
    one-column table (a single cell included) holding tables or headings. A one-cell table of
    text alone (a form's 部门意见 box) stays a table, as it is in the .docx."""
    if (el.get("role") or "").lower() in ("presentation", "none"):
        return True
    if not all(len(cells) <= 1 for _, cells in rows):
        return False
    return any(_tag(d) in LAYOUT_MARKS for d in el.iterdescendants())


def _rows(table) -> list[tuple[object, list]]:
    """The table's own rows (not those of nested tables) with their td/th cells."""
    trs = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            trs.append(child)
        elif tag in ("tbody", "thead", "tfoot"):
            trs.extend(c for c in child if _tag(c) == "tr")
    out = []
    for tr in trs:
        if (tr.get("height") or "").strip() == "0" and not "".join(tr.itertext()).strip():
            continue  # Word's <![if !supportMisalignedColumns]> row of column widths
        out.append((tr, [td for td in tr if _tag(td) in ("td", "th")]))
    return out


def _span(value: str | None, limit: int, zero_means: int = 1) -> int:
    if not value:
        return 1
    m = re.match(r"\s*(\d+)", value)
    if not m:
        return 1
    n = int(m.group(1)[:6])
    if n == 0:
        return max(1, zero_means)
    return max(1, min(n, max(limit, 1)))
