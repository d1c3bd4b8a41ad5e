"""A batch: the same pure function, :func:`review_task`, mapped over the files — in this
process (``jobs=1``), in worker processes (``jobs=N``), or on a Dask cluster (``cluster=ADDRESS``,
see :mod:`jixiao.cluster`) — its results coming back in input order, so every output is the
same byte for byte however the batch ran.

``review_task(Task) -> FileOutput`` reads, extracts, scores and checks one file and computes all
its outputs (:func:`jixiao.report.rows.file_output`), plus what the database needs when asked
(``Task.store``). It never raises: a file that cannot be read, or a bug met on it, is an output
with ``error`` set, and a worker process that dies takes only its file with it.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .model import Record
from .report.rows import FileOutput, file_output
from .review import ReviewedFile, review_file

LEGACY_WORD = (".doc", ".wps", ".rtf")  # converted by LibreOffice, once for the whole batch
WINDOW_PER_JOB = 4  # files in flight per worker process: enough to keep them busy, few to hold


@dataclass(frozen=True)
class Task:
    """One file of a batch: its 0-based ``index``, a local ``path`` or an fsspec URL, the
    settings, whether to render its HTML section and whether to prepare it for the store."""

    index: int
    path: str
    settings: Settings
    html: bool = True
    store: bool = False


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _failed(task: Task, reason: str) -> FileOutput:
    rf = ReviewedFile(Record(source=task.path, id=f"{task.path}#0", error=f"{task.path}: {reason}"))
    return file_output(rf, task.index, html=task.html)


def _review_local(task: Task, path: Path, name: str | None) -> FileOutput:
    rf = review_file(path, task.settings, keep_document=task.store, name=name)
    out = file_output(rf, task.index, html=task.html)
    if task.store:
        from .store.ingest import prepare

        try:
            out.sha256 = _sha256(path)
        except OSError:
            out.sha256 = None  # unreadable: the error record says why; nothing to store
        out.store = prepare(rf, task.path)
    return out


def review_task(task: Task) -> FileOutput:
    """Review one file and compute its outputs; never raises (see the module doc)."""
    try:
        if "://" in task.path:
            from .cluster import is_url, local_file

            if is_url(task.path):
                with local_file(task.path) as local:
                    return _review_local(task, local, task.path)
        return _review_local(task, Path(task.path), None)
    except Exception as exc:  # a bug must not take down a batch; report it against the file
        return _failed(task, f"处理时出错（{type(exc).__name__}: {exc}）")


GC_THRESHOLD = (50_000, 20, 100)  # a report allocates ~10^5 short-lived objects: collect less often


@contextmanager
def batch_gc() -> Iterator[None]:
    """The garbage collector tuned for a batch: what is imported so far frozen (never scanned
    again) and the young generation collected every GC_THRESHOLD[0] allocations instead of 700
    — about a tenth of a report's time saved; restored afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def _adopt_conversions(done: dict[str, str | None]) -> None:
    """Worker initializer: the LibreOffice conversions made once for the batch; the batch's
    garbage-collector settings (for the worker's life); Ctrl-C left to the main process (which
    stops the batch and writes what was done)."""
    from .readers import office

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    office._cache.update({k: (Path(v) if v is not None else None) for k, v in done.items()})


def _legacy(tasks: Sequence[Task]) -> list[Path]:
    from .readers import ReadError, sniff

    out = []
    for t in tasks:
        p = Path(t.path)
        if p.suffix.lower() in LEGACY_WORD and p.is_file():
            try:
                if sniff(p) in ("doc", "rtf"):
                    out.append(p)
            except (ReadError, OSError):
                pass  # reported when the file is read
    return out


def run(tasks: Sequence[Task], jobs: int = 1, cluster: str | None = None) -> Iterator[FileOutput]:
    """Every task's output, in input order. ``jobs`` worker processes (1: this process); with
    ``cluster``, the tasks run on the Dask scheduler at that address instead. Legacy Word files
    (.doc/.wps/.rtf) given as local paths are converted by one LibreOffice run for the whole
    batch first (see :mod:`jixiao.readers.office`); on a cluster each worker converts its own."""
    if cluster is not None:
        from .cluster import cluster_map

        yield from cluster_map(cluster, review_task, list(tasks))
        return
    from .readers import office

    with office.converted(_legacy(tasks)):
        if jobs <= 1 or len(tasks) <= 1:
            with batch_gc():
                for t in tasks:
                    yield review_task(t)
            return
        done = {k: (str(v) if v is not None else None) for k, v in office._cache.items()}
        yield from _pool(tasks, jobs, done)


Review = Callable[[Task], FileOutput]


def _executor(jobs: int, done: dict[str, str | None]) -> ProcessPoolExecutor:
    # forkserver: a clean process to fork workers from (forking this one, with the progress
    # bar's thread running, is unsafe); jixiao is imported there once
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["jixiao.batch"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_adopt_conversions, initargs=(done,))


def _pool(tasks: Sequence[Task], jobs: int, done: dict[str, str | None], fn: Review = review_task) -> Iterator[FileOutput]:
    """The tasks on ``jobs`` worker processes, at most WINDOW_PER_JOB × jobs in flight, yielded
    in order. A worker that dies (killed, out of memory, a crash in a library) fails the files it
    held — each is retried once alone, then reported — and the pool is started again."""
    window = WINDOW_PER_JOB * jobs
    pending = deque(tasks)
    executor = _executor(jobs, done)
    flight: deque[tuple[Task, Future]] = deque()
    try:
        while pending or flight:
            while pending and len(flight) < window:
                t = pending.popleft()
                flight.append((t, executor.submit(fn, t)))
            t, fut = flight.popleft()
            try:
                yield fut.result()
            except BrokenProcessPool:
                executor.shutdown(wait=False, cancel_futures=True)
                retry = [t, *(u for u, _ in flight)]
                flight.clear()
                yield _alone(t, done, fn)
                pending.extendleft(reversed(retry[1:]))
                executor = _executor(jobs, done)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _alone(task: Task, done: dict[str, str | None], fn: Review) -> FileOutput:
    """Review one task in a pool of its own: its output, or an error output if it kills the
    worker again."""
    with _executor(1, done) as single:
        try:
            return single.submit(fn, task).result()
        except BrokenProcessPool:
            return _failed(task, "处理此文件时工作进程异常退出（可能内存不足或文件触发了程序崩溃），已跳过")
