"""Data scale: coverage and pull at 1 million and 10 million residents side by side, and what partitioning buys.

    .venv/bin/python bench/bench_scale.py [--sizes 1000000,10000000] [--visits-per-resident 1.5] [--variants plain,partitioned,unindexed]

For each size a database is made and the city generated straight into
PostgreSQL (``bench_coverage.generate``: INSERT ... SELECT, no API), then the
change feed the server would hold for it (one entry per household, resident
and visit, interleaved across the city as changes arrive over time). After
``ANALYZE`` it times, best of five after a warm-up:

- the coverage report of one community and of one district (what the manager's screen asks);
- a coordinator's pull: the first page from cursor 0 (a new phone) and the whole initial sync of its two grids;
- the end of day's pull: the last 5,000 changes of the city, from the cursor a phone had this morning.

Then the feed scan alone (the part of a pull whose cost grows with the feed)
three ways: as migration 0003 indexes it (``plain``), on a copy partitioned
by district (``partitioned``: LIST, one partition per district, the pull
pruned to its district), and without the scope indexes (``unindexed``: the
feed before migration 0003). Databases are dropped at the end unless ``--keep``.
"""
from __future__ import annotations

import argparse
import os
import re
import time
from datetime import datetime, timezone

from bench_coverage import PG_ADMIN, generate, report_time, text_id
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from server.migrate import server_metadata
from server.services.scope import load_scope
from server.services.sync_pull import pull_changes

FEED_TABLES = ("household", "resident", "visit")
NOW_MS = int(datetime(2026, 12, 5, 2, tzinfo=timezone.utc).timestamp() * 1000)


def prepare_for_load(engine: Engine) -> list[str]:
    """Unlogged tables without their secondary indexes for the bulk load; returns the indexes to build after it.

    A benchmark's database is thrown away, so skipping the write-ahead log and
    building each index once over the loaded rows (instead of row by row)
    only shortens the set-up; queries are timed on the same tables and indexes.
    """
    with engine.begin() as conn:
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        while tables:  # a table may turn unlogged only once the tables referencing it have (foreign keys)
            for table in sorted(tables):
                try:
                    with conn.begin_nested():
                        conn.execute(text(f'ALTER TABLE "{table}" SET UNLOGGED'))
                    tables.discard(table)
                except Exception:  # noqa: BLE001 - referenced by a logged table: next round
                    continue
    return [definition for _name, definition in indexes]


def build_indexes(engine: Engine, definitions: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for definition in definitions:
            conn.execute(text(definition))


def build_feed(engine: Engine) -> int:
    """One change-log entry per household, resident and visit, in an order that mixes grids (md5 of the id)."""
    # grid-scoped rows: only grid_id is set on their entry (server.services.sync_rows.row_scope)
    union = " UNION ALL ".join(f"SELECT '{t}' AS table_name, id AS row_id, grid_id FROM {t}" for t in FEED_TABLES)
    with engine.begin() as conn:
        conn.execute(text(f"""INSERT INTO change_log (version, table_name, row_id, grid_id)
            SELECT row_number() OVER (ORDER BY md5(row_id)), table_name, row_id, grid_id FROM ({union}) feed"""))
        last = conn.execute(text("SELECT max(version) FROM change_log")).scalar()
        conn.execute(text("UPDATE sync_state SET last_version = :v"), {"v": last})
        if not conn.execute(text("SELECT 1 FROM sync_state")).scalar():
            conn.execute(text("INSERT INTO sync_state (id, last_version, tombstone_horizon) VALUES (1, :v, 0)"),
                         {"v": last})
    return last  # (rows keep version 0: a pull's cost does not depend on the number it carries)


def partition_feed(engine: Engine) -> None:
    """A copy of the feed partitioned by district (LIST, one partition each): ``change_log_by_district``.

    Partitioning needs the district on every entry: the copy carries the
    district of the entry's grid as ``home_district``, and a pull adds
    ``home_district IN (its districts)`` so that only its partition is read.
    """
    with engine.begin() as conn:
        districts = conn.execute(text("SELECT id FROM area WHERE level = 'district'")).scalars().all()
        conn.execute(text("""CREATE UNLOGGED TABLE change_log_by_district (version integer NOT NULL,
            table_name varchar(32) NOT NULL, row_id varchar(36) NOT NULL, grid_id varchar(36),
            home_district varchar(36) NOT NULL) PARTITION BY LIST (home_district)"""))
        for index, district in enumerate(districts):
            conn.execute(text(f"CREATE UNLOGGED TABLE change_log_d{index} PARTITION OF change_log_by_district "
                              f"FOR VALUES IN ('{district}')"))
        conn.execute(text("""INSERT INTO change_log_by_district
            SELECT c.version, c.table_name, c.row_id, c.grid_id, g.district_id
            FROM change_log c JOIN area g ON g.id = c.grid_id"""))
        conn.execute(text("CREATE INDEX ON change_log_by_district (grid_id, version)"))
        conn.execute(text("CREATE INDEX ON change_log_by_district (version)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE change_log_by_district"))


def feed_scan(engine: Engine, grids: list[str], districts: list[str], cursor: int, partitioned: bool) -> int:
    """The part of a pull that reads the feed: a page of entries of the grids after the cursor."""
    table = "change_log_by_district" if partitioned else "change_log"
    prune = "AND home_district = ANY(:districts)" if partitioned else ""
    with engine.connect() as conn:
        return len(conn.execute(text(
            f"SELECT version, table_name, row_id FROM {table} WHERE version > :cursor AND grid_id = ANY(:grids) "
            f"{prune} ORDER BY version LIMIT 1001"), {"cursor": cursor, "grids": grids, "districts": districts}).all())


def drop_feed_indexes(engine: Engine) -> None:
    with engine.begin() as conn:
        for name in ("ix_change_log_grid_version", "ix_change_log_street_version", "ix_change_log_district_version"):
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


def best_of(function, repeat: int = 5) -> float:
    function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def pull_figures(engine: Engine, last_version: int) -> dict[str, float]:
    coordinator = text_id("u", 0)  # grids 0 and 1
    with engine.connect() as conn:
        scope = load_scope(conn, coordinator)

    def first_page():
        with engine.connect() as conn:
            return pull_changes(conn, scope, 0, 1000, NOW_MS)

    def initial_sync():
        cursor, rows = 0, 0
        with engine.connect() as conn:
            while True:
                page = pull_changes(conn, scope, cursor, 1000, NOW_MS)
                rows += len(page["rows"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    return rows

    def end_of_day():
        with engine.connect() as conn:
            return pull_changes(conn, scope, max(0, last_version - 5000), 1000, NOW_MS)

    rows = initial_sync()
    return {"pull: first page from 0": best_of(first_page), f"pull: initial sync ({rows:,} rows)": best_of(initial_sync, 3),
            "pull: end of day (last 5,000 changes)": best_of(end_of_day)}


def scan_figures(engine: Engine, last_version: int, partitioned: bool) -> dict[str, float]:
    coordinator = text_id("u", 0)
    with engine.connect() as conn:
        scope = load_scope(conn, coordinator)
    grids, districts = sorted(scope.grid_ids), sorted(scope.district_ids)
    tag = " [partitioned]" if partitioned else ""
    return {f"feed scan: first page from 0{tag}": best_of(lambda: feed_scan(engine, grids, districts, 0, partitioned)),
            f"feed scan: end of day{tag}": best_of(
                lambda: feed_scan(engine, grids, districts, max(0, last_version - 5000), partitioned))}


def coverage_figures(engine: Engine) -> dict[str, float]:
    return {"coverage: one community": report_time(engine, text_id("c", 0))[0],
            "coverage: one district": report_time(engine, text_id("d", 0))[0]}


def run_size(admin: Engine, residents: int, visits: int, variants: list[str], keep: bool) -> dict[str, float]:
    name = f"doorstep_bench_scale_{residents}_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(PG_ADMIN).set(database=name))
    figures: dict[str, float] = {}
    try:
        server_metadata().create_all(engine)
        started = time.perf_counter()
        indexes = prepare_for_load(engine)
        sizes = generate(engine, residents, visits)
        last = build_feed(engine)
        build_indexes(engine, indexes)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        print(f"{residents:,} residents: generated in {time.perf_counter() - started:.0f} s ("
              + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) + f", feed {last:,}; {size / 1e9:.1f} GB)",
              flush=True)
        if "plain" in variants:
            figures.update(coverage_figures(engine))
            figures.update(pull_figures(engine, last))
            figures.update(scan_figures(engine, last, partitioned=False))
        if "partitioned" in variants:
            partition_feed(engine)
            figures.update(scan_figures(engine, last, partitioned=True))
        if "unindexed" in variants:  # the feed as it was before migration 0003
            drop_feed_indexes(engine)
            figures.update({f"{k} [no feed index]": v for k, v in pull_figures(engine, last).items()
                            if "initial sync" not in k})
            figures.update({f"{k} [no feed index]": v for k, v in scan_figures(engine, last, False).items()})
        for key, value in figures.items():
            print(f"  {key}: {value * 1000:,.0f} ms", flush=True)
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="residents, comma-separated")
    parser.add_argument("--visits-per-resident", type=float, default=1.5)
    parser.add_argument("--variants", default="plain,partitioned,unindexed")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    variants = args.variants.split(",")
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    results = {size: run_size(admin, size, int(size * args.visits_per_resident), variants, args.keep)
               for size in sizes}
    admin.dispose()
    def key_of(k: str) -> str:
        return re.sub(r" \([^)]*rows\)", "", k)
    keys = list(dict.fromkeys(key_of(k) for r in results.values() for k in r))
    print("\n| measure | " + " | ".join(f"{s:,} residents" for s in sizes) + " | ratio |")
    print("| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |")
    for key in keys:
        values = [next((v for k, v in results[s].items() if key_of(k) == key), None) for s in sizes]
        cells = [f"{v * 1000:,.0f} ms" if v is not None else "—" for v in values]
        ratio = f"{values[-1] / values[0]:.1f}×" if len(values) > 1 and values[0] and values[-1] else "—"
        print(f"| {key} | " + " | ".join(cells) + f" | {ratio} |")


if __name__ == "__main__":
    main()
