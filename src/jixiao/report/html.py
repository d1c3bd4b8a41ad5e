"""``review.html``: one self-contained page (inline CSS, the chart as a ``data:`` PNG, no
external resources) — or, for a large batch (:mod:`.writer`), an index (the 总览 and one
sortable, filterable, paged table of every record, drawn by a small inline script from the rows
as JSON) with one such page per file under ``reports/``.

Header with batch totals, the 总览 (portfolio tables and chart), the summary table, then one
section per record: its scorecards (each item with its rule, 依据 and 来源可信度, inferred rules
marked 推断), its report-quality score, and its findings (errors first), each finding beside the
source lines its evidence cites, the cited raw text wrapped in ``<mark>``; then, apart from the
audit findings under their own heading 解析提示, the parser notices (JX9xx: what could not be
read). Project tables are shown inside the section of the department report they belong to. Everything is escaped by
jinja2; highlighting escapes first.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from ..checks.registry import PARSER_NOTICE_HEADING
from ..model import Finding, Record, Value
from ..review import ReviewedFile
from ..rules.ruleset import ruleset_basis
from .cleantext import PrintedMarkup, finalize
from .overview import headline, overview_tables, summary_tables
from .portfolio import Portfolio, build_portfolio
from .provenance import is_inferred, tag_text
from .sheets import cell_value
from .summary import SEVERITY_LABEL, SUMMARY_COLUMNS, fmt, totals

if TYPE_CHECKING:
    from .rows import FileOutput, RecordParts, RecordRows

CONTEXT = 2  # lines shown either side of a cited line
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*%?")
TAB = " │ "  # tab-separated table cells shown with a visible separator


@dataclass
class ExcerptLine:
    number: int
    html: Markup  # escaped text, cited raw in <mark>
    cited: bool


@dataclass
class Excerpt:
    """Source context for one evidence Value: ``lines`` empty when no line is known."""

    raw: str
    label: str
    lines: list[ExcerptLine]


def highlight(line: str, raw: str | None) -> Markup:
    """Escape ``line`` and wrap every occurrence of ``raw`` in ``<mark>`` (tabs made visible). A
    number is not marked inside a longer one (``2`` in ``2025年预算数：2`` only at the end) unless
    it occurs nowhere else."""
    needle = (raw or "").strip()
    if not needle or needle not in line:
        return _plain(line)
    mark = "<mark>%s</mark>" % escape(needle.replace("\t", TAB))  # str: joins the escaped parts as they are
    parts = line.split(needle)
    if _NUMBER.fullmatch(needle):
        alone = _alone(needle)
        if alone.search(line):
            parts = alone.split(line)
    return Markup(mark.join([escape(part.replace("\t", TAB)) for part in parts]))


@lru_cache(maxsize=4096)
def _plain(line: str) -> Markup:
    """``line`` escaped, tabs made visible: the same context lines recur in a file's excerpts."""
    return escape(line.replace("\t", TAB))


@lru_cache(maxsize=1024)
def _alone(number: str) -> re.Pattern[str]:
    """``number`` not inside a longer number."""
    return re.compile(rf"(?<![\d.]){re.escape(number)}(?![\d.])")


def excerpt(value: Value, lines: list[str]) -> Excerpt:
    """The lines ``line-2 .. line+2`` around ``value.source.line`` (1-based), cited one marked."""
    src = value.source
    raw = value.raw if value.raw is not None else ("" if value.value is None else str(value.value))
    label = src.label() if src else ""
    out: list[ExcerptLine] = []
    if src is not None and src.line is not None and 1 <= src.line <= len(lines):
        lo, hi = max(1, src.line - CONTEXT), min(len(lines), src.line + CONTEXT)
        for n in range(lo, hi + 1):
            text = lines[n - 1]
            cited = n == src.line
            out.append(ExcerptLine(n, highlight(text, raw) if cited else _plain(text), cited))
    return Excerpt(raw=raw, label=label, lines=out)


SOURCE_LINE = '          <div{cited}><span class="ln">{number}</span>{html}</div>'  # section.html's indentation


def source_lines(lines: list[ExcerptLine]) -> Markup:
    """An excerpt's lines as section.html shows them, one ``<div>`` a line (``cited`` the marked
    one), each value made printable as the template's own would be (:func:`.cleantext.finalize`):
    built here rather than by a loop in the template, as a batch prints some 10^5 of them."""
    return PrintedMarkup("\n".join(SOURCE_LINE.format(cited=' class="cited"' if ln.cited else "", number=ln.number,
                                               html=finalize(ln.html)) for ln in lines))


def excerpts(finding: Finding, lines: list[str]) -> list[Excerpt]:
    """One excerpt per distinct evidence (same raw on the same line shown once)."""
    seen: set[tuple] = set()
    out = []
    for v in finding.evidence:
        key = (v.raw, v.source.line if v.source else None, v.source.file if v.source else None)
        if key in seen:
            continue
        seen.add(key)
        out.append(excerpt(v, lines))
    return out


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jixiao.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,  # no character XML forbids in the page (a note says how many were dropped)
    )
    env.filters["fmt"] = fmt
    env.filters["tag_text"] = tag_text
    env.filters["ruleset_basis"] = ruleset_basis
    env.filters["source_lines"] = source_lines
    env.tests["inferred"] = is_inferred
    return env


def _portfolio(p: Portfolio, rows_in_tables: bool = True, chart=None) -> dict[str, Any]:
    """The 总览 for a template: headline, tables, chart (drawn here unless given; none for a
    single record, see :attr:`.portfolio.Portfolio.charted`). ``rows_in_tables=False`` (the index
    of a large batch) leaves out the tables listing every record, which the index's own table shows."""
    tables = overview_tables(p) if rows_in_tables else summary_tables(p)
    out: dict[str, Any] = {"headline": headline(p), "tables": tables, "png": None}
    if not p.charted:
        return out
    from .chart import (  # matplotlib: loaded only when a chart is drawn
        SIZE_PX,
        render_chart,
    )

    chart = chart or render_chart(p)
    return {**out, "alt": chart.alt, "note": chart.note, "png": base64.b64encode(chart.png).decode("ascii"),
            "width": SIZE_PX[0], "height": SIZE_PX[1]}


def _finding_view(f: Finding, lines: list[str]) -> dict[str, Any]:
    return {"f": f, "label": SEVERITY_LABEL.get(f.severity, f.severity), "excerpts": excerpts(f, lines)}


def _record_view(rf: ReviewedFile, rec: Record, parts: RecordParts, anchor_id: str) -> dict[str, Any]:
    findings = [_finding_view(f, rf.lines) for f in parts.audit]
    notices = [_finding_view(f, rf.lines) for f in parts.notices]
    return {"id": anchor_id, "ok": rec.error is None, "rec": rec, "row": parts.summary, "findings": findings,
            "notices": notices, "quality": parts.quality, "children": []}


def render_section(rf: ReviewedFile, index: int, parts: list[RecordParts]) -> str:
    """The <section> of one reviewed file, the ``index``-th (0-based) of its batch: its main
    document, with the project tables attached to it inside (each its own section); ``parts``
    those of each of ``rf.documents()``."""
    from .rows import anchor

    main, *children = [_record_view(d, d.record, p, anchor(index, d.record.part or 0))
                       for d, p in zip(rf.documents(), parts)]
    main["children"] = children
    return _environment().get_template("section.html").render(file=main, notice_heading=PARSER_NOTICE_HEADING)


def _summary_view(r: RecordRows, href: str) -> dict[str, Any]:
    return {"href": href, "project": r.project, "ok": r.ok, "row": r.summary}


def render_page(outputs: list[FileOutput], p: Portfolio, totals: dict[str, int], chart=None) -> str:
    """review.html of a small batch: the 总览, the summary table and every file's section
    (``chart``: the portfolio's, drawn here unless given)."""
    rows = [_summary_view(r, f"#{r.anchor}") for fo in outputs for r in fo.records]
    return _environment().get_template("review.html").render(
        rows=rows, columns=SUMMARY_COLUMNS, totals=totals, portfolio=_portfolio(p, chart=chart),
        notice_heading=PARSER_NOTICE_HEADING, sections=[PrintedMarkup(fo.section) for fo in outputs])


def render_html(results: list[ReviewedFile]) -> str:
    """review.html of a batch held in memory, as one page."""
    from .rows import file_outputs

    outputs = file_outputs(results)
    return render_page(outputs, build_portfolio(results), totals(results))


def write_html(results: list[ReviewedFile], path: Path) -> None:
    """Write the self-contained review page (UTF-8)."""
    Path(path).write_text(render_html(results), encoding="utf-8")


def report_page(section: str, title: str, index_href: str) -> str:
    """The page of one file in a large batch (``out/reports/…``): the CSS and its section."""
    return _environment().get_template("report_page.html").render(
        section=PrintedMarkup(section), title=title, index_href=index_href)


INDEX_COLUMNS = ["序号", "文件", "单位", "类型", "年度", "规则集", "自评得分", "复核得分", "得分差", "等次",
                 "预算执行率", "错误", "警告", "提示", "解析", "状态"]
INDEX_NUMERIC = {"序号", "年度", "自评得分", "复核得分", "得分差", "预算执行率", "错误", "警告", "提示", "解析"}


def index_row(n: int, r: RecordRows, href: str) -> list[Any]:
    """One row of the index's table (INDEX_COLUMNS, then the page link and whether it is a
    project table), as JSON-ready values: numbers as numbers, the rate a percentage text."""
    s, u = r.summary, r.unit
    return [n, s["文件"], s["单位"], u.kind, s["年度"], s["规则集"], cell_value(s["自评得分"]), cell_value(s["复核得分"]),
            cell_value(s["得分差"]), s["等次"], None if u.rate is None else f"{u.rate * 100:.2f}%", s["错误"], s["警告"],
            s["提示"], s["解析"], s["状态"], href, r.project]


def render_index(rows_json: str, count: int, p: Portfolio, totals: dict[str, int], page_size: int,
                 chart=None) -> str:
    """review.html of a large batch: the 总览 and one sortable, filterable, paged table of every
    record (``rows_json``: a JSON array of :func:`index_row`), each linking to its page."""
    return _environment().get_template("index.html").render(
        totals=totals, portfolio=_portfolio(p, rows_in_tables=False, chart=chart), columns=INDEX_COLUMNS,
        numeric=INDEX_NUMERIC, numeric_cols=json.dumps([i for i, c in enumerate(INDEX_COLUMNS) if c in INDEX_NUMERIC]),
        rows_json=Markup(rows_json.replace("</", "<\\/")), count=count, page_size=page_size,
        notice_heading=PARSER_NOTICE_HEADING)
