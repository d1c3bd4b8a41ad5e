"""The report-quality score (质量评分) of 附件5 部门整体支出绩效自评工作考核评分表 (RULES.md §4.4–4.5).

``assess_quality(report, doc) -> QualityScore | None`` scores a department report (部门整体支出)
the way the finance bureau scores the self-evaluation work, as far as the report itself allows:

- Q-01 … Q-04 (自评通知, 工作小组, 单位自查, 提交报告) need outside facts: listed, not judged;
- Q-05 完整性 15 — the 正文 parts and 附件 of the 统一参考格式 (reference format) the report follows,
  detected from its headings, title and region words (``report_formats.toml``);
- Q-06 绩效自评表 20 — first-level weights, 三级 indicators, measurable targets;
- Q-07 反映问题情况 20 — how many of the five named areas the 存在问题 (problems) part covers;
- Q-08 建议情况 15 — whether each problem is answered by a 改进措施 (measure).

Points are ``Decimal`` to 0.01 (written without trailing zeros); Q-05 … Q-08 deduct in 0.5-point steps.
Everything the score rests on — section patterns, area keywords, bands — is data in
``report_formats.toml`` with its RULES.md ID, source and provenance tag. Finding the sections,
attachments, problems and measures the score reads is ``rules/report_sections.py``, shared with the
JX50x checks (``checks/completeness.py``, ``checks/quality.py``); ``analyse`` here adds the score and
caches the last report's ``Analysis``.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..decimals import quantize
from ..extract.numbers import normalize
from ..model import Deduction, Indicator, QualityItem, QualityScore, Report, Value
from ..readers.document import Document
from .base import D0, dec, q2
from .report_sections import (
    ATTACH_ITEM,
    ITEM_START,
    Analysis,
    Item,
    analyse_sections,
    block_value,
    dedupe,
    formats,
    listed_attachments,
)

__all__ = ["ATTACH_ITEM", "Analysis", "analyse", "assess_quality", "formats", "listed_attachments"]

def _pts(x: Decimal) -> Decimal:
    """Points to 0.01, written without trailing zeros: 16.50 → 16.5, 20.00 → 20."""
    x = q2(x)
    return quantize(x, Decimal(1)) if x == x.to_integral_value() else x.normalize()


def _round_step(x: Decimal, step: Decimal) -> Decimal:
    """Half-up to a multiple of ``step`` (0.5 point)."""
    return _pts(quantize(x / step, Decimal(1), rounding=ROUND_HALF_UP) * step)


def _num(x: Decimal) -> str:
    return format(x.normalize(), "f")


_LAST = threading.local()  # one-entry cache per thread: the checks and the pipeline ask for the same document


def analyse(report: Report, doc: Document) -> Analysis:
    """Section detection, format, problems and measures, and the quality score of one report."""
    last = getattr(_LAST, "analysis", None)
    if last is not None and last.report is report and last.doc is doc:
        return last
    a = analyse_sections(report, doc)
    if report.kind != "project":
        a.quality = _score(a)
    _LAST.analysis = a
    return a


def assess_quality(report: Report, doc: Document) -> QualityScore | None:
    """The 附件5 report-quality score of a department report; None for a project record."""
    if report.kind == "project":
        return None
    return analyse(report, doc).quality


# ------------------------------------------------------------------------------------------------
# scoring


def _score(a: Analysis) -> QualityScore:
    q = formats()["quality"]
    items = [_unjudged(spec, a) for spec in q["unjudged"]]
    items += [_completeness(a), _indicator_table(a), _problems(a), _measures(a)]
    for it in items:
        if it.score is not None:
            it.score = _pts(it.score)
        for d in it.deductions:
            d.points = _pts(d.points)
            d.evidence = dedupe(d.evidence)
    judged = [it for it in items if it.judged and it.score is not None]
    if a.match:
        basis = a.match.fmt["basis"]
    else:
        known = "、".join(f["name"] for f in formats()["formats"])
        basis = f"未识别出统一参考格式（已知：{known}）；完整性未评，其余各项参照岳阳附件5评分"
    return QualityScore(basis=basis, items=items,
                        score=sum((it.score for it in judged), D0) if judged else None,
                        judged_weight=sum((it.weight for it in judged), D0))


def _unjudged(spec: dict[str, Any], a: Analysis) -> QualityItem:
    note = spec["note"]
    if spec["id"] == "Q-04":
        for ln in reversed(a.lines[-15:]):
            m = re.search(r"20\d\d年\d{1,2}月\d{1,2}日", ln.norm)
            if m and len(ln.norm) <= 20:
                note += f"报告落款日期为{m.group(0)}（{ln.source.where()}），可与报送期限比对。"
                break
    return QualityItem(id=spec["id"], name=spec["name"], weight=dec(spec["weight"]), score=None, judged=False,
                       tag=spec["tag"], note=note)


def _near(a: Analysis, k: int) -> list[Value]:
    """Evidence for a missing section: the nearest headings found before and after it, else the title."""
    before = next((h.line for h in reversed(a.sections[:k]) if h.line is not None), None)
    after = next((h.line for h in a.sections[k + 1:] if h.line is not None), None)
    ev = [ln.value() for ln in (before, after) if ln is not None]
    return ev or a.title_evidence()


def _take(deductions: list[Deduction], missing: list[tuple[str, list[Value]]], step: Decimal, cap: Decimal,
          what: str) -> list[str]:
    """−step per missing part until ``cap`` is reached; returns the parts beyond the cap."""
    left = cap
    over = []
    for name, ev in missing:
        pts = min(step, left)
        if pts <= 0:
            over.append(name)
            continue
        left -= pts
        deductions.append(Deduction(points=pts, reason=f"缺少{what}{name}", evidence=ev))
    return over


def _completeness(a: Analysis) -> QualityItem:
    c = formats()["quality"]["completeness"]
    item = QualityItem(id=c["id"], name=c["name"], weight=dec(c["weight"]), tag=c["tag"])
    if a.match is None:
        found = [h.label for h in a.sections if h.found]
        item.judged, item.score = False, None
        item.note = ("未识别出该报告所依据的统一参考格式，正文和附件是否齐全无从对照，本项不评；"
                     "需按当地印发的报告格式人工核对。报告中找到的部分："
                     + ("、".join(found) if found else "无") + "。")
        return item
    fmt = a.match.fmt
    missing_body = [(f"正文部分“{h.label}”", _near(a, k)) for k, h in enumerate(a.sections) if not h.found]
    over_body = _take(item.deductions, missing_body, dec(c["body_step"]), dec(c["body_cap"]), "")
    required = [h for h in a.attachments if h.required]
    missing_att = []
    for h in required:
        if h.present:
            continue
        ev = [block_value(a.doc, h.listed)] if h.listed is not None else a.title_evidence()
        listed = "（附件清单列有此表，报告未附）" if h.listed is not None else ""
        missing_att.append((f"{h.label}{listed}", ev))
    over_att = _take(item.deductions, missing_att, dec(c["attachment_step"]), dec(c["attachment_cap"]), "")
    item.score = item.weight - sum((d.points for d in item.deductions), D0)
    notes = [f"按{fmt['name']}：正文{len(a.sections)}个部分，找到{sum(h.found for h in a.sections)}个"]
    if fmt.get("attachments"):
        notes.append(f"附件应附{len(required)}个，已附{sum(h.present for h in required)}个")
    else:
        notes.append("该格式不要求附件，附件部分按齐全计")
    notes += [h.note for h in a.attachments if h.note]
    if over_body or over_att:
        notes.append("已扣满，另缺：" + "、".join(over_body + over_att))
    unnumbered = [h.label for h in a.sections if h.line is not None and not h.numbered and h.spec.get("no")
                  and not h.spec["no"].startswith(("综述", "表"))]
    if unnumbered:
        notes.append("以下部分标题未按格式编号（不扣分）：" + "、".join(unnumbered))
    disorder = [h.label for h in a.sections if h.out_of_order]
    if disorder:
        notes.append("以下部分顺序与格式不同（不扣分）：" + "、".join(disorder))
    item.note = "；".join(notes) + "。"
    return item


# -- Q-06 ----------------------------------------------------------------------------------------


def _family(level1: Any, patterns: dict[str, str]) -> str | None:
    t = normalize(str(level1 or ""))
    for fam in ("satisfaction", "benefit", "output"):  # 满意度 before 效益 (服务对象满意度 … 效益?)
        if re.search(patterns[fam], t):
            return fam
    return None


FAMILY_ZH = {"output": "产出（含成本）", "benefit": "效益", "satisfaction": "满意度", "execution": "预算执行率"}


def target_kind(ind: Indicator) -> str:
    """``measurable`` (a number with a unit or %, or a date), ``unitless`` (a bare number) or
    ``qualitative`` (words only, or empty)."""
    c = formats()["quality"]["indicator_table"]
    t = normalize(ind.target.raw)
    p = ind.target.parsed
    if p is not None and (p.date or (p.number is not None and p.unit)):
        return "measurable"
    if not t:
        return "qualitative"
    if re.fullmatch(c["bare_number_re"], t):
        return "unitless"
    if re.search(c["measurable_re"], t) or re.search(c["date_re"], t):
        return "measurable"
    if re.search(r"\d", t):
        return "unitless"
    return "qualitative"


def _indicator_table(a: Analysis) -> QualityItem:
    c = formats()["quality"]["indicator_table"]
    item = QualityItem(id=c["id"], name=c["name"], weight=dec(c["weight"]), tag=c["tag"])
    r = a.report
    fmt = a.fmt
    if fmt is not None and fmt.get("self_eval_table") == "score_table":
        item.judged, item.score = False, None
        qual = [i for i in r.indicators if not i.not_applicable and target_kind(i) == "qualitative"]
        extra = (f"（供参考：表三“定量目标”{len([i for i in r.indicators if not i.not_applicable])}项中"
                 f"{len(qual)}项只有文字描述，没有可衡量的指标值）") if r.indicators else ""
        item.note = c["not_judged_note"] + extra
        return item
    inds = [i for i in r.indicators if not i.not_applicable]
    if not inds:
        item.score = D0
        item.deductions.append(Deduction(points=item.weight, reason="报告未附绩效自评表（或未识别出三级指标），本项不得分",
                                         evidence=a.title_evidence()))
        item.note = "附件5要求部门整体支出和项目支出绩效指标细化到三级并按规程赋权；报告中没有可评的自评表。"
        return item
    pats = c["family_patterns"]
    # (1) weights
    sums = {k: D0 for k in ("output", "benefit", "satisfaction")}
    ev_fam: dict[str, Value] = {}
    for i in inds:
        fam = _family(i.level1.value, pats)
        if fam and i.weight.number is not None:
            sums[fam] += i.weight.number
            ev_fam.setdefault(fam, i.level1 if i.level1.present else i.weight)
    fw = r.funds.weight.number
    total_w = r.self_assessment.total_weight.number or Decimal(100)
    exe_note = None
    if fw is not None and fw < total_w:
        sums["execution"] = fw
    else:
        sums["execution"] = D0
        if fw is not None:
            exe_note = f"“年度资金总额”行分值{_num(fw)}即总分，预算执行率未单独赋分"
    req = {k: dec(v) for k, v in c["weights"].items()}
    if all(v == 0 for k, v in sums.items() if k != "execution") and not any(i.weight.present for i in inds):
        item.deductions.append(Deduction(points=dec(c["weights_points"]), reason="自评表未列分值，无法判断权重，按不符合计",
                                         evidence=[inds[0].name]))
    else:
        diff = sum((abs(sums[k] - req[k]) for k in req), D0)
        share = diff / 2 / Decimal(100)
        pts = min(q2(dec(c["weights_points"]) * share), dec(c["weights_points"]))
        if pts > 0:
            off = [f"{FAMILY_ZH[k]}{_num(sums[k])}（应为{_num(req[k])}）" for k in req if sums[k] != req[k]]
            ev = [ev_fam[k] for k in req if sums[k] != req[k] and k in ev_fam]
            if sums["execution"] != req["execution"] and r.funds.weight.present:
                ev.insert(0, r.funds.weight)
            item.deductions.append(Deduction(
                points=pts,
                reason=f"一级指标权重与规程不符：{'；'.join(off)}，错配{_num(q2(share * 100))}%的权重，按比例扣分"
                       + (f"（{exe_note}）" if exe_note else ""),
                evidence=ev or [inds[0].level1]))
    # (2) 三级指标
    weighted = [i for i in inds if i.weight.present or i.target.present]
    flat = [i for i in weighted if not normalize(i.name.raw) or normalize(i.name.raw) in {"/", "／"}
            or normalize(i.name.raw) == normalize(i.level2.raw) or re.fullmatch(r"指标\d*[:：]?", normalize(i.name.raw))]
    if weighted and flat:
        pts = q2(dec(c["levels_points"]) * len(flat) / len(weighted))
        item.deductions.append(Deduction(points=pts, reason=f"{len(flat)}/{len(weighted)}行指标未细化到三级指标",
                                         evidence=[i.level2 if i.level2.present else i.weight for i in flat][:6]))
    # (3) indicator quality [INF]
    step = dec(c["round_step"])
    kinds = [(i, target_kind(i)) for i in inds]
    qual = [i for i, k in kinds if k == "qualitative"]
    bare = [i for i, k in kinds if k == "unitless"]
    n = len(inds)
    raw = dec(c["measurable_points"]) * (Decimal(len(qual)) + dec(c["unitless_factor"]) * len(bare)) / n
    pts = min(_round_step(raw, step), dec(c["measurable_points"]))
    if pts > 0:
        parts = []
        if qual:
            parts.append(f"{len(qual)}项只有定性表述（如" + "、".join(f"“{normalize(i.target.raw) or '空'}”" for i in qual[:3]) + "）")
        if bare:
            parts.append(f"{len(bare)}项指标值只有数字、没有计量单位（如" + "、".join(f"“{normalize(i.target.raw)}”" for i in bare[:3]) + "）")
        item.deductions.append(Deduction(
            points=pts, reason=f"三级指标内涵不够具体可衡量：{n}项中" + "，".join(parts) + "（推断：按所占比例扣分）",
            evidence=[i.target if i.target.present else i.name for i in (qual + bare)][:8]))
    names: dict[str, list[Indicator]] = {}
    for i in inds:
        names.setdefault(normalize(i.name.raw), []).append(i)
    dups = [v for k, v in names.items() if k and len(v) > 1]
    if dups:
        cnt = sum(len(v) - 1 for v in dups)
        pts = min(dec(c["duplicate_step"]) * cnt, dec(c["concise_points"]))
        item.deductions.append(Deduction(points=pts, reason="三级指标重复设置：" + "、".join(f"“{normalize(v[0].name.raw)}”" for v in dups)
                                         + "（推断：精简实用）", evidence=[i.name for v in dups for i in v][:6]))
    fams = {_family(i.level1.value, pats) for i in inds}
    for fam, zh in (("output", "产出"), ("benefit", "效益")):
        if fam not in fams:
            item.deductions.append(Deduction(points=dec(c["missing_family_step"]),
                                             reason=f"自评表没有{zh}指标，未全面反映产出和效益（推断）",
                                             evidence=[inds[0].level1 if inds[0].level1.present else inds[0].name]))
    item.score = max(item.weight - sum((d.points for d in item.deductions), D0), D0)
    item.note = (f"共{n}项三级指标（不含“/”不适用行）：可衡量{n - len(qual) - len(bare)}项，定性{len(qual)}项，"
                 f"无单位{len(bare)}项；权重 " + "/".join(f"{FAMILY_ZH[k]}{_num(sums[k])}" for k in
                                                   ("output", "benefit", "satisfaction", "execution"))
                 + "。未判断：三级指标是否突出核心、与部门职责和支出是否密切相关、是否与绩效目标申报表一致；"
                   "随报告附送的项目支出绩效自评表另行复核。")
    return item


# -- Q-07 / Q-08 ---------------------------------------------------------------------------------


def _band_points(low: int, high: int, position: float) -> Decimal:
    position = max(0.0, min(1.0, position))
    return quantize(Decimal(low) + (Decimal(high - low) * Decimal(str(position))), Decimal(1), rounding=ROUND_HALF_UP)


def has_cause(it: Item) -> bool:
    """The item analyses its cause: a cause word (由于, 导致 …), or an explanation of at least
    ``explain_chars`` characters after its 归纳 statement [INF]."""
    c = formats()["quality"]["problems"]
    if re.search(c["cause_re"], it.text):
        return True
    m = ITEM_START.match(it.text)
    body = it.text[m.end():] if m else it.text
    rest = body[len(it.title) + 1:]
    return len(rest) >= c["explain_chars"]


def _nothing(item: QualityItem, part, heading: str, consequence: str, a: Analysis) -> QualityItem:
    """The item scored 0 because its part (存在的问题 / 改进措施) is missing or empty."""
    item.score = D0
    why = f"未找到“{heading}”部分" if not part.found else f"“{heading}”部分没有内容"
    item.deductions.append(Deduction(points=item.weight, reason=f"{why}，{consequence}",
                                     evidence=part.heading_value() or a.title_evidence()))
    return item


def _problems(a: Analysis) -> QualityItem:
    c = formats()["quality"]["problems"]
    item = QualityItem(id=c["id"], name=c["name"], weight=dec(c["weight"]), tag=c["tag"])
    p = a.problems
    area_names = {x["id"]: x["name"] for x in c["areas"]}
    if not p.found or not p.items:
        return _nothing(item, p, "存在的问题", "未反映问题", a)
    funding = re.compile(c["funding_only_re"])
    if all(funding.search(it.title if p.itemized else it.text) for it in p.items) \
            and not any(set(it.areas) - {"funds"} for it in p.items):
        a.problems_funding_only = True
        item.score = D0
        item.deductions.append(Deduction(points=item.weight, reason="只提出资金（经费）不足问题，按附件5不得分",
                                         evidence=p.heading_value() + [it.value for it in p.items][:5]))
        item.note = "问题只有资金不足一类。"
        return item
    covered: dict[str, Item] = {}
    for it in p.items:
        for ar in it.areas:
            covered.setdefault(ar, it)
    with_cause = [it for it in p.items if has_cause(it)]
    share = len(with_cause) / len(p.items)
    simple = not p.itemized and len(p.text) < c["simple_chars"]
    if simple:
        band = c["simple_band"]
    else:
        band = next(b for b in c["bands"] if len(covered) >= b["min_areas"] and share >= b["min_cause"])
    a.problems_band = band["name"]
    score = _band_points(band["low"], band["high"], share)
    missing = [area_names[x["id"]] for x in c["areas"] if x["id"] not in covered]
    found = [area_names[x["id"]] for x in c["areas"] if x["id"] in covered]
    top = item.weight - dec(band["high"])
    if top > 0:
        if simple:
            reason = (f"问题未分条归纳且过于简单（{len(p.text)}字），属“{band['name']}”档（{band['low']}–{band['high']}分）；"
                      f"涉及：{'、'.join(found) or '无'}")
        else:
            reason = (f"归纳问题属“{band['name']}”档（{band['low']}–{band['high']}分）：附件5所列五个方面涉及"
                      f"{len(covered)}个（{'、'.join(found) or '无'}），未涉及{'、'.join(missing)}")
        item.deductions.append(Deduction(points=top, reason=reason,
                                         evidence=p.heading_value() + [covered[x].value for x in covered][:5]))
    if score < dec(band["high"]):
        lacking = [it for it in p.items if it not in with_cause]
        item.deductions.append(Deduction(
            points=dec(band["high"]) - score,
            reason=f"{len(lacking)}/{len(p.items)}条问题未分析原因（档内按分析原因的比例给分）",
            evidence=[it.value for it in lacking][:5] or p.heading_value()))
    item.score = score
    item.note = (f"问题{len(p.items)}条{'（分条）' if p.itemized else '（未分条）'}，分析原因{len(with_cause)}条；"
                 + "；".join(f"{area_names[k]}：{v.value.source.where()}“{_clip(v.title)}”" for k, v in covered.items())
                 + ("；删去了残留的格式填写说明" if p.dropped else "")
                 + "。方面按每条问题的首句（归纳语）用关键词判断（推断）。")
    return item


def _clip(s: str, n: int = 16) -> str:
    return s if len(s) <= n else s[:n] + "…"


STOP_PUNCT = re.compile(r"[^\u4e00-\u9fff]")


@lru_cache(maxsize=4096)  # answers() pairs every problem with every measure: each text's bigrams once
def _bigrams(s: str, stop: frozenset[str]) -> frozenset[str]:
    s = STOP_PUNCT.sub("|", s)
    return frozenset(s[i:i + 2] for i in range(len(s) - 1) if "|" not in s[i:i + 2]) - stop


@lru_cache(maxsize=8)
def _stop_bigrams(listed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(listed)


def answers(problem: Item, measure: Item) -> bool:
    """A measure answers a problem when they share an area and a content bigram of the problem's
    归纳 statement, or a narrow area (资产和财务, 政府采购, 资金) alone, or enough bigrams on their
    own [INF]."""
    c = formats()["quality"]["measures"]
    stop = _stop_bigrams(tuple(c["stop_bigrams"]))
    shared = _bigrams(problem.title, stop) & _bigrams(measure.text, stop)
    common = set(problem.areas) & set(measure.areas)
    if common and len(shared) >= c["min_shared"]:
        return True
    if common & set(c["area_alone"]):
        return True
    return len(shared) >= c["min_shared_alone"]


def _measures(a: Analysis) -> QualityItem:
    c = formats()["quality"]["measures"]
    item = QualityItem(id=c["id"], name=c["name"], weight=dec(c["weight"]), tag=c["tag"])
    m, p = a.measures, a.problems
    if not m.found or not m.items:
        return _nothing(item, m, "改进措施", "未提出建议", a)
    more = re.compile(c["more_funds_re"])
    if (m.itemized and all(more.search(it.title) for it in m.items)) \
            or (not m.itemized and more.search(m.text) and len(m.text) < 2 * c["simple_chars"]):
        a.measures_funds_only = True
        item.score = D0
        item.deductions.append(Deduction(points=item.weight, reason="只提出加大资金投入的建议，按附件5不得分",
                                         evidence=m.heading_value() + [it.value for it in m.items][:5]))
        return item
    probs = p.items if p.found else []
    answered = [pi for pi in probs if any(answers(pi, mi) for mi in m.items)]
    a.unanswered = [pi for pi in probs if pi not in answered]
    share = len(answered) / len(probs) if probs else 0.0
    avg = sum(len(it.text) for it in m.items) / len(m.items)
    simple = (not m.itemized and len(m.text) < c["simple_chars"]) or avg < c["simple_item_chars"]
    if simple:
        band, position = c["simple_band"], share
    else:
        bands = c["bands"]
        k = next(k for k, b in enumerate(bands) if share >= b["min_share"] - 1e-9)
        band = bands[k]
        upper = bands[k - 1]["min_share"] if k > 0 else 1.0
        position = 1.0 if upper <= band["min_share"] else (share - band["min_share"]) / (upper - band["min_share"])
    a.measures_band = band["name"]
    score = _band_points(band["low"], band["high"], position)
    top = item.weight - dec(band["high"])
    if top > 0:
        if simple:
            reason = (f"建议过于简单（{len(m.items)}条，平均{avg:.0f}字{'，未分条' if not m.itemized else ''}），"
                      f"属“{band['name']}”档（{band['low']}–{band['high']}分）")
        else:
            reason = (f"建议属“{band['name']}”档（{band['low']}–{band['high']}分）：{len(answered)}/{len(probs)}条问题"
                      f"有对应的改进措施")
        item.deductions.append(Deduction(points=top, reason=reason, evidence=m.heading_value() + [it.value for it in m.items][:3]))
    if score < dec(band["high"]):
        if probs:
            reason = (f"{len(a.unanswered)}/{len(probs)}条问题没有对应的改进措施："
                      + "、".join(f"“{_clip(pi.title)}”" for pi in a.unanswered[:4]))
            ev = [pi.value for pi in a.unanswered][:5]
        else:
            reason = "未找到存在的问题，建议无从与问题对应"
            ev = m.heading_value()
        item.deductions.append(Deduction(points=dec(band["high"]) - score, reason=reason, evidence=ev or m.heading_value()))
    item.score = score
    item.note = (f"改进措施{len(m.items)}条{'（分条）' if m.itemized else '（未分条）'}；"
                 f"问题{len(probs)}条，有对应措施{len(answered)}条。对应关系按共同方面和归纳语的共同词判断（推断）。")
    return item
