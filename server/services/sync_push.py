"""Push: apply one device's batch of changes in one transaction and answer each change on its own.

Order of work (``docs/sync-protocol.md`` has the rules for people):

1. every change is checked in Python first (table, fields, values, stamps),
   so a bad one is answered ``rejected`` without touching the database;
2. the version counter is locked (``change_log.lock_versions``) for the rest of
   the transaction: pushes are serialised and their versions commit in order;
3. the device's ``last_seq`` is read under that lock: a change whose ``seq`` is
   not above it is a ``duplicate`` and changes nothing;
4. the rows the batch touches are fetched in one query per table, and the
   changes are merged in memory in ``seq`` order (``shared.merge.merge_row``);
5. the results are written set-wise: every touched row gets its next version
   from the locked counter and is written once (executemany per table and set
   of changed columns), its feed entry is replaced, ``last_seq`` moves, and it
   all commits.

Every applied change re-versions its row, so the device pulls back the
server's merged row (the winner, normalised values, clamped stamps).
"""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from server.errors import ApiError
from server.services import assignments, bulk, push_guard
from server.services.audit import record_event
from server.services.change_log import LogEntry, VersionCounter, lock_versions
from server.services.information_history import record_information
from server.services.scope import Scope
from server.services.sync_rows import FETCH_CHUNK, fetch_rows, row_scope, scope_allows, table_of
from shared import sync_protocol as proto
from shared.hlc import parse_stamp, stored_stamp
from shared.merge import (
    DELETED_KEY,
    IncomingChange,
    RowState,
    key_value,
    merge_row,
    referral_status,
    set_key,
    set_ops_from_value,
)
from shared.models import MODEL_BY_TABLE, ChangeLog, Device, PushRejection
from shared.sync_codec import (
    clean_row_changes,
    clean_set_element,
    column_info,
    decode_value,
    encode_value,
    kept_types,
)
from shared.sync_schema import SYNC_SPECS, SyncSpec

_DEVICE = Device.__table__
_REJECTION = PushRejection.__table__
_LOG = ChangeLog.__table__
CONFLICT_NAMESPACE = uuid.UUID("5b0f8f0e-2f5c-4c52-9a57-d00e57e9c0f1")
MAX_SEQ = 2**31 - 1  # ``device.last_seq`` is a 32-bit integer column on PostgreSQL
MAX_NESTING = 50  # lists and objects inside a free-form value (a conflict's base value, a resolution)
# Dates and times a record may hold: beyond these they break date arithmetic (deadlines, periods) later on.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2099, 12, 31)
LOCAL_OFFSET = timedelta(hours=8)  # the users' calendar day (China Standard Time) for "born after today"


class Rejected(Exception):
    """A change the server will not apply: its rejection code and a message without values."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


@dataclass
class Prepared:
    """A change that passed the checks that need no database."""

    change: proto.Change
    spec: SyncSpec
    incoming: IncomingChange
    clamped_ms: int = 0  # how far the furthest clamped stamp was ahead of the limit
    stored: dict[str, str] = field(default_factory=dict)  # clock key -> stored stamp, where it differs from the sent
    # the values as the device holds them once it merges the answer (None: it cannot; the pull brings them):
    # as sent, after decoding, with the ``cleaned`` ones (wire form, in the answer) in place of the sent ones
    sent: dict[str, Any] | None = None
    cleaned: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """The in-memory state of one push: rows by (table, id), what changed, what to write."""

    rows: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    created: set[tuple[str, str]] = field(default_factory=set)
    touched: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # row -> columns to write
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    referrals: set[str] = field(default_factory=set)  # referral ids whose status may move
    # rows the pushing device holds as the server stores them once it merges the answer: row -> version before
    own: dict[tuple[str, str], int] = field(default_factory=dict)
    not_own: set[tuple[str, str]] = field(default_factory=set)  # the server changed them beyond the device's edits
    lost: set[tuple[str, str]] = field(default_factory=set)  # rows where a sent clock key lost the merge


def push_changes(conn: Connection, caller_user_id: str, device_id: str, scope: Scope,
                 request: proto.PushRequest, now: datetime) -> proto.PushResponse:
    """Apply a push in one transaction on ``conn`` (committed here) and answer every change."""
    if request.protocol != proto.PROTOCOL_VERSION:
        raise ApiError(400, proto.ERROR_PROTOCOL, "Unsupported sync protocol version.",
                       {"supported": [proto.PROTOCOL_VERSION]})
    if request.device_id != device_id:
        raise ApiError(403, proto.ERROR_WRONG_DEVICE, "The push names another device than the signed-in one.")
    too_large = [index for index, change in enumerate(request.changes) if change.seq > MAX_SEQ]
    if too_large:  # refused whole: answering one as rejected would move last_seq beyond the column
        raise ApiError(422, "request.invalid", "Some fields are missing or invalid.", [
            {"loc": f"body.changes.{index}.seq", "type": "less_than_equal", "msg": f"At most {MAX_SEQ}."}
            for index in too_large])
    now_ms = int(now.timestamp() * 1000)
    today = (now + LOCAL_OFFSET).date()
    results: dict[int, proto.ChangeResult] = {}
    prepared: list[Prepared] = []
    for change in sorted(request.changes, key=lambda c: c.seq):
        if change.seq in results or (prepared and prepared[-1].change.seq == change.seq):
            continue  # the same seq twice in one batch: the first one counts
        try:
            prepared.append(prepare(change, device_id, now_ms, today))
        except Rejected as rejected:
            results[change.seq] = proto.ChangeResult(seq=change.seq, status="rejected", code=rejected.code,
                                                     message=rejected.message)
    if conn.in_transaction():
        conn.commit()
    try:
        with conn.begin():
            last_seq = _apply(conn, caller_user_id, device_id, scope, request, prepared, results, now)
    except BaseException:
        if conn.in_transaction():
            conn.rollback()
        raise
    ordered = [results[c.seq] for c in sorted(request.changes, key=lambda c: c.seq) if c.seq in results]
    return proto.PushResponse(results=_dedupe(ordered), last_seq=last_seq, server_stamp=proto.server_stamp(now_ms))


def _dedupe(results: list[proto.ChangeResult]) -> list[proto.ChangeResult]:
    seen, unique = set(), []
    for result in results:
        if result.seq not in seen:
            seen.add(result.seq)
            unique.append(result)
    return unique


def _apply(conn: Connection, user_id: str, device_id: str, scope: Scope, request: proto.PushRequest,
           prepared: list[Prepared], results: dict[int, proto.ChangeResult], now: datetime) -> int:
    counter = lock_versions(conn)
    device = conn.execute(select(_DEVICE.c.last_seq, _DEVICE.c.revoked_at, _DEVICE.c.last_stamp)
                          .where(_DEVICE.c.id == device_id)).first()
    if device is None or device.revoked_at is not None:
        raise ApiError(401, proto.REJECT_REVOKED_DEVICE, "This device was revoked; sign in again.",
                       headers={"WWW-Authenticate": "Bearer"})
    last_seq = start_seq = device.last_seq
    replayed = [seq for seq in {item.change.seq for item in prepared} | set(results) if seq <= start_seq]
    for seq in replayed:  # already answered once: the same answer (a lost answer must not turn a refusal into ok)
        results[seq] = proto.ChangeResult(seq=seq, status="duplicate")
    results.update(_earlier_rejections(conn, device_id, replayed))
    batch = Batch()
    fresh = [item for item in prepared if item.change.seq > start_seq]
    last_seq = max([last_seq, *(item.change.seq for item in fresh)])
    stamper = DeviceStamps(device.last_stamp, int(now.timestamp() * 1000))
    for item in fresh:  # in seq order: the stored stamps keep the order the edits were made in
        stamper.restamp(item)
    scope_of = _scope_with_grace(conn, scope)
    _prefetch(conn, batch, fresh)
    refused = push_guard.refused_changes(conn, scope_of, user_id, fresh, batch.rows)  # what the changes point to
    results.update(refused)
    fresh = [item for item in fresh if item.change.seq not in refused]
    merged: list[tuple[Prepared, str, list[str]]] = []  # answered once the rows have their new versions
    for item in fresh:
        try:
            status, conflict_ids = apply_change(batch, item, user_id, device_id, scope_of(item), now)
            merged.append((item, status, conflict_ids))
        except Rejected as rejected:
            results[item.change.seq] = proto.ChangeResult(seq=item.change.seq, status="rejected",
                                                          code=rejected.code, message=rejected.message)
    for seq in results:  # rejected before the lock still count as consumed
        if seq > last_seq and results[seq].status == "rejected":
            last_seq = seq
    _keep_rejections(conn, device_id, [r for seq, r in results.items() if seq > start_seq and r.status == "rejected"])
    _recompute_referrals(conn, batch)
    _write(conn, batch, counter, device_id)
    counter.save()
    for item, status, conflict_ids in merged:  # with the row's new version, for the device to keep (and its pull
        key = (item.change.table, item.change.row_id)  # to skip the row); built from checked values, not validated
        results[item.change.seq] = proto.ChangeResult.model_construct(
            seq=item.change.seq, status=status, code=None, message=None, conflict_ids=conflict_ids,
            clamped=bool(item.stored), stamps=item.stored, fields=item.cleaned,
            version=batch.rows[key]["version"] if status != "duplicate" and key in batch.touched else None,
            prior_version=_prior_version(batch, key, status))
    residents = {row_id: batch.rows[(table, row_id)] for table, row_id in batch.touched if table == "resident"}
    record_information(conn, list(residents), now, "phone", rows=residents)
    for item in fresh:
        if item.clamped_ms and results[item.change.seq].status != "rejected":
            record_event(conn, "sync.clock_clamped", user_id=user_id, device_id=device_id,
                         table_name=item.change.table, row_id=item.change.row_id,
                         detail={"seq": item.change.seq, "ahead_ms": item.clamped_ms}, at=now)
    if last_seq != start_seq or (stamper.last or "") != device.last_stamp:
        conn.execute(update(_DEVICE).where(_DEVICE.c.id == device_id)
                     .values(last_seq=last_seq, last_stamp=stamper.last or ""))
    return last_seq


def _prior_version(batch: Batch, key: tuple[str, str], status: str) -> int | None:
    """The row's version before this push, when the device's row equals the stored one once it takes the new
    version: every sent clock key won the merge, the server kept the values as sent (or named the cleaned ones)
    and changed nothing beyond them. The phone then settles the row by its version alone."""
    if status != "applied" or key not in batch.own or key in batch.not_own or key in batch.lost:
        return None
    return batch.own[key]


def _earlier_rejections(conn: Connection, device_id: str, seqs: list[int]) -> dict[int, proto.ChangeResult]:
    """The refusals of replayed changes, answered again as they were the first time."""
    found: dict[int, proto.ChangeResult] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), FETCH_CHUNK):
        for row in conn.execute(select(_REJECTION.c.seq, _REJECTION.c.code, _REJECTION.c.message).where(
                _REJECTION.c.device_id == device_id, _REJECTION.c.seq.in_(ordered[start:start + FETCH_CHUNK]))):
            found[row.seq] = proto.ChangeResult(seq=row.seq, status="rejected", code=row.code, message=row.message)
    return found


def _keep_rejections(conn: Connection, device_id: str, rejected: list[proto.ChangeResult]) -> None:
    if rejected:
        conn.execute(insert(_REJECTION), [{"device_id": device_id, "seq": r.seq, "code": r.code or "",
                                           "message": (r.message or "")[:500]} for r in rejected])


def _scope_with_grace(conn: Connection, scope: Scope):
    """The scope each change is checked against: the caller's, plus the grids they left after the change was made
    (``assignments.grace_grids``: an old coordinator's edits made before a handover still count)."""
    grace = assignments.grace_grids(conn, scope)
    if not grace:
        return lambda _item: scope
    widened: dict[frozenset[str], Scope] = {}

    def scope_of(item: Prepared) -> Scope:
        made = _latest_ms(item.incoming)
        extra = frozenset(grid for grid, left_ms in grace.items() if made <= left_ms)
        if not extra:
            return scope
        if extra not in widened:
            widened[extra] = replace(scope, grid_ids=scope.grid_ids | extra)
        return widened[extra]

    return scope_of


def _latest_ms(incoming: IncomingChange) -> int:
    stamps = [*incoming.stamps.values(), *(s for ops in incoming.set_ops.values() for _e, _p, s in ops)]
    if incoming.delete_stamp:
        stamps.append(incoming.delete_stamp)
    return max((parse_stamp(s).physical_ms for s in stamps), default=0)


def apply_server_changes(conn: Connection, changes: list[proto.Change], scope: Scope, now: datetime,
                         *, user_id: str | None = None) -> list[str]:
    """Changes the server makes itself (an employer's confirmation), merged as a device's push is.

    The same checks, merge, referral status fold and set-wise write as a push,
    with ``SERVER_CLOCK_ID`` as the device, in the caller's transaction (which
    commits). Every change must apply: a ``Rejected`` one is raised.
    """
    now_ms = int(now.timestamp() * 1000)
    prepared = [prepare(change, proto.SERVER_CLOCK_ID, now_ms, (now + LOCAL_OFFSET).date()) for change in changes]
    counter = lock_versions(conn)
    batch = Batch()
    _prefetch(conn, batch, prepared)
    statuses = [apply_change(batch, item, user_id, proto.SERVER_CLOCK_ID, scope, now)[0] for item in prepared]
    _recompute_referrals(conn, batch)
    _write(conn, batch, counter)
    counter.save()
    return statuses


# --- checks that need no database ------------------------------------------------


def prepare(change: proto.Change, device_id: str, now_ms: int, today) -> Prepared:
    """Check one change and turn it into an ``IncomingChange``; ``Rejected`` when it cannot apply."""
    spec = SYNC_SPECS.get(change.table)
    if spec is None:
        raise Rejected(proto.REJECT_UNKNOWN_TABLE, "This table does not sync.")
    clamp = _Clamp(now_ms)
    if change.op == "delete":
        if spec.append_only or not spec.device_fields or spec.table == "conflict":
            raise Rejected(proto.REJECT_READ_ONLY, "Records of this table cannot be deleted.")
        if change.delete_stamp is None or change.fields or change.set_ops or change.stamp:
            raise Rejected(proto.REJECT_INVALID_VALUE, "A delete carries delete_stamp and no fields.")
        incoming = IncomingChange(base=change.base, delete_stamp=clamp(change.delete_stamp), device_id=device_id)
        return Prepared(change, spec, incoming, clamp.ahead_ms)
    if change.delete_stamp is not None:
        raise Rejected(proto.REJECT_INVALID_VALUE, "Only a delete carries delete_stamp.")
    if not (all_finite(change.fields) and all_finite(change.base_values)):
        raise Rejected(proto.REJECT_INVALID_VALUE, "A value cannot be stored: numbers must be finite, "
                                                   f"nesting at most {MAX_NESTING} deep.")
    unknown = [name for name in change.fields if name not in spec.field_set]
    unknown += [name for name in change.set_ops if name not in spec.sets]
    if unknown:
        raise Rejected(proto.REJECT_INVALID_VALUE, "Some fields do not sync: " + _field_names(unknown))
    server_only = sorted(spec.server_field_set.intersection(change.fields))
    if server_only:
        raise Rejected(proto.REJECT_READ_ONLY, "Only the server writes: " + ", ".join(server_only))
    try:
        decoded = _decode(spec.table, change.fields)
        # with the fields the cleaning changed (not sets: their elements travel as operations): the answer carries them
        values, cleaned = clean_row_changes(spec.table, decoded, today=today)
        as_sent = not (cleaned.keys() & set(spec.sets)) and all(
            clean_set_element(spec.table, name, op.element) == op.element
            for name, ops in change.set_ops.items() for op in ops)
        _check_dates(spec.table, values)
        written = _clock_keys(spec.table, tuple(values))
        if change.stamp is not None and change.stamps:
            raise ValueError("A change carries one stamp for every field or a stamp per field, not both.")
        sent_stamps = dict.fromkeys(written, change.stamp) if change.stamp is not None else dict(change.stamps)
        set_ops = _set_ops(spec, change, values, clamp, sent_stamps)
    except ValueError as error:
        raise Rejected(proto.REJECT_INVALID_VALUE, str(error)) from None
    for group in written & spec.groups.keys():
        if not values.keys() >= _members(spec.table, group):
            raise Rejected(proto.REJECT_INVALID_VALUE, f"The fields of group {group} change together.")
    stamps = sent_stamps
    if spec.append_only:
        stamps = {key: stamp for key, stamp in stamps.items() if key in written}
    elif set(stamps) != written:
        raise Rejected(proto.REJECT_INVALID_VALUE, "Each written field (or group) needs exactly one stamp.")
    for stamp in set(stamps.values()):  # checked once each (a new row's fields share one); kept as sent
        clamp(stamp)
    if spec.table == "referral_event" and values.get("stamp"):
        values["stamp"] = clamp(values["stamp"])  # checked here; stored by ``DeviceStamps.restamp``
    incoming = IncomingChange(values=values, stamps=stamps, base=change.base, set_ops=set_ops, device_id=device_id)
    return Prepared(change, spec, incoming, clamp.ahead_ms, sent=dict(values) if as_sent else None,
                    cleaned={name: encode_value(spec.table, name, v) for name, v in cleaned.items()} if as_sent else {})


@lru_cache(maxsize=None)
def _members(table: str, group: str) -> frozenset[str]:
    return frozenset(SYNC_SPECS[table].groups[group])


@lru_cache(maxsize=4096)
def _clock_keys(table: str, names: tuple[str, ...]) -> frozenset[str]:
    """The stamp keys the fields ``names`` write (a form's changes carry the same few sets of fields)."""
    spec = SYNC_SPECS[table]
    return frozenset(spec.clock_key(name) for name in names)


_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _field_names(names: list[str]) -> str:
    """Names the client sent, for a message: only those shaped like field names (any other text may be a value)."""
    shown = sorted({name for name in names if _FIELD_NAME.fullmatch(name)})
    others = len(set(names)) - len(shown)
    return ", ".join(shown + ([f"{others} other name(s)"] if others else []))


def all_finite(value: Any, depth: int = 0) -> bool:
    """No float anywhere inside is infinite or NaN (a number of 309 digits reads as infinity), and the value
    is nested at most ``MAX_NESTING`` deep."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if depth > MAX_NESTING:
        return False
    if kind is dict and _PLAIN.issuperset(map(type, value.values())):
        return True  # a change's fields, mostly: only text, numbers, booleans and nulls
    if isinstance(value, dict):
        return all(type(v) in _PLAIN or all_finite(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(type(v) in _PLAIN or all_finite(v, depth + 1) for v in value)
    return True


_PLAIN = frozenset({str, int, bool, type(None)})  # what most values are: nothing inside to check


def _decode(table: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``sync_codec.decode_row``, with a time that its offset takes past year 1 or 9999 refused by name."""
    decoded = {}
    as_is = kept_types(table)
    for name, value in fields.items():
        if type(value) in as_is.get(name, ()):
            decoded[name] = value  # text, flags, lists: their own JSON form (what decode_value returns for them)
            continue
        try:
            decoded[name] = decode_value(table, name, value)
        except OverflowError:
            raise ValueError(f"{table}.{name}: is out of range") from None
    return decoded


def checked_fields(table: str, fields: dict[str, Any], today: date) -> dict[str, Any]:
    """Fields sent as JSON (a manager's correction), decoded, cleaned and date-checked as a pushed change's are;
    ``ValueError`` naming the field (never the value) for one that cannot be stored."""
    values = clean_row_changes(table, _decode(table, fields), today=today)[0]
    _check_dates(table, values)
    return values


def _check_dates(table: str, values: dict[str, Any]) -> None:
    for name in _date_columns(table).intersection(values):
        value = values[name]
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not FIRST_DATE <= day <= LAST_DATE:
            raise ValueError(f"{table}.{name}: is out of range ({FIRST_DATE.year}–{LAST_DATE.year})")


@lru_cache(maxsize=None)
def _date_columns(table: str) -> frozenset[str]:
    return frozenset(name for name in SYNC_SPECS[table].fields if column_info(table, name).kind in ("date", "datetime"))


class _Clamp:
    """Checks stamps (the stamps to store are chosen under the lock: ``DeviceStamps``)."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.ahead_ms = 0
        self.checked: set[str] = set()  # a new row's fields share one stamp: checked once

    def __call__(self, stamp: str) -> str:
        if stamp in self.checked:
            return stamp
        try:
            if not stamp.isascii():  # digits of other scripts parse, but sort after every ASCII stamp
                raise ValueError
            parse_stamp(stamp)
        except ValueError:
            raise Rejected(proto.REJECT_INVALID_VALUE, "A clock stamp is malformed.") from None
        self.checked.add(stamp)
        return stamp


class DeviceStamps:
    """The stamps the server stores for one device's push, in ``seq`` order (``shared.hlc.stored_stamp``).

    ``last`` is the device's ``last_stamp`` read under the version lock, so
    several server processes agree on it; one original stamp (an edit's
    fields and set elements share it) maps to one stored stamp.
    """

    def __init__(self, last: str | None, now_ms: int) -> None:
        self.last = last or None
        self.now_ms = now_ms
        self.stored: dict[str, str] = {}

    def __call__(self, stamp: str) -> str:
        if stamp not in self.stored:
            kept = stored_stamp(stamp, self.last, self.now_ms)
            self.stored[stamp] = kept
            if self.last is None or _clock_part(kept) > _clock_part(self.last):
                self.last = kept
        return self.stored[stamp]

    def restamp(self, item: Prepared) -> None:
        """Replace the change's stamps by the stored ones; note how far ahead and which keys moved.

        Stamps are mapped in the same order every time (the field stamps, then each set's operations in
        order, the delete, a referral event's stamp): clamped ones are handed out in that order.
        """
        incoming, spec = item.incoming, item.spec
        stored = {stamp: self(stamp) for stamp in set(incoming.stamps.values())}
        set_ops = {name: [(e, present, self(stamp)) for e, present, stamp in ops]
                   for name, ops in incoming.set_ops.items()}
        delete_stamp = self(incoming.delete_stamp) if incoming.delete_stamp else None
        values = incoming.values
        if spec.table == "referral_event" and values.get("stamp"):
            values = {**values, "stamp": self(values["stamp"])}
        limit = self.now_ms + 5 * 60 * 1000
        originals = {*stored, *(s for ops in incoming.set_ops.values() for _e, _p, s in ops)}
        if incoming.delete_stamp:
            originals.add(incoming.delete_stamp)
        item.clamped_ms = max([0, *(parse_stamp(s).physical_ms - limit for s in originals)])
        if (values is incoming.values or values == incoming.values) and \
                all(self.stored[stamp] == stamp for stamp in originals):
            item.stored = {}  # the usual case: every stamp stored as sent, the change stays as it is
            return
        stamps = {key: stored[stamp] for key, stamp in incoming.stamps.items()}
        moved = {key: stamp for key, stamp in stamps.items() if stamp != incoming.stamps[key]}
        for name, ops in set_ops.items():
            for (element, _present, stamp), (_e, _p, original) in zip(ops, incoming.set_ops[name], strict=True):
                if stamp != original:
                    moved[set_key(name, element)] = stamp
        if delete_stamp != incoming.delete_stamp:
            moved[DELETED_KEY] = delete_stamp
        item.stored = moved
        item.incoming = replace(incoming, stamps=stamps, set_ops=set_ops, delete_stamp=delete_stamp, values=values)


def _clock_part(stamp: str) -> tuple[int, int]:
    parsed = parse_stamp(stamp)
    return parsed.physical_ms, parsed.counter


def _set_ops(spec: SyncSpec, change: proto.Change, values: dict[str, Any], clamp: _Clamp,
             stamps: dict[str, str]) -> dict:
    ops: dict[str, list[tuple[str, bool, str]]] = {}
    for name in [n for n in values if n in spec.sets]:
        elements = values.pop(name) or []
        if name not in stamps:
            raise ValueError(f"{spec.table}.{name}: a set value needs its stamp")
        seen = change.base_values.get(name)
        seen = [e for e in seen if isinstance(e, str)] if isinstance(seen, list) else []
        ops[name] = set_ops_from_value(elements, seen, stamps[name])
    for name, set_ops in change.set_ops.items():
        ops.setdefault(name, []).extend(
            (clean_set_element(spec.table, name, op.element), op.present, op.stamp) for op in set_ops)
    return {name: [(e, present, clamp(stamp)) for e, present, stamp in items] for name, items in ops.items()}


# --- applying, in memory ------------------------------------------------------------


def _prefetch(conn: Connection, batch: Batch, items: list[Prepared]) -> None:
    wanted: dict[str, set[str]] = {}
    for item in items:
        wanted.setdefault(item.change.table, set()).add(item.change.row_id)
        if item.change.table == "referral_event" and "referral_id" in item.incoming.values:
            wanted.setdefault("referral", set()).add(item.incoming.values["referral_id"])
    for table_name, ids in wanted.items():
        found = fetch_rows(conn, table_name, ids)
        for row_id in ids:
            batch.rows[(table_name, row_id)] = found.get(row_id)


def apply_change(batch: Batch, item: Prepared, user_id: str, device_id: str, scope: Scope,
                 now: datetime) -> tuple[str, list[str]]:
    """Merge one change into the batch's rows; returns (status, conflict ids) or raises ``Rejected``."""
    spec, change, incoming = item.spec, item.change, item.incoming
    key = (spec.table, change.row_id)
    row = batch.rows.get(key)
    if spec.append_only:
        if row is not None:
            return "duplicate", []
        return _create_append_only(batch, item, user_id, scope, now), []
    if row is None:
        if change.op == "delete":
            raise Rejected(proto.REJECT_UNKNOWN_RECORD, "There is no such record to delete.")
        if any(stamp is not None for stamp in change.base.values()):
            raise Rejected(proto.REJECT_DELETED, "This record was deleted.")
        _require_create_fields(spec, incoming.values)
        row = new_row(spec.table, change.row_id)
        batch.created.add(key)
    elif row["deleted"] and change.op != "delete":
        raise Rejected(proto.REJECT_DELETED, "This record was deleted.")
    elif not scope_allows(scope, spec.table, row):
        raise Rejected(proto.REJECT_OUTSIDE_AREA, "This record is outside your areas.")
    elif spec.table == "referral" and row.get("check_token") and incoming.values.get(
            "check_token", row["check_token"]) != row["check_token"]:
        raise Rejected(proto.REJECT_READ_ONLY, "A referral's check token is set once, when it is made.")
    outcome = merge_row(spec, RowState(row, row["stamps"] or {}, bool(row["deleted"])), incoming)
    merged = {**row, **outcome.values, "stamps": outcome.stamps, "deleted": outcome.deleted, "updated_by": user_id}
    if not scope_allows(scope, spec.table, merged):
        batch.created.discard(key)
        raise Rejected(proto.REJECT_OUTSIDE_AREA, "This record is outside your areas.")
    _note_own(batch, item, key, row)
    if not _all_won(outcome.stamps, incoming):
        batch.lost.add(key)
    batch.rows[key] = merged
    columns = batch.touched.setdefault(key, {"stamps", "deleted", "updated_by"})
    if key not in batch.created:  # (a new row is inserted whole)
        columns.update(name for name in spec.fields if merged[name] != row[name])
    if spec.table == "referral":
        batch.referrals.add(change.row_id)
    ids = [_record_conflict(batch, spec, change, merged, conflict, user_id, device_id, now)
           for conflict in outcome.conflicts]
    return ("conflict" if ids else "applied"), ids


def _all_won(stamps: dict[str, str], incoming: IncomingChange) -> bool:
    """Whether the merged row holds every clock key of the change with the change's own stamp (nothing lost)."""
    if any(stamps.get(key) != stamp for key, stamp in incoming.stamps.items()):
        return False
    if incoming.delete_stamp is not None and stamps.get(DELETED_KEY) != incoming.delete_stamp:
        return False
    return all(stamps.get(set_key(name, element)) == stamp
               for name, ops in incoming.set_ops.items() for element, _present, stamp in ops)


def _note_own(batch: Batch, item: Prepared, key: tuple[str, str], before: dict[str, Any]) -> None:
    """Whether the device's own merge of this change's answer gives the row the server stores.

    It does when the server kept the values as sent (no cleaning, no who-field
    filled in) and, for a new row, the device sent every field the server would
    otherwise fill from a clock or a counter. A second change of the row in the
    batch keeps the first one's verdict unless it spoils it.
    """
    exact = item.sent is not None and item.incoming.values == item.sent and item.change.table != "conflict"
    if exact and key in batch.created and key not in batch.own:
        exact = all(name in item.incoming.values for name in _factory_fields(key[0]))
    if not exact:
        batch.not_own.add(key)
    elif key not in batch.own:
        batch.own[key] = before.get("version") or 0


def _require_create_fields(spec: SyncSpec, values: dict[str, Any]) -> None:
    missing = [name for name in required_columns(spec.table) if values.get(name) is None]
    if missing:
        raise Rejected(proto.REJECT_UNKNOWN_RECORD,
                       "Unknown record; creating it needs: " + ", ".join(sorted(missing)))


def _create_append_only(batch: Batch, item: Prepared, user_id: str, scope: Scope, now: datetime) -> str:
    spec, change, incoming = item.spec, item.change, item.incoming
    _require_create_fields(spec, incoming.values)
    row = {**new_row(spec.table, change.row_id), **incoming.values, "stamps": dict(incoming.stamps),
           "updated_by": user_id}
    if not scope_allows(scope, spec.table, row):
        raise Rejected(proto.REJECT_OUTSIDE_AREA, "This record is outside your areas.")
    if spec.table == "visit":
        row["received_at"] = now
    if spec.table == "referral_event":
        if not row["stamp"]:
            row["stamp"] = max(incoming.stamps.values(), default=proto.server_stamp(int(now.timestamp() * 1000)))
        batch.referrals.add(row["referral_id"])
    key = (spec.table, change.row_id)
    batch.rows[key] = row
    batch.created.add(key)
    batch.touched[key] = set()
    return "applied"


def _record_conflict(batch: Batch, spec: SyncSpec, change: proto.Change, row: dict[str, Any], conflict,
                     user_id: str, device_id: str, now: datetime) -> str:
    stamp_a, stamp_b = conflict.a[1], conflict.b[1]
    conflict_id = str(uuid.uuid5(CONFLICT_NAMESPACE, f"{spec.table}|{row['id']}|{conflict.key}|{stamp_a}|{stamp_b}"))
    grid_id = row.get("grid_id") if spec.scope == "grid" else None
    batch.conflicts.append({
        **new_row("conflict", conflict_id),
        "table_name": spec.table, "row_id": row["id"], "field": conflict.key, "grid_id": grid_id,
        "street_id": None if grid_id else row.get("street_id"),
        "base_value": key_value(spec, change.base_values, conflict.key),
        "value_a": _encode(spec, conflict.key, conflict.a[0]), "device_a": parse_stamp(stamp_a).device_id[:36],
        "stamp_a": stamp_a, "user_a": None,
        "value_b": _encode(spec, conflict.key, conflict.b[0]), "device_b": device_id, "stamp_b": stamp_b,
        "user_b": user_id, "winner": conflict.winner, "state": "open", "created_at": now,
    })
    return conflict_id


def _encode(spec: SyncSpec, key: str, value: Any) -> Any:
    if key in spec.groups:
        return {member: encode_value(spec.table, member, v) for member, v in value.items()}
    return encode_value(spec.table, key, value)


def _recompute_referrals(conn: Connection, batch: Batch) -> None:
    """Referral status = ``shared.merge.referral_status`` of all its events (a server field)."""
    if not batch.referrals:
        return
    events_table = table_of("referral_event")
    ids = sorted(batch.referrals)
    events: dict[str, list[tuple]] = {i: [] for i in ids}
    stored = conn.execute(
        select(events_table.c.id, events_table.c.referral_id, events_table.c.status, events_table.c.stamp,
               events_table.c.occurred_on, events_table.c.grid_id)
        .where(events_table.c.referral_id.in_(ids), events_table.c.deleted.is_(False)))
    for event in stored:
        if ("referral_event", event.id) not in batch.created:
            events[event.referral_id].append((event.status, event.stamp, event.occurred_on, event.grid_id))
    for (table_name, _id), row in batch.rows.items():
        if table_name == "referral_event" and (table_name, _id) in batch.created and row["referral_id"] in events:
            events[row["referral_id"]].append((row["status"], row["stamp"], row["occurred_on"], row["grid_id"]))
    missing = [i for i in ids if ("referral", i) not in batch.rows]
    for row_id, row in fetch_rows(conn, "referral", missing).items():
        batch.rows[("referral", row_id)] = row
    for referral_id in ids:
        row = batch.rows.get(("referral", referral_id))
        if row is None or row["deleted"]:
            continue  # its events came first; the status is computed when the referral arrives
        # only events of the referral's own grid count (``push_guard``: an event may come before its referral)
        step = referral_status([event[:3] for event in events[referral_id] if event[3] == row["grid_id"]])
        status, status_on = (step.status, step.occurred_on) if step else ("referred", None)
        if (row["status"], row["status_on"]) != (status, status_on):
            batch.rows[("referral", referral_id)] = {**row, "status": status, "status_on": status_on}
            batch.not_own.add(("referral", referral_id))
            batch.touched.setdefault(("referral", referral_id), set()).update(("status", "status_on"))
    _recount_filled(conn, batch, {batch.rows[("referral", i)]["vacancy_id"] for i in ids
                                  if batch.rows.get(("referral", i)) is not None})


def _recount_filled(conn: Connection, batch: Batch, vacancy_ids: set[str]) -> None:
    """``vacancy.filled`` = its referrals whose status is hired: a count, so hires recorded offline on two
    phones both count (a last-writer-wins number would keep one)."""
    vacancy_ids.discard(None)
    if not vacancy_ids:
        return
    referrals, ids = table_of("referral"), sorted(vacancy_ids)
    status: dict[str, tuple[str, str]] = {}  # referral id -> (vacancy id, status), as this batch leaves them
    for start in range(0, len(ids), FETCH_CHUNK):
        for row in conn.execute(select(referrals.c.id, referrals.c.vacancy_id, referrals.c.status).where(
                referrals.c.vacancy_id.in_(ids[start:start + FETCH_CHUNK]), referrals.c.deleted.is_(False))):
            status[row.id] = (row.vacancy_id, row.status)
    for (table_name, row_id), row in batch.rows.items():
        if table_name == "referral" and row is not None:
            if row["deleted"]:
                status.pop(row_id, None)
            else:
                status[row_id] = (row["vacancy_id"], row["status"])
    missing = [i for i in ids if ("vacancy", i) not in batch.rows]
    for row_id, row in fetch_rows(conn, "vacancy", missing).items():
        batch.rows[("vacancy", row_id)] = row
    for vacancy_id in ids:
        row = batch.rows.get(("vacancy", vacancy_id))
        if row is None or row["deleted"]:
            continue
        filled = sum(1 for vid, st in status.values() if vid == vacancy_id and st == "hired")
        if row["filled"] != filled:
            batch.rows[("vacancy", vacancy_id)] = {**row, "filled": filled}
            batch.not_own.add(("vacancy", vacancy_id))
            batch.touched.setdefault(("vacancy", vacancy_id), set()).add("filled")


# --- writing, set-wise -------------------------------------------------------------------


def _write(conn: Connection, batch: Batch, counter: VersionCounter, device_id: str | None = None) -> None:
    """Insert and update the touched rows with their new versions, add the conflicts, rewrite their feed entries.

    Each row is written once, its new version included (one UPDATE per row,
    grouped by the columns that changed), and keeps one feed entry as
    ``change_log.write_entries`` does, with versions from the same locked counter.
    """
    _keep_new_conflicts(conn, batch)
    entries: list[tuple[LogEntry, int]] = []
    own: dict[int, tuple[str, int]] = {}  # version -> (device id, the row's version before)
    inserts: dict[str, list[dict]] = {}
    updates: dict[tuple[str, frozenset[str]], list[dict]] = {}
    for key, columns in batch.touched.items():
        row = batch.rows[key]
        row["version"] = counter.next()
        entries.append((row_scope(key[0], row), row["version"]))
        if device_id and key in batch.own and key not in batch.not_own:
            own[row["version"]] = (device_id, batch.own[key])
        if key in batch.created:
            inserts.setdefault(key[0], []).append(row)
        else:
            names = frozenset(columns | {"version"})
            updates.setdefault((key[0], names), []).append({"b_id": row["id"], **{c: row[c] for c in names}})
    for conflict in batch.conflicts:
        conflict["version"] = counter.next()
        entries.append((row_scope("conflict", conflict), conflict["version"]))
        inserts.setdefault("conflict", []).append(conflict)
    for table_name, rows in inserts.items():
        bulk.insert_rows(conn, table_of(table_name), rows)
    for (table_name, _names), params in updates.items():
        bulk.update_rows(conn, table_of(table_name), params)
    replaced: dict[str, list[str]] = {}
    for key in batch.touched:
        if key not in batch.created:
            replaced.setdefault(key[0], []).append(key[1])
    for table_name, ids in replaced.items():
        for start in range(0, len(ids), FETCH_CHUNK):
            conn.execute(delete(_LOG).where(_LOG.c.table_name == table_name,
                                            _LOG.c.row_id.in_(ids[start:start + FETCH_CHUNK])))
    if entries:
        bulk.insert_rows(conn, _LOG, [{"version": version, "table_name": e.table_name, "row_id": e.row_id,
                                     "grid_id": e.grid_id, "street_id": e.street_id, "district_id": e.district_id,
                                     "device_id": own.get(version, (None, None))[0],
                                     "prior_version": own.get(version, (None, None))[1]}
                                    for e, version in entries])


def _keep_new_conflicts(conn: Connection, batch: Batch) -> None:
    """Drop conflicts already recorded (ids are derived from the two stamps) and name the other side's user."""
    if not batch.conflicts:
        return
    existing = fetch_rows(conn, "conflict", [c["id"] for c in batch.conflicts])
    batch.conflicts = [c for c in batch.conflicts if c["id"] not in existing]
    devices = {c["device_a"] for c in batch.conflicts}
    users = dict(conn.execute(select(_DEVICE.c.id, _DEVICE.c.user_id).where(_DEVICE.c.id.in_(devices))).all())
    for conflict in batch.conflicts:
        conflict["user_a"] = users.get(conflict["device_a"])


# --- new rows ------------------------------------------------------------------------------

_REQUIRED: dict[str, tuple[str, ...]] = {}


def required_columns(table_name: str) -> tuple[str, ...]:
    """What creating a row needs: the spec's ``required_on_create`` and every NOT NULL column without a default."""
    if table_name not in _REQUIRED:
        spec, table = SYNC_SPECS[table_name], table_of(table_name)
        no_default = [name for name in spec.fields
                      if not table.c[name].nullable and MODEL_BY_TABLE[table_name].model_fields[name].is_required()]
        _REQUIRED[table_name] = tuple(dict.fromkeys((*spec.required_on_create, *no_default)))
    return _REQUIRED[table_name]


_DEFAULTS: dict[str, tuple[dict[str, Any], tuple[tuple[str, Any], ...]]] = {}


@lru_cache(maxsize=None)
def _factory_fields(table_name: str) -> tuple[str, ...]:
    """Synced fields a new row gets from a factory (a clock, an id, a token) when the change leaves them out
    (an empty list or dict is the same on the phone). Read once per table (asked once per created row)."""
    _constant, factories = _column_defaults(table_name)
    return tuple(name for name, factory in factories
                 if name in SYNC_SPECS[table_name].fields and factory not in (list, dict, set))


def _column_defaults(table_name: str) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
    """(constant defaults, (column, factory) pairs) of a model, read from pydantic once per table.

    ``FieldInfo.get_default(call_default_factory=True)`` inspects the factory's
    signature on every call (about 0.4 ms a resident): the factories are called directly instead.
    """
    if table_name not in _DEFAULTS:
        constant: dict[str, Any] = {}
        factories: list[tuple[str, Any]] = []
        for name, info in MODEL_BY_TABLE[table_name].model_fields.items():
            if info.default_factory is not None:
                factories.append((name, info.default_factory))
            else:
                constant[name] = None if info.is_required() else info.default
        _DEFAULTS[table_name] = constant, tuple(factories)
    return _DEFAULTS[table_name]


def new_row(table_name: str, row_id: str) -> dict[str, Any]:
    """A row with every column at its model default (what the phone's model makes too)."""
    constant, factories = _column_defaults(table_name)
    row = dict(constant)
    for name, factory in factories:
        if name != "id":  # a uuid4 that would be thrown away
            row[name] = factory()
    row.update(id=row_id, version=0, deleted=False, stamps={}, updated_by=None)
    return row
