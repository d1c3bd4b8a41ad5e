"""store/: every review kept in a database (SQLAlchemy 2, Alembic migrations).

SQLite by default, PostgreSQL by URL (``JIXIAO_DB=postgresql+psycopg://…``); see :mod:`.db`.
Reviews are versioned per report and carry the reviewers' decisions over (:mod:`.ingest`); a
worker process prepares a reviewed file as plain data (:func:`prepare`) and one
:class:`StoreWriter` stores it;
batches resume by content hash (:mod:`.batches`)."""

from .batches import Entry, create_batch, pending_batches, progress, run_batch
from .db import Store, StoreError, resolve_url
from .decisions import DecisionError, carry_decision, decide
from .ingest import (
           FileChanged,
           Stored,
           StoreWriter,
           add_blob,
           fingerprint,
           region_of,
           review_blob,
)
from .prepared import PreparedFile, prepare
from .users import UserError, authenticate, create_user

__all__ = [
           "DecisionError",
           "Entry",
           "FileChanged",
           "PreparedFile",
           "Store",
           "StoreError",
           "StoreWriter",
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
           "prepare",
           "progress",
           "region_of",
           "resolve_url",
           "review_blob",
           "run_batch",
]
