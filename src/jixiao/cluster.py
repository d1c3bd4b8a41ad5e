"""The Dask and fsspec layer of a batch: map a function over files on an existing Dask cluster,
and name files by fsspec URL (``s3://…``, ``gcs://…``, ``file:///…``) as well as by local path.

There is no scheduler of our own here: retries of tasks whose worker died, work stealing and
scaling are Dask's. :func:`cluster_map` only bounds how many tasks are in flight and gives the
results back in input order. ``dask.distributed`` and ``fsspec`` are the optional extra
``jixiao[cluster]``; they are imported when first used, so the rest of jixiao works without them.
"""

from __future__ import annotations

import importlib.util
import posixpath
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Sequence

__all__ = ["ClusterError", "cluster_map", "expand", "is_url", "local_file"]

WINDOW_PER_THREAD = 4  # default window: this many tasks in flight per worker thread of the cluster
WINDOW_REFRESH_S = 5.0  # how often the default window follows a cluster that scales up or down
CHUNK = 1 << 20  # bytes per read when copying a URL to a local file

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(::[A-Za-z][A-Za-z0-9+.\-]*)*://")


class ClusterError(Exception):
    """The cluster cannot be reached, a task failed on it, or a URL cannot be listed or read
    (unknown protocol, its fsspec package not installed). The message is in Chinese and names
    the address, item or URL; ``item`` is the item whose task failed (``None`` otherwise)."""

    def __init__(self, message: str, item: Any = None) -> None:
        super().__init__(message)
        self.item = item


# --- mapping over a Dask cluster ------------------------------------------------------------

def _connect(address: str):
    try:
        from distributed import Client
    except ImportError as exc:
        raise ClusterError(f"无法连接集群 {address}：未安装 dask.distributed"
                           f"（pip install 'jixiao[cluster]'）") from exc
    try:
        # not the default client: a library call must not change the caller's dask.compute()
        return Client(address, set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError on a refused/unreachable address; ValueError on a bad one
        raise ClusterError(f"无法连接集群 {address}：{type(exc).__name__}: {exc}"
                           f"（先在该地址启动 dask scheduler，或检查地址与端口）") from exc


def _threads(client) -> int:
    return sum(client.nthreads().values())


def cluster_map(address: str, fn: Callable[[Any], Any], items: Sequence, *, window: int | None = None,
                on_progress: Callable[[Any, int, int], None] | None = None,
                lost: Callable[[Any, BaseException], Any] | None = None) -> Iterator:
    """Map ``fn`` over ``items`` on the Dask cluster whose scheduler is at ``address``
    (``"tcp://HOST:8786"``), yielding ``fn(item)`` for each item IN INPUT ORDER.

    ``fn`` must be a picklable top-level function importable on the workers (the same jixiao
    installed there); each item and each result must be picklable. Each item is its own task
    (``pure=False``: equal items are run again, never deduplicated).

    ``window`` bounds the tasks submitted and not yet yielded (running, queued, or finished and
    buffered here while an earlier item is still running), so neither this process nor the cluster
    holds the whole batch: at most ``window`` results wait here. Default: 4 × the worker threads
    of the cluster (at least 4), re-read every 5 s so that a cluster that scales is followed. A
    slow item therefore holds back at most ``window`` items behind it. ``items`` are read by
    index as they are submitted (``items[i]`` only once ``i - window`` has been yielded).

    ``on_progress(item, done, total)`` is called in this process each time a task finishes
    (in completion order, before its result is yielded); ``done`` counts finished tasks, 1…total.

    The client connects when the first result is asked for and is closed when the iterator is
    exhausted, fails or is closed early (``break`` in a ``for`` loop, ``.close()``); tasks still
    in flight are then cancelled. Each future is released as soon as its result is taken.

    ``lost(item, exc)``, when given, stands for the result of an item whose task killed its
    worker more than ``distributed.scheduler.allowed-failures`` times (Dask's ``KilledWorker``,
    after Dask's own retries on other workers): the item is then reported, not the batch broken.

    Raises :class:`ClusterError` when the scheduler cannot be reached (the message names the
    address; the connect timeout is Dask's ``distributed.comm.timeouts.connect``, 30 s by
    default), and when a task raises, or gives ``KilledWorker`` without ``lost``: the
    message names the item, ``.item`` holds it and ``__cause__`` is the task's exception.
    Raises ``ValueError`` for ``window < 1``.
    """
    if window is not None and window < 1:
        raise ValueError(f"window 须为正整数，而不是 {window}")
    return _cluster_map(address, fn, items, window, on_progress, lost)


def _cluster_map(address, fn, items, window, on_progress, lost):
    from distributed import KilledWorker, as_completed

    client = _connect(address)
    live: dict[int, Any] = {}  # input index -> future not yet taken
    done_futures = None
    try:
        # raise_errors=False: a failed future comes out like any other, its item known; it raises below
        done_futures = as_completed(loop=client.loop, raise_errors=False)
        total = len(items)
        index: dict[str, int] = {}  # future key -> input index
        buffer: dict[int, Any] = {}  # input index -> result that finished ahead of its turn
        submitted = taken = finished = 0
        limit, refreshed = window, 0.0

        def fill() -> None:
            nonlocal submitted, limit, refreshed
            if window is None and time.monotonic() - refreshed >= WINDOW_REFRESH_S:
                limit = WINDOW_PER_THREAD * max(_threads(client), 1)
                refreshed = time.monotonic()
            while submitted < total and submitted - taken < limit:
                fut = client.submit(fn, items[submitted], pure=False)
                index[fut.key] = submitted
                live[submitted] = fut
                done_futures.add(fut)
                submitted += 1

        fill()
        while taken < total:
            if taken in buffer:
                result = buffer.pop(taken)
                taken += 1
                yield result
                fill()
                continue
            fut = next(done_futures)
            i = index.pop(fut.key)
            try:
                result = fut.result()
            except Exception as exc:
                if lost is not None and isinstance(exc, KilledWorker):
                    result = lost(items[i], exc)
                else:
                    raise ClusterError(f"{items[i]} 在集群 {address} 上处理失败：{type(exc).__name__}: {exc}",
                                       items[i]) from exc
            del live[i]
            fut.release()
            finished += 1
            if on_progress is not None:
                on_progress(items[i], finished, total)
            buffer[i] = result
    finally:
        if done_futures is not None:
            done_futures.clear()
        if live:
            try:
                client.cancel(list(live.values()))
            except Exception:  # the scheduler may already be gone; closing is what matters
                pass
        live.clear()
        client.close()


# --- naming files by local path or fsspec URL ------------------------------------------------

def is_url(s: str) -> bool:
    """True for an fsspec URL (``s3://bucket/key``, ``file:///abs/dir``, ``simplecache::s3://…``),
    False for a local path (``reports/a.txt``, ``/abs/a.txt``, ``C:\\\\dir\\\\a.txt``)."""
    return bool(_URL.match(str(s)))


def _missing_package(url: str) -> str | None:
    """The fsspec implementation package (``s3fs``, ``gcsfs``…) that ``url`` needs and that is not
    installed, if any."""
    from fsspec.registry import known_implementations

    for protocol in url.split("://", 1)[0].split("::"):
        spec = known_implementations.get(protocol)
        if spec:
            package = spec["class"].split(".", 1)[0]
            if importlib.util.find_spec(package) is None:
                return package
    return None


def _fs(url: str):
    """``(filesystem, path)`` for ``url``; ClusterError naming the URL for an unknown protocol or
    a missing fsspec package."""
    try:
        from fsspec.core import url_to_fs
    except ImportError as exc:
        raise ClusterError(f"无法访问 {url}：未安装 fsspec（pip install 'jixiao[cluster]'）") from exc
    try:
        return url_to_fs(url)
    except ImportError as exc:
        package = _missing_package(url)
        hint = f"需要安装 {package}（pip install {package}）" if package else str(exc)
        raise ClusterError(f"无法访问 {url}：{hint}") from exc
    except ValueError as exc:  # "Protocol not known: foo"
        raise ClusterError(f"无法访问 {url}：不支持的协议（{exc}）") from exc


def _expand_url(url: str) -> list[str]:
    from .readers import SUFFIXES

    fs, root = _fs(url)
    try:
        if not fs.isdir(root):
            return [url]  # a file named explicitly is kept whatever its suffix (or reported when read)
        found = fs.find(root)
    except Exception as exc:  # credentials, network, permissions
        raise ClusterError(f"无法列出 {url}：{type(exc).__name__}: {exc}") from exc
    keep = [p for p in found if PurePosixPath(p).suffix.lower() in SUFFIXES and not _fill_workbook(fs, p)]
    return [fs.unstrip_protocol(p) for p in sorted(keep, key=PurePosixPath)]


def _fill_workbook(fs, path: str) -> bool:
    """A 填报工作簿 in a listed folder is left out, as :func:`jixiao.review.collect` does (only its
    zip directory and custom properties are read); one that cannot be opened is kept (and reported
    when read)."""
    from .author.template import is_fill_workbook

    if PurePosixPath(path).suffix.lower() != ".xlsx":
        return False
    try:
        with fs.open(path, "rb") as f:
            return is_fill_workbook(f)
    except Exception:  # credentials, network: the file is then read (and its error reported) as any other
        return False


def expand(paths: Sequence[str]) -> list[str]:
    """Expand files and folders given as local paths or fsspec URLs into a list of files, in the
    order given, each folder's files sorted (by path components) below it.

    A local path behaves as :func:`jixiao.review.collect` (returned as ``str``). A URL naming a
    folder or prefix (``s3://bucket/2024/``, ``file:///data/reports``) is listed recursively,
    keeping the suffixes in :data:`jixiao.readers.SUFFIXES`, each as a full URL
    (``s3://bucket/2024/a.docx``); a URL naming a file, or nothing, is kept as given.

    Raises :class:`ClusterError` naming the URL for an unknown protocol, a protocol whose fsspec
    package is not installed (``s3://`` without s3fs: the message names ``s3fs``), or a listing
    that fails (credentials, network).
    """
    from .review import collect

    out: list[str] = []
    for raw in paths:
        raw = str(raw)
        if is_url(raw):
            out.extend(_expand_url(raw))
        else:
            out.extend(str(p) for p in collect([raw]))
    return out


@contextmanager
def local_file(path_or_url: str) -> Iterator[Path]:
    """Yield a local path for ``path_or_url``: a local path as is (not checked); a URL copied
    (streamed, 1 MiB at a time) to a temporary folder under the same file name, suffix kept
    (``s3://b/2024/报告.docx`` → ``/tmp/jixiao-…/报告.docx``), the folder removed on exit.

    Runs where the file is read (on a Dask worker in a cluster batch). Raises :class:`ClusterError`
    for an unknown protocol or missing fsspec package; the filesystem's own ``OSError``
    (``FileNotFoundError``, ``PermissionError``…) when the URL cannot be read.
    """
    if not is_url(path_or_url):
        yield Path(path_or_url)
        return
    fs, path = _fs(path_or_url)
    name = posixpath.basename(path.rstrip("/")) or "file"
    with tempfile.TemporaryDirectory(prefix="jixiao-") as tmp:
        dest = Path(tmp) / name
        with fs.open(path, "rb") as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        yield dest
