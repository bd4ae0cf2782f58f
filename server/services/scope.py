"""What a user may see and change: the areas they are assigned to, expanded down and up the tree.

A coordinator assigned to grids sees those grids (and the vacancies and
employers of their streets, and the area tree of their district). A manager or
admin assigned to a community, street or district sees every grid under it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, or_, select

from shared.models import Area, UserAccount, UserArea
from shared.vocab import Role

_AREA = Area.__table__


@dataclass(frozen=True)
class Scope:
    user_id: str
    role: str
    assigned_ids: frozenset[str] = field(default_factory=frozenset)
    grid_ids: frozenset[str] = field(default_factory=frozenset)
    community_ids: frozenset[str] = field(default_factory=frozenset)
    street_ids: frozenset[str] = field(default_factory=frozenset)
    district_ids: frozenset[str] = field(default_factory=frozenset)

    def allows_grid(self, grid_id: str | None) -> bool:
        return grid_id is not None and grid_id in self.grid_ids

    def allows_street(self, street_id: str | None) -> bool:
        return street_id is not None and street_id in self.street_ids

    def allows_district(self, district_id: str | None) -> bool:
        return district_id is not None and district_id in self.district_ids

    def allows_area(self, area_id: str | None) -> bool:
        """An area the user may look at: inside an assigned area (or an assigned area itself)."""
        return area_id is not None and (
            area_id in self.grid_ids or area_id in self.community_ids or area_id in self.street_ids
            or area_id in self.district_ids
        ) and (self.role != Role.coordinator or area_id in self.grid_ids or area_id in self.assigned_ids)

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.manager, Role.admin)


def load_scope(conn: Connection, user_id: str) -> Scope:
    """The scope of one user, from their area assignments."""
    role = conn.execute(select(UserAccount.__table__.c.role).where(UserAccount.__table__.c.id == user_id)).scalar()
    if role is None:
        return Scope(user_id=user_id, role="none")
    assigned = [r[0] for r in conn.execute(
        select(UserArea.__table__.c.area_id).where(UserArea.__table__.c.user_id == user_id))]
    if not assigned:
        return Scope(user_id=user_id, role=role)
    # every area below an assigned one (by its denormalised ancestors), and the assigned ones
    below = conn.execute(
        select(_AREA.c.id, _AREA.c.level, _AREA.c.community_id, _AREA.c.street_id, _AREA.c.district_id).where(
            or_(_AREA.c.id.in_(assigned), _AREA.c.parent_id.in_(assigned), _AREA.c.community_id.in_(assigned),
                _AREA.c.street_id.in_(assigned), _AREA.c.district_id.in_(assigned)),
            _AREA.c.deleted.is_(False),
        )
    ).all()
    grids, communities, streets, districts = set(), set(), set(), set()
    for area_id, level, community_id, street_id, district_id in below:
        {"grid": grids, "community": communities, "street": streets, "district": districts}.get(level, set()).add(area_id)
        # ancestors: the streets and district of what one covers (for vacancies and the area tree)
        if community_id and level == "grid":
            communities.add(community_id)
        if street_id:
            streets.add(street_id)
        if district_id:
            districts.add(district_id)
    return Scope(
        user_id=user_id, role=role, assigned_ids=frozenset(assigned), grid_ids=frozenset(grids),
        community_ids=frozenset(communities), street_ids=frozenset(streets), district_ids=frozenset(districts),
    )
