"""The review summary across reports (总览): which units lost most points, how budgets were
executed, how grades moved, which problems recur.

``build_portfolio(results)`` → :class:`Portfolio`. Every record is a row — a project table
(``kind == "project"`` or ``parent`` set) is its own row labelled ``项目名称（所属单位）``. Rows
that cannot be compared (处理失败, no scorecard, no recomputed or self grade) are listed in
``unscored`` (the 无法复核/无评分 line), never dropped.

预算执行率 of a row: 全年执行数 ÷ 全年预算数 when both are given and the budget is not 0 (the
reviewer's own figure), else the 执行率 printed in the 自评表, else unknown; rounded half-up to
0.01% before bucketing, so the shown percentage and its bucket agree. Buckets (fractions):
``[0, 0.6)`` <60%, ``[0.6, 0.8)`` 60%–80%, ``[0.8, 0.9)`` 80%–90%, ``[0.9, 1.0)`` 90%–100%,
``≥ 1.0`` 100% (over-execution counted here too); unknown rates, failed files included, are
counted in 未知.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..checks.registry import audit_findings
from ..decimals import quantize
from ..model import Record, Report
from ..review import ReviewedFile
from .summary import (
    SEVERITY_ORDER,
    _as_decimal,
    display_name,
    file_name,
    is_project,
    parent_unit,
    parent_units,
    project_name,
    records,
    summary_row,
    unit_name,
)

D = Decimal
GRADES = ("优", "良", "中", "差")
RATE_BUCKETS: tuple[tuple[str, str, Decimal | None, Decimal | None], ...] = (
    # label, definition, lower bound (inclusive), upper bound (exclusive)
    ("<60%", "[0, 60%)", None, D("0.6")),
    ("60%–80%", "[60%, 80%)", D("0.6"), D("0.8")),
    ("80%–90%", "[80%, 90%)", D("0.8"), D("0.9")),
    ("90%–100%", "[90%, 100%)", D("0.9"), D("1")),
    ("100%", "≥100%（超过100%也计入）", D("1"), None),
)
UNKNOWN = "未知"
UNKNOWN_DEFINITION = "未填或无法计算（含处理失败的文件）"
RATE_QUANTUM = D("0.0001")  # 0.01%
BASIS_COMPUTED = "全年执行数÷全年预算数"
BASIS_STATED = "自评表填报"
TOP_FINDINGS = 10
CHART_MIN_ROWS = 2  # the 总览 chart of one record would only repeat its row (and cost matplotlib's ~0.6 s import)


@dataclass(slots=True)
class UnitRow:
    """One record in the portfolio."""

    label: str  # 单位, or 项目名称（所属单位）
    file: str
    kind: str  # 部门整体 / 项目
    unit: str | None
    project: str | None
    parent_unit: str | None
    self_total: Decimal | None  # 自评得分
    total: Decimal | None  # 复核得分
    drop: Decimal | None  # 自评得分 − 复核得分
    self_grade: str | None  # 评价等次 (self)
    grade: str | None  # 评价等次 (recomputed)
    rate: Decimal | None  # 预算执行率 (fraction, 0.01% precision)
    rate_basis: str | None
    stated_rate: Decimal | None  # 执行率 as printed
    bucket: str  # RATE_BUCKETS label or 未知
    errors: int  # audit findings by severity (parser notices not counted)
    warnings: int
    infos: int
    status: str  # 已复核 / the reason it could not be compared
    scored: bool
    notices: int = 0  # parser notices (解析提示, JX9xx)
    has_report: bool = True  # False for a file that could not be read


@dataclass
class FindingStat:
    code: str
    title: str
    severity: str
    count: int  # findings
    units: int  # records with at least one


@dataclass
class Portfolio:
    rows: list[UnitRow]  # input order
    by_drop: list[UnitRow]  # scored rows: 得分差 desc (unknown last), then 错误 desc, then input order
    by_errors: list[UnitRow]  # rows with a report: 错误 desc, 警告 desc, then input order
    unscored: list[UnitRow]  # 无法复核/无评分
    rate_buckets: list[tuple[str, str, list[UnitRow]]]  # (label, definition, rows), 未知 last
    grades: dict[tuple[str, str], int]  # (自评等次, 复核等次) → records
    top_findings: list[FindingStat] = field(default_factory=list)

    @property
    def charted(self) -> bool:
        """Whether the 总览 chart is drawn: for at least ``CHART_MIN_ROWS`` records."""
        return len(self.rows) >= CHART_MIN_ROWS

    def grade_count(self, before: str, after: str) -> int:
        return self.grades.get((before, after), 0)

    def bucket_rows(self, label: str) -> list[UnitRow]:
        return next(rows for name, _, rows in self.rate_buckets if name == label)


def execution_rate(report: Report | None) -> tuple[Decimal | None, str | None, Decimal | None]:
    """(预算执行率, how it was obtained, the stated 执行率) for a report; see the module doc."""
    if report is None:
        return None, None, None
    funds = report.funds
    stated = _as_decimal(funds.execution_rate.value)
    budget, executed = _as_decimal(funds.full_year_budget.value), _as_decimal(funds.executed.value)
    if budget is not None and executed is not None and budget != 0:
        return quantize(executed / budget, RATE_QUANTUM, ROUND_HALF_UP), BASIS_COMPUTED, stated
    if stated is not None:
        return quantize(stated, RATE_QUANTUM, ROUND_HALF_UP), BASIS_STATED, stated
    return None, None, None


def rate_bucket(rate: Decimal | None) -> str:
    """The RATE_BUCKETS label of a fraction, 未知 for None."""
    if rate is None:
        return UNKNOWN
    for label, _, lo, hi in RATE_BUCKETS:
        if (lo is None or rate >= lo) and (hi is None or rate < hi):
            return label
    raise AssertionError(rate)  # the buckets cover every number


def _unscored_reason(rec: Record, self_grade: str | None, grade: str | None) -> str | None:
    if rec.error is not None:
        return f"处理失败：{rec.error}"
    if not rec.scorecards:
        return "无评分表，仅做一致性检查"
    if grade is None:
        return "复核得分无法计算"
    if self_grade is None:
        return "无自评得分或评价等次"
    if grade not in GRADES or self_grade not in GRADES:
        return f"评价等次无法识别（{self_grade} / {grade}）"
    return None


def unit_row(rf: ReviewedFile, rec: Record, parents: dict[str, str | None],
             summary: dict[str, Any] | None = None) -> UnitRow:
    """The record's row of the portfolio (``summary``: its :func:`.summary.summary_row`, made here
    unless given)."""
    s = summary if summary is not None else summary_row(rf, rec, parents)
    card = rec.scorecards[0] if rec.scorecards else None
    self_grade = card.self_grade if card else None
    grade = card.grade if card else None
    rate, basis, stated = execution_rate(rec.report)
    reason = _unscored_reason(rec, self_grade, grade)
    project = is_project(rec)
    return UnitRow(
        label=display_name(rec, parents) or file_name(rec), file=file_name(rec),
        kind="项目" if project else "部门整体", unit=unit_name(rec),
        project=project_name(rec) if project else None,
        parent_unit=parent_unit(rec, parents) if project else None,
        self_total=s["自评得分"], total=s["复核得分"], drop=s["得分差"],
        self_grade=self_grade, grade=grade, rate=rate, rate_basis=basis, stated_rate=stated,
        bucket=rate_bucket(rate), errors=s["错误"], warnings=s["警告"], infos=s["提示"],
        status=reason or "已复核", scored=reason is None, notices=s["解析"], has_report=rec.report is not None,
    )


class FindingCounter:
    """The finding codes of a batch, counted record by record (:meth:`add`) without keeping the
    findings; :meth:`stats` gives the most frequent."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.units: Counter[str] = Counter()
        self.first: dict[str, tuple[str, str]] = {}  # code → (title, severity) of its first finding

    def add(self, codes: list[tuple[str, str, str]]) -> None:
        """One record's audit findings as (code, title, severity)."""
        self.count.update(c for c, _, _ in codes)
        self.units.update({c for c, _, _ in codes})
        for c, title, severity in codes:
            self.first.setdefault(c, (title, severity))

    def stats(self, limit: int = TOP_FINDINGS) -> list[FindingStat]:
        """Most units first, then most findings, severity, code."""
        stats = [FindingStat(c, *self.first[c], self.count[c], self.units[c]) for c in self.count]
        stats.sort(key=lambda s: (-s.units, -s.count, SEVERITY_ORDER.get(s.severity, 9), s.code))
        return stats[:limit]


def finding_stats(recs: list[Record], limit: int = TOP_FINDINGS) -> list[FindingStat]:
    """The most frequent finding codes: most units first, then most findings, severity, code.
    Parser notices (解析提示, JX9xx) are not audit findings and are not counted."""
    counter = FindingCounter()
    for rec in recs:
        counter.add([(f.code, f.title, f.severity) for f in audit_findings(rec.findings)])
    return counter.stats(limit)


def portfolio_of(rows: list[UnitRow], top_findings: list[FindingStat]) -> Portfolio:
    """The portfolio of a batch's rows (input order) and its most frequent findings."""
    scored = [r for r in rows if r.scored]
    by_drop = sorted(scored, key=lambda r: (r.drop is None, -(r.drop or D(0)), -r.errors))
    by_errors = sorted((r for r in rows if r.has_report), key=lambda r: (-r.errors, -r.warnings))
    buckets = [(label, definition, [r for r in rows if r.bucket == label])
               for label, definition, _, _ in RATE_BUCKETS]
    buckets.append((UNKNOWN, UNKNOWN_DEFINITION, [r for r in rows if r.bucket == UNKNOWN]))
    grades = Counter((r.self_grade, r.grade) for r in scored)
    return Portfolio(
        rows=rows, by_drop=by_drop, by_errors=by_errors, unscored=[r for r in rows if not r.scored],
        rate_buckets=buckets, grades=dict(grades), top_findings=top_findings,
    )


def build_portfolio(results: list[ReviewedFile]) -> Portfolio:
    """The portfolio of a batch held in memory (see :func:`portfolio_of`)."""
    parents = parent_units(results)
    pairs = list(records(results))
    rows = [unit_row(rf, rec, parents) for rf, rec in pairs]
    return portfolio_of(rows, finding_stats([rec for _, rec in pairs]))
