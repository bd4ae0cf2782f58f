"""Sync benchmark: field changes merged per second, one coordinator's initial sync, a day's push and pull.

Runs the server's sync services (what the routes call: request parsing, merge,
SQL, JSON and gzip; not the HTTP socket) on SQLite and on PostgreSQL, side by
side, over the demo district (``server.demo``) grown to one coordinator's
area of about 2,500 households, 6,000 residents and 2,000 vacancies.

    .venv/bin/python bench/bench_sync.py [--pushes 8] [--no-postgres]

PostgreSQL: ``DOORSTEP_BENCH_PG_ADMIN`` (default the local server, user
postgres); a database is created for the run and dropped after it.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from server.db import make_engine
from server.demo.build import build_demo
from server.demo.load import load_demo
from server.migrate import server_metadata
from server.services.scope import load_scope
from server.services.sync_pull import pull_changes
from server.services.sync_push import push_changes
from shared.collector import tune_collector
from shared.hlc import HybridClock
from shared.models import Device, SyncState, UserAccount, UserArea
from shared.sync_protocol import PushRequest

PG_ADMIN = os.environ.get("DOORSTEP_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
VACANCIES = 2000
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)


@dataclass
class Setup:
    engine: Engine
    user_id: str
    device_id: str
    rows: dict[str, list[dict]]  # the demo rows by table (for making edits)


def prepare(engine: Engine) -> Setup:
    """Schema, the demo district, extra vacancies up to 2,000, and a coordinator of every grid with a device."""
    server_metadata().create_all(engine)
    demo = build_demo()
    grids = [a for a in demo.tables["area"] if a["level"] == "grid"]
    base_vacancies = demo.tables["vacancy"]
    extra = [dict(base_vacancies[i % len(base_vacancies)], id=str(uuid.UUID(int=i + 1)))
             for i in range(VACANCIES - len(base_vacancies))]
    demo.tables["vacancy"] = base_vacancies + extra
    with engine.begin() as conn:
        conn.execute(insert(SyncState.__table__).values(id=1, last_version=0, tombstone_horizon=0))
    load_demo(engine, demo)
    user_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(UserAccount.__table__).values(id=user_id, username="bench", display_name="bench",
                                                          role="coordinator", password_hash="x", active=True,
                                                          created_at=NOW))
        conn.execute(insert(UserArea.__table__), [{"user_id": user_id, "area_id": g["id"]} for g in grids])
        conn.execute(insert(Device.__table__).values(id=device_id, user_id=user_id, name="bench",
                                                     token_hash=uuid.uuid4().hex, created_at=NOW, last_seq=0))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return Setup(engine, user_id, device_id, demo.tables)


class Editor:
    """Makes realistic device changes (plain fields, groups, set elements) with fresh stamps."""

    def __init__(self, setup: Setup, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.clock = HybridClock(setup.device_id)
        self.ms = int(NOW.timestamp() * 1000) - 3_600_000
        self.residents = setup.rows["resident"]
        self.households = setup.rows["household"]
        self.seq = 0

    def _stamp(self) -> str:
        self.ms += 1
        return self.clock.tick(self.ms)

    def edit(self) -> tuple[dict, int]:
        """One change and the number of field changes in it."""
        self.seq += 1
        stamp = self._stamp()
        kind = self.rng.randrange(5)
        if kind == 4:
            home = self.rng.choice(self.households)
            fields = {"address": home["address"], "building": str(self.rng.randint(1, 30)), "unit": "2",
                      "room": str(self.rng.randint(101, 1802))}
            return {"seq": self.seq, "table": "household", "row_id": home["id"], "fields": fields,
                    "stamps": {"address": stamp}, "base": {"address": home["stamps"].get("address")}}, 4
        person = self.rng.choice(self.residents)
        change = {"seq": self.seq, "table": "resident", "row_id": person["id"]}
        if kind == 0:
            change.update(fields={"notes": f"第{self.seq}次走访记录"}, stamps={"notes": stamp})
        elif kind == 1:
            change.update(fields={"employment_status": "employed", "employment_since": "2026-11-01",
                                  "employer_name": "某物业公司"}, stamps={"employment": stamp})
        elif kind == 2:
            change.update(fields={"phone": f"139{self.rng.randint(0, 99_999_999):08d}", "education": "senior"},
                          stamps={"phone": stamp, "education": stamp})
        else:
            change["set_ops"] = {"skills": [{"element": self.rng.choice(["家政", "电工", "厨师", "保安", "驾驶"]),
                                             "present": True, "stamp": stamp}]}
        counted = len(change.get("fields", {})) + sum(len(v) for v in change.get("set_ops", {}).values())
        change["base"] = {k: person["stamps"].get(k) for k in change.get("stamps", {})}
        return change, counted

    def visit(self, coordinator_id: str) -> tuple[dict, int]:
        self.seq += 1
        home = self.rng.choice(self.households)
        fields = {"household_id": home["id"], "grid_id": home["grid_id"], "coordinator_id": coordinator_id,
                  "visited_at": NOW.isoformat(), "outcome": "met", "services": ["policy_consultation"],
                  "guidance_given": True, "guidance_notes": "介绍了公益性岗位", "notes": ""}
        stamp = self._stamp()
        return {"seq": self.seq, "table": "visit", "row_id": str(uuid.uuid4()), "fields": fields,
                "stamps": {k: stamp for k in fields}}, len(fields)


def push(setup: Setup, changes: list[dict]) -> tuple[float, dict]:
    """Parse and apply one push the way the route does; returns (seconds, answer)."""
    body = json.dumps({"device_id": setup.device_id, "changes": changes}, ensure_ascii=False).encode()
    with setup.engine.connect() as conn:
        scope = load_scope(conn, setup.user_id)
        conn.commit()
        start = time.perf_counter()
        request = PushRequest.model_validate_json(body)
        answer = push_changes(conn, setup.user_id, setup.device_id, scope, request, NOW)
        return time.perf_counter() - start, answer.model_dump()


def bench_merge(setup: Setup, pushes: int, per_push: int = 1000) -> dict:
    editor = Editor(setup)
    total_fields, total_seconds, cpu_seconds, statuses = 0, 0.0, 0.0, {}
    for _ in range(pushes):
        made = [editor.edit() for _ in range(per_push)]
        cpu = time.process_time()
        seconds, answer = push(setup, [c for c, _ in made])
        cpu_seconds += time.process_time() - cpu
        total_seconds += seconds
        total_fields += sum(n for _, n in made)
        for result in answer["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    return {"field_changes": total_fields, "seconds": total_seconds, "per_second": total_fields / total_seconds,
            "cpu_s": cpu_seconds, "statuses": statuses}


def pull_all(setup: Setup, cursor: int = 0, limit: int = 5000) -> dict:
    """Every page from ``cursor``: server CPU and wall time, rows, bytes before and after gzip."""
    pages = rows = raw = zipped = 0
    cpu, wall = time.process_time(), time.perf_counter()
    with setup.engine.connect() as conn:
        scope = load_scope(conn, setup.user_id)
        conn.commit()
        while True:
            page = pull_changes(conn, scope, cursor, limit, int(NOW.timestamp() * 1000))
            body = json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()
            raw += len(body)
            zipped += len(gzip.compress(body, compresslevel=6))
            pages += 1
            rows += len(page["rows"])
            cursor = page["cursor"]
            if not page["has_more"]:
                break
    return {"pages": pages, "rows": rows, "cpu_s": time.process_time() - cpu,
            "wall_s": time.perf_counter() - wall, "raw_bytes": raw, "gzip_bytes": zipped, "cursor": cursor}


def bench_day(setup: Setup, cursor: int) -> dict:
    editor = Editor(setup, seed=11)
    editor.seq = 10_000_000
    made = [editor.visit(setup.user_id) for _ in range(30)] + [editor.edit() for _ in range(100)]
    body = json.dumps({"device_id": setup.device_id, "changes": [c for c, _ in made]}, ensure_ascii=False)
    seconds, _answer = push(setup, [c for c, _ in made])
    pulled = pull_all(setup, cursor)
    return {"push_s": seconds, "push_bytes": len(body.encode()), "push_gzip_bytes": len(gzip.compress(body.encode())),
            "pull": pulled}


def counts(setup: Setup) -> dict[str, int]:
    grids = {a["id"] for a in setup.rows["area"] if a["level"] == "grid"}
    return {"households": sum(1 for h in setup.rows["household"] if h["grid_id"] in grids),
            "residents": len(setup.rows["resident"]), "vacancies": len(setup.rows["vacancy"])}


def run(engine: Engine, pushes: int) -> dict:
    started = time.perf_counter()
    setup = prepare(engine)
    load_s = time.perf_counter() - started
    tune_collector()  # as a served process does once it is built (server.app.served_app)
    initial = pull_all(setup)
    merge = bench_merge(setup, pushes)
    day = bench_day(setup, pull_all(setup, initial["cursor"])["cursor"])
    return {"load_s": load_s, "counts": counts(setup), "initial": initial, "merge": merge, "day": day}


def postgres_database() -> tuple[str, callable] | None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as error:  # noqa: BLE001 - no server: the run goes on with SQLite alone
        print(f"PostgreSQL not reachable ({error.__class__.__name__}): SQLite only")
        return None
    name = f"doorstep_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def report(results: dict[str, dict]) -> None:
    names = list(results)
    rows = [
        ("area: households / residents / vacancies",
         lambda r: "{households} / {residents} / {vacancies}".format(**r["counts"])),
        ("field changes merged per second", lambda r: f"{r['merge']['per_second']:,.0f}"),
        ("  (field changes, seconds)", lambda r: f"{r['merge']['field_changes']:,} in {r['merge']['seconds']:.2f} s"),
        ("  (CPU s of this process: Python, and SQLite)", lambda r: f"{r['merge']['cpu_s']:.2f}"),
        ("  (answers)", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r["merge"]["statuses"].items()))),
        ("initial sync: rows / pages", lambda r: f"{r['initial']['rows']:,} / {r['initial']['pages']}"),
        ("initial sync: server CPU s (wall s)", lambda r: f"{r['initial']['cpu_s']:.2f} ({r['initial']['wall_s']:.2f})"),
        ("initial sync: MB JSON -> gzip", lambda r: f"{r['initial']['raw_bytes'] / 1e6:.2f} -> "
                                                    f"{r['initial']['gzip_bytes'] / 1e6:.2f}"),
        ("day push (30 visits, 100 edits): s, KB gzip", lambda r: f"{r['day']['push_s'] * 1000:.0f} ms, "
                                                                  f"{r['day']['push_gzip_bytes'] / 1e3:.1f} KB"),
        ("day pull: rows, s, KB gzip", lambda r: f"{r['day']['pull']['rows']}, {r['day']['pull']['wall_s'] * 1000:.0f} ms, "
                                                 f"{r['day']['pull']['gzip_bytes'] / 1e3:.1f} KB"),
        ("demo load (s)", lambda r: f"{r['load_s']:.1f}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}}  " + "  ".join(f"{n:>22}" for n in names))
    for label, cell in rows:
        print(f"{label:{width}}  " + "  ".join(f"{cell(results[n]):>22}" for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=8, help="pushes of 1,000 changes in the merge benchmark")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        try:
            results["SQLite (file, WAL)"] = run(engine, args.pushes)
        finally:
            engine.dispose()
    pg = None if args.no_postgres else postgres_database()
    if pg:
        url, drop = pg
        engine = make_engine(url)
        try:
            results["PostgreSQL"] = run(engine, args.pushes)
        finally:
            engine.dispose()
            drop()
    report(results)
    print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other work on the machine slows the wall-clock figures)")


if __name__ == "__main__":
    main()
