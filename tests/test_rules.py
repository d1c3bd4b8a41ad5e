"""The scoring formulas on hand-made indicators (RULES.md N-01, N-03, N-04, N-05)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.extract.numbers import normalize, parse_amount, parse_measure, parse_percent
from jixiao.model import Indicator, MeasureValue, Report, Value
from jixiao.rules import grade, normalize_grade, ratio
from jixiao.rules.indicators import score_indicator
from jixiao.rules.national import execution_item


def ind(name, target, actual, weight, score, level1="产出指标", level2="数量指标"):
    return Indicator(
        level1=Value(value=level1), level2=Value(value=level2), name=Value(value=name),
        target=MeasureValue(value=target, raw=target, parsed=parse_measure(target)),
        actual=MeasureValue(value=actual, raw=actual, parsed=parse_measure(actual)),
        weight=Value(value=Decimal(weight), raw=weight), self_score=Value(value=Decimal(score), raw=score),
    )


@pytest.mark.parametrize("total,expected", [("100", "优"), ("90", "优"), ("89.99", "良"), ("89.5", "良"),
                                            ("80", "良"), ("79.9", "中"), ("60", "中"), ("59.99", "差")])
def test_grade_bands_lower_bound_inclusive(total, expected):
    assert grade(Decimal(total)) == expected


def test_written_grades_normalise():
    assert [normalize_grade(g) for g in ("优秀", "良好", "合格", "不合格", "优")] == ["优", "良", "中", "差", "优"]


def test_forward_indicator_not_met_is_proportional():
    item = score_indicator(ind("举办培训", "≥20场", "15场", "5", "5"))
    assert item.score == Decimal("3.75") and item.rule == "N-03"


def test_reverse_cost_indicator_uses_target_over_actual():
    item = score_indicator(ind("部门整体支出预算控制数", "234.42", "298.71", "10", "9", "成本指标", "经济成本指标"))
    assert item.score == Decimal("7.85")


def test_reverse_indicator_met_gets_full_weight():
    assert score_indicator(ind("预算控制率", "≦100%", "96%", "10", "10", "产出指标", "成本指标")).score == Decimal("10")


@pytest.mark.parametrize("name, target, actual, level2, score", [
    ("一般性支出压减10%", "一般性支出压减10%", "8%", "数量指标", "4.00"),  # a rate of cut: 8/10 of 5
    ("成本降低率", "≥5%", "2.5%", "成本指标", "2.50"),
    ("三公经费压减", "20万元", "25万元", "成本指标", "4.00"),  # an amount: 20/25 of 5, 反向
])
def test_a_reduction_rate_is_forward_an_amount_reverse(name, target, actual, level2, score):
    item = score_indicator(ind(name, target, actual, "5", "5", "产出指标", level2))
    assert item.score == Decimal(score), item.formula
    assert ("反向" in item.formula) == ("万元" in target), item.formula


def test_deadline_one_month_late():
    item = score_indicator(ind("完成时间", "11月", "12月", "2.5", "2.5", "产出指标", "时效指标"))
    assert item.score == Decimal("2.29")
    item = score_indicator(ind("完成期限", "2024年12月31日前", "2024年12月20日", "10", "10", "产出指标", "时效指标"))
    assert item.score == Decimal("10")


def test_qualitative_bands():
    assert score_indicator(ind("社会效益", "有效提升", "有效提升", "10", "9", "效益指标")).score == Decimal("9")
    capped = score_indicator(ind("社会效益", "有效提升", "未完成", "10", "9", "效益指标"))
    assert capped.score == Decimal("8.00") and "超出区间" in capped.formula


def test_measured_value_missing_is_unverifiable():
    item = score_indicator(ind("参展次数", "≥10次", "已完成", "5", "5"))
    assert item.score is None and item.status == "无法计算" and "已完成" in item.reason


def test_execution_item_proportional_and_default_weight():
    r = Report()
    r.funds.full_year_budget = Value(value=Decimal("5071.49"))
    r.funds.executed = Value(value=Decimal("3370.55"))
    r.funds.weight = Value(value=Decimal("100"))  # the row carries the total: no execution weight
    item = execution_item(r)
    assert item.weight == Decimal("10") and item.score == Decimal("6.65")


def test_zero_denominator_is_undefined():
    assert ratio(Decimal(0), Decimal(0)) is None
    assert ratio(Decimal(5), None) is None


def test_number_parsing():
    assert parse_amount("１２３．５") == Decimal("123.5")
    assert parse_amount("1,234.50") == Decimal("1234.50")
    assert parse_amount("2亿元") == Decimal("20000")
    assert parse_amount("5000元") == Decimal("0.5")
    assert parse_amount("——") is None
    assert parse_percent("66.46%") == Decimal("0.6646")
    assert parse_percent("100") == Decimal("1")
    m = parse_measure("不少于30家")
    assert (m.op, m.number, m.unit) == (">=", Decimal("30"), "家")
    m = parse_measure("10%以上")
    assert (m.op, m.number, m.unit) == (">=", Decimal("10"), "%")
    assert parse_measure("有效提升").qualitative == "有效提升"


def test_measure_in_a_short_phrase():
    """A short label, one number with a unit, an optional 以上/以内 (own wording, not seed text)."""
    D = Decimal
    m = parse_measure("客流量增长15%以上")
    assert (m.op, m.number, m.unit, m.qualitative) == (">=", D(15), "%", "客流量增长15%以上")
    assert m.is_quantitative
    m = parse_measure("引进外资３．５亿美元。")  # full-width digits, a full stop
    assert (m.op, m.number, m.unit) == (None, D("3.5"), "亿美元")
    m = parse_measure("办公经费控制在20万元以内")
    assert (m.op, m.number, m.unit) == ("<=", D(20), "万元")
    m = parse_measure("群众满意度不低于90%")  # a comparator ending the label
    assert (m.op, m.number, m.unit) == (">=", D(90), "%")
    m = parse_measure("培训人员8%及以上")
    assert (m.op, m.unit) == (">=", "%")
    assert parse_measure("12%及以上").unit == "%"  # “及” is part of the comparator, not the unit
    for prose in [
        "新建项目12个，其中重点项目3个",  # two numbers
        "完成年度任务，增长10%",  # a clause before the label
        "培训3次以上的企业负责人",  # text after the comparator
        "完成3项工作",  # “项工作” is no unit
        "增长8%左右",  # 左右 is no comparator
        "2023年度营业收入增长6%",  # a digit in the label
        "全区重点商贸流通企业销售额增长9%",  # label longer than 12 characters
    ]:
        m = parse_measure(prose)
        assert (m.number, m.qualitative) == (None, normalize(prose)), prose
