"""Every check has one fixture that triggers it and one that must not (STYLE.md, ruff's habit).

``TRIGGER[code]`` and ``MUST_NOT[code]`` are :class:`Fx` documents: the clean example
(examples/clean_2024_示例区文化馆.txt) with a few cells changed, a small text of our own, or a seed
read by path (skipped when ../shared/seeds is absent) — never copied seed text. A must-not
fixture is a near miss where one exists (三公 决算 = 预算 exactly for the over-budget check, a
0/0 ratio for a ratio summary). ``test_every_check_has_both_fixtures`` runs over the live registry,
so a new check without fixtures fails here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SEEDS_DIR

from jixiao.checks import REGISTRY, run_checks
from jixiao.model import Finding
from jixiao.review import review_file

CLEAN = Path(__file__).resolve().parents[1] / "examples" / "clean_2024_示例区文化馆.txt"
CLEAN_LINES = CLEAN.read_text("utf-8").splitlines()



@dataclass(frozen=True)
class Fx:
    """A document to review: ``text`` of our own, or the seed whose name starts with ``seed``;
    ``notes`` are reader notes (JX906/JX907) added to the read document."""

    text: str | None = None
    seed: str | None = None
    notes: tuple[dict, ...] = field(default_factory=tuple)


def edit(*changes: tuple[int, str, str]) -> Fx:
    """The clean example with line ``n`` (1-based) changed from ``old`` to ``new``; a table cell is
    given without its TAB. Asserting ``old`` keeps the fixtures honest if the example changes."""
    lines = list(CLEAN_LINES)
    for n, old, new in changes:
        cur = lines[n - 1]
        assert cur.lstrip("\t") == old or old in cur, (n, old, cur)
        lines[n - 1] = ("\t" + new) if cur.startswith("\t") and cur.lstrip("\t") == old else cur.replace(old, new)
    return Fx(text="\n".join(lines) + "\n")


def with_table(fx: Fx, after: int, rows: list[list[str]]) -> Fx:
    """``fx`` (a text) with a flattened table inserted after line ``after``: one TAB-led line per
    cell, a blank line between rows, two after the table."""
    lines = (fx.text or "").splitlines()
    block = [line for row in rows for line in ["\t" + c for c in row] + [""]] + [""]
    return Fx(text="\n".join(lines[:after] + block + lines[after:]) + "\n")


CLEAN_FX = edit()
NARRATIVE = Fx(text="示例区档案馆2024年度部门整体支出绩效自评报告\n一、基本情况\n本馆全年支出86.40万元。\n"
                    "二、存在的问题\n预算编制不够精细。\n三、改进措施\n细化预算编制。\n")
REASON_237 = CLEAN_LINES[236].lstrip("\t")  # the 偏差原因 of 公益文艺演出场次 (≥12场, 10场, 4.17 of 5)


def sections(start: str, end: str, new: list[str], drop: tuple[str, ...] = ()) -> Fx:
    """The clean example with the body between the headings starting ``start`` and ``end`` replaced
    by ``new`` (the 附件5 quality checks, JX504–JX509), and the lines starting with ``drop`` removed."""
    lines = [line for line in CLEAN_LINES if not line.startswith(drop)] if drop else list(CLEAN_LINES)
    i = next(k for k, line in enumerate(lines) if line.startswith(start))
    j = next(k for k, line in enumerate(lines) if line.startswith(end))
    return Fx(text="\n".join(lines[: i + 1] + new + lines[j:]) + "\n")


def fixed_assets(total: str, in_use: str) -> Fx:
    """The clean example with a 固定资产 table of our own (合计 / 在用 / 出租) after its 基础数据表."""
    return with_table(CLEAN_FX, 151, [["机构名称", "固定资产合计", "其中：在用固定资产", "出租固定资产"],
                                      ["示例区文化馆", total, in_use, "0.00"]])


def note(code: str, message: str, page: int, confidence: float | None = None) -> dict:
    return {"code": code, "message": message, "page": page, "confidence": confidence}


NO_TEXT = note("no_text_layer", "第2页没有文字层（扫描件），未读取该页", 2)
LOW_OCR = note("ocr_low_confidence", "第1页“2S8.71”OCR 置信度 0.62", 1, 0.62)
OCR_PAGE = note("ocr_page", "第6页是扫描图像（无文字层），已用 OCR 识别；数字请以原件核对", 6)
HIDDEN = note("hidden_sheet", "工作表“Sheet2（旧）”是隐藏工作表，已一并读取", None)

# clean example, lines: 64–66 编制 20 / 在职 18 / 控制率 90.00%; 74–76 三公 4.55 / 4.20 / 3.74;
# 121 公用经费决算 35.60 (预算 37.00); 140/141 政府采购 22.00 / 20.85; 170–175 年初 256.00, 全年 262.50,
# 执行 254.10, 分值 10, 执行率 96.80%, 得分 9.68; 233–237 公益文艺演出场次 ≥12场 10场 5 4.17;
# 243–247 公益培训班开班期数 ≥40期 44期 5 5 无偏差; 253/254 展览 ≥8次 9次; 284 完成时间 11月; 362 总分 96.85.
TRIGGER: dict[str, Fx] = {
    # 2023 三公决算 4.60 against 3.20 + 0.00 + 1.35 = 4.55
    "JX101": edit((74, "4.55", "4.60")),
    # 自评表 基本支出 176.30 against 186.30 in the 正文
    "JX102": edit((185, "186.30", "176.30")),
    "JX103": edit((174, "96.80%", "95.80%")),
    # 控制率 100.00% while 18 of 20 are in post
    "JX104": edit((66, "90.00%", "100.00%")),
    "JX105": edit((362, "96.85", "97.85")),
    # one 分值 raised to 6: weights add to 101
    "JX106": edit((245, "5", "6")),
    # 三公决算 4.50 > 预算 4.20 beside “严格控制“三公”经费支出” (line 149)
    "JX107": edit((76, "3.74", "4.50")),
    # 编制 0 with a 控制率 of 90.00% written in
    "JX108": edit((64, "20", "0")),
    # 编制 0, 控制率 written as “/”: the 0/0 ratio is listed as undefined
    "JX109": edit((64, "20", "0"), (66, "90.00%", "/")),
    "JX201": edit((175, "9.68", "10")),
    # the 年度资金总额 row carries the whole 100 points
    "JX202": edit((173, "10", "100")),
    "JX203": edit((236, "4.17", "5")),
    "JX204": edit((284, "11月", "12月")),
    # a qualitative actual “未完成” still scored 9 of 10
    "JX205": edit((334, "明显提升", "未完成")),
    # narrative grade “良” beside a total of 96.85
    "JX206": edit((29, "等级为“优”", "等级为“良”")),
    # execution 130.00 of 262.50 and 0 performances: recomputed falls below 90 while the form keeps 96.85
    "JX207": edit((172, "254.10", "130.00"), (234, "10场", "0场")),
    "JX208": edit((53, "本馆项目支出绩效自评表按要求另行报送，无其他需要说明的情况。",
                   "2024年度区绩效办对本馆的绩效评估考核结果为良好。")),
    # 产出 45 / 效益 35: the total stays 100 and 96.85
    "JX209": edit((315, "10", "5"), (316, "10", "5"), (325, "10", "15"), (326, "10", "15")),
    # a quantitative target answered “已完成”: its 5 points cannot be recomputed
    "JX210": edit((244, "44期", "已完成")),
    # 附件4-1 评分表: 预算调整率 214% scored 3 of 3 (seed 000)
    "JX211": Fx(seed="000"),
    "JX212": edit((246, "5", "6")),
    # 公益文艺演出 5 of 5 (should be 4.17) and the total raised to match: 97.68 vs 96.85
    "JX213": edit((236, "4.17", "5"), (362, "96.85", "97.68")),
    "JX301": edit((76, "3.74", "4.50")),
    "JX302": edit((121, "35.60", "40.00")),
    "JX303": edit((141, "20.85", "25.00")),
    # 年初 200.00 → 全年 262.50: 31.25%
    "JX304": edit((170, "256.00", "200.00")),
    # 230.00 / 262.50 = 87.62%
    "JX305": edit((172, "254.10", "230.00")),
    "JX306": edit((172, "254.10", "270.00")),
    "JX307": edit((65, "18", "22")),
    # the ratio summaries: the clean example's own values (info), or beyond the limit (warning)
    "JX308": CLEAN_FX,
    "JX309": edit((74, "4.55", "4.00")),  # (4.20 − 4.00) / 4.00 = +5.00%
    "JX310": CLEAN_FX,
    "JX311": CLEAN_FX,
    "JX312": CLEAN_FX,
    "JX313": CLEAN_FX,
    "JX314": CLEAN_FX,  # 20.85 / 22.00 = 94.77%
    "JX315": fixed_assets("386.40", "370.00"),  # 95.76%
    "JX401": edit((244, "44期", "≥44期")),
    "JX402": edit((244, "44期", "≥40期")),
    "JX403": edit((244, "44期", "已完成")),
    "JX404": edit((244, "44期", "60期")),  # 150%, 偏差原因 “无偏差”
    "JX405": edit((237, REASON_237, "无偏差")),
    "JX406": edit((243, "≥40期", "≥40")),
    "JX407": edit((244, "44期", "44次")),
    "JX408": edit((354, "94.6%", "预计95%")),
    # 开班期数 ≥8次 and 展览次数 ≥40期: two targets swapped
    "JX409": edit((243, "≥40期", "≥8次"), (253, "≥8次", "≥40期")),
    # 7 of the 10 comparable quantitative indicators hit their targets exactly
    "JX410": edit((244, "44期", "40期"), (254, "9次", "8次"), (264, "93.5%", "90%"), (274, "97.2%", "95%"),
                  (294, "97.5%", "95%"), (324, "33600人次", "30000人次"), (354, "94.6%", "90%")),
    "JX501": NARRATIVE,
    "JX502": edit((38, "七、存在的问题及原因分析", "七、其他工作情况"), (44, "八、下一步改进措施", "八、补充说明")),
    "JX503": edit((55, "2.2024年度部门整体支出绩效自评表", "2.2024年度部门整体支出绩效自评表\n3.2024年度项目支出绩效自评表")),
    "JX902": NARRATIVE,
    # no unit name and no year anywhere
    "JX903": Fx(text="部门整体支出绩效自评报告\n一、基本情况\n本单位全年支出86.40万元。\n二、存在的问题\n"
                     "预算编制不够精细。\n三、改进措施\n细化预算编制。\n"),
    # the report cut off inside its indicator table: no 总分 row
    "JX904": Fx(text="\n".join(CLEAN_LINES[:300]) + "\n"),
    # a table of a layout jixiao does not know
    "JX905": Fx(text="示例镇文化站2024年度工作统计\n\t项目\n\t数量\n\n\t送戏下乡\n\t12\n\n\n以上为全年统计。\n"),
    "JX906": Fx(text=CLEAN_FX.text, notes=(NO_TEXT,)),
    "JX907": Fx(text=CLEAN_FX.text, notes=(LOW_OCR,)),
    # a 总分 of 400 digits (a cell run together or an export fault); the review goes on
    "JX908": edit((362, "96.85", "9" * 400)),
    # a table row of 1,001 cells (an export whose separators went wrong): cut at readers/limits.MAX_ROW_CELLS
    "JX909": with_table(CLEAN_FX, 151, [["说明"] + [f"{k}" for k in range(1, 1001)]]),
    "JX910": Fx(text=CLEAN_FX.text, notes=(OCR_PAGE,)),
    "JX911": Fx(text=CLEAN_FX.text, notes=(HIDDEN,)),
    # 附件5 report quality (rules/quality.py): the clean example with a part or its 问题/措施 rewritten
    "JX504": sections("八、", "十、", ["（一）加强预算编制。"], drop=("九、",)),  # 九、结果应用 gone
    "JX505": edit((53, "本馆项目支出绩效自评表按要求另行报送，", "")),  # 项目支出 67.80 but no 项目表
    "JX506": sections("七、", "八、", ["本馆预算绩效管理还有待加强。"]),  # one line, one area, no cause
    "JX507": sections("七、", "八、", ["（一）工作经费不足，部分活动无法开展。", "（二）专项资金投入不足。"]),
    "JX508": sections("八、", "九、", ["（一）加强干部队伍思想政治建设，开展理论学习。",
                                       "（二）深入开展作风建设，营造风清气正的工作氛围。"]),
    "JX509": sections("八、", "九、", ["（一）加大资金投入。", "（二）积极争取上级资金支持。"]),
}

MUST_NOT: dict[str, Fx] = {
    "JX101": edit((74, "4.55", "4.56")),  # 0.01 off: within the 0.01万元 tolerance
    "JX102": edit((185, "186.30", "186.31")),  # within tolerance
    "JX103": edit((174, "96.80%", "96.8%")),  # the same rate written differently
    "JX104": edit((66, "90.00%", "90%")),
    "JX105": edit((362, "96.85", "96.90")),  # 0.05 off: within the 0.1-point tolerance
    "JX106": CLEAN_FX,
    "JX107": edit((76, "3.74", "4.20")),  # 决算 = 预算: “严格控制” holds
    "JX108": edit((64, "20", "0"), (66, "90.00%", "/")),  # 编制 0 and the ratio left as “/”
    "JX109": CLEAN_FX,
    "JX201": edit((175, "9.68", "9.75")),  # within the 0.1-point tolerance
    "JX202": CLEAN_FX,
    "JX203": edit((236, "4.17", "4.25")),  # within tolerance
    "JX204": CLEAN_FX,  # 11月 on a “11月底前” target
    "JX205": CLEAN_FX,
    "JX206": CLEAN_FX,
    "JX207": CLEAN_FX,
    "JX208": edit((53, "本馆项目支出绩效自评表按要求另行报送，无其他需要说明的情况。",
                   "2024年度区绩效办对本馆的绩效评估考核结果为优秀。")),
    "JX209": CLEAN_FX,
    "JX210": CLEAN_FX,
    "JX211": CLEAN_FX,
    "JX212": CLEAN_FX,
    # 4.60 for 4.17 and the total raised to 97.28: 0.43 above the recomputed total, under 0.5
    "JX213": edit((236, "4.17", "4.60"), (362, "96.85", "97.28")),
    "JX301": edit((76, "3.74", "4.20")),  # 决算 = 预算 exactly
    "JX302": edit((121, "35.60", "37.00")),
    "JX303": edit((141, "20.85", "22.00")),
    "JX304": edit((170, "256.00", "240.00")),  # 9.375%
    "JX305": edit((172, "254.10", "236.25")),  # 90.00% exactly
    "JX306": edit((172, "254.10", "262.50")),
    "JX307": edit((65, "18", "20")),  # 在职 = 编制
    # each ratio summary stays silent when an older check reports the overrun, or on a 0/0 ratio (JX109)
    "JX308": edit((65, "18", "22")),  # 超编: JX307
    "JX309": edit((74, "4.55", "0.00")),  # 上年决算 0: undefined
    "JX310": edit((170, "256.00", "200.00")),  # 31.25%: JX304
    "JX311": edit((171, "262.50", "0.00")),  # 支出预算 0: undefined
    "JX312": edit((121, "35.60", "40.00")),  # JX302
    "JX313": edit((76, "3.74", "4.50")),  # JX301
    "JX314": edit((141, "20.85", "25.00")),  # JX303
    "JX315": fixed_assets("0.00", "0.00"),  # 0/0
    "JX401": CLEAN_FX,
    "JX402": edit((244, "44期", "40期")),  # equal number, no operator copied
    "JX403": edit((334, "明显提升", "已完成")),  # a qualitative target
    "JX404": edit((244, "44期", "60期"), (247, "无偏差", "暑期新开少儿班，报名人数超出年初预计，加开培训班16期")),
    "JX405": CLEAN_FX,  # the one missed target is explained
    "JX406": CLEAN_FX,
    "JX407": CLEAN_FX,
    "JX408": edit((53, "本馆项目支出绩效自评表按要求另行报送，无其他需要说明的情况。",
                   "演出广场改造工程预计2025年6月竣工，届时恢复户外公益演出。")),  # a plan, not an estimate
    "JX409": edit((233, "≥12场", "≥12次")),  # 场次 counted in 次: not misplaced
    "JX410": edit((244, "44期", "40期"), (254, "9次", "8次")),  # 2 of 10: not a pattern
    "JX501": CLEAN_FX,
    "JX502": CLEAN_FX,
    "JX503": CLEAN_FX,
    "JX902": CLEAN_FX,
    "JX903": CLEAN_FX,
    "JX904": CLEAN_FX,
    "JX905": CLEAN_FX,
    "JX906": Fx(text=CLEAN_FX.text, notes=(LOW_OCR,)),
    "JX907": Fx(text=CLEAN_FX.text, notes=(NO_TEXT,)),
    "JX908": edit((362, "96.85", "999999999999999")),  # absurd as a 总分 but below 10^15: not flagged
    "JX909": with_table(CLEAN_FX, 151, [["说明"] + [f"{k}" for k in range(1, 1000)]]),  # exactly 1,000 cells
    "JX910": Fx(text=CLEAN_FX.text, notes=(LOW_OCR,)),  # OCR'd cells of low confidence are JX907's
    "JX911": Fx(text=CLEAN_FX.text, notes=(NO_TEXT,)),
    # near misses: 九 renumbered but present; the 项目表 said to be sent apart; problems that cover
    # four areas; funding named beside other causes; measures answering each problem (the clean text)
    "JX504": CLEAN_FX,
    "JX505": CLEAN_FX,
    "JX506": CLEAN_FX,
    "JX507": sections("七、", "八、", ["（一）工作经费不足，部分活动无法开展。",
                                       "（二）预算绩效管理不够精细，绩效目标编制不够具体，政府采购计划执行滞后。"]),
    "JX508": CLEAN_FX,
    "JX509": sections("八、", "九、", ["（一）积极争取上级资金支持。", "（二）细化绩效目标编制，按季度跟踪政府采购计划执行。"]),
}


def _path(fx: Fx, tmp_path: Path, name: str) -> Path:
    if fx.seed is not None:
        if not SEEDS_DIR.is_dir():
            pytest.skip("../shared/seeds 不存在：种子报告仅在 CI 与开发机上提供")
        return next(p for p in SEEDS_DIR.iterdir() if p.name.startswith(fx.seed))
    p = tmp_path / f"{name}.txt"
    p.write_text(fx.text or "", encoding="utf-8")
    return p


def findings(fx: Fx, tmp_path: Path, name: str) -> tuple[Path, list[Finding]]:
    """Review the fixture: through review_file, or (with reader notes) read → extract → score → check."""
    path = _path(fx, tmp_path, name)
    if fx.notes:
        from jixiao.extract import extract
        from jixiao.readers import ReadNote, read
        from jixiao.rules import score

        doc = read(path)
        doc.notes.extend(ReadNote(**n) for n in fx.notes)
        report = extract(doc)
        return path, run_checks(report, score(report), doc)
    rf = review_file(path)
    assert rf.record.error is None, rf.record.error
    records = [d.record for d in rf.documents()] if hasattr(rf, "documents") else [rf.record]
    return path, [f for r in records for f in r.findings or []]


def _codes_needing_fixtures() -> list[str]:
    return sorted(REGISTRY)


@pytest.mark.parametrize("code", _codes_needing_fixtures())
def test_every_check_has_both_fixtures(code):
    assert code in TRIGGER, f"{code} 没有触发用例"
    assert code in MUST_NOT, f"{code} 没有不应触发的用例"


@pytest.mark.parametrize("code", sorted(TRIGGER))
def test_trigger_fixture_yields_its_code(tmp_path, code):
    assert code in REGISTRY
    path, found = findings(TRIGGER[code], tmp_path, code)
    assert not [f.message for f in found if "执行出错" in f.message]  # no check crashed
    hits = [f for f in found if f.code == code]
    assert hits, [f.code for f in found]
    assert all(f.title == REGISTRY[code].title for f in hits)
    assert all(f.evidence for f in hits)
    assert all(e.source and e.source.file == str(path) for f in hits for e in f.evidence)


@pytest.mark.parametrize("code", sorted(MUST_NOT))
def test_must_not_fixture_does_not_yield_its_code(tmp_path, code):
    assert code in REGISTRY
    _, found = findings(MUST_NOT[code], tmp_path, code)
    assert not [f.message for f in found if "执行出错" in f.message]
    assert code not in {f.code for f in found}, [f.message for f in found if f.code == code]


def test_fixtures_only_name_registered_codes():
    assert set(TRIGGER) <= set(REGISTRY) and set(MUST_NOT) <= set(REGISTRY)


# --------------------------------------------------------------------------------------------
# the new checks in more detail


def one(found: list[Finding], code: str) -> Finding:
    hits = [f for f in found if f.code == code]
    assert len(hits) == 1, [(f.code, f.message) for f in found]
    return hits[0]


def test_ratio_summaries_on_the_clean_example(tmp_path):
    _, found = findings(CLEAN_FX, tmp_path, "clean")
    expected = {  # code: (severity, found, evidence lines)
        "JX308": ("info", "90.00%", {64, 65}),  # 18 / 20
        "JX309": ("info", "-7.69%", {74, 75}),  # (4.20 − 4.55) / 4.55
        "JX310": ("info", "2.54%", {170, 171}),  # |262.50 − 256.00| / 256.00
        "JX311": ("info", "3.20%", {171, 172}),  # (262.50 − 254.10) / 262.50
        "JX312": ("info", "96.22%", {120, 121}),  # 35.60 / 37.00
        "JX313": ("info", "89.05%", {75, 76}),  # 3.74 / 4.20
        "JX314": ("info", "94.77%", {140, 141}),  # 20.85 / 22.00: below 100%, above the 90% warning line
    }
    for code, (severity, value, lines) in expected.items():
        f = one(found, code)
        assert (f.severity, f.found) == (severity, value), code
        assert {e.source.line for e in f.evidence} == lines, code
        assert "=" in f.message and value.lstrip("-") in f.message, code
    assert "JX315" not in {f.code for f in found}  # no 固定资产 table
    assert "JX109" not in {f.code for f in found}
    assert "上年决算数代替" in one(found, "JX309").message  # says which columns were used


def test_ratio_beyond_limit_is_a_warning(tmp_path):
    _, found = findings(TRIGGER["JX309"], tmp_path, "change")
    f = one(found, "JX309")
    assert (f.severity, f.found) == ("warning", "5.00%")
    assert "(4.20 − 4.00) / 4.00" in f.message
    _, found = findings(TRIGGER["JX315"], tmp_path, "assets")
    f = one(found, "JX315")
    assert (f.severity, f.found) == ("warning", "95.76%")
    _, found = findings(fixed_assets("386.40", "386.40"), tmp_path, "assets_full")
    assert (one(found, "JX315").severity, one(found, "JX315").found) == ("info", "100.00%")
    _, found = findings(edit((141, "20.85", "22.00")), tmp_path, "procurement_full")
    assert (one(found, "JX314").severity, one(found, "JX314").found) == ("info", "100.00%")
    _, found = findings(edit((141, "20.85", "19.50")), tmp_path, "procurement_low")
    assert (one(found, "JX314").severity, one(found, "JX314").found) == ("warning", "88.64%")  # 19.50 / 22.00


def test_each_overrun_is_reported_once(tmp_path):
    # 三公 4.50 > 4.20: JX301 (error) and no JX313 summary; 公用 40.00 > 37.00: JX302 and no JX312
    _, found = findings(edit((76, "3.74", "4.50"), (121, "35.60", "40.00")), tmp_path, "over")
    codes = [f.code for f in found]
    assert codes.count("JX301") == 1 and "JX313" not in codes
    assert codes.count("JX302") == 1 and "JX312" not in codes


def test_undefined_ratios_are_never_100_percent(tmp_path):
    # 三公 上年决算、预算、决算 all 0 (with the categories): 变动率 and 控制率 are 0/0
    fx = edit((74, "4.55", "0.00"), (75, "4.20", "0.00"), (76, "3.74", "0.00"),
              *[(n, old, "0.00") for n, old in ((79, "3.20"), (80, "3.00"), (81, "2.76"), (89, "3.20"), (90, "3.00"),
                                                (91, "2.76"), (99, "1.35"), (100, "1.20"), (101, "0.98"))])
    _, found = findings(fx, tmp_path, "zero")
    f = one(found, "JX109")
    assert f.severity == "info"
    assert f.found == "三公经费变动率、三公经费控制率"
    assert {e.source.line for e in f.evidence} == {74, 75, 76}
    assert not {"JX309", "JX313", "JX301"} & {x.code for x in found}


def test_swapped_targets_are_named_together(tmp_path):
    _, found = findings(TRIGGER["JX409"], tmp_path, "swap")
    f = one(found, "JX409")
    assert "互换" in f.message and "公益培训班开班期数" in f.message and "群众文化展览次数" in f.message
    assert {e.source.line for e in f.evidence} == {242, 243, 252, 253}


def test_target_of_another_kind_points_at_its_row(tmp_path):
    # 服务对象满意度 with “≥20场”: a count target on a percentage indicator, which the 场次 row asks for
    _, found = findings(edit((353, "≥90%", "≥20场")), tmp_path, "kind")
    f = one(found, "JX409")
    assert "服务对象满意度" in f.message and "公益文艺演出场次" in f.message
    assert f.found == "≥20场"


def test_targets_equal_actuals_counts(tmp_path):
    _, found = findings(TRIGGER["JX410"], tmp_path, "equal")
    f = one(found, "JX410")
    assert f.found == "7/10 恰好等于指标值"
    assert "JX402" not in {x.code for x in found}  # no operator copied: a different problem


def test_overachievement_threshold_and_explanation(tmp_path):
    # 52期 of ≥40期 is exactly 130%: reported; 51期 (127.5%) is not
    _, found = findings(edit((244, "44期", "52期")), tmp_path, "at130")
    assert "130%" in one(found, "JX404").message
    _, found = findings(edit((244, "44期", "51期")), tmp_path, "below130")
    assert "JX404" not in {f.code for f in found}
    # a bare “超额完成” is no explanation
    _, found = findings(edit((244, "44期", "60期"), (247, "无偏差", "超额完成。")), tmp_path, "bare")
    assert "JX404" in {f.code for f in found}


def test_estimate_in_an_actual_cell(tmp_path):
    _, found = findings(TRIGGER["JX408"], tmp_path, "estimate")
    f = one(found, "JX408")
    assert "服务对象满意度" in f.message and [e.source.line for e in f.evidence] == [354]


def test_total_against_item_scores(tmp_path):
    # 10-point execution row 9.68 + indicators 87.17 = 96.85; a total of 97.85 is 1 point too high
    _, found = findings(TRIGGER["JX105"], tmp_path, "total")
    f = one(found, "JX105")
    assert (f.expected, f.found, f.score_impact) == ("96.85分", "97.85分", Decimal("-1.00"))


@pytest.mark.parametrize("code,note_", [("JX906", NO_TEXT), ("JX907", LOW_OCR), ("JX910", OCR_PAGE),
                                         ("JX911", HIDDEN)])
def test_reader_notes_become_parsing_findings(tmp_path, code, note_):
    _, found = findings(Fx(text=CLEAN_FX.text, notes=(note_,)), tmp_path, code)
    f = one(found, code)
    assert f.message == note_["message"] and f.evidence[0].source.page == note_["page"]


# --------------------------------------------------------------------------------------------
# the catalogue: docs/rules.md is generated from the live registry


def test_catalogue_size_and_docs():
    from jixiao.checks.docs import sections
    from jixiao.checks.registry import DOC_SECTIONS

    assert len(REGISTRY) >= 45
    for c in REGISTRY.values():
        parts = sections(c)
        assert list(parts) == list(DOC_SECTIONS), c.code
        assert all(parts.values()), c.code
        assert "〔" in parts["依据"] or "[" in parts["依据"], c.code  # a document number or a tag such as [INF]


def test_docs_rules_md_is_up_to_date():
    from jixiao.checks.docs import markdown

    path = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    assert path.exists(), "docs/rules.md 不存在：运行 python -m jixiao.checks.docs"
    assert path.read_text("utf-8") == markdown(), "docs/rules.md 已过期：运行 python -m jixiao.checks.docs"


def test_rules_markdown_lists_every_check(tmp_path):
    from typer.testing import CliRunner

    from jixiao.checks.docs import main
    from jixiao.cli import app

    res = CliRunner().invoke(app, ["rules", "--markdown"])
    assert res.exit_code == 0
    for c in REGISTRY.values():
        assert f"### {c.code}" in res.stdout and f"`{c.name}`" in res.stdout and c.title in res.stdout
    assert "#### 检查什么" in res.stdout and "部门整体支出" in res.stdout
    out = tmp_path / "rules.md"
    assert CliRunner().invoke(app, ["rules", "--markdown", "-o", str(out)]).exit_code == 0
    assert out.read_text("utf-8") == res.stdout
    assert main([str(out), "--check"]) == 0
    out.write_text("stale", encoding="utf-8")
    assert main([str(out), "--check"]) == 1
    res = CliRunner().invoke(app, ["rules", "JX409"])
    assert res.exit_code == 0 and "指标值与指标名称不符" in res.stdout and "依据" in res.stdout


def test_target_words_of_another_row(tmp_path):
    # the 团队 row's target speaks of 公共文化服务水平: the row above's name
    _, found = findings(edit((343, "有效提升", "基层公共文化服务水平有效提升")), tmp_path, "words")
    f = one(found, "JX409")
    assert "群众文艺团队自我发展能力" in f.message and "“基层公共文化服务水平”一行" in f.message
    # the two qualitative targets exchanged
    _, found = findings(edit((333, "有效提升", "群众文艺团队发展能力有效提升"),
                             (343, "有效提升", "基层文化服务水平有效提升")), tmp_path, "words_swap")
    assert "互换" in one(found, "JX409").message
    # a target sharing words with its own name is in its row
    _, found = findings(edit((343, "有效提升", "团队自我发展能力有效提升")), tmp_path, "words_own")
    assert "JX409" not in {f.code for f in found}


def test_deduction_reason_must_say_why(tmp_path):
    # 4.17 of 5 with “无偏差。” or a bare “已完成” is unexplained; the example's own sentence is a reason
    for text in ("无偏差。", "已完成"):
        _, found = findings(edit((237, REASON_237, text)), tmp_path, "reason")
        assert "JX405" in {f.code for f in found}, text
