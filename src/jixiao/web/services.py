"""What the pages and the API both do: take an upload, record a decision, build the exports.
Each function takes the app's store and returns plain data; the routes only render it."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

from fastapi import HTTPException, UploadFile

from ..store import Store
from ..store.batches import Entry, create_batch
from ..store.decisions import DecisionError, carry_decision, decide
from ..store.models import AuditEntry, User, aware, local_time
from ..store.queries import (
    Filters,
    orphans,
    portfolio,
    report_view,
    reviewed_files,
    series,
)
from .intake import Limits, intake


def audit(store: Store, user: User | None, action: str, target: str | None = None, **detail) -> None:
    with store.session() as s:
        s.add(AuditEntry(user_id=user.id if user else None, action=action, target=target,
                         detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None))


async def take_upload(store: Store, limits: Limits, user: User, files: list[UploadFile],
                      region: str | None) -> int:
    """Store the uploaded files (and the members of uploaded zips) by content, refuse what is not a
    report, and open a batch for the rest; returns the batch id. Raises 400 when nothing came."""
    files = [f for f in files if f is not None and (f.filename or f.size)]
    if not files:
        raise HTTPException(400, "没有收到文件")
    accepted, rejected = intake([(f.filename or "", f.file) for f in files], store.files, limits)
    entries = [Entry(a.name, a.sha256, a.size, a.format) for a in accepted]
    batch_id = create_batch(store, entries, origin="web", user_id=user.id, region=region,
                            rejected=[(r.name, r.reason) for r in rejected])
    audit(store, user, "upload", f"batch:{batch_id}", files=[a.name for a in accepted],
          rejected=[f"{r.name}：{r.reason}" for r in rejected])
    return batch_id


def _refused(exc: DecisionError, otherwise: int = 422) -> HTTPException:
    code = 404 if "不存在" in str(exc) else (403 if "只读" in str(exc) else otherwise)
    return HTTPException(code, str(exc))


def record_decision(store: Store, user: User, finding_id: int, status: str, comment: str | None) -> int:
    try:
        return decide(store, finding_id, status, comment, user)
    except DecisionError as exc:
        raise _refused(exc) from None


def carry(store: Store, user: User, decision_id: int, finding_id: int) -> int:
    """An earlier version's decision carried by hand onto a finding of a later version; a refusal
    because of what is stored (already carried, not a later version, already decided) is 409."""
    try:
        return carry_decision(store, decision_id, finding_id, user)
    except DecisionError as exc:
        raise _refused(exc, 409) from None


def opinion(store: Store, user: User, report_id: int) -> tuple[str, bytes]:
    """(file name, .docx bytes) of the 复核意见 for one report, with its decisions."""
    from ..report.opinion import Triage, opinion_docx

    with store.session() as s:
        v = report_view(s, report_id)
        if v is None:
            raise HTTPException(404, "报告不存在")
        by_pos = {f.position: f for f in v.findings}
        triage = []
        for i in range(len(v.record.findings or [])):
            d = by_pos[i].decision if i in by_pos else None
            triage.append(Triage(d.status, d.comment, (d.user.display_name or d.user.username) if d and d.user else None,
                                 aware(d.created_at).astimezone()) if d else None)
        data = opinion_docx(v.record, triage, reviewer=user.display_name or user.username, version=v.report.version)
        label = v.report.project_name or v.report.unit_name or "报告"
        name = f"复核意见_{label}_{v.report.year or ''}年度_第{v.report.version}版.docx"
    audit(store, user, "export", f"report:{report_id}", kind="复核意见")
    return name, data


def portfolio_xlsx(store: Store, user: User, f: Filters) -> tuple[str, bytes]:
    """(file name, .xlsx bytes): the review workbook of the filtered portfolio, plus a sheet
    复核结论 with every effective decision (and those left on earlier versions, their finding gone)."""
    from openpyxl import load_workbook

    from ..report.cleantext import append_row
    from ..report.xlsx import write_xlsx

    with store.session() as s:
        reports = portfolio(s, f)
        results = reviewed_files(s, reports)
        decisions = []
        for r in reports:
            decided = [(d, fd, r, "") for fd in r.findings if (d := fd.decision) is not None]
            gone = [(d, fd, old, "问题在最新版本中已不存在") for d, fd, old in orphans(s, r)]
            for d, fd, rep, note in decided + gone:
                who = d.user.display_name or d.user.username if d.user else ""
                decisions.append([r.project_name or r.unit_name, r.year, rep.version, fd.code, fd.title, d.status,
                                  d.comment or "", who, local_time(d.created_at), note])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portfolio.xlsx"
        write_xlsx(results, path)
        wb = load_workbook(path)
        ws = wb.create_sheet("复核结论")
        ws.append(["单位/项目", "年度", "版本", "代码", "问题", "复核结论", "意见", "复核人", "时间", "说明"])
        for row in decisions:
            append_row(ws, row)  # a comment "=HYPERLINK(…)" stays text
        wb.save(path)
        data = path.read_bytes()
    audit(store, user, "export", None, kind="组合总览", filters=f.as_query())
    return f"复核结果_{datetime.now():%Y%m%d}.xlsx", data


def year_over_year(store: Store, report_id: int):
    """The report's series (same unit, kind, project) across years, compared (report.yoy)."""
    from ..model import Record
    from ..report.yoy import compare_years

    with store.session() as s:
        reports = series(s, report_id)
        if not reports:
            raise HTTPException(404, "报告不存在")
        records = [Record.model_validate_json(r.record_json) for r in reports if r.year is not None]
        return reports, compare_years(records)
