"""``yueyang_ref_2015``: the 附件4-1 评分表 recomputed where the report's own numbers allow.

Items that need outside evidence (制度, 公开, 支付进度 …) keep the unit's score and are counted
as unverified (RULES.md §8.3): never accepted silently, never zeroed.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..model import Report, ScoredItem, Scorecard, Value
from ..extract.numbers import percent_text
from .base import D0, D100, dec, grade, load_ruleset, normalize_grade, q2, ratio


def _pp_over(rate: Decimal, limit: Decimal) -> Decimal:
    return max(D0, (rate - limit) * D100)


def _per_point(W: Decimal, points: Decimal, step: Decimal) -> Decimal:
    """分值 − 偏离的百分点数 × 每点扣分, 扣完为止."""
    return q2(max(D0, W - points * step))


def _compute(kind: str, spec: dict, W: Decimal, report: Report) -> tuple[Decimal | None, str, dict[str, Value], str | None]:
    """(score, formula, inputs, reason-if-unverifiable) for one Y-rule kind."""
    step = dec(spec.get("step", 0))
    if kind == "per_point_over":
        s = report.staffing
        r = ratio(dec(s.actual.value) if s.actual.present else None, dec(s.authorized.value) if s.authorized.present else None)
        inputs = {"实有人数": s.actual, "编制数": s.authorized}
        if r is None:
            return None, "", inputs, "缺少编制数或实有人数"
        over = _pp_over(r, dec(spec["limit"]))
        return _per_point(W, over, step), f"控制率 = {s.actual.value}/{s.authorized.value} = {percent_text(r)}；超出 {over:.2f} 个百分点 × {step} 扣分", inputs, None
    if kind == "adjustment_bands":
        f = report.funds
        if f.initial_budget.number and f.full_year_budget.number is not None:
            adj, base = abs(f.full_year_budget.number - f.initial_budget.number), f.initial_budget.number
            inputs = {"年初预算数": f.initial_budget, "全年预算数": f.full_year_budget}
            how = f"|{f.full_year_budget.number}−{base}|/{base}"
        elif report.budget_adjustment.number is not None and report.project_initial_budget.number:
            adj, base = report.budget_adjustment.number, report.project_initial_budget.number
            inputs = {"年中调整": report.budget_adjustment, "年初预算安排": report.project_initial_budget}
            how = f"{adj}/{base}（年中调整 / 年初预算安排专项资金）"
        else:
            return None, "", {}, "报告未给出年初预算与调整数"
        r = adj / base
        score = D0
        for bound, pts in spec["bands"]:
            if r <= dec(bound):
                score = dec(pts)
                break
        return score, f"预算调整率 = {how} = {percent_text(r)}；分档：=0 得3，≤10% 得2，≤20% 得1，≤30% 得0.5，>30% 不得分", inputs, None
    if kind == "balance":
        bal, carry = report.spending.balance, report.income.prior_carryover
        inputs = {"当年结余": bal, "上年结转": carry}
        if bal.number is None:
            return None, "", inputs, "缺少结余数"
        if bal.number == 0:
            return W, "无结余，得满分", inputs, None
        if carry.number is not None and bal.number <= carry.number:
            return dec(2), "有结余但不超过上年结转，得2分", inputs, None
        return D0, "结余超过上年结转，不得分", inputs, None
    if kind == "three_public_control":
        tp = report.three_public.total
        inputs = {"三公经费预算数": tp.budget, "三公经费决算数": tp.actual}
        r = ratio(tp.actual.number, tp.budget.number)
        if r is None:
            return None, "", inputs, "报告未给出三公经费预算数（或预算为0），控制率无法计算"
        over = _pp_over(r, dec(spec["limit"]))
        return _per_point(W, over, step), f"三公经费控制率 = {percent_text(r)}；每超1个百分点扣{step}分", inputs, None
    if kind == "three_public_change":
        tp = report.three_public.total
        inputs = {"上年三公经费": tp.prior_actual, "本年三公经费预算": tp.budget}
        r = ratio(None if tp.budget.number is None or tp.prior_actual.number is None else tp.budget.number - tp.prior_actual.number,
                  tp.prior_actual.number)
        if r is None:
            return None, "", inputs, "报告未给出上年与本年三公经费，变动率无法计算"
        over = max(D0, r * D100)
        return _per_point(W, over, step), f"三公经费变动率 = {percent_text(r)}；>0 每超1个百分点扣{step}分", inputs, None
    if kind == "procurement":
        p = report.basic_data.procurement
        inputs = {"政府采购预算": p.budget, "政府采购实际": p.actual}
        r = ratio(p.actual.number, p.budget.number)
        if r is None:
            return None, "", inputs, "报告未给出政府采购预算与实际金额"
        return _per_point(W, _pp_over(Decimal(1), r), step), f"政府采购执行率 = {percent_text(r)}；每减少1个百分点扣{step}分", inputs, None
    if kind == "asset_use":
        fa = report.fixed_assets
        inputs = {"在用固定资产": fa.in_use, "固定资产合计": fa.total}
        r = ratio(fa.in_use.number, fa.total.number)
        if r is None:
            return None, "", inputs, "缺少固定资产数据"
        return _per_point(W, _pp_over(Decimal(1), r), step), f"固定资产利用率 = {fa.in_use.value}/{fa.total.value} = {percent_text(r)}；每低1个百分点扣{step}分", inputs, None
    if kind == "satisfaction_bands":
        return None, "", {}, "报告未给出满意度测量值（完成情况仅写“已完成”）"
    return None, "", {}, "需外部佐证材料（制度、公开、支付进度、工作实绩等），不能从报告数据复核"


def score_yueyang(report: Report) -> Scorecard:
    params = load_ruleset("yueyang_ref_2015")
    card = Scorecard(ruleset=params["name"])
    total = D0
    unverified = D0
    for row in report.score_table:
        spec = next((s for s in params["items"] if re.search(s["name"], row.name.value or "")), {"rule": None, "kind": "external"})
        W = row.weight.number  # None for 社会/生态效益, which share the 经济效益 row's 分值
        S = row.self_score.number
        score, formula, inputs, reason = _compute(spec["kind"], spec, W or D0, report)
        item = ScoredItem(indicator=row.name.value, rule=spec["rule"], tag=params["tag"], weight=W, self_score=S,
                          inputs={"分值": row.weight, "自评得分": row.self_score, **inputs})
        if score is None:
            item.status, item.reason = "无法计算", reason
            item.formula = "保留自评得分，计入未复核分值"
            if S is not None:
                total += S
                unverified += S
        else:
            item.score, item.formula = score, formula
            total += score
        card.items.append(item)
    card.total = q2(total) if report.score_table else None
    card.unverified_points = q2(unverified)
    card.grade = grade(card.total)
    card.self_total = report.self_assessment.total.number
    card.self_grade = normalize_grade(report.self_assessment.grade.value) or grade(card.self_total)
    return card


