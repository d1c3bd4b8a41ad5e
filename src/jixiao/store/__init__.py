"""store/: every review kept in a database (SQLAlchemy 2, Alembic migrations).

SQLite by default, PostgreSQL by URL (``JIXIAO_DB=postgresql+psycopg://…``); see :mod:`.db`.
Reviews are versioned per report and carry the reviewers' decisions over (:mod:`.ingest`);
batches resume by content hash (:mod:`.batches`)."""

from .batches import Entry, create_batch, pending_batches, progress, run_batch
from .db import Store, StoreError, resolve_url
from .decisions import DecisionError, carry_decision, decide
from .ingest import Stored, add_blob, fingerprint, region_of, review_blob
from .users import UserError, authenticate, create_user

__all__ = [
           "DecisionError",
           "Entry",
           "Store",
           "StoreError",
           "Stored",
           "UserError",
           "add_blob",
           "authenticate",
           "carry_decision",
           "create_batch",
           "create_user",
           "decide",
           "fingerprint",
           "pending_batches",
           "progress",
           "region_of",
           "resolve_url",
           "review_blob",
           "run_batch",
]
