"""readers/: ``read(path) -> Document`` for every supported input format.

The format is decided by the content, not the suffix (a ``.doc`` that is really HTML or RTF,
an ``.xls`` that is really .xlsx, a report saved as ``.txt`` that is a PDF): see :func:`sniff`.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .document import Block, Cell, Document, Paragraph, ReadError, ReadNote, Table, render_lines
from .safety import check_size, open_zip
from .text import parse_text, read_text

__all__ = ["Block", "Cell", "Document", "Paragraph", "ReadError", "ReadNote", "Table", "read", "parse_text",
           "render_lines", "sniff", "SUFFIXES"]

# suffixes collected from a folder; a file given by name is read whatever its suffix (images
# only then: a folder's logos and photos are not reports)
SUFFIXES = (".txt", ".text", ".docx", ".docm", ".doc", ".wps", ".rtf", ".pdf", ".xlsx", ".xlsm", ".xls",
            ".et", ".html", ".htm", ".mht")

T = TypeVar("T")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def sniff(path: Path) -> str:
    """The format of ``path`` from its first bytes (and, for containers, their parts):
    ``docx``, ``xlsx``, ``doc``, ``xls``, ``rtf``, ``pdf``, ``html``, ``image`` or ``text``.
    Raises ReadError for containers that are not reports (encrypted, other Office parts) and for
    any failure on the way (see :func:`read`)."""
    return _guarded(path, lambda: _sniff(path)[0])


def _sniff(path: Path, keep_docx: bool = False) -> tuple[str, zipfile.ZipFile | None]:
    """:func:`sniff`, and with ``keep_docx`` a .docx container's ZipFile still open (checked by
    :func:`open_zip`; the caller closes it), so that reading it does not open it again."""
    with path.open("rb") as fh:
        head = fh.read(2048)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        zf = open_zip(path)
        try:
            names = set(zf.namelist())
        except BaseException:
            zf.close()
            raise
        if "word/document.xml" in names and keep_docx:
            return "docx", zf
        zf.close()
        if "word/document.xml" in names:
            return "docx", None
        if "xl/workbook.xml" in names:
            return "xlsx", None
        if "content.xml" in names:
            raise ReadError(str(path), "这是 OpenDocument（.odt/.ods）文件，请另存为 .docx 或 .xlsx")
        if any(n.startswith("ppt/") for n in names):
            raise ReadError(str(path), "这是 PowerPoint 演示文稿，不是自评报告")
        raise ReadError(str(path), "这是一个 zip 压缩包而非 Word/Excel 文件；请解压后再审阅其中的报告")
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path), None
    if b"%PDF-" in head[:1024]:
        return "pdf", None
    if head.startswith(IMAGE_MAGIC):
        return "image", None
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf", None
    if _looks_like_html(head):
        return "html", None
    return "text", None


def _sniff_ole(path: Path) -> str:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except (OSError, ValueError) as exc:  # olefile raises OSError subclasses for bad headers
        raise ReadError(str(path), f"文件已损坏：OLE 复合文档无法解析（{exc}）") from None
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise ReadError(str(path), "文件受密码保护（已加密），无法读取；请提供未加密的文件")
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    raise ReadError(str(path), "这是 Office 复合文档，但既不是 Word 也不是 Excel 文件")


def _looks_like_html(head: bytes) -> bool:
    for enc in ("utf-8", "utf-16"):
        try:
            text = head.decode(enc, errors="ignore").lstrip("\ufeff \t\r\n").lower()
        except LookupError:
            continue
        if text.startswith(("<!doctype html", "<html", "<?xml")) and ("<html" in text or "<!doctype html" in text):
            return True
        if text.startswith("mime-version:") and "multipart/related" in text:
            return True  # .mht: Word's "web archive"
        if text.startswith("<") and ("<table" in text or "<body" in text or "<head" in text):
            return True
    return False


def read(path: str | Path) -> Document:
    """Read one report file into a Document, whatever its format (see :func:`sniff`).

    Raises :class:`ReadError` naming the file and the reason: missing, a folder, empty, too
    large, corrupt, encrypted, a zip bomb, XML with entity declarations, an unsupported format,
    LibreOffice absent for .doc, or an image-only PDF without the OCR extra — and any other
    exception a reader meets on the file (a bad CRC, nesting too deep, an unknown codec), its
    type and message kept as the reason. Only MemoryError (the file's memory budget, see
    :mod:`jixiao.batch`) and BaseExceptions (Ctrl-C) go through.
    """
    return _guarded(path, lambda: _read(Path(path)))


# exceptions a reader may meet on a hostile file → what the reason says first
_REASONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (RecursionError, "文件结构嵌套过深，无法读取"),
    ((zipfile.BadZipFile, zlib.error, EOFError), "文件已损坏：压缩数据无法解压"),
    (NotImplementedError, "文件使用了不支持的格式特性"),
    (UnicodeError, "文件的文字编码无法识别"),
    (OSError, "无法读取文件"),
)


def _guarded(path: str | Path, fn: Callable[[], T]) -> T:
    """``fn()``, any exception but ReadError and MemoryError turned into a ReadError for ``path``."""
    try:
        return fn()
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # a hostile file must give a typed error, never a crash
        lead = next((text for kinds, text in _REASONS if isinstance(exc, kinds)), "读取时出错")
        raise ReadError(str(path), f"{lead}（{type(exc).__name__}: {str(exc)[:300]}）") from exc


def _read(p: Path) -> Document:
    if not p.exists():
        raise ReadError(str(p), "文件不存在")
    if p.is_dir():
        raise ReadError(str(p), "这是一个文件夹，不是报告文件")
    check_size(p)
    fmt, zf = _sniff(p, keep_docx=True)
    if fmt == "text":
        return read_text(p)
    if fmt == "docx":
        from .docx import read_docx
        with zf:
            return read_docx(p, zf)
    if fmt in ("doc", "rtf"):
        from .office import read_via_office
        return read_via_office(p, fmt)
    if fmt == "pdf":
        from .pdf import read_pdf
        return read_pdf(p)
    if fmt == "image":
        from .ocr import read_image
        return read_image(p)
    if fmt in ("xlsx", "xls"):
        from .xlsx import read_workbook
        return read_workbook(p, fmt)
    if fmt == "html":
        from .html import read_html
        return read_html(p)
    raise ReadError(str(p), f"不支持的格式：{fmt}")
