"""The pipeline: read → extract → score → check, for one file or a batch.

Each stage is a pure function of its input, so a batch is a map over files. A file that cannot be
read becomes a Record with ``error`` set; it never stops the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .model import Record
from .readers import SUFFIXES as SUPPORTED_SUFFIXES


@dataclass
class ReviewedFile:
    """One reviewed file: the contract Record plus the decoded source lines (for excerpts)."""

    record: Record
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record.error is None


def review_file(path: str | Path) -> ReviewedFile:
    """Review one file. Never raises for bad input: the error goes into ``record.error``."""
    from .checks import run_checks
    from .extract import extract
    from .readers import ReadError, read
    from .rules import score

    p = str(path)
    try:
        doc = read(p)
    except ReadError as exc:
        return ReviewedFile(Record(source=p, error=str(exc)))
    try:
        report = extract(doc)
        scorecards = score(report)
        findings = run_checks(report, scorecards, doc)
    except Exception as exc:  # a bug must not take down a batch; report it against the file
        return ReviewedFile(
            Record(source=p, format=doc.format, error=f"{p}: 处理时出错（{type(exc).__name__}: {exc}）"), doc.lines
        )
    return ReviewedFile(
        Record(source=p, format=doc.format, report=report, scorecards=scorecards, findings=findings), doc.lines
    )


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively, supported suffixes only) in a stable order.

    A path given explicitly is kept whatever its suffix, so that a wrong file is reported
    rather than silently skipped.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUPPORTED_SUFFIXES)
            )
        else:
            out.append(p)
    return out


LEGACY_WORD = (".doc", ".wps", ".rtf")


def review_paths(paths: Iterable[str | Path]) -> Iterator[ReviewedFile]:
    """Review every file under ``paths``. Legacy Word files (.doc/.wps/.rtf) are converted by
    one LibreOffice run for the whole batch before reading (see :mod:`jixiao.readers.office`)."""
    from .readers import ReadError, sniff
    from .readers.office import converted

    files = collect(paths)
    legacy = []
    for p in files:
        if p.suffix.lower() in LEGACY_WORD and p.is_file():
            try:
                if sniff(p) in ("doc", "rtf"):
                    legacy.append(p)
            except (ReadError, OSError):
                pass  # reported when the file is read
    with converted(legacy):
        for p in files:
            yield review_file(p)
