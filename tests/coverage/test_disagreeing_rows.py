"""Rows whose references disagree with their own grid (written before the push guard, or by hand) count nowhere."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import insert, select

from shared.models import Household, Resident, StatusRecord, Visit
from tests.coverage.factories import Ledger

MONTH = {"month": "2026-11"}


def _figures(town) -> dict:
    answers = {}
    for username in ("manager_a", "manager_b"):
        client = town.client(username)
        answers[username] = {
            "report": client.get("/api/v1/coverage", params=MONTH).json(),
            "not_visited": client.get("/api/v1/coverage/not-visited", params=MONTH).json(),
            "activity": client.get("/api/v1/coverage/activity", params=MONTH).json(),
        }
    return answers


def test_a_visit_resident_or_status_record_naming_another_grids_row_changes_no_figure(any_town):
    town = any_town
    grid_a1, grid_b1 = town.id("grid_a1"), town.id("grid_b1")
    waiting = Ledger()  # grid b1 gets someone not yet visited this month
    home = waiting.household(town.tree["grid_b1"])
    waiting.registered_unemployed(waiting.resident(home), date(2026, 1, 1))
    waiting.write(town.engine)
    before = _figures(town)
    with town.engine.connect() as conn:
        homes_b = conn.execute(select(Household.__table__).where(Household.__table__.c.grid_id == grid_b1)
                               ).mappings().all()
        people_b = conn.execute(select(Resident.__table__).where(Resident.__table__.c.grid_id == grid_b1)
                                ).mappings().all()
    forged = Ledger()
    at = datetime(2026, 11, 10, 2, tzinfo=timezone.utc)
    for home in homes_b:  # "visits" of grid b1's households filed under grid a1 by coordinator a1
        forged.visit({**home, "grid_id": grid_a1}, at, coordinator_id=town.users["coord_a1"].id,
                     guidance_given=True)
    # a registered unemployed "member" of grid a1 put into a household of grid b1
    stranger = forged.resident({**homes_b[0], "grid_id": grid_a1})
    forged.registered_unemployed(stranger, date(2026, 1, 1))
    for person in people_b:  # status records under grid a1 saying grid b1's people found work
        forged.status({**person, "grid_id": grid_a1}, "employment", "employed", date(2026, 11, 2))
    with town.engine.begin() as conn:
        for model, rows in ((Resident, forged.residents), (StatusRecord, forged.status_records),
                            (Visit, forged.visits)):
            conn.execute(insert(model.__table__), rows)
    after = _figures(town)
    assert after == before
    assert before["manager_b"]["not_visited"]["items"]  # there was something the forged visits could have hidden
