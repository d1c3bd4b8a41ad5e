"""The parts of a 自评报告 (:func:`report_parts`): title, sections (heading, figures from the
record, the unit's text), the 附件 list and the attached forms; and the 基础数据表
(:func:`basic_data_form`). Section lists: rules/report_formats.toml for the department format,
documents.toml for the project report (no official format known, RULES.md §4.5) [INF]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Control, Report, Value
from ..rules.report_sections import formats
from .forms import Form, layout, money, percent, points, selfeval_form
from .grid import Grid

CN_NO = "一二三四五六七八九十"


@dataclass
class ReportParts:
    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    attachment_list: list[str] = field(default_factory=list)
    attachments: list[tuple[str, Form]] = field(default_factory=list)


def _get(report: Report, path: str) -> Any:
    obj: Any = report
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _figure_value(report: Report, name: str) -> str | None:
    """The printed value of a figure field of documents.toml ``[[report.figures]]``."""
    if name == "year":
        return str(report.year.value) if report.year.present else None
    if name == "indicators.count":
        n = sum(1 for i in report.indicators if not i.not_applicable)
        return str(n) if n else None
    if name == "self.total":
        v = report.self_assessment.total
        return points(v)[0] if v.present else None
    if name == "self.grade":
        return str(report.self_assessment.grade.value) if report.self_assessment.grade.present else None
    if name in ("spending.basic", "spending.project"):
        v = _get(report, name)
        if not (isinstance(v, Value) and v.present):
            v = report.funds.by_nature.get("基本支出" if name.endswith("basic") else "项目支出")
        return money(v)[0] if v is not None and v.present else None
    v = _get(report, name)
    if not isinstance(v, Value) or not v.present:
        return None
    if name.endswith("rate"):
        return percent(v)[0]
    if name.startswith("staffing."):
        return str(v.value)
    return money(v)[0]


def _figures(report: Report, section: str) -> list[str]:
    out = []
    for fig in layout()["report"]["figures"]:
        if fig["section"] != section:
            continue
        names = re.findall(r"\{([^}]+)\}", fig["text"])
        values = {n: _figure_value(report, n) for n in names}
        if all(v is not None for v in values.values()):
            out.append(re.sub(r"\{([^}]+)\}", lambda m, vals=values: vals[m.group(1)], fig["text"]))
    return out


def _paragraphs(text: str | None) -> list[str]:
    return [ln.strip() for ln in (text or "").split("\n") if ln.strip()]


def report_parts(report: Report, texts: Mapping[str, str], projects: list[Report]) -> ReportParts:
    conf = layout()["report"]
    year = report.year.value if report.year.present else ""
    if report.kind == "department":
        fmt = next(f for f in formats()["formats"] if f["id"] == conf["department_format"])
        specs = [(s["no"], s["title"]) for s in fmt["sections"]]
        title = conf["department_title"].format(year=year, unit=report.unit_name.value or "")
    else:
        specs = [(s["no"], s["title"]) for s in conf["project_sections"]]
        title = conf["project_title"].format(year=year, project=report.project_name.value or "")
    parts = ReportParts(title)
    for no, name in specs:
        body = _figures(report, name) + _paragraphs(texts.get(name))
        parts.sections.append((f"{no}、{name}", body or [conf["no_text"]]))
    known = {name for _, name in specs}
    for name, t in texts.items():  # a part the format does not list: after the listed ones
        if name not in known and _paragraphs(t):
            parts.sections.append((name, _paragraphs(t)))
    if report.kind == "department":
        fmt_att = {a["no"]: a["title"] for a in fmt["attachments"]}
        items = [("1", fmt_att["1"], basic_data_form(report)), ("2", fmt_att["2"], selfeval_form(report))]
        items += [("3", fmt_att["3"], selfeval_form(p)) for p in projects]
    else:
        items = [("1", "项目支出绩效自评表", selfeval_form(report))]
    seen: list[str] = []
    for no, name, form in items:
        line = f"{no}.{year}年度{name}"
        if line not in seen:
            seen.append(line)
        parts.attachments.append((no, form))
    parts.attachment_list = seen
    return parts


def basic_data_form(report: Report) -> Form:
    """The 部门整体支出绩效评价基础数据表 (seeds 002, 004 附件1) of ``report``."""
    conf = layout()["basic_data"]
    year = report.year.value if report.year.present else None
    prior = year - 1 if isinstance(year, int) else ""
    g = Grid(conf["columns"])
    r = g.row()
    head = g.put(r, 0, conf["staff_head"], label=True)
    for k, h in enumerate(conf["staff_columns"]):
        g.put(r, 1 + 2 * k, h.format(year=year or ""), colspan=2, label=True)
    r = g.row()
    s = report.staffing
    for k, v in enumerate((s.authorized, s.actual)):
        g.put(r, 1 + 2 * k, "" if v.value is None else str(v.value), colspan=2)
    t, n, f = percent(s.control_rate)
    g.put(r, 5, t, colspan=2, number=n, number_format=f)
    g.down_to_last_row(head)
    r = g.row()
    g.put(r, 0, conf["money_head"], label=True)
    for k, h in enumerate(conf["money_columns"]):
        g.put(r, 1 + 2 * k, h.format(year=year or "", prior=prior), colspan=2, label=True)
    for printed, path in conf["rows"]:
        r = g.row()
        g.put(r, 0, printed, label=True)
        c = _get(report, path) if path else None
        if isinstance(c, Control):
            for k, v in enumerate((c.prior_actual, c.budget, c.actual)):
                t, n, f = money(v)
                g.put(r, 1 + 2 * k, t, colspan=2, number=n, number_format=f)
        else:
            for k in range(3):
                g.put(r, 1 + 2 * k, "", colspan=2)
    r = g.row()
    fh = g.put(r, 0, conf["fixed_head"], label=True)
    for k, (h, _) in enumerate(conf["fixed_columns"]):
        g.put(r, 1 + 2 * k, h, colspan=2, label=True)
    r = g.row()
    for k, (_, path) in enumerate(conf["fixed_columns"]):
        t, n, f = money(_get(report, path))
        g.put(r, 1 + 2 * k, t, colspan=2, number=n, number_format=f)
    g.down_to_last_row(fh)
    r = g.row()
    bh = g.put(r, 0, conf["building_head"].format(year=year or ""), rowspan=2, label=True)
    for k, h in enumerate(conf["building_columns"]):
        g.put(r, 1 + k, h, label=True)
    g.row()
    g.down_to_last_row(bh)
    r = g.row()
    g.put(r, 0, conf["thrift"], label=True)
    g.put(r, 1, "", colspan=g.columns - 1)
    return Form([conf["title"].format(year=year or "")], g, conf["widths_cm"], [conf["note"]])
