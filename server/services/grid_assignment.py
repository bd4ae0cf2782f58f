"""划片包干: each grid has one responsible coordinator; a coordinator may hold several grids.

A coordinator's grids are their ``user_area`` rows at grid level. A grid
changes hands through ``server.services.assignments.hand_over_grid`` (the
admin screens call ``assign_grid``, ``doorstep admin import-staff`` calls
``move_grid``): the old coordinator's phone is told the grid left its area,
pushes its pending edits first (those made before the handover are accepted)
and removes its copies; the new coordinator's phone pulls the grid.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from server.errors import ApiError
from server.services.access import not_found, outside_area
from server.services.accounts import ensure_manages, is_server_admin
from server.services.assignments import hand_over_grid
from server.services.audit import record_event
from server.services.auth import Caller
from server.services.scope import Scope
from shared.models import Area, UserAccount, UserArea, utc_now
from shared.vocab import AreaLevel, Role

_AREA, _USER, _USER_AREA = Area.__table__, UserAccount.__table__, UserArea.__table__


def grid_coordinators(conn: Connection, grid_ids: list[str] | None = None) -> dict[str, list[str]]:
    """Grid id -> the coordinators assigned to it directly (one, when the office keeps the rule)."""
    stmt = (select(_USER_AREA.c.area_id, _USER_AREA.c.user_id)
            .join(_USER, _USER.c.id == _USER_AREA.c.user_id)
            .join(_AREA, _AREA.c.id == _USER_AREA.c.area_id)
            .where(_USER.c.role == Role.coordinator.value, _AREA.c.level == AreaLevel.grid.value)
            .order_by(_USER.c.username))
    if grid_ids is not None:
        stmt = stmt.where(_USER_AREA.c.area_id.in_(grid_ids))
    found: dict[str, list[str]] = {}
    for grid_id, user_id in conn.execute(stmt):
        found.setdefault(grid_id, []).append(user_id)
    return found


def move_grid(conn: Connection, grid_id: str, to_user_id: str, *, at: datetime) -> list[str]:
    """The handover itself (no scope checks, no commit): the grid's other coordinators lose it. Returns who lost it.

    Nothing happens when ``to_user_id`` is already its one coordinator.
    """
    if grid_coordinators(conn, [grid_id]).get(grid_id, []) == [to_user_id]:
        return []
    return hand_over_grid(conn, grid_id, to_user_id, at=at)


def assign_grid(conn: Connection, actor: Caller | None, scope: Scope | None, grid_id: str, to_user_id: str,
                now: datetime | None = None) -> dict:
    """Make ``to_user_id`` the grid's responsible coordinator; idempotent.

    ``scope`` None: the command line (the operator of the server). Otherwise
    the grid must lie in the administrator's areas and both the new and the
    old coordinator must be theirs (403 ``auth.outside_area``).
    """
    now = now or utc_now()
    grid = conn.execute(select(_AREA.c.id, _AREA.c.level, _AREA.c.community_id, _AREA.c.street_id,
                               _AREA.c.district_id).where(_AREA.c.id == grid_id, _AREA.c.deleted.is_(False))).first()
    person = conn.execute(select(_USER.c.role, _USER.c.active).where(_USER.c.id == to_user_id)).first()
    holders = grid_coordinators(conn, [grid_id]).get(grid_id, [])
    if scope is not None and not is_server_admin(scope):
        if grid is not None and scope.assigned_ids.isdisjoint(grid):
            conn.commit()
            raise outside_area()
        for user_id in {to_user_id, *holders} if person is not None else holders:
            ensure_manages(conn, scope, user_id)
    conn.commit()
    if grid is None or grid.level != AreaLevel.grid.value:
        raise not_found("Grid")
    if person is None:
        raise not_found("User")
    if person.role != Role.coordinator.value or not person.active:
        raise ApiError(422, "grid.not_a_coordinator", "A grid is assigned to an active coordinator.")
    losing = move_grid(conn, grid_id, to_user_id, at=now)
    if losing or to_user_id not in holders:
        record_event(conn, "grid.assign", user_id=actor.user_id if actor else None,
                     device_id=actor.device_id if actor else None, table_name="area", row_id=grid_id,
                     detail={"to": to_user_id, "from": losing}, at=now)
    conn.commit()
    return {"grid_id": grid_id, "coordinator_ids": [to_user_id], "previous": losing}
