"""What one local edit writes: the new local row and the protocol change for the outbox (pure).

Only registers whose value really changed are stamped, so saving a whole
form does not overwrite other people's concurrent edits of untouched fields.
A group is written whole (all its members), a set as element operations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping

from mobile.store.rows import default_row
from shared.merge import DELETED_KEY, set_key
from shared.models import MODEL_BY_TABLE
from shared.sync_codec import encode_row
from shared.sync_schema import SYNC_SPECS, SyncSpec
from shared.validation import FieldError

OP_CREATE, OP_UPDATE, OP_DELETE = "create", "update", "delete"


@dataclass
class Edit:
    row: dict[str, Any]  # the new local row (plain values)
    change: dict[str, Any]  # a protocol Change without its seq (JSON values)
    keys: list[str] = field(default_factory=list)  # the stamps keys written
    op: str = OP_UPDATE


def check_writable(table: str, values: Mapping[str, Any]) -> SyncSpec:
    spec = SYNC_SPECS.get(table)
    if spec is None:
        raise ValueError(f"unknown table {table!r}")
    for name in values:
        if name not in spec.fields:
            raise ValueError(f"{table}.{name} is not a synced field")
        if name in spec.server_fields:
            raise ValueError(f"{table}.{name} is written by the server only")
    return spec


@lru_cache(maxsize=None)
def not_null_columns(table: str) -> frozenset[str]:
    return frozenset(c.name for c in MODEL_BY_TABLE[table].__table__.columns if not c.nullable)


def check_not_null(table: str, row: Mapping[str, Any], names: Iterable[str]) -> None:
    """A FieldError naming the first of ``names`` that is a NOT NULL column left empty (None) in ``row``.

    Refused here, before anything is written, rather than by SQLite as an
    IntegrityError. Set fields never get here as None (None is the empty set).
    """
    required = not_null_columns(table)
    for name in names:
        if name in required and row.get(name) is None:
            raise FieldError(name, "value.required", "不能为空", "must not be empty")


def plan_create(table: str, row_id: str, values: Mapping[str, Any], stamp: str, *, now, user_id: str | None) -> Edit:
    """A new row: every device field stamped (defaults included), set elements added one by one."""
    spec = check_writable(table, values)
    row = default_row(table, row_id, now)
    row.update(values)
    row["updated_by"] = user_id
    if table == "referral_event" and not row.get("stamp"):
        row["stamp"] = stamp  # orders the referral's statuses (shared.merge.referral_status)
    missing = [f for f in spec.required_on_create if row.get(f) in (None, "")]
    if missing:
        raise ValueError(f"{table}: required on create: {', '.join(missing)}")
    check_not_null(table, row, [f for f in spec.device_fields if f not in spec.sets])
    plain = [f for f in spec.device_fields if f not in spec.sets]
    keys = sorted({spec.clock_key(f) for f in plain})
    stamps = {k: stamp for k in keys}
    set_ops: dict[str, list[dict]] = {}
    for name in spec.sets:
        if name in spec.device_fields:
            row[name] = sorted(set(row.get(name) or ()))
            set_ops[name] = [{"element": e, "present": True, "stamp": stamp} for e in row[name]]
    row_stamps = dict(stamps)
    row_stamps.update({set_key(f, op["element"]): stamp for f, ops in set_ops.items() for op in ops})
    row["stamps"] = row_stamps
    change = {"table": table, "row_id": row_id, "op": "upsert",
              "fields": encode_row(table, {f: row.get(f) for f in plain}),
              "stamps": stamps, "base": {}, "base_values": {}, "set_ops": set_ops}
    return Edit(row, change, sorted(row_stamps), OP_CREATE)


def plan_update(table: str, current: Mapping[str, Any], values: Mapping[str, Any], stamp: str, *,
                user_id: str | None) -> Edit | None:
    """The fields of ``values`` that differ from ``current``; None when nothing changed."""
    spec = check_writable(table, values)
    row = dict(current)
    stamps = dict(current.get("stamps") or {})
    keys: set[str] = set()
    set_ops: dict[str, list[dict]] = {}
    for name, value in values.items():
        if name in spec.sets:
            old, new = set(current.get(name) or ()), set(value or ())
            ops = [{"element": e, "present": True, "stamp": stamp} for e in sorted(new - old)]
            ops += [{"element": e, "present": False, "stamp": stamp} for e in sorted(old - new)]
            if ops:
                set_ops[name] = ops
                row[name] = sorted(new)
                stamps.update({set_key(name, op["element"]): stamp for op in ops})
        elif current.get(name) != value:
            keys.add(spec.clock_key(name))
            row[name] = value
    if not keys and not set_ops:
        return None
    check_not_null(table, row, [f for f in values if f not in spec.sets])
    keys_sorted = sorted(keys)
    written = [m for k in keys_sorted for m in spec.members(k)]
    base_stamps = current.get("stamps") or {}
    change = {"table": table, "row_id": current["id"], "op": "upsert",
              "fields": encode_row(table, {f: row.get(f) for f in written}),
              "stamps": {k: stamp for k in keys_sorted},
              "base": {k: base_stamps.get(k) for k in keys_sorted},
              "base_values": encode_row(table, {f: current.get(f) for f in written}),
              "set_ops": set_ops}
    stamps.update({k: stamp for k in keys_sorted})
    row["stamps"] = stamps
    row["updated_by"] = user_id
    op_keys = keys_sorted + [set_key(f, op["element"]) for f, ops in set_ops.items() for op in ops]
    return Edit(row, change, op_keys, OP_UPDATE)


def plan_delete(table: str, current: Mapping[str, Any], stamp: str, *, user_id: str | None) -> Edit:
    """A tombstone: the row stays, marked deleted, with the delete's stamp."""
    spec = SYNC_SPECS[table]
    if spec.append_only:
        raise ValueError(f"{table} is append-only: record a correction instead of deleting")
    row = dict(current)
    stamps = dict(current.get("stamps") or {})
    stamps[DELETED_KEY] = max(stamps.get(DELETED_KEY) or "", stamp)
    row.update(deleted=True, stamps=stamps, updated_by=user_id)
    change = {"table": table, "row_id": current["id"], "op": "delete", "fields": {}, "stamps": {},
              "base": {}, "base_values": {}, "set_ops": {}, "delete_stamp": stamp}
    return Edit(row, change, [DELETED_KEY], OP_DELETE)
