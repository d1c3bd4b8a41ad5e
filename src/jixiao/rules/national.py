"""``national_2020``: the 部门整体/项目支出绩效自评表 recomputed by the national rules.

Total = 预算执行率 item (N-05) + indicator scores (N-03/N-04), the indicators re-based to
(100 − 执行率分值) when the form gives them the whole 100 (seed 003) or leaves rows 不适用 (N-03N).
"""

from __future__ import annotations

from decimal import Decimal

from ..decimals import quantize
from ..model import Report, ScoredItem, Scorecard
from .base import D0, D100, dec, normalize_grade, q2, ratio
from .formulas import execution
from .indicators import score_indicator
from .ruleset import Ruleset


def execution_item(report: Report, rs: Ruleset | None = None) -> ScoredItem:
    """N-05: 执行率 = 全年执行数 / 全年预算数; 得分 by ``params.execution_score`` (default
    分值 × min(执行率, 1), [INF]).

    The 分值 is the form's own when it is a real weight (< 100); otherwise the item's 10 (N-02).
    """
    rs = rs or Ruleset.load("national_2020")
    rule = rs.item("N-05")
    f = report.funds
    stated_w = f.weight.number
    form_weight = stated_w is not None and stated_w < D100
    W = stated_w if form_weight else dec(rule["weight"])
    item = ScoredItem(rule=rule["id"], tag=rule["tag"], source=rule.get("source"), indicator="预算执行率",
                      weight=W, self_score=f.self_score.number if form_weight else None,
                      inputs={"全年预算数": f.full_year_budget, "全年执行数": f.executed, "分值": f.weight, "得分": f.self_score})
    rate = ratio(f.executed.number, f.full_year_budget.number)
    if rate is None:
        item.status = "无法计算"
        item.reason = "缺少全年预算数或全年执行数（或预算数为0）"
        return item
    item.score, item.formula = execution(W, rate, rs.param("execution_score"), rs.param("execution_bands"))
    if not form_weight:
        item.formula += f"（表中该行未单独赋分，按一级指标权重规定取 {W} 分）"
    return item


def score_national(report: Report, rs: Ruleset | None = None) -> Scorecard:
    """The national scorecard of a report with a 自评表 (部门整体 or 项目支出)."""
    rs = rs or Ruleset.load("national_2020")
    card = Scorecard(ruleset=rs.name)
    exe = execution_item(report, rs)
    card.items.append(exe)
    applicable_w = D0
    ind_total = D0
    unverified = D0
    for ind in report.indicators:
        item = score_indicator(ind, rs)
        card.items.append(item)
        if item.status == "不适用" or item.weight is None:
            continue
        applicable_w += item.weight
        if item.score is not None:
            ind_total += item.score
        elif item.self_score is not None:
            ind_total += item.self_score  # 无法计算: the unit's score is carried, and counted as unverified
            unverified += item.self_score
    exe_w = exe.weight or D0
    exe_score, exe_unverified = exe.score, D0
    if exe_score is None:
        exe_score = exe_unverified = exe.self_score or D0
    target_w = D100 - exe_w
    factor = target_w / applicable_w if applicable_w else Decimal(1)
    if applicable_w and abs(applicable_w - target_w) > Decimal("0.01"):
        card.note = (f"指标分值合计 {applicable_w} 分，按 {target_w} 分折算（×{quantize(factor, Decimal('0.0001'))}），"
                     f"另加预算执行率 {exe_w} 分")
    blank = [i for i in card.items[1:] if i.weight is not None and i.status != "不适用"
             and i.score is None and i.self_score is None]
    gap = next((g for g in report.gaps if g.part == "table"), None)
    why = (f"{gap.message}，不计算复核总分" if gap is not None
           else "报告没有绩效指标表，只复核预算执行率一项，不计算复核总分" if not report.indicators
           else f"{len(blank)} 项指标既无可计算的完成值也无自评得分（表格未填完），不计算复核总分" if blank else None)
    if why is not None:  # the items are scored, the total is not (nothing is rebased, nothing taken as 0)
        card.note = why
        card.total = None
        card.unverified_points = q2(exe_unverified + unverified)
        card.self_total = report.self_assessment.total.number
        card.self_grade = normalize_grade(report.self_assessment.grade.value) or rs.grade(card.self_total)
        return card
    card.total = q2(exe_score + ind_total * factor)
    card.unverified_points = q2(exe_unverified + unverified * factor)
    card.grade = rs.grade(card.total)
    card.self_total = report.self_assessment.total.number
    card.self_grade = normalize_grade(report.self_assessment.grade.value) or rs.grade(card.self_total)
    return card
