"""Rule-set loading and the few generic formulas (grades, rounding, ratios)."""

from __future__ import annotations

import tomllib
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from ..decimals import quantize

D0 = Decimal(0)
D100 = Decimal(100)
CENT = Decimal("0.01")


@cache
def load_ruleset(name: str) -> dict[str, Any]:
    """The packaged data of a rule set, ``rules/<name>.toml``, without any config override (use
    :class:`jixiao.rules.ruleset.Ruleset` to apply one). Raises FileNotFoundError for an unknown name.
    """
    text = resources.files("jixiao.rules").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def dec(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def q2(x: Decimal) -> Decimal:
    """Round to 0.01 point, half up, as the forms do."""
    return quantize(x, CENT, rounding=ROUND_HALF_UP)


def grade(total: Decimal | None, bands: list | None = None) -> str | None:
    """N-01: 优 ≥90, 良 [80,90), 中 [60,80), 差 <60 (the lower bound is inclusive: grade(89.5) = 良),
    or the given ``bands`` ``[[bound, name], ...]`` (a config's grade bands).

    Source: 财预〔2020〕10号 [OFF-M]; 预算司等级划分标准 [OFF-2].
    """
    if total is None:
        return None
    table = bands if bands is not None else load_ruleset("national_2020")["grades"]["bands"]
    for bound, name in sorted(table, key=lambda b: -dec(b[0])):
        if total >= dec(bound):
            return name
    return "差"


def normalize_grade(text: str | None) -> str | None:
    """Written grades → band names: 优秀→优, 良好→良, 合格/一般→中, 不合格→差."""
    if not text:
        return None
    t = text.strip()
    for word, g in (("不合格", "差"), ("优", "优"), ("良", "良"), ("中", "中"), ("合格", "中"), ("一般", "中"), ("差", "差")):
        if word in t:
            return g
    return None


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator as a fraction; None when an input is missing or the denominator
    is 0 (a 0/0 ratio is undefined, never 100%: RULES.md §5.3)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
