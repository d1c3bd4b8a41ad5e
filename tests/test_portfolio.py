"""总览 (portfolio) on real reviews: the two examples and the five seeds, reviewed by path.

Expected values were read off the records first: 预算执行率 = 全年执行数 ÷ 全年预算数 (the planted
example states 95.00% but its table gives 272 ÷ 320 = 85.00%); seeds 000 (岳阳表式) and 001 (叙述式)
carry no 年度资金总额 row, so their rate is 未知; seed 001 has no score table (无评分).
"""

from __future__ import annotations

import base64
import functools
import io
import re
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from jixiao.model import Finding, Funds, Record, Report, Scorecard, Value
from jixiao.report import chart as chart_module
from jixiao.report import write_html, write_xlsx
from jixiao.report.chart import NO_FONT_NOTE, SIZE_PX, render_chart
from jixiao.report.overview import grade_table, rate_table
from jixiao.report.portfolio import build_portfolio, execution_rate, rate_bucket
from jixiao.review import ReviewedFile, review_file

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CLEAN, PLANTED = "clean_2024_示例区文化馆.txt", "planted_2024_示例区商务服务中心.txt"
SEEDS = ("000", "001", "002", "003", "004")


@functools.cache
def _review_example(name: str) -> ReviewedFile:
    rf = review_file(EXAMPLES / name)
    assert rf.record.error is None, rf.record.error
    return rf


@pytest.fixture
def batch(reviewed) -> list[ReviewedFile]:
    """The examples, then the seeds (as ``jixiao review examples ../shared/seeds`` orders them)."""
    return [_review_example(CLEAN), _review_example(PLANTED)] + [reviewed(s)[1] for s in SEEDS]


def _key(file: str) -> str:
    return {CLEAN: "clean", PLANTED: "planted"}.get(file, file[:3])


@pytest.fixture
def portfolio(batch):
    return build_portfolio(batch)


def test_inputs_as_read(batch):
    """The figures the buckets below rest on."""
    funds = {_key(Path(rf.record.source).name): rf.record.report.funds for rf in batch}
    assert (funds["planted"].executed.value, funds["planted"].full_year_budget.value) == (D(272), D(320))
    assert funds["planted"].execution_rate.value == D("0.95")  # stated, contradicted by 272 ÷ 320
    assert (funds["003"].executed.value, funds["003"].full_year_budget.value) == (D("3370.55"), D("5071.49"))
    assert (funds["clean"].executed.value, funds["clean"].full_year_budget.value) == (D("254.1"), D("262.5"))
    for seed in ("000", "001"):
        assert funds[seed].executed.value is None and funds[seed].execution_rate.value is None


def test_execution_rate_buckets(portfolio):
    rows = {_key(r.file): r for r in portfolio.rows}
    assert {k: r.bucket for k, r in rows.items()} == {
        "clean": "90%–100%", "planted": "80%–90%", "000": "未知", "001": "未知",
        "002": "100%", "003": "60%–80%", "004": "100%",
    }
    assert rows["planted"].rate == D("0.8500") and rows["planted"].stated_rate == D("0.95")
    assert rows["003"].rate == D("0.6646") and rows["clean"].rate == D("0.9680")
    assert rows["planted"].rate_basis == "全年执行数÷全年预算数"
    counts = {label: len(members) for label, _, members in portfolio.rate_buckets}
    assert counts == {"<60%": 0, "60%–80%": 1, "80%–90%": 1, "90%–100%": 1, "100%": 2, "未知": 2}
    table = rate_table(portfolio)
    assert table.rows[-1][:3] == ["合计", None, 7]
    assert table.rows[2] == ["80%–90%", "[80%, 90%)", 1, "示例区商务服务中心"]


@pytest.mark.parametrize(("rate", "bucket"), [
    (None, "未知"), (D("0"), "<60%"), (D("0.5999"), "<60%"), (D("0.6"), "60%–80%"), (D("0.7999"), "60%–80%"),
    (D("0.8"), "80%–90%"), (D("0.9"), "90%–100%"), (D("0.9999"), "90%–100%"), (D("1"), "100%"), (D("1.25"), "100%"),
])
def test_bucket_edges(rate, bucket):
    assert rate_bucket(rate) == bucket


def _funds(**kw) -> Report:
    return Report(funds=Funds(**{k: Value(value=v) for k, v in kw.items()}))


def test_execution_rate_basis_and_rounding():
    # rounded half-up to 0.01% before bucketing: 89.995 ÷ 100 shows as 90.00% and is counted there
    assert execution_rate(_funds(full_year_budget=D(100), executed=D("89.995")))[0] == D("0.9000")
    assert execution_rate(_funds(full_year_budget=D(100), executed=D("89.994")))[0] == D("0.8999")
    # a 0 budget is no ratio (never 100%): the stated rate is used, else unknown
    assert execution_rate(_funds(full_year_budget=D(0), executed=D(0), execution_rate=D("0.7"))) == (
        D("0.7000"), "自评表填报", D("0.7"))
    assert execution_rate(_funds(full_year_budget=D(0), executed=D(0))) == (None, None, None)
    # numbers read back from records.jsonl are floats
    assert execution_rate(_funds(full_year_budget=320.0, executed=272))[0] == D("0.8500")


def test_order_by_score_drop(portfolio):
    order = [(_key(r.file), r.drop) for r in portfolio.by_drop]
    assert order == [("planted", D("4.58")), ("003", D("3.20")), ("000", D("3.00")), ("002", D("2.36")),
                     ("004", D("0.00")), ("clean", D("0.00"))]  # a tie: more 错误 first (004 has 2, clean 0)
    assert [(_key(r.file), r.errors) for r in portfolio.by_errors][:3] == [("planted", 8), ("002", 5), ("004", 2)]
    assert len(portfolio.by_errors) == 7  # seed 001 has no score but its findings count


def test_unscored_line(portfolio):
    assert [(_key(r.file), r.status) for r in portfolio.unscored] == [("001", "无评分表，仅做一致性检查")]
    assert "无法复核/无评分：1 份（益阳市资阳区商务局：无评分表，仅做一致性检查）" == grade_table(portfolio).note


def test_grade_crosstab(portfolio):
    assert portfolio.grades == {("优", "优"): 6}
    rows = grade_table(portfolio).rows
    assert rows[0] == ["优", 6, 0, 0, 0, 6]
    assert rows[1:4] == [[g, 0, 0, 0, 0, 0] for g in ("良", "中", "差")]
    assert rows[-1] == ["合计", 6, 0, 0, 0, 6]


def test_top_findings(batch, portfolio):
    stats = {s.code: (s.count, s.units) for s in portfolio.top_findings}
    # real counts over the seven reports (checks added elsewhere may join the list, these stay)
    assert stats["JX213"] == (4, 4)  # 自评总分高于复核总分: planted, 000, 002, 003
    assert stats["JX107"] == (5, 3) and stats["JX102"] == (4, 3)  # 002 has JX107 three times, 004 JX102 twice
    assert portfolio.top_findings[0].units >= 4 and len(portfolio.top_findings) == 10
    # the order: most units, then most findings, then errors before warnings before infos, then code
    per_code: dict[str, list[int]] = {}
    for i, rf in enumerate(batch):
        for f in rf.record.findings:
            if not f.code.startswith("JX9"):  # parser notices are not audit findings
                per_code.setdefault(f.code, []).append(i)
    rank = {"error": 0, "warning": 1, "info": 2}
    severity = {f.code: f.severity for rf in batch for f in rf.record.findings}
    expected = sorted(per_code, key=lambda c: (-len(set(per_code[c])), -len(per_code[c]), rank[severity[c]], c))
    assert [s.code for s in portfolio.top_findings] == expected[:10]
    assert not any(s.code.startswith("JX9") for s in portfolio.top_findings)
    assert [s.units for s in portfolio.top_findings] == sorted((s.units for s in portfolio.top_findings), reverse=True)


def test_project_and_failed_records(batch):
    planted = batch[1]
    project = Record(
        source=planted.record.source, id=f"{planted.record.source}#1", part=1, parent=planted.record.id,
        report=Report(kind="project", project_name=Value(value="招商引资专项"),
                      funds=Funds(full_year_budget=Value(value=D(50)), executed=Value(value=D(20)))),
        scorecards=[Scorecard(ruleset="national_2020", total=D(70), grade="中", self_total=D(95), self_grade="优")],
        findings=[Finding(code="JX213", severity="info", title="自评总分高于复核总分", message="")],
    )
    failed = ReviewedFile(Record(source="坏文件.txt", error="坏文件.txt: 文件为空"))
    p = build_portfolio(batch[:2] + [ReviewedFile(project, planted.lines), failed])
    row = p.rows[2]
    assert (row.label, row.kind, row.parent_unit) == ("招商引资专项（示例区商务服务中心）", "项目", "示例区商务服务中心")
    assert (row.bucket, row.drop) == ("<60%", D(25))
    assert [r.label for r in p.by_drop] == ["招商引资专项（示例区商务服务中心）", "示例区商务服务中心", "示例区文化馆"]
    assert p.grades == {("优", "优"): 2, ("优", "中"): 1}
    assert [(r.file, r.status) for r in p.unscored] == [("坏文件.txt", "处理失败：坏文件.txt: 文件为空")]
    assert p.bucket_rows("未知")[0].file == "坏文件.txt" and len(p.by_errors) == 3


def test_chart_png(portfolio):
    if chart_module.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei; .ci/run installs it): "
                    "the chart's Chinese labels cannot be drawn, test_chart_without_cjk_font covers that case")
    chart = render_chart(portfolio)
    img = Image.open(io.BytesIO(chart.png))
    assert img.format == "PNG" and img.size == SIZE_PX == (1200, 540)
    assert "Software" not in img.info
    assert render_chart(portfolio).png == chart.png  # deterministic
    assert chart.font is not None and chart.note is None
    assert "80%–90% 1 份" in chart.alt and "示例区商务服务中心 自评 99.5 复核 94.92" in chart.alt


def test_chart_without_cjk_font(portfolio, monkeypatch):
    monkeypatch.setattr(chart_module, "cjk_font", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart = render_chart(portfolio)
    assert chart.note == NO_FONT_NOTE and chart.font is None
    assert Image.open(io.BytesIO(chart.png)).size == SIZE_PX


def test_xlsx_overview(batch, tmp_path):
    path = tmp_path / "review.xlsx"
    write_xlsx(batch, path)
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "总览"
    ws = wb["总览"]
    (img,) = ws._images
    assert img.anchor._from.row == 3 and img.anchor._from.col == 0  # A4
    assert Image.open(io.BytesIO(img._data())).size == SIZE_PX  # full resolution embedded
    with zipfile.ZipFile(path) as z:  # the picture's shown size (EMU → px)
        cx, cy = map(int, re.search(r'<a:ext cx="(\d+)" cy="(\d+)"', z.read("xl/drawings/drawing1.xml").decode()).groups())
    shown_px = (round(cx / 9525), round(cy / 9525))
    assert shown_px == (900, 405)
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    title = cells["各单位得分差（自评得分 − 复核得分，从大到小）"]
    assert title.row > 4 + shown_px[1] / 20  # the tables start below the picture (20 px rows)
    first = [c.value for c in ws[title.row + 2]][:11]
    assert first == [1, "示例区商务服务中心", "部门整体", PLANTED, 99.5, 94.92, 4.58, "优", "优", 0.85, "80%–90%"]
    assert ws.cell(row=title.row + 2, column=10).number_format == "0.00%"
    assert "无法复核/无评分：1 份（益阳市资阳区商务局：无评分表，仅做一致性检查）" in cells
    assert "预算执行率分布" in cells and "评价等次：自评 → 复核（份）" in cells
    # provenance of every scored item: 规则编号 / 依据 / 来源可信度, inferred rules marked
    items = wb["指标"]
    header = [c.value for c in items[1]]
    tags = {r[header.index("来源可信度")] for r in items.iter_rows(min_row=2, values_only=True)}
    assert {"推断", "地方样表"} <= tags


def test_html_overview(batch, tmp_path):
    path = tmp_path / "review.html"
    write_html(batch, path)
    html = path.read_text(encoding="utf-8")
    (src,) = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert Image.open(io.BytesIO(base64.b64decode(src))).size == SIZE_PX
    assert re.search(r'<img [^>]*alt="预算执行率分布：&lt;60% 0 份，60%–80% 1 份', html)
    assert not re.search(r"<(link|iframe|script)\b", html) and len(re.findall(r"\bsrc=", html)) == 1
    overview = html[html.index('id="overview"'):html.index("<h2>汇总</h2>")]
    assert overview.index("示例区商务服务中心") < overview.index("岳麓区商务局")  # ordered by 得分差
    assert "无法复核/无评分：1 份" in overview
    assert '<span class="tag inf">推断</span>' in html
