"""Tests for the PDF reader (text layer) and the OCR reader (scans, images).

Every PDF is built at test time: a .docx written with python-docx (real merged cells, see
``pdf_fixtures.py``) and converted by LibreOffice; scans rendered from it with pypdfium2 and
wrapped into image-only PDFs; garbled, encrypted, truncated and oversized files made by hand.
Tests that need LibreOffice skip when ``soffice`` is absent; tests that need OCR skip when the
``ocr`` extra (rapidocr_onnxruntime) is not installed, and the behaviour without it is tested
by switching it off.
"""

from __future__ import annotations

import io
import re
import time
from decimal import Decimal
from pathlib import Path

import pdf_fixtures as fx
import pytest
from formats import cell_grid, convert, expected_covered, soffice, write_docx

from jixiao.readers import Document, Paragraph, ReadError, Table, ocr, parse_text, read
from jixiao.readers.pdf import read_pdf

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "examples" / "clean_2024_示例区文化馆.txt"
CJK = re.compile(r"[\u4e00-\u9fff]")
needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) 未安装：无法由 .docx 生成 PDF")
needs_ocr = pytest.mark.skipif(not ocr.available(), reason="未安装 OCR 组件（pip install 'jixiao[ocr]'）")


def squash(s: str) -> str:
    return "".join(s.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The fixture report and the clean example as .docx and .pdf (one LibreOffice run)."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) 未安装：无法由 .docx 生成 PDF")
    d = tmp_path_factory.mktemp("pdf")
    fixture_docx = fx.write_fixture_docx(d / "fixture.docx")
    clean_docx = write_docx(read(CLEAN), d / "clean.docx")
    out = convert([fixture_docx, clean_docx], "pdf", d)
    assert out[fixture_docx] is not None and out[clean_docx] is not None, "LibreOffice 未能生成 PDF"
    return {"fixture.docx": fixture_docx, "fixture.pdf": out[fixture_docx],
            "clean.docx": clean_docx, "clean.pdf": out[clean_docx], "dir": d}


@pytest.fixture(scope="module")
def doc(built) -> Document:
    return read(built["fixture.pdf"])


@pytest.fixture
def no_ocr(monkeypatch):
    """Behave as if the OCR extra were not installed."""
    monkeypatch.setattr(ocr, "available", lambda: False)


def spans(table: Table) -> list[list[tuple[str, int, int] | None]]:
    return [[None if c.covered else (squash(c.text), c.colspan, c.rowspan) for c in row] for row in table.rows]


def assert_read_error(path: Path, *keywords: str, reader=read) -> ReadError:
    with pytest.raises(ReadError) as info:
        reader(path)
    err = info.value
    assert err.path == str(path) and str(path) in str(err)
    assert CJK.search(err.reason), err.reason
    assert any(k in err.reason for k in keywords), f"{err.reason!r} lacks any of {keywords}"
    return err


# --------------------------------------------------------------------------------------------
# text layer: tables, spans, page breaks, paragraphs


def test_document_format_and_blocks(doc):
    assert doc.format == "pdf"
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["paragraph"] * 5 + ["table", "paragraph", "table", "paragraph", "table", "paragraph"]


def test_merged_cells_become_spans_and_placeholders(doc):
    table = doc.tables[0]
    assert spans(table) == fx.SELFEVAL
    # the vertical merge continuation is an empty covered cell at the same place in the row
    row = table.rows[3]
    assert [c.covered for c in row] == [True, True, False, False, False, False, False, False]
    assert row[0].text == "" and row[2].text == "公益培训期数"
    assert table.rows[2][0].rowspan == 3 and table.rows[2][1].rowspan == 2
    assert table.rows[0][1].colspan == 7 and table.rows[6][0].colspan == 5


def test_cells_carry_page_and_bbox(doc):
    table = doc.tables[0]
    assert table.page == 1
    real = [c for c in table.cells() if not c.covered]
    for c in real:
        assert c.page == 1
        x0, top, x1, bottom = c.bbox
        assert 0 < x0 < x1 < 596 and 0 < top < bottom < 843
    # a cell spanning 7 columns is wider than 6 single columns; a 3-row cell taller than 2 rows
    def width(c):
        return c.bbox[2] - c.bbox[0]

    def height(c):
        return c.bbox[3] - c.bbox[1]

    assert width(table.rows[0][1]) > 6 * width(table.rows[1][7])
    assert height(table.rows[2][0]) > 2 * height(table.rows[2][2])
    # the text view points at the cells
    for c in real:
        assert doc.lines[c.line - 1] == "\t" + c.text.split("\n")[0]


def test_table_with_repeated_header_is_joined_across_pages(doc):
    table = doc.tables[1]
    texts = [[squash(c.text) for c in row] for row in table.rows]
    assert texts == [fx.LIST_HEADER] + fx.LIST_ROWS  # the header row repeated on page 2 is dropped
    pages = {c.page for c in table.cells()}
    assert pages == {1, 2}
    assert table.page == 1


def test_table_joined_by_columns_with_a_merge_over_the_page_break(doc):
    table = doc.tables[2]
    a, b = fx.GROUP_MERGE
    expected = [fx.GROUP_HEADER] + [[("" if a < i <= b else row[0]), row[1], row[2]]
                                    for i, row in enumerate(fx.GROUP_ROWS, 1)]
    assert [[squash(c.text) for c in row] for row in table.rows] == expected
    owner = table.rows[a][0]
    assert (owner.text, owner.rowspan, owner.covered) == ("人员经费", b - a + 1, False)
    covered = [table.rows[r][0] for r in range(a + 1, b + 1)]
    assert all(c.covered and c.text == "" for c in covered)
    assert {c.page for c in covered} == {3, 4}  # the merge runs over the break
    assert not any(r[0].covered for i, r in enumerate(table.rows) if not a < i <= b)


def test_paragraphs_rejoined_in_reading_order(doc):
    texts = [p.text for p in doc.paragraphs]
    assert texts == [fx.TITLE, fx.HEADING_1, fx.PARA_1, fx.PARA_2, fx.HEADING_2, fx.HEADING_3, fx.HEADING_4,
                     fx.CLOSING]
    para = doc.paragraphs[2]
    assert para.page == 1 and para.bbox[3] - para.bbox[1] > 40  # several wrapped lines made one paragraph
    assert doc.paragraphs[-1].page == 4


def test_page_headers_and_footers_dropped(built, doc):
    import pdfplumber

    with pdfplumber.open(built["fixture.pdf"]) as pdf:
        texts = [p.extract_text().splitlines() for p in pdf.pages]
    # the running header and the page-number footer are there in the PDF ...
    assert [(t[0].strip(), t[-1].strip()) for t in texts] == [
        (fx.RUNNING_HEADER, f"- {n} -") for n in (1, 2, 3, 4)]
    # ... and not in the document
    prose = [ln for ln in doc.lines if ln.strip() and not ln.startswith("\t")]
    assert not any(re.fullmatch(r"[-\s\d]+", ln) for ln in prose)
    assert not any(squash(fx.RUNNING_HEADER) in squash(ln) for ln in doc.lines)


def test_same_document_as_the_docx_reader(built, doc):
    pytest.importorskip("jixiao.readers.docx")
    from_docx = read(built["fixture.docx"])

    def sig(d: Document):
        return [[[(squash(c.text), c.covered, c.rowspan, c.colspan) for c in row] for row in t.rows]
                for t in d.tables]

    assert sig(doc) == sig(from_docx)
    assert [p.text for p in doc.paragraphs] == [p.text for p in from_docx.paragraphs]


def test_text_view_parses_back(doc):
    again = parse_text("\n".join(doc.lines))
    assert [[[squash(c.text) for c in row] for row in t.rows] for t in again.tables] == \
        [[[squash(c.text) for c in row] for row in t.rows] for t in doc.tables]


def test_speed_per_page(built):
    read_pdf(built["fixture.pdf"])  # warm up imports
    start = time.perf_counter()
    d = read_pdf(built["clean.pdf"])
    elapsed = time.perf_counter() - start
    pages = max(c.page for t in d.tables for c in t.cells() if c.page)
    assert elapsed / pages < 0.5, f"{elapsed / pages * 1000:.0f} ms/page"  # ~60 ms/page measured


# --------------------------------------------------------------------------------------------
# an example report end to end: .txt → .docx → .pdf → extract


def test_clean_example_pdf_gives_the_same_tables_and_record(built):
    from jixiao.extract import extract

    txt, pdf = read(CLEAN), read(built["clean.pdf"])
    # the exact grid the builders made: same cells per row, vertical-merge continuations covered
    expected = [[[(t, cov) for (t, _), cov in zip(row, crow)] for row, crow in zip(tg, tc)]
                for tg, tc in zip(cell_grid(txt), expected_covered(txt))]
    assert cell_grid(pdf) == expected
    assert squash("".join(p.text for p in pdf.paragraphs)) == squash("".join(p.text for p in txt.paragraphs))

    a, b = extract(txt), extract(pdf)
    assert len(b.indicators) == len(a.indicators) == 13

    def ind(r):
        return [(squash(i.name.value or ""), i.target.value, i.actual.value, i.weight.value, i.self_score.value)
                for i in r.indicators]

    assert ind(b) == ind(a)
    row = next(i for i in b.indicators if squash(i.name.value or "") == "公益文艺演出场次")
    assert (row.target.value, row.actual.value, row.weight.value, row.self_score.value) == \
        ("≥12场", "10场", Decimal(5), Decimal("4.17"))
    for attr in ("initial_budget", "full_year_budget", "executed", "execution_rate", "weight", "self_score"):
        assert getattr(b.funds, attr).value == getattr(a.funds, attr).value, attr
    assert b.funds.executed.value == Decimal("254.10")
    assert b.funds.executed.source.page is not None or b.funds.executed.source.line


# --------------------------------------------------------------------------------------------
# scans and garbled text layers


@pytest.fixture(scope="module")
def scan_pdf(built) -> Path:
    """Page 1 of the fixture as an image-only PDF (a scan at 200 dpi)."""
    return fx.image_pdf([fx.render_page(built["fixture.pdf"], 0)], built["dir"] / "scan.pdf")


def test_scanned_pdf_without_ocr_is_a_read_error(scan_pdf, no_ocr):
    err = assert_read_error(scan_pdf, "扫描件")
    assert "pip install 'jixiao[ocr]'" in err.reason


def test_scanned_page_among_text_pages_is_noted(built, scan_pdf, no_ocr):
    mixed = fx.join_pdfs([built["fixture.pdf"], scan_pdf], built["dir"] / "mixed.pdf")
    d = read(mixed)
    assert [(n.code, n.page) for n in d.notes] == [("no_text_layer", 5)]
    assert "第5页" in d.notes[0].message
    assert spans(d.tables[0]) == fx.SELFEVAL  # the text pages are read as before


@needs_ocr
def test_scanned_pdf_with_ocr(scan_pdf):
    d = read(scan_pdf)
    assert d.format == "pdf"
    assert any(n.code == "ocr_page" and n.page == 1 for n in d.notes)
    table = d.tables[0]
    # the grid comes from the ruling lines in the image: the same spans as the text layer
    shape = [[None if c is None else (c[1], c[2]) for c in row] for row in fx.SELFEVAL]
    assert [[None if c.covered else (c.colspan, c.rowspan) for c in row] for row in table.rows] == shape
    texts = [[squash(c.text) for c in row] for row in table.rows]
    assert texts[1] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"]
    assert texts[2][2:7] == ["公益演出场次", "≥12场", "10场", "20", "16.67"]
    confs = [c.confidence for c in table.cells() if not c.covered and c.text]
    assert confs and all(0 < c <= 1 for c in confs)
    assert sum(c >= 0.9 for c in confs) > 0.8 * len(confs)
    paras = [squash(p.text) for p in d.paragraphs]
    assert squash(fx.TITLE) in paras
    assert any(squash(fx.PARA_1)[:30] in p for p in paras)
    for note in d.notes:
        if note.code == "ocr_low_confidence":
            assert note.confidence < 0.8 and note.page == 1


def test_image_without_ocr_is_a_read_error(built, no_ocr, tmp_path):
    png = tmp_path / "page.png"
    fx.render_page(built["fixture.pdf"], 0, dpi=100).save(png)
    err = assert_read_error(png, "未安装 OCR 组件")
    assert "pip install 'jixiao[ocr]'" in err.reason


@needs_ocr
def test_skewed_image_with_ocr(built, doc, tmp_path):
    """A photo-like scan: the top of page 1 down to the self-evaluation table, turned by 1.5°."""
    from PIL import Image

    bottom = max(c.bbox[3] for c in doc.tables[0].cells()) + 20
    page = fx.render_page(built["fixture.pdf"], 0)
    crop = page.crop((0, 0, page.width, int(bottom * 200 / 72)))
    png = tmp_path / "skewed.png"
    crop.rotate(1.5, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255)).save(png, dpi=(200, 200))
    d = read(png)
    assert d.format == "image"
    assert squash(fx.TITLE) in [squash(p.text) for p in d.paragraphs]
    assert len(d.tables) == 1
    shape = [[None if c is None else (c[1], c[2]) for c in row] for row in fx.SELFEVAL]
    table = d.tables[0]
    assert [[None if c.covered else (c.colspan, c.rowspan) for c in row] for row in table.rows] == shape
    assert [squash(c.text) for c in table.rows[5]][2:7] == ["服务对象满意度", "≥90%", "94.6%", "40", "40"]
    assert all(c.confidence is not None for c in table.cells() if c.text)
    assert d.notes[0].code == "ocr_page"


@needs_ocr
def test_multipage_tiff_with_ocr(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    font_path = next((p for p in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",) if Path(p).exists()), None)
    if font_path is None:
        pytest.skip("没有中文字体（fonts-wqy-microhei）来画测试图片")
    font = ImageFont.truetype(font_path, 40)
    frames = []
    for text in ("第一页：项目支出绩效自评报告", "第二页：预算执行率97.00%"):
        im = Image.new("L", (1400, 300), 255)
        ImageDraw.Draw(im).text((100, 120), text, font=font, fill=0)
        frames.append(im)
    tif = tmp_path / "scan.tiff"
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(200, 200))
    d = read(tif)
    assert [(squash(p.text), p.page) for p in d.paragraphs] == [
        ("第一页：项目支出绩效自评报告", 1), ("第二页：预算执行率97.00%", 2)]
    assert all(0.8 < p.confidence <= 1 for p in d.paragraphs)


def test_broken_image_is_a_read_error(tmp_path):
    if not ocr.available():
        pytest.skip("未安装 OCR 组件")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert_read_error(bad, "图片")


def test_garbled_page_is_noted(tmp_path, no_ocr):
    ok = fx.text_op(72, 760, "Performance self-evaluation report of the culture center, page one.")
    path = tmp_path / "cid.pdf"
    path.write_bytes(fx.minimal_pdf([ok, fx.cid_op(72, 760)]))
    d = read(path)
    assert d.lines == ["Performance self-evaluation report of the culture center, page one."]
    assert [(n.code, n.page) for n in d.notes] == [("garbled_page", 2)]
    assert "第2页" in d.notes[0].message and "乱码" in d.notes[0].message


def test_all_pages_garbled_is_a_read_error(tmp_path, no_ocr):
    path = tmp_path / "cid_only.pdf"
    path.write_bytes(fx.minimal_pdf([fx.cid_op(72, 760), fx.cid_op(72, 700)]))
    err = assert_read_error(path, "乱码")
    assert "jixiao[ocr]" in err.reason


@needs_ocr
def test_scan_with_text_layer_gets_its_grid_from_the_image(tmp_path):
    """A searchable scan: an image with ruling lines and no vector lines, the text invisible."""
    from PIL import Image, ImageDraw

    scale = 200 / 72
    img = Image.new("L", (int(595 * scale), int(842 * scale)), 255)
    draw = ImageDraw.Draw(img)
    xs, ys = [72, 250, 400, 520], [100, 140, 180, 220]
    for x in xs:
        draw.line([(x * scale, ys[0] * scale), (x * scale, ys[-1] * scale)], fill=0, width=3)
    for y in ys:
        draw.line([(xs[0] * scale, y * scale), (xs[-1] * scale, y * scale)], fill=0, width=3)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\n"
    for r in range(3):
        for c in range(3):
            content += fx.text_op(xs[c] + 6, 842 - ys[r + 1] + 12, f"Item {r}{c} budget", invisible=True)
    path = tmp_path / "searchable.pdf"
    path.write_bytes(fx.minimal_pdf([content], images=[buf.getvalue()]))
    d = read(path)
    assert len(d.tables) == 1
    assert [[c.text for c in row] for row in d.tables[0].rows] == \
        [[f"Item {r}{c} budget" for c in range(3)] for r in range(3)]


# --------------------------------------------------------------------------------------------
# files that are not readable PDFs


@needs_soffice
def test_encrypted_pdf(built):
    opts = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
            '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    out = convert([built["fixture.docx"]], opts, built["dir"] / "enc")[built["fixture.docx"]]
    assert out is not None
    assert b"/Encrypt" in out.read_bytes()
    assert_read_error(out, "加密")


def test_truncated_pdf(built, tmp_path):
    data = built["fixture.pdf"].read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(data[: len(data) // 2])
    assert_read_error(half, "不完整", "损坏")


def test_corrupt_pdf(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    assert_read_error(bad, "损坏")


def test_not_a_pdf(tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_bytes(bytes(range(256)) * 8)
    assert_read_error(fake, "不是", "无法", "损坏")  # sniffed by content: not a PDF, not text
    text = tmp_path / "text.pdf"
    text.write_text("这是一份文本报告，不是 PDF。", encoding="utf-8")
    assert_read_error(text, "不是 PDF", reader=read_pdf)


def test_too_many_pages(tmp_path):
    path = tmp_path / "many.pdf"
    path.write_bytes(fx.minimal_pdf([fx.text_op(72, 760, "page")] * 501))
    assert_read_error(path, "超过 500 页")


def test_blank_pdf(tmp_path):
    path = tmp_path / "blank.pdf"
    path.write_bytes(fx.minimal_pdf([b""]))
    assert_read_error(path, "没有任何文字")


def test_paragraph_blocks_have_positions(doc):
    for block in doc.blocks:
        assert block.line >= 1
        if isinstance(block, Paragraph):
            assert block.page in (1, 2, 3, 4) and block.bbox is not None
