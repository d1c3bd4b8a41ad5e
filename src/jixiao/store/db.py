"""Opening a store: the database URL, the engine, the migrations, the folder of files.

``JIXIAO_DB`` (or ``--db``) names the database: a SQLAlchemy URL such as
``postgresql+psycopg://user:pw@127.0.0.1/jixiao`` or ``sqlite:///path/jixiao.db``, or simply a file
path (taken as SQLite). The default is ``jixiao-data/jixiao.db`` in the working folder. Uploaded and
reviewed files are kept by content under a ``files`` folder: next to a SQLite database, or in
``JIXIAO_DATA`` (default ``jixiao-data``) for a server database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DIR = Path("jixiao-data")


class StoreError(Exception):
    """The store cannot be opened: bad URL, unreachable server, a schema newer than this jixiao."""


def resolve_url(db: str | None = None) -> str:
    """``db`` (URL or file path) → SQLAlchemy URL; None reads ``JIXIAO_DB``, then the default."""
    db = db or os.environ.get("JIXIAO_DB") or str(DEFAULT_DIR / "jixiao.db")
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def _files_dir(url: str) -> Path:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        return Path(u.database).parent / "files"
    return Path(os.environ.get("JIXIAO_DATA") or DEFAULT_DIR) / "files"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    import sqlite3
    import time

    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    for attempt in range(100):  # readers do not block the batch worker
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:  # "database is locked" without waiting: another process
            if attempt == 99:  # is creating this new store (BEGIN EXCLUSIVE, _migration_lock)
                raise
            time.sleep(0.1)
    cur.close()


def _postgresql_settings(dbapi_conn, _record) -> None:
    """lz4 for the large texts (record_json, views) where the server has it: about half the cost of
    storing a review, and reading it back is faster too; the server's default where it has not."""
    try:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET default_toast_compression = 'lz4'")
        dbapi_conn.commit()
    except Exception:  # noqa: BLE001  a server built without lz4 refuses the value: keep its default
        dbapi_conn.rollback()


MIGRATION_LOCK = 0x6A697869  # PostgreSQL advisory lock key of the migrations ("jixi")


def _migration_lock(conn) -> None:
    """One migration at a time, held to the end of the transaction: two processes opening a new
    store at once (two ``jixiao review --db`` runs) would both create its tables; the second
    waits (SQLite: busy_timeout, 30 s) and then finds the schema already at the newest revision."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")


class Store:
    """A database plus its folder of files. ``Store(url)`` connects and migrates to the newest
    schema (Alembic); raises :class:`StoreError` when that fails.

    ``store.session()`` is a context manager yielding a Session that commits on success and rolls
    back on error."""

    def __init__(self, url: str | None = None, files_dir: Path | None = None, migrate: bool = True):
        from .blobs import BlobStore

        self.url = resolve_url(url)
        try:
            u = make_url(self.url)
        except Exception as exc:
            raise StoreError(f"数据库地址无效：{self.url}（{exc}）") from None
        kwargs: dict = {"future": True}
        if u.get_backend_name() == "sqlite":
            if u.database not in (None, "", ":memory:"):
                Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if u.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif u.get_backend_name() == "postgresql":
            event.listen(self.engine, "connect", _postgresql_settings)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.files = BlobStore(files_dir or _files_dir(self.url))
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (creates it in an empty database)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("jixiao.store") / "migrations"))
        try:
            with self.engine.begin() as conn:
                _migration_lock(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except Exception as exc:
            raise StoreError(f"无法打开数据库 {self.display_url}：{type(exc).__name__}: {exc}") from None

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def tables(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()
