"""The device API serves code as well as screens: a harness signs phones in, saves, syncs and reads answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mobile.services.sign_in import SignInError, sign_in_device
from mobile.store import DeviceStore, MemoryKeyStore
from mobile.sync import SyncEngine
from shared.hlc import parse_stamp
from tests.server.factories import PASSWORD
from tests.sync.device_kit import BASE_URL, Cloud

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def cloud():
    clock = {"now": T0}
    c = Cloud(coordinators=1, clock=lambda: clock["now"])  # the server's time is the test's
    c.clock = clock
    yield c
    c.close()


def test_a_harness_signs_a_phone_in_saves_and_syncs_through_documented_calls(cloud, tmp_path):
    store = DeviceStore.open(tmp_path / "phone", MemoryKeyStore(), scrypt_n=2**10)
    with pytest.raises(SignInError):
        sign_in_device(store, BASE_URL, "coord_a1", "wrong", "246810", transport=cloud.transport)
    assert not store.is_provisioned()  # nothing written by a failed sign-in
    user = sign_in_device(store, BASE_URL, "coord_a1", PASSWORD, "246810", transport=cloud.transport)
    assert user["grid_ids"] == [cloud.grid.id] and store.device_id and store.is_unlocked
    with SyncEngine.for_store(store, transport=cloud.transport, clock=lambda: T0) as engine:
        first = engine.sync()
    assert first.pulled > 0 and first.clock_notice is None
    resident = store.rows("resident")[0]

    phone_now = T0 + timedelta(days=3)  # the phone's clock runs 3 days ahead
    saved = store.save("resident", {"notes": "第一次"}, row_id=resident["id"], now=phone_now)
    assert saved == resident["id"] and saved.changed and saved.keys == ("notes",) and saved.seq is not None
    again = store.save("resident", {"notes": "第一次"}, row_id=resident["id"], now=phone_now)
    assert again == resident["id"] and not again.changed and again.seq is None  # nothing new to queue
    second = store.save("resident", {"notes": "改正"}, row_id=resident["id"], now=phone_now)
    assert second.stamp > saved.stamp

    cloud.clock["now"] = T0 + timedelta(minutes=10)
    with SyncEngine.for_store(store, transport=cloud.transport, clock=lambda: phone_now,
                              keep_outcomes=True) as engine:
        summary = engine.sync()
    answers = {c.seq: c for c in summary.changes}
    assert [answers[s].status for s in (saved.seq, second.seq)] == ["applied", "applied"]
    stored = [answers[s].stamps["notes"] for s in (saved.seq, second.seq)]
    limit = int((T0 + timedelta(minutes=15)).timestamp() * 1000)  # server now + 5 minutes
    assert all(answers[s].clamped for s in (saved.seq, second.seq))
    assert [parse_stamp(s).physical_ms for s in stored] == [limit, limit] and stored[0] < stored[1]
    assert summary.clock_notice and "手机时间不准" in summary.clock_notice
    assert store.clock_offset_ms == (cloud.clock["now"] - phone_now) // timedelta(milliseconds=1)
    assert store.get("resident", resident["id"])["notes"] == "改正"
    assert store.get("resident", resident["id"])["stamps"]["notes"] == stored[1]  # what the server stored
    # the app's engine keeps counts, not every change's answer (a first push of a whole area holds thousands)
    store.save("resident", {"notes": "第三次"}, row_id=resident["id"], now=phone_now)
    with SyncEngine.for_store(store, transport=cloud.transport, clock=lambda: phone_now) as engine:
        third = engine.sync()
    assert third.pushed == 1 and third.changes == [] and store.pending_count() == 0
    store.close()
