"""``review.html``: one self-contained page (inline CSS, no external resources).

Header with batch totals, the summary table, then one section per file: its scorecards and its
findings (errors first), each finding beside the source lines its evidence cites, the cited raw
text wrapped in ``<mark>``. Everything is escaped by jinja2; highlighting escapes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from ..model import Finding, Value
from ..review import ReviewedFile
from .summary import SEVERITY_LABEL, SUMMARY_COLUMNS, fmt, sorted_findings, summary_rows, totals

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
    return env


def render_html(results: list[ReviewedFile]) -> str:
    """The page as a string."""
    files = []
    for i, (rf, row) in enumerate(zip(results, summary_rows(results)), start=1):
        findings = [
            {"f": f, "label": SEVERITY_LABEL.get(f.severity, f.severity), "excerpts": excerpts(f, rf.lines)}
            for f in sorted_findings(rf.record.findings)
        ]
        files.append({"id": f"f{i}", "rf": rf, "rec": rf.record, "row": row, "findings": findings})
    template = _environment().get_template("review.html")
    return template.render(files=files, columns=SUMMARY_COLUMNS, totals=totals(results))


def write_html(results: list[ReviewedFile], path: Path) -> None:
    """Write the self-contained review page (UTF-8)."""
    Path(path).write_text(render_html(results), encoding="utf-8")
