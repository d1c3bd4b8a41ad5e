"""extract/: ``extract_all(document) -> list[Report]`` and ``extract(document) -> Report``,
layout-driven.

Each layout extractor fills what it recognises; the narrative extractor then adds the figures
and claims of the prose. Where two places give one quantity both are kept in ``report.figures``.

A file may hold several documents: a 部门整体支出绩效自评报告 with its 项目支出绩效自评表
attached (附件3, one per project), or project tables alone. :func:`extract_all` returns the main
document first — the department report, read without the project tables' blocks — then one
``kind="project"`` Report per project table (see :mod:`jixiao.extract.project`).
"""

from __future__ import annotations

from ..model import Figure, Report
from ..readers.document import Document, Paragraph
from .basic_data import extract_basic_data
from .funds import read_breakdowns, read_funds_variants
from .gaps import find_gaps
from .identity import document_kind, fill_identity
from .layouts import layouts
from .narrative import extract_narrative, project_funds, text_lines, year_fallback
from .numbers import normalize, parse_int
from .project import DEPARTMENT_TITLE, extract_project, find_projects
from .selfeval import extract_selfeval, indicator_header
from .tables import cell_value, table_text
from .yueyang import extract_yueyang

__all__ = ["extract", "extract_all", "extract_parts"]


def extract(doc: Document) -> Report:
    """The Report of the file's main document (element 0 of :func:`extract_all`). Never raises
    on unexpected layouts: what is not recognised stays null (and the JX9xx checks say so)."""
    return extract_parts(doc)[0][1]


def extract_all(doc: Document) -> list[Report]:
    """Every document in the file: element 0 the main one — the 部门整体 report when there is
    one (kind ``department``, extracted without the attached project tables), else the first
    project table — then the remaining project tables (kind ``project``), in file order."""
    return [report for _, report in extract_parts(doc)]


def extract_parts(doc: Document) -> list[tuple[Document, Report]]:
    """:func:`extract_all` with, beside each Report, the view of ``doc`` it was read from (the
    same blocks and lines as the file, only that document's blocks) — for checks that look at
    the document itself. A file without project tables gives ``[(doc, report)]``."""
    out = _parts(doc)
    for view, report in out:
        report.gaps = find_gaps(view, report)
    return out


def _parts(doc: Document) -> list[tuple[Document, Report]]:
    parts = find_projects(doc)
    if not parts:
        return [(doc, _extract_department(doc))]
    claimed = {i for part in parts for i in part.blocks}
    rest = doc.subset({b.index for b in doc.blocks} - claimed)
    out: list[tuple[Document, Report]] = []
    parent = None
    if _is_department(rest):
        parent = _extract_department(rest)
        out.append((rest, parent))
    # a 项目支出绩效自评报告 with its own table attached (附件1): one project, one document
    own_text = parent is None and len(parts) == 1 and _has_prose(rest)
    year = None  # a project table without its own year line takes the year of the one before it
    for part in parts:
        view = doc if own_text else doc.subset(set(part.blocks), unplaced_notes=not out)
        report = extract_project(doc, part, parent)
        if own_text:
            _project_prose(rest, report)
        if not report.year.present and year is not None:
            report.year = year
        year = report.year if report.year.present else year
        out.append((view, report))
    return out


def _is_department(doc: Document) -> bool:
    """Whether the blocks left after taking out the project tables are a department report: they
    name 部门整体 / 整体支出 somewhere, or hold a department self-evaluation or 评分表 table.
    (A project workbook's other sheets — 项目基本信息, 绩效目标申报表 — are not.)"""
    for b in doc.blocks:
        texts = [normalize(b.text)] if isinstance(b, Paragraph) else [c.clean for c in b.cells()]
        if any(DEPARTMENT_TITLE.search(t) for t in texts):
            return True
    for t in doc.tables:
        cells = [c.clean for c in t.cells()]
        if any(x.startswith("年度资金总额") for x in cells) and indicator_header(t) is not None:
            return True
        if "评分标准" in cells and any("自评得分" in x for x in cells):
            return True
    return False


def _has_prose(doc: Document) -> bool:
    """Whether ``doc`` holds a report's text (a few paragraphs with sentences), not only lines."""
    text = "".join(normalize(b.text) for b in doc.blocks if isinstance(b, Paragraph))
    return len(text) >= 200 and text.count("。") >= 2


def _project_prose(doc: Document, report: Report) -> None:
    """The text of a project report whose table is attached: its figures, claims, sections and
    project funds (``财政年初预算40万元``) go into the table's Report; the table's values win."""
    lines = text_lines(doc)
    extract_narrative(doc, report, lines)
    project_funds(doc, report, lines)


def _extract_department(doc: Document) -> Report:
    """The department (or single-document) Report of ``doc``: a department report, or a project
    report without a recognised project table (kind from its title, :mod:`.identity`)."""
    report = Report()
    has_yueyang = extract_yueyang(doc, report)
    has_selfeval = extract_selfeval(doc, report)
    extract_basic_data(doc, report)
    _key_value_staffing(doc, report)
    if document_kind(doc) == "project":
        report.kind = "project"
    for table in doc.tables:
        if report.kind == "project":
            read_funds_variants(doc, table, report)
        else:
            report.breakdowns.extend(read_breakdowns(doc, table))
    lines = text_lines(doc)
    extract_narrative(doc, report, lines)
    fill_identity(doc, report)
    year_fallback(doc, report, lines)
    if report.kind == "project":
        project_funds(doc, report, lines)
    if report.score_table:
        report.layout = "yueyang_ref"
    elif has_selfeval and report.indicators:
        report.layout = "selfeval_table"
    elif has_yueyang:
        report.layout = "yueyang_ref"
    elif doc.tables:
        report.layout = "unknown"
    else:
        report.layout = "narrative"
    _primary_from_figures(report)
    return report


def _key_value_staffing(doc: Document, report: Report) -> None:
    """``人员编制 | 16 | 实有人数 | 13`` rows (seeds 000, 003; layouts.toml ``[labels]``
    staffing_authorized / staffing_actual)."""
    lay = layouts()
    fields = {"staffing_authorized": ("authorized", "编制数"), "staffing_actual": ("actual", "实有人数")}
    for table in doc.tables:
        if not lay.may_hold_label(table_text(table), tuple(fields)):
            continue
        for row in table.rows:
            for label, c in zip(row, row[1:]):
                name = lay.label_field(label.clean, tuple(fields))
                if name is None:
                    continue
                attr, zh = fields[name]
                if parse_int(c.clean) is not None and not getattr(report.staffing, attr).present:
                    v = cell_value(doc, table, c, parse_int)
                    setattr(report.staffing, attr, v)
                    report.figures.append(Figure(key=f"staffing.{attr}", label=zh, where="基本情况表", value=v))


def _primary_from_figures(report: Report) -> None:
    """Fill still-empty fields from the first mention of their quantity (tables come before
    prose in ``figures``, so a table value wins)."""
    fields = {
        "spending.total": ("spending", "total"),
        "spending.basic": ("spending", "basic"),
        "spending.project": ("spending", "project"),
        "spending.personnel": ("spending", "personnel"),
        "income.total": ("income", "total"),
        "staffing.authorized": ("staffing", "authorized"),
        "staffing.actual": ("staffing", "actual"),
    }
    for key, (part, attr) in fields.items():
        obj = getattr(report, part)
        if not getattr(obj, attr).present:
            figs = report.figures_for(key)
            if figs:
                setattr(obj, attr, figs[0].value)
    tp = report.three_public.total
    for attr in ("budget", "actual"):
        if not getattr(tp, attr).present:
            figs = report.figures_for(f"three_public.total.{attr}")
            if figs:
                setattr(tp, attr, figs[0].value)
    if not report.funds.execution_rate.present:
        figs = report.figures_for("funds.execution_rate")
        if figs:
            report.funds.execution_rate = figs[0].value
