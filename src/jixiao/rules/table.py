"""Score-table regimes (``yueyang_ref_2015``, ``hunan_dept_2017``): a printed 评分表 recomputed
where the report's own numbers allow.

Each row of ``report.score_table`` is matched to the first rule-set item whose ``match`` regex
fits its 三级指标; the item's ``formula`` is applied to its ``metric`` (a 53号 ratio from
:mod:`jixiao.rules.metrics`). Items that need outside evidence (制度, 公开, 支付进度 …) keep the
unit's score and are counted as unverified (RULES.md §8.3): never accepted silently, never zeroed.
A report without the regime's table (the regime forced on a 2020+ 自评表) gets the items the
report's data allow, with the rule set's default weights and no total.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..model import Report, ScoredItem, Scorecard, ScoreItem, Value
from . import metrics
from .base import D0, dec, normalize_grade, q2
from .formulas import bands, per_point
from .ruleset import Ruleset

Outcome = tuple[Decimal | None, str, dict[str, Value], str | None]  # score, formula, inputs, reason


def _balance(spec: dict[str, Any], W: Decimal, report: Report) -> Outcome:
    """Y-06 资金结余: 无结余 → W; 有结余但不超过上年结转 → ``partial``; 超过上年结转 → 0."""
    bal, carry = report.spending.balance, report.income.prior_carryover
    inputs = {"当年结余": bal, "上年结转": carry}
    if bal.number is None:
        return None, "", inputs, "缺少结余数"
    if bal.number == 0:
        return W, "无结余，得满分", inputs, None
    if carry.number is not None and bal.number <= carry.number:
        return dec(spec["partial"]), f"有结余 {bal.number} 但不超过上年结转 {carry.number}，得{spec['partial']}分", inputs, None
    return D0, f"结余 {bal.number} 超过上年结转 {carry.number if carry.number is not None else '（未填）'}，不得分", inputs, None


def apply(spec: dict[str, Any], W: Decimal, report: Report) -> Outcome:
    """Apply one item's formula to the report. Unknown or external formulas give no score."""
    kind = spec["formula"]
    if kind == "balance":
        return _balance(spec, W, report)
    if kind == "unknown":
        return None, "", {}, "所用规则集没有与该行对应的规则"
    if kind not in ("per_point", "bands"):
        return None, "", {}, "需外部佐证材料（制度、公开、支付进度、工作实绩等），不能从报告数据复核"
    try:
        m = metrics.compute(report, spec["metric"])
    except KeyError:
        return None, "", {}, f"报告不提供计算“{spec['name']}”所需的数据"
    if m.value is None:
        why = "分母为0，比率无法计算（不按100%计）" if m.status == "undefined" else (m.reason or "缺少数据")
        return None, "", m.inputs, f"{m.name}无法计算：{why}"
    if kind == "per_point":
        score, how = per_point(W, m.value, dec(spec["limit"]), dec(spec["step"]), spec.get("direction", "over"),
                               dec(spec.get("unit", "0.01")))
    else:
        full = dec(spec["weight"])
        score, how = bands(m.value, spec["bands"], spec.get("direction", "at_least"))
        if W != full and full:  # the form gives the row another 分值: the bands scale with it
            score, how = q2(score * W / full), f"{how}（按分值 {W}/{full} 折算）"
    return score, f"{m.formula}；{how}", m.inputs, None


def _match(rs: Ruleset, row: ScoreItem) -> dict[str, Any]:
    """The item for ``row``: an item with a ``level2`` pattern that fits the row's 二级指标 first
    (资产管理 → Y-13 管理制度健全性), then the first item without one whose ``match`` fits."""
    name, level2 = row.name.value or "", str(row.level2.value or "")
    fits = [s for s in rs.items if re.search(s["match"], name)]
    return next((s for s in fits if s.get("level2") and re.search(s["level2"], level2)),
                next((s for s in fits if not s.get("level2")), {"id": None, "name": name, "formula": "unknown"}))


def score_table(report: Report, rs: Ruleset) -> Scorecard:
    """The scorecard of a score-table regime; see the module docstring."""
    card = Scorecard(ruleset=rs.name)
    rows = [(row, _match(rs, row)) for row in report.score_table]
    if not rows:
        rows = [(None, spec) for spec in rs.items]
    total = unverified = D0
    for row, spec in rows:
        W = row.weight.number if row is not None else dec(spec["weight"])  # None: a 效益 row sharing its 分值
        S = row.self_score.number if row is not None else None
        score, formula, inputs, reason = apply(spec, W if W is not None else D0, report)
        item = ScoredItem(indicator=row.name.value if row is not None else spec["name"], rule=spec["id"],
                          tag=spec.get("tag", rs.data.get("tag")), source=spec.get("source", rs.data.get("source")),
                          weight=W, self_score=S, inputs=({"分值": row.weight, "自评得分": row.self_score} if row else {}) | inputs)
        if score is None:
            item.status, item.reason = "无法计算", reason
            item.formula = "保留自评得分，计入未复核分值" if row is not None else "报告中没有该项评分，按报告数据也无法计算"
            if S is not None:
                total += S
                unverified += S
        else:
            item.score, item.formula = score, formula
            total += score
        card.items.append(item)
    if report.score_table:
        card.total = q2(total)
        card.grade = rs.grade(card.total)
    else:
        scored = [i for i in card.items if i.score is not None]
        card.note = (f"报告中没有“{rs.title}”，按该规则集从报告数据复核了 {len(scored)} 项"
                     f"（{q2(sum((i.weight for i in scored), D0))} 分中得 {q2(sum((i.score for i in scored), D0))} 分），"
                     "其余各项需评分表或外部材料，不计总分")
    card.unverified_points = q2(unverified)
    table_total = next((f.value for f in report.figures_for("self.total") if f.where == "评分表"), None)
    card.self_total = (table_total or report.self_assessment.total).number
    card.self_grade = normalize_grade(report.self_assessment.grade.value) or rs.grade(card.self_total)
    return card
