"""Attacks through references: a coordinator of grid a1 pushes, with their own grid on the row, changes that
point at grid b1's (or another street's) records, or credit the work to a colleague. Each is answered
``rejected`` and changes nothing; the same changes inside their own grid are applied."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from shared.models import Conflict, Employer, Household, Referral, Resident, Vacancy, Visit, new_id
from tests.sync.server_kit import TestPhone, dump, served

VISITED = "2026-11-10T02:00:00+00:00"


@pytest.fixture
def setup(sqlite_engine):
    with served(sqlite_engine) as parts:
        yield parts


def _answers(phone, changes):
    results = {r["seq"]: r for r in phone.push(changes)["results"]}
    return [(results[c["seq"]]["status"], results[c["seq"]]["code"]) for c in changes]


def _rows(engine, model, **where):
    table = model.__table__
    with engine.connect() as conn:
        return conn.execute(select(table).where(*(table.c[k] == v for k, v in where.items()))).mappings().all()


def _add_jobs(engine, world) -> dict[str, str]:
    """An employer and a vacancy in each street, and a referral of grid b1's resident (made by the server side)."""
    ids = {}
    with engine.begin() as conn:
        for street in ("street_a", "street_b"):
            employer, vacancy = new_id(), new_id()
            conn.execute(insert(Employer.__table__).values(id=employer, street_id=world.areas[street].id,
                                                           name=f"{street} 厂", stamps={}))
            conn.execute(insert(Vacancy.__table__).values(id=vacancy, employer_id=employer,
                                                          street_id=world.areas[street].id, title="普工", stamps={}))
            ids[f"employer_{street}"], ids[f"vacancy_{street}"] = employer, vacancy
        ids["referral_b1"] = new_id()
        conn.execute(insert(Referral.__table__).values(
            id=ids["referral_b1"], resident_id=world.residents["grid_b1"].id, vacancy_id=ids["vacancy_street_b"],
            grid_id=world.areas["grid_b1"].id, code="B0001", stamps={}))
    return ids


def test_changes_through_another_grids_records_are_rejected_and_change_nothing(any_engine):
    with served(any_engine) as (engine, world, client):
        jobs = _add_jobs(engine, world)
        attacker = TestPhone(client, "coord_a1")
        attacker.pull()
        mine, theirs = world.areas["grid_a1"].id, world.areas["grid_b1"].id
        me = world.users["coord_a1"].id
        before = dump(engine)
        attacks = [
            # a hire on grid b1's referral (it would become 已录用 on the other coordinator's phone)
            attacker.create("referral_event", {"referral_id": jobs["referral_b1"], "grid_id": mine,
                                               "status": "hired", "occurred_on": "2026-11-10"}),
            # a visit on grid b1's household (its visit rate would go up)
            attacker.create("visit", {"household_id": world.households["grid_b1"].id, "grid_id": mine,
                                      "coordinator_id": me, "visited_at": VISITED, "outcome": "met"}),
            # a status record on grid b1's resident
            attacker.create("status_record", {"resident_id": world.residents["grid_b1"].id, "grid_id": mine,
                                              "kind": "employment", "value": "employed",
                                              "effective_on": "2026-11-02"}),
            # a resident put into grid b1's household (its address would show in my lists)
            attacker.create("resident", {"household_id": world.households["grid_b1"].id, "grid_id": mine}),
            # my own resident moved into grid b1's household
            attacker.edit("resident", world.residents["grid_a1"].id, {"household_id": world.households["grid_b1"].id}),
            # a referral of grid b1's resident to a vacancy I may see
            attacker.create("referral", {"resident_id": world.residents["grid_b1"].id,
                                         "vacancy_id": jobs["vacancy_street_a"], "grid_id": mine, "code": "A0001"}),
            # a referral to another street's vacancy
            attacker.create("referral", {"resident_id": world.residents["grid_a1"].id,
                                         "vacancy_id": jobs["vacancy_street_b"], "grid_id": mine, "code": "A0002"}),
            # a vacancy of my street hung on another street's employer
            attacker.create("vacancy", {"employer_id": jobs["employer_street_b"],
                                        "street_id": world.areas["street_a"].id, "title": "保洁"}),
            # a visit on my household that says it met grid b1's resident
            attacker.create("visit", {"household_id": world.households["grid_a1"].id, "grid_id": mine,
                                      "coordinator_id": me, "visited_at": VISITED, "outcome": "met",
                                      "resident_ids": [world.residents["grid_b1"].id]}),
            # a household of my grid filed under another street's community
            attacker.create("household", {"grid_id": mine, "community_id": world.areas["community_b"].id}),
            # a visit on grid a2's household (same community, not my grid) with my grid on it
            attacker.create("visit", {"household_id": world.households["grid_a2"].id, "grid_id": mine,
                                      "coordinator_id": me, "visited_at": VISITED, "outcome": "met"}),
        ]
        assert _answers(attacker, attacks) == [("rejected", "sync.outside_area")] * len(attacks)
        after = dump(engine)
        assert {t: after[t] for t in after if t != "sync_state"} == {t: before[t] for t in before if t != "sync_state"}
        # the other coordinator's phone sees nothing new
        assert _rows(engine, Referral, id=jobs["referral_b1"])[0]["status"] == "referred"
        assert not [r for r in attacker.pull() if r["fields"].get("grid_id") == theirs]


def test_the_same_changes_inside_my_grid_are_applied_parents_first_in_one_batch(setup):
    engine, world, client = setup
    jobs = _add_jobs(engine, world)
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    mine, community = world.areas["grid_a1"].id, world.areas["community_a"].id
    household_id, resident_id, referral_id = new_id(), new_id(), new_id()
    changes = [
        phone.create("household", {"grid_id": mine, "community_id": community,
                                   "street_id": world.areas["street_a"].id}, row_id=household_id),
        phone.create("resident", {"household_id": household_id, "grid_id": mine, "community_id": community},
                     row_id=resident_id),
        phone.create("visit", {"household_id": household_id, "grid_id": mine, "visited_at": VISITED,
                               "outcome": "met", "resident_ids": [resident_id]}),  # no coordinator: the caller
        phone.create("status_record", {"resident_id": resident_id, "grid_id": mine, "kind": "employment",
                                       "value": "unemployed", "effective_on": "2026-11-01"}),
        phone.create("referral", {"resident_id": resident_id, "vacancy_id": jobs["vacancy_street_a"],
                                  "grid_id": mine, "code": "A0003", "created_by": world.users["coord_a1"].id},
                     row_id=referral_id),
        phone.create("referral_event", {"referral_id": referral_id, "grid_id": mine, "status": "hired",
                                        "occurred_on": "2026-11-12"}),
    ]
    assert _answers(phone, changes) == [("applied", None)] * len(changes)
    visit = _rows(engine, Visit, household_id=household_id)[0]
    assert visit["coordinator_id"] == world.users["coord_a1"].id
    assert _rows(engine, Referral, id=referral_id)[0]["status"] == "hired"
    # a child of a household the same batch tried to create outside my grid is refused too
    away = new_id()
    refused = [phone.create("household", {"grid_id": world.areas["grid_b1"].id,
                                          "community_id": world.areas["community_b"].id}, row_id=away),
               phone.create("resident", {"household_id": away, "grid_id": mine})]
    assert _answers(phone, refused) == [("rejected", "sync.outside_area")] * 2


def test_work_credited_to_a_colleague_is_rejected(setup):
    engine, world, client = setup
    jobs = _add_jobs(engine, world)
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    mine = world.areas["grid_a1"].id
    colleague = world.users["coord_a2"].id
    household, resident = world.households["grid_a1"], world.residents["grid_a1"]
    credited = [
        phone.create("visit", {"household_id": household.id, "grid_id": mine, "coordinator_id": colleague,
                               "visited_at": VISITED, "outcome": "met"}),
        phone.create("status_record", {"resident_id": resident.id, "grid_id": mine, "kind": "employment",
                                       "value": "employed", "effective_on": "2026-11-02", "recorded_by": colleague}),
        phone.create("referral", {"resident_id": resident.id, "vacancy_id": jobs["vacancy_street_a"],
                                  "grid_id": mine, "code": "A0004", "created_by": colleague}),
        phone.create("vacancy", {"employer_id": jobs["employer_street_a"], "street_id": world.areas["street_a"].id,
                                 "title": "收银", "collected_by": colleague}),
        phone.edit("vacancy", jobs["vacancy_street_a"], {"collected_by": colleague}),
    ]
    answers = phone.push(credited)["results"]
    assert [(a["status"], a["code"]) for a in answers] == [("rejected", "sync.invalid_value")] * len(credited)
    assert all("signed-in user" in a["message"] for a in answers)
    assert _rows(engine, Visit, household_id=household.id) == []


def test_a_conflict_is_closed_in_the_callers_name_only(setup):
    engine, world, client = setup
    conflict_id = new_id()
    with engine.begin() as conn:
        conn.execute(insert(Conflict.__table__).values(
            id=conflict_id, table_name="resident", row_id=world.residents["grid_a1"].id, field="notes",
            grid_id=world.areas["grid_a1"].id, value_a="a", value_b="b", stamps={}))
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    other = world.users["coord_a2"].id
    closing = {"state": "resolved", "resolved_value": "a"}
    as_other = phone.edit("conflict", conflict_id, {**closing, "resolved_by": other})
    as_me = phone.edit("conflict", conflict_id, {**closing, "resolved_by": world.users["coord_a1"].id})
    assert _answers(phone, [as_other, as_me]) == [("rejected", "sync.invalid_value"), ("applied", None)]
    stored = _rows(engine, Conflict, id=conflict_id)[0]
    assert (stored["state"], stored["resolved_by"]) == ("resolved", world.users["coord_a1"].id)
    # grid b1's conflicts cannot be closed from grid a1
    theirs = new_id()
    with engine.begin() as conn:
        conn.execute(insert(Conflict.__table__).values(
            id=theirs, table_name="resident", row_id=world.residents["grid_b1"].id, field="notes",
            grid_id=world.areas["grid_b1"].id, stamps={}))
    attempt = phone.edit("conflict", theirs, {**closing, "resolved_by": world.users["coord_a1"].id})
    assert _answers(phone, [attempt]) == [("rejected", "sync.outside_area")]


def test_moving_my_household_to_another_community_and_my_resident_out_of_its_household_grid_is_refused(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    household, resident = world.households["grid_a1"], world.residents["grid_a1"]
    changes = [phone.edit("household", household.id, {"community_id": world.areas["community_b"].id}),
               phone.edit("resident", resident.id, {"community_id": world.areas["community_b"].id})]
    assert _answers(phone, changes) == [("rejected", "sync.outside_area")] * 2
    assert _rows(engine, Household, id=household.id)[0]["community_id"] == world.areas["community_a"].id
    assert _rows(engine, Resident, id=resident.id)[0]["community_id"] == world.areas["community_a"].id
    # an employer's community must be a community (of its street), not a grid
    wrong_level = phone.create("employer", {"street_id": world.areas["street_a"].id, "name": "小店",
                                            "community_id": world.areas["grid_a1"].id})
    assert _answers(phone, [wrong_level]) == [("rejected", "sync.invalid_value")]
    # an edit that leaves the references alone is not checked against them (and applies)
    assert _answers(phone, [phone.edit("resident", resident.id, {"notes": "会电焊"})]) == [("applied", None)]
