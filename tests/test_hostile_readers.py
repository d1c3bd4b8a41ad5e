"""Regression fixtures of issue 14, each hostile file built in the test: the readers give a
Document with a note (partial reading) or a ReadError naming the reason, never another exception."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from ooxml import INDICATORS, nested_docx, p, write_docx
from pdf_fixtures import minimal_pdf, text_op

from jixiao.readers import ReadError, read

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "project_2023_示例区图书馆免费开放.txt"


def test_undecodable_byte_in_a_text_report_is_replaced_and_noted(tmp_path):
    data = EXAMPLE.read_bytes()
    cut = data.index(b"\n", 200) + 1
    path = tmp_path / "bad.txt"
    path.write_bytes(data[:cut] + b"\xff\xfe" + data[cut:])
    doc = read(path)
    notes = [n for n in doc.notes if n.code == "undecodable_bytes"]
    assert len(notes) == 1 and notes[0].line == data[:cut].count(b"\n") + 1
    assert "项目名称" in "\n".join(doc.lines)  # the rest is read


def test_text_table_above_the_cell_budget_is_refused(tmp_path):
    from jixiao.readers.text import MAX_CELLS

    path = tmp_path / "cells.txt"
    path.write_text("报告\n" + "\tx\n" * (MAX_CELLS + 1), "utf-8")
    with pytest.raises(ReadError, match="单元格"):
        read(path)


def test_meta_charset_undefined_reads_with_a_fallback_and_a_note(tmp_path):
    path = tmp_path / "cs.html"
    path.write_bytes('<html><head><meta charset="undefined"></head><body><p>自评报告正文</p></body></html>'.encode())
    doc = read(path)
    assert doc.paragraphs[0].text == "自评报告正文"
    assert [n.code for n in doc.notes] == ["charset_fallback"] and "undefined" in doc.notes[0].message


def test_deeply_nested_html_tables_are_read_with_a_note(tmp_path):
    path = tmp_path / "nest.html"
    path.write_text("<html><body>" + "<table><tr><td>x<table><tr><td>y" * 400 + "最深处" +
                    "</td></tr></table></td></tr></table>" * 400 + "</body></html>", "utf-8")
    doc = read(path)  # was a RecursionError
    assert doc.lines[:3] == ["x", "", "y"]
    assert any(n.code == "html_truncated" and "嵌套" in n.message for n in doc.notes)


def test_tables_nested_beyond_what_xml_parses_are_a_read_error_naming_the_reason(tmp_path):
    with pytest.raises(ReadError) as err:
        read(nested_docx(tmp_path / "nest.docx", 330))  # 330 × tbl/tr/tc: beyond libxml2's 256 levels
    assert err.value.reason == "word/document.xml 的元素嵌套超过 256 层（例如表格中套表格数十层），不像一份正常的报告；未读取"


def test_tables_nested_deeper_than_the_cap_are_read_as_text_with_a_note(tmp_path):
    from jixiao.readers.limits import DOCX_MAX_TABLE_DEPTH

    doc = read(nested_docx(tmp_path / "nest.docx", 60))
    assert DOCX_MAX_TABLE_DEPTH == 10 and len(doc.tables) == 11
    assert [t.parent for t in doc.tables] == [None] + [(doc.tables[k].index, 0, 0) for k in range(10)]
    innermost = doc.tables[-1].rows[0][0].text.split("\n")
    assert innermost == ["第11层"] + [f"第{k}层" for k in range(12, 61)] + ["深"]
    assert [(n.code, n.message) for n in doc.notes] == [
        ("content_truncated", "表格嵌套超过 10 层，更深的 1 个表格只读入文字、未还原表格结构")]


def test_tables_nested_as_real_reports_nest_them_read_as_tables(tmp_path):
    doc = read(nested_docx(tmp_path / "nest.docx", 3))
    assert [[[c.text for c in row] for row in t.rows] for t in doc.tables] == [[["第1层"]], [["第2层"]], [["第3层\n深"]]]
    assert [t.parent for t in doc.tables] == [None, (doc.tables[0].index, 0, 0), (doc.tables[1].index, 0, 0)]
    assert not doc.notes


def test_docx_of_400k_paragraphs_reads_the_first_50k_with_a_note(tmp_path):
    """3 MB / 400,000 paragraphs: 16 s and 900 MB to review before."""
    from jixiao.readers.limits import DOCX_MAX_PARAGRAPHS

    path = tmp_path / "paras.docx"
    write_docx(path, "".join(p(f"第{i}段") for i in range(400_000)))
    doc = read(path)
    assert DOCX_MAX_PARAGRAPHS == 50_000 and len(doc.paragraphs) == 50_000
    assert doc.paragraphs[-1].text == "第49999段"
    assert [(n.code, n.message) for n in doc.notes] == [
        ("content_truncated", "文档有 400000 个段落（上限 50000 个），读到第 50000 个段落处为止，其后内容未读取")]


def test_paragraph_cap_cuts_inside_a_table_keeping_what_comes_before(tmp_path, monkeypatch):
    from ooxml import tbl, tc, tr

    from jixiao.readers import docx

    monkeypatch.setattr(docx, "DOCX_MAX_PARAGRAPHS", 5)
    path = tmp_path / "cut.docx"
    write_docx(path, p("标题") + tbl(*(tr(tc(f"r{r}c1"), tc(f"r{r}c2")) for r in range(4)), cols=2) + p("落款"))
    doc = read(path)
    assert doc.paragraphs[0].text == "标题"
    assert [[c.text for c in row] for row in doc.tables[0].rows] == [["r0c1", "r0c2"], ["r1c1", "r1c2"]]
    assert len(doc.blocks) == 2 and doc.notes[0].message.startswith("文档有 10 个段落（上限 5 个）")


def _pdf_with(content: bytes) -> bytes:
    return minimal_pdf([text_op(72, 780, "Report page one") + content])


def test_pdf_page_with_one_huge_string_is_skipped_fast_with_a_note(tmp_path):
    path = tmp_path / "s.pdf"
    path.write_bytes(_pdf_with(b"BT /F1 11 Tf 72 72 Td (" + b"A" * 5_000_000 + b") Tj ET\n"))
    doc_or_error = None
    try:
        doc_or_error = read(path)
    except ReadError as exc:
        doc_or_error = exc
    assert isinstance(doc_or_error, ReadError) or any(n.code == "content_truncated" for n in doc_or_error.notes)


def test_pdf_page_of_zeros_is_bounded(tmp_path):
    import zlib

    zeros = zlib.compress(b"\0" * (200 * 1024 * 1024), 9)
    pdf = minimal_pdf([b"ZEROS"])
    assert b"<< /Length 5 >>\nstream\nZEROS" in pdf
    pdf = pdf.replace(b"<< /Length 5 >>\nstream\nZEROS",
                      b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(zeros) + zeros)
    path = tmp_path / "z.pdf"
    path.write_bytes(pdf)
    with pytest.raises(ReadError):  # the only page is skipped (noted): no text at all
        read(path)
    import pdfplumber

    from jixiao.readers.pdf import _over_budget

    with pdfplumber.open(path) as doc:
        assert "解压后超过" in _over_budget(doc.pages[0])


def test_error_in_pdf_close_does_not_replace_the_first(tmp_path, monkeypatch):
    import pdfplumber

    path = tmp_path / "c.pdf"
    path.write_bytes(_pdf_with(b""))
    monkeypatch.setattr(pdfplumber.PDF, "close", lambda self: (_ for _ in ()).throw(ValueError("close failed")))
    doc = read(path)  # read in full: the close error is only noted
    assert "Report page one" in "\n".join(doc.lines)


def _corrupt_member(src: Path, out: Path, member: str, how: str) -> Path:
    """``src`` with ``member``'s compression method (``how="method"``) or CRC (``"crc"``) damaged."""
    import struct

    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(member)
    for at in (info.header_offset,):
        if how == "method":
            struct.pack_into("<H", data, at + 8, 99)
        else:
            struct.pack_into("<I", data, at + 14, 0xDEADBEEF)
    # the central directory entry of the member too
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:
        name_len = struct.unpack_from("<H", data, cd + 28)[0]
        if bytes(data[cd + 46:cd + 46 + name_len]).decode() == member:
            if how == "method":
                struct.pack_into("<H", data, cd + 10, 99)
            else:
                struct.pack_into("<I", data, cd + 16, 0xDEADBEEF)
        cd = data.find(b"PK\x01\x02", cd + 4)
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("how", ["method", "crc"])
def test_bad_member_we_need_names_it_and_one_we_do_not_read_is_ignored(tmp_path, how):
    good = tmp_path / "good.docx"
    write_docx(good, p("x" * 2000) + INDICATORS)
    with zipfile.ZipFile(good, "a") as zf:
        zf.writestr("word/unused.xml", "<x>" + "y" * 5000 + "</x>")
    bad = _corrupt_member(good, tmp_path / "bad.docx", "word/document.xml", how)
    with pytest.raises(ReadError, match="document.xml"):
        read(bad)
    spare = _corrupt_member(good, tmp_path / "spare.docx", "word/unused.xml", how)
    assert read(spare).tables  # the damaged member is never read


def test_xlsx_with_a_bad_member_we_do_not_read(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "项目支出绩效自评表"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    with zipfile.ZipFile(good, "a") as zf:
        zf.writestr("xl/unused.xml", "<x>" + "y" * 5000 + "</x>")
    spare = _corrupt_member(good, tmp_path / "spare.xlsx", "xl/unused.xml", "method")
    assert read(spare).paragraphs[0].text == "项目支出绩效自评表"


def test_project_row_of_100k_cells_finds_the_next_filled_cell():
    """_conclusion_rows looked for the next non-empty cell with a slice per cell (quadratic)."""
    from jixiao.extract.project import _conclusion_rows
    from jixiao.model import Report
    from jixiao.readers.document import Cell, Document, Table

    row = [Cell("自评等级", 0, 0)] + [Cell("", 0, c) for c in range(1, 100_000)] + [Cell("优", 0, 100_000)]
    table = Table(0, [row])
    doc = Document(path="x", blocks=[table], lines=[""])
    report = Report(kind="project")
    _conclusion_rows(doc, table, report)  # ~40 s when quadratic; the time is bench's, the answer is ours
    assert report.self_assessment.grade.raw == "优"



def test_control_characters_in_html_are_dropped(tmp_path):
    """Found by the fuzz suite: lxml keeps U+0001 in the tree, then refuses it when a hidden
    element's tail is moved (ValueError)."""
    path = tmp_path / "ctl.html"
    path.write_bytes(b'<html><body><p>a\x01b</p><div style="display:none">x</div>\x02tail\x0c</body></html>')
    assert read(path).lines == ["ab", "", "tail"]


# ------------------------------------------------------------------------------------------
# .xlsx: odd cells and rows are read with a note (JX906), never refuse the workbook


def _example_workbook(tmp_path: Path, name: str, edit=None) -> Path:
    """The example report as an .xlsx (tests/formats.py), its sheet XML passed through ``edit``."""
    import formats

    from jixiao.readers.text import read_text

    path = formats.write_xlsx(read_text(EXAMPLE), tmp_path / "good.xlsx")
    if edit is None:
        return path
    out = tmp_path / name
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    return out


def _jx906(record) -> list[str]:
    return [f.message for f in record.findings if f.code == "JX906"]


def test_xlsx_row_numbered_0_is_kept_with_a_note(tmp_path):
    from jixiao.review import review_file

    def row_0(xml: str) -> str:
        assert '<row r="1">' in xml and 'r="E1"' in xml
        xml = xml.replace('<row r="1">', '<row r="0">')
        for col in "ABCDEFGHI":
            xml = xml.replace(f'r="{col}1"', f'r="{col}0"')
        return xml

    good = review_file(_example_workbook(tmp_path, "good.xlsx")).record
    bad = review_file(_example_workbook(tmp_path, "row0.xlsx", row_0)).record
    assert good.report.project_name.value == "示例区公共图书馆免费开放补助资金"
    assert bad.report.project_name.value == good.report.project_name.value  # was lost: the row was dropped
    assert bad.report.project_name.source.ref == "E1"
    assert _jx906(bad) == ["工作表“（2023年度）”有 1 处行号或单元格位置无效（行号“0”无效，读作第1行），已按其在文件中的位置读入"]
    assert not _jx906(good)


def test_xlsx_number_cells_with_thousands_separators_or_inf(tmp_path):
    from jixiao.review import review_file

    def odd_numbers(xml: str) -> str:
        assert '<c r="D4" s="5" t="n"><v>86</v></c>' in xml and '<c r="C4" s="5" t="n"><v>80</v></c>' in xml
        xml = xml.replace('<c r="D4" s="5" t="n"><v>86</v></c>', '<c r="D4" s="5" t="n"><v>1,086</v></c>')
        return xml.replace('<c r="C4" s="5" t="n"><v>80</v></c>', '<c r="C4" s="5" t="n"><v>inf</v></c>')

    path = _example_workbook(tmp_path, "odd.xlsx", odd_numbers)
    doc = read(path)  # refused the whole workbook before (ValueError: invalid literal for int())
    cells = {c.ref: c.text for t in doc.tables for c in t.cells()}
    assert cells["D4"] == "1086.00" and cells["C4"] == "inf" and cells["E4"] == "81.70"
    assert [(n.code, n.message) for n in doc.notes] == [
        ("cell_as_text", "工作表“（2023年度）”有 1 个数值单元格写有千位分隔符（D4“1,086”），已去掉分隔符按数字读入"),
        ("cell_as_text", "工作表“（2023年度）”有 1 个单元格的值不是有效的数字、日期或逻辑值（C4“inf”），已按文字读入"),
    ]
    record = review_file(path).record
    assert record.error is None and record.report.funds.full_year_budget.value == Decimal("1086.00")
    assert len(_jx906(record)) == 2


def test_xlsx_shared_string_index_out_of_range_is_an_empty_cell(tmp_path):
    from ooxml import sheet_xml, write_xlsx, xc, xrow

    path = tmp_path / "sst.xlsx"
    write_xlsx(path, [sheet_xml(xrow(1, xc("A1", "0", "s"), xc("B1", "1", "s")),
                                xrow(2, xc("A2", "2", "s"), xc("B2", "-1", "s")),
                                xrow(3, xc("A3", "3", "s"), xc("B3", "9", "s")))],
               ["项目名称", "示例项目", "主管部门", "实施单位"])
    doc = read(path)  # -1 read the last string ("实施单位"), 9 refused the workbook
    assert [[c.text for c in row] for row in doc.tables[0].rows] == [["项目名称", "示例项目"], ["主管部门", ""],
                                                                      ["实施单位", ""]]
    assert [(n.code, n.message) for n in doc.notes] == [
        ("bad_index", "工作表“Sheet1”有 2 个单元格引用的共享字符串不存在（B2“-1”、B3“9”），读作空单元格")]


def test_xlsx_rows_out_of_order_or_unnumbered_are_kept(tmp_path):
    from ooxml import sheet_xml, write_xlsx, xc, xrow

    path = tmp_path / "rows.xlsx"
    write_xlsx(path, [sheet_xml(xrow(2, xc("A2", "甲", "inlineStr"), xc("B2", "1")),
                                xrow(2, xc("A2", "乙", "inlineStr"), xc("B2", "2")),
                                xrow("x", xc("A9", "丙", "inlineStr"), xc("ZZZZ9", "3")))])
    doc = read(path)
    assert [[(c.ref, c.text) for c in row] for row in doc.tables[0].rows] == [
        [("A2", "甲"), ("B2", "1")], [("A3", "乙"), ("B3", "2")], [("A4", "丙"), ("B4", "3")]]
    assert [n.message for n in doc.notes] == [
        "工作表“Sheet1”有 3 处行号或单元格位置无效（行号“2”重复或倒序，读作第3行、行号“x”无效，读作第4行、"
        "单元格位置“ZZZZ9”无效，读作B4），已按其在文件中的位置读入"]


def test_xlsx_300_sheets_pointing_at_one_part_read_it_once(tmp_path):
    """12.7 KB, 300 sheet entries on one worksheet part of long strings: 14 s and 1.7 GB before."""
    from ooxml import long_strings, sheet_of_long_strings, write_xlsx

    from jixiao.readers.xlsx import MAX_SHEETS

    path = tmp_path / "sheets.xlsx"
    write_xlsx(path, [sheet_of_long_strings(long_strings())], long_strings(),
               names=[f"表{i}" for i in range(300)], targets=[0] * 300)
    doc = read(path)
    assert MAX_SHEETS == 200 and [t.sheet for t in doc.tables] == ["表0"]
    assert sum(len(c.text) for c in doc.tables[0].cells()) == 50 * 20_000
    assert [(n.code, n.message) for n in doc.notes] == [
        ("sheet_truncated", "工作表“表200”起的 100 个工作表未读取（超出每个工作簿 200 个工作表的上限）"),
        ("sheet_truncated", "工作表“表1”等 199 个工作表与工作表“表0”指向工作簿中的同一部分"
                            "（xl/worksheets/sheet1.xml），未重复读取")]


def test_xlsx_text_budget_stops_a_workbook_of_long_strings(tmp_path):
    from ooxml import long_strings, sheet_of_long_strings, write_xlsx

    from jixiao.readers.xlsx import MAX_CHARS

    strings = long_strings()
    path = tmp_path / "chars.xlsx"
    write_xlsx(path, [sheet_of_long_strings(strings)] * 300, strings)  # 300 parts, 1M characters each
    doc = read(path)
    assert MAX_CHARS == 5_000_000 and [t.sheet for t in doc.tables] == [f"Sheet{i}" for i in range(1, 6)]
    assert MAX_CHARS <= sum(len(c.text) for t in doc.tables for c in t.cells()) <= MAX_CHARS + 20_000
    assert [n.message for n in doc.notes] == ["工作表“Sheet5”读到工作簿文字上限（5000000 个字符）为止，其后内容未读取",
                                              "工作表“Sheet6”起的 295 个工作表未读取（已到工作簿文字上限）"]


# ------------------------------------------------------------------------------------------
# table caps (readers/limits.py, JX909): rows per table and cells per row, every reader


def test_text_row_of_100k_cells_is_cut_with_a_note(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_text("报告\n\n" + "".join(f"\t{k}\n" for k in range(100_000)) + "\n\n落款\n", "utf-8")
    doc = read(path)
    assert [len(row) for row in doc.tables[0].rows] == [1000]
    assert doc.tables[0].rows[0][-1].text == "999" and doc.paragraphs[-1].text == "落款"
    assert [(n.code, n.message, n.line) for n in doc.notes] == [
        ("table_capped", "表格有 1 行超过每行 1000 个单元格的上限（第 1 行起），每行只读取前 1000 个", 3)]


def test_docx_table_of_10001_rows_and_a_row_of_1500_cells(tmp_path):
    from ooxml import tbl, tc, tr

    path = tmp_path / "big.docx"
    rows = [tr(*(tc(f"{k}") for k in range(1500)))] + [tr(tc(f"第{r}行")) for r in range(1, 10_001)]
    write_docx(path, p("报告") + tbl(*rows, cols=1) + p("落款"))
    doc = read(path)
    table = doc.tables[0]
    assert len(table.rows) == 10_000 and len(table.rows[0]) == 1000 and table.rows[-1][0].text == "第9999行"
    assert doc.paragraphs[-1].text == "落款"
    assert [(n.code, n.message, n.line) for n in doc.notes] == [
        ("table_capped", "表格超过每张表 10000 行的上限，第 10001 行起未读取；有 1 行超过每行 1000 个单元格"
                         "的上限（第 1 行起），每行只读取前 1000 个", table.line)]


def test_docx_cell_budget_leaves_out_later_tables_with_a_note(tmp_path, monkeypatch):
    from ooxml import tbl, tc, tr

    from jixiao.readers import docx

    monkeypatch.setattr(docx, "DOC_MAX_CELLS", 6)
    path = tmp_path / "cells.docx"
    two_by_two = tbl(tr(tc("a"), tc("b")), tr(tc("c"), tc("d")), cols=2)
    write_docx(path, p("报告") + two_by_two + p("中间") + two_by_two + p("再") + two_by_two)
    doc = read(path)
    assert [[[c.text for c in row] for row in t.rows] for t in doc.tables] == [[["a", "b"], ["c", "d"]], [["a", "b"]]]
    assert [b.text for b in doc.paragraphs] == ["报告", "中间", "再"]
    assert [n.message for n in doc.notes] == ["文档表格单元格超过 6 个，其后的表格内容未读取"]


def test_html_table_within_the_caps_has_no_note(tmp_path):
    path = tmp_path / "ok.html"
    path.write_text("<html><body><table>" + "<tr>" + "<td>x</td>" * 1000 + "</tr>" * 1 + "</table></body></html>", "utf-8")
    doc = read(path)
    assert len(doc.tables[0].rows[0]) == 1000 and not doc.notes


def test_html_row_beyond_the_cap_is_cut_with_a_note(tmp_path):
    path = tmp_path / "wide.html"
    path.write_text("<html><body><table><tr>" + "<td>x</td>" * 1001 + "</tr></table></body></html>", "utf-8")
    doc = read(path)
    assert len(doc.tables[0].rows[0]) == 1000
    assert [n.code for n in doc.notes] == ["table_capped"] and "有 1 行超过每行 1000 个单元格的上限" in doc.notes[0].message


def test_xlsx_cells_of_other_types_that_do_not_parse_and_a_bad_style(tmp_path):
    from ooxml import sheet_xml, write_xlsx, xc, xrow

    path = tmp_path / "types.xlsx"
    write_xlsx(path, [sheet_xml(xrow(1, xc("A1", "真", "b"), xc("B1", "2024-13-45", "d"), xc("C1", "1E999"),
                                   '<c r="D1" s="77"><v>5</v></c>'))])
    doc = read(path)  # each of these refused the workbook (ValueError, IndexError on the style)
    assert [c.text for c in doc.tables[0].rows[0]] == ["真", "2024-13-45", "1E999", "5"]
    assert [n.message for n in doc.notes] == [
        "工作表“Sheet1”有 3 个单元格的值不是有效的数字、日期或逻辑值（A1“真”、B1“2024-13-45”、C1“1E999”），已按文字读入"]
