"""The one writer of a batch's outputs, fed file by file in input order.

``BatchWriter(out_dir, files=N)``; ``add(FileOutput)`` as each file finishes; ``close()`` →
the paths written, of ``{"jsonl": Path, "xlsx": Path, "html": Path}``. records.jsonl is written
line by line, review.xlsx row by row (:class:`.xlsx.WorkbookStream`), the index's rows into a
temporary file; what stays in memory is one small portfolio row per record
(:class:`.portfolio.UnitRow`), so memory does not grow with what the reports hold.

Outputs are always written, each on its own: records.jsonl goes to ``records.jsonl.part`` as the
batch runs and is renamed to records.jsonl when the batch closes, so records.jsonl never holds a
cut line — not after a full disk, nor a process killed mid-line (what a killed run leaves is the
.part file; an earlier run's records.jsonl stays whole until then); review.xlsx and review.html
are each written to a temporary name and renamed likewise. An output that fails (a read-only or
full disk, a bug in its writer) stops only itself: ``problems`` names it and says why in Chinese,
the file it would have replaced is removed (so that no earlier run's output passes for this
one's), and the others are written. Raises :class:`OutputError` only when the output folder
itself cannot be made or written to.

review.html: a batch of at most ``SINGLE_PAGE_FILES`` files is one page as before (总览, summary
table, every file's section). A larger batch gets an index instead — the 总览 and one sortable,
filterable, paged table of every record — and one self-contained page per file under
``out/reports/`` (``00001.html`` … in input order), each linking back to the index.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .html import index_row, render_index, render_page, report_page
from .portfolio import FindingCounter, Portfolio, UnitRow, portfolio_of
from .rows import FileOutput
from .summary import NOTICE_COLUMN
from .xlsx import WorkbookStream

SINGLE_PAGE_FILES = 100  # files shown on one review.html; more get an index and a page each
INDEX_PAGE_ROWS = 50  # rows per page of the index's table
REPORTS_DIR = "reports"
PAGE_NAME = re.compile(r"\d{5,}\.html")


OUTPUT_NAMES = {"jsonl": "records.jsonl", "xlsx": "review.xlsx", "html": "review.html"}
PART = ".part"  # suffix of an output being written
OS_REASONS = {  # errno → what a person is told
    errno.EROFS: "输出位置所在的磁盘为只读",
    errno.EACCES: "没有写入输出位置的权限",
    errno.EPERM: "没有写入输出位置的权限",
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EFBIG: "文件超出文件系统允许的大小",
    errno.ENOTDIR: "输出位置不是文件夹",
    errno.EEXIST: "输出位置已有同名的文件",
    errno.ENOENT: "输出位置不存在，也无法创建",
}


class OutputError(Exception):
    """The output folder cannot be made or written to; the message says why, in Chinese."""


def why(exc: BaseException) -> str:
    """A Chinese reason for a failed write: the disk's state for an OSError, else the error."""
    if isinstance(exc, OSError):
        reason = OS_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc))
        return f"{reason}（{exc.filename}）" if exc.filename else reason
    return f"程序出错（{type(exc).__name__}: {str(exc)[:300]}）"


class BatchWriter:
    """See the module doc. ``pages``: force the index and per-file pages (True) or one page
    (False); by default chosen by ``files``, the number of files in the batch."""

    def __init__(self, out_dir: Path, files: int, pages: bool | None = None):
        self.out = Path(out_dir)
        self.paths = {k: self.out / name for k, name in OUTPUT_NAMES.items()}
        self.pages = files > SINGLE_PAGE_FILES if pages is None else pages
        self.width = max(5, len(str(files)))
        self.problems: dict[str, str] = {}  # output → why it could not be written
        self.units: list[UnitRow] = []
        self.findings = FindingCounter()
        self.index_rows = 0
        self.outputs: list[FileOutput] = []  # the files themselves (small batch: one page)
        self.files = 0  # files added
        self.counts = {"记录": 0, "失败": 0, "错误": 0, "警告": 0, "提示": 0, NOTICE_COLUMN: 0}
        self.failed: list[str] = []  # error messages of the files that could not be read
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self.jsonl = self._part("jsonl").open("w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise OutputError(f"无法写入输出文件夹 {self.out}：{why(exc)}") from None
        reports = self.out / REPORTS_DIR
        self.book = self._guard("xlsx", lambda: WorkbookStream(self._part("xlsx")))
        # index rows (large batch), one JSON array a line in a temporary file beside the outputs
        self.index = self._guard("html", lambda: self._pages_folder(reports))

    def _part(self, key: str) -> Path:
        return self.paths[key].with_name(self.paths[key].name + PART)

    def _pages_folder(self, reports: Path):
        if reports.is_dir():  # the pages of an earlier run into this folder (nothing else is touched)
            for old in reports.iterdir():
                if PAGE_NAME.fullmatch(old.name) and old.is_file():
                    old.unlink()
        if not self.pages:
            return None
        reports.mkdir(exist_ok=True)
        return tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.out, prefix=".index-")

    def _guard(self, key: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` for the output ``key`` while it is still being written; on failure the output
        is given up (``problems``) and None returned."""
        if key in self.problems:
            return None
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001  one output's failure must not stop the others
            self._give_up(key, exc)
            return None

    def _give_up(self, key: str, exc: BaseException) -> None:
        self.problems[key] = f"未能写出 {OUTPUT_NAMES[key]}：{why(exc)}"
        for p in (self._part(key), self.paths[key]):  # nothing half written, nothing of an earlier run
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass
        if key == "jsonl":
            try:
                self.jsonl.close()
            except OSError:
                pass

    def page_name(self, fo: FileOutput) -> str:
        return f"{fo.index + 1:0{self.width}d}.html"

    def add(self, fo: FileOutput) -> None:
        """Append one file's outputs (files must come in input order)."""
        self._guard("jsonl", lambda: self._add_lines(fo))
        if self.book is not None:
            self._guard("xlsx", lambda: self.book.add(fo))
        self.files += 1
        if fo.error is not None:
            self.failed.append(fo.error)
        page = self.page_name(fo)
        if self.pages:
            self._guard("html", lambda: (self.out / REPORTS_DIR / page).write_text(
                report_page(fo.section, Path(fo.source).name, "../review.html"), encoding="utf-8"))
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
                self._guard("html", lambda row=row: self.index.write(json.dumps(row, ensure_ascii=False) + "\n"))
        if not self.pages:
            self.outputs.append(fo)

    def _add_lines(self, fo: FileOutput) -> None:
        self.jsonl.write("".join(r.json + "\n" for r in fo.records))
        self.jsonl.flush()  # the .part file is whole but for the line being written

    def totals(self) -> dict[str, int]:
        """As :func:`.summary.totals`."""
        c = self.counts
        return {"文件": self.files, "记录": c["记录"], "已复核": c["记录"] - c["失败"], "失败": c["失败"],
                **{k: c[k] for k in ("错误", "警告", "提示", NOTICE_COLUMN)}}

    def portfolio(self) -> Portfolio:
        return portfolio_of(self.units, self.findings.stats())

    def close(self) -> dict[str, Path]:
        """Finish every output that can be; returns the paths written (``problems`` says why
        any other was not)."""
        self._guard("jsonl", self._finish_jsonl)
        p = self.portfolio()
        chart = None
        if p.charted:
            try:
                from .chart import render_chart

                chart = render_chart(p)
            except Exception:  # noqa: BLE001  drawn again by each output, whose failure then names it
                pass
        if self.book is not None:
            self._guard("xlsx", lambda: self._finish_xlsx(p, chart))
        self._guard("html", lambda: self._finish_html(p, chart))
        return {k: path for k, path in self.paths.items() if k not in self.problems}

    def _finish_jsonl(self) -> None:
        self.jsonl.flush()
        os.fsync(self.jsonl.fileno())
        self.jsonl.close()
        os.replace(self._part("jsonl"), self.paths["jsonl"])

    def _finish_xlsx(self, p: Portfolio, chart) -> None:
        self.book.close(p, chart)
        os.replace(self._part("xlsx"), self.paths["xlsx"])

    def _finish_html(self, p: Portfolio, chart) -> None:
        if self.pages:
            self.index.seek(0)
            rows_json = "[" + ",".join(line.rstrip("\n") for line in self.index) + "]"
            self.index.close()
            html = render_index(rows_json, self.index_rows, p, self.totals(), INDEX_PAGE_ROWS, chart)
        else:
            html = render_page(self.outputs, p, self.totals(), chart)
        part = self._part("html")
        part.write_text(html, encoding="utf-8")
        os.replace(part, self.paths["html"])
