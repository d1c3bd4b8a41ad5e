"""JX4xx 指标质量: are targets measurable and actuals measured (RULES.md N-06, N-07)."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Iterator

from ..extract.yueyang import embedded_quantity
from ..model import Indicator
from ..rules.indicators import is_reverse
from .registry import Context, Hit, check

# A 偏差原因 cell that says nothing: blank, “无偏差”, or a bare “已完成/超额完成/达标”.
NO_REASON = re.compile(r"(?:无|没有|不存在)?偏差|无|/|／|—|-|已?(?:超额)?完成(?:年度)?(?:目标|任务|指标)?(?:值)?|已?达标"
                       r"|已?达到(?:年度)?(?:目标|预期|指标值?)?|正常|是")


def explained(text: str | None) -> bool:
    """True when a 偏差原因 cell gives a reason (not blank, “无偏差”, “已完成” …)."""
    t = re.sub(r"[\s，,。.；;：:！!、（）()]", "", text or "")
    return bool(t) and not NO_REASON.fullmatch(t)


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
    正向定量指标的实际完成值达到年度指标值的 130%（可配置的超额阈值）以上，且“偏差原因分析”栏
    没有说明原因（空白、“无偏差”“已完成”“超额完成”都不算说明）。

    为什么重要
    大幅超额往往说明年初目标定得过低；规定要求分析原因，并按偏离度适度调减分值。

    示例
    “新增会员企业数量”目标 5，实际 41（820%），得满分且无说明。

    依据
    “对完成值高于指标值较多的，要分析原因……按照偏离度适度调减分值”（财预〔2020〕10号，[OFF-M]）；130% 阈值见系统实现（RULES.md N-03，[IMPL]/[INF]）。
    """
    limit = ctx.overachieve_ratio
    inds = []
    for i in ctx.report.indicators:
        t, a = i.target.parsed, i.actual.parsed
        if not t or not a or t.number is None or a.number is None or t.date or is_reverse(i) or t.number <= 0:
            continue
        if a.number / t.number >= limit and not explained(i.deviation.value):
            inds.append((i, a.number / t.number))
    if inds:
        yield Hit(f"{len(inds)} 个指标完成值超过目标 {int(limit * 100)}% 以上且未说明原因：" +
                  "；".join(f"“{i.name.value}”目标 {i.target.raw}，实际 {i.actual.raw}（{(r * 100):.0f}%）" for i, r in inds),
                  [x for i, _ in inds for x in (i.target, i.actual)], expected="分析原因，按偏离度调减",
                  found="无说明、满分")


@check("JX405", "deduction-without-reason", "未达标或扣分的指标未说明偏差原因", "warning")
def deduction_without_reason(ctx: Context) -> Iterator[Hit]:
    """检查什么
    自评扣了分，或按规则复核未达标的指标，“偏差原因分析及改进措施”栏是否为空，或只写着“无偏差”
    “已完成”之类没有原因的话。

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
        if (missed or deducted) and not explained(i.deviation.value):
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
    正文用“预计完成”“预计满意度达100%”等预计数说明完成情况，或自评表的实际完成值写作
    “预计95%”“预估120家”。

    为什么重要
    自评是对已结束年度的评价，应填报实际完成值；以预计数计分，得分没有事实依据。

    示例
    “全年预计完成社会消费品零售总额420亿元”，指标表实际完成值写“已完成”。

    依据
    RULES.md N-07(c)（[INF]，依据 2016 年自评通知“对应填报年度实际完成值”[OFF-2]）。
    """
    claims = [c for c in ctx.report.claims if c.kind == "estimate"]
    seen = {c.value.source.line for c in claims if c.value.source is not None}
    cells = [i for i in ctx.report.indicators if ESTIMATE.search(i.actual.raw or "")
             and (i.actual.source is None or i.actual.source.line not in seen)]
    parts = []
    if claims:
        parts.append(f"正文有 {len(claims)} 处以“预计”说明完成情况：" +
                     "；".join(f"{ctx.placed(c.value).source.where()}“{c.value.value}”" for c in claims))
    if cells:
        parts.append(f"自评表 {len(cells)} 个指标的实际完成值是预计数：" +
                     "；".join(f"“{i.name.value}”{i.actual.raw}" for i in cells))
    if parts:
        yield Hit("；".join(parts) + "。", [c.value for c in claims] + [i.actual for i in cells],
                  expected="实际完成数", found="预计数")


ESTIMATE = re.compile(r"预计|预估|估计|估算|预测")


# ---------------------------------------------------------------------------------------------
# JX409: a target that belongs to another row. The indicator's name says what kind of quantity it
# measures (…率/满意度 a percentage, …时间 a date, …次数/场次/人数 a count, …金额/成本 money); a
# target of another kind, or one whose count unit another row's name asks for while that row's
# target fits this name, was most likely typed into the wrong row.

KIND_ZH = {"pct": "百分比", "date": "时间", "count": "数量", "money": "金额"}
NAME_KINDS = (  # first match wins: “经费保障人数” is a count, “预算控制率” a percentage
    ("pct", re.compile(r"率$|满意度|比例|占比|比重|百分比")),
    ("date", re.compile(r"时间|期限|时限|日期")),
    ("count", re.compile(r"数量|次数|场次|期数|人数|人次|家数|个数|户数|件数|项数|批次|场数|篇数|条数|天数")),
    ("money", re.compile(r"金额|成本|资金|经费|费用|投资|总额|控制额")),
)
YES_NO = re.compile(r"^是否|^有无")  # “是否全部纳入预算管理”: a yes/no or coverage question, not an amount
BARE_MONEY = {"万", "亿", "千万"}  # “45万” under a money name is 45万元
CHANGE_WORDS = re.compile(r"增长|增幅|增加|提高|提升|下降|降低|压减|减少|节约|节省")  # “…压减10%”: a rate of change
NAME_UNITS = {  # the count unit a name asks for
    "场次": {"场", "场次", "次"}, "场数": {"场"}, "次数": {"次"}, "期数": {"期"}, "人数": {"人", "名"},
    "人次": {"人次"}, "家数": {"家"}, "个数": {"个"}, "户数": {"户"}, "件数": {"件"}, "项数": {"项"},
    "批次": {"批", "批次"}, "篇数": {"篇"}, "条数": {"条"}, "天数": {"天"},
}
MONEY_UNIT = re.compile(r"(?:千|万|亿|万亿)?(?:元|美元)")
DATE_UNITS = {"月", "日", "日期", "年", "季度"}


def _name(ind: Indicator) -> str:
    return re.sub(r"(?:指标)?[\s。．.,，；;、]*$", "", str(ind.name.value or ""))


def name_kind(ind: Indicator) -> str | None:
    """What the indicator's name says it measures: pct / date / count / money, or None."""
    name = _name(ind)
    if YES_NO.search(name):
        return None
    return next((k for k, rx in NAME_KINDS if rx.search(name)), None)


def target_kind(ind: Indicator) -> str | None:
    """What kind of quantity the parsed target is, from its unit (None when it has none)."""
    t = ind.target.parsed
    if t is None:
        return None
    if t.date is not None:
        return "date"
    u = t.unit
    if not u:
        return None
    if u == "%":
        return "pct"
    if u in DATE_UNITS:
        return "date"
    if u in BARE_MONEY and name_kind(ind) == "money":
        return "money"
    return "money" if MONEY_UNIT.fullmatch(u) else "count"


def _fits_kind(ind: Indicator, kind: str | None) -> bool:
    nk = name_kind(ind)
    if nk is None or kind is None or nk == kind:
        return True
    return kind == "pct" and nk in ("money", "count") and bool(CHANGE_WORDS.search(_name(ind)))


def _asked_units(ind: Indicator) -> set[str] | None:
    name = _name(ind)
    return next((units for token, units in NAME_UNITS.items() if name.endswith(token)), None)


def _fits_unit(ind: Indicator, unit: str | None) -> bool:
    asked = _asked_units(ind)
    return asked is None or unit is None or unit in asked


WORD_STOP = {"指标", "完成", "实现", "达到", "提升", "有效", "提高", "以上", "不低", "低于", "不少", "少于", "全年",
             "年度", "本年", "工作", "情况", "按时", "及时", "持续", "进一", "一步"}


@lru_cache(maxsize=1024)
def _words(text: str | None) -> frozenset[str]:
    """The Chinese character pairs of ``text`` (the words of a target or a name), minus the
    stock words every target uses (完成, 达到, 提升 …). Memoised: JX409 compares every row's
    target with every other row's name."""
    runs = re.findall(r"[\u4e00-\u9fff]+", text or "")
    return frozenset({r[k:k + 2] for r in runs for k in range(len(r) - 1)} - WORD_STOP)


def _word_home(ind: Indicator, inds: list[Indicator]) -> Indicator | None:
    """The row whose name the target's words fit (≥2 shared pairs) when they share none with the
    indicator's own name (“参展企业满意度≥90%” written on the 展览次数 row)."""
    tw = _words(ind.target.raw)
    if len(tw) < 2 or tw & _words(str(ind.name.value or "")):
        return None
    score, home = max(((len(tw & _words(str(j.name.value or ""))), k) for k, j in enumerate(inds) if j is not ind),
                      default=(0, -1))
    return inds[home] if score >= 2 else None


def _misfit(ind: Indicator, inds: list[Indicator]) -> str | None:
    """``kind`` when the target's kind does not fit the name, ``unit`` when its count unit is not
    the one the name asks for, ``words`` when its words fit another row's name and not its own;
    else None."""
    if not _fits_kind(ind, target_kind(ind)):
        return "kind"
    if not _fits_unit(ind, ind.target.parsed.unit if ind.target.parsed else None):
        return "unit"
    return "words" if _word_home(ind, inds) is not None else None


def _wants(j: Indicator, i: Indicator, inds: list[Indicator]) -> bool:
    """Does row ``j``'s name ask for row ``i``'s target?"""
    off = _misfit(i, inds)
    if off == "kind":
        return name_kind(j) == target_kind(i)
    if off == "unit":
        return (i.target.parsed.unit or "") in (_asked_units(j) or set())
    return off == "words" and _word_home(i, inds) is j


@check("JX409", "target-misplaced", "指标值与指标名称不符（疑似填错行）", "warning")
def target_misplaced(ctx: Context) -> Iterator[Hit]:
    """检查什么
    年度指标值的计量单位是否与三级指标名称相符：名称为“……率”“满意度”的应为百分比，“……时间”
    应为时间，“……次数/场次/人数”应为数量，“……金额/成本”应为金额。单位类别不符的，找出名称与
    之相符的另一行（“更像是某行的指标值”）；指标值里的文字与本行名称毫不相干、却与另一行名称
    相符的（“展览次数”一行写着“参展企业满意度≥90%”），同样列出；两行的指标值正好对调（“期数”一行
    写着“≥8次”，“次数”一行写着“≥40期”）的，列为两行互换。

    为什么重要
    指标值填错行，得分就按错误的目标计算：满意度按“场”比、次数按“期”比，达标与否都失去意义；
    这类错误多来自复制表格时错位，自评和审核都容易看漏。

    示例
    “服务对象满意度”年度指标值“≥20场”，“组织展会活动场次”年度指标值“≥90%”。

    依据
    定量指标应有与指标内容一致的计量单位（财预〔2021〕101号指标设置指引，RULES.md N-08，[OFF-M]）；
    判断方法 [INF]。
    """
    inds = [i for i in ctx.report.indicators if not i.not_applicable and i.target.parsed is not None]
    done: set[int] = set()
    for i in inds:
        off = _misfit(i, inds)
        if off is None or id(i) in done:
            continue
        swapped = next((j for j in inds if j is not i and id(j) not in done and _misfit(j, inds)
                        and _wants(j, i, inds) and _wants(i, j, inds)), None)
        if swapped is not None:
            done |= {id(i), id(swapped)}
            yield Hit(f"“{i.name.value}”的年度指标值“{i.target.raw}”与“{swapped.name.value}”的年度指标值"
                      f"“{swapped.target.raw}”疑似互换：两者都与本行指标名称不符，而与对方相符。",
                      [i.name, i.target, swapped.name, swapped.target], expected="指标值与指标名称相符",
                      found=f"{i.target.raw} / {swapped.target.raw}")
        elif off == "kind":  # a count-unit mismatch alone (“场次”→“次”) is not evidence enough
            done.add(id(i))
            home = next((j for j in inds if j is not i and _wants(j, i, inds)), None)
            also = f"，更像是“{home.name.value}”一行的指标值" if home else ""
            want, got = KIND_ZH[name_kind(i)], KIND_ZH[target_kind(i)]
            yield Hit(f"“{i.name.value}”是{want}类指标，年度指标值却是“{i.target.raw}”（{got}）{also}。",
                      [i.name, i.target] + ([home.name] if home else []), expected=f"{want}类指标值", found=i.target.raw)
        elif off == "words":
            done.add(id(i))
            home = _word_home(i, inds)
            yield Hit(f"“{i.name.value}”的年度指标值“{i.target.raw}”与本行指标名称无关，而与“{home.name.value}”"
                      f"一行的名称相符。", [i.name, i.target, home.name], expected="指标值与指标名称相符",
                      found=i.target.raw)


# ---------------------------------------------------------------------------------------------
# JX410: most measured actuals hit their targets exactly.

EQUAL_MIN = 3  # at least this many exact hits …
EQUAL_SHARE = Decimal("0.5")  # … and at least this share of the comparable indicators


def _comparable(ind: Indicator) -> bool:
    """A quantitative target that a measured actual could miss or beat: not a date, not 100%
    (nothing can exceed it) or 0, with a measured actual (no operator: that is JX401/JX402)."""
    t, a = ind.target.parsed, ind.actual.parsed
    if ind.not_applicable or t is None or a is None or t.number is None or a.number is None:
        return False
    if t.date is not None or a.date is not None or a.op is not None or t.number == 0:
        return False
    if t.unit == "%" and t.number == 100:
        return False
    return not (t.unit and a.unit and t.unit != a.unit)


@check("JX410", "targets-equal-actuals", "多数定量指标完成值恰好等于指标值（指标值可能以结果倒推）", "warning")
def targets_equal_actuals(ctx: Context) -> Iterator[Hit]:
    """检查什么
    在能够比较的定量指标中（年度指标值有数值、实际完成值是测得的数值；不含时间、100% 和 0 这类
    只能“恰好达到”的目标），实际完成值与年度指标值分毫不差的有 3 个以上、且占一半以上。实际
    完成值照抄带比较符号的指标值（“≥95%”→“≥95%”）由 JX402 报告，不在此列。

    为什么重要
    真实的完成值很少与年初目标一个不差；大多数指标恰好“刚好完成”，通常是年底按实际结果倒填
    了指标值，或者完成值是按目标填的。两种情况下，得分都说明不了绩效。

    示例
    开班期数目标 ≥40期、实际 40期；展览次数 ≥8次、实际 8次；参与人次 ≥30000人次、实际 30000人次；
    结业率 ≥90%、实际 90%……10 个可比较的指标中 7 个恰好相等。

    依据
    “对照年初预算设定的绩效目标及指标值，对应填报年度实际完成值”（2016 年自评通知，[OFF-2]）；
    指标值应在年初设定（财预〔2021〕101号，[OFF-M]）；比例阈值 [INF]。
    """
    comparable = [i for i in ctx.report.indicators if _comparable(i)]
    equal = [i for i in comparable if i.actual.parsed.number == i.target.parsed.number]
    if len(equal) >= EQUAL_MIN and len(equal) >= EQUAL_SHARE * len(comparable):
        yield Hit(f"{len(comparable)} 个可比较的定量指标中，{len(equal)} 个实际完成值恰好等于年度指标值：" +
                  "、".join(f"“{i.name.value}” {i.target.raw}→{i.actual.raw}" for i in equal) +
                  "。指标值可能是按实际结果倒推设定的，或完成值是按目标填写的。",
                  [x for i in equal for x in (i.target, i.actual)], expected="实际测得的完成值",
                  found=f"{len(equal)}/{len(comparable)} 恰好等于指标值")
