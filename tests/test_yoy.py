"""Year-over-year comparison on real reviewed records.

Seed 004 (君山区工商业联合会, 2024) has ≥ targets (全年共走访企业 ≥60次), a ≤ target (预算控制率
≦100%), a deadline (2024年12月31日前) and qualitative targets (有效提升). The other years are deep
copies of the reviewed record with the year changed and some targets rewritten, the Measures
parsed by the extractor's own :func:`parse_measure`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.extract.numbers import parse_measure
from jixiao.model import Record
from jixiao.report.yoy import (
    INCOMPARABLE,
    LOWERED,
    RAISED,
    SAME,
    compare_years,
    indicator_key,
)

D = Decimal
VISITS = "全年共走访企业"  # ≥60次
BUDGET = "预算控制率"  # ≦100% (lower is better)
TIMELY = "政策宣传及时率"  # ≥95%
QUAL = "民营经济发展水平"  # 有效提升
DEADLINE = "年度各项任务完成期限"  # 2024年12月31日前
SURVEY = "万家民企评营商环境”问卷填写率"  # ≥70%, a stray quote in the name


@pytest.fixture
def base(reviewed) -> Record:
    _, rf = reviewed("004")
    rec = rf.record
    assert rec.report.year.value == 2024
    return rec


def _indicator(rec: Record, name: str):
    hits = [i for i in rec.report.indicators if i.name.value == name]
    assert len(hits) == 1, name
    return hits[0]


def _year(rec: Record, year: int) -> Record:
    copy = rec.model_copy(deep=True)
    copy.source = f"{rec.source}（{year}）"
    copy.report.year.value = year
    copy.report.year.raw = f"{year}年度"
    return copy


def _set_target(rec: Record, name: str, raw: str) -> None:
    target = _indicator(rec, name).target
    target.raw = target.value = raw
    target.parsed = parse_measure(raw)


def test_two_years(base):
    before = base.model_dump()
    nxt = _year(base, 2025)
    _set_target(nxt, VISITS, "≥50次")
    _set_target(nxt, BUDGET, "≦105%")
    _set_target(nxt, QUAL, "有所提升")
    _set_target(nxt, DEADLINE, "2025年12月31日前")
    _indicator(nxt, SURVEY).name.value = "万家民企评营商环境 问卷填写率。"

    yoy = compare_years([nxt, base])
    assert base.model_dump() == before  # pure: the inputs are not touched
    assert yoy.years == [2024, 2025]
    assert [h.year for h in yoy.headlines] == [2024, 2025]
    h = yoy.headline(2024)
    card = base.scorecards[0]
    assert (h.self_total, h.total, h.grade) == (card.self_total, card.total, card.grade)
    assert h.execution_rate == D("1.0000") and h.unit == "君山区工商业联合会"
    assert yoy.warnings == []

    # higher is better, number decreased → flagged, with both years and values
    row = yoy.row(VISITS)
    assert row.lowered and row.level1 == "产出指标" and row.level2 == "数量指标"
    (c,) = row.changes
    assert (c.previous_year, c.year, c.previous_raw, c.raw, c.status) == (2024, 2025, "≥60次", "≥50次", LOWERED)
    assert (c.previous.op, c.previous.number, c.current.number, c.current.unit) == (">=", D(60), D(50), "次")
    assert c.direction == "higher"
    assert row.note == "2025年度目标“≥50次”较2024年度“≥60次”下调（越高越好，50次 < 60次）"
    assert row.values[2024].actual_raw == "≥80次" and row.values[2025].target.number == D(50)

    # lower is better (≦): the number increased → flagged
    budget = yoy.row(BUDGET)
    assert budget.lowered and budget.changes[0].direction == "lower"
    assert budget.changes[0].previous.number == D(100) and budget.changes[0].current.number == D(105)
    assert "越低越好，105% > 100%" in budget.note

    # unchanged
    timely = yoy.row(TIMELY)
    assert not timely.lowered and timely.changes[0].status == SAME
    assert timely.note == "2025年度目标“≥95%”与2024年度“≥95%”相同"

    # qualitative: 无法比较, never flagged
    qual = yoy.row(QUAL)
    assert not qual.lowered and qual.changes[0].status == INCOMPARABLE
    assert INCOMPARABLE in qual.note and "定性表述" in qual.note

    # the same deadline in each year's own terms is not a change
    deadline = yoy.row(DEADLINE)
    assert deadline.changes[0].status == SAME and not deadline.lowered

    # matched despite the space, the stray quote and the full stop
    survey = yoy.row(SURVEY)
    assert survey.years == [2024, 2025] and survey.changes[0].status == SAME
    assert indicator_key("万家民企评营商环境 问卷填写率。") == indicator_key(SURVEY)

    assert [(t.name, t.previous_year, t.year) for t in yoy.targets_lowered] == [(VISITS, 2024, 2025),
                                                                              (BUDGET, 2024, 2025)]
    assert all(r.lowered == any(c.lowered for c in r.changes) for r in yoy.rows)


def test_raised_and_unit_change_not_flagged(base):
    nxt = _year(base, 2025)
    _set_target(nxt, VISITS, "≥70次")  # raised
    _set_target(nxt, BUDGET, "≦95%")  # lower is better, decreased → raised
    _set_target(nxt, TIMELY, "≥90个")  # lower number but another unit
    yoy = compare_years([base, nxt])
    assert yoy.targets_lowered == []
    assert yoy.row(VISITS).changes[0].status == RAISED
    assert yoy.row(BUDGET).changes[0].status == RAISED
    timely = yoy.row(TIMELY).changes[0]
    assert timely.status == INCOMPARABLE and not timely.lowered
    assert "计量单位不同（%／个）" in timely.note


def test_previous_year_in_which_it_existed(base):
    """2023 ≥60次, 2024 without the indicator, 2025 ≥55次: compared with 2023."""
    y2023 = _year(base, 2023)
    y2024 = _year(base, 2024)
    y2024.report.indicators = [i for i in y2024.report.indicators if i.name.value != VISITS]
    y2025 = _year(base, 2025)
    _set_target(y2025, VISITS, "≥55次")
    yoy = compare_years([y2025, y2023, y2024])
    assert yoy.years == [2023, 2024, 2025]
    row = yoy.row(VISITS)
    assert row.years == [2023, 2025]
    (c,) = row.changes
    assert (c.previous_year, c.year, c.lowered) == (2023, 2025, True)
    assert "2024年度未列此指标" in row.note
    assert [t.name for t in yoy.targets_lowered] == [VISITS]
    assert len(yoy.row(TIMELY).changes) == 2


def test_op_from_the_other_year_and_deadline_postponed(base):
    nxt = _year(base, 2025)
    _set_target(nxt, BUDGET, "102%")  # no op this year: the ≦ of 2024 gives the direction
    _set_target(nxt, DEADLINE, "2026年3月31日前")  # later than the report year's end → relaxed
    yoy = compare_years([base, nxt])
    budget = yoy.row(BUDGET).changes[0]
    assert budget.current.op is None and budget.direction == "lower" and budget.lowered
    deadline = yoy.row(DEADLINE).changes[0]
    assert deadline.status == LOWERED and deadline.direction == "deadline"
    assert "推迟完成时限" in deadline.note


def test_seed003_prose_targets(reviewed):
    """Seed 003 writes its targets as prose. A short label around one quantity (line 112
    “社会零售总额增长10%以上”, line 122 “实际到位外资5.12亿美元”) is compared as a number; sentences with
    several quantities (line 162 “新引进项目308个，其中100亿元以上项目2个…”) and words stay 无法比较."""
    _, rf = reviewed("003")
    base = rf.record
    nxt = _year(base, 2020)
    yoy = compare_years([base, nxt])
    assert yoy.years == [2019, 2020]
    assert yoy.targets_lowered == []
    measured = {r.name for r in yoy.rows if r.changes[0].status == SAME}
    assert measured == {"社会消费品零售", "实际到位外资", "外商直接投资", "进出口总额", "一般性支出压减10%",
                        "大力提升社零拉动力"}
    assert all(r.changes[0].status == INCOMPARABLE for r in yoy.rows if r.name not in measured)
    assert len(yoy.rows) == 20
    assert "（文字相同）" in yoy.row("企业、居民满意").note
    assert "（文字相同）" in yoy.row("招商引资工作").note
    assert yoy.headline(2019).execution_rate == D("0.6646")

    _set_target(nxt, "社会消费品零售", "社会零售总额增长8%以上")
    _set_target(nxt, "实际到位外资", "实际到位外资6亿美元")
    yoy = compare_years([base, nxt])
    retail = yoy.row("社会消费品零售").changes[0]
    assert (retail.status, retail.direction, retail.previous.number, retail.current.number) == (LOWERED, "higher",
                                                                                               D(10), D(8))
    assert retail.note == ("2020年度目标“社会零售总额增长8%以上”较2019年度“社会零售总额增长10%以上”下调"
                           "（越高越好，8% < 10%）")
    fdi = yoy.row("实际到位外资").changes[0]
    assert (fdi.status, fdi.previous.unit, fdi.previous.number) == (RAISED, "亿美元", D("5.12"))
    assert [t.name for t in yoy.targets_lowered] == ["社会消费品零售"]


def test_bad_input(base):
    with pytest.raises(ValueError, match="2024年度有两份记录"):
        compare_years([base, _year(base, 2024)])
    with pytest.raises(ValueError):
        compare_years([])
    with pytest.raises(ValueError, match="处理失败"):
        compare_years([base, Record(source="x.pdf", error="文件不存在")])
    other = _year(base, 2025)
    other.report.unit_name.value = "君山区工商联"
    assert compare_years([base, other]).warnings == ["各年度单位名称不一致：君山区工商业联合会、君山区工商联"]
