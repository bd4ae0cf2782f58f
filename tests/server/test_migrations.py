"""Migrations: ``doorstep db upgrade`` makes the models' schema on empty SQLite and PostgreSQL, and walks back."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from doorstep.cli import main
from server import migrate
from server.db import make_engine
from shared.models import server_tables

SERVER_TABLES = {t.name for t in server_tables()}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path) -> str:
    """An empty database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'doorstep.sqlite3'}"
    return request.getfixturevalue("pg_empty_database")


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            return compare_metadata(context, migrate.server_metadata())
    finally:
        engine.dispose()


def test_upgrade_makes_every_table_and_the_models_agree_with_the_head(empty_url):
    migrate.upgrade(empty_url)
    assert _tables(empty_url) == SERVER_TABLES | {"alembic_version"}
    assert _diff(empty_url) == []
    assert migrate.current_revision(empty_url) == migrate.head_revision()
    engine = make_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, last_version FROM sync_state")).all() == [(1, 0)]
    engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url):
    migrate.upgrade(empty_url)
    migrate.downgrade("base", empty_url)
    assert _tables(empty_url) == {"alembic_version"}
    assert migrate.current_revision(empty_url) is None
    migrate.upgrade(empty_url)
    assert _tables(empty_url) == SERVER_TABLES | {"alembic_version"}
    assert _diff(empty_url) == []


def test_doorstep_db_upgrade_from_the_command_line(empty_url, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # works from any folder: the config is found from the package
    assert main(["db", "current", "--url", empty_url]) == 1
    assert main(["db", "upgrade", "--url", empty_url]) == 0
    assert main(["db", "current", "--url", empty_url]) == 0
    assert f"at revision {migrate.head_revision()}" in capsys.readouterr().out
    assert SERVER_TABLES <= _tables(empty_url)


def test_doorstep_db_upgrade_uses_the_environment_and_the_default_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path / "here"))
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "here" / "doorstep.sqlite3").is_file()
    assert SERVER_TABLES <= _tables(f"sqlite:///{tmp_path / 'here' / 'doorstep.sqlite3'}")
