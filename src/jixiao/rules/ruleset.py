"""A rule set: one regime's rules as data (``rules/<name>.toml``), with a config's overrides applied.

Every TOML has ``name``, ``title``, ``basis`` (the rule set as user-facing text names it: its
document number or the document's title, e.g. 财预〔2020〕10号 — never the internal ``name``), ``kind`` (``indicator_table`` — the 2020+ 自评表 scored item by
item; ``score_table`` — a printed 评分表 whose rows are matched to ``[[items]]``; ``checks_only``),
``[grades]`` (N-01 bands), ``[params]`` (RULES.md §8) and ``[[items]]``. Each item carries its
RULES.md ``id``, ``name``, ``weight`` (points), ``formula`` (a name in :mod:`jixiao.rules.formulas`),
the formula's parameters, ``source`` and the provenance ``tag`` (OFF-R / OFF-2 / OFF-M / SEED /
IMPL / INF, RULES.md §0.1).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .base import grade, load_ruleset

RULESETS = ("national_2020", "yueyang_ref_2015", "hunan_dept_2017", "narrative")


def ruleset_basis(name: str | None) -> str | None:
    """The rule set ``name`` as user-facing text cites it: its ``basis`` (财预〔2020〕10号 for
    ``national_2020``); an unknown name is returned unchanged, None stays None."""
    if not name:
        return name
    try:
        data = load_ruleset(name)
    except (FileNotFoundError, OSError):
        return name
    return data.get("basis") or data.get("title") or name


def item_basis(ruleset: str, item_id: str) -> str:
    """One item of a rule set as user-facing text cites it: the rule set's basis and the item's
    name, ``《岳阳市部门整体支出绩效评价评分表》“预算调整率”`` — never the item id."""
    data = load_ruleset(ruleset)
    name = next((it["name"] for it in data.get("items", []) if it["id"] == item_id), None)
    if name is None:
        raise KeyError(f"规则集 {ruleset} 没有规则 {item_id}")
    inner = name.replace("“", "‘").replace("”", "’")  # quotes inside quotes: “‘三公经费’变动率”
    return f"{ruleset_basis(ruleset)}“{inner}”"


def _copy(value: Any) -> Any:
    """A deep copy of TOML-like data (dicts and lists of strings and numbers; anything else goes
    to ``copy.deepcopy``), without deepcopy's memo: a rule set is copied for every report reviewed."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, (str, int, float, Decimal, type(None))):
        return value
    return copy.deepcopy(value)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` deep-merged into a copy of ``base`` (tables merge, other values replace)."""
    out = _copy(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else _copy(v)
    return out


@dataclass(frozen=True)
class Ruleset:
    """One regime's data. ``overrides`` (from jixiao.toml) may replace ``grades``, ``params`` and
    any item's fields by its id (``{"items": {"Y-07": {"step": 0.5}}}``)."""

    name: str
    data: dict[str, Any]

    @classmethod
    def load(cls, name: str, overrides: dict[str, Any] | None = None) -> "Ruleset":
        """Raises KeyError for an unknown name or an override naming an item the rule set lacks."""
        if name not in RULESETS:
            raise KeyError(f"未知的规则集 {name!r}；可用：{', '.join(RULESETS)}")
        over = dict(overrides or {})
        item_over = over.pop("items", {}) or {}
        data = merge(load_ruleset(name), over)  # a copy: the packaged data stay as loaded
        ids = {it["id"] for it in data.get("items", [])}
        for item_id, fields in item_over.items():
            if item_id not in ids:
                continue  # an item of another rule set: config files may tune several
            for it in data["items"]:
                if it["id"] == item_id:
                    it.update(_copy(fields))
        return cls(name, data)

    @property
    def title(self) -> str:
        return self.data.get("title", self.name)

    @property
    def basis(self) -> str:
        """How user-facing text cites the rule set (its document), see :func:`ruleset_basis`."""
        return self.data.get("basis") or self.title

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.data.get("items", [])

    def item(self, item_id: str) -> dict[str, Any]:
        """The item with RULES.md id ``item_id``; KeyError when the rule set has none."""
        for it in self.items:
            if it["id"] == item_id:
                return it
        raise KeyError(f"规则集 {self.name} 没有规则 {item_id}")

    def param(self, key: str) -> Any:
        return self.data["params"][key]

    def dec(self, key: str) -> Decimal:
        return Decimal(str(self.param(key)))

    def grade(self, total: Decimal | None) -> str | None:
        """The N-01 band of ``total`` under this rule set's (possibly overridden) bands."""
        return grade(total, self.data["grades"]["bands"])
