"""Text as every output can hold it: the characters XML 1.0 forbids (C0 controls but tab, LF and
CR; lone surrogates; U+FFFE/U+FFFF) are dropped where a cell of review.xlsx or a value of
review.html is written, and a note says how many — openpyxl refuses such a cell
(IllegalCharacterError), Excel shows XlsxWriter's ``_x0001_`` escapes as they are, and a page with
them is not well-formed. A formula-like text (``=``, ``+``, ``-``, ``@``, tab or CR first) is kept
as it is: the workbook writers write it as text (:func:`append_row` for openpyxl).
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
NOTE = "〔原文含 {n} 个控制字符，已删去〕"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """``text`` without the characters XML forbids, NOTE appended when there were any."""
    if not ILLEGAL_XML.search(text):
        return text
    cleaned, n = ILLEGAL_XML.subn("", text)
    return cleaned + NOTE.format(n=n)


class PrintedMarkup(Markup):
    """HTML printed by these templates already (a file's section, an excerpt's lines): every
    value in it made printable, so :func:`finalize` passes it without searching it again (a
    section of Chinese text is tens of KB, searched at some 10 ns a character)."""

    __slots__ = ()


def finalize(value: Any) -> Any:
    """jinja2's ``finalize`` for the HTML templates: every printed value made printable (escaped
    Markup stays Markup; :class:`PrintedMarkup` is passed as it is)."""
    if type(value) is PrintedMarkup or not isinstance(value, str) or not ILLEGAL_XML.search(value):
        return value  # (Markup is a str) nearly always
    if isinstance(value, Markup):
        return Markup(printable(str(value)))
    return printable(value)


def append_row(ws: Any, row: list[Any]) -> None:
    """``ws.append(row)`` on an openpyxl worksheet, every str value without the characters XML
    forbids (openpyxl raises IllegalCharacterError on them) and written as text, never as a
    formula (openpyxl takes a str starting with ``=`` for one). Numbers stay numbers."""
    ws.append([printable(v) if isinstance(v, str) else v for v in row])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
