"""JX2xx 评分复核: the unit's self-scores against the recomputed scores and the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from ..extract.numbers import normalize, percent_text
from ..model import ScoredItem, Value
from ..rules.base import load_ruleset, normalize_grade, ratio
from ..rules.indicators import is_deadline
from ..rules.ruleset import ruleset_basis
from .registry import Context, Hit, check

ORDER = {"优": 4, "良": 3, "中": 2, "差": 1}


def _evidence(item: ScoredItem, *keys: str) -> list[Value]:
    return [item.inputs[k] for k in keys if k in item.inputs and item.inputs[k] is not None]


@check("JX201", "execution-score-too-high", "预算执行率得分高于按执行率计算的得分", "error")
def execution_score_too_high(ctx: Context) -> Iterator[Hit]:
    """检查什么
    自评表“年度资金总额”行的得分，是否高于 分值 × min(执行率, 100%)（执行率按执行数 ÷ 预算数重算）。

    为什么重要
    执行率没有达到 100% 而执行率得分满分，是最常见的“自评偏高”。

    示例
    全年预算数 320.00、执行数 272.00（85.00%），分值 10，得分填 10，应为 8.50。

    依据
    执行率 = 全年执行数 / 全年预算数 [OFF-2]；得分 = 分值 × 执行率（RULES.md N-05，[INF]）。
    """
    card = ctx.card
    if card is None:
        return
    for item in card.items:
        if item.indicator == "预算执行率" and item.score is not None and item.self_score is not None \
                and item.self_score > item.score + ctx.score_tol:
            yield Hit(f"预算执行率得分自评 {item.self_score} 分，按 {item.formula} 应为 {item.score} 分。",
                      _evidence(item, "得分", "全年执行数", "全年预算数"), expected=f"{item.score}分",
                      found=f"{item.self_score}分", score_impact=item.score - item.self_score)


@check("JX202", "execution-not-weighted", "预算执行率未单独赋分", "error")
def execution_not_weighted(ctx: Context) -> Iterator[Hit]:
    """检查什么
    自评表中预算执行率是否按规定单独占 10 分；若“年度资金总额”行的分值就是总分（100），执行率
    没有权重，执行率再低也不扣分。

    为什么重要
    执行率是自评的四个一级指标之一；不赋分等于把预算执行情况排除在评价之外。

    示例
    执行率 66.46%，该行分值 100、得分 98.5（即总分），执行率没有扣一分。

    依据
    “预算执行率10%……如有特殊情况，一级指标权重可做适当调整”（财预〔2020〕10号，[OFF-M]；2016 年自评通知，[OFF-2]）。
    """
    f = ctx.report.funds
    card = ctx.card
    if card is None or not f.weight.present:
        return
    total_w = ctx.report.self_assessment.total_weight.number or Decimal(100)
    if f.weight.number is not None and f.weight.number >= total_w:
        item = card.items[0]
        rate = ratio(f.executed.number, f.full_year_budget.number)
        impact = (item.score - item.weight) if item.score is not None and item.weight is not None else None
        yield Hit(f"“年度资金总额”行的分值为 {f.weight.value}（即总分），预算执行率没有单独的分值；执行率 "
                  f"{percent_text(rate)} 未影响得分。按规定执行率占 10 分，应得 {item.score} 分。",
                  [f.weight, f.execution_rate, f.executed, f.full_year_budget], expected="执行率单独占10分",
                  found=f"分值{f.weight.value}（总分）", score_impact=impact)


@check("JX203", "quantitative-over-scored", "定量指标得分高于按公式计算的得分", "error")
def quantitative_over_scored(ctx: Context) -> Iterator[Hit]:
    """检查什么
    定量指标（有数值的年度指标值和实际完成值）未达标时，自评得分是否高于 正向 分值×实际/目标、
    反向（成本、控制数、≤ 类）分值×目标/实际。

    为什么重要
    未完成的定量目标照样得满分或接近满分，是自评虚高的主要来源。得分容差（0.1 分）只用于四舍五入，
    不能掩盖“目标未完成却得满分”：未达标而得满分的，差额再小也列出。

    示例
    成本指标“部门整体支出预算控制数”目标 234.42，实际 298.71，分值 10，自评 9 分；按反向公式应得 7.85 分。

    依据
    中央部门项目支出绩效自评表填表说明：正向 B/A×分值，反向 A/B×分值（RULES.md N-03，[OFF-2]）。
    """
    card = ctx.card
    if card is None:
        return
    for item in card.items:
        if item.rule != "N-03" or item.score is None or item.self_score is None or item.indicator == "预算执行率":
            continue
        if "时效" in item.formula:
            continue  # JX204
        full_marks_unmet = item.weight is not None and item.self_score >= item.weight > item.score
        if item.self_score > item.score + ctx.score_tol or full_marks_unmet:
            yield Hit(f"“{item.indicator}”：{item.formula}；自评 {item.self_score} 分。",
                      _evidence(item, "年度指标值", "实际完成值", "得分"), expected=f"{item.score}分",
                      found=f"{item.self_score}分", score_impact=item.score - item.self_score)


@check("JX204", "deadline-missed", "时效指标逾期完成仍得高分", "error")
def deadline_missed(ctx: Context) -> Iterator[Hit]:
    """检查什么
    时效指标（完成时间、“……前”）的实际完成时间晚于目标时间时，自评得分是否仍为满分或高于按
    反向公式计算的得分。

    为什么重要
    逾期就是未完成；满分等于把“按时完成”这一目标取消了。

    示例
    “境内经贸活动完成时间”目标 11月，实际 12月，分值 2.5，自评 2.5 分。

    依据
    时效类按反向指标处理，逾期即未达标（RULES.md N-03 deadline，[INF]；反向公式 [OFF-2]）。
    """
    for ind, item in ctx.indicator_items():
        if not is_deadline(ind) or item.score is None or item.self_score is None:
            continue
        if item.score < (item.weight or 0) and item.self_score > item.score + Decimal("0.001"):
            yield Hit(f"“{ind.name.value}”目标 {ind.target.raw}，实际 {ind.actual.raw}，逾期完成，自评 {item.self_score}/{item.weight} 分。"
                      f"{item.formula}。",
                      [ind.target, ind.actual, ind.self_score], expected=f"{item.score}分（逾期扣分）",
                      found=f"{item.self_score}分", score_impact=item.score - item.self_score)


@check("JX205", "qualitative-band", "定性指标得分超出完成情况对应的分档", "warning")
def qualitative_band(ctx: Context) -> Iterator[Hit]:
    """检查什么
    定性指标按完成情况分档：达成 80%–100%，部分达成 60%–80%，未达成 60% 以下；实际写“未完成”
    “部分完成”而得分落在更高一档的，列出来。

    为什么重要
    定性指标最容易“打人情分”，分档是唯一的约束。

    示例
    实际完成值“未完成”，分值 10，自评 9 分。

    依据
    财预〔2020〕10号 定性指标分档（RULES.md N-04，[OFF-M]；系统实现 [IMPL]）。
    """
    card = ctx.card
    if card is None:
        return
    for item in card.items:
        if item.rule == "N-04" and item.score is not None and item.self_score is not None and item.self_score > item.score:
            yield Hit(f"“{item.indicator}”：{item.formula}。", _evidence(item, "实际完成值", "得分"),
                      expected=f"不高于{item.score}分", found=f"{item.self_score}分", score_impact=item.score - item.self_score)


@check("JX206", "grade-mismatch", "评价等次与自评得分不符", "error")
def grade_mismatch(ctx: Context) -> Iterator[Hit]:
    """检查什么
    填写的评价等次（优/良/中/差，优秀/良好……）是否与自评总分对应的等次一致。

    为什么重要
    等次是结果应用的依据，与分数不符时以哪个为准会产生争议。

    示例
    自评 86 分，评价等次填“优秀”。

    依据
    90（含）–100 优，80（含）–90 良，60（含）–80 中，60 以下差（财预〔2020〕10号，RULES.md N-01，[OFF-M]/[OFF-2]）。
    """
    sa = ctx.report.self_assessment
    stated = normalize_grade(sa.grade.value)
    expected = ctx.grade(sa.total.number)
    if stated and expected and stated != expected:
        yield Hit(f"自评得分 {sa.total.number} 分对应“{expected}”，报告填写“{sa.grade.value}”。", [sa.grade, sa.total],
                  expected=expected, found=str(sa.grade.value))


@check("JX207", "grade-drops", "复核后评价等次下降", "warning", needs=("table",))
def grade_drops(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按规则复核的总分所对应的等次，是否低于单位自评的等次。

    为什么重要
    等次变化直接影响结果应用（预算安排、通报），是复核意见中最需要写明的一点。

    示例
    自评 91 分（优），复核 87.5 分（良）。

    依据
    RULES.md N-01 等级划分（[OFF-M]/[OFF-2]）。
    """
    card = ctx.card
    if card is None or not card.grade or not card.self_grade:
        return
    if ORDER[card.grade] < ORDER.get(card.self_grade, 0):
        yield Hit(f"自评 {card.self_total} 分（{card.self_grade}），复核 {card.total} 分（{card.grade}）。",
                  [ctx.report.self_assessment.total], expected=card.grade, found=card.self_grade,
                  score_impact=(card.total - card.self_total) if card.self_total is not None else None)


@check("JX208", "external-rating-lower", "自评等次高于外部考核结果", "warning")
def external_rating_lower(ctx: Context) -> Iterator[Hit]:
    """检查什么
    报告中引用的外部考核结果（如市绩效办考核“良好”）是否低于单位自评的等次。

    为什么重要
    外部考核低于自评，说明自评标准比考核宽松，复核时应重点核查扣分点。

    示例
    “市绩效办对我单位的绩效评估考核结果为良好”，而自评 98 分（优）。

    依据
    RULES.md N-01（[INF]：外部考核与自评的等次对照）。
    """
    sa = ctx.report.self_assessment
    ext = normalize_grade(sa.external_rating.value)
    own = normalize_grade(sa.grade.value) or ctx.grade(sa.total.number)
    if ext and own and ORDER[ext] < ORDER[own]:
        yield Hit(f"外部考核结果为“{sa.external_rating.value}”，自评为 {sa.total.number} 分（{own}）。",
                  [sa.external_rating, sa.total], expected=f"不高于“{sa.external_rating.value}”", found=own)


def _family(level1: str | None) -> str | None:
    t = normalize(level1)  # 產出指標 is 产出指标
    for key, name in (("产出", "output"), ("成本", "output"), ("效益", "benefit"), ("效果", "benefit"),
                      ("满意", "satisfaction")):
        if key in t:
            return name
    return None


@check("JX209", "first-level-weights", "一级指标权重不符合规定", "warning", needs=("table",))
def first_level_weights(ctx: Context) -> Iterator[Hit]:
    """检查什么
    一级指标分值是否为 产出（含成本）50、效益 30、满意度 10、预算执行率 10。

    为什么重要
    权重可以“适当调整”，但调整要有理由；把效益权重调高、执行率调为 0，会让执行不好的单位照样高分。

    示例
    产出 50、效益 40、满意度 10，预算执行率 0。

    依据
    2016 年中央部门项目支出绩效自评通知（[OFF-2]）；财预〔2020〕10号（[OFF-M]）；RULES.md N-02。
    """
    r = ctx.report
    if not r.indicators or r.layout != "selfeval_table":
        return
    w = load_ruleset("national_2020")["weights"]
    sums = {"output": Decimal(0), "benefit": Decimal(0), "satisfaction": Decimal(0)}
    for ind in r.indicators:
        fam = _family(ind.level1.value)
        if fam and ind.weight.number is not None:
            sums[fam] += ind.weight.number
    exe = r.funds.weight.number if r.funds.weight.number is not None and r.funds.weight.number < 100 else Decimal(0)
    expected = {"output": w["output"], "benefit": w["benefit"], "satisfaction": w["satisfaction"]}
    names = {"output": "产出（含成本）", "benefit": "效益", "satisfaction": "满意度"}
    diffs = [f"{names[k]} {sums[k]}（应为{v}）" for k, v in expected.items() if sums[k] != Decimal(v)]
    if exe != Decimal(w["execution"]):
        diffs.append(f"预算执行率 {exe}（应为{w['execution']}）")
    if diffs:
        off = {k for k, v in expected.items() if sums[k] != Decimal(v)}
        evidence = [r.funds.weight] if exe != Decimal(w["execution"]) else []
        evidence += [i.weight for i in r.indicators if i.weight.present and _family(i.level1.value) in off]
        yield Hit("一级指标权重与规定不同：" + "；".join(diffs) + "。权重调整须说明理由。", evidence,
                  expected="产出50/效益30/满意度10/执行率10", found="；".join(diffs))


@check("JX210", "unverified-self-score", "自评得分无法用报告数据核实", "info")
def unverified_self_score(ctx: Context) -> Iterator[Hit]:
    """检查什么
    评分表中需要外部佐证（制度、公开、支付进度、工作实绩）或报告未给出数据的项目，单位自评的分数
    无法复核；列出这些项目及其合计分值。

    为什么重要
    这些分数不是“复核通过”，而是“无法复核”。复核人员应当要求单位补充佐证材料，而不是默认接受。

    示例
    附件4-1 评分表 25 项中 21 项（86 分）自评满分，报告未提供可核对的数据。

    依据
    RULES.md §8.3（[INF]：无法计算的自评分单列，不接受也不清零）。
    """
    card = ctx.card
    if card is None or not card.unverified_points:
        return
    items = [i for i in card.items if i.status == "无法计算" and i.self_score]
    if not items:
        return
    names = "、".join(i.indicator or "" for i in items[:8]) + ("等" if len(items) > 8 else "")
    yield Hit(f"{len(items)} 个评分项（自评合计 {card.unverified_points} 分）无法用报告中的数据复核：{names}。",
              [i.inputs.get("自评得分") or i.inputs.get("得分") for i in items][:10], expected="提供佐证材料",
              found=f"{card.unverified_points}分未经核实")


@check("JX211", "score-item-over", "评分表单项自评得分高于复核得分", "error")
def score_item_over(ctx: Context) -> Iterator[Hit]:
    """检查什么
    评分表（如岳阳附件4-1）中能用报告数据计算的项目——人员控制率、预算调整率、资金结余、三公经费
    控制率、政府采购执行率、固定资产利用率——自评得分是否高于按评分标准计算的得分。

    为什么重要
    这些项目有明确的计算公式和分档，自评满分而数据不支持，是可以直接扣回的分。

    示例
    年初预算安排专项资金 15 万元，年中调整 32.15 万元，预算调整率 214%，按“大于30%不得分”应为 0，自评 3 分。

    依据
    岳阳市部门整体支出绩效评价评分表（参考样表）（RULES.md §4.1，[SEED]/[OFF-2]）；指标定义见财预〔2013〕53号（[OFF-M]）。
    """
    card = ctx.card
    if card is None or card.ruleset == "national_2020":
        return
    for item in card.items:
        if item.score is not None and item.self_score is not None and item.self_score > item.score + ctx.score_tol:
            yield Hit(f"“{item.indicator}”（{ruleset_basis(card.ruleset)}）：{item.formula}；应得 {item.score} 分，"
                      f"自评 {item.self_score} 分。",
                      [v for v in item.inputs.values() if v is not None and v.source is not None],
                      expected=f"{item.score}分", found=f"{item.self_score}分", score_impact=item.score - item.self_score)


@check("JX212", "score-exceeds-weight", "得分超过分值", "error")
def score_exceeds_weight(ctx: Context) -> Iterator[Hit]:
    """检查什么
    任一指标（评分项）的自评得分是否超过其分值。

    为什么重要
    超过分值的得分在任何规则下都不成立，通常是抄错行或分值与得分栏填反。

    示例
    分值 5，得分 6。

    依据
    RULES.md §2（得分区间 [0, 分值]，[OFF-2]）。
    """
    r = ctx.report
    rows = [(i.name.value, i.weight, i.self_score) for i in r.indicators] + \
           [(x.name.value, x.weight, x.self_score) for x in r.score_table]
    for name, w, s in rows:
        if w.number is not None and s.number is not None and s.number > w.number:
            yield Hit(f"“{name}”分值 {w.number}，得分 {s.number}。", [w, s], expected=f"≤{w.number}分", found=f"{s.number}分",
                      score_impact=w.number - s.number)


@check("JX213", "self-total-above-recomputed", "自评总分高于复核总分", "info", needs=("table",))
def self_total_above_recomputed(ctx: Context) -> Iterator[Hit]:
    """检查什么
    按规则复核的总分与单位自评总分之差（自评 − 复核），大于 0.5 分时列出，便于按“虚高分值”排序。

    为什么重要
    复核人员通常先看差距最大的单位；这一条汇总了各单项扣分的合计影响。

    示例
    自评 98 分，复核 95.64 分，高出 2.36 分。

    依据
    RULES.md §2、§4（各单项规则），[INF] 汇总。
    """
    card = ctx.card
    if card is None or card.total is None or card.self_total is None:
        return
    diff = card.self_total - card.total
    if diff > Decimal("0.5"):
        note = f"；另有 {card.unverified_points} 分无法核实" if card.unverified_points else ""
        yield Hit(f"自评 {card.self_total} 分，按{ruleset_basis(card.ruleset)}复核 {card.total} 分，自评高出 {diff} 分{note}。",
                  [ctx.report.self_assessment.total], expected=f"{card.total}分", found=f"{card.self_total}分",
                  score_impact=-diff)
