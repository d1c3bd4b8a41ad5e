"""The standard documents of a finished Report (values, 得分, total and grade already final):

- :func:`write_selfeval_docx` — the 自评表 in Word, the official layout with real merged cells;
- :func:`write_selfeval_xlsx` — the same table in Excel (merged ranges, numbers as numbers);
- :func:`write_report_docx` — the 自评报告: the 统一参考格式 sections with the record's figures and
  the unit's text, the 附件 listed and attached (基础数据表, 自评表).

Layouts are data (``documents.toml``; the tables are built in :mod:`.forms`, the report's parts in
:mod:`.report_text`); ``jixiao review`` of a written file reads back the same record
(tests/test_author_documents.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ..model import Report
from .forms import Form, layout, selfeval_form
from .grid import add_docx_table, set_east_asian_font, write_sheet
from .report_text import report_parts

__all__ = ["write_report_docx", "write_selfeval_docx", "write_selfeval_xlsx"]


def _check(report: Report) -> None:
    if report.kind not in ("department", "project"):
        raise ValueError(f"不支持的报告类型：{report.kind!r}（应为 department 或 project）")


def _docx():
    doc = new_docx()
    set_east_asian_font(doc)
    return doc


def _title(doc, text: str, size: float = 16) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(size)


def _add_form(doc, form: Form) -> None:
    for k, t in enumerate(form.title):
        _title(doc, t, 16 if k == 0 else 12)
    add_docx_table(doc, form.grid, form.widths_cm)
    for line in form.after:
        doc.add_paragraph(line)


def write_selfeval_docx(report: Report, path: Path) -> Path:
    """Write the 部门整体支出绩效自评表 or 项目支出绩效自评表 (by ``report.kind``) to ``path``
    (.docx). Returns ``path``. Raises ValueError for another kind."""
    _check(report)
    path = Path(path)
    doc = _docx()
    _add_form(doc, selfeval_form(report))
    doc.save(str(path))
    return path


def write_selfeval_xlsx(report: Report, path: Path) -> Path:
    """The same 自评表 as an Excel workbook (one sheet, named after the form): title rows above the
    framed table, merged ranges as on the form, money and points as numbers (``0.00``), 执行率 as
    a fraction shown ``0.00%``. Returns ``path``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    _check(report)
    path = Path(path)
    form = selfeval_form(report)
    wb = Workbook()
    ws = wb.active
    ws.title = form.title[0][:31]
    row = 1
    for k, t in enumerate(form.title):
        ws.cell(row, 1, t).font = Font(bold=True, size=14 if k == 0 else 11)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=form.grid.columns)
        row += 1
    row = write_sheet(ws, form.grid, row, form.widths_cm)
    for line in form.after:
        ws.cell(row, 1, line)
        row += 1
    wb.save(str(path))
    return path


def write_report_docx(report: Report, path: Path, texts: Mapping[str, str] | None = None, *,
                      projects: list[Report] | tuple[Report, ...] = ()) -> Path:
    """Write the 自评报告 (.docx) to ``path``: the title, each section of the 统一参考格式
    (department: rules/report_formats.toml ``yueyang_2024``, 一、部门（单位）基本情况 … 十、其他需要说明
    的情况; project: the five parts of documents.toml) with the figures of the record under it and
    the unit's text ``texts[section title]`` (paragraphs split at line breaks), the 附件 list, and
    the 附件 themselves: the 基础数据表 and the 部门整体支出绩效自评表 (department), the
    项目支出绩效自评表 of each of ``projects`` as 附件3; the project report attaches its own table
    as 附件1. Returns ``path``."""
    _check(report)
    path = Path(path)
    doc = _docx()
    parts = report_parts(report, texts or {}, list(projects))
    _title(doc, parts.title, 18)
    for heading, paragraphs in parts.sections:
        doc.add_paragraph().add_run(heading).bold = True
        for para in paragraphs:
            doc.add_paragraph(para)
    doc.add_paragraph(layout()["report"]["attachments_head"] + parts.attachment_list[0])
    for line in parts.attachment_list[1:]:
        doc.add_paragraph(line)
    for no, form in parts.attachments:
        doc.add_page_break()
        doc.add_paragraph(f"附件{no}")
        _add_form(doc, form)
    doc.save(str(path))
    return path
