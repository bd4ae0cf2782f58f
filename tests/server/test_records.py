"""Reading areas, households and residents: coordinators see their grids, managers their area, nobody more."""
from __future__ import annotations

import pytest

from tests.server.conftest import make_app
from tests.server.factories import PASSWORD, build_world


@pytest.fixture
def scene(any_engine, clients):
    """The test world on SQLite and on PostgreSQL, and a client for its app."""
    world = build_world(any_engine)
    return world, clients(make_app(any_engine))


def test_a_coordinator_reads_their_grid_but_not_another(scene):
    world, client = scene
    client.login("coord_a1", PASSWORD)
    own = client.get(f"/api/v1/households/{world.households['grid_a1'].id}")
    assert own.status_code == 200
    assert [r["id"] for r in own.json()["residents"]] == [world.residents["grid_a1"].id]
    assert own.json()["residents"][0]["skills"] == ["家政"]
    assert "stamps" not in own.json()
    for other in ("grid_a2", "grid_b1"):  # a neighbouring grid of the same community, and another street
        answer = client.get(f"/api/v1/households/{world.households[other].id}")
        assert answer.status_code == 403 and answer.json()["code"] == "auth.outside_area"
        assert world.households[other].address not in answer.text
        listed = client.get("/api/v1/households", params={"grid_id": world.areas[other].id})
        assert listed.status_code == 403 and listed.json()["code"] == "auth.outside_area"
        person = client.get(f"/api/v1/residents/{world.residents[other].id}")
        assert person.status_code == 403 and "王芳" not in person.text
    page = client.get("/api/v1/households", params={"grid_id": world.areas["grid_a1"].id}).json()
    assert page["total"] == 1 and [h["id"] for h in page["items"]] == [world.households["grid_a1"].id]
    assert client.get(f"/api/v1/residents/{world.residents['grid_a1'].id}").json()["name"] == "王芳"


def test_a_street_manager_reads_every_grid_of_the_street_and_nothing_of_another(scene):
    world, client = scene
    client.login("manager_a", PASSWORD)
    for grid in ("grid_a1", "grid_a2"):
        assert client.get(f"/api/v1/households/{world.households[grid].id}").status_code == 200
        assert client.get(f"/api/v1/residents/{world.residents[grid].id}").status_code == 200
    other = client.get(f"/api/v1/households/{world.households['grid_b1'].id}")
    assert other.status_code == 403 and other.json()["code"] == "auth.outside_area"
    assert client.get(f"/api/v1/residents/{world.residents['grid_b1'].id}").status_code == 403


def test_the_area_tree_holds_own_areas_and_ancestors_only(scene):
    world, client = scene
    names = {area.id: key for key, area in world.areas.items()}
    client.login("coord_a1", PASSWORD)
    coordinator = [names[a["id"]] for a in client.get("/api/v1/areas").json()]
    assert coordinator == ["district", "street_a", "community_a", "grid_a1"]
    client.login("manager_a", PASSWORD)
    manager = [names[a["id"]] for a in client.get("/api/v1/areas").json()]
    assert manager == ["district", "street_a", "community_a", "grid_a1", "grid_a2"]
    client.login("admin", PASSWORD)
    assert len(client.get("/api/v1/areas").json()) == len(world.areas)


def test_missing_records_are_404_and_reads_need_a_token(scene):
    world, client = scene
    assert client.get(f"/api/v1/households/{world.households['grid_a1'].id}").status_code == 401
    client.login("admin", PASSWORD)
    missing = client.get("/api/v1/households/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/api/v1/residents/nope").status_code == 404
    assert client.get("/api/v1/households").json()["code"] == "request.invalid"  # grid_id is required
