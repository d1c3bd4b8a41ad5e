"""``records.jsonl``: one JSON object per record (a file's main document, then any project
tables attached to it).

Each line is ``Record.model_dump(mode="json")``: ``{source, id, part, parent, format, ruleset,
ruleset_origin, quality, report, scorecards, findings, error}``; a failed file has ``error`` set
and the rest null.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..review import ReviewedFile
from .summary import records


def write_jsonl(results: list[ReviewedFile], path: Path) -> None:
    """Write one UTF-8 JSON line per file (Chinese kept as is)."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for _, rec in records(results):
            fh.write(json.dumps(rec.model_dump(mode="json"), ensure_ascii=False))
            fh.write("\n")
