"""ID numbers and phones are sealed in the server's database: neither the SQLite file nor a pg_dump holds them.

Everything goes through the real app (sign-in, push, pull, conflicts, ledger
duplicate look-up); the checks read the raw bytes the database keeps.
"""
from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select, text

from server import migrate
from server.cells import CellCodec, CellKeyError, KeyRing, load_key_ring
from server.db import make_engine
from server.services.data_keys import key_ids_in_use
from server.settings import get_settings
from shared.models import Employer, Resident, new_id, server_tables
from tests.server.client import ApiClient
from tests.server.conftest import make_app
from tests.server.factories import build_world
from tests.sync.server_kit import TestPhone

ID_NUMBER = "210102198807150020"
PHONES = ("13912345678", "13887654321", "13500001111")
FACTORY_ID = "110101199003071234"  # build_world's residents


def _fill(engine) -> dict:
    """A world, a new resident with ID number and phone, an employer's phone and a conflict on the phone."""
    world = build_world(engine)
    client = ApiClient(make_app(engine))
    try:
        one, two = TestPhone(client, "coord_a1"), TestPhone(client, "manager_a", clock_offset_ms=1000)
        home = world.households["grid_a1"]
        person = new_id()
        created = one.create("resident", {"household_id": home.id, "grid_id": home.grid_id,
                                          "community_id": home.community_id, "name": "赵敏",
                                          "id_number": ID_NUMBER, "phone": PHONES[0]}, row_id=person)
        employer = one.create("employer", {"street_id": world.areas["street_a"].id, "name": "惠民超市",
                                           "contact_name": "钱经理", "contact_phone": PHONES[2]})
        assert [r["status"] for r in one.push([created, employer])["results"]] == ["applied", "applied"]
        one.pull()
        two.pull()
        assert one.push([one.edit("resident", person, {"phone": PHONES[1]})])["results"][0]["status"] == "applied"
        answer = two.push([two.edit("resident", person, {"phone": PHONES[2]})])["results"][0]
        assert answer["status"] == "conflict"
        # what a phone pulls is the plain value, and the conflict's values too
        reader = TestPhone(client, "coord_a1")
        pulled = {(r["table"], r["id"]): r["fields"] for r in reader.pull()}
        assert pulled[("resident", person)]["id_number"] == ID_NUMBER
        assert pulled[("resident", person)]["phone"] == PHONES[2]
        assert pulled[("employer", employer["row_id"])]["contact_phone"] == PHONES[2]
        conflict = client.get("/api/v1/sync/conflicts", token=reader.token).json()
        assert {conflict[0]["fields"]["value_a"], conflict[0]["fields"]["value_b"]} == set(PHONES[1:])
        # the server's own reads open the cells, and an equality look-up finds the sealed value
        with engine.connect() as conn:
            found = conn.execute(select(Resident.__table__.c.id)
                                 .where(Resident.__table__.c.id_number == ID_NUMBER)).scalars().all()
            assert found == [person]
        return {"person": person}
    finally:
        client.close()


def _assert_no_plaintext(blob: bytes) -> None:
    for secret in (ID_NUMBER, FACTORY_ID, *PHONES):
        assert secret.encode() not in blob, secret


def test_the_sqlite_file_holds_no_id_number_or_phone(tmp_path):
    url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        _fill(engine)
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        engine.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("doorstep.sqlite3")]
    blob = b"".join(p.read_bytes() for p in files)
    assert b"\xe8\xb5\xb5\xe6\x95\x8f" in blob  # the name is there (names are not sealed on the server)
    _assert_no_plaintext(blob)


@pytest.mark.postgres
def test_a_pg_dump_holds_no_id_number_or_phone(pg_empty_database):
    migrate.upgrade(pg_empty_database)
    engine = make_engine(pg_empty_database)
    try:
        _fill(engine)
    finally:
        engine.dispose()
    url = pg_empty_database.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True, timeout=120).stdout
    assert b"COPY public.resident" in dump and "赵敏".encode() in dump
    _assert_no_plaintext(dump)


def test_rotating_the_keys_reseals_every_cell_and_the_old_key_alone_opens_nothing(tmp_path, monkeypatch):
    from doorstep.cli import main

    key_file = tmp_path / "keys" / "server-keys.json"
    monkeypatch.delenv("DOORSTEP_DATA_KEYS")
    monkeypatch.setenv("DOORSTEP_KEY_FILE", str(key_file))
    url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    migrate.upgrade(url)  # the first start makes the key file
    old = load_key_ring(get_settings(), create=False)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    engine = make_engine(url)
    try:
        made = _fill(engine)
    finally:
        engine.dispose()
    assert main(["keys", "rotate", "--url", url]) == 0
    new = load_key_ring(get_settings(), create=False)
    assert new.current != old.current and set(new.keys) == {new.current}
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = key_ids_in_use(conn, CellCodec(new), server_tables())
            assert set(counts) == {new.current} and counts[new.current] >= 7
            row = conn.execute(select(Resident.__table__).where(Resident.__table__.c.id == made["person"])).mappings().one()
            assert (row["id_number"], row["phone"]) == (ID_NUMBER, PHONES[2])
            raw = conn.execute(text("SELECT id_number FROM resident WHERE id = :id"), {"id": made["person"]}).scalar()
    finally:
        engine.dispose()
    with pytest.raises(CellKeyError):
        CellCodec(old).open("id_number", raw)


def test_the_migration_seals_existing_plaintext_and_the_downgrade_opens_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    migrate.upgrade(url, revision="0002")
    plain = make_engine(url)  # the codec does not matter below 0003: write plain cells with raw SQL
    with plain.begin() as conn:
        conn.execute(text("INSERT INTO employer (id, version, deleted, stamps, street_id, name, contact_name, "
                          "contact_phone, address, assistance_base) VALUES ('e1', 0, 0, '{}', 's', '店', '', "
                          ":phone, '', 0)"), {"phone": PHONES[0]})
    plain.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT contact_phone FROM employer")).scalar()
        assert raw.startswith("s1.") and PHONES[0] not in raw
        assert conn.execute(select(Employer.__table__.c.contact_phone)).scalar() == PHONES[0]
        assert conn.execute(select(func.count()).select_from(Employer.__table__)
                            .where(Employer.__table__.c.contact_phone == PHONES[0])).scalar() == 1
    engine.dispose()
    migrate.downgrade("0002", url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT contact_phone FROM employer")).scalar() == PHONES[0]
    engine.dispose()


def test_a_cell_is_bound_to_its_kind_and_key_and_equal_values_seal_equally():
    codec = CellCodec(KeyRing.generate())
    cell = codec.seal("phone", PHONES[0])
    assert cell == codec.seal("phone", PHONES[0]) != codec.seal("phone", PHONES[1])
    assert codec.seal("id_number", PHONES[0]) != cell  # the blind index is per kind
    assert codec.open("phone", cell) == PHONES[0]
    for broken in (cell[:-2] + ("AA" if not cell.endswith("AA") else "BB"), "s1.nokey." + cell.split(".", 2)[2]):
        with pytest.raises(CellKeyError):
            codec.open("phone", broken)
    with pytest.raises(CellKeyError):
        codec.open("id_number", cell)
    ring = codec.ring.with_new_key()
    both = CellCodec(ring)
    assert both.open("phone", cell) == PHONES[0] and both.key_of(both.seal("phone", "1")) == ring.current


def test_workers_starting_together_on_a_new_install_share_one_key_ring(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    settings = get_settings(data_dir=tmp_path, data_keys="")
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _i: load_key_ring(settings).to_json(), range(8)))
    assert len(set(rings)) == 1 and [p.name for p in tmp_path.iterdir()] == ["server-keys.json"]
