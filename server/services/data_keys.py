"""Resealing every protected cell (ID numbers, phones, conflict values) under the key ring's current key.

Used by ``doorstep admin rotate-keys`` (after a new key became current) and by
the migration that first sealed existing plaintext. Works on the raw cells
(untyped columns), so it sees exactly what the database holds.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Connection, String, bindparam, column, select, table, update

from server.cells import CellCodec, protected_columns
from shared.protected import ProtectedJSON

CHUNK = 1000


def _raw_table(name: str, col: str, is_json: bool):
    return table(name, column("id", String), column(col, JSON if is_json else String))


def reseal_all(conn: Connection, codec: CellCodec, tables: list, *, to_plain: bool = False) -> int:
    """Seal every protected cell with the current key (or open them all: ``to_plain``); returns cells written."""
    written = 0
    for source, name, sql_type in protected_columns(tables):
        is_json = isinstance(sql_type, ProtectedJSON)
        raw = _raw_table(source.name, name, is_json)
        kind = "json" if is_json else sql_type.kind
        changes = []
        for row_id, cell in conn.execute(select(raw.c.id, raw.c[name]).where(raw.c[name].is_not(None))):
            new = _resealed(codec, kind, cell, is_json, to_plain)
            if new is not _SAME:
                changes.append({"row": row_id, "cell": new})
        stmt = update(raw).where(raw.c.id == bindparam("row")).values({name: bindparam("cell")})
        for start in range(0, len(changes), CHUNK):
            conn.execute(stmt, changes[start:start + CHUNK])
        written += len(changes)
    return written


_SAME: Any = object()


def _resealed(codec: CellCodec, kind: str, cell: Any, is_json: bool, to_plain: bool) -> Any:
    if is_json:
        if isinstance(cell, str):  # SQLite hands JSON back as text through an untyped read on some paths
            cell = json.loads(cell)
        sealed = isinstance(cell, dict) and set(cell) == {"sealed"}
        plain = json.loads(codec.open(kind, cell["sealed"])) if sealed else cell
        if to_plain:
            return plain if sealed else _SAME
        new = {"sealed": codec.seal(kind, json.dumps(plain, ensure_ascii=False, separators=(",", ":"),
                                                     sort_keys=True))}
        return _SAME if new == cell else new
    if not cell.strip():  # blank cells stay as they are (see shared.protected)
        return _SAME
    plain = codec.open(kind, cell) if codec.is_sealed(cell) else cell
    new = plain if to_plain else codec.seal(kind, plain)
    return _SAME if new == cell else new


def key_ids_in_use(conn: Connection, codec: CellCodec, tables: list) -> dict[str, int]:
    """How many cells each key id seals (``plain`` counts cells not sealed yet)."""
    counts: dict[str, int] = {}
    for source, name, sql_type in protected_columns(tables):
        is_json = isinstance(sql_type, ProtectedJSON)
        raw = _raw_table(source.name, name, is_json)
        for (cell,) in conn.execute(select(raw.c[name]).where(raw.c[name].is_not(None))):
            if is_json:
                cell = json.loads(cell) if isinstance(cell, str) else cell
                cell = cell.get("sealed", "") if isinstance(cell, dict) and set(cell) == {"sealed"} else "plain"
            if not cell.strip():
                continue
            kid = codec.key_of(cell) or "plain"
            counts[kid] = counts.get(kid, 0) + 1
    return counts
