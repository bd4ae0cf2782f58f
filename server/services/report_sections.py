"""The monthly report's sections beyond the rates: new cases, service items, posts and bases, wishes, spot checks.

Each fetches the few rows it needs from the grids the caller may see
(``coverage_lists.Grids``) and counts them with ``shared.report_tallies``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, select

from server.services.coverage_lists import Grids, address_of
from server.services.coverage_sql import HOUSEHOLD, RESIDENT, STATUS, VISIT, in_ids, resident_rows, visit_in
from shared import coverage as cov
from shared import report_tallies as tally
from shared.models import Employer, Referral, ReferralEvent, SpotCheck, Vacancy
from shared.vocab import ReferralStatus, StatusKind

VACANCY = Vacancy.__table__
EMPLOYER = Employer.__table__
REFERRAL = Referral.__table__
REFERRAL_EVENT = ReferralEvent.__table__
SPOT = SpotCheck.__table__


def new_cases(conn: Connection, grids: Grids, period: cov.Period) -> list[dict[str, Any]]:
    """People newly registered and newly employed in P, and zero-employment households newly identified in P."""
    if not grids.ids:
        return []
    changed = select(STATUS.c.resident_id).where(
        STATUS.c.deleted.is_(False), STATUS.c.effective_on >= period.start, STATUS.c.effective_on <= period.end,
        STATUS.c.kind.in_([StatusKind.registration.value, StatusKind.employment.value]))
    people = conn.execute(select(RESIDENT, HOUSEHOLD.c.address, HOUSEHOLD.c.building, HOUSEHOLD.c.unit,
                                 HOUSEHOLD.c.room).join(HOUSEHOLD, HOUSEHOLD.c.id == RESIDENT.c.household_id)
                          .where(in_ids(RESIDENT.c.grid_id, grids.ids, "grid_ids"), RESIDENT.c.deleted.is_(False),
                                 RESIDENT.c.id.in_(changed))).mappings().all()
    records = conn.execute(select(STATUS).where(in_ids(STATUS.c.resident_id, [p["id"] for p in people], "ids"))) \
        .mappings().all() if people else []
    hist = cov.histories(records)
    empty = cov.History()
    items = []
    for person in people:
        registration = hist.get((person["id"], StatusKind.registration.value), empty)
        employment = hist.get((person["id"], StatusKind.employment.value), empty)
        for kind, day in (("newly_registered", tally.newly_registered(registration, period)),
                          ("newly_employed", tally.newly_employed(employment, period))):
            if day is not None and (kind == "newly_registered"
                                    or cov.is_registered_unemployed(registration, employment, period)):
                items.append(_case(kind, day, person, grids, name=person["name"]))
    households = conn.execute(select(HOUSEHOLD).where(
        in_ids(HOUSEHOLD.c.grid_id, grids.ids, "grid_ids"), HOUSEHOLD.c.deleted.is_(False),
        HOUSEHOLD.c.zero_employment.is_(True), HOUSEHOLD.c.zero_employment_identified_on >= period.start,
        HOUSEHOLD.c.zero_employment_identified_on <= period.end)).mappings().all()
    items += [_case("newly_zero_employment", h["zero_employment_identified_on"], h, grids, name="")
              for h in households]
    return sorted(items, key=lambda i: (i["kind"], i["community"], i["grid"], i["on"], i["address"]))


CASE_LABELS_ZH = {"newly_registered": "新增登记失业", "newly_employed": "新增再就业",
                  "newly_zero_employment": "新认定零就业家庭"}


def _case(kind: str, day, row: Any, grids: Grids, name: str) -> dict[str, Any]:
    return {"kind": kind, "label_zh": CASE_LABELS_ZH[kind], "on": day.isoformat(), "name": name,
            "address": address_of(row), "grid": grids.name(row["grid_id"]),
            "community": grids.community_name(row["grid_id"])}


def service_items(conn: Connection, grids: Grids, period: cov.Period) -> dict[str, dict[str, int]]:
    """Per community: visits in P that delivered each of the nine service items."""
    if not grids.ids:
        return {}
    visits = conn.execute(select(VISIT.c.grid_id, VISIT.c.visited_at, VISIT.c.services, VISIT.c.deleted)
                          .where(in_ids(VISIT.c.grid_id, grids.ids, "grid_ids"), visit_in(period))).mappings().all()
    by_community: dict[str, list] = {}
    for visit in visits:
        by_community.setdefault(grids.community_name(visit["grid_id"]), []).append(visit)
    return {name: tally.service_tally(rows, period) for name, rows in sorted(by_community.items())}


def posts_and_bases(conn: Connection, grids: Grids, period: cov.Period) -> list[dict[str, Any]]:
    """Public-welfare posts (公益性岗位) and vacancies at re-employment assistance bases (再就业援助基地) of the streets."""
    streets = sorted({a["id"] for a in grids.areas.values() if a["level"] == "street"}
                     | {a["street_id"] for a in grids.areas.values() if a["street_id"]})
    if not streets:
        return []
    rows = conn.execute(
        select(VACANCY.c.id, VACANCY.c.title, VACANCY.c.openings, VACANCY.c.filled, VACANCY.c.public_welfare,
               VACANCY.c.assistance_base, VACANCY.c.closed, VACANCY.c.valid_until, VACANCY.c.collected_on,
               EMPLOYER.c.name.label("employer"), EMPLOYER.c.assistance_base.label("employer_base"))
        .join(EMPLOYER, EMPLOYER.c.id == VACANCY.c.employer_id)
        .where(in_ids(VACANCY.c.street_id, streets, "streets"), VACANCY.c.deleted.is_(False),
               or_(VACANCY.c.public_welfare.is_(True), VACANCY.c.assistance_base.is_(True),
                   EMPLOYER.c.assistance_base.is_(True)),
               or_(VACANCY.c.collected_on.is_(None), VACANCY.c.collected_on <= period.end))
    ).mappings().all()
    hires = dict(conn.execute(
        select(REFERRAL.c.vacancy_id, REFERRAL_EVENT.c.id)
        .join(REFERRAL_EVENT, REFERRAL_EVENT.c.referral_id == REFERRAL.c.id)
        .where(in_ids(REFERRAL.c.vacancy_id, [r["id"] for r in rows], "vacancies"), REFERRAL.c.deleted.is_(False),
               REFERRAL_EVENT.c.deleted.is_(False), REFERRAL_EVENT.c.status == ReferralStatus.hired.value,
               and_(REFERRAL_EVENT.c.occurred_on >= period.start, REFERRAL_EVENT.c.occurred_on <= period.end))
    ).all()) if rows else {}
    hired: dict[str, int] = {}
    for vacancy_id in hires:
        hired[vacancy_id] = hired.get(vacancy_id, 0) + 1
    result = []
    for row in rows:
        kind = "公益性岗位" if row["public_welfare"] else "再就业援助基地"
        result.append({"kind": kind, "employer": row["employer"], "title": row["title"], "openings": row["openings"],
                       "filled": row["filled"], "hired_in_period": hired.get(row["id"], 0),
                       "open": not row["closed"] and (row["valid_until"] is None or row["valid_until"] >= period.end)})
    return sorted(result, key=lambda r: (r["kind"], r["employer"], r["title"]))


def job_wishes(conn: Connection, grids: Grids, period: cov.Period) -> tally.Wishes:
    """What the registered unemployed in P who are able and willing want (the job-seeking and training analysis)."""
    if not grids.ids:
        return tally.wishes([])
    rows = resident_rows(grids.ids, period)
    c, person = rows.columns, rows.person
    people = conn.execute(rows.query.with_only_columns(
        person.c.job_wish_occupations, person.c.job_wish_min_wage, person.c.job_wish_hours, person.c.training_wish,
        maintain_column_froms=False).where(c["base"], c["able"])).mappings().all()
    return tally.wishes(people)


def spot_check_results(conn: Connection, grids: Grids, period: cov.Period) -> dict[str, dict[str, Any]]:
    """Spot-check results of people drawn in P, summarised per community and per coordinator."""
    if not grids.ids:
        return {"communities": {}, "coordinators": {}}
    rows = conn.execute(
        select(SPOT.c.result, SPOT.c.rating, RESIDENT.c.grid_id)
        .join(RESIDENT, RESIDENT.c.id == SPOT.c.resident_id)
        .where(SPOT.c.method != "community", in_ids(RESIDENT.c.grid_id, grids.ids, "grid_ids"),
               SPOT.c.drawn_at >= period.start_at, SPOT.c.drawn_at < period.end_before)).mappings().all()
    communities: dict[str, tally.SpotCheckSummary] = {}
    coordinators: dict[str, tally.SpotCheckSummary] = {}
    for row in rows:
        summary = tally.spot_check_summary(row)
        name = grids.community_name(row["grid_id"])
        communities[name] = communities.get(name, tally.SpotCheckSummary()) + summary
        for coordinator in grids.coordinator_names(row["grid_id"]) or ["（未分配）"]:
            coordinators[coordinator] = coordinators.get(coordinator, tally.SpotCheckSummary()) + summary
    return {"communities": dict(sorted(communities.items())), "coordinators": dict(sorted(coordinators.items()))}
