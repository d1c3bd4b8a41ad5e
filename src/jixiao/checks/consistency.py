"""JX1xx 数据一致性: sums, one quantity in two places, stated vs recomputed ratios, narrative vs
numbers (RULES.md §5)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator

from ..extract.numbers import money_text, normalize, percent_text, rate_precision
from ..model import Control, Value
from ..rules import metrics
from ..rules.base import ratio
from ..rules.indicators import completion_class
from .registry import Context, Hit, check

RATE_TOL = Decimal("0.0001")  # 0.01 个百分点: the forms print rates to two decimals


def _sum(values: list[Value]) -> Decimal | None:
    nums = [v.number for v in values if v.present]
    return sum(nums, Decimal(0)) if nums else None


def _sum_hit(ctx: Context, what: str, total: Value, parts: list[tuple[str, Value]]) -> Hit | None:
    present = [(n, v) for n, v in parts if v.present]
    if total.number is None or len(present) < 2:
        return None
    s = _sum([v for _, v in present])
    if abs(s - total.number) <= ctx.money_tol:
        return None
    formula = " + ".join(f"{n} {v.value}" for n, v in present)
    return Hit(f"{what}：合计 {money_text(total.number)}，而 {formula} = {money_text(s)}，相差 {money_text(total.number - s)}"
               f"（容差 {ctx.money_tol}万元）。",
               [total] + [v for _, v in present], expected=f"{money_text(s)}（分项之和）", found=money_text(total.number))


@check("JX101", "sum-mismatch", "合计数与分项之和不符", "error")
def sum_mismatch(ctx: Context) -> Iterator[Hit]:
    """检查什么
    收入合计、支出合计（基本支出 + 项目支出）、基本支出（人员 + 公用）、三公经费合计（公务用车 +
    因公出国 + 公务接待，逐列：上年决算、预算、决算）、公务用车（购置 + 运行维护）、年度资金总额与
    各资金来源之和，是否在 0.01 万元以内相等。

    为什么重要
    合计与分项对不上，说明至少有一个数填错，后面按这些数计算的执行率、控制率都不可信。

    示例
    基础数据表“三公经费”2023年决算数 22.2，而公务用车 1.45 + 出国 19.27 + 接待 1.55 = 22.27。

    依据
    RULES.md §5.1（[INF]，会计恒等关系）。
    """
    r = ctx.report
    spending = _sum_hit(ctx, "支出合计", r.spending.total, [("基本支出", r.spending.basic), ("项目支出", r.spending.project)])
    if spending is not None and r.spending.total.source and r.spending.total.source.line:
        line = normalize(ctx.doc.lines[r.spending.total.source.line - 1])
        gap = r.spending.total.number - (r.spending.basic.number or 0) - (r.spending.project.number or 0)
        for m in re.finditer(r"(结转[^\d，。；]{0,10}?)(\d+(?:\.\d+)?)万元", line):
            if abs(Decimal(m.group(2)) - gap) <= Decimal("0.05"):
                spending.message += (f" 差额与同句“{m.group(0)}”基本相等：支出合计把结转结余算作了支出，"
                                     f"实际支出应为基本支出与项目支出之和。")
    hits = [
        spending,
        _sum_hit(ctx, "收入合计", r.income.total, [("上年结转", r.income.prior_carryover), ("财政拨款", r.income.fiscal),
                                               ("政府性基金", r.income.fund), ("专户非税收入", r.income.special_account),
                                               ("其他收入", r.income.other)]),
        _sum_hit(ctx, "基本支出", r.spending.basic, [("人员支出", r.spending.personnel), ("公用支出", r.spending.public)]),
    ]
    tp = r.three_public
    for attr, zh in (("prior_actual", "上年决算数"), ("budget", "预算数"), ("actual", "决算数")):
        vehicle = getattr(tp.vehicle, attr)
        if not vehicle.present:
            parts = [("公车购置", getattr(tp.vehicle_purchase, attr)), ("公车运行维护", getattr(tp.vehicle_operation, attr))]
        else:
            parts = [("公务用车", vehicle)]
            hits.append(_sum_hit(ctx, f"公务用车购置和维护经费{zh}", vehicle,
                                 [("公车购置", getattr(tp.vehicle_purchase, attr)), ("公车运行维护", getattr(tp.vehicle_operation, attr))]))
        parts += [("因公出国", getattr(tp.overseas, attr)), ("公务接待", getattr(tp.reception, attr))]
        hits.append(_sum_hit(ctx, f"三公经费{zh}", getattr(tp.total, attr), parts))
    f = r.funds
    full = [s for s in f.by_source if s.full_year_budget.present]
    if full:
        for attr, zh in (("initial_budget", "年初预算数"), ("full_year_budget", "全年预算数"), ("executed", "全年执行数")):
            hits.append(_sum_hit(ctx, f"年度资金总额{zh}", getattr(f, attr), [(s.name.value, getattr(s, attr)) for s in f.by_source]))
    elif len(f.by_source) >= 2:
        s = _sum([x.executed for x in f.by_source])
        totals = [v.number for v in (f.full_year_budget, f.executed) if v.present]
        if s is not None and totals and all(abs(s - t) > ctx.money_tol for t in totals):
            hits.append(_sum_hit(ctx, "年度资金总额（按收入性质）", f.full_year_budget, [(x.name.value, x.executed) for x in f.by_source]))
    if len(f.by_nature) >= 2:
        s = _sum(list(f.by_nature.values()))
        totals = [v.number for v in (f.full_year_budget, f.executed) if v.present]
        if s is not None and totals and all(abs(s - t) > ctx.money_tol for t in totals):
            hits.append(_sum_hit(ctx, "全年执行数（按支出性质）", f.executed, list(f.by_nature.items())))
    hits += _breakdown_hits(ctx)
    yield from (h for h in hits if h is not None)


def _breakdown_hits(ctx: Context) -> list[Hit | None]:
    """Each stated breakdown (资金构成) against its total; and where a breakdown is followed by
    breakdowns of its funds (合计 = 奖励扶助 + 特别扶助, each by 中央 / 市级 / 本级), each source of
    the first against the same source summed over the others. One wrong cell breaks a fund's sum
    and its source's sum by the same amount: that is said once, naming the cell."""
    bds = ctx.report.breakdowns
    own = {id(b): _sum_hit(ctx, b.name, b.total, [(p.name.value, p.amount) for p in b.parts]) for b in bds}
    hits: list[Hit | None] = []
    for k, whole in enumerate(bds):
        subs = bds[k + 1:]
        names = [p.name.value for p in whole.parts]
        if len(subs) < 2 or any([p.name.value for p in sub.parts] != names for sub in subs):
            continue
        hits.append(_sum_hit(ctx, f"{whole.name}（各项资金合计）", whole.total, [(sub.name, sub.total) for sub in subs]))
        for i, part in enumerate(whole.parts):
            cross = _sum_hit(ctx, f"{whole.name}·{part.name.value}", part.amount,
                             [(sub.name, sub.parts[i].amount) for sub in subs])
            if cross is None:
                continue
            gap = part.amount.number - sum((sub.parts[i].amount.number or 0) for sub in subs)
            suspect = next((sub for sub in subs if own[id(sub)] is not None and sub.total.number is not None
                            and abs(sub.total.number - sum((p.amount.number or 0) for p in sub.parts) - gap)
                            <= ctx.money_tol), None)
            if suspect is None:
                hits.append(cross)
                continue
            cell = suspect.parts[i].amount
            hit = own[id(suspect)]
            hit.message += (f" 同一格也使{whole.name}的{part.name.value}对不上：合计 {money_text(part.amount.number)}，"
                            f"而各项资金的{part.name.value}之和为 {money_text(part.amount.number - gap)}。"
                            f"两处差额相同，可能是{suspect.name}·{part.name.value} {cell.raw} 填错"
                            f"（若为 {money_text(cell.number + gap)}，两处都相符）。")
            hit.evidence += [part.amount] + [sub.parts[i].amount for sub in subs if sub is not suspect]
        break
    return list(own.values()) + hits


COMPARED_PREFIXES = ("spending.", "budget.", "staffing.", "self.", "funds.", "three_public.", "income.")


@check("JX102", "value-differs", "同一数据前后不一致", "error")
def value_differs(ctx: Context) -> Iterator[Hit]:
    """检查什么
    同一个量（基本支出、项目支出、支出合计、编制数、实有人数、自评得分、执行率、三公经费……）在
    报告中出现多次（正文、自评表、基础数据表、收支表）时，各处数值是否一致。

    为什么重要
    一份报告里同一个数有两个值，至少一处是错的；复核时不能替单位挑一个，只能指出来。

    示例
    正文“基本支出24万元”，下一段“基本支出0万元”，自评表“其中：基本支出：0”。

    依据
    RULES.md §5.2（[INF]）。
    """
    groups: dict[str, list] = {}
    for fig in ctx.report.figures:
        if fig.key.startswith(COMPARED_PREFIXES) and fig.value.value is not None:
            groups.setdefault(fig.key, []).append(fig)
    for key, figs in groups.items():
        values = {Decimal(str(f.value.value)) for f in figs}
        if len(values) < 2:
            continue
        tol = ctx.money_tol if not key.endswith(("execution_rate", "control_rate")) else \
            max([RATE_TOL] + [rate_precision(f.value.raw) for f in figs])  # 99% beside 99.10%: not two values
        if max(values) - min(values) <= tol:
            continue
        label = figs[0].label
        listing = "；".join(f"{_where(ctx, f)}“{f.value.raw}”" for f in figs)
        yield Hit(f"{label}在报告中有 {len(values)} 个不同的值：{listing}。",
                  [f.value for f in figs], expected="各处一致", found="、".join(str(v) for v in sorted(values)))


def _where(ctx: Context, fig) -> str:
    """Where a figure stands: its place in the report (表名·行标签·列标题 or the section heading)
    with its line, else the kind of place (正文 / 自评表) with its line."""
    src = ctx.placed(fig.value).source
    return src.where() if src.place else f"{fig.where}{src.where()}"


@check("JX103", "execution-rate-mismatch", "执行率与执行数、预算数不符", "error")
def execution_rate_mismatch(ctx: Context) -> Iterator[Hit]:
    """检查什么
    自评表填写的执行率是否等于 全年执行数 ÷ 全年预算数，按报告填写的精度比较：写到两位小数的
    （99.10%）差 0.01 个百分点即不符；只写到整数的（99%）按四舍五入比较，99.10% 写作 99% 不算不符。

    为什么重要
    执行率是预算执行率得分的唯一依据；填写值高于实际比值，就直接抬高了得分。

    示例
    全年预算数 320.00、全年执行数 272.00，执行率应为 85.00%，表中填 95.00%。

    依据
    执行率 = 全年执行数 / 全年预算数（自评表栏目，RULES.md N-05，[OFF-2]）。
    """
    f = ctx.report.funds
    stated = f.execution_rate.number
    actual = ratio(f.executed.number, f.full_year_budget.number)
    if stated is None or actual is None:
        return
    if abs(stated - actual) > max(RATE_TOL, rate_precision(f.execution_rate.raw)):
        yield Hit(f"执行率填写 {percent_text(stated)}，按 全年执行数 {f.executed.value} ÷ 全年预算数 {f.full_year_budget.value} "
                  f"计算应为 {percent_text(actual)}。",
                  [f.execution_rate, f.executed, f.full_year_budget], expected=percent_text(actual), found=percent_text(stated))


@check("JX104", "staff-rate-mismatch", "人员控制率与人数不符", "warning", kinds=("department",))
def staff_rate_mismatch(ctx: Context) -> Iterator[Hit]:
    """检查什么
    基础数据表的（财政供养人员）控制率是否等于 实际在职人数 ÷ 编制数。

    为什么重要
    在职人员控制率是部门整体支出的共性指标，填错会影响“投入”类得分。

    示例
    编制数 16、实际在职 15，控制率应为 93.75%，表中填 100%。

    依据
    在职人员控制率 = 在职人员数 / 编制数 × 100%（财预〔2013〕53号 附件3，RULES.md D-01，[OFF-2]）。
    """
    s = ctx.report.staffing
    stated = s.control_rate.number
    if stated is None or not s.actual.present or not s.authorized.present or s.authorized.value == 0:
        return
    actual = Decimal(s.actual.value) / Decimal(s.authorized.value)
    if abs(stated - actual) > Decimal("0.0005"):
        yield Hit(f"控制率填写 {percent_text(stated)}，按 实际在职 {s.actual.value} ÷ 编制数 {s.authorized.value} 应为 {percent_text(actual)}。",
                  [s.control_rate, s.actual, s.authorized], expected=percent_text(actual), found=percent_text(stated))


@check("JX105", "total-not-sum", "各项得分合计与总分不符", "error", needs=("table",))
def total_not_sum(ctx: Context) -> Iterator[Hit]:
    """检查什么
    评分表（自评表）各三级指标得分与预算执行率得分之和，是否等于表中填写的总分（容差 0.1 分）。

    为什么重要
    总分决定评价等次；总分比各项之和高，等于凭空加分。

    示例
    各项得分合计 97 分，总分栏填 98 分。

    依据
    RULES.md §5.1（Σ 单项得分 = 总分，[INF]）。
    """
    r = ctx.report
    stated = r.self_assessment.total
    if stated.number is None:
        return
    rows = [i.self_score for i in r.indicators if i.self_score.present] or [x.self_score for x in r.score_table if x.self_score.present]
    if not rows:
        return
    s = _sum(rows) or Decimal(0)
    evidence = [stated]
    f = r.funds
    if f.self_score.present and f.weight.number is not None and f.weight.number < 100:
        s += f.self_score.number
        evidence.append(f.self_score)
    if abs(s - stated.number) > ctx.score_tol:
        yield Hit(f"各项自评得分之和为 {s} 分，总分填写 {stated.number} 分，相差 {stated.number - s} 分。",
                  evidence + rows, expected=f"{s}分", found=f"{stated.number}分", score_impact=s - stated.number)


@check("JX106", "weights-not-100", "分值合计不等于100分", "error", needs=("table",))
def weights_not_100(ctx: Context) -> Iterator[Hit]:
    """检查什么
    各三级指标分值与预算执行率分值之和是否等于总分栏的分值（通常为 100 分）。

    为什么重要
    分值合计不等于 100，得分就不能按百分制比较，等次也无从判定。

    示例
    指标分值合计 95 分，另有执行率 10 分，总分栏写 100 分。

    依据
    “加总后应等于100%”（财政部 2016 年中央部门项目支出绩效自评通知，RULES.md N-02，[OFF-2]）。
    """
    r = ctx.report
    total = r.self_assessment.total_weight.number or Decimal(100)
    rows = [i.weight for i in r.indicators if i.weight.present] or [x.weight for x in r.score_table if x.weight.present]
    if not rows:
        return
    s = _sum(rows) or Decimal(0)
    if r.funds.weight.number is not None and r.funds.weight.number < total:
        s += r.funds.weight.number
        rows = [r.funds.weight] + rows
    if abs(s - total) > ctx.score_tol:
        yield Hit(f"分值合计为 {s} 分，不等于 {total} 分。", rows, expected=f"{total}分", found=f"{s}分")


def _contradictions(ctx: Context, kind: str) -> list[tuple[str, list[Value]]]:
    r, card = ctx.report, ctx.card
    out: list[tuple[str, list[Value]]] = []
    if kind == "all_done":
        if card:
            for item in card.items:
                if item.rule == "N-03" and item.score is not None and item.weight and item.score < item.weight - ctx.score_tol:
                    out.append((f"“{item.indicator}”未达到年度指标值（复核得分 {item.score}/{item.weight}）",
                                [item.inputs.get("实际完成值")]))
        for ind in r.indicators:
            if completion_class(ind) in ("未达成", "部分达成"):
                out.append((f"“{ind.name.value}”实际完成值为“{ind.actual.raw}”", [ind.actual]))
        rate = ratio(r.funds.executed.number, r.funds.full_year_budget.number)
        if rate is not None and rate < Decimal("0.95"):
            out.append((f"预算执行率仅 {percent_text(rate)}", [r.funds.executed, r.funds.full_year_budget]))
    elif kind in ("three_public_controlled", "budget_followed"):
        controls: list[tuple[str, Control]] = [("三公经费", r.three_public.total)]
        if kind == "budget_followed":
            controls.append(("公用经费", r.basic_data.public_funds))
        for zh, c in controls:
            if c.budget.number and c.actual.number is not None and c.actual.number > c.budget.number + ctx.money_tol:
                out.append((f"{zh}决算 {c.actual.value} 万元超过预算 {c.budget.value} 万元", [c.budget, c.actual]))
    return out


@check("JX107", "claim-contradicted", "正文表述与数据矛盾", "warning")
def claim_contradicted(ctx: Context) -> Iterator[Hit]:
    """检查什么
    正文中“均已完成/全面完成”“严格控制三公经费”“严格按预算执行”等表述，是否与报告自己的数据
    （未达标指标、执行率、三公经费和公用经费决算超预算）相矛盾。

    为什么重要
    自评报告的结论性表述是公开的；与表内数据相反的结论会误导读者，也说明自评不实事求是。

    示例
    正文称“支出严格按预算执行”，基础数据表三公经费预算 7 万元、决算 14.33 万元。

    依据
    “绩效自评要实事求是……严禁刻意抬高分数”（财政部 2016 年自评通知，[OFF-2]）；RULES.md §5.5（[INF]）。
    """
    names = {"all_done": "称目标任务全部完成", "three_public_controlled": "称严格控制三公经费",
             "budget_followed": "称严格按预算执行"}
    done: set[str] = set()
    for claim in ctx.report.claims:
        if claim.kind not in names or claim.kind in done:
            continue
        contra = _contradictions(ctx, claim.kind)
        if not contra:
            continue
        done.add(claim.kind)
        text = "；".join(t for t, _ in contra)
        evidence = [claim.value] + [v for _, vs in contra for v in vs if v is not None]
        src = ctx.placed(claim.value).source
        where = "" if src.place else "表格" if src.row is not None else "正文"
        yield Hit(f"{where}{src.where()}{names[claim.kind]}（“{claim.value.value}”），但{text}。",
                  evidence, expected="表述与数据一致", found=text)


@check("JX108", "undefined-ratio", "比率分母为零却填写了比率", "warning")
def undefined_ratio(ctx: Context) -> Iterator[Hit]:
    """检查什么
    分母为 0 的比率（编制数 0 的人员控制率、预算 0 的三公经费控制率、全年预算 0 的执行率）是否被
    填成了 0 或 100%。
    分母为 0 的比率本身（无论报告是否填写）由 JX109 逐一列出。

    为什么重要
    0/0 没有定义。写成 100% 会让“控制得很好”的结论看似有据，写成 0 又像是控制失败；应写“不适用”
    并说明原因。

    示例
    “三公经费年初预算0万元，实际支出0万元，为年初预算的100%”。

    依据
    RULES.md §5.3（[INF]）。
    """
    r = ctx.report
    s = r.staffing
    if s.authorized.present and s.authorized.value == 0 and s.control_rate.present:
        yield Hit(f"编制数为 0，人员控制率无法计算（分母为0），表中却填写“{s.control_rate.raw}”。",
                  [s.control_rate, s.authorized, s.actual], expected="不适用（0/0）", found=s.control_rate.raw)
    for fig in r.figures_for("three_public.total.control_rate"):
        budget = r.three_public.total.budget
        budgets = [f.value for f in r.figures_for("three_public.total.budget")] or [budget]
        if any(b.number == 0 for b in budgets):
            yield Hit(f"三公经费预算为 0，控制率无法计算（分母为0），报告却写“{fig.value.raw}”。",
                      [fig.value] + budgets, expected="不适用（0/0）", found=fig.value.raw)
    f = r.funds
    if f.full_year_budget.number == 0 and f.execution_rate.present:
        yield Hit(f"全年预算数为 0，执行率无法计算（分母为0），表中却填写“{f.execution_rate.raw}”。",
                  [f.execution_rate, f.full_year_budget], expected="不适用（0/0）", found=f.execution_rate.raw)


@check("JX109", "ratio-undefined", "比率分母为零，无法计算", "info")
def ratio_undefined(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按报告数据计算 53号共性指标（在职人员控制率、三公经费变动率和控制率、公用经费控制率、政府
    采购执行率、预算调整率、结转结余率、固定资产利用率、预算完成率、预算控制率）时，分母为 0
    （0/0 或 x/0）的比率逐一列出，标为“无法计算（分母为0）”。报告自己把这类比率写成 0 或 100% 的，另由
    JX108 报告。

    为什么重要
    分母为 0 的比率没有定义，不能当作 100%（控制良好），也不能当作 0；评分表中对应的项目
    只能列为“不适用”并说明原因，而不能照给满分。

    示例
    基础数据表三公经费 2024 年预算 0、决算 0：三公经费控制率 0/0，无法计算（分母为0）；编制数 0、
    在职 0：在职人员控制率 0/0，无法计算（分母为0）。

    依据
    RULES.md §5.3（[INF]）；各比率的定义见财预〔2013〕53号 附件3（RULES.md §3）。
    """
    undefined = [m for m in metrics.discipline_metrics(ctx.report) if m.status == "undefined"]
    if not undefined:
        return
    listing = "；".join(f"{m.name}（{(m.reason or '').split('，')[0]}）" for m in undefined)
    evidence: list[Value] = []
    for m in undefined:
        evidence += [v for v in m.inputs.values() if v.source is not None and v not in evidence]
    yield Hit(f"{len(undefined)} 个比率无法计算（分母为0），不按 100% 计：{listing}。", evidence,
              expected="不适用（分母为0，无法计算）", found="、".join(m.name for m in undefined))
