"""Push guard: every row a pushed change points to lies in the caller's areas and agrees with it; who did it is the caller.

``sync_push`` calls ``refused_changes`` once per batch, inside the push
transaction, after it has fetched the rows the batch changes and before it
merges anything. The guard reads every row the batch references in one query
per referenced table, then walks the changes in ``seq`` order (a row created
earlier in the batch may be referenced by a later change) and refuses:

- ``sync.outside_area``: a referenced row (a visit's household, a resident's
  household, a referral's resident or vacancy, a referral event's referral,
  a vacancy's employer, ...) is outside the caller's areas, or a row's own
  grid (street, community) disagrees with what it references: a visit's grid
  is its household's grid, a resident's grid and community are its
  household's, a household's community and street are its grid's, a
  vacancy's street is its employer's (a referenced row the server does not
  have yet passes: events may arrive before their referral; who reads the
  two together checks they agree, as ``_recompute_referrals`` and coverage do);
- ``sync.invalid_value``: a who-field (``visit.coordinator_id``,
  ``collected_by``, ``created_by``, ``recorded_by``, ``resolved_by``) naming
  anyone but the signed-in user (an update may leave it as it was). A row
  created without one gets the caller (a new resident's
  ``consent_recorded_by`` stays empty: nobody has recorded consent yet).

``REFERENCES`` and ``WHO_FIELDS`` are the rules; ``tests/server/test_access_matrix.py``
fails when a synced table or an id column of one has no rule.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from sqlalchemy import Connection, bindparam, select

from server.services.scope import Scope
from server.services.sync_rows import FETCH_CHUNK, scope_allows, table_of
from shared import sync_protocol as proto
from shared.sync_schema import SYNC_SPECS


@dataclass(frozen=True)
class Reference:
    """``column`` of a row holds the id of a ``target`` row (a list of ids when ``many``).

    ``agree`` pairs (own column, target column) that must hold the same value
    when the row's own one is set: the row's grid is its parent's grid.
    """

    column: str
    target: str
    agree: tuple[tuple[str, str], ...] = ()
    many: bool = False
    level: str | None = None  # an area reference: the level it must name


GRID = (("grid_id", "grid_id"),)
STREET = (("street_id", "street_id"),)

REFERENCES: dict[str, tuple[Reference, ...]] = {
    "area": (),  # the area tree is written by the server only
    "household": (Reference("grid_id", "area", (("community_id", "community_id"), ("street_id", "street_id")),
                            level="grid"),),
    "resident": (Reference("household_id", "household", (*GRID, ("community_id", "community_id"))),),
    "status_record": (Reference("resident_id", "resident", GRID),),
    "visit": (Reference("household_id", "household", GRID), Reference("resident_ids", "resident", GRID, many=True)),
    "employer": (Reference("community_id", "area", STREET, level="community"),),
    "vacancy": (Reference("employer_id", "employer", STREET), Reference("community_id", "area", STREET,
                                                                        level="community")),
    "referral": (Reference("resident_id", "resident", GRID), Reference("vacancy_id", "vacancy")),
    "referral_event": (Reference("referral_id", "referral", GRID),),
    # what a conflict is about (table_name, row_id) and its grid are the server's; a device only closes one
    "conflict": (),
}

# The column naming who did it: always the signed-in user.
WHO_FIELDS: dict[str, str] = {
    "status_record": "recorded_by", "visit": "coordinator_id", "vacancy": "collected_by",
    "referral": "created_by", "referral_event": "recorded_by", "conflict": "resolved_by",
    "resident": "consent_recorded_by",  # who recorded the resident's consent (PIPL, docs/privacy.md)
}

# Who-fields that may stay empty on a new record: nothing was done yet (not "done by the caller").
NOBODY_YET = frozenset({"resident"})

# Id columns that are neither a reference nor a who-field: the row's own scope columns, checked by
# ``sync_rows.scope_allows`` on the row itself (and by the agreement rules above).
SCOPE_COLUMNS: frozenset[str] = frozenset({"grid_id", "street_id", "community_id", "district_id", "parent_id", "row_id"})


class PushedChange(Protocol):
    """What the guard reads of a prepared change (``sync_push.Prepared``)."""

    change: proto.Change
    incoming: Any  # shared.merge.IncomingChange: ``values`` may get the caller's id


def refused_changes(conn: Connection, scope: Scope | Callable[[Any], Scope], user_id: str,
                    items: Iterable[PushedChange],
                    existing: Mapping[tuple[str, str], Mapping[str, Any] | None]) -> dict[int, proto.ChangeResult]:
    """The changes of the batch the guard refuses, by ``seq``; ``existing`` holds the rows the batch changes.

    ``scope`` may be a function of the change (a grid the caller handed over still takes their earlier edits).
    """
    scope_of = scope if callable(scope) else (lambda _item: scope)
    items = sorted(items, key=lambda item: item.change.seq)
    targets = _fetch_targets(conn, items, existing)
    pending: dict[tuple[str, str], dict[str, Any]] = {}  # rows as the batch leaves them (creates and edits)
    refused: dict[int, proto.ChangeResult] = {}
    for item in items:
        change = item.change
        key = (change.table, change.row_id)
        if change.op == "delete" or change.table not in REFERENCES:
            continue
        before = pending.get(key, existing.get(key))
        if before is not None and SYNC_SPECS[change.table].append_only:
            continue  # a duplicate: changes nothing
        values = item.incoming.values
        row = {**(before or {}), **values, "id": change.row_id}
        problem = _who_problem(change.table, values, before, user_id) or _reference_problem(
            scope_of(item), change.table, row, values, before is None,
            lambda table, row_id: pending.get((table, row_id), targets.get((table, row_id))))
        if problem:
            refused[change.seq] = proto.ChangeResult(seq=change.seq, status="rejected", code=problem[0],
                                                     message=problem[1])
        else:
            pending[key] = row
    return refused


def _who_problem(table: str, values: dict[str, Any], before: Mapping[str, Any] | None,
                 user_id: str) -> tuple[str, str] | None:
    column = WHO_FIELDS.get(table)
    if column is None:
        return None
    if before is None and values.get(column) is None:
        if table in NOBODY_YET:
            return None  # nobody recorded it yet (a resident's consent not asked yet)
        values[column] = user_id  # a new record without its author: the caller made it
    if column not in values or values[column] == user_id or (before is not None and values[column] == before.get(column)):
        return None
    return proto.REJECT_INVALID_VALUE, f"{table}.{column}: must be the signed-in user."


def _reference_problem(scope: Scope, table: str, row: dict[str, Any], values: dict[str, Any], creating: bool,
                       lookup) -> tuple[str, str] | None:
    for ref in REFERENCES[table]:
        if not (creating or ref.column in values or any(own in values for own, _ in ref.agree)):
            continue  # an edit that changes neither the reference nor what must agree with it
        for target_id in _ids(row.get(ref.column), ref.many):
            target = lookup(ref.target, target_id)
            if target is None:
                continue  # not on the server (yet): it names nobody's record; readers check agreement when it comes
            if not scope_allows(scope, ref.target, target):
                return proto.REJECT_OUTSIDE_AREA, f"{table}.{ref.column}: that record is outside your areas."
            if ref.level and target.get("level") != ref.level:
                return proto.REJECT_INVALID_VALUE, f"{table}.{ref.column}: must name a {ref.level}."
            for own, theirs in ref.agree:
                if row.get(own) is not None and row.get(own) != target.get(theirs):
                    return proto.REJECT_OUTSIDE_AREA, (f"{table}.{own}: must be the {theirs} of the record "
                                                       f"{ref.column} names.")
    return None


def _ids(value: Any, many: bool) -> list[str]:
    if value is None:
        return []
    if many:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return [value] if isinstance(value, str) else []


def _columns(target: str) -> list[str]:
    """What the guard reads of a referenced row: its scope columns and every column an agreement compares."""
    table = table_of(target)
    wanted = {"id", "deleted", "level", "grid_id", "street_id", "district_id"}
    for refs in REFERENCES.values():
        wanted.update(theirs for ref in refs if ref.target == target for _, theirs in ref.agree)
    return [name for name in table.c.keys() if name in wanted]


def _fetch_targets(conn: Connection, items: list[PushedChange],
                   existing: Mapping[tuple[str, str], Mapping[str, Any] | None]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every row the batch references, one query per referenced table (chunked for long id lists)."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        table = item.change.table
        row = {**(existing.get((table, item.change.row_id)) or {}), **item.incoming.values}
        for ref in REFERENCES.get(table, ()):
            wanted.setdefault(ref.target, set()).update(_ids(row.get(ref.column), ref.many))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for target, ids in wanted.items():
        if not ids:
            continue
        table = table_of(target)
        names = _columns(target)
        stmt = select(*(table.c[n] for n in names)).where(table.c.id.in_(bindparam("ids", expanding=True)))
        ordered = sorted(ids)
        for start in range(0, len(ordered), FETCH_CHUNK):
            for values in conn.execute(stmt, {"ids": ordered[start:start + FETCH_CHUNK]}):
                row = dict(zip(names, values, strict=True))
                found[(target, row["id"])] = row
    return found
