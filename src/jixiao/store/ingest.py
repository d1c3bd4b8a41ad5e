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

from sqlalchemy import Connection, bindparam, case, func, select
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
    PreparedFinding,
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


def existing_review(s: Session, sha256: str, key: str) -> Review | None:
    """The Review of content ``sha256`` under the settings fingerprint ``key``, if stored."""
    return s.scalar(select(Review).where(Review.sha256 == sha256, Review.settings_key == key))


# the writer's statements, built once (Core: no ORM objects, compiled once and cached)
_t_blob, _t_view, _t_review, _t_report = Blob.__table__, View.__table__, Review.__table__, Report.__table__
_REVIEW_OF = select(Review.id, Review.error).where(Review.sha256 == bindparam("sha"),
                                                   Review.settings_key == bindparam("key"))
_REPORTS_OF = select(Report.id).where(Report.review_id == bindparam("review")).order_by(Report.part)
_BLOB_FORMAT = select(Blob.format).where(Blob.sha256 == bindparam("sha"))
_SET_BLOB_FORMAT = _t_blob.update().where(_t_blob.c.sha256 == bindparam("sha")).values(format=bindparam("fmt"))
_HAS_VIEW = select(View.sha256).where(View.sha256 == bindparam("sha"))
_INSERT_BLOB, _INSERT_VIEW = _t_blob.insert(), _t_view.insert()
_INSERT_REVIEW = _t_review.insert().returning(_t_review.c.id)
_INSERT_REPORT = _t_report.insert().returning(_t_report.c.id)
_INSERT_INDICATOR, _INSERT_FINDING = IndicatorRow.__table__.insert(), Finding.__table__.insert()
_INSERT_DECISION, _INSERT_AUDIT = Decision.__table__.insert(), AuditEntry.__table__.insert()
_UNIT = select(func.max(Report.version), func.max(case((Report.is_current.is_(True), Report.id)))) \
    .where(Report.unit_key == bindparam("key"))
_NOT_CURRENT = _t_report.update().where(_t_report.c.id == bindparam("report")).values(is_current=False)
_DECIDED = (select(Finding.id, Finding.code, Finding.fingerprint, Decision.id.label("decision_id"), Decision.status,
                   Decision.comment, Decision.user_id, Decision.created_at)
            .join(Decision, Decision.finding_id == Finding.id).where(Finding.report_id == bindparam("report"))
            .order_by(Finding.position, Decision.id))
_FINDING_IDS = select(Finding.position, Finding.id).where(Finding.report_id == bindparam("report"))


def _upserts(dialect: str):
    """(blob, view) statements that insert unless the row is there, in one round trip — a blob
    already there gets its format if it had none; None where the dialect has no ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    blob = insert(_t_blob)
    blob = blob.on_conflict_do_update(index_elements=[_t_blob.c.sha256], set_={"format": blob.excluded.format},
                                      where=_t_blob.c.format.is_(None) & blob.excluded.format.is_not(None))
    return blob, insert(_t_view).on_conflict_do_nothing(index_elements=[_t_view.c.sha256])


def _stored(c: Connection, sha256: str, key: str) -> Stored | None:
    """:func:`existing_review` as a ``skipped`` Stored, without loading ORM objects."""
    row = c.execute(_REVIEW_OF, {"sha": sha256, "key": key}).first()
    if row is None:
        return None
    ids = c.execute(_REPORTS_OF, {"review": row.id}).scalars()
    return Stored(row.id, skipped=True, error=row.error, report_ids=tuple(ids))


def _carry(c: Connection, previous_id: int | None, new_id: int, findings: list[PreparedFinding],
           user_id: int | None, audits: list[dict]) -> tuple[int, int]:
    """Copy the effective decisions of report ``previous_id`` onto the findings of report
    ``new_id`` (``findings``, just inserted) by fingerprint; their audit entries go to ``audits``.
    Returns (carried, not carried)."""
    if previous_id is None:
        return 0, 0
    rows = c.execute(_DECIDED, {"report": previous_id}).all()
    if not rows:
        return 0, 0
    effective = {}  # finding id → its latest decision, the findings in order
    for row in rows:
        effective[row.id] = row
    new_ids = dict(c.execute(_FINDING_IDS, {"report": new_id}).all())
    free: dict[str, list[int]] = {}
    for f in findings:
        free.setdefault(f.fingerprint, []).append(new_ids[f.position])
    carried = not_carried = 0
    decisions = []
    for old in effective.values():
        detail = {"decision": old.decision_id, "from_report": previous_id, "to_report": new_id, "code": old.code,
                  "status": old.status}
        match = free.get(old.fingerprint)
        if match:
            decisions.append({"finding_id": match.pop(0), "status": old.status, "comment": old.comment,
                              "user_id": old.user_id, "carried_from_id": old.decision_id,
                              "created_at": old.created_at})
            carried += 1
            action = "carried"
        else:
            not_carried += 1
            action = "not_carried"
            detail["reason"] = "新版本中已无此问题"
        audits.append({"user_id": user_id, "action": action, "target": f"finding:{old.id}",
                       "detail": json.dumps(detail, ensure_ascii=False)})
    if decisions:
        c.execute(_INSERT_DECISION, decisions)
    return carried, not_carried


def _store_report(c: Connection, review_id: int, r: PreparedReport, sha256: str, region: str | None,
                  parent_id: int | None, user_id: int | None, audits: list[dict]) -> tuple[int, int, int]:
    """Insert one report (the next version of its unit_key, now the current one) with its
    indicators and findings, and carry the decisions over; (report id, carried, not carried)."""
    key, series = _keys(r.keys, sha256, r.part)
    latest, previous = c.execute(_UNIT, {"key": key}).one()
    if previous is not None:
        c.execute(_NOT_CURRENT, {"report": previous})
    report_id = c.execute(_INSERT_REPORT, {
        "review_id": review_id, "part": r.part, "parent_id": parent_id, "kind": r.kind, "unit_name": r.unit_name,
        "project_name": r.project_name, "year": r.year, "region": region or r.region, "unit_key": key,
        "series_key": series, "version": (latest or 0) + 1, "is_current": True, "ruleset": r.ruleset,
        "self_total": r.self_total, "total": r.total, "self_grade": r.self_grade, "grade": r.grade,
        "score_drop": r.score_drop, "execution_rate": r.execution_rate, "errors": r.errors,
        "warnings": r.warnings, "infos": r.infos, "record_json": r.record_json,
    }).scalar_one()
    if r.indicators:
        c.execute(_INSERT_INDICATOR, [{**vars(i), "report_id": report_id} for i in r.indicators])
    if r.findings:
        c.execute(_INSERT_FINDING, [{**vars(f), "report_id": report_id} for f in r.findings])
    carried, not_carried = _carry(c, previous, report_id, r.findings, user_id, audits)
    return report_id, carried, not_carried


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


def _open(path: Path | str):
    """``path`` opened for reading: a local file, or an fsspec URL (a str with ``://``); OSError
    when it cannot be read (an unknown protocol or a missing fsspec package included)."""
    if isinstance(path, str) and "://" in path:
        try:
            import fsspec

            return fsspec.open(path, "rb").open()
        except (ImportError, ValueError) as exc:
            raise OSError(f"{path}：无法读取（{exc}）") from exc
    return Path(path).open("rb")


class StoreWriter:
    """The one writer of a store: copies reviewed files into it and stores their reviews.

    ``settings`` are those the files were reviewed under (their fingerprint keys the Reviews);
    ``batch_id``, ``user_id`` and ``region`` (地区, overriding the one derived from the unit name)
    go on everything stored. Files are committed in groups: at the latest when ``group_files``
    files are waiting or ``group_seconds`` seconds have passed since the first of them was saved
    (checked on each :meth:`save` and :meth:`commit_if_due`), and on :meth:`commit` / :meth:`close`
    (or leaving a ``with`` block). Their defaults, 50 files and 2 s, can be changed by the
    environment variables ``JIXIAO_DB_COMMIT_FILES`` and ``JIXIAO_DB_COMMIT_SECONDS`` (ValueError
    when one is not a positive number). Each group is one transaction: a process killed mid-batch
    loses at most the files saved since the last commit, and a rerun skips the rest (:meth:`stored`).
    SQLite lets one transaction write at a time: another process's writes (the web app's) wait for
    the group to commit, 2 s at most.

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
        self._unsynced: list[str] = []  # blobs written with put(sync=False), synced before the commit
        self._absent: set[str] = set()  # contents stored() found not stored, not saved since
        self._upserts = _upserts(store.dialect)
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
            done = _stored(self._session.connection(), sha256, self.key)
        else:
            with self.store.engine.connect() as c:
                done = _stored(c, sha256, self.key)
        if done is None:
            self._absent.add(sha256)
        return done

    def save(self, path: Path | str, sha256: str, prepared: PreparedFile, name: str) -> Stored:
        """Store the file at ``path`` (a local path, or an fsspec URL given as a str such as
        ``s3://bucket/a.docx``; content ``sha256``, reviewed into ``prepared``), shown as
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
        if sha256 in self._absent:  # stored() just said so (and it was not saved since): no need to ask again
            self._absent.discard(sha256)
        elif (done := _stored(s.connection(), sha256, self.key)) is not None:
            if not self._group:
                self._end()  # no transaction left open for nothing
            return done
        size = self._put(path, sha256)
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
            self._sync()
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

    def _sync(self) -> None:
        """fsync the blobs written since the last commit, before the commit that refers to them."""
        if self._unsynced:
            self.store.files.sync(self._unsynced)
            self._unsynced = []

    def _abandon(self) -> None:
        if self._session is not None:
            self._session.rollback()
        self._end()

    def _put(self, path: Path | str, sha256: str) -> int:
        files = self.store.files
        if files.exists(sha256):  # synced all the same: it may be the copy of a run killed before its commit
            self._unsynced.append(sha256)
            return files.path(sha256).stat().st_size
        with _open(path) as fh:
            sha, size, created = files.put(fh, max_bytes=1 << 62, sync=False)
        if sha != sha256:
            if created:
                files.discard(sha)
            raise FileChanged(f"{path}：文件在复核期间被修改，未存入（请重新复核）")
        self._unsynced.append(sha)
        return size

    def _write(self, s: Session, item: _Pending) -> None:
        p, sha256, user_id = item.prepared, item.sha256, self.user_id
        c = s.connection()
        blob_row = {"sha256": sha256, "size": item.size, "name": Path(p.name).name or p.name, "format": p.format}
        if self._upserts is not None:
            c.execute(self._upserts[0], blob_row)
        elif (blob := c.execute(_BLOB_FORMAT, {"sha": sha256}).first()) is None:
            c.execute(_INSERT_BLOB, blob_row)
        elif blob.format is None and p.format is not None:
            c.execute(_SET_BLOB_FORMAT, {"sha": sha256, "fmt": p.format})
        review_id = c.execute(_INSERT_REVIEW, {
            "sha256": sha256, "settings_key": self.key, "name": p.name, "format": p.format, "error": p.error,
            "batch_id": self.batch_id, "user_id": user_id}).scalar_one()
        if p.lines_json is not None:
            view_row = {"sha256": sha256, "lines_json": p.lines_json, "tables_json": p.tables_json}
            if self._upserts is not None:
                c.execute(self._upserts[1], view_row)
            elif c.execute(_HAS_VIEW, {"sha": sha256}).first() is None:
                c.execute(_INSERT_VIEW, view_row)
        ids: list[int] = []
        audits: list[dict] = []
        carried = not_carried = 0
        for r in p.reports:
            rid, n_c, n_n = _store_report(c, review_id, r, sha256, self.region, ids[0] if ids else None, user_id,
                                          audits)
            ids.append(rid)
            carried, not_carried = carried + n_c, not_carried + n_n
        audits.append({"user_id": user_id, "action": "review", "target": f"review:{review_id}",
                       "detail": json.dumps({"file": p.name, "sha256": sha256, "reports": ids, "error": p.error,
                                             "carried": carried, "not_carried": not_carried}, ensure_ascii=False)})
        c.execute(_INSERT_AUDIT, audits)
        st = item.stored
        st.review_id, st.skipped, st.error, st.report_ids = review_id, False, p.error, tuple(ids)
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
                    done = _stored(s.connection(), item.sha256, self.key)
                    if done is not None:
                        item.stored.__dict__.update(done.__dict__)
                    else:
                        self._write(s, item)
                self._sync()
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
    settings. The file is reviewed in a worker process under ``settings.limits`` (the per-file
    time and memory of ``jixiao review``, :func:`jixiao.batch.bounded`). A file that cannot be
    read, or that overruns a limit, is stored as a Review with ``error`` and an error Report (so a
    batch never stops on it). Raises only for store failures (database down)."""
    from ..batch import bounded
    from ..review import ReviewedFile

    settings = settings or Settings()
    writer = StoreWriter(store, settings, batch_id=batch_id, user_id=user_id, region=region, group_files=1)
    done = writer.stored(sha256)
    if done is not None:
        return done
    path = store.files.path(sha256)
    prepared, reason = bounded(_prepare_file, (path, settings, name), settings.limits)
    if reason is not None:
        prepared = prepare(ReviewedFile.failed(str(path), f"{path}: {reason}"), name)
    with writer:
        return writer.save(path, sha256, prepared, name)


def _prepare_file(arg: tuple[Path, Settings, str]) -> PreparedFile:
    """In a worker (:func:`review_blob`): the file reviewed and made ready to store."""
    from ..review import review_file

    path, settings, name = arg
    return prepare(review_file(path, settings, keep_document=True), name)


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
