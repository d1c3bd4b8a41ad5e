"""Benchmark: extraction to findings (read → extract → score → check), no rendering.

Reviews every seed (../shared/seeds) and example N times on one core and prints reports/second,
milliseconds per report and peak memory. Target (issue 2): under 50 ms per seed-sized report.

    .venv/bin/python bench/bench_review.py [N]
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]


def main(n: int = 20) -> None:
    files = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) + sorted((ROOT / "examples").glob("*.txt"))
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
    # timing without tracemalloc overhead
    t0 = time.perf_counter()
    for _ in range(n):
        for f in files:
            review_file(f)
    clean = (time.perf_counter() - t0) / total
    print(f"without tracemalloc: {clean * 1000:.2f} ms/report ({'OK' if clean < 0.05 else 'ABOVE'} the 50 ms target)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
