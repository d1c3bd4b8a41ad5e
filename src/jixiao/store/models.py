"""The store's tables (SQLAlchemy 2 declarative). The schema itself is created by the Alembic
migrations in ``store/migrations`` — never by ``create_all`` — so SQLite and PostgreSQL stores
evolve the same way.

What is kept, and why:

- ``blobs``: every file given to jixiao, by content (sha256); the bytes live on disk under
  ``files/ab/<sha256>``. ``views`` holds each file's text view and tables (for excerpts and the
  highlighted cell) so a page never re-reads the original.
- ``reviews``: one pipeline run on one file under one settings fingerprint. The pair
  (sha256, settings_key) is unique: reviewing the same content twice is a no-op, which is how an
  interrupted batch resumes (content hash).
- ``reports``: one reviewed document (department report or attached 项目支出绩效自评表).
  ``unit_key`` (kind|单位|年度|项目) groups the versions of one report; ``version`` counts them and
  ``is_current`` marks the latest. ``record_json`` is the full contract Record.
- ``indicators`` and ``findings``: queryable copies of the Record's rows (year-over-year, filters).
- ``decisions``: a reviewer's 确认 / 不采纳 with a comment on a finding. Never deleted or updated:
  a new decision supersedes (latest wins); a carried decision points at the one it copies.
- ``drafts`` / ``draft_revisions``: a unit's 在线填报 as typed, every save kept; a submission becomes a
  review like an upload's (its blob the fields as JSON).
- ``users``, ``user_scopes`` (the regions / units a user may see), ``sessions`` (login sessions, CSRF token), ``batches``/``batch_items`` (progress),
  ``audit_log`` (who did what, when).

Amounts: score columns are points (Numeric 2 dp), ``execution_rate`` a fraction (0.6646).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(t: datetime) -> datetime:
    """``t`` with its time zone: SQLite gives stored times back naive (they were stored in UTC)."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def local_time(t: datetime | None) -> str:
    """A stored time as the server's local time, to the minute (``2026-11-21 15:04``); "" for None."""
    return aware(t).astimezone().strftime("%Y-%m-%d %H:%M") if t else ""


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str | None, limit: int | None = None) -> str | None:
    """Text a user typed, made safe to store and to export: characters XML 1.0 forbids (NUL,
    the vertical tab Word pastes, …) become spaces, ends are stripped, ``limit`` characters at
    most; None or empty → None."""
    if text is None:
        return None
    text = _NOT_XML.sub(" ", text).strip()
    return (text[:limit] if limit else text) or None


class Base(DeclarativeBase):
    pass


class Clipped(TypeDecorator):
    """``String(n)`` for text that comes from a document or a file name (单位名称, 一级指标, a path):
    a longer value is written cut to ``n`` characters, the last one "…". PostgreSQL refuses a
    value too long for its column, and one misread 300-character 单位名称 would otherwise stop the
    store for the rest of a batch; the Record in ``record_json`` keeps it whole. Values compared
    with it (``unit_key == …``) are cut the same way, so they still match."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        n = self.impl.length
        if isinstance(value, str) and n and len(value) > n:
            return value[:n - 1] + "…"
        return value


class Fitted(TypeDecorator):
    """``Numeric(p, s)`` for a number read from a document: one it cannot hold (|x| ≥ 10^(p−s),
    not finite: a 总分 of 99999999) is written as NULL rather than refused (PostgreSQL's "numeric
    field overflow" would stop the store for the rest of a batch); the Record in ``record_json``
    keeps it, and JX908 names it where it is absurd."""

    impl = Numeric
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        if not d.is_finite() or d.adjusted() >= self.impl.precision - (self.impl.scale or 0):
            return None
        return value


Points = Fitted(8, 2, asdecimal=True)
Fraction = Fitted(10, 4, asdecimal=True)
Number = Fitted(20, 4, asdecimal=True)
When = DateTime(timezone=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    role: Mapped[str] = mapped_column(String(16))  # admin (管理员) / reviewer (财政复核人员) / viewer (只读)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)


class UserScope(Base):
    """One region (地区) or unit (单位名称) given to a user: what the user may see and decide
    (store.access). An administrator needs none."""

    __tablename__ = "user_scopes"
    __table_args__ = (UniqueConstraint("user_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # region / unit
    value: Mapped[str] = mapped_column(String(255))


class AuthSession(Base):
    """A login session. The cookie carries a random token; only its sha256 is stored."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(When)

    user: Mapped[User] = relationship()


class Blob(Base):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    format: Mapped[str | None] = mapped_column(String(16))  # as sniffed: docx, pdf, text, …
    name: Mapped[str] = mapped_column(Clipped(255))  # the name it first came with (display only)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)


class View(Base):
    """A file's text view (``lines``, JSON list) and its tables (JSON, see store.views)."""

    __tablename__ = "views"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    lines_json: Mapped[str] = mapped_column(Text)
    tables_json: Mapped[str] = mapped_column(Text)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(8))  # web / cli
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    region: Mapped[str | None] = mapped_column(Clipped(64))  # 地区 given at upload (overrides the derived one)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)

    items: Mapped[list[BatchItem]] = relationship(back_populates="batch", order_by="BatchItem.position")


class BatchItem(Base):
    """One file of a batch: pending → done / skipped (same content already reviewed) / error;
    ``rejected`` when the upload refused it (type, size; ``message`` says why)."""

    __tablename__ = "batch_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Clipped(255))
    sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))  # None: rejected at upload
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    message: Mapped[str | None] = mapped_column(Text)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    updated_at: Mapped[datetime] = mapped_column(When, default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="items")


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("sha256", "settings_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    settings_key: Mapped[str] = mapped_column(String(64))  # sha256 of the Settings JSON
    name: Mapped[str] = mapped_column(Clipped(255))
    format: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)

    reports: Mapped[list[Report]] = relationship(back_populates="review", order_by="Report.part")


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("unit_key", "version"), Index("ix_reports_current", "is_current", "year"))

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    part: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    kind: Mapped[str] = mapped_column(String(16))  # department / project
    unit_name: Mapped[str | None] = mapped_column(Clipped(255))  # 预算部门（单位）名称
    project_name: Mapped[str | None] = mapped_column(Clipped(255))  # 项目名称
    year: Mapped[int | None] = mapped_column(Integer)  # 年度
    region: Mapped[str | None] = mapped_column(Clipped(64), index=True)  # 地区
    unit_key: Mapped[str] = mapped_column(Clipped(600), index=True)  # kind|单位|年度|项目: the versions of one report
    series_key: Mapped[str] = mapped_column(Clipped(600), index=True)  # kind|单位|项目: the same report across years
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    ruleset: Mapped[str | None] = mapped_column(String(32))
    self_total: Mapped[Decimal | None] = mapped_column(Points)  # 自评得分
    total: Mapped[Decimal | None] = mapped_column(Points)  # 复核得分
    self_grade: Mapped[str | None] = mapped_column(String(8))
    grade: Mapped[str | None] = mapped_column(String(8))
    score_drop: Mapped[Decimal | None] = mapped_column(Points)  # 自评 − 复核 (points)
    execution_rate: Mapped[Decimal | None] = mapped_column(Fraction)  # 预算执行率 (fraction)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    infos: Mapped[int] = mapped_column(Integer, default=0)
    record_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)

    review: Mapped[Review] = relationship(back_populates="reports")
    findings: Mapped[list[Finding]] = relationship(back_populates="report", order_by="Finding.position")
    indicators: Mapped[list[IndicatorRow]] = relationship(order_by="IndicatorRow.position")


class IndicatorRow(Base):
    """One 三级指标 of a report: 年度指标值 / 实际完成值 as written and parsed, 分值 / 得分."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    level1: Mapped[str | None] = mapped_column(Clipped(255))  # 一级指标
    level2: Mapped[str | None] = mapped_column(Clipped(255))  # 二级指标
    name: Mapped[str | None] = mapped_column(Text)  # 三级指标
    target_raw: Mapped[str | None] = mapped_column(Text)  # 年度指标值
    target_op: Mapped[str | None] = mapped_column(String(4))
    target_number: Mapped[Decimal | None] = mapped_column(Number)
    target_unit: Mapped[str | None] = mapped_column(Clipped(32))
    actual_raw: Mapped[str | None] = mapped_column(Text)  # 实际完成值
    actual_number: Mapped[Decimal | None] = mapped_column(Number)
    weight: Mapped[Decimal | None] = mapped_column(Points)  # 分值
    self_score: Mapped[Decimal | None] = mapped_column(Points)  # 得分 (self)


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # index in Record.findings
    code: Mapped[str] = mapped_column(String(8), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # matches the same finding across versions

    report: Mapped[Report] = relationship(back_populates="findings")
    decisions: Mapped[list[Decision]] = relationship(back_populates="finding", order_by="Decision.id")

    @property
    def decision(self) -> Decision | None:
        """The effective decision: the latest one."""
        return self.decisions[-1] if self.decisions else None


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    status: Mapped[str] = mapped_column(String(8))  # 确认 / 不采纳
    comment: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="decisions")
    user: Mapped[User | None] = relationship()


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_target", "action", "target"),)  # failed logins by name

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(When, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))  # login, upload, review, decide, carry, not_carried, export, …
    target: Mapped[str | None] = mapped_column(String(64))  # e.g. report:12, finding:40
    detail: Mapped[str | None] = mapped_column(Text)  # JSON

    user: Mapped[User | None] = relationship()


class Draft(Base):
    """A unit's 在线填报 (web form) for one 自评: the fields as typed (``fields_json``: the web form's
    ``sheet!ref`` → text, :func:`jixiao.author.workbook.read_form`), for ``unit_name`` (one of the
    unit user's units), ``kind`` and ``year``. ``revision`` counts the saves (each kept in
    ``draft_revisions``); ``submitted_revision`` is the one last submitted, ``report_id`` the
    stored report it became."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(255), index=True)  # 单位名称
    kind: Mapped[str] = mapped_column(String(16))  # department / project
    year: Mapped[int] = mapped_column(Integer)
    ruleset: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(Clipped(255))  # 项目名称 or 单位名称, for the list
    fields_json: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_revision: Mapped[int | None] = mapped_column(Integer)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(When, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(When)


class DraftRevision(Base):
    """One save of a draft: the fields as they were (nothing a unit typed is lost)."""

    __tablename__ = "draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    fields_json: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(When, default=utcnow)
