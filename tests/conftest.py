"""Shared fixtures.

The seed reports live outside the repository, in ``../shared/seeds`` next to the checkout; they
are read by path at test time and never copied into the repository.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from jixiao.review import ReviewedFile, review_file

SEEDS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SKIP_REASON = "../shared/seeds 不存在：种子报告仅在 CI 与开发机上提供"


@pytest.fixture
def seeds_dir() -> Path:
    """The folder of seed reports (``<repo>/../shared/seeds``); skips the test when absent."""
    if not SEEDS_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    return SEEDS_DIR


@pytest.fixture
def seed(seeds_dir: Path):
    """``seed("002")`` -> path of the seed whose file name starts with ``"002"``."""

    def find(prefix: str) -> Path:
        matches = sorted(p for p in seeds_dir.iterdir() if p.is_file() and p.name.startswith(prefix))
        if not matches:
            pytest.fail(f"{seeds_dir} 中没有以 {prefix} 开头的种子报告")
        assert len(matches) == 1, f"多个种子报告以 {prefix} 开头：{[p.name for p in matches]}"
        return matches[0]

    return find


@functools.lru_cache(maxsize=None)
def _review(path: str) -> ReviewedFile:
    return review_file(path)


@pytest.fixture
def reviewed(seed):
    """``reviewed("002")`` -> (seed path, ReviewedFile); fails if the pipeline reported an error."""

    def get(prefix: str) -> tuple[Path, ReviewedFile]:
        path = seed(prefix)
        rf = _review(str(path))
        assert rf.record.error is None, rf.record.error
        assert rf.record.findings is not None
        return path, rf

    return get


# --- the store: every store test runs on SQLite and, where JIXIAO_TEST_PG names a server, on
# PostgreSQL (.ci/run starts one on loopback and sets it) -------------------------------------

PG_ENV = "JIXIAO_TEST_PG"
PG_SKIP = f"{PG_ENV} 未设置：PostgreSQL 上的测试在 CI 中运行（.ci/run 安装并启动 PostgreSQL 后设置该变量）"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, or a new PostgreSQL database (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jixiao.db'}"
        return
    import os

    from pgdb import scratch_database

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    with scratch_database(base, "jixiao_t") as url:
        yield url


@pytest.fixture
def store(store_url, tmp_path):
    """An empty, migrated Store; its files under ``tmp_path/files``."""
    from jixiao.store import Store

    st = Store(store_url, files_dir=tmp_path / "files")
    yield st
    st.close()
