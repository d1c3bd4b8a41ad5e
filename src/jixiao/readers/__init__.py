"""readers/: ``read(path) -> Document`` for every supported input format."""

from __future__ import annotations

from pathlib import Path

from .document import Block, Cell, Document, Paragraph, ReadError, Table
from .text import parse_text, read_text

__all__ = ["Block", "Cell", "Document", "Paragraph", "ReadError", "Table", "read", "parse_text"]



def read(path: str | Path) -> Document:
    """Read one report file into a Document.

    Only text (flattened .docx text, UTF-8 / GB18030 / UTF-16) is supported for now; other
    formats raise :class:`ReadError` naming the file and the reason.
    """
    p = Path(path)
    if not p.exists():
        raise ReadError(str(p), "文件不存在")
    if p.is_dir():
        raise ReadError(str(p), "这是一个文件夹，不是报告文件")
    with p.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        raise ReadError(str(p), "这是 .docx/.xlsx（zip）文件，暂只支持由其导出的文本；请先另存为 .txt")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(str(p), "这是 .doc/.xls（OLE）文件，暂只支持由其导出的文本；请先另存为 .txt")
    if head.startswith(b"%PDF"):
        raise ReadError(str(p), "这是 PDF 文件，暂只支持文本；请先导出为 .txt")
    return read_text(p)
