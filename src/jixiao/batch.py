"""A batch: the same pure function, :func:`review_task`, mapped over the files — in this
process (``jobs=1``), in worker processes (``jobs=N``), or on a Dask cluster (``cluster=ADDRESS``,
see :mod:`jixiao.cluster`) — its results coming back in input order, so every output is the
same byte for byte however the batch ran.

``review_task(Task) -> FileOutput`` reads, extracts, scores and checks one file and computes all
its outputs (:func:`jixiao.report.rows.file_output`), plus what the database needs when asked
(``Task.store``). It never raises: a file that cannot be read, or a bug met on it, is an output
with ``error`` set, and a worker process that dies takes only its file with it.

Each file reviewed on this machine runs in a worker process under the budget of
``Settings.limits`` (:class:`jixiao.config.Limits`; default 30 s and 1 GiB): its address space
(RLIMIT_AS) may grow by at most ``file_memory`` while it is reviewed, and a file not done after
``file_timeout`` seconds has its worker killed. Either way the file gets an error naming the limit,
the worker is replaced and the batch goes on — with ``jobs=1`` too (one worker process), so that no
file can hang or exhaust the process that writes the outputs.

On a Dask cluster each task is :func:`cluster_task`: the same review under the same limits, in a
child process of the Dask worker (a pool of as many children as the worker has threads, kept for the
worker's life). A Dask worker started by a nanny is a daemonic process by default and may not have
children; there the file is reviewed in the worker itself, without the per-file limits (the
cluster's own, ``dask worker --memory-limit``, still apply), and its output says so
(``FileOutput.unbounded``) so that the batch can say it once. Workers started with
``DASK_DISTRIBUTED__WORKER__DAEMON=False`` (or ``--no-nanny``) have the limits.
A file whose task kills its Dask worker again and again (Dask's ``KilledWorker``) is an error
output for that file, like a worker that dies here.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from .config import Limits, Settings
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
    return file_output(ReviewedFile.failed(task.path, f"{task.path}: {reason}"), task.index, html=task.html)


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
    global _out_of_memory
    try:
        if "://" in task.path:
            from .cluster import is_url, local_file

            if is_url(task.path):
                with local_file(task.path) as local:
                    return _review_local(task, local, task.path)
        return _review_local(task, Path(task.path), None)
    except MemoryError:  # the file's memory budget (RLIMIT_AS in a worker), or the machine's
        _out_of_memory = True
        return _failed(task, task.settings.limits.memory_message())
    except RecursionError:
        return _failed(task, "处理时出错：文件结构嵌套过深（RecursionError）")
    except Exception as exc:  # a bug must not take down a batch; report it against the file
        return _failed(task, f"处理时出错（{type(exc).__name__}: {exc}）")


_out_of_memory = False  # set by review_task on a MemoryError: the worker process is then replaced
MEMORY_EXIT = 87  # exit code of a worker that ran out of its file's memory budget


def _address_space() -> int | None:
    """Bytes of this process's address space (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _limit_memory(budget: int) -> None:
    """Let this process's address space grow by at most ``budget`` bytes from now (RLIMIT_AS;
    nothing where the platform has no such limit; 0 lifts the limit again)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = _address_space()
    if budget and used is not None:
        want = used + budget
        soft = want if hard == resource.RLIM_INFINITY else min(want, hard)
    else:
        soft = hard
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _bounded(fn: Review, task: Task, memory: int) -> FileOutput:
    """Run in a worker: ``fn(task)`` with at most ``memory`` more bytes of address space. A worker
    that ran out of it exits (MEMORY_EXIT) instead of answering, so that it is replaced; the
    file's error is made by the batch (:func:`_outcome`)."""
    global _out_of_memory
    _out_of_memory = False
    _limit_memory(memory)
    try:
        out = fn(task)
    except MemoryError:
        _out_of_memory = True
    finally:
        _limit_memory(0)
    if _out_of_memory:
        os._exit(MEMORY_EXIT)
    return out


GC_THRESHOLD = (50_000, 20, 100)  # a worker's GC: a report allocates ~10^5 short-lived objects, collect less often


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


def run(tasks: Sequence[Task], jobs: int = 1, cluster: str | None = None,
        on_done: Callable[[], None] | None = None) -> Iterator[FileOutput]:
    """Every task's output, in input order. ``jobs`` worker processes (at least one, see the
    module doc for the limits each file runs under); with
    ``cluster``, the tasks run on the Dask scheduler at that address instead. Legacy Word files
    (.doc/.wps/.rtf) given as local paths are converted by one LibreOffice run for the whole
    batch first (see :mod:`jixiao.readers.office`); on a cluster each worker converts its own.

    ``on_done()`` is called once per file as soon as it is finished, in the order they finish —
    before its output is yielded, which waits for the files before it — and possibly from another
    thread (a progress bar that should not stall behind one slow file)."""
    if cluster is not None:
        from .cluster import cluster_map

        progress = (lambda item, done, total: on_done()) if on_done is not None else None
        yield from cluster_map(cluster, cluster_task, list(tasks), lost=_lost, on_progress=progress)
        return
    from .readers import office

    with office.converted(_legacy(tasks)):
        done = {k: (str(v) if v is not None else None) for k, v in office._cache.items()}
        yield from _pool(tasks, max(1, min(jobs, len(tasks))), done, on_done=on_done)


Review = Callable[[Task], FileOutput]


def _worker_pool(jobs: int, done: dict[str, str | None], fork: bool = False):
    """pebble's pool of ``jobs`` workers. Workers come from a forkserver — a clean process to fork
    them from (forking this one while another thread runs, the progress bar's say, is unsafe),
    where jixiao is imported once — or, with ``fork``, are forked from this process, which has
    jixiao loaded already: for one file the forkserver's start (~0.5 s) would be most of the run."""
    import pebble

    if fork:
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["jixiao.batch"])
    return pebble.ProcessPool(max_workers=jobs, context=ctx, initializer=_adopt_conversions, initargs=(done,))


def _can_fork(tasks: Sequence[Task]) -> bool:
    """Whether a batch's worker may be forked from this process: one file, and no other thread
    here (pebble starts its own after forking its workers)."""
    return len(tasks) == 1 and threading.active_count() == 1


def _pool(tasks: Sequence[Task], jobs: int, done: dict[str, str | None], fn: Review = review_task,
          limits: Limits | None = None, fork: bool | None = None,
          on_done: Callable[[], None] | None = None) -> Iterator[FileOutput]:
    """The tasks on ``jobs`` worker processes (pebble's pool), at most WINDOW_PER_JOB × jobs in
    flight, yielded in order, each under ``limits`` (by default the first task's
    ``settings.limits``). A worker that dies (killed, out of memory, a crash in a library) or
    overruns the time limit fails only the file it held, and is replaced. ``fork``: workers forked
    from this process (by default when :func:`_can_fork`), else from a forkserver. ``on_done``:
    see :func:`run` (called from pebble's thread)."""
    limits = limits or (tasks[0].settings.limits if tasks else Limits())
    window = WINDOW_PER_JOB * jobs
    pending = deque(tasks)
    pool = _worker_pool(jobs, done, fork=_can_fork(tasks) if fork is None else fork)
    flight: deque[tuple[Task, Future]] = deque()
    finished = False
    try:
        while pending or flight:
            while pending and len(flight) < window:
                t = pending.popleft()
                fut = _schedule(pool, fn, t, limits)
                if on_done is not None:
                    fut.add_done_callback(lambda _: on_done())
                flight.append((t, fut))
            t, fut = flight.popleft()
            yield _outcome(t, fut, limits)
        finished = True
    finally:
        if finished:
            pool.close()
        else:  # Ctrl-C or the consumer stopped: the files in flight are not waited for
            pool.stop()
        pool.join()


def _outcome(task: Task, fut: Future, limits: Limits) -> FileOutput:
    """The output of a task run by :func:`_pool`, or its error output."""
    out, reason = _result(fut, limits)
    return out if reason is None else _failed(task, reason)


def _result(fut: Future, limits: Limits) -> tuple[Any, str | None]:
    """(what the worker answered, None), or (None, why it did not: the limit it overran or how
    the worker ended, in Chinese)."""
    from pebble import ProcessExpired

    try:
        return fut.result(), None
    except TimeoutError:
        return None, limits.time_message()
    except ProcessExpired as exc:
        if exc.exitcode == MEMORY_EXIT:
            return None, limits.memory_message()
        if exc.exitcode == -signal.SIGABRT and limits.file_memory:
            # native code (pydantic-core, lxml) aborts instead of raising MemoryError when an
            # allocation fails at the RLIMIT_AS budget ("memory allocation of N bytes failed")
            return None, limits.memory_message() + "（工作进程在分配内存时中止）"
        how = f"被信号 {-exc.exitcode} 终止" if exc.exitcode and exc.exitcode < 0 else f"退出码 {exc.exitcode}"
        return None, f"处理此文件时工作进程异常退出（{how}；可能内存不足或文件触发了程序崩溃），已跳过"
    except Exception as exc:  # noqa: BLE001  fn raised (review_task never does), or its output could not be sent back
        return None, f"处理时出错（{type(exc).__name__}: {exc}）"


def cluster_task(task: Task, fn: Review = review_task) -> FileOutput:
    """Run on a Dask worker: ``fn(task)`` (:func:`review_task`) under the task's
    ``settings.limits`` in a child process of the worker (see the module doc), or in the worker
    itself, marked ``unbounded``, where the worker is daemonic (and the limits are not 0). Never
    raises."""
    limits = task.settings.limits
    if not (limits.file_timeout or limits.file_memory) or multiprocessing.current_process().daemon:
        out = fn(task)
        out.unbounded = bool(limits.file_timeout or limits.file_memory)
        return out
    return _outcome(task, _schedule(_children(), fn, task, limits), limits)


_CHILDREN: list = []  # the pool of cluster_task(): as many children as the Dask worker has threads
_CHILDREN_LOCK = threading.Lock()


def _children():
    """The Dask worker's pool of children, started at its first task. pebble's workers are not
    daemonic, and a process that ends waits for such children: the pool is stopped by a
    multiprocessing finalizer (as multiprocessing's own Pool does), run before that wait."""
    with _CHILDREN_LOCK:
        if not _CHILDREN or not _CHILDREN[0].active:
            from multiprocessing.util import Finalize

            from distributed import get_worker

            pool = _worker_pool(max(1, get_worker().state.nthreads), {})
            Finalize(pool, _stop, args=(pool,), exitpriority=15)
            _CHILDREN[:] = [pool]
        return _CHILDREN[0]


def _stop(pool) -> None:
    pool.stop()
    pool.join()


def _lost(task: Task, exc: BaseException) -> FileOutput:
    """The error output of a task whose Dask workers died under it (``KilledWorker``)."""
    return _failed(task, f"处理此文件时集群工作进程多次异常退出（{type(exc).__name__}；可能内存不足或文件触发了"
                         f"程序崩溃），已跳过")


_LONE: list = []  # the pool of bounded(): one worker, kept for the process's life (the web app's intake)
_LONE_LOCK = threading.Lock()


def bounded(fn: Callable[[Any], Any], arg: Any, limits: Limits) -> tuple[Any, str | None]:
    """``fn(arg)`` in a worker process under ``limits`` (the per-file time and memory of a batch),
    one call at a time: (its answer, None), or (None, why not — the limit it overran, in Chinese).
    ``fn`` and ``arg`` must pickle. For callers outside a batch that review one file at a time
    (the web app's intake thread); the worker comes from a forkserver, safe beside threads, and
    is replaced after a breach."""
    with _LONE_LOCK:
        if not _LONE or not _LONE[0].active:
            _LONE[:] = [_worker_pool(1, {})]
        return _result(_schedule(_LONE[0], fn, arg, limits), limits)


def _schedule(pool, fn: Callable[[Any], Any], arg: Any, limits: Limits) -> Future:
    """``fn(arg)`` on ``pool`` under ``limits`` (see :func:`_bounded`)."""
    return pool.schedule(_bounded, args=(fn, arg, limits.file_memory), timeout=limits.file_timeout or None)
