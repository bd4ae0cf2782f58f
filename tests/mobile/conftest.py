"""Fixtures for the app's tests: the real server in process (seeded world), a clock, and the app on a fake page."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from mobile.app import AppConfig, create_main
from mobile.store import DeviceStore, MemoryKeyStore
from mobile.sync import InProcessTransport, SyncEngine
from server.app import create_app
from server.settings import get_settings
from shared.models import SQLModel, UserAccount, UserArea, server_tables
from tests.conftest import sqlite_memory_engine
from tests.mobile.ui import FakePage
from tests.server.factories import PASSWORD, user
from tests.sync.server_kit import feed_world

SERVER = "http://testserver"
PIN = "135792"
TEST_SCRYPT_N = 2**10


class Clock:
    """The app's clock: real time shifted by ``advance`` (idle lock, follow-up dates)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


class Switchable(httpx.BaseTransport):
    """The network between the phone and the server: ``online = False`` and every request fails to connect."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.online = True
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.online:
            raise httpx.ConnectError("offline (test)", request=request)
        self.requests += 1
        return self.inner.handle_request(request)


@dataclass
class Cloud:
    engine: Any
    world: Any
    transport: Switchable

    def login(self, username: str) -> dict[str, Any]:
        with httpx.Client(base_url=SERVER, transport=self.transport) as client:
            answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def cloud():
    """The server app on an in-memory database: the test world, plus a second coordinator of grid a1."""
    engine = sqlite_memory_engine()
    SQLModel.metadata.create_all(engine, tables=server_tables())
    world = feed_world(engine)
    account, links = user("coord_a1_b", "coordinator", [world.areas["grid_a1"]])
    with engine.begin() as conn:
        conn.execute(insert(UserAccount.__table__), [account.model_dump()])
        conn.execute(insert(UserArea.__table__), [link.model_dump() for link in links])
    inner = InProcessTransport(create_app(get_settings(database_url="sqlite://"), engine=engine))
    yield Cloud(engine, world, Switchable(inner))
    inner.close()
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class App:
    page: FakePage
    config: AppConfig
    main: Any = None

    def start(self) -> "App":
        self.main = create_main(self.config)
        asyncio.run(self.main(self.page))
        return self

    def another_tab(self) -> FakePage:
        """A second page of the same app process (a browser tab in web mode): same session, own state."""
        page = FakePage()
        page.web = True
        asyncio.run(self.main(page))
        return page

    def open(self, route: str) -> Any:
        """Go to ``route`` as a screen's ``ctx.go`` does (the route shown is rebuilt)."""
        ctx = self.page.on_route_change.__self__.ctx
        asyncio.run(ctx.go(route))
        return self.page.view


@pytest.fixture
def make_app(tmp_path: Path, cloud: Cloud, clock: Clock):
    """An app (not started) on a fake page, with its own data folder, talking to ``cloud``."""
    def make(name: str = "phone") -> App:
        config = AppConfig(data_dir=tmp_path / name, keystore=MemoryKeyStore(), transport=cloud.transport,
                           clock=clock, idle_check_s=0, scrypt_n=TEST_SCRYPT_N)
        return App(FakePage(), config)
    return make


class OtherPhone:
    """A second device driven through the store and engine directly (what its app would call)."""

    def __init__(self, data_dir: Path, cloud: Cloud, username: str) -> None:
        answer = cloud.login(username)
        self.store = DeviceStore.open(data_dir, MemoryKeyStore(), scrypt_n=TEST_SCRYPT_N)
        self.store.provision(PIN)
        for key in ("token", "device_id", "user"):
            self.store.set_meta(key, answer[key])
        self.engine = SyncEngine(self.store, SERVER, answer["token"], transport=cloud.transport, sleep=lambda s: None,
                                 max_retries=1)

    def sync(self):
        return self.engine.sync()


@pytest.fixture
def other_phone(tmp_path: Path, cloud: Cloud):
    phones = []

    def make(username: str = "coord_a1_b") -> OtherPhone:
        phone = OtherPhone(tmp_path / f"other{len(phones)}", cloud, username)
        phones.append(phone)
        return phone
    yield make
    for phone in phones:
        phone.engine.close()
        phone.store.close()
