"""Renderers: records.jsonl, review.xlsx, review.html, summary rows and the terminal table."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rich.console import Console

from jixiao.model import (
    Deduction,
    Finding,
    Funds,
    QualityItem,
    QualityScore,
    Record,
    Report,
    Scorecard,
    ScoredItem,
    SelfAssessment,
    Source,
    Value,
)
from jixiao.report import (
    rich_table,
    summary_rows,
    write_all,
    write_html,
    write_jsonl,
    write_xlsx,
)
from jixiao.review import ReviewedFile

D = Decimal


def _v(value, raw=None, line=None, **src) -> Value:
    return Value(value=value, raw=raw if raw is not None else str(value),
                 source=Source(file="x.txt", line=line, **src) if line else None)


@pytest.fixture
def results() -> list[ReviewedFile]:
    lines = [
        "君山区示例局2024年度部门整体支出绩效自评报告",                      # 1
        "一、部门基本情况",                                                  # 2
        "三级指标\t年度指标值\t实际完成值\t分值\t得分",                       # 3
        "境内经贸活动次数\t≥60次\t62次\t2.5\t2.5",                           # 4
        "境内经贸活动完成时间\t2024年11月底前\t12月\t2.5\t2.5",              # 5
        "注：<script>alert(1)</script> & 其他",                              # 6
        "自评得分\t96.5",                                                    # 7
    ]
    report = Report(
        layout="selfeval_table",
        unit_name=_v("君山区示例局", line=1),
        year=_v(2024, "2024", line=1),
        self_assessment=SelfAssessment(total=_v(D("96.5"), "96.5", line=7), grade=_v("优")),
    )
    card = Scorecard(
        ruleset="national_2020",
        items=[
            ScoredItem(indicator="境内经贸活动完成时间", rule="N-07", tag="OFF-2", source="财预〔2020〕10号",
                       weight=D("2.5"),
                       self_score=D("2.5"), score=D("2.29"), formula="2.5 × (1 − 1/12)",
                       inputs={"actual": _v("12月", line=5, block=1, row=3, col=5)},
                       reason="完成时间晚于目标一个月"),
            ScoredItem(indicator="境内经贸活动次数", rule="N-05", tag="OFF-2", weight=D("2.5"),
                       self_score=D("2.5"), score=D("2.5"), formula="62 ≥ 60 → 满分"),
            ScoredItem(indicator="社会效益", rule="N-09", tag="INF", weight=D(5), self_score=D(5),
                       score=None, status="无法计算", reason="缺少实际完成值"),
        ],
        total=D("89.71"), grade="良", self_total=D("96.5"), self_grade="优",
        unverified_points=D(5),
    )
    findings = [
        Finding(code="JX901", severity="info", title="叙述提示", message="仅供参考"),
        Finding(code="JX204", severity="error", title="完成时间晚于目标",
                message="境内经贸活动完成时间实际为12月，晚于目标2024年11月底前，不应得满分。",
                evidence=[_v("12月", line=5, block=1, row=3, col=5),
                          _v("<script>", line=6)],
                expected="2.29", found="2.5", score_impact=D("-0.21")),
        Finding(code="JX301", severity="warning", title="自评等次偏高", message="复核为良",
                expected="良", found="优"),
    ]
    quality = QualityScore(
        basis="岳阳2024统一参考格式",
        items=[
            QualityItem(id="Q-01", name="自评通知", weight=D(8), judged=False, note="需核对自评通知"),
            QualityItem(id="Q-05", name="完整性", weight=D(15), score=D(13),
                        deductions=[Deduction(points=D(2), reason="缺少“七、存在的问题及原因分析”",
                                              evidence=[_v("一、部门基本情况", line=2)])]),
            QualityItem(id="Q-07", name="反映问题情况", weight=D(20), score=D(16), tag="INF",
                        deductions=[Deduction(points=D(4), reason="只涉及5个方面中的3个")]),
        ],
        score=D(29), judged_weight=D(35),
    )
    ok = ReviewedFile(Record(source="data/君山区示例局.txt", id="data/君山区示例局.txt#0", ruleset="national_2020",
                             ruleset_origin="检测", quality=quality, report=report, scorecards=[card],
                             findings=findings), lines)
    narrative = ReviewedFile(
        Record(source="data/叙述式.txt",
               report=Report(layout="narrative", unit_name=_v("某某中心"), year=_v(2023),
                             self_assessment=SelfAssessment(total=_v(D(92)))),
               scorecards=[], findings=[]),
        ["某某中心2023年度自评报告"],
    )
    failed = ReviewedFile(Record(source="bad.txt", error="bad.txt: 文件为空"))
    return [ok, narrative, failed]


def test_jsonl(results, tmp_path):
    path = tmp_path / "records.jsonl"
    write_jsonl(results, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    recs = [json.loads(line) for line in lines]
    for rec in recs:  # the output contract's keys, and every Record field
        assert {"source", "format", "report", "scorecards", "findings", "error"} <= set(rec)
        assert set(rec) == set(Record.model_fields)
    assert recs[0]["error"] is None and recs[0]["report"]["unit_name"]["value"] == "君山区示例局"
    assert "君山区示例局" in lines[0]  # ensure_ascii=False
    assert recs[0]["scorecards"][0]["items"][0]["score"] == 2.29
    assert recs[2]["error"] == "bad.txt: 文件为空"
    assert recs[2]["report"] is None and recs[2]["scorecards"] is None and recs[2]["findings"] is None


def test_summary_rows(results):
    ok, narrative, failed = summary_rows(results)
    assert ok["文件"] == "君山区示例局.txt" and ok["单位"] == "君山区示例局" and ok["年度"] == 2024
    # the rule set named by its document, not by its internal name (kept in records.jsonl)
    assert ok["规则集"] == "财预〔2020〕10号（检测）" and narrative["规则集"] is None
    assert ok["自评得分"] == D("96.5") and ok["复核得分"] == D("89.71")
    assert ok["得分差"] == D("6.79") and ok["等次"] == "优 → 良"
    # 错误/警告/提示 count the audit findings; the parser notice JX901 is counted under 解析
    assert (ok["错误"], ok["警告"], ok["提示"], ok["解析"]) == (1, 1, 0, 1) and ok["状态"] == "已复核"
    assert narrative["自评得分"] == D(92) and narrative["复核得分"] is None and narrative["得分差"] is None
    assert failed["单位"] is None and failed["状态"] == "bad.txt: 文件为空" and failed["错误"] == 0


def test_rich_table(results):
    console = Console(width=200, record=True)
    console.print(rich_table(results))
    text = console.export_text()
    assert "君山区示例局" in text and "优 → 良" in text and "—" in text and "文件为空" in text
    header = next(line for line in text.splitlines() if "文件" in line and "错误" in line)
    assert header.index("错误") < header.index("警告") < header.index("提示") < header.index("解析")


def test_xlsx(results, tmp_path):
    path = tmp_path / "review.xlsx"
    write_xlsx(results, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["总览", "汇总", "指标", "问题清单", "解析提示", "报告质量"]
    header = lambda ws: [c.value for c in ws[1]]
    assert header(wb["汇总"])[:5] == ["文件", "单位", "年度", "版式", "规则集"]
    assert header(wb["指标"]) == ["文件", "单位", "规则集", "指标/项目", "依据", "来源可信度", "分值",
                                  "自评得分", "复核得分", "得分差（自评−复核）", "状态", "计算方法", "说明"]
    assert header(wb["问题清单"]) == ["文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为",
                                      "影响分值", "证据"]
    assert header(wb["报告质量"]) == ["文件", "单位", "评分依据", "编号", "名称", "分值", "得分", "来源可信度",
                                      "扣分", "说明"]
    for name in ("汇总", "指标", "问题清单", "解析提示", "报告质量"):
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref
        assert ws["A1"].font.b

    summary = wb["汇总"]
    assert summary["E2"].value == "财预〔2020〕10号（检测）"
    counts = dict(zip(header(summary), next(summary.iter_rows(min_row=2, values_only=True))))
    assert (counts["错误"], counts["警告"], counts["提示"], counts["解析"]) == (1, 1, 0, 1)
    assert summary["F2"].value == 96.5 and isinstance(summary["G2"].value, float)

    items = wb["指标"]
    assert items.max_row == 4  # header + 3 items
    assert "规则编号" not in header(items)  # no internal rule ids (N-07) for a person to read
    assert items["D2"].value == "境内经贸活动完成时间" and items["G2"].value == 2.5
    assert items["I2"].value == 2.29 and items["J2"].value == pytest.approx(0.21)
    assert (items["E2"].value, items["F2"].value) == ("财预〔2020〕10号", "官方规则转载")
    assert items["F4"].value == "推断"
    assert items["F4"].fill.fgColor.rgb.endswith("FFE8CC")  # an inferred rule is highlighted
    assert items["F2"].fill.fill_type is None

    problems = wb["问题清单"]
    rows = {r[2]: r for r in problems.iter_rows(min_row=2, values_only=True)}
    jx204 = rows["JX204"]
    assert problems["C2"].value == "JX204"  # errors first
    assert jx204[3] == "错误" and isinstance(jx204[8], float) and jx204[8] == -0.21
    assert "12月（表格第4行第6列）" in jx204[9]  # no internal block index (第2块)
    assert rows["JX301"][3] == "警告" and "JX901" not in rows  # parser notices are not audit findings

    notices = wb["解析提示"]
    assert header(notices) == ["文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为", "证据"]
    assert [r[2] for r in notices.iter_rows(min_row=2, values_only=True)] == ["JX901"]

    quality = {r[3]: r for r in wb["报告质量"].iter_rows(min_row=2, values_only=True)}
    assert list(quality) == ["Q-01", "Q-05", "Q-07", "合计"]  # only the record that has a quality score
    assert quality["Q-01"][5:7] == (8, "未评") and quality["Q-01"][9] == "需核对自评通知"
    assert quality["Q-05"][5:8] == (15, 13, "地方样表")
    assert quality["Q-05"][8] == "−2 缺少“七、存在的问题及原因分析”（第2行）"
    assert quality["Q-07"][7] == "推断" and quality["Q-07"][8] == "−4 只涉及5个方面中的3个"
    assert quality["合计"][5:7] == (43, 29) and "8 分未评" in quality["合计"][9]

    overview = wb["总览"]
    assert overview["A1"].value == "部门整体支出绩效自评复核总览"
    assert len(overview._images) == 1


def _img_srcs(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", html)


def test_html(results, tmp_path):
    path = tmp_path / "review.html"
    write_html(results, path)
    html = path.read_text(encoding="utf-8")
    assert "君山区示例局" in html and "JX204" in html
    assert "<mark>12月</mark>" in html
    assert "bad.txt: 文件为空" in html
    assert "http://" not in html and "https://" not in html
    # self-contained: the one image is the inline chart, nothing else is loaded
    assert not re.search(r"<(link|iframe|script)\b", html)
    assert len(re.findall(r"\bsrc=", html)) == 1
    assert [s[:22] for s in _img_srcs(html)] == ["data:image/png;base64,"]
    # source line 6 carries "<script>": escaped, and highlighted only after escaping
    assert "<script>" not in html
    assert "注：&lt;script&gt;alert(1)&lt;/script&gt; &amp; 其他" in html
    assert "<mark>&lt;script&gt;</mark>" in html
    assert " │ " in html  # tabs made visible
    # errors listed before warnings; the parser notice apart, after the findings, under 解析提示
    assert html.index("JX204") < html.index("JX301") < html.index("解析提示（1 项）") < html.index("JX901")
    findings = html[html.index("问题清单（2 项）"):html.index("解析提示（1 项）")]
    assert "JX204" in findings and "JX901" not in findings
    assert '<div class="finding notice info" data-code="JX901">' in html
    assert "解析提示<b>1</b>" in html and "提示<b>0</b>" in html
    assert "national_2020" not in html and "评分（依据 财预〔2020〕10号）" in html
    # the overview comes first, then the summary and the files
    assert html.index("复核总览") < html.index("<h2>汇总</h2>") < html.index('id="f1"')
    # rule provenance: rule, its source, and an inferred rule visibly marked
    assert '<td>财预〔2020〕10号 <span class="tag inf">推断</span></td>' in html
    assert not re.search(r"\bN-\d\d\b|第\d+块|\(INF\)|（INF）|OFF-[R2M]|national_2020|selfeval_table", html)
    assert '<td>财预〔2020〕10号 <span class="tag">官方规则转载</span></td>' in html
    # report-quality score of the department record
    assert "报告质量（岳阳2024统一参考格式）：29 分 / 已评 35 分" in html
    assert "−2 缺少“七、存在的问题及原因分析”（第2行）" in html and "未评" in html


@pytest.fixture
def linked(results) -> list[ReviewedFile]:
    """The department report of ``results`` with an attached 项目支出绩效自评表 (part 1), flattened
    as ``jixiao review`` passes them: the main document (holding its ``parts``), then the part."""
    ok = results[0]
    project = Record(
        source=ok.record.source, id=f"{ok.record.source}#1", part=1, parent=ok.record.id,
        report=Report(kind="project", layout="project_table", project_name=_v("招商引资专项"),
                      unit_name=_v("君山区示例局"), year=_v(2024),
                      funds=Funds(full_year_budget=_v(D(50)), executed=_v(D(20)))),
        scorecards=[Scorecard(ruleset="national_2020", total=D(70), grade="中", self_total=D(95), self_grade="优")],
        findings=[Finding(code="JX301", severity="error", title="三公经费决算超预算", message="项目")],
    )
    part = ReviewedFile(project, ok.lines)
    main = ReviewedFile(ok.record, ok.lines, parts=[part])
    return [main, part, results[1], results[2]]


def test_project_rows_name_their_unit(linked, tmp_path):
    rows = summary_rows(linked)
    assert [r["单位"] for r in rows] == ["君山区示例局", "招商引资专项（君山区示例局）", "某某中心", None]
    unflattened = [linked[0], linked[2], linked[3]]  # as review_file returns it: the part inside parts
    assert summary_rows(unflattened) == rows
    write_jsonl(linked, tmp_path / "records.jsonl")
    recs = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["part"], r["parent"]) for r in recs] == [(0, None), (1, "data/君山区示例局.txt#0"), (0, None), (0, None)]
    write_xlsx(linked, tmp_path / "review.xlsx")
    wb = load_workbook(tmp_path / "review.xlsx")
    units = [r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)]
    assert units[1] == "招商引资专项（君山区示例局）"
    assert [r[1] for r in wb["问题清单"].iter_rows(min_row=2, values_only=True)][-1] == "招商引资专项（君山区示例局）"


def test_html_shows_project_under_its_parent(linked, tmp_path):
    write_html(linked, tmp_path / "review.html")
    html = (tmp_path / "review.html").read_text(encoding="utf-8")
    parent = html.index('<section class="file" id="f1">')
    child = html.index('<section class="project" id="f1-1">')  # the file's first project table
    next_file = html.index('<section class="file" id="f2">')
    assert parent < child < next_file
    assert "</section>" not in html[parent:child]  # nested inside the department's section
    assert "项目支出绩效自评表：招商引资专项（君山区示例局）" in html
    assert "文件<b>3</b>" in html and "记录（含项目表）<b>4</b>" in html
    assert '<tr class="project">' in html


def test_write_all(results, tmp_path):
    out = tmp_path / "out" / "nested"
    paths = write_all(results, out)
    assert {p.name for p in paths.values()} == {"records.jsonl", "review.xlsx", "review.html"}
    assert all(p.is_file() and p.parent == out for p in paths.values())
