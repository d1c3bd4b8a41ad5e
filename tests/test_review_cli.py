"""End-to-end: the bundled examples, the CLI, and batches containing bad input."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.checks import REGISTRY
from jixiao.cli import app
from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CLEAN = EXAMPLES / "clean_2024_示例区文化馆.txt"
PLANTED = EXAMPLES / "planted_2024_示例区商务服务中心.txt"
runner = CliRunner()

# P1–P7 of examples/README.md → the findings each must produce (code, a line of its evidence).
# The 53号 ratio summaries (JX308–JX315): one finding per ratio the 基础数据表 allows, info within the
# limits (政府采购 20.85/22.00 = 94.77% and 23.60/25.00 = 94.40% are below 100% but above the 90%
# warning line; the clean report names it itself in 存在的问题（四）).
RATIO_SUMMARIES = {f"JX3{n:02d}" for n in range(8, 16)}
PLANTED_FINDINGS = {
    ("JX301", 76),  # P1 三公经费 决算 10.80 > 预算 6.00
    ("JX107", 29),  # P1 正文“严格控制三公经费支出”与决算超预算矛盾
    ("JX103", 174),  # P2 执行率填 95.00%，实为 85.00%
    ("JX201", 175),  # P2 执行率得分 10，应为 8.50
    ("JX305", 172),  # P2 真实执行率 85.00% < 90%
    ("JX204", 284),  # P3 展会活动完成时间 10月 → 12月 满分
    ("JX203", 234),  # P4 ≥20场 实际 15场 满分
    ("JX405", 237),  # P3/P4 未达标却无偏差原因
    ("JX105", 362),  # P5 总分 99.5 ≠ 各项之和 98.50
    ("JX102", 18),  # P6 正文基本支出 210.00 ≠ 自评表 200.00
    ("JX101", 74),  # P7 三公经费 2023 决算 12.00 ≠ 11.70
    ("JX213", 362),  # summary of the score impacts: 自评 99.5 → 复核 94.92
}


def test_clean_example_has_no_findings():
    rec = review_file(CLEAN).record
    assert rec.error is None
    assert rec.report.unit_name.value == "示例区文化馆"
    assert rec.report.year.value == 2024
    assert [f.code for f in rec.findings if f.code not in RATIO_SUMMARIES] == []
    assert {f.code: f.severity for f in rec.findings} == {
        "JX308": "info", "JX309": "info", "JX310": "info", "JX311": "info", "JX312": "info", "JX313": "info",
        "JX314": "info"}
    card = rec.scorecards[0]
    assert card.total == card.self_total == Decimal("96.85")
    assert card.grade == "优"


def test_planted_example_gives_exactly_its_planted_findings():
    rec = review_file(PLANTED).record
    got = {(f.code, f.evidence[0].source.line) for f in rec.findings}
    codes = {c for c, _ in got} - RATIO_SUMMARIES
    assert codes == {c for c, _ in PLANTED_FINDINGS}
    for code, line in PLANTED_FINDINGS:
        lines = {e.source.line for f in rec.findings if f.code == code for e in f.evidence}
        assert line in lines, (code, line, lines)
    by_code = {f.code: f for f in rec.findings}
    assert by_code["JX103"].expected == "85.00%" and by_code["JX103"].found == "95.00%"
    assert by_code["JX201"].score_impact == Decimal("-1.50")
    assert by_code["JX203"].score_impact == Decimal("-1.25")  # 5 × 15/20 = 3.75
    assert by_code["JX204"].score_impact == Decimal("-0.83")  # 5 × 10/12 = 4.17
    assert rec.scorecards[0].total == Decimal("94.92")
    assert rec.scorecards[0].self_total == Decimal("99.5")


def test_registry_is_documented():
    assert len(REGISTRY) >= 20
    families = {c.code[2] for c in REGISTRY.values()}
    assert {"1", "2", "3", "4", "5", "9"} <= families
    for c in REGISTRY.values():
        assert c.severity in {"error", "warning", "info"}
        for section in ("检查什么", "为什么重要", "示例", "依据"):
            assert section in c.doc, (c.code, section)


def test_cli_rules_lists_and_documents():
    res = runner.invoke(app, ["rules"])
    assert res.exit_code == 0
    assert "JX201" in res.stdout and "JX301" in res.stdout
    res = runner.invoke(app, ["rules", "jx204"])
    assert res.exit_code == 0
    assert "时效指标逾期完成仍得高分" in res.stdout and "依据" in res.stdout
    assert runner.invoke(app, ["rules", "JX000"]).exit_code == 2


def test_cli_extract_json_follows_the_contract():
    res = runner.invoke(app, ["extract", str(PLANTED), "--json"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["unit_name"]["value"] == "示例区商务服务中心"
    assert data["funds"]["full_year_budget"]["value"] == 320
    assert data["funds"]["execution_rate"]["value"] == 0.95  # as stated in the form
    assert data["funds"]["execution_rate"]["source"]["line"] == 174
    assert len(data["indicators"]) == 13
    assert data["indicators"][0]["target"]["parsed"]["op"] is not None


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_batch_with_bad_files_reviews_the_rest(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a_empty.txt").write_bytes(b"")
    (inbox / "b_random.txt").write_bytes(os.urandom(2048) + b"\x00")
    (inbox / "c_narrative.txt").write_text(
        "示例县农业服务站2024年度部门整体支出绩效自评报告\n一、基本情况\n本站全年支出86.40万元，其中基本支出70.10万元，项目支出16.30万元。\n"
        "二、存在的问题\n预算编制不够精细。\n三、改进措施\n加强预算编制。\n", encoding="gb18030")
    lines = PLANTED.read_text("utf-8").splitlines(keepends=True)
    (inbox / "d_truncated.txt").write_text("".join(lines[: len(lines) * 2 // 3]), encoding="utf-8")
    (inbox / "e_clean.txt").write_bytes(CLEAN.read_bytes())
    before = _snapshot(inbox)
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(inbox), "-o", str(out)])
    assert res.exit_code == 1  # some files could not be read; the rest were reviewed and written
    records = [json.loads(l) for l in (out / "records.jsonl").read_text("utf-8").splitlines()]
    assert [Path(r["source"]).name for r in records] == sorted(before)
    by = {Path(r["source"]).name: r for r in records}
    for bad, reason in (("a_empty.txt", "文件为空"), ("b_random.txt", "不是文本文件")):
        assert by[bad]["error"] and bad in by[bad]["error"] and reason in by[bad]["error"]
        assert by[bad]["report"] is None and by[bad]["findings"] is None
    narrative = by["c_narrative.txt"]
    assert narrative["error"] is None
    assert narrative["report"]["unit_name"]["value"] == "示例县农业服务站"
    assert narrative["report"]["spending"]["basic"]["value"] == 70.1
    codes = {f["code"] for f in narrative["findings"]}
    assert {"JX501", "JX902"} <= codes
    # a source names no file of its own when it is the record's (records.jsonl leaves it out)
    assert all(e["source"].get("file", narrative["source"]).endswith("c_narrative.txt")
               for f in narrative["findings"] for e in f["evidence"])
    truncated = {f["code"] for f in by["d_truncated.txt"]["findings"]}
    assert "JX904" in truncated  # indicator table without its 总分 row
    assert [f for f in by["e_clean.txt"]["findings"] if f["code"] not in RATIO_SUMMARIES] == []
    assert _snapshot(inbox) == before  # nothing the user gave is modified, nothing written beside it
    wb = load_workbook(out / "review.xlsx")
    assert {"汇总", "指标", "问题清单"} <= set(wb.sheetnames)
    assert "a_empty.txt" in (out / "review.html").read_text("utf-8")


def test_missing_path_is_reported_not_raised(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["review", str(tmp_path / "nope.txt"), str(PLANTED), "-o", str(out)])
    assert res.exit_code == 1
    records = [json.loads(l) for l in (out / "records.jsonl").read_text("utf-8").splitlines()]
    assert "文件不存在" in records[0]["error"] and records[1]["error"] is None


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_other_encodings_give_the_same_findings(tmp_path, encoding):
    p = tmp_path / f"planted_{encoding}.txt"
    p.write_text(PLANTED.read_text("utf-8"), encoding=encoding)
    a = review_file(PLANTED).record
    b = review_file(p).record
    assert [(f.code, f.message) for f in a.findings] == [(f.code, f.message) for f in b.findings]
