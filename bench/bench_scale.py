"""Benchmark: ``jixiao review`` at the scale of a province — 100 / 1,000 / 10,000 reports.

Makes N distinct reports from the seeds (../shared/seeds) and the examples: copy k of a report
has one figure of its text changed (the 实有人数 / a count near the top gets +k), so every file has
its own content hash and the store cannot take a shortcut. Then runs ``jixiao review DIR -o OUT
--jobs J`` as a subprocess for each N and prints, per run: wall time, reports/s, peak RSS of the
largest process of the run and of the whole process tree summed (the main process, the
forkserver and the workers; sampled with psutil every 0.1 s), output sizes, and the
growth ratios (time and memory per report, 10× the reports → ×? the time).

    .venv/bin/python bench/bench_scale.py [N ...] [--jobs J] [--db URL] [--keep DIR] [--browser]

``--db`` adds a run storing into the database (``sqlite:///…`` or a PostgreSQL URL) for each N.
``--browser`` opens each review.html in Chromium (Playwright, /usr/bin/chromium) and prints the
time to the index's table being drawn. A benchmark, never a test: the figures go in the
closing note and docs/scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
JIXIAO = [sys.executable, "-m", "jixiao.cli"]
NUMBER = re.compile(r"(?<![\d.])(\d{2,4})(?![\d.%年月日])")


def sources() -> list[tuple[str, str]]:
    files = sorted(SEEDS.glob("*.txt")) + sorted((ROOT / "examples").glob("*.txt"))
    if not files:
        sys.exit("no seeds or examples found")
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def variant(text: str, k: int) -> str:
    """The text with one number in its last third changed by +k (a figure of the narrative, so
    the tables and their checks stay as they were)."""
    start = len(text) * 2 // 3
    m = NUMBER.search(text, start) or NUMBER.search(text)
    if m is None:
        return text + f"\n（副本{k}）\n"
    return text[:m.start()] + str(int(m.group(1)) + k) + text[m.end():]


def make_reports(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    base = sources()
    for i in range(n):
        stem, text = base[i % len(base)]
        (folder / f"{i:05d}_{stem}.txt").write_text(variant(text, i // len(base) + 1), encoding="utf-8")


def run(args: list[str]) -> tuple[float, int, int]:
    """Wall seconds, the peak RSS (bytes) of the largest process of the run and the peak of the
    whole tree's RSS summed (main process + forkserver + workers), sampled every 0.1 s."""
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    top = psutil.Process(proc.pid)
    largest = total = 0
    while proc.poll() is None:
        try:
            tree = [top, *top.children(recursive=True)]
            rss = []
            for p in tree:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            largest, total = max(largest, max(rss, default=0)), max(total, sum(rss))
        except psutil.Error:
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    stderr = proc.stderr.read()
    if proc.returncode not in (0, 1):
        sys.exit(f"jixiao failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, largest, total


def size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def mib(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def browser_seconds(html: Path) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(exe):
        return None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(html.as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_selector("#rows tr, section.file", timeout=120_000)
        seconds = time.perf_counter() - t0
        browser.close()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--db", default=None)
    ap.add_argument("--keep", type=Path, default=None, help="make the reports here and keep them")
    ap.add_argument("--browser", action="store_true")
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="jixiao-scale-"))
    jobs = ["--jobs", str(a.jobs)] if a.jobs else []
    rows = []
    try:
        for n in a.sizes:
            src = work / f"in{n}"
            if not src.is_dir():
                make_reports(src, n)
            variants = [("", [])] + ([("--db", ["--db", a.db])] if a.db else [])
            for label, extra in variants:
                out = work / f"out{n}{label.replace('--', '_')}"
                shutil.rmtree(out, ignore_errors=True)
                if label and a.db.startswith("sqlite:///"):
                    Path(a.db.removeprefix("sqlite:///")).unlink(missing_ok=True)
                wall, rss, tree = run([*JIXIAO, "review", str(src), "-o", str(out), *jobs, *extra])
                records = sum(1 for _ in (out / "records.jsonl").open(encoding="utf-8"))
                row = {"reports": n, "run": label or "files", "records": records, "wall": wall, "rate": n / wall,
                       "rss": rss, "tree": tree, "jsonl": size(out / "records.jsonl"), "html": size(out / "review.html"),
                       "pages": size(out / "reports"), "xlsx": size(out / "review.xlsx")}
                if a.browser:
                    row["browser"] = browser_seconds(out / "review.html")
                rows.append(row)
                print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"{'reports':>8} {'run':>6} {'wall':>9} {'reports/s':>10} {'peak RSS':>10} {'tree RSS':>10} {'records.jsonl':>14} "
          f"{'per record':>11} {'review.html':>12} {'reports/':>10} {'review.xlsx':>12}" + ("  browser" if a.browser else ""))
    for r in rows:
        print(f"{r['reports']:>8} {r['run']:>6} {r['wall']:>8.1f}s {r['rate']:>10.1f} {mib(r['rss']):>10} {mib(r['tree']):>10} "
              f"{mib(r['jsonl']):>14} {mib(r['jsonl'] / r['records']):>11} {mib(r['html']):>12} {mib(r['pages']):>10} "
              f"{mib(r['xlsx']):>12}" + (f"  {r['browser']:.2f}s" if a.browser and r.get('browser') else ""))
    plain = [r for r in rows if r["run"] == "files"]
    for a_, b_ in zip(plain, plain[1:]):
        k = b_["reports"] / a_["reports"]
        print(f"{a_['reports']} → {b_['reports']} reports (×{k:g}): time ×{b_['wall'] / a_['wall']:.1f}, "
              f"peak RSS ×{b_['rss'] / a_['rss']:.2f} (tree ×{b_['tree'] / a_['tree']:.2f})")


if __name__ == "__main__":
    main()
