"""Coverage benchmark: a city of 1,000,000 residents and 5,000,000 visits in PostgreSQL; report times and import speed.

Generates the city with ``INSERT ... SELECT`` from ``generate_series`` into a
database made for the run (dropped afterwards unless ``--keep``), runs
``ANALYZE``, then prints the time of the coverage report (what
``GET /api/v1/coverage`` computes) for one community and for a whole district
(targets: 300 ms and 2 s), and the rows per second of ``doorstep import``.

    .venv/bin/python bench/bench_coverage.py [--residents 1000000] [--visits 5000000] [--import-rows 20000]

The city: 4 districts × 5 streets × 8 communities × 8 grids (1,280 grids),
households of 2 or 3 people, everyone with an employment history, about 6%
registered unemployed (with registration and ability records, some
re-employed in the month measured), visits spread over two years, 20% of
them with nobody at home, a third with guidance; some hardship and
zero-employment households. ``DOORSTEP_BENCH_PG_ADMIN`` names the server
(default the local one, user postgres).
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from server.migrate import server_metadata
from server.services.coverage import coverage_report, system_scope
from server.services.ledger_import import import_file
from server.services.ledger_parse import COLUMNS
from shared.coverage import Period
from shared.models import UserAccount, UserArea
from shared.validation import make_id_number

PG_ADMIN = os.environ.get("DOORSTEP_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)
MONTH = Period.month("2026-11")
DISTRICTS, STREETS, COMMUNITIES, GRIDS = 4, 5, 8, 8  # per parent
GRID_COUNT = DISTRICTS * STREETS * COMMUNITIES * GRIDS


def uid(prefix: str, expression: str) -> str:
    """SQL for a deterministic UUID string from a prefix and a number."""
    return f"md5('{prefix}' || ({expression})::text)::uuid::text"


# Column lists as the SELECTs below produce them: columns added later (with defaults) are left to their defaults.
COLUMNS_OF = {
    "area": "id, version, deleted, stamps, updated_by, level, name, code, parent_id, district_id, street_id, community_id, relocated",
    "user_account": "id, username, display_name, role, password_hash, active, created_at",
    "user_area": "user_id, area_id",
    "household": "id, version, deleted, stamps, updated_by, community_id, grid_id, street_id, address, building, unit, room, zero_employment, double_unemployed, single_parent, low_income, relocated, zero_employment_identified_on, zero_employment_wants_two, zero_employment_resolved_on, zero_employment_met, notes",
    "resident": "id, version, deleted, stamps, updated_by, household_id, grid_id, community_id, name, id_number, sex, birth_date, phone, relation, education, skills, employment_status, employment_since, employer_name, unemployment_registered, unemployment_registered_on, able_to_work, job_wish_occupations, job_wish_min_wage, job_wish_hours, job_wish_max_distance_km, training_wish, disability, disability_level, consent_given_at, consent_scope, notes",
    "status_record": "id, version, deleted, stamps, updated_by, resident_id, grid_id, kind, value, effective_on, recorded_by, recorded_at",
    "visit": "id, version, deleted, stamps, updated_by, household_id, grid_id, coordinator_id, visited_at, outcome, resident_ids, services, guidance_given, guidance_notes, notes, next_follow_up_on, latitude, longitude, received_at",
}
SYNCED = "0, false, '{}'::json, NULL"  # version, deleted, stamps, updated_by


def generate(engine: Engine, residents: int, visits: int) -> dict[str, int]:
    households = residents * 2 // 5  # 2.5 people a household
    per_grid = max(1, households // GRID_COUNT)
    households = per_grid * GRID_COUNT
    statements = [
        # areas: districts d, streets s, communities c, grids g (ids from md5, names by number)
        f"""INSERT INTO area ({COLUMNS_OF["area"]}) SELECT {uid('d', 'n')}, {SYNCED}, 'district', '区' || n, 'D' || n, NULL, NULL, NULL, NULL,
            false FROM generate_series(0, {DISTRICTS - 1}) n""",
        f"""INSERT INTO area ({COLUMNS_OF["area"]}) SELECT {uid('s', 'n')}, {SYNCED}, 'street', '街道' || n, 'S' || n, {uid('d', f'n / {STREETS}')},
            {uid('d', f'n / {STREETS}')}, NULL, NULL, false FROM generate_series(0, {DISTRICTS * STREETS - 1}) n""",
        f"""INSERT INTO area ({COLUMNS_OF["area"]}) SELECT {uid('c', 'n')}, {SYNCED}, 'community', '社区' || n, 'C' || n,
            {uid('s', f'n / {COMMUNITIES}')}, {uid('d', f'n / {COMMUNITIES * STREETS}')}, {uid('s', f'n / {COMMUNITIES}')},
            NULL, n % 10 = 0 FROM generate_series(0, {DISTRICTS * STREETS * COMMUNITIES - 1}) n""",
        f"""INSERT INTO area ({COLUMNS_OF["area"]}) SELECT {uid('g', 'n')}, {SYNCED}, 'grid', '网格' || n, 'G' || n, {uid('c', f'n / {GRIDS}')},
            {uid('d', f'n / {GRIDS * COMMUNITIES * STREETS}')}, {uid('s', f'n / {GRIDS * COMMUNITIES}')},
            {uid('c', f'n / {GRIDS}')}, false FROM generate_series(0, {GRID_COUNT - 1}) n""",
        # coordinators: one for every two grids
        f"""INSERT INTO user_account ({COLUMNS_OF["user_account"]}) SELECT {uid('u', 'n')}, 'coordinator' || n, '协管员' || n, 'coordinator', '-', true,
            timestamptz '2026-01-01 00:00+00' FROM generate_series(0, {GRID_COUNT // 2 - 1}) n""",
        f"""INSERT INTO user_area ({COLUMNS_OF["user_area"]}) SELECT {uid('u', 'n / 2')}, {uid('g', 'n')} FROM generate_series(0, {GRID_COUNT - 1}) n""",
        # households: grid = n / per_grid; a few hardship and zero-employment ones
        f"""INSERT INTO household ({COLUMNS_OF["household"]}) SELECT {uid('h', 'n')}, {SYNCED}, {uid('c', f'n / {per_grid} / {GRIDS}')},
            {uid('g', f'n / {per_grid}')}, {uid('s', f'n / {per_grid} / {GRIDS * COMMUNITIES}')},
            '小区' || (n % 40), (n % 30)::text, (n % 4)::text, (n % 600)::text,
            n % 500 = 7, n % 97 = 3, n % 89 = 5, n % 50 = 1, false,
            CASE WHEN n % 500 = 7 THEN date '2026-10-01' + (n % 60) END, n % 1000 = 7, NULL, NULL, ''
            FROM generate_series(0, {households - 1}) n""",
        # residents: 2 or 3 per household; born 1950-2005
        f"""INSERT INTO resident ({COLUMNS_OF["resident"]}) SELECT {uid('r', "h || '-' || k")}, {SYNCED}, {uid('h', 'h')}, {uid('g', f'h / {per_grid}')},
            {uid('c', f'h / {per_grid} / {GRIDS}')}, '居民', 'ID' || h || '-' || k, CASE WHEN (h + k) % 2 = 0 THEN 'female' ELSE 'male' END,
            date '1950-01-01' + ((h * 7 + k * 3001) % 20000), CASE WHEN (h + k) % 9 = 0 THEN NULL ELSE '13900000000' END,
            '', 'senior', '[]'::json, CASE WHEN (h * 3 + k) % 16 = 0 THEN 'unemployed' ELSE 'employed' END, NULL, '',
            (h * 3 + k) % 16 = 0, NULL, NULL, '["4-10-01-06"]'::json, 3000, NULL, NULL, '', false, NULL, NULL, '', ''
            FROM generate_series(0, {households - 1}) h, generate_series(0, 1 + h % 2) k""",
        # everyone's employment history; the registered unemployed (1 in 16) get registration, ability and maybe a job
        f"""INSERT INTO status_record ({COLUMNS_OF["status_record"]}) SELECT {uid('e', "h || '-' || k")}, {SYNCED}, {uid('r', "h || '-' || k")},
            {uid('g', f'h / {per_grid}')}, 'employment',
            CASE WHEN (h * 3 + k) % 16 = 0 THEN 'unemployed' ELSE 'employed' END,
            date '2020-01-01' + ((h + k) % 1500), NULL, timestamptz '2026-01-01 00:00+00'
            FROM generate_series(0, {households - 1}) h, generate_series(0, 1 + h % 2) k""",
        f"""INSERT INTO status_record ({COLUMNS_OF["status_record"]}) SELECT {uid('q', "h || '-' || k || '-' || j")}, {SYNCED}, {uid('r', "h || '-' || k")},
            {uid('g', f'h / {per_grid}')}, (ARRAY['registration', 'ability', 'employment'])[j + 1],
            (ARRAY['registered', CASE WHEN h % 5 = 0 THEN 'unable' ELSE 'able' END, 'flexible'])[j + 1],
            CASE WHEN j < 2 THEN date '2025-06-01' + (h % 400) ELSE date '2026-11-01' + (h % 40) END, NULL,
            timestamptz '2026-01-01 00:00+00'
            FROM generate_series(0, {households - 1}) h, generate_series(0, 1 + h % 2) k, generate_series(0, 2) j
            WHERE (h * 3 + k) % 16 = 0 AND (j < 2 OR h % 4 = 0)""",
        # visits over two years (2025-01 to 2026-12), received within hours or days
        f"""INSERT INTO visit ({COLUMNS_OF["visit"]}) SELECT {uid('v', 'n')}, {SYNCED}, {uid('h', f'n % {households}')},
            {uid('g', f'(n % {households}) / {per_grid}')}, {uid('u', f'(n % {households}) / {per_grid} / 2')},
            timestamptz '2025-01-01 01:00+00' + ((n * 7919) % 63000000) * interval '1 second',
            CASE WHEN n % 5 = 0 THEN 'not_home' ELSE 'met' END, '[]'::json,
            CASE WHEN n % 7 = 0 THEN '["guidance_training_information"]'::json ELSE '[]'::json END,
            n % 3 = 0, '', '', NULL, NULL, NULL,
            timestamptz '2025-01-01 01:00+00' + ((n * 7919) % 63000000) * interval '1 second'
                + ((n % 11) * 9) * interval '1 hour'
            FROM generate_series(0::bigint, {visits - 1}) n""",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        sizes = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                 for t in ("area", "household", "resident", "status_record", "visit")}
    return sizes


def timed(function, repeat: int = 5) -> tuple[float, float, object]:
    """(best, median) seconds of ``repeat`` runs after one warm-up, and the last result."""
    result = function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def report_time(engine: Engine, area_id: str) -> tuple[float, float, object]:
    def run():
        with engine.connect() as conn:
            return coverage_report(conn, system_scope(conn, area_id), area_id, MONTH)
    return timed(run)


def write_import_file(path: Path, rows: int) -> None:
    """A ledger of ``rows`` new people in households of 2 (one visit each) across the first district's grids."""
    header = list(COLUMNS)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for n in range(rows):
            grid = (n // 40) % (GRID_COUNT // DISTRICTS)
            values = {
                "社区": f"社区{grid // GRIDS}", "网格": f"网格{grid}", "地址": "导入小区", "楼栋": str(n // 2 // 100),
                "单元": "1", "室": str(n // 2 % 100), "姓名": "张三", "手机号": "13904120000",
                # 840 distinct birth dates, then the sequence number: unique up to 840,000 rows
                "身份证号": make_id_number("210402", date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n // 840 % 1000),
                "文化程度": "高中", "就业状态": "失业", "失业登记日期": "2026-05-01", "有劳动能力和就业愿望": "是",
                "求职意向": "家政服务员", "期望月薪": "3000", "走访日期": "2026-11-05 10:30", "走访结果": "已见面",
                "就业指导": "是" if n % 2 else "否", "协管员": "bench",
            }
            writer.writerow([values.get(h, "") for h in header])


def bench_import(engine: Engine, rows: int) -> tuple[float, object]:
    with engine.begin() as conn:
        account = UserAccount(username="bench", display_name="基准协管员", role="coordinator", password_hash="-")
        conn.execute(insert(UserAccount.__table__), [{c.name: getattr(account, c.name)
                                                      for c in UserAccount.__table__.columns}])
        conn.execute(insert(UserArea.__table__), [{"user_id": account.id, "area_id": text_id("g", 0)}])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.csv"
        write_import_file(path, rows)
        start = time.perf_counter()
        result = import_file(engine, path, now=NOW, coordinator="bench")
        return time.perf_counter() - start, result


def text_id(prefix: str, n: int) -> str:
    import hashlib
    import uuid

    return str(uuid.UUID(hashlib.md5(f"{prefix}{n}".encode()).hexdigest()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--keep", metavar="NAME", help="keep the database under this name (and reuse it if it exists)")
    args = parser.parse_args()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = args.keep or f"doorstep_bench_coverage_{os.getpid()}"
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(PG_ADMIN).set(database=name))
    try:
        if not exists:
            server_metadata().create_all(engine)
            start = time.perf_counter()
            sizes = generate(engine, args.residents, args.visits)
            print(f"generated in {time.perf_counter() - start:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        community, district = text_id("c", 0), text_id("d", 0)
        for label, area_id, target in (("one community", community, 0.3), ("one district", district, 2.0)):
            best, median, report = report_time(engine, area_id)
            counts = report.area.counts
            print(f"coverage report, {label} ({len(report.grids)} grids, {counts.registered:,} registered unemployed, "
                  f"visit rate {counts.visit_rate.text}): best {best * 1000:.0f} ms, median {median * 1000:.0f} ms "
                  f"(target {target * 1000:.0f} ms)")
        if args.import_rows:
            seconds, result = bench_import(engine, args.import_rows)
            print(f"import of {args.import_rows:,} rows ({result.residents_created:,} residents, "
                  f"{result.households_created:,} households, {result.visits_created:,} visits, "
                  f"{len(result.errors)} errors): {seconds:.1f} s, {args.import_rows / seconds:,.0f} rows/s")
    finally:
        engine.dispose()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
