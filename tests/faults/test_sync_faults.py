"""Faults between a phone and a real server: killed servers, cut answers, a restarted PostgreSQL, a killed phone.

After each fault the phone retries and every test checks the same things: no
change lost (each visit on the server once, each edit's value there), none
applied twice (the server handed out exactly one version per changed row),
the phone's SQLite file passes ``PRAGMA integrity_check``, and edits made
after the fault wait in the outbox until the next sync.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mobile.sync import SyncError
from server.migrate import upgrade
from tests.faults.kit import (
    CuttingProxy,
    FieldPhone,
    ServeProcess,
    integrity,
    last_version,
    phone_matches_server,
    seed_world,
    visit_count,
)
from tests.faults.pg_cluster import PrivateCluster, cluster_unavailable

ROOT = Path(__file__).resolve().parents[2]


def _after_fault_and_retry(phone: FieldPhone, engine, visits: list[str], changed_rows: int, before: int) -> None:
    """The checks every test ends with (the phone has synced once more, without faults)."""
    phone.sync()
    assert phone.store.pending_count() == 0
    assert visit_count(engine, visits) == len(visits)
    assert last_version(engine) - before == changed_rows, "a change was applied twice, or one was lost"
    assert integrity(phone.store) == "ok"
    assert phone_matches_server(phone.store, engine) == []


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _push_blocked_on_device_row(engine) -> bool:
    """A server backend waits for the device row's lock: the push has merged its rows and not committed."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE 'UPDATE device%'")).scalar())


def _push_held_at_its_last_statement(phone: FieldPhone, engine):
    """Hold the device row, then sync: the push merges everything and waits at its last statement.

    Returns the connection holding the lock, the thread syncing and the list its outcome goes to.
    """
    locker = engine.connect()
    locker.execute(text("SELECT id FROM device WHERE id = :d FOR UPDATE"), {"d": phone.login["device_id"]})
    outcome: list[BaseException | None] = []

    def push() -> None:
        try:
            phone.sync(retries=0)
            outcome.append(None)
        except SyncError as error:
            outcome.append(error)
    pusher = threading.Thread(target=push)
    pusher.start()
    _wait_for(lambda: _push_blocked_on_device_row(engine), 60, "the push to reach its last statement")
    return locker, pusher, outcome


@pytest.mark.postgres
def test_a_server_killed_in_the_middle_of_a_push_loses_nothing_and_applies_nothing_twice(pg_empty_database,
                                                                                         tmp_path):
    url = pg_empty_database
    upgrade(url)
    seed_world(url)
    engine = create_engine(url)
    server = ServeProcess(url, tmp_path / "server.log").start()
    phone = FieldPhone(tmp_path / "phone", server.address)
    try:
        phone.sync()
        visits = phone.day_of_work(visits=6, edits=6)
        before = last_version(engine)
        locker, pusher, outcome = _push_held_at_its_last_statement(phone, engine)
        server.kill()
        locker.rollback()
        locker.close()
        pusher.join(60)
        assert isinstance(outcome[0], SyncError), "the phone never saw its push fail"
        assert phone.store.pending_count() == 12, "the unanswered edits must stay in the outbox"
        assert visit_count(engine, visits) == 0 and last_version(engine) == before  # rolled back whole
        later = phone.day_of_work(visits=1, edits=0, tag="后")  # work goes on while the server is down
        server.start()
        _after_fault_and_retry(phone, engine, visits + later, changed_rows=13, before=before)
    finally:
        phone.close()
        server.stop()
        engine.dispose()


@pytest.fixture(scope="module")
def cut_world(tmp_path_factory):
    """One SQLite server behind a cutting proxy for the cut-answer cases."""
    folder = tmp_path_factory.mktemp("cuts")
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    upgrade(url)
    seed_world(url)
    server = ServeProcess(url, folder / "server.log").start()
    proxy = CuttingProxy(server.port)
    engine = create_engine(url)
    yield server, proxy, engine
    proxy.close()
    server.stop()
    engine.dispose()


@pytest.mark.parametrize("keep", ["0", "1", "half", "all_but_one"])
@pytest.mark.parametrize("path", ["/sync/push", "/sync/pull"])
def test_an_answer_cut_after_some_bytes_is_retried_without_loss_or_double_apply(cut_world, tmp_path, path, keep):
    server, proxy, engine = cut_world
    phone = FieldPhone(tmp_path / "phone", server.address)
    try:
        phone.sync(via=proxy.address)
        visits = phone.day_of_work(visits=4, edits=4, tag=f"{path[-4:]}{keep}")
        before = last_version(engine)
        proxy.cut_next(path, keep)
        try:
            phone.sync(via=proxy.address, retries=0)
        except SyncError:
            pass  # the cut answer: the phone does not know whether the server kept its push
        assert proxy.done and proxy.done[-1][0].startswith("/api/v1" + path), "nothing was cut"
        path_cut, passed, size = proxy.done[-1]
        assert passed < size
        assert integrity(phone.store) == "ok"
        if path == "/sync/push":
            assert phone.store.pending_count() == 8  # not acknowledged: still waiting
        _after_fault_and_retry(phone, engine, visits, changed_rows=8, before=before)
    finally:
        phone.close()


def test_a_push_retried_by_the_engine_after_a_cut_answer_is_applied_once(cut_world, tmp_path):
    """The engine's own retry (no second sync) after the server committed and the answer was lost."""
    server, proxy, engine = cut_world
    phone = FieldPhone(tmp_path / "phone", server.address)
    try:
        phone.sync(via=proxy.address)
        visits = phone.day_of_work(visits=3, edits=3, tag="重试")
        before = last_version(engine)
        proxy.cut_next("/sync/push", "half")
        summary = phone.sync(via=proxy.address, retries=2)
        assert summary.duplicates == 6  # the retry found every change already applied
        assert phone.store.pending_count() == 0
        assert visit_count(engine, visits) == 3 and last_version(engine) - before == 6
    finally:
        phone.close()


@pytest.mark.postgres
def test_postgresql_restarted_during_a_sync(tmp_path):
    reason = cluster_unavailable()
    if reason:
        pytest.skip(reason)
    cluster = PrivateCluster().start()
    try:
        url = cluster.url("doorstep")
        cluster.create_database("doorstep")
        upgrade(url)
        seed_world(url)
        engine = create_engine(url, pool_pre_ping=True)
        server = ServeProcess(url, tmp_path / "server.log").start()
        phone = FieldPhone(tmp_path / "phone", server.address)
        try:
            phone.sync()
            visits = phone.day_of_work(visits=5, edits=5)
            before = last_version(engine)
            locker, pusher, outcome = _push_held_at_its_last_statement(phone, engine)
            # Every connection, the push's and the lock's, is cut at once. (A fast restart ends the backends one
            # by one: once the lock holder had gone, the waiting push committed before its own end came, and
            # its answer reached the phone: seen once in a full run.)
            cluster.restart(mode="immediate")
            locker.invalidate()
            pusher.join(60)
            assert isinstance(outcome[0], SyncError)
            assert phone.store.pending_count() == 10
            engine.dispose()
            assert visit_count(engine, visits) == 0 and last_version(engine) == before
            # The same server process reconnects by itself (pool_pre_ping): no restart of doorstep serve.
            _after_fault_and_retry(phone, engine, visits, changed_rows=10, before=before)
        finally:
            phone.close()
            server.stop()
            engine.dispose()
    finally:
        cluster.stop()


PHONE_CHILD = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    from tests.faults.kit import FieldPhone
    folder, server, login = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    phone = FieldPhone.reopen(folder, server, login)
    def die(point):
        if point == "apply:rows":
            os.kill(os.getpid(), signal.SIGKILL)  # the phone's process dies in the middle of a page
    phone.store.fault_hook = die
    phone.sync()
    print("the page was applied without reaching the fault", flush=True)
""")


def test_the_phone_killed_while_applying_a_pulled_page_keeps_its_file_and_its_edits(cut_world, tmp_path):
    server, _proxy, engine = cut_world
    folder = tmp_path / "phone"
    phone = FieldPhone(folder, server.address)
    login = phone.login
    try:
        phone.close()
        child = subprocess.run([sys.executable, "-c", PHONE_CHILD, str(folder), server.address, json.dumps(login)],
                               cwd=ROOT, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert child.returncode == -9, child.stdout + child.stderr
        phone = FieldPhone.reopen(folder, server.address, login)
        assert integrity(phone.store) == "ok"
        assert phone.store.cursor == 0 and phone.store.all_rows("resident") == []  # the page left no trace
        phone.sync()
        visits = phone.day_of_work(visits=2, edits=2, tag="杀后")
        assert phone.store.pending_count() == 4  # edits made after the restart wait for the next sync
        before = last_version(engine)
        _after_fault_and_retry(phone, engine, visits, changed_rows=4, before=before)
    finally:
        phone.close()
