"""The employer's confirmation on SQLite and PostgreSQL: a referral pushed by a phone, confirmed on the page, pulled
back; two confirmations at the same moment add the steps once."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from server.app import create_app
from server.db import make_engine
from server.settings import get_settings
from shared.models import ReferralEvent, SQLModel, new_check_token, new_id, server_tables
from shared.referrals import EMPLOYER_RECORDER, referral_code
from tests.server.client import ApiClient
from tests.sync.server_kit import TestPhone, served

CHINA = timezone(timedelta(hours=8))
_EVENT = ReferralEvent.__table__


def pushed_referral(client, world, *, zero_employment: bool = True):
    """coord_a1's phone pushes an employer, a vacancy and a referral of the grid's resident (household on the clock)."""
    phone = TestPhone(client, "coord_a1")
    today = datetime.now(CHINA).date()
    street = world.areas["street_a"].id
    resident = world.residents["grid_a1"]
    employer_id, vacancy_id, referral_id = new_id(), new_id(), new_id()
    token = new_check_token()
    changes = [
        phone.create("employer", {"street_id": street, "name": "幸福家政"}, employer_id),
        phone.create("vacancy", {"employer_id": employer_id, "street_id": street, "title": "保洁员"}, vacancy_id),
        phone.create("referral", {"resident_id": resident.id, "vacancy_id": vacancy_id, "grid_id": resident.grid_id,
                                  "code": referral_code(referral_id), "check_token": token,
                                  "created_at": datetime.now(timezone.utc).isoformat()}, referral_id),
        phone.create("referral_event", {"referral_id": referral_id, "grid_id": resident.grid_id, "status": "referred",
                                        "occurred_on": today.isoformat()}),
    ]
    if zero_employment:
        changes.append(phone.edit("household", resident.household_id, {
            "zero_employment": True, "zero_employment_identified_on": (today - timedelta(days=3)).isoformat()}))
    answer = phone.push(changes)
    assert {r["status"] for r in answer["results"]} == {"applied"}, answer
    phone.pull()
    return phone, referral_id, referral_code(referral_id), token, today


def test_a_confirmed_hire_is_pulled_by_the_phone(any_engine):
    with served(any_engine) as (_engine, world, client):
        phone, referral_id, code, token, today = pushed_referral(client, world)
        page = client.get(f"/r/{code}?t={token}")
        assert page.status_code == 200 and "王*" in page.text and "王芳" not in page.text
        done = client.post(f"/r/{code}", data={"t": token, "status": "hired", "start_on": today.isoformat()})
        assert done.status_code == 200 and "已提交" in done.text
        rows = {(r["table"], r["id"]): r for r in phone.pull()}
        assert rows[("referral", referral_id)]["fields"]["status"] == "hired"
        events = [r["fields"] for r in rows.values() if r["table"] == "referral_event"]
        assert sorted((e["status"], e["recorded_by"]) for e in events) == [
            ("hired", EMPLOYER_RECORDER), ("interviewed", EMPLOYER_RECORDER)]
        resident = world.residents["grid_a1"]
        assert rows[("resident", resident.id)]["fields"]["employment_status"] == "employed"
        household = rows[("household", resident.household_id)]["fields"]
        assert (household["zero_employment_resolved_on"], household["zero_employment_met"]) == (today.isoformat(), True)
        assert [r["fields"]["value"] for r in rows.values() if r["table"] == "status_record"] == ["employed"]


@pytest.fixture(params=["sqlite-file", "postgres"])
def shared_engine(request, tmp_path):
    """A database two connections really share: a SQLite file (the in-memory one is a single connection), or PostgreSQL."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_engine")
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    SQLModel.metadata.create_all(engine, tables=server_tables())
    request.addfinalizer(engine.dispose)
    return engine


def test_two_confirmations_at_once_add_the_steps_once(shared_engine):
    with served(shared_engine) as (engine, world, client):
        _phone, referral_id, code, token, today = pushed_referral(client, world, zero_employment=False)
        app = create_app(get_settings(database_url=engine.url.render_as_string(hide_password=False)), engine=engine)
        answers: list[int] = []

        def confirm() -> None:
            other = ApiClient(app)
            try:
                answers.append(other.post(f"/r/{code}", data={"t": token, "status": "hired",
                                                              "start_on": today.isoformat()}).status_code)
            finally:
                other.close()
        threads = [threading.Thread(target=confirm) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [200, 409]
        with engine.connect() as conn:
            steps = conn.execute(select(_EVENT.c.status).where(_EVENT.c.referral_id == referral_id)).scalars().all()
        assert sorted(steps) == ["hired", "interviewed", "referred"]


def test_a_referrals_check_token_is_set_once(any_engine):
    with served(any_engine) as (_engine, world, client):
        phone, referral_id, code, token, _today = pushed_referral(client, world, zero_employment=False)
        answer = phone.push([phone.edit("referral", referral_id, {"check_token": new_check_token()})])
        assert [(r["status"], r["code"]) for r in answer["results"]] == [("rejected", "sync.read_only")]
        assert client.get(f"/r/{code}?t={token}").status_code == 200  # the printed slip still opens it
