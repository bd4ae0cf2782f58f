"""Who is responsible for which areas: handing a grid over, setting a user's areas, and what phones learn of it.

One mechanism for every change of assignments (grid-assignment screens,
staff import, the demo): each call compares the users' scopes before and
after, and records every area a user lost (``left``) or gained (``joined``)
in ``scope_change`` with a version from the locked change counter. Then:

- the pull feed lists, per page, the areas the caller left since its cursor
  (``PullResponse.left_areas``); the phone pushes its pending edits first and
  then removes its copies of those areas' rows (``mobile.store.syncing``);
- a pull whose cursor is below an area the caller joined is answered
  ``410 sync.resync_required``: the phone's cursor is past that area's rows,
  so it pulls everything again (after pushing its outbox);
- a push of the old coordinator is still accepted for rows of a grid they
  left, when every stamp of the change is not later than the time they left
  it (``grace_grids``): the edits made before the handover are not lost.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import Connection, delete, func, insert, select

from server.errors import ApiError
from server.services.audit import record_event
from server.services.change_log import lock_versions
from server.services.scope import Scope, load_scope
from shared.models import Area, ScopeChange, UserAccount, UserArea
from shared.vocab import Role

_CHANGE = ScopeChange.__table__
_LINK = UserArea.__table__
_AREA = Area.__table__
_USER = UserAccount.__table__
LEFT, JOINED = "left", "joined"


def hand_over_grid(conn: Connection, grid_id: str, to_user_id: str, *, at: datetime,
                   from_user_id: str | None = None) -> list[str]:
    """Move a grid's responsibility to coordinator ``to_user_id``; returns the ids of the users it was taken from.

    ``from_user_id`` names the coordinator it leaves (None: every coordinator
    assigned to the grid now, other than ``to_user_id``); managers assigned to
    the grid keep it. ``at`` is the handover time (aware UTC): the old
    coordinator's edits of the grid's rows stamped up to ``at`` are still
    accepted when their phone pushes them later; later ones are refused
    (``sync.outside_area``). Their phone removes the grid's rows on its next
    sync, after pushing its pending edits; the new coordinator's phone pulls
    them. Runs in the caller's transaction (the caller commits) and takes the
    change-version lock; records an audit event ``area.grid_handed_over``
    (grid, from, to, at). Raises ``ApiError`` 404 for an unknown grid or user,
    422 when ``to_user_id`` is not a coordinator or ``from_user_id`` does not
    hold the grid.
    """
    _require_grid(conn, grid_id)
    if _role(conn, to_user_id) != Role.coordinator:
        raise ApiError(422, "assignment.not_a_coordinator", "只能把网格交给协管员 / a grid goes to a coordinator.")
    holders = [u for u in _holders(conn, grid_id) if u != to_user_id and _role(conn, u) == Role.coordinator]
    if from_user_id is not None:
        if from_user_id not in holders:
            raise ApiError(422, "assignment.not_holding", "该协管员没有负责这个网格 / that user does not hold the grid.")
        holders = [from_user_id]
    areas = {user: _assigned(conn, user) for user in (*holders, to_user_id)}
    new_areas = {user: areas[user] - {grid_id} for user in holders}
    new_areas[to_user_id] = areas[to_user_id] | {grid_id}
    _apply(conn, areas, new_areas, at)
    record_event(conn, "area.grid_handed_over", table_name="area", row_id=grid_id, at=at,
                 detail={"from": holders, "to": to_user_id, "at": at.isoformat()})
    return holders


def set_user_areas(conn: Connection, user_id: str, areas: Iterable[str], *, at: datetime) -> None:
    """Make ``areas`` (area ids of any level) the user's whole assignment, recording what they left and joined.

    Same effects as ``hand_over_grid`` for every grid, street and district the
    user's scope loses or gains (``at`` is when; the caller's transaction;
    audit event ``area.user_areas_set`` with the ids added and removed). An
    unknown user or area is 404; nothing is written then.
    """
    _role(conn, user_id, required=True)
    wanted = set(areas)
    known = {r[0] for r in conn.execute(select(_AREA.c.id).where(_AREA.c.id.in_(sorted(wanted)),
                                                                _AREA.c.deleted.is_(False)))}
    if wanted - known:
        raise ApiError(404, "assignment.unknown_area", "找不到所选的区域 / unknown area.",
                       {"area_ids": sorted(wanted - known)})
    before = _assigned(conn, user_id)
    if before == wanted:
        return
    _apply(conn, {user_id: before}, {user_id: wanted}, at)
    record_event(conn, "area.user_areas_set", user_id=user_id, at=at,
                 detail={"added": sorted(wanted - before), "removed": sorted(before - wanted)})


def _apply(conn: Connection, before: dict[str, set[str]], after: dict[str, set[str]], at: datetime) -> None:
    counter = lock_versions(conn)
    old_scopes = {user: load_scope(conn, user) for user in before}
    for user, wanted in after.items():
        removed, added = before[user] - wanted, wanted - before[user]
        if removed:
            conn.execute(delete(_LINK).where(_LINK.c.user_id == user, _LINK.c.area_id.in_(sorted(removed))))
        if added:
            conn.execute(insert(_LINK), [{"user_id": user, "area_id": a} for a in sorted(added)])
    rows = []
    for user in after:
        old, new = old_scopes[user], load_scope(conn, user)
        for level, was, now in _levels(old, new):
            for kind, ids in ((LEFT, was - now), (JOINED, now - was)):
                rows += [{"user_id": user, "area_id": a, "level": level, "kind": kind, "at": at} for a in sorted(ids)]
    if rows:
        version = counter.next()  # one version for the whole change: pulls see it at once
        conn.execute(insert(_CHANGE), [{**row, "version": version} for row in rows])
        counter.save()


def _levels(old: Scope, new: Scope):
    return (("grid", old.grid_ids, new.grid_ids), ("street", old.street_ids, new.street_ids),
            ("district", old.district_ids, new.district_ids))


# --- what sync reads --------------------------------------------------------------------------------


def left_areas(conn: Connection, scope: Scope, after_version: int, up_to_version: int) -> list[dict[str, str]]:
    """Areas the user left with a version in ``(after_version, up_to_version]`` and does not hold now."""
    found = conn.execute(
        select(_CHANGE.c.area_id, _CHANGE.c.level).where(
            _CHANGE.c.user_id == scope.user_id, _CHANGE.c.kind == LEFT,
            _CHANGE.c.version > after_version, _CHANGE.c.version <= up_to_version).distinct()).all()
    held = {"grid": scope.grid_ids, "street": scope.street_ids, "district": scope.district_ids}
    return sorted(({"area_id": a, "level": level} for a, level in found if a not in held.get(level, ())),
                  key=lambda item: (item["level"], item["area_id"]))


def joined_after(conn: Connection, user_id: str, after_version: int) -> int | None:
    """The latest version at which the user joined an area after ``after_version`` (None: none)."""
    return conn.execute(select(func.max(_CHANGE.c.version)).where(
        _CHANGE.c.user_id == user_id, _CHANGE.c.kind == JOINED, _CHANGE.c.version > after_version)).scalar()


def grace_grids(conn: Connection, scope: Scope) -> dict[str, int]:
    """Grids the user left and does not hold now -> when they left (ms): their edits up to then still apply."""
    found = conn.execute(select(_CHANGE.c.area_id, func.max(_CHANGE.c.at)).where(
        _CHANGE.c.user_id == scope.user_id, _CHANGE.c.kind == LEFT, _CHANGE.c.level == "grid")
        .group_by(_CHANGE.c.area_id)).all()
    return {grid: _ms(at) for grid, at in found if grid not in scope.grid_ids}


def _ms(at: datetime) -> int:
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=timezone.utc)
    return int(at.timestamp() * 1000)


# --- helpers ----------------------------------------------------------------------------------------


def _require_grid(conn: Connection, grid_id: str) -> None:
    level = conn.execute(select(_AREA.c.level).where(_AREA.c.id == grid_id, _AREA.c.deleted.is_(False))).scalar()
    if level != "grid":
        raise ApiError(404, "assignment.unknown_grid", "找不到这个网格 / unknown grid.")


def _role(conn: Connection, user_id: str, *, required: bool = True) -> str | None:
    role = conn.execute(select(_USER.c.role).where(_USER.c.id == user_id)).scalar()
    if role is None and required:
        raise ApiError(404, "assignment.unknown_user", "找不到这个用户 / unknown user.")
    return role


def _holders(conn: Connection, grid_id: str) -> list[str]:
    return sorted(r[0] for r in conn.execute(select(_LINK.c.user_id).where(_LINK.c.area_id == grid_id)))


def _assigned(conn: Connection, user_id: str) -> set[str]:
    return {r[0] for r in conn.execute(select(_LINK.c.area_id).where(_LINK.c.user_id == user_id))}
