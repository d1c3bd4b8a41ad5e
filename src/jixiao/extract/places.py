"""Where in the report a value stands, in the report's own words: the table, the row label and
the column heading of a cell (``基础数据表·三公经费·决算数``), or the section heading above a line
of text (``三、存在的问题``) — what a reviewer quotes in a 复核意见 beside the line number.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ..model import Source
from ..readers.document import Cell, Document, Paragraph, Table
from .identity import HEADING
from .numbers import EMPTY_MARKS, normalize, parse_amount
from .selfeval import indicator_header
from .tables import at, grid_starts, grid_width

TABLE_NAMES = (  # a table's name from its cells, when no title stands above it
    (re.compile(r"三级指标"), "绩效自评表"),
    (re.compile(r"评分标准"), "评分表"),
    (re.compile(r"财政供养人员|经费控制情况|三公经费"), "基础数据表"),
    (re.compile(r"年度资金总额|项目资金"), "自评表"),
)


def _is_label(c: Cell | None) -> bool:
    """A cell of words (a label), not an amount: ``指标3：完成改造数量`` is words, ``338.31万元`` an amount."""
    if c is None or not c.clean or c.covered or c.clean in EMPTY_MARKS:
        return False
    return parse_amount(c.clean) is None or len(CJK.findall(c.clean)) >= 3


CJK = re.compile(r"[\u4e00-\u9fff]")
LABEL_VALUE = re.compile(r"^(\D{2,16}?)[:：]\s*[-\d.]+")
NUMBERED = re.compile(r"^(?:指标\d+[:：]|其中[:：]|\d+[、.．])")


class _Memo:
    """What :func:`cell_place` works out once per table, row or cell of one document, kept in the
    ``memo`` dict its callers pass (keys are tuples, beside the indicator header by table index)."""

    def __init__(self, memo: dict, table: Table):
        self.memo, self.table = memo, table
        self.is_label: dict[int, tuple[Cell, bool]] = memo.setdefault(("label",), {})  # id(cell) → (cell, label?)
        self.grids: dict[int, tuple[list[int], int]] = memo.setdefault(("grid", table.index), {})  # row → grid

    def label(self, c: Cell | None) -> bool:
        if c is None:
            return False
        hit = self.is_label.get(id(c))
        if hit is None or hit[0] is not c:
            hit = self.is_label[id(c)] = (c, _is_label(c))  # the cell is held, so its id is not reused
        return hit[1]

    def labels(self, r: int) -> int:
        """How many label cells row ``r`` of the table has."""
        key = ("labels", self.table.index, r)
        if key not in self.memo:
            self.memo[key] = sum(self.label(c) for c in self.table.rows[r])
        return self.memo[key]

    def grid(self, r: int) -> tuple[list[int], int]:
        """Row ``r``'s grid starts and grid width."""
        got = self.grids.get(r)
        if got is None:
            row = self.table.rows[r]
            got = self.grids[r] = (grid_starts(row), grid_width(row))
        return got

    def under(self, r: int, here: int, k: int) -> Cell | None:
        """The cell of row ``r`` above cell ``k`` of row ``here``: by grid column when the rows are
        as wide, else counted from the right (a text export drops merged leading cells, as
        :func:`tables.at`)."""
        header, cells = self.table.rows[r], self.table.rows[here]
        h_starts, h_width = self.grid(r)
        c_starts, c_width = self.grid(here)
        if h_width == c_width:
            g = c_starts[k]
            i = bisect_right(h_starts, g) - 1  # the one cell that can span grid column g
            return header[i] if i >= 0 and g < h_starts[i] + max(header[i].colspan, 1) else None
        j = len(header) - (len(cells) - k)
        return header[j] if 0 <= j < len(header) else None

    def row_at(self, row: int) -> int | None:
        """The position in the table of the row whose cells have ``Cell.row`` ``row`` (the first)."""
        key = ("rows", self.table.index, id(self.table))
        by_row = self.memo.get(key)
        if by_row is None:
            by_row = self.memo[key] = {}
            for i, r in enumerate(self.table.rows):
                if r:
                    by_row.setdefault(r[0].row, i)
        return by_row.get(row)

    def name(self, doc: Document) -> str:
        key = ("name", self.table.index)
        if key not in self.memo:
            self.memo[key] = table_name(doc, self.table)
        return self.memo[key]


def _short(text: str, n: int = 16) -> str:
    t = normalize(text)
    t = NUMBERED.sub("", t, count=1)
    return t if len(t) <= n else t[:n] + "…"


def table_name(doc: Document, table: Table) -> str:
    """The title above the table (a short paragraph naming a 表), its title row, its worksheet,
    or what its cells say it is."""
    prev = [b for b in doc.blocks if b.index < table.index][-3:]
    for b in reversed(prev):
        if isinstance(b, Paragraph):
            t = normalize(b.text)
            if t.endswith("表") and len(t) <= 40:
                return _short(re.sub(r"^附件\d*[:：]?", "", t), 24)
    if table.rows:
        texts = {c.clean for c in table.rows[0] if c.clean}
        if len(texts) == 1 and next(iter(texts)).endswith("表"):
            return _short(next(iter(texts)), 24)
    text = "".join(c.clean for row in table.rows[:12] for c in row)
    for rx, name in TABLE_NAMES:
        if rx.search(text):
            return name
    return table.sheet or "表格"


def cell_place(doc: Document, table: Table, row: int, col: int, memo: dict | None = None) -> str | None:
    """``表名·行标签·列标题`` of the cell at ``row`` (its ``Cell.row``) and ``col`` (its position
    in the row). ``memo`` keeps each table's indicator header, name, row grids and label cells
    between calls (one dict per document)."""
    memo = {} if memo is None else memo
    if table.index not in memo:
        memo[table.index] = indicator_header(table)
    m8 = _Memo(memo, table)
    here = m8.row_at(row)
    cells = table.rows[here] if here is not None else None
    k = next((i for i, c in enumerate(cells or []) if c.col == col), None)
    if cells is None or k is None:
        return None
    cell = cells[k]
    hdr = memo[table.index]
    name = at(cells, hdr[1].get("name")) if hdr is not None and hdr[0] < here else None
    if name is not None and len(name.clean) > 30:
        name = None
    if m8.label(name) and name is not cell:
        label = name  # an indicator row is named by its 三级指标
    else:
        label = next((c for c in reversed(cells[:k]) if m8.label(c)), None)
    head = None
    if name is cell:
        return f"{m8.name(doc)}·{_short(cell.text)}"
    m = LABEL_VALUE.match(normalize(cell.text))
    if m:  # a label–value cell (其中：基本支出：0): it names itself
        return f"{m8.name(doc)}·{_short(m.group(1))}"
    if len(cell.clean) > 40:  # prose in a cell (a merged one, as every format lays it out): its row names it
        return "·".join([m8.name(doc)] + ([_short(label.text)] if label is not None else []))
    if hdr is not None and hdr[0] < here:  # under the indicator header: its column heading
        for r in (hdr[0], hdr[0] - 1):
            above = m8.under(r, here, k) if r >= 0 else None
            if m8.label(above):
                head = above
                break
    for r in range(here - 1, -1, -1) if head is None else ():
        if m8.labels(r) < 2:
            continue  # a heading row has two labels at least
        above = m8.under(r, here, k)
        if m8.label(above) and len(above.clean) <= 20:
            head = above
            break
    parts = [m8.name(doc)]
    if label is not None:
        parts.append(_short(label.text))
    if head is not None and (label is None or head.clean != label.clean):
        parts.append(_short(head.text))
    elif label is None and m8.label(cell):
        parts.append(_short(cell.text))
    return "·".join(parts)


def section_of(doc: Document, block: int) -> str | None:
    """The nearest numbered heading at or above paragraph ``block``."""
    for b in reversed([b for b in doc.blocks if b.index <= block]):
        if isinstance(b, Paragraph):
            t = normalize(b.text)
            if HEADING.match(t) and len(t) <= 40:
                return "正文·" + _short(b.text, 24)
    return None


def place_of(doc: Document, source: Source, memo: dict | None = None) -> str | None:
    """Where ``source`` stands in the report's own words, or None when it cannot be said
    (``memo``: a dict kept across the calls for one document, for speed)."""
    if source.block is None:
        return None
    if memo is None:
        table = next((t for t in doc.tables if t.index == source.block), None)
    else:
        if ("tables",) not in memo:
            by_index: dict[int, Table] = {}
            for t in doc.tables:
                by_index.setdefault(t.index, t)  # the first table with the index, as a scan finds
            memo[("tables",)] = by_index
        table = memo[("tables",)].get(source.block)
    if table is not None and source.row is not None and source.col is not None:
        return cell_place(doc, table, source.row, source.col, memo)
    if table is None:
        return section_of(doc, source.block)
    return table_name(doc, table)
