"""Tests for jixiao.readers (the flattened-.docx text reader).

Expected values were looked up in the seed reports with ``cat -n``; the seeds are read by path at
test time (see conftest.py) and none of their text is stored here. Line numbers are 1-based.

Several tests pin down reader defects found while writing them (a cell's line pointing at an empty
tab line, a phantom last line, BOM-only files, binary after a BOM, two genuine short rows glued
together); they fail if any of those comes back.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

import pytest

from jixiao.readers import Cell, Document, Paragraph, ReadError, Table, parse_text, read

SEEDS = ["000", "001", "002", "003", "004"]
CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------------------------
# helpers


def clean(s: str) -> str:
    return "".join(s.split())


def find_row(table: Table, label: str) -> list[Cell]:
    """The one row of ``table`` that has a cell whose cleaned text is ``label``."""
    rows = [r for r in table.rows if any(c.clean == clean(label) for c in r)]
    assert len(rows) == 1, f"{label!r}: {len(rows)} rows in table at line {table.line}"
    return rows[0]


def assert_cell(cell: Cell, text: str, line: int, line_end: int | None = None) -> None:
    assert (cell.text, cell.line, cell.line_end) == (text, line, line if line_end is None else line_end)


def signature(doc: Document) -> list[tuple]:
    """Everything the reader extracted, for comparing two reads of the same text."""
    out: list[tuple] = []
    for b in doc.blocks:
        if isinstance(b, Table):
            cells = tuple(
                tuple((c.text, c.row, c.col, c.line, c.line_end) for c in r) for r in b.rows
            )
            out.append(("table", b.index, b.line, b.line_end, cells))
        else:
            out.append(("paragraph", b.index, b.text, b.line, b.line_end))
    return out


def source_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


# the .docx-to-text conversion writes Word's bookmarks as text (seeds 000, 001, 004)
BOOKMARK = re.compile(r"\[bookmark: _GoBack\]")


def without_bookmark(line: str) -> str:
    return BOOKMARK.sub("", line)


def assert_read_error(path: Path, *keywords: str) -> ReadError:
    with pytest.raises(ReadError) as info:
        read(path)
    err = info.value
    msg = str(err)
    assert str(path) in msg
    assert err.path == str(path)
    assert CJK.search(err.reason), f"reason is not Chinese: {err.reason!r}"
    assert any(k in err.reason for k in keywords), f"{err.reason!r} lacks any of {keywords}"
    return err


# --------------------------------------------------------------------------------------------
# per seed: tables found, their extent and row counts

# (first line, last line, number of rows) of each table, in order
TABLES = {
    "000": [(1, 365, 61), (373, 373, 1), (381, 381, 1), (391, 417, 1), (424, 696, 28)],
    "001": [],
    "002": [(104, 222, 22), (229, 515, 33)],
    "003": [(2, 318, 31)],
    "004": [(74, 193, 23), (201, 406, 24), (412, 475, 10)],
}


@pytest.mark.parametrize("prefix", SEEDS)
def test_seed_tables_found(seed, prefix):
    doc = read(seed(prefix))
    assert doc.encoding == "utf-8"
    assert [(t.line, t.line_end, len(t.rows)) for t in doc.tables] == TABLES[prefix]


# (line, text) of the paragraph directly above each table (its title)
TITLES = {
    "000": [None, (371, "年    月    日"), (379, "年    月    日"),
            (390, "填报人（签名）：张春                联系电话：18711195867"),
            (423, "部门整体支出绩效评价评分表（参考样表）")],
    "002": [(103, "2024年度部门整体支出绩效评价基础数据表"), (228, "2024年度部门整体支出绩效自评表")],
    "003": [(1, "整体支出绩效报告表")],
    "004": [(73, "2024年度部门整体支出绩效评价基础数据表"), (200, "2024年度部门整体支出绩效自评表"),
            (411, "部门整体支出绩效自评工作考核评分表")],
}


@pytest.mark.parametrize("prefix", sorted(TITLES))
def test_seed_table_titles_are_the_paragraph_just_above(seed, prefix):
    doc = read(seed(prefix))
    got = []
    for t in doc.tables:
        before = doc.blocks[t.index - 1] if t.index > 0 else None
        got.append((before.line, before.text) if isinstance(before, Paragraph) else None)
    assert got == TITLES[prefix]


# --------------------------------------------------------------------------------------------
# per seed: specific cells


def test_seed_000_scoring_table_row_budget_adjustment(seed):
    doc = read(seed("000"))
    table = doc.tables[4]  # 附件4-1 部门整体支出绩效评价评分表
    title = doc.blocks[table.index - 1]
    appendix = doc.blocks[table.index - 2]
    assert (appendix.text, appendix.line) == ("附件4-1", 422)
    assert (title.text, title.line) == ("部门整体支出绩效评价评分表（参考样表）", 423)

    header = table.rows[0]
    assert [c.clean for c in header] == ["一级指标", "二级指标", "三级指标", "评分标准", "分值",
                                         "自评得分", "扣分原因和其他说明"]
    assert_cell(header[4], "分值", 428)
    assert_cell(header[5], "自评得分", 429)

    row = find_row(table, "预算调整率")
    assert row[0].row == 4 and len(row) == 7
    assert_cell(row[0], "过  程\n（40分）", 462, 463)
    assert_cell(row[1], "预算执行\n（15分）", 464, 465)
    assert_cell(row[2], "预算调整率", 466)
    assert row[3].text.startswith("预算调整率=0，计3分；") and row[3].line == 467
    assert_cell(row[4], "3", 468)  # 分值
    assert_cell(row[5], "3", 469)  # 自评得分
    assert_cell(row[6], "", 470)


def test_seed_000_repeated_header_after_page_break_stays_in_the_table(seed):
    # two blank lines followed by a tab line (the header repeated on the next page) is a new row
    table = read(seed("000")).tables[4]
    assert [c.clean for c in table.rows[14]][:3] == ["一级指标", "二级指标", "三级指标"]
    assert table.rows[14][0].line == 569
    assert_cell(table.rows[27][0], "总 分", 690)
    assert_cell(table.rows[27][4], "100", 694)
    assert_cell(table.rows[27][5], "100", 695)


def test_seed_000_first_table_cells(seed):
    table = read(seed("000")).tables[0]
    assert_cell(table.rows[0][0], "一、部门（单位）基本概况", 1)  # line 1 is " \t…": space before tab
    assert [c.text for c in table.rows[1]] == ["联系人", "杨可可", "联络电话", "8171033"]
    assert [c.line for c in table.rows[1]] == [3, 4, 5, 6]
    assert_cell(table.rows[4][0], "年度主要\n工作内容", 24, 25)
    row = table.rows[10]
    assert [c.text for c in row] == ["局机关及二级机构汇总", "76.12", "6.41", "69.71", "", "", ""]
    assert [c.line for c in row] == [53, 54, 55, 56, 57, 58, 59]


def test_seed_000_bookmark_dropped_from_the_cell_kept_in_the_text_view(seed):
    # line 279 is “\t[bookmark: _GoBack]指标1：2020年1月-12月”: the bookmark is an artefact of the
    # conversion, not text of the cell; the text view (doc.lines) keeps the line as it is
    path = seed("000")
    doc = read(path)
    cells = [c for t in doc.tables for c in t.cells() if c.line == 279]
    assert len(cells) == 1
    assert (cells[0].text, cells[0].line_end) == ("指标1：2020年1月-12月", 279)
    assert doc.lines[278] == source_lines(path)[278]
    assert doc.lines[278].startswith("\t[bookmark: _GoBack]")
    assert not any("bookmark" in c.text for t in doc.tables for c in t.cells())


def test_seed_004_bookmark_dropped_from_the_paragraph(seed):
    doc = read(seed("004"))
    (para,) = [p for p in doc.paragraphs if p.line == 34]
    assert para.text.startswith("1.严格执行预算管理制度，切实降低运行成本。")
    assert doc.lines[33].startswith("[bookmark: _GoBack]1.严格执行预算管理制度")
    assert not any("bookmark" in p.text for p in doc.paragraphs)


def test_bookmark_alone_on_a_line_keeps_the_layout():
    text = ("题目\n[bookmark: _Toc1]\n\n\t指标\n\t[bookmark: _GoBack]\n第二行\n\n\t甲\n\t乙\n\n\n"
            "[bookmark: x]结尾\n")
    doc = parse_text(text, "fixture.txt")
    assert [(p.text, p.line) for p in doc.paragraphs] == [("题目", 1), ("结尾", 12)]
    (table,) = doc.tables
    assert [[(c.text, c.line, c.line_end) for c in r] for r in table.rows] == [
        [("指标", 4, 4), ("第二行", 6, 6)], [("甲", 8, 8), ("乙", 9, 9)]]
    assert doc.lines[4] == "\t[bookmark: _GoBack]"


def test_seed_001_has_no_tables(seed):
    path = seed("001")
    doc = read(path)
    assert doc.tables == []
    assert all(isinstance(b, Paragraph) for b in doc.blocks)
    nonblank = [(n, without_bookmark(s).strip()) for n, s in enumerate(source_lines(path), 1) if s.strip()]
    assert [(p.line, p.text) for p in doc.paragraphs] == nonblank
    assert len(doc.paragraphs) == 106
    assert (doc.paragraphs[0].line, doc.paragraphs[0].text) == (1, "益阳市资阳区商务局2020年度")
    assert (doc.paragraphs[-1].line, doc.paragraphs[-1].text) == (110, "2021年11月2日")
    hits = [p for p in doc.paragraphs if "1297.24" in p.text]
    assert [p.line for p in hits] == [41, 43]
    assert hits[0].text.startswith("1、年度收支决算情况。")
    assert hits[0].text.endswith("实际拨款支出1297.24万元。")
    assert hits[1].text.startswith("3.支出决算。本年支出合计1297.24万元")


def test_seed_002_basic_data_table(seed):
    table = read(seed("002")).tables[0]
    assert table.width == 7
    row = find_row(table, "三公经费")
    assert row[0].row == 3
    assert [(c.text, c.line, c.line_end) for c in row] == [
        ("三公经费", 119, 119), ("22.2", 120, 120), ("7", 121, 121), ("14.33", 122, 122)]
    assert [c.col for c in row] == [0, 1, 2, 3]
    header = table.rows[2]
    assert [c.text for c in header] == ["经费控制情况(万元)", "2023年决算数", "2024年预算数", "2024年决算数"]
    # empty "\t" cells are kept as empty cells
    assert [(c.text, c.line) for c in find_row(table, "其中：公车购置")] == [
        ("其中：公车购置", 129), ("", 130), ("", 131), ("", 132)]
    # a cell with a continuation line
    assert_cell(table.rows[19][0], "楼堂馆所控制情况 \n（2023年完工项目）", 199, 200)
    assert_cell(table.rows[19][1], "批复规模 \n（㎡）", 201, 202)
    assert_cell(table.rows[21][0], "厉行节约保障措施", 221)


def test_seed_002_indicator_row(seed):
    table = read(seed("002")).tables[1]
    assert table.width == 9
    row = find_row(table, "境内经贸活动完成时间")
    assert row[0].row == 21
    assert [(c.text, c.line) for c in row] == [
        ("", 401), ("", 402), ("", 403), ("境内经贸活动完成时间", 404), ("11月", 405), ("12月", 406),
        ("2.5", 407), ("2.5", 408), ("", 409)]
    header = table.rows[10]
    assert [c.text for c in header] == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值",
                                        "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    funds = find_row(table, "年度资金总额：")
    assert [c.text for c in funds][1:] == ["年度资金总额：", "234.42", "298.71", "298.71", "10",
                                           "100.00%", "10.00"]
    total = find_row(table, "总分")
    assert [(c.text, c.line) for c in total] == [("", 511), ("总分", 512), ("100", 513), ("98", 514),
                                                 ("", 515)]


def test_seed_003_funds_row(seed):
    table = read(seed("003")).tables[0]
    row = find_row(table, "年度资金总额")
    assert row[0].row == 3
    assert [(c.text, c.line) for c in row] == [
        ("", 48), ("年度资金总额", 49), ("2863.29", 50), ("5071.49", 51), ("3370.55", 52),
        ("100", 53), ("66.46%", 54), ("98.5", 55)]


def test_seed_003_blank_line_inside_a_cell_is_one_cell(seed):
    table = read(seed("003")).tables[0]
    header = table.rows[9]
    assert len(header) == 9
    assert_cell(header[0], "整体支出\n\n绩效目标及实施计划完成情况", 92, 94)
    assert_cell(header[4], "年度\n\n指标值", 98, 100)
    assert_cell(header[5], "实际\n\n完成值", 101, 103)
    assert header[4].clean == "年度指标值"
    assert [c.line for c in header] == [92, 95, 96, 97, 98, 101, 104, 105, 106]


def test_seed_003_long_multi_paragraph_cell_then_three_blank_lines(seed):
    table = read(seed("003")).tables[0]
    duty = table.rows[0]
    assert_cell(duty[0], "部门职责", 2)
    assert (duty[1].line, duty[1].line_end) == (3, 29)
    assert duty[1].text.startswith("（1）贯彻落实")
    assert duty[1].text.endswith("（14）承办区委、区政府和上级主管部门交办的其他事项。")
    assert duty[1].text.count("\n\n") == 13  # 14 numbered paragraphs separated by blank lines
    # three blank lines then a tab line: still the same table, a new row
    assert [c.text for c in table.rows[1]] == ["人员编制", "16", "实有人数", "13"]
    assert table.rows[1][0].line == 33


def test_seed_004_split_indicator_header_is_rejoined(seed):
    table = read(seed("004")).tables[1]
    header = table.rows[10]
    assert header[0].clean == "绩效指标"
    assert len(header) == 9
    assert_cell(header[0], "绩\n效\n指\n标", 259, 262)
    assert [c.text for c in header[1:]] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                            "分值", "得分", "偏差原因分析及改进措施"]
    assert [c.line for c in header] == [259, 264, 265, 266, 267, 268, 269, 270, 271]
    assert [(c.row, c.col) for c in header] == [(10, i) for i in range(9)]
    # the rows after the rejoined one are renumbered consecutively
    assert [r[0].row for r in table.rows] == list(range(len(table.rows)))


def test_seed_004_indicator_values(seed):
    table = read(seed("004")).tables[1]
    row = find_row(table, "全年共走访企业")
    assert row[0].row == 11
    assert_cell(row[1], "产出指标\n\n(50分)", 274, 276)
    assert_cell(row[3], "全年共走访企业", 278)
    assert_cell(row[4], "≥60次", 279)
    assert_cell(row[5], "≥80次", 280)
    assert [c.text for c in row[6:]] == ["5", "5", "无偏差"]


def test_seed_004_row_split_by_ideographic_space_line_is_rejoined(seed):
    # line 349 is a lone U+3000 inside the 效益指标 cell, directly followed by the next cell's tab
    table = read(seed("004")).tables[1]
    row = find_row(table, "民营经济发展水平")
    assert len(row) == 9
    assert_cell(row[1], "效益指标\n\n（30分）", 346, 348)
    assert_cell(row[2], "经济效\n益指标", 350, 351)
    assert [c.text for c in row[6:]] == ["5", "5", "无偏差"]


def test_seed_004_basic_data_table_keeps_ideographic_spaces(seed):
    table = read(seed("004")).tables[0]
    row = find_row(table, "项目支出：")
    assert [(c.text, c.line) for c in row] == [("项目支出：", 119), ("0\u3000", 120), ("24\u3000", 121),
                                               ("24\u3000", 122)]
    assert [c.clean for c in row] == ["项目支出：", "0", "24", "24"]


# --------------------------------------------------------------------------------------------
# invariants on every seed


@pytest.mark.parametrize("prefix", SEEDS)
def test_blocks_are_ordered_and_indexed(seed, prefix):
    path = seed(prefix)
    doc = read(path)
    n = len(source_lines(path))
    prev_end = 0
    for i, b in enumerate(doc.blocks):
        assert b.index == i
        assert prev_end < b.line <= b.line_end <= n
        prev_end = b.line_end
    assert doc.tables == [b for b in doc.blocks if isinstance(b, Table)]
    assert doc.paragraphs == [b for b in doc.blocks if isinstance(b, Paragraph)]


@pytest.mark.parametrize("prefix", SEEDS)
def test_cell_and_paragraph_lines(seed, prefix):
    path = seed(prefix)
    doc = read(path)
    src = source_lines(path)
    for p in doc.paragraphs:
        assert 1 <= p.line <= p.line_end <= len(src)
        assert without_bookmark(src[p.line - 1]).strip() == p.text
    for t in doc.tables:
        prev = t.line - 1
        for r, row in enumerate(t.rows):
            for c, cell in enumerate(row):
                assert (cell.row, cell.col) == (r, c)
                assert t.line <= cell.line <= cell.line_end <= t.line_end
                assert cell.line > prev, "cells must follow each other in the source"
                prev = cell.line_end
                # the cell's first source line is its tab line, or (when the tab line is
                # empty) the continuation line where its text starts
                first = cell.text.split("\n")[0]
                assert "\t" in src[cell.line - 1] or (first and first in src[cell.line - 1])
                # every line of the cell's text comes from its own source lines
                span = src[cell.line - 1:cell.line_end]
                for text_line in cell.text.split("\n"):
                    assert any(text_line in s for s in span), (cell.line, text_line)


@pytest.mark.parametrize("prefix", SEEDS)
def test_source_line_at_cell_line_contains_first_text_line(seed, prefix):
    path = seed(prefix)
    doc = read(path)
    src = source_lines(path)
    bad = []
    for t in doc.tables:
        for cell in t.cells():
            first = cell.text.split("\n")[0]
            if first not in src[cell.line - 1]:
                bad.append((cell.line, first))
    assert bad == []


def test_cell_with_empty_tab_line_points_at_its_text(seed):
    # seed 002 lines 203-205: "\t" / "实际规模" / "（㎡）"
    cell = read(seed("002")).tables[0].rows[19][2]
    assert cell.text == "实际规模\n（㎡）"
    assert (cell.line, cell.line_end) == (204, 205)


LINE_COUNTS = {"000": 701, "001": 111, "002": 521, "003": 378, "004": 476}


@pytest.mark.parametrize("prefix", SEEDS)
def test_document_lines_is_the_file_line_count(seed, prefix):
    path = seed(prefix)
    doc = read(path)
    assert len(source_lines(path)) == LINE_COUNTS[prefix]  # as numbered by cat -n
    assert len(doc.lines) == LINE_COUNTS[prefix]


@pytest.mark.parametrize("prefix", SEEDS)
def test_document_lines_are_the_source_lines(seed, prefix):
    path = seed(prefix)
    src = source_lines(path)
    doc = read(path)
    assert doc.lines[:len(src)] == src


def test_excerpt_neighbours(seed):
    path = seed("002")
    src = source_lines(path)
    doc = read(path)
    assert doc.excerpt(121) == [(119, "\t三公经费"), (120, "\t22.2"), (121, "\t7"), (122, "\t14.33"),
                                (123, "")]
    assert doc.excerpt(405, before=1, after=1) == [(404, "\t境内经贸活动完成时间"), (405, "\t11月"),
                                                   (406, "\t12月")]
    assert doc.excerpt(120, before=0, after=0) == [(120, "\t22.2")]
    # clipped at the start of the file
    assert [n for n, _ in doc.excerpt(1)] == [1, 2, 3]
    assert doc.excerpt(1)[0][1].startswith(" 2024年")
    # clipped at the end of the file (seed 002 does not end with a newline)
    assert src[519].startswith("填表人：")
    assert doc.excerpt(521, before=1, after=3) == [(520, src[519]), (521, " ")]


def test_excerpt_at_end_of_newline_terminated_file(seed):
    doc = read(seed("003"))  # 378 lines, the last ones blank, ending with "\n"
    assert [n for n, _ in doc.excerpt(377, after=3)] == [375, 376, 377, 378]


# --------------------------------------------------------------------------------------------
# encodings

ENCODINGS = {
    "gb18030": lambda text: text.encode("gb18030"),
    "utf-16": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-8-sig": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("prefix", SEEDS)
def test_encodings_read_to_the_same_blocks(seed, tmp_path, prefix, encoding):
    path = seed(prefix)
    original = read(path)
    text = path.read_text("utf-8")
    other = tmp_path / f"{prefix}.{encoding}.txt"
    other.write_bytes(ENCODINGS[encoding](text))
    doc = read(other)
    assert doc.encoding == encoding
    assert doc.path == str(other)
    assert signature(doc) == signature(original)
    assert doc.lines == original.lines


def test_utf16_big_endian_with_bom(seed, tmp_path):
    path = seed("002")
    other = tmp_path / "be.txt"
    other.write_bytes(codecs.BOM_UTF16_BE + path.read_text("utf-8").encode("utf-16-be"))
    doc = read(other)
    assert doc.encoding == "utf-16"
    assert signature(doc) == signature(read(path))


@pytest.mark.parametrize("prefix", ["002", "003"])
def test_gb18030_with_crlf_line_ends(seed, tmp_path, prefix):
    path = seed(prefix)
    text = path.read_text("utf-8")
    other = tmp_path / "crlf.txt"
    other.write_bytes(text.replace("\n", "\r\n").encode("gb18030"))
    doc = read(other)
    assert doc.encoding == "gb18030"
    assert signature(doc) == signature(read(path))
    assert not any("\r" in s for s in doc.lines)


# --------------------------------------------------------------------------------------------
# bad input


def test_empty_file(tmp_path):
    p = tmp_path / "空报告.txt"
    p.write_bytes(b"")
    assert_read_error(p, "空")


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "blank.txt"
    p.write_bytes(b"  \n\t\n\r\n   \t \n")
    assert_read_error(p, "空")


def test_random_bytes_with_nul(tmp_path):
    data = bytearray(os.urandom(4096))
    data[0] = 0x07  # not a BOM, zip, OLE or PDF signature
    data[1000] = 0x00
    p = tmp_path / "random.txt"
    p.write_bytes(bytes(data))
    assert_read_error(p, "二进制", "不是文本")


def test_zip_file(tmp_path):
    p = tmp_path / "报告.txt"  # the suffix does not matter, the content does
    p.write_bytes(b"PK\x03\x04" + os.urandom(200))
    assert_read_error(p, "zip", ".docx")


def test_pdf_file(tmp_path):
    p = tmp_path / "report.pdf"
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert_read_error(p, "PDF")


def test_missing_path(tmp_path):
    p = tmp_path / "不存在的报告.txt"
    assert_read_error(p, "不存在")


def test_directory(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    assert_read_error(d, "文件夹")


def test_read_error_message_format():
    err = ReadError("/x/y.txt", "文件为空")
    assert str(err) == "/x/y.txt: 文件为空"
    assert (err.path, err.reason) == ("/x/y.txt", "文件为空")


@pytest.mark.parametrize("data", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF8 + b"\r\n\r\n",
                                  "\u3000\u3000\n\u3000\n".encode("utf-8")],
                         ids=["utf8-bom", "utf16-bom", "utf8-bom-newlines", "ideographic-spaces"])
def test_bom_or_ideographic_space_only_file_is_empty(tmp_path, data):
    p = tmp_path / "bom.txt"
    p.write_bytes(data)
    assert_read_error(p, "空")


def test_bom_followed_by_binary_is_rejected(tmp_path):
    p = tmp_path / "garbage.txt"
    p.write_bytes(codecs.BOM_UTF8 + bytes(range(256)) * 8)
    assert_read_error(p, "二进制", "不是文本", "编码")


# --------------------------------------------------------------------------------------------
# narrative-only text and truncated input


def test_text_without_tables_gives_only_paragraphs(tmp_path):
    text = (
        "某某局2024年度部门整体支出绩效自评报告\n"
        "\n"
        "一、部门基本情况\n"
        "本局内设机构3个，年末实有人数12人。\n"
        "\n"
        "\n"
        "二、存在的问题\n"
        "  预算编制的精准度有待提高。\n"
    )
    p = tmp_path / "narrative.txt"
    p.write_text(text, encoding="utf-8")
    doc = read(p)
    assert doc.tables == []
    assert all(isinstance(b, Paragraph) for b in doc.blocks)
    assert [(b.index, b.line, b.line_end, b.text) for b in doc.blocks] == [
        (0, 1, 1, "某某局2024年度部门整体支出绩效自评报告"),
        (1, 3, 3, "一、部门基本情况"),
        (2, 4, 4, "本局内设机构3个，年末实有人数12人。"),
        (3, 7, 7, "二、存在的问题"),
        (4, 8, 8, "预算编制的精准度有待提高。"),
    ]


def test_truncated_seed_still_parses(seed, tmp_path):
    path = seed("002")
    full = read(path)
    lines = path.read_text("utf-8").splitlines(keepends=True)
    cut = int(len(lines) * 0.4)
    assert cut == 208  # inside the 楼堂馆所 header row of the first table
    p = tmp_path / "truncated.txt"
    p.write_text("".join(lines[:cut]), encoding="utf-8")
    doc = read(p)
    assert len(doc.tables) == 1 < len(full.tables)
    t = doc.tables[0]
    assert len(t.rows) == 20 < len(full.tables[0].rows)
    assert (t.line, t.line_end) == (104, 208)
    last = t.rows[-1]
    assert [c.line for c in last] == [199, 201, 204, 206, 207]  # 实际规模 starts on 204
    assert_cell(last[-1], "预算投资\n（万元）", 207, 208)
    assert signature(doc)[:61] == signature(full)[:61]  # the narrative part is unchanged


# --------------------------------------------------------------------------------------------
# parse_text on a hand-written fixture (own words, in the genre)

FIXTURE = "\n".join([
    "项目支出绩效自评表（示例）",       # 1  title paragraph directly followed by a tab line
    "\t项目名称",                      # 2
    "\t乡村道路养护补助",              # 3
    "",                                # 4  row break
    "\t资金用途",                      # 5
    "\t用于村组道路修补",              # 6
    "及边沟清理",                      # 7  continuation line of the cell above
    "\t",                              # 8  empty cell
    "",                                # 9
    "\t指标名称",                      # 10
    "\t完成值",                        # 11
    "",                                # 12 two blank lines: the table ends
    "",                                # 13
    "备注：上表金额单位为万元。",      # 14
    "",                                # 15
    "满意度调查表",                    # 16 title of the second table
    "\t调查对象",                      # 17
    "\t满意",                          # 18
    "",                                # 19 one blank line inside a cell
    "度",                              # 20
    "",                                # 21
    "\t村民代表",                      # 22
    "\t96%",                           # 23
])


def test_fixture_blocks():
    doc = parse_text(FIXTURE, "fixture.txt")
    assert doc.path == "fixture.txt"
    assert doc.encoding == "utf-8"
    assert len(doc.lines) == 23
    kinds = [(b.kind, b.line, b.line_end) for b in doc.blocks]
    assert kinds == [("paragraph", 1, 1), ("table", 2, 11), ("paragraph", 14, 14),
                     ("paragraph", 16, 16), ("table", 17, 23)]
    assert [b.text for b in doc.paragraphs] == ["项目支出绩效自评表（示例）", "备注：上表金额单位为万元。",
                                                "满意度调查表"]


def test_fixture_first_table():
    t = parse_text(FIXTURE).tables[0]
    assert t.index == 1
    assert [[(c.text, c.line, c.line_end) for c in r] for r in t.rows] == [
        [("项目名称", 2, 2), ("乡村道路养护补助", 3, 3)],
        [("资金用途", 5, 5), ("用于村组道路修补\n及边沟清理", 6, 7), ("", 8, 8)],
        [("指标名称", 10, 10), ("完成值", 11, 11)],
    ]
    assert t.width == 3
    assert t.rows[1][1].clean == "用于村组道路修补及边沟清理"
    assert t.text() == "项目名称 | 乡村道路养护补助\n资金用途 | 用于村组道路修补及边沟清理 | \n指标名称 | 完成值"


def test_fixture_second_table():
    t = parse_text(FIXTURE).tables[1]
    assert t.index == 4
    assert [[(c.text, c.line, c.line_end) for c in r] for r in t.rows] == [
        [("调查对象", 17, 17), ("满意\n\n度", 18, 20)],
        [("村民代表", 22, 22), ("96%", 23, 23)],
    ]
    assert t.rows[0][1].clean == "满意度"


def test_fixture_with_crlf_and_trailing_blank_lines_reads_the_same():
    plain = parse_text(FIXTURE)
    crlf = parse_text(FIXTURE.replace("\n", "\r\n") + "\r\n\r\n\r\n")
    assert signature(crlf) == signature(plain)


def test_fixture_title_directly_followed_by_table():
    doc = parse_text("附表\n\t甲\n\t乙")
    assert [b.kind for b in doc.blocks] == ["paragraph", "table"]
    assert (doc.blocks[0].text, doc.blocks[0].line) == ("附表", 1)
    assert [[c.text for c in r] for r in doc.tables[0].rows] == [["甲", "乙"]]
    assert doc.tables[0].line == 2


def test_split_row_is_rejoined():
    text = "\n".join([
        "\t绩",     # 1  a cell ending with an empty paragraph looks like a row break
        "效",       # 2
        "",         # 3
        "\t一级指标",  # 4
        "\t二级指标",  # 5
        "",         # 6
        "\t",       # 7
        "\t产出指标",  # 8
        "\t数量指标",  # 9
    ])
    t = parse_text(text).tables[0]
    assert [[(c.text, c.row, c.col, c.line) for c in r] for r in t.rows] == [
        [("绩\n效", 0, 0, 1), ("一级指标", 0, 1, 4), ("二级指标", 0, 2, 5)],
        [("", 1, 0, 7), ("产出指标", 1, 1, 8), ("数量指标", 1, 2, 9)],
    ]


def test_two_short_rows_before_a_wide_row_are_not_merged():
    # the shape of seed 000 lines 332-343 without the 四、评价人员 row in between
    text = "\t综合得分\n\t100\n\n\t评价等次\n\t优秀\n\n\t姓名\n\t职务\n\t单位\n\t签字\n"
    t = parse_text(text).tables[0]
    assert [[c.text for c in r] for r in t.rows] == [
        ["综合得分", "100"], ["评价等次", "优秀"], ["姓名", "职务", "单位", "签字"]]
