"""The area tree an administrator sees: their areas and everything below (every area for the server's one)."""
from __future__ import annotations

from sqlalchemy import Connection, or_, select

from server.services.accounts import is_server_admin
from server.services.grid_assignment import grid_coordinators
from server.services.scope import Scope
from shared.models import Area

_AREA = Area.__table__
LEVEL_ORDER = {"district": 0, "street": 1, "community": 2, "grid": 3}


def admin_areas(conn: Connection, scope: Scope) -> list[dict]:
    """Areas in tree order (parents before children, by code), each grid with its responsible coordinators."""
    stmt = select(_AREA.c.id, _AREA.c.level, _AREA.c.name, _AREA.c.code, _AREA.c.stat_code,
                  _AREA.c.parent_id).where(_AREA.c.deleted.is_(False))
    if not is_server_admin(scope):
        mine = list(scope.assigned_ids)
        stmt = stmt.where(or_(_AREA.c.id.in_(mine), _AREA.c.district_id.in_(mine), _AREA.c.street_id.in_(mine),
                              _AREA.c.community_id.in_(mine)))
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    holders = grid_coordinators(conn, [r["id"] for r in rows if r["level"] == "grid"])
    conn.commit()
    children: dict[str | None, list[dict]] = {}
    ids = {r["id"] for r in rows}
    for row in rows:
        row["coordinator_ids"] = holders.get(row["id"], [])
        children.setdefault(row["parent_id"] if row["parent_id"] in ids else None, []).append(row)
    ordered: list[dict] = []

    def walk(parent: str | None) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: (LEVEL_ORDER.get(r["level"], 9), r["code"],
                                                                   r["name"])):
            ordered.append(row)
            walk(row["id"])

    walk(None)
    return ordered
