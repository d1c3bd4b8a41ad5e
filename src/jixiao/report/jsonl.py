"""``records.jsonl``: one JSON object per record (a file's main document, then any project
tables attached to it).

Each line is ``Record.model_dump(mode="json")``: ``{source, id, part, parent, format, ruleset,
ruleset_origin, quality, report, scorecards, findings, error}``; a failed file has ``error`` set
and the rest null. Every ``source`` object (a Value's :class:`~jixiao.model.Source`) is written
compactly: its null fields are left out, and so is its ``file`` when it is the record's own
``source`` (nearly always) — a source with no known file keeps ``"file": null``. Nothing is lost:
:func:`read_records` (or :func:`expand_line`) restores them, and a reader of the JSON takes a
missing field as null and a missing ``file`` as the record's ``source``. This cut the seeds' and
examples' lines from 100 KB to about 60 KB a record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..model import Record
from ..review import ReviewedFile
from .summary import records


def record_line(record: Record) -> str:
    """The record as one compact JSON line (no newline; UTF-8 text, Chinese kept as is; the
    sources compacted by :meth:`jixiao.model.Source._compact`)."""
    return record.model_dump_json(context={"record_source": record.source})


def _expand(node: Any, file: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source" and isinstance(value, dict):
                value.setdefault("file", file)
            elif isinstance(value, (dict, list)):
                _expand(value, file)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, (dict, list)):
                _expand(value, file)


def expand_line(line: str) -> dict[str, Any]:
    """One line of records.jsonl as the full JSON object (every source's ``file`` filled in)."""
    data = json.loads(line)
    if isinstance(data.get("source"), str):
        _expand(data, data["source"])
    return data


def read_records(path: Path) -> Iterator[Record]:
    """The records of a records.jsonl, as :class:`~jixiao.model.Record` (sources restored).
    Raises ValueError (pydantic's ValidationError) for a line that is not a record."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield Record.model_validate(expand_line(line))


def write_jsonl(results: list[ReviewedFile], path: Path) -> None:
    """Write one UTF-8 JSON line per record (see the module doc for the compact sources)."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for _, rec in records(results):
            fh.write(record_line(rec))
            fh.write("\n")
