"""A filled 填报工作簿 (:mod:`jixiao.author.template`) read into a :class:`jixiao.model.Report`.

Every Value keeps the text the unit typed (``raw``) and where (``Source(file, sheet, ref)``).
Totals are added up here from their parts (the workbook's formulas are for the unit's eye only);
indicator targets and actuals are written out the way the forms print them (``≥20场``) and parsed
with the extractor's own :func:`jixiao.extract.numbers.parse_measure`, so that a document written
from the Report reads back as the same record.

What cannot be read — text in a money cell, a year that is no year, a changed label — is a
:class:`Problem` naming sheet and cell; reading goes on, so that every problem is listed at once.

The web form (在线填报) has the same fields, keyed by the workbook's cells (``资金!D6``):
:func:`read_form` reads it through the same reader, and :func:`workbook_cells` turns an uploaded
workbook into those fields. Values read from the form point at the field by name
(``Source.place`` ``在线填报·资金·年度资金总额·全年执行数``) and at a line of the text view the
reviewer is shown (``Filled.lines``), not at a worksheet.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..extract.numbers import normalize, parse_measure
from ..model import FundSource, Indicator, MeasureValue, Report, Source, Value
from .template import META, Block, Layout, Slot, layout

NATURES = {"正向": "≥", "反向": "≤"}  # 指标性质 → the operator the forms print before the value


class WorkbookError(Exception):
    """The file is not a 填报工作簿 at all (not .xlsx, or not made by ``jixiao template``)."""


@dataclass(frozen=True)
class Problem:
    """One thing to fix before anything is written: ``sheet``, the A1 ``ref`` (None when it is
    the sheet or the workbook as a whole) and the ``message`` (中文)."""

    sheet: str
    ref: str | None
    message: str

    def text(self) -> str:
        return f"工作表“{self.sheet}”{self.ref or ''}：{self.message}"


@dataclass
class IndicatorRow:
    """One filled row of 绩效指标: its cells by column key, 指标性质 and the Indicator built."""

    slots: dict[str, Slot]
    cells: dict[str, Any]
    nature: str | None
    indicator: Indicator


@dataclass
class Filled:
    """A read workbook: the ``report`` (scores not yet computed), the ``problems`` found while
    reading, the filled indicator ``rows``, the other fields the forms print (``extra``: 填表人,
    联系电话) and the ``layout`` read against."""

    path: Path
    layout: Layout
    report: Report
    problems: list[Problem] = field(default_factory=list)
    rows: list[IndicatorRow] = field(default_factory=list)
    extra: dict[str, Value] = field(default_factory=dict)
    slots: dict[str, Slot] = field(default_factory=dict)  # fields by key, for precheck
    online: bool = False  # read from the web form (read_form), not a workbook
    lines: list[str] = field(default_factory=list)  # online: the text view, one line per filled field
    places: dict[str, str] = field(default_factory=dict)  # online: Source.place → the field (field_name)
    totals: dict[str, Value] = field(default_factory=dict)  # the totals added up, by field_name


ONLINE = "在线填报"  # the source of what the web form gives


def field_name(slot: Slot) -> str:
    """The web form's name for ``slot``'s field: ``sheet!ref`` (``资金!D6``)."""
    return f"{slot.sheet}!{slot.ref}"


def _meta(wb) -> dict[str, str]:
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    return {k: props.get(name) for k, name in META.items()}


def read_workbook(path: str | Path) -> Filled:
    """Read the workbook at ``path``. Raises :class:`WorkbookError` when it is not an .xlsx made
    by ``jixiao template``; everything else that is wrong is a Problem in the result."""
    p = Path(path)
    wb, lay = _open(p, str(p))
    return _read(Filled(p, lay, Report(kind=lay.kind, layout="selfeval_table")), wb)


def _open(p: Path, shown: str):
    """(workbook, its Layout) of the 填报工作簿 at ``p`` (named ``shown`` in errors). Raises
    WorkbookError when it is not an .xlsx made by ``jixiao template``."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise WorkbookError(f"{shown}：不是可读取的 .xlsx 工作簿（{type(exc).__name__}: {exc}）") from exc
    meta = _meta(wb)
    if meta["kind"] not in ("department", "project") or not (meta["year"] or "").isdigit():
        raise WorkbookError(f"{shown}：不是 jixiao template 生成的填报工作簿（缺少工作簿属性 {META['kind']}），"
                            "请用 jixiao template 生成后填写")
    return wb, layout(meta["kind"], int(meta["year"]), meta["ruleset"] or "national_2020")


def _read(filled: Filled, wb) -> Filled:
    reader = _Reader(filled, wb)
    for sl in filled.layout.sheets:
        if sl.name not in wb.sheetnames:
            filled.problems.append(Problem(sl.name, None, "缺少这张工作表（请用 jixiao template 重新生成工作簿）"))
            continue
        for block in sl.blocks:
            reader.block(wb[sl.name], block)
    reader.finish()
    return filled


def read_form(kind: str, year: int, fields: dict[str, Any], ruleset: str = "national_2020") -> Filled:
    """Read the web form's ``fields`` (``sheet!ref`` → the text typed, :func:`field_name`) for
    ``kind`` and ``year`` as :func:`read_workbook` reads a workbook: the same Report, the same
    Problems (naming the field's sheet and cell). Raises KeyError for an unknown kind or rule set."""
    lay = layout(kind, year, ruleset)  # type: ignore[arg-type]
    filled = Filled(Path(ONLINE), lay, Report(kind=lay.kind, layout="selfeval_table"), online=True)
    return _read(filled, _FormBook(lay, fields))


def workbook_cells(path: str | Path) -> tuple[str, int, str, dict[str, str]]:
    """An uploaded 填报工作簿 as the web form's fields: (kind, year, ruleset, ``sheet!ref`` → text),
    every input cell that is not empty (totals left out: they are added up). A number shown as a
    percentage (``85%``) is given as that text. Raises :class:`WorkbookError` as :func:`read_workbook`."""
    p = Path(path)
    wb, lay = _open(p, p.name)
    out: dict[str, str] = {}
    for sl in lay.sheets:
        if sl.name not in wb.sheetnames:
            continue
        ws = wb[sl.name]
        for block in sl.blocks:
            for slot in block.slots:
                if slot.sums:
                    continue
                cell = ws[slot.ref]
                percent = _percent_text(cell)
                text = _text(cell.value) if percent is None else percent + "%"
                if text is not None:
                    out[field_name(slot)] = text
    return lay.kind, lay.year, lay.ruleset, out



def _percent_text(cell) -> str | None:
    """The number of a cell formatted as a percentage (``0.85`` shown as ``85%``) as the person
    typed it, ``"85"``; None for any other cell."""
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (cell.number_format or ""):
        return _num_text(Decimal(str(v)) * 100)
    return None

@dataclass
class _FormCell:
    value: Any
    number_format: str = "General"


class _FormSheet:
    """One part of the web form, looked at as the worksheet it mirrors: its labels where the
    workbook has them, the typed text in its input cells."""

    def __init__(self, title: str, cells: dict[str, Any]):
        self.title = title
        self.cells = cells

    def __getitem__(self, ref: str) -> _FormCell:
        return _FormCell(self.cells.get(ref))


class _FormBook:
    def __init__(self, lay: Layout, fields: dict[str, Any]):
        self.sheets: dict[str, _FormSheet] = {}
        for sl in lay.sheets:
            cells: dict[str, Any] = {}
            for block in sl.blocks:
                cells.update({f"{ref}{block.header_row}": text for ref, text, _ in block.headers})
                cells.update({ref: text for ref, text, _ in block.labels})
                for slot in block.slots:
                    v = fields.get(field_name(slot))
                    if isinstance(v, str):
                        v = v.strip() or None
                    if v is not None and not slot.sums:
                        cells[slot.ref] = v
            self.sheets[sl.name] = _FormSheet(sl.name, cells)
        self.sheetnames = list(self.sheets)

    def __getitem__(self, name: str) -> _FormSheet:
        return self.sheets[name]


NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")


def _num_text(v: Any) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    t = _num_text(v).strip()
    return t or None


class _Reader:
    def __init__(self, filled: Filled, wb) -> None:
        self.f = filled
        self.wb = wb
        self.r = filled.report
        self.grid: dict[tuple[str, str, str], Value] = {}  # (target, row key, column) → Value

    # -- cells ------------------------------------------------------------------------------
    def src(self, slot: Slot, raw: str | None = None, what: str | None = None) -> Source:
        """Where the value of ``slot`` was read: its sheet and cell; for the web form, the field
        by name and the line of the text view that shows ``raw`` (added here)."""
        if not self.f.online:
            return Source(file=str(self.f.path), sheet=slot.sheet, ref=slot.ref)
        place = f"{ONLINE}·{slot.sheet}·{what or slot.label}"
        self.f.places[place] = field_name(slot)
        if raw is None:
            return Source(file=ONLINE, place=place)
        self.f.lines.append(f"{place}：{raw}")
        return Source(file=ONLINE, place=place, line=len(self.f.lines))

    def problem(self, slot: Slot, message: str) -> None:
        self.f.problems.append(Problem(slot.sheet, slot.ref, message))

    def value(self, ws, slot: Slot, what: str | None = None) -> Value:
        """The cell as a Value of its type; a Problem (and an empty Value) when it is not one."""
        cell = ws[slot.ref]
        v = cell.value
        raw = _text(v)
        src = self.src(slot, raw, what)
        if raw is None:
            return Value(source=src)
        what = what or slot.label
        t = slot.type
        if t in ("text", "measure"):
            return Value(value="".join(raw.split()) or None, raw=raw, source=src)
        if t == "multiline":
            return Value(value=raw, raw=raw, source=src)
        if t in ("money", "points", "int", "year"):
            number = _number(v)
            if number is None:
                kind = {"money": "金额（万元）", "points": "分值", "int": "人数", "year": "年度"}[t]
                self.problem(slot, f"“{what}”须为数字（{kind}），填的是“{raw}”")
                return Value(raw=raw, source=src)
            if number < 0:
                self.problem(slot, f"“{what}”不能为负数，填的是 {raw}")
                return Value(raw=raw, source=src)
            if t in ("int", "year"):
                if number != number.to_integral_value():
                    self.problem(slot, f"“{what}”须为整数，填的是 {raw}")
                    return Value(raw=raw, source=src)
                if t == "year" and not 2000 <= number <= 2100:
                    self.problem(slot, f"“{what}”须为四位年度，如 2025，填的是 {raw}")
                    return Value(raw=raw, source=src)
                return Value(value=int(number), raw=raw, source=src)
            return Value(value=number, raw=raw, source=src)
        raise ValueError(f"template.toml: unknown type {t!r}")

    # -- blocks -----------------------------------------------------------------------------
    def labels_ok(self, ws, block: Block) -> None:
        """A label or header changed (or a row inserted) would shift what is read: say where."""
        expected = [(f"{ref}{block.header_row}", text) for ref, text, _ in block.headers]
        expected += [(ref, text) for ref, text, _ in block.labels]
        for ref, text in expected:
            got = _text(ws[ref].value)
            if normalize(got) != normalize(text):
                self.f.problems.append(Problem(ws.title, ref, f"标签应为“{text}”，现为“{got or '（空）'}”："
                                                              "工作簿结构被改动，请在 jixiao template 生成的工作簿中填写"))

    def block(self, ws, block: Block) -> None:
        self.labels_ok(ws, block)
        if block.type == "fields":
            for slot in block.slots:
                self.f.slots[slot.key] = slot
                self.field(slot, self.value(ws, slot))
        elif block.type == "grid":
            self.grid_block(ws, block)
        elif block.type == "table":
            for n, cells in enumerate(block.rows, 1):
                self.indicator_row(ws, cells, n)

    def field(self, slot: Slot, v: Value) -> None:
        key, r = slot.key, self.r
        if key.startswith("section:"):
            if v.present:
                r.sections[key.split(":", 1)[1]] = v
            return
        if key in ("preparer", "phone"):
            self.f.extra[key] = v
            return
        obj: Any = r
        *path, last = key.split(".")
        for part in path:
            obj = getattr(obj, part)
        setattr(obj, last, v)

    def grid_block(self, ws, block: Block) -> None:
        rows: dict[str, list[Slot]] = {}
        for slot in block.slots:
            rows.setdefault(slot.key, []).append(slot)
        for key, slots in rows.items():
            for slot in slots:
                if slot.sums:  # a total: added up from its parts (read before it or after it)
                    continue
                self.grid[(block.target, key, slot.column)] = self.value(ws, slot, f"{slot.label}·{_header(block, slot)}")
        for slot in reversed([s for s in block.slots if s.sums]):  # totals, inner first (三公经费 needs 公务用车)
            parts = [self.grid.get((block.target, k, slot.column), Value()) for k in slot.sums]
            numbers = [v.number for v in parts if v.number is not None]
            total = sum(numbers, Decimal(0)) if numbers else None
            raw = None if total is None else _num_text(total)
            self.grid[(block.target, slot.key, slot.column)] = self.f.totals[field_name(slot)] = Value(
                value=total, raw=raw, source=self.src(slot, raw, f"{slot.label}·{_header(block, slot)}"))
        for key, slots in rows.items():
            values = {s.column: self.grid[(block.target, key, s.column)] for s in slots}
            self.place(block, key, slots[0], values)

    def place(self, block: Block, key: str, slot: Slot, values: dict[str, Value]) -> None:
        r = self.r
        label_src = (Source(file=ONLINE, place=f"{ONLINE}·{slot.sheet}·{slot.label}") if self.f.online else
                     Source(file=str(self.f.path), sheet=slot.sheet, ref="A" + re.sub(r"^[A-Z]+", "", slot.ref)))
        if block.target == "control":
            obj: Any = r
            for part in key.split("."):
                obj = getattr(obj, part)
            for col, v in values.items():
                setattr(obj, col, v)
        elif block.target in ("funds", "sources") and key == "total":
            for col, v in values.items():
                setattr(r.funds, col, v)
        elif block.target == "sources":
            if any(v.present for v in values.values()):
                r.funds.by_source.append(FundSource(name=Value(value=key, raw=slot.label, source=label_src), **values))
        elif block.target == "income_nature":
            v = values["executed"]
            if v.present:
                r.funds.by_source.append(FundSource(name=Value(value=key, raw=slot.label, source=label_src), executed=v))
        elif block.target == "spending_nature":
            v = values["executed"]
            if v.present:
                r.funds.by_nature[key] = v
                if key == "基本支出":
                    r.spending.basic = v
                elif key == "项目支出":
                    r.spending.project = v

    def indicator_row(self, ws, slots: dict[str, Slot], n: int) -> None:
        cells = {k: ws[s.ref].value for k, s in slots.items()}
        if all(_text(v) is None for v in cells.values()):
            return  # a blank row
        # the form names a cell by its row (第3个指标·实际完成值); the workbook's cell says it itself
        vals = {k: self.value(ws, s, f"第{n}个指标·{s.label}" if self.f.online else None) for k, s in slots.items()}
        nature = vals["nature"].value
        unit = vals["unit"].value or ""
        for k in ("target", "actual"):
            percent = None if unit else _percent_text(ws[slots[k].ref])
            if percent is not None:
                vals[k] = Value(value=percent, raw=percent + "%", source=vals[k].source)
        qualitative = nature == "定性"
        ind = Indicator(
            level1=vals["level1"], level2=vals["level2"],
            name=vals["name"],
            target=_measure(vals["target"], None if qualitative else NATURES.get(nature or ""), unit),
            actual=_measure(vals["actual"], None, unit),
            weight=vals["weight"],
            self_score=vals["qualitative_score"],
            deviation=vals["deviation"],
        )
        self.f.rows.append(IndicatorRow(slots, cells, nature, ind))
        self.r.indicators.append(ind)

    def finish(self) -> None:
        r = self.r
        if r.kind == "project":
            r.unit_name = r.implementing_unit  # as the project extractor names it
        for key in ("goal_expected", "goal_actual"):
            v = getattr(r, key)
            if r.kind == "department" and v.present:
                r.qualitative_goals.append(v)


def _header(block: Block, slot: Slot) -> str:
    col = re.sub(r"\d+$", "", slot.ref)
    return next((text for ref, text, _ in block.headers if ref == col), "")


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        t = normalize(v).replace(",", "")
        if NUMBER.match(t):
            try:
                return Decimal(t)
            except InvalidOperation:
                return None
    return None


def measure_text(value: str, op: str | None, unit: str) -> str:
    """A target or actual as the forms print it: the operator of its 指标性质 (``≥``/``≤``)
    before a number, the 计量单位 after it (``≥20场``); a date (``10月``, ``2025年12月31日前``)
    or a text (``有效提升``) as written."""
    t = value.strip()
    number = NUMBER.match(normalize(t).replace(",", ""))
    if number is None:
        return t
    return f"{op or ''}{t}{unit}"


def _measure(v: Value, op: str | None, unit: str) -> MeasureValue:
    if v.raw is None:
        return MeasureValue(source=v.source)
    text = measure_text(v.raw, op, unit)
    return MeasureValue(value=normalize(text) or None, raw=text, parsed=parse_measure(text), source=v.source)
