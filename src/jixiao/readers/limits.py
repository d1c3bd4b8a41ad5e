"""Bounds shared by the readers against hostile or absurd input (issue 14), in one place.

Each is far above what a real report holds (in the seeds, samples, corpus and examples the widest
table row has 24 cells, the longest table 61 rows, the longest document 106 blocks) and low enough
that reading stays within seconds and the per-file memory budget (docs/hostile.md has the
figures). What a bound cuts is said in a ReadNote (JX906 or JX909); nothing beyond it is silently
dropped. Format-specific bounds stay beside their reader (``xlsx.MAX_ROWS``, ``html.MAX_DEPTH``,
``pdf.MAX_PAGE_CHARS``…)."""

from __future__ import annotations

DOCX_MAX_PARAGRAPHS = 50_000  # w:p elements in document.xml (body, tables, text boxes) read
DOCX_MAX_TABLE_DEPTH = 10  # tables within tables kept as tables; deeper ones are read as text
XML_MAX_DEPTH = 256  # element nesting lxml parses without huge_tree (libxml2's limit)
DOC_MAX_CELLS = 400_000  # table cells built per .docx or web page; later tables are not read

MAX_ROW_CELLS = 1_000  # cells kept in one table row, every reader (the widest real row: 24)
MAX_TABLE_ROWS = 10_000  # rows kept in one table, every reader (the longest real table: 61)
