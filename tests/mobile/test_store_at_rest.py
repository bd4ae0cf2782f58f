"""What a copied phone file reveals: no ID number, phone or name of the demo residents, in the file or its WAL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from mobile.store import DecryptionError, DeviceStore, MemoryKeyStore
from server.demo import build_demo
from shared.models import Resident
from shared.sync_codec import encode_row

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
DEVICE = "5f0c6a55-1111-4c3b-9d1e-000000000001"
_RESIDENT = Resident.__table__


@pytest.fixture(scope="module")
def demo():
    return build_demo(households=60)


def pulled(table: str, row: dict, version: int) -> dict:
    return {"table": table, "id": row["id"], "version": version, "deleted": False,
            "fields": encode_row(table, row), "stamps": row["stamps"]}


def open_store(path) -> DeviceStore:
    store = DeviceStore.open(path, MemoryKeyStore(), scrypt_n=2**10)
    store.provision("480516")
    store.set_meta("device_id", DEVICE)
    store.set_meta("user", {"id": "7a1d0c9e-2222-4c3b-9d1e-000000000002"})
    return store


def raw_bytes(store: DeviceStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.path.parent.glob("doorstep.sqlite3*"))


def test_the_raw_file_holds_no_id_number_phone_or_name(tmp_path, demo):
    store = open_store(tmp_path)
    residents = demo.tables["resident"]
    households = demo.tables["household"]
    half = len(residents) // 2
    # half arrive by a pull, half are typed in on the phone (and sit in the outbox too)
    store.apply_page([pulled("household", h, i + 1) for i, h in enumerate(households)]
                     + [pulled("resident", r, 1000 + i) for i, r in enumerate(residents[:half])],
                     cursor=5000)
    for r in residents[half:]:
        fields = {k: r[k] for k in ("household_id", "grid_id", "community_id", "name", "id_number", "phone",
                                    "birth_date", "sex", "skills")}
        store.save("resident", fields, now=NOW)
    store.save("resident", {"phone": "13912345678", "name": "欧阳娜娜"}, row_id=residents[0]["id"], now=NOW)
    assert store.path.with_name("doorstep.sqlite3-wal").stat().st_size > 0  # the WAL is checked too
    secrets = {r["id_number"] for r in residents if r["id_number"]} | {r["phone"] for r in residents if r["phone"]}
    names = {r["name"] for r in residents if r["name"]}
    assert len(secrets) > 100 and len(names) > 50
    blob = raw_bytes(store)
    found = [s for s in secrets | names | {"13912345678", "欧阳娜娜"} if s.encode("utf-8") in blob]
    assert found == []
    # ... and the phone still works with them
    assert store.get("resident", residents[0]["id"])["name"] == "欧阳娜娜"
    some = next(r for r in residents[half:] if r["id_number"])
    assert [x["name"] for x in store.find_by_id_number(some["id_number"])] == [some["name"]]
    assert {x["name"] for x in store.search_index_rows()} >= names - {residents[0]["name"]}
    store.close()


def test_a_value_copied_into_another_cell_does_not_decrypt(tmp_path):
    store = open_store(tmp_path)
    home = store.save("household", {"grid_id": "g", "community_id": "c"}, now=NOW)
    a = store.save("resident", {"household_id": home, "grid_id": "g", "name": "王芳", "phone": "13800138000"},
                   now=NOW)
    b = store.save("resident", {"household_id": home, "grid_id": "g", "name": "李娜", "phone": "13900139000"},
                   now=NOW)
    with store.engine.begin() as conn:
        sealed_phone_a = conn.execute(select(_RESIDENT.c.phone).where(_RESIDENT.c.id == a)).scalar()
        conn.execute(update(_RESIDENT).where(_RESIDENT.c.id == b).values(phone=sealed_phone_a))
    with pytest.raises(DecryptionError):
        store.get("resident", b)  # another row
    with store.engine.begin() as conn:
        conn.execute(update(_RESIDENT).where(_RESIDENT.c.id == a).values(name=sealed_phone_a))
    with pytest.raises(DecryptionError):
        store.get("resident", a)  # another column of the same row
    with pytest.raises(DecryptionError):
        store.search_index_rows()
    store.close()
