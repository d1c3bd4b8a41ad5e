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
