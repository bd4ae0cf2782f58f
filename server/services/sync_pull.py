"""Pull: the change feed from a cursor, only what the caller may see; open conflicts; the tombstone horizon.

No-skip argument (``docs/sync-protocol.md``): versions are handed out under
the ``sync_state`` lock held to commit, so when ``sync_state.last_version`` is
committed as L, every version up to L is committed too. A pull reads L first
and then scans only ``cursor < version <= L`` in one snapshot, so it never
returns a version above one it has not seen yet, and the cursor it hands
back (the last version scanned) never jumps over a commit still to come.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, update

from server.errors import ApiError
from server.services import assignments
from server.services.change_log import lock_versions
from server.services.scope import Scope
from server.services.sync_rows import feed_filter, fetch_rows, pulled_row, table_of
from shared import sync_protocol as proto
from shared.models import ChangeLog, SyncState
from shared.sync_schema import APPLY_ORDER, SYNC_SPECS

_LOG = ChangeLog.__table__
_STATE = SyncState.__table__


def _consistent_snapshot(conn: Connection) -> None:
    """One snapshot for the whole pull (PostgreSQL: REPEATABLE READ; SQLite reads are snapshots already)."""
    if conn.in_transaction():
        conn.commit()
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")


@dataclass(frozen=True)
class OwnPushes:
    """What a device says it holds of its own pushes: the entries it pushed from version ``since`` on whose row
    it had seen at or below ``cursor`` before pushing (its merge of the answers gave the stored row)."""

    device_id: str
    since: int
    cursor: int


def pull_changes(conn: Connection, scope: Scope, cursor: int, limit: int, now_ms: int,
                 own: OwnPushes | None = None) -> dict[str, Any]:
    """One page of the feed after ``cursor`` (a ``PullResponse`` as a dict, ready for JSON)."""
    limit = max(1, min(limit, proto.MAX_PAGE_SIZE))
    _consistent_snapshot(conn)
    try:
        with conn.begin():
            return _page(conn, scope, cursor, limit, now_ms, own)
    finally:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level=conn.default_isolation_level)


def _page(conn: Connection, scope: Scope, cursor: int, limit: int, now_ms: int,
          own: OwnPushes | None = None) -> dict[str, Any]:
    state = conn.execute(select(_STATE.c.last_version, _STATE.c.tombstone_horizon).where(_STATE.c.id == 1)).first()
    last_version, horizon = (state.last_version, state.tombstone_horizon) if state else (0, 0)
    if 0 < cursor < horizon:
        raise ApiError(410, proto.ERROR_RESYNC_REQUIRED,
                       "This device missed deletions that were purged: push your outbox, then sync from zero.",
                       {"tombstone_horizon": horizon})
    if cursor > 0 and assignments.joined_after(conn, scope.user_id, cursor) is not None:
        # the user was given an area whose rows lie below this cursor: only a pull from 0 brings them
        raise ApiError(410, proto.ERROR_RESYNC_REQUIRED,
                       "Your areas changed: push your outbox, then sync from zero.", {"tombstone_horizon": horizon})
    query = (select(_LOG.c.version, _LOG.c.table_name, _LOG.c.row_id)
             .where(_LOG.c.version > cursor, _LOG.c.version <= last_version, feed_filter(scope)))
    if own is not None:  # the device's own pushes, which it holds as stored, are not sent back
        # (spelt without NOT: device_id and prior_version are NULL on every other entry)
        query = query.where(or_(_LOG.c.device_id.is_(None), _LOG.c.device_id != own.device_id,
                                _LOG.c.version < own.since, _LOG.c.prior_version > own.cursor))
    entries = conn.execute(query.order_by(_LOG.c.version).limit(limit + 1)).all()
    has_more = len(entries) > limit
    entries = entries[:limit]
    by_table: dict[str, list[str]] = {}
    for entry in entries:
        by_table.setdefault(entry.table_name, []).append(entry.row_id)
    rows = []
    for table_name in sorted(by_table, key=_apply_rank):
        found = fetch_rows(conn, table_name, by_table[table_name])
        rows.extend(pulled_row(table_name, found[i]) for i in by_table[table_name] if i in found)
    next_cursor = entries[-1].version if has_more else max(cursor, last_version)
    return {"protocol": proto.PROTOCOL_VERSION, "rows": rows, "cursor": next_cursor, "has_more": has_more,
            "server_stamp": proto.server_stamp(now_ms), "tombstone_horizon": horizon,
            "left_areas": assignments.left_areas(conn, scope, cursor, next_cursor)}


def _apply_rank(table_name: str) -> int:
    return APPLY_ORDER.index(table_name) if table_name in APPLY_ORDER else len(APPLY_ORDER)


def list_conflicts(conn: Connection, scope: Scope, state: str | None = "open") -> list[dict[str, Any]]:
    """Conflict records the caller may see: those of their grids, or of their streets' vacancies and employers."""
    table = table_of("conflict")
    visible = []
    if scope.grid_ids:
        visible.append(table.c.grid_id.in_(sorted(scope.grid_ids)))
    if scope.street_ids:
        visible.append(and_(table.c.grid_id.is_(None), table.c.street_id.in_(sorted(scope.street_ids))))
    if not visible:
        return []
    stmt = select(table).where(or_(*visible), table.c.deleted.is_(False)).order_by(table.c.created_at, table.c.id)
    if state:
        stmt = stmt.where(table.c.state == state)
    rows = conn.execute(stmt).mappings().all()
    conn.commit()
    return [pulled_row("conflict", row) for row in rows]


def purge_tombstones(conn: Connection, up_to_version: int) -> int:
    """Delete tombstoned rows (and their feed entries) at or below a version; raise the horizon.

    Runs under the version lock in the caller's transaction (the caller
    commits). A device whose cursor is below the new horizon is then told to
    resync (410 ``sync.resync_required``). Returns the number of rows purged.
    """
    counter = lock_versions(conn)
    up_to_version = min(up_to_version, counter.last)
    purged = 0
    for table_name in SYNC_SPECS:
        table = table_of(table_name)
        ids = [r[0] for r in conn.execute(select(table.c.id).where(table.c.deleted.is_(True),
                                                                   table.c.version <= up_to_version))]
        if not ids:
            continue
        for start in range(0, len(ids), 2000):
            chunk = ids[start:start + 2000]
            conn.execute(delete(_LOG).where(_LOG.c.table_name == table_name, _LOG.c.row_id.in_(chunk)))
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
        purged += len(ids)
    conn.execute(update(_STATE).where(_STATE.c.id == 1, _STATE.c.tombstone_horizon < up_to_version)
                 .values(tombstone_horizon=up_to_version))
    return purged
