"""Benchmark: the employer's check page on the full demo district (2,500 households) in a SQLite file.

Figures, not assertions: the time to open a slip's URL, to confirm 已面试 (a
push through the server's merge), to confirm 已录用 (the hire's effects as
well), and to refuse a wrong check code once the audit table holds many
failures (the throttle's count). Run: ``.venv/bin/python bench/bench_employer_check.py``.
"""
from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from server.app import create_app
from server.db import make_engine
from server.demo.build import build_demo
from server.demo.load import load_demo
from server.migrate import server_metadata
from server.services import check_throttle
from server.settings import get_settings
from shared.models import AuditEvent, Referral, SyncState, new_id

SAMPLES = 40
NOISE_FAILURES = 20_000  # wrong codes of other referrals and addresses already in the audit table


def timed(samples: list[float], call, *args) -> httpx.Response:
    started = time.perf_counter()
    answer = call(*args)
    samples.append((time.perf_counter() - started) * 1000)
    return answer


def interviewed_already(engine, code: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Referral.__table__.c.status).where(Referral.__table__.c.code == code)
                            ).scalar() == "interviewed"


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-check-"))
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    engine = make_engine(url)
    server_metadata().create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(SyncState.__table__).values(id=1, last_version=0, tombstone_horizon=0))
    load_demo(engine, build_demo())
    now = datetime.now(timezone.utc)
    table = Referral.__table__
    with engine.begin() as conn:
        conn.execute(table.update().values(created_at=now - timedelta(days=1)))  # none expired
        referrals = conn.execute(select(table.c.code, table.c.check_token)
                                 .where(table.c.status.in_(("referred", "interviewed"))).limit(2 * SAMPLES)).all()
        conn.execute(insert(AuditEvent.__table__), [
            {"id": new_id(), "at": now - timedelta(minutes=i % 50), "action": check_throttle.FAILED,
             "table_name": check_throttle.ADDRESS_TABLE, "row_id": f"{i:032x}", "detail": {}}
            for i in range(NOISE_FAILURES)])
    app = create_app(get_settings(database_url=url, check_max_failures_per_address=10_000), engine=engine)
    runner = asyncio.Runner()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    def get(path: str) -> httpx.Response:
        return runner.run(client.get(path))

    def post(path: str, data: dict) -> httpx.Response:
        return runner.run(client.post(path, data=data))

    opened, interviewed, hired, refused = [], [], [], []
    for index, (code, token) in enumerate(referrals):
        assert timed(opened, get, f"/r/{code}?t={token}").status_code == 200
        if index % 2 and not interviewed_already(engine, code):
            answer = timed(interviewed, post, f"/r/{code}", {"t": token, "status": "interviewed"})
        else:
            answer = timed(hired, post, f"/r/{code}", {"t": token, "status": "hired",
                                                       "start_on": now.date().isoformat()})
        assert answer.status_code == 200, answer.text
        assert timed(refused, get, f"/r/{code}?t=WRONG").status_code in (403, 429)
    runner.run(client.aclose())
    runner.close()
    engine.dispose()
    print(f"demo district, {len(referrals)} referrals, {NOISE_FAILURES:,} failures already in the audit table")
    for name, samples in (("open the slip's URL", opened), ("confirm 已面试", interviewed),
                          ("confirm 已录用 (hire effects)", hired), ("refuse a wrong token", refused)):
        print(f"{name:32s} median {statistics.median(samples):6.1f} ms   worst {max(samples):6.1f} ms"
              f"   ({len(samples)} requests)")


if __name__ == "__main__":
    main()
