"""Table helpers shared by the layout extractors: cells → Values with provenance, label lookup,
header-to-column mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from ..decimals import quantize
from ..model import MeasureValue, Source, Value
from ..readers.document import Cell, Document, Table
from .layouts import Synonyms, layouts
from .numbers import normalize, parse_amount, parse_measure

Parser = Callable[[str], object]


def per_table(fn):
    """Memoise ``fn(table, *args)`` for the same Table (and argument) objects: the extractors
    ask a table's header or unit many times. The memo holds them, so their ids are not reused
    while cached; it is emptied past 16 entries (a document's tables), so a batch does not keep
    documents alive."""
    memo: dict = {}

    def wrapper(table, *args):
        key = (id(table), *map(id, args))
        hit = memo.get(key)
        if hit is not None and hit[0] is table and all(a is b for a, b in zip(hit[1], args)):
            return hit[2]
        if len(memo) > 16:
            memo.clear()
        out = fn(table, *args)
        memo[key] = (table, args, out)
        return out

    wrapper.__doc__, wrapper.__name__, wrapper.__wrapped__ = fn.__doc__, fn.__name__, fn
    return wrapper


@per_table
def match_texts(table: Table) -> list[list[str]]:
    """Each cell's match text (:func:`~jixiao.extract.numbers.normalize` of its clean text), row by row."""
    return [[normalize(c.clean) for c in row] for row in table.rows]


@per_table
def table_text(table: Table) -> str:
    """The match texts of all the table's cells, one a line: what a table must hold for a label
    or header to be in it at all (:meth:`~jixiao.extract.layouts.Synonyms.may_match`)."""
    return "\n".join(t for row in match_texts(table) for t in row)


_CELL_SOURCE_FIELDS = frozenset(("file", "block", "row", "col", "line", "page", "bbox", "sheet", "ref"))


def source_of(doc: Document, table: Table | None, cell: Cell | None = None, line: int | None = None,
              block: int | None = None) -> Source:
    if cell is not None and table is not None:
        file, index, row, col, ln, page, sheet, ref = (doc.path, table.index, cell.row, cell.col, cell.line,
                                                        cell.page, table.sheet, cell.ref)
        if (cell.bbox is None and type(file) is str and type(index) is int and type(row) is int
                and type(col) is int and type(ln) is int and (page is None or type(page) is int)
                and (sheet is None or type(sheet) is str) and (ref is None or type(ref) is str)):
            # every field already of its type (no bbox to coerce to floats): the Source validation
            # would make, built without it (~150 per report)
            src = Source.__new__(Source)
            object.__setattr__(src, "__dict__", {"file": file, "block": index, "row": row, "col": col, "line": ln,
                                                 "page": page, "bbox": None, "sheet": sheet, "ref": ref,
                                                 "place": None})
            object.__setattr__(src, "__pydantic_fields_set__", set(_CELL_SOURCE_FIELDS))
            object.__setattr__(src, "__pydantic_extra__", None)
            object.__setattr__(src, "__pydantic_private__", None)
            return src
        return Source(file=doc.path, block=table.index, row=cell.row, col=cell.col, line=cell.line,
                      page=cell.page, bbox=cell.bbox, sheet=table.sheet, ref=cell.ref)
    return Source(file=doc.path, block=block if table is None else table.index, line=line,
                  page=table.page if table is not None else None, sheet=table.sheet if table is not None else None)


def cell_value(doc: Document, table: Table, cell: Cell | None, parse: Parser | None = None) -> Value:
    """A cell as a Value; ``parse`` turns its text into the value (None when it cannot)."""
    if cell is None:
        return Value()
    raw = cell.text.strip()
    value = parse(raw) if parse else (cell.clean or None)
    return Value(value=value, raw=raw, source=source_of(doc, table, cell))


def amount_value(doc: Document, table: Table, cell: Cell | None) -> Value:
    """A cell holding one plain number (points, persons; money only via :func:`money_value`)."""
    return cell_value(doc, table, cell, parse_amount)


CURRENCY = re.compile(r"(?:金额)?单位[:：]?(亿元|万元|元)|[（(](亿元|万元|元)[)）]")
SCALE = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}


def table_scale(doc: Document, table: Table) -> Decimal:
    """万元 per unit of the table's bare amounts: 0.0001 when the table title or header says
    ``单位：元`` / ``（元）`` and nowhere ``万元``; 10000 for ``亿元``; else 1 (forms are in 万元)."""
    return _table_scale(table, doc)


@per_table
def _table_scale(table: Table, doc: Document) -> Decimal:
    units = set(_table_units(table))
    # the block just before the table in the file (looked up by index: ``doc`` may be a view
    # holding one document of the file, see Document.subset)
    prev = next((b for b in doc.blocks if b.index == table.index - 1), None)
    if prev is not None and prev.kind == "paragraph":
        units |= {m.group(1) or m.group(2) for m in CURRENCY.finditer(normalize(prev.text))}
    if not units or "万元" in units or len(units) > 1:
        return Decimal(1)
    return SCALE[units.pop()]


@per_table
def _table_units(table: Table) -> frozenset[str]:
    """The currency units (元 / 万元 / 亿元) named in the table's first rows or its 单位 cells."""
    texts = [c.clean for r in table.rows[:3] for c in r]
    texts += [c.clean for c in table.cells() if "单位" in c.clean]
    return frozenset(m.group(1) or m.group(2) for t in texts for m in CURRENCY.finditer(normalize(t)))


def money_value(doc: Document, table: Table, cell: Cell | None) -> Value:
    """A money cell in 万元: a bare number is scaled by the table's unit (:func:`table_scale`);
    a number written with its own unit (``24元``, ``1.2亿元``) is converted by that unit."""
    v = cell_value(doc, table, cell, parse_amount)
    if v.number is not None and "元" not in normalize(v.raw):
        scale = table_scale(doc, table)
        if scale != 1:
            v.value = tidy(v.number * scale)
    return v


def tidy(x: Decimal) -> Decimal:
    """A converted amount without the trailing zeros of the conversion (1377000.00元 × 0.0001 →
    137.70, not 137.700000): two decimals when exact to the cent of a 万元, else normalised."""
    cent = quantize(x, Decimal("0.01"))
    return cent if cent == x else Decimal(format(x.normalize(), "f"))


def measure_value(doc: Document, table: Table, cell: Cell | None) -> MeasureValue:
    if cell is None:
        return MeasureValue()
    raw = cell.text.strip()
    return MeasureValue(value=normalize(raw) or None, raw=raw, parsed=parse_measure(raw),
                        source=source_of(doc, table, cell))


ITEM_NUMBER = re.compile(r"^(其中[:：]?|\d+[、.．]|[（(]\d+[)）])")


def label(text: str) -> str:
    """Label text for matching: no spaces, no trailing colon, no 序号 (``1、``/``其中：``)."""
    t = normalize(text)
    t = ITEM_NUMBER.sub("", t)
    return t.rstrip(":：")


def find_rows(table: Table, pattern: str) -> Iterable[tuple[int, list[Cell]]]:
    rx = re.compile(pattern)
    for i, row in enumerate(table.rows):
        if any(rx.search(c.clean) for c in row):
            yield i, row


def first_row(table: Table, pattern: str) -> tuple[int, list[Cell]] | tuple[None, None]:
    for found in find_rows(table, pattern):
        return found
    return None, None


@dataclass(frozen=True, slots=True)
class Col:
    """Where a header column sits: ``grid`` its first grid column (merged cells count their
    colspan), ``width`` the header's grid width, ``neg`` its position counted from the right in
    the header row's cell list, ``label`` the header text it was matched on."""

    grid: int
    width: int
    neg: int
    label: str = ""


def grid_starts(row: list[Cell]) -> list[int]:
    """The first grid column of each cell of ``row`` (cells before it add their colspan)."""
    out, g = [], 0
    for c in row:
        out.append(g)
        g += max(c.colspan, 1)
    return out


def grid_width(row: list[Cell]) -> int:
    return sum(max(c.colspan, 1) for c in row)


def header_columns(header: list[Cell], sub: list[Cell] | None = None) -> list[Col]:
    """The columns of a header row: one per header cell, or — where ``sub`` is a sub-header row
    under cells spanning several columns (河北: 预期指标值 over 符号 / 值 / 单位) — one per sub
    cell, labelled ``上层·下层``. Labels are match text (full-width → ASCII, traditional →
    simplified), as the synonyms expect."""
    width = grid_width(header)
    starts = grid_starts(header)
    sub_starts = grid_starts(sub) if sub is not None else []
    cols: list[Col] = []
    n = len(header)
    for k, (c, g) in enumerate(zip(header, starts)):
        span = range(g, g + max(c.colspan, 1))
        parts = [(s, sc) for s, sc in zip(sub_starts, sub or []) if s in span and not sc.covered] \
            if sub is not None and c.colspan > 1 else []
        if parts and any(sc.clean for _, sc in parts):
            for s, sc in parts:
                lab = f"{normalize(c.clean)}·{normalize(sc.clean)}" if sc.clean else normalize(c.clean)
                cols.append(Col(grid=s, width=width, neg=k - n, label=lab))
        else:
            cols.append(Col(grid=g, width=width, neg=k - n, label=normalize(c.clean)))
    return cols


def is_subheader(header: list[Cell], row: list[Cell]) -> bool:
    """``row`` names the parts of header cells that span several columns: its non-empty cells
    are labels (no amounts) and every one stands under a multi-column header cell."""
    if grid_width(row) != grid_width(header) or not any(c.colspan > 1 for c in header):
        return False
    spans = [(g, g + c.colspan) for g, c in zip(grid_starts(header), header) if c.colspan > 1]
    filled = [(g, c) for g, c in zip(grid_starts(row), row) if c.clean and not c.covered]
    if not filled:
        return False
    for g, c in filled:
        if parse_amount(c.clean) is not None or not any(a <= g < b for a, b in spans):
            return False
    return True


def map_columns(cols: list[Col], synonyms) -> dict[str, Col]:
    """Field name → header column, for ``synonyms`` (field → :class:`~jixiao.extract.layouts.Synonyms`,
    or field → one regex): each field takes the first column matching its highest-priority
    synonym; a column is taken by one field only (fields in the order given)."""
    labels = [c.label for c in cols]
    out: dict[str, Col] = {}
    used: set[int] = set()
    for name, syn in synonyms.items():
        pats = syn.patterns if isinstance(syn, Synonyms) else [re.compile(syn)]
        for rx in pats:
            k = next((i for i, t in enumerate(labels) if i not in used and rx.search(t)), None)
            if k is not None:
                out[name] = cols[k]
                used.add(k)
                break
    return out


def map_header(header: list[Cell], columns) -> dict[str, Col]:
    """Map field names to the header's columns (:func:`map_columns` over :func:`header_columns`).
    ``columns`` maps a field name to a regex over the header cell text, or to Synonyms."""
    return map_columns(header_columns(header), columns)


def at(row: list[Cell], col: Col | None) -> Cell | None:
    """The cell of ``row`` under header column ``col``: by grid column when the row is as wide
    as the header and merged cells make list positions differ from grid columns, else counted
    from the right (a data row with fewer leading cells — merged 一级 labels in a text export —
    still lines up)."""
    if col is None:
        return None
    merged = col.grid != col.width + col.neg
    if not merged:
        for c in row:  # any(c.colspan > 1 for c in row), without a generator (called ~200 times per report)
            if c.colspan > 1:
                merged = True
                break
    if merged:
        if grid_width(row) == col.width:
            g = 0  # the grid column of c (grid_starts, without the list)
            for c in row:
                span = max(c.colspan, 1)
                if g <= col.grid < g + span:
                    return c
                g += span
            return None
    if -col.neg > len(row):
        return None
    return row[col.neg]


def label_pairs(row: list[Cell], fields: tuple[str, ...] | None = None, others: tuple[str, ...] | None = None,
                skip_empty: bool = False) -> Iterator[tuple[str, Cell, Cell]]:
    """(field, label cell, value cell) for each label of ``fields`` (layouts.toml ``[labels]``;
    all when None) in ``row``, its value the next cell not under a vertical merge — the next
    non-empty one when ``skip_empty`` — unless that cell is itself a label of ``others`` (all
    fields when None)."""
    lay = layouts()
    for k, c in enumerate(row[:-1]):
        name = lay.label_field(c.clean, fields)
        if name is None:
            continue
        nxt = next((x for x in row[k + 1:] if not x.covered and (x.clean or not skip_empty)), None)
        if nxt is not None and lay.label_field(nxt.clean, others) is None:
            yield name, c, nxt


def cell_after(row: list[Cell], pattern: str) -> Cell | None:
    """The cell right after the first cell matching ``pattern`` (key–value tables)."""
    rx = re.compile(pattern)
    for i, c in enumerate(row[:-1]):
        if rx.search(c.clean):
            return row[i + 1]
    return None
