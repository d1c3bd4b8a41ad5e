"""Benchmark: reading each input format into a Document (``jixiao.readers.read``).

Fixtures are built at bench time in a temporary folder from the examples and the seeds
(../shared/seeds) with the builders of ``tests/formats.py``: .docx (python-docx, real merges),
.html, .xlsx (openpyxl), and with LibreOffice .pdf and .doc from the .docx. For each format it
prints documents/second, ms per document (per page for PDF), the full review time
(read → extract → score → check) and peak traced memory, beside the targets of the issue:

- .docx read to Document < 5 ms per one-table report;
- text-layer PDF < 150 ms per page;
- .doc: a batch is dominated by ONE LibreOffice conversion (printed: its share of the batch);
- OCR < 3 s per page (only when ``jixiao.readers.ocr.available()``);
- .docx read → findings (``review_file``: read → extract → score → check) >= 10x faster than
  docling's ``DocumentConverter().convert`` alone on the same .docx files, as the geometric mean
  of the per-file ratio (best of a few runs each, after a warm-up; also the ``read()``-only
  ratio). Only when docling is importable: it is no dependency of jixiao, so run the bench from a
  separate venv that has docling and ``pip install -e .`` (docling needs no models for .docx).

    .venv/bin/python bench/bench_readers.py [N]     # N repetitions of each read (default 10; PDF N/4)

``maxrss`` is the process's peak resident memory so far (it only grows: formats later in the run
include the earlier ones); ``peak traced`` is tracemalloc's peak of Python allocations for one
pass over the format's files.
"""

from __future__ import annotations

import importlib
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fixture builders

from formats import convert, soffice, write_docx, write_html, write_xlsx

from jixiao.readers import read
from jixiao.review import review_file

TARGET_DOCX_MS = 5.0
TARGET_PDF_MS_PER_PAGE = 150.0
TARGET_OCR_S_PER_PAGE = 3.0
MAX_OCR_PAGES = 3


def sources() -> list[Path]:
    files = sorted((ROOT / "examples").glob("*.txt")) + sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if not files:
        sys.exit("no input files found")
    return files


def build(tmp: Path) -> dict[str, list[Path]]:
    """Every source in every format (LibreOffice formats only when soffice is installed)."""
    out: dict[str, list[Path]] = {"txt": [], "docx": [], "html": [], "xlsx": []}
    for i, src in enumerate(sources()):
        doc = read(src)
        stem = f"{i:02d}_{src.stem[:16]}"  # the index keeps namesakes (two planted_2024_示例区…) apart
        out["txt"].append(src)
        out["docx"].append(write_docx(doc, tmp / f"{stem}.docx"))
        out["html"].append(write_html(doc, tmp / f"{stem}.html"))
        if doc.tables:
            out["xlsx"].append(write_xlsx(doc, tmp / f"{stem}.xlsx"))
    if soffice() is not None:
        t0 = time.perf_counter()
        for to in ("pdf", "doc"):
            got = convert(out["docx"], to, tmp / to)
            out[to] = [p for p in got.values() if p is not None]
        print(f"(fixtures: LibreOffice made {len(out['pdf'])} .pdf and {len(out['doc'])} .doc "
              f"in {time.perf_counter() - t0:.1f} s)")
    else:
        print("(LibreOffice not installed: no .pdf/.doc fixtures)")
    return out


def pages(path: Path) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def time_reads(files: list[Path], n: int) -> tuple[float, dict[Path, float], int]:
    """(mean seconds per document, per-file mean seconds, tracemalloc peak bytes)."""
    for f in files:  # warm-up: imports, regexes
        read(f)
    per: dict[Path, float] = {}
    for f in files:
        t0 = time.perf_counter()
        for _ in range(n):
            read(f)
        per[f] = (time.perf_counter() - t0) / n
    tracemalloc.start()
    for f in files:
        read(f)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return sum(per.values()) / len(per), per, peak


def time_reviews(files: list[Path]) -> float:
    t0 = time.perf_counter()
    for f in files:
        rf = review_file(f)
        if rf.record.error:
            print(f"    ! {f.name}: {rf.record.error}")
    return (time.perf_counter() - t0) / len(files)


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def verdict(ok: bool) -> str:
    return "OK" if ok else "ABOVE"


def bench_format(fmt: str, files: list[Path], n: int) -> None:
    if not files:
        print(f"{fmt:<5} no fixtures")
        return
    try:
        mean, per, peak = time_reads(files, n)
    except Exception as exc:  # a reader not there yet, or failing: say so, go on
        print(f"{fmt:<5} cannot read: {type(exc).__name__}: {exc}")
        return
    review = time_reviews(files)
    line = (f"{fmt:<5} {len(files):2d} docs  {1 / mean:8.1f} docs/s  {mean * 1000:8.2f} ms/doc  "
            f"review {review * 1000:8.2f} ms/doc  peak traced {peak / 2**20:6.2f} MiB  maxrss {maxrss_mib():6.0f} MiB")
    print(line)
    if fmt == "docx":
        for f, s in per.items():
            tables = len(read(f).tables)
            note = f"target < {TARGET_DOCX_MS:.0f} ms ({verdict(s * 1000 < TARGET_DOCX_MS)})" if tables == 1 else ""
            print(f"        {f.name:<24} {tables} table(s) {s * 1000:7.2f} ms  {note}")
        worst = max(s / max(1, len(read(f).tables)) for f, s in per.items()) * 1000
        print(f"        worst {worst:.2f} ms per table (target < {TARGET_DOCX_MS:.0f} ms per one-table report: "
              f"{verdict(worst < TARGET_DOCX_MS)})")
    if fmt == "pdf":
        total_pages = 0
        worst = 0.0
        for f, s in per.items():
            k = pages(f)
            total_pages += k
            worst = max(worst, s / k)
            print(f"        {f.name:<24} {k:2d} pages {s * 1000:8.1f} ms  {s / k * 1000:6.1f} ms/page")
        per_page = sum(per.values()) / total_pages
        print(f"        mean {per_page * 1000:.1f} ms/page, worst {worst * 1000:.1f} ms/page "
              f"(target < {TARGET_PDF_MS_PER_PAGE:.0f} ms/page: {verdict(worst * 1000 < TARGET_PDF_MS_PER_PAGE)})")


def bench_doc_batch(files: list[Path]) -> None:
    """A batch of .doc: one LibreOffice conversion (office.converted), then .docx reads."""
    if not files:
        return
    try:
        from jixiao.readers.office import converted
    except ImportError:
        print("doc   batch: jixiao.readers.office.converted not available")
        return
    t0 = time.perf_counter()
    with converted(files):
        t1 = time.perf_counter()
        for f in files:
            read(f)
        t2 = time.perf_counter()
    conv, reads = t1 - t0, t2 - t1
    total = conv + reads
    print(f"doc   batch of {len(files)}: one LibreOffice conversion {conv:.2f} s + reads {reads * 1000:.1f} ms "
          f"= {total:.2f} s ({total / len(files) * 1000:.0f} ms/doc); conversion {conv / total:.0%} of the batch "
          f"(target: dominated by one conversion: {verdict(conv / total > 0.5)})")


def bench_ocr(pdfs: list[Path], tmp: Path) -> None:
    try:
        ocr = importlib.import_module("jixiao.readers.ocr")
    except ImportError:
        print("ocr   jixiao.readers.ocr not present: skipped")
        return
    if not getattr(ocr, "available", lambda: False)():
        print("ocr   OCR engine not available (jixiao.readers.ocr.available() is False): skipped")
        return
    if not pdfs:
        return
    import pypdfium2

    src = pdfs[0]
    pdf = pypdfium2.PdfDocument(str(src))
    images = []
    for i in range(min(MAX_OCR_PAGES, len(pdf))):
        img = pdf[i].render(scale=200 / 72).to_pil()
        p = tmp / f"scan_{i + 1}.png"
        img.save(p)
        images.append(p)
    pdf.close()
    times = []
    for p in images:
        t0 = time.perf_counter()
        read(p)
        times.append(time.perf_counter() - t0)
    rest = times[1:] or times
    per_page = sum(rest) / len(rest)
    print(f"ocr   {len(images)} page images of {src.name} at 200 dpi: first page {times[0]:.2f} s "
          f"(with the engine's start), then {per_page:.2f} s/page "
          f"(target < {TARGET_OCR_S_PER_PAGE:.0f} s/page: {verdict(per_page < TARGET_OCR_S_PER_PAGE)})")


def bench_docling(docx_files: list[Path], n: int) -> None:
    """docling's DocumentConverter().convert vs jixiao's review_file on the same .docx files.

    Per file: best of ``reps`` runs of each (after one warm-up conversion and one warm-up review,
    then one untimed run of each on that file, which also gives docling's status), the two timed
    one right after the other so load on the machine hits both alike;
    then the geometric mean of the per-file ratios beside the target, and the older
    read()-only line (arithmetic mean over the files). Both are timed under a batch worker's
    garbage-collector settings (``gc.freeze()``, ``batch.GC_THRESHOLD``), restored at the end."""
    try:
        from docling.document_converter import DocumentConverter
    except ImportError:
        print("docling not importable: comparison skipped")
        return
    import math
    import os
    import unicodedata
    from importlib.metadata import version

    built = len(docx_files)
    docx_files = list(dict.fromkeys(docx_files))  # two sources whose stems agree on 16 chars share one file
    if not docx_files:
        print("docling: no .docx fixtures")
        return

    def pad(name: str, width: int = 24) -> str:  # CJK characters take two columns
        cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in name)
        return name + " " * max(0, width - cols)

    reps = max(5, n)
    conv = DocumentConverter()
    conv.convert(str(docx_files[0]))  # warm-up (pipeline initialisation, imports)
    review_file(docx_files[0])  # warm-up (imports, regexes)
    # both timed under a batch worker's garbage-collector settings (jixiao.batch._adopt_conversions):
    # the heap docling and torch left behind is frozen, so that neither pays for scanning it
    import gc

    from jixiao.batch import GC_THRESHOLD

    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)

    def best(fn, f: Path) -> float:
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn(f)
            times.append(time.perf_counter() - t0)
        return min(times)

    dup = f" ({built} built, {built - len(docx_files)} overwritten by a namesake)" if built != len(docx_files) else ""
    print(f"docling {version('docling')} DocumentConverter().convert vs jixiao review_file "
          f"(read → extract → score → check), {len(docx_files)} distinct .docx{dup}, best of {reps} each, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores:")
    print(f"        {pad('file')} {'docling ms':>10} {'jixiao ms':>10} {'ratio':>8}")
    ratios = []
    for f in docx_files:
        res = conv.convert(str(f))
        status = getattr(res.status, "name", str(res.status))
        rf = review_file(f)
        theirs = best(lambda x: conv.convert(str(x)), f)
        ours = best(review_file, f)
        ratios.append(theirs / ours)
        notes = []
        if status != "SUCCESS":
            notes.append(f"docling status {status}")
        if rf.record.error:
            notes.append(f"jixiao error: {rf.record.error}")
        print(f"        {pad(f.name)} {theirs * 1000:10.1f} {ours * 1000:10.2f} {theirs / ours:7.1f}×"
              + (f"  ({'; '.join(notes)})" if notes else ""))
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    enough = "" if len(ratios) >= 8 else f" (only {len(ratios)} files: the target asks for 8)"
    print(f"        geometric mean docling / jixiao review_file = {geo:.1f}× over {len(ratios)} files "
          f"(min {min(ratios):.1f}×, max {max(ratios):.1f}×; target >= 10×: {'OK' if geo >= 10 else 'BELOW'})"
          + enough)
    t0 = time.perf_counter()
    for _ in range(n):
        for f in docx_files:
            conv.convert(str(f))
    theirs = (time.perf_counter() - t0) / (n * len(docx_files))
    t0 = time.perf_counter()
    for _ in range(n):
        for f in docx_files:
            read(f)
    ours = (time.perf_counter() - t0) / (n * len(docx_files))
    print(f"docling DocumentConverter .docx: {theirs * 1000:.1f} ms/doc vs jixiao read() {ours * 1000:.2f} ms/doc "
          f"(docling / jixiao = {theirs / ours:.0f}×, arithmetic means)")
    gc.unfreeze()
    gc.set_threshold(*threshold)


def main(n: int = 10) -> None:
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp_s:
        tmp = Path(tmp_s)
        fixtures = build(tmp)
        print(f"read → Document, {n} repetitions each (one core); review = read → extract → score → check")
        for fmt in ("txt", "docx", "html", "xlsx", "pdf"):
            bench_format(fmt, fixtures.get(fmt, []), n if fmt != "pdf" else max(2, n // 4))
        docs = fixtures.get("doc", [])
        if docs:
            # one .doc read alone starts LibreOffice once: time it on one file only
            t0 = time.perf_counter()
            try:
                read(docs[0])
                print(f"doc   single file (own LibreOffice start): {(time.perf_counter() - t0) * 1000:.0f} ms")
            except Exception as exc:
                print(f"doc   cannot read: {type(exc).__name__}: {exc}")
            bench_doc_batch(docs)
        bench_ocr(fixtures.get("pdf", []), tmp)
        bench_docling(fixtures["docx"], max(1, n // 5))
        print(f"process maxrss {maxrss_mib():.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
