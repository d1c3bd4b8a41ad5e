"""Server-rendered pages (Chinese UI). Every form that changes something carries the CSRF token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from ..checks.registry import PARSER_NOTICE_HEADING, is_parser_notice
from ..extract.numbers import percent_text
from ..model import Finding as FindingRecord
from ..report.html import Excerpt, excerpts
from ..report.opinion import DIFF_HEADING, basis_text
from ..rules.ruleset import ruleset_basis
from ..store.access import scope_text
from ..store.models import Finding, User, clean_text, local_time
from ..store.queries import (
    KIND_TEXT,
    ACTION_TEXT,
    AUDIT_PAGE,
    SORTS,
    Filters,
    audit_log,
    facets,
    portfolio,
    report_view,
)
from ..store.users import ROLES, LoginRefused, close_session, open_session
from . import services
from .auth import (
    COOKIE,
    LOGIN_CSRF,
    Auth,
    check_csrf,
    current,
    require_admin,
    require_login,
    require_reviewer,
    require_user,
    set_session_cookie,
)
from .auth import login as check_login

router = APIRouter(include_in_schema=False)

# database ids are 32-bit integers on PostgreSQL: anything else is not an id (422), not a 500
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]

SEVERITY_TEXT = {"error": "错误", "warning": "警告", "info": "提示"}


def _pts(x: Any) -> str:
    if x is None:
        return "—"
    return f"{Decimal(str(x)):.2f}"


def _pct(x: Any) -> str:
    return "—" if x is None else percent_text(Decimal(str(x)))


_env = Environment(loader=PackageLoader("jixiao.web", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters.update(pts=_pts, pct=_pct, kind=lambda k: KIND_TEXT.get(k, k),
                    severity=lambda s: SEVERITY_TEXT.get(s, s), when=local_time, ruleset_basis=ruleset_basis)
_env.filters.update(basis=basis_text, scope_text=scope_text)
_env.globals.update(ROLES=ROLES, SORTS=SORTS, NOTICE_HEADING=PARSER_NOTICE_HEADING, DIFF_HEADING=DIFF_HEADING)


def _query(**params: str) -> str:
    """``?show=pending&sev=error``, leaving out defaults (empty, ``all``); ``?`` alone for none."""
    return "?" + urlencode({k: x for k, x in params.items() if x and x != "all"})


_env.globals.update(query=_query)


def render(request: Request, template: str, status: int = 200, auth: Auth | None = None, **ctx) -> HTMLResponse:
    auth = auth if auth is not None else current(request)
    text = _env.get_template(template).render(request=request, auth=auth, **ctx)
    return HTMLResponse(text, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """The Chinese error page (no traceback, no internals). The navigation shows the user when the
    session can be read; an error page never fails for want of it (a broken database, say)."""
    try:
        auth = current(request)
    except Exception:  # noqa: BLE001  the error being shown may be the database's
        auth = None
    return render(request, "error.html", status=status, auth=auth or False, status_code=status, message=message)


# --- login ---------------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", status=401 if error else 200, auth=None, csrf=token, error=error)
    resp.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", secure=request.app.state.secure_cookies,
                    max_age=3600)
    return resp


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form("")):
    sent = request.cookies.get(LOGIN_CSRF, "")
    if not sent or not secrets.compare_digest(sent.encode(), csrf_token.encode()):
        return login_form(request, error="页面已过期，请重新登录")
    try:
        user = check_login(request, username, password)  # per-address limit, then the username's
    except LoginRefused as exc:
        resp = login_form(request, error=str(exc))
        if exc.locked:
            resp.status_code = 429
        return resp
    token, _ = open_session(request.app.state.store, user.id)
    resp = RedirectResponse("/", status_code=303)
    set_session_cookie(resp, request, token)
    resp.delete_cookie(LOGIN_CSRF)
    return resp


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), auth: Auth = Depends(require_login)):
    check_csrf(request, auth, csrf_token)
    close_session(request.app.state.store, auth.token)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


# --- portfolio -----------------------------------------------------------------------------------

def filters_from(year: str | None, region: str | None, grade: str | None, ruleset: str | None,
                 code: str | None, kind: str | None, sort: str | None) -> Filters:
    y = int(year) if year and year.strip().isdigit() and len(year.strip()) <= 4 else None
    return Filters(year=y, region=clean_text(region, 64), grade=clean_text(grade, 8),
                   ruleset=clean_text(ruleset, 32), code=clean_text(code, 8), kind=clean_text(kind, 16),
                   sort=sort if sort in SORTS else "drop")


@router.get("/", response_class=HTMLResponse)
def portfolio_page(request: Request, year: str | None = None, region: str | None = None, grade: str | None = None,
                   ruleset: str | None = None, code: str | None = None, kind: str | None = None,
                   sort: str | None = None, auth: Auth = Depends(require_user)) -> HTMLResponse:
    f = filters_from(year, region, grade, ruleset, code, kind, sort)
    with request.app.state.store.session() as s:
        rows = portfolio(s, f, auth.scope)
        # parser notices (解析提示) are not triaged: they count neither as decided nor as pending
        audit = {r.id: [fd for fd in r.findings if not is_parser_notice(fd)] for r in rows}
        pending = {r.id: sum(1 for fd in audit[r.id] if fd.decision is None) for r in rows}
        decided = {r.id: len(audit[r.id]) - pending[r.id] for r in rows}
        notices = {r.id: len(r.findings) - len(audit[r.id]) for r in rows}
        return render(request, "portfolio.html", auth=auth, rows=rows, f=f, facets=facets(s, auth.scope), pending=pending,
                      decided=decided, notices=notices, query=urlencode(f.as_query()))


@router.get("/portfolio.xlsx")
def portfolio_export(request: Request, year: str | None = None, region: str | None = None, grade: str | None = None,
                     ruleset: str | None = None, code: str | None = None, kind: str | None = None,
                     sort: str | None = None, auth: Auth = Depends(require_user)) -> Response:
    name, data = services.portfolio_xlsx(request.app.state.store, auth.user, auth.scope,
                                         filters_from(year, region, grade, ruleset, code, kind, sort))
    return download(name, data, XLSX)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(name: str, data: bytes, media_type: str, warning: str | None = None) -> Response:
    """An export: an attachment that no cache keeps (``Cache-Control: no-store``); ``warning``
    (e.g. findings still pending) goes out as ``X-Jixiao-Warning`` (percent-encoded UTF-8)."""
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"}
    if warning:
        headers["X-Jixiao-Warning"] = quote(warning)
    return Response(data, media_type=media_type, headers=headers)


# --- upload and batches --------------------------------------------------------------------------

@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, auth: Auth = Depends(require_user)) -> HTMLResponse:
    require_reviewer(auth)
    return render(request, "upload.html", auth=auth, limits=request.app.state.limits,
                  regions=sorted(auth.scope.regions))


@router.post("/upload")
async def upload(request: Request, files: list[UploadFile] = File(default=[]), region: str = Form("", max_length=64),
                 csrf_token: str = Form(""), auth: Auth = Depends(require_user)):
    check_csrf(request, auth, csrf_token)
    require_reviewer(auth)
    batch_id = await services.take_upload(request.app.state.store, request.app.state.limits, auth, files, region)
    if request.app.state.worker is not None:
        request.app.state.worker.submit(batch_id)
    return RedirectResponse(f"/batches/{batch_id}", status_code=303)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: Id, auth: Auth = Depends(require_user)) -> HTMLResponse:
    return render(request, "batch.html", auth=auth, p=services.batch_progress(request.app.state.store, auth, batch_id))


# --- one report ----------------------------------------------------------------------------------

@dataclass
class CitedTable:
    index: int
    label: str
    rows: list[list[dict]]
    cited: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class FindingView:
    row: Finding
    record: FindingRecord
    excerpts: list[Excerpt]
    tables: list[CitedTable]


def cited_tables(finding: FindingRecord, tables: dict[int, dict]) -> list[CitedTable]:
    """The tables the finding's evidence points into, each with its cited cells, named as the
    report names them (the table part of the cited cell's place, 基础数据表), with its sheet or page."""
    out: dict[int, CitedTable] = {}
    for v in finding.evidence:
        src = v.source
        if src is None or src.block is None or src.row is None or src.col is None or src.block not in tables:
            continue
        t = tables[src.block]
        if src.block not in out:
            name = src.place.split("·")[0] if src.place else "引用的表格"
            where = f"（工作表“{t['sheet']}”）" if t.get("sheet") else (f"（第{t['page']}页）" if t.get("page") else "")
            out[src.block] = CitedTable(src.block, name + where, t["rows"])
        out[src.block].cited.add((src.row, src.col))
    return list(out.values())


def finding_excerpts(finding: FindingRecord, lines: list[str]) -> list[Excerpt]:
    """The excerpts of the finding's evidence (report.html.excerpts: one per distinct raw text and
    line), each labelled by its place in the report's own words and its line in the text view shown
    (``基础数据表·预算执行·全年执行数 原文第52行``) — not by the internal block index."""
    return excerpts(finding, lines)


# the unit page's findings filter: ?show=… (by the reviewer's decision) and ?sev=… (by severity)
SHOW_TEXT = {"all": "全部", "pending": "待复核", "confirmed": "已确认", "dismissed": "不采纳"}
_SHOW_STATUS = {"pending": None, "confirmed": "确认", "dismissed": "不采纳"}


def _status(f: Finding) -> str | None:
    return f.decision.status if f.decision else None


def _shown(f: FindingView, show: str, sev: str) -> bool:
    return ((show == "all" or _status(f.row) == _SHOW_STATUS[show])
            and (not sev or f.record.severity == sev))


@dataclass
class Refused:
    """A decision the server refused (422), shown inside its finding with what was typed."""

    finding_id: int
    message: str
    comment: str


def report_response(request: Request, auth: Auth, report_id: int, show: str = "all", sev: str = "",
                    refused: Refused | None = None) -> HTMLResponse:
    """The unit page (see :func:`report_page`); with ``refused``, answered 422 with the refusal
    inline in that finding (the typed comment kept, the textarea focused: the reviewer's place)."""
    show = show if show in SHOW_TEXT else "all"
    sev = sev if sev in SEVERITY_TEXT else ""
    with request.app.state.store.session() as s:
        v = report_view(s, report_id, auth.scope)
        if v is None:
            raise HTTPException(404, "报告不存在")
        recs = v.record.findings or []
        every = [FindingView(f, recs[f.position], finding_excerpts(recs[f.position], v.lines),
                             cited_tables(recs[f.position], v.tables))
                 for f in v.findings if f.position < len(recs)]
        views = [f for f in every if not is_parser_notice(f.record)]
        notices = [f for f in every if is_parser_notice(f.record)]
        counts = {k: sum(_shown(f, k, "") for f in views) for k in SHOW_TEXT}
        sev_counts = {k: sum(f.record.severity == k for f in views) for k in SEVERITY_TEXT}
        card = v.record.scorecards[0] if v.record.scorecards else None
        listed = [f for f in views if _shown(f, show, sev) or (refused and f.row.id == refused.finding_id)]
        return render(request, "report.html", status=422 if refused else 200, auth=auth, v=v, r=v.report, card=card,
                      all_findings=views, findings=listed, show=show, sev=sev,
                      undecided=[f for f in views if f.row.decision is None], notices=notices,
                      show_text=SHOW_TEXT, counts=counts, sev_counts=sev_counts, quality=v.record.quality,
                      refused=refused)


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: Id, show: str = "all", sev: str = "",
                auth: Auth = Depends(require_user)) -> HTMLResponse:
    """One report (404 outside the user's scope). ``show`` (all / pending / confirmed / dismissed)
    and ``sev`` (error / warning / info) narrow the findings listed; the counts and the index above
    them cover all findings. Parser notices (解析提示, JX9xx) are listed apart below the findings:
    not filtered, not counted with them, not triaged (no 确认/不采纳). The findings come before the
    long table of scored items; decisions left on earlier versions (沿用) come first of all."""
    return report_response(request, auth, report_id, show, sev)


def next_pending(findings: list[Finding], after: Finding) -> Finding:
    """Where triage goes on after a decision on ``after``: the next finding still 待复核 in report
    order (wrapping round), or ``after`` itself when none is left. Parser notices are skipped:
    they are not triaged."""
    order = sorted((f for f in findings if not is_parser_notice(f)), key=lambda f: f.position)
    later = [f for f in order if f.position > after.position] + [f for f in order if f.position < after.position]
    return next((f for f in later if f.decision is None), after)


@router.get("/findings/{finding_id}")
def finding_page(request: Request, finding_id: Id, auth: Auth = Depends(require_user)) -> RedirectResponse:
    """A finding's place on its report's page (links from the audit log)."""
    f = services.finding_in_scope(request.app.state.store, auth.scope, finding_id)
    return RedirectResponse(f"/reports/{f.report_id}#f{f.id}", status_code=303)


@router.post("/findings/{finding_id}/decision")
def decision(request: Request, finding_id: Id, status: str = Form(""), comment: str = Form(""),
             csrf_token: str = Form(""), show: str = Form("all"), sev: str = Form(""),
             auth: Auth = Depends(require_user)):
    """Record 确认 / 不采纳, then go back to the report (with the same filter) at the next finding
    still 待复核. A decision refused for what was sent (不采纳 without a reason: 422) comes back as
    the report page with the refusal shown inside that finding."""
    check_csrf(request, auth, csrf_token)
    require_reviewer(auth)
    store = request.app.state.store
    try:
        services.record_decision(store, auth.user, auth.scope, finding_id, status, comment)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        f = services.finding_in_scope(store, auth.scope, finding_id)
        return report_response(request, auth, f.report_id, show, sev, Refused(finding_id, str(exc.detail), comment))
    with store.session() as s:
        f = s.get(Finding, finding_id)
        target = next_pending(f.report.findings, f)
        query = _query(show=show if show in SHOW_TEXT else "", sev=sev if sev in SEVERITY_TEXT else "")
        return RedirectResponse(f"/reports/{f.report_id}{query.rstrip('?')}#f{target.id}", status_code=303)


@router.get("/reports/{report_id}/opinion.docx")
def opinion_export(request: Request, report_id: Id, auth: Auth = Depends(require_user)) -> Response:
    name, data, pending = services.opinion(request.app.state.store, auth.user, auth.scope, report_id)
    return download(name, data, DOCX,
                    services.pending_warning(pending))


@router.get("/reports/{report_id}/history", response_class=HTMLResponse)
def history_page(request: Request, report_id: Id, auth: Auth = Depends(require_user)) -> HTMLResponse:
    reports, yoy, why = services.year_over_year(request.app.state.store, auth.scope, report_id)
    return render(request, "history.html", auth=auth, reports=reports, yoy=yoy, why=why, report_id=report_id)


@router.post("/decisions/{decision_id}/carry")
def carry_page(request: Request, decision_id: Id, finding_id: int = Form(0, ge=0, le=2**31 - 1),
               csrf_token: str = Form(""), auth: Auth = Depends(require_user)):
    """沿用到本版本: an earlier version's decision listed as not carried, put by hand on a finding of
    this version (the same problem, reworded); back to that finding."""
    check_csrf(request, auth, csrf_token)
    require_reviewer(auth)
    services.carry(request.app.state.store, auth.user, auth.scope, decision_id, finding_id)
    with request.app.state.store.session() as s:
        return RedirectResponse(f"/reports/{s.get(Finding, finding_id).report_id}#f{finding_id}", status_code=303)


# --- the audit log (administrators) ---------------------------------------------------------------

@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, action: str = "", user: str = "", before: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
               auth: Auth = Depends(require_user)) -> HTMLResponse:
    """审计日志, newest first, 100 a page; by 操作 and by 用户. Administrators only (it names every
    region's reports)."""
    require_admin(auth)
    action = action if action in ACTION_TEXT else ""
    user = clean_text(user, 64) or ""
    with request.app.state.store.session() as s:
        lines = audit_log(s, action or None, user or None, before or None)
        users = sorted(s.scalars(select(User.username)))
        return render(request, "audit.html", auth=auth, lines=lines, actions=ACTION_TEXT, users=users,
                      action=action, user=user, more=lines[-1].entry.id if len(lines) == AUDIT_PAGE else None)
