"""Harness for the device-side sync tests: the real app in process, real DeviceStores, injected failures.

- ``Cloud``: the server app on an in-memory SQLite database with the test
  world (``tests.server.factories``), extra coordinators, and devices signed in
  through the real login route. ``Cloud.save()`` / ``restore()`` copy the whole
  database (SQLite backup), so each Hypothesis example starts from the same
  signed-in state without paying for logins again.
- ``Phone``: one device: its own SQLite file, a ``FaultyTransport`` in front of
  the app, a clock with an offset (days ahead, behind, jumping back).
- ``device_view`` / ``server_view``: the synced fields of every synced table,
  row by row (tombstones included), decrypted on the device, for equality checks.
"""
from __future__ import annotations

import gzip
import itertools
import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
import zstandard
from sqlalchemy import func, insert, select

from mobile.store import DeviceStore, MemoryKeyStore
from mobile.sync import InProcessTransport, SyncEngine, SyncSummary
from server.app import create_app
from server.services.change_log import record_changes
from server.services.scope import load_scope
from server.services.sync_rows import encode_fields, row_scope, scope_allows
from server.settings import get_settings
from shared.models import MODEL_BY_TABLE, ChangeLog, SQLModel, SyncState, UserAccount, UserArea, server_tables
from shared.sync_codec import encode_row
from shared.sync_schema import SYNC_SPECS
from tests.conftest import sqlite_memory_engine
from tests.server.factories import PASSWORD, build_world, user

BASE_URL = "http://testserver"
PIN = "246810"
# Fields the server sets from its own wall clock: they differ between two otherwise identical runs.
SERVER_TIME_FIELDS = {("visit", "received_at"), ("conflict", "created_at")}


class InjectedFault(RuntimeError):
    """Raised by the test hooks inside the store (while applying a page, before saving the cursor)."""


@dataclass
class Fault:
    path: str  # "push" | "pull"
    # "before": the request never reaches the server; "after": it was handled, the answer is lost;
    # "503": the server answers Service Unavailable without handling it
    when: str
    remaining: int = 1


class FaultyTransport(httpx.BaseTransport):
    """Passes requests to the app, except those it was told to fail; records push bodies."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.faults: list[Fault] = []
        self.pushes: list[bytes] = []
        self.encodings: list[str] = []  # each push body's Content-Encoding
        self.answers: list[tuple[str, int]] = []  # each push answer's Content-Encoding and bytes as they came
        self.handled: list[str] = []
        self.pull_limits: list[int] = []  # the rows each pull request asked for

    def fail(self, path: str, when: str, times: int = 1) -> None:
        self.faults.append(Fault(path, when, times))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        kind = request.url.path.rsplit("/", 1)[-1]
        fault = next((f for f in self.faults if f.path == kind and f.remaining > 0), None)
        if fault is not None:
            fault.remaining -= 1
            if fault.when == "before":
                raise httpx.ConnectError("injected: no connection", request=request)
            if fault.when == "503":
                return httpx.Response(503, json={"code": "server.unavailable", "message": "injected"})
        if kind == "pull":
            self.pull_limits.append(int(request.url.params["limit"]))
        if kind == "push":  # the JSON the phone sent (it goes gzip, or zstd once the server said it takes it)
            body, encoding = request.read(), request.headers.get("content-encoding", "identity")
            self.encodings.append(encoding)
            self.pushes.append(gzip.decompress(body) if encoding == "gzip"
                               else zstandard.ZstdDecompressor().decompress(body) if encoding == "zstd" else body)
        response = self.inner.handle_request(request)
        self.handled.append(kind)
        if kind == "push":  # the body as it came, handed on as it came
            raw = b"".join(response.iter_raw())
            self.answers.append((response.headers.get("content-encoding", ""), len(raw)))
            response = httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw),
                                      request=request)
        if fault is not None:  # "after": the server committed, the answer never arrives
            response.read()
            raise httpx.ReadError("injected: connection lost before the answer", request=request)
        return response


class Cloud:
    """The server in process, with the test world and signed-in devices."""

    def __init__(self, coordinators: int = 4, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = sqlite_memory_engine()
        SQLModel.metadata.create_all(self.engine, tables=server_tables())
        self.world = build_world(self.engine)
        grid = self.world.areas["grid_a1"]
        self.grid = grid
        extra = [user(f"coord_g{i}", "coordinator", [grid]) for i in range(coordinators)]
        with self.engine.begin() as conn:
            for account, links in extra:
                conn.execute(insert(UserAccount.__table__), [account.model_dump()])
                conn.execute(insert(UserArea.__table__), [link.model_dump() for link in links])
        self.coordinators = ["coord_a1"] + [account.username for account, _links in extra]
        with self.engine.begin() as conn:  # the bulk load's feed entries, as the server's loader makes
            record_changes(conn, [row_scope(t, dict(r)) for t in SYNC_SPECS
                                  for r in conn.execute(select(MODEL_BY_TABLE[t].__table__)).mappings()])
        self.app = create_app(get_settings(database_url="sqlite://"), engine=self.engine, clock=clock)
        self.transport = InProcessTransport(self.app)
        self._saved: sqlite3.Connection | None = None

    def close(self) -> None:
        self.transport.shutdown()
        if self._saved is not None:
            self._saved.close()
        self.engine.dispose()

    def login(self, username: str, device_name: str = "测试手机") -> dict[str, Any]:
        with httpx.Client(base_url=BASE_URL, transport=self.transport) as client:
            response = client.post("/api/v1/auth/login",
                                   json={"username": username, "password": PASSWORD, "device_name": device_name})
        assert response.status_code == 200, response.text
        return response.json()

    def _backup(self, to_saved: bool) -> None:
        raw = self.engine.raw_connection()  # the one shared in-memory connection (StaticPool)
        try:
            if to_saved:
                raw.driver_connection.backup(self._saved)
            else:
                self._saved.backup(raw.driver_connection)
        finally:
            raw.close()

    def save(self) -> None:
        """Remember the whole database (after logins): ``restore`` goes back to it."""
        self._saved = sqlite3.connect(":memory:", check_same_thread=False)
        self._backup(to_saved=True)

    def restore(self) -> None:
        self._backup(to_saved=False)

    def add_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Rows written by an administrator, with their change-feed entries (as the server's loaders do)."""
        with self.engine.begin() as conn:
            conn.execute(insert(MODEL_BY_TABLE[table].__table__), rows)
            record_changes(conn, [row_scope(table, r) for r in rows])

    def feed_size(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(ChangeLog.__table__)).scalar_one()

    def last_version(self) -> int:
        """The last change version handed out: grows with every change the server applied."""
        with self.engine.connect() as conn:
            return conn.execute(select(SyncState.__table__.c.last_version)).scalar() or 0

    def row(self, table: str, row_id: str) -> dict[str, Any] | None:
        t = MODEL_BY_TABLE[table].__table__
        with self.engine.connect() as conn:
            found = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
        return dict(found) if found else None

    def server_view(self, user_id: str, *, strict_time: bool = True) -> dict[str, dict[str, str]]:
        """Every synced row the user may see (tombstones included), as comparable text."""
        view: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            scope = load_scope(conn, user_id)
            for table in SYNC_SPECS:
                rows = conn.execute(select(MODEL_BY_TABLE[table].__table__)).mappings().all()
                view[table] = {r["id"]: comparable(table, r["version"], r["deleted"], r["stamps"] or {},
                                                   encode_fields(table, r), strict_time)
                               for r in rows if scope_allows(scope, table, r)}
        return view

    def server_rows(self, *, strict_time: bool = True) -> dict[str, dict[str, str]]:
        """Every synced row on the server, as comparable text (to compare two runs)."""
        out: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for table in SYNC_SPECS:
                rows = conn.execute(select(MODEL_BY_TABLE[table].__table__)).mappings().all()
                out[table] = {r["id"]: comparable(table, r["version"], r["deleted"], r["stamps"] or {},
                                                  encode_fields(table, r), strict_time) for r in rows}
        return out


def comparable(table: str, version: int, deleted: bool, stamps: dict, fields: dict, strict_time: bool) -> str:
    if not strict_time:
        fields = {k: v for k, v in fields.items() if (table, k) not in SERVER_TIME_FIELDS}
    return json.dumps({"version": version, "deleted": bool(deleted), "stamps": stamps, "fields": fields},
                      sort_keys=True, ensure_ascii=False)


def device_view(store: DeviceStore, *, strict_time: bool = True) -> dict[str, dict[str, str]]:
    """Every synced row on the phone (tombstones included), decrypted, in ``Cloud.server_view``'s form."""
    view: dict[str, dict[str, str]] = {}
    for table in SYNC_SPECS:
        view[table] = {r["id"]: comparable(table, r["version"], r["deleted"], r["stamps"] or {},
                                           encode_row(table, r), strict_time) for r in store.all_rows(table)}
    return view


def differences(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> list[str]:
    """Human-readable differences between two views (empty when equal)."""
    out = []
    for table in sorted(set(a) | set(b)):
        rows_a, rows_b = a.get(table, {}), b.get(table, {})
        for row_id in sorted(set(rows_a) | set(rows_b)):
            if rows_a.get(row_id) != rows_b.get(row_id):
                out.append(f"{table} {row_id}:\n  {rows_a.get(row_id)}\n  {rows_b.get(row_id)}")
    return out


class DeterministicIds:
    """Replaces ``new_id`` in the store: the same sequence of ids in two runs of one script."""

    def __init__(self, seed: str = "doorstep") -> None:
        self.seed = seed
        self.counter = itertools.count()

    def __call__(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.seed}/{next(self.counter)}"))


@dataclass
class Phone:
    """One coordinator's phone against the cloud."""

    cloud: Cloud
    username: str
    data_dir: Path
    offset: timedelta = timedelta(0)
    base: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))

    def __post_init__(self) -> None:
        self.login = self.cloud.login(self.username)
        self.store = DeviceStore.open(self.data_dir, MemoryKeyStore(), scrypt_n=2**10)
        self.transport = FaultyTransport(self.cloud.transport)
        self.sleeps: list[float] = []
        self.reset()

    @property
    def user_id(self) -> str:
        return self.login["user"]["id"]

    @property
    def device_id(self) -> str:
        return self.login["device_id"]

    def reset(self) -> None:
        """A fresh phone of the same signed-in device (the cloud's ``restore`` resets the server side)."""
        if self.store.is_provisioned():
            self.store.wipe()
        self.store.provision(PIN)
        for key in ("device_id", "user", "token"):
            self.store.set_meta(key, self.login[key] if key != "user" else self.login["user"])
        self.store.set_meta("server_url", BASE_URL)
        self.transport.faults.clear()
        self.transport.pushes.clear()
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self.base() + self.offset

    def engine(self, **kwargs: Any) -> SyncEngine:
        kwargs.setdefault("sleep", self.sleeps.append)
        kwargs.setdefault("keep_outcomes", True)  # the simulations read every change's answer
        return SyncEngine(self.store, BASE_URL, self.login["token"], transport=self.transport, clock=self.now,
                          **kwargs)

    def sync(self, **kwargs: Any) -> SyncSummary:
        progress = kwargs.pop("progress", None)
        with self.engine(**kwargs) as engine:
            return engine.sync(progress=progress)

    def view(self, *, strict_time: bool = True) -> dict[str, dict[str, str]]:
        return device_view(self.store, strict_time=strict_time)

    def close(self) -> None:
        self.store.close()



# --- randomized scripts ---------------------------------------------------------------------------

SEED_STAMP = "1700000000000.00000.seed"
# Small value pools, so phones often write the same field and sometimes the same value.
RESIDENT_EDITS: list[tuple[str, list[dict[str, Any]]]] = [
    ("phone", [{"phone": p} for p in ("13800138000", "13900139000", "15000150000")]),
    ("notes", [{"notes": n} for n in ("", "腿脚不便", "白天不在家", "已搬走？")]),
    ("education", [{"education": e} for e in ("junior", "senior", "college")]),
    ("employment", [
        {"employment_status": "unemployed", "employment_since": date(2026, 1, 5), "employer_name": ""},
        {"employment_status": "employed", "employment_since": date(2026, 6, 1), "employer_name": "惠民超市"},
        {"employment_status": "flexible", "employment_since": date(2026, 9, 1), "employer_name": ""},
    ]),
    ("name", [{"name": n} for n in ("王芳", "李娜", "阿依古丽·买买提")]),
    ("job_wish_min_wage", [{"job_wish_min_wage": w} for w in (2000, 3000, 4500)]),
]
HOUSEHOLD_EDITS: list[tuple[str, list[dict[str, Any]]]] = [
    ("address", [{"address": a, "building": b, "unit": "1", "room": r}
                 for a, b, r in (("幸福路1号", "1", "101"), ("光明路2号", "3", "502"))]),
    ("zero_employment", [{"zero_employment": v} for v in (True, False)]),
    ("notes", [{"notes": n} for n in ("", "有老人", "养狗")]),
]
SKILLS = ("家政", "电工", "厨师", "保安")
KINDS = ("sync", "sync", "sync", "edit_resident", "edit_resident", "edit_household", "skill",
         "create_resident", "create_household", "delete_resident", "visit")


def seed_rows(cloud: Cloud, households: int = 3, residents: int = 4) -> None:
    """More households and residents in grid a1, loaded by an administrator (stamped, in the feed)."""
    grid = cloud.grid
    homes = []
    for i in range(households):
        homes.append({"id": seed_id(f"home/{i}"), "grid_id": grid.id,
                      "community_id": grid.community_id, "street_id": grid.street_id, "address": f"和平路{i}号",
                      "building": "", "unit": "", "room": "", "version": 0, "deleted": False})
    for home in homes:
        home["stamps"] = {k: SEED_STAMP for k in ("address", "grid_id", "community_id", "street_id")}
    cloud.add_rows("household", homes)
    people = []
    for i in range(residents):
        home = homes[i % len(homes)]
        people.append({"id": seed_id(f"person/{i}"), "household_id": home["id"],
                       "grid_id": grid.id, "community_id": grid.community_id, "name": f"居民{'甲乙丙丁戊'[i % 5]}",
                       "phone": None, "skills": ["家政"] if i % 2 else [], "version": 0, "deleted": False,
                       "stamps": {"name": SEED_STAMP, "phone": SEED_STAMP, "notes": SEED_STAMP,
                                  "education": SEED_STAMP, "employment": SEED_STAMP,
                                  **({"skills|家政": SEED_STAMP} if i % 2 else {})}})
    cloud.add_rows("resident", people)
    employer = seed_id("employer/0")
    cloud.add_rows("employer", [{"id": employer, "street_id": grid.street_id, "name": "惠民超市",
                                 "stamps": {"street_id": SEED_STAMP, "name": SEED_STAMP}}])
    cloud.add_rows("vacancy", [{"id": seed_id("vacancy/0"), "employer_id": employer, "street_id": grid.street_id,
                                "title": "理货员", "stamps": {"employer_id": SEED_STAMP, "title": SEED_STAMP}}])


def seed_id(name: str) -> str:
    """The id of a seeded row: ``person/0`` .. ``person/3``, ``home/0`` .., ``employer/0``, ``vacancy/0``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


class Sim:
    """Up to ``size`` phones (different coordinators of grid a1) over one cloud, reset for every example.

    Time is virtual: every operation moves it one second; a phone's clock is
    that time plus its own offset (days ahead, behind ...). Starting a minute
    after the real clock keeps two runs of one script identical.
    """

    def __init__(self, root: Path, size: int = 6) -> None:
        self.cloud = Cloud(coordinators=size - 1, clock=lambda: self.now())  # the server runs on virtual time
        seed_rows(self.cloud)
        self.t0 = datetime.now(timezone.utc)
        self.step = 0
        self.phones = [Phone(self.cloud, name, root / f"phone{i}", base=self.now)
                       for i, name in enumerate(self.cloud.coordinators[:size])]
        self.cloud.save()  # after the logins: every example starts signed in, with nothing synced
        self.summaries: list[SyncSummary] = []

    def close(self) -> None:
        for phone in self.phones:
            phone.close()
        self.cloud.close()

    def now(self) -> datetime:
        return self.t0 + timedelta(seconds=self.step)

    def start(self, count: int, t0: datetime | None = None) -> list[Phone]:
        self.cloud.restore()
        self.t0 = t0 or datetime.now(timezone.utc) + timedelta(minutes=1)
        self.step = 0
        self.summaries = []
        for phone in self.phones[:count]:
            phone.reset()
            phone.store.fault_hook = None
        return self.phones[:count]

    def sync(self, phone: Phone, **kwargs: Any) -> SyncSummary:
        summary = phone.sync(**kwargs)
        self.summaries.append(summary)
        return summary

    def morning(self, phones: list[Phone]) -> None:
        """Every phone's first sync of the day (they start empty)."""
        for phone in phones:
            self.sync(phone)

    def finish(self, phones: list[Phone]) -> None:
        """Everybody syncs, then everybody syncs again (to get what the others pushed last)."""
        for phone in phones + phones:
            self.step += 1
            self.sync(phone)

    def converged(self, phones: list[Phone]) -> list[str]:
        problems = []
        for phone in phones:
            problems += [f"{phone.username}: {d}" for d in differences(self.cloud.server_view(phone.user_id),
                                                                        phone.view())]
            if phone.store.pending_count():
                problems.append(f"{phone.username}: outbox not empty")
        return problems

    def apply(self, phones: list[Phone], op: tuple[str, int, int, int]) -> None:
        """One step of a script: ``(kind, phone, a, b)``; a and b pick rows and values at run time."""
        kind, which, a, b = op
        self.step += 1
        phone = phones[which % len(phones)]
        store, now = phone.store, phone.now()
        # by creation order (seeded rows first), so small numbers pick the same rows on every phone
        residents = sorted(store.rows("resident"), key=lambda r: (r["version"] == 0, r["version"], r["id"]))
        homes = sorted(store.rows("household"), key=lambda r: (r["version"] == 0, r["version"], r["id"]))
        if kind == "sync":
            self.sync(phone)
        elif kind == "edit_resident" and residents:
            _name, choices = RESIDENT_EDITS[a % len(RESIDENT_EDITS)]
            value = choices[(a // len(RESIDENT_EDITS) + which) % len(choices)]  # phones differ in what they write
            store.save("resident", value, row_id=residents[b % len(residents)]["id"], now=now)
        elif kind == "edit_household" and homes:
            _name, choices = HOUSEHOLD_EDITS[a % len(HOUSEHOLD_EDITS)]
            value = choices[(a // len(HOUSEHOLD_EDITS) + which) % len(choices)]
            store.save("household", value, row_id=homes[b % len(homes)]["id"], now=now)
        elif kind == "skill" and residents:
            person = residents[b % len(residents)]
            skill = SKILLS[a % len(SKILLS)]
            skills = set(person["skills"]) ^ {skill}  # add it, or take it away
            store.save("resident", {"skills": sorted(skills)}, row_id=person["id"], now=now)
        elif kind == "create_resident" and homes:
            home = homes[a % len(homes)]
            store.save("resident", {"household_id": home["id"], "grid_id": home["grid_id"],
                                    "community_id": home["community_id"], "name": "新居民",
                                    "skills": [SKILLS[b % len(SKILLS)]]}, now=now)
        elif kind == "create_household":
            grid = self.cloud.grid
            store.save("household", {"grid_id": grid.id, "community_id": grid.community_id,
                                     "street_id": grid.street_id, "address": f"新建楼{a % 7}号"}, now=now)
        elif kind == "delete_resident" and residents:
            store.delete("resident", residents[a % len(residents)]["id"], now=now)
        elif kind == "visit" and homes:
            home = homes[a % len(homes)]
            store.append("visit", {"household_id": home["id"], "grid_id": home["grid_id"],
                                   "coordinator_id": phone.user_id, "visited_at": now,
                                   "outcome": ("met", "not_home")[b % 2],
                                   "services": ["policy_consultation"] if b % 3 else []}, now=now)
