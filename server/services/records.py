"""Reading areas, households and residents within the caller's scope (for managers and tools; phones sync)."""
from __future__ import annotations

from sqlalchemy import Connection, func, select

from server.services.access import ensure_grid, load_in_scope
from server.services.scope import Scope
from shared.models import Area, Household, Resident

_AREA = Area.__table__
_HOUSEHOLD = Household.__table__
_RESIDENT = Resident.__table__
_LEVEL_ORDER = {"district": 0, "street": 1, "community": 2, "grid": 3}


def _public(row) -> dict:
    return {key: value for key, value in row.items() if key != "stamps"}


def list_areas(conn: Connection, scope: Scope) -> list[dict]:
    """The caller's area tree as a flat list (parents first): their areas, what is below, and the ancestors."""
    ids = scope.grid_ids | scope.community_ids | scope.street_ids | scope.district_ids
    if not ids:
        return []
    rows = conn.execute(select(_AREA).where(_AREA.c.id.in_(sorted(ids)), _AREA.c.deleted.is_(False))).mappings()
    areas = [_public(row) for row in rows]
    areas.sort(key=lambda a: (_LEVEL_ORDER.get(a["level"], 9), a["code"], a["name"], a["id"]))
    return areas


def list_households(conn: Connection, scope: Scope, grid_id: str, offset: int = 0, limit: int = 500) -> dict:
    """One page of a grid's households, in address order."""
    ensure_grid(scope, grid_id)
    where = (_HOUSEHOLD.c.grid_id == grid_id, _HOUSEHOLD.c.deleted.is_(False))
    total = conn.execute(select(func.count()).select_from(_HOUSEHOLD).where(*where)).scalar_one()
    rows = conn.execute(
        select(_HOUSEHOLD).where(*where)
        .order_by(_HOUSEHOLD.c.address, _HOUSEHOLD.c.building, _HOUSEHOLD.c.unit, _HOUSEHOLD.c.room, _HOUSEHOLD.c.id)
        .offset(offset).limit(limit)
    ).mappings()
    return {"items": [_public(r) for r in rows], "total": total, "offset": offset, "limit": limit}


def get_household(conn: Connection, scope: Scope, household_id: str) -> dict:
    """A household with its (not deleted) residents."""
    household = _public(load_in_scope(conn, scope, Household, household_id, "Household"))
    residents = conn.execute(
        select(_RESIDENT).where(_RESIDENT.c.household_id == household_id, _RESIDENT.c.deleted.is_(False))
        .order_by(_RESIDENT.c.birth_date, _RESIDENT.c.id)
    ).mappings()
    return household | {"residents": [_public(r) for r in residents]}


def get_resident(conn: Connection, scope: Scope, resident_id: str) -> dict:
    return _public(load_in_scope(conn, scope, Resident, resident_id, "Resident"))
