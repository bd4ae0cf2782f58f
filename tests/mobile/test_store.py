"""The phone's store: PIN and keys, sealed meta, edits written with their outbox entry, search by ID digits."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from mobile.store import (
    MAX_WRONG_PINS,
    DeviceStore,
    FileKeyStore,
    MemoryKeyStore,
    NotProvisioned,
    StoreLocked,
    StoreWiped,
    WrongPin,
)
from mobile.store.db import DEVICE_STATE, ID_HASH, OUTBOX, SHADOW
from shared.hlc import parse_stamp
from shared.models import new_id
from shared.sync_codec import encode_row
from shared.validation import FieldError, make_id_number

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
PIN = "480516"
DEVICE = "5f0c6a55-1111-4c3b-9d1e-000000000001"
USER = {"id": "7a1d0c9e-2222-4c3b-9d1e-000000000002", "username": "coord", "display_name": "张伟",
        "role": "coordinator"}
ID_1 = make_id_number("210402", date(1975, 4, 12), 17)
ID_2 = make_id_number("210402", date(1990, 3, 7), 123)


def open_store(path, keystore=None, *, provision=True) -> DeviceStore:
    store = DeviceStore.open(path, keystore or MemoryKeyStore(), scrypt_n=2**10)
    if provision:
        store.provision(PIN)
        store.set_meta("device_id", DEVICE)
        store.set_meta("user", USER)
    return store


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    yield s
    s.close()


def household(store, **fields) -> str:
    values = {"grid_id": "grid-1", "community_id": "community-1", "address": "幸福路1号"}
    values.update(fields)
    return store.save("household", values, now=NOW)


def resident(store, home: str, **fields) -> str:
    values = {"household_id": home, "grid_id": "grid-1", "name": "王芳", "id_number": ID_2, "phone": "13800138000"}
    values.update(fields)
    return store.save("resident", values, now=NOW)


def outbox(store) -> list[dict]:
    return store.outbox_batch(1000)


# --- PIN, keys, wipe ---------------------------------------------------------------


def test_a_new_store_is_not_provisioned_and_cannot_be_unlocked(tmp_path):
    store = open_store(tmp_path, provision=False)
    assert not store.is_provisioned() and not store.is_unlocked
    with pytest.raises(NotProvisioned):
        store.unlock(PIN)
    with pytest.raises(ValueError):
        store.provision("12345")  # six digits, always


def test_provision_lock_and_unlock_with_the_pin(tmp_path):
    keystore = MemoryKeyStore()
    store = open_store(tmp_path, keystore)
    home = household(store)
    store.close()
    again = DeviceStore.open(tmp_path, keystore)
    assert again.is_provisioned() and not again.is_unlocked
    with pytest.raises(StoreLocked):
        again.get("household", home)
    again.unlock(PIN)
    assert again.get("household", home)["address"] == "幸福路1号"
    again.lock()
    with pytest.raises(StoreLocked):
        again.get_meta("user")


def test_wrong_pins_are_counted_and_the_fifth_wipes_the_keys(tmp_path):
    keystore = MemoryKeyStore()
    store = open_store(tmp_path, keystore)
    resident(store, household(store))
    store.lock()
    for remaining in range(MAX_WRONG_PINS - 1, 0, -1):
        with pytest.raises(WrongPin) as raised:
            store.unlock("000000")
        assert raised.value.remaining_attempts == remaining
    assert store.wrong_pin_count == MAX_WRONG_PINS - 1
    with pytest.raises(StoreWiped):
        store.unlock("000000")
    assert not store.is_provisioned()
    assert keystore.values == {}  # the device secret is gone
    with pytest.raises(NotProvisioned):
        store.unlock(PIN)  # even the right PIN cannot bring the data back
    store.provision(PIN)  # signing in again starts empty
    store.set_meta("device_id", DEVICE)
    assert store.rows("resident") == [] and store.pending_count() == 0


def test_a_right_pin_resets_the_count(store):
    store.lock()
    for _ in range(3):
        with pytest.raises(WrongPin):
            store.unlock("111111")
    store.unlock(PIN)
    assert store.wrong_pin_count == 0
    store.lock()
    with pytest.raises(WrongPin) as raised:
        store.unlock("111111")
    assert raised.value.remaining_attempts == MAX_WRONG_PINS - 1


def test_the_count_survives_restoring_an_old_database_copy(tmp_path):
    """The count lives in the KeyStore too: copying back an older file does not give more guesses."""
    keystore = MemoryKeyStore()
    store = open_store(tmp_path / "phone", keystore)
    store.close()
    old = (tmp_path / "phone" / "doorstep.sqlite3").read_bytes()
    store = DeviceStore.open(tmp_path / "phone", keystore)
    for _ in range(4):
        with pytest.raises(WrongPin):
            store.unlock("999999")
    store.close()
    (tmp_path / "phone" / "doorstep.sqlite3").write_bytes(old)
    for leftover in tmp_path.joinpath("phone").glob("doorstep.sqlite3-*"):
        leftover.unlink()
    store = DeviceStore.open(tmp_path / "phone", keystore)
    with pytest.raises(StoreWiped):
        store.unlock("999999")


def test_a_copied_file_without_the_device_secret_cannot_be_opened(tmp_path):
    store = open_store(tmp_path / "phone")
    resident(store, household(store))
    store.close()
    thief = DeviceStore.open(tmp_path / "phone", MemoryKeyStore())  # the file, the PIN, not the secret
    with pytest.raises(StoreWiped):
        thief.unlock(PIN)


def test_wipe_forgets_keys_and_data(store):
    resident(store, household(store))
    store.wipe()
    assert not store.is_provisioned() and not store.is_unlocked
    store.provision(PIN)
    store.set_meta("device_id", DEVICE)
    assert store.all_rows("household") == [] and store.pending_count() == 0 and store.cursor == 0


def test_file_keystore_keeps_values_in_an_owner_only_file(tmp_path):
    keys = FileKeyStore(tmp_path / "keys.json")
    store = open_store(tmp_path / "phone", keys)
    store.close()
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0
    reopened = DeviceStore.open(tmp_path / "phone", FileKeyStore(tmp_path / "keys.json"))
    reopened.unlock(PIN)
    assert reopened.device_id == DEVICE


# --- meta ----------------------------------------------------------------------------


def test_meta_is_sealed_except_what_the_lock_screen_needs(store):
    store.set_meta("token", "secret-token-value")
    store.set_meta("server_url", "http://192.168.1.5:8000")
    raw = store.path.read_bytes() + store.path.with_name("doorstep.sqlite3-wal").read_bytes()
    assert b"secret-token-value" not in raw and "张伟".encode() not in raw
    store.lock()
    assert store.get_meta("server_url") == "http://192.168.1.5:8000"
    with pytest.raises(StoreLocked):
        store.get_meta("token")
    store.unlock(PIN)
    assert store.get_meta("token") == "secret-token-value"
    assert store.user_id == USER["id"] and store.device_id == DEVICE


# --- edits and the outbox ----------------------------------------------------------


def test_every_edit_writes_the_row_and_its_outbox_entry(store):
    home = household(store)
    person = resident(store, home, skills=["家政"])
    store.save("resident", {"employment_status": "unemployed", "employment_since": date(2026, 3, 1),
                            "skills": ["家政", "电工"]}, row_id=person, now=NOW + timedelta(minutes=1))
    entries = outbox(store)
    assert [e["seq"] for e in entries] == [1, 2, 3]
    create = entries[1]
    assert create["table"] == "resident" and create["row_id"] == person and create["op"] == "upsert"
    assert create["fields"]["name"] == "王芳" and create["base"] == {}
    assert create["set_ops"]["skills"] == [{"element": "家政", "present": True, "stamp": create["stamps"]["name"]}]
    update = entries[2]
    # a group is written whole, with one stamp; base = what the device had
    assert update["fields"] == {"employment_status": "unemployed", "employment_since": "2026-03-01",
                                "employer_name": ""}
    assert list(update["stamps"]) == ["employment"]
    assert update["base"] == {"employment": create["stamps"]["employment"]}
    assert update["base_values"] == {"employment_status": None, "employment_since": None, "employer_name": ""}
    assert [(op["element"], op["present"]) for op in update["set_ops"]["skills"]] == [("电工", True)]
    row = store.get("resident", person)
    assert row["stamps"]["employment"] == update["stamps"]["employment"]
    assert row["stamps"]["skills|电工"] == update["stamps"]["employment"]
    assert store.pending_count() == 3


def test_stamps_increase_and_the_clock_and_seq_survive_a_restart(tmp_path):
    keystore = MemoryKeyStore()
    store = open_store(tmp_path, keystore)
    home = household(store)
    store.close()
    store = DeviceStore.open(tmp_path, keystore, scrypt_n=2**10)
    store.unlock(PIN)
    # the wall clock went back an hour: the hybrid clock still moves forward
    store.save("household", {"notes": "白天不在家"}, row_id=home, now=NOW - timedelta(hours=1))
    first, second = outbox(store)
    assert second["seq"] == 2
    assert parse_stamp(second["stamps"]["notes"]) > parse_stamp(first["stamps"]["notes"])
    assert parse_stamp(second["stamps"]["notes"]).device_id == DEVICE


def test_an_unchanged_save_writes_nothing(store):
    home = household(store, notes="x")
    store.save("household", {"notes": "x", "address": "幸福路1号"}, row_id=home, now=NOW)
    assert store.pending_count() == 1


def test_a_removed_skill_is_a_removal_op(store):
    person = resident(store, household(store), skills=["家政", "电工"])
    store.save("resident", {"skills": ["电工"]}, row_id=person, now=NOW)
    ops = outbox(store)[-1]["set_ops"]["skills"]
    assert [(op["element"], op["present"]) for op in ops] == [("家政", False)]
    assert store.get("resident", person)["skills"] == ["电工"]


def test_invalid_values_are_refused_before_anything_is_written(store):
    home = household(store)
    with pytest.raises(FieldError):
        resident(store, home, id_number="110101199003071234")  # wrong check digit
    with pytest.raises(ValueError, match="server"):
        store.save("visit", {"received_at": NOW}, now=NOW)
    with pytest.raises(ValueError, match="not a synced field"):
        store.save("household", {"version": 9}, row_id=home, now=NOW)
    with pytest.raises(ValueError, match="required on create"):
        store.save("resident", {"name": "李娜"}, now=NOW)
    assert store.pending_count() == 1


def test_none_for_a_not_null_column_is_a_field_error_naming_it(store):
    home = household(store)
    person = resident(store, home)
    before = outbox(store)
    for fields in ({"relation": None}, {"name": None}, {"employer_name": None}, {"disability": None}):
        with pytest.raises(FieldError) as refused:
            store.save("resident", fields, row_id=person, now=NOW)
        [name] = fields
        assert refused.value.field == name and refused.value.code == "value.required"
        assert "不能为空" in str(refused.value) and name in str(refused.value)
    with pytest.raises(FieldError) as refused:  # on create too
        resident(store, home, name="李娜", id_number=ID_1, relation=None)
    assert refused.value.field == "relation"
    with pytest.raises(FieldError) as refused:
        store.save("household", {"notes": None}, row_id=home, now=NOW)
    assert refused.value.field == "notes"
    assert outbox(store) == before and store.get("resident", person)["relation"] == ""
    store.save("resident", {"skills": None, "phone": None}, row_id=person, now=NOW)  # a set's None is empty
    assert store.get("resident", person)["phone"] is None


def test_an_edit_that_fails_leaves_no_trace(store, monkeypatch):
    home = household(store)
    from mobile.store import syncing

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(syncing, "ensure_shadow", broken)  # fails after the row was written
    with pytest.raises(RuntimeError):
        store.save("household", {"notes": "new"}, row_id=home, now=NOW)
    assert store.get("household", home)["notes"] == ""
    assert store.pending_count() == 1
    with store.engine.connect() as conn:
        assert conn.execute(select(DEVICE_STATE.c.next_seq)).scalar() == 2


def test_delete_leaves_a_tombstone_and_queues_it(store):
    home = household(store)
    store.delete("household", home, now=NOW)
    assert store.get("household", home) is None
    assert [r["deleted"] for r in store.all_rows("household")] == [True]
    last = outbox(store)[-1]
    assert last["op"] == "delete" and last["delete_stamp"] and last["fields"] == {}
    with pytest.raises(ValueError):
        store.save("household", {"notes": "x"}, row_id=home, now=NOW)


def test_append_only_tables(store):
    home = household(store)
    visit = store.append("visit", {"household_id": home, "grid_id": "grid-1", "coordinator_id": USER["id"],
                                   "visited_at": NOW, "outcome": "met", "services": ["policy_consultation"]},
                         now=NOW)
    assert store.get("visit", visit)["services"] == ["policy_consultation"]
    with pytest.raises(ValueError, match="append-only"):
        store.save("visit", {"notes": "fix"}, row_id=visit, now=NOW)
    with pytest.raises(ValueError, match="append-only"):
        store.delete("visit", visit, now=NOW)
    event = store.append("referral_event", {"referral_id": new_id(), "grid_id": "grid-1", "status": "interviewed",
                                            "occurred_on": date(2026, 11, 25)}, now=NOW)
    assert parse_stamp(store.get("referral_event", event)["stamp"]).device_id == DEVICE


def test_the_first_unpushed_edit_remembers_the_server_state(store):
    home = household(store)
    with store.engine.connect() as conn:
        assert conn.execute(select(SHADOW.c.row_id)).scalars().all() == [home]
        keys = json.loads(conn.execute(select(OUTBOX.c.clock_keys)).scalar())
    assert "address" in keys and "notes" in keys


# --- reading and search ---------------------------------------------------------------


def test_find_by_id_number_and_its_last_digits(store):
    home = household(store)
    a = resident(store, home, name="王芳", id_number=ID_2)
    b = resident(store, home, name="李建国", id_number=ID_1, phone="13900139000")
    assert [r["id"] for r in store.find_by_id_number(ID_2.lower())] == [a]
    assert [r["id"] for r in store.find_by_id_suffix(ID_1[-4:])] == [b]
    assert [r["id"] for r in store.find_by_id_suffix(ID_1[-6:])] == [b]
    assert store.find_by_id_suffix("0000") == []
    with pytest.raises(ValueError):
        store.find_by_id_suffix("12345")
    store.save("resident", {"id_number": ID_1}, row_id=a, now=NOW)  # a correction: the hashes follow
    assert {r["id"] for r in store.find_by_id_number(ID_1)} == {a, b}
    assert store.find_by_id_number(ID_2) == []
    store.delete("resident", b, now=NOW)  # a tombstone is not found
    assert [r["id"] for r in store.find_by_id_number(ID_1)] == [a]


def test_search_index_rows_are_decrypted(store):
    home = household(store)
    resident(store, home, name="阿依古丽·买买提")
    rows = store.search_index_rows()
    assert [(r["name"], r["id_number"], r["phone"]) for r in rows] == [("阿依古丽·买买提", ID_2, "13800138000")]
    assert parse_stamp(rows[0]["stamps"]["name"]).device_id == DEVICE  # who wrote each field
    with pytest.raises(ValueError, match="encrypted"):
        store.rows("resident", name="阿依古丽·买买提")


def test_rows_filter_on_plain_columns(store):
    home = household(store)
    other = household(store, grid_id="grid-2")
    resident(store, home)
    assert [r["household_id"] for r in store.rows("resident", household_id=home)] == [home]
    assert store.rows("resident", household_id=other) == []
    assert {r["id"] for r in store.rows("household")} == {home, other}


def test_pulled_pages_keep_the_id_number_hashes_in_step(store):
    """A pulled row's hashes follow its number: rewritten when it changes, left alone when it does not, gone
    with a tombstone or an emptied number; a row pulled again with the same number is found once."""
    home, person = new_id(), new_id()
    base = {"id": person, "household_id": home, "grid_id": "grid-1", "community_id": "community-1",
            "name": "王芳", "id_number": ID_2, "phone": "13800138000"}

    def page(version: int, deleted: bool = False, **fields) -> list[dict]:
        row = {**base, **fields}
        return [{"table": "resident", "id": person, "version": version, "deleted": deleted,
                 "fields": encode_row("resident", row), "stamps": {"name": f"{1764000000000 + version}.00000.{DEVICE}"}}]

    def hashes() -> list[tuple]:
        with store.engine.connect() as conn:
            return sorted(conn.execute(select(ID_HASH.c.kind, ID_HASH.c.digest)
                                       .where(ID_HASH.c.row_id == person)).all())

    store.apply_page(page(1), cursor=1)
    assert [r["id"] for r in store.find_by_id_number(ID_2)] == [person]
    first = hashes()
    assert [kind for kind, _ in first] == ["full", "last4", "last6"]
    store.apply_page(page(2, notes="复访"), cursor=2)  # the same number: the same three hashes, found once
    assert hashes() == first and [r["id"] for r in store.find_by_id_number(ID_2)] == [person]
    store.apply_page(page(3, id_number=ID_1), cursor=3)  # corrected on the server: the old number is not found
    assert store.find_by_id_number(ID_2) == [] and store.find_by_id_suffix(ID_2[-6:]) == []
    assert [r["id"] for r in store.find_by_id_number(ID_1)] == [person]
    assert [r["id"] for r in store.find_by_id_suffix(ID_1[-4:])] == [person]
    store.apply_page(page(4, id_number=None), cursor=4)  # emptied
    assert hashes() == [] and store.find_by_id_number(ID_1) == []
    store.apply_page(page(5, id_number=ID_1), cursor=5)
    assert len(hashes()) == 3
    store.apply_page(page(6, deleted=True, id_number=ID_1), cursor=6)  # a tombstone is not found
    assert hashes() == [] and store.find_by_id_number(ID_1) == []
