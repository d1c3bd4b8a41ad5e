"""Findings on the five seed reports: what a careful reviewer must see, and must not see.

Each finding below was first read off ``jixiao review`` and then checked by hand against the seed
text (``cat -n``; line numbers are 1-based): the evidence lines, the numbers in expected / found /
score_impact, and the recomputed totals. The seeds are read by path through the ``seed`` fixture
(conftest.py); none of their text is stored here beyond the short values asserted.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from seedtext import SEEDS, nfkc_squash, seed_lines, squash, starts_on_line

from jixiao.checks import REGISTRY
from jixiao.model import Finding
from jixiao.review import ReviewedFile


D = Decimal
CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------------------------
# helpers


def codes(rf: ReviewedFile) -> list[str]:
    return [f.code for f in rf.record.findings]


def the(rf: ReviewedFile, code: str, *needles: str) -> Finding:
    """The one finding with ``code`` whose message contains every needle."""
    hits = [f for f in rf.record.findings if f.code == code and all(n in f.message for n in needles)]
    assert len(hits) == 1, f"{code} {needles}: {len(hits)} findings among {codes(rf)}"
    return hits[0]


def lines(f: Finding) -> list[int]:
    return [e.source.line for e in f.evidence]


def evidence(f: Finding) -> set[tuple[int, str]]:
    """(line, raw without whitespace) of every evidence item."""
    return {(e.source.line, squash(e.raw)) for e in f.evidence}


# --------------------------------------------------------------------------------------------
# every finding of every seed is well-formed and cites real lines


@pytest.mark.parametrize("prefix", SEEDS)
def test_every_finding_is_well_formed(reviewed, prefix):
    path, rf = reviewed(prefix)
    n = len(seed_lines(path))
    assert rf.record.findings, f"{prefix}: no findings at all"
    for f in rf.record.findings:
        where = f"{prefix} {f.code} {f.message[:40]}"
        assert f.code in REGISTRY, where
        assert f.title == REGISTRY[f.code].title, where
        assert f.title.strip() and CJK.search(f.title), where
        assert f.message.strip(), where
        assert "执行出错" not in f.message, where  # a crashed check reports itself as an info finding
        assert f.severity in ("error", "warning", "info"), where
        assert f.evidence, where
        for e in f.evidence:
            assert e.source is not None, where
            assert e.source.file == str(path), where
            assert e.source.line is not None and 1 <= e.source.line <= n, where
    # sorted: errors first, then by code
    order = {"error": 0, "warning": 1, "info": 2}
    keys = [(order[f.severity], f.code) for f in rf.record.findings]
    assert keys == sorted(keys)


@pytest.mark.parametrize("prefix", SEEDS)
def test_evidence_raw_is_on_its_line_modulo_fullwidth(reviewed, prefix):
    path, rf = reviewed(prefix)
    src = seed_lines(path)
    bad = [(f.code, e.source.line, e.raw) for f in rf.record.findings for e in f.evidence
           if not starts_on_line(e.raw or "", src, e.source.line, fold=nfkc_squash)]
    assert not bad, bad


@pytest.mark.parametrize("prefix", [
    "000",
    "001",
    "002",
    "003",
    "004",
])
def test_evidence_raw_is_verbatim_on_its_line(reviewed, prefix):
    path, rf = reviewed(prefix)
    src = seed_lines(path)
    bad = [(f.code, e.source.line, e.raw) for f in rf.record.findings for e in f.evidence
           if not starts_on_line(e.raw or "", src, e.source.line)]
    assert not bad, bad


# --------------------------------------------------------------------------------------------
# seed 002 — 贸促会娄底支会 2024 (自评表 + 基础数据表)


def test_002_three_public_over_budget(reviewed):
    # 基础数据表 lines 121/122: 三公经费 2024 预算 7, 决算 14.33 → 204.71%;
    # lines 141/142: 出国经费 预算 1, 决算 11.52 → 1152%
    _, rf = reviewed("002")
    f = the(rf, "JX301")
    assert f.severity == "error"
    assert (f.expected, f.found) == ("≤100%", "204.71%")
    assert {(121, "7"), (122, "14.33")} <= evidence(f)
    assert {(141, "1"), (142, "11.52")} <= evidence(f)
    assert "7.33万元" in f.message and "1152.00%" in f.message


def test_002_deadline_missed(reviewed):
    # lines 404–408: 境内经贸活动完成时间 目标 11月, 实际 12月, 分值 2.5, 得分 2.5
    # → 2.5 × 11/12 = 2.29, self-score 0.21 too high
    _, rf = reviewed("002")
    f = the(rf, "JX204", "境内经贸活动完成时间")
    assert lines(f) == [405, 406, 408]
    assert evidence(f) == {(405, "11月"), (406, "12月"), (408, "2.5")}
    assert f.expected.startswith("2.29分") and f.found == "2.5分"
    assert f.score_impact == D("-0.21")


def test_002_reverse_indicator_over_scored(reviewed):
    # lines 484–488: 部门整体支出预算控制数 目标 234.42, 实际 298.71, 分值 10, 得分 9
    # → 10 × 234.42 / 298.71 = 7.85
    _, rf = reviewed("002")
    f = the(rf, "JX203", "部门整体支出预算控制数")
    assert evidence(f) == {(485, "234.42"), (486, "298.71"), (488, "9")}
    assert (f.expected, f.found) == ("7.85分", "9分")
    assert f.score_impact == D("-1.15")


def test_002_item_scores_do_not_add_up(reviewed):
    # 10 (line 249) + 16 indicator self-scores (lines 318 … 488) = 97, 总分 line 514 says 98
    _, rf = reviewed("002")
    f = the(rf, "JX105")
    assert lines(f)[0] == 514
    assert {249, 318, 408, 428, 458, 488} <= set(lines(f))
    assert (f.expected, f.found) == ("97.00分", "98分")
    assert f.score_impact == D("-1")


def test_002_three_public_prior_year_sum(reviewed):
    # 2023年决算: 合计 22.2 (line 120) vs 1.45 (125) + 19.27 (140) + 1.55 (145) = 22.27
    _, rf = reviewed("002")
    f = the(rf, "JX101", "三公经费上年决算数")
    assert evidence(f) == {(120, "22.2"), (125, "1.45"), (140, "19.27"), (145, "1.55")}
    assert f.expected.startswith("22.27万元") and f.found == "22.2万元"
    assert len([x for x in rf.record.findings if x.code == "JX101"]) == 1  # 2024 columns add up


def test_002_external_rating_lower(reviewed):
    # line 84 市绩效办 考核结果为良好; line 514 自评 98 (优)
    _, rf = reviewed("002")
    f = the(rf, "JX208")
    assert set(lines(f)) == {84, 514}
    assert "良好" in f.message and "98" in f.message and "优" in f.message
    assert f.found == "优"


def test_002_public_funds_and_procurement_over_budget(reviewed):
    # lines 171/172: 公用经费 预算 81.26, 决算 127.83; lines 191/192: 政府采购 10.08 → 22.96
    _, rf = reviewed("002")
    pub = the(rf, "JX302")
    assert evidence(pub) == {(171, "81.26"), (172, "127.83")}
    assert pub.found == "157.31%"
    proc = the(rf, "JX303")
    assert evidence(proc) == {(191, "10.08"), (192, "22.96")}
    assert proc.found == "227.78%"
    assert "12.88万元" in proc.message


def test_002_overachievement(reviewed):
    # lines 325/326 目标 5 实际 41; 335/336 50 → 183; 345/346 5000000 → 20000000;
    # 经费保障人数 9 → 11 (122%, line 315/316) is below the 130% threshold
    _, rf = reviewed("002")
    f = the(rf, "JX404")
    assert set(lines(f)) == {325, 326, 335, 336, 345, 346}
    for name in ("新增会员企业数量", "办理签证数量", "带动企业出口金额"):
        assert name in f.message
    assert "经费保障人数" not in f.message


def test_002_claims_contradicted(reviewed):
    _, rf = reviewed("002")
    # line 71 “既定绩效目标及指标任务均已完成” vs the two indicators recomputed below full marks
    done = the(rf, "JX107", "第71行")
    assert {71, 406, 486} <= set(lines(done))
    # line 75 “支出严格按预算执行” vs 三公 7 → 14.33 and 公用经费 81.26 → 127.83
    budget = the(rf, "JX107", "第75行")
    assert {75, 121, 122, 171, 172} <= set(lines(budget))
    # line 222 (厉行节约保障措施) “严格控制“三公经费”开支” vs 三公 7 → 14.33
    tp = the(rf, "JX107", "第222行")
    assert {222, 121, 122} <= set(lines(tp))


def test_002_recomputed_total(reviewed):
    # 97 (sum of items) − 0.21 (JX204) − 1.15 (JX203) = 95.64 vs self 98
    _, rf = reviewed("002")
    card = rf.record.scorecards[0]
    assert card.ruleset == "national_2020"
    assert card.total == D("95.64")
    assert card.self_total == D("98")
    assert card.grade == "优"
    scores = {i.indicator: i.score for i in card.items}
    assert scores["境内经贸活动完成时间"] == D("2.29")
    assert scores["部门整体支出预算控制数"] == D("7.85")
    assert scores["预算执行率"] == D("10")
    f = the(rf, "JX213")
    assert (f.expected, f.found) == ("95.64分", "98分")
    assert f.score_impact == D("-2.36")
    assert lines(f) == [514]
    # the rule set is cited by its document number, never by its internal name
    assert f.message == "自评 98 分，按财预〔2020〕10号复核 95.64 分，自评高出 2.36 分。"


INTERNAL_IDS = re.compile(r"national_2020|yueyang_ref_2015|hunan_dept_2017|narrative|\b[NYHDQ]-\d{2}|\bINF\b|OFF-[2RM]"
                          r"|\bSEED\b|\bIMPL\b")
TWO_VALUES = re.compile(r"\d(?:[\d.–%分]*)\s*或\s*\d|另一口径")


@pytest.mark.parametrize("prefix", SEEDS)
def test_wording_a_reviewer_can_paste(reviewed, prefix):
    """Finding text cites rules by document and item name (no internal rule-set or item ids, no
    provenance tags), says 无法计算（分母为0） rather than 无定义, and states one value."""
    _, rf = reviewed(prefix)
    for f in rf.record.findings:
        for text in (f.title, f.message, f.expected or "", f.found or ""):
            assert not INTERNAL_IDS.search(text), (f.code, text)
            assert "无定义" not in text, (f.code, text)
            assert not TWO_VALUES.search(text), (f.code, text)


def test_002_deadline_states_one_score(reviewed):
    # 2.5 × 11/12 = 2.29: the finding gives that one score, no second 口径
    _, rf = reviewed("002")
    f = the(rf, "JX204", "境内经贸活动完成时间")
    assert f.message.endswith("= 2.5×11.00/12.00 = 2.29。") and "部分达成" not in f.message


def test_002_must_not_see(reviewed):
    _, rf = reviewed("002")
    found = set(codes(rf))
    # 三公 / 基本支出 / 自评得分 are stated consistently wherever they recur (lines 36, 41, 87, 259, 197)
    assert "JX102" not in found
    # 执行率 100.00% = 298.71 / 298.71 (lines 245, 246, 248); 控制率 100% = 11 / 11 (lines 110–112)
    assert not found & {"JX103", "JX104", "JX305", "JX306", "JX307"}
    # weights: 10 + 90 = 100 (line 513)
    assert "JX106" not in found
    # the 2024 三公 columns add up: 1.5 + 1 + 4.5 = 7 (lines 126/141/146), 1.23 + 11.52 + 1.58 = 14.33;
    # 来源 297.73 + 0 + 0 + 0.98 = 298.71 (lines 257–275): only the 2023 column is off
    assert [f.message.split("：")[0] for f in rf.record.findings if f.code == "JX101"] == ["三公经费上年决算数"]


# --------------------------------------------------------------------------------------------
# seed 003 — 岳麓区商务局 2019 (整体支出绩效报告表)


def test_003_execution_not_weighted(reviewed):
    # line 53: the 年度资金总额 row has 分值 100 (the whole total), line 54 执行率 66.46%;
    # under the 10-point rule the item is worth 10 × 66.46% = 6.65
    _, rf = reviewed("003")
    f = the(rf, "JX202")
    assert f.severity == "error"
    assert {(53, "100"), (54, "66.46%"), (52, "3370.55"), (51, "5071.49")} == evidence(f)
    assert "66.46%" in f.message and "6.65" in f.message
    assert f.found == "分值100（总分）"
    assert f.score_impact == D("-3.35")


def test_003_recomputed_total(reviewed):
    # indicators 98.5 of 100 rescaled to 90 → 88.65, + 6.65 for execution = 95.30 vs self 98.5
    _, rf = reviewed("003")
    card = rf.record.scorecards[0]
    assert card.ruleset == "national_2020"
    exe = next(i for i in card.items if i.indicator == "预算执行率")
    assert (exe.weight, exe.self_score, exe.score) == (D(10), None, D("6.65"))
    assert card.total == D("95.30")
    assert card.self_total == D("98.5")
    f = the(rf, "JX213")
    assert (f.expected, f.found) == ("95.30分", "98.5分")
    assert f.score_impact == D("-3.2")
    assert lines(f) == [317]


def test_003_low_execution(reviewed):
    # lines 51/52: 3370.55 ÷ 5071.49 = 66.46%, 1700.94万元 unspent
    _, rf = reviewed("003")
    f = the(rf, "JX305")
    assert evidence(f) == {(52, "3370.55"), (51, "5071.49")}
    assert f.found == "66.46%"
    assert "1700.94" in f.message


def test_003_first_level_weights(reviewed):
    # 效益 rows (lines 226 … 300): 2.5×4 + 10 + 5 + 5 + 10 = 40 instead of 30; execution has no own weight
    _, rf = reviewed("003")
    f = the(rf, "JX209")
    assert "效益 40" in f.message and "应为30" in f.message
    assert "预算执行率 0（应为10）" in f.message
    assert "产出" not in f.found and "满意度" not in f.found  # 产出 50 and 满意度 10 are as required
    assert 53 in lines(f)


def test_003_first_level_weights_evidence(reviewed):
    _, rf = reviewed("003")
    f = the(rf, "JX209")
    benefit_weights = {226, 236, 246, 256, 268, 280, 290, 300}
    assert benefit_weights <= set(lines(f))
    assert not {114, 124, 134} & set(lines(f))


def test_003_done_instead_of_measured(reviewed):
    # quantitative targets (10%以上, 5.12亿美元, 1亿美元, 185家…, 4亿美元, 308个…, 压减10%, 500强 8个…,
    # 240亿元) answered with “已完成”/“超额完成” (lines 113 … 235); 未完成 (line 279) is not one of them
    _, rf = reviewed("003")
    f = the(rf, "JX403")
    assert set(lines(f)) == {113, 123, 133, 143, 153, 163, 213, 225, 235}
    assert {squash(e.raw) for e in f.evidence} == {"已完成", "超额完成"}
    assert "9 个" in f.message


def test_003_prose_targets_cannot_be_scored_from_done(reviewed):
    # six targets are one labelled quantity each (line 112 “社会零售总额增长10%以上”, 122 “实际到位外资
    # 5.12亿美元”, 132 “外商直接投资1亿美元”, 152 “完成外贸进出口4亿美元”, 212 “一般性支出压减10%”, 234
    # “限上企业240亿元”), answered “已完成”: the formula B/A has no B, so their self-scores (lines
    # 115/125/135/155/215/237: 4+4+4+4+5+2.5 = 23.5, ×0.9 = 21.15) are unverified, not 达成.
    # Targets with several quantities (lines 142, 162, 224) stay qualitative and keep their band.
    _, rf = reviewed("003")
    card = rf.record.scorecards[0]
    items = {i.indicator: i for i in card.items}
    retail = items["社会消费品零售"]
    assert (retail.rule, retail.status, retail.score) == ("N-03", "无法计算", None)
    assert retail.reason == "实际完成值“已完成”不是测量值，无法按公式计分"
    assert (items["招商引资工作"].rule, items["招商引资工作"].score) == ("N-04", D(5))
    assert card.unverified_points == D("21.15") and card.total == D("95.30")
    f = the(rf, "JX210")
    assert evidence(f) == {(115, "4"), (125, "4"), (135, "4"), (155, "4"), (215, "5"), (237, "2.5")}
    assert f.found == "21.15分未经核实"
    assert "6 个评分项" in f.message and "大力提升社零拉动力" in f.message
    assert "另有 21.15 分无法核实" in the(rf, "JX213").message


def test_003_other_findings(reviewed):
    _, rf = reviewed("003")
    # line 362 “全面完成目标任务” vs 未完成 (line 279) and 66.46%
    claim = the(rf, "JX107", "第362行")
    assert {362, 279} <= set(lines(claim))
    # 2863.29 → 5071.49 (lines 50/51): +2208.20, 77.12%
    adj = the(rf, "JX304")
    assert evidence(adj) == {(50, "2863.29"), (51, "5071.49")}
    assert adj.found == "77.12%"
    # line 362 “全年预计完成社会消费品零售总额420亿元…” (written in 2019 as an estimate)
    assert lines(the(rf, "JX408")) == [362]


def test_003_must_not_see(reviewed):
    _, rf = reviewed("003")
    found = set(codes(rf))
    # 362.22 + 3008.33 = 3370.55 (lines 330/335/343); 2117.38 + 745.91 = 2863.29 etc. (lines 50–70)
    assert "JX101" not in found
    # 66.46% = 3370.55 / 5071.49 to two decimals (line 54)
    assert "JX103" not in found
    # item scores add up: 98.5 (line 317)
    assert "JX105" not in found
    # 三公经费 has no budget in this report, only 2.5 spent (line 337)
    assert "JX301" not in found
    # 13 staff within 16 (lines 34/36)
    assert "JX307" not in found


# --------------------------------------------------------------------------------------------
# seed 004 — 君山区工商联 2024


def test_004_basic_and_project_spending_differ(reviewed):
    # 基本支出: 24 on line 19 (其中基本支出24万元), 0 on line 21 (基本支出0万元), 0 on line 230 (其中：基本支出：0)
    _, rf = reviewed("004")
    basic = the(rf, "JX102", "基本支出")
    assert {(19, "基本支出24万元"), (21, "基本支出0万元"), (230, "其中：基本支出：0")} <= evidence(basic)
    assert {e.value for e in basic.evidence} == {D(0), D(24)}
    assert basic.found == "0、24"
    # 项目支出: 0 on line 19, 24 on line 234 (项目支出：24) and in the 基础数据表 (line 122)
    project = the(rf, "JX102", "项目支出")
    assert {(19, "项目支出0万元"), (234, "项目支出：24"), (122, "24")} <= evidence(project)
    assert project.found == "0、24"


def test_004_actual_as_range(reviewed):
    # lines 280, 300, 330: the 实际完成值 column holds “≥80次”, “≥62个”, “2024年12月20日前”
    _, rf = reviewed("004")
    f = the(rf, "JX401")
    assert evidence(f) == {(280, "≥80次"), (300, "≥62个"), (330, "2024年12月20日前")}


def test_004_actual_copies_target(reviewed):
    # lines 290, 310, 320, 340, 398: actual identical to the target (≥4期, ≥70%, ≥95%, ≦100%, ≥90%)
    _, rf = reviewed("004")
    f = the(rf, "JX402")
    assert evidence(f) == {(290, "≥4期"), (310, "≥70%"), (320, "≥95%"), (340, "≦100%"), (398, "≥90%")}
    assert "5 个" in f.message


def test_004_undefined_ratios(reviewed):
    _, rf = reviewed("004")
    # lines 80–82: 编制数 0, 在职 0, 控制率 “0”
    staff = the(rf, "JX108", "编制数")
    assert {(82, "0"), (80, "0")} <= evidence(staff)
    assert staff.found == "0"
    # line 32: 三公经费年初预算0万元 … 为年初预算的100%; 基础数据表 budget 0 on line 91
    tp = the(rf, "JX108", "三公经费")
    assert (32, "为年初预算的100%") in evidence(tp)
    assert (91, "0") in evidence(tp)
    assert tp.found == "为年初预算的100%"


def test_004_listed_attachment_missing(reviewed):
    # line 58 lists “3.2024年度项目支出绩效自评表”; only 附件1 (line 72), 附件2 (199) and 附件5 (410) follow
    _, rf = reviewed("004")
    f = the(rf, "JX503", "项目支出绩效自评表")
    assert lines(f) == [58]
    assert "项目支出绩效自评表" in f.expected


def test_004_other_findings(reviewed):
    _, rf = reviewed("004")
    # lines 279/280: ≥60次 → ≥80次 (133%)
    assert evidence(the(rf, "JX404")) == {(279, "≥60次"), (280, "≥80次")}
    # lines 299/300: “≥50各” vs “≥62个”
    assert the(rf, "JX407").found == "各/个"
    # recomputed 98 = self 98: 水电节约 8/10 (line 378) is the only deduction and it is explained (line 379)
    card = rf.record.scorecards[0]
    assert card.total == D("98") and card.self_total == D("98")


def test_004_must_not_see(reviewed):
    _, rf = reviewed("004")
    found = set(codes(rf))
    # 基本 0 + 项目 24 = 24 (lines 230/234 vs 219); 三公 columns all 0 (lines 90–117)
    assert "JX101" not in found
    # 三公 budget 0 and actual 0: a 0/0 ratio (JX108), not an overspend
    assert "JX301" not in found
    # items add up to 98 (line 405), weights to 100 (line 404); 执行率 24/24 = 100 (line 221)
    assert not found & {"JX103", "JX105", "JX106", "JX213"}
    # 编制 0: no staffing ratio can be checked
    assert not found & {"JX104", "JX307"}


# --------------------------------------------------------------------------------------------
# seed 000 — 贸促会君山区委员会 2020 (岳阳参考格式 + 附件4-1 评分表)


def test_000_budget_adjustment_rate(reviewed):
    # line 403: 预算安排专项资金15万元 … 年中调整32.15万元 → 32.15 / 15 = 214.33% > 30% → 0 of 3;
    # 评分表 lines 468/469: 分值 3, 自评 3
    _, rf = reviewed("000")
    f = the(rf, "JX211", "预算调整率")
    assert f.severity == "error"
    assert "214.33%" in f.message
    assert {(468, "3"), (469, "3"), (403, "年中调整32.15万元"), (403, "预算安排专项资金15万元")} == evidence(f)
    assert (f.expected, f.found) == ("0分", "3分")
    assert f.score_impact == D("-3")
    # the item by its name and document, not its id (Y-04)
    assert f.message.startswith("“预算调整率”（《岳阳市部门整体支出绩效评价评分表》）：") and "Y-04" not in f.message
    adj = the(rf, "JX304")
    assert set(lines(adj)) == {403}
    assert adj.found == "214.33%"


def test_000_recomputed_total(reviewed):
    # 100 − 3 (预算调整率) = 97; 21 of the 25 rows (86 points) cannot be checked from the report
    _, rf = reviewed("000")
    card = rf.record.scorecards[0]
    assert card.ruleset == "yueyang_ref_2015"
    assert card.total == D("97")
    assert card.self_total == D("100")
    assert card.unverified_points == D("86")
    items = {i.indicator: i for i in card.items}
    assert items["预算调整率"].score == D(0)
    assert items["财政供养人员控制率"].score == D(5)  # 3 / 3 (lines 9/11)
    assert items["固定资产利用率"].score == D(3)  # 3.52 / 3.52 (lines 198/199)
    total = the(rf, "JX213")
    assert "按《岳阳市部门整体支出绩效评价评分表》复核 97.00 分" in total.message
    assert (total.expected, total.found) == ("97.00分", "100分")
    assert total.score_impact == D("-3")
    assert lines(total) == [333]
    unverified = the(rf, "JX210")
    assert unverified.found == "86.00分未经核实"
    assert "21 个评分项" in unverified.message
    assert {450, 459, 478} <= set(lines(unverified))  # 三公经费变动率, 重点支出安排率, 支付进度 self-scores


def test_000_done_instead_of_measured(reviewed):
    # lines 261/267/273/327: 1家, 10次, 20次, 100% answered “已完成” (lines 262/268/274/330)
    _, rf = reviewed("000")
    f = the(rf, "JX403")
    assert evidence(f) == {(262, "已完成"), (268, "已完成"), (274, "已完成"), (330, "已完成")}


def test_000_must_not_see(reviewed):
    _, rf = reviewed("000")
    found = set(codes(rf))
    # 支出合计 76.12 vs 22.55 + 53.56 = 76.11 (lines 110/111/114): within the 0.01万元 tolerance;
    # 收入 6.41 + 69.71 = 76.12; 基本 21.51 + 1.04 = 22.55; 三公 5 + 3 + 0 + 2 = 10
    assert "JX101" not in found
    # the 正文 repeats 76.12 / 22.55 / 53.56 / 21.51 (lines 396, 400) consistently
    assert "JX102" not in found
    # 评分表 self-scores add up to 100 (line 695), weights to 100 (line 694); 优秀 fits 100
    assert not found & {"JX105", "JX106", "JX206"}
    # no 三公 budget is given, so no overspend can be claimed
    assert "JX301" not in found


# --------------------------------------------------------------------------------------------
# seed 001 — 资阳区商务局 2020 (text only)


def test_001_spending_total_sum(reviewed):
    # line 43: 本年支出合计1297.24万元，其中：基本支出885.75万元，项目支出137.38万元 (885.75 + 137.38 = 1023.13)
    _, rf = reviewed("001")
    f = the(rf, "JX101", "支出合计")
    assert evidence(f) == {(43, "本年支出合计1297.24万元"), (43, "基本支出885.75万元"), (43, "项目支出137.38万元")}
    assert (f.expected, f.found) == ("1023.13万元（分项之和）", "1297.24万元")
    assert "274.11" in f.message


def test_001_project_budget_differs(reviewed):
    # line 39 “项目支出245.71万元” vs line 71 “专项预算项目支出198.87万元”
    _, rf = reviewed("001")
    f = the(rf, "JX102", "项目支出")
    assert evidence(f) == {(39, "项目支出245.71万元"), (71, "项目支出198.87万元")}
    assert {e.value for e in f.evidence} == {D("245.71"), D("198.87")}


def test_001_no_score_table(reviewed):
    _, rf = reviewed("001")
    assert rf.record.scorecards == []
    f = the(rf, "JX501")
    assert lines(f) == [1]
    assert "JX902" in codes(rf)  # no tables at all
    assert lines(the(rf, "JX408")) == [77]  # “预计全年能完成外贸进出口4.8亿美元”
    # without a score table nothing can be re-scored
    assert not [c for c in codes(rf) if c.startswith("JX2")]
    # 收入: 605.7 + 333.89 + 5 = 944.59 (line 37) and 基本支出 402.53 + 286.08 + 10.27 = 698.88 (line 38) add up
    assert len([c for c in codes(rf) if c == "JX101"]) == 1


# --------------------------------------------------------------------------------------------
# the 53号 ratio summaries (JX308–JX315) and undefined ratios (JX109), recomputed by hand


def test_002_ratio_summaries(reviewed):
    _, rf = reviewed("002")
    # (7 − 22.2) / 22.2 = −68.47% (lines 121/120): within “≤0”
    change = the(rf, "JX309")
    assert (change.severity, change.found) == ("info", "-68.47%")
    assert evidence(change) == {(121, "7"), (120, "22.2")}
    # 11 / 11 (lines 111/110); 结余 298.71 − 298.71 = 0 (lines 245/246)
    assert the(rf, "JX308").found == "100.00%"
    assert (the(rf, "JX311").found, set(lines(the(rf, "JX311")))) == ("0.00%", {245, 246})
    # 27.43% > 10%, 204.71%, 157.31%, 227.78%: each reported once, by JX304 / JX301 / JX302 / JX303
    found = set(codes(rf))
    assert {"JX301", "JX302", "JX303", "JX304"} <= found
    assert not found & {"JX310", "JX312", "JX313", "JX314", "JX315", "JX109"}
    assert the(rf, "JX304").found == "27.43%" and the(rf, "JX304").severity == "info"
    # indicators: no swapped targets, no run of exact hits (6 of 13 are 100%/月 targets met exactly)
    assert not found & {"JX409", "JX410"}


def test_004_undefined_ratios_listed(reviewed):
    _, rf = reviewed("004")
    f = the(rf, "JX109")
    assert f.severity == "info"
    assert f.title == "比率分母为零，无法计算"
    assert f.message.startswith("5 个比率无法计算（分母为0），不按 100% 计：在职人员控制率（编制数为0）；")
    assert "无定义" not in f.title + f.message + f.expected
    assert f.found == "在职人员控制率、三公经费变动率、公用经费控制率、三公经费控制率、政府采购执行率"
    # 编制 0 / 在职 0 (80/81), 三公 0 0 0 (90–92), 公用经费 0 0 (146/147), 采购 0 0 (166/167)
    assert {80, 81, 90, 91, 92, 146, 147, 166, 167} == set(lines(f))
    # none of them is summarised as a ratio; 24 → 24 → 24 (lines 217/218) is 0% adjustment
    assert not set(codes(rf)) & {"JX308", "JX309", "JX312", "JX313", "JX314"}
    adj = the(rf, "JX310")
    assert (adj.severity, adj.found) == ("info", "0.00%")
    assert evidence(adj) == {(217, "24"), (218, "24")}


def test_000_ratio_summaries(reviewed):
    _, rf = reviewed("000")
    # 在用 3.52 / 合计 3.52 (lines 199/198); 3 / 3 (lines 11/9); 结余 0 (line 115) of 收入合计 76.12 (line 54)
    assets = the(rf, "JX315")
    assert (assets.severity, assets.found) == ("info", "100.00%")
    assert evidence(assets) == {(199, "3.52"), (198, "3.52")}
    assert the(rf, "JX308").found == "100.00%"
    bal = the(rf, "JX311")
    assert bal.found == "0.00%" and {115, 54, 55} == set(lines(bal))  # 55: 上年结转 6.41
    # 214.33% is JX304's (warning), not a second summary
    assert "JX310" not in codes(rf) and the(rf, "JX304").severity == "warning"


def test_003_ratio_summaries(reviewed):
    _, rf = reviewed("003")
    # 13 / 16 = 81.25% (lines 36/34); 结余 5071.49 − 3370.55 = 1700.94 → 33.54% (lines 51/52)
    assert the(rf, "JX308").found == "81.25%"
    assert the(rf, "JX311").found == "33.54%"
    assert "JX310" not in codes(rf)  # 77.12%: JX304
