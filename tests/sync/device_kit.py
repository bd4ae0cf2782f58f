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

import itertools
import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
from sqlalchemy import func, insert, select

from mobile.store import DeviceStore, MemoryKeyStore
from mobile.sync import InProcessTransport, SyncEngine, SyncSummary
from server.app import create_app
from server.services.change_log import record_changes
from server.services.scope import load_scope
from server.services.sync_rows import encode_fields, row_scope, scope_allows
from server.settings import get_settings
from shared.models import MODEL_BY_TABLE, ChangeLog, SQLModel, UserAccount, UserArea, server_tables
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
        self.handled: list[str] = []

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
        if kind == "push":
            self.pushes.append(request.read())
        response = self.inner.handle_request(request)
        self.handled.append(kind)
        if fault is not None:  # "after": the server committed, the answer never arrives
            response.read()
            raise httpx.ReadError("injected: connection lost before the answer", request=request)
        return response


class Cloud:
    """The server in process, with the test world and signed-in devices."""

    def __init__(self, coordinators: int = 4) -> None:
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
        self.app = create_app(get_settings(database_url="sqlite://"), engine=self.engine)
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

