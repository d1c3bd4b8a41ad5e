"""Benchmark: extraction to findings (read → extract → score → check), no rendering.

Reviews every seed (../shared/seeds) and example N times on one core and prints reports/second,
milliseconds per report and peak memory. Target (issue 2): under 50 ms per seed-sized report.
``--corpus`` reviews the files of ../shared/corpus/files instead (every format: .docx, .pdf,
.xlsx, .html, .txt).

    .venv/bin/python bench/bench_review.py [N] [--corpus]

The machine is shared: the mean of one run moves by 20–30 % with the load of others. The last
line, the best of the N rounds (one round reviews every file once), is the figure to compare
between two versions of the code run one after the other.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]


def bench_files(corpus: bool = False) -> list[Path]:
    """The files reviewed: the seeds and examples (``*.txt``), or the corpus files."""
    if corpus:
        return sorted(p for p in (ROOT.parent / "shared" / "corpus" / "files").rglob("*") if p.is_file())
    return sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) + sorted((ROOT / "examples").glob("*.txt"))


def main(n: int = 20, corpus: bool = False) -> None:
    files = bench_files(corpus)
    if not files:
        sys.exit("no input files found")
    for f in files:  # warm-up: imports, regex compilation, rule-set loading
        review_file(f)
    tracemalloc.start()
    per_file: dict[str, float] = {}
    start = time.perf_counter()
    for f in files:
        t0 = time.perf_counter()
        for _ in range(n):
            review_file(f)
        per_file[f.name] = (time.perf_counter() - t0) / n
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = n * len(files)
    print(f"{total} reviews of {len(files)} files in {elapsed:.2f} s (tracemalloc on)")
    for name, sec in per_file.items():
        print(f"  {name:<45} {sec * 1000:7.2f} ms/report")
    print(f"throughput: {total / elapsed:.1f} reports/s; mean {elapsed / total * 1000:.2f} ms/report")
    print(f"peak traced memory: {peak / 1024 / 1024:.2f} MiB")
    # timing without tracemalloc overhead, round by round (one round reviews every file once)
    rounds = []
    for _ in range(n):
        t0 = time.perf_counter()
        for f in files:
            review_file(f)
        rounds.append((time.perf_counter() - t0) / len(files))
    clean = sum(rounds) / n
    print(f"without tracemalloc: {clean * 1000:.2f} ms/report ({'OK' if clean < 0.05 else 'ABOVE'} the 50 ms target)")
    print(f"best of {n} rounds: {min(rounds) * 1000:.2f} ms/report")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 20, corpus="--corpus" in sys.argv[1:])
