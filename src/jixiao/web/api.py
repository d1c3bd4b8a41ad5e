"""The JSON API under ``/api/``: the same operations as the pages (schema at /api/openapi.json).

Authentication: ``POST /api/login`` returns a bearer token; or the browser's session cookie, in
which case every POST must send the ``X-CSRF-Token`` header (the token is in ``GET /api/me``).
Scores are points (2 decimals), ``execution_rate`` a fraction (0.6646 = 66.46%)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import (
    APIRouter,
    Body,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
    UploadFile,
)
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..store.models import Decision, Report, aware
from ..store.queries import (
    ACTION_TEXT,
    SORTS,
    audit_log,
    facets,
    portfolio,
    report_view,
)
from ..store.users import LoginRefused, close_session, open_session
from . import services
from .auth import (
    Auth,
    check_csrf,
    login,
    require_admin,
    require_login,
    require_reviewer,
    require_user,
)
from .pages import DOCX, XLSX, download, filters_from

router = APIRouter(prefix="/api", tags=["api"])

Unauthorized = {401: {"description": "需要登录"}}
Locked = {429: {"description": "登录失败次数过多，该用户名或来源地址暂时锁定"}}
BadBody = {400: {"description": "请求体无法解析"}}
# every route of the reviewers' workspace (require_user): 401 without a session, 403 for a 单位填报人
Staff = {**Unauthorized, 403: {"description": "单位填报人不能使用复核工作台"}}
Reviewing = {**Unauthorized, 403: {"description": "单位填报人不能使用复核工作台；只读用户不能作出复核结论或上传"}}
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]  # database ids are 32-bit on PostgreSQL


class LoginIn(BaseModel):
    username: str = Field(max_length=64, pattern=r"^[^\x00]*$")
    password: str = Field(max_length=256, pattern=r"^[^\x00]*$")


class UserOut(BaseModel):
    username: str
    display_name: str | None
    role: Literal["admin", "reviewer", "viewer", "unit"]


class LoginOut(BaseModel):
    token: str
    csrf_token: str
    user: UserOut


class MeOut(BaseModel):
    user: UserOut
    csrf_token: str


class ReportOut(BaseModel):
    id: int
    kind: str
    unit_name: str | None
    project_name: str | None
    year: int | None
    region: str | None
    ruleset: str | None
    version: int
    is_current: bool
    file: str
    self_total: float | None = Field(description="自评得分（分）")
    total: float | None = Field(description="复核得分（分）")
    score_drop: float | None = Field(description="自评得分 − 复核得分（分）")
    self_grade: str | None
    grade: str | None
    execution_rate: float | None = Field(description="预算执行率（小数，0.6646 即 66.46%）")
    errors: int
    warnings: int
    infos: int
    error: str | None


class DecisionOut(BaseModel):
    id: int
    status: str
    comment: str | None
    reviewer: str | None
    at: datetime
    carried: bool


class FindingOut(BaseModel):
    id: int
    code: str
    severity: str
    title: str
    message: str
    decision: DecisionOut | None


class ItemOut(BaseModel):
    item: str | None
    rule: str | None
    weight: float | None
    self_score: float | None
    score: float | None
    status: str
    formula: str
    source: str | None


class OrphanOut(BaseModel):
    """A decision on an earlier version whose finding is not in this version (not carried)."""

    decision: DecisionOut
    finding_id: int
    code: str
    title: str
    message: str
    version: int = Field(description="作出该结论的版本")


class ReportDetail(BaseModel):
    report: ReportOut
    items: list[ItemOut]
    findings: list[FindingOut]
    versions: list[int] = Field(description="本报告各版本的 id，按版本号")
    orphans: list[OrphanOut] = Field(description="以往版本的复核结论（问题在本版本中已不存在），可用 "
                                                 "POST /api/decisions/{id}/carry 沿用到本版本的问题")


class CarryIn(BaseModel):
    finding_id: int = Field(ge=1, le=2**31 - 1, description="本报告后续版本中的问题 id（须尚无复核结论）")


class Confirm(BaseModel):
    status: Literal["确认"]
    comment: str | None = Field(default=None, max_length=2000, description="意见（可不填）")


class Dismiss(BaseModel):
    status: Literal["不采纳"]
    comment: str = Field(max_length=2000, pattern=r"\S", description="不采纳的理由（必填）")


DecisionIn = Annotated[Confirm | Dismiss, Field(discriminator="status")]


class BatchItemOut(BaseModel):
    name: str
    status: str
    text: str
    message: str | None
    reports: list[dict]


class BatchOut(BaseModel):
    id: int
    total: int
    done: int
    items: list[BatchItemOut]


class YearOut(BaseModel):
    report_id: int
    year: int | None
    total: float | None
    self_total: float | None
    grade: str | None


def _f(x) -> float | None:
    return None if x is None else float(x)


def report_out(r: Report) -> ReportOut:
    return ReportOut(id=r.id, kind=r.kind, unit_name=r.unit_name, project_name=r.project_name, year=r.year,
                     region=r.region, ruleset=r.ruleset, version=r.version, is_current=r.is_current,
                     file=r.review.name, self_total=_f(r.self_total), total=_f(r.total),
                     score_drop=_f(r.score_drop), self_grade=r.self_grade, grade=r.grade,
                     execution_rate=_f(r.execution_rate), errors=r.errors, warnings=r.warnings, infos=r.infos,
                     error=r.review.error)


def _user_out(u) -> UserOut:
    return UserOut(username=u.username, display_name=u.display_name, role=u.role)


@router.post("/login", response_model=LoginOut, responses={**Unauthorized, **BadBody, **Locked})
def api_login(request: Request, body: LoginIn) -> LoginOut:
    """登录，取得 Bearer 令牌。失败记入审计日志；同一用户名或同一来源地址失败过多时暂时锁定（429）。"""
    try:
        user = login(request, body.username, body.password)  # per-address limit, then the username's
    except LoginRefused as exc:
        raise HTTPException(429 if exc.locked else 401, str(exc)) from None
    token, csrf = open_session(request.app.state.store, user.id)
    return LoginOut(token=token, csrf_token=csrf, user=_user_out(user))


@router.post("/logout", status_code=204, responses=Unauthorized)
def api_logout(request: Request, auth: Auth = Depends(require_login)) -> Response:
    check_csrf(request, auth)
    close_session(request.app.state.store, auth.token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses=Unauthorized)
def me(auth: Auth = Depends(require_login)) -> MeOut:
    return MeOut(user=_user_out(auth.user), csrf_token=auth.csrf)


@router.get("/reports", response_model=list[ReportOut], responses=Staff)
def reports(request: Request, year: int | None = Query(None, ge=1900, le=2200), region: str | None = None,
            grade: str | None = None, ruleset: str | None = None, code: str | None = None,
            kind: Literal["department", "project"] | None = None,
            sort: Literal[tuple(SORTS)] = "drop",  # type: ignore[valid-type]
            auth: Auth = Depends(require_user)) -> list[ReportOut]:
    """组合总览：分配给您的地区、单位中各报告的最新版本，可按年度、地区、复核等次、规则集、问题代码、类型筛选。"""
    f = filters_from(str(year) if year else None, region, grade, ruleset, code, kind, sort)
    with request.app.state.store.session() as s:
        return [report_out(r) for r in portfolio(s, f, auth.scope)]


@router.get("/facets", responses=Staff)
def api_facets(request: Request, auth: Auth = Depends(require_user)) -> dict:
    with request.app.state.store.session() as s:
        return facets(s, auth.scope)


@router.get("/reports/{report_id}", response_model=ReportDetail, responses={**Staff, 404: {}})
def report_detail(request: Request, report_id: Id, auth: Auth = Depends(require_user)) -> ReportDetail:
    """一份报告：逐项自评得分与复核得分，问题及其复核结论。"""
    with request.app.state.store.session() as s:
        v = report_view(s, report_id, auth.scope)
        if v is None:
            raise HTTPException(404, "报告不存在")
        card = v.record.scorecards[0] if v.record.scorecards else None
        items = [ItemOut(item=it.indicator or it.rule, rule=it.rule, weight=_f(it.weight), self_score=_f(it.self_score),
                         score=_f(it.score), status=it.status, formula=it.formula, source=it.source)
                 for it in (card.items if card else [])]
        findings = [FindingOut(id=f.id, code=f.code, severity=f.severity, title=f.title, message=f.message,
                               decision=decision_out(f.decision) if f.decision else None) for f in v.findings]
        orphans = [OrphanOut(decision=decision_out(d), finding_id=f.id, code=f.code, title=f.title, message=f.message,
                             version=old.version) for d, f, old in v.orphans]
        return ReportDetail(report=report_out(v.report), items=items, findings=findings,
                            versions=[x.id for x in v.versions], orphans=orphans)


def decision_out(d: Decision) -> DecisionOut:
    return DecisionOut(id=d.id, status=d.status, comment=d.comment,
                       reviewer=(d.user.display_name or d.user.username) if d.user else None,
                       at=aware(d.created_at), carried=d.carried_from_id is not None)


@router.post("/findings/{finding_id}/decision", response_model=DecisionOut,
             responses={**Reviewing, **BadBody, 404: {}, 422: {}})
def api_decide(request: Request, finding_id: Id, body: Annotated[DecisionIn, Body()],
               auth: Auth = Depends(require_user)) -> DecisionOut:
    """对一条问题作出复核结论：确认，或不采纳（须说明理由）。"""
    check_csrf(request, auth)
    require_reviewer(auth)
    decision_id = services.record_decision(request.app.state.store, auth.user, auth.scope, finding_id, body.status,
                                           body.comment)
    with request.app.state.store.session() as s:
        return decision_out(s.get(Decision, decision_id))


@router.post("/decisions/{decision_id}/carry", response_model=DecisionOut,
             responses={**Reviewing, **BadBody, 404: {}, 422: {},
                        409: {"description": "已沿用、不是后续版本的问题、或该问题已有复核结论"}})
def api_carry(request: Request, decision_id: Id, body: Annotated[CarryIn, Body()],
              auth: Auth = Depends(require_user)) -> DecisionOut:
    """把以往版本中未能自动沿用的复核结论（见报告的 ``orphans``）沿用到后续版本中尚无结论的同一问题。"""
    check_csrf(request, auth)
    require_reviewer(auth)
    decision_id = services.carry(request.app.state.store, auth.user, auth.scope, decision_id, body.finding_id)
    with request.app.state.store.session() as s:
        return decision_out(s.get(Decision, decision_id))


@router.post("/uploads", response_model=BatchOut, status_code=202,
             responses={**Reviewing, 400: {}, 411: {}, 413: {}})
async def api_upload(request: Request, files: list[UploadFile] = File(...), region: str = Form("", max_length=64),
                     auth: Auth = Depends(require_user)) -> BatchOut:
    """上传报告文件（或 zip），返回批次；复核在后台进行，用 GET /api/batches/{id} 查看进度。"""
    check_csrf(request, auth)
    require_reviewer(auth)
    batch_id = await services.take_upload(request.app.state.store, request.app.state.limits, auth, files, region)
    if request.app.state.worker is not None:
        request.app.state.worker.submit(batch_id)
    return BatchOut(**services.batch_progress(request.app.state.store, auth, batch_id))


@router.get("/batches/{batch_id}", response_model=BatchOut, responses={**Staff, 404: {}})
def api_batch(request: Request, batch_id: Id, auth: Auth = Depends(require_user)) -> BatchOut:
    return BatchOut(**services.batch_progress(request.app.state.store, auth, batch_id))


@router.get("/reports/{report_id}/history", responses={**Staff, 404: {}})
def api_history(request: Request, report_id: Id, auth: Auth = Depends(require_user)) -> dict:
    """同一单位（同一项目）各年度的对比：得分，及同一指标的年度指标值与实际完成值；标出调低的目标。"""
    reports, yoy, why = services.year_over_year(request.app.state.store, auth.scope, report_id)
    years = [YearOut(report_id=r.id, year=r.year, total=_f(r.total), self_total=_f(r.self_total),
                     grade=r.grade).model_dump() for r in reports]
    return {"years": years, "comparison": jsonable_encoder(yoy) if yoy is not None else None, "message": why}


@router.get("/reports/{report_id}/opinion.docx", responses={**Staff, 404: {},
                                                          200: {"content": {DOCX: {}}}})
def api_opinion(request: Request, report_id: Id, auth: Auth = Depends(require_user)) -> Response:
    """导出该报告的复核意见（.docx）。"""
    name, data, pending = services.opinion(request.app.state.store, auth.user, auth.scope, report_id)
    return download(name, data, DOCX, services.pending_warning(pending))


@router.get("/portfolio.xlsx", responses={**Staff, 200: {"content": {XLSX: {}}}})
def api_portfolio_xlsx(request: Request, year: int | None = Query(None, ge=1900, le=2200), region: str | None = None,
                       grade: str | None = None, ruleset: str | None = None, code: str | None = None,
                       kind: Literal["department", "project"] | None = None,
                       auth: Auth = Depends(require_user)) -> Response:
    """导出组合总览（.xlsx，含复核结论）。"""
    name, data = services.portfolio_xlsx(request.app.state.store, auth.user, auth.scope,
                                         filters_from(str(year) if year else None, region, grade, ruleset, code,
                                                      kind, None))
    return download(name, data, XLSX)


class AuditOut(BaseModel):
    id: int
    at: datetime
    user: str | None = Field(description="用户名；系统操作为 null")
    action: str = Field(description="操作代码：" + "、".join(f"{k}（{v}）" for k, v in ACTION_TEXT.items()))
    target: str | None = Field(description="对象，如 report:12、finding:40、batch:3")
    detail: dict | None


@router.get("/audit", response_model=list[AuditOut], responses={**Unauthorized, 403: {"description": "仅管理员可查看"}})
def api_audit(request: Request, action: Literal[tuple(ACTION_TEXT)] | None = None,  # type: ignore[valid-type]
              user: str | None = Query(None, max_length=64, pattern=r"^[^\x00]*$"),
              before: int | None = Query(None, ge=1, le=2**31 - 1),
              auth: Auth = Depends(require_user)) -> list[AuditOut]:
    """审计日志（新的在前，每次至多 100 条；``before`` 取更早的一页）。仅管理员。"""
    require_admin(auth)
    with request.app.state.store.session() as s:
        return [AuditOut(id=ln.entry.id, at=aware(ln.entry.at), user=ln.entry.user.username if ln.entry.user else None,
                         action=ln.entry.action, target=ln.entry.target,
                         detail=json.loads(ln.entry.detail) if ln.entry.detail else None)
                for ln in audit_log(s, action, user, before)]


# 单位填报's JSON routes (/api/unit/…) are registered on this router by their module
from . import unit_api  # noqa: E402,F401
