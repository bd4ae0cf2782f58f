"""Coverage fixtures: the hand-counted ledger with accounts, served by the real app."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from shared.models import UserAccount, UserArea, Visit
from tests.coverage import handcount
from tests.server.conftest import clients, make_app  # noqa: F401 - the fixture is used by tests here
from tests.server.factories import PASSWORD, user

ACCOUNTS = [  # username, role, areas (keys of the hand-counted tree), display name
    ("admin", "admin", ["district"], "管理员"),
    ("manager_a", "manager", ["street_a"], "北站街道劳动保障所"),
    ("manager_b", "manager", ["street_b"], "南湖街道劳动保障所"),
    ("coord_a1", "coordinator", ["grid_a1"], "李协管"),
    ("coord_a2", "coordinator", ["grid_a2"], "赵协管"),
    ("coord_b", "coordinator", ["community_b"], "孙协管"),
]


class Town:
    """The hand-counted ledger in a database, with accounts; ``client(username)`` signs in."""

    def __init__(self, engine, clients) -> None:  # noqa: F811
        self.engine = engine
        self.ledger, self.tree = handcount.build()
        self.ledger.write(engine)
        self.users: dict[str, UserAccount] = {}
        with engine.begin() as conn:
            for username, role, where, name in ACCOUNTS:
                account, links = user(username, role, [_Ref(self.tree[k]["id"]) for k in where], name)
                self.users[username] = account
                conn.execute(insert(UserAccount.__table__), [{c.name: getattr(account, c.name)
                                                              for c in UserAccount.__table__.columns}])
                conn.execute(insert(UserArea.__table__), [{"user_id": link.user_id, "area_id": link.area_id}
                                                          for link in links])
            # each grid's visits were made by its coordinator
            for username, grid in (("coord_a1", "grid_a1"), ("coord_a2", "grid_a2"), ("coord_b", "grid_b1")):
                conn.execute(update(Visit.__table__).where(Visit.__table__.c.grid_id == self.tree[grid]["id"])
                             .values(coordinator_id=self.users[username].id))
        self.app = make_app(engine)
        self._clients = clients

    def client(self, username: str):
        client = self._clients(self.app)
        client.login(username, PASSWORD)
        return client

    def id(self, key: str) -> str:
        return self.tree[key]["id"]


class _Ref:
    def __init__(self, area_id: str) -> None:
        self.id = area_id


@pytest.fixture
def town(sqlite_engine, clients) -> Town:  # noqa: F811
    return Town(sqlite_engine, clients)


@pytest.fixture
def any_town(any_engine, clients) -> Town:  # noqa: F811
    return Town(any_engine, clients)
