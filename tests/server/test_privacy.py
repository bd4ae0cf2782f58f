"""PIPL requests through the real app: who saw a person's data, the card as a file, correction, anonymisation
that keeps the figures, and the retention rule."""
from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from doorstep.cli import main
from server.services.coverage import grid_counts
from server.services.ledger_import import import_file
from server.services.privacy import apply_retention
from shared import coverage as cov
from shared.models import AuditEvent, Resident, utc_now
from shared.privacy import ANONYMOUS_MARK, ANONYMOUS_NAME
from tests.coverage.test_ledger_import import DOCS, NOW, demo_tree
from tests.server.client import ApiClient
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world
from tests.sync.server_kit import TestPhone

PHONE = "13912345678"


@pytest.fixture
def served(sqlite_engine):
    world = build_world(sqlite_engine)
    client = ApiClient(make_app(sqlite_engine))
    yield sqlite_engine, world, client
    client.close()


def _resident(engine, resident_id):
    table = Resident.__table__
    with engine.connect() as conn:
        return dict(conn.execute(select(table).where(table.c.id == resident_id)).mappings().one())


def test_the_access_log_says_who_saw_a_person_and_who_received_it_on_a_device(served):
    engine, world, client = served
    person = world.residents["grid_a1"]
    with engine.begin() as conn:  # the person is in the feed, as a bulk load leaves them
        from server.services.change_log import record_changes
        from server.services.sync_rows import row_scope

        record_changes(conn, [row_scope("resident", person.model_dump())])
    coordinator = TestPhone(client, "coord_a1")
    assert any(r["id"] == person.id for r in coordinator.pull())
    TestPhone(client, "coord_a2").pull()  # another grid: never receives this person
    manager = client.login("manager_a", PASSWORD)
    assert client.get(f"/api/v1/residents/{person.id}", token=manager).status_code == 200
    assert client.get(f"/api/v1/households/{person.household_id}", token=manager).status_code == 200
    log = client.get(f"/api/v1/residents/{person.id}/access-log", token=manager)
    assert log.status_code == 200
    seen = [(e["action"], e["username"]) for e in log.json()]
    assert ("sync.pull", "coord_a1") in seen and ("resident.read", "manager_a") in seen
    assert ("household.read", "manager_a") in seen
    assert all(username != "coord_a2" for _action, username in seen)
    pulled = next(e for e in log.json() if e["action"] == "sync.pull")
    assert pulled["device_id"] == coordinator.device_id
    # only managers ask, and only about people of their area
    assert client.get(f"/api/v1/residents/{person.id}/access-log", token=coordinator.token).status_code == 403
    other = world.residents["grid_b1"]
    assert client.get(f"/api/v1/residents/{other.id}/access-log", token=manager).status_code == 403


def test_a_persons_whole_card_exports_as_a_file_and_the_export_is_logged(served):
    engine, world, client = served
    person = world.residents["grid_a1"]
    phone = TestPhone(client, "coord_a1")
    visit = phone.create("visit", {"household_id": person.household_id, "grid_id": person.grid_id,
                                   "coordinator_id": world.users["coord_a1"].id, "visited_at": utc_now().isoformat(),
                                   "outcome": "met", "resident_ids": [person.id], "guidance_given": True})
    assert phone.push([visit])["results"][0]["status"] == "applied"
    manager = client.login("manager_a", PASSWORD)
    answer = client.get(f"/api/v1/residents/{person.id}/export", token=manager)
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    card = json.loads(answer.content)
    assert card["resident"]["id_number"] == person.id_number and card["resident"]["name"] == person.name
    assert [v["id"] for v in card["visits"]] == [visit["row_id"]]
    assert card["household"][0]["address"] == world.households["grid_a1"].address
    log = client.get(f"/api/v1/residents/{person.id}/access-log", token=manager).json()
    assert [e["action"] for e in log][:1] == ["resident.export"]


def test_a_correction_reaches_the_phones_and_the_audit_names_fields_not_values(served):
    engine, world, client = served
    person = world.residents["grid_a1"]
    manager = client.login("manager_a", PASSWORD)
    url = f"/api/v1/residents/{person.id}/correction"
    answer = client.post(url, token=manager, json={"fields": {"phone": PHONE, "name": "王 芳"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["phone"] == PHONE
    assert client.post(url, token=manager, json={"fields": {"phone": "12"}}).json()["code"] == "sync.invalid_value"
    refused = client.post(url, token=manager, json={"fields": {"grid_id": world.areas["grid_b1"].id}})
    assert refused.status_code == 422 and refused.json()["code"] == "privacy.not_correctable"
    phone = TestPhone(client, "coord_a1")
    pulled = {r["id"]: r for r in phone.pull()}
    assert pulled[person.id]["fields"]["phone"] == PHONE
    with engine.connect() as conn:
        details = conn.execute(select(AuditEvent.__table__.c.detail)
                               .where(AuditEvent.__table__.c.action == "resident.correct")).scalars().all()
    assert details == [{"fields": ["name", "phone"]}] or details == [{"fields": ["phone"]}]
    assert PHONE not in json.dumps(details)


def test_a_correction_takes_json_dates_and_sets_and_refuses_wrong_types_keeping_the_card(served):
    engine, world, client = served
    person = world.residents["grid_a1"]
    manager = client.login("manager_a", PASSWORD)
    url = f"/api/v1/residents/{person.id}/correction"
    card = client.post(url, token=manager, json={"fields": {"employment_since": "2026-01-05"}})
    assert card.status_code == 200, card.text  # a date as JSON writes it (it was a 500: no decoding)
    before = client.post(url, token=manager, json={"fields": {"skills": ["电工", "家政"]}}).json()
    assert before["employment_since"] == "2026-01-05" and before["skills"] == ["家政", "电工"]
    for fields in ({"employment_since": "not a day"}, {"employment_since": "1850-01-01"}, {"phone": 13912345678},
                   {"name": False}, {"address_note": "x"}, {"job_wish_min_wage": "3000"}):
        refused = client.post(url, token=manager, json={"fields": fields})
        assert refused.status_code == 422, (fields, refused.text)
        assert refused.json()["code"] in ("sync.invalid_value", "privacy.not_correctable")
    with engine.connect() as conn:
        row = conn.execute(select(Resident.__table__).where(Resident.__table__.c.id == person.id)).mappings().one()
    assert str(row["employment_since"]) == "2026-01-05" and row["skills"] == ["家政", "电工"]
    assert "skills|电工" in row["stamps"] and "skills" not in row["stamps"]  # a set is stamped per element
    client.post(url, token=manager, json={"fields": {"skills": ["家政"]}})
    phone = TestPhone(client, "coord_a1")
    pulled = {r["id"]: r for r in phone.pull()}[person.id]
    assert pulled["fields"]["skills"] == ["家政"] and pulled["fields"]["employment_since"] == "2026-01-05"
    assert pulled["stamps"]["skills|电工"] > row["stamps"]["skills|电工"]  # taken out after it was put in


def test_anonymising_blanks_the_person_and_keeps_every_figure(sqlite_engine, tmp_path):
    tree = demo_tree(sqlite_engine)
    path = shutil.copy(DOCS / "ledger-template.xlsx", tmp_path / "ledger.xlsx")
    assert import_file(sqlite_engine, Path(path), now=NOW).errors == []
    month = cov.Period.month("2026-11")
    with sqlite_engine.connect() as conn:
        before = grid_counts(conn, [tree["g1"]["id"]], month)
        people = conn.execute(select(Resident.__table__.c.id)).scalars().all()
    from tests.server.factories import user

    account, links = user("manager_y", "manager", [])
    with sqlite_engine.begin() as conn:
        from shared.models import UserAccount, UserArea

        conn.execute(UserAccount.__table__.insert(), [account.model_dump()])
        conn.execute(UserArea.__table__.insert(), [{"user_id": account.id, "area_id": tree["community"]["id"]}])
    client = ApiClient(make_app(sqlite_engine))
    try:
        manager = client.login("manager_y", PASSWORD)
        for person in people:
            answer = client.post(f"/api/v1/residents/{person}/anonymise", token=manager)
            assert answer.status_code == 200 and answer.json()["changed"] is True
        assert client.post(f"/api/v1/residents/{people[0]}/anonymise", token=manager).json()["changed"] is False
    finally:
        client.close()
    with sqlite_engine.connect() as conn:
        after = grid_counts(conn, [tree["g1"]["id"]], month)
    assert before == after and before[tree["g1"]["id"]].registered == 3
    assert sum(_resident(sqlite_engine, p)["id_number"] == ANONYMOUS_MARK for p in people) >= 3
    for person in people:
        row = _resident(sqlite_engine, person)
        assert row["name"] == ANONYMOUS_NAME and row["notes"] == "" and row["employer_name"] == ""
        assert row["id_number"] in (None, ANONYMOUS_MARK) and row["phone"] in (None, ANONYMOUS_MARK)
        assert row["birth_date"] is None or (row["birth_date"].month, row["birth_date"].day) == (1, 1)


def test_the_retention_rule_anonymises_people_deleted_long_ago_only(served, monkeypatch, tmp_path):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    gone, kept = world.residents["grid_a1"], world.residents["grid_a2"]
    assert phone.push([phone.delete("resident", gone.id)])["results"][0]["status"] == "applied"
    with engine.connect() as conn:
        assert apply_retention(conn, utc_now() + timedelta(days=100), 365) == 0  # not long enough ago
        assert apply_retention(conn, utc_now() + timedelta(days=400), 0) == 0  # 0: keep forever
        assert apply_retention(conn, utc_now() + timedelta(days=400), 365) == 1
    assert _resident(engine, gone.id)["name"] == ANONYMOUS_NAME and _resident(engine, gone.id)["deleted"]
    assert _resident(engine, kept.id)["name"] == kept.name
    assert any(r["id"] == gone.id and r["fields"]["id_number"] == ANONYMOUS_MARK for r in phone.pull())


def test_the_retention_command_runs_on_a_database(tmp_path, capsys):
    from server import migrate

    url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    migrate.upgrade(url)
    assert main(["privacy", "retention", "--url", url]) == 0
    assert "anonymised 0 residents" in capsys.readouterr().out


def test_the_consent_is_recorded_by_the_signed_in_coordinator_only(served):
    engine, world, client = served
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    person = world.residents["grid_a1"]
    consent = {"consent_given_at": utc_now().isoformat(), "consent_scope": "就业服务信息采集与使用",
               "consent_notice": "2026-12"}
    forged = phone.edit("resident", person.id, {**consent, "consent_recorded_by": world.users["coord_a2"].id})
    assert phone.push([forged])["results"][0]["status"] == "rejected"
    honest = phone.edit("resident", person.id, {**consent, "consent_recorded_by": world.users["coord_a1"].id})
    assert phone.push([honest])["results"][0]["status"] == "applied"
    assert _resident(engine, person.id)["consent_recorded_by"] == world.users["coord_a1"].id


def test_a_later_ledgers_update_keeps_the_old_value_in_the_field_history_until_anonymised(sqlite_engine, tmp_path):
    from datetime import date

    from shared.models import FieldChange
    from shared.validation import make_id_number
    from tests.coverage.test_ledger_import import person, write_csv

    tree = demo_tree(sqlite_engine)
    number = make_id_number("210402", date(1975, 4, 4), 51)
    june = write_csv(tmp_path / "june.csv", [person("张三", number, 台账日期="2026-06-30", 文化程度="初中")])
    assert import_file(sqlite_engine, june, now=NOW).errors == []
    november = write_csv(tmp_path / "november.csv", [person("张三", number, 台账日期="2026-11-20",
                                                            手机号=PHONE, 文化程度="高中")])
    assert import_file(sqlite_engine, november, now=NOW).errors == []
    assert import_file(sqlite_engine, november, now=NOW).changed == 0  # again: nothing new in the history either
    table = Resident.__table__
    with sqlite_engine.connect() as conn:
        resident_id = conn.execute(select(table.c.id).where(table.c.id_number == number)).scalar_one()
        raw = conn.exec_driver_sql("SELECT old_value, new_value FROM field_change").all()
    assert len(raw) == 2 and PHONE not in repr(raw) and "13904120000" not in repr(raw)  # sealed cells
    client = ApiClient(make_app(sqlite_engine))
    try:
        coordinator = client.login("zhangwei", PASSWORD)
        answer = client.get(f"/api/v1/residents/{resident_id}/changes", token=coordinator)
        assert answer.status_code == 200, answer.text
        changes = {c["field"]: c for c in answer.json()}
        assert (changes["phone"]["old_value"], changes["phone"]["new_value"]) == ("13904120000", PHONE)
        assert changes["phone"]["as_of"] == "2026-11-20" and changes["phone"]["source"] == "ledger"
        assert changes["education"]["old_value"] != changes["education"]["new_value"]
        # a correction at the person's request is in the history too; the card as a file carries it
        from shared.models import UserAccount, UserArea
        from tests.server.factories import user

        account, _ = user("manager_y", "manager", [])
        with sqlite_engine.begin() as conn:
            conn.execute(UserAccount.__table__.insert(), [account.model_dump()])
            conn.execute(UserArea.__table__.insert(), [{"user_id": account.id, "area_id": tree["community"]["id"]}])
        manager = client.login("manager_y", PASSWORD)
        assert client.post(f"/api/v1/residents/{resident_id}/correction", token=manager,
                           json={"fields": {"phone": "13912340000"}}).status_code == 200
        card = json.loads(client.get(f"/api/v1/residents/{resident_id}/export", token=manager).content)
        assert [(c["field"], c["old_value"], c["new_value"], c["source"]) for c in card["field_changes"]
                if c["field"] == "phone"] == [("phone", "13904120000", PHONE, "ledger"),
                                              ("phone", PHONE, "13912340000", "correction")]
        # anonymising forgets the old values too
        assert client.post(f"/api/v1/residents/{resident_id}/anonymise", token=manager).json()["changed"] is True
        assert client.get(f"/api/v1/residents/{resident_id}/changes", token=manager).json() == []
        with sqlite_engine.connect() as conn:
            assert conn.execute(select(FieldChange.__table__.c.id)).all() == []
    finally:
        client.close()
