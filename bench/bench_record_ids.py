"""Random UUIDs beside time-first UUIDv7 as the key of a growing table: 1,000-row inserts into a large one.

    .venv/bin/python bench/bench_record_ids.py [--rows 1000000] [--batches 50] [--no-postgres]

The server adds information records and audit events to tables that only
grow (a city's end of day adds one record per resident whose information
changed, one event per pulled page). A random key puts each new row on a
random leaf page of the primary key's index, which a large table no longer
holds in memory; a time-first key (``server.services.record_ids``) appends
it. For each key kind a table shaped like ``information_record``'s key (a
36-character id, a resident id, a short payload) is filled with ``--rows``
rows of that kind, then ``--batches`` commits of 1,000 new rows are timed
(SQLite file in WAL mode with the server's settings; PostgreSQL when reachable).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

from server.db import make_engine  # noqa: E402
from server.services.record_ids import record_ids  # noqa: E402

PG_ADMIN = os.environ.get("DOORSTEP_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
FILL_STEP = 10_000


def keys(kind: str, at: datetime, count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)] if kind == "random" else record_ids(at, count)


def run(engine, kind: str, rows: int, batches: int) -> list[float]:
    """Seconds of each timed 1,000-row commit into a table of ``rows`` rows of ``kind`` keys."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS key_bench"))
        conn.execute(text("CREATE TABLE key_bench (id VARCHAR(36) PRIMARY KEY, resident_id VARCHAR(36), "
                          "payload VARCHAR(80))"))
    insert = text("INSERT INTO key_bench (id, resident_id, payload) VALUES (:id, :resident_id, :payload)")
    for start in range(0, rows, FILL_STEP):
        at = START + timedelta(seconds=start)
        with engine.begin() as conn:
            conn.execute(insert, [{"id": key, "resident_id": str(uuid.uuid4()), "payload": "完整" * 10}
                                  for key in keys(kind, at, min(FILL_STEP, rows - start))])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE key_bench"))
    times = []
    for batch in range(batches):
        at = START + timedelta(days=30, seconds=batch)
        params = [{"id": key, "resident_id": str(uuid.uuid4()), "payload": "完整" * 10} for key in keys(kind, at, 1000)]
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert, params)
        times.append(time.perf_counter() - started)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE key_bench"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    engines = {"SQLite": make_engine(f"sqlite:///{tempfile.mkdtemp()}/keys.sqlite3")}
    drop = None
    if not args.no_postgres:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"doorstep_keys_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engines["PostgreSQL"] = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")

            def drop() -> None:
                engines["PostgreSQL"].dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        except Exception as error:  # noqa: BLE001 - no server: SQLite alone
            print(f"PostgreSQL not reachable ({error.__class__.__name__}): SQLite only")
    try:
        print(f"1,000-row commits into a table of {args.rows:,} rows, median (p90) of {args.batches}, ms")
        for label, engine in engines.items():
            figures = {}
            for kind in ("random", "time-first"):
                times = sorted(run(engine, kind, args.rows, args.batches))
                figures[kind] = (statistics.median(times) * 1000, times[int(0.9 * (len(times) - 1))] * 1000)
            ratio = figures["random"][0] / figures["time-first"][0]
            print(f"{label:10s}  random UUID {figures['random'][0]:6.1f} ({figures['random'][1]:.1f})   "
                  f"UUIDv7 {figures['time-first'][0]:6.1f} ({figures['time-first'][1]:.1f})   ratio {ratio:.1f}")
    finally:
        for engine in engines.values():
            engine.dispose()
        if drop:
            drop()


if __name__ == "__main__":
    main()
