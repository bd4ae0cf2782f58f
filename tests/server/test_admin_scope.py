"""A street's administrator lists and revokes only the devices (and sees only the accounts) of their street.

The world: district admin ``admin``; ``admin_a`` administers street A (grids a1, a2); ``root`` has no area
(the server's administrator). ``manager_b`` works in street B."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.server.factories import PASSWORD, user

USERS = "/api/v1/admin/users"
DEVICES = "/api/v1/admin/devices"


@pytest.fixture
def office(sqlite_engine, world, app, clients):
    with Session(sqlite_engine) as session:
        for name, areas in (("admin_a", [world.areas["street_a"]]), ("root", [])):
            account, links = user(name, "admin", areas)
            session.add(account)
            session.flush()
            session.add_all(links)
        session.commit()
    signed_in = {}
    for name in ("admin_a", "root", "admin", "coord_a1", "manager_a", "manager_b"):
        client = clients(app)
        client.login(name, PASSWORD, device_name=f"{name} phone")
        signed_in[name] = client
    return signed_in


def _device_of(office, name):
    listed = office["root"].get(DEVICES).json()
    return next(d["id"] for d in listed if d["username"] == name)


def test_a_street_administrator_lists_only_their_streets_devices_and_accounts(office):
    listed = office["admin_a"].get(DEVICES)
    assert listed.status_code == 200, listed.text
    assert {d["username"] for d in listed.json()} == {"admin_a", "coord_a1", "manager_a"}
    users = {u["username"] for u in office["admin_a"].get(USERS).json()}
    assert users == {"admin_a", "coord_a1", "coord_a2", "manager_a"}  # no street B, no district, no root
    # asking for an outside user's devices by id is refused, not answered with an empty list
    outside = office["admin_a"].get(DEVICES, params={"user_id": office["manager_b"].get("/api/v1/auth/me").json()["id"]})
    assert (outside.status_code, outside.json()["code"]) == (403, "auth.outside_area")
    # the district's administrator sees the district, the server's administrator everyone
    assert {d["username"] for d in office["admin"].get(DEVICES).json()} == {"admin", "admin_a", "coord_a1",
                                                                          "manager_a", "manager_b"}
    assert "root" in {u["username"] for u in office["root"].get(USERS).json()}


def test_a_street_administrator_cannot_revoke_another_streets_device(office):
    theirs, mine = _device_of(office, "manager_b"), _device_of(office, "coord_a1")
    refused = office["admin_a"].post(f"{DEVICES}/{theirs}/revoke")
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.outside_area")
    assert office["manager_b"].get("/api/v1/auth/me").status_code == 200  # still signed in
    district = office["admin_a"].post(f"{DEVICES}/{_device_of(office, 'admin')}/revoke")
    assert district.status_code == 403  # an administrator above the street is not theirs either
    revoked = office["admin_a"].post(f"{DEVICES}/{mine}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert office["coord_a1"].get("/api/v1/auth/me").status_code == 401


def test_a_street_administrator_creates_accounts_only_inside_their_street(office, world):
    body = {"username": "new_coord", "display_name": "新协管", "password": "long enough 1", "role": "coordinator"}
    outside = office["admin_a"].post(USERS, json=body | {"area_ids": [world.areas["grid_b1"].id]})
    assert (outside.status_code, outside.json()["code"]) == (403, "auth.outside_area")
    arealess = office["admin_a"].post(USERS, json=body | {"role": "admin", "username": "new_root", "area_ids": []})
    assert (arealess.status_code, arealess.json()["code"]) == (403, "auth.outside_area")  # would manage everyone
    above = office["admin_a"].post(USERS, json=body | {"role": "manager", "area_ids": [world.areas["district"].id]})
    assert (above.status_code, above.json()["code"]) == (403, "auth.outside_area")  # the district is not theirs
    inside = office["admin_a"].post(USERS, json=body | {"area_ids": [world.areas["grid_a1"].id]})
    assert inside.status_code == 201, inside.text
    # the server's administrator (no area) sets up any street
    anywhere = office["root"].post(USERS, json=body | {"username": "coord_b9", "area_ids": [world.areas["grid_b1"].id]})
    assert anywhere.status_code == 201, anywhere.text


def test_other_roles_get_no_administration(office):
    for name in ("coord_a1", "manager_a"):
        for answer in (office[name].get(DEVICES), office[name].get(USERS)):
            assert (answer.status_code, answer.json()["code"]) == (403, "auth.forbidden")
