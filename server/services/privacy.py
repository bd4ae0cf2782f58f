"""PIPL duties on the server: who saw a person's data, a person's whole card as a file, correction, anonymisation.

- Reads are audited where they happen: a resident's card (``resident.read``),
  a household with its members (``household.read``), and every pulled page
  that carried residents (``sync.pull``: one event per page listing the ids,
  written after the page's read snapshot, so pulls stay cheap).
- ``access_log`` answers "who saw this person's data": those events, the
  exports and corrections of the card, newest first.
- Corrections and anonymisation are server edits: fields stamped later than
  any stamp the row has, a new version and feed entry, so every phone of the
  grid takes them on its next pull.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import Connection, String, cast, or_, select, update

from server.errors import ApiError
from server.services import field_history, sync_push
from server.services.access import load_in_scope
from server.services.audit import record_event
from server.services.auth import Caller
from server.services.change_log import record_changes
from server.services.scope import Scope
from server.services.sync_rows import encode_fields, row_scope
from shared import privacy
from shared.hlc import HybridClock, parse_stamp
from shared.merge import DELETED_KEY, set_key
from shared.models import (
    MODEL_BY_TABLE,
    Area,
    AuditEvent,
    Conflict,
    Household,
    Referral,
    ReferralEvent,
    Resident,
    StatusRecord,
    UserAccount,
    Visit,
)
from shared.sync_schema import SYNC_SPECS

_AUDIT = AuditEvent.__table__
_RESIDENT = Resident.__table__
_USER = UserAccount.__table__
SERVER_DEVICE = "server-privacy"
CHINA_UTC_OFFSET_H = 8
# who-saw actions whose detail lists resident ids (the others name the resident in row_id)
LISTING_ACTIONS = ("sync.pull", "household.read")
# what a correction may not change: where the person belongs (a move is the coordinator's edit on the phone)
NOT_CORRECTABLE = frozenset({"household_id", "grid_id", "community_id", "consent_recorded_by"})


def record_read(conn: Connection, caller: Caller, table_name: str, row_id: str,
                resident_ids: Iterable[str] = ()) -> None:
    """One audit event for a card read through the API (the caller commits, or this does)."""
    ids = sorted(set(resident_ids))
    record_event(conn, f"{table_name}.read", user_id=caller.user_id, device_id=caller.device_id,
                 table_name=table_name, row_id=row_id, detail={"resident_ids": ids} if ids else {})
    conn.commit()


def record_pull(conn: Connection, caller: Caller, page: dict[str, Any]) -> None:
    """One audit event per pulled page that carried people: the resident ids it sent to the device."""
    ids = sorted({row["id"] for row in page["rows"] if row["table"] == "resident"}
                 | {row["fields"].get("resident_id") for row in page["rows"]
                    if row["table"] in ("status_record", "referral") and row["fields"].get("resident_id")})
    if not ids:
        return
    counts: dict[str, int] = {}
    for row in page["rows"]:
        counts[row["table"]] = counts.get(row["table"], 0) + 1
    record_event(conn, "sync.pull", user_id=caller.user_id, device_id=caller.device_id,
                 detail={"resident_ids": ids, "rows": counts, "cursor": page["cursor"]})
    conn.commit()


def access_log(conn: Connection, scope: Scope, resident_id: str, limit: int = 500) -> list[dict[str, Any]]:
    """Who saw, exported or changed this person's card: audit events, newest first, with the user's name."""
    load_in_scope(conn, scope, Resident, resident_id, "Resident")
    named = _AUDIT.c.row_id == resident_id
    listed = (_AUDIT.c.action.in_(LISTING_ACTIONS)) & cast(_AUDIT.c.detail, String).like(f'%"{resident_id}"%')
    rows = conn.execute(
        select(_AUDIT.c.at, _AUDIT.c.action, _AUDIT.c.user_id, _AUDIT.c.device_id, _USER.c.username,
               _USER.c.display_name)
        .join(_USER, _USER.c.id == _AUDIT.c.user_id, isouter=True)
        .where(or_(named, listed)).order_by(_AUDIT.c.at.desc()).limit(limit)
    ).mappings().all()
    conn.commit()
    return [dict(row) for row in rows]


def export_card(conn: Connection, scope: Scope, caller: Caller, resident_id: str) -> dict[str, Any]:
    """A person's whole card (一人一卡): the resident, the household, histories, visits, referrals, conflicts."""
    person = dict(load_in_scope(conn, scope, Resident, resident_id, "Resident"))
    household = _rows(conn, Household, Household.__table__.c.id == person["household_id"])
    visits = [v for v in _rows(conn, Visit, Visit.__table__.c.household_id == person["household_id"])
              if resident_id in (v["resident_ids"] or []) or not v["resident_ids"]]
    referrals = _rows(conn, Referral, Referral.__table__.c.resident_id == resident_id)
    events = _rows(conn, ReferralEvent, ReferralEvent.__table__.c.referral_id.in_([r["id"] for r in referrals]))
    grid = conn.execute(select(Area.__table__.c.name).where(Area.__table__.c.id == person["grid_id"])).scalar()
    card = {
        "format": "doorstep-resident-card/1",
        "resident": _public("resident", person),
        "grid": grid,
        "household": [_public("household", h) for h in household],
        "status_records": [_public("status_record", r) for r in
                           _rows(conn, StatusRecord, StatusRecord.__table__.c.resident_id == resident_id)],
        "visits": [_public("visit", v) for v in visits],
        "referrals": [_public("referral", r) for r in referrals],
        "referral_events": [_public("referral_event", e) for e in events],
        "field_changes": field_history.field_changes(conn, resident_id),
        "conflicts": [_public("conflict", c) for c in _rows(conn, Conflict, Conflict.__table__.c.row_id == resident_id)],
    }
    record_event(conn, "resident.export", user_id=caller.user_id, device_id=caller.device_id,
                 table_name="resident", row_id=resident_id)
    conn.commit()
    return card


def _rows(conn: Connection, model, where) -> list[dict[str, Any]]:
    table = model.__table__
    return [dict(r) for r in conn.execute(select(table).where(where, table.c.deleted.is_(False))).mappings()]


def _public(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], **encode_fields(table_name, row)}


def correct_resident(conn: Connection, scope: Scope, caller: Caller, resident_id: str,
                     changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Correct fields of a person's card at their request (checked like a phone's edit); the card after it."""
    row = dict(load_in_scope(conn, scope, Resident, resident_id, "Resident"))
    spec = SYNC_SPECS["resident"]
    unknown = sorted(set(changes) - set(spec.device_fields) | (set(changes) & NOT_CORRECTABLE))
    if unknown or not changes:
        raise ApiError(422, "privacy.not_correctable", "These fields cannot be corrected here.",
                       {"fields": unknown})
    try:  # the JSON values decoded (dates, numbers) and checked as a phone's edit is
        cleaned = sync_push.checked_fields("resident", changes, today=_china_today(now))
    except ValueError as error:  # messages name the field, never the value
        raise ApiError(422, "sync.invalid_value", str(error)) from None
    changed = {k: v for k, v in cleaned.items() if row.get(k) != v}
    if changed:
        field_history.record_field_changes(conn, "resident", row, changed, at=now, source="correction", user_id=caller.user_id)
        _server_edit(conn, caller.user_id, "resident", row, changed, now)
    record_event(conn, "resident.correct", user_id=caller.user_id, device_id=caller.device_id,
                 table_name="resident", row_id=resident_id, detail={"fields": sorted(changed)}, at=now)
    conn.commit()
    return _public("resident", dict(conn.execute(select(_RESIDENT).where(_RESIDENT.c.id == resident_id))
                                    .mappings().one()))


def anonymise_resident(conn: Connection, scope: Scope | None, caller: Caller | None, resident_id: str,
                       now: datetime, reason: str = "request") -> bool:
    """Blank what identifies the person, keep what the figures count; False when nothing was left to blank."""
    if scope is not None:
        row = dict(load_in_scope(conn, scope, Resident, resident_id, "Resident"))
    else:
        row = dict(conn.execute(select(_RESIDENT).where(_RESIDENT.c.id == resident_id)).mappings().one())
    changes = privacy.anonymised_fields(row)
    forgotten = field_history.forget(conn, resident_id)  # old values (a former phone, a name) identify too
    if changes:
        _server_edit(conn, caller.user_id if caller else None, "resident", row, changes, now)
    record_event(conn, "resident.anonymise", user_id=caller.user_id if caller else None,
                 device_id=caller.device_id if caller else None, table_name="resident", row_id=resident_id,
                 detail={"reason": reason}, at=now)
    return bool(changes or forgotten)


def apply_retention(conn: Connection, now: datetime, retention_days: int) -> int:
    """Anonymise residents deleted longer ago than the retention period; returns how many were changed."""
    cutoff = privacy.retention_cutoff(now, retention_days)
    if cutoff is None:
        return 0
    cutoff_ms = int(cutoff.timestamp() * 1000)
    done = 0
    for row in conn.execute(select(_RESIDENT).where(_RESIDENT.c.deleted.is_(True))).mappings().all():
        stamp = (row["stamps"] or {}).get(DELETED_KEY)
        if stamp and parse_stamp(stamp).physical_ms < cutoff_ms and not privacy.is_anonymised(dict(row)):
            done += anonymise_resident(conn, None, None, row["id"], now, reason="retention")
    conn.commit()
    return done


def _server_edit(conn: Connection, user_id: str | None, table_name: str, row: dict[str, Any],
                 changes: dict[str, Any], now: datetime) -> None:
    """Write fields as the server, stamped after every stamp the row has, and version the row."""
    spec = SYNC_SPECS[table_name]
    stamps = dict(row["stamps"] or {})
    clock = HybridClock(SERVER_DEVICE)
    for value in stamps.values():
        clock.observe(value)
    stamp = clock.tick(int(now.timestamp() * 1000))
    for name, value in changes.items():
        if name in spec.sets:  # a set's clock keys are its elements: each one added or taken out gets the stamp
            for element in set(row.get(name) or ()) ^ set(value or ()):
                stamps[set_key(name, element)] = stamp
        else:
            stamps[spec.clock_key(name)] = stamp
    table = MODEL_BY_TABLE[table_name].__table__
    conn.execute(update(table).where(table.c.id == row["id"]).values(**changes, stamps=stamps, updated_by=user_id))
    record_changes(conn, [row_scope(table_name, row)])


def _china_today(now: datetime) -> date:
    from datetime import timedelta

    return (now + timedelta(hours=CHINA_UTC_OFFSET_H)).date()
