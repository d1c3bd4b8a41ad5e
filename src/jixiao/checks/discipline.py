"""JX3xx 预算执行与财经纪律: the 53号 budget-discipline ratios from the report's own numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from ..decimals import quantize
from ..extract.numbers import money_text, percent_text
from ..model import Control
from ..rules import metrics
from ..rules.base import ratio
from ..rules.ruleset import item_basis
from .registry import Context, Hit, check

DEPARTMENT = ("department",)  # the 53号 部门整体 common indicators
ADJUSTMENT_LIMIT = Decimal("0.10")  # 预算调整率 above which JX304 reports (Y-04: ≤10% 得2分)


def _is_over(ctx: Context, c: Control) -> bool:
    """决算 above 预算 by more than the money tolerance (JX301–JX303); 0 预算 is JX109's case."""
    return ratio(c.actual.number, c.budget.number) is not None and c.actual.number > c.budget.number + ctx.money_tol


def _over(ctx: Context, zh: str, c: Control) -> Hit | None:
    r = ratio(c.actual.number, c.budget.number)
    if not _is_over(ctx, c):
        return None
    return Hit(f"{zh}预算 {money_text(c.budget.number)}，决算 {money_text(c.actual.number)}，控制率 {percent_text(r)}，"
               f"超支 {money_text(c.actual.number - c.budget.number)}。",
               [c.budget, c.actual], expected="≤100%", found=percent_text(r))


@check("JX301", "three-public-over-budget", "三公经费决算超预算", "error", kinds=DEPARTMENT)
def three_public_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    三公经费（及公务用车、因公出国、公务接待各项）决算数是否超过当年预算数，即三公经费控制率
    （决算 ÷ 预算）是否高于 100%。
    未超过时，比率由 JX313 作为提示列出。

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


@check("JX302", "public-funds-over-budget", "公用经费超预算", "warning", kinds=DEPARTMENT)
def public_funds_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    基础数据表中公用经费决算数是否超过预算数（公用经费控制率 > 100%）。
    未超过时，比率由 JX312 作为提示列出。

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


@check("JX303", "procurement-over-budget", "政府采购超预算", "warning", kinds=DEPARTMENT)
def procurement_over_budget(ctx: Context) -> Iterator[Hit]:
    """检查什么
    政府采购实际金额是否超过政府采购预算（政府采购执行率 > 100%）。
    不超过时，比率由 JX314 列出（低于 100% 为警告）。

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
    不超过 10% 的，由 JX310 作为提示列出。

    为什么重要
    年中大幅追加预算会让执行率“自动”接近 100%，掩盖年初预算编制不准；岳阳、湖南评分表对
    调整率超过 30% 一律不给分。

    示例
    年初预算安排专项资金 15 万元，年中调整 32.15 万元，调整率 214%。

    依据
    预算调整率 = 预算调整数 / 预算数 × 100%（财预〔2013〕53号，RULES.md D-05，[OFF-M]）；分档见岳阳评分表 Y-04（[SEED]）与湖南 H-04（[OFF-2]）。
    """
    m = metrics.compute(ctx.report, "D-05")
    if m.value is not None and m.value > ADJUSTMENT_LIMIT:
        yield Hit(f"{m.formula}，超过10%。", list(m.inputs.values()), expected="≤10%（超过30%不得分）",
                  found=percent_text(m.value), severity="warning" if m.value > Decimal("0.30") else "info")


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


@check("JX307", "over-staffed", "实有人数超过编制数", "warning", kinds=DEPARTMENT)
def over_staffed(ctx: Context) -> Iterator[Hit]:
    """检查什么
    实有（实际在职）人数是否超过编制数，即在职人员控制率 > 100%。
    未超编时，控制率由 JX308 作为提示列出。

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


# ---------------------------------------------------------------------------------------------
# JX308–JX315: one finding per 53号 ratio the report's numbers allow (rules/metrics.py), whether or
# not the form scores it. Within the Yueyang/Hunan limits the finding is ``info`` (the ratio and its
# formula, for the reviewer's table); beyond them it is a ``warning`` — except where an older check
# already reports the overrun (JX301–JX304, JX307): then that check's finding is the ratio's one
# finding and these stay silent. A ratio with a zero denominator is never reported here (JX109).


def _metric(ctx: Context, mid: str) -> metrics.Metric | None:
    m = metrics.compute(ctx.report, mid)
    return m if m.status == "ok" else None


def _ratio_hit(m: metrics.Metric, verdict: str, expected: str, severity: str | None = None) -> Hit:
    return Hit(f"{m.formula}。{verdict}", [v for v in m.inputs.values() if v.source is not None],
               expected=expected, found=percent_text(m.value), severity=severity)


def _table_item(ctx: Context, yueyang: str, hunan: str | None = None) -> str:
    """The 评分表 item a message cites, by document and name (never its id): the Hunan table's
    when the report is reviewed under it and it has the item, else the Yueyang table's."""
    if hunan is not None and ctx.ruleset is not None and ctx.ruleset.name == "hunan_dept_2017":
        return item_basis("hunan_dept_2017", hunan)
    return item_basis("yueyang_ref_2015", yueyang)


def _pp(x: Decimal) -> str:
    """A gap in percentage points, two decimals."""
    return f"{quantize(abs(x) * 100, Decimal('0.01'))}"


@check("JX308", "staff-control-rate", "在职人员控制率（53号共性指标）", "info", kinds=DEPARTMENT)
def staff_control_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按 实际在职人数 ÷ 编制数 计算在职人员控制率，不超过 100% 时作为提示列出；超过 100%
    （超编）由 JX307 报告，本条不再重复。

    为什么重要
    新版自评表不再给这一指标打分，但它仍是部门整体支出的共性指标；把比率和算式列出来，复核
    人员不必再翻基础数据表自己计算。

    示例
    编制数 20 人，实际在职 18 人，控制率 90.00%（≤100%，《岳阳市部门整体支出绩效评价评分表》“财政供养人员控制率”满分）。

    依据
    在职人员控制率 = 在职人员数 / 编制数 × 100%（财预〔2013〕53号 附件3，RULES.md D-01，[OFF-2]）；
    ≤100% 满分（岳阳 Y-01 [SEED]，湖南 H-01 [OFF-2]）。
    """
    m = _metric(ctx, "D-01")
    if m is not None and m.value <= 1:
        yield _ratio_hit(m, f"未超过编制（≤100%，{_table_item(ctx, 'Y-01', 'H-01')}满分）。", "≤100%")


@check("JX309", "three-public-change-rate", "三公经费变动率（53号共性指标）", "warning", kinds=DEPARTMENT)
def three_public_change_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按基础数据表计算“三公经费”变动率 =（本年预算数 − 上年决算数）÷ 上年决算数。≤0 时作为提示
    列出；>0（本年三公经费预算比上年增加）列为警告。

    为什么重要
    三公经费只减不增是中央八项规定以来的硬要求；岳阳、湖南评分表对变动率 >0 每个百分点扣分，
    新版自评表却不再计分，容易被忽略。

    示例
    三公经费 2023 年决算 4.00 万元，2024 年预算 4.20 万元，变动率 +5.00%：按《岳阳市部门整体支出绩效评价评分表》“‘三公经费’变动率”每超过 1 个百分点
    扣 0.5 分；按湖南指标表复核的报告，改为引用该表（每超过 1 个百分点扣 0.8 分）。

    依据
    “三公经费”变动率 =（本年度 − 上年度）/ 上年度 × 100%（财预〔2013〕53号 附件3，RULES.md D-02，
    [OFF-2]；53号以两年预算数相比，基础数据表没有上年预算数，以上年决算数代替，[INF]）；≤0 满分，
    每超 1 个百分点扣 0.5 分（岳阳 Y-02 [SEED]）或 0.8 分（湖南 H-02 [OFF-2]）。
    """
    m = _metric(ctx, "D-02")
    if m is None:
        return
    if m.value <= 0:
        yield _ratio_hit(m, f"本年三公经费预算未超过上年决算（≤0，{_table_item(ctx, 'Y-02', 'H-02')}满分）。", "≤0",
                         severity="info")
    else:
        hunan = ctx.ruleset is not None and ctx.ruleset.name == "hunan_dept_2017"
        yield _ratio_hit(m, f"本年三公经费预算比上年增加 {_pp(m.value)} 个百分点；按{_table_item(ctx, 'Y-02', 'H-02')}"
                            f"每超过 1 个百分点扣 {'0.8' if hunan else '0.5'} 分。", "≤0")


@check("JX310", "budget-adjustment-rate", "预算调整率（53号共性指标）", "info", kinds=DEPARTMENT)
def budget_adjustment_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按 |全年预算数 − 年初预算数| ÷ 年初预算数（没有自评表时按 年中调整 ÷ 年初预算安排专项资金）
    计算预算调整率，不超过 10% 时作为提示列出；超过 10% 由 JX304 报告，本条不再重复。

    为什么重要
    执行率 100% 可能只是因为年中把预算调到了实际支出数；调整率把这一点摆出来，和执行率一起看。

    示例
    年初预算 256.00 万元，全年预算 262.50 万元，调整率 2.54%（在 10% 以内，《岳阳市部门整体支出绩效评价评分表》“预算调整率”得 2 分）。

    依据
    预算调整率 = 预算调整数 / 预算数 × 100%（财预〔2013〕53号，RULES.md D-05，[OFF-M]）；分档见岳阳
    Y-04（[SEED]）；湖南“预算控制率”= 本年追加 / 年初预算（H-04，[OFF-2]）。
    """
    m = _metric(ctx, "D-05")
    if m is not None and m.value <= ADJUSTMENT_LIMIT:
        cited = item_basis("yueyang_ref_2015", "Y-04")
        band = f"未调整，{cited}满分" if m.value == 0 else f"在 10% 以内，{cited}得 2 分（满分 3 分）"
        yield _ratio_hit(m, f"{band}。", "≤10%")


@check("JX311", "carryover-rate", "结转结余率（53号共性指标）", "info", kinds=DEPARTMENT)
def carryover_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按 结转结余总额 ÷ 支出预算数 计算结转结余率（结余未单列时按 全年预算数 − 全年执行数），
    作为提示列出；报告给出了上年结转、而当年结余超过上年结转时列为警告。

    为什么重要
    结余说明资金沉淀；岳阳评分表规定“结余超过上年结转”的不得分，而新版自评表不计这一项。

    示例
    全年预算 262.50 万元，执行 254.10 万元，结转结余 8.40 万元，结转结余率 3.20%。

    依据
    结转结余率 = 结转结余总额 / 支出预算数 × 100%（财预〔2013〕53号，RULES.md D-07，[OFF-M]）；
    无结余 3 分、不超过上年结转 2 分、超过上年结转 0 分（岳阳 Y-06，[SEED]）。
    """
    m = _metric(ctx, "D-07")
    if m is None:
        return
    carry = ctx.report.income.prior_carryover
    bal = ctx.report.spending.balance
    balance = bal.number if bal.number is not None else None
    if balance is None and "全年执行数" in m.inputs:
        balance = m.inputs["全年预算数"].number - m.inputs["全年执行数"].number
    if carry.number is not None and balance is not None and balance > carry.number + ctx.money_tol:
        h = _ratio_hit(m, f"当年结余 {money_text(balance)} 超过上年结转 {money_text(carry.number)}"
                          f"（{item_basis('yueyang_ref_2015', 'Y-06')}不得分）。",
                       "结余不超过上年结转")
        h.evidence.append(carry)
        yield h
    else:
        if balance == 0:
            verdict = f"无结余（{item_basis('yueyang_ref_2015', 'Y-06')}满分）。"
        elif carry.number is not None:
            verdict = f"结余未超过上年结转 {money_text(carry.number)}（{item_basis('yueyang_ref_2015', 'Y-06')}得 2 分）。"
        else:
            verdict = f"报告未给出上年结转，无法按{item_basis('yueyang_ref_2015', 'Y-06')}分档。"
        h = _ratio_hit(m, verdict, "结余不超过上年结转", severity="info")
        if carry.present and carry not in h.evidence:
            h.evidence.append(carry)
        yield h


@check("JX312", "public-funds-control-rate", "公用经费控制率（53号共性指标）", "info", kinds=DEPARTMENT)
def public_funds_control_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按基础数据表计算公用经费控制率 = 决算数 ÷ 预算数，不超过 100% 时作为提示列出；超过 100%
    由 JX302 报告，本条不再重复。

    为什么重要
    公用经费是机构运转的主要开支，控制率是“过紧日子”要求最直接的度量；自评表不计分，复核时
    要看到它。

    示例
    公用经费预算 37.00 万元，决算 35.60 万元，控制率 96.22%。

    依据
    公用经费控制率 = 实际支出公用经费总额 / 预算安排公用经费总额 × 100%（财预〔2013〕53号，RULES.md D-09，[OFF-M]）。
    """
    m = _metric(ctx, "D-09")
    if m is not None and not _is_over(ctx, ctx.report.basic_data.public_funds):
        yield _ratio_hit(m, "未超过预算（≤100%）。", "≤100%")


@check("JX313", "three-public-control-rate", "三公经费控制率（53号共性指标）", "info", kinds=DEPARTMENT)
def three_public_control_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按三公经费决算数 ÷ 预算数 计算三公经费控制率，不超过 100% 时作为提示列出；超过 100% 由
    JX301（错误）报告，本条不再重复。

    为什么重要
    新版自评表不给三公经费打分，但岳阳评分表中它占 6 分；把比率和算式列出，复核人员可以直接
    引用。

    示例
    三公经费预算 4.20 万元，决算 3.74 万元，控制率 89.05%。

    依据
    “三公经费”控制率 = 实际支出数 / 预算安排数 × 100%（财预〔2013〕53号，RULES.md D-10，[OFF-M]）；
    ≤100% 满分（岳阳 Y-07，[SEED]）。
    """
    m = _metric(ctx, "D-10")
    if m is not None and not _is_over(ctx, ctx.report.three_public.total):
        yield _ratio_hit(m, f"未超过预算（≤100%，{item_basis('yueyang_ref_2015', 'Y-07')}满分）。", "≤100%")


@check("JX314", "procurement-execution-rate", "政府采购执行率（53号共性指标）", "warning", kinds=DEPARTMENT)
def procurement_execution_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按 政府采购实际金额 ÷ 政府采购预算数 计算政府采购执行率，作为提示列出；低于 90% 列为警告
    （与执行率低于 90% 须说明原因同一口径，[INF]）；超过 100% 由 JX303 报告，本条不再重复。

    为什么重要
    采购预算没有执行完，说明采购计划编制不实或采购滞后；岳阳评分表以 100% 为满分，每少一个
    百分点扣 0.2 分，新版自评表却不计这一项。

    示例
    政府采购预算 22.00 万元，实际采购 20.85 万元，执行率 94.77%：《岳阳市部门整体支出绩效评价评分表》“政府采购执行率”扣 1.05 分。

    依据
    政府采购执行率 = 实际政府采购金额 / 政府采购预算数 × 100%（财预〔2013〕53号，RULES.md D-11，[OFF-M]）；
    =100% 满分，每减少一个百分点扣 0.2 分（岳阳 Y-11，[SEED]）。
    """
    p = ctx.report.basic_data.procurement
    m = _metric(ctx, "D-11")
    if m is None or _is_over(ctx, p):
        return
    if p.actual.number >= p.budget.number - ctx.money_tol:
        yield _ratio_hit(m, f"与采购预算一致（{item_basis('yueyang_ref_2015', 'Y-11')}满分）。", "=100%", severity="info")
    else:
        yield _ratio_hit(m, f"低于 100% {_pp(1 - m.value)} 个百分点，未执行 {money_text(p.budget.number - p.actual.number)}；"
                            f"按{item_basis('yueyang_ref_2015', 'Y-11')}每减少一个百分点扣 0.2 分。", "=100%",
                         severity="warning" if m.value < Decimal("0.9") else "info")


@check("JX315", "asset-use-rate", "固定资产利用率（53号共性指标）", "warning", kinds=DEPARTMENT)
def asset_use_rate(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按 在用固定资产 ÷ 固定资产合计 计算固定资产利用率：100% 时作为提示列出，低于 100% 列为警告。

    为什么重要
    闲置或出租的固定资产说明资产配置超出履职需要；岳阳评分表每低于 100% 一个百分点扣 0.1 分。

    示例
    固定资产合计 386.40 万元，在用 370.00 万元，利用率 95.76%：《岳阳市部门整体支出绩效评价评分表》“固定资产利用率”扣 0.42 分。

    依据
    固定资产利用率 = 实际在用固定资产总额 / 所有固定资产总额 × 100%（财预〔2013〕53号，RULES.md D-12，[OFF-M]）；
    每低于 100% 一个百分点扣 0.1 分（岳阳 Y-15，[SEED]）。
    """
    m = _metric(ctx, "D-12")
    if m is None:
        return
    if m.value >= 1:
        yield _ratio_hit(m, "固定资产全部在用。", "100%", severity="info")
    else:
        yield _ratio_hit(m, f"低于 100% {_pp(1 - m.value)} 个百分点；按{item_basis('yueyang_ref_2015', 'Y-15')}"
                            f"每低一个百分点扣 0.1 分。", "100%")
