"""Rule sets as data: detection, --ruleset, every scored item citing its rule, the generic formulas,
and a Hunan 指标表 of our own (RULES.md §0.3, §4.1, §4.2, §8)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from jixiao.config import Settings
from jixiao.rules import RULESETS, Ruleset, detect
from jixiao.rules.formulas import bands, execution, per_point, proportional, reverse
from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "clean_2024_示例区文化馆.txt"


def hunan_table(rows: list[tuple[str, ...]]) -> str:
    """A 部门整体支出绩效评价指标表 in the seed grammar (each cell a TAB line, rows by a blank line)."""
    header = ("一级指标", "二级指标", "三级指标", "分值", "指标解释", "评分标准", "自评得分")
    body = "\n\n".join("\n".join("\t" + c for c in r) for r in [header, *rows])
    return "附件1\n部门整体支出绩效评价指标表\n\n" + body + "\n\n\n"


# Our own Hunan-format table (2018 unit's weights) appended to the clean example, whose 基础数据表 and
# 自评表 give: 18 of 20 in post, 三公 预算 4.20 vs 上年决算 4.55, 年初 256.00 → 全年 262.50, 执行 254.10.
HUNAN_ROWS = [
    ("投入", "预算配置", "在职人员控制率", "8", "在职人员数/编制数", "≤100%满分，每超1个百分点扣0.5分", "8"),
    ("", "", "“三公经费”变动率", "8", "（本年−上年）/上年", "≤0满分，每超1个百分点扣0.8分", "8"),
    ("过程", "预算执行", "预算完成率", "8", "预算完成数/预算数", "100%满分，每低于5%扣2分", "8"),
    ("", "", "预算控制率", "8", "本年追加/年初预算", "=0满分；≤10%得6分", "8"),
    ("", "", "新建楼堂馆所面积控制率", "5", "实际/批准面积", "无楼堂馆所项目按满分", "5"),
    ("产出", "职责履行", "实际完成率", "40", "实际完成/计划", "按完成比例计分", "40"),
    ("效果", "履职效益", "社会效益", "23", "", "酌情计分", "22"),
    ("总分", "", "", "100", "", "", "99"),
]


@pytest.fixture
def hunan_report(tmp_path: Path) -> Path:
    p = tmp_path / "hunan_2018_示例区文化馆.txt"
    p.write_text(CLEAN.read_text("utf-8") + "\n" + hunan_table(HUNAN_ROWS), encoding="utf-8")
    return p


@pytest.mark.parametrize("prefix,expected", [("000", "yueyang_ref_2015"), ("001", "narrative"),
                                             ("002", "national_2020"), ("003", "national_2020"),
                                             ("004", "national_2020")])
def test_seeds_detected_and_every_item_cites_its_rule(reviewed, prefix, expected):
    _, rf = reviewed(prefix)
    rec = rf.record
    assert (rec.ruleset, rec.ruleset_origin) == (expected, "检测")
    if expected == "narrative":
        assert rec.scorecards == []
        return
    (card,) = rec.scorecards
    assert card.ruleset == expected
    for item in card.items:
        assert item.rule and item.tag in ("OFF-R", "OFF-2", "OFF-M", "SEED", "IMPL", "INF"), item
        assert item.source, item


def test_seed_000_yueyang_items_recomputed_from_metrics(reviewed):
    _, rf = reviewed("000")
    card = rf.record.scorecards[0]
    by_rule = {i.rule: i for i in card.items if i.status == "计算"}
    assert set(by_rule) == {"Y-01", "Y-04", "Y-06", "Y-15"}
    assert by_rule["Y-04"].score == 0 and "32.15 / 15.00 = 214.33%" in by_rule["Y-04"].formula
    assert by_rule["Y-01"].score == 5 and "3 / 3 = 100.00%" in by_rule["Y-01"].formula
    assert card.total == D("97") and card.unverified_points == D("86")


def test_seed_000_two_rows_named_management_rules(reviewed):
    # 管理制度健全性 is printed twice in the 评分表: under 预算管理 (line 502, 分值 line 507, 预算资金管理
    # 办法 …) and under 资产管理 (line 559, 分值 line 563, 资产管理制度 …): RULES.md Y-08 and Y-13
    _, rf = reviewed("000")
    card = rf.record.scorecards[0]
    rows = [(i.rule, i.inputs["分值"].source.line) for i in card.items if i.indicator == "管理制度健全性"]
    assert rows == [("Y-08", 507), ("Y-13", 563)]
    assert [i.rule for i in card.items].count("Y-08") == 1
    rules = [i.rule for i in card.items]
    assert rules[:15] == [f"Y-{n:02d}" for n in range(1, 16)]


def test_national_inferred_rules_are_tagged_inf(reviewed):
    _, rf = reviewed("003")
    items = rf.record.scorecards[0].items
    assert (items[0].indicator, items[0].rule, items[0].tag) == ("预算执行率", "N-05", "INF")
    assert "按一级指标权重规定取 10 分" in items[0].formula and items[0].score == D("6.65")


def test_forced_hunan_on_seed_002_scores_from_the_basic_data_table(seed):
    rf = review_file(seed("002"), Settings(ruleset="hunan_dept_2017", ruleset_origin="指定"))
    assert (rf.record.ruleset, rf.record.ruleset_origin) == ("hunan_dept_2017", "指定")
    (card,) = rf.record.scorecards
    items = {i.rule: i for i in card.items}
    assert list(items) == ["H-01", "H-02", "H-03", "H-04", "H-05"]
    # 预算控制率 = (298.71 − 234.42)/234.42 = 27.43% → the (20%, 30%] band: 2 of 8
    assert items["H-04"].score == 2 and "27.43%" in items["H-04"].formula
    assert items["H-01"].score == 8 and "11 / 11" in items["H-01"].formula
    assert items["H-05"].score is None and items["H-05"].status == "无法计算"
    assert card.total is None and "复核了 4 项（32.00 分中得 26.00 分）" in card.note
    assert all(i.tag == "OFF-2" for i in card.items)


def test_forced_hunan_on_seed_003_execution_66_percent(seed):
    rf = review_file(seed("003"), Settings(ruleset="hunan_dept_2017"))
    items = {i.rule: i for i in rf.record.scorecards[0].items}
    # 预算完成率 66.46%: 33.54 points below 100% = 6.7 steps of 5% × 2 → 0 of 8
    assert items["H-03"].score == 0 and "66.46%" in items["H-03"].formula
    # 预算控制率 (5071.49 − 2863.29)/2863.29 = 77.12% > 30% → 0
    assert items["H-04"].score == 0 and "77.12%" in items["H-04"].formula


def test_hunan_table_detected_and_scored(hunan_report):
    rf = review_file(hunan_report)
    assert rf.record.ruleset == "hunan_dept_2017"
    card = rf.record.scorecards[0]
    items = {i.indicator: i for i in card.items}
    assert items["在职人员控制率"].score == 8  # 18/20 = 90%
    assert items["三公经费变动率"].score == 8  # (4.20 − 4.55)/4.55 < 0
    # 预算完成率 254.10/262.50 = 96.80%: 3.2 points below → 0.64 steps × 2 = 1.28 off
    assert items["预算完成率"].score == D("6.72")
    assert items["预算控制率"].score == 6  # (262.50 − 256.00)/256.00 = 2.54% ≤ 10%
    assert items["新建楼堂馆所面积控制率"].status == "无法计算"
    assert items["实际完成率"].rule is None and items["实际完成率"].reason == "所用规则集没有与该行对应的规则"
    assert card.total == D("95.72") and card.unverified_points == D("67")
    assert card.self_total == D("99")


def test_item_override_changes_the_weight(hunan_report):
    s = Settings(items={"H-04": {"bands": [[0.0, 8], [0.02, 7], [0.10, 6]]}})
    items = {i.indicator: i for i in review_file(hunan_report, s).record.scorecards[0].items}
    assert items["预算控制率"].score == 6  # 2.54% is above the new 2% step


def test_every_ruleset_loads_with_sources():
    for name in RULESETS:
        rs = Ruleset.load(name)
        assert rs.name == name and rs.grade(D("89.5")) == "良"
        for item in rs.items:
            assert item["id"] and item["formula"] and (item.get("tag") or rs.data.get("tag"))
            assert item.get("source") or rs.data.get("source"), item["id"]
    with pytest.raises(KeyError):
        Ruleset.load("shanghai_2030")


def test_detect_narrative_without_tables():
    from jixiao.model import Report

    assert detect(Report()) == "narrative"


def test_generic_formulas():
    assert proportional(D(5), D(20), D(15)) == (D("3.75"), "正向指标未达标：分值×B/A = 5×15/20 = 3.75")
    assert reverse(D(10), D("234.42"), D("298.71"))[0] == D("7.85")
    # vendor variant: 10 × (1 − 64.29/234.42) = 7.26
    assert reverse(D(10), D("234.42"), D("298.71"), "one_minus_overshoot")[0] == D("7.26")
    assert reverse(D(10), D(100), D(250), "one_minus_overshoot")[0] == 0
    with pytest.raises(ValueError):
        reverse(D(10), D(1), D(2), "half")
    assert bands(D("0.2743"), [[0, 8], [0.1, 6], [0.2, 4], [0.3, 2]], "at_most")[0] == 2
    assert bands(D("0.31"), [[0, 8], [0.1, 6], [0.2, 4], [0.3, 2]], "at_most")[0] == 0
    assert bands(D("0.96"), [[0.95, 5], [0.85, 3]])[0] == 5
    assert per_point(D(6), D("2.05"), D(1), D(1))[0] == 0  # 三公 205%: 105 points over, 扣完为止
    assert per_point(D(5), D("1.04"), D(1), D("0.5"))[0] == D("3.00")
    assert per_point(D(8), D("0.85"), D(1), D(2), "under", D("0.05"))[0] == D("2.00")
    assert execution(D(10), D("0.6646"))[0] == D("6.65")
    assert execution(D(10), D("0.6646"), "interval", [[1, 1], [0.9, 0.9], [0.6, 0.6]])[0] == D("6.00")
    assert execution(D(10), D("1.2"))[0] == 10
