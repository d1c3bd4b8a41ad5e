"""Who, what and when: the kind of document, unit name, project name and year, read from the
title lines, cover lines and ``标签：值`` lines at the top of a document — in every wording of
the corpus (layouts.toml ``[document]`` and ``[labels]``).

- kind: a title naming 部门整体 / 部门绩效 is a department report; one naming a 项目 (支出) 绩效
  自评 / 评价, or a 资金 / 经费 / 转移支付 绩效自评, or a ``项目名称：`` line at the top, a project
  report;
- unit: a cover line that is a unit name alone (``青川县司法局``), or the words before the year in
  a title (``霍邱县教育局2022年部门绩效…``), or a ``项目单位：`` / ``实施单位：`` line;
- project name: a ``项目名称：`` line, a title's parenthesised line (``（市级森林防火“三三制”补助经费
  项目）``), or the words between the year and 绩效自评 in the title (``关于2021年度政法纪检监察转移支付
  资金绩效的自评报告``), or before the year when nothing stands after it;
- year: ``(2019年度)`` lines and titles (``…2022年度绩效自评报告``), never a 填报日期 / 报告日期.

Values quote the original text (traditional characters stay traditional).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Report, Source, Value
from ..readers.document import Document, Paragraph, Table
from .layouts import layouts
from .numbers import normalize_map

HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+[章部分])")
YEAR_ONLY = re.compile(r"^[（(]?(20\d\d)年度?[)）]?$")
YEAR_IN = re.compile(r"(20\d\d)\s*年度?")
DATE_LABEL = re.compile(r"(?:填报|报告|报送|编制|打印)日期|日期[:：]")
MAX_TITLE_LINES = 8


@dataclass(slots=True)
class TitleLine:
    text: str  # as written
    norm: str  # match text
    idx: list[int]  # norm position → text position
    source: Source

    def value(self, start: int, end: int, value) -> Value:
        raw = self.text[self.idx[start]: self.idx[end - 1] + 1] if end > start else ""
        return Value(value=value, raw=raw, source=self.source)


def title_lines(doc: Document) -> list[TitleLine]:
    """The lines at the top of ``doc`` before its first numbered heading or first table body:
    paragraphs, and the title rows (one text across the row) at the top of a first table."""
    out: list[TitleLine] = []
    for block in doc.blocks:
        if len(out) >= MAX_TITLE_LINES:
            break
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            norm, idx = normalize_map(text)
            if HEADING.match(norm):
                break
            if len(norm) > 90:
                continue  # a body paragraph before any heading (t07 opens with its text)
            out.append(TitleLine(text, norm, idx, Source(file=doc.path, block=block.index, line=block.line,
                                                           page=block.page)))
            continue
        if isinstance(block, Table):
            for row in block.rows[:3]:
                cells = [c for c in row if c.clean and not c.covered]
                if len({c.clean for c in cells}) != 1:
                    break
                c = cells[0]
                norm, idx = normalize_map(c.text.strip())
                out.append(TitleLine(c.text.strip(), norm, idx, Source(
                    file=doc.path, block=block.index, row=c.row, col=c.col, line=c.line, page=c.page,
                    sheet=block.sheet, ref=c.ref)))
            break
    return out


def _kv(line: TitleLine) -> tuple[str, int] | None:
    """(field, start of the value in ``norm``) for a ``标签：值`` line."""
    m = re.match(r"^([^:：]{2,14})[:：]", line.norm)
    if m is None:
        return None
    name = layouts().label_field(m.group(1))
    if name is None or m.end() >= len(line.norm):
        return None
    return name, m.end()


def document_kind(doc: Document, lines: list[TitleLine] | None = None) -> str | None:
    """``department`` / ``project`` from the title lines, or None when they do not say."""
    lay = layouts()
    lines = title_lines(doc) if lines is None else lines
    titles = [ln.norm for ln in lines if not lay.not_title.matches(ln.norm) and _kv(ln) is None]
    if any(lay.department_titles.matches(t) for t in titles):
        return "department"
    if any(lay.project_titles.matches(t) for t in titles):
        return "project"
    if any((kv := _kv(ln)) is not None and kv[0] in lay.project_fields for ln in lines):
        return "project"
    return None


def _is_unit(text: str) -> bool:
    lay = layouts()
    return (2 <= len(text) <= 30 and re.search(lay.unit_suffix_rx + "$", text) is not None
            and not re.search(r"\d|报告|自评|评价|绩效|[:：]", text))


def _strip_name(name: str) -> str:
    pats = layouts().project_name_strip
    prev = None
    while prev != name:
        prev = name
        for rx in pats:
            name = rx.sub("", name)
    return name.strip("（）()“”\"")


def fill_identity(doc: Document, report: Report, kind: str | None = None) -> None:
    """Fill the still-empty ``unit_name``, ``project_name`` (project documents) and ``year`` of
    ``report`` from the top of ``doc``."""
    lines = title_lines(doc)
    kind = kind or report.kind
    lay = layouts()
    for ln in lines:
        kv = _kv(ln)
        if kv is None:
            continue
        name, start = kv
        v = ln.value(start, len(ln.norm), ln.text[ln.idx[start]:].strip())
        if name == "project_name" and not report.project_name.present:
            report.project_name = v
        elif name in ("implementing_unit", "unit_name") and not report.implementing_unit.present:
            report.implementing_unit = v
        elif name == "managing_department" and not report.managing_department.present:
            report.managing_department = v
    titles = [ln for ln in lines if _kv(ln) is None and not lay.not_title.matches(ln.norm)]
    # unit
    if not report.unit_name.present:
        unit = report.implementing_unit if report.implementing_unit.present else None
        for ln in titles:
            if unit is not None:
                break
            if _is_unit(ln.norm):
                unit = ln.value(0, len(ln.norm), ln.text.strip())
                continue
            m = YEAR_IN.search(ln.norm)
            if m and m.start() >= 2 and _is_unit(ln.norm[:m.start()]):
                unit = ln.value(0, m.start(), ln.text[:ln.idx[m.start()]].strip())
        if unit is None and report.managing_department.present:
            unit = report.managing_department
        if unit is not None:
            report.unit_name = unit
    # project name
    if kind == "project" and not report.project_name.present:
        report.project_name = _project_name(titles)
    # year
    if not report.year.present:
        for ln in titles:
            if DATE_LABEL.search(ln.norm):
                continue
            m = YEAR_ONLY.match(ln.norm) or YEAR_IN.search(ln.norm)
            if m and (YEAR_ONLY.match(ln.norm) or lay.project_titles.matches(ln.norm)
                      or lay.department_titles.matches(ln.norm) or re.search(r"报告|表|总结", ln.norm)
                      or len(ln.norm) <= 20):
                report.year = ln.value(m.start(1), m.end(1), int(m.group(1)))
                break


def _project_name(titles: list[TitleLine]) -> Value:
    for ln in titles:  # （市级森林防火“三三制”补助经费项目）
        m = re.fullmatch(r"[（(](.{2,40}?(?:项目|资金|经费))[)）]", ln.norm)
        if m:
            return ln.value(m.start(1), m.end(1), ln.text[ln.idx[m.start(1)]: ln.idx[m.end(1) - 1] + 1])
    for ln in titles:
        if DATE_LABEL.search(ln.norm):
            continue
        m = YEAR_IN.search(ln.norm)
        if m is None:
            continue
        after = _strip_name(ln.norm[m.end():])
        if len(after) >= 2 and after != "项目":
            s = ln.norm.index(after, m.end())
            return ln.value(s, s + len(after), ln.text[ln.idx[s]: ln.idx[s + len(after) - 1] + 1])
        before = _strip_name(ln.norm[:m.start()])
        if len(before) >= 2 and not _is_unit(before) and re.search(r"项目|资金|经费|补助", before):
            s = ln.norm.index(before)
            return ln.value(s, s + len(before), ln.text[ln.idx[s]: ln.idx[s + len(before) - 1] + 1])
    return Value()
