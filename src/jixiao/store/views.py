"""A file's text view and tables as stored in ``views``: enough to show an excerpt around any line
and to draw a cited table with the cited cell highlighted, without re-reading the original.

``tables_json`` is a JSON list of tables::

    {"index": block index (Source.block), "sheet": str|None, "page": int|None,
     "rows": [[{"t": text, "r": row, "c": col, "rs": rowspan, "cs": colspan, "cov": covered,
                "line": first text-view line}, ...], ...]}
"""

from __future__ import annotations

import json
from typing import Any

from ..readers.document import Document


def document_view(lines: list[str], doc: Document | None) -> tuple[str, str]:
    """(lines_json, tables_json) for a reviewed file."""
    tables = []
    for t in doc.tables if doc is not None else []:
        rows = [[{"t": c.text, "r": c.row, "c": c.col, "rs": c.rowspan, "cs": c.colspan, "cov": c.covered,
                  "line": c.line} for c in row] for row in t.rows]
        tables.append({"index": t.index, "sheet": t.sheet, "page": t.page, "rows": rows})
    return json.dumps(lines, ensure_ascii=False), json.dumps(tables, ensure_ascii=False)


def load_tables(tables_json: str) -> dict[int, dict[str, Any]]:
    """Block index → table (as stored)."""
    return {t["index"]: t for t in json.loads(tables_json or "[]")}
