"""Renderers: records.jsonl, review.xlsx, review.html and the terminal summary table.

A batch's outputs are written by one :class:`.writer.BatchWriter`, fed one
:class:`.rows.FileOutput` per file (computed where the file was reviewed, :func:`.rows.file_output`).
``write_all(results, out_dir)`` → ``{"jsonl": Path, "xlsx": Path, "html": Path}`` does the same for
a batch held in memory. The 总览 (portfolio across reports: 得分差, 预算执行率, 评价等次, frequent
findings) is computed by :mod:`.portfolio`, tabled by :mod:`.overview`, drawn by :mod:`.chart`, and
shown at the top of review.xlsx (sheet 总览) and review.html.
"""

from __future__ import annotations

from pathlib import Path

from ..review import ReviewedFile
from .html import write_html
from .jsonl import read_records, write_jsonl
from .portfolio import build_portfolio
from .rows import FileOutput, file_output, file_outputs
from .summary import rich_table, summary_rows
from .writer import BatchWriter
from .xlsx import write_xlsx

__all__ = ["BatchWriter", "FileOutput", "build_portfolio", "file_output", "file_outputs", "read_records", "rich_table",
           "summary_rows", "write_all", "write_html", "write_jsonl", "write_xlsx"]


def write_all(results: list[ReviewedFile], out_dir: Path, pages: bool | None = None) -> dict[str, Path]:
    """Create ``out_dir`` and write records.jsonl, review.xlsx and review.html into it (and the
    per-file pages under ``reports/`` for a large batch, or when ``pages``)."""
    outputs = file_outputs(results)
    writer = BatchWriter(Path(out_dir), len(outputs), pages)
    for fo in outputs:
        writer.add(fo)
    return writer.close()
