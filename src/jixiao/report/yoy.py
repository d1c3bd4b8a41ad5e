"""Year-over-year view of one unit (同一单位跨年度对比): its department reports of different
years side by side, and the 三级指标 whose 年度指标值 (target) was lowered.

``compare_years(records)`` → :class:`YearOverYear`. Pure: the records are only read.

* ``years``: the report years, ascending (ints);
* ``headlines``: per year the 自评得分 / 复核得分 (points, Decimal), 评价等次 and 预算执行率
  (a fraction, 0.6646 = 66.46%, as :func:`.portfolio.execution_rate` computes it);
* ``rows``: one :class:`IndicatorRow` per 三级指标, matched across years by
  :func:`indicator_key` (spaces, punctuation and full-width/half-width differences ignored); each
  row holds every year's target and actual (raw text and the parsed :class:`~jixiao.model.Measure`)
  with its 一级/二级指标 as context, and one :class:`TargetChange` per pair of consecutive years in
  which the indicator exists (a year without it is skipped: the comparison is with the previous
  year in which it existed);
* ``targets_lowered``: every change flagged ``lowered``, in row order.

When is a target lowered (目标下调)? Both targets must be quantitative with the same unit:

* higher is better (op ``≥``, ``>``, ``=`` or no op with a number): the number decreased;
* lower is better (op ``≤``, ``<``): the number increased;
* when only one year writes an op, its direction is used for both (``≤3.5万元`` → ``3.8万元`` is
  a lowered cost target); opposite directions (``≥`` one year, ``≤`` the next) are 无法比较;
* deadlines (``11月底前``, ``2024年12月31日前``) are compared by their position in the report year
  (a later month/day is a lowered target), since every year's deadline carries its own year.

Qualitative targets (``有效提升``), a missing target and different units are never flagged: the
change says 无法比较 and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from ..model import Indicator, Measure, Record, Source
from .portfolio import execution_rate
from .summary import _as_decimal, unit_name

HIGHER_OPS = {">=", ">", "="}  # higher is better (正向)
LOWER_OPS = {"<=", "<"}  # lower is better (反向)
OP_TEXT = {">=": "≥", ">": "＞", "=": "＝", "<=": "≤", "<": "＜"}

LOWERED = "下调"  # target lowered (放宽)
RAISED = "上调"  # target raised (提高)
SAME = "持平"
INCOMPARABLE = "无法比较"


@dataclass
class YearHeadline:
    """One year's headline figures: scores in points, ``execution_rate`` a fraction."""

    year: int
    source: str  # record.source
    unit: str | None  # 预算部门（单位）名称 as written that year
    self_total: Decimal | None  # 自评得分
    total: Decimal | None  # 复核得分 (first scorecard); None = 无法复核
    self_grade: str | None  # 自评等次
    grade: str | None  # 复核等次
    execution_rate: Decimal | None  # 预算执行率 (fraction, 0.01% precision)
    rate_basis: str | None  # 全年执行数÷全年预算数 / 自评表填报


@dataclass
class YearValue:
    """One indicator in one year: target (年度指标值) and actual (实际完成值) as written and parsed."""

    year: int
    level1: str | None  # 一级指标
    level2: str | None  # 二级指标
    name: str  # 三级指标 as written that year
    target_raw: str | None
    target: Measure | None  # None when the cell is empty
    actual_raw: str | None
    actual: Measure | None
    weight: Decimal | None  # 分值 (points)
    source: Source | None  # where the target was read


@dataclass
class TargetChange:
    """The target of one indicator in ``year`` against ``previous_year`` (the latest earlier year
    in which the indicator exists). ``status``: 下调 / 上调 / 持平 / 无法比较; ``lowered`` is True
    only for 下调. ``direction``: ``higher`` (越高越好), ``lower`` (越低越好), ``deadline`` or
    None when not comparable. Numbers are the parsed ones (percent targets in percentage points:
    ``≥90%`` → 90)."""

    name: str  # 三级指标 (as written in ``year``)
    level1: str | None
    level2: str | None
    previous_year: int
    year: int
    previous_raw: str | None
    raw: str | None
    previous: Measure | None
    current: Measure | None
    status: str
    lowered: bool
    direction: str | None
    note: str  # Chinese, e.g. 2020年度目标“≥12场”较2019年度“≥15场”下调（越高越好，12 < 15）


@dataclass
class IndicatorRow:
    """One 三级指标 across years: ``values`` keyed by year, ``changes`` in year order."""

    key: str  # indicator_key(name) (plus ``#n`` for the n-th repeat of a name within a year)
    name: str  # as written in the latest year
    level1: str | None  # latest year's 一级指标
    level2: str | None  # latest year's 二级指标
    values: dict[int, YearValue] = field(default_factory=dict)
    changes: list[TargetChange] = field(default_factory=list)
    lowered: bool = False  # some change is 下调
    note: str = ""  # the changes' notes joined by ；, plus 新增 / 未列 years

    @property
    def years(self) -> list[int]:
        return sorted(self.values)


@dataclass
class YearOverYear:
    years: list[int]  # ascending
    headlines: list[YearHeadline]  # in ``years`` order
    rows: list[IndicatorRow]  # first-seen order (earliest year's table order, new ones after)
    targets_lowered: list[TargetChange]  # the lowered changes, row order then year
    units: list[str] = field(default_factory=list)  # distinct unit names as written
    warnings: list[str] = field(default_factory=list)  # e.g. 单位名称不一致

    def headline(self, year: int) -> YearHeadline:
        return next(h for h in self.headlines if h.year == year)

    def row(self, name: str) -> IndicatorRow:
        """The row of a 三级指标 name (matched by :func:`indicator_key`); KeyError when absent."""
        key = indicator_key(name)
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(name)


# ---------------------------------------------------------------- matching


def indicator_key(name: str | None) -> str:
    """Normalised 三级指标 name for matching across years: NFKC (full-width → half-width),
    whitespace, punctuation and symbols removed, Latin letters lower-cased.
    ``“群众文化 活动参与人次。”`` → ``群众文化活动参与人次``."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ").lower()


def _text(v) -> str | None:
    if v.value is not None:
        return str(v.value)
    return v.raw


def record_year(record: Record) -> int:
    """The report's 年度 as an int; ValueError when the record has none."""
    rep = record.report
    if rep is None:
        raise ValueError(f"{record.source}: 无报告内容（{record.error or '未抽取'}），不能做跨年度对比")
    v = rep.year.value
    if isinstance(v, (int, Decimal)):
        return int(v)
    m = re.search(r"(19|20)\d\d", str(v if v is not None else rep.year.raw or ""))
    if m is None:
        raise ValueError(f"{record.source}: 未识别报告年度，不能做跨年度对比")
    return int(m.group(0))


def headline(record: Record) -> YearHeadline:
    """The headline of one record (see :class:`YearHeadline`)."""
    rep = record.report
    card = record.scorecards[0] if record.scorecards else None
    self_total = card.self_total if card is not None and card.self_total is not None else None
    if self_total is None and rep is not None:
        self_total = _as_decimal(rep.self_assessment.total.value)
    self_grade = card.self_grade if card is not None else None
    if self_grade is None and rep is not None and rep.self_assessment.grade.present:
        self_grade = str(rep.self_assessment.grade.value)
    rate, basis, _ = execution_rate(rep)
    return YearHeadline(
        year=record_year(record), source=record.source, unit=unit_name(record), self_total=self_total,
        total=card.total if card else None, self_grade=self_grade, grade=card.grade if card else None,
        execution_rate=rate, rate_basis=basis,
    )


def year_value(year: int, ind: Indicator) -> YearValue:
    return YearValue(
        year=year, level1=_text(ind.level1), level2=_text(ind.level2), name=_text(ind.name) or "",
        target_raw=ind.target.raw, target=ind.target.parsed, actual_raw=ind.actual.raw, actual=ind.actual.parsed,
        weight=_as_decimal(ind.weight.value), source=ind.target.source,
    )


def _keyed(year: int, indicators: list[Indicator]) -> list[tuple[str, YearValue]]:
    """(key, value) per applicable indicator; a name repeated within the year gets ``#2``, ``#3``…
    (matched across years by order of appearance)."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for ind in indicators:
        if ind.not_applicable:
            continue
        base = indicator_key(_text(ind.name))
        if not base:
            continue
        seen[base] += 1
        out.append((base if seen[base] == 1 else f"{base}#{seen[base]}", year_value(year, ind)))
    return out


# ---------------------------------------------------------------- comparing targets


def measure_text(m: Measure | None, raw: str | None = None) -> str:
    """The target as written (``raw``) or rebuilt from the Measure: ``≥12场``; ``（空）`` if none."""
    if raw and raw.strip():
        return raw.strip()
    if m is None:
        return "（空）"
    if m.qualitative:
        return m.qualitative
    body = m.date if m.date and m.number is None else f"{_num(m.number)}{m.unit or ''}"
    return OP_TEXT.get(m.op or "", "") + body


def _num(x: Decimal | None) -> str:
    """A parsed number as written (``3.80`` stays ``3.80``), no exponent."""
    return "" if x is None else format(x, "f")


def _deadline_position(m: Measure, year: int) -> tuple[int, int] | None:
    """(months from January of the report year, day; 31 when only a month is given)."""
    if m.date is None:
        return None
    parts = m.date.split("-")
    try:
        if len(parts) == 1:  # "MM"
            return int(parts[0]), 31
        y, mo = int(parts[0]), int(parts[1])
        day = int(parts[2]) if len(parts) > 2 else 31
    except ValueError:
        return None
    return (y - year) * 12 + mo, day


def _direction(a: Measure, b: Measure) -> str | None:
    fams = {("lower" if op in LOWER_OPS else "higher") for op in (a.op, b.op) if op is not None}
    if len(fams) > 1:
        return None
    return fams.pop() if fams else "higher"


def compare_targets(name: str, level1: str | None, level2: str | None,
                    prev: YearValue, cur: YearValue) -> TargetChange:
    """Compare ``cur``'s target with ``prev``'s (see the module doc for the rules)."""
    a, b = prev.target, cur.target
    was = f"{prev.year}年度“{measure_text(a, prev.target_raw)}”"
    now = f"{cur.year}年度目标“{measure_text(b, cur.target_raw)}”"

    def change(status: str, direction: str | None, note: str) -> TargetChange:
        return TargetChange(
            name=name, level1=level1, level2=level2, previous_year=prev.year, year=cur.year,
            previous_raw=prev.target_raw, raw=cur.target_raw, previous=a, current=b, status=status,
            lowered=status == LOWERED, direction=direction, note=note,
        )

    def incomparable(why: str) -> TargetChange:
        return change(INCOMPARABLE, None, f"{now}与{was}{INCOMPARABLE}：{why}")

    if a is None or b is None:
        missing = "、".join(f"{v.year}年度" for v in (prev, cur) if v.target is None)
        return incomparable(f"{missing}未填年度指标值")
    if not a.is_quantitative or not b.is_quantitative:
        years = "、".join(f"{v.year}年度" for v, m in ((prev, a), (cur, b)) if not m.is_quantitative)
        same = not a.is_quantitative and not b.is_quantitative and indicator_key(a.qualitative) == indicator_key(
            b.qualitative)
        return incomparable(f"{years}为定性表述" + ("（文字相同）" if same else ""))

    pa, pb = _deadline_position(a, prev.year), _deadline_position(b, cur.year)
    if pa is not None or pb is not None:
        if pa is None or pb is None:
            return incomparable("一年为完成时限、另一年为数值")
        if pa == pb:
            return change(SAME, "deadline", f"{now}与{was}完成时限相同")
        later = pb > pa
        return change(LOWERED if later else RAISED, "deadline",
                      f"{now}较{was}{'推迟' if later else '提前'}完成时限，目标{LOWERED if later else RAISED}")

    if (a.unit or "") != (b.unit or ""):
        return incomparable(f"计量单位不同（{a.unit or '无单位'}／{b.unit or '无单位'}）")
    direction = _direction(a, b)
    if direction is None:
        return incomparable("指标方向不同（一年为不低于、另一年为不高于）")
    na, nb = a.number, b.number
    unit = a.unit or ""
    if na == nb:
        return change(SAME, direction, f"{now}与{was}相同")
    better = "越高越好" if direction == "higher" else "越低越好"
    lowered = nb < na if direction == "higher" else nb > na
    sign = "<" if nb < na else ">"
    status = LOWERED if lowered else RAISED
    return change(status, direction,
                  f"{now}较{was}{status}（{better}，{_num(nb)}{unit} {sign} {_num(na)}{unit}）")


def _row(key: str, values: dict[int, YearValue], all_years: list[int]) -> IndicatorRow:
    years = sorted(values)
    latest = values[years[-1]]
    row = IndicatorRow(key=key, name=latest.name, level1=latest.level1, level2=latest.level2, values=values)
    notes = []
    if years[0] != all_years[0]:
        notes.append(f"{years[0]}年度新增")
    for prev, cur in pairwise(years):
        row.changes.append(compare_targets(values[cur].name, values[cur].level1, values[cur].level2,
                                           values[prev], values[cur]))
    missing = [y for y in all_years if y > years[0] and y not in values]
    notes += [c.note for c in row.changes]
    if missing:
        notes.append("、".join(f"{y}年度" for y in missing) + "未列此指标")
    row.lowered = any(c.lowered for c in row.changes)
    row.note = "；".join(notes)
    return row


def compare_years(records: list[Record]) -> YearOverYear:
    """The year-over-year view of one unit's reports (see the module doc).

    ``records``: one per year, in any order, all of one kind (department reports, or project
    tables of one project). Raises ValueError for a failed record (``error`` / no report), a
    record without a recognisable 年度, two records of the same year, mixed kinds, or no record.
    Different unit names are not an error: they are listed in ``units`` and ``warnings``.
    """
    if not records:
        raise ValueError("没有可对比的记录")
    for rec in records:
        if rec.error is not None or rec.report is None:
            raise ValueError(f"{rec.source}: 处理失败（{rec.error or '无报告内容'}），不能做跨年度对比")
    kinds = {rec.report.kind for rec in records}
    if len(kinds) > 1:
        raise ValueError("部门整体支出与项目支出的自评记录不能混合对比")
    by_year: dict[int, Record] = {}
    for rec in records:
        y = record_year(rec)
        if y in by_year:
            raise ValueError(f"{y}年度有两份记录：{by_year[y].source}、{rec.source}")
        by_year[y] = rec
    years = sorted(by_year)
    headlines = [headline(by_year[y]) for y in years]

    values: dict[str, dict[int, YearValue]] = {}
    for y in years:
        for key, v in _keyed(y, by_year[y].report.indicators):
            values.setdefault(key, {})[y] = v
    rows = [_row(key, vals, years) for key, vals in values.items()]

    units = list(dict.fromkeys(h.unit for h in headlines if h.unit))
    warnings = [f"各年度单位名称不一致：{'、'.join(units)}"] if len(units) > 1 else []
    return YearOverYear(
        years=years, headlines=headlines, rows=rows,
        targets_lowered=[c for r in rows for c in r.changes if c.lowered], units=units, warnings=warnings,
    )
