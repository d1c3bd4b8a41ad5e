"""What the outputs need of one reviewed file, computed where the file is reviewed.

``file_output(rf, index)`` → :class:`FileOutput`: for each record its JSON line, summary row,
portfolio row and the rows of the workbook's sheets, and the file's HTML section — plain,
picklable data, so a worker process (or a Dask worker) computes it and the one writer only
appends it (:mod:`.writer`). Nothing keeps the Record or the Document: the batch's memory does
not grow with what the reports hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Finding, Record
from ..review import ReviewedFile
from ..rules.ruleset import ruleset_basis
from .jsonl import record_line
from .portfolio import UnitRow, unit_row
from .provenance import QUALITY_COLUMNS, is_inferred, quality_rows, tag_text
from .sheets import sheet_cell
from .summary import (
    SEVERITY_LABEL,
    parent_units,
    sorted_audit_findings,
    sorted_parser_notices,
    summary_row,
)

ITEM_COLUMNS = [
    "文件", "单位", "规则集", "指标/项目", "依据", "来源可信度",
    "分值", "自评得分", "复核得分", "得分差（自评−复核）", "状态", "计算方法", "说明",
]
FINDING_COLUMNS = [
    "文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为", "影响分值", "证据",
]
NOTICE_COLUMNS = ["文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为", "证据"]


@dataclass
class Rows:
    """Rows of one sheet as review.xlsx writes them (each cell a :func:`.sheets.sheet_cell`: the
    writer only streams them), each with whether its 来源可信度 cell is an inferred rule (INF)."""

    rows: list[list[bool | int | float | str | None]] = field(default_factory=list)
    marked: list[bool] = field(default_factory=list)

    def add(self, row: list[Any], mark: bool = False) -> None:
        self.rows.append([sheet_cell(v) for v in row])
        self.marked.append(mark)


@dataclass
class RecordRows:
    """One record's share of every output."""

    anchor: str  # the id of its HTML section: f3 (a file's main document), f3-1 (its first project table)
    project: bool  # a project table (shown indented under its file)
    ok: bool
    json: str  # its records.jsonl line (no newline)
    summary: dict[str, Any]  # summary.summary_row
    unit: UnitRow  # portfolio.unit_row
    codes: list[tuple[str, str, str]]  # (code, title, severity) of each audit finding, for 最常见的问题
    items: Rows  # 指标
    findings: Rows  # 问题清单
    notices: Rows  # 解析提示
    quality: Rows  # 报告质量


@dataclass
class FileOutput:
    """One reviewed file's outputs. ``index`` is its 0-based position in the batch; ``section``
    its HTML <section> (main document with the project tables inside), self-contained but for the
    page's CSS; ``store`` what the database needs (``jixiao.store.ingest.PreparedFile``, only
    when asked for); ``sha256`` of the content (only with ``store``); ``unbounded`` when it was
    reviewed without the per-file time and memory limits that were asked for (on a daemonic Dask
    worker, :func:`jixiao.batch.cluster_task`)."""

    index: int
    source: str
    records: list[RecordRows]
    section: str
    error: str | None = None
    sha256: str | None = None
    store: Any = None
    unbounded: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RecordParts:
    """What both the rows and the HTML section of one record are made of, worked out once: its
    summary row (:func:`.summary.summary_row`), audit findings and parser notices in the order
    shown, and quality rows (:func:`.provenance.quality_rows`)."""

    summary: dict[str, Any]
    audit: list[Finding]
    notices: list[Finding]
    quality: list[dict[str, Any]]


def record_parts(rf: ReviewedFile, rec: Record, parents: dict[str, str | None]) -> RecordParts:
    summary = summary_row(rf, rec, parents)
    return RecordParts(summary=summary, audit=sorted_audit_findings(rec.findings),
                       notices=sorted_parser_notices(rec.findings),
                       quality=quality_rows(rec, summary["单位"], summary["文件"]))


def anchor(index: int, part: int = 0) -> str:
    return f"f{index + 1}" if part == 0 else f"f{index + 1}-{part}"


def evidence_text(evidence) -> str:
    """Each evidence Value as ``raw（where）``, one per line: its place in the report's own words
    (:meth:`Source.label`), the text-view line only where nothing else is known."""
    out = []
    for v in evidence:
        raw = v.raw if v.raw is not None else ("" if v.value is None else str(v.value))
        label = v.source.label(line=False) if v.source else ""
        out.append(f"{raw}（{label}）" if label else raw)
    return "\n".join(out)


def _items(rec: Record, file: str, unit: str | None) -> Rows:
    out = Rows()
    for card in rec.scorecards or []:
        basis = ruleset_basis(card.ruleset)
        for it in card.items:
            diff = it.self_score - it.score if it.self_score is not None and it.score is not None else None
            out.add([file, unit, basis, it.indicator, it.source or basis,
                     tag_text(it.tag), it.weight, it.self_score, it.score, diff, it.status, it.formula or None,
                     it.reason], is_inferred(it.tag))
    return out


def _findings(findings, file: str, unit: str | None, with_impact: bool) -> Rows:
    out = Rows()
    for f in findings:
        out.add([file, unit, f.code, SEVERITY_LABEL.get(f.severity, f.severity), f.title, f.message, f.expected,
                 f.found] + ([f.score_impact] if with_impact else []) + [evidence_text(f.evidence) or None])
    return out


def _quality(quality: list[dict[str, Any]]) -> Rows:
    out = Rows()
    for r in quality:
        out.add([r[k] for k in QUALITY_COLUMNS], r["inferred"])
    return out


def record_rows(rf: ReviewedFile, rec: Record, parents: dict[str, str | None], index: int,
                parts: RecordParts) -> RecordRows:
    file, unit = parts.summary["文件"], parts.summary["单位"]
    return RecordRows(
        anchor=anchor(index, rec.part or 0), project=rec.parent is not None, ok=rec.error is None,
        json=record_line(rec), summary=parts.summary, unit=unit_row(rf, rec, parents, parts.summary),
        codes=[(f.code, f.title, f.severity) for f in parts.audit], items=_items(rec, file, unit),
        findings=_findings(parts.audit, file, unit, True), notices=_findings(parts.notices, file, unit, False),
        quality=_quality(parts.quality),
    )


def file_output(rf: ReviewedFile, index: int, html: bool = True) -> FileOutput:
    """The outputs of one reviewed file (its main document and attached project tables), the
    file being the ``index``-th (0-based) of its batch. ``html=False`` leaves ``section`` empty."""
    from .html import render_section

    parents = parent_units([rf])
    docs = rf.documents()
    parts = [record_parts(d, d.record, parents) for d in docs]
    rows = [record_rows(d, d.record, parents, index, p) for d, p in zip(docs, parts)]
    return FileOutput(index=index, source=rf.record.source, records=rows,
                      section=render_section(rf, index, parts) if html else "", error=rf.record.error)


def file_outputs(results: list[ReviewedFile]) -> list[FileOutput]:
    """:func:`file_output` of each file of a batch held in memory. Results already flattened (a
    file's main document followed by its parts, as ``jixiao review`` used to pass them and the
    store gives them back) are grouped again: a record whose ``parent`` is the file before it
    is one of that file's parts."""
    files: list[ReviewedFile] = []
    seen: set[int] = set()
    for rf in results:
        if id(rf) in seen:
            continue
        seen.update(id(d) for d in rf.documents())
        last = files[-1] if files else None
        if last is not None and not rf.parts and rf.record.parent is not None and rf.record.parent == last.record.id:
            files[-1] = ReviewedFile(last.record, last.lines, [*last.parts, rf], last.document)
        else:
            files.append(rf)
    return [file_output(rf, i) for i, rf in enumerate(files)]
