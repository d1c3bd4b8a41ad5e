"""rules/: rule sets as data (``*.toml``, see :mod:`.ruleset`) plus a few generic formulas.

``detect(report) -> name`` picks the regime from the document's layout (RULES.md §0.3);
``score(report, ruleset) -> list[Scorecard]`` applies a :class:`Ruleset` (detected, or forced by
``--ruleset`` / ``jixiao.toml``):

- ``national_2020`` — the 2020+ 部门整体/项目支出绩效自评表, item by item (N-rules);
- ``yueyang_ref_2015`` / ``hunan_dept_2017`` — a printed 评分表 matched row by row (Y-/H-rules);
- ``narrative`` — no score table: checks only, no scorecard.
"""

from __future__ import annotations

import re

from ..model import Report, Scorecard
from .base import grade, load_ruleset, normalize_grade, ratio
from .national import score_national
from .ruleset import RULESETS, Ruleset
from .table import score_table

__all__ = ["RULESETS", "Ruleset", "detect", "score", "grade", "normalize_grade", "load_ruleset", "ratio"]


def detect(report: Report) -> str:
    """The regime a report follows: a 评分表 whose rows name the Hunan items (预算完成率,
    预算控制率, 楼堂馆所) and none of Yueyang's → ``hunan_dept_2017``; another 评分表 →
    ``yueyang_ref_2015``; a 自评表 (indicators or a 年度资金总额 row) → ``national_2020``;
    otherwise ``narrative``."""
    if report.score_table:
        names = " ".join(str(r.name.value or "") for r in report.score_table)
        hunan, yueyang = (re.search(load_ruleset(n)["detect"], names) for n in ("hunan_dept_2017", "yueyang_ref_2015"))
        return "hunan_dept_2017" if hunan and not yueyang else "yueyang_ref_2015"
    if report.indicators or report.funds.full_year_budget.present:
        return "national_2020"
    return "narrative"


def score(report: Report, rs: Ruleset | None = None) -> list[Scorecard]:
    """The scorecards of ``report`` under ``rs`` (default: the detected regime, no overrides)."""
    rs = rs or Ruleset.load(detect(report))
    if rs.kind == "score_table":
        return [score_table(report, rs)]
    if rs.kind == "indicator_table" and (report.indicators or report.funds.full_year_budget.present):
        return [score_national(report, rs)]
    return []
