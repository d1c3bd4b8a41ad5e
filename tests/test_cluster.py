"""jixiao.cluster on a real two-process Dask LocalCluster: order, window, errors, early stop; fsspec
listing and copying; and ``jixiao review --cluster`` against ``--jobs 1`` on the seeds and examples."""

from __future__ import annotations

import json

import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("fsspec")

import dask  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from jixiao.cli import app  # noqa: E402
from jixiao.cluster import ClusterError, cluster_map, expand, is_url, local_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def address():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


# top-level, so the workers import them from this module (pickled by reference)
def square_slow_on_multiples_of_3(x: int) -> int:
    """x², with the items 0, 3, 6… taking longer, so that later items finish first."""
    if x % 3 == 0:
        time.sleep(0.2)
    return x * x


def square(x: int) -> int:
    return x * x


def fail_on_bad(x: str) -> str:
    if x == "bad":
        raise ValueError("坏输入")
    return x.upper()


class Recorded:
    """A sequence that counts how far it has been read (cluster_map reads items as it submits)."""

    def __init__(self, items):
        self.items = list(items)
        self.read = 0

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        self.read = max(self.read, i + 1)
        return self.items[i]


def test_results_in_input_order_with_uneven_durations(address):
    seen = []
    out = list(cluster_map(address, square_slow_on_multiples_of_3, list(range(10)), window=4,
                           on_progress=lambda item, done, total: seen.append((item, done, total))))
    assert out == [x * x for x in range(10)]
    assert sorted(item for item, _, _ in seen) == list(range(10))
    assert [done for _, done, _ in seen] == list(range(1, 11))
    assert {total for _, _, total in seen} == {10}


def test_window_bounds_items_submitted_ahead(address):
    items = Recorded(range(12))
    read_at_yield = [items.read for _ in cluster_map(address, square, items, window=3)]
    # when result k is handed out, items 0…k+2 have been submitted and no further
    assert read_at_yield == [min(k + 3, 12) for k in range(12)]


def test_default_window_is_four_per_worker_thread(address):
    items = Recorded(range(20))
    it = cluster_map(address, square, items)
    assert next(it) == 0
    assert items.read == 8  # 2 workers × 1 thread × 4
    it.close()


def test_task_error_names_the_item(address):
    with pytest.raises(ClusterError, match="bad") as info:
        list(cluster_map(address, fail_on_bad, ["a", "bad", "c"]))
    assert info.value.item == "bad"
    assert isinstance(info.value.__cause__, ValueError)
    assert "坏输入" in str(info.value)


class RecordingClient(distributed.Client):
    made: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        RecordingClient.made.append(self)


def test_client_closed_on_early_stop_and_on_error(address, monkeypatch):
    monkeypatch.setattr(distributed, "Client", RecordingClient)
    RecordingClient.made.clear()
    for y in cluster_map(address, square, list(range(30)), window=5):
        if y == 4:
            break
    with pytest.raises(ClusterError):
        list(cluster_map(address, fail_on_bad, ["bad"]))
    assert len(RecordingClient.made) == 2
    assert [c.status for c in RecordingClient.made] == ["closed", "closed"]


def test_unreachable_scheduler_names_the_address():
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ClusterError, match=r"无法连接集群 tcp://127\.0\.0\.1:9"):
            next(cluster_map("tcp://127.0.0.1:9", square, [1]))


def test_window_must_be_positive():
    with pytest.raises(ValueError):
        cluster_map("tcp://127.0.0.1:9", square, [1], window=0)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "报告"
    for rel in ["b.txt", "a/z.docx", "a-b/x.pdf", "a/说明.png", "a/sub/y.XLSX", "notes.md"]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(rel, encoding="utf-8")
    return root


def test_is_url():
    assert is_url("s3://bucket/prefix/") and is_url("file:///abs/dir") and is_url("simplecache::s3://b/k")
    assert not is_url("reports/a.txt") and not is_url("/abs/a.txt") and not is_url("C:\\dir\\a.txt")


def test_expand_url_and_path_give_the_same_files(folder):
    url = "file://" + str(folder)  # fsspec takes file:// paths as written, not percent-encoded
    as_path = expand([str(folder)])
    as_url = expand([url])
    rels = ["a/sub/y.XLSX", "a/z.docx", "a-b/x.pdf", "b.txt"]  # sorted by path components, like collect
    assert as_path == [str(folder / r) for r in rels]
    assert as_url == [f"{url}/{r}" for r in rels]


def test_expand_keeps_an_explicit_file_url_and_the_order_given(folder):
    png = f"file://{folder}/a/说明.png"
    assert expand([png, str(folder / "b.txt"), f"file://{folder}/a/sub/"]) == [
        png, str(folder / "b.txt"), f"file://{folder}/a/sub/y.XLSX"]


def test_expand_missing_protocol_package_names_it():
    import importlib.util
    if importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs 已安装")
    with pytest.raises(ClusterError, match=r"s3://bucket/2024/.*s3fs"):
        expand(["s3://bucket/2024/"])
    with pytest.raises(ClusterError, match="nosuch://x"):
        expand(["nosuch://x"])


def test_local_file_copies_a_url_and_removes_it(folder):
    src = folder / "a" / "z.docx"
    with local_file(f"file://{src}") as p:
        assert p != src and p.name == "z.docx"
        assert p.read_text(encoding="utf-8") == "a/z.docx"
        tmp = p.parent
    assert not tmp.exists()
    with local_file(str(src)) as p:
        assert p == src
    with pytest.raises(FileNotFoundError):
        with local_file(f"file://{folder}/nothing.txt"):
            pass


def _has_option(option: str) -> bool:
    return option in CliRunner().invoke(app, ["review", "--help"], terminal_width=200).output


def test_review_on_cluster_matches_jobs_1(address, tmp_path):
    if not _has_option("--cluster") or not _has_option("--jobs"):
        pytest.skip("jixiao review 尚无 --cluster / --jobs 选项")
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds 不存在")
    inputs = [str(SEEDS), str(EXAMPLES)]
    runner = CliRunner()
    local = runner.invoke(app, ["review", *inputs, "-o", str(tmp_path / "out2"), "--jobs", "1"])
    remote = runner.invoke(app, ["review", *inputs, "--cluster", address, "-o", str(tmp_path / "out1")])
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    one = (tmp_path / "out1" / "records.jsonl").read_text(encoding="utf-8")
    two = (tmp_path / "out2" / "records.jsonl").read_text(encoding="utf-8")
    assert len(two.splitlines()) == 12  # 5 seeds + 5 examples, one with two attached project tables
    assert one == two


def test_review_of_a_file_url_on_cluster_names_the_url(address, tmp_path):
    if not _has_option("--cluster"):
        pytest.skip("jixiao review 尚无 --cluster 选项")
    url = "file://" + str(EXAMPLES)
    runner = CliRunner()
    local = runner.invoke(app, ["review", str(EXAMPLES), "-o", str(tmp_path / "path"), "--jobs", "1"])
    remote = runner.invoke(app, ["review", url, "--cluster", address, "-o", str(tmp_path / "url")])
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    by_path = (tmp_path / "path" / "records.jsonl").read_text(encoding="utf-8")
    by_url = (tmp_path / "url" / "records.jsonl").read_text(encoding="utf-8")
    assert [json.loads(line)["source"] for line in by_url.splitlines()][0] == f"{url}/clean_2024_示例区文化馆.txt"
    assert by_url.replace(url, str(EXAMPLES)) == by_path  # copied to a temporary file, named by its URL


# --- the per-file limits on a cluster -----------------------------------------------------------

@pytest.fixture(scope="module")
def bounded_address():
    """Workers that may have children (not daemonic), as ``DASK_DISTRIBUTED__WORKER__DAEMON=False``
    gives; a task that kills its worker once is KilledWorker at once."""
    with dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 0}):
        with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=2, host="127.0.0.1",
                                      dashboard_address=None) as cluster:
            yield cluster.scheduler_address


def _hostile_folder(tmp_path: Path) -> Path:
    """The clean example and a project table of 190,000 cells (~1 s and well over 30 MiB to review)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_clean.txt").write_bytes((EXAMPLES / "clean_2024_示例区文化馆.txt").read_bytes())
    (folder / "b_cells.txt").write_text("项目支出绩效自评表\n\n" + "".join(f"\t{i}\n\n" for i in range(190_000)),
                                        "utf-8")
    return folder


def test_a_file_beyond_its_memory_budget_on_the_cluster_is_an_error_naming_the_limit(bounded_address, tmp_path):
    folder = _hostile_folder(tmp_path)
    runner = CliRunner()
    args = ["--file-memory", "30MiB", "--file-timeout", "0"]  # the memory budget alone (a loaded machine may pass 30 s)
    remote = runner.invoke(app, ["review", str(folder), "--cluster", bounded_address, "-o", str(tmp_path / "c"), *args])
    local = runner.invoke(app, ["review", str(folder), "--jobs", "1", "-o", str(tmp_path / "l"), *args])
    assert remote.exit_code == local.exit_code == 1, remote.output
    assert "守护进程" not in remote.output
    lines = (tmp_path / "c" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    here = (tmp_path / "l" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines[0] == here[0] and json.loads(lines[0])["error"] is None
    for line in lines[1], here[1]:  # (native code may abort at the budget instead of raising: said after it)
        assert json.loads(line)["error"].startswith(f"{folder / 'b_cells.txt'}: 超出单个文件内存限制（30 MiB），已停止处理此文件")


def sleep_on_slow(task):
    """review_task, except that a file named slow* first sleeps past any budget."""
    from jixiao.batch import review_task

    if Path(task.path).name.startswith("slow"):
        time.sleep(60)
    return review_task(task)


def test_a_file_beyond_its_time_budget_on_the_cluster_is_stopped(bounded_address, tmp_path):
    from functools import partial

    from jixiao.batch import Task, cluster_task
    from jixiao.config import Limits, Settings

    for name in ["a.txt", "slow.txt", "c.txt"]:
        (tmp_path / name).write_bytes((EXAMPLES / "clean_2024_示例区文化馆.txt").read_bytes())
    settings = Settings(limits=Limits(file_timeout=2))
    tasks = [Task(i, str(tmp_path / n), settings, html=False) for i, n in enumerate(["a.txt", "slow.txt", "c.txt"])]
    started = time.monotonic()
    outs = list(cluster_map(bounded_address, partial(cluster_task, fn=sleep_on_slow), tasks))
    assert time.monotonic() - started < 40  # the sleeper's child was stopped, not waited for
    assert [o.error for o in outs] == [None, f"{tasks[1].path}: 超出单个文件时间限制（2 秒），已停止处理此文件", None]
    assert not any(o.unbounded for o in outs)


def test_a_daemonic_worker_reviews_without_the_limits_and_the_batch_says_so(address, tmp_path):
    folder = _hostile_folder(tmp_path)
    result = CliRunner().invoke(app, ["review", str(folder), "--cluster", address, "-o", str(tmp_path / "c"),
                                      "--file-memory", "30MiB"])
    assert result.exit_code == 0, result.output
    assert "2 个文件在守护进程式的 Dask worker 上复核，未受单个文件的时间与内存限制" in result.output
    records = [json.loads(line) for line in (tmp_path / "c" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["error"] for r in records] == [None, None]


def exit_on_bad(x: str) -> str:
    if x == "bad":
        import os

        os._exit(1)
    return x.upper()


def test_a_task_that_kills_its_worker_is_lost_alone(bounded_address):
    # one task at a time: a task running beside "bad" on its worker would die with it
    out = list(cluster_map(bounded_address, exit_on_bad, ["a", "bad", "c"], window=1,
                           lost=lambda item, exc: (item, type(exc).__name__)))
    assert out == ["A", ("bad", "KilledWorker"), "C"]
    with pytest.raises(ClusterError, match="bad.*KilledWorker"):
        list(cluster_map(bounded_address, exit_on_bad, ["bad"]))
