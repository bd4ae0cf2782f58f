"""Privacy costs: sealing a cell, reading residents with and without sealed columns, and refusing a gzip bomb.

    .venv/bin/python bench/bench_privacy.py [--residents 20000]

Figures, not assertions. The sealed read is what a pull page and the reports
pay: ``select(resident)`` over SQLite in memory, every ID number and phone
opened by the column type.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
import zlib

import httpx
from sqlalchemy import create_engine, insert, select
from sqlalchemy.pool import StaticPool

from mobile.sync import wire
from mobile.sync.errors import BadAnswer
from server.cells import CellCodec, KeyRing, protect_engine
from shared.models import Resident, SQLModel, new_id, server_tables


def per_cell(codec: CellCodec, count: int = 50_000) -> tuple[float, float]:
    values = [f"1391234{i:04d}" for i in range(count)]
    started = time.perf_counter()
    cells = [codec.seal("phone", v) for v in values]
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    for cell in cells:
        codec.open("phone", cell)
    opened = time.perf_counter() - started
    return sealed / count * 1e6, opened / count * 1e6


def read_residents(count: int, codec: CellCodec | None) -> float:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    if codec:
        protect_engine(engine, codec)
    SQLModel.metadata.create_all(engine, tables=server_tables())
    rows = [{"id": new_id(), "household_id": new_id(), "grid_id": "g", "name": "居民", "skills": [],
             "job_wish_occupations": [], "stamps": {}, "id_number": f"21010219880715{i % 10000:04d}",
             "phone": f"1391234{i % 10000:04d}"} for i in range(count)]
    with engine.begin() as conn:
        conn.execute(insert(Resident.__table__), rows)
    started = time.perf_counter()
    with engine.connect() as conn:
        got = conn.execute(select(Resident.__table__)).all()
    elapsed = time.perf_counter() - started
    assert len(got) == count
    engine.dispose()
    return elapsed


def bomb_refusal(size_mb: int = 300) -> tuple[float, float]:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1024 * 1024)
    body = b"".join(squeeze.compress(block) for _ in range(size_mb)) + squeeze.flush()
    response = httpx.Response(200, headers={"content-encoding": "gzip"}, stream=httpx.ByteStream(body))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        wire.read_body(response)
    except BadAnswer:
        pass
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=20_000)
    args = parser.parse_args()
    codec = CellCodec(KeyRing.generate(), cache_size=0)
    seal_us, open_us = per_cell(codec)
    print(f"cell (no cache): seal {seal_us:.1f} µs, open {open_us:.1f} µs")
    plain = read_residents(args.residents, None)
    cold = read_residents(args.residents, CellCodec(KeyRing.generate(), cache_size=0))
    print(f"read {args.residents} residents: plain {plain * 1000:.0f} ms, sealed without cache {cold * 1000:.0f} ms "
          f"({args.residents / cold:,.0f} rows/s)")
    elapsed, peak = bomb_refusal()
    print(f"300 MB gzip bomb refused in {elapsed * 1000:.0f} ms, peak memory {peak:.1f} MiB")


if __name__ == "__main__":
    main()
