"""The directory of colleagues a phone receives: display names and roles of the users of the caller's areas.

No user names, phone numbers or ID numbers: the phone needs only to say who
recorded a step or wrote a conflicting value. "Of the caller's areas": a user
with an assigned area the caller may see (their grids, communities, streets,
or the district above them) or lying in one of the caller's streets (a
vacancy is the street's: a coordinator of the next grid may have collected
it), and the caller themselves.
"""
from __future__ import annotations

from sqlalchemy import Connection, or_, select

from server.services.scope import Scope
from shared.models import Area, UserAccount, UserArea

_USER, _USER_AREA, _AREA = UserAccount.__table__, UserArea.__table__, Area.__table__


def colleagues(conn: Connection, scope: Scope) -> list[dict]:
    visible = scope.grid_ids | scope.community_ids | scope.street_ids | scope.district_ids
    ids = {scope.user_id}
    if visible:
        ids |= set(conn.execute(
            select(_USER_AREA.c.user_id).join(_AREA, _AREA.c.id == _USER_AREA.c.area_id)
            .where(or_(_USER_AREA.c.area_id.in_(sorted(visible)), _AREA.c.street_id.in_(sorted(scope.street_ids))))
        ).scalars())
    rows = conn.execute(select(_USER.c.id, _USER.c.display_name, _USER.c.role, _USER.c.active)
                        .where(_USER.c.id.in_(sorted(ids))).order_by(_USER.c.display_name)).mappings().all()
    conn.commit()
    return [dict(r) for r in rows]
