"""Storing reviews: one file → one Review, its documents → Reports (versioned), with their
indicators and findings, and the reviewer decisions carried over from the previous version.

Versions. Documents are grouped by ``unit_key`` = kind | 单位名称 | 年度 | 项目名称 (whitespace
removed). Storing a document whose key already exists makes it version n+1 and the current one;
every effective decision on version n is copied to the finding of version n+1 with the same
``fingerprint`` (a ``carried`` audit entry), and a decision whose finding no longer exists stays on
version n, is logged as ``not_carried`` and listed on the unit page — never silently dropped.

One writer. Reviewing is split in two: :func:`~jixiao.store.prepared.prepare` (pure, in a worker
process) turns a reviewed file into plain data, and a :class:`StoreWriter` (the one process that
writes) copies the file into the store and stores that data. :func:`review_blob` (the web app's
batches) is review_file + prepare + the same writer.

Resuming. A Review is unique per (content sha256, settings fingerprint). The writer commits its
files in groups (50 files or 2 s, whichever first), each group one all-or-nothing transaction, so
a batch killed half way keeps every group already committed, and running it again skips those
files (:meth:`StoreWriter.stored`) and stores the rest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import Settings
from ..model import Record
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
from .prepared import (
    PreparedFile,
    PreparedReport,
    fingerprint,
    prepare,
    region_of,
    renamed,
    report_keys,
)

__all__ = [
    "FileChanged",
    "StoreWriter",
    "Stored",
    "add_blob",
    "existing_review",
    "fingerprint",
    "region_of",
    "register_blob",
    "review_blob",
    "settings_key",
    "unit_key",
]

def settings_key(settings: Settings) -> str:
    """sha256 of the settings as JSON: a file reviewed under other settings is a new review."""
    return hashlib.sha256(settings.model_dump_json().encode()).hexdigest()


def unit_key(record: Record, sha256: str) -> tuple[str, str]:
    """(unit_key, series_key): kind|单位|年度|项目 groups the versions of one report,
    kind|单位|项目 the same report across years. A document without 单位 or 年度 is its own series."""
    return _keys(report_keys(record), sha256, record.part)


def _keys(keys: tuple[str, str] | None, sha256: str, part: int) -> tuple[str, str]:
    if keys is not None:
        return keys
    own = f"file:{sha256}#{part}"
    return own, own


@dataclass
class Stored:
    """What storing a file did: the review id, whether the file had been stored before
    (``skipped``), the reason it could not be reviewed (``error``), the report ids (main document
    first), and how many decisions were carried / could not be carried."""

    review_id: int
    skipped: bool = False
    error: str | None = None
    report_ids: tuple[int, ...] = ()
    carried: int = 0
    not_carried: int = 0


class FileChanged(OSError):
    """The file no longer has the content that was reviewed (its sha256 differs); nothing stored."""


def _done(review: Review | None) -> Stored | None:
    if review is None:
        return None
    return Stored(review.id, skipped=True, error=review.error, report_ids=tuple(r.id for r in review.reports))


def existing_review(s: Session, sha256: str, key: str) -> Review | None:
    """The Review of content ``sha256`` under the settings fingerprint ``key``, if stored."""
    return s.scalar(select(Review).where(Review.sha256 == sha256, Review.settings_key == key))


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


def _store_report(s: Session, review: Review, r: PreparedReport, sha256: str, region: str | None,
                  parent_id: int | None, user_id: int | None) -> tuple[Report, int, int]:
    key, series = _keys(r.keys, sha256, r.part)
    previous = s.scalar(select(Report).where(Report.unit_key == key, Report.is_current.is_(True)))
    latest = s.scalar(select(Report.version).where(Report.unit_key == key).order_by(Report.version.desc()).limit(1))
    if previous is not None:
        previous.is_current = False
        s.flush()
    report = Report(
        review=review, part=r.part, parent_id=parent_id, kind=r.kind, unit_name=r.unit_name,
        project_name=r.project_name, year=r.year, region=region or r.region, unit_key=key, series_key=series,
        version=(latest or 0) + 1, is_current=True, ruleset=r.ruleset, self_total=r.self_total, total=r.total,
        self_grade=r.self_grade, grade=r.grade, score_drop=r.score_drop, execution_rate=r.execution_rate,
        errors=r.errors, warnings=r.warnings, infos=r.infos, record_json=r.record_json,
    )
    s.add(report)
    report.indicators = [IndicatorRow(**vars(i)) for i in r.indicators]
    report.findings = [Finding(**vars(f)) for f in r.findings]
    s.flush()
    carried, not_carried = _carry(s, previous, report, user_id)
    return report, carried, not_carried


def _as_named(p: PreparedFile, name: str) -> PreparedFile:
    """``p`` shown as ``name`` instead of the name it was prepared with."""
    if p.name == name:
        return p

    def again(text: str) -> str:
        return renamed(text, p.name, name)

    reports = [dataclasses.replace(r, record_json=again(r.record_json),
                                   findings=[dataclasses.replace(f, message=again(f.message)) for f in r.findings])
               for r in p.reports]
    return dataclasses.replace(p, name=name, error=again(p.error) if p.error else None, reports=reports)


GROUP_FILES_ENV = "JIXIAO_DB_COMMIT_FILES"
GROUP_SECONDS_ENV = "JIXIAO_DB_COMMIT_SECONDS"


def _env_number(name: str, default, kind):
    """The number in environment variable ``name`` (``kind`` int or float); ``default`` when it is
    unset; ValueError naming the variable when it is not a positive number."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise ValueError(f"环境变量 {name} 应为正数：{raw!r}")
    return value


@dataclass
class _Pending:
    """A file written into the open transaction, kept until it commits (to write it again after a
    conflict)."""

    sha256: str
    size: int
    prepared: PreparedFile
    stored: Stored


class StoreWriter:
    """The one writer of a store: copies reviewed files into it and stores their reviews.

    ``settings`` are those the files were reviewed under (their fingerprint keys the Reviews);
    ``batch_id``, ``user_id`` and ``region`` (地区, overriding the one derived from the unit name)
    go on everything stored. Files are committed in groups: at the latest when ``group_files``
    files are waiting or ``group_seconds`` seconds have passed since the first of them was saved
    (checked on each :meth:`save` and :meth:`commit_if_due`), and on :meth:`commit` / :meth:`close`
    (or leaving a ``with`` block). Their defaults, 50 files and 2 s, can be changed by the
    environment variables ``JIXIAO_DB_COMMIT_FILES`` and ``JIXIAO_DB_COMMIT_SECONDS``. Each group is one transaction: a process killed mid-batch loses at
    most the files saved since the last commit, and a rerun skips the rest (:meth:`stored`).

    Not thread-safe: one writer per process, used from one thread. Other processes may write to
    the same store meanwhile (the web app's worker): a file they stored first is ``skipped``.
    """

    def __init__(self, store: Store, settings: Settings | None = None, *, batch_id: int | None = None,
                 user_id: int | None = None, region: str | None = None, group_files: int | None = None,
                 group_seconds: float | None = None):
        self.store = store
        self.key = settings_key(settings or Settings())
        self.batch_id, self.user_id, self.region = batch_id, user_id, region
        self.group_files = max(1, group_files if group_files is not None else _env_number(GROUP_FILES_ENV, 50, int))
        self.group_seconds = group_seconds if group_seconds is not None else _env_number(GROUP_SECONDS_ENV, 2.0, float)
        self._session: Session | None = None
        self._group: list[_Pending] = []
        self._since = 0.0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Files saved but not yet committed."""
        return len(self._group)

    def stored(self, sha256: str) -> Stored | None:
        """The file of content ``sha256`` as already stored under these settings (``skipped``,
        its review and report ids), including files saved but not yet committed; None if not."""
        if self._session is not None:
            return _done(existing_review(self._session, sha256, self.key))
        with self.store.session() as s:
            return _done(existing_review(s, sha256, self.key))

    def save(self, path: Path, sha256: str, prepared: PreparedFile, name: str) -> Stored:
        """Store the file at ``path`` (content ``sha256``, reviewed into ``prepared``), shown as
        ``name``: its bytes copied into the store's files by content (the original is only read;
        nothing is copied when the blob is there) and fsynced before the transaction that refers to
        it commits; then its Review, Reports (new versions, decisions carried over), indicators,
        findings, text view and audit entries, exactly as one file is stored by :func:`review_blob`.

        Returns :class:`Stored` (``skipped`` when this content is already stored under these
        settings: nothing is written). Its ids are final once the file's group commits; should
        another process have stored some of the group's files meanwhile, the group is written
        again and the Stored objects returned for it are updated in place.

        Raises OSError when ``path`` cannot be read and :class:`FileChanged` when its content is
        no longer ``sha256`` (in both cases nothing of this file is stored and the group goes
        on); any other exception is a store failure (database down, disk full): the files saved
        since the last commit are then not stored, and a rerun stores them.
        """
        s = self._begin()
        done = _done(existing_review(s, sha256, self.key))
        if done is not None:
            return done
        size = self._put(Path(path), sha256)
        item = _Pending(sha256, size, _as_named(prepared, name), Stored(0))
        try:
            self._write(s, item)
        except IntegrityError:  # another process stored some of these files meanwhile
            self._group.append(item)
            self._rewrite()
            return item.stored
        except BaseException:
            self._abandon()
            raise
        self._group.append(item)
        self.commit_if_due()
        return item.stored

    def commit_if_due(self) -> bool:
        """Commit if the group is full or its time is up; whether it committed."""
        if self._group and (len(self._group) >= self.group_files
                            or time.monotonic() - self._since >= self.group_seconds):
            self.commit()
            return True
        return False

    def commit(self) -> None:
        """Commit the files saved so far (no-op when none). On failure nothing of them is stored
        and the exception propagates."""
        s = self._session
        if s is None:
            return
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            self._rewrite()
            return
        except BaseException:
            self._abandon()
            raise
        self._end()

    def close(self) -> None:
        """Commit what is pending and end the writer's transaction (the store stays open)."""
        self.commit()

    # --- inside ------------------------------------------------------------------------------

    def _begin(self) -> Session:
        if self._session is None:
            self._session = self.store._sessions()
            self._since = time.monotonic()
        return self._session

    def _end(self) -> None:
        if self._session is not None:
            self._session.close()
        self._session, self._group = None, []

    def _abandon(self) -> None:
        if self._session is not None:
            self._session.rollback()
        self._end()

    def _put(self, path: Path, sha256: str) -> int:
        files = self.store.files
        if files.exists(sha256):
            return files.path(sha256).stat().st_size
        with path.open("rb") as fh:
            sha, size, created = files.put(fh, max_bytes=1 << 62)
        if sha != sha256:
            if created:
                files.discard(sha)
            raise FileChanged(f"{path}：文件在复核期间被修改，未存入（请重新复核）")
        return size

    def _write(self, s: Session, item: _Pending) -> None:
        p, sha256, user_id = item.prepared, item.sha256, self.user_id
        blob = s.get(Blob, sha256)
        if blob is None:
            s.add(Blob(sha256=sha256, size=item.size, name=Path(p.name).name or p.name, format=p.format))
            s.flush()
        elif blob.format is None:
            blob.format = p.format
        review = Review(sha256=sha256, settings_key=self.key, name=p.name, format=p.format, error=p.error,
                        batch_id=self.batch_id, user_id=user_id)
        s.add(review)
        if p.lines_json is not None and s.get(View, sha256) is None:
            s.add(View(sha256=sha256, lines_json=p.lines_json, tables_json=p.tables_json))
        s.flush()
        ids: list[int] = []
        carried = not_carried = 0
        for r in p.reports:
            rep, c, n = _store_report(s, review, r, sha256, self.region, ids[0] if ids else None, user_id)
            ids.append(rep.id)
            carried, not_carried = carried + c, not_carried + n
        s.add(AuditEntry(user_id=user_id, action="review", target=f"review:{review.id}",
                         detail=json.dumps({"file": p.name, "sha256": sha256, "reports": ids, "error": p.error,
                                            "carried": carried, "not_carried": not_carried}, ensure_ascii=False)))
        s.flush()
        st = item.stored
        st.review_id, st.skipped, st.error, st.report_ids = review.id, False, p.error, tuple(ids)
        st.carried, st.not_carried = carried, not_carried

    def _rewrite(self, attempts: int = 3) -> None:
        """Write the group again in a new transaction after a conflict, and commit it: files
        stored meanwhile by another process become ``skipped``."""
        group = self._group
        for attempt in range(attempts):
            self._abandon()
            s = self._begin()
            try:
                for item in group:
                    done = _done(existing_review(s, item.sha256, self.key))
                    if done is not None:
                        item.stored.__dict__.update(done.__dict__)
                    else:
                        self._write(s, item)
                s.commit()
                self._end()
                return
            except IntegrityError:
                if attempt == attempts - 1:
                    self._abandon()
                    raise
            except BaseException:
                self._abandon()
                raise


def review_blob(store: Store, sha256: str, name: str, settings: Settings | None = None, *,
                batch_id: int | None = None, user_id: int | None = None, region: str | None = None) -> Stored:
    """Review the stored file ``sha256`` (shown as ``name``) and store the result in one transaction
    (:func:`~jixiao.review.review_file` + :func:`~jixiao.store.prepared.prepare` + :class:`StoreWriter`).

    Returns :class:`Stored`; ``skipped`` when this content was already reviewed under the same
    settings. A file that cannot be read is stored as a Review with ``error`` and an error
    Report (so a batch never stops on it). Raises only for store failures (database down)."""
    from ..review import review_file

    settings = settings or Settings()
    writer = StoreWriter(store, settings, batch_id=batch_id, user_id=user_id, region=region, group_files=1)
    done = writer.stored(sha256)
    if done is not None:
        return done
    path = store.files.path(sha256)
    prepared = prepare(review_file(path, settings, keep_document=True), name)
    with writer:
        return writer.save(path, sha256, prepared, name)


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
