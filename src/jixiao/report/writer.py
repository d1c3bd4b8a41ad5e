"""The one writer of a batch's outputs, fed file by file in input order.

``BatchWriter(out_dir, files=N)``; ``add(FileOutput)`` as each file finishes; ``close()`` →
``{"jsonl": Path, "xlsx": Path, "html": Path}``. records.jsonl is written line by line,
review.xlsx row by row (:class:`.xlsx.WorkbookStream`), the index's rows into a temporary file;
what stays in memory is one small portfolio row per record (:class:`.portfolio.UnitRow`), so
memory does not grow with what the reports hold.

review.html: a batch of at most ``SINGLE_PAGE_FILES`` files is one page as before (总览, summary
table, every file's section). A larger batch gets an index instead — the 总览 and one sortable,
filterable, paged table of every record — and one self-contained page per file under
``out/reports/`` (``00001.html`` … in input order), each linking back to the index.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from .html import index_row, render_index, render_page, report_page
from .portfolio import FindingCounter, Portfolio, UnitRow, portfolio_of
from .rows import FileOutput
from .summary import NOTICE_COLUMN
from .xlsx import WorkbookStream

SINGLE_PAGE_FILES = 100  # files shown on one review.html; more get an index and a page each
INDEX_PAGE_ROWS = 50  # rows per page of the index's table
REPORTS_DIR = "reports"
PAGE_NAME = re.compile(r"\d{5,}\.html")


class BatchWriter:
    """See the module doc. ``pages``: force the index and per-file pages (True) or one page
    (False); by default chosen by ``files``, the number of files in the batch."""

    def __init__(self, out_dir: Path, files: int, pages: bool | None = None):
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.paths = {"jsonl": self.out / "records.jsonl", "xlsx": self.out / "review.xlsx",
                      "html": self.out / "review.html"}
        self.pages = files > SINGLE_PAGE_FILES if pages is None else pages
        self.width = max(5, len(str(files)))
        reports = self.out / REPORTS_DIR
        if reports.is_dir():  # the pages of an earlier run into this folder (nothing else is touched)
            for old in reports.iterdir():
                if PAGE_NAME.fullmatch(old.name) and old.is_file():
                    old.unlink()
        if self.pages:
            reports.mkdir(exist_ok=True)
        self.jsonl = self.paths["jsonl"].open("w", encoding="utf-8", newline="\n")
        self.book = WorkbookStream(self.paths["xlsx"])
        self.units: list[UnitRow] = []
        self.findings = FindingCounter()
        # index rows (large batch), one JSON array a line in a temporary file beside the outputs
        self.index = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.out, prefix=".index-") if self.pages else None
        self.index_rows = 0
        self.outputs: list[FileOutput] = []  # the files themselves (small batch: one page)
        self.files = 0  # files added
        self.counts = {"记录": 0, "失败": 0, "错误": 0, "警告": 0, "提示": 0, NOTICE_COLUMN: 0}
        self.failed: list[str] = []  # error messages of the files that could not be read

    def page_name(self, fo: FileOutput) -> str:
        return f"{fo.index + 1:0{self.width}d}.html"

    def add(self, fo: FileOutput) -> None:
        """Append one file's outputs (files must come in input order)."""
        for r in fo.records:
            self.jsonl.write(r.json)
            self.jsonl.write("\n")
        self.book.add(fo)
        self.files += 1
        if fo.error is not None:
            self.failed.append(fo.error)
        page = self.page_name(fo)
        if self.pages:
            (self.out / REPORTS_DIR / page).write_text(
                report_page(fo.section, Path(fo.source).name, "../review.html"), encoding="utf-8")
        for r in fo.records:
            self.units.append(r.unit)
            self.findings.add(r.codes)
            self.counts["记录"] += 1
            self.counts["失败"] += not r.ok
            for k in ("错误", "警告", "提示", NOTICE_COLUMN):
                self.counts[k] += r.summary[k]
            if self.pages:
                self.index_rows += 1
                row = index_row(self.index_rows, r, f"{REPORTS_DIR}/{page}#{r.anchor}")
                self.index.write(json.dumps(row, ensure_ascii=False) + "\n")
        if not self.pages:
            self.outputs.append(fo)

    def totals(self) -> dict[str, int]:
        """As :func:`.summary.totals`."""
        c = self.counts
        return {"文件": self.files, "记录": c["记录"], "已复核": c["记录"] - c["失败"], "失败": c["失败"],
                **{k: c[k] for k in ("错误", "警告", "提示", NOTICE_COLUMN)}}

    def portfolio(self) -> Portfolio:
        return portfolio_of(self.units, self.findings.stats())

    def close(self) -> dict[str, Path]:
        """Finish every output; returns their paths."""
        from .chart import render_chart

        self.jsonl.close()
        p = self.portfolio()
        chart = render_chart(p)
        self.book.close(p, chart)
        if self.pages:
            self.index.seek(0)
            rows_json = "[" + ",".join(line.rstrip("\n") for line in self.index) + "]"
            self.index.close()
            html = render_index(rows_json, self.index_rows, p, self.totals(),
                                INDEX_PAGE_ROWS, chart)
        else:
            html = render_page(self.outputs, p, self.totals(), chart)
        self.paths["html"].write_text(html, encoding="utf-8")
        return dict(self.paths)
