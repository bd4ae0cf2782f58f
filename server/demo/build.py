"""Builds the whole demo data set for a seed: areas, accounts, households, people, jobs and visit history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from server.demo import catalog
from server.demo.jobs import build_jobs
from server.demo.people import build_people
from server.demo.rows import Draw, Grid, add_months, noon, stamp_rows
from server.demo.visits import build_visits
from shared.sync_schema import SYNC_SPECS
from shared.validation import missing_fields
from shared.vocab import AreaLevel, Role

DEMO_TODAY = date(2026, 11, 25)
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class DemoUser:
    """A demo account and its plain password (only the hash reaches the database)."""

    id: str
    username: str
    display_name: str
    role: str
    password: str
    area_ids: tuple[str, ...]
    area_names: tuple[str, ...]


@dataclass
class DemoData:
    """Rows per table (synced tables in apply order, then accounts), ready for ``load_demo``."""

    seed: int
    today: date
    district_id: str
    tables: dict[str, list[dict]]
    users: list[DemoUser]

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


def build_demo(seed: int = 2026, today: date = DEMO_TODAY, *, households: int = 2500) -> DemoData:
    """The demo data set: the same seed, day and size give the same rows, ids included.

    ``households`` scales everything drawn per household (residents, the
    registered unemployed, hardship households, visits, employers and
    vacancies); the district keeps its 2 streets, 4 communities and 16 grids.
    """
    draw = Draw(seed, today)
    scale = households / 2500
    window_start = add_months(today.replace(day=1), -2)  # visits of this month and the two before
    coordinator_ids = [draw.new_id() for _ in catalog.COORDINATORS]
    owner = [cid for cid, (_u, _n, count) in zip(coordinator_ids, catalog.COORDINATORS, strict=True) for _ in range(count)]
    areas, grids = _areas(draw, owner)
    district = areas[0]
    people = build_people(draw, grids, households, window_start)
    jobs = build_jobs(draw, grids, max(2, round(60 * scale)), max(2, round(200 * scale)))
    visits = build_visits(draw, people, grids, jobs, window_start)
    users = _users(draw, coordinator_ids, grids, district)
    created = noon(today - timedelta(days=90))
    tables = {
        "area": areas, "household": people.households, "resident": people.residents,
        "status_record": people.status_records, "visit": visits.visits, "employer": jobs.employers,
        "vacancy": jobs.vacancies, "referral": visits.referrals, "referral_event": visits.referral_events,
        "user_account": [
            draw.row("user_account", id=u.id, username=u.username, display_name=u.display_name, role=u.role,
                     password_hash="", created_at=created)
            for u in users
        ],
        "user_area": [draw.row("user_area", user_id=u.id, area_id=a) for u in users for a in u.area_ids],
        "information_record": _information(draw, people, window_start),
    }
    for name, rows in tables.items():
        if name in SYNC_SPECS:
            stamp_rows(name, rows, draw.stamp)
    return DemoData(seed=seed, today=today, district_id=district["id"], tables=tables, users=users)


def _information(d: Draw, people, window_start: date) -> list[dict]:
    """What the server held of each resident: entered before the visits began (not the register's bare names)."""
    at = noon(window_start - timedelta(days=60))
    rows = []
    for resident in people.residents:
        if resident["id"] in people.bare_names:
            continue
        missing = missing_fields(resident)
        rows.append({"id": d.new_id(), "resident_id": resident["id"], "grid_id": resident["grid_id"],
                     "recorded_at": min(at, noon(people.registered_on.get(resident["id"], window_start))),
                     "complete": not missing, "missing": missing, "source": "ledger"})
    return rows


def _areas(d: Draw, owner: list[str]) -> tuple[list[dict], list[Grid]]:
    """The district, its streets, communities and grids (``owner[i]`` coordinates the i-th grid)."""
    district = d.row("area", id=d.new_id(), level=AreaLevel.district.value, name=catalog.DISTRICT_NAME,
                     code=catalog.DISTRICT_CODE)
    areas, grids = [district], []
    for s, (street_name, communities) in enumerate(catalog.STREETS, 1):
        street = d.row("area", id=d.new_id(), level=AreaLevel.street.value, name=street_name,
                       code=f"{catalog.DISTRICT_CODE}{s:03d}", parent_id=district["id"], district_id=district["id"])
        areas.append(street)
        for c, (community_name, relocated, estates, road) in enumerate(communities, 1):
            community = d.row(
                "area", id=d.new_id(), level=AreaLevel.community.value, name=community_name,
                code=f"{street['code']}{c:03d}", parent_id=street["id"], district_id=district["id"],
                street_id=street["id"], relocated=relocated,
            )
            areas.append(community)
            centre = (catalog.CENTRE[0] + d.rng.uniform(-0.02, 0.02), catalog.CENTRE[1] + d.rng.uniform(-0.025, 0.025))
            for g in range(catalog.GRIDS_PER_COMMUNITY):
                grid = d.row(
                    "area", id=d.new_id(), level=AreaLevel.grid.value, name=f"{community_name}第{_NUMERALS[g]}网格",
                    code=f"{community['code']}{g + 1:02d}", parent_id=community["id"], district_id=district["id"],
                    street_id=street["id"], community_id=community["id"], relocated=relocated,
                )
                areas.append(grid)
                grids.append(Grid(
                    id=grid["id"], name=grid["name"], street_name=street_name, community_name=community_name,
                    community_id=community["id"], street_id=street["id"], district_id=district["id"],
                    relocated=relocated, estate=estates[g * len(estates) // catalog.GRIDS_PER_COMMUNITY], road=road,
                    centre=(centre[0] + d.rng.uniform(-0.004, 0.004), centre[1] + d.rng.uniform(-0.005, 0.005)),
                    coordinator_id=owner[len(grids)],
                ))
    return areas, grids


def _users(d: Draw, coordinator_ids: list[str], grids: list[Grid], district: dict) -> list[DemoUser]:
    users = []
    for cid, (username, display_name, _count) in zip(coordinator_ids, catalog.COORDINATORS, strict=True):
        mine = [g for g in grids if g.coordinator_id == cid]
        users.append(DemoUser(cid, username, display_name, Role.coordinator.value, catalog.DEMO_PASSWORD,
                              tuple(g.id for g in mine), tuple(g.name for g in mine)))
    for (username, display_name), role in ((catalog.MANAGER, Role.manager), (catalog.ADMIN, Role.admin)):
        users.append(DemoUser(d.new_id(), username, display_name, role.value, catalog.DEMO_PASSWORD,
                              (district["id"],), (district["name"],)))
    return users
