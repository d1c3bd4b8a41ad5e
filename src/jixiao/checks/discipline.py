"""JX3xx 预算执行与财经纪律: the 53号 budget-discipline ratios from the report's own numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from ..extract.numbers import money_text, percent_text
from ..model import Control
from ..rules.base import ratio
from .registry import Context, Hit, check


def _over(ctx: Context, zh: str, c: Control) -> Hit | None:
    r = ratio(c.actual.number, c.budget.number)
    if r is None or c.actual.number <= c.budget.number + ctx.money_tol:
        return None
    return Hit(f"{zh}预算 {money_text(c.budget.number)}，决算 {money_text(c.actual.number)}，控制率 {percent_text(r)}，"
               f"超支 {money_text(c.actual.number - c.budget.number)}。",
               [c.budget, c.actual], expected="≤100%", found=percent_text(r))


@check("JX301", "three-public-over-budget", "三公经费决算超预算", "error")
def three_public_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    三公经费（及公务用车、因公出国、公务接待各项）决算数是否超过当年预算数，即三公经费控制率
    （决算 ÷ 预算）是否高于 100%。

    为什么重要
    三公经费是财经纪律检查的重点，超预算支出须有批准调整的依据；自评表往往不给它分值，复核时
    要单独列出。

    示例
    基础数据表三公经费 2024 年预算 7 万元、决算 14.33 万元，控制率 204.71%；其中出国经费预算 1 万元、决算 11.52 万元。

    依据
    “三公经费”控制率 = 实际支出数 / 预算安排数 × 100%（财预〔2013〕53号 附件3，RULES.md D-10，[OFF-M]）；岳阳评分表 ≤100% 满分（[SEED]）。
    """
    tp = ctx.report.three_public
    total = _over(ctx, "三公经费合计", tp.total)
    parts = [h for h in (_over(ctx, zh, getattr(tp, a)) for a, zh in
                         (("vehicle", "公务用车购置和维护经费"), ("overseas", "因公出国（境）经费"), ("reception", "公务接待费")))
             if h is not None]
    if total is not None:
        if parts:
            total.message += " 其中 " + " ".join(p.message for p in parts)
            total.evidence += [e for p in parts for e in p.evidence]
        yield total
    else:
        yield from parts


@check("JX302", "public-funds-over-budget", "公用经费超预算", "warning")
def public_funds_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    基础数据表中公用经费决算数是否超过预算数（公用经费控制率 > 100%）。

    为什么重要
    公用经费超预算说明运转支出失控，或预算编制不实。

    示例
    公用经费预算 81.26 万元，决算 127.83 万元，控制率 157.31%。

    依据
    公用经费控制率 = 实际支出公用经费总额 / 预算安排公用经费总额 × 100%（财预〔2013〕53号，RULES.md D-09，[OFF-M]）。
    """
    h = _over(ctx, "公用经费", ctx.report.basic_data.public_funds)
    if h:
        yield h


@check("JX303", "procurement-over-budget", "政府采购超预算", "warning")
def procurement_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    政府采购实际金额是否超过政府采购预算（政府采购执行率 > 100%）。

    为什么重要
    超预算采购须按规定调整采购预算；评分表只规定了不足 100% 扣分，超出部分同样要说明。

    示例
    政府采购预算 10.08 万元，实际 22.96 万元，执行率 227.78%。

    依据
    政府采购执行率 = 实际政府采购金额 / 政府采购预算数 × 100%（财预〔2013〕53号，RULES.md D-11，[OFF-M]；超出 100% 的处理 [INF]）。
    """
    h = _over(ctx, "政府采购", ctx.report.basic_data.procurement)
    if h:
        yield h


@check("JX304", "budget-adjustment-high", "年中预算调整幅度过大", "warning")
def budget_adjustment_high(ctx: Context) -> Iterator[Hit]:
    """检查什么
    全年预算数相对年初预算数的调整幅度（预算调整率），或报告写明的年中调整额相对年初预算的比例，
    超过 30% 的列为警告，10%–30% 的列为提示。

    为什么重要
    年中大幅追加预算会让执行率“自动”接近 100%，掩盖年初预算编制不准；岳阳、湖南评分表对
    调整率超过 30% 一律不给分。

    示例
    年初预算安排专项资金 15 万元，年中调整 32.15 万元，调整率 214%。

    依据
    预算调整率 = 预算调整数 / 预算数 × 100%（财预〔2013〕53号，RULES.md D-05，[OFF-M]）；分档见岳阳评分表 Y-04（[SEED]）与湖南 H-04（[OFF-2]）。
    """
    r = ctx.report
    cases = []
    f = r.funds
    if f.initial_budget.number and f.full_year_budget.number is not None:
        cases.append(("全年预算数相对年初预算数", abs(f.full_year_budget.number - f.initial_budget.number), f.initial_budget.number,
                      [f.initial_budget, f.full_year_budget]))
    elif r.budget_adjustment.number is not None and r.project_initial_budget.number:
        cases.append(("年中调整额相对年初预算安排", r.budget_adjustment.number, r.project_initial_budget.number,
                      [r.project_initial_budget, r.budget_adjustment]))
    for what, adj, base, ev in cases:
        rate = adj / base
        if rate > Decimal("0.10"):
            yield Hit(f"{what}调整 {money_text(adj)}，调整率 {percent_text(rate)}。", ev, expected="≤10%（超过30%不得分）",
                      found=percent_text(rate), severity="warning" if rate > Decimal("0.30") else "info")


@check("JX305", "low-execution", "预算执行率偏低", "warning")
def low_execution(ctx: Context) -> Iterator[Hit]:
    """检查什么
    预算执行率（全年执行数 ÷ 全年预算数）是否低于 90%。

    为什么重要
    执行率低说明资金沉淀或项目推进不力；多地要求执行率未达 90% 的须说明原因。

    示例
    全年预算数 5071.49 万元，全年执行数 3370.55 万元，执行率 66.46%。

    依据
    “预算执行率未达到90%的需说明原因”（四川省 2023 年自评表，RULES.md N-05，[OFF-2]，湖南 [INF]）。
    """
    f = ctx.report.funds
    rate = ratio(f.executed.number, f.full_year_budget.number)
    if rate is not None and rate < Decimal("0.9"):
        yield Hit(f"执行率 {percent_text(rate)}（全年执行数 {f.executed.value} ÷ 全年预算数 {f.full_year_budget.value}），"
                  f"未执行 {money_text(f.full_year_budget.number - f.executed.number)}。",
                  [f.executed, f.full_year_budget], expected="≥90%，否则说明原因", found=percent_text(rate))


@check("JX306", "executed-over-budget", "执行数超过预算数", "error")
def executed_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    全年执行数是否大于全年预算数。

    为什么重要
    无预算不得支出；执行数超过调整后预算，或是预算数填错，或是超预算支出。

    示例
    全年预算数 100 万元，全年执行数 112 万元。

    依据
    《预算法》“各级预算支出应当依照本法规定，按其功能和经济性质分类编制”；RULES.md N-05（[INF] 检查）。
    """
    f = ctx.report.funds
    if f.executed.number is not None and f.full_year_budget.number is not None \
            and f.executed.number > f.full_year_budget.number + ctx.money_tol:
        yield Hit(f"全年执行数 {money_text(f.executed.number)} 大于全年预算数 {money_text(f.full_year_budget.number)}。",
                  [f.executed, f.full_year_budget], expected="执行数 ≤ 预算数", found=money_text(f.executed.number))


@check("JX307", "over-staffed", "实有人数超过编制数", "warning")
def over_staffed(ctx: Context) -> Iterator[Hit]:
    """检查什么
    实有（实际在职）人数是否超过编制数，即在职人员控制率 > 100%。

    为什么重要
    超编是机构编制纪律问题，也是人员经费膨胀的原因；岳阳评分表每超 1 个百分点扣 0.5 分。

    示例
    编制数 16 人，实有人数 18 人，控制率 112.5%。

    依据
    在职人员控制率 = 在职人员数 / 编制数（财预〔2013〕53号，RULES.md D-01，[OFF-2]）；岳阳 Y-01（[SEED]）。
    """
    s = ctx.report.staffing
    if s.authorized.present and s.actual.present and s.authorized.value and s.actual.value > s.authorized.value:
        rate = Decimal(s.actual.value) / Decimal(s.authorized.value)
        yield Hit(f"编制数 {s.authorized.value} 人，实有 {s.actual.value} 人，控制率 {percent_text(rate)}。",
                  [s.authorized, s.actual], expected="≤100%", found=percent_text(rate))
