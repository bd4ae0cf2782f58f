"""The phone's SQLite file: the shared model's synced tables plus the device-only tables (own MetaData).

The device-only tables live in ``DEVICE_METADATA``, not ``SQLModel.metadata``,
so the server and Alembic never see them:

- ``outbox``: one entry per local change, ``seq`` increasing per device; the
  change itself (``payload``) is sealed, only the row and its clock keys are plain;
- ``rejected``: changes the server refused, kept for the sync screen;
- ``shadow``: for a row with unpushed changes, the server's last state of it
  (sealed), to restore fields whose change the server rejected;
- ``device_state``: next seq, the hybrid clock, the pull cursor (one row);
- ``device_key``: the wrapped data key, Scrypt salt and cost, wrong-PIN count;
- ``meta``: settings and the session (token, user ...), sealed except a few
  needed before unlock;
- ``id_hash``: keyed hashes of residents' ID numbers and their last digits.

Write transactions start with ``BEGIN IMMEDIATE`` so the UI and a sync running
in another thread never dead-lock on a lock upgrade.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlmodel import SQLModel

from shared import json_text
from shared.models import device_tables

DB_FILE_NAME = "doorstep.sqlite3"
DEVICE_METADATA = MetaData()

OUTBOX = Table(
    "outbox", DEVICE_METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("table_name", String(32), nullable=False),
    Column("row_id", String(36), nullable=False, index=True),
    Column("op", String(8), nullable=False),
    Column("clock_keys", Text, nullable=False),  # JSON list of the clock keys written
    Column("payload", Text, nullable=False),  # sealed JSON of the protocol Change (without seq)
)

REJECTED = Table(
    "rejected", DEVICE_METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("table_name", String(32), nullable=False),
    Column("row_id", String(36), nullable=False),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("payload", Text, nullable=False),  # sealed like the outbox's
    Column("rejected_at", String(40), nullable=False),
)

SHADOW = Table(
    "shadow", DEVICE_METADATA,
    Column("table_name", String(32), primary_key=True),
    Column("row_id", String(36), primary_key=True),
    Column("data", Text, nullable=False),  # sealed JSON: {"row": {...} | None}
)

DEVICE_STATE = Table(
    "device_state", DEVICE_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_seq", Integer, nullable=False, default=1),
    Column("clock", String(80), nullable=False, default=""),
    Column("cursor", Integer, nullable=False, default=0),
)

DEVICE_KEY = Table(
    "device_key", DEVICE_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("store_id", String(36), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("salt", LargeBinary, nullable=False),
    Column("scrypt_n", Integer, nullable=False),
    Column("scrypt_r", Integer, nullable=False),
    Column("scrypt_p", Integer, nullable=False),
    Column("wrong_pins", Integer, nullable=False, default=0),
)

META = Table(
    "meta", DEVICE_METADATA,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("sealed", Boolean, nullable=False),
)

ID_HASH = Table(
    "id_hash", DEVICE_METADATA,
    Column("row_id", String(36), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("digest", String(64), nullable=False, index=True),
)


def open_engine(data_dir: Path) -> Engine:
    """The engine of ``<data_dir>/doorstep.sqlite3``, its tables created when missing."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{(data_dir / DB_FILE_NAME).resolve()}",
                           connect_args={"check_same_thread": False},
                           json_serializer=json_text.dumps_text, json_deserializer=json_text.loads)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed: no old values linger
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        immediate = conn.get_execution_options().get("doorstep_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    _incremental_vacuum(engine)
    SQLModel.metadata.create_all(engine, tables=device_tables())
    DEVICE_METADATA.create_all(engine)
    add_missing_columns(engine)
    drop_unused_indexes(engine)
    return engine


# Indexes of the shared model that no query on the phone uses (each one is written for every pulled row).
# ``resident.id_number`` holds a sealed cell here (a fresh nonce each time: equal numbers differ), so its index
# orders ciphertext; the phone finds a number by its hashes (``id_hash``): a random B-tree insert a row, about 5%
# of an initial pull. The phone reads residents and households by id, household and grid only (the server's
# change feed reads ``version``; dropping tombstones below a horizon scans, once a page, only if one was purged):
# without the other five, a first pull's inserts of those rows took 15-35% less SQLite time (bench_replay).
PHONE_UNUSED_INDEXES = ("ix_resident_id_number", "ix_resident_version", "ix_resident_community_id",
                        "ix_household_version", "ix_household_community_id", "ix_household_street_id")


def drop_unused_indexes(engine: Engine) -> None:
    """``create_all`` makes a new table with every index of the model: those in ``PHONE_UNUSED_INDEXES`` go
    (also from a store made before they were left out)."""
    with engine.begin() as conn:
        for name in PHONE_UNUSED_INDEXES:
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')


def _incremental_vacuum(engine: Engine) -> None:
    """Pages freed by a sync (the outbox, shadows) can go back to the system (``reclaim_space``).

    Set once per file by a VACUUM: instant on a new file, a rewrite of a file
    made before this.
    """
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if raw.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
            raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
            raw.execute("VACUUM")  # (a WAL file's header is written already, new or not: only VACUUM sets it)


def reclaim_space(engine: Engine) -> int:
    """Give the file's free pages back and empty the write-ahead log; returns the bytes the file shrank by."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        free = raw.execute("PRAGMA freelist_count").fetchone()[0]
        raw.executescript("PRAGMA incremental_vacuum;")  # (execute() would step it once: one page)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return (free - raw.execute("PRAGMA freelist_count").fetchone()[0]) * page_size


def add_missing_columns(engine: Engine) -> list[str]:
    """Columns a newer app's model has and this phone's file lacks (``referral.check_token``), added as nullable.

    ``create_all`` makes only missing tables; a column added to the shared model
    later is added here, empty, and filled by the next pull of the row.
    """
    added = []
    with engine.begin() as conn:
        for table in device_tables():
            present = {row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{table.name}")')}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
                    added.append(f"{table.name}.{column.name}")
    return added


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE``), committed at the end, rolled back on any error."""
    with engine.connect() as conn:
        conn.execution_options(doorstep_write=True)
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """One consistent read (a deferred transaction)."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


class Transactions:
    """The store's way to its connection: a thread inside ``transaction()`` shares that one transaction.

    Outside it every read and every write is its own transaction (as before).
    Inside it, reads see the transaction's own uncommitted writes, and
    everything commits at the end of the outermost ``transaction()`` or is
    rolled back together when an exception leaves it. Per thread: a sync in
    a worker thread never joins the UI's transaction (it waits for it).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()

    @property
    def active(self) -> Connection | None:
        return getattr(self._local, "conn", None)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        conn = self.active
        if conn is not None:  # nested: part of the outer transaction
            yield conn
            return
        with write_tx(self.engine) as conn:
            self._local.conn = conn
            try:
                yield conn
            finally:
                self._local.conn = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        conn = self.active
        if conn is not None:
            yield conn
        else:
            with write_tx(self.engine) as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        conn = self.active
        if conn is not None:
            yield conn
        else:
            with read_tx(self.engine) as conn:
                yield conn
