"""Pull scenarios through the real app: scope, paging, gzip, tombstones, the horizon, conflicts' visibility."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.services.sync_pull import purge_tombstones
from shared.models import ChangeLog, SyncState, new_id
from tests.sync.server_kit import TestPhone, served


@pytest.fixture
def setup(any_engine):
    with served(any_engine) as parts:
        yield parts


def _spread_rows(world, client):
    """The admin (whole district) creates households, residents, employers and vacancies everywhere."""
    admin = TestPhone(client, "admin")
    changes = []
    for grid in ("grid_a1", "grid_a2", "grid_b1"):
        area = world.areas[grid]
        for n in range(3):
            household_id = new_id()
            changes.append(admin.create("household", {"grid_id": area.id, "community_id": area.community_id,
                                                      "address": f"{grid}-{n}", "building": "", "unit": "",
                                                      "room": ""}, row_id=household_id))
            changes.append(admin.create("resident", {"household_id": household_id, "grid_id": area.id,
                                                     "name": "李四"}))
    for street in ("street_a", "street_b"):
        employer_id = new_id()
        changes.append(admin.create("employer", {"street_id": world.areas[street].id, "name": "某厂"},
                                    row_id=employer_id))
        changes.append(admin.create("vacancy", {"employer_id": employer_id, "street_id": world.areas[street].id,
                                                "title": "保洁员"}))
    answer = admin.push(changes)
    assert {r["status"] for r in answer["results"]} == {"applied"}
    return admin


def _visible(world, username):
    grids = {"coord_a1": {"grid_a1"}, "coord_a2": {"grid_a2"}, "manager_a": {"grid_a1", "grid_a2"}}[username]
    return {world.areas[g].id for g in grids}, world.areas["street_a"].id, world.areas["district"].id


@pytest.mark.parametrize("username", ["coord_a1", "coord_a2", "manager_a"])
def test_a_pull_holds_only_rows_of_the_callers_areas_and_all_of_them(setup, username):
    engine, world, client = setup
    _spread_rows(world, client)
    phone = TestPhone(client, username)
    rows = phone.pull(limit=4)  # many small pages
    grids, street, district = _visible(world, username)
    assert rows, "the pull brought nothing"
    for row in rows:
        fields = row["fields"]
        if row["table"] in ("household", "resident"):
            assert fields["grid_id"] in grids
        elif row["table"] in ("employer", "vacancy"):
            assert fields["street_id"] == street
        else:
            assert row["table"] == "area" and (fields["district_id"] == district or row["id"] == district)
    got = {(r["table"], r["id"]) for r in rows}
    # every household and resident of the visible grids (the world's own and the admin's)
    with engine.connect() as conn:
        for table in ("household", "resident"):
            from shared.models import MODEL_BY_TABLE
            t = MODEL_BY_TABLE[table].__table__
            expected = {(table, r) for r in conn.execute(select(t.c.id).where(t.c.grid_id.in_(grids))).scalars()}
            assert expected and expected <= got
    assert sum(1 for t, _ in got if t == "vacancy") == 1


def test_pages_are_contiguous_and_the_cursor_only_moves_forward(setup):
    engine, world, client = setup
    _spread_rows(world, client)
    whole = TestPhone(client, "manager_a")
    everything = whole.pull(limit=5000)
    paged = TestPhone(client, "manager_a")
    pieces = paged.pull(limit=3)
    assert sorted((r["table"], r["id"], r["version"]) for r in pieces) == sorted(
        (r["table"], r["id"], r["version"]) for r in everything)
    assert paged.cursor == whole.cursor
    with engine.connect() as conn:
        assert paged.cursor == conn.execute(select(SyncState.__table__.c.last_version)).scalar()
    assert paged.pull() == []  # nothing new


def test_pull_is_gzip_compressed_when_asked(setup):
    _engine, world, client = setup
    _spread_rows(world, client)
    phone = TestPhone(client, "manager_a")
    plain = client.get("/api/v1/sync/pull?cursor=0", token=phone.token, headers={"accept-encoding": "identity"})
    zipped = client.get("/api/v1/sync/pull?cursor=0", token=phone.token, headers={"accept-encoding": "gzip"})
    assert plain.headers.get("content-encoding") is None
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json()["rows"] == plain.json()["rows"]  # httpx inflates it
    assert zipped.num_bytes_downloaded < plain.num_bytes_downloaded / 3


def test_tombstones_are_pulled_then_purged_and_an_old_cursor_must_resync(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    other = TestPhone(client, "coord_a1")
    phone.pull(), other.pull()
    old_cursor = other.cursor
    resident = world.residents["grid_a1"]
    phone.push([phone.delete("resident", resident.id)])
    pulled = {(r["table"], r["id"]): r for r in phone.pull()}
    assert pulled[("resident", resident.id)]["deleted"] is True
    with engine.begin() as conn:
        horizon = conn.execute(select(SyncState.__table__.c.last_version)).scalar()
        assert purge_tombstones(conn, horizon) == 1
    with engine.connect() as conn:
        assert not conn.execute(select(ChangeLog.__table__).where(ChangeLog.__table__.c.row_id == resident.id)).all()
    response = client.get(f"/api/v1/sync/pull?cursor={old_cursor}", token=other.token)
    assert (response.status_code, response.json()["code"]) == (410, "sync.resync_required")
    assert response.json()["details"]["tombstone_horizon"] == horizon
    # the old device pushes its outbox first: its edit of the purged row cannot bring it back
    stale = other.edit("resident", resident.id, {"notes": "离线时改的"})
    stale["base"] = {"notes": "0000000000001.00000.x"}
    result = other.push([stale])["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "sync.record_deleted")
    # then it pulls from zero: the row is simply gone
    other.cursor, other.rows = 0, {}
    assert ("resident", resident.id) not in {(r["table"], r["id"]) for r in other.pull()}
    assert client.get(f"/api/v1/sync/pull?cursor={phone.cursor}", token=phone.token).status_code == 200


def test_conflicts_are_listed_only_to_the_grids_people(setup):
    _engine, world, client = setup
    one, two = TestPhone(client, "coord_a1"), TestPhone(client, "manager_a", clock_offset_ms=1000)
    one.pull(), two.pull()
    resident = world.residents["grid_a1"]
    one.push([one.edit("resident", resident.id, {"phone": "13800138000"})])
    answer = two.push([two.edit("resident", resident.id, {"phone": "13900139000"})])
    assert answer["results"][0]["status"] == "conflict"
    for username, sees in (("coord_a1", 1), ("manager_a", 1), ("coord_a2", 0), ("manager_b", 0)):
        token = TestPhone(client, username).token
        listed = client.get("/api/v1/sync/conflicts", token=token).json()
        assert len(listed) == sees, username
        if sees:
            assert {listed[0]["fields"]["value_a"], listed[0]["fields"]["value_b"]} == {"13800138000", "13900139000"}
    outsider = TestPhone(client, "coord_a2")
    assert all(r["table"] != "conflict" for r in outsider.pull())
