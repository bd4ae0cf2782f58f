"""App benchmark: cold start to a usable worklist with ~10,000 residents on the phone, and time per search keystroke.

Setup (not timed): the demo district grown to about 10,000 residents on an
in-memory server, a coordinator of every grid, and a phone that signed in
and pulled everything into its encrypted store. Then, timed:

- cold start: open the store, unlock with the PIN (Scrypt at the store's real
  cost), build the search index, compute the worklist and build its screen;
- a keystroke: the search screen's change handler (index search and the result
  tiles) for queries typed one character at a time.

    .venv/bin/python bench/bench_app.py [--households 4100] [--runs 3]

Targets (issue 4): cold start at most 2 s, a keystroke at most 30 ms, on 2 cores.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import httpx
from sqlalchemy import insert

from mobile.app import AppConfig, create_main
from mobile.routing import AppContext
from mobile.services.session import Session
from mobile.services.sign_in import SignInService
from mobile.store import DeviceStore, MemoryKeyStore
from mobile.sync import InProcessTransport, SyncEngine
from server.app import create_app
from server.db import make_engine
from server.demo import build_demo, load_demo
from server.migrate import server_metadata
from server.security import hash_password
from server.settings import get_settings
from shared.models import SyncState, UserAccount, UserArea

BASE_URL = "http://bench"
PASSWORD, PIN = "bench-password-1", "480516"
TYPED = ("z", "zh", "zha", "zhan", "zhang", "王", "王芳", "1", "13", "138", "1380", "5", "56", "567", "5678",
         "永", "永安", "永安小区")


class Page:
    """The little of ft.Page the app uses; routes are answered at once, as the Flutter client does."""

    def __init__(self) -> None:
        self.route, self.views, self.services, self.web, self.platform = "/", [], [], False, None
        self.on_route_change = self.on_view_pop = None

    def update(self, *controls) -> None:
        pass

    def show_dialog(self, dialog) -> None:
        pass

    async def push_route(self, route: str) -> None:
        self.route = route
        await self.on_route_change(SimpleNamespace(route=route))

    def run_task(self, *args) -> None:
        pass


def build_phone(folder: Path, households: int) -> tuple[MemoryKeyStore, InProcessTransport, int]:
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    engine = make_engine(url)
    server_metadata().create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(SyncState.__table__).values(id=1, last_version=0, tombstone_horizon=0))
    demo = build_demo(households=households)
    load_demo(engine, demo)
    user_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(UserAccount.__table__).values(
            id=user_id, username="bench", display_name="测试协管员", role="coordinator",
            password_hash=hash_password(PASSWORD), active=True, created_at=datetime.now(timezone.utc)))
        conn.execute(insert(UserArea.__table__), [{"user_id": user_id, "area_id": a["id"]}
                                                  for a in demo.tables["area"] if a["level"] == "grid"])
    transport = InProcessTransport(create_app(get_settings(database_url=url), engine=engine))
    with httpx.Client(base_url=BASE_URL, transport=transport) as client:
        login = client.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD}).json()
    keys = MemoryKeyStore()
    store = DeviceStore.open(folder / "phone", keys)
    store.provision(PIN)
    for key in ("token", "device_id", "user"):
        store.set_meta(key, login[key])
    store.set_meta("server_url", BASE_URL)
    with SyncEngine(store, BASE_URL, login["token"], transport=transport) as sync:
        sync.sync()
    residents = len(store.search_index_rows())
    store.close()
    return keys, transport, residents


async def cold_start(folder: Path, keys: MemoryKeyStore, transport: InProcessTransport) -> tuple[float, AppContext]:
    """From a locked phone: unlock (index built inside) and show the worklist."""
    page = Page()
    config = AppConfig(data_dir=folder / "phone", keystore=keys, transport=transport, idle_check_s=0)
    await create_main(config)(page)  # the unlock screen: the store is opened, still locked
    ctx: AppContext = page.on_route_change.__self__.ctx
    started = time.perf_counter()
    await ctx.service(SignInService).unlock(PIN)
    await ctx.go("/")
    elapsed = time.perf_counter() - started
    assert page.route == "/" and page.views, "the worklist did not show"
    return elapsed, ctx


def keystrokes(ctx: AppContext) -> list[float]:
    """Time the search screen's change handler for each query as it is typed."""
    asyncio.run(ctx.go("/search"))
    view = ctx.page.views[-1]
    field = next(c for c in _walk(view) if getattr(c, "label", None) == "搜索居民或住户")
    times = []
    for text in TYPED:
        field.value = text
        started = time.perf_counter()
        field.on_change(SimpleNamespace(control=field))
        times.append((time.perf_counter() - started) * 1000)
    return times


def _walk(control):
    import dataclasses

    yield control
    for f in dataclasses.fields(control):
        value = getattr(control, f.name, None)
        for child in value if isinstance(value, list) else [value]:
            if hasattr(child, "__dataclass_fields__") and hasattr(child, "_i"):
                yield from _walk(child)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=4100, help="demo households (about 2.4 residents each)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-app-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        keys, transport, residents = build_phone(folder, args.households)
        print(f"setup: {residents:,} residents on the phone ({time.perf_counter() - started:.1f} s)")
        starts = []
        for _ in range(args.runs):
            elapsed, ctx = asyncio.run(cold_start(folder, keys, transport))
            starts.append(elapsed)
            session: Session = ctx.session
            index_size = len(session.search_index)
            strokes = keystrokes(ctx)
            session.store.close()
        print(f"cold start to the worklist: best {min(starts):.2f} s, median {statistics.median(starts):.2f} s"
              f"  (target ≤ 2 s; search index of {index_size:,} entries)")
        print(f"search keystroke: median {statistics.median(strokes):.1f} ms, worst {max(strokes):.1f} ms"
              f" over {len(strokes)} keystrokes (target ≤ 30 ms)")
        for text, ms in zip(TYPED, strokes, strict=True):
            print(f"  {text!r:>12}: {ms:6.1f} ms")
        transport.close()


if __name__ == "__main__":
    main()
