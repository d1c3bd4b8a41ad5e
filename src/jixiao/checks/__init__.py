"""checks/: one registered function per check (see registry.py), grouped by family:
JX1xx 数据一致性, JX2xx 评分复核, JX3xx 预算执行与财经纪律, JX4xx 指标质量, JX5xx 报告完整性, JX9xx 解析.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Finding, Report, Scorecard
from ..readers.document import Document
from . import completeness, consistency, discipline, indicators, quality, scoring  # noqa: F401  (registration)
from .registry import REGISTRY, Check, Context, run

if TYPE_CHECKING:
    from ..config import Settings
    from ..rules.ruleset import Ruleset

__all__ = ["REGISTRY", "Check", "run_checks"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def run_checks(report: Report, scorecards: list[Scorecard], doc: Document, settings: Settings | None = None,
               ruleset: Ruleset | None = None) -> list[Finding]:
    """The registered checks on one report, errors first then by code: those ``settings`` select
    (default all), with its severity overrides, and the tolerances of ``ruleset``'s parameters."""
    if settings is None:
        from ..config import Settings

        settings = Settings()
    ctx = Context(report=report, scorecards=scorecards, doc=doc, ruleset=ruleset)
    if ruleset is not None:
        ctx.money_tol, ctx.score_tol = ruleset.dec("money_tolerance"), ruleset.dec("score_tolerance")
        ctx.overachieve_ratio = ruleset.dec("overachieve_warn_ratio")
    findings = list(run(ctx, settings.selected(sorted(REGISTRY))))
    for f in findings:
        f.severity = settings.severity.get(f.code, f.severity)
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
