"""Scenarios: a grid handed over to another coordinator leaves the old phone after its edits are pushed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.errors import ApiError
from server.services.assignments import hand_over_grid, set_user_areas
from shared.models import AuditEvent, UserArea
from tests.sync.device_kit import Phone, Sim, seed_id


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    s = Sim(tmp_path_factory.mktemp("phones"), size=2)
    yield s
    s.close()


def _grid_rows(phone: Phone, grid_id: str) -> int:
    return sum(1 for table in ("household", "resident", "visit")
               for row in phone.store.all_rows(table) if row["grid_id"] == grid_id)


def test_a_handed_over_grid_leaves_the_old_phone_after_its_earlier_edits_are_pushed(sim, tmp_path):
    old, colleague = sim.start(2)
    cloud, grid = sim.cloud, sim.cloud.grid
    new = Phone(cloud, "coord_a2", tmp_path / "new", base=sim.now)  # coord_a2 holds grid a2 only
    for phone in (old, colleague, new):
        sim.sync(phone)
    assert _grid_rows(new, grid.id) == 0 and _grid_rows(old, grid.id) > 0
    before, after = seed_id("person/0"), seed_id("person/1")
    old.store.save("resident", {"notes": "交接前写的"}, row_id=before, now=old.now())  # offline, before
    sim.step += 5
    with cloud.engine.begin() as conn:
        taken_from = hand_over_grid(conn, grid.id, new.user_id, at=sim.now(), from_user_id=old.user_id)
    assert taken_from == [old.user_id]
    sim.step += 5
    old.store.save("resident", {"notes": "交接后写的"}, row_id=after, now=old.now())  # offline, after

    summary = sim.sync(old)
    assert [(row_id, code) for _t, row_id, code, _m in summary.rejected] == [(after, "sync.outside_area")]
    assert cloud.row("resident", before)["notes"] == "交接前写的"  # the edit made before the handover counts
    assert cloud.row("resident", after)["notes"] != "交接后写的"
    assert summary.left_areas and grid.id in summary.left_areas
    assert _grid_rows(old, grid.id) == 0 and old.store.pending_count() == 0  # the grid's rows left the phone
    assert old.store.left_areas == []

    summary = sim.sync(new)  # the new coordinator's phone was past the grid's rows: it pulls everything again
    assert summary.resynced
    assert new.store.get("resident", before)["notes"] == "交接前写的"
    sim.sync(colleague)  # a colleague who keeps the grid notices nothing
    assert colleague.store.get("resident", before)["notes"] == "交接前写的" and not colleague.store.left_areas
    assert sim.converged([old, colleague, new]) == []
    with cloud.engine.connect() as conn:
        events = conn.execute(select(AuditEvent.__table__.c.detail).where(
            AuditEvent.__table__.c.action == "area.grid_handed_over")).scalars().all()
    assert events and events[-1]["from"] == [old.user_id] and events[-1]["to"] == new.user_id
    new.close()


def test_an_edit_made_while_the_grid_leaves_is_pushed_before_its_row_goes(sim):
    old, _colleague = sim.start(2)
    cloud, grid = sim.cloud, sim.cloud.grid
    sim.sync(old)
    person = seed_id("person/2")
    with cloud.engine.begin() as conn:  # taken off at a time after the edit below (made while the sync runs)
        set_user_areas(conn, old.user_id, [], at=sim.now() + timedelta(seconds=30))
    made = {}

    def edit_during_pull(stage: str, _fraction: float) -> None:
        if stage == "pull" and not made:
            old.store.save("resident", {"notes": "同步时写的"}, row_id=person, now=old.now())
            made["done"] = True

    summary = old.sync(progress=edit_during_pull)
    assert made and summary.rejected == []
    assert cloud.row("resident", person)["notes"] == "同步时写的"  # pushed before the rows went
    assert _grid_rows(old, grid.id) == 0 and old.store.pending_count() == 0
    with cloud.engine.connect() as conn:
        assert conn.execute(select(UserArea.__table__).where(UserArea.__table__.c.user_id == old.user_id)).all() == []

    with cloud.engine.begin() as conn:  # given back: the phone pulls the grid again
        set_user_areas(conn, old.user_id, [grid.id], at=sim.now())
    summary = old.sync()
    assert summary.resynced and old.store.get("resident", person)["notes"] == "同步时写的"
    assert sim.converged([old]) == []


def test_a_grid_goes_only_to_a_coordinator_and_only_from_one_who_holds_it(sim):
    old, colleague = sim.start(2)
    cloud, world = sim.cloud, sim.cloud.world
    with cloud.engine.begin() as conn:
        with pytest.raises(ApiError) as manager:
            hand_over_grid(conn, cloud.grid.id, world.users["manager_a"].id, at=sim.now())
        with pytest.raises(ApiError) as stranger:
            hand_over_grid(conn, cloud.grid.id, colleague.user_id, at=sim.now(),
                           from_user_id=world.users["coord_a2"].id)
        with pytest.raises(ApiError) as unknown:
            set_user_areas(conn, old.user_id, ["00000000-0000-4000-8000-000000000000"], at=sim.now())
    assert (manager.value.status_code, stranger.value.status_code, unknown.value.status_code) == (422, 422, 404)
