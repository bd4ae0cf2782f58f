"""Reports off the primary: a streaming replica (made by tools/pg-replica.sh) serves coverage and downloads.

A private primary cluster (the shared server takes no replication
connections) gets a replica through the same script an operator runs. The
app reads reports from the replica (``DOORSTEP_REPORTS_DATABASE_URL``), says
so and how fresh in the headers, shows a pushed visit once the replica has
replayed it, and keeps syncing when the replica is gone: sync never reads
from it.
"""
from __future__ import annotations

import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from server.app import create_app
from server.migrate import upgrade
from server.settings import get_settings
from shared.hlc import HybridClock
from shared.models import Household, new_id
from tests.browser.processes import free_port
from tests.faults.kit import seed_world
from tests.faults.pg_cluster import PrivateCluster, cluster_unavailable
from tests.server.client import ApiClient
from tests.server.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "pg-replica.sh"
pytestmark = pytest.mark.postgres


def _login(client: ApiClient, username: str) -> dict:
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.token = answer.json()["token"]
    return answer.json()


def _coverage(client: ApiClient, area_id: str, month: str):
    return client.get("/api/v1/coverage", params={"area_id": area_id, "month": month})


def test_reports_come_from_the_replica_say_how_fresh_and_sync_never_needs_it():
    reason = cluster_unavailable()
    if reason:
        pytest.skip(reason)
    primary = PrivateCluster().start()
    replica_dir = Path(tempfile.mkdtemp(prefix="doorstep-replica-"))  # the script makes it the postgres user's
    replica_port = free_port()
    try:
        primary.create_database("doorstep")
        primary_url = primary.url("doorstep")
        upgrade(primary_url)
        world = seed_world(primary_url)
        started = subprocess.run(["bash", str(SCRIPT), "start", str(replica_dir), str(replica_port), "127.0.0.1",
                                  str(primary.port)], capture_output=True, text=True, timeout=120)
        assert started.returncode == 0, started.stdout + started.stderr
        replica_url = f"postgresql+psycopg://postgres@127.0.0.1:{replica_port}/doorstep"
        settings = get_settings(database_url=primary_url, reports_database_url=replica_url)
        month = datetime.now(timezone.utc).strftime("%Y-%m")
        grid = world["grid"]
        engine = create_engine(primary_url)
        with engine.connect() as conn:
            home = conn.execute(select(Household.__table__.c.id)
                                .where(Household.__table__.c.grid_id == grid.id)).scalars().first()
        engine.dispose()
        replica_app, primary_app = create_app(settings), create_app(get_settings(database_url=primary_url))
        manager, phone, on_primary = ApiClient(replica_app), ApiClient(replica_app), ApiClient(primary_app)
        try:
            _login(manager, "manager_a")
            _login(on_primary, "manager_a")
            before = _coverage(manager, grid.community_id, month)
            assert before.status_code == 200, before.text
            assert before.headers["x-doorstep-data-source"] == "replica"
            assert before.headers["x-doorstep-replica-caught-up"] in ("yes", "no")
            assert on_primary.get("/api/v1/coverage", params={"area_id": grid.community_id, "month": month}) \
                .headers["x-doorstep-data-source"] == "primary"

            device = _login(phone, "coord_a1")
            stamp = HybridClock(device["device_id"]).tick(int(time.time() * 1000))
            now = datetime.now(timezone.utc).isoformat()
            visit = {"household_id": home, "grid_id": grid.id, "coordinator_id": device["user"]["id"],
                     "visited_at": now, "outcome": "met", "services": ["policy_consultation"]}
            pushed = phone.post("/api/v1/sync/push", json={"device_id": device["device_id"], "changes": [
                {"seq": 1, "table": "visit", "row_id": new_id(), "fields": visit,
                 "stamps": {k: stamp for k in visit}}]})
            assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
            expected = _coverage(on_primary, grid.community_id, month).json()
            assert expected != before.json(), "the visit must change the coverage"
            deadline = time.monotonic() + 30
            while _coverage(manager, grid.community_id, month).json() != expected:
                assert time.monotonic() < deadline, "the replica never showed the pushed visit"
                time.sleep(0.2)
            fresh = _coverage(manager, grid.community_id, month)
            assert datetime.fromisoformat(fresh.headers["x-doorstep-data-as-of"]) > \
                datetime.fromisoformat(now) - timedelta(minutes=1)
            xlsx = manager.get("/api/v1/reports/monthly", params={"area_id": grid.community_id, "month": month})
            assert xlsx.status_code == 200 and xlsx.headers["x-doorstep-data-source"] == "replica"

            stopped = subprocess.run(["bash", str(SCRIPT), "stop", str(replica_dir)], capture_output=True,
                                     text=True, timeout=120)
            assert stopped.returncode == 0, stopped.stderr
            assert phone.get("/api/v1/sync/pull", params={"cursor": 0}).status_code == 200
            again = phone.post("/api/v1/sync/push", json={"device_id": device["device_id"], "changes": []})
            assert again.status_code == 200
            gone = _coverage(manager, grid.community_id, month)
            assert gone.status_code == 503 and gone.json()["code"], gone.text  # a clear error, not a crash
        finally:
            for client in (manager, phone, on_primary):
                client.close()
            for app in (replica_app, primary_app):
                app.state.engine.dispose()
                app.state.reports_engine.dispose()
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(replica_dir)], capture_output=True, timeout=120)
        primary.stop()
