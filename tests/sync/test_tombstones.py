"""Scenario: tombstones don't pile up on phones: once the server's horizon has passed them they go."""
from __future__ import annotations

import pytest

from server.services.sync_pull import purge_tombstones
from tests.sync.device_kit import Sim, seed_id


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    s = Sim(tmp_path_factory.mktemp("phones"), size=2)
    yield s
    s.close()


def _tombstones(phone) -> list[str]:
    return [r["id"] for table in ("resident", "household") for r in phone.store.all_rows(table) if r["deleted"]]


def test_purged_tombstones_are_dropped_by_phones_that_had_seen_them(sim):
    a, b = sim.start(2)
    gone, kept = seed_id("person/2"), seed_id("person/3")
    for phone in (a, b):
        sim.sync(phone)
    a.store.delete("resident", gone, now=a.now())
    sim.finish([a, b])
    assert _tombstones(a) == _tombstones(b) == [gone]
    with sim.cloud.engine.begin() as conn:
        assert purge_tombstones(conn, 10**9) == 1
    b.store.delete("resident", kept, now=b.now())  # a newer tombstone, and one still pending on b
    sim.sync(a)
    assert _tombstones(a) == []  # a's cursor was past the horizon: no resync, the old tombstone just goes
    assert sorted(_tombstones(b)) == sorted([gone, kept])  # b has not pulled since the purge
    sim.finish([a, b])
    assert _tombstones(a) == _tombstones(b) == [kept]  # the purged one went from b too; the newer one stays
    assert sim.converged([a, b]) == []
