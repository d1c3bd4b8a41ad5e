"""Reader for plain text and for the flattened-.docx text of the seeds.

The flattened form: each table cell is a line starting with a tab; continuation lines of a cell
have no tab; rows are separated by one blank line; a table ends at two or more blank lines
followed by untabbed text. A single blank line followed by untabbed text inside a table is a
blank paragraph inside the current cell (seed 003: ``年度⏎⏎指标值``). A paragraph directly followed
by a tab line is a table title, and the table starts there.

Conversion artefacts (``[bookmark: _GoBack]``, see :data:`ARTEFACT`) are removed from the text of
cells and paragraphs after the layout has been read; ``Document.lines`` keeps them, so every line
number and excerpt still refers to the file as it is.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .document import Cell, Document, Paragraph, ReadError, ReadNote, Table, cap_table
from .safety import check_size

CELL_LINE = re.compile(r"^[ \u3000\ufeff]*\t")
# A Word bookmark written out as text by the .docx-to-text conversion (seed 000 line 279:
# ``[bookmark: _GoBack]指标1：…``). A bookmark is not text of the document: it is dropped from
# cells and paragraphs, while ``Document.lines`` keeps the file as it is (line numbers unchanged).
ARTEFACT = re.compile(r"\[bookmark:[^\]\n]*\]")
MAX_BYTES = 50 * 1024 * 1024  # a text report is never this large; refuse rather than hang
MAX_CELLS = 200_000  # table cells (tab lines) per text file: the longest seed has ~2,000
MAX_REPLACED = 0.01  # share of undecodable characters above which the file is not text


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode report bytes: BOM (UTF-8/UTF-16), else UTF-8, else GB18030 (a superset of GBK).

    Returns (text, encoding). Raises ReadError for empty or binary input.
    """
    text, encoding = _decode(data, path)
    if not text.replace("\ufeff", "").strip():
        raise ReadError(path, "文件为空")
    if not _looks_like_text(text):
        raise ReadError(path, "不是文本文件（内容无法解码为中文文本）")
    return text, encoding


def decode_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) when ``data`` starts with a UTF-8 or UTF-16 byte-order mark, else None."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[2:].decode(enc, errors="replace"), "utf-16"
    return None


def _decode(data: bytes, path: str) -> tuple[str, str]:
    by_bom = decode_bom(data)
    if by_bom is not None:
        return by_bom
    if not data.strip():
        raise ReadError(path, "文件为空")
    if b"\x00" in data[:4096]:
        if _utf16_without_bom(data):
            raise ReadError(path, "疑似无 BOM 的 UTF-16 文本，请另存为带 BOM 的 UTF-16 或 UTF-8")
        raise ReadError(path, "不是文本文件（含二进制内容），无法识别格式")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    # a few bad bytes in an otherwise readable file: replace them (the caller notes where)
    best = min(((data.decode(enc, errors="replace"), enc) for enc in ("utf-8", "gb18030")),
               key=lambda te: te[0].count("\ufffd"))
    if best[0].count("\ufffd") > max(8, MAX_REPLACED * len(best[0])):
        raise ReadError(path, "无法识别文本编码（既非 UTF-8/UTF-16，也非 GB18030/GBK）")
    return best


def _utf16_without_bom(data: bytes) -> bool:
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data[:4096 - 4096 % 2].decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return True
    return False


def _looks_like_text(text: str) -> bool:
    sample = text[:4000].replace("\ufeff", "")
    if not sample.strip():
        return True  # emptiness is reported separately
    if sample.replace("\t", "").replace("\r", "").replace("\n", "").isprintable():
        printable = len(sample)  # the usual case, without a look at every character
    else:
        printable = sum(1 for ch in sample if ch.isprintable() or ch in "\t\r\n")
    return printable / len(sample) > 0.97 and CJK.search(sample) is not None


CJK = re.compile("[\u4e00-\u9fff]")


def read_text(path: str | Path) -> Document:
    """Read a .txt report into a Document. Raises ReadError naming the file and the reason."""
    p = Path(path)
    check_size(p, MAX_BYTES)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError(str(p), f"无法打开文件：{exc.strerror or exc}") from None
    text, encoding = decode(data, str(p))
    cells = text.count("\n\t") + text.startswith("\t")
    if cells > MAX_CELLS:
        raise ReadError(str(p), f"文本中有约 {cells} 个表格单元格（上限 {MAX_CELLS} 个），不像一份绩效自评报告；未读取")
    doc = parse_text(text, str(p), encoding)
    if "\ufffd" in text and b"\xef\xbf\xbd" not in data:  # replaced here, not a U+FFFD the file held
        doc.notes.extend(replaced_notes(doc.lines, encoding))
    return doc


def replaced_notes(lines: list[str], encoding: str) -> list[ReadNote]:
    """One ``undecodable_bytes`` note naming the lines where bytes that do not decode as
    ``encoding`` were replaced by U+FFFD (the rest of the file is read)."""
    where = [n for n, ln in enumerate(lines, 1) if "\ufffd" in ln]
    if not where:
        return []
    count = sum(ln.count("\ufffd") for ln in lines)
    shown = "、".join(f"第{n}行" for n in where[:5]) + ("等" if len(where) > 5 else "")
    return [ReadNote("undecodable_bytes", f"有 {count} 处字节无法按 {encoding} 解码（{shown}），已替换为“\ufffd”，"
                                          "其余内容照常读取", line=where[0])]


def parse_text(text: str, path: str = "<text>", encoding: str = "utf-8") -> Document:
    """Rebuild paragraphs and tables from flattened text (see module doc)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line; it does not start another
    doc = Document(path=path, encoding=encoding, lines=lines)
    blocks = doc.blocks

    table_rows: list[list[Cell]] | None = None
    table_start = 0
    row: list[Cell] = []
    cell_lines: list[str] = []
    cell_start = 0
    last_line = 0

    def close_cell() -> None:
        nonlocal cell_lines
        if len(cell_lines) == 1:  # the usual cell: one line
            t = ARTEFACT.sub("", cell_lines[0]) if "[bookmark:" in cell_lines[0] else cell_lines[0]
            row.append(Cell(t if t.strip() else "", 0, len(row), cell_start, cell_start))
            cell_lines = []
        elif cell_lines:
            cell_lines = [ARTEFACT.sub("", t) for t in cell_lines]
            first = next((k for k, t in enumerate(cell_lines) if t.strip()), 0)
            last = next((k for k in range(len(cell_lines) - 1, -1, -1) if cell_lines[k].strip()), 0)
            text = "\n".join(cell_lines[first:last + 1]) if cell_lines[first].strip() else ""
            cell = Cell(text, 0, len(row), cell_start + first, cell_start + max(first, last))
            cell.multiline = len(cell_lines) > 1
            row.append(cell)
            cell_lines = []

    def close_row() -> None:
        nonlocal row
        close_cell()
        if row and table_rows is not None:
            r = len(table_rows)
            for c in row:
                c.row = r
            table_rows.append(row)
        row = []

    def close_table() -> None:
        nonlocal table_rows
        close_row()
        if table_rows:
            rows = merge_split_rows(table_rows)
            table = Table(len(blocks), rows, table_start, last_line)
            capped = cap_table(table)
            if capped is not None:
                doc.notes.append(capped)
            blocks.append(table)
        table_rows = None

    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        lineno = i + 1
        if CELL_LINE.match(line):
            if table_rows is None:
                table_rows = []
                table_start = lineno
            close_cell()
            cell_start = lineno
            cell_lines = [CELL_LINE.sub("", line, count=1)]
            last_line = lineno
            i += 1
            continue
        if not line.strip():
            # count the run of blank lines
            j = i
            while j < n and not lines[j].strip() and not CELL_LINE.match(lines[j]):
                j += 1
            run = j - i
            nxt = lines[j] if j < n else None
            if table_rows is not None:
                if nxt is None:
                    close_table()
                elif CELL_LINE.match(nxt):
                    close_row()  # one or more blanks then a tab line: a new row
                elif run == 1 and cell_lines:
                    cell_lines.append("")  # blank paragraph inside the current cell
                else:
                    close_table()
            i = j
            continue
        # an untabbed, non-blank line
        if table_rows is not None and cell_lines:
            cell_lines.append(line)  # continuation line of the current cell
            last_line = lineno
        else:
            if table_rows is not None:
                close_table()
            text = ARTEFACT.sub("", line).strip()
            if text:  # a line holding only an artefact is no paragraph
                blocks.append(Paragraph(len(blocks), text, lineno, lineno))
        i += 1
    close_table()
    return doc


def merge_split_rows(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Rejoin rows that a cell's trailing empty paragraph split in two.

    In the flattened text a cell ending with an empty paragraph looks like a row break (seed 004:
    ``绩⏎效⏎指⏎标⏎⏎`` then the header cells). Two consecutive short rows whose widths add up to the
    width of the row after them, the first ending in a multi-line cell, were one row.
    """
    out: list[list[Cell]] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if i + 2 < len(rows):
            nxt, after = rows[i + 1], rows[i + 2]
            w = len(after)
            if (len(row) < w and len(nxt) < w and len(row) + len(nxt) == w
                    and row[-1].multiline):
                row = row + nxt
                i += 1
        for c, cell in enumerate(row):
            cell.row, cell.col = len(out), c
        out.append(row)
        i += 1
    return out
