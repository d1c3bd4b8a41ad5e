"""The 自评表 (部门整体 / 项目支出) and the 基础数据表 of a Report as :class:`~.grid.Grid` tables,
laid out by ``documents.toml``. Numbers are written as the forms print them: money in 万元 with
two decimals (more only where the record holds more), 执行率 as a percentage, points as recorded;
an empty value stays an empty cell, a marker the unit wrote (``/``, ``—``) stays as written."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from ..extract.tables import label as label_text
from ..model import FundSource, Report, Value
from .grid import Grid, Place

CENT = Decimal("0.01")


@cache
def layout() -> dict[str, Any]:
    """``documents.toml`` (the layouts written; see its header for the sources)."""
    return tomllib.loads(resources.files(__package__).joinpath("documents.toml").read_text(encoding="utf-8"))


@dataclass
class Form:
    """A table with the lines printed above (title) and below it (grade, signature)."""

    title: list[str]
    grid: Grid
    widths_cm: list[float]
    after: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# numbers


def _plain(d: Decimal) -> str:
    return format(d, "f")


def money(v: Value) -> tuple[str, Decimal | None, str]:
    """(text, number, Excel format) of a 万元 amount: ``298.71``, ``24.00``."""
    d = v.number
    if d is None:
        return _marker(v), None, "General"
    if d == d.quantize(CENT):
        return _plain(d.quantize(CENT)), d.quantize(CENT), "0.00"
    return _plain(d), d, "General"  # more decimals than a cent (converted from 元): kept


def percent(v: Value) -> tuple[str, Decimal | None, str]:
    """(text, fraction, Excel format) of a rate held as a fraction: ``66.46%``."""
    d = v.number
    if d is None:
        return _marker(v), None, "General"
    p = d * 100
    if p == p.quantize(CENT):
        return f"{_plain(p.quantize(CENT))}%", d, "0.00%"
    digits = max(2, -p.normalize().as_tuple().exponent)
    return f"{_plain(p.normalize())}%", d, "0." + "0" * digits + "%"


def points(v: Value) -> tuple[str, Decimal | None, str]:
    """(text, number, format) of 分值 / 得分 as recorded (``2.5``, ``10.00``)."""
    d = v.number
    if d is None:
        return _marker(v), None, "General"
    return _plain(d), d, "General"


def text(v: Value) -> str:
    """A text cell: the text as written (raw), else the value."""
    if v.raw is not None and v.raw.strip():
        return v.raw.strip()
    return "" if v.value is None else str(v.value)


def _marker(v: Value) -> str:
    """What an empty number cell printed (``/``, ``—``, ``无``): kept; else empty."""
    return (v.raw or "").strip()


def _num(grid: Grid, row: int, col: int, got: tuple[str, Decimal | None, str], colspan: int = 1) -> Place:
    t, n, f = got
    return grid.put(row, col, t, colspan=colspan, number=n, number_format=f)


# --------------------------------------------------------------------------------------------
# 自评表


def selfeval_form(report: Report) -> Form:
    """The 部门整体支出绩效自评表 (``report.kind == "department"``) or 项目支出绩效自评表."""
    conf = layout()["selfeval"]
    kind = conf[report.kind]
    year = report.year.value if report.year.present else ""
    g = Grid(conf["columns"])
    for pairs in kind["name_rows"]:
        r = g.row()
        if len(pairs) == 1:
            g.put(r, 0, pairs[0]["label"], colspan=2, label=True)
            g.put(r, 2, _field_text(report, pairs[0]["field"]), colspan=g.columns - 2)
        else:
            a, b = pairs
            g.put(r, 0, a["label"], colspan=2, label=True)
            g.put(r, 2, _field_text(report, a["field"]), colspan=3)
            g.put(r, 5, b["label"], colspan=2, label=True)
            g.put(r, 7, _field_text(report, b["field"]), colspan=2)
    _funds(g, report, kind["funds_label"], conf["funds"])
    _goals(g, report, conf["goals"])
    _indicators(g, report, conf["indicators"])
    title = [t.format(year=year) for t in (kind["title"], kind["subtitle"]) if t]
    return Form(title, g, conf["widths_cm"], _trailer(report, conf["trailer"]))


def _field_text(report: Report, name: str) -> str:
    v = getattr(report, name)
    return "" if v.value is None else str(v.value).strip()


def _funds(g: Grid, report: Report, head_label: str, conf: dict[str, Any]) -> None:
    f = report.funds
    r0 = g.row()
    head = g.put(r0, 0, head_label, label=True)
    g.put(r0, 1, "", colspan=2)
    for k, h in enumerate(conf["headers"]):
        g.put(r0, 3 + k, h, label=True)
    r = g.row()
    g.put(r, 1, conf["total"], colspan=2, label=True)
    for k, got in enumerate((money(f.initial_budget), money(f.full_year_budget), money(f.executed),
                             points(f.weight), percent(f.execution_rate), points(f.self_score))):
        _num(g, r, 3 + k, got)
    full = report.kind == "project" or any(s.initial_budget.present or s.full_year_budget.present for s in f.by_source)
    if full:
        _source_rows(g, f.by_source, conf)
    else:
        _nature_rows(g, report, conf)
    g.down_to_last_row(head)


def _same(a: str | None, b: str | None) -> bool:
    la, lb = label_text(a or ""), label_text(b or "")
    return bool(la and lb) and (la in lb or lb in la)


def _source_rows(g: Grid, sources: list[FundSource], conf: dict[str, Any]) -> None:
    """One row per source with its three amounts (项目表, seed 003): the official rows first."""
    left = list(sources)
    rows: list[tuple[str, FundSource | None]] = []
    for name in conf["sources"]:
        s = next((x for x in left if _same(name, x.name.value or x.name.raw)), None)
        if s is not None:
            left.remove(s)
        rows.append((name if s is None else str(s.name.value or label_text(s.name.raw or "")), s))
    rows += [(str(s.name.value or label_text(s.name.raw or "")), s) for s in left]
    for i, (name, s) in enumerate(rows):
        r = g.row()
        g.put(r, 1, (conf["sources_lead"] if i == 0 else "") + name, colspan=2, label=True)
        if s is None:
            g.put(r, 6, conf["no_score"])
            g.put(r, 8, conf["no_score"])
            continue
        for k, got in enumerate((money(s.initial_budget), money(s.full_year_budget), money(s.executed))):
            _num(g, r, 3 + k, got)
        _num(g, r, 6, points(s.weight)) if s.weight.present else g.put(r, 6, conf["no_score"])
        _num(g, r, 7, percent(s.execution_rate))
        _num(g, r, 8, points(s.self_score)) if s.self_score.present else g.put(r, 8, conf["no_score"])


def _nature_rows(g: Grid, report: Report, conf: dict[str, Any]) -> None:
    """按收入性质分 | 按支出性质分: label–amount pairs (seeds 002, 004), the 全年执行数 of each."""
    r = g.row()
    g.put(r, 1, conf["income_head"], colspan=4, label=True)
    g.put(r, 5, conf["spending_head"], colspan=4, label=True)
    left = list(report.funds.by_source)
    income: list[tuple[str, Value]] = []
    for name, printed in conf["income"]:
        s = next((x for x in left if x.name.value == name), None) or \
            next((x for x in left if _same(name, x.name.value or x.name.raw)), None)
        if s is not None:
            left.remove(s)
        income.append((printed, s.executed if s is not None else Value()))
    income += [(f"{s.name.value or label_text(s.name.raw or '')}：", s.executed) for s in left]
    nature = report.funds.by_nature
    spending = [(printed, nature.get(name, Value())) for name, printed in conf["spending"]]
    spending += [(f"{k}：", v) for k, v in nature.items() if k not in {n for n, _ in conf["spending"]}]
    for i in range(max(len(income), len(spending))):
        r = g.row()
        # both halves always written (empty where a side has fewer lines): a row of five cells
        # is read as label–amount pairs, a wider one as a source row with three amounts
        for col, lines in ((1, income), (5, spending)):
            name, v = lines[i] if i < len(lines) else ("", Value())
            g.put(r, col, name, colspan=2, label=True)
            _num(g, r, col + 2, money(v), colspan=2)


def _goals(g: Grid, report: Report, conf: dict[str, Any]) -> None:
    if report.goal_expected.present or report.goal_actual.present:
        expected, actual = text(report.goal_expected), text(report.goal_actual)
    else:
        goals = [text(v) for v in report.qualitative_goals] + ["", ""]
        expected, actual = goals[0], goals[1]
    r = g.row()
    head = g.put(r, 0, conf["label"], rowspan=2, label=True)
    g.put(r, 1, conf["expected"], colspan=4, label=True)
    g.put(r, 5, conf["actual"], colspan=4, label=True)
    r = g.row()
    g.put(r, 1, expected, colspan=4)
    g.put(r, 5, actual, colspan=4)
    g.down_to_last_row(head)


def _indicators(g: Grid, report: Report, conf: dict[str, Any]) -> None:
    r0 = g.row()
    head = g.put(r0, 0, conf["label"], label=True)
    for k, h in enumerate(conf["headers"]):
        g.put(r0, 1 + k, h, label=True)
    l1: Place | None = None
    l2: Place | None = None
    prev: tuple[Any, Any] | None = None
    for ind in report.indicators:
        r = g.row()
        key = (ind.level1.value, ind.level2.value)
        if l1 is not None and prev is not None and key[0] is not None and key[0] == prev[0]:
            l1.rowspan += 1
        else:
            l1, l2 = g.put(r, 1, text(ind.level1), label=True), None
        if l2 is not None and prev is not None and key[1] is not None and key == prev:
            l2.rowspan += 1
        else:
            l2 = g.put(r, 2, text(ind.level2), label=True)
        prev = key
        g.put(r, 3, text(ind.name))
        g.put(r, 4, text(ind.target))
        g.put(r, 5, text(ind.actual))
        _num(g, r, 6, points(ind.weight))
        _num(g, r, 7, points(ind.self_score))
        g.put(r, 8, text(ind.deviation))
    g.down_to_last_row(head)
    r = g.row()
    sa = report.self_assessment
    g.put(r, 0, conf["total"], colspan=6, label=True)
    _num(g, r, 6, points(sa.total_weight))
    _num(g, r, 7, points(sa.total))
    g.put(r, 8, "")


def _trailer(report: Report, conf: dict[str, Any]) -> list[str]:
    out: list[str] = []
    grade = report.self_assessment.grade.value
    if report.kind == "department":
        if grade:
            out.append(conf["department_grade"].format(grade=grade))
    else:
        if report.conclusion.present:
            out.append(conf["project_conclusion"].format(conclusion=report.conclusion.value))
        if grade and not (report.conclusion.present and str(grade) in str(report.conclusion.value)):
            out.append(conf["project_grade"].format(grade=grade))
    out.append(conf["signature"])
    return out
