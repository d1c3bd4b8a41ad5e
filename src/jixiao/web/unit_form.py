"""The 在线填报 form laid out from the workbook's own layout (:func:`jixiao.author.template.layout`),
and what the unit is shown about it: the computed scores and the 填报检查, each problem and finding
beside the field it concerns.

Fields are named as :func:`jixiao.author.workbook.field_name` names them (``资金!D6``), so the form,
an uploaded workbook and the reader all agree. Nothing here reads or scores: that is
:func:`jixiao.author.workbook.read_form` and :func:`jixiao.author.pipeline.evaluate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..author.pipeline import Authored, evaluate
from ..author.precheck import SEVERITY_ZH, advice
from ..author.template import Block, Layout, Slot, layout
from ..author.workbook import Filled, field_name, read_form
from ..store.drafts import unit_field
from ..store.models import Draft

INDICATORS = "绩效指标"


def dom_id(name: str) -> str:
    """The HTML id of the field ``sheet!ref``: ``f-资金-D6`` (an id may hold any character but
    white space)."""
    return "f-" + re.sub(r"\s", "_", name.replace("!", "-"))


def _first_ref(ref: str | None) -> str | None:
    return ref.split(":")[0] if ref else None


@dataclass
class FieldView:
    """One input of the form (or a computed total: ``computed`` set, no input)."""

    name: str
    id: str
    label: str
    type: str
    help: str
    value: str
    required: bool = False
    options: list[str] | None = None
    readonly: bool = False
    computed: str | None = None
    problems: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


@dataclass
class BlockView:
    type: str  # fields / grid / table
    title: str
    headers: list[str]
    fields: list[FieldView] = field(default_factory=list)  # fields
    rows: list[tuple[str, list[FieldView]]] = field(default_factory=list)  # grid: (row label, cells); table: ("", cells)


@dataclass
class SheetView:
    name: str
    blocks: list[BlockView]


@dataclass
class Result:
    """The draft evaluated: ``done`` (:class:`Authored`), the problems and findings as shown,
    and the form laid out with them."""

    done: Authored
    sheets: list[SheetView]
    problems: list[dict[str, Any]]  # {field, id, where, message}
    findings: list[dict[str, Any]]  # {code, severity, severity_text, title, message, where, fields, advice}
    rows_shown: int

    @property
    def ok(self) -> bool:
        return self.done.ok


def table_block(lay: Layout) -> Block:
    return next(b for b in lay.sheet(INDICATORS).blocks if b.type == "table")


def compact_rows(lay: Layout, fields: dict[str, str], remove: int | None = None) -> dict[str, str]:
    """``fields`` with the 绩效指标 rows moved up over blank ones (and row ``remove``, 0-based,
    taken out): the rows a unit filled, in order, from the first row on."""
    block = table_block(lay)
    out = dict(fields)
    rows = [{col: out.pop(field_name(slot), None) for col, slot in r.items()} for r in block.rows]
    if remove is not None and 0 <= remove < len(rows):
        rows.pop(remove)
    rows = [r for r in rows if any(v not in (None, "") for v in r.values())]
    for values, slots in zip(rows, block.rows):
        for col, v in values.items():
            if v not in (None, ""):
                out[field_name(slots[col])] = v
    return out


def filled_rows(lay: Layout, fields: dict[str, str]) -> int:
    """How many 绩效指标 rows to show for what is filled: up to the last filled one."""
    block = table_block(lay)
    return max((n for n, r in enumerate(block.rows, 1) if any(fields.get(field_name(s)) for s in r.values())), default=0)


def _pts(x: Decimal | None) -> str:
    return "" if x is None else f"{x.normalize():f}"


def evaluate_draft(d: Draft, fields: dict[str, str], rows: int | None = None) -> Result:
    """Read ``fields`` as the draft's form, score and check them, and lay the form out with the
    problems and findings beside their fields. ``rows``: 绩效指标 rows to show (default: the
    filled ones and one blank, at least three; never fewer than the filled ones, since the page
    form saves only the rows it shows)."""
    lay = layout(d.kind, d.year, d.ruleset)  # type: ignore[arg-type]
    filled = read_form(d.kind, d.year, fields, d.ruleset)
    done = evaluate(filled)
    by_field: dict[str, list[str]] = {}
    problems = []
    for p in done.problems:
        ref = _first_ref(p.ref)
        name = f"{p.sheet}!{ref}" if ref else None
        if name:
            by_field.setdefault(name, []).append(p.message)
        problems.append({"field": name, "id": dom_id(name) if name else None, "where": p.sheet, "message": p.message})
    found_at: dict[str, list[str]] = {}
    findings = []
    for f in sorted(done.findings, key=lambda f: ("error", "warning", "info").index(f.severity)):
        names = list(dict.fromkeys(filled.places[e.source.place] for e in f.evidence
                                   if e.source is not None and e.source.place in filled.places))
        places = list(dict.fromkeys(e.source.place for e in f.evidence if e.source is not None and e.source.place))
        if f.severity != "info":
            for n in names:
                found_at.setdefault(n, []).append(f"{f.code} {f.title}")
        findings.append({"code": f.code, "severity": f.severity, "severity_text": SEVERITY_ZH[f.severity],
                         "title": f.title, "message": f.message, "where": "；".join(places) or "—",
                         "fields": [{"field": n, "id": dom_id(n)} for n in names], "advice": advice(f.code)})
    filled_to = filled_rows(lay, fields)
    shown = max(rows, filled_to) if rows is not None else max(3, filled_to + 1)  # a filled row is never hidden
    shown = max(1, min(shown, len(table_block(lay).rows)))
    readonly = {unit_field(d.kind), "year"}
    sheets = [SheetView(sl.name, [_block(b, fields, filled, by_field, found_at, readonly, shown) for b in sl.blocks])
              for sl in lay.sheets]
    return Result(done, sheets, problems, findings, shown)


def _view(slot: Slot, fields: dict[str, str], filled: Filled, by_field, found_at, readonly: set[str]) -> FieldView:
    name = field_name(slot)
    total = filled.totals.get(name) if slot.sums else None
    return FieldView(name=name, id=dom_id(name), label=slot.label, type=slot.type, help=slot.help,
                     value=fields.get(name, ""), required=slot.required, options=slot.options,
                     readonly=slot.key in readonly and slot.column is None,
                     computed=(_pts(total.number) or "—") if slot.sums else None,
                     problems=by_field.get(name, []), findings=found_at.get(name, []))


def _block(b: Block, fields, filled, by_field, found_at, readonly, shown: int) -> BlockView:
    def v(slot: Slot) -> FieldView:
        return _view(slot, fields, filled, by_field, found_at, readonly)

    if b.type == "fields":
        return BlockView("fields", b.title, [], fields=[v(s) for s in b.slots])
    headers = [text for _, text, _ in b.headers]
    if b.type == "grid":
        rows: dict[str, list[Slot]] = {}
        for s in b.slots:
            rows.setdefault(s.key, []).append(s)
        return BlockView("grid", b.title, headers, rows=[(slots[0].label, [v(s) for s in slots]) for slots in rows.values()])
    return BlockView("table", b.title, headers, rows=[("", [v(s) for s in r.values()]) for r in b.rows[:shown]])


def score_view(done: Authored) -> dict[str, Any] | None:
    """The computed scores for JSON: total, grade, 执行率 and each item (None with problems)."""
    card = done.scorecard
    if card is None:
        return None
    rate = done.report.funds.execution_rate if done.report else None
    return {"total": _pts(card.total), "grade": card.grade,
            "execution_rate": rate.raw if rate is not None and rate.present else None,
            "items": [{"indicator": i.indicator, "weight": _pts(i.weight), "score": _pts(i.score),
                       "formula": i.formula or i.reason or ""} for i in card.items]}
