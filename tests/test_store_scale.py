"""kill -9 during `jixiao review --db --jobs 2`, at seeded random moments from the very start to
the very end: the rerun completes the store, and the store and records.jsonl are those of a clean
run — every file reviewed once, every report once, versions numbered as in the clean run.

The 40 reports are the seeds and examples, each written 4 times with one number changed (so each
has its own content hash); they are made in the test's temporary folder, never in the repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from jixiao.store import Store
from jixiao.store.models import AuditEntry, Report, Review

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VARIANTS = 4  # copies of each source file, each with another number changed
JOBS = ["--jobs", "2"]
GROUP = {"JIXIAO_DB_COMMIT_FILES": "4"}  # commit every 4 files, so that a kill can fall between commits
_rng = random.Random(20261202)
# when to kill: at once; as soon as the first files are committed; three times a seeded random delay
# (up to 0.3 s) after a seeded random number of files is committed; late, once everything is stored,
# while the outputs are written
KILL_AT = [("at_once", 0, 0.0), ("first_commit", 1, 0.0),
           *(("after", _rng.randint(2, 39), round(_rng.uniform(0, 0.3), 3)) for _ in range(3)), ("late", 40, 0.3)]


def _variant(data: bytes, k: int, rng: random.Random) -> bytes:
    """``data`` with one number (a run of ASCII digits, chosen by ``rng``) increased by k + 1."""
    runs = list(re.finditer(rb"\d+", data))
    m = rng.choice(runs)
    return data[:m.start()] + str(int(m.group()) + k + 1).encode() + data[m.end():]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The 40 distinct reports: (their folder, file name → sha256)."""
    seeds = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds 不存在：种子报告仅在 CI 与开发机上提供")
    folder = tmp_path_factory.mktemp("scale") / "in"
    folder.mkdir()
    rng = random.Random(7)
    out = {}
    for src in sorted(seeds.glob("*.txt")) + sorted(EXAMPLES.glob("*.txt")):
        data = src.read_bytes()
        for k in range(VARIANTS):
            body = _variant(data, k, rng)
            name = f"{src.stem}_{k}.txt"
            (folder / name).write_bytes(body)
            out[name] = hashlib.sha256(body).hexdigest()
    assert len(out) == 40 and len(set(out.values())) == 40
    return folder, out


def _command(folder: Path, url: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "jixiao.cli", "review", str(folder), "--db", url, "-o", str(out), *JOBS]


def _complete(cmd: list[str], env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _state(store: Store) -> dict:
    """What the store holds, comparable across databases (no ids, no times)."""
    with store.session() as s:
        reviews = dict(s.execute(select(Review.sha256, Review.name)).all())
        reports = s.execute(select(Review.name, Report.part, Report.unit_key, Report.version, Report.is_current,
                                   Report.errors, Report.warnings, Report.infos, Report.record_json)
                            .join(Review, Report.review_id == Review.id)).all()
        audited = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "review"))
        n_reviews = s.scalar(select(func.count()).select_from(Review))
    return {"reviews": reviews, "n_reviews": n_reviews, "audited": audited,
            "reports": {(r[0], r[1]): tuple(r[2:]) for r in reports}, "n_reports": len(reports)}


def _reviews_counter(url: str):
    """A function giving the Reviews committed in the store at ``url`` so far (0 before its
    schema exists); it only reads (a SQLite file is opened read-only, and not before it exists)."""
    if url.startswith("sqlite:///"):
        db = Path(url.removeprefix("sqlite:///"))

        def count() -> int:
            if not db.exists():
                return 0
            try:
                with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
                    return conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
            except sqlite3.OperationalError:
                return 0
        return count
    engine = create_engine(url, poolclass=NullPool)

    def count() -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM reviews")).scalar_one()
        except DBAPIError:
            return 0
    return count


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory) -> dict:
    """One uninterrupted run into its own SQLite store: records.jsonl and the state of the store."""
    folder, _ = corpus
    base = tmp_path_factory.mktemp("clean")
    url = f"sqlite:///{base / 'db' / 'jixiao.db'}"
    _complete(_command(folder, url, base / "out"), {**os.environ, "JIXIAO_DATA": str(base / "data"), **GROUP})
    store = Store(url)
    state = _state(store)
    store.close()
    return {"jsonl": (base / "out" / "records.jsonl").read_text("utf-8"), "state": state}


@pytest.mark.parametrize(("when", "files", "delay"), KILL_AT, ids=[f"{w}_{n}_{d}s" for w, n, d in KILL_AT])
def test_killed_review_resumes_to_the_clean_result(store_url, tmp_path, corpus, clean, when, files, delay):
    folder, shas = corpus
    data = tmp_path / "data"
    files_dir = Path(store_url.removeprefix("sqlite:///")).parent / "files" if store_url.startswith("sqlite") \
        else data / "files"
    env = {**os.environ, "JIXIAO_DATA": str(data)}
    cmd = _command(folder, store_url, tmp_path / "out")

    # the run and its workers, in a process group of their own, all killed with SIGKILL once
    # `files` files are committed and `delay` seconds more have passed; the run commits every 4
    # files, the rerun in the default groups (the result must not depend on them)
    count = _reviews_counter(store_url)
    proc = subprocess.Popen(cmd, env={**env, **GROUP}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    while files and proc.poll() is None and count() < files:
        time.sleep(0.01)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    store = Store(store_url, files_dir=files_dir)
    try:
        with store.session() as s:
            before = dict(s.execute(select(Review.sha256, Review.id)).all())
        done = _complete(cmd, env)
        state = _state(store)
        with store.session() as s:
            after = dict(s.execute(select(Review.sha256, Review.id)).all())
            versions = Counter(s.execute(select(Report.unit_key, Report.version)).all())
            current = Counter(s.scalars(select(Report.unit_key).where(Report.is_current.is_(True))))
            keys = set(s.scalars(select(Report.unit_key)))
    finally:
        store.close()

    killed = f"killed {when} with {len(before)} files stored"
    # every file reviewed exactly once, the files stored before the kill kept as they were
    assert sorted(state["reviews"]) == sorted(shas.values()), killed
    assert state["n_reviews"] == len(shas) == state["audited"], killed
    assert all(after[sha] == rid for sha, rid in before.items()), killed
    if before and len(before) < len(shas):
        assert f"{len(before)} 个文件此前已存入" in done.stderr, killed
    # every report once: as many as a clean run stores, each (unit_key, version) once, one current
    assert state["n_reports"] == clean["state"]["n_reports"], killed
    assert max(versions.values()) == 1, killed
    assert current == Counter(keys), killed
    # the same store and the same records.jsonl as the clean run
    assert state["reports"] == clean["state"]["reports"], killed
    assert (tmp_path / "out" / "records.jsonl").read_text("utf-8") == clean["jsonl"], killed
    # every stored file is the content it is named by
    for sha in after:
        assert hashlib.sha256((files_dir / sha[:2] / sha).read_bytes()).hexdigest() == sha


def test_a_file_stored_meanwhile_by_another_writer_is_skipped(store, seed):
    """Two writers on one store (the CLI's and the web app's): a file the other one committed after
    this writer last looked becomes ``skipped`` — the group it was in is written again, nothing is
    stored twice, and the other files of the group keep their reviews."""
    from jixiao.review import review_file
    from jixiao.store import StoreWriter, add_blob, prepare, review_blob

    first, second = seed("002"), EXAMPLES / "clean_2024_示例区文化馆.txt"
    shas = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)}
    prepared = {p: prepare(review_file(p, keep_document=True), p.name) for p in (first, second)}
    with StoreWriter(store) as writer:
        assert writer.stored(shas[second]) is None
        other = review_blob(store, add_blob(store, second), second.name)  # committed by the other writer
        a = writer.save(first, shas[first], prepared[first], first.name)
        assert writer.pending == 1
        b = writer.save(second, shas[second], prepared[second], second.name)
        assert writer.pending == 0  # the conflict: the group was written again, and committed
    assert b.skipped and b.review_id == other.review_id and b.report_ids == other.report_ids
    assert not a.skipped
    with store.session() as s:
        assert dict(s.execute(select(Review.sha256, Review.id)).all()) == {shas[first]: a.review_id,
                                                                            shas[second]: other.review_id}
        assert s.scalar(select(func.count()).select_from(Report)) == 2
        unit = s.scalar(select(Report.unit_name).where(Report.id == a.report_ids[0]))
        audited = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "review"))
    assert unit == "中国国际贸易促进委员会娄底支会" and audited == 2
