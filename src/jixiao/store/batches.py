"""Batches: a list of stored files to review, worked through one file (one transaction) at a time.

An item is ``pending`` until its review is stored, then ``done``, ``skipped`` (this content was
already reviewed under the same settings: the earlier review stands) or ``error`` (the file could
not be read; the reason is kept). A process killed mid-batch leaves the rest ``pending``;
:func:`run_batch` on the same batch picks them up (the web app's worker does so for every
batch in :func:`pending_batches` when it starts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from ..config import Settings
from .db import Store
from .ingest import Stored, register_blob, review_blob
from .models import Batch, BatchItem, clean_text

STATUS_TEXT = {"pending": "等待复核", "done": "已复核", "skipped": "内容相同，沿用此前的复核", "error": "无法读取",
               "rejected": "未接收"}


@dataclass
class Entry:
    """A file already in the store's files: display name, content hash, size in bytes, format."""

    name: str
    sha256: str
    size: int
    format: str | None = None


def create_batch(store: Store, entries: Iterable[Entry], origin: str = "web", user_id: int | None = None,
                 region: str | None = None, rejected: Iterable[tuple[str, str]] = ()) -> int:
    """Register the files and a batch listing them (all pending), plus the (name, reason) pairs
    an upload refused (``rejected``, shown with the batch); returns the batch id."""
    entries = list(entries)
    for e in entries:
        register_blob(store, e.sha256, e.size, e.name, e.format)
    with store.session() as s:
        batch = Batch(origin=origin, user_id=user_id, region=clean_text(region, 64))
        s.add(batch)
        s.flush()
        for i, e in enumerate(entries):
            s.add(BatchItem(batch_id=batch.id, position=i, name=e.name, sha256=e.sha256))
        for j, (name, reason) in enumerate(rejected, len(entries)):
            s.add(BatchItem(batch_id=batch.id, position=j, name=name, status="rejected", message=reason))
        return batch.id


def run_batch(store: Store, batch_id: int, settings: Settings | None = None,
              on_item: Callable[[BatchItem, Stored], None] | None = None) -> None:
    """Review every pending item of the batch, in order."""
    with store.session() as s:
        batch = s.get(Batch, batch_id)
        region, user_id = batch.region, batch.user_id
        pending = s.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id, BatchItem.status == "pending")
                            .order_by(BatchItem.position)).all()
    for item in pending:
        stored = review_blob(store, item.sha256, item.name, settings, batch_id=batch_id, user_id=user_id,
                             region=region)
        with store.session() as s:
            it = s.get(BatchItem, item.id)
            it.review_id = stored.review_id
            it.status = "error" if stored.error else ("skipped" if stored.skipped else "done")
            it.message = stored.error
        if on_item is not None:
            on_item(it, stored)


def pending_batches(store: Store) -> list[int]:
    with store.session() as s:
        return list(s.scalars(select(BatchItem.batch_id).where(BatchItem.status == "pending").distinct()
                              .order_by(BatchItem.batch_id)))


def progress(store: Store, batch_id: int) -> dict | None:
    """{"id", "total", "done", "counts": {status: n}, "items": [{name, status, text, message, reports}]}."""
    with store.session() as s:
        batch = s.get(Batch, batch_id)
        if batch is None:
            return None
        counts = dict(s.execute(select(BatchItem.status, func.count()).where(BatchItem.batch_id == batch_id)
                                .group_by(BatchItem.status)).all())
        items = []
        for it in batch.items:
            reports = []
            if it.review_id is not None:
                from .models import Report
                reports = [{"id": r.id, "label": r.project_name or r.unit_name or it.name, "kind": r.kind}
                           for r in s.scalars(select(Report).where(Report.review_id == it.review_id).order_by(Report.part))]
            items.append({"name": it.name, "status": it.status, "text": STATUS_TEXT[it.status],
                          "message": it.message, "reports": reports})
        total = len(items)
        return {"id": batch_id, "total": total, "done": total - counts.get("pending", 0), "counts": counts,
                "items": items}
