"""Renderers: records.jsonl, review.xlsx, review.html, summary rows and the terminal table."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rich.console import Console

from jixiao.model import Finding, Record, Report, Scorecard, ScoredItem, SelfAssessment, Source, Value
from jixiao.report import rich_table, summary_rows, write_all, write_html, write_jsonl, write_xlsx
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
            ScoredItem(indicator="境内经贸活动完成时间", rule="N-07", tag="OFF-2", weight=D("2.5"),
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
    ok = ReviewedFile(Record(source="data/君山区示例局.txt", report=report, scorecards=[card],
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
    for rec in recs:
        assert set(rec) == {"source", "format", "report", "scorecards", "findings", "error"}
    assert recs[0]["error"] is None and recs[0]["report"]["unit_name"]["value"] == "君山区示例局"
    assert "君山区示例局" in lines[0]  # ensure_ascii=False
    assert recs[0]["scorecards"][0]["items"][0]["score"] == 2.29
    assert recs[2]["error"] == "bad.txt: 文件为空"
    assert recs[2]["report"] is None and recs[2]["scorecards"] is None and recs[2]["findings"] is None


def test_summary_rows(results):
    ok, narrative, failed = summary_rows(results)
    assert ok["文件"] == "君山区示例局.txt" and ok["单位"] == "君山区示例局" and ok["年度"] == 2024
    assert ok["自评得分"] == D("96.5") and ok["复核得分"] == D("89.71")
    assert ok["得分差"] == D("6.79") and ok["等次"] == "优 → 良"
    assert (ok["错误"], ok["警告"], ok["提示"]) == (1, 1, 1) and ok["状态"] == "已复核"
    assert narrative["自评得分"] == D(92) and narrative["复核得分"] is None and narrative["得分差"] is None
    assert failed["单位"] is None and failed["状态"] == "bad.txt: 文件为空" and failed["错误"] == 0


def test_rich_table(results):
    console = Console(width=200, record=True)
    console.print(rich_table(results))
    text = console.export_text()
    assert "君山区示例局" in text and "优 → 良" in text and "—" in text and "文件为空" in text


def test_xlsx(results, tmp_path):
    path = tmp_path / "review.xlsx"
    write_xlsx(results, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "指标", "问题清单"]
    header = lambda ws: [c.value for c in ws[1]]  # noqa: E731
    assert header(wb["汇总"])[:3] == ["文件", "单位", "年度"]
    assert header(wb["指标"]) == ["文件", "单位", "规则集", "指标/规则", "规则编号", "依据标签", "分值",
                                  "自评得分", "复核得分", "差值", "状态", "计算方法", "说明"]
    assert header(wb["问题清单"]) == ["文件", "单位", "代码", "级别", "标题", "说明", "应为", "实为",
                                      "影响分值", "证据"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref
        assert ws["A1"].font.b

    summary = wb["汇总"]
    assert summary["E2"].value == 96.5 and isinstance(summary["F2"].value, float)

    items = wb["指标"]
    assert items.max_row == 4  # header + 3 items
    assert items["D2"].value == "境内经贸活动完成时间" and items["G2"].value == 2.5
    assert items["I2"].value == 2.29 and items["J2"].value == pytest.approx(0.21)

    problems = wb["问题清单"]
    rows = {r[2]: r for r in problems.iter_rows(min_row=2, values_only=True)}
    jx204 = rows["JX204"]
    assert problems["C2"].value == "JX204"  # errors first
    assert jx204[3] == "错误" and isinstance(jx204[8], float) and jx204[8] == -0.21
    assert "12月（第2块 表第4行第6列 原文第5行）" in jx204[9]
    assert rows["JX301"][3] == "警告" and rows["JX901"][3] == "提示"


def test_html(results, tmp_path):
    path = tmp_path / "review.html"
    write_html(results, path)
    html = path.read_text(encoding="utf-8")
    assert "君山区示例局" in html and "JX204" in html
    assert "<mark>12月</mark>" in html
    assert "bad.txt: 文件为空" in html
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=", html)
    # source line 6 carries "<script>": escaped, and highlighted only after escaping
    assert "<script>" not in html
    assert "注：&lt;script&gt;alert(1)&lt;/script&gt; &amp; 其他" in html
    assert "<mark>&lt;script&gt;</mark>" in html
    assert " │ " in html  # tabs made visible
    # errors listed before warnings and infos
    assert html.index("JX204") < html.index("JX301") < html.index("JX901")


def test_write_all(results, tmp_path):
    out = tmp_path / "out" / "nested"
    paths = write_all(results, out)
    assert {p.name for p in paths.values()} == {"records.jsonl", "review.xlsx", "review.html"}
    assert all(p.is_file() and p.parent == out for p in paths.values())
