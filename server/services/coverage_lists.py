"""The lists behind the coverage numbers: not yet visited, incomplete information, overdue zero-employment households, coordinator activity.

They hold personal data, so they are built only from the grids the caller's
scope covers (``coverage.visible_grids``), never wider.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from server.services import employer_outcomes
from server.services.coverage import coordinator_grids, visible_areas, zero_employment_clocks
from server.services.coverage_sql import (
    HOUSEHOLD,
    INFORMATION,
    VISIT,
    count_if,
    guidance_recorded,
    in_ids,
    resident_rows,
    visit_in,
    visit_of_own_household,
)
from server.services.scope import Scope
from shared import coverage as cov
from shared.models import Referral, ReferralEvent, Vacancy
from shared.validation import FIELD_LABELS_ZH
from shared.vocab import ReferralStatus

NOT_ENTERED = "entered"  # in ``missing``: the person's information had not been entered by the period's end
NOT_ENTERED_ZH = "未录入系统"
REFERRAL = Referral.__table__
REFERRAL_EVENT = ReferralEvent.__table__
VACANCY = Vacancy.__table__


class Grids:
    """The grids of an area the caller may see, their names, communities and coordinators."""

    def __init__(self, conn: Connection, scope: Scope, area_id: str, coordinator_id: str | None = None) -> None:
        self.areas = {a["id"]: a for a in visible_areas(conn, scope, area_id)}
        self.ids = sorted(a["id"] for a in self.areas.values() if a["level"] == "grid")
        self.coordinators = coordinator_grids(conn, self.ids) if self.ids else {}
        if coordinator_id is not None:
            mine = self.coordinators.get(coordinator_id, {}).get("grid_ids", set())
            self.ids = [g for g in self.ids if g in mine]

    def name(self, area_id: str | None) -> str:
        return self.areas.get(area_id, {}).get("name", "") if area_id else ""

    def community_name(self, grid_id: str) -> str:
        grid = self.areas.get(grid_id, {})
        return self.name(grid.get("community_id") or grid.get("parent_id"))

    def coordinator_names(self, grid_id: str) -> list[str]:
        return sorted(info["name"] for info in self.coordinators.values() if grid_id in info["grid_ids"])


def address_of(household: Any) -> str:
    """小区/路名 楼栋 单元 室, as written on a ledger."""
    parts = [household["address"] or ""]
    for value, unit in ((household["building"], "栋"), (household["unit"], "单元"), (household["room"], "室")):
        if value:
            parts.append(value if value.endswith(unit) else f"{value}{unit}")
    return "".join(parts)


def _person_rows(conn: Connection, grids: Grids, period: cov.Period, which: str) -> list[Any]:
    rows = resident_rows(grids.ids, period)
    c, person = rows.columns, rows.person
    condition = and_(c["base"], ~c["visited"]) if which == "not_visited" else and_(c["base"], ~c["complete"])
    query = rows.query.join(HOUSEHOLD, HOUSEHOLD.c.id == person.c.household_id).add_columns(
        HOUSEHOLD.c.address, HOUSEHOLD.c.building, HOUSEHOLD.c.unit, HOUSEHOLD.c.room).where(condition)
    return conn.execute(query).mappings().all()


def _person(row: Any, grids: Grids) -> dict[str, Any]:
    return {
        "resident_id": row["id"], "household_id": row["household_id"], "name": row["name"], "phone": row["phone"],
        "address": address_of(row), "grid_id": row["grid_id"], "grid": grids.name(row["grid_id"]),
        "community": grids.community_name(row["grid_id"]), "coordinators": grids.coordinator_names(row["grid_id"]),
    }


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda p: (p["community"], p["grid"], p["address"], p.get("resident_id", "")))


def not_visited(conn: Connection, scope: Scope, area_id: str, period: cov.Period,
                coordinator_id: str | None = None) -> list[dict[str, Any]]:
    """Registered unemployed people of the area whose household had no visit with outcome "met" in P."""
    grids = Grids(conn, scope, area_id, coordinator_id)
    if not grids.ids:
        return []
    return _sorted([_person(row, grids) for row in _person_rows(conn, grids, period, "not_visited")])


def incomplete(conn: Connection, scope: Scope, area_id: str, period: cov.Period,
               coordinator_id: str | None = None) -> list[dict[str, Any]]:
    """Registered unemployed people whose required fields are not all filled, with the missing fields."""
    grids = Grids(conn, scope, area_id, coordinator_id)
    if not grids.ids:
        return []
    rows = _person_rows(conn, grids, period, "incomplete")
    records = conn.execute(select(INFORMATION).where(
        in_ids(INFORMATION.c.resident_id, [r["id"] for r in rows], "resident_ids"),
        INFORMATION.c.recorded_at < period.end_before)).mappings().all() if rows else []
    at_end = cov.information_at(records, period)
    result = []
    for row in rows:
        record = at_end.get(row["id"])
        # what was missing at the period's end; a person the system did not hold yet misses everything
        missing = list(record["missing"] or []) if record is not None else [NOT_ENTERED]
        result.append({**_person(row, grids), "missing": missing,
                       "missing_zh": [FIELD_LABELS_ZH.get(f, NOT_ENTERED_ZH if f == NOT_ENTERED else f)
                                      for f in missing]})
    return _sorted(result)


def zero_employment_households(conn: Connection, scope: Scope, area_id: str, period: cov.Period,
                               state: str | None = None) -> list[dict[str, Any]]:
    """Zero-employment households on the clock in P with their state at the end: met, overdue, or open and the days left."""
    grids = Grids(conn, scope, area_id)
    if not grids.ids:
        return []
    result = []
    for household, clock in zero_employment_clocks(conn, grids.ids, period):
        if state is not None and clock.state != state:
            continue
        result.append({
            "household_id": household["id"], "address": address_of(household), "grid_id": household["grid_id"],
            "grid": grids.name(household["grid_id"]), "community": grids.community_name(household["grid_id"]),
            "coordinators": grids.coordinator_names(household["grid_id"]),
            "identified_on": household["zero_employment_identified_on"].isoformat(),
            "wants_two": bool(household["zero_employment_wants_two"]), "state": clock.state,
            "deadline": clock.deadline.isoformat(), "days_left": clock.days_left, "days_overdue": clock.days_overdue,
            "first_deadline": clock.first_deadline.isoformat() if clock.first_deadline else None,
            "second_deadline": clock.second_deadline.isoformat() if clock.second_deadline else None,
            "resolved_on": clock.resolved_on.isoformat() if clock.resolved_on else None, "label_zh": clock.label_zh,
        })
    return sorted(result, key=lambda h: (h["deadline"], h["community"], h["grid"], h["address"]))


def overdue_zero_employment(conn: Connection, scope: Scope, area_id: str, period: cov.Period) -> list[dict[str, Any]]:
    """Zero-employment households overdue at the period's end (still waiting, or met after the deadline in P)."""
    return zero_employment_households(conn, scope, area_id, period, "overdue")


def months_of(period: cov.Period) -> list[cov.Period]:
    """The calendar months (cut to the period) that the period spans."""
    result, start = [], period.start
    while start <= period.end:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        result.append(cov.Period(start, min(period.end, following - timedelta(days=1))))
        start = following
    return result


def coordinator_activity(conn: Connection, scope: Scope, area_id: str, period: cov.Period) -> list[dict[str, Any]]:
    """Per coordinator of the area and per month: visits, guidance, vacancies collected, referrals, hires."""
    grids = Grids(conn, scope, area_id)
    if not grids.coordinators:
        return []
    users = sorted(grids.coordinators)
    rows = []
    for month in months_of(period):
        figures: dict[str, dict[str, int]] = {u: dict.fromkeys(ACTIVITY_FIELDS, 0) for u in users}
        for user_id, visits, guidance in conn.execute(
            select(VISIT.c.coordinator_id, func.count(), count_if(guidance_recorded()))
            .where(in_ids(VISIT.c.coordinator_id, users, "users"), in_ids(VISIT.c.grid_id, grids.ids, "grid_ids"),
                   visit_in(month), visit_of_own_household()).group_by(VISIT.c.coordinator_id)):
            figures[user_id].update(visits=visits, guidance=guidance)
        for user_id, vacancies in conn.execute(
            select(VACANCY.c.collected_by, func.count())
            .where(in_ids(VACANCY.c.collected_by, users, "users"), VACANCY.c.deleted.is_(False),
                   VACANCY.c.collected_on >= month.start, VACANCY.c.collected_on <= month.end)
            .group_by(VACANCY.c.collected_by)):
            figures[user_id]["vacancies"] = vacancies
        for user_id, referrals in conn.execute(
            select(REFERRAL.c.created_by, func.count())
            .where(in_ids(REFERRAL.c.created_by, users, "users"), REFERRAL.c.deleted.is_(False),
                   REFERRAL.c.created_at >= month.start_at, REFERRAL.c.created_at < month.end_before)
            .group_by(REFERRAL.c.created_by)):
            figures[user_id]["referrals"] = referrals
        for user_id, hires in conn.execute(
            select(REFERRAL.c.created_by, func.count(func.distinct(REFERRAL.c.id)))
            .join(REFERRAL_EVENT, and_(REFERRAL_EVENT.c.referral_id == REFERRAL.c.id,
                                       REFERRAL_EVENT.c.grid_id == REFERRAL.c.grid_id))
            .where(in_ids(REFERRAL.c.created_by, users, "users"), REFERRAL.c.deleted.is_(False),
                   REFERRAL_EVENT.c.deleted.is_(False), REFERRAL_EVENT.c.status == ReferralStatus.hired.value,
                   REFERRAL_EVENT.c.occurred_on >= month.start, REFERRAL_EVENT.c.occurred_on <= month.end)
            .group_by(REFERRAL.c.created_by)):
            figures[user_id]["hires"] = hires
        employers = employer_outcomes.employer_confirmations(conn, users, month)
        for user_id in users:
            rows.append({"user_id": user_id, "name": grids.coordinators[user_id]["name"], "month": month.label,
                         **figures[user_id], **employers[user_id]})
    return sorted(rows, key=lambda r: (r["month"], r["name"], r["user_id"]))


ACTIVITY_FIELDS: tuple[str, ...] = ("visits", "guidance", "vacancies", "referrals", "hires")
ACTIVITY_LABELS_ZH: dict[str, str] = {"visits": "走访户次", "guidance": "就业指导", "vacancies": "采集岗位",
                                      "referrals": "推荐就业", "hires": "推荐成功"}
