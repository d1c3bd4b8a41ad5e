"""Regression fixtures of issue 14, each hostile file built in the test: the readers give a
Document with a note (partial reading) or a ReadError naming the reason, never another exception."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from ooxml import INDICATORS, p, write_docx
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


def test_deeply_nested_docx_tables_are_a_read_error(tmp_path):
    inner = p("深")
    for _ in range(330):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl><w:p/>"
    path = tmp_path / "nest.docx"
    write_docx(path, p("报告") + inner)
    with pytest.raises(ReadError, match="document.xml"):
        read(path)


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
