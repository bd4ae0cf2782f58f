"""The load bench's city: one coordinator per grid, each grid with its households and residents, loaded in bulk.

Rows go straight into the database with multi-row inserts of the shared
model's tables (not through the API): the bench measures the end of day, not
the set-up. Every coordinator has the same password (hashed once).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from server.security import hash_password
from shared.models import Area, Household, Resident, UserAccount, UserArea

PASSWORD = "load-bench-42"
STREETS_PER_DISTRICT, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY = 10, 5, 10
SURNAMES = "王李张刘陈杨赵黄周吴"


@dataclass
class Coordinator:
    username: str
    user_id: str
    grid: Area
    households: list[str] = field(default_factory=list)
    residents: list[str] = field(default_factory=list)


def build_city(engine: Engine, coordinators: int, households_per_grid: int = 40,
               residents_per_household: int = 2) -> list[Coordinator]:
    """Areas for ``coordinators`` grids, a coordinator each, and their households and residents."""
    areas: list[Area] = []
    grids: list[Area] = []
    district = Area(level="district", name="负载区", code="LD")
    areas.append(district)
    street = community = None
    for index in range(coordinators):
        if index % (COMMUNITIES_PER_STREET * GRIDS_PER_COMMUNITY) == 0:
            street = Area(level="street", name=f"负载{index}街道", code=f"LS{index}", parent_id=district.id,
                          district_id=district.id)
            areas.append(street)
        if index % GRIDS_PER_COMMUNITY == 0:
            community = Area(level="community", name=f"负载{index}社区", code=f"LC{index}", parent_id=street.id,
                             district_id=district.id, street_id=street.id)
            areas.append(community)
        grid = Area(level="grid", name=f"负载{index}网格", code=f"LG{index}", parent_id=community.id,
                    district_id=district.id, street_id=street.id, community_id=community.id)
        areas.append(grid)
        grids.append(grid)
    password_hash = hash_password(PASSWORD)
    people: list[Coordinator] = []
    accounts, links, homes, residents = [], [], [], []
    for index, grid in enumerate(grids):
        account = UserAccount(username=f"load{index:05d}", display_name=f"协管员{index}", role="coordinator",
                              password_hash=password_hash)
        accounts.append(account)
        links.append(UserArea(user_id=account.id, area_id=grid.id))
        person = Coordinator(account.username, account.id, grid)
        for h in range(households_per_grid):
            home = Household(grid_id=grid.id, community_id=grid.community_id, street_id=grid.street_id,
                             address=f"负载路{index}号", building=str(h // 10 + 1), room=str(h + 101))
            homes.append(home)
            person.households.append(home.id)
            for r in range(residents_per_household):
                resident = Resident(household_id=home.id, grid_id=grid.id, community_id=grid.community_id,
                                    name=f"{SURNAMES[(h + r) % len(SURNAMES)]}某{r}", sex="female" if r else "male",
                                    birth_date=date(1970 + (h + r) % 30, 1 + r, 1 + h % 28),
                                    employment_status="unemployed" if (h + r) % 5 == 0 else "employed")
                residents.append(resident)
                person.residents.append(resident.id)
        people.append(person)
    with engine.begin() as conn:
        for model, rows in ((Area, areas), (UserAccount, accounts), (UserArea, links), (Household, homes),
                            (Resident, residents)):
            table = model.__table__
            dumped = [row.model_dump() for row in rows]
            for start in range(0, len(dumped), 2000):
                conn.execute(insert(table), dumped[start:start + 2000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return people
