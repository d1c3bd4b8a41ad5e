"""Extraction from the five seed reports: key figures, provenance, figures and the JSON contract.

Every expected value below was looked up in the seed text with ``cat -n`` (line numbers are 1-based)
and only then compared with what jixiao gives. The seeds are read by path through the ``seed``
fixture (conftest.py); none of their text is stored here beyond the short values asserted.

Seeds: 000 岳阳参考格式（贸促会君山区委员会, 2020）; 001 纯文字报告（资阳区商务局, 2020）;
002 自评表（贸促会娄底支会, 2024）; 003 自评表（岳麓区商务局, 2019）; 004 自评表（君山区工商联, 2024）.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from seedtext import SEEDS, nfkc_squash, seed_lines, squash, starts_on_line

from jixiao.model import Report, Value


D = Decimal


# --------------------------------------------------------------------------------------------
# helpers


@pytest.fixture
def report_of(reviewed):
    """``report_of("002")`` -> (seed path, extracted Report); fails if the pipeline reported an error."""

    def get(prefix: str) -> tuple[Path, Report]:
        path, rf = reviewed(prefix)
        return path, rf.record.report

    return get


def field(obj: Any, dotted: str) -> Any:
    """``field(report, "three_public.total.budget")``; dict keys are allowed as path parts."""
    for part in dotted.split("."):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def iter_values(obj: Any, path: str = ""):
    """Every Value-shaped dict of a ``model_dump(mode="json")`` with its dotted path."""
    if isinstance(obj, dict):
        if {"value", "raw", "source"} <= obj.keys():
            yield path, obj
        for k, v in obj.items():
            yield from iter_values(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from iter_values(v, f"{path}[{i}]")


def indicator(report: Report, name: str):
    rows = [i for i in report.indicators if i.name.value == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows"
    return rows[0]


# --------------------------------------------------------------------------------------------
# key figures, per seed (None = the seed does not state it)

KEY_FIGURES: dict[str, dict[str, Any]] = {
    "000": {
        "layout": "yueyang_ref",
        "unit_name.value": "中国国际贸易促进委员会岳阳市君山区委员会",  # line 32 (以下简称：区贸促会)
        "year.value": 2020,
        "staffing.authorized.value": 3,  # line 9  人员编制 3
        "staffing.actual.value": 3,  # line 11 实有人数 3
        # no 年度资金总额 row in the 岳阳 reference layout
        "funds.initial_budget.value": None,
        "funds.full_year_budget.value": None,
        "funds.executed.value": None,
        "funds.execution_rate.value": None,
        "spending.total.value": D("76.12"),  # line 110
        "spending.basic.value": D("22.55"),  # line 111
        "spending.personnel.value": D("21.51"),  # line 112
        "spending.public.value": D("1.04"),  # line 113
        "spending.project.value": D("53.56"),  # line 114
        "income.total.value": D("76.12"),  # line 54 = 6.41 + 69.71
        "three_public.total.budget.value": None,
        "three_public.total.actual.value": D("10"),  # line 158 = 5 + 3 + 0 + 2
        "budget_adjustment.value": D("32.15"),  # line 403 年中调整32.15万元
        "project_initial_budget.value": D("15"),  # line 403 预算安排专项资金15万元
        "self_assessment.total.value": D("100"),  # line 333 绩效自评综合得分
        "self_assessment.total_weight.value": D("100"),  # line 694 评分表 总分 分值
        "self_assessment.grade.value": "优秀",  # line 336 评价等次
        "self_assessment.external_rating.value": None,
    },
    "001": {
        "layout": "narrative",
        "unit_name.value": "益阳市资阳区商务局",  # line 1
        "year.value": 2020,  # line 1 “2020年度”
        "staffing.authorized.value": 33,  # line 32 经编办核定的总人数为33人
        "staffing.actual.value": 33,  # line 32 实有在职人数33人
        "funds.initial_budget.value": None,
        "funds.full_year_budget.value": None,
        "funds.executed.value": None,
        "funds.execution_rate.value": None,
        "funds.weight.value": None,
        "funds.self_score.value": None,
        "spending.total.value": D("1297.24"),  # line 43 本年支出合计1297.24万元 (决算)
        "spending.basic.value": D("885.75"),  # line 43
        "spending.project.value": D("137.38"),  # line 43
        "income.total.value": D("955.77"),  # line 42 收入决算 (line 37 944.59 is the budget)
        "three_public.total.budget.value": D("158.08"),  # line 46 年初…“三公”经费支出158.08万元
        "three_public.total.actual.value": D("77.86"),  # line 46 决算支出…77.86万元
        "self_assessment.total.value": None,
        "self_assessment.total_weight.value": None,
        "self_assessment.grade.value": None,
        "self_assessment.external_rating.value": None,
    },
    "002": {
        "layout": "selfeval_table",
        "unit_name.value": "中国国际贸易促进委员会娄底支会",  # line 230
        "year.value": 2024,  # line 1
        "staffing.authorized.value": 11,  # line 110 编制数
        "staffing.actual.value": 11,  # line 111 2024年实际在职人数
        "staffing.control_rate.value": D("1"),  # line 112 100.00%
        "funds.initial_budget.value": D("234.42"),  # line 244
        "funds.full_year_budget.value": D("298.71"),  # line 245
        "funds.executed.value": D("298.71"),  # line 246
        "funds.weight.value": D("10"),  # line 247
        "funds.execution_rate.value": D("1"),  # line 248 100.00%
        "funds.self_score.value": D("10"),  # line 249 10.00
        "spending.total.value": D("298.71"),  # line 36 全年支出298.71万元
        "spending.basic.value": D("298.71"),  # line 259 其中:基本支出：298.71
        "spending.project.value": D("0"),  # line 271 项目支出：0
        "three_public.total.prior_actual.value": D("22.2"),  # line 120
        "three_public.total.budget.value": D("7"),  # line 121
        "three_public.total.actual.value": D("14.33"),  # line 122
        "three_public.overseas.budget.value": D("1"),  # line 141
        "three_public.overseas.actual.value": D("11.52"),  # line 142
        "basic_data.public_funds.prior_actual.value": D("136.74"),  # line 170
        "basic_data.public_funds.budget.value": D("81.26"),  # line 171
        "basic_data.public_funds.actual.value": D("127.83"),  # line 172
        "basic_data.procurement.prior_actual.value": D("33.48"),  # line 190
        "basic_data.procurement.budget.value": D("10.08"),  # line 191
        "basic_data.procurement.actual.value": D("22.96"),  # line 192
        "self_assessment.total.value": D("98"),  # line 514
        "self_assessment.total_weight.value": D("100"),  # line 513
        "self_assessment.grade.value": None,  # 002 never writes an 等次
        "self_assessment.external_rating.value": "良好",  # line 84 市绩效办 … 考核结果为良好
    },
    "003": {
        "layout": "selfeval_table",
        "unit_name.value": "岳麓区商务局",  # line 326
        "year.value": 2019,
        "staffing.authorized.value": 16,  # line 34 人员编制
        "staffing.actual.value": 13,  # line 36 实有人数
        "funds.initial_budget.value": D("2863.29"),  # line 50
        "funds.full_year_budget.value": D("5071.49"),  # line 51
        "funds.executed.value": D("3370.55"),  # line 52
        "funds.weight.value": D("100"),  # line 53 分值 100 (= 总分, not a 10-point item)
        "funds.execution_rate.value": D("0.6646"),  # line 54 66.46%
        "funds.self_score.value": D("98.5"),  # line 55
        "spending.total.value": D("3370.55"),  # line 330 支出总计3370.55万元
        "spending.basic.value": D("362.22"),  # line 335
        "spending.project.value": D("3008.33"),  # line 343
        "three_public.total.budget.value": None,
        "three_public.total.actual.value": D("2.5"),  # line 337 “三公”经费支出合计2.5万元
        "self_assessment.total.value": D("98.5"),  # line 317
        "self_assessment.total_weight.value": D("100"),  # line 316
        "self_assessment.grade.value": None,
        "self_assessment.external_rating.value": None,
    },
    "004": {
        "layout": "selfeval_table",
        "unit_name.value": "君山区工商业联合会",  # line 202
        "year.value": 2024,  # line 4
        "staffing.authorized.value": 0,  # line 80 “0　”
        "staffing.actual.value": 0,  # line 81
        "funds.initial_budget.value": D("24"),  # line 217
        "funds.full_year_budget.value": D("24"),  # line 218
        "funds.executed.value": D("24"),  # line 219
        "funds.weight.value": D("10"),  # line 220
        "funds.execution_rate.value": D("1"),  # line 221 “100” in the 执行率 column
        "funds.self_score.value": D("10"),  # line 222
        "spending.basic.value": D("0"),  # line 230 其中：基本支出：0 (text says 24 on line 19)
        "spending.project.value": D("24"),  # line 234 项目支出：24
        "three_public.total.prior_actual.value": D("0"),  # line 90
        "three_public.total.budget.value": D("0"),  # line 91
        "three_public.total.actual.value": D("0"),  # line 92
        "basic_data.project_spending.budget.value": D("24"),  # line 121
        "basic_data.project_spending.actual.value": D("24"),  # line 122
        "self_assessment.total.value": D("98"),  # line 405
        "self_assessment.total_weight.value": D("100"),  # line 404
        "self_assessment.grade.value": "优",  # line 32 部门整体支出绩效为“优”
        "self_assessment.external_rating.value": None,
    },
}

# (number of indicator rows, of which "/" not-applicable rows, number of score_table rows)
COUNTS = {
    "000": (12, 0, 25),  # 定量目标 rows on lines 243–327 (two empty “指标2：” rows dropped); 附件4-1 lines 436–681
    "001": (0, 0, 0),  # no tables at all
    "002": (18, 2, 0),  # lines 314–484; “/” rows at 414 and 444; blank cost rows 494/504 dropped
    "003": (20, 0, 0),  # lines 111–308
    "004": (12, 0, 0),  # lines 278–396
}


@pytest.mark.parametrize("prefix", SEEDS)
def test_key_figures(report_of, prefix):
    _, report = report_of(prefix)
    for dotted, expected in KEY_FIGURES[prefix].items():
        got = field(report, dotted)
        assert got == expected, f"{prefix} {dotted}: expected {expected!r}, got {got!r}"
        if isinstance(expected, Decimal):
            assert isinstance(got, Decimal), f"{prefix} {dotted}: {type(got).__name__}, not Decimal"
        if isinstance(expected, int) and not isinstance(expected, bool) and not isinstance(expected, Decimal):
            assert isinstance(got, int), f"{prefix} {dotted}: {type(got).__name__}, not int"


@pytest.mark.parametrize("prefix", SEEDS)
def test_counts(report_of, prefix):
    _, report = report_of(prefix)
    n_ind, n_na, n_score = COUNTS[prefix]
    assert len(report.indicators) == n_ind
    assert sum(i.not_applicable for i in report.indicators) == n_na
    assert len(report.score_table) == n_score
    assert report.kind == "department"


def test_004_spending_total_is_not_invented(report_of):
    # line 19 “全年实际支出24万元”
    _, report = report_of("004")
    assert report.spending.total.value in (None, D("24"))


def test_004_spending_total_from_text(report_of):
    path, report = report_of("004")
    total = report.spending.total
    assert total.value == D("24")
    assert total.source.line == 19
    assert total.raw == "全年实际支出24万元"
    assert not [f for f in report.figures if f.key == "budget.total" and "实际" in (f.value.raw or "")]


# --------------------------------------------------------------------------------------------
# provenance: the line, the raw cell/sentence text and the file of a handful of values

PROVENANCE = [
    # seed, field, 1-based line, raw text
    ("000", "staffing.authorized", 9, "3"),
    ("000", "spending.total", 110, "76.12"),
    ("000", "three_public.total.actual", 158, "10"),
    ("000", "budget_adjustment", 403, "年中调整32.15万元"),
    ("000", "project_initial_budget", 403, "预算安排专项资金15万元"),
    ("000", "self_assessment.total", 333, "100"),
    ("000", "self_assessment.grade", 336, "优秀"),
    ("001", "unit_name", 1, "益阳市资阳区商务局2020年度"),
    ("001", "staffing.authorized", 32, "编办核定的总人数为33人"),
    ("001", "spending.total", 43, "本年支出合计1297.24万元"),
    ("001", "spending.project", 43, "项目支出137.38万元"),
    ("002", "unit_name", 230, "中国国际贸易促进委员会娄底支会"),
    ("002", "year", 1, "2024年度"),
    ("002", "staffing.authorized", 110, "11"),
    ("002", "funds.full_year_budget", 245, "298.71"),
    ("002", "funds.execution_rate", 248, "100.00%"),
    ("002", "funds.self_score", 249, "10.00"),
    ("002", "three_public.total.prior_actual", 120, "22.2"),
    ("002", "three_public.total.actual", 122, "14.33"),
    ("002", "basic_data.procurement.actual", 192, "22.96"),
    ("002", "self_assessment.total", 514, "98"),
    ("002", "self_assessment.external_rating", 84, "绩效办对我单位的绩效评估考核结果为良好"),
    ("003", "staffing.authorized", 34, "16"),
    ("003", "funds.weight", 53, "100"),
    ("003", "funds.execution_rate", 54, "66.46%"),
    ("003", "spending.basic", 335, "基本支出362.22万元"),
    ("003", "self_assessment.total", 317, "98.5"),
    ("004", "unit_name", 202, "君山区工商业联合会"),
    ("004", "staffing.control_rate", 82, "0"),
    ("004", "funds.execution_rate", 221, "100"),
    ("004", "spending.basic", 230, "其中：基本支出：0"),
    ("004", "spending.project", 234, "项目支出：24"),
    ("004", "self_assessment.grade", 32, "绩效为“优”"),
]


@pytest.mark.parametrize(("prefix", "dotted", "line", "raw"), PROVENANCE,
                         ids=[f"{p}-{d}" for p, d, _, _ in PROVENANCE])
def test_provenance(report_of, prefix, dotted, line, raw):
    path, report = report_of(prefix)
    v: Value = field(report, dotted)
    assert v.source is not None
    assert v.source.file == str(path)
    assert v.source.line == line
    assert squash(v.raw) == squash(raw)
    # and the raw text really is at that line of the seed (cells keep e.g. a trailing “　”)
    assert starts_on_line(raw, seed_lines(path), line)


# (seed, 三级指标, column, line, raw, parsed fields)
INDICATOR_CELLS = [
    ("004", "全年共走访企业", "target", 279, "≥60次", {"op": ">=", "number": D(60), "unit": "次", "date": None}),
    ("004", "全年共走访企业", "actual", 280, "≥80次", {"op": ">=", "number": D(80), "unit": "次"}),
    ("004", "收集企业困难与问题", "target", 299, "≥50各", {"op": ">=", "number": D(50), "unit": "各"}),
    ("004", "收集企业困难与问题", "actual", 300, "≥62个", {"op": ">=", "number": D(62), "unit": "个"}),
    ("004", "年度各项任务完成期限", "target", 329, "2024年12月31日前", {"op": "<=", "date": "2024-12-31", "number": None}),
    ("004", "年度各项任务完成期限", "actual", 330, "2024年12月20日前", {"op": "<=", "date": "2024-12-20"}),
    ("004", "预算控制率", "target", 339, "≦100%", {"op": "<=", "number": D(100), "unit": "%"}),
    ("004", "民营经济发展水平", "target", 353, "有效提升", {"qualitative": "有效提升", "number": None, "op": None}),
    ("004", "党委、政府会员企业及民营经济代表人士满意度", "actual", 398, "≥90%", {"op": ">=", "number": D(90), "unit": "%"}),
    ("002", "境内经贸活动完成时间", "target", 405, "11月", {"number": D(11), "unit": "月", "op": None}),
    ("002", "境内经贸活动完成时间", "actual", 406, "12月", {"number": D(12), "unit": "月"}),
    ("002", "部门整体支出预算控制数", "target", 485, "234.42", {"number": D("234.42"), "unit": None}),
    ("002", "部门整体支出预算控制数", "actual", 486, "298.71", {"number": D("298.71"), "unit": None}),
    ("002", "企业参加展览活动满意度", "target", 465, "90%", {"number": D(90), "unit": "%"}),
    ("002", "扩大娄底知名度和外向度", "actual", 426, "有效保障", {"qualitative": "有效保障", "number": None}),
    ("003", "农产品供应体系提质改造", "actual", 279, "未完成", {"qualitative": "未完成", "number": None}),
    # a short label around one quantity: a number, the phrase kept in ``qualitative``
    ("003", "社会消费品零售", "target", 112, "社会零售总额增长10%以上",
     {"op": ">=", "number": D(10), "unit": "%", "qualitative": "社会零售总额增长10%以上", "is_quantitative": True}),
    ("003", "实际到位外资", "target", 122, "实际到位外资5.12亿美元",
     {"op": None, "number": D("5.12"), "unit": "亿美元", "is_quantitative": True}),
    ("003", "外商直接投资", "target", 132, "外商直接投资1亿美元", {"op": None, "number": D(1), "unit": "亿美元"}),
    ("003", "进出口总额", "target", 152, "完成外贸进出口4亿美元", {"op": None, "number": D(4), "unit": "亿美元"}),
    ("003", "一般性支出压减10%", "target", 212, "一般性支出压减10%", {"op": None, "number": D(10), "unit": "%"}),
    ("003", "大力提升社零拉动力", "target", 234, "限上企业240亿元", {"op": None, "number": D(240), "unit": "亿元"}),
    # seed 000 line 279: the bookmark of the conversion is gone from the cell, the number prefix from the goal
    ("000", "2020年1月-12月", "target", 279, "指标1：2020年1月-12月", {"number": None, "date": None}),
    ("000", "组织企业参展10次", "target", 267, "指标2：组织企业参展10次。", {"number": D(10), "unit": "次"}),
    ("000", "组织企业参展10次", "actual", 268, "已完成", {"qualitative": "已完成", "number": None}),
]


@pytest.mark.parametrize(("prefix", "name", "column", "line", "raw", "parsed"), INDICATOR_CELLS,
                         ids=[f"{p}-{n}-{c}" for p, n, c, *_ in INDICATOR_CELLS])
def test_indicator_cells(report_of, prefix, name, column, line, raw, parsed):
    path, report = report_of(prefix)
    cell = getattr(indicator(report, name), column)
    assert cell.source.file == str(path)
    assert cell.source.line == line
    assert squash(cell.raw) == squash(raw)
    assert starts_on_line(raw, seed_lines(path), line)
    assert cell.parsed is not None
    for attr, expected in parsed.items():
        assert getattr(cell.parsed, attr) == expected, f"{name} {column}.parsed.{attr}"


def test_003_targets_with_several_quantities_stay_prose(report_of):
    # lines 142 (“中南大学科技园累计注册科创企业185家、入驻企业44家…”), 162 (“新引进项目308个，其中100亿元
    # 以上项目2个…”) and 224 (“世界500强”项目8个…”): no single number to compare, so no number is taken
    _, report = report_of("003")
    for name, line, start in [("服务大科城建设", 142, "中南大学科技园"), ("招商引资工作", 162, "新引进项目308个"),
                              ("引大引强，加快辖区经济发展", 224, "世界500强")]:
        target = indicator(report, name).target
        assert target.source.line == line and target.raw.startswith(start)
        assert target.parsed.number is None and not target.parsed.is_quantitative
        assert target.parsed.qualitative == target.value


# (seed, 三级指标, weight line, weight, self_score line, self_score)
INDICATOR_SCORES = [
    ("002", "境内经贸活动完成时间", 407, D("2.5"), 408, D("2.5")),
    ("002", "部门整体支出预算控制数", 487, D(10), 488, D(9)),
    ("002", "扩大娄底知名度和外向度", 427, D(10), 428, D(9)),
    ("003", "农产品供应体系提质改造", 280, D(5), 281, D("3.5")),
    ("003", "社会消费品零售", 114, D(4), 115, D(4)),
    ("004", "水电节约", 377, D(10), 378, D(8)),
    ("004", "全年共走访企业", 281, D(5), 282, D(5)),
]


@pytest.mark.parametrize(("prefix", "name", "wline", "weight", "sline", "score"), INDICATOR_SCORES,
                         ids=[f"{p}-{n}" for p, n, *_ in INDICATOR_SCORES])
def test_indicator_weights_and_scores(report_of, prefix, name, wline, weight, sline, score):
    _, report = report_of(prefix)
    ind = indicator(report, name)
    assert (ind.weight.value, ind.weight.source.line) == (weight, wline)
    assert (ind.self_score.value, ind.self_score.source.line) == (score, sline)


def test_002_not_applicable_rows(report_of):
    # lines 414–418 and 444–448: “/” in every column → excluded, no weight, no score
    _, report = report_of("002")
    na = [i for i in report.indicators if i.not_applicable]
    assert [i.name.source.line for i in na] == [414, 444]
    assert all(i.weight.value is None and i.self_score.value is None for i in na)
    applicable = [i for i in report.indicators if not i.not_applicable]
    assert sum(i.weight.value for i in applicable) == D(90)  # + 10 for 预算执行率 = 100
    assert sum(i.self_score.value for i in applicable) == D(87)  # + 10 = 97, not the stated 98


def test_003_deviation_text(report_of):
    # line 282: the only 偏差原因 in seed 003
    _, report = report_of("003")
    ind = indicator(report, "农产品供应体系提质改造")
    assert ind.deviation.source.line == 282
    assert ind.deviation.value.startswith("因为须经市商务局组织的联合验收")


def test_000_score_table(report_of):
    # 附件4-1 评分表 (lines 422–695): 25 rows, weights sum to 100 (the 15 of 经济效益 on line 659
    # covers the three 效益 rows, whose own 分值 cells are empty), self-scores sum to 100
    _, report = report_of("000")
    rows = {r.name.value: r for r in report.score_table}
    adj = rows["预算调整率"]
    assert (adj.weight.value, adj.weight.source.line) == (D(3), 468)
    assert (adj.self_score.value, adj.self_score.source.line) == (D(3), 469)
    assert rows["经济效益"].weight.value == D(15) and rows["经济效益"].self_score.value == D(8)
    assert rows["社会效益"].weight.value is None and rows["社会效益"].self_score.value == D(4)
    assert sum(r.weight.value or 0 for r in report.score_table) == D(100)
    assert sum(r.self_score.value or 0 for r in report.score_table) == D(100)


# --------------------------------------------------------------------------------------------
# figures: a quantity stated twice keeps both mentions


def _mentions(report: Report, key: str) -> set[tuple[Decimal, int]]:
    return {(f.value.value, f.value.source.line) for f in report.figures_for(key)}


def test_004_figures_keep_both_values(report_of):
    path, report = report_of("004")
    basic = _mentions(report, "spending.basic")
    # line 19 “其中基本支出24万元”; line 21 “基本支出0万元”; line 230 “其中：基本支出：0”
    assert {(D(24), 19), (D(0), 21), (D(0), 230)} <= basic
    assert {v for v, _ in basic} == {D(0), D(24)}
    project = _mentions(report, "spending.project")
    # line 19 “项目支出0万元”; line 234 “项目支出：24”
    assert {(D(0), 19), (D(24), 234)} <= project
    wheres = {f.where for f in report.figures_for("spending.basic")}
    assert {"正文", "自评表"} <= wheres
    assert all(f.value.source.file == str(path) for f in report.figures)


def test_002_figures_self_total_twice(report_of):
    # 自评得分 98 in the table (line 514) and in the text “自评得98分” (line 87)
    _, report = report_of("002")
    assert _mentions(report, "self.total") == {(D(98), 514), (D(98), 87)}
    # 三公经费 2023 决算 22.2 (line 120) — stated once, kept as a figure
    assert _mentions(report, "three_public.total.prior_actual") == {(D("22.2"), 120)}


def test_001_figures_project_budget_twice(report_of):
    # 项目支出 budget: 245.71 (line 39) and 198.87 (line 71); actual 137.38 (line 43) kept apart
    _, report = report_of("001")
    assert _mentions(report, "budget.project") == {(D("245.71"), 39), (D("198.87"), 71)}
    assert _mentions(report, "spending.project") == {(D("137.38"), 43)}


# --------------------------------------------------------------------------------------------
# the JSON contract (DESIGN.md §4)

CONTRACT_KEYS = {"kind", "unit_name", "year", "staffing", "funds", "spending", "three_public",
                 "indicators", "self_assessment", "sections"}


@pytest.mark.parametrize("prefix", SEEDS)
def test_json_dump(report_of, prefix):
    path, report = report_of(prefix)
    dumped = report.model_dump(mode="json")
    text = json.dumps(dumped, ensure_ascii=False)
    assert json.loads(text) == dumped
    assert Report.model_validate_json(text).model_dump(mode="json") == dumped
    assert CONTRACT_KEYS <= dumped.keys()
    assert {"authorized", "actual"} <= dumped["staffing"].keys()
    assert {"initial_budget", "full_year_budget", "executed", "execution_rate"} <= dumped["funds"].keys()
    assert {"total", "basic", "project"} <= dumped["spending"].keys()
    assert {"total", "grade"} <= dumped["self_assessment"].keys()
    # every Value that holds a value says which file it came from
    with_value = [(p, v) for p, v in iter_values(dumped) if v["value"] is not None]
    assert with_value
    missing = [p for p, v in with_value if not (v["source"] or {}).get("file")]
    assert not missing, missing
    assert {v["source"]["file"] for _, v in with_value} == {str(path)}
    # and a line inside the seed
    n = len(seed_lines(path))
    bad = [p for p, v in with_value if not 1 <= (v["source"]["line"] or 0) <= n]
    assert not bad, bad


def test_json_numbers_are_numbers(report_of):
    _, report = report_of("002")
    dumped = report.model_dump(mode="json")
    assert dumped["funds"]["executed"]["value"] == 298.71
    assert dumped["funds"]["execution_rate"]["value"] == 1
    assert dumped["three_public"]["total"]["actual"]["value"] == 14.33
    assert dumped["year"]["value"] == 2024
    row = next(i for i in dumped["indicators"] if i["name"]["value"] == "境内经贸活动完成时间")
    assert row["target"]["parsed"] == {"op": None, "number": 11, "unit": "月", "qualitative": None, "date": "11"}
    assert row["weight"]["value"] == 2.5


# --------------------------------------------------------------------------------------------
# every value's raw text is where its source says


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_raw_is_at_its_line_modulo_fullwidth(report_of, prefix):
    path, report = report_of(prefix)
    lines = seed_lines(path)
    bad = [(p, v["raw"], v["source"]["line"]) for p, v in iter_values(report.model_dump(mode="json"))
           if v["raw"] and not starts_on_line(v["raw"], lines, v["source"]["line"], fold=nfkc_squash)]
    assert not bad, bad


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_raw_is_verbatim_at_its_line(report_of, prefix):
    path, report = report_of(prefix)
    lines = seed_lines(path)
    bad = [(p, v["raw"], v["source"]["line"]) for p, v in iter_values(report.model_dump(mode="json"))
           if v["raw"] and not starts_on_line(v["raw"], lines, v["source"]["line"])]
    assert not bad, bad


# --------------------------------------------------------------------------------------------
# sections of the prose


SECTIONS = {
    "000": {"概况": 392, "支出情况": 397, "绩效情况": 404, "存在问题": 412, "改进措施": 415},
    "001": {"概况": 5, "支出情况": 35, "绩效情况": 56, "存在问题": 99, "改进措施": 103},
    "002": {"概况": 2, "支出情况": 38, "绩效情况": 46, "存在问题": 88, "改进措施": 92, "结果应用": 97},
    "003": {"概况": 323, "支出情况": 332, "绩效情况": 357, "存在问题": 370, "改进措施": 373},
    # 004 line 18 ends with the heading “一般公共预算支出情况” glued to a paragraph; line 20 is its first subsection
    "004": {"概况": 6, "支出情况": 20, "绩效情况": 31, "存在问题": 43, "改进措施": 47, "结果应用": 51},
}


@pytest.mark.parametrize("prefix", SEEDS)
def test_sections(report_of, prefix):
    path, report = report_of(prefix)
    lines = seed_lines(path)
    for name, line in SECTIONS[prefix].items():
        v = report.sections.get(name)
        assert v is not None, f"{prefix}: section {name} missing"
        assert v.source.line == line, f"{prefix}: {name} at {v.source.line}, expected {line}"
        assert squash(v.raw) in squash(lines[line - 1])
    assert re.search(r"[\u4e00-\u9fff]", "".join(v.value for v in report.sections.values()))


def test_003_performance_section_heading(report_of):
    _, report = report_of("003")
    v = report.sections["绩效情况"]
    assert v.source.line == 357
    assert squash(v.raw) == "四、部门（单位）整体支出绩效情况"
