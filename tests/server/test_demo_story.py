"""The demo tells a true story: over the quarter two communities meet the full-employment standard, two miss it for reasons a manager can see."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from server.demo import build_demo, load_demo
from server.services.coverage import coverage_report, system_scope
from shared.coverage import Period
from shared.models import SQLModel, server_tables


@pytest.fixture(scope="module")
def quarter():
    data = build_demo()
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine, tables=server_tables())
    load_demo(engine, data)
    with engine.connect() as conn:
        report = coverage_report(conn, system_scope(conn, data.district_id), data.district_id,
                                 Period.containing(data.today, "quarter"))
    engine.dispose()
    return report


def failed(community) -> set[str]:
    return {c.name for c in community.check.criteria if not c.passed}


def test_two_communities_meet_the_standard_and_the_district_misses_its_target(quarter):
    by_name = {c.name: c for c in quarter.communities}
    assert {name for name, c in by_name.items() if c.check.passed} == {"永安社区", "安居社区"}
    assert quarter.district_target.text_zh == "充分就业社区 2/4（50.0%），目标 60%：未达到"
    relocated = by_name["安居社区"].counts.relocated_employment_rate
    assert relocated.denominator > 10 and relocated.meets(0.95)  # the relocated community's own target


def test_the_others_miss_it_for_visible_reasons(quarter):
    by_name = {c.name: c for c in quarter.communities}
    assert failed(by_name["福民社区"]) == {"visit_rate", "guidance_rate"}  # four people not yet reached
    assert by_name["福民社区"].counts.registered - by_name["福民社区"].counts.visited == 4
    behind = failed(by_name["榆林社区"])
    assert {"reemployment_rate", "zero_employment_overdue", "information_rate", "entry_rate"} <= behind
