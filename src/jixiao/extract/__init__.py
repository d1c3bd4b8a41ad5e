"""extract/: ``extract(document) -> Report``, layout-driven.

Each layout extractor fills what it recognises; the narrative extractor then adds the figures
and claims of the prose. Where two places give one quantity both are kept in ``report.figures``.
"""

from __future__ import annotations


from ..model import Figure, Report
from ..readers.document import Document
from .basic_data import extract_basic_data
from .narrative import extract_narrative
from .numbers import parse_int
from .selfeval import extract_selfeval
from .tables import cell_after, cell_value
from .yueyang import extract_yueyang

__all__ = ["extract"]


def extract(doc: Document) -> Report:
    """Build the Report of one Document. Never raises on unexpected layouts: what is not
    recognised stays null (and the JX9xx checks say so)."""
    report = Report()
    has_yueyang = extract_yueyang(doc, report)
    has_selfeval = extract_selfeval(doc, report)
    extract_basic_data(doc, report)
    _key_value_staffing(doc, report)
    extract_narrative(doc, report)
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
    """``人员编制 | 16 | 实有人数 | 13`` rows (seeds 000, 003)."""
    for table in doc.tables:
        for row in table.rows:
            for attr, pattern, zh in (("authorized", r"^人员编制$|^编制人数$|^编制数$", "编制数"),
                                      ("actual", r"^实有人数$|^在职人数$", "实有人数")):
                c = cell_after(row, pattern)
                if c is not None and parse_int(c.clean) is not None and not getattr(report.staffing, attr).present:
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
