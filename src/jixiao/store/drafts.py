"""A unit's 在线填报 (web form) drafts, and their submission into the reviewers' queue.

A draft belongs to one unit (``Draft.unit_name``, one of the unit user's units, :mod:`.access`):
:func:`drafts_of` lists, :func:`get_draft` fetches (None outside the units given — the routes
answer 404), :func:`save_draft` keeps every save (``draft_revisions``, :func:`revisions_of`;
:func:`restore` saves an earlier one again). The unit's own name is
the form's 预算部门名称 (部门整体) or 实施单位 (项目支出): :func:`save_draft` writes it in, so a
draft can never be filled, nor submitted, for another unit.

:func:`submit` stores the draft as a review like an upload's: the blob is the fields as JSON
(``format`` ``online``, shown as 在线填报), the Record is the one :func:`jixiao.author.pipeline.evaluate`
scored and checked, the text view one line per filled field (``在线填报·资金·年度资金总额·全年执行数：430``)
so every finding's evidence names the field. Submitting again (same unit / year / kind / project)
is the next version of the same report, the reviewers' decisions carried as for a re-upload
(:mod:`.ingest`).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import Scope
from .db import Store
from .models import AuditEntry, Draft, DraftRevision, clean_text

ONLINE_FORMAT = "online"  # Review.format / Blob.format of a submission (shown as 在线填报)
KIND_TEXT = {"department": "部门整体", "project": "项目支出"}
MAX_FIELD = 20_000  # characters kept of one field
MAX_FIELDS = 2_000


class DraftError(ValueError):
    """A draft cannot be saved or submitted (the message says why, in Chinese)."""


def unit_field(kind: str) -> str:
    """The Report field that names the unit: 预算部门名称 (department) or 实施单位 (project)."""
    return "unit_name" if kind == "department" else "implementing_unit"


def title_field(kind: str) -> str:
    return "unit_name" if kind == "department" else "project_name"


def field_of(kind: str, year: int, ruleset: str, key: str) -> str:
    """The web form's name (``sheet!ref``) of the field ``key`` (``unit_name``, ``year`` …)."""
    from ..author.template import layout
    from ..author.workbook import field_name

    lay = layout(kind, year, ruleset)  # type: ignore[arg-type]
    for sl in lay.sheets:
        for block in sl.blocks:
            for slot in block.slots:
                if block.type == "fields" and slot.key == key:
                    return field_name(slot)
    raise KeyError(key)


def clean_fields(raw: dict[str, Any], kind: str, year: int, ruleset: str) -> dict[str, str]:
    """The form's fields as kept: only the layout's input fields (``sheet!ref``), text cleaned
    (:func:`clean_text`), empty ones left out."""
    from ..author.template import layout
    from ..author.workbook import field_name

    known = {field_name(s) for sl in layout(kind, year, ruleset).sheets  # type: ignore[arg-type]
             for b in sl.blocks for s in b.slots if not s.sums}
    out = {}
    for k, v in list(raw.items())[:MAX_FIELDS]:
        if k in known and isinstance(v, (str, int, float)) and not isinstance(v, bool):
            text = clean_text(str(v).replace("\r\n", "\n"), MAX_FIELD) if isinstance(v, str) else str(v)
            if text:
                out[k] = text
    return out


def drafts_of(s: Session, scope: Scope) -> list[Draft]:
    """The drafts of the scope's units, newest first."""
    if not scope.units:
        return []
    return list(s.scalars(select(Draft).where(Draft.unit_name.in_(sorted(scope.units)))
                          .order_by(Draft.updated_at.desc(), Draft.id.desc())))


def get_draft(s: Session, scope: Scope, draft_id: int) -> Draft | None:
    """The draft, or None when there is none or it is another unit's."""
    d = s.get(Draft, draft_id)
    return d if d is not None and d.unit_name in scope.units else None


def fields_of(d: Draft) -> dict[str, str]:
    return json.loads(d.fields_json or "{}")


def create_draft(store: Store, user_id: int, scope: Scope, unit: str, kind: str, year: int,
                 fields: dict[str, Any] | None = None, ruleset: str = "national_2020") -> int:
    """A new draft for ``unit`` (one of the scope's units); its id. Raises DraftError for a unit
    not given to the user, an unknown kind or a year out of range."""
    if unit not in scope.units:
        raise DraftError("只能为您所在的单位填报")
    if kind not in ("department", "project"):
        raise DraftError("类型应为 部门整体 或 项目支出")
    if not 2000 <= year <= 2100:
        raise DraftError("年度须为四位数字，如 2025")
    with store.session() as s:
        d = Draft(unit_name=unit, kind=kind, year=year, ruleset=ruleset, fields_json="{}", revision=0,
                  created_by=user_id, updated_by=user_id)
        s.add(d)
        s.flush()
        _save(s, d, user_id, fields or {})
        s.add(AuditEntry(user_id=user_id, action="draft_created", target=f"draft:{d.id}",
                         detail=json.dumps({"unit": unit, "form": KIND_TEXT[kind], "year": year}, ensure_ascii=False)))
        return d.id


def _save(s: Session, d: Draft, user_id: int, fields: dict[str, Any]) -> None:
    kept = clean_fields(fields, d.kind, d.year, d.ruleset)
    kept[field_of(d.kind, d.year, d.ruleset, unit_field(d.kind))] = d.unit_name  # the unit's own name
    kept[field_of(d.kind, d.year, d.ruleset, "year")] = str(d.year)  # the year the draft is for
    d.fields_json = json.dumps(kept, ensure_ascii=False, sort_keys=True)
    d.title = kept.get(field_of(d.kind, d.year, d.ruleset, title_field(d.kind)))
    d.revision = (d.revision or 0) + 1
    d.updated_by, d.updated_at = user_id, datetime.now(UTC)
    s.add(DraftRevision(draft_id=d.id, revision=d.revision, fields_json=d.fields_json, user_id=user_id))


def save_draft(store: Store, user_id: int, scope: Scope, draft_id: int, fields: dict[str, Any]) -> Draft | None:
    """Save ``fields`` as the draft's next revision (the unit's name written in); None when the
    draft is not the scope's (nothing saved)."""
    with store.session() as s:
        d = get_draft(s, scope, draft_id)
        if d is None:
            return None
        _save(s, d, user_id, fields)
        s.flush()
        s.expunge(d)
        return d


def revisions_of(s: Session, d: Draft) -> list[tuple[int, datetime, str | None]]:
    """The draft's saves, newest first: (revision, when, who — display name)."""
    from .models import User

    rows = s.execute(select(DraftRevision.revision, DraftRevision.created_at, User.display_name, User.username)
                     .join(User, User.id == DraftRevision.user_id, isouter=True)
                     .where(DraftRevision.draft_id == d.id).order_by(DraftRevision.revision.desc())).all()
    return [(r.revision, r.created_at, r.display_name or r.username) for r in rows]


def restore(store: Store, user_id: int, scope: Scope, draft_id: int, revision: int) -> Draft | None:
    """Save the fields of an earlier ``revision`` again, as the draft's next revision; None when
    the draft is not the scope's or has no such revision."""
    with store.session() as s:
        d = get_draft(s, scope, draft_id)
        old = s.scalar(select(DraftRevision).where(DraftRevision.draft_id == draft_id,
                                                   DraftRevision.revision == revision)) if d else None
        if old is None:
            return None
        fields = json.loads(old.fields_json)
    return save_draft(store, user_id, scope, draft_id, fields)


@dataclass
class Submitted:
    """What :func:`submit` did: the stored report's id and version, whether the same content had
    been submitted before (``same``: nothing new stored), decisions carried / not carried."""

    report_id: int
    version: int
    same: bool = False
    carried: int = 0
    not_carried: int = 0


def submission_name(done) -> str:
    """``在线填报：2025年度示例区档案馆`` (the review's name, shown to the reviewers)."""
    from ..author.pipeline import _stem
    from ..author.workbook import ONLINE

    return f"{ONLINE}：{_stem(done.report)}"


def submit(store: Store, user_id: int, scope: Scope, draft_id: int) -> Submitted | None:
    """Submit the draft: evaluated again from its stored fields; refused (DraftError, listing
    them) while precheck problems remain; else stored in the reviewers' queue (see the module doc).
    None when the draft is not the scope's."""
    from ..author.pipeline import evaluate
    from ..author.workbook import read_form
    from ..config import Settings
    from ..model import Record
    from ..readers.document import Document
    from ..review import ReviewedFile
    from .ingest import StoreWriter
    from .models import Report
    from .prepared import prepare

    with store.session() as s:
        d = get_draft(s, scope, draft_id)
        if d is None:
            return None
        unit, kind, year, ruleset, fields, revision = d.unit_name, d.kind, d.year, d.ruleset, fields_of(d), d.revision
    done = evaluate(read_form(kind, year, fields, ruleset))
    if not done.ok:
        listed = "；".join(f"{p.sheet}：{p.message}" for p in done.problems[:10])  # the form's parts, not cells
        more = f"等 {len(done.problems)} 处" if len(done.problems) > 10 else ""
        raise DraftError(f"还有 {len(done.problems)} 处须改正，不能提交：{listed}{more}")
    name = submission_name(done)
    filled = done.filled
    record = Record(source=name, id=f"{name}#0", format=ONLINE_FORMAT, ruleset=done.scorecard.ruleset,
                    ruleset_origin="指定", report=done.report, scorecards=[done.scorecard], findings=done.findings)
    doc = Document(path=name, lines=filled.lines, format=ONLINE_FORMAT)
    prepared = prepare(ReviewedFile(record, filled.lines, document=doc), name)
    payload = json.dumps({"source": "在线填报", "unit": unit, "kind": kind, "year": year, "ruleset": ruleset,
                          "fields": fields}, ensure_ascii=False, sort_keys=True, indent=1).encode()
    sha = hashlib.sha256(payload).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "online.json"
        path.write_bytes(payload)
        with StoreWriter(store, Settings(), user_id=user_id, group_files=1) as writer:
            stored = writer.save(path, sha, prepared, name)
    with store.session() as s:
        report = s.get(Report, stored.report_ids[0])
        d = s.get(Draft, draft_id)
        d.report_id, d.submitted_revision, d.submitted_at = report.id, revision, datetime.now(UTC)
        s.add(AuditEntry(user_id=user_id, action="draft_submitted", target=f"draft:{draft_id}",
                         detail=json.dumps({"report": report.id, "version": report.version, "revision": revision,
                                            "same": stored.skipped}, ensure_ascii=False)))
        return Submitted(report.id, report.version, stored.skipped, stored.carried, stored.not_carried)
