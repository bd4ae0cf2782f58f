"""Coordinator assessment: the year's figures beside the manager's scores, the 60-point line, the yearly sheet."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shared import assessment as rules


def test_the_six_items_add_up_to_100_and_under_60_fails():
    assert [label for _, label, _ in rules.ITEMS] == ["政策掌握", "业务熟练", "台账基础管理", "工作态度与廉洁", "任务完成",
                                                      "工作创新"]
    assert sum(rules.MAXIMUM.values()) == 100
    full = dict.fromkeys(rules.MAXIMUM, 10)  # 60 points
    assert rules.Assessment(full).verdict_zh == "合格"
    assert rules.Assessment({**full, "innovation": 9}).verdict_zh == "不合格"  # 59
    assert rules.Assessment({"policy_knowledge": 15}).verdict_zh == "未评完"
    assert rules.Assessment(dict(rules.MAXIMUM)).verdict_zh == "优秀"
    with pytest.raises(ValueError, match="task_completion"):
        rules.check_scores({"task_completion": 26})
    with pytest.raises(ValueError, match="unknown"):
        rules.check_scores({"charm": 3})


def test_a_manager_scores_a_coordinator_beside_the_figures_and_downloads_the_sheet(town):
    client = town.client("manager_a")
    listed = client.get("/api/v1/assessments", params={"year": 2026})
    assert listed.status_code == 200, listed.text
    items = {i["name"]: i for i in listed.json()["items"]}
    assert set(items) == {"李协管", "赵协管"}
    li = items["李协管"]
    # hand-counted from handcount.py: grid a1's visits of 2026 (H1 30 Nov, H2 1 Nov and 1 Dec, H4 6 Nov)
    assert li["figures"]["visits"] == 4 and li["figures"]["guidance"] == 3
    assert li["figures"]["timely_entry"]["text"] == "75.0%"  # 3 of 4 within 72 hours (H4's came 1 s late)
    assert (li["scores"], li["verdict_zh"]) == ({}, "未评完")
    scores = {"policy_knowledge": 12, "business_proficiency": 11, "ledger_management": 10, "attitude_integrity": 13,
              "task_completion": 20, "innovation": 5}
    saved = client.request("PUT", f"/api/v1/assessments/{li['user_id']}/2026", json={"scores": scores, "notes": "走访扎实"})
    assert saved.status_code == 200, saved.text
    assert (saved.json()["total"], saved.json()["verdict_zh"]) == (71, "合格")
    bad = client.request("PUT", f"/api/v1/assessments/{li['user_id']}/2026", json={"scores": {"innovation": 16}})
    assert bad.status_code == 422 and bad.json()["code"] == "assessment.scores"
    response = client.get(f"/api/v1/assessments/{li['user_id']}/2026/sheet")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["年度考核表"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "社区劳动保障协管员年度考核表（2026年）"
    assert ("任务完成", 25, 20, None) in values and ("合计", 100, 71, "合格") in values
    assert ("走访户次", 4, None, None) in values
    # another street's manager may neither see nor score 李协管
    other = town.client("manager_b")
    assert other.request("PUT", f"/api/v1/assessments/{li['user_id']}/2026", json={"scores": scores}).status_code == 404
    assert other.get("/api/v1/assessments", params={"year": 2026, "area_id": town.id("street_a")}).status_code == 403
    assert town.client("coord_a1").get("/api/v1/assessments", params={"year": 2026}).status_code == 403
