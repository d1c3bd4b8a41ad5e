"""Scoring of one 三级指标 under the national rules (RULES.md N-03 定量, N-04 定性)."""

from __future__ import annotations

import re
from decimal import Decimal

from ..model import Indicator, Measure, ScoredItem
from .base import D0, q2
from .formulas import proportional, qualitative_band, reverse
from .ruleset import Ruleset

DONE = re.compile(r"已完成|完成|达成|达到|实现|满意|提升|提高|有效|持续|扩大|减少|促进|保障|无偏差")
PARTIAL = re.compile(r"部分完成|基本完成|部分达成|部分实现|基本达到")
NOT_DONE = re.compile(r"未完成|未达成|未达到|未实现|没有完成|尚未")


REDUCTION = re.compile(r"压减|压缩|降低|下降|减少")


def is_reverse(ind: Indicator) -> bool:
    """反向 (lower is better): ≤ targets, cost ceilings (成本指标, 控制率, 压减), deadlines; never
    a target written with ≥ / >.
    A reduction written as a rate (一般性支出压减10%, 成本降低5%) is 正向: the larger the cut,
    the better."""
    t = ind.target.parsed
    if t is None:
        return False
    if t.op in ("<=", "<") or t.date is not None:
        return True
    if t.op in (">=", ">"):
        return False  # the form says which way: ≥ is 正向 whatever the name (控制数 ≥ 20人)
    labels = "".join(str(x.value or "") for x in (ind.level1, ind.level2, ind.name, ind.target))
    if t.unit in ("%", "个百分点") and REDUCTION.search(labels):
        return False
    # a 控制数 is a quota (编制控制数 20人, 名额控制数): only its ≤ says it is a ceiling
    return bool(re.search(r"成本|控制率|压减|不超过", labels))


def is_deadline(ind: Indicator) -> bool:
    t = ind.target.parsed
    return t is not None and t.date is not None


def completion_class(ind: Indicator) -> str:
    """达成 / 部分达成 / 未达成 from the actual's text (a copy of the target counts as 达成)."""
    a = (ind.actual.value or "")
    if NOT_DONE.search(a):
        return "未达成"
    if PARTIAL.search(a):
        return "部分达成"
    if a and (a == ind.target.value or DONE.search(a)):
        return "达成"
    return "未知"


def _month_key(m: Measure) -> tuple[int, int, int] | None:
    if m.date is None:
        return None
    parts = [int(p) for p in m.date.split("-")]
    if len(parts) == 1:  # "12月": month only
        return (0, parts[0], 31)
    if len(parts) == 2:
        return (parts[0], parts[1], 31)
    return (parts[0], parts[1], parts[2])


def _elapsed(key: tuple[int, int, int]) -> Decimal:
    """Months elapsed from the start of the year to the date (for A/B on deadlines)."""
    return Decimal(key[1] - 1) + Decimal(min(key[2], 30)) / 30


def _cite(item: ScoredItem, rule: dict) -> None:
    item.rule, item.tag, item.source = rule.get("rule", rule["id"]), rule["tag"], rule.get("source")


def score_indicator(ind: Indicator, rs: Ruleset | None = None) -> ScoredItem:
    """Recompute one indicator under ``rs`` (default ``national_2020``). Quantitative: 正向 W×B/A
    (N-03), 反向 by ``params.reverse_formula`` (N-03R), deadlines A/B on elapsed months (N-03T);
    qualitative: the self-score checked against the 达成/部分达成/未达成 band (N-04). Missing
    inputs give status 无法计算 with the reason."""
    rs = rs or Ruleset.load("national_2020")
    W, S = ind.weight.number, ind.self_score.number
    item = ScoredItem(indicator=ind.name.value, weight=W, self_score=S,
                      inputs={"年度指标值": ind.target, "实际完成值": ind.actual, "分值": ind.weight, "得分": ind.self_score})
    if ind.not_applicable:
        _cite(item, rs.item("N-03N"))
        item.status, item.reason, item.formula = "不适用", "指标不适用（“/”），按适用指标折算", "不计分"
        return item
    if W is None:
        item.status, item.reason = "无法计算", "未填分值"
        return item
    t, a = ind.target.parsed, ind.actual.parsed
    if t is not None and t.is_quantitative:
        _cite(item, rs.item("N-03T" if is_deadline(ind) else "N-03R" if is_reverse(ind) else "N-03"))
        if a is None or not a.is_quantitative:
            item.status = "无法计算"
            item.reason = f"实际完成值“{ind.actual.raw or '（空）'}”不是测量值，无法按公式计分"
            item.formula = "定量指标：需实际完成值"
            return item
        if is_deadline(ind):
            tk, ak = _month_key(t), _month_key(a)
            if tk is None or ak is None:
                item.status, item.reason = "无法计算", "完成时间无法比较"
                return item
            if tk[0] == 0 or ak[0] == 0:  # month-only on either side: compare months
                tk, ak = (0, tk[1], 31 if tk[0] == 0 else tk[2]), (0, ak[1], 31 if ak[0] == 0 else ak[2])
            if ak <= tk:
                item.score, item.formula = W, f"时效指标（反向）：实际 {ind.actual.raw} 不晚于目标 {ind.target.raw}，得满分"
            else:
                A, B = _elapsed(tk), _elapsed(ak)
                item.score = q2(W * A / B) if B else D0
                item.formula = f"时效指标（反向）逾期：分值×A/B（按年初起算月数）= {W}×{A:.2f}/{B:.2f} = {item.score}"
            return item
        A, B = t.number, a.number
        if A is None or B is None:
            item.status, item.reason = "无法计算", "指标值或完成值缺少数值"
            return item
        if is_reverse(ind):
            item.score, item.formula = reverse(W, A, B, rs.param("reverse_formula"))
        else:
            item.score, item.formula = proportional(W, A, B)
        return item
    # qualitative
    qp = rs.item("N-04")
    _cite(item, qp)
    cls = completion_class(ind)
    band = {"达成": qp["achieved"], "部分达成": qp["partial"], "未达成": qp["not_achieved"]}.get(cls)
    if band is None or S is None:
        item.status = "无法计算"
        item.reason = "定性指标的完成情况无法判断" if S is not None else "未填得分"
        item.formula = "定性指标：按完成情况分档"
        return item
    lo, hi = qualitative_band(W, band)
    if S > hi:
        item.score = hi
        item.formula = f"定性指标“{cls}”：得分区间 [{lo}, {hi}]，自评 {S} 超出区间，按上限计"
    else:
        item.score = S
        item.formula = f"定性指标“{cls}”：得分区间 [{lo}, {hi}]，自评 {S} 在区间内或更低，采用自评"
    return item
