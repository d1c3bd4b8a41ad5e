"""The store on SQLite and PostgreSQL: migrations, the seeds stored with their real values,
versions that carry decisions over, resuming by content hash, users and decisions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jixiao.store import (
    DecisionError,
    Store,
    UserError,
    add_blob,
    authenticate,
    create_user,
    decide,
    fingerprint,
    region_of,
    review_blob,
)
from jixiao.store.access import Scope
from jixiao.store.models import (
    AuditEntry,
    Decision,
    Finding,
    IndicatorRow,
    Report,
    Review,
)
from jixiao.store.queries import Filters, facets, portfolio, report_view, series

ALL = Scope(everything=True)  # an administrator sees every report

# seed 003 written again with its 预计 figures reported as final: JX408 (以预计数作为完成情况) goes,
# everything else stays — the "corrected file" a unit sends back
CORRECTED_LINE = 362


def corrected_003(seed, tmp_path: Path) -> Path:
    lines = seed("003").read_text(encoding="utf-8").split("\n")
    assert "预计完成" in lines[CORRECTED_LINE - 1]
    lines[CORRECTED_LINE - 1] = lines[CORRECTED_LINE - 1].replace("预计", "")
    out = tmp_path / "003_更正.txt"
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def store_seed(store: Store, path: Path, name: str | None = None):
    return review_blob(store, add_blob(store, path), name or path.name)


def by_code(report: Report, code: str) -> Finding:
    return next(f for f in report.findings if f.code == code)


def test_migrations_match_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from jixiao.store.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert {"reports", "findings", "decisions", "users", "audit_log", "indicators", "reviews"} <= set(store.tables())


def test_seeds_are_stored_with_their_values(store, seeds_dir):
    for p in sorted(seeds_dir.glob("*.txt")):
        assert store_seed(store, p).error is None
    with store.session() as s:
        reports = {r.unit_name: r for r in s.scalars(select(Report))}
        r = reports["岳麓区商务局"]
        assert (r.year, r.region, r.kind, r.ruleset) == (2019, "岳麓区", "department", "national_2020")
        assert (r.self_total, r.total, r.score_drop) == (Decimal("98.50"), Decimal("95.30"), Decimal("3.20"))
        assert r.execution_rate == Decimal("0.6646")
        assert r.version == 1 and r.is_current
        assert {"JX305", "JX408", "JX213"} <= {f.code for f in r.findings}
        n = s.scalar(select(func.count()).select_from(IndicatorRow).where(IndicatorRow.report_id == r.id))
        assert n == len(json.loads(r.record_json)["report"]["indicators"]) > 0
        assert reports["君山区工商业联合会"].total == Decimal("98.00")
        assert reports["中国国际贸易促进委员会岳阳市君山区委员会"].region == "君山区"
        # the stored record names the file as uploaded, not the blob path
        assert "003_3263db2257e1df56.txt" in r.record_json and str(store.files.root) not in r.record_json
        # portfolio: sorted by 得分差, filterable
        rows = portfolio(s, Filters(), ALL)
        assert rows[0].score_drop == max(x.score_drop for x in rows if x.score_drop is not None)
        assert [x.unit_name for x in portfolio(s, Filters(year=2019), ALL)] == ["岳麓区商务局"]
        assert {x.unit_name for x in portfolio(s, Filters(code="JX305"), ALL)} >= {"岳麓区商务局"}
        assert [x.unit_name for x in portfolio(s, Filters(region="岳麓区"), ALL)] == ["岳麓区商务局"]
        f = facets(s, ALL)
        assert 2019 in f["year"] and "岳麓区" in f["region"] and "national_2020" in f["ruleset"]


def test_same_content_is_not_reviewed_twice(store, seed):
    first = store_seed(store, seed("003"))
    again = store_seed(store, seed("003"), "again.txt")
    assert again.skipped and again.review_id == first.review_id
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 1
        assert s.scalar(select(func.count()).select_from(Report)) == 1


def test_rereview_makes_a_version_and_keeps_every_decision(store, seed, tmp_path):
    uid = create_user(store, "wang", "secret-pass", "reviewer", "王复核")
    reviewer = authenticate(store, "wang", "secret-pass")
    v1 = store_seed(store, seed("003"))
    with store.session() as s:
        r1 = s.get(Report, v1.report_ids[0])
        jx305, jx408, jx213 = by_code(r1, "JX305"), by_code(r1, "JX408"), by_code(r1, "JX213")
    decide(store, jx305.id, "确认", "执行率 66.46%，应扣分", reviewer)
    decide(store, jx408.id, "不采纳", "决算数已在附表中给出", reviewer)
    decide(store, jx213.id, "不采纳", "先不采纳", reviewer)
    decide(store, jx213.id, "确认", "复核后确认", reviewer)  # the latest decision is the effective one

    v2 = store_seed(store, corrected_003(seed, tmp_path))
    assert not v2.skipped and (v2.carried, v2.not_carried) == (2, 1)
    with store.session() as s:
        r1, r2 = s.get(Report, v1.report_ids[0]), s.get(Report, v2.report_ids[0])
        assert (r1.version, r1.is_current, r2.version, r2.is_current) == (1, False, 2, True)
        assert r2.unit_key == r1.unit_key
        d305 = by_code(r2, "JX305").decision
        assert (d305.status, d305.comment, d305.user_id) == ("确认", "执行率 66.46%，应扣分", uid)
        assert s.get(Decision, d305.carried_from_id).finding_id == jx305.id
        d213 = by_code(r2, "JX213").decision
        assert (d213.status, d213.comment) == ("确认", "复核后确认")
        assert "JX408" not in {f.code for f in r2.findings}
        # the decision whose finding is gone is kept on version 1, logged and listed
        v = report_view(s, r2.id, ALL)
        assert [(d.status, f.code, old.version) for d, f, old in v.orphans] == [("不采纳", "JX408", 1)]
        logged = s.scalars(select(AuditEntry).where(AuditEntry.action == "not_carried")).all()
        assert len(logged) == 1 and json.loads(logged[0].detail)["code"] == "JX408"
        assert [x.version for x in v.versions] == [1, 2]
        assert [x.id for x in series(s, r2.id, ALL)] == [r2.id]
        # the portfolio shows the current version only
        assert [x.id for x in portfolio(s, Filters(year=2019), ALL)] == [r2.id]


def test_a_decision_not_carried_can_be_carried_by_hand(store, seed, tmp_path):
    """The finding was reworded in the new version, so the fingerprint did not match: the reviewer
    puts the old decision on the new finding. Only once, only forwards, never over a decision."""
    from jixiao.store import carry_decision

    create_user(store, "wang", "secret-pass", "reviewer")
    create_user(store, "zhao", "secret-pass", "viewer")
    reviewer, viewer = authenticate(store, "wang", "secret-pass"), authenticate(store, "zhao", "secret-pass")
    v1 = store_seed(store, seed("003"))
    with store.session() as s:
        r1 = s.get(Report, v1.report_ids[0])
        jx408, jx305 = by_code(r1, "JX408"), by_code(r1, "JX305")
    old = decide(store, jx408.id, "不采纳", "决算数已在附表中给出", reviewer)
    decide(store, jx305.id, "确认", None, reviewer)
    v2 = store_seed(store, corrected_003(seed, tmp_path))
    with store.session() as s:
        r2 = s.get(Report, v2.report_ids[0])
        target = by_code(r2, "JX403")  # an undecided finding of 第2版
        decided = by_code(r2, "JX305")  # carried automatically
    with pytest.raises(DecisionError, match="只读"):
        carry_decision(store, old, target.id, viewer)
    with pytest.raises(DecisionError, match="已有复核结论"):
        carry_decision(store, old, decided.id, reviewer)
    with pytest.raises(DecisionError, match="后续版本"):
        carry_decision(store, old, by_code(r1, "JX213").id, reviewer)  # same version, not later
    new = carry_decision(store, old, target.id, reviewer)
    with store.session() as s:
        d = s.get(Decision, new)
        assert (d.finding_id, d.status, d.comment, d.carried_from_id) == (target.id, "不采纳", "决算数已在附表中给出", old)
        assert report_view(s, r2.id, ALL).orphans == []
        log = s.scalars(select(AuditEntry).where(AuditEntry.action == "carried_by_hand")).one()
        assert log.user_id == reviewer.id and json.loads(log.detail)["from_code"] == "JX408"
    with pytest.raises(DecisionError, match="已沿用"):
        carry_decision(store, old, by_code(r2, "JX213").id, reviewer)
    with pytest.raises(DecisionError, match="不存在"):
        carry_decision(store, 10**9, target.id, reviewer)


def test_decisions_are_checked(store, seed):
    create_user(store, "zhao", "viewer-pass", "viewer")
    create_user(store, "qian", "reviewer-pass", "reviewer")
    viewer, reviewer = authenticate(store, "zhao", "viewer-pass"), authenticate(store, "qian", "reviewer-pass")
    rid = store_seed(store, seed("003")).report_ids[0]
    with store.session() as s:
        fid = s.get(Report, rid).findings[0].id
    with pytest.raises(DecisionError, match="只读"):
        decide(store, fid, "确认", None, viewer)
    with pytest.raises(DecisionError, match="理由"):
        decide(store, fid, "不采纳", "  ", reviewer)
    with pytest.raises(DecisionError, match="未知"):
        decide(store, fid, "同意", None, reviewer)
    with pytest.raises(DecisionError, match="不存在"):
        decide(store, 10**9, "确认", None, reviewer)


def test_users_and_passwords(store):
    uid = create_user(store, "sun", "long-enough", "reviewer")
    assert authenticate(store, "sun", "long-enough").id == uid
    assert authenticate(store, "sun", "wrong-password") is None
    assert authenticate(store, "nobody", "long-enough") is None
    with store.session() as s:
        from jixiao.store.models import User

        stored = s.get(User, uid).password_hash
    assert stored.startswith("$argon2id$") and "long-enough" not in stored
    with pytest.raises(UserError, match="已存在"):
        create_user(store, "sun", "another-one", "viewer")
    with pytest.raises(UserError, match="角色"):
        create_user(store, "li", "long-enough", "superuser")
    with pytest.raises(UserError, match="8"):
        create_user(store, "li", "short", "viewer")


def test_unreadable_file_is_stored_as_an_error(store, tmp_path):
    bad = tmp_path / "坏文件.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    stored = store_seed(store, bad)
    assert stored.error and "坏文件.docx" in stored.error and str(store.files.root) not in stored.error
    with store.session() as s:
        r = s.get(Report, stored.report_ids[0])
        assert r.unit_key.startswith("file:") and r.total is None


def test_fingerprint_ignores_numbers_not_subjects():
    a = fingerprint("JX408", "正文有 1 处以“预计”说明完成情况：第362行“预计完成”。")
    assert a == fingerprint("JX408", "正文有 2 处以“预计”说明完成情况：第370行“预计完成”。")
    assert a != fingerprint("JX305", "正文有 1 处以“预计”说明完成情况：第362行“预计完成”。")
    assert fingerprint("JX403", "“A”→“已完成”") != fingerprint("JX403", "“B”→“已完成”")


@pytest.mark.parametrize("unit, region", [
    ("岳麓区商务局", "岳麓区"),
    ("中国国际贸易促进委员会岳阳市君山区委员会", "君山区"),
    ("益阳市资阳区商务局", "资阳区"),
    ("中国国际贸易促进委员会娄底支会", "娄底市"),
    ("湘西自治州财政局", "湘西自治州"),
    ("国家统计局", None),
    (None, None),
])
def test_region_of(unit, region):
    assert region_of(unit) == region


def test_batch_killed_midway_resumes_by_content_hash(store_url, seeds_dir, tmp_path):
    """kill -9 during `jixiao review --db`: what was stored stays; the rerun stores the rest and
    reviews nothing twice."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    files = sorted(seeds_dir.glob("*.txt")) + sorted(examples.glob("*.txt"))
    folder = tmp_path / "in"
    folder.mkdir()
    for p in files:
        (folder / p.name).write_bytes(p.read_bytes())
    env = {**os.environ, "JIXIAO_DATA": str(tmp_path / "data")}
    cmd = [sys.executable, "-m", "jixiao.cli", "review", str(folder), "--db", store_url, "-o", str(tmp_path / "out")]
    store = Store(store_url, files_dir=tmp_path / "data" / "files")

    def reviewed() -> dict[str, int]:
        with store.session() as s:
            return dict(s.execute(select(Review.sha256, Review.id)).all())

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not reviewed() and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = reviewed()
    assert before, "the first run stored nothing before it was killed"
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = reviewed()
    assert len(after) == len(files)
    assert all(after[sha] == rid for sha, rid in before.items())  # nothing reviewed twice
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Report).where(Report.version > 1)) == 0
    if len(before) < len(files):
        assert f"{len(before)} 个文件此前已存入" in done.stderr
    store.close()


def test_text_and_numbers_beyond_their_columns_do_not_stop_the_store(store_url, tmp_path):
    """A 300-character 单位名称 (a misread cell), a 总分 of 99999999 and a path of 340 characters:
    PostgreSQL refused each (value too long / numeric field overflow), and the first refusal
    stopped the store for the rest of the batch. Now each is stored — the text cut to its column
    with "…", the number as NULL — the next file too, and records_json keeps them whole."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    clean = (Path(__file__).resolve().parents[1] / "examples" / "clean_2024_示例区文化馆.txt").read_text("utf-8")
    folder = tmp_path / "in"
    deep = folder.joinpath(*["很长的文件夹名称" * 5] * 8)
    deep.mkdir(parents=True)
    long_unit = "示例区文化馆" + "长" * 300
    assert "\t市级预算部门名称\n\t示例区文化馆\n" in clean and "\t96.85\n" in clean
    (folder / "a.txt").write_text(clean.replace("\t市级预算部门名称\n\t示例区文化馆\n", f"\t市级预算部门名称\n\t{long_unit}\n"), "utf-8")
    (folder / "b.txt").write_text(clean.replace("示例区文化馆", "示例区甲馆").replace("\t96.85\n", "\t99999999\n"), "utf-8")
    (deep / "c.txt").write_text(clean.replace("示例区文化馆", "示例区乙馆"), "utf-8")
    (folder / "d.txt").write_text(clean.replace("示例区文化馆", "示例区丙馆"), "utf-8")
    res = CliRunner().invoke(app, ["review", str(folder), "--db", store_url, "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert res.exit_code == 0 and "数据库写入失败" not in res.output, res.output
    st = Store(store_url)
    try:
        with st.session() as s:
            reports = {r.unit_name[:5]: r for r in s.scalars(select(Report))}
            assert sorted(reports) == sorted(["示例区文化", "示例区甲馆", "示例区乙馆", "示例区丙馆"])
            a = reports["示例区文化"]
            assert len(a.unit_name) == 255 and a.unit_name == long_unit[:254] + "…"
            assert json.loads(a.record_json)["report"]["unit_name"]["value"] == long_unit
            assert reports["示例区甲馆"].self_total is None and reports["示例区甲馆"].total == Decimal("96.85")
            name = reports["示例区乙馆"].review.name
            assert len(str(deep / "c.txt")) > 255 and len(name) == 255 and name == str(deep / "c.txt")[:254] + "…"
            assert reports["示例区丙馆"].review.name == str(folder / "d.txt")
    finally:
        st.close()
