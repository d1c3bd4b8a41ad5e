"""Storing reviews: one file → one Review, its documents → Reports (versioned), with their
indicators and findings, and the reviewer decisions carried over from the previous version.

Versions. Documents are grouped by ``unit_key`` = kind | 单位名称 | 年度 | 项目名称 (whitespace
removed). Storing a document whose key already exists makes it version n+1 and the current one;
every effective decision on version n is copied to the finding of version n+1 with the same
``fingerprint`` (a ``carried`` audit entry), and a decision whose finding no longer exists stays on
version n, is logged as ``not_carried`` and listed on the unit page — never silently dropped.

Resuming. A Review is unique per (content sha256, settings fingerprint) and each file is stored
in one transaction, so a batch killed half way keeps every file already stored, and running it
again skips those files (:func:`review_blob` returns ``skipped``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Settings
from ..model import Record
from ..review import ReviewedFile, review_file
from .db import Store
from .models import (
    AuditEntry,
    Blob,
    Decision,
    Finding,
    IndicatorRow,
    Report,
    Review,
    View,
)
from .views import document_view

_NUMBER = re.compile(r"\d+(?:[.,，]\d+)*%?")
_SPACE = re.compile(r"\s+")
_REGION = re.compile(r"([\u4e00-\u9fa5]{2,4}?(?:自治州|自治县|地区|市|县|区|州|旗))")
_REGION_PREFIXES = ("中国国际贸易促进委员会", "中国共产党", "中共", "湖南省", "中国")
# 湖南省的市州, for names that give the city without 市 (中国国际贸易促进委员会娄底支会)
_HUNAN_PREFECTURES = {name: name + "市" for name in (
    "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底")}
_HUNAN_PREFECTURES["湘西"] = "湘西土家族苗族自治州"


def settings_key(settings: Settings) -> str:
    """sha256 of the settings as JSON: a file reviewed under other settings is a new review."""
    return hashlib.sha256(settings.model_dump_json().encode()).hexdigest()


def fingerprint(code: str, message: str) -> str:
    """What identifies "the same finding" across versions of a report: the check code and its
    message with every number and line number masked (a corrected figure is the same problem,
    a different indicator or row is not)."""
    text = _NUMBER.sub("#", _SPACE.sub("", message))
    return hashlib.sha256(f"{code}|{text}".encode()).hexdigest()


def region_of(unit: str | None) -> str | None:
    """地区 from a unit name: the first 市/县/区/州 in it after a national prefix
    (岳麓区商务局 → 岳麓区, 中国国际贸易促进委员会岳阳市君山区委员会 → 君山区: the most
    specific of a leading chain); a 湖南 市州 named without 市 at the start (…娄底支会 → 娄底市);
    None when absent.
    A heuristic [INF]; an upload may name the region instead."""
    if not unit:
        return None
    name = _SPACE.sub("", unit)
    for prefix in _REGION_PREFIXES:
        name = name.removeprefix(prefix)
    region = None
    while m := _REGION.match(name):  # 岳阳市君山区… → the most specific: 君山区
        region, name = m.group(1), name[m.end():]
    if region is None and (m := _REGION.search(name)):
        region = m.group(1)
    if region is None:
        region = next((full for short, full in _HUNAN_PREFECTURES.items() if name.startswith(short)), None)
    return region


def unit_key(record: Record, sha256: str) -> tuple[str, str]:
    """(unit_key, series_key): kind|单位|年度|项目 groups the versions of one report,
    kind|单位|项目 the same report across years. A document without 单位 or 年度 is its own series."""
    rep = record.report
    unit = rep.unit_name.value if rep else None
    year = rep.year.value if rep else None
    if rep is None or not unit or year is None:
        own = f"file:{sha256}#{record.part}"
        return own, own
    project = rep.project_name.value if rep.kind == "project" else ""
    kind, unit, year, project = (_SPACE.sub("", str(x or "")) for x in (rep.kind, unit, year, project))
    return f"{kind}|{unit}|{year}|{project}"[:600], f"{kind}|{unit}|{project}"[:600]


@dataclass
class Stored:
    """What :func:`review_blob` did: the review id, whether the file had been stored before
    (``skipped``), the report ids, and how many decisions were carried / could not be carried."""

    review_id: int
    skipped: bool = False
    error: str | None = None
    report_ids: tuple[int, ...] = ()
    carried: int = 0
    not_carried: int = 0


def _dec(x) -> Decimal | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        return Decimal(str(x))
    except Exception:
        return None


def _text(v) -> str | None:
    x = v.value if v.value is not None else v.raw
    return None if x is None else str(x)


def _indicator_rows(record: Record) -> list[IndicatorRow]:
    out = []
    for i, ind in enumerate(record.report.indicators if record.report else []):
        t = ind.target.parsed
        a = ind.actual.parsed
        out.append(IndicatorRow(
            position=i, level1=_text(ind.level1), level2=_text(ind.level2), name=_text(ind.name),
            target_raw=ind.target.raw, target_op=t.op if t else None, target_number=t.number if t else None,
            target_unit=t.unit if t else None, actual_raw=ind.actual.raw, actual_number=a.number if a else None,
            weight=_dec(ind.weight.value), self_score=_dec(ind.self_score.value)))
    return out


def _carry(s: Session, previous: Report | None, new: Report, user_id: int | None) -> tuple[int, int]:
    """Copy the effective decisions of ``previous`` onto ``new``'s findings by fingerprint."""
    if previous is None:
        return 0, 0
    free: dict[str, list[Finding]] = {}
    for f in new.findings:
        free.setdefault(f.fingerprint, []).append(f)
    carried = not_carried = 0
    for old in previous.findings:
        d = old.decision
        if d is None:
            continue
        match = free.get(old.fingerprint)
        if match:
            target = match.pop(0)
            s.add(Decision(finding=target, status=d.status, comment=d.comment, user_id=d.user_id,
                           carried_from_id=d.id, created_at=d.created_at))
            carried += 1
            s.add(AuditEntry(user_id=user_id, action="carried", target=f"finding:{old.id}",
                             detail=json.dumps({"decision": d.id, "from_report": previous.id, "to_report": new.id,
                                                "code": old.code, "status": d.status}, ensure_ascii=False)))
        else:
            not_carried += 1
            s.add(AuditEntry(user_id=user_id, action="not_carried", target=f"finding:{old.id}",
                             detail=json.dumps({"decision": d.id, "from_report": previous.id, "to_report": new.id,
                                                "code": old.code, "status": d.status,
                                                "reason": "新版本中已无此问题"}, ensure_ascii=False)))
    return carried, not_carried


def _store_report(s: Session, review: Review, rf: ReviewedFile, rec: Record, parents: dict, sha256: str,
                  region: str | None, name: str, parent_id: int | None, user_id: int | None) -> tuple[Report, int, int]:
    from ..report.portfolio import unit_row

    row = unit_row(rf, rec, parents)
    rec_json = _renamed(rec.model_dump_json(), str(rf.record.source), name)
    key, series = unit_key(rec, sha256)
    previous = s.scalar(select(Report).where(Report.unit_key == key, Report.is_current.is_(True)))
    latest = s.scalar(select(Report.version).where(Report.unit_key == key).order_by(Report.version.desc()).limit(1))
    if previous is not None:
        previous.is_current = False
        s.flush()
    rep = rec.report
    year = rep.year.value if rep else None
    report = Report(
        review=review, part=rec.part, parent_id=parent_id, kind=rep.kind if rep else "department",
        unit_name=row.unit, project_name=row.project, year=year if isinstance(year, int) else None,
        region=region or region_of(row.unit if not row.parent_unit else row.parent_unit), unit_key=key, series_key=series,
        version=(latest or 0) + 1, is_current=True, ruleset=rec.ruleset, self_total=row.self_total,
        total=row.total, self_grade=row.self_grade, grade=row.grade, score_drop=row.drop,
        execution_rate=row.rate, errors=row.errors, warnings=row.warnings, infos=row.infos, record_json=rec_json,
    )
    s.add(report)
    report.indicators = _indicator_rows(rec)
    report.findings = [Finding(position=i, code=f.code, severity=f.severity, title=f.title,
                               message=_renamed(f.message, str(rf.record.source), name),
                               fingerprint=fingerprint(f.code, f.message))
                       for i, f in enumerate(rec.findings or [])]
    s.flush()
    carried, not_carried = _carry(s, previous, report, user_id)
    return report, carried, not_carried


def _renamed(text: str, path: str, name: str) -> str:
    """Show the upload's name instead of the stored blob's path (in sources and error messages)."""
    if path == name:
        return text
    return text.replace(json.dumps(path)[1:-1], json.dumps(name, ensure_ascii=False)[1:-1])


def existing_review(s: Session, sha256: str, key: str) -> Review | None:
    return s.scalar(select(Review).where(Review.sha256 == sha256, Review.settings_key == key))


def review_blob(store: Store, sha256: str, name: str, settings: Settings | None = None, *,
                batch_id: int | None = None, user_id: int | None = None, region: str | None = None) -> Stored:
    """Review the stored file ``sha256`` (shown as ``name``) and store the result in one transaction.

    Returns :class:`Stored`; ``skipped`` when this content was already reviewed under the same
    settings. A file that cannot be read is stored as a Review with ``error`` and an error
    Report (so a batch never stops on it). Raises only for store failures (database down)."""
    settings = settings or Settings()
    key = settings_key(settings)
    with store.session() as s:
        done = existing_review(s, sha256, key)
        if done is not None:
            return Stored(done.id, skipped=True, error=done.error, report_ids=tuple(r.id for r in done.reports))
    rf = review_file(store.files.path(sha256), settings, keep_document=True)
    try:
        with store.session() as s:
            return _save(s, rf, sha256, name, key, batch_id, user_id, region)
    except IntegrityError:  # stored meanwhile by another worker: same content, same settings
        with store.session() as s:
            done = existing_review(s, sha256, key)
            if done is None:
                raise
            return Stored(done.id, skipped=True, error=done.error, report_ids=tuple(r.id for r in done.reports))


def _save(s: Session, rf: ReviewedFile, sha256: str, name: str, key: str, batch_id: int | None,
          user_id: int | None, region: str | None) -> Stored:
    error = _renamed(rf.record.error, str(rf.record.source), name) if rf.record.error else None
    review = Review(sha256=sha256, settings_key=key, name=name, format=rf.record.format, error=error,
                    batch_id=batch_id, user_id=user_id)
    s.add(review)
    blob = s.get(Blob, sha256)
    if blob is not None and blob.format is None:
        blob.format = rf.record.format
    if s.get(View, sha256) is None and (rf.document is not None or rf.lines):
        lines, tables = document_view(rf.lines, rf.document)
        s.add(View(sha256=sha256, lines_json=lines, tables_json=tables))
    s.flush()
    from ..report.summary import parent_units

    parents = parent_units([rf])
    main, carried, not_carried = _store_report(s, review, rf, rf.record, parents, sha256, region, name, None, user_id)
    ids = [main.id]
    for part in rf.parts:
        rep, c, n = _store_report(s, review, part, part.record, parents, sha256, region, name, main.id, user_id)
        ids.append(rep.id)
        carried, not_carried = carried + c, not_carried + n
    s.add(AuditEntry(user_id=user_id, action="review", target=f"review:{review.id}",
                     detail=json.dumps({"file": name, "sha256": sha256, "reports": ids, "error": error,
                                        "carried": carried, "not_carried": not_carried}, ensure_ascii=False)))
    return Stored(review.id, error=error, report_ids=tuple(ids), carried=carried, not_carried=not_carried)


def add_blob(store: Store, path: Path, name: str | None = None, fmt: str | None = None) -> str:
    """Copy a local file into the store's files (by content) and register it; returns its sha256.
    The original is only read."""
    with path.open("rb") as fh:
        sha, size = store.files.put_stream(fh, max_bytes=1 << 62)
    register_blob(store, sha, size, name or path.name, fmt)
    return sha


def register_blob(store: Store, sha256: str, size: int, name: str, fmt: str | None) -> None:
    with store.session() as s:
        if s.get(Blob, sha256) is None:
            s.add(Blob(sha256=sha256, size=size, name=name, format=fmt))
