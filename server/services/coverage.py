"""Coverage of an area in a period: per-grid counts in set-based SQL, rolled up to communities, streets, districts and coordinators.

The counts are those of ``shared.coverage`` (the reference the tests compare
with). A coordinator's numbers are the sum over their grids inside the area
asked for. Everything is limited to the caller's scope: a manager sees only
their area, a coordinator only their grids.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, text

from server.errors import ApiError
from server.services.access import ensure_area, outside_area
from server.services.coverage_sql import (
    AREA,
    HOUSEHOLD,
    RESIDENT,
    STATUS,
    VISIT,
    count_if,
    flags,
    in_ids,
    on_time_condition,
    resident_rows,
    spans,
    visit_in,
    visit_of_own_household,
)
from server.services.scope import Scope
from shared import coverage as cov
from shared.models import UserAccount, UserArea
from shared.vocab import Role, StatusKind

USER = UserAccount.__table__
USER_AREA = UserArea.__table__
LEVELS = ("district", "street", "community", "grid")
AREA_COLUMNS = (AREA.c.id, AREA.c.level, AREA.c.name, AREA.c.parent_id, AREA.c.district_id, AREA.c.street_id,
                AREA.c.community_id, AREA.c.relocated)


# --- per-grid counts ----------------------------------------------------------------------


def grid_counts(conn: Connection, grid_ids: Sequence[str], period: cov.Period) -> dict[str, cov.CoverageCounts]:
    """The counts of each of these grids in P (grids with nothing to count are left out)."""
    grid_ids = sorted(set(grid_ids))
    if not grid_ids:
        return {}
    result: dict[str, cov.CoverageCounts] = {}
    if conn.dialect.name == "postgresql":
        # these plans are cheap to run but look costly: compiling them (JIT) takes longer than running them
        conn.execute(text("SET LOCAL jit = off"))

    def add(grid_id: str, counts: cov.CoverageCounts) -> None:
        result[grid_id] = result.get(grid_id, cov.CoverageCounts()) + counts

    for row in conn.execute(_resident_counts(grid_ids, period)).mappings():
        add(row["grid_id"], cov.CoverageCounts(**{name: row[name] for name in RESIDENT_COUNTS}))
    for grid_id, received, in_time in conn.execute(_entry_counts(conn.dialect.name, grid_ids, period)):
        add(grid_id, cov.CoverageCounts(visits_received=received, visits_on_time=in_time))
    for grid_id, households, employed in conn.execute(_hardship_counts(grid_ids, period)):
        add(grid_id, cov.CoverageCounts(hardship_households=households, hardship_with_employed=employed))
    for grid_id, counts in _zero_employment(conn, grid_ids, period):
        add(grid_id, counts)
    return result


RESIDENT_COUNTS = ("registered", "visited", "complete", "entered", "guided", "able", "reemployed", "able_4050",
                   "reemployed_4050", "relocated_able", "relocated_employed")


def _resident_counts(grid_ids: Sequence[str], period: cov.Period):
    rows = resident_rows(grid_ids, period)
    c, person = rows.columns, rows.person
    base, able, employed, older, relocated = c["base"], c["able"], c["employed"], c["older"], c["relocated"]
    conditions = {
        "registered": base,
        "visited": and_(base, c["visited"]),
        "complete": and_(base, c["complete"]),
        "entered": and_(base, c["entered"]),
        "guided": and_(base, c["guided"]),
        "able": and_(base, able),
        "reemployed": and_(base, able, employed),
        "able_4050": and_(base, able, older),
        "reemployed_4050": and_(base, able, older, employed),
        "relocated_able": and_(base, able, relocated),
        "relocated_employed": and_(base, able, relocated, employed),
    }
    return rows.query.with_only_columns(
        person.c.grid_id,
        *(count_if(conditions[name]).label(name) for name in RESIDENT_COUNTS),
        maintain_column_froms=False,
    ).group_by(person.c.grid_id)


def _entry_counts(dialect: str, grid_ids: Sequence[str], period: cov.Period):
    return (select(VISIT.c.grid_id, func.count(), count_if(on_time_condition(dialect)))
            .where(in_ids(VISIT.c.grid_id, grid_ids, "grid_ids"), visit_in(period), VISIT.c.received_at.is_not(None),
                   visit_of_own_household())
            .group_by(VISIT.c.grid_id))


def _hardship_counts(grid_ids: Sequence[str], period: cov.Period):
    hardship = and_(in_ids(HOUSEHOLD.c.grid_id, grid_ids, "grid_ids"), HOUSEHOLD.c.deleted.is_(False),
                    or_(HOUSEHOLD.c.double_unemployed.is_(True), HOUSEHOLD.c.single_parent.is_(True)))
    members = select(RESIDENT.c.id).where(
        RESIDENT.c.household_id.in_(select(HOUSEHOLD.c.id).where(hardship)), RESIDENT.c.deleted.is_(False))
    f = flags(spans(members, [StatusKind.employment.value]), period)
    with_employed = (select(RESIDENT.c.household_id).join(f, f.c.resident_id == RESIDENT.c.id)
                     .where(f.c.emp_end == 1, RESIDENT.c.deleted.is_(False)))
    return (select(HOUSEHOLD.c.grid_id, func.count(), count_if(HOUSEHOLD.c.id.in_(with_employed)))
            .where(hardship).group_by(HOUSEHOLD.c.grid_id))


def zero_employment_clocks(conn: Connection, grid_ids: Sequence[str], period: cov.Period):
    """Each zero-employment household identified by ``end`` with its clock at ``end`` (few rows: judged in Python)."""
    households = conn.execute(
        select(HOUSEHOLD).where(in_ids(HOUSEHOLD.c.grid_id, grid_ids, "grid_ids"), HOUSEHOLD.c.deleted.is_(False),
                                HOUSEHOLD.c.zero_employment.is_(True),
                                HOUSEHOLD.c.zero_employment_identified_on <= period.end)
    ).mappings().all()
    if not households:
        return []
    records = conn.execute(
        select(STATUS, RESIDENT.c.household_id.label("household_id_"))
        .join(RESIDENT, RESIDENT.c.id == STATUS.c.resident_id)
        .where(in_ids(RESIDENT.c.household_id, [h["id"] for h in households], "household_ids"),
               RESIDENT.c.deleted.is_(False), STATUS.c.kind == StatusKind.employment.value)
    ).mappings().all()
    by_household: dict[str, dict[str, list]] = {}
    for record in records:
        by_household.setdefault(record["household_id_"], {}).setdefault(record["resident_id"], []).append(record)
    result = []
    for household in households:
        members = by_household.get(household["id"], {})
        clock = cov.zero_employment_clock(
            household, [cov.History.from_records(rs) for rs in members.values()], period.end)
        if cov.on_clock_in(clock, period):
            result.append((household, clock))
    return result


def _zero_employment(conn: Connection, grid_ids: Sequence[str], period: cov.Period):
    for household, clock in zero_employment_clocks(conn, grid_ids, period):
        yield household["grid_id"], cov.CoverageCounts(
            zero_identified=1, zero_met=int(clock.state == "met"), zero_overdue=int(clock.state == "overdue"),
            zero_open=int(clock.state == "open"))


# --- areas and coordinators -------------------------------------------------------------------


def areas_under(conn: Connection, area_id: str) -> list[dict]:
    """The area and every area below it, as plain dicts."""
    rows = conn.execute(select(*AREA_COLUMNS).where(
        AREA.c.deleted.is_(False),
        or_(AREA.c.id == area_id, AREA.c.parent_id == area_id, AREA.c.community_id == area_id,
            AREA.c.street_id == area_id, AREA.c.district_id == area_id),
    )).mappings().all()
    return [dict(r) for r in rows]


def coordinator_grids(conn: Connection, grid_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Coordinators with grids among these: ``{user_id: {"name", "grid_ids"}}`` (an assigned community gives its grids)."""
    grid = AREA.alias("g")
    rows = conn.execute(
        select(USER.c.id, USER.c.display_name, grid.c.id)
        .join(USER_AREA, USER_AREA.c.user_id == USER.c.id)
        .join(grid, or_(grid.c.id == USER_AREA.c.area_id, grid.c.parent_id == USER_AREA.c.area_id,
                        grid.c.community_id == USER_AREA.c.area_id, grid.c.street_id == USER_AREA.c.area_id))
        .where(USER.c.role == Role.coordinator.value, USER.c.active.is_(True), grid.c.level == "grid",
               grid.c.deleted.is_(False), in_ids(grid.c.id, grid_ids, "grid_ids"))
    ).all()
    result: dict[str, dict[str, Any]] = {}
    for user_id, name, grid_id in rows:
        result.setdefault(user_id, {"name": name, "grid_ids": set()})["grid_ids"].add(grid_id)
    return result


# --- the report ------------------------------------------------------------------------------------


@dataclass
class AreaCoverage:
    id: str
    level: str
    name: str
    parent_id: str | None
    counts: cov.CoverageCounts
    check: cov.CommunityCheck | None = None  # communities only

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "name": self.name, "parent_id": self.parent_id,
                **counts_dict(self.counts), "check": self.check.as_dict() if self.check else None}


@dataclass
class CoordinatorCoverage:
    user_id: str
    name: str
    grid_ids: list[str]
    counts: cov.CoverageCounts

    def as_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "name": self.name, "grid_ids": self.grid_ids, **counts_dict(self.counts)}


@dataclass
class CoverageReport:
    period: cov.Period
    area: AreaCoverage
    children: list[AreaCoverage]
    communities: list[AreaCoverage]
    grids: list[AreaCoverage]
    coordinators: list[CoordinatorCoverage]
    community_pass_rate: cov.Rate
    areas: dict[str, dict] = field(default_factory=dict)
    target: float = cov.DISTRICT_TARGET

    @property
    def district_target(self) -> cov.DistrictTarget:
        """The share of full-employment communities against the target share (a setting, 60% by default)."""
        return cov.DistrictTarget(self.community_pass_rate, self.target)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            "area": self.area.as_dict(),
            "children": [c.as_dict() for c in self.children],
            "communities": [c.as_dict() for c in self.communities],
            "grids": [g.as_dict() for g in self.grids],
            "coordinators": [c.as_dict() for c in self.coordinators],
            "community_pass_rate": self.community_pass_rate.as_dict(),
            "full_employment_target": self.district_target.as_dict(),
        }


def counts_dict(counts: cov.CoverageCounts) -> dict[str, Any]:
    return {"counts": counts.as_dict(), "rates": {name: rate.as_dict() for name, rate in counts.rates().items()}}


def area_grid_ids(scope: Scope, areas: list[dict]) -> list[str]:
    """The grids among these areas that the caller may see."""
    return [a["id"] for a in areas if a["level"] == "grid" and scope.allows_grid(a["id"])]


def covers(scope: Scope, area: dict) -> bool:
    """The area is one the caller is assigned to, or lies below one (an ancestor of it is not enough)."""
    lineage = {area["id"], area["parent_id"], area["community_id"], area["street_id"], area["district_id"]}
    return bool(lineage & scope.assigned_ids)


def visible_areas(conn: Connection, scope: Scope, area_id: str) -> list[dict]:
    """The area and the areas below it, if the caller's assignments cover it (403 otherwise, 404 unknown).

    A street manager may see the street's numbers but not the district's,
    even though the district is in their scope for the area tree.
    """
    ensure_area(scope, area_id)
    areas = areas_under(conn, area_id)
    root = next((a for a in areas if a["id"] == area_id), None)
    if root is None:
        raise ApiError(404, "not_found", "Area not found.")
    if not covers(scope, root):
        raise outside_area()
    return [a for a in areas if a["id"] == area_id or a["level"] != "grid" or scope.allows_grid(a["id"])]


def coverage_report(conn: Connection, scope: Scope, area_id: str, period: cov.Period,
                    target: float = cov.DISTRICT_TARGET) -> CoverageReport:
    """The coverage of one area (403 outside the caller's areas, 404 for an unknown one).

    ``target`` is the share of communities that should be full-employment
    communities (``Settings.full_employment_target``).
    """
    visible = visible_areas(conn, scope, area_id)
    by_id = {a["id"]: a for a in visible}
    grid_ids = area_grid_ids(scope, visible)
    per_grid = grid_counts(conn, grid_ids, period)
    per_area = cov.rollup(per_grid, visible)

    def node(area: dict) -> AreaCoverage:
        counts = per_area.get(area["id"], cov.CoverageCounts())
        check = None
        if area["level"] == "community":
            check = cov.full_employment_check(counts)
        return AreaCoverage(area["id"], area["level"], area["name"], area["parent_id"], counts, check)

    def ordered(level: str, parent: str | None = None) -> list[AreaCoverage]:
        chosen = [a for a in visible if a["level"] == level and a["id"] != area_id
                  and (parent is None or a["parent_id"] == parent)]
        return [node(a) for a in sorted(chosen, key=lambda a: (a["name"], a["id"]))]

    root = by_id[area_id]
    communities = [node(root)] if root["level"] == "community" else ordered("community")
    child_level = LEVELS[LEVELS.index(root["level"]) + 1] if root["level"] != "grid" else None
    coordinators = [
        CoordinatorCoverage(user_id, info["name"], sorted(info["grid_ids"]),
                            cov.total(per_grid.get(g, cov.CoverageCounts()) for g in info["grid_ids"]))
        for user_id, info in sorted(coordinator_grids(conn, grid_ids).items(), key=lambda kv: (kv[1]["name"], kv[0]))
    ]
    return CoverageReport(
        period=period,
        area=node(root),
        children=ordered(child_level, area_id) if child_level else [],
        communities=communities,
        grids=[node(root)] if root["level"] == "grid" else ordered("grid"),
        coordinators=coordinators,
        community_pass_rate=cov.community_pass_rate(c.check for c in communities if c.check),
        areas={a["id"]: a for a in visible},
        target=target,
    )


def resolve_area(conn: Connection, text: str) -> dict:
    """An area named by id, code or name (404 when none, 422 when a name is ambiguous)."""
    text = text.strip()
    rows = conn.execute(select(*AREA_COLUMNS).where(
        AREA.c.deleted.is_(False), or_(AREA.c.id == text, AREA.c.code == text, AREA.c.name == text))).mappings().all()
    exact = [r for r in rows if r["id"] == text]
    if exact:
        return dict(exact[0])
    if not rows:
        raise ApiError(404, "not_found", "Area not found.")
    if len(rows) > 1:
        raise ApiError(422, "area.ambiguous", "Several areas have this name: give the id.",
                       [{"id": r["id"], "level": r["level"], "name": r["name"]} for r in rows])
    return dict(rows[0])


def system_scope(conn: Connection, area_id: str) -> Scope:
    """The scope of a command run on the server itself (``doorstep report``): the whole of one area."""
    areas = areas_under(conn, area_id)
    by_level: dict[str, set[str]] = {level: set() for level in LEVELS}
    for area in areas:
        by_level.setdefault(area["level"], set()).add(area["id"])
        for level in ("district", "street", "community"):
            if area[f"{level}_id"]:
                by_level[level].add(area[f"{level}_id"])
    return Scope(user_id="system", role=Role.admin.value, assigned_ids=frozenset({area_id}),
                 grid_ids=frozenset(by_level["grid"]), community_ids=frozenset(by_level["community"]),
                 street_ids=frozenset(by_level["street"]), district_ids=frozenset(by_level["district"]))
