"""The .docx reader at the table-grid level, on WordprocessingML written by hand (tests/ooxml.py),
and the legacy .doc path through LibreOffice."""

from __future__ import annotations

import shutil

import pytest

from jixiao.readers import ReadError, read
from jixiao.readers import office
from ooxml import INDICATORS, p, tbl, tc, tr, write_docx


@pytest.fixture
def indicators_doc(tmp_path):
    path = tmp_path / "自评表.docx"
    write_docx(path, p("项目支出绩效自评表") + INDICATORS + p("（单位：万元）"))
    return read(path)


def test_body_order_and_format(indicators_doc):
    kinds = [b.kind for b in indicators_doc.blocks]
    assert kinds == ["paragraph", "table", "paragraph"]
    assert indicators_doc.format == "docx"
    assert indicators_doc.blocks[0].text == "项目支出绩效自评表"


def test_vertical_merge_is_a_rowspan_with_covered_placeholders(indicators_doc):
    rows = indicators_doc.tables[0].rows
    first, second, third = rows[1][0], rows[1][1], rows[2][1]
    assert (first.text, first.rowspan) == ("产出指标", 3)
    assert (second.text, second.rowspan) == ("数量指标", 2)
    assert rows[2][0].covered and rows[2][0].text == "" and rows[3][0].covered
    assert third.covered and not rows[3][1].covered and rows[3][1].text == "时效指标"
    assert [c.text for c in rows[2]] == ["", "", "公益讲座", "≥20场", "18场", "10", "9"]


def test_grid_span_is_one_cell(indicators_doc):
    total = indicators_doc.tables[0].rows[4]
    assert [(c.text, c.colspan) for c in total] == [("总分", 5), ("25", 1), ("24", 1)]


def test_text_view_parses_back_to_the_same_cells(indicators_doc):
    from jixiao.readers import parse_text

    again = parse_text("\n".join(indicators_doc.lines))
    assert [[c.text for c in r] for r in again.tables[0].rows] == \
           [[c.text for c in r] for r in indicators_doc.tables[0].rows]
    cell = indicators_doc.tables[0].rows[2][4]
    assert indicators_doc.lines[cell.line - 1] == "\t18场"


def test_extracted_indicators_from_docx(indicators_doc):
    from jixiao.extract import extract

    report = extract(indicators_doc)
    names = [(i.level1.value, i.level2.value, i.name.value) for i in report.indicators]
    assert ("产出指标", "数量指标", "公益讲座") in names
    lecture = next(i for i in report.indicators if i.name.value == "公益讲座")
    assert lecture.target.parsed.number == 20 and lecture.actual.parsed.number == 18
    assert lecture.self_score.value == 9 and lecture.self_score.source.row == 2


def test_grid_before_and_hmerge(tmp_path):
    hmerge = '<w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc>'
    first = '<w:tc><w:tcPr><w:hMerge w:val="restart"/></w:tcPr>' + p("基本支出") + "</w:tc>"
    path = tmp_path / "g.docx"
    write_docx(path, tbl(tr(tc("a"), tc("b"), tc("c")), tr(tc("x"), tc("y"), before=1), tr(first, hmerge, tc("24"))))
    rows = read(path).tables[0].rows
    assert [c.text for c in rows[1]] == ["x", "y"]
    assert [(c.text, c.colspan) for c in rows[2]] == [("基本支出", 2), ("24", 1)]


def test_nested_table_is_its_own_block_after_the_parent(tmp_path):
    inner = tbl(tr(tc("在编"), tc("12")), tr(tc("编外"), tc("3")))
    path = tmp_path / "n.docx"
    write_docx(path, tbl(tr(tc("人员情况"), tc("见右表", extra=inner))) + p("后文"))
    doc = read(path)
    outer, nested = doc.tables
    assert outer.rows[0][1].text == "见右表"  # the nested table's text is not in the parent cell
    assert nested.parent == (outer.index, 0, 1)
    assert [[c.text for c in r] for r in nested.rows] == [["在编", "12"], ["编外", "3"]]
    assert doc.blocks[-1].text == "后文"


def test_text_box_read_once_and_content_controls_and_tracked_changes(tmp_path):
    box = ('<w:p><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
           '<wps:txbx><w:txbxContent>' + p("文本框：自评得分98分") + '</w:txbxContent></wps:txbx></w:drawing>'
           '</mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent>' + p("文本框：自评得分98分") +
           '</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>')
    sdt = '<w:sdt><w:sdtPr/><w:sdtContent>' + p("单位名称：示例区图书馆") + '</w:sdtContent></w:sdt>'
    tracked = ('<w:p><w:r><w:t>全年执行数</w:t></w:r><w:del><w:r><w:delText>300</w:delText></w:r></w:del>'
               '<w:ins><w:r><w:t>298.71</w:t></w:r></w:ins><w:r><w:t>万元</w:t></w:r></w:p>')
    path = tmp_path / "b.docx"
    write_docx(path, box + sdt + tracked)
    texts = [b.text for b in read(path).paragraphs]
    assert texts == ["正文", "文本框：自评得分98分", "单位名称：示例区图书馆", "全年执行数298.71万元"]


def test_real_word_merges_via_python_docx(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            t.cell(r, c).text = f"{r}{c}"
    t.cell(0, 0).merge(t.cell(0, 1)).text = "表头"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "产出指标"
    path = tmp_path / "w.docx"
    d.save(path)
    rows = read(path).tables[0].rows
    assert [(c.text, c.colspan) for c in rows[0]] == [("表头", 2), ("02", 1)]
    assert rows[1][0].rowspan == 2 and rows[2][0].covered


# -- .doc through LibreOffice -----------------------------------------------------------------

needs_soffice = pytest.mark.skipif(office.soffice() is None, reason="LibreOffice (soffice) is not installed")


@needs_soffice
def test_doc_via_libreoffice_gives_the_docx_cells(tmp_path):
    src = tmp_path / "自评表.docx"
    write_docx(src, p("项目支出绩效自评表") + INDICATORS + p("（完）"))  # Word ends a body with a paragraph
    out = office.convert([src], "doc", tmp_path / "lo")[src]
    before = set(tmp_path.iterdir())
    doc = read(out)
    assert doc.format == "doc" and doc.path == str(out)
    assert [[c.text for c in r] for r in doc.tables[0].rows] == \
           [[c.text for c in r] for r in read(src).tables[0].rows]
    assert doc.tables[0].rows[1][0].rowspan == 3
    assert set(tmp_path.iterdir()) == before  # nothing written beside the input


def test_doc_without_libreoffice_says_how_to_install(tmp_path, monkeypatch):
    ole = tmp_path / "old.doc"
    if office.soffice() is None:
        pytest.skip("needs a real .doc, made with LibreOffice")
    src = tmp_path / "s.docx"
    write_docx(src, INDICATORS)
    shutil.copyfile(office.convert([src], "doc", tmp_path / "lo")[src], ole)
    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(ReadError, match="LibreOffice.*apt-get install"):
        read(ole)


def test_ole_file_that_is_neither_word_nor_excel(tmp_path):
    path = tmp_path / "x.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ReadError, match="损坏|复合文档"):
        read(path)
