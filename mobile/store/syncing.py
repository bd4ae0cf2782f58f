"""The store's half of sync: writing rows, shadows, applying pulled pages, settling answered pushes.

Invariants (each function runs inside the caller's one transaction):

- a row has a shadow exactly while it has outbox entries; the shadow is the
  server's state of the row as far as the device knows (None: not on the server);
- a pulled row replaces the local one, except the registers (clock keys, set
  elements, the tombstone) that unpushed local changes wrote: those keep the
  local value until the push is answered. A pulled tombstone always wins;
- an answered push replays the accepted changes onto the shadow with the
  server's merge (``shared.merge.merge_row``) and skips the rejected ones, so a
  change that lost or was refused does not linger on the phone.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy import Connection, bindparam, delete, insert, select

from mobile.store.crypto import CellCipher, id_full_digest, id_part_digests
from mobile.store.db import ID_HASH, OUTBOX, REJECTED, SHADOW
from mobile.store.rows import (
    columns,
    decode_local,
    default_row,
    encode_local,
    open_row,
    overlay,
    seal_row,
    state_of,
    with_state,
)
from shared.bound_rows import bound_tuples
from shared.hlc import HybridClock, parse_stamp
from shared.merge import DELETED_KEY, EMPTY_ROW, IncomingChange, RowState, merge_row, set_key
from shared.models import MODEL_BY_TABLE
from shared.sync_codec import decode_row
from shared.sync_schema import APPLY_ORDER, SYNC_SPECS

ACCEPTED = frozenset({"applied", "duplicate", "conflict"})


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def write_rows(conn: Connection, cipher: CellCipher, table: str, rows: list[Mapping[str, Any]]) -> None:
    """Insert or update whole rows (sensitive cells sealed); keeps the ID-number hashes in step."""
    if not rows:
        return
    names = columns(table)
    sealed = [seal_row(cipher, table, {c: r.get(c) for c in names}) for r in rows]
    # one prepared statement and tuples bound once per column (``shared.bound_rows``), not SQLAlchemy's per-row work
    conn.exec_driver_sql(_upsert_statement(table), bound_tuples(conn.dialect, MODEL_BY_TABLE[table].__table__,
                                                                names, sealed))
    if table == "resident":
        _index_id_numbers(conn, cipher, rows)


@lru_cache(maxsize=None)
def _upsert_statement(table: str) -> str:
    """An existing row is updated in place (``INSERT OR REPLACE`` would delete it and insert it again, rewriting
    every index entry and, with ``secure_delete``, zeroing the freed cells), a new one inserted."""
    names = columns(table)
    quoted = ", ".join(f'"{name}"' for name in names)
    assignments = ", ".join(f'"{name}" = excluded."{name}"' for name in names if name != "id")
    return (f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" for _ in names)}) '
            f'ON CONFLICT ("id") DO UPDATE SET {assignments}')


def _index_id_numbers(conn: Connection, cipher: CellCipher, rows: list[Mapping[str, Any]]) -> None:
    """The residents' ID-number hashes, rewritten only where the number changed (a few statements a page).

    A row's hashes are current when its stored ``full`` hash is the one of its
    number now (none for a deleted row or one without a number).
    """
    numbers = {r["id"]: r["id_number"] if r.get("id_number") and not r.get("deleted") else None for r in rows}
    full = {row_id: id_full_digest(cipher, number) if number else None for row_id, number in numbers.items()}
    stored: dict[str, str] = {}
    for part in _chunks(list(full)):
        stored.update(conn.exec_driver_sql(
            f"SELECT row_id, digest FROM {ID_HASH.name} WHERE kind = 'full' "
            "AND row_id IN (SELECT value FROM json_each(?))", (json.dumps(part),)).all())
    stale = [row_id for row_id, digest in full.items() if stored.get(row_id) != digest]
    if not stale:
        return
    for part in _chunks(stale):
        conn.exec_driver_sql(f"DELETE FROM {ID_HASH.name} WHERE row_id IN (SELECT value FROM json_each(?))",
                             (json.dumps(part),))
    hashes = [(row_id, kind, digest) for row_id in stale if numbers[row_id]
              for kind, digest in (("full", full[row_id]), *id_part_digests(cipher, numbers[row_id]).items())]
    if hashes:
        conn.exec_driver_sql(f"INSERT INTO {ID_HASH.name} (row_id, kind, digest) VALUES (?, ?, ?)", hashes)


def delete_row(conn: Connection, table: str, row_id: str) -> None:
    """Remove a row outright (a create the server refused: it never existed there)."""
    t = MODEL_BY_TABLE[table].__table__
    conn.execute(delete(t).where(t.c.id == row_id))
    conn.execute(delete(ID_HASH).where(ID_HASH.c.row_id == row_id))


def _shadow_place(cipher: CellCipher, table: str, row_id: str) -> bytes:
    return cipher.place("shadow", table, row_id)


def load_shadow(conn: Connection, cipher: CellCipher, table: str, row_id: str) -> tuple[bool, dict | None]:
    """(exists, the server's row as the device knows it or None)."""
    data = conn.execute(select(SHADOW.c.data).where(SHADOW.c.table_name == table,
                                                    SHADOW.c.row_id == row_id)).scalar()
    if data is None:
        return False, None
    return True, decode_local(table, cipher.open_json(data, _shadow_place(cipher, table, row_id))["row"])


def save_shadow(conn: Connection, cipher: CellCipher, table: str, row_id: str, row: Mapping | None) -> None:
    conn.execute(delete(SHADOW).where(SHADOW.c.table_name == table, SHADOW.c.row_id == row_id))
    sealed = cipher.seal_json({"row": encode_local(table, row)}, _shadow_place(cipher, table, row_id))
    conn.execute(insert(SHADOW).values(table_name=table, row_id=row_id, data=sealed))


def ensure_shadow(conn: Connection, cipher: CellCipher, table: str, row_id: str, before: Mapping | None) -> None:
    """On a row's first unpushed edit, remember its server state (the row as it was before the edit)."""
    exists, _row = load_shadow(conn, cipher, table, row_id)
    if not exists:
        save_shadow(conn, cipher, table, row_id, before)


def pending_keys(conn: Connection, row_ids: list[str]) -> dict[tuple[str, str], set[str]]:
    """The stamps keys written by unpushed changes, per (table, row id)."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    if not row_ids or conn.exec_driver_sql(f"SELECT 1 FROM {OUTBOX.name} LIMIT 1").first() is None:
        return found  # nothing pending (a pull after the push, as a sync goes): no id list to send SQLite
    for part in _chunks(row_ids):
        stmt = select(OUTBOX.c.table_name, OUTBOX.c.row_id, OUTBOX.c.clock_keys).where(
            OUTBOX.c.row_id.in_(bindparam("ids", expanding=True)))
        for table, row_id, keys in conn.execute(stmt, {"ids": part}):
            found[(table, row_id)].update(json.loads(keys))
    return found


def _load(conn: Connection, cipher: CellCipher, table: str, row_id: str) -> dict | None:
    t = MODEL_BY_TABLE[table].__table__
    row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
    return open_row(cipher, table, row) if row is not None else None


# --- pulled pages ---------------------------------------------------------------


def pulled_row(table: str, pulled: Mapping[str, Any], local: Mapping[str, Any] | None) -> dict[str, Any]:
    """A whole local row from a pulled one (fields the server left out keep the local or default value)."""
    spec = SYNC_SPECS[table]
    fields = pulled.get("fields") or {}
    if local is not None:
        row = dict(local)
    elif len(fields) >= len(spec.fields):
        row = {"updated_by": None}  # every field comes with the row
    else:
        row = default_row(table, pulled["id"])
    row.update(decode_row(table, {k: v for k, v in fields.items() if k in spec.field_set}))
    if "updated_by" in fields:
        row["updated_by"] = fields["updated_by"]
    row.update(id=pulled["id"], version=pulled["version"], deleted=bool(pulled.get("deleted")),
               stamps=dict(pulled.get("stamps") or {}))
    return row


def apply_page(conn: Connection, cipher: CellCipher, rows: list[Mapping[str, Any]], clock: HybridClock,
               *, hook: Callable[[str], None] | None = None) -> int:
    """Write one pulled page; the caller saves the cursor in the same transaction."""
    by_table: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for pulled in rows:
        if pulled["table"] not in SYNC_SPECS:
            raise ValueError("pulled an unknown table")
        by_table[pulled["table"]].append(pulled)
    pending = pending_keys(conn, [r["id"] for r in rows])
    latest = ""
    for table in APPLY_ORDER:
        spec = SYNC_SPECS[table]
        complete = set(spec.fields)
        out = []
        for pulled in by_table.get(table, ()):
            keys = pending.get((table, pulled["id"]))
            needs_local = keys or not complete.issubset(pulled.get("fields") or {})
            local = _load(conn, cipher, table, pulled["id"]) if needs_local else None
            row = pulled_row(table, pulled, local)
            if keys:
                save_shadow(conn, cipher, table, row["id"], row)  # what the server has now
                if local is not None and not row["deleted"]:
                    row = overlay(table, row, local, keys)  # unpushed local edits survive
            out.append(row)
            latest = max([latest, *row["stamps"].values()])
        write_rows(conn, cipher, table, out)
        if hook and out:
            hook("apply:rows")
    if latest:
        clock.observe(latest)
    return len(rows)


# --- answered pushes ------------------------------------------------------------


def _incoming(table: str, change: Mapping[str, Any], stored: Mapping[str, str]) -> IncomingChange:
    """The change as the server merged it: with the stamps it stored (``ChangeResult.stamps``) where they differ."""
    fields = dict(change.get("fields") or {})  # sets travel as element operations (``mobile.store.edits``)
    set_ops = {f: [(op["element"], op["present"], stored.get(set_key(f, op["element"]), op["stamp"])) for op in ops]
               for f, ops in (change.get("set_ops") or {}).items()}
    delete_stamp = change.get("delete_stamp")
    return IncomingChange(
        values=decode_row(table, fields),
        stamps={k: stored.get(k, s) for k, s in (change.get("stamps") or {}).items()},
        base=dict(change.get("base") or {}), set_ops=set_ops,
        delete_stamp=stored.get(DELETED_KEY, delete_stamp) if delete_stamp else None,
        device_id=parse_stamp(next(iter(change["stamps"].values()))).device_id if change.get("stamps") else "",
    )


def acknowledge(conn: Connection, cipher: CellCipher, results: list[Mapping[str, Any]], *,
                now: datetime, server_stamp: str | None = None, user_id: str | None = None,
                sent: Mapping[int, Mapping[str, Any]] | None = None) -> dict[str, int]:
    """Remove answered entries, keep the rejected ones for the user, and settle their rows.

    Set-wise: a few statements per batch (entries read, refused ones kept,
    entries deleted, shadows and rows read, rows written per table), the
    merges in memory. A row the server stored as the phone has it already only
    has its version (and author) updated.
    """
    by_seq = {int(r["seq"]): r for r in results}
    counts: dict[str, int] = defaultdict(int)
    if not by_seq:
        return counts
    # the sealed payloads only where the caller does not hold the changes as sent
    wanted = [OUTBOX.c.seq, OUTBOX.c.table_name, OUTBOX.c.row_id] + (
        [OUTBOX.c.payload] if sent is None or not set(by_seq) <= set(sent) else [])
    entries = [e for part in _chunks(sorted(by_seq)) for e in conn.execute(
        select(*wanted).where(OUTBOX.c.seq.in_(bindparam("seqs", expanding=True))), {"seqs": part}).mappings()]
    entries.sort(key=lambda e: e["seq"])
    answered: dict[tuple[str, str], list[tuple[dict, str, dict, int | None]]] = defaultdict(list)
    recleaned: set[tuple[str, str]] = set()  # rows whose local values differ from what the server stored
    refused = []
    priors: dict[tuple[str, str], list[int]] = defaultdict(list)  # ChangeResult.prior_version, where given
    for entry in entries:
        result = by_seq[entry["seq"]]
        status = result["status"]
        counts[status] += 1
        known = sent.get(entry["seq"]) if sent else None
        change = dict(known) if known is not None else cipher.open_json(
            entry["payload"], cipher.place("outbox", "payload", str(entry["seq"])))
        if status == "rejected":
            refused.append({"seq": entry["seq"], "table_name": entry["table_name"], "row_id": entry["row_id"],
                            "code": result.get("code") or "", "message": result.get("message") or "",
                            "payload": cipher.seal_json(change, cipher.place("rejected", "payload", str(entry["seq"]))),
                            "rejected_at": now.isoformat()})
        if status in ACCEPTED and result.get("fields"):  # stored other than sent: merged as the server stored it
            change = {**change, "fields": {**(change.get("fields") or {}), **result["fields"]}}
            recleaned.add((entry["table_name"], entry["row_id"]))
        answered[(entry["table_name"], entry["row_id"])].append(
            (change, status, result.get("stamps") or {}, result.get("version")))
        if result.get("prior_version") is not None:
            priors[(entry["table_name"], entry["row_id"])].append(result["prior_version"])
    if refused:
        conn.execute(insert(REJECTED), refused)
    for part in _chunks([e["seq"] for e in entries]):
        conn.execute(delete(OUTBOX).where(OUTBOX.c.seq.in_(bindparam("seqs", expanding=True))), {"seqs": part})
    remaining = pending_keys(conn, [row_id for _table, row_id in answered])
    settled = _Settled()
    for key in _rows_as_sent(conn, answered, priors, remaining.keys() | recleaned):  # nothing to open or merge: the version moves
        settled.shadows[key[0]].append(key[1])
        settled.versions[key[0]].append({"b_id": key[1], "b_by": user_id,
                                         "b_version": max(c[3] for c in answered.pop(key))})
    shadows = _load_shadows(conn, cipher, list(answered))
    stored = _load_rows(conn, cipher, list(answered))
    for key, changes in answered.items():
        _settle_row(settled, key, changes, shadows.get(key, (False, None))[1], stored.get(key),
                    remaining.get(key), user_id)
    settled.write(conn, cipher)
    return counts


def _rows_as_sent(conn: Connection, answered: Mapping[tuple[str, str], list[tuple[dict, str, dict, int | None]]],
                  priors: Mapping[tuple[str, str], list[int]], unsettled: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answered rows whose settling changes only their version: every change applied with the stamps and
    values as sent, none pending (``unsettled``: pending or stored with cleaned values), and either

    - a row the server never had before (local version 0, so the shadow is "not on the server") whose local
      stamps are exactly those of the answered changes (so the local values are theirs), or
    - a row the server answered with ``prior_version`` (every sent stamp won the merge, nothing changed beyond
      the sent values) equal to the local version, whose local stamps hold the answered changes' stamps: the
      local row is the server's row at that version with these changes, which is what the server stored.

    ``_settle_row`` gives these rows the same result (the changes merged onto the shadow are the local row);
    here it comes from the plain ``version`` and ``stamps`` columns, without opening a sealed cell.
    """
    candidates: dict[str, list[str]] = defaultdict(list)
    for (table, row_id), changes in answered.items():
        if (table, row_id) not in unsettled and all(
                status == "applied" and not stored and version for _change, status, stored, version in changes):
            candidates[table].append(row_id)
    quick = []
    for table, ids in candidates.items():
        t = MODEL_BY_TABLE[table].__table__
        for part in _chunks(ids):
            for row_id, stamps, version in conn.execute(
                    select(t.c.id, t.c.stamps, t.c.version).where(t.c.id.in_(bindparam("ids", expanding=True))),
                    {"ids": part}):
                key, stamps, version = (table, row_id), stamps or {}, version or 0
                written = _written_stamps(answered[key])
                given = priors.get(key, [])  # every change of the row must name the local version
                if version == 0 and stamps == written:
                    quick.append(key)
                elif (version and len(given) == len(answered[key]) and set(given) == {version}
                      and DELETED_KEY not in written and all(stamps.get(k) == s for k, s in written.items())):
                    quick.append(key)
    return quick


def _written_stamps(changes: list[tuple[dict, str, dict, int | None]]) -> dict[str, str]:
    """The latest stamp each clock key got from these changes (fields, set elements, the tombstone)."""
    if len(changes) == 1:  # the usual case (a row created once in the batch): its stamps are the latest
        return _stamps_of(changes[0][0])
    stamps: dict[str, str] = {}
    for change, _status, _stored, _version in changes:
        for key, stamp in _stamps_of(change).items():
            stamps[key] = max(stamp, stamps.get(key, stamp))
    return stamps


def _stamps_of(change: Mapping[str, Any]) -> dict[str, str]:
    written = dict(change.get("stamps") or {})
    set_ops = change.get("set_ops")
    if set_ops:
        written.update({set_key(name, op["element"]): op["stamp"] for name, ops in set_ops.items() for op in ops})
    if change.get("delete_stamp"):
        written[DELETED_KEY] = change["delete_stamp"]
    return written


def _load_shadows(conn: Connection, cipher: CellCipher, keys: list[tuple[str, str]]
                  ) -> dict[tuple[str, str], tuple[bool, dict | None]]:
    found: dict[tuple[str, str], tuple[bool, dict | None]] = {}
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, row_id in keys:
        by_table[table].append(row_id)
    for table, ids in by_table.items():
        for part in _chunks(ids):
            for row_id, data in conn.execute(
                    select(SHADOW.c.row_id, SHADOW.c.data).where(SHADOW.c.table_name == table, SHADOW.c.row_id.in_(
                        bindparam("ids", expanding=True))), {"ids": part}):
                opened = cipher.open_json(data, _shadow_place(cipher, table, row_id))["row"]
                found[(table, row_id)] = (True, decode_local(table, opened))
    return found


def _load_rows(conn: Connection, cipher: CellCipher, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    found: dict[tuple[str, str], dict] = {}
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, row_id in keys:
        by_table[table].append(row_id)
    for table, ids in by_table.items():
        t = MODEL_BY_TABLE[table].__table__
        for part in _chunks(ids):
            for row in conn.execute(select(t).where(t.c.id.in_(bindparam("ids", expanding=True))),
                                    {"ids": part}).mappings():
                found[(table, row["id"])] = open_row(cipher, table, row)
    return found


class _Settled:
    """What settling a batch writes, gathered per table so it goes in a few statements."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = defaultdict(list)  # whole rows to write
        self.versions: dict[str, list[dict]] = defaultdict(list)  # rows that only take the server's version
        self.gone: dict[str, list[str]] = defaultdict(list)  # creates the server refused
        self.shadows: dict[str, list[str]] = defaultdict(list)  # every settled row's shadow is replaced ...
        self.kept: list[tuple[str, str, dict | None]] = []  # ... by this one, while edits are still pending

    def write(self, conn: Connection, cipher: CellCipher) -> None:
        for table, rows in self.rows.items():
            write_rows(conn, cipher, table, rows)
        for table, params in self.versions.items():  # plain columns: the driver takes the values as they are
            conn.exec_driver_sql(f'UPDATE "{table}" SET version = ?, updated_by = ? WHERE id = ?',
                                 [(p["b_version"], p["b_by"], p["b_id"]) for p in params])
        for table, ids in self.gone.items():
            t = MODEL_BY_TABLE[table].__table__
            for part in _chunks(ids):
                conn.execute(delete(t).where(t.c.id.in_(bindparam("ids", expanding=True))), {"ids": part})
                conn.execute(delete(ID_HASH).where(ID_HASH.c.row_id.in_(bindparam("ids", expanding=True))),
                             {"ids": part})
        for table, ids in self.shadows.items():
            for part in _chunks(ids):
                conn.execute(delete(SHADOW).where(SHADOW.c.table_name == table, SHADOW.c.row_id.in_(
                    bindparam("ids", expanding=True))), {"ids": part})
        if self.kept:
            conn.execute(insert(SHADOW), [
                {"table_name": table, "row_id": row_id,
                 "data": cipher.seal_json({"row": encode_local(table, row)}, _shadow_place(cipher, table, row_id))}
                for table, row_id, row in self.kept])


def _settle_row(settled: _Settled, key: tuple[str, str], changes: list[tuple[dict, str, dict, int | None]],
                shadow: dict | None, local: dict | None, still_pending: set[str] | None, user_id: str | None) -> None:
    table, row_id = key
    spec = SYNC_SPECS[table]
    state = state_of(table, shadow)
    for change, status, stored, _version in changes:
        if status in ACCEPTED:
            merged = merge_row(spec, state or EMPTY_ROW, _incoming(table, change, stored))
            state = RowState(merged.values, merged.stamps, merged.deleted)
    settled.shadows[table].append(row_id)
    if state is None:  # the server never accepted this row
        settled.gone[table].append(row_id)
        return
    server_row = with_state(table, shadow or local or default_row(table, row_id), state)
    versions = [version for _c, status, _s, version in changes if version is not None]
    if versions:  # as the server stored it: its version, and the caller as the last to change it
        server_row["version"] = max(versions)
    if user_id and any(status in ("applied", "conflict") for _c, status, _s, _v in changes):
        server_row["updated_by"] = user_id
    final = overlay(table, server_row, local, still_pending) if still_pending and local is not None else server_row
    if still_pending:
        settled.kept.append((table, row_id, server_row))
    if local is not None and _same_but_version(final, local):
        settled.versions[table].append({"b_id": row_id, "b_version": final["version"],
                                        "b_by": final.get("updated_by")})
    else:
        settled.rows[table].append(final)


def _same_but_version(row: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    return all(value == other.get(name) for name, value in row.items() if name not in ("version", "updated_by"))


# --- rows that leave the phone --------------------------------------------------


def _area_filters(table: str, level: str, area_id: str) -> list:
    """The rows of ``table`` that belong to an area the user left (empty: none of this table)."""
    t = MODEL_BY_TABLE[table].__table__
    spec = SYNC_SPECS[table]
    if level == "grid" and "grid_id" in t.c and table != "area":
        return [t.c.grid_id == area_id]
    if level == "street" and spec.scope == "street":
        return [t.c.street_id == area_id]
    if level == "street" and table == "conflict":
        return [t.c.grid_id.is_(None), t.c.street_id == area_id]
    if level == "district" and table == "area":
        return [(t.c.district_id == area_id) | (t.c.id == area_id)]
    return []


def remove_area_rows(conn: Connection, areas: list[Mapping[str, str]]) -> list[dict[str, str]]:
    """Delete the rows of areas the user left, except rows with unpushed edits; returns the areas not done yet."""
    pending = select(OUTBOX.c.row_id)
    waiting = []
    for area in areas:
        left_behind = False
        for table in APPLY_ORDER:
            filters = _area_filters(table, area["level"], area["area_id"])
            if not filters:
                continue
            t = MODEL_BY_TABLE[table].__table__
            ids = [r[0] for r in conn.execute(select(t.c.id).where(*filters, t.c.id.not_in(pending)))]
            for part in _chunks(ids):
                conn.execute(delete(t).where(t.c.id.in_(part)))
                conn.execute(delete(ID_HASH).where(ID_HASH.c.row_id.in_(part)))
            left_behind = left_behind or conn.execute(select(t.c.id).where(*filters).limit(1)).first() is not None
        if left_behind:
            waiting.append(dict(area))
    return waiting


def compact_tombstones(conn: Connection, horizon: int) -> int:
    """Drop tombstones the server has purged (version at or below its horizon) that no unpushed edit names."""
    if horizon <= 0:
        return 0
    removed = 0
    for table in APPLY_ORDER:
        t = MODEL_BY_TABLE[table].__table__
        removed += conn.execute(delete(t).where(t.c.deleted.is_(True), t.c.version > 0, t.c.version <= horizon,
                                                t.c.id.not_in(select(OUTBOX.c.row_id)))).rowcount or 0
    return removed
