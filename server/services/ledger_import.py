"""Importing the existing ledgers (台账): households, residents and past visits from a spreadsheet, through the change log.

Rules, so that re-importing a file changes nothing:
- a person is identified by their ID number: an existing one is never
  duplicated; only their empty fields are filled (data on the server wins);
- a household is identified by its grid and full address;
- a status record (employment, registration, ability) is added only when the
  person's history does not already say that on that day;
- a visit is identified by its household, time and whether it gave guidance
  (a deterministic id); rows of one visit are merged into it.

Bad rows are reported with their line and reason and skipped; the good ones
are written in chunks, each in one transaction, with stamps and change-log
entries (``server.services.change_log.record_changes``) so phones pull them.
Imported visits are stamped as received now: entered from paper, late.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Engine

from server.demo.rows import stamp_rows
from server.services.audit import record_event
from server.services.change_log import LogEntry, record_changes
from server.services.coverage import coordinator_grids
from server.services.coverage_sql import in_ids
from server.services.field_history import record_field_changes
from server.services.information_history import record_information
from server.services.ledger_parse import LedgerRow, RowError, parse_row, read_table
from server.services.sync_rows import row_scope
from shared.coverage import CHINA_TZ, History
from shared.hlc import HybridClock
from shared.merge import set_key
from shared.models import (
    MODEL_BY_TABLE,
    Area,
    AuditEvent,
    Household,
    Resident,
    StatusRecord,
    UserAccount,
    Visit,
    new_id,
)
from shared.sync_schema import SYNC_SPECS
from shared.vocab import Role, StatusKind, VisitOutcome

AREA, HOUSEHOLD, RESIDENT = Area.__table__, Household.__table__, Resident.__table__
STATUS, VISIT, USER = StatusRecord.__table__, Visit.__table__, UserAccount.__table__
AUDIT = AuditEvent.__table__
LEDGER_DAY = "ledger.as_of"  # audit event: a ledger's 台账日期 for a person's fields (no values in it)
VISIT_NAMESPACE = uuid.UUID("5b0c1c52-8f1e-4a43-9d7b-2f6a1f0e7c11")
IMPORT_DEVICE = "ledger-import"
CHUNK_ROWS = 2000


@dataclass
class ImportReport:
    rows: int = 0
    imported_rows: int = 0
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    status_records_created: int = 0
    visits_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    people: dict[int, list[str]] = field(default_factory=dict)  # first line of a person -> what changes for them
    labels: dict[int, str] = field(default_factory=dict)  # that line -> "第 N 行 张*"

    def note(self, row: LedgerRow, text: str) -> None:
        self.labels.setdefault(row.line, f"第 {row.line} 行 {masked(row.resident.get('name') or '')}")
        self.people.setdefault(row.line, []).append(text)

    def per_person_zh(self) -> list[str]:
        """One line per person with what changes for them (names masked: 张*)."""
        return [f"{self.labels[line]}：" + "；".join(self.people[line]) for line in sorted(self.people)]

    @property
    def changed(self) -> int:
        return (self.households_created + self.households_updated + self.residents_created + self.residents_updated
                + self.status_records_created + self.visits_created)

    def summary_zh(self) -> str:
        return (f"读取 {self.rows} 行，导入 {self.imported_rows} 行，出错 {len({e.line for e in self.errors})} 行；"
                f"新建户 {self.households_created}、更新户 {self.households_updated}，"
                f"新建居民 {self.residents_created}、补充居民信息 {self.residents_updated}，"
                f"状态记录 {self.status_records_created}，走访记录 {self.visits_created}")

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("errors", "people", "labels")} | {
            "people": self.per_person_zh(),
            "errors": [{"line": e.line, "column": e.column, "code": e.code, "message": e.message} for e in self.errors]}


def import_file(engine: Engine, path: Path, *, now: datetime, user_id: str | None = None,
                coordinator: str | None = None, dry_run: bool = False) -> ImportReport:
    """Read, validate and import one ledger file (see the module docstring).

    ``dry_run``: the same work in one transaction that is rolled back; the
    report says, per person, what would change.
    """
    _, raw_rows = read_table(path)
    report = ImportReport(rows=len(raw_rows))
    good: list[LedgerRow] = []
    for line, raw in raw_rows:
        row, errors = parse_row(line, raw, now=now)
        report.errors += errors
        if row is not None:
            good.append(row)
    good.sort(key=lambda r: r.as_of or date.min)  # several rows of a person: the later-dated one is applied last
    seen_ids: dict[str, tuple] = {}
    if dry_run:
        with engine.connect() as conn:
            with conn.begin() as transaction:
                for chunk in _chunks(good):
                    Importer(conn, now=now, user_id=user_id, coordinator=coordinator, seen_ids=seen_ids).run(
                        chunk, report)
                transaction.rollback()
    else:
        for chunk in _chunks(good):
            with engine.begin() as conn:
                Importer(conn, now=now, user_id=user_id, coordinator=coordinator, seen_ids=seen_ids).run(
                    chunk, report)
    report.errors.sort(key=lambda e: (e.line, e.column))
    return report


def household_key(row: LedgerRow) -> tuple:
    h = row.household
    return (row.names["street"], row.names["community"], row.names["grid"], h["address"], h["building"], h["unit"],
            h["room"])


def _chunks(rows: list[LedgerRow]) -> Iterable[list[LedgerRow]]:
    """Chunks of about CHUNK_ROWS rows that keep each household's rows together (its visits are one row each)."""
    groups: dict[tuple, list[LedgerRow]] = {}
    for row in rows:
        groups.setdefault(household_key(row), []).append(row)
    chunk: list[LedgerRow] = []
    for group in groups.values():
        chunk += group
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Importer:
    """One chunk's work in one transaction."""

    def __init__(self, conn: Connection, *, now: datetime, user_id: str | None, coordinator: str | None,
                 seen_ids: dict[str, tuple]) -> None:
        self.conn, self.now, self.user_id = conn, now, user_id
        self.today = now.astimezone(CHINA_TZ).date()
        self.clock = HybridClock(IMPORT_DEVICE)
        self.stamp = self.clock.tick(int(now.timestamp() * 1000))
        self.default_coordinator = coordinator
        self.seen_ids = seen_ids
        self.entries: list[LogEntry] = []
        self.grids: dict[str, dict] = {}
        self.grid_coordinator: dict[str, str] = {}

    # --- resolving names ------------------------------------------------------------------
    def _areas(self) -> tuple[dict, dict, dict]:
        rows = self.conn.execute(select(AREA.c.id, AREA.c.level, AREA.c.name, AREA.c.code, AREA.c.parent_id,
                                        AREA.c.street_id, AREA.c.district_id, AREA.c.community_id)
                                 .where(AREA.c.deleted.is_(False))).mappings().all()
        by_id = {r["id"]: dict(r) for r in rows}
        communities: dict[str, list[dict]] = {}
        grids: dict[tuple[str, str], dict] = {}
        for area in by_id.values():
            if area["level"] == "community":
                for name in {area["name"], area["code"]} - {""}:
                    communities.setdefault(name, []).append(area)
            elif area["level"] == "grid":
                parent = area["community_id"] or area["parent_id"]
                for name in {area["name"], area["code"]} - {""}:
                    grids[(parent, name)] = area
        return by_id, communities, grids

    def _resolve(self, rows: list[LedgerRow], report: ImportReport) -> list[tuple[LedgerRow, dict]]:
        by_id, communities, grids = self._areas()
        users = {}
        for uid, username, display in self.conn.execute(
                select(USER.c.id, USER.c.username, USER.c.display_name)
                .where(USER.c.role == Role.coordinator.value, USER.c.active.is_(True))):
            users.setdefault(username, uid)
            users.setdefault(display, uid)
        resolved = []
        for row in rows:
            candidates = communities.get(row.names["community"], [])
            if row.names["street"]:
                candidates = [c for c in candidates if by_id.get(c["street_id"] or c["parent_id"], {}).get("name")
                              == row.names["street"]]
            if len(candidates) != 1:
                code, why = ("area.unknown", "找不到该社区") if not candidates else ("area.ambiguous",
                                                                                    "有多个同名社区，请填写街道")
                report.errors.append(RowError(row.line, "社区", code, why))
                continue
            grid = grids.get((candidates[0]["id"], row.names["grid"]))
            if grid is None:
                report.errors.append(RowError(row.line, "网格", "area.unknown", "该社区下找不到这个网格"))
                continue
            number = row.resident["id_number"]
            event = (row.as_of, row.visit["visited_at"] if row.visit else None)
            seen = self.seen_ids.get(number)
            # one person on several rows: one row per event (a dated state, a visit), in one household
            if seen is not None and (seen[1] != household_key(row) or event in seen[2]):
                report.errors.append(RowError(row.line, "身份证号", "id_number.duplicate_in_file",
                                              f"与第 {seen[0]} 行的身份证号重复"))
                continue
            coordinator_name = row.names["coordinator"] or self.default_coordinator
            if row.visit is not None and coordinator_name and coordinator_name not in users:
                report.errors.append(RowError(row.line, "协管员", "coordinator.unknown", "找不到这个协管员账号"))
                continue
            first = self.seen_ids.setdefault(number, (row.line, household_key(row), set()))
            first[2].add(event)
            self.grids[grid["id"]] = grid
            row.names["coordinator_id"] = users.get(coordinator_name) if coordinator_name else None
            resolved.append((row, grid))
        assigned = coordinator_grids(self.conn, list(self.grids)) if self.grids else {}
        for user_id, info in sorted(assigned.items(), key=lambda kv: (kv[1]["name"], kv[0])):
            for grid_id in info["grid_ids"]:
                self.grid_coordinator.setdefault(grid_id, user_id)
        kept = []
        for row, grid in resolved:
            if row.visit is not None and not (row.names["coordinator_id"] or self.grid_coordinator.get(grid["id"])):
                report.errors.append(RowError(row.line, "协管员", "coordinator.required",
                                              "该网格没有协管员：请填写协管员"))
                self.seen_ids[row.resident["id_number"]][2].discard(
                    (row.as_of, row.visit["visited_at"] if row.visit else None))
                continue
            kept.append((row, grid))
        return kept

    # --- the chunk ---------------------------------------------------------------------------------
    def run(self, rows: list[LedgerRow], report: ImportReport) -> None:
        resolved = self._resolve(rows, report)
        if not resolved:
            return
        households = self._households(resolved, report)
        residents = self._residents(resolved, households, report)
        self._status_records(resolved, residents, report)
        self._visits(resolved, households, residents, report)
        record_information(self.conn, [r["id"] for r in residents.values()], self.now, "ledger")
        if self.entries:
            record_changes(self.conn, self.entries)
        report.imported_rows += len(resolved)

    def _log(self, table: str, row: dict) -> None:
        # one scope column, as every writer logs (a grid's rows carried their street and district too, so
        # every coordinator of the street pulled them)
        self.entries.append(row_scope(table, row))

    def _insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        stamp_rows(table, rows, self.stamp)
        self.conn.execute(insert(MODEL_BY_TABLE[table].__table__), rows)
        for row in rows:
            self._log(table, row)

    def _update(self, table: str, existing: dict, changes: dict[str, Any], as_of: date | None = None) -> None:
        """Fill fields of an existing row with a stamp later than any it has (so phones take the change).

        The field history keeps what each field held before, dated by the ledger's 台账日期.
        """
        record_field_changes(self.conn, table, existing, changes, at=self.now, source="ledger",
                             user_id=self.user_id, as_of=as_of)
        spec = SYNC_SPECS[table]
        stamps = dict(existing["stamps"] or {})
        for value in stamps.values():
            self.clock.observe(value)
        stamp = self.clock.tick(int(self.now.timestamp() * 1000))
        for name, value in changes.items():
            if name in spec.sets:
                stamps.update((set_key(name, element), stamp) for element in value)
            else:
                stamps[spec.clock_key(name)] = stamp
        table_ = MODEL_BY_TABLE[table].__table__
        self.conn.execute(update(table_).where(table_.c.id == existing["id"])
                          .values(**changes, stamps=stamps, updated_by=self.user_id))
        existing.update(changes, stamps=stamps)  # a later row of the same person starts from here
        self._log(table, existing)

    def _households(self, resolved, report: ImportReport) -> dict[tuple, dict]:
        grid_ids = sorted({grid["id"] for _, grid in resolved})
        existing = {}
        for h in self.conn.execute(select(HOUSEHOLD).where(in_ids(HOUSEHOLD.c.grid_id, grid_ids, "grid_ids"),
                                                           HOUSEHOLD.c.deleted.is_(False))).mappings():
            existing.setdefault((h["grid_id"], h["address"], h["building"], h["unit"], h["room"]), dict(h))
        result: dict[tuple, dict] = {}
        new_rows = []
        for row, grid in resolved:
            h = row.household
            key = (grid["id"], h["address"], h["building"], h["unit"], h["room"])
            if key in result:
                continue
            found = existing.get(key)
            if found is None:
                found = _row("household", id=new_id(), grid_id=grid["id"], community_id=grid["community_id"]
                             or grid["parent_id"], street_id=grid["street_id"], updated_by=self.user_id, **h)
                new_rows.append(found)
            else:
                changes = _fill(found, h)
                if changes:
                    self._update("household", found, changes, row.as_of)
                    report.households_updated += 1
            result[key] = found
        self._insert("household", new_rows)
        report.households_created += len(new_rows)
        return result

    def _residents(self, resolved, households, report: ImportReport) -> dict[str, dict]:
        numbers = [row.resident["id_number"] for row, _ in resolved]
        existing = {r["id_number"]: dict(r) for r in self.conn.execute(
            select(RESIDENT).where(in_ids(RESIDENT.c.id_number, numbers, "numbers"), RESIDENT.c.deleted.is_(False))
        ).mappings()}
        result: dict[str, dict] = {}
        new_rows: list[dict] = []
        created: set[str] = set()
        ledger_days = self._ledger_days([r["id"] for r in existing.values()])
        for row, grid in resolved:
            values = dict(row.resident)
            if row.deregistered_on:
                values["unemployment_registered"] = False
            number = values["id_number"]
            found = existing.get(number) or result.get(number)
            if found is None:
                home = households[_key(row, grid)]
                found = _row("resident", id=new_id(), household_id=home["id"], grid_id=home["grid_id"],
                             community_id=home["community_id"], updated_by=self.user_id, **values)
                new_rows.append(found)
                created.add(number)
                report.note(row, "新建居民")
            else:
                changes = later_values(found, values, row, ledger_days.get(found["id"]))
                if changes:
                    filled = [n for n in changes if _empty(found.get(n)) or (
                        n in ("unemployment_registered", "able_to_work") and found.get(n) is None)]
                    if number in created:
                        found.update(changes)
                    else:
                        self._update("resident", found, changes, row.as_of)
                        report.residents_updated += 1
                    updated = [n for n in changes if n not in filled]
                    if filled:
                        report.note(row, "补充 " + "、".join(_label(n) for n in filled))
                    if updated:
                        report.note(row, "更新 " + "、".join(_label(n) for n in updated)
                                    + (f"（台账日期 {row.as_of}）" if row.as_of else ""))
            result[number] = found
            if row.as_of and row.as_of > ledger_days.get(found["id"], date.min):
                ledger_days[found["id"]] = row.as_of
                record_event(self.conn, LEDGER_DAY, user_id=self.user_id, table_name="resident", row_id=found["id"],
                             detail={"as_of": row.as_of.isoformat()}, at=self.now)
        self._insert("resident", new_rows)
        report.residents_created += len(new_rows)
        return result

    def _ledger_days(self, resident_ids: list[str]) -> dict[str, date]:
        """The latest 台账日期 a ledger gave each person's fields (what a later ledger must beat)."""
        if not resident_ids:
            return {}
        days: dict[str, date] = {}
        for row_id, detail in self.conn.execute(select(AUDIT.c.row_id, AUDIT.c.detail).where(
                AUDIT.c.action == LEDGER_DAY, in_ids(AUDIT.c.row_id, resident_ids, "ledger_ids"))):
            day = date.fromisoformat((detail or {}).get("as_of", "0001-01-01"))
            days[row_id] = max(day, days.get(row_id, date.min))
        return days

    def _status_records(self, resolved, residents, report: ImportReport) -> None:
        ids = [r["id"] for r in residents.values()]
        records: dict[tuple[str, str], list] = {}
        for record in self.conn.execute(select(STATUS).where(in_ids(STATUS.c.resident_id, ids, "ids"))).mappings():
            records.setdefault((record["resident_id"], record["kind"]), []).append(record)
        new_rows = []
        for row, _ in resolved:
            person = residents[row.resident["id_number"]]
            facts = wanted_statuses(row.resident, row.as_of or self.today)
            if row.deregistered_on:
                facts.append((StatusKind.registration.value, "deregistered", row.deregistered_on))
            for kind, value, day in facts:
                known = records.setdefault((person["id"], kind), [])
                if History.from_records(known).on(day) == value:
                    continue
                record = _row("status_record", id=new_id(), resident_id=person["id"], grid_id=person["grid_id"],
                              kind=kind, value=value, effective_on=day, recorded_by=self.user_id,
                              recorded_at=self.now, updated_by=self.user_id)
                new_rows.append(record)
                known.append(record)  # a later row of the same person sees it
                report.note(row, f"{STATUS_WORDS.get((kind, value), kind + ' ' + value)}（{day} 起）")
        self._insert("status_record", new_rows)
        report.status_records_created += len(new_rows)

    def _visits(self, resolved, households, residents, report: ImportReport) -> None:
        visits: dict[str, dict] = {}
        for row, grid in resolved:
            if row.visit is None:
                continue
            home = households[_key(row, grid)]
            # rows of one visit that differ on guidance stay apart: guidance counts for whom it names
            guidance = row.visit["guidance_given"]
            visit_id = str(uuid.uuid5(VISIT_NAMESPACE, f"{home['id']}|{row.visit['visited_at'].isoformat()}|{guidance}"))
            visit = visits.get(visit_id)
            if visit is None:
                visit = visits[visit_id] = _row(
                    "visit", id=new_id(), household_id=home["id"], grid_id=home["grid_id"],
                    coordinator_id=row.names["coordinator_id"] or self.grid_coordinator[grid["id"]],
                    visited_at=row.visit["visited_at"], outcome=row.visit["outcome"], resident_ids=[], services=[],
                    # received_at None: a paper visit is not in the timely-entry rate (shared.coverage)
                    guidance_given=False, notes="", received_at=None, imported=True, updated_by=self.user_id)
                visit["id"] = visit_id
            if row.visit["outcome"] == VisitOutcome.met.value:
                visit["resident_ids"] = sorted({*visit["resident_ids"], residents[row.resident["id_number"]]["id"]})
            visit["services"] = sorted({*visit["services"], *row.visit["services"]})
            visit["guidance_given"] = guidance
            visit["notes"] = visit["notes"] or row.visit["notes"]
        known = set(self.conn.execute(select(VISIT.c.id).where(in_ids(VISIT.c.id, list(visits), "ids"))).scalars()) \
            if visits else set()
        new_rows = [v for vid, v in visits.items() if vid not in known]
        for row, _ in resolved:
            if row.visit is not None and any(v["visited_at"] == row.visit["visited_at"] for v in new_rows):
                report.note(row, f"走访记录 {row.visit['visited_at'].astimezone(CHINA_TZ):%Y-%m-%d}（纸质台账）")
        self._insert("visit", new_rows)
        report.visits_created += len(new_rows)


def wanted_statuses(resident: dict[str, Any], today: date) -> list[tuple[str, str, date]]:
    """The (kind, value, day) facts a ledger row states about a person's history."""
    registered_on = resident.get("unemployment_registered_on")
    since = resident.get("employment_since")
    facts = []
    status = resident.get("employment_status")
    if status:
        day = since or (registered_on if status == "unemployed" else None) or today
        facts.append((StatusKind.employment.value, status, day))
    if resident.get("unemployment_registered"):
        facts.append((StatusKind.registration.value, "registered", registered_on or today))
    if resident.get("able_to_work") is not None:
        facts.append((StatusKind.ability.value, "able" if resident["able_to_work"] else "unable",
                      registered_on or since or today))
    return facts


STATUS_WORDS = {
    ("registration", "registered"): "失业登记", ("registration", "deregistered"): "失业登记注销",
    ("employment", "employed"): "就业状态：就业", ("employment", "flexible"): "就业状态：灵活就业",
    ("employment", "self_employed"): "就业状态：自主创业", ("employment", "unemployed"): "就业状态：失业",
    ("employment", "retired"): "就业状态：退休", ("employment", "student"): "就业状态：在校学生",
    ("employment", "unable"): "就业状态：无劳动能力",
    ("ability", "able"): "有劳动能力和就业愿望", ("ability", "unable"): "无劳动能力或就业愿望",
}
NEVER_REPLACED = frozenset({"id_number", "birth_date", "sex", "name"})  # who the person is: the server's stays
EMPLOYMENT_FIELDS = ("employment_status", "employment_since", "employer_name")


def masked(name: str) -> str:
    """张三 -> 张*: enough for the operator to find the row, not a name in a log."""
    return (name[:1] + "*" * max(len(name) - 1, 1)) if name else "（无名）"


def _label(name: str) -> str:
    from server.services.ledger_parse import LABEL_OF

    return LABEL_OF.get(name, name)


def _fact_day(row: dict[str, Any], name: str, ledger_day: date | None) -> date:
    """The day the field's value was true as far as the server knows: the 台账日期 of the ledger that set it,
    else the China day of its last change (its stamp's wall clock); date.min for none."""
    stamp = (row.get("stamps") or {}).get(SYNC_SPECS["resident"].clock_key(name), "")
    if stamp.endswith(f".{IMPORT_DEVICE}") and ledger_day is not None:
        return ledger_day
    try:
        return datetime.fromtimestamp(int(stamp.split(".")[0]) / 1000, tz=CHINA_TZ).date()
    except (ValueError, OverflowError, OSError):
        return date.min


def later_values(existing: dict[str, Any], values: dict[str, Any], row: LedgerRow,
                 ledger_day: date | None = None) -> dict[str, Any]:
    """What a ledger row changes on a person the server has.

    Empty fields are filled (``_fill``). A row dated later (台账日期) than a
    filled field's value (``_fact_day``) replaces it (not who the person is, not the
    sets). A later employment status (its date after the server's) replaces
    the status, its date and employer; a registration end sets "not
    registered". The dated history (status records) keeps the old and the new.
    """
    changes = _fill(existing, values)
    spec = SYNC_SPECS["resident"]
    if row.as_of:
        for name, value in values.items():
            if (name in changes or name in NEVER_REPLACED or name in spec.sets or name in EMPLOYMENT_FIELDS
                    or _empty(value) or value == existing.get(name)):
                continue
            if _fact_day(existing, name, ledger_day) < row.as_of:
                changes[name] = value
    status, since = values.get("employment_status"), values.get("employment_since") or row.as_of
    if status and status != existing.get("employment_status") and since and (
            existing.get("employment_since") is None or since > existing["employment_since"]):
        changes.update(employment_status=status, employment_since=since)
        if values.get("employer_name") or existing.get("employer_name"):
            changes["employer_name"] = values.get("employer_name") or ""
    if row.deregistered_on and existing.get("unemployment_registered") is not False and (
            existing.get("unemployment_registered_on") is None
            or row.deregistered_on >= existing["unemployment_registered_on"]):
        changes["unemployment_registered"] = False
    return changes


def _key(row: LedgerRow, grid: dict) -> tuple:
    h = row.household
    return (grid["id"], h["address"], h["building"], h["unit"], h["room"])


@cache
def _defaults(table: str) -> dict[str, Any]:
    """The model's column defaults (factories called once: ids and times are always given explicitly)."""
    model = MODEL_BY_TABLE[table]
    return {name: info.get_default(call_default_factory=True) for name, info in model.model_fields.items()
            if not info.is_required() and name in model.__table__.columns}


def _row(table: str, **values: Any) -> dict[str, Any]:
    """A complete row: the model's defaults, then ``values``."""
    row = {k: v.copy() if isinstance(v, (list, dict)) else v for k, v in _defaults(table).items()}
    row.update(values)
    return row


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _fill(existing: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The fields the ledger can fill: empty on the server, given in the ledger (the server's data wins).

    A yes/no answer (registered, able) is empty only when unknown (None);
    a flag (hardship, disability) is only ever turned on.
    """
    changes = {}
    for name, value in values.items():
        current = existing.get(name)
        if name in ("unemployment_registered", "able_to_work"):
            if value is not None and current is None:
                changes[name] = value
        elif not _empty(value) and _empty(current):
            changes[name] = value
    return changes
