"""No pulled stream skips a committed change, even with two server processes writing to one PostgreSQL.

The first test shows why this needs care: with versions from a plain sequence,
a transaction that took version 1 can commit after one that took version 2,
and a puller that read in between has already moved its cursor past 1. The
second shows that ``change_log.lock_versions`` makes the later transaction
wait. The third runs two real uvicorn processes with concurrent pushers and
pullers and checks every puller ends up with every committed row version.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from server.migrate import upgrade
from server.services.change_log import LogEntry, lock_versions, write_entries
from server.services.scope import load_scope
from server.services.sync_rows import feed_filter
from shared.hlc import HybridClock
from shared.models import MODEL_BY_TABLE, ChangeLog, Household, SyncState, new_id
from tests.server.factories import PASSWORD
from tests.sync.server_kit import feed_world

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def test_a_plain_sequence_lets_a_puller_skip_a_commit(pg_engine):
    """The naive scheme: version = nextval(), no lock. T1 takes 1, T2 takes 2 and commits first."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE SEQUENCE naive_version"))
        conn.execute(text("CREATE TABLE naive_log (version int PRIMARY KEY, row_id text)"))
    t1, t2, puller = pg_engine.connect(), pg_engine.connect(), pg_engine.connect()
    try:
        t1.execute(text("INSERT INTO naive_log VALUES (nextval('naive_version'), 'first')"))
        t2.execute(text("INSERT INTO naive_log VALUES (nextval('naive_version'), 'second')"))
        t2.commit()
        seen = puller.execute(text("SELECT version, row_id FROM naive_log WHERE version > 0 ORDER BY version")).all()
        puller.commit()
        cursor = max(v for v, _ in seen)
        t1.commit()
        later = puller.execute(text("SELECT version FROM naive_log WHERE version > :c"), {"c": cursor}).all()
        puller.commit()
        everything = puller.execute(text("SELECT row_id FROM naive_log")).scalars().all()
    finally:
        for conn in (t1, t2, puller):
            conn.close()
    assert [r for _, r in seen] == ["second"] and later == []
    assert "first" in everything  # committed, yet this puller will never see it


def test_the_version_lock_makes_a_later_writer_wait_for_the_earlier_commit(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(SyncState.__table__.insert().values(id=1, last_version=0, tombstone_horizon=0))
    household = MODEL_BY_TABLE["household"].__table__
    t1 = pg_engine.connect()
    counter = lock_versions(t1)
    _insert_household(t1, "h-first")
    write_entries(t1, counter, [LogEntry("household", "h-first", grid_id="g")])
    counter.save()
    done = threading.Event()

    def second_writer():
        with pg_engine.begin() as t2:
            c2 = lock_versions(t2)  # waits for t1's commit
            _insert_household(t2, "h-second")
            write_entries(t2, c2, [LogEntry("household", "h-second", grid_id="g")])
            c2.save()
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert not done.is_set()  # blocked behind t1
    with pg_engine.connect() as puller:
        assert puller.execute(select(ChangeLog.__table__.c.version)).all() == []
    t1.commit()
    t1.close()
    thread.join(10)
    assert done.is_set()
    with pg_engine.connect() as conn:
        rows = conn.execute(select(household.c.id, household.c.version).order_by(household.c.version)).all()
    assert [tuple(r) for r in rows] == [("h-first", 1), ("h-second", 2)]


def _insert_household(conn, row_id):
    conn.execute(Household.__table__.insert().values(id=row_id, community_id="c", grid_id="g", version=0,
                                                     deleted=False, stamps={}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn_server(url: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, f"http://127.0.0.1:{port}"


def _wait_until_up(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/api/v1/sync/pull", timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode(errors="replace")[-2000:]) from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _login(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD,
                                                      "device_name": "no-skip"})
    assert answer.status_code == 200, answer.text
    answer = answer.json()
    client.headers["authorization"] = f"Bearer {answer['token']}"
    return client, answer["device_id"]


def test_two_server_processes_with_concurrent_pushes_never_let_a_puller_skip(pg_empty_database):
    url = pg_empty_database
    upgrade(url)
    engine = create_engine(url)
    world = feed_world(engine)
    servers = [_spawn_server(url), _spawn_server(url)]
    bases = [base for _, base in servers]
    stop = threading.Event()
    errors: list[BaseException] = []
    rounds, per_push = 12, 8

    def pusher(username: str, grid_key: str, base: str, seed: int):
        rng = random.Random(seed)
        client, device_id = signed_in.pop(('push', username, base))
        clock = HybridClock(device_id)
        grid = world.areas[grid_key]
        mine: list[str] = []
        try:
            seq = 0
            for _ in range(rounds):
                changes = []
                for _ in range(per_push):
                    seq += 1
                    stamp = clock.tick(int(time.time() * 1000))
                    if mine and rng.random() < 0.3:  # edit one of my rows again: it gets a newer version
                        changes.append({"seq": seq, "table": "household", "row_id": rng.choice(mine),
                                        "fields": {"notes": f"n{seq}"}, "stamps": {"notes": stamp}})
                    else:
                        mine.append(new_id())
                        changes.append({"seq": seq, "table": "household", "row_id": mine[-1],
                                        "fields": {"grid_id": grid.id, "community_id": grid.community_id,
                                                   "notes": f"n{seq}"},
                                        "stamps": {"grid_id": stamp, "community_id": stamp, "notes": stamp}})
                answer = client.post("/api/v1/sync/push", json={"device_id": device_id, "changes": changes})
                answer.raise_for_status()
                assert {r["status"] for r in answer.json()["results"]} == {"applied"}, answer.text
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            client.close()

    streams: dict[str, dict[tuple[str, str], int]] = {}

    def puller(username: str, seed: int):
        rng = random.Random(seed)
        clients = [signed_in.pop(('pull', username, base))[0] for base in bases]
        seen: dict[tuple[str, str], int] = {}
        cursor = 0
        try:
            def page():
                nonlocal cursor
                response = rng.choice(clients).get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 7})
                response.raise_for_status()
                body = response.json()
                for row in body["rows"]:
                    assert row["version"] > cursor  # nothing below the cursor ever shows up
                    seen[(row["table"], row["id"])] = max(seen.get((row["table"], row["id"]), 0), row["version"])
                assert body["cursor"] >= cursor
                cursor = body["cursor"]
                return body["has_more"]

            while not stop.is_set():
                page()
            while page():  # a last full pull after every pusher finished
                pass
            streams[f"{username}-{seed}"] = seen
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            for client in clients:
                client.close()

    pusher_args = (("coord_a1", "grid_a1", bases[0], 1), ("coord_a2", "grid_a2", bases[1], 2),
                   ("manager_b", "grid_b1", bases[0], 3), ("admin", "grid_a1", bases[1], 4))
    puller_args = (("manager_a", 5), ("admin", 6), ("coord_a1", 7))
    signed_in: dict[tuple[str, str, str], tuple[httpx.Client, str]] = {}
    pushers = [threading.Thread(target=pusher, args=args) for args in pusher_args]
    pullers = [threading.Thread(target=puller, args=args) for args in puller_args]
    try:
        for process, base in servers:
            _wait_until_up(process, base)
        # phones sign in once, one after another (the sign-in throttle is not what this test is about)
        for username, _grid, base, _seed in pusher_args:
            signed_in[("push", username, base)] = _login(base, username)
        for username, _seed in puller_args:
            for base in bases:
                signed_in[("pull", username, base)] = _login(base, username)
        for thread in pullers + pushers:
            thread.start()
        for thread in pushers:
            thread.join(120)
        stop.set()
        for thread in pullers:
            thread.join(120)
    finally:
        stop.set()
        for process, _ in servers:
            process.terminate()
            process.wait(10)
    assert not errors, errors
    assert len(streams) == 3
    with engine.connect() as conn:
        for name, seen in streams.items():
            username = name.rsplit("-", 1)[0]
            user_id = world.users[username].id
            scope = load_scope(conn, user_id)
            log = ChangeLog.__table__
            expected = {(r.table_name, r.row_id): r.version
                        for r in conn.execute(select(log).where(feed_filter(scope)))}
            households = sum(1 for t, _ in expected if t == "household")
            assert households > rounds * per_push / 2, "the pushers wrote too little to test anything"
            missing = {k: v for k, v in expected.items() if seen.get(k) != v}
            assert not missing, f"{name} skipped {len(missing)} committed changes"
    engine.dispose()
