"""What must be right before ``jixiao author`` writes anything, and the 填报检查 after.

:func:`problems` lists every problem of a read workbook at once, each naming sheet and cell:
text in a money cell, a required field empty, 一级/二级指标 outside the rule set's lists, a 定性
indicator with a numeric target, a 定量 one with a text actual, a 定性 score outside its band,
分值 not adding up to 100. The workbook is valid when the list is empty.

:func:`submission_checks` runs the review's own checks (:func:`jixiao.checks.run_checks`) on the
record — families JX1xx–JX4xx on its data, and the text checks (JX5xx: the parts of the 统一参考格式,
存在问题 and 改进措施; JX107: a sentence the data contradict) on the 自评报告 as jixiao writes it from
the same fields (:func:`report_document`) — and :func:`checklist` writes them as 填报检查: each
finding's message as the review words it, where it is in the workbook (or which part of the
自评报告) and what to fix or explain (``[advice]`` of :file:`template.toml`). No check logic lives here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ..extract.numbers import normalize
from ..model import Finding, Report, Scorecard, Value
from ..rules import Ruleset
from ..rules.indicators import completion_class, score_indicator
from .template import execution_weight, levels, spec
from .workbook import NUMBER, ONLINE, Filled, IndicatorRow, Problem

CHECK_FAMILIES = ["JX1", "JX2", "JX3", "JX4"]  # the record's checks (JX9xx judge the reading of a file: none here)
TEXT_CHECKS = ["JX5", "JX107"]  # judged on the 自评报告 written from the fields
REPORT_TEXT = "自评报告"  # the file name of the written report's text, in a text finding's evidence
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
OPERATORS = ("≥", "≤", ">=", "<=", ">", "<", "＞", "＜", "=")


def problems(filled: Filled) -> list[Problem]:
    """Every problem of ``filled`` (those found reading it first), in sheet order."""
    out = list(filled.problems)
    r, lay = filled.report, filled.layout
    rs = Ruleset.load(lay.ruleset)
    for key, slot in filled.slots.items():
        if slot.required and not _field(filled, key).present and not any(p.ref == slot.ref for p in out):
            out.append(Problem(slot.sheet, slot.ref, f"“{slot.label}”必须填写"))
    year = r.year.value
    if isinstance(year, int) and year != lay.year:
        out.append(Problem(filled.slots["year"].sheet, filled.slots["year"].ref,
                           f"年度填的是 {year}，而工作簿是按 {lay.year} 年度生成的（表头写着 {lay.year} 年）："
                           f"请用 jixiao template --year {year} 重新生成后填写"))
    out += _funds(filled)
    out += _indicators(filled, rs)
    return out


def _field(filled: Filled, key: str):
    if key.startswith("section:"):
        return filled.report.sections.get(key.split(":", 1)[1]) or Value()
    if key in filled.extra:
        return filled.extra[key]
    obj = filled.report
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def _funds(filled: Filled) -> list[Problem]:
    f = filled.report.funds
    out = []
    for name, zh in (("full_year_budget", "全年预算数"), ("executed", "全年执行数")):
        v = getattr(f, name)
        slot = _total_slot(filled, name)
        if not v.present and slot is not None and v.raw is None:
            where = "各资金来源" if filled.layout.kind == "project" else "年度资金总额"
            out.append(Problem(slot.sheet, slot.ref, f"{where}的“{zh}”必须填写（执行率由它计算）"))
    return out


def _total_slot(filled: Filled, column: str):
    """The 年度资金总额 cell of ``column`` (全年预算数, 全年执行数) in the layout, None without one."""
    for sl in filled.layout.sheets:
        for block in sl.blocks:
            if block.target in ("funds", "sources"):
                for slot in block.slots:
                    if slot.key == "total" and slot.column == column:
                        return slot
    return None


def _indicators(filled: Filled, rs: Ruleset) -> list[Problem]:
    lay = filled.layout
    sheet = "绩效指标"
    if not filled.rows:
        block = next(b for b in lay.sheet(sheet).blocks if b.type == "table")
        return [Problem(sheet, block.rows[0]["name"].ref, "没有填写任何绩效指标")]
    fam = levels(rs)
    out: list[Problem] = []
    for row in filled.rows:
        out += _row(row, fam, rs)
    weights = [row.indicator.weight.number for row in filled.rows]
    exe = execution_weight(rs)
    if all(w is not None for w in weights):
        total = sum(weights, Decimal(0))
        if total + exe != 100:
            refs = [row.slots["weight"].ref for row in filled.rows]
            out.append(Problem(sheet, f"{refs[0]}:{refs[-1]}",
                               f"三级指标分值合计 {total.normalize():f} 分，加预算执行率 {exe} 分为 {(total + exe).normalize():f} 分，"
                               f"应为 100 分（三级指标合计 {100 - exe} 分）"))
    return out


def _row(row: IndicatorRow, fam: dict[str, list[str]], rs: Ruleset) -> list[Problem]:
    ind, s = row.indicator, row.slots
    out: list[Problem] = []

    def p(col: str, message: str) -> None:
        out.append(Problem(s[col].sheet, s[col].ref, message))

    name = ind.name.value or f"第{s['name'].ref[1:]}行的指标"
    for col, slot in s.items():
        if slot.required and str(row.cells[col] if row.cells[col] is not None else "").strip() == "":
            p(col, f"“{name}”的“{slot.label}”必须填写")
    l1, l2 = ind.level1.value, ind.level2.value
    if l1 and l1 not in fam:
        p("level1", f"一级指标“{l1}”不在规则集的一级指标中（{'、'.join(fam)}）")
    elif l1 and l2 and l2 not in fam[l1]:
        p("level2", f"二级指标“{l2}”不属于一级指标“{l1}”（应为 {'、'.join(fam[l1])} 之一）")
    nature = row.nature
    if nature is not None and nature not in ("正向", "反向", "定性"):
        p("nature", f"指标性质“{nature}”应为 正向、反向 或 定性")
        return out
    target_raw = str(row.cells["target"] or "").strip()
    actual_raw = str(row.cells["actual"] or "").strip()
    t, a = ind.target.parsed, ind.actual.parsed
    score_raw = row.cells["qualitative_score"]
    if nature in ("正向", "反向"):
        if target_raw.startswith(OPERATORS):
            p("target", f"“{name}”的年度指标值只填数值，方向（≥ 或 ≤）由指标性质“{nature}”给出，填的是“{target_raw}”")
        elif target_raw and (t is None or not t.is_quantitative):
            p("target", f"“{name}”是{nature}指标，年度指标值须为数值或完成时限，填的是“{target_raw}”；文字目标请把指标性质选为“定性”")
        if actual_raw and t is not None and t.is_quantitative and (a is None or not a.is_quantitative):
            p("actual", f"“{name}”是定量指标，实际完成值须填实测数值，填的是“{actual_raw}”")
        elif actual_raw and t is not None and (t.date is None) != (a is None or a.date is None):
            p("actual", f"“{name}”的实际完成值与年度指标值不是同一类（一个是日期、一个是数值）：“{actual_raw}”")
        if score_raw not in (None, ""):
            p("qualitative_score", f"“{name}”是定量指标，得分由 jixiao 按公式计算，请删去填写的得分 {score_raw}")
    elif nature == "定性":
        if target_raw and NUMBER.match(normalize(target_raw).replace(",", "")):
            p("target", f"“{name}”是定性指标，年度指标值却是数值 {target_raw}：按数值考核的请把指标性质选为“正向”或“反向”，"
                        "定性指标填文字目标（如“有效提升”）")
        if actual_raw and completion_class(ind) == "未知":
            p("actual", f"“{name}”是定性指标，实际完成值须写明完成情况（如“达成”“有效提升”“部分完成”“未完成”），填的是“{actual_raw}”")
        if score_raw in (None, ""):
            p("qualitative_score", f"“{name}”是定性指标，须在“定性指标得分”中按完成情况填写得分"
                                   "（达成 80%–100% 分值，部分达成 60%–80%，未达成 60% 以下）")
        elif ind.self_score.number is not None and ind.weight.number is not None and not out:
            item = score_indicator(ind, rs)
            if ind.self_score.number > ind.weight.number:
                p("qualitative_score", f"“{name}”得分 {score_raw} 超过分值 {ind.weight.raw}")
            elif item.score is not None and item.score < ind.self_score.number:
                p("qualitative_score", f"“{name}”得分 {score_raw} 超出完成情况对应的分档：{item.formula}")
    if ind.weight.number is not None and ind.weight.number <= 0:
        p("weight", f"“{name}”的分值须大于 0")
    return out


# ------------------------------------------------------------------------------------------------
# 填报检查


def submission_checks(report: Report, card: Scorecard, rs: Ruleset, path: str | Path) -> list[Finding]:
    """The review's checks on the scored record, errors first: families JX1xx–JX4xx on its data
    (the sources are the workbook's cells or the form's fields), and :data:`TEXT_CHECKS` on the
    自评报告 written from it (:func:`report_document`; their evidence names the report's part, e.g.
    ``五、存在的问题``, and quotes the unit's sentence)."""
    from ..checks import SEVERITY_ORDER, run_checks
    from ..config import Settings
    from ..extract.narrative import extract_narrative
    from ..model import Source
    from ..readers.document import Document

    from ..extract.places import place_of

    found = run_checks(report, [card], Document(path=str(path), format="xlsx"), Settings(select=CHECK_FAMILIES), rs)
    text = report_document(report)
    memo: dict = {}

    def in_report(v: Value) -> Value:
        # a line of the written report is no place in what the unit filled: its part, and the quote
        if v.source is None or v.source.file != REPORT_TEXT:
            return v
        return v.model_copy(update={"source": Source(file=REPORT_TEXT,
                                                       place=v.source.place or place_of(text, v.source, memo)
                                                       or REPORT_TEXT)})

    prose = Report(kind=report.kind)
    extract_narrative(text, prose)  # the claims of the unit's sentences (JX107), nothing else of it
    claims = [c.model_copy(update={"value": in_report(c.value)}) for c in prose.claims]
    for f in run_checks(report.model_copy(update={"claims": claims}), [card], text, Settings(select=TEXT_CHECKS), rs):
        f.evidence = [in_report(e) for e in f.evidence]
        found.append(f)
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))


def report_document(report: Report):
    """The 自评报告 that :func:`jixiao.author.documents.write_report_docx` writes for ``report``, as a
    Document of paragraphs (the title, each part's heading, the figures and the unit's text, the
    附件 list, each 附件's title and its table), path :data:`REPORT_TEXT`."""
    from ..readers.document import Cell, Document, Paragraph, Table, render_lines
    from .forms import layout as forms_layout
    from .report_text import report_parts

    parts = report_parts(report, {k: v.value for k, v in report.sections.items()}, [])
    blocks: list = []

    def say(*texts: str) -> None:
        blocks.extend(Paragraph(0, t) for t in texts if t)  # (render_lines drops blank ones)

    say(parts.title)
    for heading, paragraphs in parts.sections:
        say(heading, *paragraphs)
    if parts.attachment_list:
        say(forms_layout()["report"]["attachments_head"] + parts.attachment_list[0], *parts.attachment_list[1:])
    for no, form in parts.attachments:
        say(f"附件{no}", *form.title)
        blocks.append(Table(0, [[Cell(t, r, c) for c, t in enumerate(row)] for r, row in enumerate(form.grid.texts())]))
        say(*form.after)
    doc = Document(path=REPORT_TEXT, encoding="docx", format="docx")
    doc.blocks = blocks
    return render_lines(doc)


def advice(code: str) -> str:
    """What the unit should fix or explain for a finding of ``code`` (template.toml ``[advice]``)."""
    table = spec()["advice"]
    return table.get(code, table["default"])


def checklist(report: Report, card: Scorecard, findings: list[Finding], path: str | Path,
              extra: dict | None = None) -> str:
    """填报检查 as Markdown: the computed score item by item, then every finding with its
    message, where (sheet and cell) and what to do."""
    from ..checks.registry import audit_findings

    name = report.project_name.value if report.kind == "project" else report.unit_name.value
    source = "来源：在线填报" if str(path) == ONLINE else f"工作簿：{Path(path).name}"
    lines = [f"# 填报检查：{name}（{report.year.value}年度）", "",
             (f"{source}。以下由 jixiao 按{rs_basis(card)}计算，并在提交前运行了复核时的同一套检查"
              "（数据一致性、评分复核、预算执行与财经纪律、指标质量，以及按填报内容写出的自评报告的文字）。"), ""]
    for key, zh in (("preparer", "填表人"), ("phone", "联系电话")):
        v = (extra or {}).get(key)
        if v is not None and v.present:
            lines.append(f"{zh}：{v.raw}  ")
    lines += ["", f"## 计算的得分：{_pts(card.total)} 分，评价等次“{card.grade}”", "",
              "| 评分项 | 分值 | 得分 | 计算方法 |", "|---|---|---|---|"]
    for item in card.items:
        lines.append(f"| {item.indicator} | {_pts(item.weight)} | {_pts(item.score)} | {item.formula or item.reason or ''} |")
    if card.note:
        lines += ["", f"说明：{card.note}"]
    found = audit_findings(findings)
    todo = [f for f in found if f.severity != "info"]
    lines += ["", f"## 须改正或说明：{_count(todo)}", ""]
    if not todo:
        lines.append("没有须改正或说明的问题。")
    for n, f in enumerate(todo, 1):
        lines += [f"{n}. **{SEVERITY_ZH[f.severity]} {f.code} {f.title}**：{f.message}",
                  f"   - 位置：{_where(f)}",
                  f"   - 处理：{advice(f.code)}", ""]
    notes = [f for f in found if f.severity == "info"]
    if notes:
        lines += ["", "## 提示（由填报数据算出的比率等，供核对，不必处理）", ""]
        lines += [f"- {f.code} {f.title}：{f.message}（{_where(f)}）" for f in notes]
    return "\n".join(lines).rstrip() + "\n"


def _where(f: Finding) -> str:
    """The workbook cells a finding's evidence points to (工作表“基础数据表”D11；…), or the
    web form's fields (在线填报·资金·年度资金总额·全年执行数)."""
    cells = dict.fromkeys(e.source.where() if e.source.sheet else e.source.place for e in f.evidence
                          if e.source is not None and (e.source.sheet or e.source.place))
    return "；".join(cells) or "—"


def rs_basis(card: Scorecard) -> str:
    return Ruleset.load(card.ruleset).basis


def _count(findings: list[Finding]) -> str:
    if not findings:
        return "无"
    n = {s: sum(f.severity == s for f in findings) for s in SEVERITY_ZH}
    return "，".join(f"{SEVERITY_ZH[s]} {k} 项" for s, k in n.items() if k)


def _pts(x: Decimal | None) -> str:
    return "—" if x is None else f"{x.normalize():f}"
