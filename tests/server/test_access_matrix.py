"""The access matrix: every route of the API and every synced table, for every role, asked about their own area,
another area, and by a user with no area at all (and without signing in), against the rule written here.

The routes come from ``server.routes.discover_routers()`` and the tables from ``shared.sync_schema``: a new
route or synced table without a rule in ``ROUTES`` / ``TABLES`` fails, and so does an id or who column of a
synced table that ``server.services.push_guard`` has no rule for. A rule names, per role and place, what the
answer must be: ``ok`` (2xx), ``outside`` (403 ``auth.outside_area``), ``forbidden`` (403 ``auth.forbidden``);
a push answers ``applied``, ``outside_area``, ``read_only`` or ``unknown_record``. Every answer a caller of
street A (or of no area) gets must also be free of street B's household, resident and manager ids.

Places: street A (grids a1, a2) is "own", grid b1 of street B is "other". Callers: ``coord_a1``, ``manager_a``
and ``admin_a`` (street A's administrator), and ``coord_none``, ``manager_none``, ``admin_none`` (no area; an
administrator without areas is the server's and manages every account).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import insert, select, update
from sqlmodel import Session

from server.routes import discover_routers
from server.security import new_token, token_hash
from server.services import push_guard
from shared.models import Device, Employer, Referral, StatusRecord, UserAccount, Vacancy, new_id
from shared.sync_schema import SYNC_SPECS
from tests.server.client import ApiClient
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, password_hash, user
from tests.sync.server_kit import feed_world

ROLES = ("coordinator", "manager", "admin")
PLACES = ("own", "other", "none")
CALLERS = {("coordinator", "own"): "coord_a1", ("manager", "own"): "manager_a", ("admin", "own"): "admin_a",
           ("coordinator", "none"): "coord_none", ("manager", "none"): "manager_none", ("admin", "none"): "admin_none"}
MONTH = "2026-11"


@dataclass
class Side:
    """The ids of one place: grid, community, street, its records, a device and a spot-check sample."""

    grid: str
    community: str
    street: str
    household: str
    resident: str
    employer: str
    vacancy: str
    referral: str
    user: str  # a user of the place (whose devices an administrator of it manages)
    device: str = ""
    sample: str = ""
    item: str = ""


# --- rules ---------------------------------------------------------------------------------------------------------

Rule = Callable[[str, str], str]  # (role, place) -> expected answer


def anyone(_role: str, _place: str) -> str:
    return "ok"


def in_area(_role: str, place: str) -> str:
    return "ok" if place == "own" else "outside"


def managers_in_area(role: str, place: str) -> str:
    return "forbidden" if role == "coordinator" else in_area(role, place)


def managers(role: str, _place: str) -> str:
    return "forbidden" if role == "coordinator" else "ok"


def admins_in_street(role: str, place: str) -> str:
    """The server's administrator (no area) manages everyone; a street's only its street."""
    if role != "admin":
        return "forbidden"
    return "ok" if place in ("own", "none") else "outside"


def admins(role: str, _place: str) -> str:
    return "ok" if role == "admin" else "forbidden"


@dataclass(frozen=True)
class RouteRule:
    rule: Rule | None  # None: public (no sign-in)
    request: Callable[[Side, "Matrix"], dict[str, Any]]  # url, params, json
    fresh_token: bool = False  # the request ends the caller's session


def _get(url: str, **params: Any) -> dict[str, Any]:
    return {"method": "GET", "url": url, "params": params}


def _post(url: str, body: Any = None) -> dict[str, Any]:
    return {"method": "POST", "url": url, "json": body}


def _request(method: str, url: str, body: Any = None, **params: Any) -> dict[str, Any]:
    return {"method": method, "url": url, "json": body, "params": params}


API = "/api/v1"
COVERAGE_LISTS = ("/not-visited", "/incomplete", "/zero-employment-overdue", "/zero-employment", "/activity")

ROUTES: dict[tuple[str, str], RouteRule] = {
    ("POST", f"{API}/auth/login"): RouteRule(None, lambda s, m: _post(f"{API}/auth/login", {
        "username": "coord_a1", "password": "wrong password"})),
    ("GET", f"{API}/auth/me"): RouteRule(anyone, lambda s, m: _get(f"{API}/auth/me")),
    ("POST", f"{API}/auth/logout"): RouteRule(anyone, lambda s, m: _post(f"{API}/auth/logout"), fresh_token=True),
    ("POST", f"{API}/auth/password"): RouteRule(anyone, lambda s, m: _post(f"{API}/auth/password", {
        "current_password": m.known_password(), "new_password": "another long one 7"})),
    ("POST", f"{API}/admin/users"): RouteRule(admins_in_street, lambda s, m: _post(f"{API}/admin/users", {
        "username": f"new{m.serial()}", "display_name": "新协管", "password": "long enough 1",
        "role": "coordinator", "area_ids": [s.grid]})),
    ("GET", f"{API}/admin/users"): RouteRule(admins, lambda s, m: _get(f"{API}/admin/users")),
    # a fresh account of the place each time: disabling or resetting it must not sign a caller of the matrix out
    ("PATCH", f"{API}/admin/users/{{user_id}}"): RouteRule(admins_in_street, lambda s, m: _request(
        "PATCH", f"{API}/admin/users/{m.victim_user(s)}", {"active": False})),
    ("POST", f"{API}/admin/users/{{user_id}}/reset-password"): RouteRule(admins_in_street, lambda s, m: _post(
        f"{API}/admin/users/{m.victim_user(s)}/reset-password")),
    ("GET", f"{API}/admin/areas"): RouteRule(admins, lambda s, m: _get(f"{API}/admin/areas")),
    # the grid given to the coordinator who holds it already: allowed answers change nothing
    ("PUT", f"{API}/admin/grids/{{grid_id}}/coordinator"): RouteRule(admins_in_street, lambda s, m: _request(
        "PUT", f"{API}/admin/grids/{s.grid}/coordinator", {"user_id": m.world.users["coord_a1"].id
                                                         if s.grid == m.sides["own"].grid else s.user})),
    ("GET", f"{API}/admin/devices"): RouteRule(admins_in_street, lambda s, m: _get(f"{API}/admin/devices",
                                                                                     user_id=s.user)),
    ("POST", f"{API}/admin/devices/{{device_id}}/revoke"): RouteRule(
        admins_in_street, lambda s, m: _post(f"{API}/admin/devices/{m.victim(s)}/revoke")),
    ("GET", f"{API}/coverage"): RouteRule(in_area, lambda s, m: _get(f"{API}/coverage", area_id=s.grid, month=MONTH)),
    **{("GET", f"{API}/coverage{path}"): RouteRule(
        in_area, lambda s, m, path=path: _get(f"{API}/coverage{path}", area_id=s.grid, month=MONTH))
       for path in COVERAGE_LISTS},
    ("GET", f"{API}/areas"): RouteRule(anyone, lambda s, m: _get(f"{API}/areas")),
    # the colleagues of my areas (names only): street B's manager is not in street A's directory
    ("GET", f"{API}/directory"): RouteRule(anyone, lambda s, m: _get(f"{API}/directory")),
    ("GET", f"{API}/households"): RouteRule(in_area, lambda s, m: _get(f"{API}/households", grid_id=s.grid)),
    ("GET", f"{API}/households/{{household_id}}"): RouteRule(in_area, lambda s, m: _get(
        f"{API}/households/{s.household}")),
    ("GET", f"{API}/residents/{{resident_id}}"): RouteRule(in_area, lambda s, m: _get(f"{API}/residents/{s.resident}")),
    ("GET", f"{API}/residents/{{resident_id}}/changes"): RouteRule(in_area, lambda s, m: _get(
        f"{API}/residents/{s.resident}/changes")),
    # PIPL requests about one person (server/routes/privacy.py): managers and administrators of the area
    ("GET", f"{API}/residents/{{resident_id}}/access-log"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/residents/{s.resident}/access-log")),
    ("GET", f"{API}/residents/{{resident_id}}/export"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/residents/{s.resident}/export")),
    ("POST", f"{API}/residents/{{resident_id}}/correction"): RouteRule(managers_in_area, lambda s, m: _post(
        f"{API}/residents/{s.resident}/correction", {"fields": {"notes": "核对后更正"}})),
    ("POST", f"{API}/residents/{{resident_id}}/anonymise"): RouteRule(managers_in_area, lambda s, m: _post(
        f"{API}/residents/{s.resident}/anonymise")),
    ("GET", f"{API}/reports/monthly"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/reports/monthly", area_id=s.community, month=MONTH)),
    ("POST", f"{API}/spot-checks"): RouteRule(managers_in_area, lambda s, m: _post(f"{API}/spot-checks", {
        "area_id": s.grid, "month": MONTH, "rate": 1})),
    ("GET", f"{API}/spot-checks"): RouteRule(managers, lambda s, m: _get(f"{API}/spot-checks")),
    ("GET", f"{API}/spot-checks/{{sample_id}}"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/spot-checks/{s.sample}")),
    ("GET", f"{API}/spot-checks/{{sample_id}}/call-list"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/spot-checks/{s.sample}/call-list")),
    ("GET", f"{API}/spot-checks/{{sample_id}}/summary"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/spot-checks/{s.sample}/summary")),
    ("GET", f"{API}/assessments"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/assessments", area_id=s.community, year=2026)),
    ("PUT", f"{API}/assessments/{{user_id}}/{{year}}"): RouteRule(managers_in_area, lambda s, m: _request(
        "PUT", f"{API}/assessments/{s.user}/2026", {"scores": {}, "notes": ""}, area_id=s.community)),
    ("GET", f"{API}/assessments/{{user_id}}/{{year}}/sheet"): RouteRule(managers_in_area, lambda s, m: _get(
        f"{API}/assessments/{s.user}/2026/sheet", area_id=s.community)),
    ("POST", f"{API}/spot-checks/items/{{item_id}}"): RouteRule(managers_in_area, lambda s, m: _post(
        f"{API}/spot-checks/items/{s.item}", {"result": "confirmed"})),
    # what a push or pull may touch is the table matrix below; the routes themselves serve anyone signed in
    ("POST", f"{API}/sync/push"): RouteRule(anyone, lambda s, m: _post(f"{API}/sync/push", {
        "device_id": m.current_device, "changes": []})),
    ("GET", f"{API}/sync/pull"): RouteRule(anyone, lambda s, m: _get(f"{API}/sync/pull")),
    ("GET", f"{API}/sync/conflicts"): RouteRule(anyone, lambda s, m: _get(f"{API}/sync/conflicts", state="all")),
    # the employer's page: no sign-in, a referral's check token or code instead (tests/jobs/test_employer_check.py)
    ("GET", "/r"): RouteRule(None, lambda s, m: _get("/r")),
    ("POST", "/r"): RouteRule(None, lambda s, m: _post("/r")),
    ("GET", "/r/{code}"): RouteRule(None, lambda s, m: _get("/r/X")),
    ("POST", "/r/{code}"): RouteRule(None, lambda s, m: _post("/r/X")),
    ("GET", "/r/{code}/{rest:path}"): RouteRule(None, lambda s, m: _get("/r/X/Y")),
}


def area_push(_role: str, place: str) -> str:
    return "applied" if place == "own" else "outside_area"


@dataclass(frozen=True)
class TableRule:
    rule: Rule
    fields: Callable[[Side, str], dict[str, Any]]  # (place's ids, caller's user id) -> the created row's fields


TABLES: dict[str, TableRule] = {
    "area": TableRule(lambda r, p: "read_only", lambda s, me: {"name": "新网格"}),
    "household": TableRule(area_push, lambda s, me: {"grid_id": s.grid, "community_id": s.community,
                                                     "street_id": s.street}),
    "resident": TableRule(area_push, lambda s, me: {"household_id": s.household, "grid_id": s.grid}),
    "status_record": TableRule(area_push, lambda s, me: {
        "resident_id": s.resident, "grid_id": s.grid, "kind": "employment", "value": "unemployed",
        "effective_on": "2026-11-01", "recorded_by": me}),
    "visit": TableRule(area_push, lambda s, me: {
        "household_id": s.household, "grid_id": s.grid, "coordinator_id": me, "visited_at": "2026-11-10T02:00:00Z",
        "outcome": "met", "resident_ids": [s.resident]}),
    "employer": TableRule(area_push, lambda s, me: {"street_id": s.street, "community_id": s.community,
                                                    "name": "新工厂"}),
    "vacancy": TableRule(area_push, lambda s, me: {"employer_id": s.employer, "street_id": s.street,
                                                   "community_id": s.community, "title": "普工", "collected_by": me}),
    "referral": TableRule(area_push, lambda s, me: {"resident_id": s.resident, "vacancy_id": s.vacancy,
                                                    "grid_id": s.grid, "code": "R0001", "created_by": me}),
    "referral_event": TableRule(area_push, lambda s, me: {"referral_id": s.referral, "grid_id": s.grid,
                                                          "status": "interviewed", "occurred_on": "2026-11-11",
                                                          "recorded_by": me}),
    # devices only close conflicts the server made (tests/sync/test_push_guard.py closes one of each grid)
    "conflict": TableRule(lambda r, p: "unknown_record", lambda s, me: {"state": "resolved", "resolved_by": me,
                                                                        "resolved_value": None}),
}


# --- the world --------------------------------------------------------------------------------------------------------


class Matrix:
    """The fed test world plus street A's administrator, callers without areas, jobs, devices and samples."""

    def __init__(self, engine) -> None:
        self.engine = engine
        world = feed_world(engine)
        self.world = world
        extra = {"admin_a": ("admin", [world.areas["street_a"]]), "coord_none": ("coordinator", []),
                 "manager_none": ("manager", []), "admin_none": ("admin", [])}
        with Session(engine, expire_on_commit=False) as session:
            for name, (role, areas) in extra.items():
                account, links = user(name, role, areas)
                session.add(account)
                session.flush()
                session.add_all(links)
                world.users[name] = account
            session.commit()
        self.app = make_app(engine)
        self.client = ApiClient(self.app)
        self.tokens: dict[str, str] = {}
        self.devices: dict[str, str] = {}
        self._serial = 0
        self.current_device = ""
        self.sides = {"own": self._side("a1", "a", "street_a", "coord_a1"),
                      "other": self._side("b1", "b", "street_b", "manager_b")}
        self.secrets = {self.sides["other"].household, self.sides["other"].resident, world.users["manager_b"].id}
        self._registered_unemployed()
        for place, manager in (("own", "manager_a"), ("other", "manager_b")):
            side = self.sides[place]
            drawn = self.client.post(f"{API}/spot-checks", token=self.token(manager),
                                     json={"area_id": side.grid, "month": MONTH, "rate": 1}).json()
            side.sample = drawn["sample_id"]
            side.item = self.client.get(f"{API}/spot-checks/{side.sample}", token=self.token(manager)
                                        ).json()["items"][0]["id"]

    def _side(self, grid: str, community: str, street: str, member: str) -> Side:
        w = self.world
        employer, vacancy, referral = new_id(), new_id(), new_id()
        grid_row = w.areas[f"grid_{grid}"]
        with self.engine.begin() as conn:
            conn.execute(insert(Employer.__table__).values(id=employer, street_id=w.areas[street].id, name="厂",
                                                           stamps={}))
            conn.execute(insert(Vacancy.__table__).values(id=vacancy, employer_id=employer,
                                                          street_id=w.areas[street].id, title="普工", stamps={}))
            conn.execute(insert(Referral.__table__).values(
                id=referral, resident_id=w.residents[f"grid_{grid}"].id, vacancy_id=vacancy, grid_id=grid_row.id,
                code="X0001", stamps={}))
        return Side(grid=grid_row.id, community=w.areas[f"community_{community}"].id, street=w.areas[street].id,
                    household=w.households[f"grid_{grid}"].id, resident=w.residents[f"grid_{grid}"].id,
                    employer=employer, vacancy=vacancy, referral=referral, user=w.users[member].id)

    def _registered_unemployed(self) -> None:
        rows = []
        for resident in self.world.residents.values():
            for kind, value in (("registration", "registered"), ("employment", "unemployed")):
                rows.append({"id": new_id(), "resident_id": resident.id, "grid_id": resident.grid_id, "kind": kind,
                             "value": value, "effective_on": date(2026, 1, 1), "stamps": {}})
        with self.engine.begin() as conn:
            conn.execute(insert(StatusRecord.__table__), rows)

    def serial(self) -> int:
        self._serial += 1
        return self._serial

    def new_device(self, username: str) -> tuple[str, str]:
        """A signed-in device of the user (made in the database: no slow password check): (id, token)."""
        token, device_id = new_token(), new_id()
        with self.engine.begin() as conn:
            conn.execute(insert(Device.__table__).values(id=device_id, user_id=self.world.users[username].id,
                                                         name="matrix", token_hash=token_hash(token)))
        return device_id, token

    def victim_user(self, side: Side) -> str:
        """A fresh coordinator of the place's community, to be disabled or given a new password."""
        community = next(a for a in self.world.areas.values() if a.id == side.community)
        account, links = user(f"victim{self.serial()}", "coordinator", [community])
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(account)
            session.flush()
            session.add_all(links)
            session.commit()
        return account.id

    def known_password(self) -> str:
        """The password of the current device's user, set back to the factories' one (a change replaced it)."""
        with self.engine.begin() as conn:
            owner = conn.execute(select(Device.__table__.c.user_id)
                                 .where(Device.__table__.c.id == self.current_device)).scalar_one()
            conn.execute(update(UserAccount.__table__).where(UserAccount.__table__.c.id == owner)
                         .values(password_hash=password_hash()))
        return PASSWORD

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.devices[username], self.tokens[username] = self.new_device(username)
        return self.tokens[username]

    def victim(self, side: Side) -> str:
        """A fresh device of the place's user, to be revoked."""
        username = next(n for n, u in self.world.users.items() if u.id == side.user)
        return self.new_device(username)[0]

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def matrix(sqlite_engine):
    made = Matrix(sqlite_engine)
    yield made
    made.close()


def served_routes() -> set[tuple[str, str]]:
    found = set()
    for router in discover_routers():
        for route in router.router.routes:
            if isinstance(route, APIRoute):
                found.update((method, router.prefix + route.path) for method in route.methods)
    return found


def _answer(response) -> str:
    if 200 <= response.status_code < 300:
        return "ok"
    code = response.json().get("code") if "json" in response.headers.get("content-type", "") else None
    return {"auth.outside_area": "outside", "auth.forbidden": "forbidden"}.get(code, f"{response.status_code} {code}")


# --- the tests ----------------------------------------------------------------------------------------------------------


def test_every_route_and_synced_table_has_a_rule():
    routes = served_routes()
    assert not routes - ROUTES.keys(), (
        f"routes without an access rule (add them to ROUTES in {__name__}): {sorted(routes - ROUTES.keys())}")
    assert not ROUTES.keys() - routes, f"rules for routes that are not served: {sorted(ROUTES.keys() - routes)}"
    assert set(TABLES) == set(SYNC_SPECS), "every synced table needs a rule in TABLES"
    assert set(push_guard.REFERENCES) == set(SYNC_SPECS), "every synced table needs its references in push_guard"
    referenced = {(table, ref.column) for table, refs in push_guard.REFERENCES.items() for ref in refs}
    for table, spec in SYNC_SPECS.items():
        for name in spec.device_fields:
            if name.endswith(("_id", "_ids", "_by")) and name not in push_guard.SCOPE_COLUMNS:
                ruled = (table, name) in referenced or push_guard.WHO_FIELDS.get(table) == name
                assert ruled, f"{table}.{name} names a record or a person: give it a rule in push_guard"


def test_every_route_for_every_role_and_place(matrix):
    wrong = []
    for (method, path), route in sorted(ROUTES.items()):
        own = route.request(matrix.sides["own"], matrix)
        if route.rule is None:
            continue
        anonymous = matrix.client.request(own["method"], own["url"], params=own.get("params"), json=own.get("json"),
                                          token="")
        if (anonymous.status_code, anonymous.json()["code"]) != (401, "auth.required"):
            wrong.append((method, path, "anonymous", anonymous.status_code))
        for role in ROLES:
            for place in PLACES:
                caller = CALLERS[(role, "none" if place == "none" else "own")]
                side = matrix.sides["other" if place == "other" else "own"]
                if route.fresh_token:
                    matrix.current_device, token = matrix.new_device(caller)
                else:
                    token = matrix.token(caller)
                    matrix.current_device = matrix.devices[caller]
                asked = route.request(side, matrix)
                response = matrix.client.request(asked["method"], asked["url"], params=asked.get("params"),
                                                 json=asked.get("json"), token=token)
                got, expected = _answer(response), route.rule(role, place)
                if got != expected:
                    wrong.append((method, path, role, place, f"expected {expected}, got {got}"))
                elif got == "ok" and caller != "admin_none":
                    leaked = [s for s in matrix.secrets if s in response.text]
                    if leaked:
                        wrong.append((method, path, role, place, "street B's ids in the answer"))
    assert wrong == []


def test_every_synced_table_for_every_role_and_place(matrix):
    wrong = []
    for role in ROLES:
        for place in PLACES:
            caller = CALLERS[(role, "none" if place == "none" else "own")]
            side = matrix.sides["other" if place == "other" else "own"]
            me = matrix.world.users[caller].id
            token = matrix.token(caller)
            changes = []
            for seq, (table, rule) in enumerate(sorted(TABLES.items()), start=1):
                fields = rule.fields(side, me)
                stamp = f"{1_700_000_000_000 + seq:013d}.00000.{matrix.devices[caller]}"
                changes.append({"seq": seq, "table": table, "row_id": new_id(), "fields": fields,
                                "stamps": {SYNC_SPECS[table].clock_key(f): stamp for f in fields}, "base": {}})
            answer = matrix.client.post(f"{API}/sync/push", token=token, json={
                "device_id": matrix.devices[caller], "changes": changes})
            assert answer.status_code == 200, answer.text
            matrix.tokens.pop(caller)  # the next push of this caller starts from seq 1 on a new device
            results = {r["seq"]: r for r in answer.json()["results"]}
            for change in changes:
                result = results[change["seq"]]
                got = result["status"] if result["status"] != "rejected" else result["code"].removeprefix("sync.")
                expected = TABLES[change["table"]].rule(role, place)
                if got != expected:
                    wrong.append((change["table"], role, place, f"expected {expected}, got {got}"))
    assert wrong == []


def test_every_reference_to_the_other_place_is_refused(matrix):
    """Generated from ``push_guard.REFERENCES``: the own place's row, with one reference pointing at the other's."""
    own, other = matrix.sides["own"], matrix.sides["other"]
    caller = "coord_a1"
    me = matrix.world.users[caller].id
    token = matrix.token(caller)
    target_ids = {"household": "household", "resident": "resident", "referral": "referral", "vacancy": "vacancy",
                  "employer": "employer"}
    changes, expected = [], []
    for table, refs in sorted(push_guard.REFERENCES.items()):
        for ref in refs:
            fields = TABLES[table].fields(own, me)
            if ref.target == "area":
                away = other.grid if ref.column == "grid_id" else other.community
            else:
                away = getattr(other, target_ids[ref.target])
            fields[ref.column] = [away] if ref.many else away
            seq = len(changes) + 1
            stamp = f"{1_700_000_000_000 + seq:013d}.00000.{matrix.devices[caller]}"
            changes.append({"seq": seq, "table": table, "row_id": new_id(), "fields": fields,
                            "stamps": {SYNC_SPECS[table].clock_key(f): stamp for f in fields}, "base": {}})
            expected.append((table, ref.column, "sync.outside_area"))
    answer = matrix.client.post(f"{API}/sync/push", token=token, json={
        "device_id": matrix.devices[caller], "changes": changes})
    results = {r["seq"]: r for r in answer.json()["results"]}
    got = [(table, column, results[c["seq"]]["code"]) for (table, column, _), c in zip(expected, changes, strict=True)]
    assert got == expected
    assert len(changes) >= 10  # every reference of REFERENCES was tried
