"""The pipeline: read → extract → score → check, for one file.

Each stage is a pure function of its input and the :class:`~jixiao.config.Settings`, so a batch is
a map over files (:mod:`jixiao.batch`). A file that cannot be read becomes a Record with ``error`` set; it never stops
the batch. A file holding a department report and its attached 项目支出绩效自评表 gives one
record per document, the project records linked to the department record (``parent``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .config import Settings
from .model import Record, Report
from .readers import SUFFIXES as SUPPORTED_SUFFIXES
from .readers.document import Document


@dataclass
class ReviewedFile:
    """One reviewed document: the contract Record plus the decoded source lines (for excerpts).

    ``parts`` are the project tables attached to the file's main document (each its own
    ReviewedFile sharing ``lines``); :meth:`documents` lists the main one and its parts."""

    record: Record
    lines: list[str] = field(default_factory=list)
    parts: list["ReviewedFile"] = field(default_factory=list)
    document: Document | None = field(default=None, repr=False)  # the file as read (main document only)

    @property
    def ok(self) -> bool:
        return self.record.error is None

    def documents(self) -> list["ReviewedFile"]:
        return [self, *self.parts]

    @classmethod
    def failed(cls, source: str, error: str, *, format: str | None = None,
               lines: list[str] | None = None) -> "ReviewedFile":
        """The error record of a file that could not be reviewed: ``error`` is the whole message,
        naming the file (``"a.docx: 超出单个文件时间限制（30 秒），已停止处理此文件"``)."""
        return cls(Record(source=source, id=f"{source}#0", format=format, error=error), lines or [])


def _review_report(report: Report, doc: Document, settings: Settings, part: int, parent: str | None) -> Record:
    from .checks import run_checks
    from .rules import detect, score
    from .rules.quality import assess_quality

    rs, origin = settings.ruleset_for(detect(report))
    scorecards = score(report, rs)
    return Record(
        source=doc.path, id=f"{doc.path}#{part}", part=part, parent=parent, format=doc.format,
        ruleset=rs.name, ruleset_origin=origin, report=report, scorecards=scorecards,
        findings=run_checks(report, scorecards, doc, settings, rs),
        quality=assess_quality(report, doc) if report.kind == "department" else None,
    )


def review_file(path: str | Path, settings: Settings | None = None, keep_document: bool = False,
                name: str | None = None) -> ReviewedFile:
    """Review one file (its main document, plus attached project tables in ``parts``). Never
    raises for bad input: the error goes into ``record.error`` (only MemoryError goes through,
    for :mod:`jixiao.batch` to name the file's memory limit). ``keep_document`` keeps the
    Document as read (its tables, for the store's views) on the result. ``name`` labels the
    records and every source instead of ``path`` (a URL whose content was copied to ``path``)."""
    from .extract import extract_parts
    from .readers import ReadError, read

    settings = settings or Settings()
    p = str(path) if name is None else name
    try:
        doc = read(path)
    except ReadError as exc:
        message = str(exc) if name is None else str(exc).replace(str(path), name)
        return ReviewedFile.failed(p, message)
    if name is not None:
        doc.path = name
    try:
        parts = extract_parts(doc)
        # the main document is checked against the whole file (its 附件 list names the attached
        # project tables); each project table against its own view of the file
        main = ReviewedFile(_review_report(parts[0][1], doc, settings, 0, None), doc.lines,
                            document=doc if keep_document else None)
        parent = main.record.id if parts[0][1].kind == "department" else None
        for n, (view, report) in enumerate(parts[1:], 1):
            main.parts.append(ReviewedFile(_review_report(report, view, settings, n, parent), doc.lines))
    except MemoryError:
        raise  # as from read(): the file's memory budget, named by jixiao.batch
    except Exception as exc:  # a bug must not take down a batch; report it against the file
        return ReviewedFile.failed(p, f"{p}: 处理时出错（{type(exc).__name__}: {str(exc)[:300]}）", format=doc.format,
                                   lines=doc.lines)
    return main


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively, supported suffixes only) in a stable order.

    A path given explicitly is kept whatever its suffix, so that a wrong file is reported
    rather than silently skipped. A folder's 填报工作簿 (``jixiao template``'s .xlsx, the input of
    ``jixiao author``) is no report and is left out of it.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            from .author.template import is_fill_workbook  # openpyxl: only when a folder is listed

            out.extend(
                sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUPPORTED_SUFFIXES
                       and not (q.suffix.lower() == ".xlsx" and is_fill_workbook(q)))
            )
        else:
            out.append(p)
    return out
