"""Reading the store for the web app and the API: the portfolio with its filters, one report with
its findings and decisions, the versions of a report, the same report across years."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, selectinload

from ..model import Record
from .access import Scope
from .models import Decision, Finding, Report, View

KIND_TEXT = {"department": "部门整体", "project": "项目"}  # a report's kind as the pages and filters say it
SORTS = {
    "drop": "得分差（自评−复核）",
    "errors": "错误数",
    "total": "复核得分",
    "year": "年度",
    "unit": "单位",
}


@dataclass
class Filters:
    """Portfolio filters (None = any): 年度, 地区, 复核等次, 规则集, 问题代码, 类型 (department/project)."""

    year: int | None = None
    region: str | None = None
    grade: str | None = None
    ruleset: str | None = None
    code: str | None = None
    kind: str | None = None
    sort: str = "drop"

    def as_query(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def portfolio(s: Session, f: Filters, scope: Scope) -> list[Report]:
    """Current versions in ``scope`` matching the filters, sorted by ``f.sort`` (得分差 desc, then
    错误 desc)."""
    q = select(Report).where(Report.is_current.is_(True), scope.clause())
    if f.year is not None:
        q = q.where(Report.year == f.year)
    if f.region:
        q = q.where(Report.region == f.region)
    if f.grade:
        q = q.where(Report.grade == f.grade)
    if f.ruleset:
        q = q.where(Report.ruleset == f.ruleset)
    if f.kind:
        q = q.where(Report.kind == f.kind)
    if f.code:
        q = q.where(exists().where(Finding.report_id == Report.id, Finding.code == f.code))
    order = {
        "errors": (Report.errors.desc(), Report.warnings.desc(), Report.id),
        "total": (Report.total.is_(None), Report.total.asc(), Report.id),
        "year": (Report.year.desc(), Report.unit_name, Report.id),
        "unit": (Report.unit_name, Report.year.desc(), Report.id),
    }.get(f.sort, (Report.score_drop.is_(None), Report.score_drop.desc(), Report.errors.desc(), Report.id))
    return list(s.scalars(q.order_by(*order).options(selectinload(Report.review))))


def facets(s: Session, scope: Scope) -> dict[str, list]:
    """The values the filters can take, from the current versions in ``scope``."""
    cur = and_(Report.is_current.is_(True), scope.clause())

    def values(col):
        return list(s.scalars(select(col).where(cur, col.is_not(None)).distinct().order_by(col)))

    codes = s.execute(select(Finding.code, Finding.title).join(Report).where(cur).distinct()
                      .order_by(Finding.code)).all()
    seen: dict[str, str] = {}
    for code, title in codes:
        seen.setdefault(code, title)
    return {"year": sorted(values(Report.year), reverse=True), "region": values(Report.region),
            "grade": values(Report.grade), "ruleset": values(Report.ruleset), "code": list(seen.items())}


@dataclass
class ReportView:
    """Everything the unit page shows: the row, its Record, the text view and tables of its file,
    the findings (rows, with decisions) beside the Record's findings, the versions, and decisions
    made on earlier versions whose finding is gone (``orphans``)."""

    report: Report
    record: Record
    lines: list[str]
    tables: dict[int, dict]
    findings: list[Finding]
    versions: list[Report]
    orphans: list[tuple[Decision, Finding, Report]] = field(default_factory=list)
    parent: Report | None = None
    children: list[Report] = field(default_factory=list)
    years: list[Report] = field(default_factory=list)


def report_view(s: Session, report_id: int, scope: Scope) -> ReportView | None:
    """The report with its findings, versions, parent and children — None when it does not exist
    or is outside ``scope`` (and versions, parent, children outside it are left out)."""
    rep = s.scalar(select(Report).where(Report.id == report_id).options(
        selectinload(Report.review), selectinload(Report.findings).selectinload(Finding.decisions)
        .selectinload(Decision.user)))
    if not scope.allows(s, rep):
        return None
    view = s.get(View, rep.review.sha256)
    from .views import load_tables

    lines = json.loads(view.lines_json) if view else []
    tables = load_tables(view.tables_json) if view else {}
    versions = list(s.scalars(select(Report).where(Report.unit_key == rep.unit_key, scope.clause())
                              .order_by(Report.version).options(selectinload(Report.review))))
    children = list(s.scalars(select(Report).where(Report.parent_id == rep.id, scope.clause()).order_by(Report.part)))
    parent = s.get(Report, rep.parent_id) if rep.parent_id else None
    parent = parent if scope.allows(s, parent) else None
    years = series(s, rep.id, scope)
    return ReportView(rep, Record.model_validate_json(rep.record_json), lines, tables, list(rep.findings),
                      versions, orphans(s, rep, scope), parent, children, years)


def orphans(s: Session, rep: Report, scope: Scope) -> list[tuple[Decision, Finding, Report]]:
    """Effective decisions on earlier versions of ``rep`` (in ``scope``) that were not carried over
    (their finding is gone): (decision, finding, earlier report), oldest version first."""
    carried = select(Decision.carried_from_id).where(Decision.carried_from_id.is_not(None))
    out = []
    for d, f, r in s.execute(
            select(Decision, Finding, Report).join(Finding, Decision.finding_id == Finding.id)
            .join(Report, Finding.report_id == Report.id)
            .where(Report.unit_key == rep.unit_key, Report.version < rep.version, Decision.id.not_in(carried),
                   scope.clause())
            .order_by(Report.version, Finding.position, Decision.id)).all():
        if f.decision is d:  # only the effective decision of a finding
            out.append((d, f, r))
    return out


def series(s: Session, report_id: int, scope: Scope) -> list[Report]:
    """The current version of the same report (unit, kind, project) for every year stored, in
    ``scope``; [] when the report is not there or not in scope."""
    rep = s.get(Report, report_id)
    if not scope.allows(s, rep):
        return []
    return list(s.scalars(select(Report).where(Report.series_key == rep.series_key, Report.is_current.is_(True),
                                               scope.clause()).order_by(Report.year)))


def reviewed_files(s: Session, reports: list[Report]):
    """The reports as ReviewedFiles (record + text view), for the xlsx writer."""
    from ..review import ReviewedFile

    views: dict[str, list[str]] = {}
    out = []
    for r in reports:
        sha = r.review.sha256
        if sha not in views:
            v = s.get(View, sha)
            views[sha] = json.loads(v.lines_json) if v else []
        out.append(ReviewedFile(Record.model_validate_json(r.record_json), views[sha]))
    return out


# --- the audit log ------------------------------------------------------------------------------

ACTION_TEXT = {
    "login": "登录", "login_failed": "登录失败", "login_locked": "登录被锁定", "upload": "上传", "review": "复核文件",
    "decide": "复核结论", "carried": "沿用结论", "not_carried": "未沿用结论", "carried_by_hand": "人工沿用结论",
    "export": "导出", "user_created": "创建用户", "user_disabled": "停用用户", "user_enabled": "启用用户",
    "password_reset": "重置密码", "role_changed": "更改角色", "scope_granted": "分配地区/单位",
    "scope_revoked": "收回地区/单位", "draft_created": "新建在线填报", "draft_submitted": "提交在线填报",
    "draft_uploaded": "上传填报工作簿",
}
_DETAIL_TEXT = {
    "status": "结论", "comment": "意见", "code": "代码", "file": "文件", "files": "文件", "rejected": "拒收",
    "kind": "导出", "reason": "原因", "role": "角色", "username": "用户名", "error": "错误", "carried": "沿用",
    "not_carried": "未沿用", "from_report": "原报告", "from_finding": "原问题", "from_code": "原代码",
    "to_report": "新报告", "report": "报告", "reports": "报告", "filters": "筛选条件", "client": "来源地址",
    "failures": "失败次数", "regions": "地区", "units": "单位", "pending": "待复核",
    "unit": "单位", "year": "年度", "version": "版本", "revision": "保存次数", "same": "与上次相同", "form": "类型",
}
_FILTER_TEXT = {"year": "年度", "region": "地区", "grade": "复核等次", "ruleset": "规则集", "code": "问题代码",
                "kind": "类型", "sort": "排序"}
_DETAIL_HIDDEN = {"decision", "sha256"}
_REPORT_KEYS = {"report", "reports", "from_report", "to_report"}
# done from the command line (jixiao user …): the entry's user is the one acted on, not the actor
_ADMIN_ACTIONS = {"user_created", "user_disabled", "user_enabled", "password_reset", "role_changed", "scope_granted",
                  "scope_revoked"}
AUDIT_PAGE = 100
_FILES_SHOWN = 5


@dataclass
class AuditLine:
    """One audit entry as shown: who, what (Chinese), on what (by name, a link where there is a
    page), details (Chinese labels, reports by name)."""

    entry: Any  # AuditEntry
    who: str
    action: str
    target: str
    href: str | None
    detail: list[tuple[str, str]]


def report_label(r: Report) -> str:
    """``岳麓区商务局 2019年度 第2版``: a report as a person names it."""
    name = r.project_name or r.unit_name or "未识别单位"
    return " ".join(x for x in (name, f"{r.year}年度" if r.year else None, f"第{r.version}版") if x)


class _Names:
    """The reports, findings and users one page of the audit log names, fetched at once."""

    def __init__(self, s: Session, entries: list):
        ids: dict[str, set[int]] = {"report": set(), "finding": set(), "user": set()}
        for e in entries:
            kind, _, ident = (e.target or "").partition(":")
            if kind in ids and ident.isdigit():
                ids[kind].add(int(ident))
            for key, value in _detail(e.detail).items():
                for v in value if isinstance(value, list) else [value]:
                    if key in _REPORT_KEYS and isinstance(v, int):
                        ids["report"].add(v)
                    elif key == "from_finding" and isinstance(v, int):
                        ids["finding"].add(v)
        from .models import User

        self.findings = {f.id: f for f in s.scalars(select(Finding).where(Finding.id.in_(ids["finding"])))}
        ids["report"] |= {f.report_id for f in self.findings.values()}
        self.reports = {r.id: r for r in s.scalars(select(Report).where(Report.id.in_(ids["report"])))}
        self.users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(ids["user"])))}

    def report(self, ident: int) -> str:
        r = self.reports.get(ident)
        return report_label(r) if r is not None else f"报告（已不存在，编号 {ident}）"

    def finding(self, ident: int) -> str:
        f = self.findings.get(ident)
        if f is None:
            return f"问题（已不存在，编号 {ident}）"
        r = self.reports.get(f.report_id)
        return f"{f.code} {f.title}" + (f"（{report_label(r)}）" if r is not None else "")

    def target(self, target: str | None) -> tuple[str, str | None]:
        kind, _, ident = (target or "").partition(":")
        if kind == "login":
            return f"登录名 {ident}", None
        if not ident.isdigit():
            return target or "", None
        n = int(ident)
        if kind == "report":
            return self.report(n), f"/reports/{n}"
        if kind == "finding":
            return self.finding(n), f"/findings/{n}"
        if kind == "batch":
            return f"第 {n} 批上传", f"/batches/{n}"
        if kind == "user":
            u = self.users.get(n)
            return (f"用户 {u.username}" if u else f"用户（编号 {n}）"), None
        if kind == "review":
            return f"复核记录 {n}", None
        if kind == "draft":
            return f"在线填报 {n}", None
        return target or "", None

    def detail(self, detail: str | None) -> list[tuple[str, str]]:
        data = _detail(detail)
        out = []
        for key, value in data.items():
            if key in _DETAIL_HIDDEN or value in (None, "", [], {}):
                continue
            if key in _REPORT_KEYS:
                value = [self.report(v) if isinstance(v, int) else str(v)
                         for v in (value if isinstance(value, list) else [value])]
            elif key == "from_finding" and isinstance(value, int):
                value = self.finding(value)
            elif key == "role":
                from .users import ROLES

                value = ROLES.get(value, value)
            elif key == "filters" and isinstance(value, dict):
                value = "，".join(f"{_FILTER_TEXT.get(k, k)}：{_filter_value(k, v)}" for k, v in value.items())
            if isinstance(value, dict):
                value = "，".join(f"{k}：{v}" for k, v in value.items())
            elif isinstance(value, list):
                shown = [str(v) for v in value[:_FILES_SHOWN]]
                value = "、".join(shown) + (f" 等 {len(value)} 个" if len(value) > _FILES_SHOWN else "")
            out.append((_DETAIL_TEXT.get(key, key), str(value)))
        return out


def _filter_value(key: str, value) -> str:
    if key == "ruleset":
        from ..rules.ruleset import ruleset_basis

        return ruleset_basis(value) or str(value)
    if key == "sort":
        return SORTS.get(value, str(value))
    if key == "kind":
        return KIND_TEXT.get(value, str(value))
    return str(value)


def _detail(detail: str | None) -> dict:
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return {"": detail}
    return data if isinstance(data, dict) else {"": str(data)}


def audit_log(s: Session, action: str | None = None, username: str | None = None, before: int | None = None,
              limit: int = AUDIT_PAGE) -> list[AuditLine]:
    """The audit log, newest first: at most ``limit`` entries with id < ``before``, narrowed to one
    action and/or one user (by username: the one who acted, or for user administration done on the
    command line, the one acted on)."""
    from .models import AuditEntry, User

    q = select(AuditEntry).options(selectinload(AuditEntry.user)).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    if username:
        q = q.join(User, AuditEntry.user_id == User.id).where(User.username == username)
    if before:
        q = q.where(AuditEntry.id < before)
    entries = list(s.scalars(q))
    names = _Names(s, entries)
    lines = []
    for e in entries:
        target, href = names.target(e.target)
        if e.action in _ADMIN_ACTIONS:
            who = "命令行"
        elif e.action in ("login_failed", "login_locked"):
            who = "（未登录）"
        else:
            who = (e.user.display_name or e.user.username) if e.user else "系统"
        lines.append(AuditLine(e, who, ACTION_TEXT.get(e.action, e.action), target, href, names.detail(e.detail)))
    return lines
