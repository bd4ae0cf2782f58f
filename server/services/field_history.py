"""Field history: the value a ledger or a correction replaced, kept beside the new one with the day it held from.

``record_field_changes`` runs in the transaction that wrote the fields
(``server.services.ledger_import``, ``server.services.privacy``); values are
kept in their JSON form (``shared.sync_codec.encode_value``) in sealed cells.
``field_changes`` reads one record's history, oldest first; ``forget`` deletes
it when the person is anonymised.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from shared.models import FieldChange, new_id
from shared.sync_codec import encode_value

FIELD_CHANGE = FieldChange.__table__


def record_field_changes(conn: Connection, table_name: str, before: Mapping[str, Any], changes: Mapping[str, Any], *,
                         at: datetime, source: str, user_id: str | None, as_of: date | None = None) -> int:
    """One history row per field whose value changes (``before`` is the row as it was); returns how many."""
    rows = []
    for name, value in changes.items():
        old = before.get(name)
        if old == value:
            continue
        rows.append({"id": new_id(), "table_name": table_name, "row_id": before["id"],
                     "grid_id": before.get("grid_id"), "field": name,
                     "old_value": encode_value(table_name, name, old),
                     "new_value": encode_value(table_name, name, value),
                     "as_of": as_of, "changed_at": at, "source": source, "changed_by": user_id})
    if rows:
        conn.execute(insert(FIELD_CHANGE), rows)
    return len(rows)


def field_changes(conn: Connection, row_id: str) -> list[dict[str, Any]]:
    """A record's field history, oldest first (by the day it held from, then when it was written)."""
    rows = conn.execute(select(FIELD_CHANGE).where(FIELD_CHANGE.c.row_id == row_id)).mappings().all()
    ordered = sorted(rows, key=lambda r: (r["as_of"] or r["changed_at"].date(), _aware(r["changed_at"]), r["id"]))
    return [{"table": r["table_name"], "field": r["field"], "old_value": r["old_value"],
             "new_value": r["new_value"], "as_of": r["as_of"].isoformat() if r["as_of"] else None,
             "changed_at": _aware(r["changed_at"]).isoformat(), "source": r["source"], "changed_by": r["changed_by"]}
            for r in ordered]


def _aware(at: datetime) -> datetime:
    return at if at.utcoffset() is not None else at.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


def forget(conn: Connection, row_id: str) -> int:
    """Delete a record's field history (its old values may identify the person); returns how many rows went."""
    return conn.execute(delete(FIELD_CHANGE).where(FIELD_CHANGE.c.row_id == row_id)).rowcount
