"""The merge rules of sync, as pure functions: what a row becomes when two replicas' edits meet.

A row's state is its field values plus ``stamps``, a dict of hybrid-logical-
clock stamps (``shared.hlc``). The keys of ``stamps`` are:

- a **clock key**: a plain field's name, or a group's name from
  ``shared.sync_schema`` (``address``, ``employment``, ...), stamping all the
  group's members at once;
- ``"<set field>|<element>"`` for each element of a set field
  (``"skills|家政"``): the stamp of the element's latest add or remove; the
  element is present when it is in the field's list value;
- ``"_deleted"``: the stamp of the delete, on a tombstone.

Every merge below is a per-key maximum over one total order, so it is
**commutative** (arrival order does not matter), **associative** (grouping
does not matter) and **idempotent** (a replay changes nothing):

- a register ``(value, stamp)``: the later stamp wins; the device id inside the
  stamp breaks ties between devices; equal stamps (only ever the same edit)
  fall back to comparing the values' canonical JSON, so even then the result
  does not depend on order. A missing stamp is older than every stamp.
- a group is a register whose value is the dict of its members' values: the
  winner's members are taken whole, so an address never mixes two addresses.
- a set is one register ``(present, stamp)`` per element: concurrent adds
  union, a removal wins only when it is later than the add (on equal stamps
  the add wins).
- a tombstone beats every edit whatever its stamp: ``deleted`` is the OR of
  both sides and the delete stamp the later one. A deleted row never comes back.
- a referral's status moves only forward (``referral_status``).

No function here reads a clock or does I/O.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from shared.hlc import parse_stamp
from shared.sync_schema import SyncSpec
from shared.vocab import ReferralStatus

DELETED_KEY = "_deleted"
SET_SEPARATOR = "|"

Register = tuple[Any, "str | None"]  # (value, stamp)


def canonical(value: Any) -> str:
    """A value's canonical JSON text: the tie-break between equal stamps, and value equality."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def merge_register(a: Register, b: Register) -> Register:
    """The winner of two ``(value, stamp)`` registers: the later stamp, ties broken deterministically."""
    stamp_a, stamp_b = a[1] or "", b[1] or ""
    if stamp_a != stamp_b:
        return a if stamp_a > stamp_b else b
    return a if canonical(a[0]) >= canonical(b[0]) else b


def merge_tombstone(a: str | None, b: str | None) -> str | None:
    """The delete stamp of two replicas (None: not deleted): once deleted, deleted for good."""
    if a is None or b is None:
        return a if b is None else b
    return max(a, b)


def set_key(field_name: str, element: str) -> str:
    """The ``stamps`` key of one element of a set field."""
    return f"{field_name}{SET_SEPARATOR}{element}"


def element_registers(field_name: str, members: Iterable[str], stamps: Mapping[str, str]) -> dict[str, Register]:
    """A set field's per-element ``(present, stamp)`` registers, from its list value and the row's stamps."""
    prefix = field_name + SET_SEPARATOR
    registers: dict[str, Register] = {
        key[len(prefix):]: (False, stamp) for key, stamp in stamps.items() if key.startswith(prefix)
    }
    for element in members:
        registers[element] = (True, stamps.get(prefix + element))
    return registers


def merge_set(a: Mapping[str, Register], b: Mapping[str, Register]) -> dict[str, Register]:
    """Element-wise register merge of two sets (each: element -> (present, stamp))."""
    return {e: merge_register(a.get(e, (False, None)), b.get(e, (False, None))) for e in a.keys() | b.keys()}


def set_members(registers: Mapping[str, Register]) -> list[str]:
    """The value of a set: its present elements, sorted (so every replica stores the same list)."""
    return sorted(e for e, (present, _stamp) in registers.items() if present)


def set_ops_from_value(new: Iterable[str], seen: Iterable[str] | None, stamp: str) -> list[tuple[str, bool, str]]:
    """Element operations for a whole set value written by a device: add every element of ``new``,
    remove the elements it had seen (``seen``) and dropped. Elements it never saw are left alone,
    so another device's concurrent add survives."""
    new = set(new)
    ops = [(e, True, stamp) for e in sorted(new)]
    ops += [(e, False, stamp) for e in sorted(set(seen or ()) - new)]
    return ops


# --- rows -------------------------------------------------------------------


@dataclass(frozen=True)
class RowState:
    """One replica of a row: field values (decoded Python values), stamps, tombstone flag."""

    values: Mapping[str, Any]
    stamps: Mapping[str, str]
    deleted: bool = False


EMPTY_ROW = RowState({}, {}, False)


@dataclass(frozen=True)
class IncomingChange:
    """One device change, decoded and checked: what ``merge_row`` applies.

    ``values`` holds the written fields (a group's members all together);
    ``stamps`` the stamp of each written clock key; ``base`` the stamp the
    device saw for it (None: none). ``set_ops`` lists ``(element, present,
    stamp)`` per set field. ``delete_stamp`` makes the change a delete.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    stamps: Mapping[str, str] = field(default_factory=dict)
    base: Mapping[str, "str | None"] = field(default_factory=dict)
    set_ops: Mapping[str, Sequence[tuple[str, bool, str]]] = field(default_factory=dict)
    delete_stamp: str | None = None
    device_id: str = ""


class FieldConflict(NamedTuple):
    """One clock key two people changed concurrently to different values: ``a`` was there, ``b`` came in."""

    key: str
    base_stamp: str | None
    a: Register
    b: Register
    winner: str  # "a" | "b"


@dataclass(frozen=True)
class MergeOutcome:
    values: dict[str, Any]
    stamps: dict[str, str]
    deleted: bool
    conflicts: tuple[FieldConflict, ...]
    changed: bool


def key_value(spec: SyncSpec, values: Mapping[str, Any], key: str) -> Any:
    """The register value of a clock key: a field's value, or the dict of a group's members."""
    if key in spec.groups:
        return {m: values.get(m) for m in spec.groups[key]}
    return values.get(key)


def _set_value(spec: SyncSpec, values: Mapping[str, Any], key: str, value: Any) -> None:
    if key in spec.groups:
        values.update(value)
    else:
        values[key] = value


def _stamp_device(stamp: str) -> str:
    try:
        return parse_stamp(stamp).device_id
    except ValueError:
        return ""


def merge_row(spec: SyncSpec, current: RowState | None, change: IncomingChange) -> MergeOutcome:
    """Apply one device change to the server's row: the deterministic winner per clock key.

    A conflict is reported for a clock key when all three hold: the change's
    ``base`` stamp differs from the current stamp (the server's value changed
    since the device saw it), the current stamp was made by another device, and
    the two values differ. The winner is applied either way, so the result is
    the same as merging the two replicas (``merge_states``) in any order.
    """
    current = current or EMPTY_ROW
    values = dict(current.values)
    stamps = dict(current.stamps)
    conflicts: list[FieldConflict] = []
    changed = False
    groups, sent = spec.groups, change.values
    for key, stamp in change.stamps.items():
        cur_stamp = current.stamps.get(key)
        if cur_stamp is None and stamp:  # never written here: the change's register wins, no conflict possible
            if key in groups:  # (``_set_value`` of ``key_value``, inline: a new row takes every key this way)
                values.update({member: sent.get(member) for member in groups[key]})
            else:
                values[key] = sent.get(key)
            stamps[key] = stamp
            changed = True
            continue
        incoming: Register = (key_value(spec, change.values, key), stamp)
        existing: Register = (key_value(spec, current.values, key), cur_stamp)
        winner = merge_register(existing, incoming)
        if (cur_stamp is not None and change.base.get(key) != cur_stamp
                and _stamp_device(cur_stamp) != change.device_id
                and canonical(existing[0]) != canonical(incoming[0])):
            conflicts.append(FieldConflict(key, change.base.get(key), existing, incoming,
                                           "b" if winner is incoming else "a"))
        if winner is incoming and (stamp != cur_stamp or existing[0] != incoming[0]):
            _set_value(spec, values, key, incoming[0])
            stamps[key] = stamp
            changed = True
    for set_field, ops in change.set_ops.items():
        registers = element_registers(set_field, current.values.get(set_field) or (), current.stamps)
        for element, present, stamp in ops:
            before = registers.get(element, (False, None))
            after = merge_register(before, (present, stamp))
            if after != before:
                registers[element] = after
                stamps[set_key(set_field, element)] = stamp
                changed = True
        values[set_field] = set_members(registers)
    if change.delete_stamp is not None:
        tombstone = merge_tombstone(current.stamps.get(DELETED_KEY), change.delete_stamp)
        changed = changed or not current.deleted or tombstone != current.stamps.get(DELETED_KEY)
        stamps[DELETED_KEY] = tombstone
    deleted = current.deleted or change.delete_stamp is not None
    return MergeOutcome(values, stamps, deleted, tuple(conflicts), changed)


def merge_states(spec: SyncSpec, a: RowState, b: RowState) -> RowState:
    """The state-based merge of two replicas of one row (what every replica converges to)."""
    values: dict[str, Any] = {}
    stamps: dict[str, str] = {}
    present = set(a.values) | set(b.values)
    keys = {spec.clock_key(f) for f in present if f not in spec.sets}
    keys |= {k for k in set(a.stamps) | set(b.stamps) if SET_SEPARATOR not in k and k != DELETED_KEY}
    for key in keys:
        value, stamp = merge_register((key_value(spec, a.values, key), a.stamps.get(key)),
                                      (key_value(spec, b.values, key), b.stamps.get(key)))
        _set_value(spec, values, key, value)
        if stamp is not None:
            stamps[key] = stamp
    for set_field in spec.sets:
        ra = element_registers(set_field, a.values.get(set_field) or (), a.stamps)
        rb = element_registers(set_field, b.values.get(set_field) or (), b.stamps)
        if not (ra or rb or set_field in present):
            continue
        merged = merge_set(ra, rb)
        values[set_field] = set_members(merged)
        stamps.update({set_key(set_field, e): s for e, (_p, s) in merged.items() if s is not None})
    tombstone = merge_tombstone(a.stamps.get(DELETED_KEY), b.stamps.get(DELETED_KEY))
    if tombstone is not None:
        stamps[DELETED_KEY] = tombstone
    return RowState(values, stamps, a.deleted or b.deleted)


# --- referrals ----------------------------------------------------------------

REFERRAL_RANK: dict[str, int] = {
    ReferralStatus.referred.value: 0,
    ReferralStatus.interviewed.value: 1,
    ReferralStatus.hired.value: 2,
    ReferralStatus.not_hired.value: 2,
    ReferralStatus.declined.value: 2,
    ReferralStatus.no_show.value: 2,
}
FINAL_REFERRAL_STATUSES = frozenset(s for s, rank in REFERRAL_RANK.items() if rank == 2)


class ReferralStep(NamedTuple):
    """One referral event as the status rule sees it."""

    status: str
    stamp: str
    occurred_on: Any = None


def referral_status(events: Iterable[ReferralStep | tuple]) -> ReferralStep | None:
    """The event that sets a referral's status: the highest rank, then the latest stamp.

    Ranks: referred (0) < interviewed (1) < a final status (2: hired,
    not_hired, declined, no_show). Being a maximum, the result does not depend
    on the order events arrive in, and a late event of a lower rank stays in
    the history without moving the status back. None when there is no event.
    """
    best: ReferralStep | None = None
    best_key: tuple | None = None
    for event in events:
        step = ReferralStep(*event)
        key = (REFERRAL_RANK.get(step.status, -1), step.stamp or "", step.status, canonical(step.occurred_on))
        if best_key is None or key > best_key:
            best, best_key = step, key
    return best
