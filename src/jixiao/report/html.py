"""``review.html``: one self-contained page (inline CSS, the chart as a ``data:`` PNG, no
external resources).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from ..checks.registry import PARSER_NOTICE_HEADING
from ..model import Finding, Record, Value
from ..review import ReviewedFile
from ..rules.ruleset import ruleset_basis
from .chart import SIZE_PX, render_chart
from .overview import headline, overview_tables
from .portfolio import build_portfolio
from .provenance import QUALITY_COLUMNS, is_inferred, quality_rows, tag_text
from .summary import (
    SEVERITY_LABEL,
    SUMMARY_COLUMNS,
    file_name,
    fmt,
    records,
    sorted_audit_findings,
    sorted_parser_notices,
    summary_rows,
    totals,
)

CONTEXT = 2  # lines shown either side of a cited line
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
    """Escape ``line`` and wrap every occurrence of ``raw`` in ``<mark>`` (tabs made visible)."""
    needle = (raw or "").strip()
    if not needle or needle not in line:
        return escape(line.replace("\t", TAB))
    mark = Markup("<mark>{}</mark>").format(needle.replace("\t", TAB))
    return mark.join(escape(part.replace("\t", TAB)) for part in line.split(needle))


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
            out.append(ExcerptLine(n, highlight(text, raw) if cited else highlight(text, None), cited))
    return Excerpt(raw=raw, label=label, lines=out)


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


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("jixiao.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.filters["tag_text"] = tag_text
    env.filters["ruleset_basis"] = ruleset_basis
    env.tests["inferred"] = is_inferred
    return env


def _portfolio(results: list[ReviewedFile]) -> dict[str, Any]:
    p = build_portfolio(results)
    chart = render_chart(p)
    return {
        "headline": headline(p), "tables": overview_tables(p), "alt": chart.alt, "note": chart.note,
        "png": base64.b64encode(chart.png).decode("ascii"), "width": SIZE_PX[0], "height": SIZE_PX[1],
    }


def _finding_view(f: Finding, lines: list[str]) -> dict[str, Any]:
    return {"f": f, "label": SEVERITY_LABEL.get(f.severity, f.severity), "excerpts": excerpts(f, lines)}


def _record_view(i: int, rf: ReviewedFile, rec: Record, row: dict[str, Any]) -> dict[str, Any]:
    findings = [_finding_view(f, rf.lines) for f in sorted_audit_findings(rec.findings)]
    notices = [_finding_view(f, rf.lines) for f in sorted_parser_notices(rec.findings)]
    quality = quality_rows(rec, row["单位"], file_name(rec))
    return {"id": f"f{i}", "ok": rec.error is None, "rec": rec, "row": row, "findings": findings,
            "notices": notices, "quality": quality, "children": []}


def render_html(results: list[ReviewedFile]) -> str:
    """The page as a string."""
    views = [_record_view(i, rf, rec, row)
             for i, ((rf, rec), row) in enumerate(zip(records(results), summary_rows(results)), start=1)]
    by_id = {v["rec"].id: v for v in views if v["rec"].id is not None}
    top = []
    for v in views:  # a project table goes under its department record when that is in the batch
        parent = by_id.get(v["rec"].parent) if v["rec"].parent is not None else None
        (parent["children"] if parent is not None and parent is not v else top).append(v)
    template = _environment().get_template("review.html")
    return template.render(files=top, rows=views, columns=SUMMARY_COLUMNS, totals=totals(results),
                           portfolio=_portfolio(results), quality_columns=QUALITY_COLUMNS,
                           notice_heading=PARSER_NOTICE_HEADING)


def write_html(results: list[ReviewedFile], path: Path) -> None:
    """Write the self-contained review page (UTF-8)."""
    Path(path).write_text(render_html(results), encoding="utf-8")
