"""The documents ``jixiao author`` writes from a scored Report (layouts in ``documents.toml``).

- :func:`write_selfeval_docx` / :func:`write_selfeval_xlsx`: the 自评表 (2020+ 部门整体 / 项目支出
  绩效自评表) as a Word table with real merged cells, or a worksheet with merged ranges;
- :func:`write_report_docx`: the 自评报告 with the 统一参考格式 headings, the figures of the record,
  the unit's text per section and the 附件 (基础数据表 and 自评表) attached at the end.

Every label is one the review's extractors know (extract/layouts.toml), so that ``jixiao review`` of
a written file reads back the same record. Money is printed with two decimals (万元), rates as
``96.80%``, points as the record holds them.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..model import Indicator, Report, Value
from .grid import Grid, add_docx_table, set_east_asian_font, write_sheet


@cache
def spec() -> dict[str, Any]:
    """The parsed ``documents.toml``."""
    return tomllib.loads(resources.files("jixiao.author").joinpath("documents.toml").read_text(encoding="utf-8"))


def _money(v: Value) -> str:
    n = v.number
    return "" if n is None else f"{n.quantize(Decimal('0.01')):f}"


def _text(v: Value) -> str:
    if v.raw is not None:
        return v.raw
    return "" if v.value is None else str(v.value)


def _points(v: Value) -> str:
    n = v.number
    if n is None:
        return _text(v)
    n = n.normalize()
    return f"{n:f}" if n == n.to_integral() else f"{n.quantize(Decimal('0.01')):f}"


def _money_place(g: Grid, row: int, col: int, v: Value, colspan: int = 1) -> None:
    g.put(row, col, _money(v), colspan=colspan, number=v.number.quantize(Decimal("0.01")) if v.number is not None else None,
          number_format="0.00")


# --------------------------------------------------------------------------------------------
# 自评表


def selfeval_grid(report: Report) -> Grid:
    """The 自评表 of ``report`` as a 9-column :class:`Grid` (documents.toml [selfeval])."""
    s = spec()["selfeval"]
    kind = s[report.kind]
    g = Grid(s["columns"])
    for fields in kind["name_rows"]:
        r = g.row()
        if len(fields) == 1:
            g.put(r, 0, fields[0]["label"], colspan=2, label=True)
            g.put(r, 2, _text(getattr(report, fields[0]["field"])), colspan=7)
        else:
            g.put(r, 0, fields[0]["label"], colspan=2, label=True)
            g.put(r, 2, _text(getattr(report, fields[0]["field"])), colspan=3)
            g.put(r, 5, fields[1]["label"], colspan=2, label=True)
            g.put(r, 7, _text(getattr(report, fields[1]["field"])), colspan=2)
    _funds(g, report, s, kind["funds_label"])
    _goals(g, report, s["goals"])
    _indicators(g, report, s["indicators"])
    return g


def _funds(g: Grid, report: Report, s: dict, label: str) -> None:
    fs, f = s["funds"], report.funds
    head = g.row()
    lead = g.put(head, 0, label, label=True)
    g.put(head, 1, "", colspan=2)
    for k, h in enumerate(fs["headers"]):
        g.put(head, 3 + k, h, label=True)
    r = g.row()
    total = fs["total"] + ("：" if report.kind == "department" else "")
    g.put(r, 1, total, colspan=2, label=True)
    for k, v in enumerate((f.initial_budget, f.full_year_budget, f.executed)):
        _money_place(g, r, 3 + k, v)
    g.put(r, 6, _points(f.weight), number=f.weight.number)
    g.put(r, 7, _text(f.execution_rate), number=f.execution_rate.number, number_format="0.00%")
    g.put(r, 8, _points(f.self_score), number=f.self_score.number)
    if report.kind == "project":
        rows = sorted(f.by_source, key=lambda x: fs["sources"].index(x.name.value) if x.name.value in fs["sources"] else 99)
        for k, src in enumerate(rows):
            r = g.row()
            g.put(r, 1, (fs["sources_lead"] if k == 0 else "") + str(src.name.value), colspan=2, label=True)
            for j, v in enumerate((src.initial_budget, src.full_year_budget, src.executed)):
                _money_place(g, r, 3 + j, v)
            rate = None
            if src.full_year_budget.number and src.executed.number is not None:
                rate = src.executed.number / src.full_year_budget.number
            g.put(r, 6, fs["no_score"])
            g.put(r, 7, "" if rate is None else f"{(rate * 100).quantize(Decimal('0.01'))}%",
                  number=None if rate is None else rate.quantize(Decimal("0.0001")), number_format="0.00%")
            g.put(r, 8, fs["no_score"])
    else:
        r = g.row()
        g.put(r, 1, fs["income_head"], colspan=4, label=True)
        g.put(r, 5, fs["spending_head"], colspan=4, label=True)
        income = {x.name.value: x.executed for x in f.by_source}
        spending = [(printed, f.by_nature.get(name, Value())) for name, printed in fs["spending"]]
        for k, (name, printed) in enumerate(fs["income"]):
            r = g.row()
            g.put(r, 1, printed, colspan=2, label=True)
            _money_place(g, r, 3, income.get(name, Value()), colspan=2)
            if k < len(spending):
                g.put(r, 5, spending[k][0], colspan=2, label=True)
                _money_place(g, r, 7, spending[k][1], colspan=2)
    g.down_to_last_row(lead)


def _goals(g: Grid, report: Report, s: dict) -> None:
    r = g.row()
    lead = g.put(r, 0, s["label"], label=True)
    g.put(r, 1, s["expected"], colspan=4, label=True)
    g.put(r, 5, s["actual"], colspan=4, label=True)
    r = g.row()
    g.put(r, 1, _text(report.goal_expected), colspan=4)
    g.put(r, 5, _text(report.goal_actual), colspan=4)
    g.down_to_last_row(lead)


def _indicators(g: Grid, report: Report, s: dict) -> None:
    r = g.row()
    lead = g.put(r, 0, s["label"], label=True)
    for k, h in enumerate(s["headers"]):
        g.put(r, 1 + k, h, label=True)
    spans: list[list] = [[], []]  # open 一级 / 二级 cells: [place, value]
    for ind in report.indicators:
        r = g.row()
        for lvl, v in enumerate((ind.level1, ind.level2)):
            key = tuple(_text(x) for x in (ind.level1, ind.level2)[:lvl + 1])
            open_ = spans[lvl]
            if open_ and open_[1] == key:
                open_[0].rowspan += 1
            else:
                spans[lvl] = [g.put(r, 1 + lvl, _text(v), label=True), key]
        _indicator_cells(g, r, ind)
    if report.kind == "department":
        r = g.row()
        g.put(r, 1, s["total"], colspan=5, label=True)
        g.down_to_last_row(lead)
    else:
        g.down_to_last_row(lead)
        r = g.row()
        g.put(r, 0, s["total"], colspan=6, label=True)
    sa = report.self_assessment
    g.put(r, 6, _points(sa.total_weight), number=sa.total_weight.number)
    g.put(r, 7, _points(sa.total), number=sa.total.number)


def _indicator_cells(g: Grid, r: int, ind: Indicator) -> None:
    g.put(r, 3, _text(ind.name))
    g.put(r, 4, _text(ind.target))
    g.put(r, 5, _text(ind.actual))
    g.put(r, 6, _points(ind.weight), number=ind.weight.number)
    g.put(r, 7, _points(ind.self_score), number=ind.self_score.number)
    g.put(r, 8, _text(ind.deviation))


def _titles(report: Report) -> list[str]:
    kind = spec()["selfeval"][report.kind]
    year = report.year.value
    return [t.format(year=year) for t in (kind["title"], kind["subtitle"]) if t]


def _trailer(report: Report) -> list[str]:
    t = spec()["selfeval"]["trailer"]
    sa, lines = report.self_assessment, []
    if report.kind == "department":
        if sa.total.present and sa.grade.present:
            lines.append(t["department_grade"].format(total=_points(sa.total), grade=sa.grade.value))
    else:
        if report.conclusion.present:
            lines.append(t["project_conclusion"].format(conclusion=_text(report.conclusion)))
        if sa.grade.present:
            lines.append(t["project_grade"].format(grade=sa.grade.value))
    lines.append(t["signature"])
    return lines


def _docx_selfeval(document, report: Report) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    for k, title in enumerate(_titles(report)):
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(title)
        run.bold = k == 0
        run.font.size = Pt(16 if k == 0 else 12)
    add_docx_table(document, selfeval_grid(report), spec()["selfeval"]["widths_cm"])
    for line in _trailer(report):
        document.add_paragraph(line)


def _new_document():
    from docx import Document

    document = Document()
    set_east_asian_font(document)
    return document


def write_selfeval_docx(report: Report, path: str | Path) -> Path:
    """Write the 自评表 of the scored ``report`` to ``path`` (.docx); returns ``path``."""
    document = _new_document()
    _docx_selfeval(document, report)
    document.save(str(path))
    return Path(path)


def write_selfeval_xlsx(report: Report, path: str | Path) -> Path:
    """Write the 自评表 of the scored ``report`` to ``path`` (.xlsx, one sheet, merged cells); returns ``path``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    s = spec()["selfeval"]
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    top = 1
    for k, title in enumerate(_titles(report)):
        cell = ws.cell(top, 1, title)
        cell.font = Font(bold=k == 0, size=14 if k == 0 else 11)
        cell.alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=s["columns"])
        top += 1
    top = write_sheet(ws, selfeval_grid(report), top, s["widths_cm"])
    for line in _trailer(report):
        ws.cell(top, 1, line)
        top += 1
    wb.save(str(path))
    return Path(path)


# --------------------------------------------------------------------------------------------
# 基础数据表


def _field(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def basic_data_grid(report: Report) -> Grid:
    """The 基础数据表 (部门整体; documents.toml [basic_data]) as a 7-column :class:`Grid`."""
    s = spec()["basic_data"]
    year = int(report.year.value)
    fmt = {"year": year, "prior": year - 1}
    g = Grid(s["columns"])
    r = g.row()
    g.put(r, 0, s["staff_head"], label=True)
    for k, h in enumerate(s["staff_columns"]):
        g.put(r, 1 + 2 * k, h.format(**fmt), colspan=2, label=True)
    r = g.row()
    st = report.staffing
    g.put(r, 0, "")
    g.put(r, 1, _points(st.authorized), colspan=2, number=st.authorized.number)
    g.put(r, 3, _points(st.actual), colspan=2, number=st.actual.number)
    rate = None
    if st.authorized.number and st.actual.number is not None:
        rate = st.actual.number / st.authorized.number
    g.put(r, 5, "" if rate is None else f"{(rate * 100).quantize(Decimal('0.01'))}%", colspan=2,
          number=None if rate is None else rate.quantize(Decimal("0.0001")), number_format="0.00%")
    r = g.row()
    g.put(r, 0, s["money_head"], label=True)
    for k, h in enumerate(s["money_columns"]):
        g.put(r, 1 + 2 * k, h.format(**fmt), colspan=2, label=True)
    for label, path in s["rows"]:
        r = g.row()
        g.put(r, 0, label, label=True)
        control = _field(report, path) if path else None
        for k, col in enumerate(("prior_actual", "budget", "actual")):
            _money_place(g, r, 1 + 2 * k, getattr(control, col) if control is not None else Value(), colspan=2)
    return g


def _docx_basic_data(document, report: Report) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    s = spec()["basic_data"]
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(s["title"].format(year=report.year.value)).bold = True
    add_docx_table(document, basic_data_grid(report), s["widths_cm"])
    document.add_paragraph(s["note"])


# --------------------------------------------------------------------------------------------
# 自评报告


def _sections(report: Report) -> list[tuple[str, str]]:
    """(序号, 标题) of the report's sections: the 统一参考格式 for a department, else the project parts."""
    r = spec()["report"]
    if report.kind == "project":
        return [(x["no"], x["title"]) for x in r["project_sections"]]
    from ..rules.report_sections import formats

    fmt = next(f for f in formats()["formats"] if f.get("id") == r["department_format"])
    return [(x["no"], x["title"]) for x in fmt["sections"]]


def _attachments(report: Report) -> list[str]:
    year = report.year.value
    if report.kind == "project":
        return [f"{year}年度项目支出绩效自评表"]
    from ..rules.report_sections import formats

    fmt = next(f for f in formats()["formats"] if f.get("id") == spec()["report"]["department_format"])
    return [f"{year}年度{a['title']}" for a in fmt["attachments"] if not a.get("when")]


FIELD = re.compile(r"\{([a-z_.]+)\}")


def _figure_value(report: Report, key: str) -> str | None:
    if key == "year":
        return _text(report.year) or None
    if key == "indicators.count":
        return str(sum(1 for i in report.indicators if _text(i.name) not in ("", "/")))
    if key == "self.total":
        return _points(report.self_assessment.total) or None
    if key == "self.grade":
        return report.self_assessment.grade.value
    v = _field(report, key)
    if not isinstance(v, Value) or not v.present:
        return None
    if key.endswith("execution_rate"):
        return _text(v)
    if key.startswith("staffing."):
        return _points(v)
    return _money(v) if v.number is not None else _text(v)


def _figures(report: Report, title: str) -> list[str]:
    out = []
    for fig in spec()["report"]["figures"]:
        if fig["section"] != title:
            continue
        values = {k: _figure_value(report, k) for k in FIELD.findall(fig["text"])}
        if all(values.values()):
            out.append(FIELD.sub(lambda m: values[m.group(1)], fig["text"]))
    return out


def _section_text(texts: dict[str, str], no: str, title: str) -> str | None:
    for key in (f"{no}、{title}", title):
        if texts.get(key):
            return texts[key]
    return next((v for k, v in texts.items() if v and k.endswith(title)), None)


def write_report_docx(report: Report, path: str | Path, texts: dict[str, str]) -> Path:
    """Write the 自评报告 of the scored ``report`` to ``path`` (.docx): the title, each section's
    heading (``一、部门（单位）基本情况`` …) with the figures of the record and the unit's text from
    ``texts`` (by section heading, with or without its 序号), the 附件 list, then the attachments:
    基础数据表 and 自评表 for a department, the 项目支出绩效自评表 for a project. Returns ``path``."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    r = spec()["report"]
    document = _new_document()
    year = report.year.value
    title = (r["project_title"].format(year=year, project=_text(report.project_name)) if report.kind == "project"
             else r["department_title"].format(year=year, unit=_text(report.unit_name)))
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    for no, heading in _sections(report):
        document.add_paragraph().add_run(f"{no}、{heading}").bold = True
        for line in _figures(report, heading):
            document.add_paragraph(line)
        body = _section_text(texts, no, heading)
        for line in (body or r["no_text"]).split("\n"):
            if line.strip():
                document.add_paragraph(line.strip())
    attachments = _attachments(report)
    document.add_paragraph(r["attachments_head"] + "\n".join(f"{k}.{a}" for k, a in enumerate(attachments, 1)))
    k = 0
    if report.kind == "department":
        k += 1
        document.add_page_break()
        document.add_paragraph(f"附件{k}")
        _docx_basic_data(document, report)
    k += 1
    document.add_page_break()
    document.add_paragraph(f"附件{k}")
    _docx_selfeval(document, report)
    document.save(str(path))
    return Path(path)
