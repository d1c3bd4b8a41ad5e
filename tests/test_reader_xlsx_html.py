"""Tests for the spreadsheet reader (.xlsx/.xls, ``jixiao.readers.xlsx``) and the HTML reader
(``jixiao.readers.html``).

- The real workbook ``../shared/samples/central-2019-project-selfeval.xls`` (11 sheets, merged
  ranges) is read by path (skipped when absent); its 项目支出绩效自评表 sheet is checked cell by
  cell, and the .xlsx LibreOffice makes of it at test time must read to the same cells.
- Workbooks and pages are built at test time (openpyxl; HTML strings of our own, fictional
  content in the genre) with merged ranges, number formats, navigation, GBK encoding, Word's
  web-page export and a .mht web archive.
- Bad input: truncated/damaged/encrypted workbooks give a ReadError naming the reason; a huge
  sheet is cut with a note.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import quopri
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from jixiao.readers import Cell, Document, Paragraph, ReadError, Table, parse_text, read
from jixiao.readers import xlsx as xlsx_reader
from jixiao.readers.html import collapse, decode_html, parse_html, read_html
from jixiao.readers.xlsx import format_number, read_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "central-2019-project-selfeval.xls"
CLEAN = ROOT / "examples" / "clean_2024_示例区文化馆.txt"
SAMPLE_SHEETS = ["项目基本信息", "项目支出立项依据", "项目支出实施方案", "项目支出计划", "项目支出明细",
                 "项目支出绩效目标申报表", "项目支出绩效目标执行监控", "项目支出绩效自评表", "部门评审报告",
                 "财政评审报告", "监管局审核意见报告"]


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# --------------------------------------------------------------------------------------------
# helpers


def texts(row: list[Cell]) -> list[str]:
    return [c.text for c in row]


def shape(row: list[Cell]) -> list[tuple]:
    """(text, rowspan, colspan, covered) of each cell."""
    return [(c.text, c.rowspan, c.colspan, c.covered) for c in row]


def signature(doc: Document) -> list[tuple]:
    """Everything the reader produced that two reads of the same workbook must share."""
    out = []
    for b in doc.blocks:
        if isinstance(b, Table):
            out.append(("table", b.sheet, b.parent,
                        [[(c.text, c.rowspan, c.colspan, c.covered, c.ref) for c in r] for r in b.rows]))
        else:
            out.append(("paragraph", b.text))
    return out


def row_with(table: Table, text: str) -> list[Cell]:
    rows = [r for r in table.rows if any(c.clean == text for c in r)]
    assert len(rows) == 1, f"{text}: {len(rows)} rows"
    return rows[0]


def assert_view_consistent(doc: Document) -> None:
    """Every cell's line points at its text in the text view, and the view parses back to the
    same cells (the render_lines contract)."""
    for t in doc.tables:
        for c in t.cells():
            first = c.text.split("\n")[0]
            assert doc.lines[c.line - 1] == "\t" + first, (c.ref, c.line, doc.lines[c.line - 1])
    # (two tables with no paragraph between them run together in the text view: compare rows)
    back = parse_text("\n".join(doc.lines))
    assert [texts(r) for t in back.tables for r in t.rows] == [texts(r) for t in doc.tables for r in t.rows]


@pytest.fixture
def sample() -> Path:
    if not SAMPLE.is_file():
        pytest.skip("../shared/samples/central-2019-project-selfeval.xls 不存在")
    return SAMPLE


def sheet_table(doc: Document, sheet: str) -> Table:
    tables = [t for t in doc.tables if t.sheet == sheet]
    assert len(tables) == 1, f"{sheet}: {len(tables)} tables"
    return tables[0]


# --------------------------------------------------------------------------------------------
# the real .xls sample


def test_xls_sample_reads_every_sheet_in_order(sample):
    t0 = time.perf_counter()
    doc = read(sample)
    assert time.perf_counter() - t0 < 5
    assert doc.format == "xls"
    seen = list(dict.fromkeys(t.sheet for t in doc.tables))
    assert seen == SAMPLE_SHEETS
    assert len([t for t in doc.tables if t.sheet == "项目支出计划"]) == 2  # split at the empty rows
    assert doc.notes == []
    assert_view_consistent(doc)


def test_xls_sample_selfeval_sheet(sample):
    doc = read(sample)
    table = sheet_table(doc, "项目支出绩效自评表")
    i = doc.blocks.index(table)
    # the title rows (merged across the width, no borders) are paragraphs before the table
    assert [b.text for b in doc.blocks[i - 2:i]] == ["项目支出绩效自评表", "(2019年度)"]
    assert all(isinstance(b, Paragraph) for b in doc.blocks[i - 2:i])

    first = table.rows[0]
    assert shape(first) == [("项目名称", 1, 2, False), ("2019年210青少年校园足球扶持资金", 1, 9, False)]
    assert [c.ref for c in first] == ["A4", "C4"]
    assert first[1].text.startswith("2019年210青少年校园足")

    header = row_with(table, "一级指标")
    assert texts(header) == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                             "得分", "偏差原因分析及改进措施"]
    third = header[3]
    assert (third.colspan, third.rowspan, third.ref) == (2, 1, "D9")
    assert (header[8].colspan, header[8].ref) == (2, "J9")

    funds = row_with(table, "项目资金（万元）")
    assert texts(funds) == ["项目资金（万元）", "项目名称", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
                            "得分"]
    assert [c.ref for c in funds] == ["A6", "C6", "E6", "F6", "G6", "H6", "I6", "K6"]

    # 年度总体目标 is merged over two rows: a covered placeholder stands in the second
    goal = row_with(table, "年度总体目标")
    assert (goal[0].rowspan, goal[0].ref) == (2, "A7")
    below = table.rows[table.rows.index(goal) + 1]
    assert (below[0].covered, below[0].text, below[0].ref) == (True, "", "A8")
    assert shape(below[1:]) == [("完成校园足球运动技术动画20集的设计制作与播出", 1, 5, False), ("", 1, 5, False)]

    total = table.rows[-1]
    assert shape(total) == [("总分", 1, 7, False), ("0", 1, 1, False), ("0", 1, 1, False), ("", 1, 2, False)]
    assert len(table.rows) == 7  # the empty merged row under 总分 is trimmed


def test_xls_sample_numbers_and_overlapping_merges(sample):
    doc = read(sample)
    detail = sheet_table(doc, "项目支出明细")
    assert texts(row_with(detail, "劳务费")) == ["2", "", "", "劳务费", "动画设计制作与播出费用", "", "20集", "7.5万元/集",
                                              "150.00", "", "0"]
    plan = [t for t in doc.tables if t.sheet == "项目支出计划"][1]
    # numbers under the text format '@' show as General: 190, not 190.0 or nothing
    total = plan.rows[3]
    assert total[2].ref == "C15"
    assert texts(total)[2:] == ["合计", "190", "190", "190", "0", "0", ""]
    monitor = sheet_table(doc, "项目支出绩效目标执行监控")
    # A7:C11 overlaps A8:C8…A11:C11 in the file: the larger range wins
    funds = row_with(monitor, "项目资金（万元）")
    assert (funds[0].rowspan, funds[0].colspan) == (5, 3)
    assert texts(row_with(monitor, "年度资金总额："))[:5] == ["", "年度资金总额：", "190.00", "0.00", "0.00%"]
    assert row_with(monitor, "年度资金总额：")[0].covered


def test_xls_sample_as_xlsx_reads_the_same(sample, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) 未安装")
    src = tmp_path / "in" / "sample.xls"
    src.parent.mkdir()
    shutil.copyfile(sample, src)
    out = tmp_path / "out"
    profile = (tmp_path / "lo").resolve().as_uri()
    subprocess.run([soffice(), "--headless", "--norestore", f"-env:UserInstallation={profile}", "--convert-to",
                    "xlsx", "--outdir", str(out), str(src)], check=False, timeout=240,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=str(tmp_path)))
    converted = out / "sample.xlsx"
    if not converted.exists():
        pytest.skip("LibreOffice 未能转换 .xls → .xlsx")
    t0 = time.perf_counter()
    as_xlsx = read(converted)
    assert time.perf_counter() - t0 < 5
    assert as_xlsx.format == "xlsx"
    assert signature(as_xlsx) == signature(read(sample))


# --------------------------------------------------------------------------------------------
# workbooks built at test time


def build_workbook(path: Path) -> Path:
    """A 部门整体支出绩效自评表 in a workbook: title rows, a bordered indicator table with vertical
    (一级/二级指标) and horizontal (三级指标) merges, number formats; an unbordered second block; a
    hidden sheet of dates and formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    thin = Side(style="thin")
    frame = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A1"] = "示例区某某局2023年度部门整体支出绩效自评表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报单位：示例区某某局"
    ws["G2"] = "单位：万元"
    rows = {
        3: ["一级指标", "二级指标", "三级指标", None, "年度指标值", "实际完成值", "分值", "得分"],
        4: ["产出指标", "数量指标", "举办讲座场次", None, "≥12场", "10场", 5, 5 * 10 / 12],
        5: [None, None, "受益人数", None, "≥1000人", 1200, 5, 5],
        6: [None, "质量指标", "群众满意度", None, 0.9, 0.6646, 10, None],
        7: [None] * 8,
        8: ["总分", None, None, None, None, None, 20, 100.1 + 198.61],
    }
    for r, values in rows.items():
        for c, v in enumerate(values, 1):
            cell = ws.cell(r, c)
            if v is not None:
                cell.value = v
            cell.border = frame
    ws["H4"].number_format = "0.00"
    ws["E6"].number_format = "0%"
    ws["F6"].number_format = "0.00%"
    for rng in ("C3:D3", "C4:D4", "C5:D5", "C6:D6", "A4:A6", "B4:B5", "A8:F8"):
        ws.merge_cells(rng)
    ws["A9"] = "注：得分保留两位小数。"
    # an empty row, then an unbordered block
    ws["A11"] = "附：资金情况"
    ws["A12"], ws["B12"] = "年初预算数", 300
    ws["A13"], ws["B13"] = "全年预算数", 320.5
    ws["B13"].number_format = "#,##0.00"

    other = wb.create_sheet("其他")
    other.sheet_state = "hidden"
    other["A1"], other["B1"] = "填报日期", dt.datetime(2024, 1, 31)
    other["B1"].number_format = "yyyy-mm-dd"
    other["A2"], other["B2"] = "是否公开", True
    other["A3"], other["B3"] = "金额", 1234.5
    other["B3"].number_format = "#,##0.00"
    other["A4"], other["B4"] = "支出", 298.71
    other["B4"].number_format = '0.00"万元"'
    other["A5"], other["B5"] = "负数", -5
    other["B5"].number_format = "0.00_);(0.00)"
    wb.create_sheet("空表")
    wb.save(path)
    return path


def test_built_workbook(tmp_path):
    path = build_workbook(tmp_path / "自评表.xlsx")
    doc = read(path)
    assert doc.format == "xlsx"
    kinds = [(b.kind, b.text if isinstance(b, Paragraph) else b.sheet) for b in doc.blocks]
    assert kinds == [
        ("paragraph", "示例区某某局2023年度部门整体支出绩效自评表"),
        ("paragraph", "填报单位：示例区某某局  单位：万元"),  # unbordered row above a bordered table
        ("table", "自评表"),
        ("paragraph", "注：得分保留两位小数。"),  # unbordered row below it
        ("paragraph", "附：资金情况"),  # single value leading an unbordered block
        ("table", "自评表"),
        ("table", "其他"),
    ]
    t = doc.tables[0]
    assert shape(t.rows[0]) == [("一级指标", 1, 1, False), ("二级指标", 1, 1, False), ("三级指标", 1, 2, False),
                                ("年度指标值", 1, 1, False), ("实际完成值", 1, 1, False), ("分值", 1, 1, False),
                                ("得分", 1, 1, False)]
    assert shape(t.rows[1]) == [("产出指标", 3, 1, False), ("数量指标", 2, 1, False), ("举办讲座场次", 1, 2, False),
                                ("≥12场", 1, 1, False), ("10场", 1, 1, False), ("5", 1, 1, False),
                                ("4.17", 1, 1, False)]
    assert shape(t.rows[2]) == [("", 1, 1, True), ("", 1, 1, True), ("受益人数", 1, 2, False),
                                ("≥1000人", 1, 1, False), ("1200", 1, 1, False), ("5", 1, 1, False),
                                ("5", 1, 1, False)]
    assert shape(t.rows[3]) == [("", 1, 1, True), ("质量指标", 1, 1, False), ("群众满意度", 1, 2, False),
                                ("90%", 1, 1, False), ("66.46%", 1, 1, False), ("10", 1, 1, False),
                                ("", 1, 1, False)]
    assert texts(t.rows[4]) == [""] * 8  # a bordered empty row stays inside the table
    assert shape(t.rows[5]) == [("总分", 1, 6, False), ("20", 1, 1, False), ("298.71", 1, 1, False)]
    assert [c.ref for c in t.rows[2]] == ["A5", "B5", "C5", "E5", "F5", "G5", "H5"]
    assert [c.ref for c in t.rows[1]][:3] == ["A4", "B4", "C4"]

    plain = doc.tables[1]
    assert [texts(r) for r in plain.rows] == [["年初预算数", "300"], ["全年预算数", "320.50"]]
    assert plain.rows[1][1].ref == "B13"

    other = doc.tables[2]
    assert [texts(r) for r in other.rows] == [["填报日期", "2024-01-31"], ["是否公开", "TRUE"], ["金额", "1,234.50"],
                                              ["支出", "298.71万元"], ["负数", "(5.00)"]]
    assert [n.code for n in doc.notes] == ["hidden_sheet"]
    assert "其他" in doc.notes[0].message
    assert_view_consistent(doc)


def test_a_hidden_sheet_is_said_by_jx911(tmp_path):
    """The hidden sheet is read, and the review says so once (an info, among the parser notices)."""
    from jixiao.review import review_file

    rec = review_file(build_workbook(tmp_path / "自评表.xlsx")).record
    (f,) = [x for x in rec.findings if x.code == "JX911"]
    assert f.message == "工作表“其他”是隐藏工作表，已一并读取" and f.severity == "info"


def test_workbook_extension_does_not_matter(tmp_path):
    """The dispatcher sniffs content: an .xlsx saved as .xls (or .et) still reads; openpyxl
    would refuse the name."""
    path = build_workbook(tmp_path / "a.xlsx")
    renamed = tmp_path / "a.et"
    shutil.copyfile(path, renamed)
    assert signature(read(renamed)) == signature(read(path))


@pytest.mark.parametrize("value, code, shown", [
    (298.71000000000004, "General", "298.71"),
    (3.0, "General", "3"),
    (0.6646, "General", "0.6646"),
    (1e16, "General", "10000000000000000"),
    (0.6646, "0.00%", "66.46%"),
    (0.6646, "0%", "66%"),
    (0.125, "0.0%", "12.5%"),
    (298.7, "0.00", "298.70"),
    (1234.5, "#,##0.00", "1,234.50"),
    (1234567, "#,##0,", "1,235"),
    (-5, "0.00_);(0.00)", "(5.00)"),
    (-5, "0.00;[Red]-0.00", "-5.00"),
    (-5, "0.00", "-5.00"),
    (0, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "-"),
    (1234.5, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "1,234.50"),
    (298.71, '0.00"万元"', "298.71万元"),
    (12, "[$¥-804]#,##0.00", "¥12.00"),
    (12345.678, "0.00E+00", "1.23E+04"),
    (1.5, "0.0#", "1.5"),
    (0.5, "#.00", ".50"),
    (7, "@", "7"),
    (2.5, None, "2.5"),
])
def test_format_number(value, code, shown):
    assert format_number(value, code) == shown


# --------------------------------------------------------------------------------------------
# a docx-like grid written to a workbook reads back to the text Document's cells


def test_docx_grid_in_a_workbook_reads_back(tmp_path):
    formats = pytest.importorskip("formats")
    from jixiao.extract import extract

    source = read(CLEAN)
    path = formats.write_xlsx(source, tmp_path / "clean.xlsx")
    doc = read(path)
    want = formats.tables_only(source)
    assert same_cells(formats, doc, want)
    a, b = extract(doc), extract(want)
    assert [_values(i) for i in a.indicators] == [_values(i) for i in b.indicators]
    assert _values(a.funds) == _values(b.funds)
    assert len(a.indicators) >= 10


def same_cells(formats, doc: Document, source: Document) -> bool:
    """``doc`` (read from a file the builders wrote from ``source``) has the cells of ``source``:
    the same texts, and covered placeholders exactly where the builders put vertical merges."""
    got = formats.cell_grid(doc)
    assert [[[t for t, _ in r] for r in t] for t in got] == \
        [[[t for t, _ in r] for r in t] for t in formats.cell_grid(source)]
    assert [[[cov for _, cov in r] for r in t] for t in got] == formats.expected_covered(source)
    return True


def _values(model) -> object:
    """A pydantic model's data without provenance (``source``) or whitespace."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "source"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        if isinstance(x, str):
            return "".join(x.split())
        return x
    return strip(model.model_dump(mode="json"))


# --------------------------------------------------------------------------------------------
# bad workbooks


def test_truncated_xlsx(tmp_path):
    good = build_workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:400])
    for call in (lambda: read(bad), lambda: read_workbook(bad, "xlsx")):
        with pytest.raises(ReadError, match="损坏") as err:
            call()
        assert "bad.xlsx" in str(err.value)


def rewrite_part(src: Path, dest: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == name else zin.read(info.filename))
    return dest


def test_xlsx_with_damaged_sheet_xml(tmp_path):
    good = build_workbook(tmp_path / "good.xlsx")
    bad = rewrite_part(good, tmp_path / "bad.xlsx", "xl/worksheets/sheet1.xml",
                       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c')
    with pytest.raises(ReadError, match="损坏"):
        read(bad)


def test_xlsx_with_doctype_is_refused(tmp_path):
    good = build_workbook(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    evil = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + sheet.split(b"?>", 1)[-1]
    bad = rewrite_part(good, tmp_path / "evil.xlsx", "xl/worksheets/sheet1.xml", evil)
    with pytest.raises(ReadError, match="DOCTYPE"):
        read(bad)


def test_ole_header_then_garbage(tmp_path):
    path = tmp_path / "garbage.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(8192))
    with pytest.raises(ReadError, match="损坏"):
        read(path)
    with pytest.raises(ReadError, match="损坏"):
        read_workbook(path, "xls")


def _patch_workbook_stream(sample: Path, dest: Path, patch) -> Path:
    olefile = pytest.importorskip("olefile")
    shutil.copyfile(sample, dest)
    with olefile.OleFileIO(str(dest), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        patch(data)
        ole.write_stream("Workbook", bytes(data))
    return dest


def test_xls_with_damaged_workbook_stream(sample, tmp_path):
    def scramble(data: bytearray) -> None:
        data[:] = os.urandom(len(data))
    path = _patch_workbook_stream(sample, tmp_path / "damaged.xls", scramble)
    with pytest.raises(ReadError, match="损坏") as err:
        read(path)
    assert "damaged.xls" in str(err.value)


def test_encrypted_xls(sample, tmp_path):
    """An .xls saved with a password has a FILEPASS record right after the workbook's BOF: the
    sample with its second record turned into FILEPASS (same length, so the OLE stream keeps its
    size) is what xlrd sees in an encrypted workbook."""
    def filepass(data: bytearray) -> None:
        _, length = struct.unpack_from("<HH", data, 0)  # BOF
        struct.pack_into("<H", data, 4 + length, 0x002F)
    path = _patch_workbook_stream(sample, tmp_path / "locked.xls", filepass)
    with pytest.raises(ReadError, match="密码"):
        read(path)


def test_huge_sheet_is_cut_with_a_note(tmp_path, monkeypatch):
    from openpyxl import Workbook

    monkeypatch.setattr(xlsx_reader, "MAX_ROWS", 300)
    monkeypatch.setattr(xlsx_reader, "MAX_COLS", 6)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("大表")
    for r in range(1000):
        ws.append([f"项目{r}", r, r * 1.5, "说明", "", "", "", "", "第九列"])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    t0 = time.perf_counter()
    doc = read(path)
    assert time.perf_counter() - t0 < 10
    t = doc.tables[0]
    assert len(t.rows) == 300 and t.width == 4  # columns 5-6 are empty, 7+ cut
    assert texts(t.rows[-1]) == ["项目299", "299", "448.5", "说明"]
    assert [n.code for n in doc.notes] == ["sheet_truncated"]
    assert "300 行" in doc.notes[0].message and "6 列" in doc.notes[0].message


def test_cell_budget_bounds_a_workbook(tmp_path, monkeypatch):
    from openpyxl import Workbook

    monkeypatch.setattr(xlsx_reader, "MAX_CELLS", 100)
    wb = Workbook()
    ws = wb.active
    for r in range(1, 60):
        ws.append([f"a{r}", f"b{r}"])
    path = tmp_path / "many.xlsx"
    wb.save(path)
    doc = read(path)
    assert sum(len(t.rows) for t in doc.tables) == 50
    assert doc.notes and doc.notes[0].code == "sheet_truncated"


# --------------------------------------------------------------------------------------------
# HTML

PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>示例区某某局2023年度部门整体支出绩效自评报告</title>
<style>p {{ text-indent: 2em }}</style><script>var menu = "首页 机构概况";</script>
</head>
<body>
<div class="header"><img src="logo.png"><span>示例区人民政府门户网站</span></div>
<div id="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/jx">绩效评价</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 绩效评价</div>
<div id="content">
<h1>示例区某某局2023年度部门整体支出绩效自评报告</h1>
<div class="info">发布日期：2024-03-15　来源：示例区某某局</div>
<div class="TRS_Editor">
<p>一、部门基本情况</p>
<p>本局内设机构5个，编制人数16人，
实有人数13人。<br>全年支出298.71万元，其中基本支出200.00万元。</p>
<table border="1" cellspacing="0">
<tbody>
<tr><th>一级指标</th><th>二级指标</th><th colspan="2">三级指标</th><th>分值</th><th>得分</th></tr>
<tr><td rowspan="3">产出指标</td><td rowspan="2">数量指标</td><td colspan="2">举办讲座场次</td><td>5</td><td>4.17</td></tr>
<tr><td colspan="2">受益人数</td><td>5</td><td rowspan="2">5</td></tr>
<tr><td>质量指标</td><td colspan="2"><p>群众满意度</p><p>（抽样调查）</p></td><td>10</td></tr>
<tr><td>说明</td><td colspan="5">见附表<table border="1"><tr><td>附表项</td><td>金额</td></tr><tr><td>讲座</td><td>12.50</td></tr></table>以上</td></tr>
</tbody></table>
<p>二、绩效目标完成情况</p>
<ul><li>完成讲座10场；</li><li>受益1200人次。</li></ul>
{extra}
</div>
</div>
<div class="footer">版权所有：示例区人民政府　<a href="/map">网站地图</a>　ICP备00000000号</div>
</body></html>
"""


def html_blocks(doc: Document) -> list[tuple[str, object]]:
    return [("p", b.text) if isinstance(b, Paragraph) else ("t", [texts(r) for r in b.rows]) for b in doc.blocks]


def test_html_gbk_page_with_navigation(tmp_path):
    path = tmp_path / "report.html"
    path.write_bytes(PAGE.format(extra="").encode("gbk"))
    t0 = time.perf_counter()
    doc = read(path)
    assert time.perf_counter() - t0 < 2
    assert (doc.format, doc.encoding) == ("html", "gb18030")
    paras = [b.text for b in doc.paragraphs]
    assert paras == [
        "示例区某某局2023年度部门整体支出绩效自评报告",
        "发布日期：2024-03-15　来源：示例区某某局",
        "一、部门基本情况",
        # the source line break between two Chinese characters disappears; <br> is a new line
        "本局内设机构5个，编制人数16人，实有人数13人。\n全年支出298.71万元，其中基本支出200.00万元。",
        "二、绩效目标完成情况",
        "完成讲座10场；",
        "受益1200人次。",
    ]
    text = "\n".join(doc.lines)
    for chrome in ("门户网站", "机构概况", "当前位置", "版权所有", "网站地图", "var menu"):
        assert chrome not in text

    table, nested = doc.tables
    assert shape(table.rows[0]) == [("一级指标", 1, 1, False), ("二级指标", 1, 1, False), ("三级指标", 1, 2, False),
                                    ("分值", 1, 1, False), ("得分", 1, 1, False)]
    assert shape(table.rows[1]) == [("产出指标", 3, 1, False), ("数量指标", 2, 1, False),
                                    ("举办讲座场次", 1, 2, False), ("5", 1, 1, False), ("4.17", 1, 1, False)]
    assert shape(table.rows[2]) == [("", 1, 1, True), ("", 1, 1, True), ("受益人数", 1, 2, False),
                                    ("5", 1, 1, False), ("5", 2, 1, False)]
    # the rowspan of 得分 ends the row: its placeholder comes after 10
    assert shape(table.rows[3]) == [("", 1, 1, True), ("质量指标", 1, 1, False),
                                    ("群众满意度\n（抽样调查）", 1, 2, False), ("10", 1, 1, False), ("", 1, 1, True)]
    assert texts(table.rows[4]) == ["说明", "见附表\n以上"]  # the nested table's text is not in its cell
    assert nested.parent == (doc.blocks.index(table), 4, 1)
    assert [texts(r) for r in nested.rows] == [["附表项", "金额"], ["讲座", "12.50"]]
    assert doc.blocks.index(nested) == doc.blocks.index(table) + 1
    assert_view_consistent(doc)


def test_html_charset_fallbacks(tmp_path):
    body = PAGE.format(extra="")
    # declared utf-8 but written in GBK: the declaration is wrong, GB18030 decodes it
    wrong = tmp_path / "wrong.html"
    wrong.write_bytes(body.replace("charset=gb2312", "charset=utf-8").encode("gbk"))
    # labelled Latin-1 by a server default: Latin-1 decodes anything, so it is tried last
    latin = tmp_path / "latin.html"
    latin.write_bytes(body.replace("charset=gb2312", "charset=iso-8859-1").encode("gbk"))
    # no declaration at all, UTF-8
    bare = tmp_path / "bare.html"
    bare.write_bytes(body.replace('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "")
                     .encode("utf-8"))
    # UTF-16 with a BOM (Word's "Unicode" web page)
    wide = tmp_path / "wide.htm"
    wide.write_bytes(codecs.BOM_UTF16_LE + body.encode("utf-16-le"))
    want = html_blocks(read_html(_write(tmp_path / "ref.html", body.encode("gbk"))))
    for path, enc in ((wrong, "gb18030"), (latin, "gb18030"), (bare, "utf-8"), (wide, "utf-16")):
        doc = read(path)
        assert doc.encoding == enc, path.name
        assert html_blocks(doc) == want, path.name
    assert decode_html(b'<meta charset="GBK">' + "中文".encode("gbk"), "x")[1] == "gb18030"
    assert decode_html('<?xml version="1.0" encoding="gb2312"?><html>中文</html>'.encode("gbk"), "x") == \
        ('<?xml version="1.0" encoding="gb2312"?><html>中文</html>', "gb18030")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


WORD_HTM = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312">
<meta name=Generator content="Microsoft Word 15">
<!--[if gte mso 9]><xml>
 <w:WordDocument><w:View>Print</w:View></w:WordDocument>
</xml><![endif]-->
<style>
<!--
p.MsoNormal {mso-style-parent:""; margin:0cm; font-size:10.5pt; font-family:等线;}
-->
</style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<div class=WordSection1 style='layout-grid:15.6pt'>
<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:16.0pt'>示例区某某中心2023年度项目支出绩效自评报告<span
lang=EN-US><o:p></o:p></span></span></b></p>
<p class=MsoListParagraph style='margin-left:18.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
lang=EN-US>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]><span
style='font-family:等线'>项目概况：本项目年度预算</span><span lang=EN-US>50.00</span><span
style='font-family:等线'>万元。<o:p></o:p></span></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0
 style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt'>
 <tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes'>
  <td width=92 valign=top style='width:69.2pt;border:solid windowtext 1.0pt'>
  <p class=MsoNormal><span style='font-family:等线'>一级指标<span lang=EN-US><o:p></o:p></span></span></p>
  </td>
  <td width=92 colspan=2 valign=top style='width:69.2pt'>
  <p class=MsoNormal>三级指标</p>
  </td>
  <td width=92 valign=top><p class=MsoNormal>得分</p></td>
 </tr>
 <tr>
  <td width=92 rowspan=2 valign=top><p class=MsoNormal>产出<span lang=EN-US><br></span>指标</p></td>
  <td width=92 colspan=2 valign=top><p class=MsoNormal>培训人次</p></td>
  <td width=92 valign=top><p class=MsoNormal><span lang=EN-US>10.00<o:p></o:p></span></p></td>
 </tr>
 <tr style='mso-yfti-irow:2;mso-yfti-lastrow:yes'>
  <td width=92 colspan=2 valign=top><p class=MsoNormal>培训合格率</p></td>
  <td width=92 valign=top><p class=MsoNormal><span lang=EN-US>&nbsp;</span></p></td>
 </tr>
 <![if !supportMisalignedColumns]>
 <tr height=0>
  <td width=92 style='border:none'></td>
  <td width=46 style='border:none'></td>
  <td width=46 style='border:none'></td>
  <td width=92 style='border:none'></td>
 </tr>
 <![endif]>
</table>
<p class=MsoNormal><span style='display:none;mso-hide:all'>隐藏文字</span>报告完毕。</p>
</div>
</body>
</html>
"""


def test_word_web_page_export(tmp_path):
    path = _write(tmp_path / "report.htm", WORD_HTM.encode("gbk"))
    doc = read(path)
    assert doc.encoding == "gb18030"
    assert [b.text for b in doc.paragraphs] == [
        "示例区某某中心2023年度项目支出绩效自评报告",
        "1. 项目概况：本项目年度预算50.00万元。",
        "报告完毕。",
    ]
    (t,) = doc.tables
    assert [shape(r) for r in t.rows] == [
        [("一级指标", 1, 1, False), ("三级指标", 1, 2, False), ("得分", 1, 1, False)],
        [("产出\n指标", 2, 1, False), ("培训人次", 1, 2, False), ("10.00", 1, 1, False)],
        [("", 1, 1, True), ("培训合格率", 1, 2, False), ("", 1, 1, False)],
    ]  # Word's column-width row (height=0) is not a row of the table


def test_mht_web_archive(tmp_path):
    html = WORD_HTM.encode("gbk")
    body = quopri.encodestring(html).decode("ascii")
    mht = ("MIME-Version: 1.0\r\n"
           'Content-Type: multipart/related; boundary="----=_NextPart_01DA0000.12345678"\r\n\r\n'
           "This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n"
           "------=_NextPart_01DA0000.12345678\r\n"
           "Content-Location: file:///C:/report.htm\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n"
           'Content-Type: text/html; charset="gb2312"\r\n\r\n'
           + body.replace("\n", "\r\n") + "\r\n"
           "------=_NextPart_01DA0000.12345678\r\n"
           "Content-Location: file:///C:/report.files/filelist.xml\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n"
           'Content-Type: text/xml; charset="utf-8"\r\n\r\n'
           "<xml/>\r\n"
           "------=_NextPart_01DA0000.12345678--\r\n")
    path = _write(tmp_path / "report.mht", mht.encode("ascii"))
    doc = read(path)
    assert doc.format == "html"
    want = read_html(_write(tmp_path / "report.htm", html))
    assert html_blocks(doc) == html_blocks(want)
    assert doc.paragraphs[0].text == "示例区某某中心2023年度项目支出绩效自评报告"


def test_layout_table_does_not_hide_content():
    page = """<html><body><table width="1000"><tr><td>
    <h2>示例区某某局2023年度绩效自评报告</h2>
    <table border="1"><tr><td>年初预算数</td><td>全年预算数</td></tr><tr><td>300.00</td><td>320.00</td></tr></table>
    <p>全年执行率85.00%。</p></td></tr></table>
    <table border="1"><tr><td>部门（单位）意见：<br>同意。</td></tr></table></body></html>"""
    doc = parse_html(page)
    assert html_blocks(doc) == [
        ("p", "示例区某某局2023年度绩效自评报告"),
        ("t", [["年初预算数", "全年预算数"], ["300.00", "320.00"]]),
        ("p", "全年执行率85.00%。"),
        ("t", [["部门（单位）意见：\n同意。"]]),  # a one-cell box of text stays a table, as in the .docx
    ]
    assert doc.tables[0].parent is None


def test_title_in_a_header_div_of_the_article_is_kept():
    page = """<html><body><div class="header">示例区人民政府</div>
    <div class="article"><div class="header"><h1>某某局绩效自评报告</h1><span>2024-03-15</span></div>
    <p>正文第一段，内容较长，说明本年度预算执行和绩效目标完成的总体情况。</p>
    <div class="share">分享到：微信 微博</div></div></body></html>"""
    doc = parse_html(page)
    assert [b.text for b in doc.paragraphs] == ["某某局绩效自评报告", "2024-03-15",
                                                "正文第一段，内容较长，说明本年度预算执行和绩效目标完成的总体情况。"]


def test_html_odd_spans_stay_bounded():
    page = ('<table><tr><td colspan="99999">甲</td><td rowspan="0">乙</td></tr>'
            '<tr><td>丙</td></tr><tr><td rowspan="abc">丁</td><td colspan="-3">戊</td></tr></table>')
    doc = parse_html(page)
    (t,) = doc.tables
    assert [shape(r) for r in t.rows] == [
        [("甲", 1, 200, False), ("乙", 3, 1, False)],
        [("丙", 1, 1, False), ("", 1, 1, True)],
        [("丁", 1, 1, False), ("戊", 1, 1, False), ("", 1, 1, True)],
    ]


def test_collapse_whitespace():
    assert collapse("  编制人数16人，\n   实有人数13人。 ") == "编制人数16人，实有人数13人。"
    assert collapse("total\n  298.71 万元") == "total 298.71 万元"
    assert collapse("a\u2028\u2028b") == "a\n\nb"  # two <br>: an empty line
    assert collapse("a\u2029\u2029\u2029b") == "a\nb"  # block boundaries: one line break
    assert collapse("a\u2028\u2029b") == "a\nb"  # a <br> closing a block adds nothing
    assert collapse("\xa0\xa0 x \xa0") == "x"


def test_empty_and_binary_html(tmp_path):
    with pytest.raises(ReadError, match="空"):
        read_html(_write(tmp_path / "empty.html", b"  \n "))
    doc = read_html(_write(tmp_path / "nothing.html", b"<html><body><script>x = 1</script>\n</body></html>"))
    assert doc.blocks == [] and doc.lines == []
    # a page that is all navigation keeps it: never drop most of the text
    doc = read_html(_write(tmp_path / "menu.html", "<html><body><nav>首页 通知</nav></body></html>".encode()))
    assert [b.text for b in doc.paragraphs] == ["首页 通知"]


def test_html_round_trip_of_the_clean_example(tmp_path):
    formats = pytest.importorskip("formats")
    from jixiao.extract import extract

    source = read(CLEAN)
    for enc in ("utf-8", "gbk"):
        path = formats.write_html(source, tmp_path / f"clean.{enc}.html", encoding=enc)
        doc = read(path)
        assert same_cells(formats, doc, source)
        assert [formats.squash(p.text) for p in doc.paragraphs] == [formats.squash(p.text) for p in source.paragraphs]
        a, b = extract(doc), extract(source)
        assert [_values(i) for i in a.indicators] == [_values(i) for i in b.indicators]
        assert _values(a.funds) == _values(b.funds)
        assert len(a.indicators) >= 10


def test_excel_export_that_is_html(tmp_path):
    """Many systems export an ".xls" that is an HTML table (Excel opens it): it is read as HTML."""
    page = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="gbk"></head><body>'
            '<table><tr><td colspan="2">项目支出绩效自评表</td></tr><tr><td>项目名称</td><td>示例项目</td></tr>'
            '<tr><td>全年执行数</td><td x:num="298.71">298.71</td></tr></table></body></html>')
    path = _write(tmp_path / "export.xls", page.encode("gbk"))
    doc = read(path)
    assert doc.format == "html"
    assert [shape(r) for r in doc.tables[0].rows] == [
        [("项目支出绩效自评表", 1, 2, False)],
        [("项目名称", 1, 1, False), ("示例项目", 1, 1, False)],
        [("全年执行数", 1, 1, False), ("298.71", 1, 1, False)],
    ]
