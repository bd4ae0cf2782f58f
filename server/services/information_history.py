"""Information records: what the server held of each person's information, and from when (docs/information-history.md).

``record_information`` runs in the transaction that changed residents (a
push, a ledger import, the demo): for each one it compares what is missing
now with the person's latest record and writes a new record only when that
changed, or when the person has none yet (they have just been entered).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from server.services import bulk
from server.services.coverage_sql import INFORMATION, RESIDENT, in_ids
from server.services.record_ids import record_ids
from shared.validation import missing_fields

CHUNK = 1000


def latest_records(conn: Connection, resident_ids: list[str]) -> dict[str, tuple[bool, list[str]]]:
    """Each person's latest (complete, missing), by ``recorded_at`` then ``id``."""
    result: dict[str, tuple[str, bool, list[str]]] = {}
    for start in range(0, len(resident_ids), CHUNK):
        ids = resident_ids[start:start + CHUNK]
        newest = (select(INFORMATION.c.resident_id, func.max(INFORMATION.c.recorded_at).label("at"))
                  .where(in_ids(INFORMATION.c.resident_id, ids, "ids")).group_by(INFORMATION.c.resident_id)
                  .subquery())
        # the records at each person's latest time (the time itself is not read: on SQLite every datetime read
        # back is parsed from text, about 1.5 us each); of several at that time, the largest id is the latest
        rows = conn.execute(
            select(INFORMATION.c.resident_id, INFORMATION.c.id, INFORMATION.c.complete, INFORMATION.c.missing)
            .join(newest, (newest.c.resident_id == INFORMATION.c.resident_id)
                  & (newest.c.at == INFORMATION.c.recorded_at))).all()
        for rid, record_id, complete, missing in rows:
            known = result.get(rid)
            if known is None or record_id > known[0]:
                result[rid] = (record_id, bool(complete), list(missing or []))
    return {rid: (complete, missing) for rid, (_, complete, missing) in result.items()}


def record_information(conn: Connection, resident_ids: Iterable[str], at: datetime, source: str,
                       rows: Mapping[str, Mapping[str, Any]] | None = None) -> int:
    """Write a record for each of these residents whose completeness changed (or who has none); returns how many.

    ``rows``: the residents as the caller has just written them (a push's merged rows), instead of reading them.
    """
    ids = sorted(set(resident_ids))
    if not ids:
        return 0
    known = latest_records(conn, ids)
    new_rows = []
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        if rows is not None:
            residents = [rows[i] for i in part if i in rows and not rows[i]["deleted"]]
        else:
            residents = conn.execute(select(RESIDENT).where(in_ids(RESIDENT.c.id, part, "ids"),
                                                            RESIDENT.c.deleted.is_(False))).mappings().all()
        for resident in residents:
            missing = missing_fields(resident)
            state = (not missing, missing)
            if known.get(resident["id"]) != state:
                new_rows.append({"resident_id": resident["id"], "grid_id": resident["grid_id"],
                                 "recorded_at": at, "complete": not missing, "missing": missing, "source": source})
    ids = record_ids(at, len(new_rows))  # time first: appended to the key's index, however large the table
    bulk.insert_rows(conn, INFORMATION, [{"id": record_id, **row} for record_id, row in zip(ids, new_rows, strict=True)])
    return len(new_rows)
