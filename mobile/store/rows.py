"""Local rows: defaults, sealing the sensitive cells, and the register arithmetic of pending edits.

A local row is a dict of column values (Python types). ``overlay`` keeps a
row's unpushed registers on top of a pulled one. ``encode_local`` /
``decode_local`` turn a row into JSON and back (for the sealed shadow).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Mapping

from pydantic_core import PydanticUndefined

from mobile.store.crypto import CellCipher
from shared.merge import DELETED_KEY, SET_SEPARATOR, RowState
from shared.models import MODEL_BY_TABLE, utc_now
from shared.sync_codec import decode_row, encode_row
from shared.sync_schema import SYNC_SPECS

# Cells sealed on the phone: the schema's sensitive fields, employer contacts, and conflict
# values (a conflict on a resident's phone holds two phone numbers).
SEALED_COLUMNS: dict[str, tuple[str, ...]] = {
    table: spec.sensitive for table, spec in SYNC_SPECS.items() if spec.sensitive
}
SEALED_COLUMNS["employer"] = ("contact_name", "contact_phone")
SEALED_COLUMNS["conflict"] = ("base_value", "value_a", "value_b", "resolved_value")
JSON_SEALED = {("conflict", c) for c in SEALED_COLUMNS["conflict"]}


@lru_cache(maxsize=None)
def columns(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in MODEL_BY_TABLE[table].__table__.columns)


@lru_cache(maxsize=None)
def _defaults(table: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(constant defaults, fields whose default is "now") of a table's model."""
    constant: dict[str, Any] = {}
    timely: list[str] = []
    for name, info in MODEL_BY_TABLE[table].model_fields.items():
        if info.default_factory is utc_now:
            timely.append(name)
        elif info.default_factory is not None:
            constant[name] = info.default_factory()
        elif info.default is not PydanticUndefined:
            constant[name] = info.default
    return constant, tuple(timely)


def default_row(table: str, row_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Every column at its model default (required ones without a default are left out)."""
    constant, timely = _defaults(table)
    row = {k: v.copy() if isinstance(v, (list, dict)) else v for k, v in constant.items()}
    if timely:
        stamp = now or utc_now()
        row.update(dict.fromkeys(timely, stamp))
    row.update(id=row_id, version=0, deleted=False, stamps={})
    return row


def seal_row(cipher: CellCipher, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``row`` with its sensitive cells sealed (None stays None)."""
    out = dict(row)
    for column in SEALED_COLUMNS.get(table, ()):
        value = out.get(column)
        if value is None:
            continue
        if (table, column) in JSON_SEALED:
            out[column] = cipher.seal_json(value, cipher.place(table, column, row["id"]))
        else:
            out[column] = cipher.seal_text(value, table, column, row["id"])
    return out


def open_row(cipher: CellCipher, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a stored row with its sensitive cells opened (DecryptionError if one was moved or altered)."""
    out = dict(row)
    for column in SEALED_COLUMNS.get(table, ()):
        value = out.get(column)
        if value is None:
            continue
        if (table, column) in JSON_SEALED:
            out[column] = cipher.open_json(value, cipher.place(table, column, row["id"]))
        else:
            out[column] = cipher.open_text(value, table, column, row["id"])
    return out


def state_of(table: str, row: Mapping[str, Any] | None) -> RowState | None:
    if row is None:
        return None
    fields = SYNC_SPECS[table].fields
    return RowState({f: row.get(f) for f in fields}, dict(row.get("stamps") or {}), bool(row.get("deleted")))


def overlay(table: str, under: Mapping[str, Any], over: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``under`` with the registers ``keys`` taken from ``over`` (values and stamps).

    A set element key moves one element's presence; ``_deleted`` moves the tombstone.
    """
    row = dict(under)
    stamps = dict(under.get("stamps") or {})
    over_stamps = over.get("stamps") or {}
    for key in keys:
        if over_stamps.get(key) is None:
            stamps.pop(key, None)
        else:
            stamps[key] = over_stamps[key]
        if key == DELETED_KEY:
            row["deleted"] = bool(over.get("deleted"))
        elif SET_SEPARATOR in key:
            field, element = key.split(SET_SEPARATOR, 1)
            members = set(row.get(field) or ())
            if element in (over.get(field) or ()):
                members.add(element)
            else:
                members.discard(element)
            row[field] = sorted(members)
        else:
            for field in SYNC_SPECS[table].members(key):
                row[field] = over.get(field)
    row["stamps"] = stamps
    return row


def encode_local(table: str, row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"fields": encode_row(table, row), "id": row["id"], "version": row.get("version", 0),
            "deleted": bool(row.get("deleted")), "stamps": dict(row.get("stamps") or {}),
            "updated_by": row.get("updated_by")}


def decode_local(table: str, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    row = default_row(table, data["id"])
    row.update(decode_row(table, data["fields"]))
    row.update(version=data["version"], deleted=data["deleted"], stamps=dict(data["stamps"]),
               updated_by=data.get("updated_by"))
    return row


def with_state(table: str, row: Mapping[str, Any], state: RowState) -> dict[str, Any]:
    """``row`` with the values, stamps and tombstone of a merged state."""
    out = dict(row)
    out.update(state.values)
    out.update(stamps=dict(state.stamps), deleted=state.deleted)
    return out
