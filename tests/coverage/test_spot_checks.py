"""Spot checks: about 1% drawn reproducibly from the registered unemployed, a call list, results recorded."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from server.services.spot_checks import draw, sample_size
from shared.coverage import CHINA_TZ


def test_about_one_percent_and_at_least_one():
    assert [sample_size(n, 0.01) for n in (0, 1, 99, 149, 150, 250, 1000)] == [0, 1, 1, 1, 2, 3, 10]
    assert sample_size(20, 0.147) == 3 and sample_size(138, 0.147) == 20  # the seeds' 20 of 138 communities


def test_the_same_seed_draws_the_same_people_whatever_the_order_given():
    ids = [f"id-{n:04d}" for n in range(500)]
    first = draw(ids, 0.01, seed=2026)
    assert len(first) == 5 and len(set(first)) == 5 and set(first) <= set(ids)
    assert draw(list(reversed(ids)), 0.01, seed=2026) == first
    assert draw(ids, 0.01, seed=2027) != first


def test_a_manager_draws_exports_and_records(town):
    client = town.client("manager_a")
    body = {"month": "2026-11", "rate": 0.5, "seed": 7, "community_share": 1.0}
    response = client.post("/api/v1/spot-checks", json=body)
    assert response.status_code == 201, response.text
    drawn = response.json()
    # street A's registered unemployed in November: P1, P2, P3, P5, P9; half of 5 rounds up to 3
    assert (drawn["seed"], drawn["population"], drawn["drawn"], drawn["drawn_communities"]) == (7, 5, 3, 1)
    again = client.post("/api/v1/spot-checks", json=body).json()
    first_items = client.get(f"/api/v1/spot-checks/{drawn['sample_id']}").json()["items"]
    second_items = client.get(f"/api/v1/spot-checks/{again['sample_id']}").json()["items"]
    people = {i["resident_id"] for i in first_items if i["kind"] == "person"}
    assert people == {i["resident_id"] for i in second_items if i["kind"] == "person"}  # reproducible
    assert people <= {town.id(p) for p in ("p1", "p2", "p3", "p5", "p9")}
    assert [i["community"] for i in first_items if i["kind"] == "community"] == ["幸福社区"]

    response = client.get(f"/api/v1/spot-checks/{drawn['sample_id']}/call-list")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["类型", "姓名", "手机号", "地址", "社区", "网格", "协管员", "核查方式", "核查结果", "居民评价", "备注"]
    assert [r[0] for r in rows[1:]] == ["个人", "个人", "个人", "社区"]
    assert all(r[4] == "幸福社区" and r[6] in ("李协管", "赵协管") for r in rows[1:4])
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/spot-checks/{drawn['sample_id']}/call-list",
                                               params={"format": "xlsx"}).content))
    assert book["抽查名单"]["A1"].value == "类型" and book["抽查名单"].max_row >= 5

    item = first_items[0]
    recorded = client.post(f"/api/v1/spot-checks/items/{item['id']}",
                           json={"result": "confirmed", "notes": "本人确认已走访", "method": "home"})
    assert recorded.status_code == 200, recorded.text
    after = client.get(f"/api/v1/spot-checks/{drawn['sample_id']}").json()["items"][0]
    assert (after["result"], after["method"], after["notes"]) == ("confirmed", "home", "本人确认已走访")
    listed = {s["sample_id"]: s for s in client.get("/api/v1/spot-checks").json()}
    assert (listed[drawn["sample_id"]]["drawn"], listed[drawn["sample_id"]]["verified"]) == (4, 1)
    bad = client.post(f"/api/v1/spot-checks/items/{item['id']}", json={"result": "maybe"})
    assert bad.status_code == 422
    assert client.post(f"/api/v1/spot-checks/items/{item['id']}", json={"result": "confirmed", "rating": 6}) \
        .status_code == 422
    assert client.post(f"/api/v1/spot-checks/items/{item['id']}", json={"result": "unreachable", "rating": 4}) \
        .status_code == 422


def test_results_are_summarised_per_community_and_coordinator_and_in_the_report(town):
    client = town.client("manager_a")
    drawn = client.post("/api/v1/spot-checks", json={"month": "2026-11", "rate": 1.0, "seed": 3,
                                                     "community_share": 1.0}).json()
    people = [i for i in client.get(f"/api/v1/spot-checks/{drawn['sample_id']}").json()["items"]
              if i["kind"] == "person"]
    assert len(people) == 5  # everyone of 幸福社区's five registered unemployed
    # hand-recorded: two confirmed (rated 5 and 4), one discrepancy (rated 2), one unreachable, one not yet called
    for item, body in zip(people, [{"result": "confirmed", "rating": 5}, {"result": "confirmed", "rating": 4},
                                   {"result": "not_confirmed", "rating": 2, "notes": "说没人来过"},
                                   {"result": "unreachable"}], strict=False):
        assert client.post(f"/api/v1/spot-checks/items/{item['id']}", json=body).status_code == 200
    summary = client.get(f"/api/v1/spot-checks/{drawn['sample_id']}/summary").json()
    total = summary["total"]
    assert (total["drawn"], total["checked"], total["reached"], total["confirmed"], total["discrepancies"]) == \
        (5, 4, 3, 2, 1)
    assert total["confirmed_rate"]["text"] == "66.7%" and total["average_rating"] == 11 / 3
    assert [c["name"] for c in summary["communities"]] == ["幸福社区"]
    by_coordinator = {c["name"]: c["drawn"] for c in summary["coordinators"]}
    assert sum(by_coordinator.values()) == 5 and set(by_coordinator) <= {"李协管", "赵协管"}
    this_month = datetime.now(CHINA_TZ).strftime("%Y-%m")  # the sample was drawn now
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/monthly", params={"month": this_month}).content))
    rows = list(book["抽查结果"].iter_rows(min_row=2, values_only=True))
    assert ("社区", "幸福社区", 5, 4, 3, 2, 1, "66.7%（2/3）", "3.7（3人）") in rows


def test_people_are_drawn_only_within_the_communities_drawn(town):
    client = town.client("admin")  # the district: 幸福社区 (5 registered unemployed) and 光明社区 (1)
    communities = {town.id("community_a"): "幸福社区", town.id("community_b"): "光明社区"}
    for seed in range(6):
        drawn = client.post("/api/v1/spot-checks", json={"month": "2026-11", "rate": 1.0, "seed": seed,
                                                         "community_share": 0.5}).json()
        items = client.get(f"/api/v1/spot-checks/{drawn['sample_id']}").json()["items"]
        [community] = [i["community"] for i in items if i["kind"] == "community"]
        assert community in communities.values()
        assert {i["community"] for i in items if i["kind"] == "person"} == {community}
        assert drawn["drawn"] == (5 if community == "幸福社区" else 1)


def test_another_street_and_coordinators_cannot_see_a_sample(town):
    sample_id = town.client("manager_a").post("/api/v1/spot-checks", json={"month": "2026-11", "seed": 1}).json()[
        "sample_id"]
    other = town.client("manager_b")
    assert other.get(f"/api/v1/spot-checks/{sample_id}").status_code == 403
    assert other.get(f"/api/v1/spot-checks/{sample_id}/call-list").status_code == 403
    assert sample_id not in {s["sample_id"] for s in other.get("/api/v1/spot-checks").json()}
    assert other.post("/api/v1/spot-checks", json={"area_id": town.id("street_a")}).status_code == 403
    coordinator = town.client("coord_a1")
    assert coordinator.get(f"/api/v1/spot-checks/{sample_id}").status_code == 403
