"""Scenario: counts are derived on the server, not last-writer-wins fields two phones overwrite."""
from __future__ import annotations

from datetime import date

import pytest

from tests.sync.device_kit import Sim, seed_id


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    s = Sim(tmp_path_factory.mktemp("phones"), size=3)
    yield s
    s.close()


def _hire(phone, grid_id: str, person: str, vacancy: str, code: str) -> str:
    store, now = phone.store, phone.now()
    with store.transaction():
        referral = store.save("referral", {"resident_id": person, "vacancy_id": vacancy, "grid_id": grid_id,
                                           "code": code}, now=now)
        for status in ("referred", "hired"):
            store.append("referral_event", {"referral_id": referral, "grid_id": grid_id, "status": status,
                                            "occurred_on": date(2026, 11, 2)}, now=now)
    store.predict("vacancy", vacancy, {"filled": (store.get("vacancy", vacancy)["filled"] or 0) + 1})
    return referral


def test_two_phones_hiring_offline_for_one_vacancy_both_count(sim):
    a, b, c = sim.start(3)
    grid, vacancy = sim.cloud.grid, seed_id("vacancy/0")
    for phone in (a, b, c):
        sim.sync(phone)
    _hire(a, grid.id, seed_id("person/0"), vacancy, "R0001")
    _hire(b, grid.id, seed_id("person/1"), vacancy, "R0002")
    assert a.store.get("vacancy", vacancy)["filled"] == b.store.get("vacancy", vacancy)["filled"] == 1  # offline
    with pytest.raises(ValueError):
        a.store.save("vacancy", {"filled": 5}, row_id=vacancy, now=a.now())  # a server field: never queued
    sim.finish([a, b, c])
    assert sim.cloud.row("vacancy", vacancy)["filled"] == 2
    assert [p.store.get("vacancy", vacancy)["filled"] for p in (a, b, c)] == [2, 2, 2]
    assert sim.converged([a, b, c]) == []
    # a hire taken back (the referral deleted) no longer counts
    referral = next(r for r in a.store.rows("referral") if r["code"] == "R0001")
    a.store.delete("referral", referral["id"], now=a.now())
    sim.finish([a, b, c])
    assert sim.cloud.row("vacancy", vacancy)["filled"] == 1
    assert sim.converged([a, b, c]) == []
