"""What an administrator does with accounts: create users with their areas, list users, list and revoke devices.

An administrator assigned to areas (a street administrator) manages only the
users whose every assigned area lies inside theirs, and those users' devices;
anything else is 403 ``auth.outside_area``. An administrator with no area is
the server's administrator (the first one, made before any area exists) and
manages everyone; only they may create another administrator without an area.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from server.errors import ApiError
from server.security import hash_password, one_time_password
from server.services.access import not_found, outside_area
from server.services.audit import record_event
from server.services.auth import Caller, normalize_username, user_profile
from server.services.scope import Scope
from shared.models import Area, Device, UserAccount, UserArea, new_id, utc_now
from shared.vocab import AreaLevel, Role

_USER = UserAccount.__table__
_DEVICE = Device.__table__
_AREA = Area.__table__
_USER_AREA = UserArea.__table__

# The area levels each role may be assigned to (a coordinator covers a community or a few grids).
ROLE_AREA_LEVELS: dict[str, frozenset[str]] = {
    Role.coordinator: frozenset({AreaLevel.grid, AreaLevel.community}),
    Role.manager: frozenset({AreaLevel.community, AreaLevel.street, AreaLevel.district}),
    Role.admin: frozenset(AreaLevel),
}


def _invalid(details: list[dict]) -> ApiError:
    return ApiError(422, "request.invalid", "Some fields are missing or invalid.", details)


def _check_areas(conn: Connection, scope: Scope, role: str, area_ids: list[str]) -> list[str]:
    area_ids = list(dict.fromkeys(area_ids))
    if not area_ids and role != Role.admin:
        raise _invalid([{"loc": "body.area_ids", "type": "missing", "msg": "A coordinator or manager needs an area."}])
    found = {row.id: row for row in conn.execute(
        select(_AREA.c.id, _AREA.c.level, _AREA.c.community_id, _AREA.c.street_id, _AREA.c.district_id)
        .where(_AREA.c.id.in_(area_ids), _AREA.c.deleted.is_(False)))}
    levels = {area_id: row.level for area_id, row in found.items()}
    problems = []
    for index, area_id in enumerate(area_ids):
        if area_id not in levels:
            problems.append({"loc": f"body.area_ids.{index}", "type": "unknown_area", "msg": "No such area."})
        elif levels[area_id] not in ROLE_AREA_LEVELS[role]:
            problems.append({"loc": f"body.area_ids.{index}", "type": "area_level",
                             "msg": f"A {role} cannot be assigned to a {levels[area_id]}."})
    if problems:
        raise _invalid(problems)
    if is_server_admin(scope):
        return area_ids
    if not area_ids:  # an account without areas manages the whole server
        raise outside_area()
    for area_id in area_ids:  # an admin hands out only areas they hold, or areas below them
        row = found[area_id]
        if scope.assigned_ids.isdisjoint((row.id, row.community_id, row.street_id, row.district_id)):
            raise outside_area()
    return area_ids


def is_server_admin(scope: Scope) -> bool:
    """An administrator with no assigned area: manages every account and device."""
    return scope.role == Role.admin and not scope.assigned_ids


def managed_user_ids(conn: Connection, scope: Scope) -> set[str] | None:
    """The users this administrator manages (every assigned area inside theirs); None: every user."""
    if is_server_admin(scope):
        return None
    inside: dict[str, bool] = {}
    for user_id, *line in conn.execute(  # an area is inside when it or one of its ancestors is assigned to the admin
            select(_USER_AREA.c.user_id, _AREA.c.id, _AREA.c.community_id, _AREA.c.street_id, _AREA.c.district_id)
            .join(_AREA, _AREA.c.id == _USER_AREA.c.area_id)):
        inside[user_id] = inside.get(user_id, True) and not scope.assigned_ids.isdisjoint(line)
    return {user_id for user_id, yes in inside.items() if yes}


def ensure_manages(conn: Connection, scope: Scope, user_id: str) -> None:
    """403 ``auth.outside_area`` unless this administrator manages the user."""
    managed = managed_user_ids(conn, scope)
    if managed is not None and user_id not in managed:
        raise outside_area()


def list_users(conn: Connection, scope: Scope) -> list[dict]:
    """The users this administrator manages, by username, each with their areas (two queries)."""
    managed = managed_user_ids(conn, scope)
    users = [dict(u) for u in conn.execute(select(_USER).order_by(_USER.c.username)).mappings()
             if managed is None or u["id"] in managed]
    areas: dict[str, list[dict]] = {}
    for row in conn.execute(
            select(_USER_AREA.c.user_id, _AREA.c.id, _AREA.c.level, _AREA.c.name, _AREA.c.code, _AREA.c.parent_id)
            .join(_AREA, _AREA.c.id == _USER_AREA.c.area_id).order_by(_AREA.c.level, _AREA.c.code)).mappings():
        areas.setdefault(row["user_id"], []).append({k: row[k] for k in ("id", "level", "name", "code", "parent_id")})
    conn.commit()
    return [{"id": u["id"], "username": u["username"], "display_name": u["display_name"], "role": u["role"],
             "active": u["active"], "must_change_password": u["must_change_password"],
             "areas": areas.get(u["id"], [])} for u in users]


def create_user(conn: Connection, actor: Caller, scope: Scope, *, username: str, display_name: str,
                password: str | None, role: str, area_ids: list[str], now: datetime | None = None) -> dict:
    """A new account with its area assignments; 409 ``user.username_taken`` when the name exists.

    Without ``password`` the account gets a one-time password, in the answer
    (``one_time_password``) and nowhere else, to be changed at the first sign-in.
    """
    now = now or utc_now()
    one_time = None if password else one_time_password()
    username = normalize_username(username)
    area_ids = _check_areas(conn, scope, role, area_ids)
    taken = ApiError(409, "user.username_taken", "This username is taken.")
    exists = conn.execute(select(_USER.c.id).where(_USER.c.username == username)).first()
    conn.commit()  # reads done: the writes below start a fresh transaction (see server.services.auth)
    if exists:
        raise taken
    user_id = new_id()
    try:
        conn.execute(insert(_USER).values(id=user_id, username=username, display_name=display_name.strip(),
                                          role=str(role), password_hash=hash_password(password or one_time),
                                          active=True, must_change_password=one_time is not None,
                                          created_at=now))
        if area_ids:
            conn.execute(insert(_USER_AREA), [{"user_id": user_id, "area_id": a} for a in area_ids])
    except IntegrityError:  # the same name created at the same moment by another request
        conn.rollback()
        raise taken from None
    record_event(conn, "user.create", user_id=actor.user_id, device_id=actor.device_id,
                 table_name="user_account", row_id=user_id, detail={"role": str(role), "areas": len(area_ids)},
                 at=now)
    user = conn.execute(select(_USER).where(_USER.c.id == user_id)).mappings().one()
    profile = user_profile(conn, user) | ({"one_time_password": one_time} if one_time else {})
    conn.commit()
    return profile


def list_devices(conn: Connection, scope: Scope, user_id: str | None = None) -> list[dict]:
    """The devices of the users this administrator manages, newest first (optionally one user's)."""
    if user_id:
        ensure_manages(conn, scope, user_id)
    managed = managed_user_ids(conn, scope)
    stmt = (select(_DEVICE.c.id, _DEVICE.c.user_id, _USER.c.username, _DEVICE.c.name, _DEVICE.c.created_at,
                   _DEVICE.c.last_seen_at, _DEVICE.c.revoked_at, _DEVICE.c.wipe_requested_at)
            .join(_USER, _USER.c.id == _DEVICE.c.user_id).order_by(_DEVICE.c.created_at.desc()))
    if user_id:
        stmt = stmt.where(_DEVICE.c.user_id == user_id)
    return [dict(row) for row in conn.execute(stmt).mappings() if managed is None or row["user_id"] in managed]


def revoke_device(conn: Connection, actor: Caller, scope: Scope, device_id: str,
                  now: datetime | None = None, lost: bool = False) -> dict:
    """Revoke a device: its token is refused from the next request on. Idempotent.

    404 for no such device, 403 ``auth.outside_area`` for a device of a user the administrator does not manage.
    ``lost`` (a lost or stolen phone): the refusal also tells the phone to
    delete its key and data (``auth.device_revoked`` with ``details.wipe``).
    A device revoked without it (retired, signed out) keeps its data, so its
    user can sign in again and push what it holds first.
    """
    now = now or utc_now()
    found = conn.execute(select(_DEVICE.c.revoked_at, _DEVICE.c.wipe_requested_at, _DEVICE.c.user_id)
                         .where(_DEVICE.c.id == device_id)).first()
    if found is None:
        conn.commit()
        raise not_found("Device")
    ensure_manages(conn, scope, found.user_id)
    conn.commit()
    values = {"revoked_at": now} if found.revoked_at is None else {}
    if lost and found.wipe_requested_at is None:
        values["wipe_requested_at"] = now
    if values:
        conn.execute(update(_DEVICE).where(_DEVICE.c.id == device_id).values(**values))
        record_event(conn, "device.revoke", user_id=actor.user_id, device_id=actor.device_id,
                     table_name="device", row_id=device_id, detail={"lost": True} if lost else {}, at=now)
    device = next(d for d in list_devices(conn, scope, found.user_id) if d["id"] == device_id)
    conn.commit()
    return device
