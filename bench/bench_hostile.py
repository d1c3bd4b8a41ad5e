"""Benchmark: the hostile files of issue 14, each read and reviewed in a fresh child process.

Prints per file: its size, seconds to read (``jixiao.readers.read``) and to review
(``review_file``), the child's peak resident memory, and what the reader said (the notes, or the
ReadError). The figures before the bounds are the issue's (docs/hostile.md keeps both).

    .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fixture builders

import ooxml


def build(tmp: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    strings = ooxml.long_strings()
    out["xlsx: 300 sheet entries on one part"] = tmp / "sheets.xlsx"
    ooxml.write_xlsx(out["xlsx: 300 sheet entries on one part"], [ooxml.sheet_of_long_strings(strings)], strings,
                     names=[f"表{i}" for i in range(300)], targets=[0] * 300)
    out["xlsx: 300 parts of 1M characters"] = tmp / "chars.xlsx"
    ooxml.write_xlsx(out["xlsx: 300 parts of 1M characters"], [ooxml.sheet_of_long_strings(strings)] * 300, strings)
    out["docx: 400,000 paragraphs"] = tmp / "paras.docx"
    ooxml.write_docx(out["docx: 400,000 paragraphs"], "".join(ooxml.p(f"第{i}段") for i in range(400_000)))
    out["docx: tables nested 80 deep"] = ooxml.nested_docx(tmp / "nest.docx", 80)
    out["text: a row of 100,000 cells"] = tmp / "wide.txt"
    out["text: a row of 100,000 cells"].write_text("报告\n\n" + "".join(f"\t{k}\n" for k in range(100_000)), "utf-8")
    return out


def measure(path: Path) -> str:
    """Read and review ``path`` in a forked child; its line of figures."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        from jixiao.readers import ReadError, read
        from jixiao.review import review_file

        t0 = time.perf_counter()
        try:
            doc = read(path)
            said = "；".join(f"{n.code}: {n.message[:60]}" for n in doc.notes[:2]) or "（无提示）"
        except ReadError as exc:
            said = f"ReadError: {exc.reason[:80]}"
        t1 = time.perf_counter()
        review_file(path)
        t2 = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        os.write(w, f"read {t1 - t0:6.2f} s  review {t2 - t1:6.2f} s  maxrss {rss:5.0f} MiB  {said}".encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        line = fh.read().decode()
    os.waitpid(pid, 0)
    return line


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jixiao-hostile-") as tmp:
        for name, path in build(Path(tmp)).items():
            print(f"{name:<36} {path.stat().st_size / 1024:8.0f} KiB  {measure(path)}", flush=True)


if __name__ == "__main__":
    main()
