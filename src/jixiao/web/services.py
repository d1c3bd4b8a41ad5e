"""What the pages and the API both do: take an upload, record a decision, build the exports.
Each function takes the app's store and returns plain data; the routes only render it."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

from fastapi import HTTPException, UploadFile
from sqlalchemy import select

from ..store import Store
from ..store.access import Scope
from ..store.batches import Entry, create_batch, progress
from ..store.decisions import DecisionError, carry_decision, decide
from ..store.models import (
    AuditEntry,
    Batch,
    Decision,
    Finding,
    Report,
    User,
    aware,
    clean_text,
    local_time,
)
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


async def take_upload(store: Store, limits: Limits, auth, files: list[UploadFile], region: str | None) -> int:
    """Store the uploaded files (and the members of uploaded zips) by content, refuse what is not a
    report, and open a batch for the rest; returns the batch id. Raises 400 when nothing came, 403
    when a user with assigned regions names a region not among them."""
    region = clean_text(region, 64)
    scope = auth.scope
    if region and not scope.everything and region not in scope.regions:
        raise HTTPException(403, f"不能上传到未分配给您的地区：{region}")
    files = [f for f in files if f is not None and (f.filename or f.size)]
    if not files:
        raise HTTPException(400, "没有收到文件")
    accepted, rejected = intake([(f.filename or "", f.file) for f in files], store.files, limits)
    entries = [Entry(a.name, a.sha256, a.size, a.format) for a in accepted]
    batch_id = create_batch(store, entries, origin="web", user_id=auth.user.id, region=region,
                            rejected=[(r.name, r.reason) for r in rejected])
    audit(store, auth.user, "upload", f"batch:{batch_id}", files=[a.name for a in accepted],
          rejected=[f"{r.name}：{r.reason}" for r in rejected])
    return batch_id


def batch_progress(store: Store, auth, batch_id: int) -> dict:
    """A batch's progress for its uploader (or an administrator; 404 for anyone else), listing
    only the reports in the user's scope (the others counted in ``hidden``)."""
    with store.session() as s:
        batch = s.get(Batch, batch_id)
        if batch is None or not (auth.scope.everything or batch.user_id == auth.user.id):
            raise HTTPException(404, "批次不存在")
        p = progress(store, batch_id)
        ids = [r["id"] for it in p["items"] for r in it["reports"]]
        visible = set(s.scalars(select(Report.id).where(Report.id.in_(ids), auth.scope.clause()))) if ids else set()
        hidden = 0
        for it in p["items"]:
            shown = [r for r in it["reports"] if r["id"] in visible]
            hidden += len(it["reports"]) - len(shown)
            it["reports"] = shown
        p["hidden"] = hidden
        return p


def _refused(exc: DecisionError, otherwise: int = 422) -> HTTPException:
    code = 404 if "不存在" in str(exc) else (403 if "只读" in str(exc) else otherwise)
    return HTTPException(code, str(exc))


def finding_in_scope(store: Store, scope: Scope, finding_id: int) -> Finding:
    """The finding (its report loaded) when its report is in ``scope``; else 404, as if absent."""
    with store.session() as s:
        f = s.get(Finding, finding_id)
        if f is None or not scope.allows(s, f.report):
            raise HTTPException(404, "问题不存在")
        f.report  # noqa: B018  loaded while the session is open
        return f


def record_decision(store: Store, user: User, scope: Scope, finding_id: int, status: str,
                    comment: str | None) -> int:
    """Record a decision on a finding in ``scope`` (404 outside it); a refused decision is 422
    (no reason for 不采纳, unknown status), 403 for a viewer."""
    finding_in_scope(store, scope, finding_id)
    try:
        return decide(store, finding_id, status, comment, user)
    except DecisionError as exc:
        raise _refused(exc) from None


def carry(store: Store, user: User, scope: Scope, decision_id: int, finding_id: int) -> int:
    """An earlier version's decision carried by hand onto a finding of a later version, both in
    ``scope`` (404 outside it); no finding chosen is 422; a refusal because of what is stored
    (already carried, not a later version, already decided) is 409."""
    if not finding_id:
        raise HTTPException(422, "请选择本版本中要沿用到的问题")
    with store.session() as s:
        d = s.get(Decision, decision_id)
        if d is None or not scope.allows(s, d.finding.report):
            raise HTTPException(404, "复核结论不存在")
    finding_in_scope(store, scope, finding_id)
    try:
        return carry_decision(store, decision_id, finding_id, user)
    except DecisionError as exc:
        raise _refused(exc, 409) from None


def pending_warning(pending: int) -> str | None:
    """What the reviewer is told when a 复核意见 is exported with findings still 待复核."""
    if not pending:
        return None
    return f"尚有 {pending} 条问题待复核：导出的复核意见只含已确认和不采纳的问题，待复核的不写入。"


def opinion(store: Store, user: User, scope: Scope, report_id: int) -> tuple[str, bytes, int]:
    """(file name, .docx bytes, findings still 待复核) of the 复核意见 for one report in ``scope``,
    with its decisions. Parser notices (解析提示) are not counted: they are never triaged."""
    from ..checks.registry import is_parser_notice
    from ..report.opinion import Triage, opinion_docx

    with store.session() as s:
        v = report_view(s, report_id, scope)
        if v is None:
            raise HTTPException(404, "报告不存在")
        by_pos = {f.position: f for f in v.findings}
        triage = []
        for i in range(len(v.record.findings or [])):
            d = by_pos[i].decision if i in by_pos else None
            triage.append(Triage(d.status, d.comment, (d.user.display_name or d.user.username) if d and d.user else None,
                                 aware(d.created_at).astimezone()) if d else None)
        data = opinion_docx(v.record, triage, reviewer=user.display_name or user.username, version=v.report.version)
        pending = sum(1 for f, t in zip(v.record.findings or [], triage) if t is None and not is_parser_notice(f))
        label = v.report.project_name or v.report.unit_name or "报告"
        name = f"复核意见_{label}_{v.report.year or ''}年度_第{v.report.version}版.docx"
    audit(store, user, "export", f"report:{report_id}", kind="复核意见", pending=pending)
    return name, data, pending


def portfolio_xlsx(store: Store, user: User, scope: Scope, f: Filters) -> tuple[str, bytes]:
    """(file name, .xlsx bytes): the review workbook of the filtered portfolio in ``scope``, plus a
    sheet 复核结论 with every effective decision (and those left on earlier versions, their finding
    gone)."""
    from openpyxl import load_workbook

    from ..report.cleantext import append_row
    from ..report.xlsx import write_xlsx

    with store.session() as s:
        reports = portfolio(s, f, scope)
        results = reviewed_files(s, reports)
        decisions = []
        for r in reports:
            decided = [(d, fd, r, "") for fd in r.findings if (d := fd.decision) is not None]
            gone = [(d, fd, old, "问题在最新版本中已不存在") for d, fd, old in orphans(s, r, scope)]
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


def year_over_year(store: Store, scope: Scope, report_id: int):
    """(the report's series across years — same unit, kind, project — in ``scope``, the comparison
    (report.yoy) or None, why there is none). No comparison when the report has no year or its
    records cannot be compared (report.yoy raises ValueError): the reason is given instead."""
    from ..model import Record
    from ..report.yoy import compare_years

    with store.session() as s:
        reports = series(s, report_id, scope)
        if not reports:
            raise HTTPException(404, "报告不存在")
        if s.get(Report, report_id).year is None:
            return reports, None, "该报告未识别出年度，无法做历年对比。"
        records = [Record.model_validate_json(r.record_json) for r in reports if r.year is not None]
        try:
            return reports, compare_years(records), None
        except ValueError as exc:
            return reports, None, f"无法做历年对比：{_plain_reason(str(exc))}"


def _plain_reason(message: str) -> str:
    """report.yoy's reason without the file path it starts with (``/tmp/…/a.txt: 未识别报告年度…``)."""
    head, sep, rest = message.partition(": ")
    return rest if sep and ("/" in head or "\\" in head or "." in head) else message
