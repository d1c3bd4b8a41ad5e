"""WordprocessingML written by hand for the reader tests: each construct (gridSpan, vMerge,
gridBefore, hMerge, nested tables, text boxes, content controls, tracked changes) exactly as Word
writes it, in a minimal but valid package (LibreOffice opens it too)."""

from __future__ import annotations

import zipfile

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.wordprocessingml.document.main+xml"/></Types>')

RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def tc(text: str = "", span: int = 1, vmerge: str | None = None, extra: str = "") -> str:
    props = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
    if vmerge is not None:
        props += '<w:vMerge w:val="restart"/>' if vmerge == "restart" else "<w:vMerge/>"
    paras = "".join(p(t) for t in text.split("\n")) if text else "<w:p/>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paras}{extra}</w:tc>"


def tr(*cells: str, before: int = 0) -> str:
    pr = f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before else ""
    return f"<w:tr>{pr}{''.join(cells)}</w:tr>"


def tbl(*rows: str, cols: int = 7) -> str:
    grid = '<w:gridCol w:w="1200"/>' * cols
    return f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def write_docx(path, body: str, document: str | None = None) -> None:
    xml = document or f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("word/document.xml", xml)


INDICATORS = tbl(
    tr(tc("一级指标"), tc("二级指标"), tc("三级指标"), tc("年度指标值"), tc("实际完成值"), tc("分值"), tc("得分")),
    tr(tc("产出指标", vmerge="restart"), tc("数量指标", vmerge="restart"), tc("举办展览"), tc("≥12次"), tc("12次"),
       tc("10"), tc("10")),
    tr(tc(vmerge="continue"), tc(vmerge="continue"), tc("公益讲座"), tc("≥20场"), tc("18场"), tc("10"), tc("9")),
    tr(tc(vmerge="continue"), tc("时效指标"), tc("完成时间"), tc("2024年11月"), tc("2024年12月"), tc("5"), tc("5")),
    tr(tc("总分", span=5), tc("25"), tc("24")),
)




# ------------------------------------------------------------------------------------------
# SpreadsheetML: a minimal .xlsx package written by hand, so a test can hold what no spreadsheet
# program writes (a row numbered 0, a shared-string index of -1, "1,234" in a numeric cell,
# 300 sheet entries pointing at one worksheet part)

XL_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XL_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XL_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>{parts}</Types>')
XL_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XL_SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def xc(ref: str, value: str, t: str | None = None) -> str:
    """One ``<c>``: ``t="s"`` (shared string index), ``"n"``/None (number), ``"inlineStr"``, ``"str"``."""
    if t == "inlineStr":
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    kind = f' t="{t}"' if t else ""
    return f'<c r="{ref}"{kind}><v>{value}</v></c>'


def xrow(r: int | str, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def sheet_xml(*rows: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{XL_MAIN}">'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


def write_xlsx(path, sheets: list[str], strings: list[str] | None = None, names: list[str] | None = None,
               targets: list[int] | None = None) -> None:
    """A workbook of the worksheet parts ``sheets`` (from :func:`sheet_xml`), a shared-string table
    ``strings`` and one ``<sheet>`` entry per name in ``names`` (default one per part), entry i
    pointing at part ``targets[i]`` (default i)."""
    names = names or [f"Sheet{i + 1}" for i in range(len(sheets))]
    targets = targets if targets is not None else list(range(len(names)))
    entries = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{XL_REL}/worksheet" Target="worksheets/sheet{t + 1}.xml"/>'
                   for i, t in enumerate(targets))
    rels += f'<Relationship Id="rIdS" Type="{XL_REL}/sharedStrings" Target="sharedStrings.xml"/>' if strings else ""
    parts = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{XL_SHEET_TYPE}"/>'
                    for i in range(len(sheets)))
    parts += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{XL_SST_TYPE}"/>' if strings else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", XL_TYPES.format(parts=parts))
        zf.writestr("_rels/.rels", RELS.replace("word/document.xml", "xl/workbook.xml"))
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook '
                                       f'xmlns="{XL_MAIN}" xmlns:r="{XL_REL}"><sheets>{entries}</sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                    f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, xml in enumerate(sheets):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
        if strings:
            sis = "".join(f"<si><t>{s}</t></si>" for s in strings)
            zf.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst '
                        f'xmlns="{XL_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{sis}</sst>')


# ------------------------------------------------------------------------------------------
# hostile files of issue 14 (tests/test_hostile_readers.py, bench/bench_hostile.py)


def nested_docx(path, levels: int):
    """A .docx of one table holding a table … ``levels`` tables deep, the innermost cell "深"."""
    inner = p("深")
    for k in range(levels):
        inner = f"<w:tbl><w:tr><w:tc>{p(f'第{levels - k}层')}{inner}</w:tc></w:tr></w:tbl><w:p/>"
    write_docx(path, p("报告") + inner)
    return path


def long_strings(n: int = 30, size: int = 20_000) -> list[str]:
    """``n`` strings of ``size`` random CJK characters: they compress like real text (a repeated
    character would be refused as a zip bomb before any sheet is read)."""
    import random

    rnd = random.Random(1)
    return ["".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(size)) for _ in range(n)]


def sheet_of_long_strings(strings: list[str]) -> str:
    """A worksheet of 10 rows × 5 cells, each a shared string of ``strings``."""
    return sheet_xml(*(xrow(r + 1, *(xc(f"{col}{r + 1}", str((r * 5 + k) % len(strings)), "s")
                                     for k, col in enumerate("ABCDE"))) for r in range(10)))
