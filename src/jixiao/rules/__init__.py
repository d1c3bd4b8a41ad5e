"""rules/: rule sets as data (``*.toml``) plus small formula functions.

``score(report) -> list[Scorecard]``: the rule set follows the layout the report carries —
``yueyang_ref_2015`` for the 附件4-1 评分表 (seed 000), ``national_2020`` for the 2020+ 自评表;
a narrative-only report has no score table and gets no scorecard (checks only).
"""

from __future__ import annotations

from ..model import Report, Scorecard
from .base import grade, load_ruleset, normalize_grade, ratio
from .national import score_national
from .yueyang import score_yueyang

__all__ = ["score", "grade", "normalize_grade", "load_ruleset", "ratio"]


def score(report: Report) -> list[Scorecard]:
    if report.score_table:
        return [score_yueyang(report)]
    if report.indicators and report.layout == "selfeval_table":
        return [score_national(report)]
    return []
