"""Synced rows as push and pull see them: batch fetch, scope rules, change-feed entries, wire encoding.

Scope of a row (who may pull it and push to it), by its table's
``SyncSpec.scope``: ``grid`` rows by ``grid_id``, ``street`` rows by
``street_id``, ``district`` rows (the area tree) by their district. A
conflict record follows the row it is about: its grid, or its street when the
row is a street's (vacancy, employer).
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, Table, bindparam, or_, select

from server.services.change_log import LogEntry
from server.services.scope import Scope
from shared.models import MODEL_BY_TABLE, ChangeLog
from shared.sync_codec import column_info
from shared.sync_schema import SYNC_SPECS

_LOG = ChangeLog.__table__
FETCH_CHUNK = 2000


def table_of(name: str) -> Table:
    return MODEL_BY_TABLE[name].__table__


def fetch_rows(conn: Connection, table_name: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The rows with these ids (every column), in as few queries as the id list allows."""
    table = table_of(table_name)
    ids = list(dict.fromkeys(ids))
    found: dict[str, dict[str, Any]] = {}
    stmt = select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
    names = list(table.c.keys())  # the order select(table) returns them in
    for start in range(0, len(ids), FETCH_CHUNK):
        for values in conn.execute(stmt, {"ids": ids[start:start + FETCH_CHUNK]}):
            row = dict(zip(names, values, strict=True))
            found[row["id"]] = row
    return found


def row_scope(table_name: str, row: Mapping[str, Any]) -> LogEntry:
    """The change-feed entry of a row: its table, id and the one scope column that decides who pulls it."""
    if table_name == "area":
        district = row.get("district_id") or (row["id"] if row.get("level") == "district" else None)
        return LogEntry(table_name, row["id"], district_id=district)
    kind = SYNC_SPECS[table_name].scope
    if kind == "street" or (table_name == "conflict" and not row.get("grid_id")):
        return LogEntry(table_name, row["id"], street_id=row.get("street_id"))
    return LogEntry(table_name, row["id"], grid_id=row.get("grid_id"))


def scope_allows(scope: Scope, table_name: str, row: Mapping[str, Any]) -> bool:
    """Whether the user may see (and write) this row: its scope column is inside their scope."""
    entry = row_scope(table_name, row)
    if entry.grid_id is not None:
        return scope.allows_grid(entry.grid_id)
    if entry.street_id is not None:
        return scope.allows_street(entry.street_id)
    return scope.allows_district(entry.district_id)


def feed_filter(scope: Scope):
    """The SQL condition on ``change_log`` for the entries a user may pull."""
    parts = []
    for column, ids in ((_LOG.c.grid_id, scope.grid_ids), (_LOG.c.street_id, scope.street_ids),
                        (_LOG.c.district_id, scope.district_ids)):
        if ids:
            parts.append(column.in_(sorted(ids)))
    return or_(*parts) if parts else _LOG.c.version < 0


@lru_cache(maxsize=None)
def _encoders(table_name: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, column_info(table_name, name).kind) for name in SYNC_SPECS[table_name].fields)


def _utc_iso(value: datetime) -> str:
    if value.utcoffset() is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def encode_fields(table_name: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Every synced field of a row in its JSON form (``shared.sync_codec.encode_value``, unrolled for speed)."""
    fields = {}
    for name, kind in _encoders(table_name):
        value = row[name]
        if value is not None and kind == "date":
            value = value.isoformat()
        elif value is not None and kind == "datetime":
            value = _utc_iso(value)
        fields[name] = value
    return fields


def pulled_row(table_name: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as ``shared.sync_protocol.PulledRow`` sends it."""
    return {"table": table_name, "id": row["id"], "version": row["version"], "deleted": bool(row["deleted"]),
            "fields": encode_fields(table_name, row), "stamps": dict(row["stamps"] or {})}
