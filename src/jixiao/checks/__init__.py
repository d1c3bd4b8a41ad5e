"""checks/: one registered function per check (see registry.py), grouped by family:
JX1xx 数据一致性, JX2xx 评分复核, JX3xx 预算执行与财经纪律, JX4xx 指标质量, JX5xx 报告完整性, JX9xx 解析.
"""

from __future__ import annotations

from ..model import Finding, Report, Scorecard
from ..readers.document import Document
from . import completeness, consistency, discipline, indicators, scoring  # noqa: F401  (registration)
from .registry import REGISTRY, Check, Context, run

__all__ = ["REGISTRY", "Check", "run_checks"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def run_checks(report: Report, scorecards: list[Scorecard], doc: Document) -> list[Finding]:
    """All registered checks on one report, errors first then by code."""
    findings = list(run(Context(report=report, scorecards=scorecards, doc=doc)))
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
