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


