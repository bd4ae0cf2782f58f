"""Test data for the server: an area tree, accounts with fixed passwords, households and residents."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.security import hash_password
from shared.models import Area, Household, Resident, UserAccount, UserArea

PASSWORD = "correct horse 42"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test run


_password_hash = password_hash


def area(level: str, name: str, parent: Area | None = None, code: str = "") -> Area:
    """An area with its ancestors' ids filled in, as the server keeps them."""
    ancestors = {"district_id": None, "street_id": None, "community_id": None}
    if parent is not None:
        ancestors = {"district_id": parent.district_id, "street_id": parent.street_id,
                     "community_id": parent.community_id}
        ancestors[f"{parent.level}_id"] = parent.id
    return Area(level=level, name=name, code=code or name, parent_id=parent.id if parent else None, **ancestors)


def user(username: str, role: str, areas: list[Area], display_name: str = "") -> tuple[UserAccount, list[UserArea]]:
    account = UserAccount(username=username, display_name=display_name or username, role=role,
                          password_hash=_password_hash())
    return account, [UserArea(user_id=account.id, area_id=a.id) for a in areas]


def household(grid: Area, address: str = "幸福路1号") -> Household:
    return Household(grid_id=grid.id, community_id=grid.community_id, street_id=grid.street_id, address=address)


def resident(home: Household, name: str = "王芳", id_number: str = "110101199003071234") -> Resident:
    return Resident(household_id=home.id, grid_id=home.grid_id, community_id=home.community_id, name=name,
                    id_number=id_number, birth_date=date(1990, 3, 7), skills=["家政"])


@dataclass
class World:
    """One district, streets A and B; street A has grids a1 and a2, street B grid b1; and who works where."""

    areas: dict[str, Area] = field(default_factory=dict)
    users: dict[str, UserAccount] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)


def build_world(engine: Engine) -> World:
    w = World()
    a = w.areas
    a["district"] = area("district", "和平区", code="D1")
    a["street_a"] = area("street", "北站街道", a["district"], "SA")
    a["street_b"] = area("street", "南湖街道", a["district"], "SB")
    a["community_a"] = area("community", "幸福社区", a["street_a"], "CA")
    a["community_b"] = area("community", "光明社区", a["street_b"], "CB")
    a["grid_a1"] = area("grid", "幸福一网格", a["community_a"], "GA1")
    a["grid_a2"] = area("grid", "幸福二网格", a["community_a"], "GA2")
    a["grid_b1"] = area("grid", "光明一网格", a["community_b"], "GB1")
    links = []
    for username, role, where in [
        ("admin", "admin", ["district"]), ("manager_a", "manager", ["street_a"]),
        ("manager_b", "manager", ["street_b"]), ("coord_a1", "coordinator", ["grid_a1"]),
        ("coord_a2", "coordinator", ["grid_a2"]),
    ]:
        account, assigned = user(username, role, [a[k] for k in where])
        w.users[username] = account
        links += assigned
    for key in ("grid_a1", "grid_a2", "grid_b1"):
        home = household(a[key], address=f"{a[key].name}小区")
        w.households[key] = home
        w.residents[key] = resident(home)
    with Session(engine) as session:
        session.add_all(list(a.values()) + list(w.users.values()))
        session.flush()
        session.add_all(links + list(w.households.values()) + list(w.residents.values()))
        session.commit()
        for obj in list(a.values()) + list(w.users.values()) + list(w.households.values()) + list(w.residents.values()):
            session.refresh(obj)
            session.expunge(obj)
    return w
