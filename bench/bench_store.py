"""Benchmark: the cost of storing reviews (StoreWriter) against not storing them.

Makes N distinct reports (the seeds in ../shared/seeds and the examples, each copy with one number
changed so that every file has its own content hash) in a temporary folder, then measures

1. in this process, per file: the worker's part without the store (``review_task``), with it
   (``review_task(store=True)``: keep the Document, hash the file, :func:`prepare`), and the
   writer's part (:meth:`StoreWriter.save` + commits) — in groups (the default) and one
   transaction per file (as before the writer), on SQLite and, when JIXIAO_TEST_PG names a
   server, on PostgreSQL (a fresh database, dropped after);
2. the wall time of ``jixiao review DIR --jobs J`` without ``--db`` and with it (SQLite, PG), the
   runs interleaved, best of RUNS.

Target: the review with ``--db`` within 1.5× of the run without.

    .venv/bin/python bench/bench_store.py [N] [J] [RUNS]      (defaults: 200 files, 2 jobs, 3 runs)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the scratch database

import bench_scale  # noqa: E402  (beside this file)
from pgdb import scratch_database  # noqa: E402

from jixiao.batch import Task, review_task  # noqa: E402
from jixiao.config import Settings
from jixiao.store import Store, StoreWriter

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5


def make_reports(folder: Path, n: int) -> list[Path]:
    """``n`` distinct reports in ``folder`` (bench_scale's: the seeds and examples in turn, each
    copy with one number changed), in order."""
    bench_scale.make_reports(folder, n)
    return sorted(folder.glob("*.txt"))


@contextmanager
def pg_database():
    """A fresh PostgreSQL database on the JIXIAO_TEST_PG server (dropped after); None without one."""
    base = os.environ.get("JIXIAO_TEST_PG")
    if not base:
        yield None
        return
    with scratch_database(base, "jixiao_bench") as url:
        yield url


def worker_part(files: list[Path], settings: Settings, store: bool) -> tuple[float, list]:
    start = time.perf_counter()
    outs = [review_task(Task(i, str(p), settings, store=store)) for i, p in enumerate(files)]
    return time.perf_counter() - start, outs


def writer_part(url: str, files_dir: Path, outs: list, settings: Settings, group_files: int | None) -> float:
    store = Store(url, files_dir=files_dir)
    try:
        start = time.perf_counter()
        with StoreWriter(store, settings, group_files=group_files) as writer:
            for fo in outs:
                if writer.stored(fo.sha256) is None:
                    writer.save(Path(fo.source), fo.sha256, fo.store, fo.source)
        return time.perf_counter() - start
    finally:
        store.close()


def cli(folder: Path, out: Path, jobs: int, db: str | None, env: dict) -> float:
    cmd = [sys.executable, "-m", "jixiao.cli", "review", str(folder), "-o", str(out), "--jobs", str(jobs)]
    if db:
        cmd += ["--db", db]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(done.stderr[-2000:])
    return seconds


def main(n: int = 200, jobs: int = 2, runs: int = 3) -> None:
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp, pg_database() as pg_url, pg_database() as pg_url2:
        tmp = Path(tmp)
        folder = tmp / "in"
        folder.mkdir()
        files = make_reports(folder, n)
        worker_part(files[:10], settings, True)  # warm-up: imports, rule sets, regexes
        plain, _ = worker_part(files, settings, False)
        prepared, outs = worker_part(files, settings, True)
        ms = 1000 / n
        print(f"{n} distinct reports, one process")
        print(f"  worker, no store:            {plain * ms:7.2f} ms/file")
        print(f"  worker, + prepare for store: {prepared * ms:7.2f} ms/file (+{(prepared - plain) * ms:.2f})")
        backends = [("SQLite", lambda tag: f"sqlite:///{tmp / tag / 'jixiao.db'}")]
        if pg_url:
            backends.append(("PostgreSQL", lambda tag: pg_url if tag == "grouped" else pg_url2))
        for label, url in backends:
            grouped = writer_part(url("grouped"), tmp / f"files-{label}-g", outs, settings, None)
            single = writer_part(url("single"), tmp / f"files-{label}-1", outs, settings, 1)
            print(f"  writer {label:<11} grouped:    {grouped * ms:7.2f} ms/file; one transaction per file: "
                  f"{single * ms:.2f} ms/file")
            total = prepared + grouped
            print(f"    review + store / review:   {total / plain:.2f}× in one process "
                  f"({'OK' if total / plain <= TARGET else 'ABOVE'} the {TARGET}× target)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "in"
        folder.mkdir()
        make_reports(folder, n)
        times: dict[str, list[float]] = {"without --db": [], "--db SQLite": [], "--db PostgreSQL": []}
        for i in range(runs):  # interleaved, so that a busy moment of the machine hits every variant
            env = {**os.environ, "JIXIAO_DATA": str(tmp / f"data{i}")}  # the PostgreSQL store's files
            times["without --db"].append(cli(folder, tmp / "out", jobs, None, env))
            times["--db SQLite"].append(cli(folder, tmp / "out", jobs, f"sqlite:///{tmp / f'db{i}' / 'jixiao.db'}", env))
            with pg_database() as fresh:
                if fresh:
                    times["--db PostgreSQL"].append(cli(folder, tmp / "out", jobs, fresh, env))
        print(f"jixiao review, {n} files, --jobs {jobs} (wall time, best of {runs}; a fresh database each run)")
        base = min(times["without --db"])
        for label, t in times.items():
            if not t:
                continue
            ratio = min(t) / base
            verdict = "" if label == "without --db" else f" = {ratio:.2f}× ({'OK' if ratio <= TARGET else 'ABOVE'} the {TARGET}× target)"
            print(f"  {label:<16} {min(t):6.2f} s{verdict}   (all: {', '.join(f'{x:.2f}' for x in t)})")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
