"""Reader for Excel workbooks: .xlsx/.xlsm (openpyxl) and legacy .xls (xlrd).

Every sheet is read, in workbook order, into one grid of *displayed* values (see
:func:`format_number`), its merged ranges and which cells carry a frame (cell borders). The grid
then becomes blocks:

1. Trailing empty rows and columns are trimmed; the sheet is split into blocks at *blank rows*:
   rows with no value that are neither inside a vertically merged range nor framed (a blank row
   drawn inside a bordered table belongs to that table).
2. A block's leading rows holding one value (the title ``项目支出绩效自评表``, ``(2019年度)``,
   ``单位：万元``) become Paragraphs. When the block has frames, the criterion is the frame
   instead: leading and trailing unframed rows are paragraphs (their values joined by two spaces,
   as a ``填报单位：…　单位：万元`` line is in Word) and framed rows are the table — so a full-width
   first row drawn inside the form stays a table row.
3. The other rows become a Table (``sheet`` = the sheet name) over the columns those rows use. A
   merged range is one Cell with ``rowspan``/``colspan``; in each row below its first one, an
   empty ``covered`` placeholder (with the range's ``colspan``) stands at its position. Plain
   empty cells stay, up to the table's right edge, so a grid written from a .docx table (one range
   per Word cell) reads back to the cells the .docx reader gives. ``Cell.ref`` is the A1
   reference of the range's top-left cell.

Displayed values: text as stored (``\\r\\n`` → ``\\n``); numbers through their number format —
percent (``0.00%`` → ``66.46%``), fixed decimals and thousands separators (``#,##0.00`` →
``1,234.50``), literal prefixes/suffixes (``0.00"万元"``), the sections for negative and zero
values; ``General`` gives at most 15 significant digits without a trailing ``.0`` (298.71, not
298.71000000000004; 3, not 3.0); dates ``YYYY-MM-DD`` (with ``HH:MM[:SS]`` when there is a time);
booleans ``TRUE``/``FALSE``; errors as Excel shows them (``#DIV/0!``). Formulas give their cached
value (a workbook saved by a program that never calculated it has none: the cell reads empty).
Text in the hidden cells of a merged range is ignored, as Excel does.

Bounds: at most :data:`MAX_ROWS` rows × :data:`MAX_COLS` columns per sheet, :data:`MAX_CELLS`
values and grid cells, :data:`MAX_CHARS` characters and :data:`MAX_SHEETS` sheets per workbook, and
each worksheet part read once (a ``sheet_truncated`` :class:`ReadNote` says what was cut);
.xlsx sheets are streamed (openpyxl read-only mode, merged ranges parsed from the sheet XML) and
reading stops at the bound, so a huge sheet costs bounded time and memory (a 20 000-row sheet
≈ 2 s). .xls files over :data:`MAX_XLS_BYTES` are refused (xlrd loads the whole file). Hidden
sheets are read, with a ``hidden_sheet`` note.

Damage that a spreadsheet program would repair is read, not refused (:func:`_tolerant_parser`): a
row or cell index that addresses nothing is read where it stands, a shared-string index out of
range is an empty cell, a number cell holding ``1,234`` is the number, one holding ``inf`` its
text — each with a ``bad_index`` / ``cell_as_text`` note (JX906).
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from ..decimals import quantize
from .document import Cell, Document, Paragraph, ReadError, ReadNote, Table, render_lines
from .safety import check_size

MAX_ROWS = 20_000  # per sheet
MAX_COLS = 200  # per sheet
MAX_CELLS = 100_000  # values read, and grid cells (rows × used columns) built, per workbook
MAX_CHARS = 5_000_000  # characters of cell text read per workbook (a long report: ~100 000)
MAX_SHEETS = 200  # worksheets read per workbook (the samples have up to 11)
MAX_CELL_NOTES = 5  # cells named in one note of odd cells of a sheet
MAX_MERGES = 20_000  # merged ranges per sheet
MAX_XLS_BYTES = 40 * 1024 * 1024  # xlrd holds the whole file and every cell in memory


def _spent(left: list[int]) -> bool:
    """Whether the workbook's budget ``left`` ([values, characters] still to read) is spent."""
    return left[0] <= 0 or left[1] <= 0


def _budget_cut(left: list[int]) -> str:
    """Why reading stopped: ``left`` is [values, characters] still to read in the workbook."""
    if left[1] <= 0:
        return f"读到工作簿文字上限（{MAX_CHARS} 个字符）为止，其后内容未读取"
    return f"读到工作簿单元格上限（{MAX_CELLS} 个）为止，其后内容未读取"

Merge = tuple[int, int, int, int]  # (first row, last row + 1, first col, last col + 1), 0-based


@dataclass
class SheetGrid:
    """One sheet as read: displayed values, merged ranges and framed cells (0-based)."""

    name: str
    hidden: bool = False
    values: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[Merge] = field(default_factory=list)
    framed: set[tuple[int, int]] = field(default_factory=set)
    truncated: str = ""  # why the sheet was cut, if it was
    notes: list = field(default_factory=list)  # ReadNotes of odd cells and rows (see _tolerant_parser)


# ------------------------------------------------------------------------------------------
# entry point


def read_workbook(path: Path, fmt: str) -> Document:
    """Read an .xlsx/.xlsm (``fmt="xlsx"``) or .xls (``fmt="xls"``) workbook into a Document.

    Raises ReadError (Chinese reason naming the file) for a corrupt, encrypted or unreadable
    workbook."""
    path = Path(path)
    grids = _load_xls(path) if fmt == "xls" else _load_xlsx(path)
    doc = Document(path=str(path), format=fmt)
    budget = MAX_CELLS
    for grid in grids:
        if grid.hidden and grid.values:
            doc.notes.append(ReadNote("hidden_sheet", f"工作表“{grid.name}”是隐藏工作表，已一并读取"))
        doc.notes.extend(grid.notes)
        budget = _trim_to_budget(grid, budget, doc)
        doc.blocks.extend(sheet_blocks(grid, start=len(doc.blocks)))
        if grid.truncated:
            doc.notes.append(ReadNote("sheet_truncated", f"工作表“{grid.name}”{grid.truncated}"))
    return render_lines(doc)


def _trim_to_budget(grid: SheetGrid, budget: int, doc: Document) -> int:
    """Cut the grid to the rows that fit in what is left of :data:`MAX_CELLS`."""
    if not grid.values:
        return budget
    width = max(c for _, c in grid.values) + 1
    height = max(r for r, _ in grid.values) + 1
    if height * width <= budget:
        return budget - height * width
    keep = max(0, budget // width)
    grid.values = {k: v for k, v in grid.values.items() if k[0] < keep}
    grid.merges = [(r0, min(r1, keep), c0, c1) for r0, r1, c0, c1 in grid.merges if r0 < keep]
    doc.notes.append(ReadNote("sheet_truncated", f"工作簿单元格过多（上限 {MAX_CELLS} 个），"
                                                 f"工作表“{grid.name}”只读取前 {keep} 行"))
    return budget - keep * width


def _unread_sheets(names: list[str], n: int, left: list[int]) -> SheetGrid | None:
    """The place of the sheets ``names[n:]`` when they are left unread (a ``sheet_truncated``
    note): the workbook's budget ``left`` ([values, characters]) is spent or sheet ``n`` is beyond
    :data:`MAX_SHEETS`. None when sheet ``n`` is to be read."""
    if _spent(left):
        why = "已到工作簿" + ("文字上限" if left[1] <= 0 else "单元格上限")
    elif n >= MAX_SHEETS:
        why = f"超出每个工作簿 {MAX_SHEETS} 个工作表的上限"
    else:
        return None
    return SheetGrid(name=names[n], truncated=f"起的 {len(names) - n} 个工作表未读取（{why}）")


# ------------------------------------------------------------------------------------------
# .xlsx (openpyxl, streamed)


def _load_xlsx(path: Path) -> list[SheetGrid]:
    from .safety import check_parts_for_doctype, open_zip

    with open_zip(path) as zf:
        check_parts_for_doctype(zf, path)
    try:
        import openpyxl
        from openpyxl.cell.read_only import ReadOnlyCell
    except ImportError:  # pragma: no cover - a declared dependency
        raise ReadError(str(path), "读取 .xlsx 需要 openpyxl，但未安装") from None
    fh = path.open("rb")
    try:
        try:
            # a file object, not a name: openpyxl refuses names not ending in .xlsx/.xlsm
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ReadError(str(path), f"文件已损坏：Excel 工作簿无法解析（{type(exc).__name__}: {exc}）") from None
        try:
            left = [MAX_CELLS, MAX_CHARS]  # values and characters still to read in the workbook
            grids: list[SheetGrid] = []
            seen: dict[str, str] = {}  # worksheet part → the sheet read from it
            again: dict[str, list[str]] = {}  # worksheet part → the other sheets pointing at it
            for n, ws in enumerate(wb.worksheets):
                unread = _unread_sheets(wb.sheetnames, n, left)
                if unread:
                    grids.append(unread)
                    break
                part = getattr(ws, "_worksheet_path", None)
                if part in seen:  # Excel never writes this: every sheet has its own part
                    again.setdefault(part, []).append(ws.title)
                    continue
                seen[part] = ws.title
                grids.append(_xlsx_sheet(wb, ws, path, ReadOnlyCell, left))
            for part, names in again.items():
                more = f"等 {len(names)} 个工作表" if len(names) > 1 else ""
                grids.append(SheetGrid(name=names[0], truncated=f"{more}与工作表“{seen[part]}”指向工作簿中的同一部分"
                                                                 f"（{part}），未重复读取"))
            return grids
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError(str(path), f"文件已损坏：工作表无法解析（{type(exc).__name__}: {exc}）") from None
        finally:
            wb.close()
    finally:
        fh.close()


XLSX_ROWS, XLSX_COLS = 1_048_576, 16_384  # the largest row and column an .xlsx can address
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")  # 1,234 / -12,345.6


def _row_number(text: str) -> int | None:
    """A row index as openpyxl accepts it ("7", "7.0"), or None when it addresses no row."""
    try:
        n = float(text)
    except (ValueError, OverflowError):
        return None
    return int(n) if n.is_integer() and 1 <= n <= XLSX_ROWS else None


@cache
def _tolerant_parser():
    """openpyxl's worksheet parser (``WorkSheetParser``), reading what it refuses or misreads:

    - a row index that addresses no row (``r="0"``, which openpyxl drops, or ``r="x"``, which it
      refuses), one not above the previous row's (openpyxl drops it or merges it into that row),
      or a cell reference that addresses no cell: read where it stands in the file (the row
      after the previous one, the cell after the previous one); a cell whose reference names
      another row than its own is read in its own row;
    - a shared-string index out of range (``-1`` reads the last string in openpyxl, a too large one
      refuses the sheet): an empty cell;
    - a number cell that is no number: ``1,234`` (thousands separators) is read as the number
      1234, anything else (``inf``, ``1E999``, ``abc``) as its text; a boolean or date cell that
      does not parse: its text;
    - a style index beyond the workbook's styles: no style.

    Each is counted; :meth:`notes` gives at most one ``bad_index`` note for positions and one for
    string indexes, one ``cell_as_text`` note for the numbers read as numbers and one for those
    read as text, each naming up to :data:`MAX_CELL_NOTES` places (JX906)."""
    from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

    class TolerantParser(WorkSheetParser):
        def __init__(self, *args, styles: int = 0, **kwargs):
            super().__init__(*args, **kwargs)
            self.styles = styles
            self.odd: dict[str, list[str]] = {k: [] for k in ("place", "index", "number", "text")}
            self.count = dict.fromkeys(self.odd, 0)
            self.last = 0  # the last row read: rows are numbered upwards from 1
            self.moved = False  # the current row was renumbered (its cells' references say otherwise)

        def _odd(self, kind: str, what: str) -> None:
            self.count[kind] += 1
            if len(self.odd[kind]) < MAX_CELL_NOTES:
                self.odd[kind].append(what)

        def parse_row(self, row):
            r = row.get("r")
            n = self.last + 1 if r is None else _row_number(r)
            self.moved = n is None or n <= self.last
            if self.moved:  # openpyxl drops a row numbered 0 (and one out of order), refuses "x"
                why = "无效" if n is None else "重复或倒序"
                self._odd("place", f"行号“{r[:20]}”{why}，读作第{self.last + 1}行")
                n = self.last + 1
            row.set("r", str(n))
            self.last = n
            return super().parse_row(row)

        def parse_cell(self, element):
            ref = element.get("r")
            col = self.col_counter + 1
            if ref is not None:
                m = _REF_PARTS.match(ref.strip().upper())
                col = _col_index(m.group(1)) + 1 if m else 0
                if not 1 <= col <= XLSX_COLS:
                    col = self.col_counter + 1
                    self._odd("place", f"单元格位置“{ref[:20]}”无效，读作{a1(self.row_counter - 1, self.col_counter)}")
                    del element.attrib["r"]
                elif m.group(2) != str(self.row_counter):  # the row's number holds (rows were renumbered)
                    if not self.moved:
                        self._odd("place", f"单元格“{ref[:20]}”在第{self.row_counter}行中，读作{a1(self.row_counter - 1, col - 1)}")
                    element.set("r", a1(self.row_counter - 1, col - 1))
            pos = (self.row_counter, col)
            style = element.get("s")
            if style is not None and not (style.isdigit() and int(style) < self.styles):
                del element.attrib["s"]
            kind = element.get("t", "n")
            v = element.find(VALUE_TAG)
            raw = v.text if v is not None else None
            if kind == "s" and raw is not None and not (raw.strip().isdigit() and int(raw) < len(self.shared_strings)):
                self._odd("index", f"{a1(pos[0] - 1, pos[1] - 1)}“{raw[:20]}”")
                element.remove(v)
                raw = None
            try:
                spec = super().parse_cell(element)
            except (ValueError, TypeError, OverflowError, IndexError, KeyError):
                self.col_counter = pos[1]
                where = a1(pos[0] - 1, pos[1] - 1)
                spec = {"row": pos[0], "column": pos[1], "value": raw, "data_type": "s",
                        "style_id": int(element.get("s", 0))}
                if raw is None:
                    spec["value"] = None
                elif kind == "n" and _THOUSANDS.match(raw.strip()):
                    number = raw.strip().replace(",", "")
                    spec["value"], spec["data_type"] = (float(number) if "." in number else int(number)), "n"
                    self._odd("number", f"{where}“{raw[:20]}”")
                else:
                    self._odd("text", f"{where}“{raw[:20]}”")
                return spec
            value = spec["value"]
            if isinstance(value, float) and not math.isfinite(value):
                self._odd("text", f"{a1(pos[0] - 1, pos[1] - 1)}“{(raw or '')[:20]}”")
                spec["value"], spec["data_type"] = raw, "s"
            return spec

        def notes(self, sheet: str) -> list[ReadNote]:
            def listed(kind: str) -> str:
                more = "等" if self.count[kind] > len(self.odd[kind]) else ""
                return "、".join(self.odd[kind]) + more

            out = []
            if self.count["place"]:
                out.append(ReadNote("bad_index", f"工作表“{sheet}”有 {self.count['place']} 处行号或单元格位置无效"
                                                 f"（{listed('place')}），已按其在文件中的位置读入"))
            if self.count["index"]:
                out.append(ReadNote("bad_index", f"工作表“{sheet}”有 {self.count['index']} 个单元格引用的共享字符串"
                                                 f"不存在（{listed('index')}），读作空单元格"))
            if self.count["number"]:
                out.append(ReadNote("cell_as_text", f"工作表“{sheet}”有 {self.count['number']} 个数值单元格写有"
                                                    f"千位分隔符（{listed('number')}），已去掉分隔符按数字读入"))
            if self.count["text"]:
                out.append(ReadNote("cell_as_text", f"工作表“{sheet}”有 {self.count['text']} 个单元格的值不是有效的"
                                                    f"数字、日期或逻辑值（{listed('text')}），已按文字读入"))
            return out

    return TolerantParser


def _xlsx_sheet(wb, ws, path: Path, ReadOnlyCell, left: list[int]) -> SheetGrid:
    grid = SheetGrid(name=ws.title, hidden=getattr(ws, "sheet_state", "visible") != "visible")
    claimed_rows, claimed_cols = ws.max_row or 0, ws.max_column or 0  # from <dimension>, may lie
    frame_of: dict[int, bool] = {}
    cut_rows = cut_cols = False
    with ws._get_source() as src:
        parser = _tolerant_parser()(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                    date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats,
                                    styles=len(wb._cell_styles))
        for idx, row in parser.parse():
            if idx > MAX_ROWS + 1:
                break
            for spec in row:
                cell = ReadOnlyCell(ws, **spec)
                r, c = cell.row - 1, cell.column - 1
                value = cell.value
                if r >= MAX_ROWS or c >= MAX_COLS:
                    if value is not None and value != "":
                        cut_rows = cut_rows or r >= MAX_ROWS
                        cut_cols = cut_cols or c >= MAX_COLS
                    continue
                if cell.has_style:
                    bid = cell.style_array.borderId
                    if bid not in frame_of:
                        frame_of[bid] = _openpyxl_framed(cell.border)
                    if frame_of[bid]:
                        grid.framed.add((r, c))
                if value is None:
                    continue
                text = _xlsx_display(cell, value)
                if text:
                    grid.values[(r, c)] = text
                    left[0] -= 1
                    left[1] -= len(text)
            if _spent(left):
                break
    grid.notes = parser.notes(grid.name)
    cut_rows = cut_rows or claimed_rows > MAX_ROWS
    cut_cols = cut_cols or claimed_cols > MAX_COLS
    grid.truncated = _budget_cut(left) if _spent(left) else _truncation(cut_rows, cut_cols)
    grid.merges = _xlsx_merges(wb, ws, path)
    return grid


def _openpyxl_framed(border) -> bool:
    if border is None:
        return False
    side = lambda s: bool(getattr(getattr(border, s, None), "style", None))
    return side("left") or side("right") or (side("top") and side("bottom"))


def _xlsx_display(cell, value) -> str:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return _format_datetime(value)
    if isinstance(value, (int, float)):
        return format_number(value, cell.number_format or "General")
    return _clean_text(str(value))


def _xlsx_merges(wb, ws, path: Path) -> list[Merge]:
    """Merged ranges of a read-only sheet, parsed from its XML part (openpyxl's read-only mode
    does not expose them): one streaming pass picking ``<mergeCell ref="A1:C2"/>`` elements."""
    from lxml import etree

    part = getattr(ws, "_worksheet_path", None)
    archive = getattr(wb, "_archive", None)
    if not part or archive is None:  # pragma: no cover - openpyxl internals changed
        return []
    out: list[Merge] = []
    tags = ("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell",
            "{http://purl.oclc.org/ooxml/spreadsheetml/main}mergeCell")
    with archive.open(part) as src:
        for _, el in etree.iterparse(src, events=("end",), tag=tags, resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False):
            m = _parse_range(el.get("ref", ""))
            el.clear()
            if m is None:
                continue
            if len(out) >= MAX_MERGES:
                raise ReadError(str(path), f"工作表“{ws.title}”合并单元格超过 {MAX_MERGES} 处，不像一份自评表；未读取")
            out.append(m)
    return out


_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
_REF_PARTS = re.compile(r"^\$?([A-Z]{1,3})\$?(-?\d*)$")  # a cell reference as written, its row maybe invalid


def _parse_range(ref: str) -> Merge | None:
    parts = ref.upper().split(":")
    if len(parts) != 2:
        return None
    a, b = _REF.match(parts[0]), _REF.match(parts[1])
    if not a or not b:
        return None
    r0, c0 = int(a.group(2)) - 1, _col_index(a.group(1))
    r1, c1 = int(b.group(2)) - 1, _col_index(b.group(1))
    r0, r1 = sorted((r0, r1))
    c0, c1 = sorted((c0, c1))
    return (r0, r1 + 1, c0, c1 + 1)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letter(c: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def a1(r: int, c: int) -> str:
    return f"{col_letter(c)}{r + 1}"


def _truncation(cut_rows: bool, cut_cols: bool) -> str:
    if cut_rows and cut_cols:
        return f"超过 {MAX_ROWS} 行、{MAX_COLS} 列，只读取前 {MAX_ROWS} 行、前 {MAX_COLS} 列"
    if cut_rows:
        return f"超过 {MAX_ROWS} 行，只读取前 {MAX_ROWS} 行"
    if cut_cols:
        return f"超过 {MAX_COLS} 列，只读取前 {MAX_COLS} 列"
    return ""


# ------------------------------------------------------------------------------------------
# .xls (xlrd)


def _load_xls(path: Path) -> list[SheetGrid]:
    try:
        import xlrd
    except ImportError:
        raise ReadError(str(path), "读取 .xls 需要 xlrd，但未安装（pip install xlrd）") from None
    check_size(path, MAX_XLS_BYTES)
    log = io.StringIO()  # xlrd writes warnings to stdout by default
    try:
        try:
            book = xlrd.open_workbook(str(path), formatting_info=True, logfile=log, on_demand=True)
        except NotImplementedError:  # formatting_info is not supported for some old BIFF versions
            book = xlrd.open_workbook(str(path), logfile=log, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ReadError(str(path), "文件受密码保护（已加密），无法读取；请提供未加密的文件") from None
        raise ReadError(str(path), f"文件已损坏：Excel 97-2003 工作簿无法解析（{exc}）") from None
    except Exception as exc:  # xlrd raises struct.error, IndexError, AssertionError… on damage
        raise ReadError(str(path), f"文件已损坏：Excel 97-2003 工作簿无法解析（{type(exc).__name__}: {exc}）") from None
    try:
        grids = []
        left = [MAX_CELLS, MAX_CHARS]  # values and characters still to read in the workbook
        for i in range(book.nsheets):
            unread = _unread_sheets(book.sheet_names(), i, left)
            if unread:
                grids.append(unread)
                break
            sheet = book.sheet_by_index(i)
            grids.append(_xls_sheet(book, sheet, left))
            book.unload_sheet(i)
        return grids
    except Exception as exc:
        raise ReadError(str(path), f"文件已损坏：工作表无法解析（{type(exc).__name__}: {exc}）") from None
    finally:
        book.release_resources()


def _xls_sheet(book, sheet, left: list[int]) -> SheetGrid:
    import xlrd
    from xlrd.formatting import std_format_strings

    grid = SheetGrid(name=sheet.name, hidden=getattr(sheet, "visibility", 0) != 0)
    nrows, ncols = min(sheet.nrows, MAX_ROWS), min(sheet.ncols, MAX_COLS)
    grid.truncated = _truncation(sheet.nrows > MAX_ROWS, sheet.ncols > MAX_COLS)
    xfs = book.xf_list if book.formatting_info else []
    fmt_of: dict[int, str] = {}
    frame_of: dict[int, bool] = {}
    for r in range(nrows):
        ctypes = sheet.row_types(r, 0, ncols)
        values = sheet.row_values(r, 0, ncols)
        for c in range(len(ctypes)):
            ctype, value = ctypes[c], values[c]
            xfi = sheet.cell_xf_index(r, c) if xfs else -1
            if xfs and 0 <= xfi < len(xfs):
                if xfi not in frame_of:
                    b = xfs[xfi].border
                    frame_of[xfi] = bool(b.left_line_style or b.right_line_style
                                         or (b.top_line_style and b.bottom_line_style))
                if frame_of[xfi]:
                    grid.framed.add((r, c))
            if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if ctype == xlrd.XL_CELL_TEXT:
                text = _clean_text(value)
            elif ctype == xlrd.XL_CELL_NUMBER:
                if xfi not in fmt_of:
                    code = "General"
                    if xfs and 0 <= xfi < len(xfs):
                        key = xfs[xfi].format_key
                        f = book.format_map.get(key)
                        code = f.format_str if f is not None else std_format_strings.get(key, "General")
                    fmt_of[xfi] = code
                text = format_number(value, fmt_of[xfi])
            elif ctype == xlrd.XL_CELL_DATE:
                try:
                    text = _format_datetime(xlrd.xldate_as_datetime(value, book.datemode))
                except Exception:  # an out-of-range date serial: show the number
                    text = format_number(value, "General")
            elif ctype == xlrd.XL_CELL_BOOLEAN:
                text = "TRUE" if value else "FALSE"
            elif ctype == xlrd.XL_CELL_ERROR:
                text = xlrd.error_text_from_code.get(value, "#ERR")
            else:
                text = _clean_text(str(value))
            if text:
                grid.values[(r, c)] = text
                left[0] -= 1
                left[1] -= len(text)
        if _spent(left):
            grid.truncated = _budget_cut(left)
            break
    for r0, r1, c0, c1 in sheet.merged_cells[:MAX_MERGES]:
        if r0 < nrows and c0 < ncols and r1 > r0 and c1 > c0:
            grid.merges.append((r0, min(r1, nrows), c0, min(c1, ncols)))
    return grid


# ------------------------------------------------------------------------------------------
# displayed values


def _clean_text(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return s if s.strip() else ""


def _format_datetime(v) -> str:
    if isinstance(v, _dt.datetime):
        if (v.hour, v.minute, v.second) == (0, 0, 0):
            return v.strftime("%Y-%m-%d")
        return v.strftime("%Y-%m-%d %H:%M:%S" if v.second else "%Y-%m-%d %H:%M")
    if isinstance(v, _dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, _dt.time):
        return v.strftime("%H:%M:%S" if v.second else "%H:%M")
    if isinstance(v, _dt.timedelta):
        total = int(v.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}" + (f":{total % 60:02d}" if total % 60 else "")
    return str(v)


def _to_decimal(v: float | Decimal) -> Decimal:
    if isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return Decimal(v)
    return Decimal(f"{v:.15g}")  # Excel keeps 15 significant digits: 298.71000000000004 → 298.71


def _plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 3 (not 3.0 or 3E+0), 0.0000001, 1E+16 → digits."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _split_sections(code: str) -> list[str]:
    out, buf, quoted, bracket, esc = [], [], False, False, False
    for ch in code:
        if esc:
            buf.append(ch)
            esc = False
        elif ch == "\\" and not quoted:
            buf.append(ch)
            esc = True
        elif ch == '"':
            quoted = not quoted
            buf.append(ch)
        elif ch == "[" and not quoted:
            bracket = True
            buf.append(ch)
        elif ch == "]" and not quoted:
            bracket = False
            buf.append(ch)
        elif ch == ";" and not quoted and not bracket:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


_DIGIT = set("0#?")


def format_number(value: float | Decimal, code: str | None) -> str:
    """A number as Excel displays it under ``code`` (the cell's number format), within reason:

    sections (positive;negative;zero), ``%``, decimals, thousands separators, scaling commas,
    scientific ``0.00E+00``, quoted/escaped literals and ``[$¥-804]`` currency; colours,
    conditions, ``_x`` spacing and ``*x`` fills are dropped. ``General`` (or anything not
    understood: fractions, dates on a number) gives the value with at most 15 significant
    digits. 0.6646 with ``0.00%`` → ``66.46%``; 298.71000000000004 with ``General`` → ``298.71``.
    """
    try:
        d = _to_decimal(value)
    except (InvalidOperation, ValueError, OverflowError):
        return str(value)
    if not d.is_finite():
        return "#NUM!"
    code = (code or "General").strip() or "General"
    sections = _split_sections(code)
    if len(sections) >= 3 and d == 0:
        section, sign = sections[2], ""
    elif d < 0 and len(sections) >= 2 and sections[1].strip():
        section, sign = sections[1], ""
    else:
        section, sign = sections[0], "-" if d < 0 else ""
    d = abs(d)
    try:
        text = _format_section(d, section)
    except (InvalidOperation, ValueError, OverflowError):
        text = _plain(d)
    if sign and text and any(ch.isdigit() and ch != "0" for ch in text):
        text = sign + text
    return text.strip()


def _format_section(d: Decimal, section: str) -> str:
    prefix: list[str] = []
    suffix: list[str] = []
    spec: list[str] = []  # the number's placeholder characters
    general = False
    percent = 0
    sci = False
    i, n = 0, len(section)
    in_number = False
    after_number = False
    while i < n:
        ch = section[i]
        lit = None
        if ch == '"':
            j = section.find('"', i + 1)
            j = n if j < 0 else j
            lit = section[i + 1:j]
            i = j + 1
        elif ch == "\\" and i + 1 < n:
            lit = section[i + 1]
            i += 2
        elif ch in "_*" and i + 1 < n:
            i += 2
            continue
        elif ch == "[":
            j = section.find("]", i)
            j = n if j < 0 else j
            inner = section[i + 1:j]
            if inner.startswith("$"):  # [$¥-804]: currency symbol
                lit = inner[1:].split("-")[0]
            i = j + 1
        elif section[i:i + 7].lower() == "general":
            general = True
            in_number, after_number = False, True
            i += 7
            continue
        elif ch in _DIGIT or (ch in ".," and (in_number or (i + 1 < n and section[i + 1] in _DIGIT))):
            if after_number and not in_number:
                return _plain(d)  # two number parts (fractions, 0 00): not handled
            in_number = True
            spec.append(ch)
            i += 1
            continue
        elif ch in "Ee" and in_number and i + 1 < n and section[i + 1] in "+-":
            sci = True
            spec.append(ch + section[i + 1])
            i += 2
            continue
        elif ch == "%":
            percent += 1
            lit = "%"
            i += 1
        elif ch == "@":  # the text format on a number: Excel shows it as General
            general = True
            in_number, after_number = False, True
            i += 1
            continue
        elif ch.lower() in "ymdhs" or ch == "/":
            return _plain(d)  # a date/time or fraction format on a plain number: show the number
        else:
            lit = ch
            i += 1
        if lit is not None:
            if in_number:
                in_number, after_number = False, True
            (suffix if after_number else prefix).append(lit)
    if general:
        body = _plain(d * (100 ** percent))
    elif not spec:
        return "".join(prefix) + "".join(suffix)  # e.g. the zero section "-" of accounting formats
    else:
        body = _format_digits(d * (100 ** percent), "".join(spec), sci)
    return "".join(prefix) + body + "".join(suffix)


def _format_digits(d: Decimal, spec: str, sci: bool) -> str:
    if sci:
        mant = spec.split("E")[0].split("e")[0]
        decimals = len([c for c in mant.split(".", 1)[1] if c in _DIGIT]) if "." in mant else 0
        return f"{float(d):.{decimals}E}"  # 1.23E+04, as Excel (a Decimal would give E+4)
    # trailing commas scale by 1000 each
    while spec.endswith(","):
        d = d / 1000
        spec = spec[:-1]
    int_part, _, frac_part = spec.partition(".")
    thousands = "," in int_part
    decimals = sum(1 for c in frac_part if c in _DIGIT)
    min_decimals = sum(1 for c in frac_part if c == "0")
    q = quantize(d, Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    s = format(q, ",f" if thousands else "f")
    if "." in s and min_decimals < decimals:  # '#' decimals are optional
        head, frac = s.split(".")
        frac = frac[:min_decimals] + frac[min_decimals:].rstrip("0")
        s = head + ("." + frac if frac else "")
    if "0" not in int_part and (s == "0" or s.startswith("0.")):
        s = s[1:]  # no required integer digit: '#.00' shows .50, '??' shows nothing for 0
    return s


# ------------------------------------------------------------------------------------------
# grid → blocks


def sheet_blocks(grid: SheetGrid, start: int = 0) -> list[Paragraph | Table]:
    """Split one sheet's grid into Paragraph and Table blocks (see the module doc). ``start`` is
    the block index of the first one (render_lines renumbers anyway). The used area (rows ×
    columns up to the last value) is what :func:`read_workbook` bounds with :data:`MAX_CELLS`."""
    if not grid.values:
        return []
    values = grid.values
    nrows = max(r for r, _ in values) + 1
    ncols = max(c for _, c in values) + 1
    owner, cut = _place_merges(grid.merges, nrows, ncols)
    if cut:
        grid.truncated = grid.truncated or f"合并单元格过多，忽略了其中 {cut} 处"
    row_values: dict[int, list[int]] = {}
    for r, c in sorted(values):
        row_values.setdefault(r, []).append(c)
    anchors: dict[int, list[Merge]] = {}
    tall_rows: set[int] = set()
    for m in set(owner) - {None}:
        anchors.setdefault(m[0], []).append(m)
        if m[1] - m[0] > 1:
            tall_rows.update(range(m[0], m[1]))
    framed_rows = {r for r, c in grid.framed if c < ncols and r < nrows}

    def merge_at(r: int, c: int) -> Merge | None:
        return owner[r * ncols + c]

    def row_units(r: int) -> list[tuple[int, str]]:
        """(column, text) of the non-empty visible units of row r: a merged range once, in its
        first row, with the text of its top-left cell (Excel hides the others)."""
        out = [(m[2], values[(m[0], m[2])]) for m in anchors.get(r, ()) if (m[0], m[2]) in values]
        out += [(c, values[(r, c)]) for c in row_values.get(r, ()) if owner[r * ncols + c] is None]
        return sorted(out)

    # blocks: runs of rows that are not blank (a framed row or one inside a vertical merge is
    # not blank even without a value), with their own empty leading/trailing rows dropped
    runs: list[list[int]] = []
    cur: list[int] = []
    for r in range(nrows):
        if r not in framed_rows and r not in tall_rows and not row_units(r):
            if cur:
                runs.append(cur)
                cur = []
        else:
            cur.append(r)
    if cur:
        runs.append(cur)

    blocks: list[Paragraph | Table] = []
    for run in runs:
        while run and run[-1] not in tall_rows and not row_units(run[-1]):
            run.pop()
        while run and run[0] not in tall_rows and not row_units(run[0]):
            run.pop(0)
        if not run:
            continue
        framed_block = any(r in framed_rows for r in run)

        def para_row(r: int, framed_block: bool = framed_block) -> bool:
            if r in tall_rows:
                return False
            units = row_units(r)
            if not units:
                return False
            return r not in framed_rows if framed_block else len(units) == 1

        head = 0
        while head < len(run) and para_row(run[head]):
            head += 1
        tail = len(run)
        if framed_block:
            while tail > head and para_row(run[tail - 1]):
                tail -= 1
        for r in run[:head]:
            blocks.append(Paragraph(start + len(blocks), "  ".join(t for _, t in row_units(r))))
        if head < tail:
            table = _table(grid.name, run[head:tail], values, row_values, merge_at, ncols, start + len(blocks))
            if table is not None:
                blocks.append(table)
        for r in run[tail:]:
            blocks.append(Paragraph(start + len(blocks), "  ".join(t for _, t in row_units(r))))
    return blocks


MERGE_WORK = 4_000_000  # cells examined placing merged ranges, per sheet


def _place_merges(merges: list[Merge], nrows: int, ncols: int) -> tuple[list[Merge | None], int]:
    """The owning range of every cell of the used area (None when unmerged), and how many ranges
    were left out when :data:`MERGE_WORK` ran out. Ranges are clipped to the area; overlapping
    ranges (Excel refuses them, old generators write them: the sample's 执行监控 sheet has A7:C11
    over A8:C8…) are resolved silently by keeping the larger, then the one first in the file."""
    owner: list[Merge | None] = [None] * (nrows * ncols)
    clipped = [(r0, min(r1, nrows), c0, min(c1, ncols)) for r0, r1, c0, c1 in merges
               if r0 < nrows and c0 < ncols and r1 > r0 and c1 > c0]
    clipped = [m for m in clipped if (m[1] - m[0]) * (m[3] - m[2]) > 1]
    ordered = sorted(clipped, key=lambda m: -(m[1] - m[0]) * (m[3] - m[2]))  # stable: file order
    work = 0
    for k, m in enumerate(ordered):
        r0, r1, c0, c1 = m
        free = True
        for r in range(r0, r1):
            base = r * ncols
            work += c1 - c0
            if any(owner[base + c] is not None for c in range(c0, c1)):
                free = False
                break
        if work > MERGE_WORK:
            return owner, len(ordered) - k
        if free:
            for r in range(r0, r1):
                owner[r * ncols + c0:r * ncols + c1] = [m] * (c1 - c0)
    return owner, 0


def _table(name: str, rows: list[int], values: dict, row_values: dict, merge_at, ncols: int,
           index: int) -> Table | None:
    first, last = rows[0], rows[-1]
    # the columns the table uses: its values, and the ranges it holds (a range spanning rows or
    # columns counts even when empty: a docx cell merged across the grid)
    used: set[int] = set()
    for r in rows:
        used.update(c for c in row_values.get(r, ()) if merge_at(r, c) is None)
        for c in range(ncols):
            m = merge_at(r, c)
            if m is not None and c == m[2]:
                used.update((m[2], m[3] - 1))
    if not used:
        return None
    c_lo, c_hi = min(used), max(used)
    out_rows: list[list[Cell]] = []
    for r in rows:
        cells: list[Cell] = []
        c = c_lo
        while c <= c_hi:
            m = merge_at(r, c)
            if m is None:
                cells.append(Cell(values.get((r, c), ""), 0, len(cells), ref=a1(r, c)))
                c += 1
                continue
            left = max(m[2], c_lo)
            right = min(m[3], c_hi + 1)
            if c == left:
                if r == max(m[0], first):
                    cells.append(Cell(values.get((m[0], m[2]), ""), 0, len(cells), rowspan=min(m[1], last + 1) - r,
                                      colspan=right - left, ref=a1(m[0], m[2])))
                else:
                    cells.append(Cell("", 0, len(cells), colspan=right - left, covered=True, ref=a1(r, c)))
            c = right
        out_rows.append(cells)
    return Table(index, out_rows, sheet=name)
