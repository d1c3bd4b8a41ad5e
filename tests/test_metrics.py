"""The 53号 ratios (rules/metrics.py): hand-recomputed on the seeds and on small reports of our own.

Seed values were recomputed from the seed text (``cat -n``; line numbers 1-based), not read off
the tool: seed 002's 基础数据表 lines 110–197 and 自评表 lines 244–246, seed 000's 收支表 lines
54–55 / 110–116 / 198–199 and 正文 line 403, seed 004's lines 80–82, 90–92, 146–147, 166–167,
217–219. RULES.md §8.4 says of seed 002: a 100% execution rate hiding ~27% budget increases,
205% 三公 and 228% procurement — confirmed below.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.model import Report, Source, Value
from jixiao.rules import metrics
from jixiao.rules.metrics import METRICS, compute, discipline_metrics

D = Decimal


def pct(x: Decimal | None) -> str | None:
    return None if x is None else f"{(x * 100).quantize(D('0.01'))}%"


def v(x, line: int = 1) -> Value:
    """A Value as extraction gives it: Decimal for money, int for persons."""
    value = x if isinstance(x, int) else D(str(x))
    return Value(value=value, raw=str(x), source=Source(file="t.txt", line=line))


@pytest.fixture
def extracted(seed):
    from jixiao.extract import extract
    from jixiao.readers import read

    return lambda prefix: extract(read(seed(prefix)))


# --------------------------------------------------------------------------------------------
# interface


def test_ids_names_and_order():
    assert list(METRICS) == ["D-01", "D-02", "D-05", "D-07", "D-09", "D-10", "D-11", "D-12", "H-03", "H-04"]
    assert METRICS["D-10"] == "三公经费控制率"
    ms = discipline_metrics(Report())
    assert [m.id for m in ms] == list(METRICS)
    assert all(m.status == "missing" and m.value is None and m.reason for m in ms)
    assert all(not m.inputs for m in ms)  # nothing present, nothing cited


def test_unknown_id_raises_key_error():
    with pytest.raises(KeyError):
        compute(Report(), "D-03")  # 重点支出安排率: the report has no data for it


# --------------------------------------------------------------------------------------------
# seed 002 — 娄底 2024 (基础数据表 + 自评表)


def test_seed_002(extracted):
    r = extracted("002")
    m = {x.id: x for x in discipline_metrics(r)}
    # D-01 11 / 11 (lines 110/111)
    assert (m["D-01"].status, m["D-01"].value) == ("ok", D(1))
    # D-02 (7 − 22.2) / 22.2 = −68.47% (本年预算 line 121, 上年决算 line 120)
    assert pct(m["D-02"].value) == "-68.47%"
    assert {k: x.source.line for k, x in m["D-02"].inputs.items()} == {"本年三公经费预算数": 121, "上年三公经费决算数": 120}
    assert "本年预算数" in m["D-02"].formula and "上年决算数" in m["D-02"].formula
    # D-05 |298.71 − 234.42| / 234.42 = 27.43%: the “~27% budget increase” behind 100% execution
    assert pct(m["D-05"].value) == "27.43%"
    assert "|298.71 − 234.42| / 234.42 = 27.43%" in m["D-05"].formula
    # D-07 (298.71 − 298.71) / 298.71 = 0: no 结余 line, derived from 全年预算/执行数
    assert m["D-07"].value == 0 and "全年预算数 − 全年执行数" in m["D-07"].formula
    # D-09 127.83 / 81.26 = 157.31% (lines 172/171)
    assert pct(m["D-09"].value) == "157.31%"
    # D-10 14.33 / 7 = 204.71% (“205% 三公”, lines 122/121)
    assert pct(m["D-10"].value) == "204.71%"
    assert m["D-10"].formula == "三公经费控制率 = 三公经费决算数 / 三公经费预算数 = 14.33 / 7.00 = 204.71%"
    assert [x.source.line for x in m["D-10"].inputs.values()] == [122, 121]
    # D-11 22.96 / 10.08 = 227.78% (“228% procurement”, lines 192/191)
    assert pct(m["D-11"].value) == "227.78%"
    # D-12: no 固定资产 data
    assert m["D-12"].status == "missing" and m["D-12"].value is None
    # H-03 (298.71 − 0) / 298.71 = 100%; H-04 (298.71 − 234.42) / 234.42 = 27.43%
    assert pct(m["H-03"].value) == "100.00%"
    assert pct(m["H-04"].value) == "27.43%"


# --------------------------------------------------------------------------------------------
# seed 000 — 岳阳 2020 (收支表 + 评分表)


def test_seed_000(extracted):
    r = extracted("000")
    m = {x.id: x for x in discipline_metrics(r)}
    assert m["D-01"].value == 1  # 人员编制 3, 实有人数 3 (lines 9/11)
    # D-05 / H-04: 年中调整 32.15 / 年初预算安排专项资金 15 = 214.33% (line 403)
    assert pct(m["D-05"].value) == pct(m["H-04"].value) == "214.33%"
    assert "年中调整" in m["D-05"].formula
    assert {x.source.line for x in m["D-05"].inputs.values()} == {403}
    # D-07: 当年结余 0 (line 115) over 收入合计 76.12 (line 54) = 0
    assert m["D-07"].value == 0 and "收入合计" in m["D-07"].formula
    # D-12 在用 3.52 / 合计 3.52 (lines 199/198)
    assert m["D-12"].value == 1
    # H-03 (76.12 − 0) / 76.12 (收入合计 = 上年结转 6.41 + 财政拨款 69.71)
    assert m["H-03"].value == 1
    # 三公: only the 决算 10 (line 158) — no budget, no prior year
    assert m["D-10"].status == m["D-02"].status == "missing"
    assert "预算数" in m["D-10"].reason
    assert [x.source.line for x in m["D-10"].inputs.values()] == [158]
    for mid in ("D-09", "D-11"):
        assert m[mid].status == "missing"


# --------------------------------------------------------------------------------------------
# seed 004 — 君山 2024 (every 基础数据表 line 0)


def test_seed_004(extracted):
    r = extracted("004")
    m = {x.id: x for x in discipline_metrics(r)}
    # 编制 0 / 在职 0 (lines 80/81), 三公 0/0/0 (90–92), 公用经费 0/0 (146/147), 采购 0/0 (166/167)
    for mid in ("D-01", "D-02", "D-09", "D-10", "D-11"):
        assert (m[mid].status, m[mid].value) == ("undefined", None), mid
        assert "无法计算（分母为0）" in m[mid].formula and "不按100%计" in m[mid].reason
        assert "无定义" not in m[mid].formula + m[mid].reason
    assert m["D-10"].formula.endswith("= 0.00 / 0.00，无法计算（分母为0）")
    # 年初 24, 全年 24, 执行 24 (lines 217–219)
    assert m["D-05"].value == 0 and m["H-04"].value == 0
    assert m["D-07"].value == 0 and m["H-03"].value == 1
    assert m["D-12"].status == "missing"


# --------------------------------------------------------------------------------------------
# each ratio on a report of our own


def test_staffing_over_and_undefined():
    r = Report()
    r.staffing.authorized, r.staffing.actual = v(16, 3), v(18, 4)
    m = compute(r, "D-01")
    assert pct(m.value) == "112.50%" and m.formula.endswith("= 18 / 16 = 112.50%")
    assert m.inputs == {"实际在职人数": r.staffing.actual, "编制数": r.staffing.authorized}
    r.staffing.authorized, r.staffing.actual = v(0), v(0)
    assert compute(r, "D-01").status == "undefined"


def test_three_public_change_uses_budget_against_prior_actual():
    r = Report()
    tp = r.three_public.total
    tp.prior_actual, tp.budget, tp.actual = v("32"), v("63.46"), v("40")
    m = compute(r, "D-02")
    # the Hunan worked example (RULES.md §4.2): (63.46 − 32) / 32 = 98.31%
    assert pct(m.value) == "98.31%"
    assert "(63.46 − 32.00) / 32.00" in m.formula
    tp.prior_actual = v("0")
    m = compute(r, "D-02")
    assert m.status == "undefined" and m.value is None  # x/0 as well as 0/0
    tp.prior_actual = Value()
    assert compute(r, "D-02").status == "missing"


def test_three_public_control_x_over_zero_is_undefined():
    r = Report()
    r.three_public.total.budget, r.three_public.total.actual = v("0"), v("2.5")
    m = compute(r, "D-10")
    assert (m.status, m.value) == ("undefined", None)
    assert "三公经费预算数为0" in m.reason


def test_adjustment_from_funds_and_from_the_narrative():
    r = Report()
    r.funds.initial_budget, r.funds.full_year_budget = v("300"), v("270")  # a cut of 30
    assert pct(compute(r, "D-05").value) == "10.00%"  # |270 − 300| / 300
    assert pct(compute(r, "H-04").value) == "-10.00%"  # 追加 is negative
    r = Report()
    r.budget_adjustment, r.project_initial_budget = v("6"), v("20")
    m = compute(r, "D-05")
    assert pct(m.value) == "30.00%" and "年中调整 / 年初预算安排专项资金" in m.formula
    r.project_initial_budget = v("0")
    assert compute(r, "D-05").status == compute(r, "H-04").status == "undefined"


def test_carryover_and_completion_with_a_stated_balance():
    r = Report()
    r.funds.full_year_budget, r.funds.executed = v("200"), v("180")
    r.spending.balance = v("15")  # stated 结余 wins over 200 − 180
    m = compute(r, "D-07")
    assert pct(m.value) == "7.50%" and set(m.inputs) == {"结余", "全年预算数"}
    assert pct(compute(r, "H-03").value) == "92.50%"  # (200 − 15) / 200
    r.spending.balance = Value()
    assert pct(compute(r, "D-07").value) == "10.00%"  # (200 − 180) / 200
    assert pct(compute(r, "H-03").value) == "90.00%"


def test_public_funds_procurement_assets():
    r = Report()
    bd = r.basic_data
    bd.public_funds.budget, bd.public_funds.actual = v("40"), v("38")
    bd.procurement.budget, bd.procurement.actual = v("25"), v("23.6")
    r.fixed_assets.total, r.fixed_assets.in_use = v("386.40"), v("370")
    assert pct(compute(r, "D-09").value) == "95.00%"
    assert pct(compute(r, "D-11").value) == "94.40%"
    m = compute(r, "D-12")
    assert pct(m.value) == "95.76%" and m.formula.endswith("370.00 / 386.40 = 95.76%")


def test_values_are_exact_fractions():
    r = Report()
    r.three_public.total.budget, r.three_public.total.actual = v("23.00"), v("47.16")
    m = compute(r, "D-10")
    assert m.value == D("47.16") / D("23.00")
    assert m.formula == "三公经费控制率 = 三公经费决算数 / 三公经费预算数 = 47.16 / 23.00 = 205.04%"
    assert isinstance(m, metrics.Metric)
