"""One triggering fixture per check that the seeds and the planted example do not trigger.

Each fixture is the clean example with a few cells or sentences changed (or, for parsing checks,
a small text of our own). The clean example itself is the must-not fixture of every check: it
gives no findings at all (tests/test_review_cli.py::test_clean_example_has_no_findings).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.checks import REGISTRY
from jixiao.review import review_file

CLEAN = Path(__file__).resolve().parents[1] / "examples" / "clean_2024_示例区文化馆.txt"


def _cell_after(lines: list[str], label: str, offset: int) -> int:
    """Index of the line ``offset`` lines below the tab cell ``label`` (the 分值 is +3, 得分 +4)."""
    return lines.index("\t" + label) + offset


def mutate(edits) -> str:
    lines = CLEAN.read_text("utf-8").splitlines()
    for find, new in edits:
        i = find(lines)
        lines[i] = new
    return "\n".join(lines) + "\n"


def at_line(n: int):
    return lambda lines: n - 1


def containing(text: str):
    return lambda lines: next(i for i, l in enumerate(lines) if text in l)


TRAINING = "公益培训班开班期数"  # 年度指标值 ≥40期, 实际 44期, 分值 5, 得分 5
FIXTURES: dict[str, str] = {
    # 基础数据表 控制率 90.00% → 100.00% while 18 of 20 are in post
    "JX104": mutate([(lambda l: l.index("\t90.00%"), "\t100.00%")]),
    # one 分值 raised to 6: weights add to 101
    "JX106": mutate([(lambda l: _cell_after(l, TRAINING, 3), "\t6")]),
    # a qualitative actual “未完成” still scored 9 of 10
    "JX205": mutate([(containing("\t明显提升"), "\t未完成")]),
    # narrative grade “良” beside a total of 96.85
    "JX206": mutate([(containing("部门整体支出绩效等级为“优”"),
                      CLEAN.read_text("utf-8").splitlines()[28].replace("等级为“优”", "等级为“良”"))]),
    # execution 130.00 of 262.50 and 0 performances: recomputed falls below 90 while the form keeps 96.85
    "JX207": mutate([(lambda l: l.index("\t254.10"), "\t130.00"), (lambda l: l.index("\t10场"), "\t0场")]),
    # a 得分 of 6 against a 分值 of 5
    "JX212": mutate([(lambda l: _cell_after(l, TRAINING, 4), "\t6")]),
    # 全年执行数 270.00 above the 全年预算数 262.50
    "JX306": mutate([(lambda l: l.index("\t254.10"), "\t270.00")]),
    # 22 in post against 20 编制
    "JX307": mutate([(lambda l: l.index("\t18"), "\t22")]),
    # no 存在问题 / 改进措施 headings
    "JX502": mutate([(containing("七、存在的问题及原因分析"), "七、其他工作情况"),
                     (containing("八、下一步改进措施"), "八、补充说明")]),
    # no unit name and no year anywhere
    "JX903": "部门整体支出绩效自评报告\n一、基本情况\n本单位全年支出86.40万元。\n二、存在的问题\n"
             "预算编制不够精细。\n三、改进措施\n细化预算编制。\n",
    # the report cut off inside its indicator table: no 总分 row
    "JX904": "\n".join(CLEAN.read_text("utf-8").splitlines()[:300]) + "\n",
    # a table of a layout jixiao does not know
    "JX905": "示例镇文化站2024年度工作统计\n\t项目\n\t数量\n\n\t送戏下乡\n\t12\n\n\n以上为全年统计。\n",
}


@pytest.mark.parametrize("code", sorted(FIXTURES))
def test_fixture_triggers_its_check(tmp_path, code):
    assert code in REGISTRY
    p = tmp_path / f"{code}.txt"
    p.write_text(FIXTURES[code], encoding="utf-8")
    rec = review_file(p).record
    assert rec.error is None
    assert not [f.message for f in rec.findings if "执行出错" in f.message]  # no check crashed
    hits = [f for f in rec.findings if f.code == code]
    assert hits, [f.code for f in rec.findings]
    assert all(e.source and e.source.file == str(p) for f in hits for e in f.evidence)


@pytest.mark.parametrize("code,note", [
    ("JX906", dict(code="no_text_layer", message="第2页没有文字层（扫描件），未读取该页", page=2)),
    ("JX907", dict(code="ocr_low_confidence", message="第1页“2S8.71”OCR 置信度 0.62", page=1, confidence=0.62)),
])
def test_reader_notes_become_parsing_findings(code, note):
    from jixiao.checks import run_checks
    from jixiao.extract import extract
    from jixiao.readers import ReadNote, read
    from jixiao.rules import score

    doc = read(CLEAN)
    report = extract(doc)
    assert not [f for f in run_checks(report, score(report), doc) if f.code.startswith("JX90")]
    doc.notes.append(ReadNote(**note))
    found = [f for f in run_checks(report, score(report), doc) if f.code == code]
    assert len(found) == 1
    assert found[0].message == note["message"] and found[0].evidence[0].source.page == note["page"]
