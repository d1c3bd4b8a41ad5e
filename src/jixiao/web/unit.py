"""单位填报 in the workspace: a unit user's (单位填报人) drafts, the web form, the documents and
the submission into the reviewers' queue. Pages under ``/unit``, the same operations as JSON
under ``/api/unit`` (the form's live check calls ``POST /api/unit/drafts/{id}/check``).

The JSON routes are in :mod:`.unit_api`. Every route is :func:`~jixiao.web.auth.require_unit`
(403 for every other role: no reviewer edits a unit's draft) and finds the draft in the user's
units (:func:`jixiao.store.drafts.get_draft`): another unit's draft answers 404, as if it were not
there.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..author.pipeline import write_documents
from ..author.template import layout, write_template
from ..author.workbook import WorkbookError, workbook_cells
from ..store import drafts as store_drafts
from ..store.drafts import DraftError, KIND_TEXT, fields_of, get_draft, unit_field
from ..store.models import Draft, Report
from .auth import Auth, check_csrf, require_unit
from .pages import DOCX, XLSX, download, render
from .unit_form import compact_rows, evaluate_draft, filled_rows, score_view

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
DOCUMENTS = {  # what may be downloaded: key → (Authored.files key, media type)
    "selfeval.docx": ("selfeval_docx", DOCX),
    "selfeval.xlsx": ("selfeval_xlsx", XLSX),
    "report.docx": ("report_docx", DOCX),
    "checklist.md": ("checklist", "text/markdown; charset=utf-8"),
}
MAX_WORKBOOK = 5 * 1024 * 1024  # an uploaded 填报工作簿, bytes
MAX_WORKBOOK_UNPACKED = 60 * 1024 * 1024  # its members, uncompressed


def draft_or_404(request: Request, auth: Auth, draft_id: int) -> Draft:
    with request.app.state.store.session() as s:
        d = get_draft(s, auth.scope, draft_id)
        if d is None:
            raise HTTPException(404, "填报不存在")
        s.expunge(d)
        return d


def draft_status(s, d: Draft) -> dict[str, Any]:
    """填写中 / 已提交（第2版） / 已提交第2版，之后又有修改, and the stored report's scores."""
    report = s.get(Report, d.report_id) if d.report_id else None
    if report is None:
        return {"status": "draft", "text": "填写中（未提交）", "version": None, "total": None, "grade": None}
    text = f"已提交（第{report.version}版）" if d.submitted_revision == d.revision else \
        f"已提交第{report.version}版，之后又有修改（未提交）"
    return {"status": "submitted" if d.submitted_revision == d.revision else "changed", "text": text,
            "version": report.version, "total": None if report.self_total is None else f"{report.self_total:f}",
            "grade": report.self_grade}


def draft_list(request: Request, auth: Auth) -> list[dict[str, Any]]:
    with request.app.state.store.session() as s:
        return [{"id": d.id, "unit": d.unit_name, "kind": d.kind, "kind_text": KIND_TEXT[d.kind], "year": d.year,
                 "title": d.title, "revision": d.revision, "updated_at": d.updated_at, **draft_status(s, d)}
                for d in store_drafts.drafts_of(s, auth.scope)]


# --- pages ---------------------------------------------------------------------------------------

@router.get("/unit", response_class=HTMLResponse)
def unit_home_page(request: Request, auth: Auth = Depends(require_unit)) -> HTMLResponse:
    """填报: the unit's drafts and submissions with their status; a new draft, an uploaded workbook."""
    return unit_home(request, None, auth)


def unit_home(request: Request, error: str | None, auth: Auth) -> HTMLResponse:
    """The 填报 page; with ``error`` (a refused new draft or upload) answered 422 with it shown."""
    return render(request, "unit_home.html", status=422 if error else 200, auth=auth, drafts=draft_list(request, auth),
                  units=sorted(auth.scope.units), kinds=KIND_TEXT, error=error)


@router.post("/unit/drafts")
def unit_create(request: Request, unit: str = Form(""), kind: str = Form(""), year: int = Form(0, ge=0, le=9999),
                csrf_token: str = Form(""), auth: Auth = Depends(require_unit)):
    check_csrf(request, auth, csrf_token)
    try:
        draft_id = store_drafts.create_draft(request.app.state.store, auth.user.id, auth.scope, unit, kind, year)
    except DraftError as exc:
        return unit_home(request, str(exc), auth)
    return RedirectResponse(f"/unit/drafts/{draft_id}", status_code=303)


async def _workbook_fields(upload: UploadFile) -> tuple[str, int, str, dict[str, str]]:
    """The uploaded 填报工作簿 as form fields; DraftError for anything else or one too large."""
    data = await upload.read(MAX_WORKBOOK + 1)
    if len(data) > MAX_WORKBOOK:
        raise DraftError(f"工作簿过大：最多 {MAX_WORKBOOK // (1 << 20)} MB")
    with tempfile.TemporaryDirectory() as tmp:
        path = FsPath(tmp) / "填报.xlsx"
        path.write_bytes(data)
        try:
            with zipfile.ZipFile(path) as z:
                if sum(i.file_size for i in z.infolist()) > MAX_WORKBOOK_UNPACKED:
                    raise DraftError("工作簿解压后过大，不像是填报工作簿")
        except zipfile.BadZipFile:
            raise DraftError(f"{upload.filename or '上传的文件'}：不是 .xlsx 工作簿，请上传 jixiao 的填报工作簿") from None
        try:
            kind, year, ruleset, fields = workbook_cells(path)
            return kind, year, ruleset, compact_rows(layout(kind, year, ruleset), fields)  # type: ignore[arg-type]
        except WorkbookError as exc:
            raise DraftError(str(exc).replace(str(path.name), upload.filename or "上传的文件")) from None


def _workbook_unit(kind: str, year: int, ruleset: str, fields: dict[str, str]) -> str | None:
    return fields.get(store_drafts.field_of(kind, year, ruleset, unit_field(kind)))


@router.post("/unit/upload")
async def unit_upload(request: Request, workbook: UploadFile = File(...), unit: str = Form(""),
                      csrf_token: str = Form(""), auth: Auth = Depends(require_unit)):
    """A filled 填报工作簿 → a new draft of the unit (the workbook's unit must be the user's)."""
    check_csrf(request, auth, csrf_token)
    try:
        kind, year, ruleset, fields = await _workbook_fields(workbook)
        named = _workbook_unit(kind, year, ruleset, fields)
        unit = named or unit or (next(iter(auth.scope.units)) if len(auth.scope.units) == 1 else "")
        if unit not in auth.scope.units:
            raise DraftError(f"工作簿中的单位“{named or unit}”不是您可填报的单位（{'、'.join(sorted(auth.scope.units))}）")
        draft_id = store_drafts.create_draft(request.app.state.store, auth.user.id, auth.scope, unit, kind, year,
                                             fields, ruleset)
    except DraftError as exc:
        return unit_home(request, str(exc), auth)
    return RedirectResponse(f"/unit/drafts/{draft_id}", status_code=303)


@router.get("/unit/template.xlsx")
def unit_template(kind: str = Query("department"), year: int = Query(2025, ge=2000, le=2100),
                  auth: Auth = Depends(require_unit)) -> Response:
    """The blank 填报工作簿 (as ``jixiao template`` writes it)."""
    if kind not in KIND_TEXT:
        raise HTTPException(422, "类型应为 department 或 project")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_template(kind, FsPath(tmp) / "t.xlsx", year)  # type: ignore[arg-type]
        data = path.read_bytes()
    return download(f"{year}年度{KIND_TEXT[kind]}绩效自评填报工作簿.xlsx", data, DOCUMENTS["selfeval.xlsx"][1])


def draft_response(request: Request, auth: Auth, d: Draft, fields: dict[str, str] | None = None,
                   rows: int | None = None, message: str | None = None, error: str | None = None,
                   status: int = 200) -> HTMLResponse:
    result = evaluate_draft(d, fields if fields is not None else fields_of(d), rows)
    with request.app.state.store.session() as s:
        state = draft_status(s, d)
        revisions = store_drafts.revisions_of(s, d)
    return render(request, "unit_draft.html", status=status, auth=auth, d=d, kind_text=KIND_TEXT[d.kind], res=result,
                  score=score_view(result.done), state=state, message=message, error=error, documents=DOCUMENTS,
                  revisions=revisions)


@router.get("/unit/drafts/{draft_id}", response_class=HTMLResponse)
def unit_draft(request: Request, draft_id: Id, rows: Annotated[int | None, Query(ge=1, le=100)] = None,
               saved: str = "", auth: Auth = Depends(require_unit)) -> HTMLResponse:
    """The form with the computed scores and the 填报检查 of what was saved."""
    d = draft_or_404(request, auth, draft_id)
    message = {"1": "已保存。", "up": "已读入工作簿并保存。", "back": "已恢复所选的那次保存的内容（另存为新的一次保存）。", "sub": "已提交，复核人员可在复核队列中看到。",
               "same": "内容与上次提交相同，未重复提交。"}.get(saved)
    return draft_response(request, auth, d, rows=rows, message=message)


@router.post("/unit/drafts/{draft_id}")
async def unit_save(request: Request, draft_id: Id, auth: Auth = Depends(require_unit)):
    """Save the form (every field as typed); ``action`` add_row / remove:N also saves."""
    form = await request.form()
    check_csrf(request, auth, str(form.get("csrf_token", "")))
    d = draft_or_404(request, auth, draft_id)
    action = str(form.get("action", "save"))
    fields = {k: str(v) for k, v in form.items() if "!" in k and isinstance(v, str)}
    lay = layout(d.kind, d.year, d.ruleset)  # type: ignore[arg-type]
    remove = int(action.split(":", 1)[1]) if action.startswith("remove:") and action[7:].isdigit() else None
    fields = compact_rows(lay, fields, remove)
    saved = store_drafts.save_draft(request.app.state.store, auth.user.id, auth.scope, draft_id, fields)
    if saved is None:
        raise HTTPException(404, "填报不存在")
    shown = str(form.get("rows", ""))
    rows = int(shown) if shown.isdigit() else None
    if action == "add_row":
        rows = max(rows or 3, filled_rows(lay, fields)) + 1
    elif remove is not None and rows:
        rows = max(1, rows - 1)
    if action == "submit":
        return _submit_page(request, auth, draft_id)
    query = f"?saved=1&rows={rows}" if rows else "?saved=1"
    return RedirectResponse(f"/unit/drafts/{draft_id}{query}#result", status_code=303)


@router.post("/unit/drafts/{draft_id}/upload")
async def unit_draft_upload(request: Request, draft_id: Id, workbook: UploadFile = File(...),
                            csrf_token: str = Form(""), auth: Auth = Depends(require_unit)):
    """A filled workbook read into this draft (same kind and year, the unit's own)."""
    check_csrf(request, auth, csrf_token)
    d = draft_or_404(request, auth, draft_id)
    try:
        kind, year, ruleset, fields = await _workbook_fields(workbook)
        if (kind, year) != (d.kind, d.year):
            raise DraftError(f"工作簿是{year}年度{KIND_TEXT[kind]}的，这份填报是{d.year}年度{KIND_TEXT[d.kind]}的")
        named = _workbook_unit(kind, year, ruleset, fields)
        if named and named != d.unit_name:
            raise DraftError(f"工作簿中的单位“{named}”不是这份填报的单位“{d.unit_name}”")
    except DraftError as exc:
        return draft_response(request, auth, d, error=str(exc), status=422)
    store_drafts.save_draft(request.app.state.store, auth.user.id, auth.scope, draft_id, fields)
    return RedirectResponse(f"/unit/drafts/{draft_id}?saved=up#result", status_code=303)


@router.post("/unit/drafts/{draft_id}/restore")
def unit_restore(request: Request, draft_id: Id, revision: int = Form(0, ge=0, le=2**31 - 1),
                 csrf_token: str = Form(""), auth: Auth = Depends(require_unit)):
    """An earlier save's fields saved again (as the next revision: nothing is lost)."""
    check_csrf(request, auth, csrf_token)
    if store_drafts.restore(request.app.state.store, auth.user.id, auth.scope, draft_id, revision) is None:
        raise HTTPException(404, "填报不存在")
    return RedirectResponse(f"/unit/drafts/{draft_id}?saved=back#result", status_code=303)


def _submit_page(request: Request, auth: Auth, draft_id: int):
    try:
        done = store_drafts.submit(request.app.state.store, auth.user.id, auth.scope, draft_id)
    except DraftError as exc:
        return draft_response(request, auth, draft_or_404(request, auth, draft_id), error=str(exc), status=422)
    if done is None:
        raise HTTPException(404, "填报不存在")
    return RedirectResponse(f"/unit/drafts/{draft_id}?saved={'same' if done.same else 'sub'}#result", status_code=303)


@router.post("/unit/drafts/{draft_id}/submit")
def unit_submit(request: Request, draft_id: Id, csrf_token: str = Form(""), auth: Auth = Depends(require_unit)):
    """Submit what was saved: refused (422, listing the problems) while any remain."""
    check_csrf(request, auth, csrf_token)
    return _submit_page(request, auth, draft_id)


def document_response(request: Request, auth: Auth, draft_id: int, which: str) -> Response:
    if which not in DOCUMENTS:
        raise HTTPException(404, "没有这种文书")
    d = draft_or_404(request, auth, draft_id)
    result = evaluate_draft(d, fields_of(d))
    if not result.ok:
        raise HTTPException(409, f"还有 {len(result.problems)} 处须改正，改正后才能生成文书")
    key, media = DOCUMENTS[which]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_documents(result.done, tmp)[key]
        return download(path.name, path.read_bytes(), media)


@router.get("/unit/drafts/{draft_id}/files/{which}")
def unit_document(request: Request, draft_id: Id, which: str, auth: Auth = Depends(require_unit)) -> Response:
    """自评表 (.docx / .xlsx), 自评报告 (.docx) or 填报检查.md of what was saved."""
    return document_response(request, auth, draft_id, which)
