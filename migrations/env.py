"""Alembic environment: the server's tables from ``shared.models``, on the database given by ``server.migrate``.

The database is the engine passed in ``config.attributes["engine"]`` (tests),
else the URL in ``config.attributes["url"]``, else ``DOORSTEP_DATABASE_URL``
(or the default SQLite file).
"""
from __future__ import annotations

from alembic import context

from server.db import make_engine
from server.migrate import server_metadata
from server.settings import get_settings

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    own = engine is None
    if own:
        engine = make_engine(config.attributes.get("url") or get_settings().database_url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=server_metadata(),
                render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if own:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; give a database URL.")
run_migrations_online()
