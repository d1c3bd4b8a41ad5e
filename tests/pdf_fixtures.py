"""Builders for the PDF reader tests: every PDF is made at test time, nothing binary is stored.

- :func:`write_fixture_docx` writes a small 项目支出绩效自评 report as .docx with python-docx:
  real merged cells (``a.merge(b)``), indented paragraphs long enough to wrap, a page-number
  footer and a running page header, a long table whose header row repeats on the next page, and a long table without a
  repeated header whose vertically merged 类别 cell runs over a page break. LibreOffice
  (``tests/formats.py: convert``) makes the PDF. :data:`SELFEVAL`, :data:`LIST_ROWS` and
  :data:`GROUP_ROWS` are what the reader must give back.
- :func:`minimal_pdf` writes a PDF by hand (pages of raw content streams, a Helvetica font and a
  CID font without a ToUnicode map, optionally a JPEG image per page): garbled pages,
  scans with a text layer, and 501-page files in a few bytes.
- :func:`image_pdf` wraps page images into an image-only PDF (a scan) with PIL.
"""

from __future__ import annotations

import io
from pathlib import Path

from formats import new_docx, page_number_footer

# --------------------------------------------------------------------------------------------
# the .docx fixture

TITLE = "2024年度示例区公共文化服务项目支出绩效自评报告"
PARA_1 = ("示例区公共文化服务项目由区文化馆组织实施，主要用于开展公益文艺演出、群众文化培训、"
          "非物质文化遗产保护传承和基层文化阵地建设等工作。项目全年预算资金120.00万元，"
          "全部为区级财政拨款，年末实际支出116.40万元，预算执行率97.00%。项目实施过程中，"
          "文化馆严格执行财务管理制度，专款专用，没有发生挤占挪用项目资金的情况。")
PARA_2 = ("2024年项目共举办公益文艺演出10场，开设公益培训班44期，群众文化活动参与人次达到33600人次，"
          "服务对象满意度94.6%，较好地完成了年初设定的绩效目标。")
HEADING_1 = "一、项目基本情况"
HEADING_2 = "（一）项目绩效自评表"
HEADING_3 = "二、项目资金明细"
HEADING_4 = "三、分类明细"
CLOSING = "本项目自评得分96.85分，评价等级为“优”。"
RUNNING_HEADER = "示例区文化馆 绩效自评材料"  # the page header on every page

# the self-evaluation table as the reader must give it: rows of (text, colspan, rowspan) for
# real cells and None for a covered placeholder (under a vertically merged cell)
SELFEVAL = [
    [("项目名称", 1, 1), ("示例区公共文化服务项目", 7, 1)],
    [("一级指标", 1, 1), ("二级指标", 1, 1), ("三级指标", 1, 1), ("年度指标值", 1, 1), ("实际完成值", 1, 1),
     ("分值", 1, 1), ("得分", 1, 1), ("偏差原因", 1, 1)],
    [("产出指标", 1, 3), ("数量指标", 1, 2), ("公益演出场次", 1, 1), ("≥12场", 1, 1), ("10场", 1, 1),
     ("20", 1, 1), ("16.67", 1, 1), ("场地改造停办2场", 1, 1)],
    [None, None, ("公益培训期数", 1, 1), ("≥40期", 1, 1), ("44期", 1, 1), ("20", 1, 1), ("20", 1, 1), ("", 1, 1)],
    [None, ("质量指标", 1, 1), ("学员结业率", 1, 1), ("≥90%", 1, 1), ("93.5%", 1, 1), ("20", 1, 1), ("20", 1, 1),
     ("", 1, 1)],
    [("效益指标", 1, 1), ("满意度指标", 1, 1), ("服务对象满意度", 1, 1), ("≥90%", 1, 1), ("94.6%", 1, 1),
     ("40", 1, 1), ("40", 1, 1), ("", 1, 1)],
    [("总分", 5, 1), ("100", 1, 1), ("96.67", 1, 1), ("", 1, 1)],
]

LIST_HEADER = ["序号", "项目名称", "金额（万元）"]
LIST_ROWS = [[str(i), f"明细项目{i}", f"{i * 1.25:.2f}"] for i in range(1, 71)]

GROUP_HEADER = ["类别", "明细", "金额"]
GROUP_MERGE = (40, 60)  # rows (1-based, after the header) whose 类别 cell is one merged cell
GROUP_ROWS = [["人员经费" if i == GROUP_MERGE[0] else ("" if GROUP_MERGE[0] < i <= GROUP_MERGE[1] else f"类别{i}"),
               f"支出明细{i}", f"{i * 0.5:.2f}"] for i in range(1, 71)]


def _indent(paragraph, chars: int = 2, size_pt: float = 10.5) -> None:
    from docx.shared import Pt

    paragraph.paragraph_format.first_line_indent = Pt(chars * size_pt)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trPr = row._tr.get_or_add_trPr()
    h = OxmlElement("w:tblHeader")
    h.set(qn("w:val"), "true")
    trPr.append(h)


def write_fixture_docx(path: Path) -> Path:
    from docx.enum.text import WD_BREAK

    d = new_docx(margin_mm=25, font="WenQuanYi Micro Hei")
    sec = d.sections[0]
    page_number_footer(sec)
    sec.header.paragraphs[0].text = RUNNING_HEADER

    d.add_paragraph(TITLE)
    d.add_paragraph(HEADING_1)
    for text in (PARA_1, PARA_2):
        _indent(d.add_paragraph(text))
    d.add_paragraph(HEADING_2)

    t = d.add_table(rows=7, cols=8)
    t.style = d.styles["Table Grid"]
    grid = [
        ["项目名称", "示例区公共文化服务项目", "", "", "", "", "", ""],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
        ["产出指标", "数量指标", "公益演出场次", "≥12场", "10场", "20", "16.67", "场地改造停办2场"],
        ["", "", "公益培训期数", "≥40期", "44期", "20", "20", ""],
        ["", "质量指标", "学员结业率", "≥90%", "93.5%", "20", "20", ""],
        ["效益指标", "满意度指标", "服务对象满意度", "≥90%", "94.6%", "40", "40", ""],
        ["总分", "", "", "", "", "100", "96.67", ""],
    ]
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if text:
                t.cell(r, c).text = text
    t.cell(0, 1).merge(t.cell(0, 7))
    t.cell(2, 0).merge(t.cell(4, 0))
    t.cell(2, 1).merge(t.cell(3, 1))
    t.cell(6, 0).merge(t.cell(6, 4))
    # merging concatenates the cells' paragraphs: keep only the text of the first
    for cell, text in ((t.cell(0, 1), "示例区公共文化服务项目"), (t.cell(2, 0), "产出指标"), (t.cell(2, 1), "数量指标"),
                       (t.cell(6, 0), "总分")):
        for p in cell.paragraphs[1:]:
            p._p.getparent().remove(p._p)
        cell.paragraphs[0].text = text

    d.add_paragraph(HEADING_3)
    t2 = d.add_table(rows=1 + len(LIST_ROWS), cols=3)
    t2.style = d.styles["Table Grid"]
    for c, text in enumerate(LIST_HEADER):
        t2.cell(0, c).text = text
    _repeat_header(t2.rows[0])
    for r, row in enumerate(LIST_ROWS, 1):
        for c, text in enumerate(row):
            t2.cell(r, c).text = text

    # the third table starts on a new page (after its heading) and runs over the next page break
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph(HEADING_4)
    t3 = d.add_table(rows=1 + len(GROUP_ROWS), cols=3)
    t3.style = d.styles["Table Grid"]
    for c, text in enumerate(GROUP_HEADER):
        t3.cell(0, c).text = text
    for r, row in enumerate(GROUP_ROWS, 1):
        for c, text in enumerate(row):
            if text:
                t3.cell(r, c).text = text
    a, b = GROUP_MERGE
    t3.cell(a, 0).merge(t3.cell(b, 0))
    merged = t3.cell(a, 0)
    for p in merged.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    merged.paragraphs[0].text = "人员经费"
    _indent(d.add_paragraph(CLOSING))
    d.save(str(path))
    return path


# --------------------------------------------------------------------------------------------
# hand-made PDFs


def minimal_pdf(pages: list[bytes], images: list[bytes | None] | None = None, size=(595, 842)) -> bytes:
    """A PDF whose pages have the content streams ``pages``. Fonts: ``/F1`` Helvetica
    (WinAnsi), ``/F2`` a CID font with Identity-H encoding and no ToUnicode map (its glyphs
    extract as ``(cid:NN)``). ``images[i]``, JPEG bytes, is drawn over page i as ``/Im1``
    (the content stream must paint it, e.g. ``q 595 0 0 842 0 0 cm /Im1 Do Q``)."""
    objs: list[bytes | None] = []

    def add(body: bytes | None) -> int:
        objs.append(body)
        return len(objs)

    catalog, pages_id = add(None), add(None)
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    fd = add(b"<< /Type /FontDescriptor /FontName /NoMap /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
             b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>")
    cid = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo << /Registry (Adobe) "
              b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>" % fd)
    f2 = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [%d 0 R] >>" % cid)
    kids = []
    for i, content in enumerate(pages):
        xobj = b""
        jpeg = images[i] if images and i < len(images) else None
        if jpeg:
            from PIL import Image

            with Image.open(io.BytesIO(jpeg)) as im:
                w, h = im.size
                cs = b"/DeviceGray" if im.mode == "L" else b"/DeviceRGB"
            img = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
                      b"/Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, cs, len(jpeg)) + jpeg + b"\nendstream")
            xobj = b" /XObject << /Im1 %d 0 R >>" % img
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R "
                        b"/F2 %d 0 R >>%s >> /Contents %d 0 R >>" % (pages_id, size[0], size[1], f1, f2, xobj, stream)))
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objs[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


def text_op(x: float, y: float, text: str, size: int = 11, invisible: bool = False) -> bytes:
    """A Helvetica text-showing operation at (x, y) from the bottom-left corner."""
    esc = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    mode = b"3 Tr " if invisible else b""
    return b"BT /F1 %d Tf %s%.1f %.1f Td (%s) Tj ET\n" % (size, mode, x, y, esc.encode("latin-1"))


def cid_op(x: float, y: float, n: int = 40) -> bytes:
    """``n`` glyphs of the CID font without a Unicode map (extracted as ``(cid:NN)``)."""
    codes = b"".join(b"%04X" % (0x41 + k % 26) for k in range(n))
    return b"BT /F2 11 Tf %.1f %.1f Td <%s> Tj ET\n" % (x, y, codes)


def render_page(pdf_path: Path, index: int = 0, dpi: int = 200):
    """Page ``index`` of a PDF as a PIL image (pypdfium2)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[index]
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    return image


def image_pdf(images, path: Path, dpi: int = 200) -> Path:
    """An image-only PDF (a scan): one page per PIL image."""
    first, *rest = [im.convert("RGB") for im in images]
    first.save(str(path), "PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return path


def join_pdfs(paths: list[Path], out: Path) -> Path:
    """The pages of ``paths`` one after another in one PDF (pypdfium2)."""
    import pypdfium2 as pdfium

    dest = pdfium.PdfDocument.new()
    for p in paths:
        src = pdfium.PdfDocument(str(p))
        dest.import_pages(src)
        src.close()
    dest.save(str(out))
    dest.close()
    return out
