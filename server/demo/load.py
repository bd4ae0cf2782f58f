"""Writes a built demo data set into a server database: bulk inserts, change-feed entries, statistics."""
from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from server.demo.build import DemoData
from server.security import hash_password
from server.services.change_log import LogEntry, record_changes
from shared.models import MODEL_BY_TABLE, SQLModel, SyncState, server_tables
from shared.sync_schema import APPLY_ORDER, SYNC_SPECS

_STATE = SyncState.__table__


class DatabaseNotEmpty(Exception):
    """The database already holds data and no reset was asked for."""


def has_data(conn: Connection) -> bool:
    """Whether any server table other than the version counter has a row."""
    return any(
        conn.execute(select(1).select_from(table).limit(1)).first() is not None
        for table in server_tables() if table is not _STATE
    )


def clear_data(conn: Connection) -> None:
    """Delete every data row (children first), keeping the version counter.

    Versions keep growing after a reset, and the tombstone horizon moves up to
    the last version, so a phone that pulled the old data is told to start over
    instead of keeping rows that are gone.
    """
    ours = set(server_tables())
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table in ours and table is not _STATE:
            conn.execute(delete(table))
    conn.execute(update(_STATE).values(tombstone_horizon=_STATE.c.last_version))


def log_entries(data: DemoData) -> list[LogEntry]:
    """One change-feed entry per synced row, parents first, with the scope column its table is pulled by."""
    entries = []
    for table in APPLY_ORDER:
        scope = SYNC_SPECS[table].scope
        for row in data.tables.get(table, ()):
            if scope == "grid":
                entries.append(LogEntry(table, row["id"], grid_id=row["grid_id"]))
            elif scope == "street":
                entries.append(LogEntry(table, row["id"], street_id=row["street_id"]))
            else:
                entries.append(LogEntry(table, row["id"], district_id=data.district_id))
    return entries


def load_demo(engine: Engine, data: DemoData, *, reset: bool = False) -> dict[str, int]:
    """Insert the data set in one transaction and return the row count per table (and ``change_log``).

    Raises DatabaseNotEmpty when the database has data, unless ``reset``
    (then the old rows are deleted first). The schema must exist.
    """
    with engine.begin() as conn:
        if has_data(conn):
            if not reset:
                raise DatabaseNotEmpty("the database already has data; pass --reset to replace it")
            clear_data(conn)
        hashes = {user.id: hash_password(user.password) for user in data.users}
        for name, rows in data.tables.items():
            if name == "user_account":
                rows = [dict(row, password_hash=hashes[row["id"]]) for row in rows]
            if rows:
                conn.execute(insert(MODEL_BY_TABLE[name].__table__), rows)
        versions = record_changes(conn, log_entries(data))
    if engine.dialect.name == "postgresql":  # autovacuum is off there: give the planner statistics now
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {**data.counts(), "change_log": len(versions)}
