"""Shared fixtures: a fresh database per test, on SQLite and on the PostgreSQL server.

PostgreSQL tests use a database created for this test run (dropped at the end)
at ``DOORSTEP_TEST_PG_ADMIN`` (default: the local server with trust auth); they
skip, saying why, only when no server is reachable.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from shared.models import SQLModel, server_tables

# The server's key ring for every test (and every process a test starts): ID numbers and phones are sealed.
os.environ.setdefault("DOORSTEP_DATA_KEYS", "dGVzdC1rZXktZm9yLWRvb3JzdGVwLXRlc3RzLTMyYiE=")
PG_ADMIN_URL = os.environ.get("DOORSTEP_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def hypothesis_examples(default: int = 50) -> int:
    """Example count for randomized tests; raise DOORSTEP_HYPOTHESIS_EXAMPLES for deeper runs."""
    return int(os.environ.get("DOORSTEP_HYPOTHESIS_EXAMPLES", default))


def sqlite_memory_engine() -> Engine:
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def protected(engine: Engine) -> Engine:
    """The engine with the server's cell codec, as the app would have it (ID numbers and phones sealed)."""
    from server.db import protect

    return protect(engine)


@pytest.fixture
def sqlite_engine() -> Engine:
    """A fresh in-memory SQLite database with the server's tables."""
    engine = protected(sqlite_memory_engine())
    SQLModel.metadata.create_all(engine, tables=server_tables())
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> str:
    """URL of a PostgreSQL database made for this test run (dropped afterwards)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001 - any connection failure means "no server here"
        admin.dispose()
        pytest.skip(f"no PostgreSQL server reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {error.__class__.__name__}")
    name = f"doorstep_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_empty_database(pg_database_url) -> str:
    """A fresh, empty PostgreSQL database for one test (for migration tests)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_engine(pg_database_url) -> Engine:
    """The run's PostgreSQL database with the server's tables, emptied for each test."""
    engine = protected(create_engine(pg_database_url))
    SQLModel.metadata.create_all(engine, tables=server_tables())
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in server_tables())
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request) -> Engine:
    """Runs a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_engine")
    return request.getfixturevalue("pg_engine")
