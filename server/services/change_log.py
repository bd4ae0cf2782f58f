"""Hands out change versions and keeps the change feed (``change_log``) that pulls read.

Invariant: versions are handed out while the ``sync_state`` row is locked, and
the lock is held until the writing transaction commits. So a transaction that
got version N+1 cannot commit before the one that got N, and a puller that
has seen version N+1 will never later find N appear: no change is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from shared.models import MODEL_BY_TABLE, ChangeLog, SyncState

_STATE = SyncState.__table__
_LOG = ChangeLog.__table__


@dataclass(frozen=True)
class LogEntry:
    """A changed row and the scope columns that decide who may pull it."""

    table_name: str
    row_id: str
    grid_id: str | None = None
    street_id: str | None = None
    district_id: str | None = None


class VersionCounter:
    """The locked counter of one writing transaction: call ``next()`` per changed row."""

    def __init__(self, conn: Connection, last_version: int) -> None:
        self.conn = conn
        self.start = last_version
        self.last = last_version

    def next(self) -> int:
        self.last += 1
        return self.last

    def save(self) -> None:
        """Store the last version handed out (still under the lock)."""
        if self.last != self.start:
            self.conn.execute(update(_STATE).where(_STATE.c.id == 1).values(last_version=self.last))


def lock_versions(conn: Connection) -> VersionCounter:
    """Lock the counter row for the rest of the transaction and return it."""
    stmt = select(_STATE.c.last_version).where(_STATE.c.id == 1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    else:
        # SQLite: a write takes the database lock at once and holds it to commit.
        conn.execute(update(_STATE).where(_STATE.c.id == 1).values(last_version=_STATE.c.last_version))
    last = conn.execute(stmt).scalar()
    if last is None:
        conn.execute(insert(_STATE).values(id=1, last_version=0, tombstone_horizon=0))
        if conn.dialect.name == "postgresql":
            conn.execute(stmt)  # lock the row we just made
        last = 0
    return VersionCounter(conn, last)


def write_entries(conn: Connection, counter: VersionCounter, entries: Iterable[LogEntry]) -> list[int]:
    """Give each changed row a new version: on the row itself and in the change feed.

    Each row keeps one feed entry (its latest version), so the feed stays as
    long as the data, and a replay that changes nothing must not call this.
    """
    entries = list(entries)
    if not entries:
        return []
    versions = [counter.next() for _ in entries]
    by_table: dict[str, list[dict]] = {}
    for entry, version in zip(entries, versions, strict=True):
        by_table.setdefault(entry.table_name, []).append({"_id": entry.row_id, "_version": version})
    for table_name, params in by_table.items():
        table = MODEL_BY_TABLE[table_name].__table__
        conn.execute(
            update(table).where(table.c.id == bindparam("_id")).values(version=bindparam("_version")),
            params,
        )
        _delete_entries(conn, table_name, [p["_id"] for p in params])
    conn.execute(
        insert(_LOG),
        [
            {"version": v, "table_name": e.table_name, "row_id": e.row_id, "grid_id": e.grid_id,
             "street_id": e.street_id, "district_id": e.district_id}
            for e, v in zip(entries, versions, strict=True)
        ],
    )
    return versions


def _delete_entries(conn: Connection, table_name: str, ids: list[str], size: int = 5000) -> None:
    for start in range(0, len(ids), size):
        conn.execute(
            delete(_LOG).where(_LOG.c.table_name == table_name,
                               _LOG.c.row_id.in_(bindparam("ids", expanding=True))),
            {"ids": ids[start:start + size]},
        )


def record_changes(conn: Connection, entries: Iterable[LogEntry]) -> list[int]:
    """Lock, version and log a set of changed rows in the caller's transaction (bulk loads, admin edits)."""
    counter = lock_versions(conn)
    versions = write_entries(conn, counter, entries)
    counter.save()
    return versions
