"""Scenario: the administrator hands a grid to another coordinator on the 管理 screen's route, with two real phones.

Coordinator A (coord_a1) edits a resident of grid a1 offline; the street's administrator gives grid a1 to
coordinator B (coord_a2) through ``PUT /admin/grids/{id}/coordinator`` (``grid_assignment.assign_grid``, which
calls ``assignments.hand_over_grid``). A's next sync pushes the edit (made before the handover: accepted), then the
feed says the grid left A's area and A's phone removes its copies; B's next sync brings the grid's records, A's
edit included. On SQLite and PostgreSQL, with the real app in process and real device stores.
"""
from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from mobile.sync import InProcessTransport
from server.app import create_app
from server.services.change_log import record_changes
from server.services.sync_rows import row_scope
from server.settings import get_settings
from shared.models import MODEL_BY_TABLE, UserArea
from shared.sync_schema import SYNC_SPECS
from tests.server.factories import PASSWORD, build_world
from tests.sync.device_kit import BASE_URL, Cloud, Phone


class OfficeCloud(Cloud):
    """The device kit's cloud on a given engine (SQLite or PostgreSQL), with the factories' world."""

    def __init__(self, engine) -> None:  # noqa: D107 - a Cloud without its in-memory database
        self.engine = engine
        self.world = build_world(engine)
        self.grid = self.world.areas["grid_a1"]
        self.coordinators = ["coord_a1", "coord_a2"]
        with engine.begin() as conn:
            record_changes(conn, [row_scope(t, dict(r)) for t in SYNC_SPECS
                                  for r in conn.execute(select(MODEL_BY_TABLE[t].__table__)).mappings()])
        url = engine.url.render_as_string(hide_password=False)
        self.app = create_app(get_settings(database_url=url), engine=engine)
        self.transport = InProcessTransport(self.app)
        self._saved = None

    def close(self) -> None:
        self.transport.shutdown()


def _grid_rows(phone: Phone, grid_id: str) -> int:
    return sum(1 for table in ("household", "resident") for row in phone.store.all_rows(table)
               if row["grid_id"] == grid_id)


def test_a_grid_handed_over_on_the_admin_screen_moves_to_the_new_phone_and_keeps_the_old_phones_edit(
        any_engine, tmp_path):
    cloud = OfficeCloud(any_engine)
    try:
        a = Phone(cloud, "coord_a1", tmp_path / "a")
        b = Phone(cloud, "coord_a2", tmp_path / "b")
        a.sync(), b.sync()
        grid, resident = cloud.grid.id, cloud.world.residents["grid_a1"].id
        assert _grid_rows(a, grid) > 0 and _grid_rows(b, grid) == 0
        a.store.save("resident", {"notes": "交接前在门口写的"}, row_id=resident, now=a.now())  # offline
        time.sleep(0.01)

        with httpx.Client(base_url=BASE_URL, transport=cloud.transport) as office:
            token = office.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).json()["token"]
            handed = office.put(f"/api/v1/admin/grids/{grid}/coordinator", json={"user_id": b.user_id},
                                headers={"Authorization": f"Bearer {token}"})
        assert handed.status_code == 200, handed.text
        assert handed.json()["previous"] == [a.user_id]
        with any_engine.connect() as conn:
            holders = set(conn.execute(select(UserArea.__table__.c.user_id)
                                       .where(UserArea.__table__.c.area_id == grid)).scalars())
        assert holders == {b.user_id}

        summary = a.sync()
        assert summary.rejected == []  # made before the handover: accepted
        assert cloud.row("resident", resident)["notes"] == "交接前在门口写的"
        assert grid in summary.left_areas
        assert _grid_rows(a, grid) == 0 and a.store.pending_count() == 0  # the stale copies left A's phone

        b.sync()
        assert _grid_rows(b, grid) > 0
        assert b.store.get("resident", resident)["notes"] == "交接前在门口写的"
    finally:
        cloud.close()
