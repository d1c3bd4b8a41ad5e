"""Alembic environment: migrations run on the connection jixiao.store hands over
(``config.attributes["connection"]``), or on ``sqlalchemy.url`` when run from the alembic CLI."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from jixiao.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
