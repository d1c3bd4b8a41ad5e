"""JX504–JX509 报告质量: findings from the 附件5 report-quality analysis (rules/quality.py).

The score itself is ``Record.quality``; these checks point the reviewer at what lowers it: parts
and attachments the reference format requires, problems that leave out the named areas or only
plead for money, measures that answer no problem.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Value
from ..rules.quality import Analysis, analyse
from ..rules.report_sections import dedupe
from .registry import Context, Hit, check

DEPT = ("department",)


def _analysis(ctx: Context) -> Analysis:
    return analyse(ctx.report, ctx.doc)


def _first(values: list[Value], limit: int = 6) -> list[Value]:
    return dedupe(values)[:limit]


@check("JX504", "format-section-missing", "正文缺少统一参考格式要求的部分", "warning", kinds=DEPT, needs=("text",))
def format_section_missing(ctx: Context) -> Iterator[Hit]:
    """检查什么
    识别报告所依据的统一参考格式（岳阳2024、娄底2024、岳阳2015表式、长沙2019），逐一核对格式规定的
    正文部分（如“三、政府性基金预算支出情况”“九、…结果拟应用和公开情况”）是否都有。
    “存在的问题”“改进措施”两部分由 JX502 报告，这里不重复。

    为什么重要
    考核评分表“完整性”一项中正文内容齐全占 8 分，每少一个部分扣 2 分；缺少的部分往往正是
    需要说明的事项（如其他资金的支出、结果应用和公开）。

    示例
    岳阳 2024 格式的报告从“八、下一步改进措施”直接跳到附件，没有“九、部门整体支出绩效自评结果
    拟应用和公开情况”。

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5）完整性（RULES.md Q-05，[SEED]）；各格式的
    部分清单读自种子报告（RULES.md §4.5，[SEED]/[INF]）。
    """
    a = _analysis(ctx)
    if a.match is None:
        return
    for k, h in enumerate(a.sections):
        if h.found or h.spec.get("role") in ("problems", "measures"):
            continue
        before = next((x.line for x in reversed(a.sections[:k]) if x.line is not None), None)
        after = next((x.line for x in a.sections[k + 1:] if x.line is not None), None)
        ev = [ln.value() for ln in (before, after) if ln is not None] or a.title_evidence()
        yield Hit(f"按{a.match.fmt['name']}，正文应有“{h.label}”部分，报告中未找到。", ev,
                  expected=f"有“{h.label}”", found="未找到")


@check("JX505", "format-attachment-missing", "缺少统一参考格式要求的附件", "warning", kinds=DEPT, needs=("table", "text"))
def format_attachment_missing(ctx: Context) -> Iterator[Hit]:
    """检查什么
    报告所依据的统一参考格式要求的附件（岳阳2024：基础数据表、部门整体支出绩效自评表、有项目支出时
    的项目支出绩效自评表；娄底2024：基础数据表、自评表；岳阳2015：附件4-1评分表）是否附上。
    报告自己的附件清单列了却没附的，由 JX503 报告；报告写明“另行报送”的项目支出绩效自评表不算缺。

    为什么重要
    附件齐全占完整性 7 分，每少一个扣 2 分；没有基础数据表或自评表，报告中的数字无从核对。

    示例
    娄底格式的报告只有正文和自评表，没有“部门整体支出绩效评价基础数据表”，附件清单也没有列。

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5）完整性（RULES.md Q-05，[SEED]）；附件清单读自
    种子报告（RULES.md §4.5，[SEED]）。
    """
    a = _analysis(ctx)
    if a.match is None:
        return
    for h in a.attachments:
        if h.required and not h.present and h.listed is None:
            yield Hit(f"按{a.match.fmt['name']}，应附{h.label}，报告中未见，附件清单也未列。", a.title_evidence(),
                      expected=f"附{h.label}", found="未附")


@check("JX506", "problems-incomplete", "存在问题归纳不全面或过于简单", "warning", kinds=DEPT, needs=("text",))
def problems_incomplete(ctx: Context) -> Iterator[Hit]:
    """检查什么
    “存在的问题”部分是否从预算和预算绩效管理、部门履职效能、资金分配使用和管理、资产和财务管理、
    政府采购等方面归纳问题并分析原因。按每条问题的首句（归纳语）用关键词判断涉及哪些方面；只涉及
    两个及以下方面，或没有分条、只有一两句话时报告。

    为什么重要
    反映问题情况占考核评分 20 分：全面 20，较全面 16–18，不全面 13–15，未归纳且过于简单 10–12。
    问题写得空泛，改进措施就无的放矢，自评失去意义。

    示例
    “存在的问题”只有一句“绩效管理意识还有待加强”，没有分条，也没有分析原因。

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5）反映问题情况（RULES.md Q-07，[SEED]）；按关键词
    判断方面和分档是推断（[INF]）。
    """
    a = _analysis(ctx)
    p = a.problems
    if not p.found or not p.items or a.problems_funding_only or a.problems_band not in ("不全面", "未归纳且过于简单"):
        return
    item = next(it for it in a.quality.items if it.id == "Q-07") if a.quality else None
    reasons = "；".join(d.reason for d in item.deductions) if item else ""
    yield Hit(f"“存在的问题”反映问题情况得{item.score if item else '?'}分（满分20）：{reasons}。",
              _first(p.heading_value() + [it.value for it in p.items]),
              expected="从五个方面归纳问题并分析原因", found=a.problems_band)


@check("JX507", "problems-only-funding", "存在问题只提资金不足", "warning", kinds=DEPT, needs=("text",))
def problems_only_funding(ctx: Context) -> Iterator[Hit]:
    """检查什么
    “存在的问题”是否只有资金（经费）不足、投入不足一类问题。

    为什么重要
    考核评分表规定“只提出资金不足问题的不得分”（反映问题情况 20 分全扣）：把问题归结为缺钱，
    回避了预算管理、履职和资金使用本身的问题。

    示例
    “存在的问题：一是工作经费不足；二是专项资金投入不足，制约了工作开展。”

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5）反映问题情况（RULES.md Q-07，[SEED]）。
    """
    a = _analysis(ctx)
    if a.problems_funding_only:
        yield Hit("“存在的问题”只提出了资金（经费）不足，按考核评分表反映问题情况不得分。",
                  _first(a.problems.heading_value() + [it.value for it in a.problems.items]),
                  expected="归纳管理、履职、资金使用等方面的问题", found="只提资金不足")


@check("JX508", "measures-not-answering", "改进措施与问题不对应或过于简单", "warning", kinds=DEPT, needs=("text",))
def measures_not_answering(ctx: Context) -> Iterator[Hit]:
    """检查什么
    “改进措施”是否逐条回应“存在的问题”：每条问题都应有一条措施与之对应（同一方面、说的是同一件事）；
    措施只有一两句、泛泛而谈的，也报告。

    为什么重要
    建议情况占考核评分 15 分：与问题对应且全面 15，比较全面 12–14，不全面 9–11，过于简单 6–8。
    问题和措施各说各的，问题就得不到整改。

    示例
    问题写“招商引资项目落地难、开放型经济势能不足”，措施写“优化支出结构、强化预算约束”。

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5）建议情况（RULES.md Q-08，[SEED]）；按共同方面
    和共同词判断对应关系是推断（[INF]）。
    """
    a = _analysis(ctx)
    m = a.measures
    if not m.found or not m.items or a.measures_funds_only:
        return
    item = next(it for it in a.quality.items if it.id == "Q-08") if a.quality else None
    if not a.unanswered and a.measures_band != "过于简单":
        return
    reasons = "；".join(d.reason for d in item.deductions) if item else ""
    ev = [it.value for it in a.unanswered] + m.heading_value() + [it.value for it in m.items]
    yield Hit(f"“改进措施”建议情况得{item.score if item else '?'}分（满分15）：{reasons}。", _first(ev),
              expected="每条问题都有对应的改进措施", found=f"{len(a.unanswered)}条问题无对应措施" if a.unanswered else "过于简单")


@check("JX509", "measures-only-more-funds", "改进措施只提加大资金投入", "warning", kinds=DEPT, needs=("text",))
def measures_only_more_funds(ctx: Context) -> Iterator[Hit]:
    """检查什么
    “改进措施”是否只有加大资金投入、争取更多经费一类建议。

    为什么重要
    考核评分表规定“只提出加大资金投入建议的不得分”（建议情况 15 分全扣）：要钱不是改进管理的措施。

    示例
    “下一步改进措施：一是加大资金投入；二是积极争取上级资金支持。”

    依据
    岳阳市部门整体支出绩效自评工作考核评分表（附件5）建议情况（RULES.md Q-08，[SEED]）。
    """
    a = _analysis(ctx)
    if a.measures_funds_only:
        yield Hit("“改进措施”只提出加大资金投入，按考核评分表建议情况不得分。",
                  _first(a.measures.heading_value() + [it.value for it in a.measures.items]),
                  expected="针对问题的管理改进措施", found="只提加大资金投入")
