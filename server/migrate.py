"""Running the Alembic migrations from code: the config is built here, so ``doorstep db`` works from any folder."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

import migrations
from server.db import make_engine, normalize_url
from shared.models import SQLModel, server_tables

# ``__path__``, not ``__file__``: an editable install made before the folder existed sees a namespace package.
MIGRATIONS_DIR = next(Path(p).resolve() for p in migrations.__path__ if Path(p, "env.py").is_file())


def server_metadata() -> MetaData:
    """The server's tables alone (the phone's own tables may share ``SQLModel.metadata`` in one process)."""
    metadata = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    for table in server_tables():
        table.to_metadata(metadata)
    return metadata


def alembic_config(url: str | None = None, engine: Engine | None = None) -> Config:
    """An Alembic config for a database URL, or for an engine the caller already has (tests)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.attributes["engine"] = engine
    elif url is not None:
        config.attributes["url"] = normalize_url(url).render_as_string(hide_password=False)
    return config


def upgrade(url: str | None = None, revision: str = "head", engine: Engine | None = None) -> None:
    command.upgrade(alembic_config(url, engine), revision)


def downgrade(revision: str, url: str | None = None, engine: Engine | None = None) -> None:
    command.downgrade(alembic_config(url, engine), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str | None = None, engine: Engine | None = None) -> str | None:
    """The revision the database is at (None for an empty database)."""
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if own:
            engine.dispose()
