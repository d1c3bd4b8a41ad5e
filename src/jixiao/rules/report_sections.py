"""Where a 部门整体支出 report's parts are: its text lines, 统一参考格式, sections, attachments, problems, measures.

Shapes (all positions are indexes into ``text_lines(doc)``; no units — text only, no points):

- ``text_lines(doc) -> list[TextLine]``: 段落 and table cells in reading order, normalized (``norm``),
  split where a heading is glued on after a run of spaces; each keeps its ``Source``;
- ``detect_format(report, doc, lines) -> (FormatMatch | None, list[FormatMatch])``: the 统一参考格式
  (reference format) the report follows, detected from headings, title and region words, and the
  candidates weighed; ``find_sections`` gives one ``SectionHit`` per section spec (``line`` None = missing);
- ``listed_attachments`` / ``attached_by_title`` / ``check_attachments``: the report's own 附件 list and
  the attachments the format requires (``AttachmentHit``);
- ``section_body`` / ``split_items``: the 存在问题 (problems) and 改进措施 (measures) parts as ``Part``
  with numbered ``Item``s and the named areas (领域) each touches;
- ``analyse_sections(report, doc) -> Analysis``: all of the above for one report, not yet scored
  (``Analysis.quality`` is filled by ``rules/quality.py``);
- ``dedupe(values)``: evidence ``Value``s without repeats, keyed on (raw text, source line).

Patterns, area keywords and section lists are data in ``report_formats.toml`` (``formats()``).
Shared by the score (``rules/quality.py``) and the JX50x checks (``checks/completeness.py``,
``checks/quality.py``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ..extract.layouts import first_chars, starts_like
from ..extract.numbers import QuotedLine, normalize
from ..model import QualityScore, Report, Source, Value
from ..readers.document import Document, Paragraph, Table

__all__ = [
    "ATTACH_ITEM", "Analysis", "AttachmentHit", "FormatMatch", "Item", "Part", "SectionHit", "TextLine",
    "analyse_sections", "attached_by_title", "block_value", "check_attachments", "dedupe", "detect_format", "find_sections",
    "formats", "listed_attachments", "section_body", "split_items", "text_lines", "title_line",
]


@cache
def formats() -> dict[str, Any]:
    """The parsed ``rules/report_formats.toml``."""
    text = resources.files("jixiao.rules").joinpath("report_formats.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def dedupe(values: list[Value]) -> list[Value]:
    """``values`` in order without repeats, a repeat being the same raw text on the same source line."""
    seen, out = set(), []
    for v in values:
        key = (v.raw, v.source.line if v.source else None)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


# ------------------------------------------------------------------------------------------------
# text lines (段落 and table cells, split where a heading is glued on after a run of spaces)


@dataclass(slots=True)
class TextLine(QuotedLine):
    """One line (or space-separated segment) of the document's text, with its source."""

    text: str  # verbatim
    norm: str  # normalize(text)
    where: Source | dict[str, Any]  # the Source, or its fields until ``source`` is first asked for
    pos: int  # order in the document
    in_table: bool
    _idx: list[int] | None = None

    def value(self, start: int = 0, end: int | None = None, value: Any = None) -> Value:
        """A Value quoting ``norm[start:end]`` verbatim from the original text."""
        end = len(self.norm) if end is None else end
        raw = self.text[self.idx[start]: self.idx[end - 1] + 1] if self.idx and end > start else self.text.strip()
        return Value(value=raw if value is None else value, raw=raw, source=self.source)


SPACE_RUN = re.compile(r"[ \t\u3000\u00a0]{2,}")
NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．,，]|[(（][一二三四五六七八九十\d]+[)）][、.．]?|\d{1,2}(?:[、．,，]|\.(?!\d))"
    r"|[⑴-⒇①-⑳]|第[一二三四五六七八九十]+(?:部分|章)[、,:：]?)"
)


NUMBERING_FIRST = first_chars(NUMBERING.pattern)  # what a number can begin with


def _strip_numbering(norm: str) -> str:
    t = norm  # (``[bookmark: …]`` artefacts are already gone: readers/text.py drops them)
    for _ in range(2):
        m = NUMBERING.match(t) if starts_like(t, NUMBERING_FIRST) else None
        if not m:
            break
        t = t[m.end():]
    return t


def text_lines(doc: Document) -> list[TextLine]:
    """Every non-empty line of paragraphs and table cells, in document order. A line holding a
    run of spaces is also split there, so that a heading glued onto the end of a paragraph
    (seed 004 line 18: “…贡献了智慧和力量。      一般公共预算支出情况”) is seen on its own."""
    out: list[TextLine] = []

    def add(line: str, src: dict[str, Any], in_table: bool) -> None:
        pieces = SPACE_RUN.split(line) if SPACE_RUN.search(line) else [line]
        # formats that collapse runs of spaces (HTML, PDF) keep the glued heading as the short,
        # unpunctuated tail after the paragraph's last full stop
        if len(pieces) == 1:
            stop = line.rfind("。")
            if stop >= 0:
                tail = line[stop + 1:]
                if 4 <= len(normalize(tail)) <= 30 and not CLAUSE_MARK.search(tail):
                    pieces = [line[:stop + 1], tail]
        for piece in pieces:
            if not piece.strip():
                continue
            norm = normalize(piece)
            if norm:
                out.append(TextLine(piece, norm, src, len(out), in_table))

    path = doc.path
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            for k, part in enumerate(block.text.split("\n")):
                if part.strip():
                    add(part, {"file": path, "block": block.index, "line": block.line + k, "page": block.page}, False)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    if not cell.clean:
                        continue  # no line of it is more than whitespace
                    text = cell.text
                    if "\n" not in text and "。" not in text and not SPACE_RUN.search(text):
                        # one line, one piece (most cells): ``add`` without its splitting
                        norm = normalize(text)
                        if norm:
                            out.append(TextLine(text, norm, {"file": path, "block": block.index, "row": cell.row,
                                                             "col": cell.col, "line": cell.line, "page": cell.page,
                                                             "sheet": block.sheet, "ref": cell.ref}, len(out), True))
                        continue
                    for k, part in enumerate(text.split("\n")):
                        if part.strip():
                            add(part, {"file": path, "block": block.index, "row": cell.row, "col": cell.col,
                                       "line": cell.line + k, "page": cell.page, "sheet": block.sheet, "ref": cell.ref},
                                True)
    return out


CLAUSE_MARK = re.compile(r"[，,；;：:。、“”]")


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


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def _known_patterns() -> tuple[frozenset[str], re.Pattern[str] | None, tuple[frozenset[str], bool] | None]:
    """The section patterns of ``report_formats.toml`` (every format and the generic list), one
    regex matching where any of them matches (None if they cannot be joined) and what its
    matches can begin with (:func:`~jixiao.extract.layouts.first_chars`): a prefilter, so that
    each pattern is tried only on the few lines that can be headings at all."""
    f = formats()
    pats = list(dict.fromkeys(s["pattern"] for spec_list in [*(fmt["sections"] for fmt in f["formats"]),
                                                             f["generic"]["sections"]] for s in spec_list))
    if any(re.search(r"\\\d|\(\?P=|\(\?[aiLmsux]+\)", p) for p in pats):
        return frozenset(pats), None, None  # back-references or global flags: cannot be joined safely
    try:
        joined = re.compile("|".join(f"(?:{p})" for p in pats))
    except re.error:
        return frozenset(pats), None, None
    return frozenset(pats), joined, first_chars(joined.pattern)


@dataclass(slots=True)
class _Heads:
    """The heading candidates of one ``text_lines`` list with their numbering stripped, computed
    once for every section spec and format tried on it: ``all`` every candidate, ``likely`` those
    some pattern of ``report_formats.toml`` matches."""

    all: list[tuple[TextLine, str]]
    likely: list[tuple[TextLine, str]]


def _heads(lines: list[TextLine]) -> _Heads:
    limit = formats()["meta"]["max_heading_chars"]
    every = [(ln, _strip_numbering(ln.norm)) for ln in lines if len(ln.norm) <= limit and "万元" not in ln.norm]
    _, joined, firsts = _known_patterns()
    return _Heads(every, every if joined is None else
                  [(ln, t) for ln, t in every if starts_like(t, firsts) and joined.match(t)])


def find_sections(lines: list[TextLine], specs: list[dict[str, Any]], report: Report | None = None,
                  heads: _Heads | None = None) -> list[SectionHit]:
    """Each section of ``specs`` with the heading line that matches its pattern: the first match
    after the previous section's heading, else (out of order) the first match anywhere.
    ``heads`` is ``_heads(lines)`` when the caller already has it."""
    heads = _heads(lines) if heads is None else heads
    known = _known_patterns()[0]
    cands: list[list[TextLine]] = []
    for spec in specs:
        rx = _pattern(spec["pattern"])
        pool = heads.likely if spec["pattern"] in known else heads.all
        cands.append([ln for ln, t in pool if rx.match(t)])
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
            hit.numbered = _strip_numbering(hit.line.norm) != hit.line.norm
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


def title_line(lines: list[TextLine], report: Report) -> Value | None:
    for ln in lines[:12]:
        if re.search(r"报告|报告表|自评|评价", ln.norm) and len(ln.norm) <= 60:
            return ln.value()
    if lines:
        return lines[0].value()
    return None


def detect_format(report: Report, doc: Document, lines: list[TextLine], full: str | None = None,
                  heads: _Heads | None = None) -> tuple[FormatMatch | None, list[FormatMatch]]:
    """The 统一参考格式 the report follows: at least half of its sections found as headings, and a
    region word in the title/unit name or a phrase peculiar to the format; the best such match.
    ``full`` (the lines' norms joined) and ``heads`` (``_heads(lines)``) when the caller has them."""
    head = "".join(ln.norm for ln in lines[:6]) + normalize(str(report.unit_name.value or ""))
    full = "".join(ln.norm for ln in lines) if full is None else full
    matches = []
    heads = _heads(lines) if heads is None else heads
    for fmt in formats()["formats"]:
        hits = find_sections(lines, fmt["sections"], report, heads)
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


def block_value(doc: Document, b: Paragraph | Table) -> Value:
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
            hit.evidence = [block_value(doc, b)]
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



def analyse_sections(report: Report, doc: Document) -> Analysis:
    """Section detection, format, problems and measures of one report (not scored, not cached)."""
    lines = text_lines(doc)
    full = "".join(ln.norm for ln in lines)
    heads = _heads(lines)
    match, cands = detect_format(report, doc, lines, full, heads)
    specs = match.fmt["sections"] if match else formats()["generic"]["sections"]
    sections = match.sections if match else find_sections(lines, specs, report, heads)
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

    return Analysis(report, doc, lines, title_line(lines, report), match, cands, sections, attachments,
                    part("problems", True), part("measures", False))
