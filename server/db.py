"""The database engine factory (SQLite file or memory, PostgreSQL through psycopg 3) and sessions."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, Engine, create_engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from shared import json_text


def normalize_url(url: str | URL) -> URL:
    """``postgres://`` and ``postgresql://`` mean psycopg 3 here (psycopg2 is not a dependency)."""
    url = make_url(url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(url: str | URL, *, busy_timeout_ms: int = 10_000, echo: bool = False,
                pooled: bool = False, settings=None, background_checkpoints: bool = False) -> Engine:
    """An engine for ``url`` that seals ID numbers and phones (``server.cells``, keys from ``settings``).

    SQLite gets WAL, foreign keys and a busy timeout on every connection.

    ``pooled``: PostgreSQL is reached through a transaction-pooling proxy
    (pgbouncer), where a server connection serves other clients between
    transactions, so psycopg must not keep prepared statements on it.

    A SQLite file's folder is created when missing, so the default settings
    run with no set-up. ``sqlite://`` (memory) uses one shared connection so
    every request sees the same database.

    ``background_checkpoints``: a ``server.checkpointer.WalCheckpointer`` will
    checkpoint this SQLite file's WAL, so the connections' own checkpoints
    only come at ``SQLITE_FALLBACK_CHECKPOINT_PAGES``.
    """
    url = normalize_url(url)
    checkpoint_pages = SQLITE_FALLBACK_CHECKPOINT_PAGES if background_checkpoints else SQLITE_CHECKPOINT_PAGES
    engine = _make_engine(url, busy_timeout_ms, echo, pooled, checkpoint_pages)
    return protect(engine, settings)


def protect(engine: Engine, settings=None) -> Engine:
    """Install the cell codec of the settings' key ring on an engine (idempotent)."""
    from server.cells import codec_for, protect_engine
    from server.settings import get_settings
    from shared.protected import codec_of

    if codec_of(engine.dialect) is None:
        protect_engine(engine, codec_for(settings or get_settings(),
                                         engine.url.render_as_string(hide_password=False)))
    return engine


# JSON columns (stamps, sets, details) as compact UTF-8 text, by ``shared.json_text`` (orjson where installed)
JSON_COLUMNS = {"json_serializer": json_text.dumps_text, "json_deserializer": json_text.loads}


def sqlite_file(url: str | URL) -> str | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def _make_engine(url: URL, busy_timeout_ms: int, echo: bool, pooled: bool, checkpoint_pages: int) -> Engine:
    if url.get_backend_name() != "sqlite":
        connect_args = {"prepare_threshold": None} if pooled else {}
        return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args, **JSON_COLUMNS)
    memory = sqlite_file(url) is None
    if not memory:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, echo=echo, connect_args={"check_same_thread": False},
        **({"poolclass": StaticPool} if memory else {}), **JSON_COLUMNS,
    )
    _sqlite_pragmas(engine, wal=not memory, busy_timeout_ms=busy_timeout_ms, checkpoint_pages=checkpoint_pages)
    return engine


SQLITE_CACHE_KIB = 32 * 1024  # page cache per connection (SQLite's default: 2 MiB); filled only as pages are read
SQLITE_CHECKPOINT_PAGES = 10_000  # WAL pages (4 KiB each) between automatic checkpoints (SQLite's default: 1,000)
# with a checkpointer thread (the server: ``server.checkpointer``), a commit checkpoints only if it falls this far behind
SQLITE_FALLBACK_CHECKPOINT_PAGES = 50_000


def _sqlite_pragmas(engine: Engine, *, wal: bool, busy_timeout_ms: int, checkpoint_pages: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if wal:
            # WAL lets readers go on while one writer commits; NORMAL is durable across app crashes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # a push writes rows under random ids into six or seven indexes: with SQLite's 2 MiB page cache
            # and a checkpoint every 1,000 WAL pages, a 10,000-resident push read 78,000 pages back from the
            # file and synced it 82 times; with these, 17,000 reads and 13 syncs (bench/bench_replay.py)
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
        cursor.close()


def open_session(conn: Connection) -> Session:
    """An ORM session on a request's connection (the session commits what it began)."""
    return Session(bind=conn, expire_on_commit=False)
