"""The report-quality score (质量评分) of 附件5 部门整体支出绩效自评工作考核评分表 (RULES.md §4.4–4.5).

``assess_quality(report, doc) -> QualityScore | None`` scores a department report (部门整体支出)
the way the finance bureau scores the self-evaluation work, as far as the report itself allows:

- Q-01 … Q-04 (自评通知, 工作小组, 单位自查, 提交报告) need outside facts: listed, not judged;
- Q-05 完整性 15 — the 正文 parts and 附件 of the 统一参考格式 (reference format) the report follows,
  detected from its headings, title and region words (``report_formats.toml``);
- Q-06 绩效自评表 20 — first-level weights, 三级 indicators, measurable targets;
- Q-07 反映问题情况 20 — how many of the five named areas the 存在问题 (problems) part covers;
- Q-08 建议情况 15 — whether each problem is answered by a 改进措施 (measure).

Everything the score rests on — section patterns, area keywords, bands — is data in
``report_formats.toml`` with its RULES.md ID, source and provenance tag. Section detection here is
shared with the JX50x checks (``checks/completeness.py``, ``checks/quality.py``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from ..extract.numbers import normalize, normalize_map
from ..model import (
    Deduction,
    Indicator,
    QualityItem,
    QualityScore,
    Report,
    Source,
    Value,
)
from ..readers.document import Document, Paragraph, Table

__all__ = ["ATTACH_ITEM", "Analysis", "analyse", "assess_quality", "formats", "listed_attachments"]

D0 = Decimal(0)
CENT = Decimal("0.01")


@cache
def formats() -> dict[str, Any]:
    """The parsed ``rules/report_formats.toml``."""
    text = resources.files("jixiao.rules").joinpath("report_formats.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _dec(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def _q2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _pts(x: Decimal) -> Decimal:
    """Points to 0.01, written without trailing zeros: 16.50 → 16.5, 20.00 → 20."""
    x = _q2(x)
    return x.quantize(Decimal(1)) if x == x.to_integral_value() else x.normalize()


def _round_step(x: Decimal, step: Decimal) -> Decimal:
    """Half-up to a multiple of ``step`` (0.5 point)."""
    return _pts((x / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def _num(x: Decimal) -> str:
    return format(x.normalize(), "f")


# ------------------------------------------------------------------------------------------------
# text lines (段落 and table cells, split where a heading is glued on after a run of spaces)


@dataclass(slots=True)
class TextLine:
    """One line (or space-separated segment) of the document's text, with its source."""

    text: str  # verbatim
    norm: str  # normalize(text)
    idx: list[int]  # norm position → text position
    source: Source
    pos: int  # order in the document
    in_table: bool

    def value(self, start: int = 0, end: int | None = None, value: Any = None) -> Value:
        """A Value quoting ``norm[start:end]`` verbatim from the original text."""
        end = len(self.norm) if end is None else end
        raw = self.text[self.idx[start]: self.idx[end - 1] + 1] if self.idx and end > start else self.text.strip()
        return Value(value=raw if value is None else value, raw=raw, source=self.source)


SPACE_RUN = re.compile(r"[ \t\u3000\u00a0]{2,}")
ARTIFACT = re.compile(r"^\[bookmark:[^\]]*\]")
NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．,，]|[(（][一二三四五六七八九十\d]+[)）][、.．]?|\d{1,2}(?:[、．,，]|\.(?!\d))"
    r"|[⑴-⒇①-⑳]|第[一二三四五六七八九十]+(?:部分|章)[、,:：]?)"
)


def _strip_numbering(norm: str) -> str:
    t = ARTIFACT.sub("", norm)
    for _ in range(2):
        m = NUMBERING.match(t)
        if not m:
            break
        t = t[m.end():]
    return t


def text_lines(doc: Document) -> list[TextLine]:
    """Every non-empty line of paragraphs and table cells, in document order. A line holding a
    run of spaces is also split there, so that a heading glued onto the end of a paragraph
    (seed 004 line 18: “…贡献了智慧和力量。      一般公共预算支出情况”) is seen on its own."""
    out: list[TextLine] = []

    def add(line: str, src: Source, in_table: bool) -> None:
        offset = 0
        pieces = []
        for m in SPACE_RUN.finditer(line):
            pieces.append((offset, line[offset:m.start()]))
            offset = m.end()
        pieces.append((offset, line[offset:]))
        # formats that collapse runs of spaces (HTML, PDF) keep the glued heading as the short,
        # unpunctuated tail after the paragraph's last full stop
        last = pieces[-1][1]
        stop = last.rfind("。")
        if len(pieces) == 1 and stop >= 0:
            tail = last[stop + 1:]
            if 4 <= len(normalize(tail)) <= 30 and not re.search(r"[，,；;：:。、“”]", tail):
                pieces[-1:] = [(offset, last[:stop + 1]), (offset + stop + 1, tail)]
        for _, piece in pieces:
            if not piece.strip():
                continue
            norm, idx = normalize_map(piece)
            if norm:
                out.append(TextLine(piece, norm, idx, src, len(out), in_table))

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            for k, part in enumerate(block.text.split("\n")):
                if part.strip():
                    add(part, Source(file=doc.path, block=block.index, line=block.line + k, page=block.page), False)
        elif isinstance(block, Table):
            for cell in block.cells():
                for k, part in enumerate(cell.text.split("\n")):
                    if part.strip():
                        add(part, Source(file=doc.path, block=block.index, row=cell.row, col=cell.col,
                                         line=cell.line + k, page=cell.page, sheet=block.sheet, ref=cell.ref), True)
    return out


# ------------------------------------------------------------------------------------------------
# sections


@dataclass(slots=True)
class SectionHit:
    spec: dict[str, Any]
    line: TextLine | None = None  # the heading found
    by_data: bool = False  # present because the report's data show it (the 报告表 of changsha_2019)
    out_of_order: bool = False
    numbered: bool = True  # the heading carries a number (一、 …)

    @property
    def found(self) -> bool:
        return self.line is not None or self.by_data

    @property
    def label(self) -> str:
        no = self.spec.get("no") or ""
        if no and not no.startswith(("综述", "表")):
            return f"{no}、{self.spec['title']}"
        return self.spec["title"]


def _is_heading_candidate(ln: TextLine) -> bool:
    return len(ln.norm) <= formats()["meta"]["max_heading_chars"] and "万元" not in ln.norm


def find_sections(lines: list[TextLine], specs: list[dict[str, Any]], report: Report | None = None) -> list[SectionHit]:
    """Each section of ``specs`` with the heading line that matches its pattern: the first match
    after the previous section's heading, else (out of order) the first match anywhere."""
    cands: list[list[TextLine]] = []
    for spec in specs:
        rx = re.compile(spec["pattern"])
        cands.append([ln for ln in lines if _is_heading_candidate(ln) and rx.match(_strip_numbering(ln.norm))])
    hits: list[SectionHit] = []
    used: set[int] = set()
    prev = -1
    for spec, cs in zip(specs, cands):
        hit = SectionHit(spec)
        after = [c for c in cs if c.pos > prev and c.pos not in used]
        anywhere = [c for c in cs if c.pos not in used]
        if after:
            hit.line = after[0]
        elif anywhere:
            hit.line, hit.out_of_order = anywhere[0], True
        if hit.line is not None:
            used.add(hit.line.pos)
            if not hit.out_of_order:
                prev = hit.line.pos
            hit.numbered = _strip_numbering(hit.line.norm) != ARTIFACT.sub("", hit.line.norm)
        elif spec.get("data") == "indicator_table" and report is not None and _has_indicator_table(report):
            hit.by_data = True
        hits.append(hit)
    return hits


def _has_indicator_table(report: Report) -> bool:
    return bool([i for i in report.indicators if not i.not_applicable]) and report.layout == "selfeval_table"


# ------------------------------------------------------------------------------------------------
# format detection


@dataclass
class FormatMatch:
    fmt: dict[str, Any]
    sections: list[SectionHit]
    ratio: float
    region: str | None
    hints: list[str]

    @property
    def score(self) -> float:
        return self.ratio + 0.1 * min(len(self.hints), 3) + (0.15 if self.region else 0)


def _title_line(lines: list[TextLine], report: Report) -> Value | None:
    for ln in lines[:12]:
        if re.search(r"报告|报告表|自评|评价", ln.norm) and len(ln.norm) <= 60:
            return ln.value()
    if lines:
        return lines[0].value()
    return None


def detect_format(report: Report, doc: Document, lines: list[TextLine]) -> tuple[FormatMatch | None, list[FormatMatch]]:
    """The 统一参考格式 the report follows: at least half of its sections found as headings, and a
    region word in the title/unit name or a phrase peculiar to the format; the best such match."""
    head = "".join(ln.norm for ln in lines[:6]) + normalize(str(report.unit_name.value or ""))
    full = "".join(ln.norm for ln in lines)
    matches = []
    for fmt in formats()["formats"]:
        hits = find_sections(lines, fmt["sections"], report)
        ratio = sum(h.found for h in hits) / len(hits)
        region = next((r for r in fmt.get("regions", []) if r in head), None)
        hints = [h for h in fmt.get("hints", []) if normalize(h) in full]
        matches.append(FormatMatch(fmt, hits, ratio, region, hints))
    eligible = [m for m in matches if m.ratio >= 0.5 and (m.region or m.hints)]
    best = max(eligible, key=lambda m: m.score) if eligible else None
    return best, matches


# ------------------------------------------------------------------------------------------------
# attachments


ATTACH_ITEM = re.compile(r"^(?:附件[:：])?\s*(\d+)[.、．]\s*(?:20\d\d年度)?(.+?表)\s*$")


def listed_attachments(doc: Document) -> list[tuple[str, Paragraph]]:
    """The report's own list of attachments (``附件：1.2024年度…基础数据表 2.…``): (table name,
    paragraph) pairs. A numbered “…表” line counts once a line naming 附件 has started the list."""
    listed: list[tuple[str, Paragraph]] = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            m = ATTACH_ITEM.match(normalize(b.text))
            if m and ("附件" in b.text or listed):
                listed.append((m.group(2), b))
    return listed


def attached_by_title(doc: Document, name_re: str, skip: set[int]) -> Paragraph | Table | None:
    """A paragraph titled ``name_re`` (not one of the list lines in ``skip``) with a table right after
    it, or a table whose first rows carry the title: the attachment is there."""
    rx = re.compile(name_re)
    blocks = doc.blocks
    for i, b in enumerate(blocks):
        if isinstance(b, Paragraph):
            if b.index in skip:
                continue
            t = normalize(b.text)
            if not t or len(t) > 50 or not rx.search(t):
                continue
            for nxt in blocks[i + 1:i + 4]:
                if isinstance(nxt, Table):
                    return b
                if isinstance(nxt, Paragraph) and len(normalize(nxt.text)) > 30:
                    break
        elif isinstance(b, Table):
            for row in b.rows[:2]:
                if any(rx.search(c.clean) and len(c.clean) <= 50 for c in row):
                    return b
    return None


@dataclass
class AttachmentHit:
    spec: dict[str, Any]
    required: bool = True
    present: bool = False
    evidence: list[Value] = field(default_factory=list)
    note: str | None = None
    listed: Paragraph | None = None

    @property
    def label(self) -> str:
        return f"附件{self.spec['no']}“{self.spec['title']}”"


def _has_projects(report: Report) -> bool:
    vals = [report.spending.project.number, report.basic_data.project_spending.actual.number,
            report.basic_data.project_spending.budget.number]
    nat = report.funds.by_nature.get("项目支出")
    if nat is not None:
        vals.append(nat.number)
    return any(v is not None and v > 0 for v in vals)


def _data_present(kind: str | None, report: Report) -> bool:
    if kind == "indicator_table":
        return _has_indicator_table(report)
    if kind == "score_table":
        return bool(report.score_table)
    if kind == "basic_data":
        bd = report.basic_data
        return any(c.actual.present or c.budget.present for c in (bd.public_funds, bd.procurement, bd.basic_adjustment))
    return False


def _block_value(doc: Document, b: Paragraph | Table) -> Value:
    if isinstance(b, Paragraph):
        return Value(value=b.text.strip(), raw=b.text.strip().split("\n")[0].strip(),
                     source=Source(file=doc.path, block=b.index, line=b.line, page=b.page))
    for c in b.cells():
        if c.clean:
            raw = c.text.strip().split("\n")[0].strip()
            return Value(value=c.clean, raw=raw, source=Source(file=doc.path, block=b.index, row=c.row, col=c.col,
                                                              line=c.line, page=c.page, sheet=b.sheet, ref=c.ref))
    return Value(raw=doc.path, source=Source(file=doc.path, block=b.index, line=b.line))


def check_attachments(report: Report, doc: Document, fmt: dict[str, Any], full_norm: str) -> list[AttachmentHit]:
    conf = formats()["quality"]["completeness"]
    listed = listed_attachments(doc)
    skip = {p.index for _, p in listed}
    out = []
    for spec in fmt.get("attachments", []):
        hit = AttachmentHit(spec)
        rx = re.compile(spec["pattern"])
        hit.listed = next((p for name, p in listed if rx.search(name)), None)
        if spec.get("when") == "projects":
            if re.search(conf["separately_submitted"], full_norm):
                hit.required = False
                hit.note = f"{hit.label}：报告说明已另行报送，不计缺失"
            elif hit.listed is None and not _has_projects(report):
                hit.required = False
                hit.note = f"{hit.label}：未见项目支出，亦未列入附件清单，不作要求"
        b = attached_by_title(doc, spec["pattern"], skip)
        if b is not None:
            hit.present = True
            hit.evidence = [_block_value(doc, b)]
        elif _data_present(spec.get("data"), report):
            hit.present = True
        out.append(hit)
    return out


# ------------------------------------------------------------------------------------------------
# the 存在问题 / 改进措施 parts, split into items


ITEM_START = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}(?:[、．,，]|\.(?!\d))|[⑴-⒇①-⑳]|[一二三四五六七八九十]{1,3}是)"
)
INLINE_ITEM = re.compile(r"[一二三四五六七八九十]{1,3}是")
TOP_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
DATE_LINE = re.compile(r"^20\d\d年\d{1,2}月\d{1,2}日$")
ATTACH_LIST = re.compile(r"^附件(?:[:：]|\d|$)")


@dataclass
class Item:
    """One numbered problem or measure: its text (normalised), the 归纳 statement (its first
    sentence, numbering removed) and a Value quoting where it starts."""

    text: str
    title: str
    value: Value
    areas: list[str] = field(default_factory=list)


@dataclass
class Part:
    """The 存在问题 or 改进措施 part: heading, body text, items."""

    heading: SectionHit | None
    body: list[TextLine] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    itemized: bool = False
    dropped: list[TextLine] = field(default_factory=list)  # reference-format instructions left in

    @property
    def found(self) -> bool:
        return self.heading is not None and self.heading.line is not None

    @property
    def text(self) -> str:
        return "".join(ln.norm for ln in self.body)

    def heading_value(self) -> list[Value]:
        return [self.heading.line.value()] if self.found else []


def _first_sentence(text: str) -> str:
    m = re.search(r"[。；;]", text)
    return text[:m.start()] if m else text


def section_body(lines: list[TextLine], hit: SectionHit, stops: set[int]) -> list[TextLine]:
    """The lines after ``hit``'s heading up to the next section heading, the next top-level
    numbered heading, the attachment list or a signature date."""
    if hit.line is None:
        return []
    body = []
    for ln in lines[hit.line.pos + 1:]:
        t = ln.norm
        if ln.pos in stops or (TOP_HEADING.match(t) and len(t) <= 60) or ATTACH_LIST.match(t) or DATE_LINE.match(t):
            break
        body.append(ln)
        if len(body) >= 80:
            break
    while body and len(body[-1].norm) <= 20 and not re.search(r"[。；;，,]", body[-1].norm) \
            and not ITEM_START.match(body[-1].norm):
        body.pop()  # a signature line (unit name) after the last item
    return body


def split_items(part: Part, areas: list[dict[str, Any]], title_areas: bool) -> None:
    """Fill ``part.items``: numbered lines start items (（一） 1、 ⑴ 一是); else inline 一是…二是…;
    else the whole body is one unitemized item."""
    instr = [re.compile(p) for p in formats()["meta"]["template_instructions"]]
    body = []
    for ln in part.body:
        (part.dropped if any(rx.search(ln.norm) for rx in instr) else body).append(ln)
    part.body = body
    groups: list[list[TextLine]] = []
    for ln in body:
        if ITEM_START.match(ln.norm):
            groups.append([ln])
        elif groups:
            groups[-1].append(ln)
    items: list[Item] = []
    if groups:
        for g in groups:
            text = "".join(ln.norm for ln in g)
            m = ITEM_START.match(text)
            title = _first_sentence(text[m.end():] if m else text)
            items.append(Item(text, title, g[0].value()))
    else:
        for ln in body:
            starts = [m.start() for m in INLINE_ITEM.finditer(ln.norm)]
            if len(starts) >= 2 or (items and starts):
                for k, s in enumerate(starts):
                    e = starts[k + 1] if k + 1 < len(starts) else len(ln.norm)
                    seg = ln.norm[s:e]
                    title = _first_sentence(seg[INLINE_ITEM.match(seg).end():])
                    items.append(Item(seg, title, ln.value(s, e)))
    part.itemized = bool(items)
    if not items and body:
        text = "".join(ln.norm for ln in body)
        items = [Item(text, text, body[0].value())]
    for it in items:
        where = it.title if (part.itemized and title_areas) else it.text
        it.areas = [a["id"] for a in areas if any(k in where for k in a["keywords"])]
    part.items = items


# ------------------------------------------------------------------------------------------------
# the analysis behind the score (shared with checks/quality.py)


@dataclass
class Analysis:
    report: Report
    doc: Document
    lines: list[TextLine]
    title: Value | None
    match: FormatMatch | None
    candidates: list[FormatMatch]
    sections: list[SectionHit]
    attachments: list[AttachmentHit]
    problems: Part
    measures: Part
    unanswered: list[Item] = field(default_factory=list)  # problems no measure answers
    problems_band: str | None = None
    measures_band: str | None = None
    problems_funding_only: bool = False
    measures_funds_only: bool = False
    quality: QualityScore | None = None

    @property
    def fmt(self) -> dict[str, Any] | None:
        return self.match.fmt if self.match else None

    def title_evidence(self) -> list[Value]:
        return [self.title] if self.title is not None else []


_LAST: list[Analysis] = []  # one-entry cache: the checks and the pipeline ask for the same document


def analyse(report: Report, doc: Document) -> Analysis:
    """Section detection, format, problems and measures, and the quality score of one report."""
    if _LAST and _LAST[0].report is report and _LAST[0].doc is doc:
        return _LAST[0]
    lines = text_lines(doc)
    match, cands = detect_format(report, doc, lines)
    specs = match.fmt["sections"] if match else formats()["generic"]["sections"]
    sections = match.sections if match else find_sections(lines, specs, report)
    full = "".join(ln.norm for ln in lines)
    attachments = check_attachments(report, doc, match.fmt, full) if match else []
    stops = {h.line.pos for h in sections if h.line is not None}
    areas = formats()["quality"]["problems"]["areas"]

    def part(role: str, title_areas: bool) -> Part:
        hit = next((h for h in sections if h.spec.get("role") == role and h.line is not None), None)
        p = Part(hit)
        if hit is not None:
            p.body = section_body(lines, hit, stops)
            split_items(p, areas, title_areas)
        return p

    a = Analysis(report, doc, lines, _title_line(lines, report), match, cands, sections, attachments,
                 part("problems", True), part("measures", False))
    if report.kind != "project":
        a.quality = _score(a)
    _LAST[:] = [a]
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
            d.evidence = _dedupe(d.evidence)
    judged = [it for it in items if it.judged and it.score is not None]
    if a.match:
        basis = a.match.fmt["basis"]
    else:
        known = "、".join(f["name"] for f in formats()["formats"])
        basis = f"未识别出统一参考格式（已知：{known}）；完整性未评，其余各项参照岳阳附件5评分"
    return QualityScore(basis=basis, items=items,
                        score=sum((it.score for it in judged), D0) if judged else None,
                        judged_weight=sum((it.weight for it in judged), D0))


def _dedupe(values: list[Value]) -> list[Value]:
    seen, out = set(), []
    for v in values:
        key = (v.raw, v.source.line if v.source else None)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _unjudged(spec: dict[str, Any], a: Analysis) -> QualityItem:
    note = spec["note"]
    if spec["id"] == "Q-04":
        for ln in reversed(a.lines[-15:]):
            m = re.search(r"20\d\d年\d{1,2}月\d{1,2}日", ln.norm)
            if m and len(ln.norm) <= 20:
                note += f"报告落款日期为{m.group(0)}（{ln.source.where()}），可与报送期限比对。"
                break
    return QualityItem(id=spec["id"], name=spec["name"], weight=_dec(spec["weight"]), score=None, judged=False,
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
    item = QualityItem(id=c["id"], name=c["name"], weight=_dec(c["weight"]), tag=c["tag"])
    if a.match is None:
        found = [h.label for h in a.sections if h.found]
        item.judged, item.score = False, None
        item.note = ("未识别出该报告所依据的统一参考格式，正文和附件是否齐全无从对照，本项不评；"
                     "需按当地印发的报告格式人工核对。报告中找到的部分："
                     + ("、".join(found) if found else "无") + "。")
        return item
    fmt = a.match.fmt
    missing_body = [(f"正文部分“{h.label}”", _near(a, k)) for k, h in enumerate(a.sections) if not h.found]
    over_body = _take(item.deductions, missing_body, _dec(c["body_step"]), _dec(c["body_cap"]), "")
    required = [h for h in a.attachments if h.required]
    missing_att = []
    for h in required:
        if h.present:
            continue
        ev = [_block_value(a.doc, h.listed)] if h.listed is not None else a.title_evidence()
        listed = "（附件清单列有此表，报告未附）" if h.listed is not None else ""
        missing_att.append((f"{h.label}{listed}", ev))
    over_att = _take(item.deductions, missing_att, _dec(c["attachment_step"]), _dec(c["attachment_cap"]), "")
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
    item = QualityItem(id=c["id"], name=c["name"], weight=_dec(c["weight"]), tag=c["tag"])
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
    req = {k: _dec(v) for k, v in c["weights"].items()}
    if all(v == 0 for k, v in sums.items() if k != "execution") and not any(i.weight.present for i in inds):
        item.deductions.append(Deduction(points=_dec(c["weights_points"]), reason="自评表未列分值，无法判断权重，按不符合计",
                                         evidence=[inds[0].name]))
    else:
        diff = sum((abs(sums[k] - req[k]) for k in req), D0)
        share = diff / 2 / Decimal(100)
        pts = min(_q2(_dec(c["weights_points"]) * share), _dec(c["weights_points"]))
        if pts > 0:
            off = [f"{FAMILY_ZH[k]}{_num(sums[k])}（应为{_num(req[k])}）" for k in req if sums[k] != req[k]]
            ev = [ev_fam[k] for k in req if sums[k] != req[k] and k in ev_fam]
            if sums["execution"] != req["execution"] and r.funds.weight.present:
                ev.insert(0, r.funds.weight)
            item.deductions.append(Deduction(
                points=pts,
                reason=f"一级指标权重与规程不符：{'；'.join(off)}，错配{_num(_q2(share * 100))}%的权重，按比例扣分"
                       + (f"（{exe_note}）" if exe_note else ""),
                evidence=ev or [inds[0].level1]))
    # (2) 三级指标
    weighted = [i for i in inds if i.weight.present or i.target.present]
    flat = [i for i in weighted if not normalize(i.name.raw) or normalize(i.name.raw) in {"/", "／"}
            or normalize(i.name.raw) == normalize(i.level2.raw) or re.fullmatch(r"指标\d*[:：]?", normalize(i.name.raw))]
    if weighted and flat:
        pts = _q2(_dec(c["levels_points"]) * len(flat) / len(weighted))
        item.deductions.append(Deduction(points=pts, reason=f"{len(flat)}/{len(weighted)}行指标未细化到三级指标",
                                         evidence=[i.level2 if i.level2.present else i.weight for i in flat][:6]))
    # (3) indicator quality [INF]
    step = _dec(c["round_step"])
    kinds = [(i, target_kind(i)) for i in inds]
    qual = [i for i, k in kinds if k == "qualitative"]
    bare = [i for i, k in kinds if k == "unitless"]
    n = len(inds)
    raw = _dec(c["measurable_points"]) * (Decimal(len(qual)) + _dec(c["unitless_factor"]) * len(bare)) / n
    pts = min(_round_step(raw, step), _dec(c["measurable_points"]))
    if pts > 0:
        parts = []
        if qual:
            parts.append(f"{len(qual)}项只有定性表述（如" + "、".join(f"“{normalize(i.target.raw) or '空'}”" for i in qual[:3]) + "）")
        if bare:
            parts.append(f"{len(bare)}项指标值只有数字、没有计量单位（如" + "、".join(f"“{normalize(i.target.raw)}”" for i in bare[:3]) + "）")
        item.deductions.append(Deduction(
            points=pts, reason=f"三级指标内涵不够具体可衡量：{n}项中" + "，".join(parts) + "（推断 INF：按所占比例扣分）",
            evidence=[i.target if i.target.present else i.name for i in (qual + bare)][:8]))
    names: dict[str, list[Indicator]] = {}
    for i in inds:
        names.setdefault(normalize(i.name.raw), []).append(i)
    dups = [v for k, v in names.items() if k and len(v) > 1]
    if dups:
        cnt = sum(len(v) - 1 for v in dups)
        pts = min(_dec(c["duplicate_step"]) * cnt, _dec(c["concise_points"]))
        item.deductions.append(Deduction(points=pts, reason="三级指标重复设置：" + "、".join(f"“{normalize(v[0].name.raw)}”" for v in dups)
                                         + "（推断 INF：精简实用）", evidence=[i.name for v in dups for i in v][:6]))
    fams = {_family(i.level1.value, pats) for i in inds}
    for fam, zh in (("output", "产出"), ("benefit", "效益")):
        if fam not in fams:
            item.deductions.append(Deduction(points=_dec(c["missing_family_step"]),
                                             reason=f"自评表没有{zh}指标，未全面反映产出和效益（推断 INF）",
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
    return (Decimal(low) + (Decimal(high - low) * Decimal(str(position)))).quantize(Decimal(1), rounding=ROUND_HALF_UP)


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


def _problems(a: Analysis) -> QualityItem:
    c = formats()["quality"]["problems"]
    item = QualityItem(id=c["id"], name=c["name"], weight=_dec(c["weight"]), tag=c["tag"])
    p = a.problems
    area_names = {x["id"]: x["name"] for x in c["areas"]}
    if not p.found or not p.items:
        item.score = D0
        why = "未找到“存在的问题”部分" if not p.found else "“存在的问题”部分没有内容"
        item.deductions.append(Deduction(points=item.weight, reason=f"{why}，未反映问题", evidence=p.heading_value() or a.title_evidence()))
        return item
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
    top = item.weight - _dec(band["high"])
    if top > 0:
        if simple:
            reason = (f"问题未分条归纳且过于简单（{len(p.text)}字），属“{band['name']}”档（{band['low']}–{band['high']}分）；"
                      f"涉及：{'、'.join(found) or '无'}")
        else:
            reason = (f"归纳问题属“{band['name']}”档（{band['low']}–{band['high']}分）：附件5所列五个方面涉及"
                      f"{len(covered)}个（{'、'.join(found) or '无'}），未涉及{'、'.join(missing)}")
        item.deductions.append(Deduction(points=top, reason=reason,
                                         evidence=p.heading_value() + [covered[x].value for x in covered][:5]))
    if score < _dec(band["high"]):
        lacking = [it for it in p.items if it not in with_cause]
        item.deductions.append(Deduction(
            points=_dec(band["high"]) - score,
            reason=f"{len(lacking)}/{len(p.items)}条问题未分析原因（档内按分析原因的比例给分）",
            evidence=[it.value for it in lacking][:5] or p.heading_value()))
    item.score = score
    item.note = (f"问题{len(p.items)}条{'（分条）' if p.itemized else '（未分条）'}，分析原因{len(with_cause)}条；"
                 + "；".join(f"{area_names[k]}：{v.value.source.where()}“{_clip(v.title)}”" for k, v in covered.items())
                 + ("；删去了残留的格式填写说明" if p.dropped else "")
                 + "。方面按每条问题的首句（归纳语）用关键词判断（推断 INF）。")
    return item


def _clip(s: str, n: int = 16) -> str:
    return s if len(s) <= n else s[:n] + "…"


STOP_PUNCT = re.compile(r"[^\u4e00-\u9fff]")


def _bigrams(s: str, stop: set[str]) -> set[str]:
    s = STOP_PUNCT.sub("|", s)
    return {s[i:i + 2] for i in range(len(s) - 1) if "|" not in s[i:i + 2]} - stop


def answers(problem: Item, measure: Item) -> bool:
    """A measure answers a problem when they share an area and a content bigram of the problem's
    归纳 statement, or a narrow area (资产和财务, 政府采购, 资金) alone, or enough bigrams on their
    own [INF]."""
    c = formats()["quality"]["measures"]
    stop = set(c["stop_bigrams"])
    shared = _bigrams(problem.title, stop) & _bigrams(measure.text, stop)
    common = set(problem.areas) & set(measure.areas)
    if common and len(shared) >= c["min_shared"]:
        return True
    if common & set(c["area_alone"]):
        return True
    return len(shared) >= c["min_shared_alone"]


def _measures(a: Analysis) -> QualityItem:
    c = formats()["quality"]["measures"]
    item = QualityItem(id=c["id"], name=c["name"], weight=_dec(c["weight"]), tag=c["tag"])
    m, p = a.measures, a.problems
    if not m.found or not m.items:
        item.score = D0
        why = "未找到“改进措施”部分" if not m.found else "“改进措施”部分没有内容"
        item.deductions.append(Deduction(points=item.weight, reason=f"{why}，未提出建议", evidence=m.heading_value() or a.title_evidence()))
        return item
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
    top = item.weight - _dec(band["high"])
    if top > 0:
        if simple:
            reason = (f"建议过于简单（{len(m.items)}条，平均{avg:.0f}字{'，未分条' if not m.itemized else ''}），"
                      f"属“{band['name']}”档（{band['low']}–{band['high']}分）")
        else:
            reason = (f"建议属“{band['name']}”档（{band['low']}–{band['high']}分）：{len(answered)}/{len(probs)}条问题"
                      f"有对应的改进措施")
        item.deductions.append(Deduction(points=top, reason=reason, evidence=m.heading_value() + [it.value for it in m.items][:3]))
    if score < _dec(band["high"]):
        if probs:
            reason = (f"{len(a.unanswered)}/{len(probs)}条问题没有对应的改进措施："
                      + "、".join(f"“{_clip(pi.title)}”" for pi in a.unanswered[:4]))
            ev = [pi.value for pi in a.unanswered][:5]
        else:
            reason = "未找到存在的问题，建议无从与问题对应"
            ev = m.heading_value()
        item.deductions.append(Deduction(points=_dec(band["high"]) - score, reason=reason, evidence=ev or m.heading_value()))
    item.score = score
    item.note = (f"改进措施{len(m.items)}条{'（分条）' if m.itemized else '（未分条）'}；"
                 f"问题{len(probs)}条，有对应措施{len(answered)}条。对应关系按共同方面和归纳语的共同词判断（推断 INF）。")
    return item
