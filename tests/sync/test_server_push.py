"""Push scenarios through the real app: per-change answers, replays, merges, conflicts, deletes, clamping, areas."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from shared.hlc import parse_stamp
from shared.models import (
    AuditEvent,
    ChangeLog,
    Conflict,
    Device,
    Referral,
    ReferralEvent,
    Resident,
    Visit,
    new_id,
)
from tests.sync.server_kit import TestPhone, dump, now_ms, served


@pytest.fixture
def setup(any_engine):
    with served(any_engine) as parts:
        yield parts


def _row(engine, model, row_id):
    table = model.__table__
    with engine.connect() as conn:
        return conn.execute(select(table).where(table.c.id == row_id)).mappings().one()


def _feed_size(engine):
    with engine.connect() as conn:
        return len(conn.execute(select(ChangeLog.__table__)).all())


def test_one_batch_answers_each_change_and_a_bad_one_fails_nothing_else(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    resident = world.residents["grid_a1"]
    household = world.households["grid_a1"]
    outside = world.residents["grid_b1"]
    changes = [
        phone.edit("resident", resident.id, {"notes": "会电焊"}),
        phone.edit("resident", resident.id, {"phone": "12345"}),  # invalid
        phone.edit("nowhere", resident.id, {"x": 1}),
        phone.edit("resident", outside.id, {"notes": "不是我的"}),
        phone.edit("visit", new_id(), {"household_id": household.id, "grid_id": household.grid_id,
                                       "coordinator_id": world.users["coord_a1"].id,
                                       "visited_at": "2024-05-01T02:00:00+00:00", "outcome": "met"}),
        phone.edit("resident", new_id(), {"notes": "无主"}),  # unknown record, no required fields
        phone.edit("referral", new_id(), {"status": "hired"}),  # server field
        phone.edit("resident", resident.id, {"employment_status": "employed"}),  # half a group
    ]
    answer = phone.push(changes)
    by_seq = {r["seq"]: r for r in answer["results"]}
    got = [(by_seq[c["seq"]]["status"], by_seq[c["seq"]]["code"]) for c in changes]
    assert got == [
        ("applied", None), ("rejected", "sync.invalid_value"), ("rejected", "sync.unknown_table"),
        ("rejected", "sync.outside_area"), ("applied", None), ("rejected", "sync.unknown_record"),
        ("rejected", "sync.read_only"), ("rejected", "sync.invalid_value"),
    ]
    assert answer["last_seq"] == changes[-1]["seq"]
    assert _row(engine, Resident, resident.id)["notes"] == "会电焊"
    assert _row(engine, Resident, outside.id)["notes"] == ""
    visit = _row(engine, Visit, changes[4]["row_id"])
    assert visit["received_at"] is not None and visit["version"] > 0
    # rejections never repeat the value sent
    assert "12345" not in by_seq[changes[1]["seq"]]["message"]


def test_replaying_a_push_or_any_part_of_it_changes_nothing(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    resident = world.residents["grid_a1"]
    household = world.households["grid_a1"]
    changes = [
        phone.edit("resident", resident.id, {"notes": "一"}),
        phone.edit("resident", resident.id, {"skills": ["电工"]}),
        phone.create("household", {"grid_id": household.grid_id, "community_id": household.community_id,
                                   "address": "新楼", "building": "1", "unit": "2", "room": "301"}),
        phone.edit("visit", new_id(), {"household_id": household.id, "grid_id": household.grid_id,
                                       "coordinator_id": world.users["coord_a1"].id,
                                       "visited_at": "2024-05-01T02:00:00+00:00", "outcome": "not_home"}),
        phone.delete("household", household.id),
        phone.edit("resident", resident.id, {"phone": "123"}),  # rejected: replaying it is rejected again
    ]
    first = phone.push(changes)
    assert [r["status"] for r in first["results"]] == ["applied"] * 5 + ["rejected"]
    refused = first["results"][-1]
    before = dump(engine)
    for replay in (changes, changes[2:], changes[:1], changes[1:4], changes * 2):
        again = phone.push(replay)
        for result in again["results"]:
            # the same answer as the first time: a refusal whose answer was lost is not turned into "duplicate"
            expected = ({"status": "rejected", "code": refused["code"], "message": refused["message"]}
                        if result["seq"] == refused["seq"] else {"status": "duplicate", "code": None, "message": None})
            assert {k: result[k] for k in expected} == expected
        assert again["last_seq"] == first["last_seq"]
        assert dump(engine) == before


def test_the_same_visit_sent_again_under_a_new_seq_is_a_duplicate(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    household = world.households["grid_a1"]
    visit = phone.edit("visit", new_id(), {"household_id": household.id, "grid_id": household.grid_id,
                                           "coordinator_id": world.users["coord_a1"].id,
                                           "visited_at": "2024-05-01T02:00:00+00:00", "outcome": "met"})
    assert phone.push([visit])["results"][0]["status"] == "applied"
    before = dump(engine)
    phone.seq += 1
    assert phone.push([{**visit, "seq": phone.seq, "fields": {**visit["fields"], "outcome": "refused"}}]
                      )["results"][0]["status"] == "duplicate"
    assert dump(engine)["visit"] == before["visit"]


def test_concurrent_edits_to_different_fields_both_survive(setup):
    engine, world, client = setup
    one, two = TestPhone(client, "coord_a1"), TestPhone(client, "manager_a")
    one.pull(), two.pull()
    resident = world.residents["grid_a1"]
    a = one.edit("resident", resident.id, {"notes": "甲写的"})
    b = two.edit("resident", resident.id, {"education": "senior"})
    assert one.push([a])["results"][0]["status"] == "applied"
    assert two.push([b])["results"][0]["status"] == "applied"
    row = _row(engine, Resident, resident.id)
    assert (row["notes"], row["education"]) == ("甲写的", "senior")


@pytest.mark.parametrize("first", ["one", "two"])
def test_same_field_has_one_winner_in_both_orders_one_conflict_and_resolution_closes_it(setup, first):
    engine, world, client = setup
    phones = {"one": TestPhone(client, "coord_a1"), "two": TestPhone(client, "manager_a", clock_offset_ms=1000)}
    for phone in phones.values():
        phone.pull()
    resident = world.residents["grid_a1"]
    group = {"employment_status": "employed", "employment_since": "2024-04-01", "employer_name": "某厂"}
    edits = {"one": phones["one"].edit("resident", resident.id, group)}
    edits["two"] = phones["two"].edit("resident", resident.id, {**group, "employer_name": "某店"})  # later stamp
    second = "two" if first == "one" else "one"
    assert phones[first].push([edits[first]])["results"][0]["status"] == "applied"
    answer = phones[second].push([edits[second]])["results"][0]
    assert answer["status"] == "conflict" and len(answer["conflict_ids"]) == 1
    row = _row(engine, Resident, resident.id)
    assert row["employer_name"] == "某店"  # the later stamp, whatever the order
    with engine.connect() as conn:
        conflicts = conn.execute(select(Conflict.__table__)).mappings().all()
    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict["field"] == "employment" and conflict["state"] == "open"
    assert conflict["base_value"] == {"employment_status": None, "employment_since": None, "employer_name": ""}
    values = {conflict["value_a"]["employer_name"], conflict["value_b"]["employer_name"]}
    assert values == {"某厂", "某店"}
    winner = conflict["value_a"] if conflict["winner"] == "a" else conflict["value_b"]
    assert winner["employer_name"] == "某店"
    assert {conflict["user_a"], conflict["user_b"]} == {world.users["coord_a1"].id, world.users["manager_a"].id}
    # the coordinator sees it and resolves it: the chosen value as a new change, then the resolution
    listed = client.get("/api/v1/sync/conflicts", token=phones["one"].token).json()
    assert [c["id"] for c in listed] == [conflict["id"]]
    phone = phones["one"]
    phone.pull()
    chosen = phone.edit("resident", resident.id, group)
    close = phone.edit("conflict", conflict["id"], {"state": "resolved", "resolved_by": world.users["coord_a1"].id,
                                                    "resolved_value": group})
    assert [r["status"] for r in phone.push([chosen, close])["results"]] == ["applied", "applied"]
    assert _row(engine, Resident, resident.id)["employer_name"] == "某厂"
    assert _row(engine, Conflict, conflict["id"])["state"] == "resolved"
    assert client.get("/api/v1/sync/conflicts", token=phones["two"].token).json() == []
    # and the closed record reaches the other phone
    pulled = {(r["table"], r["id"]): r for r in phones["two"].pull()}
    assert pulled[("conflict", conflict["id"])]["fields"]["state"] == "resolved"
    assert pulled[("resident", resident.id)]["fields"]["employer_name"] == "某厂"


def test_a_delete_beats_a_concurrent_edit_in_both_orders(setup):
    engine, world, client = setup
    for order in ("edit_first", "delete_first"):
        one, two = TestPhone(client, "coord_a1"), TestPhone(client, "manager_a")
        one.pull(), two.pull()
        resident_id = new_id()
        household = world.households["grid_a1"]
        one.push([one.create("resident", {"household_id": household.id, "grid_id": household.grid_id},
                             row_id=resident_id)])
        one.pull(), two.pull()
        edit = one.edit("resident", resident_id, {"notes": "晚一点的修改"})
        delete = two.delete("resident", resident_id)
        if order == "edit_first":
            assert one.push([edit])["results"][0]["status"] == "applied"
            assert two.push([delete])["results"][0]["status"] == "applied"
        else:
            assert two.push([delete])["results"][0]["status"] == "applied"
            result = one.push([edit])["results"][0]
            assert (result["status"], result["code"]) == ("rejected", "sync.record_deleted")
        row = _row(engine, Resident, resident_id)
        assert row["deleted"] and row["stamps"]["_deleted"] == delete["delete_stamp"]
        pulled = {(r["table"], r["id"]): r for r in one.pull()}
        assert pulled[("resident", resident_id)]["deleted"] is True


def test_referral_status_never_moves_back(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    resident = world.residents["grid_a1"]
    grid = resident.grid_id
    referral_id = new_id()
    vacancy_id = new_id()

    def event(status, day):
        return phone.edit("referral_event", new_id(), {"referral_id": referral_id, "grid_id": grid,
                                                      "status": status, "occurred_on": day})

    # the hire arrives before the referral itself, the interview (recorded late) after both
    assert phone.push([event("hired", "2024-05-03")])["results"][0]["status"] == "applied"
    phone.push([phone.create("referral", {"resident_id": resident.id, "vacancy_id": vacancy_id, "grid_id": grid,
                                          "code": "R123"}, row_id=referral_id)])
    assert _row(engine, Referral, referral_id)["status"] == "hired"
    assert phone.push([event("interviewed", "2024-05-02")])["results"][0]["status"] == "applied"
    row = _row(engine, Referral, referral_id)
    assert (row["status"], row["status_on"]) == ("hired", date(2024, 5, 3))
    with engine.connect() as conn:
        events = conn.execute(select(ReferralEvent.__table__.c.status)).scalars().all()
    assert sorted(events) == ["hired", "interviewed"]  # the late one is kept in the history


def test_stamps_far_ahead_are_clamped_and_recorded(setup):
    engine, world, client = setup
    future = TestPhone(client, "coord_a1", clock_offset_ms=3 * 24 * 3600 * 1000)  # three days ahead
    honest = TestPhone(client, "manager_a")
    future.pull(), honest.pull()
    resident = world.residents["grid_a1"]
    sent = future.edit("resident", resident.id, {"notes": "未来"})
    start = now_ms()
    answer = future.push([sent])["results"][0]
    assert answer["status"] == "applied" and answer["clamped"] is True
    stored = _row(engine, Resident, resident.id)["stamps"]["notes"]
    assert parse_stamp(stored).physical_ms <= now_ms() + 5 * 60 * 1000
    assert parse_stamp(stored).physical_ms >= start + 5 * 60 * 1000 - 1000
    with engine.connect() as conn:
        audit = conn.execute(select(AuditEvent.__table__).where(AuditEvent.__table__.c.action ==
                                                                "sync.clock_clamped")).mappings().all()
    assert len(audit) == 1 and audit[0]["row_id"] == resident.id and "未来" not in str(audit[0]["detail"])
    # an honest device that has pulled the clamped stamp wins with its next edit
    honest.pull()
    assert honest.push([honest.edit("resident", resident.id, {"notes": "现在"})])["results"][0]["status"] == "applied"
    assert _row(engine, Resident, resident.id)["notes"] == "现在"


def test_moving_a_row_out_of_my_grids_and_creating_outside_are_rejected(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    resident = world.residents["grid_a1"]
    away = phone.edit("resident", resident.id, {"grid_id": world.areas["grid_b1"].id})
    outside = phone.create("household", {"grid_id": world.areas["grid_a2"].id,
                                         "community_id": world.areas["community_a"].id})
    results = phone.push([away, outside])["results"]
    assert [r["code"] for r in results] == ["sync.outside_area", "sync.outside_area"]
    assert _row(engine, Resident, resident.id)["grid_id"] == world.areas["grid_a1"].id


def test_wrong_device_and_revoked_device_are_refused(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    other = TestPhone(client, "coord_a1")
    change = phone.edit("resident", world.residents["grid_a1"].id, {"notes": "x"})
    response = client.post("/api/v1/sync/push", token=phone.token,
                           json={"device_id": other.device_id, "changes": [change]})
    assert (response.status_code, response.json()["code"]) == (403, "sync.wrong_device")
    with engine.begin() as conn:
        conn.execute(Device.__table__.update().where(Device.__table__.c.id == phone.device_id)
                     .values(revoked_at=Device.__table__.c.created_at))
    response = phone.push([change], expect=401)
    assert response.json()["code"] in ("auth.device_revoked", "sync.device_revoked")
    assert _row(engine, Resident, world.residents["grid_a1"].id)["notes"] == ""


def test_a_push_that_changes_nothing_adds_no_feed_entries(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    before = _feed_size(engine)
    answer = phone.push([phone.edit("nowhere", new_id(), {"x": 1})])
    assert answer["results"][0]["status"] == "rejected"
    assert _feed_size(engine) == before
