"""项目支出绩效自评表: several documents in one file (``extract_all``).

Examples (written by us, see examples/README.md; line numbers checked with ``cat -n``):
- A ``project_2023_示例区图书馆免费开放.txt``: one national-2020 project table, clean;
- B ``planted_2024_示例区体育事业发展中心_附项目表.txt``: a department report (lines 1–294) with two
  project tables as 附件3 (295–586), the second with two planted problems (Q1 执行率, Q2 指标);
- C ``project_2019_示例区农村人居环境整治.txt``: a 2019-style table, title in its first row, 元.
Also the real workbook ``../shared/samples/central-2019-project-selfeval.xls`` (its 项目支出绩效自评表
sheet is an empty template) and the seeds (no project tables: exactly one report each).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel
from seedtext import SEEDS, starts_on_line

from jixiao.extract import extract, extract_all, extract_parts
from jixiao.extract.project import find_projects, split_projects
from jixiao.model import Report, Value
from jixiao.readers import parse_text, read

D = Decimal
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
A = EXAMPLES / "project_2023_示例区图书馆免费开放.txt"
B = EXAMPLES / "planted_2024_示例区体育事业发展中心_附项目表.txt"
C = EXAMPLES / "project_2019_示例区农村人居环境整治.txt"
SAMPLE = ROOT.parent / "shared" / "samples" / "central-2019-project-selfeval.xls"

DEPT_INDICATORS = ["全民健身赛事活动举办场次", "公共体育场地设施维护处数", "体育场地设施安全检查覆盖率",
                   "年度重点赛事完成时间", "项目支出成本控制额", "经常参加体育锻炼人数比例",
                   "全民健身公共服务水平", "群众满意度"]
P1_INDICATORS = ["举办全民健身赛事场次", "参赛人员意外伤害保险覆盖率", "赛事计划完成时间", "单场赛事平均成本",
                 "参赛群众人次", "参赛群众满意度"]
P2_INDICATORS = ["维修更新健身路径器材套数", "维修器材验收合格率", "维修任务完成时间", "单套器材平均维修成本",
                 "公共体育设施完好率", "设施使用寿命", "周边群众满意度"]


# --------------------------------------------------------------------------------------------
# helpers


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def at(v: Value, value, raw: str, line: int) -> None:
    """``v`` holds ``value`` (Decimal compared by value), written ``raw`` on ``line`` of the file."""
    assert v.value == value, (v.value, value)
    assert v.raw == raw, (v.raw, raw)
    assert v.source is not None and v.source.line == line, (v.source, line)


def indicator(report: Report, name: str):
    rows = [i for i in report.indicators if i.name.value == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows"
    return rows[0]


def values(obj, path: str = ""):
    """Every Value in a Report (pydantic objects walked), with its dotted path."""
    if isinstance(obj, Value):
        yield path, obj
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from values(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, list):
        for i, x in enumerate(obj):
            yield from values(x, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for k, x in obj.items():
            yield from values(x, f"{path}.{k}")


def assert_raw_on_lines(report: Report, src: list[str]) -> None:
    """Every Value with a source line quotes text that starts on that line of the file."""
    for path, v in values(report):
        if v.source is None or v.source.line is None or v.raw is None:
            continue
        assert starts_on_line(v.raw, src, v.source.line), (path, v.raw, v.source.line, src[v.source.line - 1])


def value_lines(report: Report) -> set[int]:
    return {v.source.line for _, v in values(report) if v.source is not None and v.source.line is not None}


# --------------------------------------------------------------------------------------------
# A: the national 2020 form alone


@pytest.fixture(scope="module")
def a_report() -> Report:
    reports = extract_all(read(A))
    assert len(reports) == 1
    return reports[0]


def test_a_header(a_report: Report):
    r = a_report
    assert (r.kind, r.layout) == ("project", "selfeval_table")
    at(r.project_name, "示例区公共图书馆免费开放补助资金", "示例区公共图书馆免费开放补助资金", 4)
    at(r.managing_department, "示例区文化和旅游局", "示例区文化和旅游局", 7)
    at(r.implementing_unit, "示例区图书馆", "示例区图书馆", 9)
    at(r.unit_name, "示例区图书馆", "示例区图书馆", 9)  # 实施单位
    at(r.year, 2023, "（2023年度）", 2)
    assert r.goal_expected.source.line == 62 and r.goal_expected.raw.startswith("1.全年免费开放不少于300天")
    assert r.goal_actual.source.line == 65 and "举办阅读推广活动54场" in r.goal_actual.raw


def test_a_funds(a_report: Report):
    f = a_report.funds
    at(f.initial_budget, D("80"), "80.00", 23)
    at(f.full_year_budget, D("86"), "86.00", 24)
    at(f.executed, D("81.70"), "81.70", 25)
    at(f.weight, D("10"), "10", 26)
    at(f.execution_rate, D("0.95"), "95.00%", 27)
    at(f.self_score, D("9.50"), "9.50", 28)
    assert f.executed.number / f.full_year_budget.number == f.execution_rate.number  # 81.70 / 86.00
    names = [s.name.value for s in f.by_source]
    assert names == ["当年财政拨款", "上年结转资金", "其他资金"]
    fiscal, carry, other = f.by_source
    assert fiscal.name.raw == "其中：当年财政拨款" and fiscal.name.source.line == 31
    at(fiscal.initial_budget, D("70"), "70.00", 32)
    at(fiscal.full_year_budget, D("74"), "74.00", 33)
    at(fiscal.executed, D("71.04"), "71.04", 34)
    at(fiscal.execution_rate, D("0.96"), "96.00%", 36)
    assert fiscal.weight.value is None and fiscal.weight.raw == "—"
    at(carry.executed, D("6.66"), "6.66", 43)
    at(carry.execution_rate, D("0.8325"), "83.25%", 45)
    at(other.execution_rate, D("1"), "100.00%", 54)
    for attr in ("initial_budget", "full_year_budget", "executed"):
        assert sum(getattr(s, attr).number for s in f.by_source) == getattr(f, attr).number


def test_a_indicators_and_total(a_report: Report):
    r = a_report
    assert len(r.indicators) == 9
    assert [i.level1.value for i in r.indicators].count("产出指标") == 6
    reading = indicator(r, "阅读推广活动场次")
    assert (reading.level1.value, reading.level2.value) == ("产出指标", "数量指标")
    assert reading.name.source.line == 102
    at(reading.target, "≥60场", "≥60场", 103)
    assert (reading.target.parsed.op, reading.target.parsed.number, reading.target.parsed.unit) == (">=", D(60), "场")
    at(reading.actual, "54场", "54场", 104)
    at(reading.weight, D(10), "10", 105)
    at(reading.self_score, D(9), "9", 106)
    assert reading.deviation.source.line == 107
    assert reading.weight.number * reading.actual.parsed.number / reading.target.parsed.number == D(9)
    cost = indicator(r, "单场阅读推广活动平均成本")
    assert (cost.level2.value, cost.target.parsed.op, cost.target.parsed.number) == ("成本指标", "<=", D("0.50"))
    assert sum(i.weight.number for i in r.indicators) + r.funds.weight.number == 100
    assert sum(i.self_score.number for i in r.indicators) == D(88)
    at(r.self_assessment.total_weight, D(100), "100", 170)
    at(r.self_assessment.total, D("97.50"), "97.50", 171)
    assert r.self_assessment.total.number == D(88) + r.funds.self_score.number
    assert not r.self_assessment.grade.present and not r.conclusion.present


def test_a_raw_text_on_its_line(a_report: Report):
    assert_raw_on_lines(a_report, lines_of(A))


def test_extract_is_the_first_report():
    doc = read(A)
    assert extract(doc).model_dump() == extract_all(doc)[0].model_dump()


# --------------------------------------------------------------------------------------------
# B: a department report with two project tables attached


@pytest.fixture(scope="module")
def b_reports() -> list[Report]:
    return extract_all(read(B))


def test_b_split(b_reports: list[Report]):
    assert [r.kind for r in b_reports] == ["department", "project", "project"]
    assert [r.project_name.value for r in b_reports] == [None, "全民健身赛事活动经费", "公共体育设施维护经费"]
    assert [r.layout for r in b_reports] == ["selfeval_table"] * 3
    at(b_reports[1].project_name, "全民健身赛事活动经费", "全民健身赛事活动经费", 298)
    at(b_reports[2].project_name, "公共体育设施维护经费", "公共体育设施维护经费", 439)


def test_b_department_unaffected(b_reports: list[Report]):
    dept = b_reports[0]
    assert [i.name.value for i in dept.indicators] == DEPT_INDICATORS
    assert not {i.name.value for i in dept.indicators} & set(P1_INDICATORS + P2_INDICATORS)
    at(dept.unit_name, "示例区体育事业发展中心", "示例区体育事业发展中心", 137)
    assert dept.year.value == 2024 and dept.year.source.line == 1
    at(dept.funds.full_year_budget, D(320), "320.00", 151)
    at(dept.funds.executed, D(304), "304.00", 152)
    at(dept.funds.execution_rate, D("0.95"), "95.00%", 154)
    at(dept.funds.by_nature["项目支出"], D(118), "118.00", 171)
    at(dept.self_assessment.total, D("98.50"), "98.50", 290)
    assert dept.self_assessment.grade.value == "优"
    assert dept.staffing.authorized.value == 25 and dept.staffing.actual.value == 23
    assert dept.three_public.total.actual.number == D("3.12")
    assert not dept.project_name.present and not dept.conclusion.present
    # nothing of the department record points into 附件3 (lines 295–586)
    assert max(value_lines(dept)) <= 294
    assert_raw_on_lines(dept, lines_of(B))


def test_b_department_same_as_without_the_attachment(b_reports: list[Report]):
    """The department record equals the one read from the file cut before 附件3."""
    src = lines_of(B)
    head = parse_text("\n".join(src[:294]) + "\n", path=str(B))
    assert extract_all(head)[0].model_dump() == b_reports[0].model_dump()


def test_b_project_sums_match_department(b_reports: list[Report]):
    dept, p1, p2 = b_reports
    assert p1.funds.executed.number + p2.funds.executed.number == dept.funds.by_nature["项目支出"].number
    assert p1.funds.full_year_budget.number + p2.funds.full_year_budget.number == D(130)


def test_b_first_project(b_reports: list[Report]):
    p1 = b_reports[1]
    at(p1.year, 2024, "2024年度项目支出绩效自评表（一）", 296)
    at(p1.managing_department, "示例区教育体育局", "示例区教育体育局", 301)
    at(p1.implementing_unit, "示例区体育事业发展中心", "示例区体育事业发展中心", 303)
    assert p1.unit_name.value == "示例区体育事业发展中心"
    at(p1.funds.executed, D(76), "76.00", 319)
    at(p1.funds.execution_rate, D("0.95"), "95.00%", 321)
    at(p1.funds.self_score, D("9.50"), "9.50", 322)
    assert [s.name.value for s in p1.funds.by_source] == ["当年财政拨款", "其他资金"]  # 上年结转 row is blank
    at(p1.funds.by_source[1].executed, D("7.60"), "7.60", 346)
    assert [i.name.value for i in p1.indicators] == P1_INDICATORS
    at(p1.self_assessment.total, D("99.50"), "99.50", 431)
    assert p1.conclusion.source.line == 435
    assert p1.conclusion.value.startswith("全民健身赛事活动经费项目各项绩效目标均已完成")
    assert p1.self_assessment.grade.value == "优" and p1.self_assessment.grade.source.line == 435
    assert min(value_lines(p1)) >= 295 and max(value_lines(p1)) <= 436
    assert_raw_on_lines(p1, lines_of(B))


def test_b_planted_project(b_reports: list[Report]):
    p2 = b_reports[2]
    f = p2.funds
    at(f.full_year_budget, D(50), "50.00", 459)
    at(f.executed, D(42), "42.00", 460)
    # Q1: 98.00% stated, 42.00 / 50.00 = 84.00% (and the 当年财政拨款 row says so)
    at(f.execution_rate, D("0.98"), "98.00%", 462)
    at(f.self_score, D("9.80"), "9.80", 463)
    assert f.executed.number / f.full_year_budget.number == D("0.84")
    at(f.by_source[0].execution_rate, D("0.84"), "84.00%", 471)
    assert f.weight.number * f.executed.number / f.full_year_budget.number == D("8.40")
    # Q2: ≥40套, 32套, full 20 points
    q2 = indicator(p2, "维修更新健身路径器材套数")
    assert q2.name.source.line == 513
    at(q2.target, "≥40套", "≥40套", 514)
    at(q2.actual, "32套", "32套", 515)
    at(q2.self_score, D(20), "20", 517)
    at(q2.deviation, "无偏差", "无偏差", 518)
    assert q2.weight.number * q2.actual.parsed.number / q2.target.parsed.number == D(16)
    # the stated total adds up to the stated scores: only Q1 and Q2 are wrong
    at(p2.self_assessment.total, D("99.80"), "99.80", 582)
    assert sum(i.self_score.number for i in p2.indicators) + f.self_score.number == D("99.80")
    assert not p2.conclusion.present and not p2.self_assessment.grade.present
    assert min(value_lines(p2)) >= 437
    assert_raw_on_lines(p2, lines_of(B))


def test_b_views():
    """extract_parts gives each record the view it was read from: disjoint blocks, same lines."""
    doc = read(B)
    parts = extract_parts(doc)
    assert [r.kind for _, r in parts] == ["department", "project", "project"]
    seen: set[int] = set()
    for view, _ in parts:
        idx = {b.index for b in view.blocks}
        assert not idx & seen
        seen |= idx
        assert view.lines is doc.lines and view.path == doc.path
    assert seen == {b.index for b in doc.blocks}
    dept_view = parts[0][0]
    assert max(b.line_end for b in dept_view.blocks) == 294
    p2_view = parts[2][0]
    assert [b.line for b in p2_view.blocks] == [437, 438, 586]  # title, table, 填表人


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "html"])
def test_b_other_formats(b_reports: list[Report], fmt: str):
    """The same split from a .docx (real merges), a workbook with a title row per sheet, an HTML page."""
    from formats import write_docx, write_html, write_xlsx

    doc = read(B)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"b.{fmt}"
        {"docx": lambda: write_docx(doc, path), "xlsx": lambda: write_xlsx(doc, path, titles=True),
         "html": lambda: write_html(doc, path)}[fmt]()
        got = extract_all(read(path))
    assert [r.kind for r in got] == ["department", "project", "project"]
    for g, e in zip(got, b_reports, strict=True):
        assert g.project_name.value == e.project_name.value
        assert g.year.value == e.year.value == 2024
        assert (g.funds.executed.value, g.funds.execution_rate.value) == (e.funds.executed.value, e.funds.execution_rate.value)
        assert [i.name.value for i in g.indicators] == [i.name.value for i in e.indicators]
        assert g.self_assessment.total.value == e.self_assessment.total.value


def key_fields(r: Report) -> tuple:
    return (r.kind, r.project_name.value, r.year.value, r.unit_name.value, r.funds.executed.value,
            r.funds.execution_rate.value, [s.executed.value for s in r.funds.by_source],
            [(i.name.value, i.actual.value, i.self_score.value) for i in r.indicators],
            r.self_assessment.total.value, r.self_assessment.grade.value)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "doc"])
def test_examples_through_libreoffice(fmt: str, tmp_path: Path):
    """The three examples as .docx converted by LibreOffice to .pdf and .doc: the same records."""
    import shutil

    from formats import convert, write_docx

    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("需要 LibreOffice")
    docx = {src: write_docx(read(src), tmp_path / f"{src.stem}.docx") for src in (A, B, C)}
    out = convert(list(docx.values()), fmt, tmp_path)
    for src, path in docx.items():
        got = [key_fields(r) for r in extract_all(read(out[path]))]
        assert got == [key_fields(r) for r in extract_all(read(src))], src.name


def test_tables_run_together():
    """Two project tables with only blank lines between read as one table in the text grammar:
    it is cut at the second 项目名称 row, and the second project keeps its own lines."""
    src = lines_of(B)
    assert src[434].startswith("自评结论") and src[436].startswith("2024年度项目支出绩效自评表（二）")
    joined = src[:434] + ["", "", ""] + src[437:]  # lines 435–437 blanked: same numbering
    doc = parse_text("\n".join(joined) + "\n", path="joined.txt")
    assert len(split_projects(doc.tables[-1])) == 2
    reports = extract_all(doc)
    assert [r.project_name.value for r in reports] == [None, "全民健身赛事活动经费", "公共体育设施维护经费"]
    p1, p2 = reports[1:]
    assert [i.name.value for i in p1.indicators] == P1_INDICATORS
    assert [i.name.value for i in p2.indicators] == P2_INDICATORS
    at(p1.self_assessment.total, D("99.50"), "99.50", 431)
    at(p2.project_name, "公共体育设施维护经费", "公共体育设施维护经费", 439)
    at(p2.funds.execution_rate, D("0.98"), "98.00%", 462)
    assert p2.year.value == 2024  # from the project before it


def test_table_continued_after_page_break():
    """A project table split before its indicator header, with a 续表 line between: one record."""
    src = lines_of(A)
    assert src[68] == "\t绩效指标"
    cut = src[:68] + ["", "续表"] + src[68:]  # lines from 69 on move down by 2
    doc = parse_text("\n".join(cut) + "\n", path="cut.txt")
    assert len(doc.tables) == 2
    reports = extract_all(doc)
    assert len(reports) == 1
    r = reports[0]
    assert r.project_name.value == "示例区公共图书馆免费开放补助资金"
    assert len(r.indicators) == 9
    at(indicator(r, "阅读推广活动场次").self_score, D(9), "9", 106 + 2)
    at(r.self_assessment.total, D("97.50"), "97.50", 171 + 2)


# --------------------------------------------------------------------------------------------
# C: 2019 layout, title in the table, amounts in 元


@pytest.fixture(scope="module")
def c_report() -> Report:
    reports = extract_all(read(C))
    assert len(reports) == 1
    return reports[0]


def test_c_header(c_report: Report):
    r = c_report
    assert (r.kind, r.layout) == ("project", "selfeval_table")
    at(r.year, 2019, "示例区2019年度项目支出绩效自评表", 1)
    at(r.project_name, "示例区农村人居环境整治专项资金", "示例区农村人居环境整治专项资金", 7)
    at(r.managing_department, "示例区农业农村局", "示例区农业农村局", 10)
    at(r.unit_name, "示例区农村环境卫生服务站", "示例区农村环境卫生服务站", 12)
    at(r.self_assessment.grade, "优", "优", 164)


def test_c_funds_in_yuan(c_report: Report):
    f = c_report.funds
    at(f.initial_budget, D("150"), "1,500,000.00", 25)
    at(f.full_year_budget, D("162"), "1,620,000.00", 26)
    at(f.executed, D("137.70"), "1,377,000.00", 27)
    at(f.execution_rate, D("0.85"), "85.00%", 29)
    at(f.self_score, D("8.50"), "8.50", 30)
    assert f.executed.number / f.full_year_budget.number == f.execution_rate.number
    assert [s.name.value for s in f.by_source] == ["财政拨款", "其他资金"]
    fiscal, other = f.by_source
    at(fiscal.executed, D("126"), "1,260,000.00", 36)
    at(fiscal.execution_rate, D("0.84"), "84.00%", 38)
    at(other.initial_budget, D("0"), "0.00", 43)
    at(other.full_year_budget, D("12"), "120,000.00", 44)
    at(other.execution_rate, D("0.975"), "97.50%", 47)


def test_c_indicators(c_report: Report):
    r = c_report
    assert len(r.indicators) == 9
    assert {i.level1.value for i in r.indicators} == {"产出指标", "效益指标", "满意度指标"}  # “（50分）” dropped
    assert r.indicators[0].level1.raw == "产出指标（50分）"
    bins = indicator(r, "配置垃圾分类收集设施组数")
    at(bins.actual, "96组", "96组", 83)  # 全年实际值 column
    at(bins.self_score, D(8), "8", 85)
    assert bins.deviation.source.line == 86 and bins.deviation.raw.startswith("3个村组收集点选址未落实")
    assert bins.weight.number * bins.actual.parsed.number / bins.target.parsed.number == D(8)
    done = indicator(r, "项目完工时间")
    assert done.target.parsed.date == "2019-11-30" and done.target.parsed.op == "<="
    at(r.self_assessment.total, D("96.50"), "96.50", 160)
    assert sum(i.self_score.number for i in r.indicators) + r.funds.self_score.number == D("96.50")
    assert_raw_on_lines(r, lines_of(C))


# --------------------------------------------------------------------------------------------
# the real workbook and the seeds


def test_xls_sample_project_sheet():
    if not SAMPLE.is_file():
        pytest.skip("../shared/samples/central-2019-project-selfeval.xls 不存在")
    doc = read(SAMPLE)
    parts = find_projects(doc)
    assert [p.tables[0].sheet for p in parts] == ["项目支出绩效自评表"]  # not 项目基本信息, 申报表, 监控表
    reports = extract_all(doc)
    assert len(reports) == 1
    r = reports[0]
    assert (r.kind, r.layout) == ("project", "selfeval_table")
    assert r.project_name.value == "2019年210青少年校园足球扶持资金"
    assert (r.project_name.source.sheet, r.project_name.source.ref) == ("项目支出绩效自评表", "C4")
    assert doc.lines[r.project_name.source.line - 1].strip() == "2019年210青少年校园足球扶持资金"
    assert r.managing_department.value == "教育部"
    assert not r.implementing_unit.present
    assert r.unit_name.value == "教育部"  # no 实施单位 and no department: the 主管部门
    assert r.year.value == 2019 and r.year.raw == "(2019年度)"
    assert r.self_assessment.total.value == 0 and r.self_assessment.total_weight.value == 0
    assert doc.lines[r.self_assessment.total.source.line - 1].strip() == "0"
    assert r.indicators == []
    assert not r.funds.executed.present and r.funds.by_source == []
    assert r.goal_expected.value == "完成校园足球运动技术动画20集的设计制作与播出"


@pytest.mark.parametrize("prefix", SEEDS)
def test_seeds_one_report(seed, prefix: str):
    doc = read(seed(prefix))
    assert find_projects(doc) == []
    reports = extract_all(doc)
    assert len(reports) == 1 and reports[0].kind == "department"
    assert reports[0].model_dump() == extract(doc).model_dump()


def test_subset_keeps_positions():
    doc = read(B)
    keep = {b.index for b in doc.blocks if b.line > 294}
    view = doc.subset(keep)
    assert [b.index for b in view.blocks] == sorted(keep)
    assert view.blocks[0] is doc.blocks[min(keep)] and view.lines is doc.lines
