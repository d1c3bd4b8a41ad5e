"""The 53号 budget-discipline ratios (RULES.md §3, with the Hunan variants of §4.2), computed
from a :class:`~jixiao.model.Report` — mostly its 部门整体支出绩效评价基础数据表.

``compute(report, "D-10")`` gives one :class:`Metric`: the value as a fraction (2.05 = 205%),
its status, the formula written out in Chinese with the numbers and the columns used, and the
input Values with their sources. A ratio whose denominator is 0 is ``undefined`` — never 100%
(RULES.md §5.3); one whose inputs the report does not give is ``missing``. The rule sets score
these values (``metric = "D-10"`` in ``rules/*.toml``); the checks JX308–JX315 report them and
JX109 lists the undefined ones.

53号 itself sets no thresholds (RULES.md §3): the Yueyang/Hunan limits that tell "within" from
"beyond" live in the checks (checks/discipline.py) and the rule sets (``rules/*.toml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ..extract.numbers import percent_text as pct
from ..model import Report, Value

Status = Literal["ok", "undefined", "missing"]

METRICS: dict[str, str] = {
    "D-01": "在职人员控制率",
    "D-02": "三公经费变动率",
    "D-05": "预算调整率",
    "D-07": "结转结余率",
    "D-09": "公用经费控制率",
    "D-10": "三公经费控制率",
    "D-11": "政府采购执行率",
    "D-12": "固定资产利用率",
    "H-03": "预算完成率",
    "H-04": "预算控制率",
}


@dataclass
class Metric:
    id: str  # RULES.md ID: "D-10"
    name: str  # 中文: "三公经费控制率"
    value: Decimal | None  # a fraction (2.05 = 205%); None when undefined or missing
    status: Status  # undefined = denominator 0 (0/0 or x/0): never 100%
    formula: str  # "三公经费决算数 / 预算数 = 47.16 / 23.00 = 205.04%"
    inputs: dict[str, Value] = field(default_factory=dict)  # 中文 label -> the Value used
    reason: str | None = None  # for missing/undefined, in Chinese


def num(x: Decimal, places: int = 2) -> str:
    """A money amount with two decimals (7 → 7.00); persons as integers."""
    return f"{x:.{places}f}"


def _dec(v: Value) -> Decimal | None:
    """The Value's number (ints such as 编制数 included)."""
    if v.number is not None:
        return v.number
    if isinstance(v.value, (int, float)) and not isinstance(v.value, bool):
        return Decimal(str(v.value))
    return None


def _missing(mid: str, formula: str, inputs: dict[str, Value], what: list[str]) -> Metric:
    present = {k: v for k, v in inputs.items() if v.present}
    return Metric(mid, METRICS[mid], None, "missing", formula, present, f"报告未给出{'、'.join(what)}")


def _undefined(mid: str, formula: str, inputs: dict[str, Value], den_label: str, shown: str) -> Metric:
    return Metric(mid, METRICS[mid], None, "undefined", f"{formula} = {shown}，无法计算（分母为0）", inputs,
                  f"{den_label}为0，比率无法计算（分母为0，不按100%计）")


def _simple(mid: str, num_label: str, num_v: Value, den_label: str, den_v: Value, head: str,
            places: int = 2, note: str = "") -> Metric:
    """numerator / denominator of two Values, with the usual missing/undefined handling."""
    inputs = {num_label: num_v, den_label: den_v}
    formula = f"{head} = {num_label} / {den_label}"
    a, b = _dec(num_v), _dec(den_v)
    what = [x for x, v in ((num_label, a), (den_label, b)) if v is None]
    if what:
        return _missing(mid, formula, inputs, what)
    shown = f"{num(a, places)} / {num(b, places)}"
    if b == 0:
        return _undefined(mid, formula, inputs, den_label, shown)
    r = a / b
    return Metric(mid, METRICS[mid], r, "ok", f"{formula} = {shown} = {pct(r)}{note}", inputs)


def staff_control(report: Report) -> Metric:
    """D-01 在职人员控制率 = 实际在职人数 / 编制数 (53号 附件3 [OFF-2]; Yueyang 财政供养人员控制率)."""
    s = report.staffing
    return _simple("D-01", "实际在职人数", s.actual, "编制数", s.authorized, "在职人员控制率", places=0)


def three_public_change(report: Report) -> Metric:
    """D-02 三公经费变动率 = (本年三公经费预算数 − 上年三公经费决算数) / 上年三公经费决算数.

    53号 compares two budgets; the 基础数据表 has 上年决算 / 本年预算 / 本年决算, so the prior
    year's 决算 stands in for its 预算, and the formula text says so."""
    tp = report.three_public.total
    inputs = {"本年三公经费预算数": tp.budget, "上年三公经费决算数": tp.prior_actual}
    formula = "三公经费变动率 = (本年三公经费预算数 − 上年三公经费决算数) / 上年三公经费决算数"
    b, p = _dec(tp.budget), _dec(tp.prior_actual)
    what = [x for x, v in (("本年三公经费预算数", b), ("上年三公经费决算数", p)) if v is None]
    if what:
        return _missing("D-02", formula, inputs, what)
    shown = f"({num(b)} − {num(p)}) / {num(p)}"
    if p == 0:
        return _undefined("D-02", formula, inputs, "上年三公经费决算数", shown)
    r = (b - p) / p
    cols = "基础数据表“本年预算数”与“上年决算数”两栏；53号以两年预算数相比，表中没有上年预算数，以上年决算数代替"
    return Metric("D-02", METRICS["D-02"], r, "ok", f"{formula} = {shown} = {pct(r)}（{cols}）", inputs)


def _adjustment(report: Report) -> tuple[Decimal, Decimal, dict[str, Value], str, str] | None:
    """(调整数 signed, 年初预算, inputs, shown-numbers, where) from the 自评表's 年初/全年预算数,
    else the 正文's 年中调整 and 年初预算安排专项资金; None when neither pair is given."""
    f = report.funds
    a, b = _dec(f.initial_budget), _dec(f.full_year_budget)
    if a is not None and b is not None:
        return (b - a, a, {"年初预算数": f.initial_budget, "全年预算数": f.full_year_budget},
                f"{num(b)} − {num(a)}", "全年预算数 − 年初预算数")
    adj, base = _dec(report.budget_adjustment), _dec(report.project_initial_budget)
    if adj is not None and base is not None:
        return (adj, base, {"年中调整": report.budget_adjustment, "年初预算安排专项资金": report.project_initial_budget},
                num(adj), "年中调整（专项资金）")
    return None


def budget_adjustment(report: Report) -> Metric:
    """D-05 预算调整率 = |全年预算数 − 年初预算数| / 年初预算数; without a 自评表, 年中调整 /
    年初预算安排专项资金 (53号 [OFF-M]; Yueyang Y-04)."""
    found = _adjustment(report)
    formula = "预算调整率 = |全年预算数 − 年初预算数| / 年初预算数"
    if found is None:
        return _missing("D-05", formula, {}, ["年初预算数与全年预算数（或年中调整数）"])
    adj, base, inputs, shown, where = found
    if where != "全年预算数 − 年初预算数":
        formula = "预算调整率 = 年中调整 / 年初预算安排专项资金"
        shown_all = f"{shown} / {num(base)}"
    else:
        shown_all = f"|{shown}| / {num(base)}"
    if base == 0:
        return _undefined("D-05", formula, inputs, "年初预算数", shown_all)
    r = abs(adj) / base
    note = "（含全部追加追减，未剔除因落实政策、不可抗力等产生的调整）"
    return Metric("D-05", METRICS["D-05"], r, "ok", f"{formula} = {shown_all} = {pct(r)}{note}", inputs)


def _balance(report: Report) -> tuple[Decimal, dict[str, Value], str] | None:
    """年末结转结余: the stated 结余, else 全年预算数 − 全年执行数."""
    bal = _dec(report.spending.balance)
    if bal is not None:
        return bal, {"结余": report.spending.balance}, num(bal)
    f = report.funds
    b, e = _dec(f.full_year_budget), _dec(f.executed)
    if b is not None and e is not None:
        return b - e, {"全年预算数": f.full_year_budget, "全年执行数": f.executed}, f"({num(b)} − {num(e)})"
    return None


def carryover_rate(report: Report) -> Metric:
    """D-07 结转结余率 = 结转结余总额 / 支出预算数 (53号 [OFF-M]). 结余 as stated (收支表), else
    全年预算数 − 全年执行数; 支出预算数 = 全年预算数, else 收入合计 (上年结转 + 本年收入)."""
    formula = "结转结余率 = 结转结余总额 / 支出预算数"
    found = _balance(report)
    f, inc = report.funds, report.income
    den_v, den_label = (f.full_year_budget, "全年预算数") if _dec(f.full_year_budget) is not None else (inc.total, "收入合计")
    den = _dec(den_v)
    if found is None or den is None:
        what = (["结余（或全年执行数）"] if found is None else []) + (["支出预算数"] if den is None else [])
        return _missing("D-07", formula, ({den_label: den_v} if den is not None else {}), what)
    bal, inputs, shown = found
    inputs = {**inputs, den_label: den_v}
    notes = []
    if "结余" not in inputs:
        notes.append("结余未单列，按 全年预算数 − 全年执行数 计")
    if den_label == "收入合计":
        notes.append("未给出支出预算数，以收入合计（上年结转 + 本年收入）代替")
    note = f"（{'；'.join(notes)}）" if notes else ""
    shown_all = f"{shown} / {num(den)}"
    if den == 0:
        return _undefined("D-07", formula, inputs, den_label, shown_all)
    r = bal / den
    return Metric("D-07", METRICS["D-07"], r, "ok", f"{formula} = {shown_all} = {pct(r)}{note}", inputs)


def public_funds_control(report: Report) -> Metric:
    """D-09 公用经费控制率 = 公用经费决算数 / 公用经费预算数 (基础数据表; 53号 [OFF-M])."""
    c = report.basic_data.public_funds
    return _simple("D-09", "公用经费决算数", c.actual, "公用经费预算数", c.budget, "公用经费控制率")


def three_public_control(report: Report) -> Metric:
    """D-10 三公经费控制率 = 三公经费决算数 / 三公经费预算数 (53号 [OFF-M]; Yueyang Y-07)."""
    c = report.three_public.total
    return _simple("D-10", "三公经费决算数", c.actual, "三公经费预算数", c.budget, "三公经费控制率")


def procurement_execution(report: Report) -> Metric:
    """D-11 政府采购执行率 = 实际政府采购金额 / 政府采购预算数 (53号 [OFF-M]; Yueyang Y-11)."""
    c = report.basic_data.procurement
    return _simple("D-11", "政府采购实际金额", c.actual, "政府采购预算数", c.budget, "政府采购执行率")


def asset_use(report: Report) -> Metric:
    """D-12 固定资产利用率 = 在用固定资产 / 固定资产合计 (53号 [OFF-M]; Yueyang Y-15)."""
    fa = report.fixed_assets
    return _simple("D-12", "在用固定资产", fa.in_use, "固定资产合计", fa.total, "固定资产利用率")


def budget_completion(report: Report) -> Metric:
    """H-03 预算完成率 (Hunan) = (上年结转 + 年初预算 + 本年追加 − 年末结余) / (上年结转 + 年初预算
    + 本年追加). The 自评表's 全年预算数 is that denominator; a 收支表 gives 收入合计 (上年结转 +
    本年收入) instead. 年末结余 as stated, else 全年预算数 − 全年执行数."""
    formula = "预算完成率 = (上年结转 + 年初预算 + 本年追加 − 年末结余) / (上年结转 + 年初预算 + 本年追加)"
    f, inc, sp = report.funds, report.income, report.spending
    if _dec(f.full_year_budget) is not None:
        den_v, den_label = f.full_year_budget, "全年预算数"
        note = "全年预算数即 上年结转 + 年初预算 + 本年追加"
    elif _dec(inc.total) is not None and _dec(sp.balance) is not None:
        den_v, den_label = inc.total, "收入合计"
        note = "未给出年初预算与追加数，以收入合计（上年结转 + 本年收入）代替"
    else:
        return _missing("H-03", formula, {}, ["全年预算数（或收入合计与结余）"])
    den = _dec(den_v)
    found = _balance(report)
    if found is None:
        return _missing("H-03", formula, {den_label: den_v}, ["年末结余（或全年执行数）"])
    bal, inputs, shown = found
    inputs = {den_label: den_v, **inputs}
    if "结余" not in inputs:
        note += "；年末结余按 全年预算数 − 全年执行数 计"
    shown_all = f"({num(den)} − {shown}) / {num(den)}"
    if den == 0:
        return _undefined("H-03", formula, inputs, den_label, shown_all)
    r = (den - bal) / den
    return Metric("H-03", METRICS["H-03"], r, "ok", f"{formula} = {shown_all} = {pct(r)}（{note}）", inputs)


def budget_control(report: Report) -> Metric:
    """H-04 预算控制率 (Hunan) = 本年追加预算 / 年初预算; 本年追加 = 全年预算数 − 年初预算数
    (negative when the budget was cut), else the 正文's 年中调整 of 专项资金."""
    formula = "预算控制率 = 本年追加预算 / 年初预算"
    found = _adjustment(report)
    if found is None:
        return _missing("H-04", formula, {}, ["年初预算数与全年预算数（或年中调整数）"])
    adj, base, inputs, shown, where = found
    shown_all = f"({shown}) / {num(base)}" if "−" in shown else f"{shown} / {num(base)}"
    if base == 0:
        return _undefined("H-04", formula, inputs, "年初预算数", shown_all)
    r = adj / base
    return Metric("H-04", METRICS["H-04"], r, "ok", f"{formula} = {shown_all} = {pct(r)}（本年追加 = {where}）", inputs)


COMPUTE: dict[str, Callable[[Report], Metric]] = {
    "D-01": staff_control,
    "D-02": three_public_change,
    "D-05": budget_adjustment,
    "D-07": carryover_rate,
    "D-09": public_funds_control,
    "D-10": three_public_control,
    "D-11": procurement_execution,
    "D-12": asset_use,
    "H-03": budget_completion,
    "H-04": budget_control,
}


def compute(report: Report, metric_id: str) -> Metric:
    """One ratio of ``report`` by its RULES.md ID; KeyError for an ID not computed here."""
    return COMPUTE[metric_id](report)


def discipline_metrics(report: Report) -> list[Metric]:
    """All the ratios, in ID order (D-01 … D-12, then H-03, H-04)."""
    return [COMPUTE[k](report) for k in METRICS]
