"""A SQLite server's WAL is checkpointed by a thread of its own while the app runs (``server.checkpointer``)."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from contextlib import contextmanager

from sqlalchemy import text

from server.app import create_app
from server.db import SQLITE_CHECKPOINT_PAGES, SQLITE_FALLBACK_CHECKPOINT_PAGES
from server.migrate import upgrade
from server.settings import get_settings
from tests.server.conftest import make_app


@contextmanager
def running(app):
    """The app's lifespan, started and ended as uvicorn does around the requests."""
    runner = asyncio.Runner()
    lifespan = app.router.lifespan_context(app)
    runner.run(lifespan.__aenter__())
    try:
        yield app
    finally:
        runner.run(lifespan.__aexit__(None, None, None))
        runner.close()


def _file_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    upgrade(url)
    return create_app(get_settings(database_url=url, data_dir=tmp_path / "data")), tmp_path / "server.sqlite3"


def _file_alone(path, tmp_path) -> sqlite3.Connection:
    """The database file as it is on disk without its WAL: only what a checkpoint copied into it."""
    alone = tmp_path / "alone.sqlite3"
    shutil.copy(path, alone)
    return sqlite3.connect(alone)


def _rows_in(connection: sqlite3.Connection) -> int:
    found = connection.execute("SELECT name FROM sqlite_master WHERE name = 'probe'").fetchone()
    return connection.execute("SELECT count(*) FROM probe").fetchone()[0] if found else 0


def _add_rows(engine, count: int) -> None:
    with engine.begin() as conn:  # committed as a request commits: the engine's commit event
        conn.execute(text("CREATE TABLE IF NOT EXISTS probe (n INTEGER)"))
        conn.execute(text("INSERT INTO probe (n) VALUES (:n)"), [{"n": n} for n in range(count)])


def test_commits_reach_the_database_file_without_a_request_checkpointing(tmp_path):
    app, path = _file_app(tmp_path)
    with running(app):  # the lifespan runs: the thread is on
        checkpointer = app.state.checkpointer
        assert checkpointer is not None and checkpointer._thread.is_alive()
        with app.state.engine.connect() as conn:  # the requests' connections leave checkpoints to the thread
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SQLITE_FALLBACK_CHECKPOINT_PAGES
        _add_rows(app.state.engine, 50)
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert checkpointer.checkpoints >= 1
        alone = _file_alone(path, tmp_path)
        try:
            assert _rows_in(alone) == 50  # copied into the file by the thread, the WAL not needed
        finally:
            alone.close()
    assert app.state.checkpointer._thread is None  # stopped with the app


def test_without_the_thread_the_wal_keeps_the_commits(tmp_path):
    # the same commits with no checkpointer (below SQLite's own threshold): the file alone does not have them
    app, path = _file_app(tmp_path)
    _add_rows(app.state.engine, 50)  # no lifespan: the thread never started
    alone = _file_alone(path, tmp_path)
    try:
        assert _rows_in(alone) == 0
    finally:
        alone.close()
        app.state.engine.dispose()


def test_the_last_commits_are_checkpointed_when_the_thread_stops(tmp_path):
    app, path = _file_app(tmp_path)
    checkpointer = app.state.checkpointer
    checkpointer.interval_s = 60  # a second round would wait a minute
    checkpointer.start()
    try:
        _add_rows(app.state.engine, 1)
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        _add_rows(app.state.engine, 1)  # ... so this one is left to the stop
        checkpointer.stop()
        alone = _file_alone(path, tmp_path)  # the engine's connections still open: they checkpointed nothing
        try:
            assert _rows_in(alone) == 2
        finally:
            alone.close()
    finally:
        checkpointer.stop()
        app.state.engine.dispose()


def test_only_an_app_that_opened_a_sqlite_file_starts_one(sqlite_engine, tmp_path):
    assert make_app(sqlite_engine).state.checkpointer is None  # the caller's engine: the caller's checkpoints
    memory = create_app(get_settings(database_url="sqlite://"))
    assert memory.state.checkpointer is None
    memory.state.engine.dispose()
    from server.db import make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")  # CLI commands, scripts: SQLite's own
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SQLITE_CHECKPOINT_PAGES
    finally:
        engine.dispose()
