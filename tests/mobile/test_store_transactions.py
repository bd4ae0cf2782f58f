"""Several edits of one user action commit together or not at all (``store.transaction()``)."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mobile.store.db import DEVICE_STATE, ID_HASH, OUTBOX, SHADOW
from tests.mobile.test_store import NOW, household, open_store, outbox, resident


class InjectedFault(Exception):
    pass


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    yield s
    s.close()


def snapshot(store) -> dict:
    """Everything an edit may write: synced rows, the outbox, shadows, ID hashes and the device state."""
    with store.engine.connect() as conn:
        device = conn.execute(select(DEVICE_STATE)).mappings().one()
        return {
            "rows": {t: store.all_rows(t) for t in ("household", "resident", "status_record")},
            "outbox": outbox(store),
            "shadow": sorted(conn.execute(select(SHADOW.c.table_name, SHADOW.c.row_id)).all()),
            "id_hash": sorted(conn.execute(select(ID_HASH.c.row_id, ID_HASH.c.kind)).all()),
            "device": (device["next_seq"], device["clock"]),
        }


def employ(store, person: str) -> None:
    """What the resident form does when the status changes: the resident, then its dated status record."""
    store.save("resident", {"employment_status": "employed", "employment_since": date(2026, 11, 20)},
               row_id=person, now=NOW + timedelta(minutes=5))
    store.append("status_record", {"resident_id": person, "grid_id": "grid-1", "kind": "employment",
                                   "value": "employed", "effective_on": date(2026, 11, 20)},
                 now=NOW + timedelta(minutes=5))


def test_edits_in_a_transaction_commit_together(store):
    home = household(store)
    person = resident(store, home)
    with store.transaction():
        employ(store, person)
        # reads inside see the transaction's own writes
        assert store.get("resident", person)["employment_status"] == "employed"
        assert len(store.rows("status_record", resident_id=person)) == 1
        assert store.pending_count() == 4
    assert store.get("resident", person)["employment_status"] == "employed"
    assert [e["table"] for e in outbox(store)] == ["household", "resident", "resident", "status_record"]
    assert [e["seq"] for e in outbox(store)] == [1, 2, 3, 4]


def test_a_failure_in_the_middle_writes_nothing_and_leaves_the_outbox_as_it_was(store):
    home = household(store)
    person = resident(store, home)
    before = snapshot(store)

    def fail_on_status_record(stage: str) -> None:  # after the resident's row and outbox entry were written
        if stage == "save:status_record":
            raise InjectedFault(stage)

    store.fault_hook = fail_on_status_record
    with pytest.raises(InjectedFault), store.transaction():
        employ(store, person)
    store.fault_hook = None
    assert snapshot(store) == before
    assert store.get("resident", person)["employment_status"] is None
    assert store.rows("status_record") == []
    assert store.pending_count() == 2
    # the next edit takes the next seq as if nothing had been tried
    employ(store, person)
    assert [e["seq"] for e in outbox(store)] == [1, 2, 3, 4]


def test_an_error_raised_by_the_caller_also_rolls_back_every_table(store):
    home = household(store)
    before = snapshot(store)
    with pytest.raises(InjectedFault), store.transaction():
        person = resident(store, home, name="李娜")  # a new resident: row, shadow, ID hashes, outbox
        store.save("household", {"notes": "两人在家"}, row_id=home, now=NOW)
        store.set_meta("first_sync_at", NOW.isoformat())
        raise InjectedFault("the user's action failed after its writes")
    assert snapshot(store) == before
    assert store.get("resident", person) is None
    assert store.get_meta("first_sync_at") is None  # meta written inside is rolled back, not cached


def test_nested_transactions_join_the_outer_one(store):
    home = household(store)
    before = snapshot(store)
    with pytest.raises(InjectedFault), store.transaction():
        with store.transaction():
            store.save("household", {"notes": "内层"}, row_id=home, now=NOW)
        assert store.get("household", home)["notes"] == "内层"  # not committed yet
        raise InjectedFault("outer")
    assert snapshot(store) == before


def test_another_thread_does_not_see_the_transaction_until_it_commits(store):
    home = household(store)
    seen: list = []

    def look() -> None:
        seen.append(store.get("household", home)["notes"])

    with store.transaction():
        store.save("household", {"notes": "未提交"}, row_id=home, now=NOW)
        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
    look()
    assert seen == ["", "未提交"]


def test_the_store_cannot_be_wiped_inside_a_transaction(store):
    household(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.wipe()
    with store.engine.connect() as conn:
        assert conn.execute(select(OUTBOX.c.seq)).scalars().all() == [1]
