"""Layout knowledge as data (src/jixiao/extract/layouts.toml, docs/layouts.md), on fixtures of our
own built at test time: fictional units and numbers in the genre of each province's form, never
text from ../shared/corpus or ../shared/seeds.

Tables are written as rows of cells with their spans (:class:`C`), placed on the grid as HTML
places them, and written out with real merges: Word ``gridSpan`` / ``vMerge`` (tests/ooxml.py),
Excel merged ranges with frames (openpyxl), HTML ``colspan`` / ``rowspan``. Covered:

- two-row headers (河北: 预期指标值 over 符号 / 值 / 单位; 自评得分 over 单项指标得分 / 权重占比 /
  单项指标折算得分) → ``上层·下层`` columns; the 河北 label–value funds pairs;
- 湖北广水 项目资金来源 columns with the unlabelled value row: the 合计 is the 全年预算数 only as the
  base of the stated 执行率; 自评总分 in the line above the table;
- 四川 split targets (指标性质 | 指标值 | 度量单位);
- traditional characters matched as simplified, quoted as written;
- kind, unit, project name and year from titles and cover lines; a budget sentence's 预算数;
- breakdowns (资金构成) and their sums (JX101); gaps (JX904 once, dependent checks quiet);
- ``jixiao show --layout``; JX905 naming the headers it could not match; JX103 at the stated
  precision; JX203 for an unmet target with full marks;
- the worked example of docs/layouts.md (a header “本年实际完成” added to the actual column).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from ooxml import p as ooxml_p
from ooxml import tbl, tc, tr
from ooxml import write_docx as write_ooxml

from jixiao.extract import extract_all
from jixiao.extract.explain import explain
from jixiao.extract.layouts import Synonyms, layouts, signature
from jixiao.readers import read
from jixiao.review import review_file

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "clean_2024_示例区文化馆.txt"


# ---------------------------------------------------------------------------------------------
# tables as rows of cells with spans, written with real merges


@dataclass(frozen=True)
class C:
    """A cell spanning ``cols`` grid columns and ``rows`` rows (a plain str is a 1×1 cell)."""

    text: str = ""
    cols: int = 1
    rows: int = 1


Rows = list[list["C | str"]]


def place(rows: Rows) -> tuple[list[tuple[int, int, C]], int]:
    """(row, first grid column, cell) for each cell, placed as HTML places them: a cell takes the
    next grid column not covered by a cell spanning rows from above; and the grid width."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            cell = cell if isinstance(cell, C) else C(cell)
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            taken.update((rr, cc) for rr in range(r, r + cell.rows) for cc in range(c, c + cell.cols))
            c += cell.cols
    return out, max(c for _, c in taken) + 1


def docx_table(rows: Rows) -> str:
    """WordprocessingML for ``rows``: ``gridSpan`` for columns, ``vMerge`` restart / continue for rows."""
    placed, width = place(rows)
    starts = {(r, c): cell for r, c, cell in placed}
    below = {(rr, c): cell for r, c, cell in placed for rr in range(r + 1, r + cell.rows)}
    out = []
    for r in range(len(rows)):
        cells, c = [], 0
        while c < width:
            if (r, c) in starts:
                cell = starts[(r, c)]
                cells.append(tc(cell.text, span=cell.cols, vmerge="restart" if cell.rows > 1 else None))
            elif (r, c) in below:
                cell = below[(r, c)]
                cells.append(tc("", span=cell.cols, vmerge="continue"))
            else:
                raise AssertionError(f"row {r} leaves grid column {c} empty")
            c += cell.cols
        out.append(tr(*cells))
    return tbl(*out, cols=width)


def write_docx(path: Path, *body: str | Rows) -> Path:
    """A .docx of paragraphs (str) and tables (rows), ending with a paragraph as Word does."""
    write_ooxml(path, "".join(docx_table(b) if isinstance(b, list) else ooxml_p(html_lib.escape(b)) for b in body)
                + "<w:p/>")
    return path


def write_html(path: Path, *body: str | Rows) -> Path:
    parts = []
    for b in body:
        if not isinstance(b, list):
            parts.append(f"<p>{html_lib.escape(b)}</p>")
            continue
        trs = []
        for row in b:
            tds = []
            for cell in row:
                cell = cell if isinstance(cell, C) else C(cell)
                span = (f' colspan="{cell.cols}"' if cell.cols > 1 else "") + (f' rowspan="{cell.rows}"' if cell.rows > 1 else "")
                tds.append(f"<td{span}>{html_lib.escape(cell.text)}</td>")
            trs.append("<tr>" + "".join(tds) + "</tr>")
        parts.append('<table border="1" cellspacing="0">' + "".join(trs) + "</table>")
    path.write_text('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>自评表</title></head><body>'
                    + "\n".join(parts) + "</body></html>\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, *body: str | Rows, sheet: str = "自评表") -> Path:
    """A worksheet: each str an unframed row (a title line), each table framed with merged ranges."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Side

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    thin = Side(style="thin")
    frame = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = 1
    for b in body:
        if not isinstance(b, list):
            ws.cell(top, 1, b)
            top += 1
            continue
        placed, _ = place(b)
        for r, c, cell in placed:
            if cell.text:
                ws.cell(top + r, c + 1).value = cell.text
            for rr in range(top + r, top + r + cell.rows):
                for cc in range(c + 1, c + 1 + cell.cols):
                    ws.cell(rr, cc).border = frame
            if cell.rows > 1 or cell.cols > 1:
                ws.merge_cells(start_row=top + r, start_column=c + 1, end_row=top + r + cell.rows - 1,
                               end_column=c + cell.cols)
        top += len(b) + 1
    wb.save(path)
    return path


def codes(path: Path) -> list[str]:
    """The finding codes of every document of the file (main document first)."""
    rf = review_file(path)
    assert rf.record.error is None, rf.record.error
    return [f.code for d in rf.documents() for f in d.record.findings]


def findings(path: Path, code: str):
    rf = review_file(path)
    assert rf.record.error is None, rf.record.error
    return [f for d in rf.documents() for f in d.record.findings if f.code == code]


def only(reports):
    assert len(reports) == 1, [r.kind for r in reports]
    return reports[0]


# ---------------------------------------------------------------------------------------------
# 河北: two-row indicator header, label–value funds pairs (.xlsx)


def hebei_rows() -> Rows:
    return [
        [C("一、基本情况"), "项目名称：", C("示例县困难群众临时救助资金", 4), C("实施(主管)单位", 2), C("418001-示例县民政局", 3),
         C("金额单位：万元", 2)],
        [C("二、预算执行情况", rows=2), C("预算安排情况(调整后)", 3), C("资金到位情况", 3), C("资金执行情况", 3),
         C("预算执行进度(%)", 3)],
        ["预算数", C("50.00", 2), "到位数", C("50.00", 2), "执行数", C("48.00", 2), C("96.00", 3)],
        [C("四、年度绩效指标完成情况", rows=6), C("一级指标", rows=2), C("二级指标", rows=2), C("三级指标", rows=2),
         C("指标分值", rows=2), C("预期指标值", 3), C("单项指标实际完成值", rows=2), C("单项指标完成情况", rows=2), C("自评得分", 3)],
        ["符号", "值", "单位(文字描述)", "单项指标得分", "权重占比(%)", "单项指标折算得分"],
        [C("产出指标", rows=2), "数量指标", "救助人次", "", ">=", "1200", "人次", "1260", "完成", "30.00", "30.00", "9.00"],
        ["质量指标", "救助对象认定准确率", "", ">=", "98", "%(百分比)", "100%", "完成", "30.00", "30.00", "9.00"],
        ["效益指标", "社会效益指标", "困难群众基本生活保障率", "", "=", "100", "%", "100%", "完成", "30.00", "30.00", "9.00"],
        ["满意度指标", "服务对象满意度指标", "救助对象满意度", "", ">=", "90", "%(百分比)", "95%", "完成", "10.00", "10.00", "1.00"],
    ]


@pytest.fixture
def hebei(tmp_path) -> Path:
    return write_xlsx(tmp_path / "河北临时救助.xlsx", "示例县民政局2023年度预算项目绩效自评表", hebei_rows())


def test_hebei_two_row_header_gives_op_value_unit_targets_and_weights(hebei):
    report = only(extract_all(read(hebei)))
    assert (report.kind, report.layout) == ("project", "selfeval_table")
    got = {i.name.value: i for i in report.indicators}
    assert list(got) == ["救助人次", "救助对象认定准确率", "困难群众基本生活保障率", "救助对象满意度"]
    rate = got["救助对象认定准确率"]
    # 符号 | 值 | 单位(文字描述) read as one target, the unit's “(百分比)” dropped
    assert (rate.target.parsed.op, rate.target.parsed.number, rate.target.parsed.unit) == (">=", Decimal(98), "%")
    assert rate.target.value == ">=98%"
    assert rate.target.raw == ">= 98 %(百分比)"
    assert rate.target.source.ref == "G8"  # the 值 cell (the title is row 1)
    people = got["救助人次"].target.parsed
    assert (people.op, people.number, people.unit) == (">=", Decimal(1200), "人次")
    assert got["困难群众基本生活保障率"].target.parsed.op == "="
    # weight from 权重占比(%) (the empty 指标分值 column is lower in the synonyms' priority);
    # the score from 单项指标得分, not the 折算得分
    assert [(i.weight.value, i.self_score.value) for i in report.indicators] == [
        (Decimal("30.00"), Decimal("30.00"))] * 3 + [(Decimal("10.00"), Decimal("10.00"))]
    assert [i.level1.value for i in report.indicators] == ["产出指标", "产出指标", "效益指标", "满意度指标"]
    assert got["救助人次"].actual.parsed.number == Decimal(1260)


def test_hebei_identity_and_funds_pairs(hebei):
    report = only(extract_all(read(hebei)))
    assert report.project_name.value == "示例县困难群众临时救助资金"
    assert report.unit_name.value == "示例县民政局"  # the code before the name dropped
    assert report.year.value == 2023
    f = report.funds
    # the header says 调整后: 预算数 is the 全年预算数
    assert (f.full_year_budget.value, f.executed.value, f.execution_rate.value) == (
        Decimal("50.00"), Decimal("48.00"), Decimal("0.96"))


def test_hebei_show_layout_names_the_two_row_columns(hebei, capsys):
    out = show_layout(hebei)
    assert "签名 indicator" in out and "签名 funds_pairs" in out
    for pair in ("预期指标值·符号 → 指标值符号", "预期指标值·值 → 年度指标值", "预期指标值·单位(文字描述) → 计量单位",
                 "自评得分·单项指标得分 → 得分", "自评得分·权重占比(%) → 分值", "单项指标实际完成值 → 实际完成值"):
        assert pair in out, pair
    unused = next(line for line in out.splitlines() if "未用的列" in line)
    assert "指标分值" in unused and "自评得分·单项指标折算得分" in unused


# ---------------------------------------------------------------------------------------------
# 湖北广水: 项目资金来源 columns, the value row below, 自评总分 above the table (.docx)


def guangshui(path: Path, rate: str) -> Path:
    rows = [
        ["项目名称", C("送戏下乡演出项目", 4), "项目主管单位", C("示例市文化和旅游局", 4)],
        ["项目实施单位", C("示例市文化馆", 4), "项目负责人", C("李某", 4)],
        [C("项目资金\n来源", rows=2), "中央\n(万元)", "省、地\n(万元)", "本级\n(万元)", "其他\n(万元)", "合计\n(万元)",
         "执行数\n(万元)", C("执行率", 3)],
        ["", "", "80", "", "80", "76", C(rate, 3)],
        ["项目年度目标", C("1.完成送戏下乡演出40场；\n2.观众满意度达到90%以上。", 9)],
        [C("项目\n绩效\n85分", rows=5), "一级\n指标", "二级\n指标", "指标名称\n(三级指标)", "年初指标值", "年终完成值", "自评分",
         "复核分", C("评价标准", 2)],
        [C("产出\n指标\n40分", rows=2), "数量指标20分", "送戏下乡演出场次", "40场", "38场", "19", "", C("按完成比例计分", 2)],
        ["时效指标20分", "演出完成时间", "2022年11月底前", "2022年11月", "20", "", C("按时完成得满分", 2)],
        ["效益\n指标", "社会效益指标30分", "惠及群众人次", "≥8000人次", "8200人次", "30", "", C("达到目标得满分", 2)],
        ["满意度\n指标", "服务对象满意度15分", "观众满意度", "≥90%", "93%", "15", "", C("达到目标得满分", 2)],
    ]
    return write_docx(path, "示例市文化馆2022年度送戏下乡演出项目自评表", "示例市财政预算支出项目绩效目标自评表",
                      "填报日期：2023年3月15日        自评总分：92        单位领导审签：", rows)


def test_guangshui_budget_is_the_total_as_base_of_the_stated_rate(tmp_path):
    report = only(extract_all(read(guangshui(tmp_path / "广水.docx", "95%"))))
    assert (report.kind, report.layout) == ("project", "selfeval_table")
    assert report.project_name.value == "送戏下乡演出项目"
    assert report.managing_department.value == "示例市文化和旅游局"
    assert report.unit_name.value == "示例市文化馆"
    assert report.year.value == 2022  # from the title, not the 填报日期
    f = report.funds
    assert f.executed.value == Decimal(76) and f.execution_rate.value == Decimal("0.95")
    assert f.full_year_budget.value == Decimal(80)  # 76 / 80 = 95%
    assert f.full_year_budget.raw == "80" and f.full_year_budget.source.row == 3
    assert [(s.name.value, s.full_year_budget.value) for s in f.by_source] == [("本级", Decimal(80))]
    sa = report.self_assessment
    assert sa.total.value == Decimal(92)
    assert sa.total.source.row is None and sa.total.source.block == 2  # the line above the table
    names = [(i.level1.value, i.level2.value, i.name.value, i.self_score.value) for i in report.indicators]
    assert names == [("产出指标", "数量指标", "送戏下乡演出场次", Decimal(19)),
                     ("产出指标", "时效指标", "演出完成时间", Decimal(20)),
                     ("效益指标", "社会效益指标", "惠及群众人次", Decimal(30)),
                     ("满意度指标", "服务对象满意度", "观众满意度", Decimal(15))]
    assert report.indicators[0].target.raw == "40场" and report.indicators[0].actual.raw == "38场"


def test_complete_guangshui_table_with_its_total_above_is_not_a_gap(tmp_path):
    """Every 一级指标 family is there and the 自评总分 stands in the line above: a form without a 总分
    row, not a cut table — the sums are checked (JX105: 19 + 20 + 30 + 15 = 84 ≠ 92)."""
    path = guangshui(tmp_path / "广水.docx", "95%")
    report = only(extract_all(read(path)))
    assert report.gaps == []
    assert "JX904" not in codes(path)
    assert "JX105" in codes(path)


def test_guangshui_total_is_not_the_budget_when_the_rate_disagrees(tmp_path):
    """Must-not: 76 / 80 is 95%, the form says 100%: the 合计 is not taken as 全年预算数 (it may be
    the budget, or the rate may be of another base; the reader does not choose)."""
    report = only(extract_all(read(guangshui(tmp_path / "广水.docx", "100%"))))
    f = report.funds
    assert f.full_year_budget.value is None
    assert f.executed.value == Decimal(76) and f.execution_rate.value == Decimal(1)
    assert [(s.name.value, s.full_year_budget.value) for s in f.by_source] == [("本级", Decimal(80))]


# ---------------------------------------------------------------------------------------------
# 四川: 指标性质 | 指标值 | 度量单位 (.docx)


def test_sichuan_split_target_is_one_measure(tmp_path):
    rows = [
        ["项目名称", C("乡村文化振兴补助资金", 10)],
        ["主管部门", C("示例县文化广播电视和旅游局", 4), "实施单位（盖章）", C("示例县文化馆", 5)],
        [C("绩效指标(90分)", rows=6), "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重", "完成值", "得分",
         "未完成原因分析"],
        [C("产出指标", rows=3), "数量指标", "文化下乡活动场次", "≥", "50", "场", "20", "52", "20", ""],
        ["质量指标", "设施验收合格率", "=", "100", "%", "20", "100", "20", ""],
        ["成本指标", "单场活动成本", "≤", "0.8", "万元", "10", "0.78", "10", ""],
        ["效益指标", "社会效益指标", "群众文化获得感", "定性", "有效提升", "", "30", "有效提升", "28", ""],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90", "%", "10", "96", "10", ""],
        [C("合计", 7), "90", "", "88", ""],
    ]
    report = only(extract_all(read(write_docx(tmp_path / "四川.docx", "部门预算项目支出绩效自评表(2023年度)", rows))))
    assert report.kind == "project" and report.implementing_unit.value == "示例县文化馆"
    got = {i.name.value: i.target for i in report.indicators}
    assert list(got) == ["文化下乡活动场次", "设施验收合格率", "单场活动成本", "群众文化获得感", "群众满意度"]
    parsed = {k: (t.parsed.op, t.parsed.number, t.parsed.unit) for k, t in got.items()}
    assert parsed["设施验收合格率"] == ("=", Decimal(100), "%")
    assert parsed["文化下乡活动场次"] == (">=", Decimal(50), "场")
    assert parsed["单场活动成本"] == ("<=", Decimal("0.8"), "万元")
    assert parsed["群众满意度"] == (">=", Decimal(90), "%")
    assert got["设施验收合格率"].raw == "= 100 %"  # the three cells as written
    qualitative = got["群众文化获得感"]  # 定性 is not an operator: the value stays a phrase
    assert (qualitative.parsed.op, qualitative.parsed.number, qualitative.parsed.qualitative) == (None, None, "有效提升")
    assert [i.weight.value for i in report.indicators] == [Decimal(20), Decimal(20), Decimal(10), Decimal(30), Decimal(10)]
    assert (report.self_assessment.total_weight.value, report.self_assessment.total.value) == (Decimal(90), Decimal(88))


# ---------------------------------------------------------------------------------------------
# traditional characters


TRADITIONAL = ("示例縣農村公路養護中心\n2022年度項目支出績效自評報告\n項目名稱：農村公路日常養護項目\n項目單位：示例縣農村公路養護中心\n"
               "一、項目基本情況\n本項目年初預算資金120.00萬元，用於全縣農村公路日常養護。\n"
               "二、績效目標完成情況\n全年完成養護里程320公里，路況優良率達到85%。\n")


def test_traditional_text_project_names_kept_as_written(tmp_path):
    path = tmp_path / "養護.txt"
    path.write_text(TRADITIONAL, "utf-8")
    report = only(extract_all(read(path)))
    assert report.kind == "project"  # 項目名稱： and the title read as 项目名称 / 项目支出绩效自评
    assert report.project_name.value == "農村公路日常養護項目"
    assert report.unit_name.value == "示例縣農村公路養護中心"
    assert report.implementing_unit.raw == "示例縣農村公路養護中心"
    assert report.year.value == 2022


def test_traditional_table_headers_match_the_simplified_synonyms(tmp_path):
    rows = [
        ["一級指標", "二級指標", "三級指標", "年度指標值", "實際完成值", "分值", "得分"],
        [C("產出指標", rows=2), "數量指標", "養護里程", "≥300公里", "320公里", "50", "50"],
        ["質量指標", "路況優良率", "≥80%", "85%", "40", "40"],
        ["滿意度指標", "服務對象滿意度指標", "群眾滿意度", "≥90%", "92%", "10", "10"],
        [C("總分", 5), "100", "100"],
    ]
    path = write_docx(tmp_path / "繁體.docx", "2022年度項目支出績效自評表", rows)
    report = only(extract_all(read(path)))
    assert [(i.level1.value, i.name.value, i.target.parsed.number, i.weight.value) for i in report.indicators] == [
        ("產出指標", "養護里程", Decimal(300), Decimal(50)), ("產出指標", "路況優良率", Decimal(80), Decimal(40)),
        ("滿意度指標", "群眾滿意度", Decimal(90), Decimal(10))]


def test_traditional_total_row_closes_the_table(tmp_path):
    rows = [
        ["一級指標", "二級指標", "三級指標", "年度指標值", "實際完成值", "分值", "得分"],
        ["產出指標", "數量指標", "養護里程", "≥300公里", "320公里", "90", "90"],
        ["滿意度指標", "服務對象滿意度指標", "群眾滿意度", "≥90%", "92%", "10", "10"],
        [C("總分", 5), "100", "100"],
    ]
    report = only(extract_all(read(write_docx(tmp_path / "繁體.docx", "2022年度項目支出績效自評表", rows))))
    assert len(report.indicators) == 2
    assert (report.self_assessment.total_weight.value, report.self_assessment.total.value) == (Decimal(100), Decimal(100))
    assert report.gaps == []


def test_traditional_cut_table_names_its_families(tmp_path):
    rows = [
        ["一級指標", "二級指標", "三級指標", "年度指標值", "實際完成值", "分值", "得分"],
        ["產出指標", "數量指標", "養護里程", "≥300公里", "320公里", "50", "50"],
    ]
    report = only(extract_all(read(write_docx(tmp_path / "繁體.docx", "2022年度項目支出績效自評表", rows))))
    assert len(report.gaps) == 1 and "已读到的一级指标：产出指标，未见：效益指标、满意度指标" in report.gaps[0].message


def test_traditional_funds_header_maps_its_columns(tmp_path):
    rows = [
        ["項目資金（萬元）", "年初預算數", "全年預算數", "全年執行數", "分值", "執行率", "得分"],
        ["年度資金總額", "120.00", "120.00", "114.00", "10", "95.00%", "9.50"],
        ["一級指標", "二級指標", "三級指標", "年度指標值", "實際完成值", "分值", "得分"],
        ["產出指標", "數量指標", "養護里程", "≥300公里", "320公里", "90", "90"],
    ]
    report = only(extract_all(read(write_docx(tmp_path / "繁體資金.docx", "2022年度項目支出績效自評表", rows))))
    f = report.funds
    assert (f.initial_budget.value, f.full_year_budget.value, f.executed.value, f.execution_rate.value) == (
        Decimal("120.00"), Decimal("120.00"), Decimal("114.00"), Decimal("0.95"))


# ---------------------------------------------------------------------------------------------
# narrative project reports: kind, unit, project name and year from the title


NARRATIVES = {
    "转移支付": ("示例县司法局\n关于2021年度公共法律服务转移支付资金绩效的自评报告\n一、基本情况\n"
                 "2021年，我局共收到公共法律服务转移支付资金35.00万元。\n二、绩效情况\n全年办理法律援助案件120件。\n"),
    "补助资金": ("农村饮水安全维修养护补助资金2022年度绩效自评报告\n一、项目概况\n"
                 "示例县水利局（以下简称“县水利局”）负责全县农村饮水工程的维修养护。\n二、绩效目标完成情况\n全年维修供水工程45处。\n"),
    "封面": ("示例市林业局\n项目绩效自评报告\n（森林防火物资储备补助经费项目）\n一、项目基本情况\n"
             "2021年，我局安排森林防火物资储备补助经费60.00万元，用于采购扑火机具和防护装备。\n二、绩效目标完成情况\n"
             "2021年全年储备扑火物资12批次，开展扑火演练4次。\n报告日期：2022年3月10日\n"),
}


@pytest.mark.parametrize("name, unit, project, year", [
    ("转移支付", "示例县司法局", "公共法律服务转移支付资金", 2021),
    ("补助资金", "示例县水利局", "农村饮水安全维修养护补助资金", 2022),
    ("封面", "示例市林业局", "森林防火物资储备补助经费项目", 2021),  # the year of the text, not of the 报告日期
])
def test_project_report_titles(tmp_path, name, unit, project, year):
    path = tmp_path / f"{name}.txt"
    path.write_text(NARRATIVES[name], "utf-8")
    report = only(extract_all(read(path)))
    assert (report.kind, report.layout) == ("project", "narrative")
    assert (report.unit_name.value, report.project_name.value, report.year.value) == (unit, project, year)
    assert report.project_name.source.line in (1, 2, 3)  # read from the title lines


def test_department_title_is_not_a_project(tmp_path):
    path = tmp_path / "部门.txt"
    path.write_text("示例区档案馆2024年度部门整体支出绩效自评报告\n一、部门基本情况\n本馆负责全区档案的收集和保管。\n", "utf-8")
    report = only(extract_all(read(path)))
    assert (report.kind, report.unit_name.value, report.year.value) == ("department", "示例区档案馆", 2024)
    assert report.project_name.value is None


def budget_sentence(rate: str, executed: str) -> str:
    return ("示例县农业农村局\n关于2022年度高标准农田建设补助资金绩效的自评报告\n一、基本情况\n"
            f"该项目预算数480.00万元，截至2022年12月31日，执行总量{executed}万元，预算执行率为{rate}。\n"
            "二、绩效目标完成情况\n全年新建高标准农田1.2万亩。\n")


@pytest.mark.parametrize("rate, executed, budget", [
    ("95%", "456.00", Decimal("480.00")),  # 456 / 480 = 95% exactly
    ("95%", "455.00", Decimal("480.00")),  # 94.79…% written to the unit: 95%
    ("94.79%", "455.00", Decimal("480.00")),  # to two decimals: 94.79%
    ("96%", "456.00", None),  # 95% is not 96%: the 预算数 stays a figure
    ("94.80%", "455.00", None),  # 94.79% is not 94.80% at the precision written
])
def test_budget_sentence_gives_the_full_year_budget_only_when_it_is_the_base_of_the_rate(tmp_path, rate, executed, budget):
    path = tmp_path / "农田.txt"
    path.write_text(budget_sentence(rate, executed), "utf-8")
    report = only(extract_all(read(path)))
    f = report.funds
    assert report.kind == "project"
    assert f.executed.value == Decimal(executed) and f.executed.raw == f"执行总量{executed}万元"
    assert f.execution_rate.value == Decimal(rate.rstrip("%")) / 100
    assert f.full_year_budget.value == budget
    if budget is not None:
        assert f.full_year_budget.raw == "预算数480.00万元" and f.full_year_budget.source.line == 4


# ---------------------------------------------------------------------------------------------
# 重庆: a checklist table whose 记录 column holds the breakdowns (.html); JX101, JX905


CHECKLIST_HEAD = "指标名称 | 指标解释 | 记录 | 未完成原因及改进措施 | 需提供的支撑材料"


def checklist(path: Path, pilot_city: str = "20.00") -> Path:
    n = 16  # rows of the 预算资金安排 item
    rows = [
        [C("指标名称", 3), "指标解释", C("记录", 2), C("未完成原因及改进措施", rows=2), C("需提供的支撑材料", rows=2)],
        ["一级指标名称", "二级指标名称", "三级指标名称", "自评内容", C("完成情况", 2)],
        [C("项目预算管理", rows=n + 1), C("资金投入", rows=n + 1), C("预算资金安排", rows=n),
         C("2023年度农村综合改革转移支付资金预算安排情况。", rows=n), C("农村综合改革转移支付资金合计（万元）", 2),
         C("", rows=n), C("", rows=n)],
        ["年度预算资金总额：", "300.00"], ["其中：中央补助", "180.00"], ["市级资金", "70.00"], ["县级资金", "50.00"],
        [C("其中：", 2)],
        [C("村级公益事业奖补资金（万元）", 2)],
        ["年度预算资金总额：", "200.00"], ["其中：中央补助", "120.00"], ["市级资金", "50.00"], ["县级资金", "30.00"],
        [C("农村综合改革示范试点资金（万元）", 2)],
        ["年度预算资金总额：", "100.00"], ["其中：中央补助", "60.00"], ["市级资金", pilot_city], ["县级资金", "20.00"],
        ["资金到位率", "资金到位率=实际到位资金/预算资金×100%。", "到位率（%）", "100", "", "资金拨付凭证"],
    ]
    return write_html(path, "示例县2023年度中央对地方转移支付农村综合改革项目绩效自评表", rows)


def test_breakdowns_read_from_the_checklist(tmp_path):
    report = only(extract_all(read(checklist(tmp_path / "重庆.html"))))
    got = [(b.name, b.total.value, [(p.name.value, p.amount.value) for p in b.parts]) for b in report.breakdowns]
    sources = ["中央补助", "市级资金", "县级资金"]
    assert got == [
        ("农村综合改革转移支付资金合计", Decimal("300.00"), list(zip(sources, map(Decimal, ("180.00", "70.00", "50.00"))))),
        ("村级公益事业奖补资金", Decimal("200.00"), list(zip(sources, map(Decimal, ("120.00", "50.00", "30.00"))))),
        ("农村综合改革示范试点资金", Decimal("100.00"), list(zip(sources, map(Decimal, ("60.00", "20.00", "20.00"))))),
    ]


def test_breakdown_heading_found_beside_a_filled_cell(tmp_path):
    """The fund's heading is named even when the row has text to its right (支撑材料 filled)."""
    path = checklist(tmp_path / "重庆.html")
    text = path.read_text(encoding="utf-8")
    empty = '<td rowspan="16"></td></tr>'
    assert empty in text
    path.write_text(text.replace(empty, '<td rowspan="16">拨付凭证</td></tr>', 1), encoding="utf-8")
    report = only(extract_all(read(path)))
    assert report.breakdowns[0].name == "农村综合改革转移支付资金合计"


def test_breakdown_sums_hold_no_jx101(tmp_path):
    assert findings(checklist(tmp_path / "重庆.html"), "JX101") == []


def test_one_wrong_breakdown_cell_is_one_jx101_naming_it(tmp_path):
    """市级资金 of the 示范试点 fund is 1.00 too high: it breaks that fund's own sum and the 市级
    column of the whole; one finding says both and names the cell."""
    hits = findings(checklist(tmp_path / "重庆.html", pilot_city="21.00"), "JX101")
    assert len(hits) == 1
    hit = hits[0]
    assert hit.message.startswith("农村综合改革示范试点资金：合计 100万元，而 中央补助 60.00 + 市级资金 21.00 + 县级资金 20.00 = 101万元")
    assert "可能是农村综合改革示范试点资金·市级资金 21.00 填错（若为 20万元，两处都相符）" in hit.message
    assert (hit.expected, hit.found) == ("101万元（分项之和）", "100万元")
    wrong = [e for e in hit.evidence if e.raw == "21.00"]
    assert len(wrong) == 1 and wrong[0].value == Decimal("21.00") and wrong[0].source.line is not None


def test_jx905_names_the_headers_of_a_checklist_table(tmp_path):
    hits = findings(checklist(tmp_path / "重庆.html"), "JX905")
    assert len(hits) == 1
    assert hits[0].found == CHECKLIST_HEAD
    assert f"表头“{CHECKLIST_HEAD}”不符合任何已知指标表签名" in hits[0].message
    assert hits[0].evidence[0].source.block == 1


# ---------------------------------------------------------------------------------------------
# the national project form (.docx): show --layout, JX103, JX203, JX905 must-not


def national(path: Path, rate: str = "99%", coverage: str = "99.5%", coverage_score: str = "20") -> Path:
    rows = [
        ["项目名称", C("社区文化活动经费", 8)],
        ["主管部门", C("示例区文化和旅游局", 3), "实施单位", C("示例区文化馆", 4)],
        [C("项目资金\n（万元）", rows=4), C("", 2), "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [C("年度资金总额", 2), "200.00", "200.00", "198.20", "10", rate, "9.91"],
        [C("其中：当年财政拨款", 2), "200.00", "200.00", "198.20", "—", "—", "—"],
        [C("上年结转资金", 2), "0.00", "0.00", "0.00", "—", "—", "—"],
        [C("年度总体目标", rows=2), C("预期目标", 4), C("实际完成情况", 4)],
        [C("全年开展社区文化活动，覆盖全区社区。", 4), C("全年开展社区文化活动120场，覆盖率99.5%。", 4)],
        [C("绩效指标", rows=7), "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
        [C("产出指标", rows=3), "数量指标", "社区文化活动场次", "≥100场", "120场", "20", "20", ""],
        ["质量指标", "社区覆盖率", "≥100%", coverage, "20", coverage_score, ""],
        ["时效指标", "活动完成时间", "2023年12月底前", "2023年12月", "10", "10", ""],
        [C("效益指标", rows=2), "社会效益指标", "群众文化参与人次", "≥20000人次", "23000人次", "30", "30", ""],
        ["-", "-", "-", "-", "-", "-", "-"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", "10", "10", ""],
        [C("总分", 6), "100", "99.91", ""],
        [C("说明：分值合计100分。", 9)],
    ]
    return write_docx(path, "项目支出绩效自评表", "（2023年度）", rows)


def show_layout(path: Path) -> str:
    from typer.testing import CliRunner

    from jixiao import cli

    width = cli.console.width
    cli.console.width = 400  # no wrapping inside a mapping line
    try:
        res = CliRunner().invoke(cli.app, ["show", str(path), "--layout"])
    finally:
        cli.console.width = width
    assert res.exit_code == 0, res.output
    return res.output


def test_show_layout_prints_signatures_columns_and_skipped_rows(tmp_path):
    out = show_layout(national(tmp_path / "社区文化.docx"))
    lines = out.splitlines()
    assert lines[0] == "项目支出绩效自评：社区文化活动经费；单位 示例区文化馆；年度 2023；指标 5 项"
    assert "  签名 indicator：绩效指标表（一级/二级/三级指标、指标值、完成值、分值、得分）" in lines
    assert "  签名 funds：预算执行情况表（年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分）" in lines
    columns = [line.strip() for line in lines if line.strip().startswith("列：")]
    assert columns[0] == ("列：一级指标 → 一级指标；二级指标 → 二级指标；三级指标 → 三级指标；年度指标值 → 年度指标值；"
                          "实际完成值 → 实际完成值；分值 → 分值；得分 → 得分；偏差原因分析及改进措施 → 偏差原因")
    assert columns[1] == ("列：年初预算数 → 年初预算数；全年预算数 → 全年预算数；全年执行数 → 全年执行数；分值 → 分值；"
                          "执行率 → 执行率；得分 → 得分")
    assert "  标签 项目名称 → 项目名称：社区文化活动经费" in lines
    rows = [re.sub(r"^第\d+行", "", line.strip()) for line in lines if re.match(r"^\s+第\d+行（表内", line)]
    assert rows == ["（表内第4行）：资金合计行（年度资金总额）"] + [f"（表内第{n}行）：指标行" for n in (10, 11, 12, 13)] + [
        "（表内第14行）：跳过：空行（只有“-”）", "（表内第15行）：指标行", "（表内第16行）：总分（合计）行",
        "（表内第17行）：跳过：在总分（合计）行之后"]
    assert "JX905" not in out


def test_no_jx905_for_a_table_that_matches(tmp_path):
    assert "JX905" not in codes(national(tmp_path / "社区文化.docx"))


@pytest.mark.parametrize("rate, fires", [
    ("99%", False),  # 198.20 / 200.00 = 99.10%, written to the unit: 99%
    ("99.10%", False),
    ("99.50%", True),
    ("99.12%", True),  # two decimals: 99.12% is not 99.10%
])
def test_jx103_compares_the_rate_at_the_precision_stated(tmp_path, rate, fires):
    hits = findings(national(tmp_path / "社区文化.docx", rate=rate), "JX103")
    assert len(hits) == int(fires)
    if fires:
        assert hits[0].expected == "99.10%" and hits[0].found == f"{rate}"
        assert "按 全年执行数 198.20 ÷ 全年预算数 200.00 计算应为 99.10%" in hits[0].message


def test_jx203_unmet_target_with_full_marks_within_the_score_tolerance(tmp_path):
    """社区覆盖率 ≥100%, actual 99.5%, 20 of 20: the formula gives 19.90, 0.10 below — within the
    0.1 score tolerance, but the target was not met and full marks were given."""
    hits = findings(national(tmp_path / "社区文化.docx"), "JX203")
    assert len(hits) == 1
    assert hits[0].message.startswith("“社区覆盖率”：") and "20×99.5/100 = 19.90" in hits[0].message
    assert (hits[0].expected, hits[0].found, hits[0].score_impact) == ("19.90分", "20分", Decimal("-0.10"))


@pytest.mark.parametrize("coverage, score", [("100%", "20"), ("99.5%", "19.90")])
def test_jx203_quiet_when_met_or_scored_by_the_formula(tmp_path, coverage, score):
    assert findings(national(tmp_path / "社区文化.docx", coverage=coverage, coverage_score=score), "JX203") == []


# ---------------------------------------------------------------------------------------------
# gaps: cut tables and texts


def test_table_cut_before_its_total_row(tmp_path):
    """The clean example cut after its 产出 rows: one JX904 naming the families read and not
    seen; the weight, score-sum and 一级 weight checks stay quiet; no recomputed total."""
    path = tmp_path / "截断.txt"
    path.write_text("\n".join(CLEAN.read_text("utf-8").splitlines()[:318]) + "\n", "utf-8")
    rf = review_file(path)
    report = rf.record.report
    assert report.layout == "selfeval_table" and len(report.indicators) == 9
    assert [g.part for g in report.gaps] == ["table"]
    got = [f.code for f in rf.record.findings]
    assert got.count("JX904") == 1
    jx904 = next(f for f in rf.record.findings if f.code == "JX904")
    assert "已读到的一级指标：产出指标，未见：效益指标、满意度指标" in jx904.message
    assert jx904.evidence[0].value == "项目支出成本控制额"  # the last row read
    assert not {"JX105", "JX106", "JX209"} & set(got)
    assert [s.total for s in rf.record.scorecards] == [None]


def test_table_cut_checks_would_fire_without_the_gap(tmp_path, monkeypatch):
    """The control for the test above: with the gap ignored, the cut table does break the sums."""
    import jixiao.extract as extract_mod

    monkeypatch.setattr(extract_mod, "find_gaps", lambda doc, report: [])
    path = tmp_path / "截断.txt"
    path.write_text("\n".join(CLEAN.read_text("utf-8").splitlines()[:318]) + "\n", "utf-8")
    got = {f.code for f in review_file(path).record.findings}
    assert {"JX105", "JX106", "JX209"} <= got and "JX904" not in got


def test_the_whole_example_has_no_gap():
    rf = review_file(CLEAN)
    assert rf.record.report.gaps == [] and "JX904" not in [f.code for f in rf.record.findings]
    assert rf.record.scorecards[0].total == Decimal("96.85")


HEAD = ("示例区档案馆2024年度部门整体支出绩效自评报告\n一、部门基本情况\n"
        "示例区档案馆负责全区档案的收集、保管和利用，内设综合科、业务科2个科室。\n")
CUT_TEXTS = {
    "句中": (HEAD + "二、部门整体支出情况\n2024年全年支出86.40万元。\n三、存在的问题\n"
             "档案数字化进度偏慢，部分馆藏档案尚未完成扫描，档案利用服务的方式还比较单一，\n",
             "正文在一句话中间结束"),
    "第一部分": (HEAD + "2024年全年支出86.40万元，其中基本支出70.20万元，项目支出16.20万元。\n",
                 "正文在“一、部门基本情况”部分之后结束"),
}


@pytest.mark.parametrize("name", list(CUT_TEXTS))
def test_cut_department_text_is_one_jx904_and_no_missing_parts(tmp_path, name):
    text, message = CUT_TEXTS[name]
    path = tmp_path / f"{name}.txt"
    path.write_text(text, "utf-8")
    rf = review_file(path)
    assert [g.part for g in rf.record.report.gaps] == ["text"]
    got = [f.code for f in rf.record.findings]
    assert got.count("JX904") == 1
    assert next(f for f in rf.record.findings if f.code == "JX904").message.startswith(message)
    assert not {"JX501", "JX502"} & set(got)


COMPLETE = (HEAD + "二、存在的问题\n档案数字化进度偏慢，部分馆藏档案尚未完成扫描，档案利用服务的方式还比较单一。\n"
            "三、改进措施\n下一步，本馆将加快推进档案数字化工作，年内完成剩余馆藏档案的扫描和著录，并拓展线上查档服务。\n")


def test_complete_text_ending_with_the_form_lines_is_not_a_gap(tmp_path):
    path = tmp_path / "完整.txt"
    path.write_text(COMPLETE + "填表人：赵某　　填报日期：2025年3月1日\n联系电话：0000-1234567\n", "utf-8")
    rf = review_file(path)
    assert rf.record.report.gaps == []
    got = {f.code for f in rf.record.findings}
    assert "JX904" not in got
    assert "JX501" in got  # no table: the text is whole, so the checks that need it speak


def test_complete_text_ending_with_a_short_list_is_not_a_gap(tmp_path):
    """The last long sentence introduces a list (“…做好以下几项工作：”); the short numbered items
    after it are the text's end, not closing lines to pass over."""
    path = tmp_path / "列表.txt"
    path.write_text(HEAD + "二、存在的问题\n档案数字化进度偏慢，部分馆藏档案尚未完成扫描。\n三、改进措施\n"
                    "下一步，本馆将围绕档案数字化和档案利用服务两个方面，重点做好以下几项工作：\n"
                    "1.加快推进档案数字化。\n2.完善档案利用服务。\n填表人：赵某　　填报日期：2025年3月1日\n", "utf-8")
    rf = review_file(path)
    assert rf.record.report.gaps == []
    assert "JX904" not in {f.code for f in rf.record.findings}


# ---------------------------------------------------------------------------------------------
# the worked example of docs/layouts.md: a header “本年实际完成” for the actual column


def reading_promotion(path: Path) -> Path:
    rows = [
        ["项目名称", C("全民阅读推广经费", 7)],
        ["主管部门", C("示例县文化和旅游局", 3), "实施单位", C("示例县图书馆", 3)],
        [C("项目资金（万元）", 2), "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [C("年度资金总额", 2), "30.00", "30.00", "28.50", "10", "95.00%", "9.50"],
        ["一级指标", "二级指标", "三级指标", "绩效目标值", "本年实际完成", "分值", "得分", "偏差原因"],
        [C("产出指标", rows=2), "数量指标", "举办阅读推广活动", "≥24场", "26场", "25", "25", ""],
        ["时效指标", "活动完成时间", "2024年12月底前", "2024年12月", "25", "25", ""],
        ["效益指标", "社会效益指标", "图书借阅人次", "≥5万人次", "4.6万人次", "30", "27.6", "寒假闭馆维修"],
        ["满意度指标", "服务对象满意度指标", "读者满意度", "≥90%", "94%", "10", "10", ""],
        [C("总分", 5), "100", "97.10", ""],
    ]
    return write_docx(path, "2024年度项目支出绩效自评表", rows)


def test_worked_example_actual_column_bennian_shiji_wancheng(tmp_path):
    path = reading_promotion(tmp_path / "阅读推广.docx")
    report = only(extract_all(read(path)))
    assert report.layout == "selfeval_table"
    assert [(i.name.value, i.target.raw, i.actual.raw, i.self_score.value) for i in report.indicators] == [
        ("举办阅读推广活动", "≥24场", "26场", Decimal(25)), ("活动完成时间", "2024年12月底前", "2024年12月", Decimal(25)),
        ("图书借阅人次", "≥5万人次", "4.6万人次", Decimal("27.6")), ("读者满意度", "≥90%", "94%", Decimal(10))]
    assert report.indicators[2].actual.parsed.number == Decimal("4.6")
    assert report.self_assessment.total.value == Decimal("97.10") and report.gaps == []
    layout = explain(read(path))[0]
    assert [(c.header, c.field) for c in layout.columns["indicator"]][3:5] == [("绩效目标值", "target"), ("本年实际完成", "actual")]
    assert not {"JX904", "JX905", "JX101"} & set(codes(path))


def test_worked_example_without_the_entry_is_jx905(tmp_path, monkeypatch):
    """Before the entry: the header matches no signature, JX905 names it, and the indicator rows
    below the funds rows are not taken for fund sources."""
    columns = signature("indicator").columns
    assert "^本年实际完成" in [rx.pattern for rx in columns["actual"].patterns]  # the entry in layouts.toml
    monkeypatch.setitem(columns, "actual", Synonyms("actual", [rx for rx in columns["actual"].patterns
                                                               if rx.pattern != "^本年实际完成"]))
    path = reading_promotion(tmp_path / "阅读推广.docx")
    report = only(extract_all(read(path)))
    assert report.indicators == [] and report.funds.by_source == []
    assert report.funds.executed.value == Decimal("28.50")
    hits = findings(path, "JX905")
    assert len(hits) == 1
    assert hits[0].found == "一级指标 | 二级指标 | 三级指标 | 绩效目标值 | 本年实际完成 | 分值 | 得分 | 偏差原因"
    assert findings(path, "JX101") == []
    out = show_layout(path)
    assert "表头像自评表，但不符合任何指标表签名（JX905）：一级指标 | 二级指标 | 三级指标 | 绩效目标值 | 本年实际完成" in out


# ---------------------------------------------------------------------------------------------
# the data itself


def test_every_synonym_is_a_valid_pattern_on_match_text():
    """Synonyms run on match text (no whitespace, ASCII punctuation, simplified characters): a
    pattern with a space, a full-width bracket or colon could never match."""
    lay = layouts()
    pats = [rx.pattern for sig in lay.tables.values() for syn in [*sig.columns.values(), *sig.labels.values()]
            for rx in syn.patterns]
    pats += [rx.pattern for syn in lay.labels.values() for rx in syn.patterns]
    assert len(pats) > 100
    bad = [p for p in pats if re.search(r"\s|[（）：％＝]", p)]
    assert bad == []


# ---------------------------------------------------------------------------------------------
# what kind of quantity an indicator measures: 控制数 is a quota, 是否… a yes/no question, 45万 money


def _indicator(name: str, target: str):
    from jixiao.extract.numbers import parse_measure
    from jixiao.model import Indicator, MeasureValue, Value

    return Indicator(name=Value(value=name, raw=name), target=MeasureValue(value=target, raw=target,
                                                                         parsed=parse_measure(target)))


@pytest.mark.parametrize(("name", "target", "reverse"), [
    ("编制控制数", "≥20人", False),  # written with ≥: 正向 whatever the name
    ("人员控制数", "20人", False),  # a quota, not a ceiling
    ("项目成本控制", "≤50万元", True),
    ("三公经费控制率", "100%", True),
    ("一般性支出压减", "10%", False),  # a cut written as a rate: the larger the better
])
def test_direction_by_operator_and_wording(name, target, reverse):
    from jixiao.rules.indicators import is_reverse

    assert is_reverse(_indicator(name, target)) is reverse


@pytest.mark.parametrize(("name", "target", "kind"), [
    ("是否全部纳入预算资金管理", "是", None),  # a yes/no question, not an amount
    ("实际成本与工作内容的匹配程度", "45万", "money"),  # 山东: 45万 is 45万元 under a 成本 name
    ("项目成本", "45万", "money"),  # 45万 under a money name is 45万元
    ("人员编制控制数", "20人", None),  # 控制数 is not 金额
    ("维修资金", "30万元", "money"),
])
def test_name_kind_and_target_kind(name, target, kind):
    from jixiao.checks.indicators import name_kind, target_kind

    ind = _indicator(name, target)
    assert name_kind(ind) == kind
    if kind == "money":
        assert target_kind(ind) == "money"


def test_money_name_with_bare_wan_target_is_not_misplaced(tmp_path):
    """JX409 must not call “45万” a count under a 成本 indicator (a 山东 form writes 万 for 万元)."""
    rows = [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "成本指标", "项目成本控制额", "45万", "45万", "10", "10"],
        ["产出指标", "数量指标", "开放天数", "≥300天", "310天", "40", "40"],
        ["效益指标", "社会效益指标", "服务人次", "≥5000人次", "5200人次", "30", "30"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "93%", "10", "10"],
        [C("总分", 5), "90", "90"],
    ]
    path = write_docx(tmp_path / "成本.docx", "2023年度项目支出绩效自评表", rows)
    assert "JX409" not in codes(path)


def test_first_chars_passes_over_only_lines_no_pattern_can_match(seeds_dir):
    """The first-character prefilter of the section headings and their numbering (一、 （二） 3.)
    keeps every seed line a pattern matches, and passes over most of the others."""
    from jixiao.extract.layouts import first_chars, starts_like
    from jixiao.readers import read
    from jixiao.rules.report_sections import NUMBERING, _known_patterns, text_lines

    _, joined, firsts = _known_patterns()
    numbering = first_chars(NUMBERING.pattern)
    assert firsts is not None and "存" in firsts[0] and not firsts[1]
    assert numbering is not None and {"（", "第", "⑴", "①"} <= numbering[0] and numbering[1]  # 3. by \d
    texts = [ln.norm for f in sorted(seeds_dir.glob("*.txt")) for ln in text_lines(read(f))]
    for rx, fc, share in ((joined, firsts, 0.2), (NUMBERING, numbering, 0.6)):  # (numbers in cells begin with a digit)
        kept = [t for t in texts if starts_like(t, fc)]
        assert [t for t in texts if rx.match(t)] == [t for t in kept if rx.match(t)]
        assert len(kept) < len(texts) * share
    # a match that may be empty, start anywhere or ignore case: no prefilter
    assert [first_chars(p) for p in ("a*", ".b", "(?i)a", "[^a]", r"\bx")] == [None] * 5
    assert first_chars("^(?:部门|单位)?整体|[⑴-⑶]") == (frozenset("部单整⑴⑵⑶"), False)
