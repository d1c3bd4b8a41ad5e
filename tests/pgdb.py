"""A scratch PostgreSQL database on a server the caller names (``JIXIAO_TEST_PG``): created with
a random name, yielded as a URL, dropped afterwards (connections forced off). Shared by the test
fixtures (conftest.store_url) and bench/bench_store.py."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_database(base: str, prefix: str) -> Iterator[str]:
    """A new database ``{prefix}_<12 hex>`` on the server of the SQLAlchemy URL ``base``; yields
    its URL (password kept). Raises what SQLAlchemy raises when the server refuses."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            _drop(admin, name)
        finally:
            admin.dispose()


def _drop(admin, name: str, attempts: int = 10) -> None:
    """DROP … WITH (FORCE), retried: it cannot end a backend of another role (an autovacuum
    worker that just started on the database), which is gone a moment later."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
