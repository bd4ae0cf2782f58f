"""A street office's administrator at work: new accounts with one-time passwords, resets, disabling, grid handover.

The world (tests/server/factories.py): district admin ``admin``; street A (grids a1, a2: ``coord_a1``,
``coord_a2``) and street B. ``admin_a`` administers street A only.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from shared.models import AuditEvent
from tests.server.factories import PASSWORD, user

API = "/api/v1"


@pytest.fixture
def office(sqlite_engine, world, app, clients):
    with Session(sqlite_engine) as session:
        account, links = user("admin_a", "admin", [world.areas["street_a"]])
        session.add(account)
        session.flush()
        session.add_all(links)
        session.commit()
    admin = clients(app)
    admin.login("admin_a", PASSWORD)
    return admin


def _events(engine, action):
    with engine.connect() as conn:
        return conn.execute(select(AuditEvent.__table__).where(AuditEvent.__table__.c.action == action)).all()


def _login(client, username, password, **extra):
    return client.post(f"{API}/auth/login", json={"username": username, "password": password, **extra})


def test_a_new_account_signs_in_only_after_choosing_its_own_password(office, app, clients, world, sqlite_engine):
    made = office.post(f"{API}/admin/users", json={"username": "liuyang", "display_name": "刘洋",
                                                   "role": "coordinator", "area_ids": [world.areas["grid_a2"].id]})
    assert made.status_code == 201, made.text
    one_time = made.json()["one_time_password"]
    assert len(one_time) == 14
    phone = clients(app)
    refused = _login(phone, "liuyang", one_time)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.password_change_required")
    assert "token" not in refused.json()
    weak = _login(phone, "liuyang", one_time, new_password="short")
    assert (weak.status_code, weak.json()["code"]) == (422, "password.weak")
    signed_in = _login(phone, "liuyang", one_time, new_password="my own secret 9")
    assert signed_in.status_code == 200, signed_in.text
    assert _login(phone, "liuyang", one_time).status_code == 401  # the one-time password is gone
    assert _login(phone, "liuyang", "my own secret 9").status_code == 200
    assert len(_events(sqlite_engine, "auth.password_changed")) == 1
    listed = {u["username"]: u for u in office.get(f"{API}/admin/users").json()}
    assert listed["liuyang"]["must_change_password"] is False


def test_a_reset_gives_a_one_time_password_and_the_old_one_stops(office, app, clients, world, sqlite_engine):
    coord = world.users["coord_a1"].id
    reset = office.post(f"{API}/admin/users/{coord}/reset-password")
    assert reset.status_code == 200, reset.text
    assert reset.json()["user"]["must_change_password"] is True
    phone = clients(app)
    assert _login(phone, "coord_a1", PASSWORD).status_code == 401
    assert _login(phone, "coord_a1", reset.json()["one_time_password"]).json()["code"] == \
        "auth.password_change_required"
    assert [e.row_id for e in _events(sqlite_engine, "user.password_reset")] == [coord]
    # street B's manager is not street A's administrator's to reset
    other = office.post(f"{API}/admin/users/{world.users['manager_b'].id}/reset-password")
    assert (other.status_code, other.json()["code"]) == (403, "auth.outside_area")


def test_a_disabled_account_is_refused_on_its_next_request_and_can_come_back(office, app, clients, world,
                                                                             sqlite_engine):
    phone = clients(app)
    phone.login("coord_a2", PASSWORD)
    coord = world.users["coord_a2"].id
    off = office.request("PATCH", f"{API}/admin/users/{coord}", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert phone.get(f"{API}/auth/me").json()["code"] == "auth.device_revoked"
    on = office.request("PATCH", f"{API}/admin/users/{coord}", json={"active": True})
    assert on.json()["active"] is True
    assert phone.get(f"{API}/auth/me").status_code == 200
    assert len(_events(sqlite_engine, "user.disable")) == 1 and len(_events(sqlite_engine, "user.enable")) == 1
    me = office.get(f"{API}/auth/me").json()["id"]
    mine = office.request("PATCH", f"{API}/admin/users/{me}", json={"active": False})
    assert (mine.status_code, mine.json()["code"]) == (409, "user.self_disable")


def test_a_grid_has_one_responsible_coordinator(office, world, sqlite_engine):
    grid_a1, coord_a2 = world.areas["grid_a1"].id, world.users["coord_a2"].id
    moved = office.request("PUT", f"{API}/admin/grids/{grid_a1}/coordinator", json={"user_id": coord_a2})
    assert moved.status_code == 200, moved.text
    assert moved.json()["previous"] == [world.users["coord_a1"].id]
    areas = {a["id"]: a for a in office.get(f"{API}/admin/areas").json()}
    assert areas[grid_a1]["coordinator_ids"] == [coord_a2]
    assert areas[world.areas["grid_a2"].id]["coordinator_ids"] == [coord_a2]  # one coordinator, two grids
    assert world.areas["grid_b1"].id not in areas  # street B is not in street A's tree
    again = office.request("PUT", f"{API}/admin/grids/{grid_a1}/coordinator", json={"user_id": coord_a2})
    assert again.json()["previous"] == [] and len(_events(sqlite_engine, "grid.assign")) == 1
    manager = office.request("PUT", f"{API}/admin/grids/{grid_a1}/coordinator",
                             json={"user_id": world.users["manager_a"].id})
    assert (manager.status_code, manager.json()["code"]) == (422, "grid.not_a_coordinator")
    theirs = office.request("PUT", f"{API}/admin/grids/{world.areas['grid_b1'].id}/coordinator",
                            json={"user_id": coord_a2})
    assert (theirs.status_code, theirs.json()["code"]) == (403, "auth.outside_area")


def test_changing_my_own_password_asks_for_the_current_one(office, app, clients):
    wrong = office.post(f"{API}/auth/password", json={"current_password": "nope", "new_password": "fresh one 123"})
    assert wrong.status_code == 401
    changed = office.post(f"{API}/auth/password", json={"current_password": PASSWORD,
                                                        "new_password": "fresh one 123"})
    assert changed.status_code == 204
    assert _login(clients(app), "admin_a", "fresh one 123").status_code == 200


def test_the_directory_names_the_colleagues_of_my_areas_and_nothing_else(app, clients, world):
    phone = clients(app)
    phone.login("coord_a1", PASSWORD)
    listed = phone.get(f"{API}/directory")
    assert listed.status_code == 200
    names = {c["display_name"] for c in listed.json()}
    assert {"coord_a1", "coord_a2", "manager_a", "admin"} <= names
    assert "manager_b" not in names  # street B's manager is not a colleague of street A
    assert all(set(c) == {"id", "display_name", "role", "active"} for c in listed.json())  # no user names, phones
