"""Device sync benchmark: a phone's initial sync of one coordinator's area, and a day's push and pull.

Everything real except the socket: the server app in process (``create_app``
on a SQLite file), the phone's encrypted ``DeviceStore`` and ``SyncEngine``,
talking through ``mobile.sync.InProcessTransport``. The area is the demo
district (``server.demo``: 2,500 households, ~6,000 residents) with vacancies
grown to 2,000, all assigned to one coordinator.

Prints wall time, the phone's CPU seconds (the calling thread: store, crypto,
JSON, httpx; the server's route code runs in its worker threads), the whole
process's CPU, and the bytes that would cross the wire (gzip bodies + headers).
Targets (issue 3): initial sync at most 3 s of CPU and 4 MB transferred.

    .venv/bin/python bench/bench_device_sync.py [--households 2500] [--vacancies 2000]
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from mobile.store import DeviceStore, MemoryKeyStore
from mobile.sync import InProcessTransport, SyncEngine
from server.app import create_app
from server.db import make_engine
from server.demo import build_demo, load_demo
from server.security import hash_password
from server.settings import get_settings, sqlite_url
from shared.models import SQLModel, SyncState, UserAccount, UserArea, server_tables

BASE_URL = "http://doorstep.local"
PASSWORD = "bench-password-1"


@contextmanager
def measured(label: str, transport: InProcessTransport, results: dict):
    sent, received = transport.bytes_sent, transport.bytes_received
    wall, cpu, proc = time.perf_counter(), time.thread_time(), time.process_time()
    yield
    results[label] = {
        "wall_s": time.perf_counter() - wall, "phone_cpu_s": time.thread_time() - cpu,
        "process_cpu_s": time.process_time() - proc,
        "sent_bytes": transport.bytes_sent - sent, "received_bytes": transport.bytes_received - received,
    }


def build_server(folder: Path, households: int, vacancies: int):
    """A server database with the demo district and a coordinator of every grid; returns (app, engine)."""
    url = sqlite_url(folder / "server.sqlite3")
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine, tables=server_tables())
    demo = build_demo(households=households)
    base = demo.tables["vacancy"]
    demo.tables["vacancy"] = base + [dict(base[i % len(base)], id=str(uuid.UUID(int=i + 1)))
                                     for i in range(max(0, vacancies - len(base)))]
    with engine.begin() as conn:
        conn.execute(insert(SyncState.__table__).values(id=1, last_version=0, tombstone_horizon=0))
    load_demo(engine, demo)
    grids = [a["id"] for a in demo.tables["area"] if a["level"] == "grid"]
    user_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(UserAccount.__table__).values(
            id=user_id, username="bench", display_name="测试协管员", role="coordinator",
            password_hash=hash_password(PASSWORD), active=True, created_at=datetime.now(timezone.utc)))
        conn.execute(insert(UserArea.__table__), [{"user_id": user_id, "area_id": g} for g in grids])
    app = create_app(get_settings(database_url=url), engine=engine)
    return app, engine, demo


def sign_in(transport: InProcessTransport, folder: Path) -> tuple[DeviceStore, SyncEngine]:
    with httpx.Client(base_url=BASE_URL, transport=transport) as client:
        answer = client.post("/api/v1/auth/login", json={"username": "bench", "password": PASSWORD,
                                                         "device_name": folder.name})
        answer.raise_for_status()
        login = answer.json()
    store = DeviceStore.open(folder, MemoryKeyStore())
    store.provision("480516")
    for key in ("token", "device_id", "user"):
        store.set_meta(key, login[key])
    return store, SyncEngine(store, BASE_URL, login["token"], transport=transport)


def a_days_work(store: DeviceStore, rng: random.Random, visits: int, edits: int) -> None:
    """What one coordinator does in a day: visits, and edits of residents and households."""
    now = datetime.now(timezone.utc)
    homes = store.rows("household")
    people = store.search_index_rows()
    user_id = store.user_id
    for i in range(visits):
        home = rng.choice(homes)
        store.append("visit", {"household_id": home["id"], "grid_id": home["grid_id"], "coordinator_id": user_id,
                               "visited_at": now - timedelta(minutes=10 * i), "outcome": "met",
                               "services": ["policy_consultation", "vacancy_information"], "guidance_given": True,
                               "guidance_notes": "介绍了公益性岗位"}, now=now)
    for i in range(edits):
        person = rng.choice(people)
        kind = i % 4
        if kind == 0:
            fields = {"phone": f"139{rng.randint(0, 99_999_999):08d}"}
        elif kind == 1:
            fields = {"employment_status": "employed", "employment_since": date(2026, 11, 1),
                      "employer_name": "某物业公司"}
        elif kind == 2:
            fields = {"skills": ["家政", rng.choice(["电工", "厨师", "保安", "驾驶"])]}
        else:
            fields = {"notes": f"第{i}次走访：需要技能培训"}
        store.save("resident", fields, row_id=person["id"], now=now)


def report(results: dict) -> None:
    print(f"{'':28} {'wall s':>8} {'phone CPU s':>12} {'process CPU s':>14} {'sent KB':>9} {'received KB':>12}")
    for label, r in results.items():
        print(f"{label:28} {r['wall_s']:8.2f} {r['phone_cpu_s']:12.2f} {r['process_cpu_s']:14.2f} "
              f"{r['sent_bytes'] / 1024:9.1f} {r['received_bytes'] / 1024:12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2500)
    parser.add_argument("--vacancies", type=int, default=2000)
    parser.add_argument("--visits", type=int, default=30)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as tmp:
        folder = Path(tmp)
        app, engine, demo = build_server(folder, args.households, args.vacancies)
        transport = InProcessTransport(app)
        results: dict[str, dict] = {}
        phone, phone_engine = sign_in(transport, folder / "phone-a")
        other, other_engine = sign_in(transport, folder / "phone-b")
        with measured("initial sync (phone A)", transport, results):
            first = phone_engine.sync()
        other_engine.sync()
        counts = {t: len(phone.all_rows(t)) for t in ("household", "resident", "vacancy", "visit", "area")}
        a_days_work(phone, random.Random(7), args.visits, args.edits)
        pending = phone.pending_count()
        with measured(f"day's push ({pending} changes)", transport, results):
            day = phone_engine.sync()
        with measured("day's pull (phone B)", transport, results):
            got = other_engine.sync()
        with measured("idle sync (nothing new)", transport, results):
            other_engine.sync()
        with engine.connect() as conn:
            last = conn.execute(select(SyncState.__table__.c.last_version)).scalar()
        print(f"area: {counts} (rows pulled: {first.pulled}; server versions: {last})")
        print(f"day: {args.visits} visits + {args.edits} edits -> pushed {day.pushed}, "
              f"pulled back {day.pulled}; phone B pulled {got.pulled}")
        report(results)
        initial = results["initial sync (phone A)"]
        print(f"targets: initial sync CPU <= 3 s (phone {initial['phone_cpu_s']:.2f} s, "
              f"process {initial['process_cpu_s']:.2f} s); transferred <= 4 MB "
              f"({(initial['sent_bytes'] + initial['received_bytes']) / 1e6:.2f} MB)")
        for store, sync_engine in ((phone, phone_engine), (other, other_engine)):
            sync_engine.close()
            store.close()
        transport.shutdown()
        engine.dispose()


if __name__ == "__main__":
    main()
