"""Renderers: records.jsonl, review.xlsx, review.html and the terminal summary table.

``write_all(results, out_dir)`` → ``{"jsonl": Path, "xlsx": Path, "html": Path}``. The 总览
(portfolio across reports: 得分差, 预算执行率, 评价等次, frequent findings) is computed by
:mod:`.portfolio`, tabled by :mod:`.overview`, drawn by :mod:`.chart`, and shown at the top of
review.xlsx (sheet 总览) and review.html.
"""

from __future__ import annotations

from pathlib import Path

from ..review import ReviewedFile
from .html import write_html
from .jsonl import write_jsonl
from .portfolio import build_portfolio
from .summary import rich_table, summary_rows
from .xlsx import write_xlsx

__all__ = ["build_portfolio", "rich_table", "summary_rows", "write_all", "write_html", "write_jsonl", "write_xlsx"]


def write_all(results: list[ReviewedFile], out_dir: Path) -> dict[str, Path]:
    """Create ``out_dir`` and write records.jsonl, review.xlsx and review.html into it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"jsonl": out / "records.jsonl", "xlsx": out / "review.xlsx", "html": out / "review.html"}
    write_jsonl(results, paths["jsonl"])
    write_xlsx(results, paths["xlsx"])
    write_html(results, paths["html"])
    return paths
