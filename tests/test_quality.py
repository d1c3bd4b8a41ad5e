"""The 附件5 report-quality score (rules/quality.py) and its findings JX504–JX509.

Every expectation on a seed was read off the seed text by hand (``cat -n``; 1-based lines):

- 004 君山区工商联 2024 (岳阳 2024 统一参考格式): all ten 正文 parts are there, “部门（单位）基本情况”
  (line 6) without its “一、”, and “一般公共预算支出情况” glued onto the end of line 18 after a run of
  spaces; the 附件 list (lines 56–60) names “3.2024年度项目支出绩效自评表” but only 附件1 (line 73)
  and 附件2 (line 200) follow. 自评表: 产出 50 (incl. 成本 10) / 效益 30 / 满意度 10 / 执行率 10;
  4 of 12 targets are words only (有效提升 353, 有效提升 364, 减少 375, 有效促进 385).
  存在问题 (43–46): 预算精准性 / 预算绩效管理意识 / 财务业务水平, each with 由于 … 导致;
  改进措施 (47–50) answer them one by one.
- 002 娄底贸促会 2024: all eight 娄底 parts (六 “下一步改进措施” line 92 and 七 line 95 without
  numbers), 基础数据表 (103) and 自评表 (228). 16 applicable indicators: 3 in words (有效保障 425,
  扩大 435, 持续推动 455), 5 bare numbers (9, 5, 50, 5000000, 234.42). 存在问题 (88–91) is the
  format's instruction sentence (89) plus one sentence (91); 改进措施 one paragraph (94).
- 000 君山区贸促会 2020 (岳阳 2015 表式): 表一–表五 (cells on lines 1, 35, 221, 338, 391) and the
  综述's 一–五 (392, 397, 404, 412, 415); 附件4-1 评分表 (422). Problems 413–414 (预算编制/财务,
  会计基础), measures 416–417, all one short sentence each.
- 003 岳麓区商务局 2019 (长沙 报告表): 报告表 (line 1) and 一–六 (323–373). 年度资金总额 分值 100
  (line 53) is the total: 效益 40, 执行率 0. 11 of 20 targets in words. Problems on line 372
  (一是招商引资项目多落地难；二是开放型经济势能不足；三是商贸服务有待转型升级), measures on line 375
  (优化支出结构 / 强化预算约束) — none answers a problem.
- 001 资阳区商务局 2020 (益阳, no known format): no table at all; problems 100–102, measures
  104–106; signed 2021年11月2日 (line 110).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.checks import REGISTRY
from jixiao.extract import extract
from jixiao.model import QualityScore, Report
from jixiao.readers import read
from jixiao.review import review_file
from jixiao.rules.quality import analyse, assess_quality, formats

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CLEAN = EXAMPLES / "clean_2024_示例区文化馆.txt"


def run(path) -> tuple[QualityScore, object]:
    doc = read(str(path))
    report = extract(doc)
    a = analyse(report, doc)
    return assess_quality(report, doc), a


def items(q: QualityScore) -> dict:
    return {it.id: it for it in q.items}


def lines_of(deduction) -> list[int]:
    return [e.source.line for e in deduction.evidence]


# --------------------------------------------------------------------------------------------
# the rule data


def test_rule_data_is_complete_and_tagged():
    f = formats()
    q = f["quality"]
    weights = [u["weight"] for u in q["unjudged"]] + [q[k]["weight"] for k in
                                                      ("completeness", "indicator_table", "problems", "measures")]
    assert sum(weights) == 100  # 附件5 合计 100分 (seed 004 line 475)
    assert [u["id"] for u in q["unjudged"]] == ["Q-01", "Q-02", "Q-03", "Q-04"]
    assert q["completeness"]["body_points"] + q["completeness"]["attachment_points"] == q["completeness"]["weight"]
    assert {a["name"] for a in q["problems"]["areas"]} == {
        "预算和预算绩效管理", "部门履职效能", "资金分配、使用和管理", "资产和财务管理", "政府采购"}
    assert [x["id"] for x in f["formats"]] == ["yueyang_2024", "loudi_2024", "yueyang_2015", "changsha_2019"]
    for fmt in f["formats"]:
        assert fmt["basis"] and fmt["source"] and fmt["tag"] in {"SEED", "INF"}
        for s in fmt["sections"] + fmt["attachments"]:
            assert s["pattern"] and s["tag"] in {"SEED", "INF"}, (fmt["id"], s)
    assert [len(x["sections"]) for x in f["formats"]] == [10, 8, 10, 7]


def test_project_record_gets_no_quality_score():
    doc = read(str(CLEAN))
    assert assess_quality(Report(kind="project"), doc) is None


# --------------------------------------------------------------------------------------------
# the five seeds


def test_004_yueyang_2024(seed):
    q, a = run(seed("004"))
    it = items(q)
    assert a.match.fmt["id"] == "yueyang_2024"
    assert q.basis == "岳阳市2024年部门整体支出绩效自评报告（统一参考格式，种子004所列）"
    # all ten parts found, the first two without their numbers, the second glued onto line 18
    assert [h.line.source.line for h in a.sections] == [6, 18, 25, 27, 29, 31, 43, 47, 51, 54]
    assert [h.numbered for h in a.sections[:3]] == [False, False, True]
    assert "一、部门（单位）基本情况" in it["Q-05"].note and "未按格式编号" in it["Q-05"].note
    # only 附件3 is missing; it is on the report's own list (line 58)
    assert it["Q-05"].score == D(13)
    (d,) = it["Q-05"].deductions
    assert d.points == D(2) and "项目支出绩效自评表" in d.reason and lines_of(d) == [58]
    # weights and levels right; 4 of 12 targets in words → 5 × 4/12 = 1.67 → 1.5
    assert it["Q-06"].score == D("18.5")
    (d,) = it["Q-06"].deductions
    assert d.points == D("1.5") and lines_of(d) == [353, 364, 375, 385]
    # 预算 (44, 45) and 财务 (46) only, each with its cause → top of 不全面 = 15
    assert it["Q-07"].score == D(15) and a.problems_band == "不全面"
    assert [i.areas for i in a.problems.items] == [["budget"], ["budget"], ["assets"]]
    assert [i.value.source.line for i in a.problems.items] == [44, 45, 46]
    (d,) = it["Q-07"].deductions
    assert d.points == D(5) and "部门履职效能" in d.reason and "政府采购" in d.reason
    # three measures answer the three problems
    assert it["Q-08"].score == D(15) and not it["Q-08"].deductions and a.unanswered == []
    assert q.score == D("61.5") and q.judged_weight == D(70)
    for k in ("Q-01", "Q-02", "Q-03", "Q-04"):
        assert not it[k].judged and it[k].score is None and it[k].note


def test_002_loudi_2024(seed):
    q, a = run(seed("002"))
    it = items(q)
    assert a.match.fmt["id"] == "loudi_2024" and q.basis.startswith("娄底市2024年")
    assert [h.line.source.line for h in a.sections] == [2, 38, 46, 81, 88, 92, 95, 97]
    assert it["Q-05"].score == D(15) and not it["Q-05"].deductions
    # 5 × (3 + 0.5 × 5)/16 = 1.72 → 1.5
    (d,) = it["Q-06"].deductions
    assert it["Q-06"].score == D("18.5") and d.points == D("1.5")
    assert lines_of(d) == [425, 435, 455, 315, 325, 335, 345, 485]
    # the instruction sentence of line 89 is dropped; what is left is one sentence (line 91)
    assert [ln.source.line for ln in a.problems.dropped] == [89]
    assert not a.problems.itemized and a.problems_band == "未归纳且过于简单"
    assert it["Q-07"].score == D(10)
    assert not a.measures.itemized and a.measures_band == "过于简单" and it["Q-08"].score == D(8)
    assert q.score == D("51.5") and q.judged_weight == D(70)


def test_000_yueyang_2015_table_form(seed):
    q, a = run(seed("000"))
    it = items(q)
    assert a.match.fmt["id"] == "yueyang_2015"
    assert [h.line.source.line for h in a.sections] == [1, 35, 221, 338, 391, 392, 397, 404, 412, 415]
    assert it["Q-05"].score == D(15)  # 附件4-1 评分表 is there (line 422)
    # Q-06 not judged: the format has a 评分表 (投入/过程/产出/效果) instead of a 自评表
    assert not it["Q-06"].judged and it["Q-06"].score is None and "附件4-1" in it["Q-06"].note
    assert q.judged_weight == D(50)
    assert [i.areas for i in a.problems.items] == [["budget", "assets"], ["assets"]]
    assert it["Q-07"].score == D(13)  # 2 areas, no cause analysed
    assert a.measures_band == "过于简单" and it["Q-08"].score == D(8)
    assert q.score == D(36)


def test_003_changsha_2019(seed):
    q, a = run(seed("003"))
    it = items(q)
    assert a.match.fmt["id"] == "changsha_2019" and a.match.region == "岳麓"
    assert it["Q-05"].score == D(15) and "不要求附件" in it["Q-05"].note
    # weights 产出 50 / 效益 40 / 满意度 10 / 执行率 0: 10 of 100 points misplaced → 5 × 10% = 0.5
    w, m = it["Q-06"].deductions
    assert w.points == D("0.5") and "效益40" in w.reason and "预算执行率0" in w.reason
    assert 53 in lines_of(w)
    assert m.points == D(3)  # 11 of 20 targets in words: 5 × 11/20 = 2.75 → 3
    assert it["Q-06"].score == D("16.5")
    # three inline problems (一是 … 三是) on line 372, all 履职效能; none answered by line 375
    assert [i.value.source.line for i in a.problems.items] == [372, 372, 372]
    assert [i.areas for i in a.problems.items] == [["duty"], ["duty"], ["duty"]]
    assert it["Q-07"].score == D(13)
    assert len(a.unanswered) == 3 and it["Q-08"].score == D(6)
    assert q.score == D("50.5")


def test_001_no_known_format(seed):
    q, a = run(seed("001"))
    it = items(q)
    assert a.match is None and q.basis.startswith("未识别出统一参考格式")
    assert not it["Q-05"].judged and it["Q-05"].score is None
    # no 自评表 at all: Q-06 scored 0 with its reason
    assert it["Q-06"].score == D(0) and "未附绩效自评表" in it["Q-06"].deductions[0].reason
    assert [i.value.source.line for i in a.problems.items] == [100, 101, 102]
    assert it["Q-07"].score == D(14)  # 预算 + 财务; 1 of 3 analysed → 13 + 2 × 1/3
    assert it["Q-08"].score == D(15) and a.unanswered == []
    assert "2021年11月2日" in it["Q-04"].note
    assert q.judged_weight == D(55) and q.score == D(29)


@pytest.mark.parametrize("prefix,expected", [
    ("000", {"JX506", "JX508"}),
    ("001", {"JX506"}),
    ("002", {"JX506", "JX508"}),
    ("003", {"JX506", "JX508"}),
    ("004", {"JX506"}),
])
def test_seed_quality_findings(reviewed, prefix, expected):
    _, rf = reviewed(prefix)
    got = {f.code for f in rf.record.findings if "JX504" <= f.code <= "JX509"}
    assert got == expected
    assert rf.record.quality is not None


def test_004_listed_attachment_is_reported_once(reviewed):
    # 附件3 is on the list (line 58): JX503 reports it, JX505 (format attachments) does not repeat it
    _, rf = reviewed("004")
    codes = [f.code for f in rf.record.findings]
    assert codes.count("JX503") == 1 and "JX505" not in codes


# --------------------------------------------------------------------------------------------
# the clean example and small texts of our own


def _clean_lines() -> list[str]:
    return CLEAN.read_text("utf-8").splitlines()


def _write(tmp_path, lines: list[str], name="case.txt") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _replace_between(lines: list[str], start: str, end: str, new: list[str]) -> list[str]:
    i = next(k for k, l in enumerate(lines) if l.startswith(start))
    j = next(k for k, l in enumerate(lines) if l.startswith(end))
    return lines[:i + 1] + new + lines[j:]


def _quality_codes(path: Path) -> tuple[QualityScore, set[str]]:
    rec = review_file(path).record
    return rec.quality, {f.code for f in rec.findings if "JX502" <= f.code <= "JX509"}


def test_clean_example_scores_high_and_gives_no_quality_finding():
    q, codes = _quality_codes(CLEAN)
    it = items(q)
    assert it["Q-05"].score == D(15)  # 项目支出绩效自评表 “另行报送” (line 53) is not missing
    assert "另行报送" in it["Q-05"].note
    assert it["Q-07"].score == D(18)  # four areas, every problem explained; no 履职效能 problem
    assert it["Q-08"].score == D(15)
    assert codes == set()


def test_missing_part_and_attachment(tmp_path):
    lines = [l for l in _clean_lines() if not l.startswith("九、")]
    lines = [l.replace("本馆项目支出绩效自评表按要求另行报送，", "") for l in lines]
    p = _write(tmp_path, lines)
    q, codes = _quality_codes(p)
    (d1, d2) = items(q)["Q-05"].deductions
    assert "九、部门整体支出绩效自评结果拟应用和公开情况" in d1.reason and d1.points == D(2)
    # evidence: the headings either side of the gap, 八 and 十
    assert [e.raw for e in d1.evidence] == ["八、下一步改进措施", "十、其他需要说明的情况"]
    assert "项目支出绩效自评表" in d2.reason  # 项目支出 67.80万元, not listed, not said to be sent apart
    assert items(q)["Q-05"].score == D(11)
    assert {"JX504", "JX505"} <= codes


def test_only_funding_shortage_scores_zero(tmp_path):
    lines = _replace_between(_clean_lines(), "七、", "八、", [
        "（一）工作经费不足。全年业务经费紧张，部分群众文化活动无法按计划开展。",
        "（二）专项资金投入不足，场馆设备更新缓慢。",
    ])
    q, codes = _quality_codes(_write(tmp_path, lines))
    it = items(q)["Q-07"]
    assert it.score == D(0) and it.deductions[0].points == D(20) and "资金" in it.deductions[0].reason
    assert "JX507" in codes and "JX506" not in codes


def test_only_more_funds_scores_zero(tmp_path):
    lines = _replace_between(_clean_lines(), "八、", "九、", [
        "（一）加大资金投入。",
        "（二）积极争取上级资金支持。",
    ])
    q, codes = _quality_codes(_write(tmp_path, lines))
    it = items(q)["Q-08"]
    assert it.score == D(0) and "加大资金投入" in it.deductions[0].reason
    assert "JX509" in codes and "JX508" not in codes


def test_measures_that_answer_nothing(tmp_path):
    lines = _replace_between(_clean_lines(), "八、", "九、", [
        "（一）加强干部队伍思想政治建设，开展理论学习和专题培训，提高干部职工的政治素养。",
        "（二）深入开展作风建设，持续整治形式主义、官僚主义，营造风清气正的工作氛围。",
    ])
    q, codes = _quality_codes(_write(tmp_path, lines))
    it = items(q)["Q-08"]
    assert it.score == D(6)  # none of the five problems answered
    assert "5/5条问题没有对应的改进措施" in it.deductions[-1].reason
    assert "JX508" in codes


def test_unitemized_short_problems_are_too_simple(tmp_path):
    lines = _replace_between(_clean_lines(), "七、", "八、", ["本馆预算绩效管理还有待加强。"])
    q, codes = _quality_codes(_write(tmp_path, lines))
    assert items(q)["Q-07"].score == D(10)  # 未归纳且过于简单, no cause
    assert "JX506" in codes


def test_no_self_evaluation_table_scores_zero(tmp_path):
    # the clean 正文 without its 附件 tables
    lines = _clean_lines()
    cut = next(k for k, l in enumerate(lines) if l.startswith("附件1"))
    q, _ = _quality_codes(_write(tmp_path, lines[:cut]))
    it = items(q)
    assert it["Q-06"].score == D(0)
    # 附件1 and 附件2 are listed but not attached: −2 each
    assert it["Q-05"].score == D(11)


def test_quality_checks_are_registered_for_departments_only():
    for code in ("JX504", "JX505", "JX506", "JX507", "JX508", "JX509"):
        assert REGISTRY[code].kinds == ("department",)
