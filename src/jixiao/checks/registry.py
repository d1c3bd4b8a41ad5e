"""The check registry, in the manner of ruff's rules: one function per check, registered with a
stable code, a kebab name, a Chinese title, a severity and a family; its docstring has the
sections 检查什么 / 为什么重要 / 示例 / 依据 and is what ``jixiao rules CODE`` prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from ..decimals import is_absurd
from ..model import Finding, Indicator, Report, ScoredItem, Scorecard, Severity, Source, Value
from ..readers.document import Document

FAMILIES = {
    "1": "数据一致性",
    "2": "评分复核",
    "3": "预算执行与财经纪律",
    "4": "指标质量",
    "5": "报告完整性",
    "9": "解析",
}
PARSER_FAMILY = "解析"  # JX9xx: what could not be read — parser notices, not audit findings
PARSER_NOTICE_HEADING = "解析提示"
DOC_SECTIONS = ("检查什么", "为什么重要", "示例", "依据")


def is_parser_notice(finding: Any) -> bool:
    """Whether a finding (a :class:`Finding`, a stored finding row, anything with ``code``, or the
    code itself) is a parser notice — family 解析, codes JX9xx — rather than an audit finding.
    Parser notices are listed apart (heading 解析提示), are not counted with the 错误/警告/提示 of
    the audit, are not triaged and never go into the 复核意见. The one place this rule lives."""
    code = finding if isinstance(finding, str) else getattr(finding, "code", None)
    return (isinstance(code, str) and len(code) > 2 and code.startswith("JX")
            and FAMILIES.get(code[2]) == PARSER_FAMILY)


def audit_findings(findings: Iterable[Any] | None) -> list[Any]:
    """The findings that are not parser notices, in their order."""
    return [f for f in findings or [] if not is_parser_notice(f)]


def parser_notices(findings: Iterable[Any] | None) -> list[Any]:
    """The parser notices (JX9xx) among ``findings``, in their order."""
    return [f for f in findings or [] if is_parser_notice(f)]


@dataclass
class Hit:
    """What a check function yields; the runner adds code, title and severity."""

    message: str
    evidence: list[Value]
    expected: str | None = None
    found: str | None = None
    score_impact: Decimal | None = None
    severity: Severity | None = None  # override the check's default


@dataclass
class Context:
    report: Report
    scorecards: list[Scorecard]
    doc: Document
    money_tol: Decimal = Decimal("0.01")  # 万元
    score_tol: Decimal = Decimal("0.1")  # 分
    overachieve_ratio: Decimal = Decimal("1.3")  # 完成值/指标值 at which JX404 warns (RULES.md N-03 [INF])
    ruleset: Any = None  # the jixiao.rules.Ruleset applied (grade bands, parameters); None = defaults
    _places: dict = field(default_factory=dict, repr=False)  # (block, row, col) → place, for placed()

    def placed(self, v: Value) -> Value:
        """``v`` with its source's place in the report (表名·行标签·列标题, or the section
        heading) filled in, so that ``v.source.where()`` says where a reviewer finds it."""
        if v.source is None or v.source.place is not None or v.source.block is None:
            return v
        key = (v.source.block, v.source.row, v.source.col)
        places = self._places
        if key in places:
            place = places[key]
        else:
            place = places[key] = _place_of()(self.doc, v.source, places.setdefault("headers", {}))
        return v if place is None else _copy_with(v, "source", _copy_with(v.source, "place", place))

    def grade(self, total: Decimal | None) -> str | None:
        """优/良/中/差 of ``total`` under the applied rule set's bands (N-01, or a config's)."""
        from ..rules.base import grade

        return self.ruleset.grade(total) if self.ruleset is not None else grade(total)

    @property
    def card(self) -> Scorecard | None:
        return self.scorecards[0] if self.scorecards else None

    def indicator_items(self) -> list[tuple[Indicator, ScoredItem]]:
        """Each 三级指标 with its recomputed item (national scorecards list the 预算执行率 item
        first, then one item per indicator in order); empty for other rule sets."""
        card = self.card
        if card is None or card.ruleset != "national_2020" or not card.items or card.items[0].indicator != "预算执行率":
            return []
        return list(zip(self.report.indicators, card.items[1:]))


def _place_of():
    """:func:`jixiao.extract.places.place_of`, imported on first use (not once per value)."""
    global _PLACE_OF
    if _PLACE_OF is None:
        from ..extract.places import place_of

        _PLACE_OF = place_of
    return _PLACE_OF


_PLACE_OF = None


def _copy_with(model: Any, name: str, value: Any) -> Any:
    """``model.model_copy(update={name: value})`` for a model without extra fields or private
    attributes (Value, Source): the same shallow copy, field set and all, without model_copy's
    general path (deep copies, extras), ~70 times per report."""
    if model.__pydantic_extra__ is not None or model.__pydantic_private__ is not None:
        return model.model_copy(update={name: value})
    cls = type(model)
    copied = cls.__new__(cls)
    data = model.__dict__.copy()
    data[name] = value
    fields_set = set(model.__pydantic_fields_set__)
    fields_set.add(name)
    object.__setattr__(copied, "__dict__", data)
    object.__setattr__(copied, "__pydantic_extra__", None)
    object.__setattr__(copied, "__pydantic_fields_set__", fields_set)
    object.__setattr__(copied, "__pydantic_private__", None)
    return copied


CheckFn = Callable[[Context], Iterable[Hit]]
Kind = str  # Report.kind: "department" (部门整体) or "project" (项目支出)
ALL_KINDS: tuple[Kind, ...] = ("department", "project")


@dataclass
class Check:
    code: str
    name: str
    title: str
    severity: Severity
    fn: CheckFn = field(repr=False)
    kinds: tuple[Kind, ...] = ALL_KINDS  # the report kinds the check applies to
    needs: tuple[str, ...] = ()  # parts that must be whole ("table", "text"): skipped on a Report.gaps part

    @property
    def family(self) -> str:
        return FAMILIES[self.code[2]]

    @property
    def doc(self) -> str:
        return _dedent(self.fn.__doc__ or "")


REGISTRY: dict[str, Check] = {}


def check(code: str, name: str, title: str, severity: Severity,
          kinds: tuple[Kind, ...] = ALL_KINDS, needs: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a check for the report ``kinds`` it applies to (部门整体 ``department``, 项目支出
    ``project``). ``needs``: the parts of the document the check cannot judge when they are cut
    (``"table"``: the whole self-evaluation table; ``"text"``: the whole text) — on a report with
    such a gap (JX904 says it) the check stays quiet. Raises ValueError on a duplicate code or a
    docstring missing a section."""

    def deco(fn: CheckFn) -> CheckFn:
        if code in REGISTRY:
            raise ValueError(f"duplicate check code {code}")
        if not re.fullmatch(r"JX\d{3}", code) or code[2] not in FAMILIES:
            raise ValueError(f"bad check code {code}")
        doc = fn.__doc__ or ""
        missing = [s for s in DOC_SECTIONS if s not in doc]
        if missing:
            raise ValueError(f"{code}: docstring lacks {missing}")
        REGISTRY[code] = Check(code, name, title, severity, fn, tuple(kinds), tuple(needs))
        return fn

    return deco


ABSURD_CODE = "JX908"  # 数值超出合理范围: said once for the value, in place of what was computed from it


def absurd_number(v: Value) -> Decimal | None:
    """The number of ``v`` (its value, or its parsed measure's) that no report can hold
    (:func:`jixiao.decimals.is_absurd`: not finite, or ≥ 10^15 in magnitude), if any; texts and
    absent values (most of a report's) are passed over without asking."""
    data = v.__dict__
    parsed = data.get("parsed")  # a MeasureValue's (getattr on a plain Value goes through pydantic's slow miss)
    for x in (data["value"], parsed.number if parsed is not None else None):
        if x is not None and type(x) is not str and is_absurd(x):
            return x
    return None


def run(ctx: Context, codes: Iterable[str] | None = None) -> Iterator[Finding]:
    """Run the checks (all, or those in ``codes``) that apply to the report's kind.

    When JX908 runs, a hit of another check whose evidence holds an absurd number
    (:func:`absurd_number`) is left out: a total, rate or score difference computed from a
    30-digit 全年执行数 says nothing a reviewer can act on, and JX908 names the value once."""
    kind, gaps = ctx.report.kind, {g.part for g in ctx.report.gaps}  # (once, not once per check)
    selected = sorted(REGISTRY if codes is None else codes)
    quiet = ABSURD_CODE in selected
    for code in selected:
        c = REGISTRY[code]
        if kind not in c.kinds or (gaps and not gaps.isdisjoint(c.needs)):
            continue
        try:
            hits = list(c.fn(ctx))
        except MemoryError:
            raise  # the file's memory budget: the whole file fails (jixiao.batch), not one check
        except Exception as exc:  # a broken check must not hide the others
            hits = [Hit(f"检查 {code} 执行出错：{type(exc).__name__}: {exc}",
                        [Value(raw=ctx.doc.path, source=Source(file=ctx.doc.path))], severity="info")]
        for h in hits:
            if quiet and code != ABSURD_CODE and any(e is not None and absurd_number(e) is not None for e in h.evidence):
                continue
            yield Finding(code=c.code, severity=h.severity or c.severity, title=c.title, message=h.message,
                          evidence=[ctx.placed(e) for e in h.evidence if e is not None], expected=h.expected, found=h.found,
                          score_impact=h.score_impact)


def _dedent(text: str) -> str:
    lines = text.strip("\n").splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()), default=0)
    return "\n".join([lines[0].strip()] + [l[indent:] for l in lines[1:]]) if lines else ""
