"""Signing in and out: passwords, device tokens stored hashed, revocation on the very next request."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from server.security import token_hash
from shared.models import AuditEvent, Device, UserAccount, utc_now
from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world, user

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def _rows(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(table.__table__).where(*where)).mappings().all()


def test_login_gives_a_token_that_identifies_the_user_and_is_stored_only_hashed(client, world, sqlite_engine):
    response = client.post(LOGIN, json={"username": "coord_a1", "password": PASSWORD, "device_name": "小米 13"})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "coord_a1"
    assert body["user"]["role"] == "coordinator"
    assert [a["id"] for a in body["user"]["areas"]] == [world.areas["grid_a1"].id]
    [device] = _rows(sqlite_engine, Device, Device.__table__.c.id == body["device_id"])
    assert device["name"] == "小米 13"
    assert device["token_hash"] == token_hash(body["token"]) != body["token"]
    me = client.get(ME, token=body["token"])
    assert me.status_code == 200 and me.json()["id"] == world.users["coord_a1"].id


def test_username_ignores_case_and_spaces(client, world):
    assert client.post(LOGIN, json={"username": " Coord_A1 ", "password": PASSWORD}).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer_and_are_audited(client, world, sqlite_engine):
    wrong = client.post(LOGIN, json={"username": "coord_a1", "password": "guess", "device_name": "x"})
    unknown = client.post(LOGIN, json={"username": "张三", "password": "guess", "device_name": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "auth.invalid_credentials"
    events = _rows(sqlite_engine, AuditEvent, AuditEvent.__table__.c.action == "auth.login_failed")
    assert sorted(e["detail"]["reason"] for e in events) == ["unknown_user", "wrong_password"]
    assert "张三" not in str(events)  # a typed name is not kept
    assert _rows(sqlite_engine, Device) == []


def test_an_inactive_account_cannot_sign_in(client, world, sqlite_engine):
    with sqlite_engine.begin() as conn:
        conn.execute(update(UserAccount.__table__).where(UserAccount.__table__.c.username == "coord_a1")
                     .values(active=False))
    response = client.post(LOGIN, json={"username": "coord_a1", "password": PASSWORD})
    assert response.status_code == 401 and response.json()["code"] == "auth.invalid_credentials"


def test_requests_without_or_with_a_bad_token_are_refused(client, world):
    missing = client.get(ME)
    assert missing.status_code == 401 and missing.json()["code"] == "auth.required"
    assert missing.headers["www-authenticate"] == "Bearer"
    bad = client.get(ME, token="not-a-token")
    assert bad.status_code == 401 and bad.json()["code"] == "auth.invalid_token"


def test_logout_revokes_only_this_device_from_the_next_request(client, world):
    phone = client.login("coord_a1", PASSWORD, "phone")
    tablet = client.login("coord_a1", PASSWORD, "tablet")
    assert client.post("/api/v1/auth/logout", token=phone).status_code == 204
    refused = client.get(ME, token=phone)
    assert refused.status_code == 401 and refused.json()["code"] == "auth.device_revoked"
    assert client.get(ME, token=tablet).status_code == 200


@pytest.mark.parametrize("engine_name", ["sqlite_engine", "pg_engine"])
def test_admin_revocation_reaches_every_server_process_at_once(request, engine_name, clients):
    """Two apps on one database stand for two server processes: no token state lives in memory."""
    engine = request.getfixturevalue(engine_name)
    build_world(engine)
    first, second = clients(make_app(engine)), clients(make_app(engine))
    phone = first.login("coord_a1", PASSWORD, "lost phone")
    assert second.get(ME, token=phone).status_code == 200
    admin = second.login("admin", PASSWORD)
    devices = first.get("/api/v1/admin/devices", token=admin).json()
    [lost] = [d for d in devices if d["name"] == "lost phone"]
    revoked = second.post(f"/api/v1/admin/devices/{lost['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    for app_client in (first, second):
        answer = app_client.get(ME, token=phone)
        assert answer.status_code == 401 and answer.json()["code"] == "auth.device_revoked"


def test_only_an_admin_revokes_devices_and_unknown_ones_are_404(client, world):
    coordinator = client.login("coord_a1", PASSWORD)
    devices = client.get("/api/v1/admin/devices", token=coordinator)
    assert devices.status_code == 403 and devices.json()["code"] == "auth.forbidden"
    manager = client.login("manager_a", PASSWORD)
    listed = client.get("/api/v1/admin/devices", token=client.login("admin", PASSWORD)).json()
    assert {d["username"] for d in listed} == {"coord_a1", "manager_a", "admin"}
    assert all("token_hash" not in d for d in listed)
    coordinator_device = next(d["id"] for d in listed if d["username"] == "coord_a1")
    forbidden = client.post(f"/api/v1/admin/devices/{coordinator_device}/revoke", token=manager)
    assert forbidden.status_code == 403
    assert client.get(ME, token=coordinator).status_code == 200
    missing = client.post("/api/v1/admin/devices/00000000-0000-0000-0000-000000000000/revoke")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_a_token_unused_past_the_idle_limit_expires(sqlite_engine, clients):
    build_world(sqlite_engine)
    client = clients(make_app(sqlite_engine, token_idle_days=30))
    token = client.login("coord_a1", PASSWORD)
    with sqlite_engine.begin() as conn:
        conn.execute(update(Device.__table__).values(last_seen_at=utc_now() - timedelta(days=31)))
    expired = client.get(ME, token=token)
    assert expired.status_code == 401 and expired.json()["code"] == "auth.invalid_token"


def test_admin_creates_a_user_who_can_then_sign_in(client, world):
    client.login("admin", PASSWORD)
    grid = world.areas["grid_b1"].id
    created = client.post("/api/v1/admin/users", json={
        "username": "Coord_B1", "display_name": "李娜", "password": "a-long-password", "role": "coordinator",
        "area_ids": [grid]})
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "coord_b1"
    assert [a["id"] for a in created.json()["areas"]] == [grid]
    client.login("coord_b1", "a-long-password")
    assert client.get(ME).json()["display_name"] == "李娜"


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"username": "coord_a1"}, 409, "user.username_taken"),
    ({"area_ids": ["district"]}, 422, "request.invalid"),  # a coordinator is not assigned a district
    ({"area_ids": ["00000000-0000-0000-0000-000000000000"]}, 422, "request.invalid"),
    ({"area_ids": []}, 422, "request.invalid"),
    ({"role": "superuser"}, 422, "request.invalid"),
    ({"password": "short"}, 422, "request.invalid"),
])
def test_user_creation_is_validated(client, world, sqlite_engine, change, status, code):
    client.login("admin", PASSWORD)
    body = {"username": "new_user", "display_name": "新用户", "password": "a-long-password",
            "role": "coordinator", "area_ids": [world.areas["grid_b1"].id]} | change
    body["area_ids"] = [world.areas[a].id if a in world.areas else a for a in body["area_ids"]]
    response = client.post("/api/v1/admin/users", json=body)
    assert response.status_code == status and response.json()["code"] == code
    assert len(_rows(sqlite_engine, UserAccount)) == len(world.users)


def test_only_an_admin_creates_users(client, world):
    client.login("manager_a", PASSWORD)
    response = client.post("/api/v1/admin/users", json={
        "username": "sneaky", "display_name": "x", "password": "a-long-password", "role": "admin"})
    assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"


def test_an_admin_hands_out_only_areas_they_hold(sqlite_engine, clients):
    world = build_world(sqlite_engine)
    account, links = user("street_admin", "admin", [world.areas["street_a"]])
    with Session(sqlite_engine) as session:
        session.add(account)
        session.flush()
        session.add_all(links)
        session.commit()
    client = clients(make_app(sqlite_engine))
    client.login("street_admin", PASSWORD)
    body = {"username": "coord_x", "display_name": "x", "password": "a-long-password", "role": "coordinator"}
    inside = client.post("/api/v1/admin/users", json=body | {"area_ids": [world.areas["grid_a2"].id]})
    assert inside.status_code == 201
    outside = client.post("/api/v1/admin/users",
                          json=body | {"username": "coord_y", "area_ids": [world.areas["grid_b1"].id]})
    assert outside.status_code == 403 and outside.json()["code"] == "auth.outside_area"
