"""The coverage API as managers and coordinators use it, and the area rule: nobody sees past their area."""
from __future__ import annotations

import pytest


def test_a_street_manager_gets_the_street_with_numerators_and_denominators(any_town):
    client = any_town.client("manager_a")
    response = client.get("/api/v1/coverage", params={"month": "2026-11"})  # their one area: street A
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"start": "2026-11-01", "end": "2026-11-30", "label": "2026-11", "kind": "month",
                              "label_zh": "2026年11月"}
    assert body["area"]["name"] == "北站街道"
    visit_rate = body["area"]["rates"]["visit_rate"]
    assert visit_rate == {"numerator": 4, "denominator": 5, "value": 0.8, "text": "80.0%"}
    assert body["area"]["rates"]["entry_rate"]["text"] == "80.0%"  # 4/5 people entered
    assert body["area"]["rates"]["timely_entry_rate"]["text"] == "66.7%"  # 2/3 visits within 72 h
    assert [c["name"] for c in body["children"]] == ["幸福社区"]
    assert [c["name"] for c in body["communities"]] == ["幸福社区"]
    assert body["communities"][0]["check"]["passed"] is False
    assert {g["name"] for g in body["grids"]} == {"幸福一网格", "幸福二网格"}
    coordinators = {c["name"]: c["rates"]["visit_rate"]["text"] for c in body["coordinators"]}
    assert coordinators == {"李协管": "75.0%", "赵协管": "100.0%"}  # grid a1: 3/4, grid a2: 1/1
    assert body["community_pass_rate"] == {"numerator": 0, "denominator": 1, "value": 0.0, "text": "0.0%"}


def test_the_district_shows_the_share_of_communities_that_pass(any_town):
    body = any_town.client("admin").get("/api/v1/coverage", params={"month": "2026-11"}).json()
    assert body["community_pass_rate"]["numerator"] == 1 and body["community_pass_rate"]["denominator"] == 2
    assert [c["name"] for c in body["children"]] == ["北站街道", "南湖街道"]


@pytest.mark.parametrize("other", ["street_b", "community_b", "grid_b1", "district"])
def test_a_manager_of_street_a_gets_403_for_anything_outside_it(town, other):
    client = town.client("manager_a")
    for path in ("", "/not-visited", "/incomplete", "/zero-employment-overdue", "/zero-employment", "/activity"):
        response = client.get(f"/api/v1/coverage{path}", params={"area_id": town.id(other), "month": "2026-11"})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "auth.outside_area"
        assert "王芳" not in response.text


def test_a_coordinator_sees_their_grid_only(town):
    client = town.client("coord_a1")
    mine = client.get("/api/v1/coverage", params={"month": "2026-11"})
    assert mine.status_code == 200 and mine.json()["area"]["rates"]["visit_rate"]["text"] == "75.0%"
    for other in ("grid_a2", "community_a", "street_a"):
        response = client.get("/api/v1/coverage", params={"area_id": town.id(other), "month": "2026-11"})
        assert response.status_code == 403


def test_the_lists_behind_the_numbers(town):
    client = town.client("manager_a")
    params = {"month": "2026-11", "area_id": town.id("street_a")}
    not_visited = client.get("/api/v1/coverage/not-visited", params=params).json()["items"]
    assert [p["resident_id"] for p in not_visited] == [town.id("p3")]  # H2: met only a second after November
    assert not_visited[0]["coordinators"] == ["李协管"] and not_visited[0]["grid"] == "幸福一网格"
    assert not_visited[0]["phone"] == "13800138000" and not_visited[0]["address"].startswith("幸福路")
    incomplete = client.get("/api/v1/coverage/incomplete", params=params).json()["items"]
    assert sorted((p["resident_id"], p["missing"], p["missing_zh"]) for p in incomplete) == sorted([
        (town.id("p2"), ["phone"], ["手机号"]),  # as at 30 November: the phone number came on 3 December
        (town.id("p3"), ["entered"], ["未录入系统"])])
    overdue = client.get("/api/v1/coverage/zero-employment-overdue", params=params).json()["items"]
    assert [(h["household_id"], h["deadline"], h["days_overdue"]) for h in overdue] == [
        (town.id("h7"), "2026-10-21", 40)]
    clocks = client.get("/api/v1/coverage/zero-employment", params=params).json()["items"]
    assert [(h["household_id"], h["state"], h["days_left"]) for h in clocks] == [
        (town.id("h7"), "overdue", None), (town.id("h4"), "met", None)]
    october = client.get("/api/v1/coverage/zero-employment", params={**params, "month": "2026-10",
                                                                     "state": "overdue"}).json()["items"]
    assert [h["days_overdue"] for h in october] == [10]  # 31 Oct - 21 Oct
    early = client.get("/api/v1/coverage/zero-employment", params={"area_id": town.id("street_a"),
                                                                   "start": "2026-11-01", "end": "2026-11-10"}
                       ).json()["items"]
    assert [(h["household_id"], h["state"], h["days_left"]) for h in early if h["state"] == "open"] == [
        (town.id("h4"), "open", 15)]  # identified 5 Nov, deadline 25 Nov, seen on 10 Nov
    activity = client.get("/api/v1/coverage/activity", params=params).json()["items"]
    by_name = {a["name"]: a for a in activity}
    # grid a1 in November: H1 (guidance), H2 not home, H4 (guidance item); grid a2: H7 on 15 Nov
    assert (by_name["李协管"]["visits"], by_name["李协管"]["guidance"]) == (3, 2)
    assert (by_name["赵协管"]["visits"], by_name["赵协管"]["guidance"]) == (1, 0)
    assert {a["month"] for a in activity} == {"2026-11"}
    assert {(a["employer_confirmed"], a["employer_hires"]) for a in activity} == {(0, 0)}  # none confirmed yet


def test_a_coordinators_list_of_people_to_visit(town):
    client = town.client("manager_a")
    params = {"month": "2026-11", "area_id": town.id("street_a"), "coordinator_id": town.users["coord_a2"].id}
    assert client.get("/api/v1/coverage/not-visited", params=params).json()["items"] == []
    params["coordinator_id"] = town.users["coord_a1"].id
    assert len(client.get("/api/v1/coverage/not-visited", params=params).json()["items"]) == 1


def test_a_bad_period_is_a_422_in_the_one_error_shape(town):
    client = town.client("manager_a")
    response = client.get("/api/v1/coverage", params={"start": "2026-11-30", "end": "2026-11-01"})
    assert response.status_code == 422 and response.json()["code"] == "period.invalid"
    response = client.get("/api/v1/coverage", params={"month": "2026-13"})
    assert response.status_code == 422
    response = client.get("/api/v1/coverage", params={"month": "2026-11", "start": "2026-11-01", "end": "2026-11-02"})
    assert response.status_code == 422 and response.json()["code"] == "period.invalid"


def test_signing_in_is_required(town):
    from tests.server.client import ApiClient

    client = ApiClient(town.app)
    try:
        assert client.get("/api/v1/coverage").status_code == 401
    finally:
        client.close()
