"""单位填报 as JSON under ``/api/unit`` (:mod:`.unit` has the pages): the unit's drafts, saving the
form's fields, the live check the form calls as the unit types, the documents and the submission.
Its routes are registered on :data:`jixiao.web.api.router` itself (the OpenAPI schema lists them). Every route is
:func:`~jixiao.web.auth.require_unit` (403 for the other roles); another unit's draft is 404.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..author.template import layout
from ..store import drafts as store_drafts
from ..store.drafts import DraftError, fields_of, unit_field
from ..store.models import Draft
from .api import router
from .auth import Auth, check_csrf, require_unit
from .pages import render
from .unit import DOCUMENTS, document_response, draft_or_404, draft_list, draft_status
from .unit_form import compact_rows, evaluate_draft, score_view

UNIT = "/unit"  # under the API's own prefix: /api/unit/…
TAGS = ["单位填报"]

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Which = Literal["selfeval.docx", "selfeval.xlsx", "report.docx", "checklist.md"]
FIELDS_HELP = "表单各项：键为工作簿的单元格（工作表!单元格，如 资金!D6），值为填写的文字"
Common = {401: {"description": "需要登录"}, 403: {"description": "仅单位填报人可用"},
          404: {"description": "填报不存在（或不是本单位的）"}}
WithBody = {**Common, 400: {"description": "请求体无法解析"}}


class FieldsIn(BaseModel):
    """The form's fields: ``sheet!ref`` (as the workbook's cells, ``资金!D6``) → the text typed."""

    fields: dict[str, Annotated[str, Field(max_length=store_drafts.MAX_FIELD)]] = Field(
        description=FIELDS_HELP, max_length=store_drafts.MAX_FIELDS)


class CreateIn(BaseModel):
    unit: str = Field(max_length=255, description="单位名称（须是分配给您的单位）")
    kind: Literal["department", "project"] = Field(description="department 部门整体 / project 项目支出")
    year: int = Field(ge=2000, le=2100)


def _result_json(request: Request, auth: Auth, d: Draft, fields: dict[str, str], rows: int | None = None) -> dict:
    res = evaluate_draft(d, fields, rows)
    html = render(request, "_unit_result.html", auth=auth, d=d, res=res, score=score_view(res.done),
                  documents=DOCUMENTS, live=True).body.decode()
    summary = render(request, "_unit_summary.html", auth=auth, res=res, score=score_view(res.done)).body.decode()
    return {"ok": res.ok, "problems": res.problems, "score": score_view(res.done), "findings": res.findings,
            "html": html, "summary": summary.strip()}


def _draft_json(request: Request, auth: Auth, d: Draft) -> dict:
    with request.app.state.store.session() as s:
        state = draft_status(s, d)
    return {"id": d.id, "unit": d.unit_name, "kind": d.kind, "year": d.year, "title": d.title,
            "revision": d.revision, **state, "fields": fields_of(d)}


@router.get(UNIT + "/drafts", tags=TAGS, responses=Common)
def api_drafts(request: Request, auth: Auth = Depends(require_unit)) -> list[dict]:
    """The unit's drafts and submissions (status, version, score of the last submission)."""
    return [{k: v for k, v in x.items() if k != "updated_at"} | {"updated_at": x["updated_at"].isoformat()}
            for x in draft_list(request, auth)]


@router.post(UNIT + "/drafts", tags=TAGS, status_code=201, responses=WithBody)
def api_create(request: Request, body: Annotated[CreateIn, Body()], auth: Auth = Depends(require_unit)) -> dict:
    check_csrf(request, auth)
    try:
        draft_id = store_drafts.create_draft(request.app.state.store, auth.user.id, auth.scope, body.unit,
                                             body.kind, body.year)
    except DraftError as exc:  # the unit is not the user's (kind and year the schema checks)
        raise HTTPException(403, str(exc)) from None
    return _draft_json(request, auth, draft_or_404(request, auth, draft_id))


@router.get(UNIT + "/drafts/{draft_id}", tags=TAGS, responses=Common)
def api_draft(request: Request, draft_id: Id, auth: Auth = Depends(require_unit)) -> dict:
    d = draft_or_404(request, auth, draft_id)
    out = _draft_json(request, auth, d)
    res = evaluate_draft(d, fields_of(d))
    return out | {"ok": res.ok, "problems": res.problems, "score": score_view(res.done), "findings": res.findings}


@router.put(UNIT + "/drafts/{draft_id}", tags=TAGS, responses=WithBody)
def api_save(request: Request, draft_id: Id, body: Annotated[FieldsIn, Body()], auth: Auth = Depends(require_unit)) -> dict:
    """Save the fields as the draft's next revision (the unit's name and year written in)."""
    check_csrf(request, auth)
    d = draft_or_404(request, auth, draft_id)
    fields = compact_rows(layout(d.kind, d.year, d.ruleset), body.fields)  # type: ignore[arg-type]
    saved = store_drafts.save_draft(request.app.state.store, auth.user.id, auth.scope, draft_id, fields)
    if saved is None:
        raise HTTPException(404, "填报不存在")
    return api_draft(request, draft_id, auth)


@router.post(UNIT + "/drafts/{draft_id}/check", tags=TAGS, responses=WithBody)
def api_check(request: Request, draft_id: Id, body: Annotated[FieldsIn, Body()],
              rows: Annotated[int | None, Query(ge=1, le=100)] = None, auth: Auth = Depends(require_unit)) -> dict:
    """The scores and 填报检查 of ``fields`` as typed, not saved (the form's live check)."""
    check_csrf(request, auth)
    d = draft_or_404(request, auth, draft_id)
    fields = store_drafts.clean_fields(body.fields, d.kind, d.year, d.ruleset)
    saved = fields_of(d)  # the unit's name and year as the draft has them
    for key in (unit_field(d.kind), "year"):
        name = store_drafts.field_of(d.kind, d.year, d.ruleset, key)
        if name in saved:
            fields[name] = saved[name]
    return _result_json(request, auth, d, fields, rows)


@router.post(UNIT + "/drafts/{draft_id}/submit", tags=TAGS, responses={**Common, 409: {"description": "还有须改正的问题（逐条列出）"}})
def api_submit(request: Request, draft_id: Id, auth: Auth = Depends(require_unit)):
    """Submit what was saved; 409 listing the problems while any remain."""
    check_csrf(request, auth)
    draft_or_404(request, auth, draft_id)
    try:
        done = store_drafts.submit(request.app.state.store, auth.user.id, auth.scope, draft_id)
    except DraftError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=409)
    if done is None:
        raise HTTPException(404, "填报不存在")
    return {"report_id": done.report_id, "version": done.version, "same": done.same, "carried": done.carried,
            "not_carried": done.not_carried}


@router.get(UNIT + "/drafts/{draft_id}/files/{which}", tags=TAGS, responses={
    **Common, 409: {"description": "还有须改正的问题，不能生成文书"},
    200: {"content": {media: {} for _, media in DOCUMENTS.values()}}})
def api_document(request: Request, draft_id: Id, which: Which, auth: Auth = Depends(require_unit)) -> Response:
    """按已保存的内容生成的自评表（.docx/.xlsx）、自评报告（.docx）或填报检查（.md）。"""
    return document_response(request, auth, draft_id, which)
