"""The few generic scoring formulas a rule set names (``formula = "..."`` in its TOML).

Each takes the item's 分值 ``W`` (points), the measured input and the item's parameters, and
returns ``(score, text)``: the score rounded to 0.01 point (half up, as the forms do) and the
computation written out in Chinese with its numbers. Ratios are fractions (0.95 = 95%).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from ..decimals import quantize
from ..extract.numbers import percent_text as pct
from .base import D0, dec, q2

ONE = Decimal(1)


def proportional(W: Decimal, A: Decimal, B: Decimal) -> tuple[Decimal, str]:
    """正向 (≥A): B ≥ A → W; else W × B/A (RULES.md N-03, 自评表填表说明 [OFF-2])."""
    if B >= A:
        return W, f"正向指标：实际 {B} ≥ 目标 {A}，得满分"
    score = q2(W * B / A) if A else D0
    return score, f"正向指标未达标：分值×B/A = {W}×{B}/{A} = {score}"


def reverse(W: Decimal, A: Decimal, B: Decimal, variant: str = "target_over_actual") -> tuple[Decimal, str]:
    """反向 (≤A): B ≤ A → W; else ``target_over_actual`` W × A/B (自评表填表说明 [OFF-2]) or
    ``one_minus_overshoot`` W × (1 − (B−A)/A), 0 when B ≥ 2A (vendor systems [IMPL]).

    Raises ValueError for another variant."""
    if B <= A:
        return W, f"反向指标：实际 {B} ≤ 目标 {A}，得满分"
    if variant == "target_over_actual":
        score = q2(W * A / B) if B else D0
        return score, f"反向指标未达标：分值×A/B = {W}×{A}/{B} = {score}"
    if variant == "one_minus_overshoot":
        score = q2(max(D0, W * (ONE - (B - A) / A))) if A else D0
        return score, f"反向指标未达标：分值×(1−(B−A)/A) = {W}×(1−({B}−{A})/{A}) = {score}"
    raise ValueError(f"未知的反向指标公式 {variant!r}")


def bands(x: Decimal, table: Sequence[Sequence[Any]], direction: str = "at_least") -> tuple[Decimal, str]:
    """Points from the first band ``[bound, points]`` that ``x`` reaches: ``at_least`` (x ≥ bound,
    bands listed high to low) or ``at_most`` (x ≤ bound, bands listed low to high); 0 if none."""
    for bound, points in table:
        b = dec(bound)
        if (x >= b) if direction == "at_least" else (x <= b):
            sign = "≥" if direction == "at_least" else "≤"
            return dec(points), f"{pct(x)} {sign} {pct(b)}，得 {dec(points)} 分"
    return D0, f"{pct(x)} 不在任何得分档内，得 0 分"


def per_point(W: Decimal, x: Decimal, limit: Decimal, step: Decimal, direction: str = "over",
              unit: Decimal = Decimal("0.01")) -> tuple[Decimal, str]:
    """分值 − (偏离 ``limit`` 的单位数 × ``step``), 扣完为止. ``direction`` ``over`` deducts for x above
    the limit, ``under`` for x below; ``unit`` 0.01 = one percentage point, 0.05 = every 5%."""
    gap = max(D0, (x - limit) if direction == "over" else (limit - x))
    if gap == 0:
        return W, f"{pct(x)}，{'未超过' if direction == 'over' else '不低于'}标准 {pct(limit)}，得满分 {W} 分"
    units = gap / unit
    score = q2(max(D0, W - units * step))
    word = "超出" if direction == "over" else "低于"
    per = "个百分点" if unit == Decimal("0.01") else f"个{pct(unit)}"
    return score, f"{pct(x)}，{word}标准 {pct(limit)} {quantize(units, Decimal('0.01'))}{per} × {step} 分 → 得 {score} 分"


def execution(W: Decimal, rate: Decimal, method: str = "proportional",
              table: Sequence[Sequence[Any]] = ()) -> tuple[Decimal, str]:
    """预算执行率得分 (RULES.md N-05 [INF]): ``proportional`` W × min(rate, 1); ``interval`` the
    fraction of W given by the first band ``[rate_at_least, fraction]`` the rate reaches.

    Raises ValueError for another method."""
    if method == "proportional":
        score = q2(W * min(rate, ONE))
        return score, f"分值×min(执行率,100%) = {W}×{pct(rate)} = {score}"
    if method == "interval":
        for bound, frac in table:
            if rate >= dec(bound):
                score = q2(W * dec(frac))
                return score, f"执行率 {pct(rate)} ≥ {pct(dec(bound))}，得分值的 {pct(dec(frac))} = {score}"
        return D0, f"执行率 {pct(rate)} 低于最低档，得 0 分"
    raise ValueError(f"未知的执行率计分方法 {method!r}")


def qualitative_band(W: Decimal, band: Sequence[Any]) -> tuple[Decimal, Decimal]:
    """The [low, high] points of a 定性 band given as fractions of W (N-04)."""
    return q2(W * dec(band[0])), q2(W * dec(band[1]))
