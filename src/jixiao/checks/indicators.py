"""JX4xx 指标质量: are targets measurable and actuals measured (RULES.md N-06, N-07)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterator

from ..extract.yueyang import embedded_quantity
from ..model import Indicator
from ..rules.base import load_ruleset
from ..rules.indicators import is_reverse
from .registry import Context, Hit, check


def _listing(inds: list[Indicator], fmt) -> str:
    return "；".join(fmt(i) for i in inds)


@check("JX401", "actual-as-range", "实际完成值填写为区间或目标式表述", "warning")
def actual_as_range(ctx: Context) -> Iterator[Hit]:
    """检查什么
    实际完成值是否写成“≥80次”“2024年12月20日前”这类带比较符号或“前/以上”的表述（且与年度
    指标值不同），而不是实际测得的数值。

    为什么重要
    完成值是用来和目标比较的事实，“≥80次”不是事实；这样填写无法计算得分，也无法核对。

    示例
    年度指标值“≥60次”，实际完成值“≥80次”。

    依据
    “对照年初预算设定的绩效目标及指标值，对应填报年度实际完成值”（2016 年自评通知，RULES.md N-07，[OFF-2]）。
    """
    inds = [i for i in ctx.report.indicators
            if i.actual.parsed and i.actual.parsed.op and i.actual.value != i.target.value]
    if inds:
        yield Hit(f"{len(inds)} 个指标的实际完成值不是测量值：" +
                  _listing(inds, lambda i: f"“{i.name.value}”目标 {i.target.raw}，完成值 {i.actual.raw}"),
                  [i.actual for i in inds], expected="实际测得的数值（如 80次）", found="、".join(i.actual.raw for i in inds))


@check("JX402", "actual-copies-target", "实际完成值照抄年度指标值", "warning")
def actual_copies_target(ctx: Context) -> Iterator[Hit]:
    """检查什么
    带比较符号的年度指标值（“≥70%”“≦100%”）被原样抄作实际完成值。

    为什么重要
    照抄目标说明没有统计实际完成情况，自评得分因此没有依据。

    示例
    年度指标值“≥95%”，实际完成值“≥95%”，得满分。

    依据
    RULES.md N-07(a)（[INF]，依据 2016 年自评通知“对应填报年度实际完成值”[OFF-2]）。
    """
    inds = [i for i in ctx.report.indicators
            if i.actual.parsed and i.actual.parsed.op and i.actual.value == i.target.value]
    if inds:
        yield Hit(f"{len(inds)} 个指标的实际完成值与年度指标值完全相同（含比较符号）：" +
                  "、".join(f"“{i.name.value}” {i.actual.raw}" for i in inds) + "。",
                  [i.actual for i in inds], expected="实际测得的数值", found="照抄年度指标值")


DONE_WORDS = re.compile(r"^(已完成|完成|超额完成|全面完成|已达到|达到|达标|已达成|是)$")


@check("JX403", "done-instead-of-measured", "定量目标的完成值只写“已完成”", "warning")
def done_instead_of_measured(ctx: Context) -> Iterator[Hit]:
    """检查什么
    年度指标值含有数量（“组织企业参展10次”“外商直接投资1亿美元”“≥95%”）而实际完成值只写
    “已完成”“超额完成”等文字。

    为什么重要
    没有完成数量，就无法按“实际/目标”计分，也无法判断是否真的完成；这些分数只能列为无法核实。

    示例
    “组织企业参展10次”，完成情况“已完成”（正文却写“组织区内企业20余批次进行参展参会”）。

    依据
    RULES.md N-07(b)（[INF]，依据 2016 年自评通知 [OFF-2]）。
    """
    inds = []
    for i in ctx.report.indicators:
        t = i.target.parsed
        quantitative = (t is not None and t.is_quantitative) or embedded_quantity(i.target.value or "") is not None \
            or bool(re.search(r"\d+(?:\.\d+)?(?:%|亿|万|个|家|次|项|期|场|人)", i.target.value or ""))
        if quantitative and DONE_WORDS.match(i.actual.value or ""):
            inds.append(i)
    if inds:
        yield Hit(f"{len(inds)} 个定量目标的实际完成值只有文字：" +
                  _listing(inds, lambda i: f"“{i.target.value}”→“{i.actual.raw}”"),
                  [i.actual for i in inds], expected="实际完成的数量", found="、".join(sorted({i.actual.raw for i in inds})))


@check("JX404", "overachievement", "完成值远超指标值（指标值可能设定偏低）", "warning")
def overachievement(ctx: Context) -> Iterator[Hit]:
    """检查什么
    正向定量指标的实际完成值达到年度指标值的 130% 以上，且没有说明原因。

    为什么重要
    大幅超额往往说明年初目标定得过低；规定要求分析原因，并按偏离度适度调减分值。

    示例
    “新增会员企业数量”目标 5，实际 41（820%），得满分且无说明。

    依据
    “对完成值高于指标值较多的，要分析原因……按照偏离度适度调减分值”（财预〔2020〕10号，[OFF-M]）；130% 阈值见系统实现（RULES.md N-03，[IMPL]/[INF]）。
    """
    limit = Decimal(str(load_ruleset("national_2020")["quantitative"]["overachieve_ratio"]))
    inds = []
    for i in ctx.report.indicators:
        t, a = i.target.parsed, i.actual.parsed
        if not t or not a or t.number is None or a.number is None or t.date or is_reverse(i) or t.number <= 0:
            continue
        if a.number / t.number >= limit and not (i.deviation.value or "").strip("无偏差/ "):
            inds.append((i, a.number / t.number))
    if inds:
        yield Hit(f"{len(inds)} 个指标完成值超过目标 {int(limit * 100)}% 以上且未说明原因：" +
                  "；".join(f"“{i.name.value}”目标 {i.target.raw}，实际 {i.actual.raw}（{(r * 100):.0f}%）" for i, r in inds),
                  [x for i, _ in inds for x in (i.target, i.actual)], expected="分析原因，按偏离度调减",
                  found="无说明、满分")


@check("JX405", "deduction-without-reason", "未达标或扣分的指标未说明偏差原因", "warning")
def deduction_without_reason(ctx: Context) -> Iterator[Hit]:
    """检查什么
    自评扣了分，或按规则复核未达标的指标，“偏差原因分析及改进措施”栏是否为空或写着“无偏差”。

    为什么重要
    未完成的指标必须说明原因和改进措施；空着或写“无偏差”与扣分自相矛盾。

    示例
    “部门整体支出预算控制数”目标 234.42、实际 298.71，自评 9/10 分，偏差原因栏为空。

    依据
    “请在‘未完成原因分析’中说明偏离目标，不能完成的原因及拟采取的措施”（自评表填表说明，RULES.md N-06，[OFF-2]）。
    """
    scored = {id(i): it for i, it in ctx.indicator_items()}
    inds = []
    for i in ctx.report.indicators:
        W, S = i.weight.number, i.self_score.number
        if W is None:
            continue
        item = scored.get(id(i))
        missed = item is not None and item.score is not None and item.score < W - ctx.score_tol
        deducted = S is not None and S < W
        reason = (i.deviation.value or "").strip()
        if (missed or deducted) and (not reason or reason in {"无偏差", "无", "/"}):
            inds.append(i)
    if inds:
        yield Hit(f"{len(inds)} 个指标未达标或被扣分，却没有说明偏差原因：" +
                  "、".join(f"“{i.name.value}”（{i.self_score.value}/{i.weight.value}分）" for i in inds) + "。",
                  [i.deviation if i.deviation.source else i.self_score for i in inds], expected="说明偏差原因及改进措施",
                  found="空白或“无偏差”")


@check("JX406", "unit-missing", "指标值没有计量单位", "info")
def unit_missing(ctx: Context) -> Iterator[Hit]:
    """检查什么
    定量年度指标值只有数字（“9”“5000000”），没有计量单位（人、家、元、万元……）。

    为什么重要
    没有单位的目标无法判断口径（5000000 是元还是美元？），也容易与实际值错位比较。

    示例
    “带动企业出口金额”年度指标值 5000000，实际完成值 20000000，均无单位。

    依据
    定量指标应有计量单位（101号指标设置指引，RULES.md N-08，[OFF-M]）。
    """
    inds = [i for i in ctx.report.indicators if i.target.parsed and i.target.parsed.number is not None
            and not i.target.parsed.unit and not i.target.parsed.date]
    if inds:
        yield Hit(f"{len(inds)} 个定量指标值没有计量单位：" + "、".join(f"“{i.name.value}” {i.target.raw}" for i in inds) + "。",
                  [i.target for i in inds], expected="数值＋计量单位", found="只有数字")


@check("JX407", "unit-mismatch", "指标值与完成值计量单位不一致", "info")
def unit_mismatch(ctx: Context) -> Iterator[Hit]:
    """检查什么
    年度指标值与实际完成值的计量单位不同（“≥50各”对“≥62个”，“%”对“次”）。

    为什么重要
    单位不同的两个数不能直接比较；常见原因是笔误或抄错行。

    示例
    年度指标值“≥50各”，实际完成值“≥62个”。

    依据
    RULES.md N-08（计量单位，[OFF-M]）；比较前单位须一致（[INF]）。
    """
    inds = [i for i in ctx.report.indicators if i.target.parsed and i.actual.parsed and i.target.parsed.unit
            and i.actual.parsed.unit and i.target.parsed.unit != i.actual.parsed.unit]
    if inds:
        yield Hit("计量单位不一致：" + "、".join(f"“{i.name.value}” {i.target.raw} / {i.actual.raw}" for i in inds) + "。",
                  [x for i in inds for x in (i.target, i.actual)], expected="单位一致",
                  found="、".join(f"{i.target.parsed.unit}/{i.actual.parsed.unit}" for i in inds))


@check("JX408", "estimate-as-actual", "以预计数作为完成情况", "warning")
def estimate_as_actual(ctx: Context) -> Iterator[Hit]:
    """检查什么
    正文用“预计完成”“预计满意度达100%”等预计数说明完成情况。

    为什么重要
    自评是对已结束年度的评价，应填报实际完成值；以预计数计分，得分没有事实依据。

    示例
    “全年预计完成社会消费品零售总额420亿元”，指标表实际完成值写“已完成”。

    依据
    RULES.md N-07(c)（[INF]，依据 2016 年自评通知“对应填报年度实际完成值”[OFF-2]）。
    """
    claims = [c for c in ctx.report.claims if c.kind == "estimate"]
    if claims:
        yield Hit(f"正文有 {len(claims)} 处以“预计”说明完成情况：" +
                  "；".join(f"{c.value.source.where()}“{c.value.value}”" for c in claims) + "。",
                  [c.value for c in claims], expected="实际完成数", found="预计数")
