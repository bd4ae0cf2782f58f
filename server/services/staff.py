"""What an administrator does to one account: disable or enable it, reset its password to a one-time one.

Every function takes the administrator's scope and refuses (403
``auth.outside_area``) an account they do not manage (``accounts.ensure_manages``);
every change is an audit event. A one-time password is shown once, to the
administrator, and must be changed at the next sign-in (``auth.login``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from server.errors import ApiError
from server.security import MIN_PASSWORD_LENGTH, hash_password, one_time_password, verify_password
from server.services.access import not_found
from server.services.accounts import ensure_manages, list_users
from server.services.audit import record_event
from server.services.auth import Caller
from server.services.scope import Scope
from shared.models import Device, UserAccount, utc_now

_USER = UserAccount.__table__
_DEVICE = Device.__table__


def _managed(conn: Connection, scope: Scope, user_id: str) -> None:
    exists = conn.execute(select(_USER.c.id).where(_USER.c.id == user_id)).first()
    if exists is None:
        conn.commit()
        raise not_found("User")
    ensure_manages(conn, scope, user_id)
    conn.commit()


def _answer(conn: Connection, scope: Scope, user_id: str) -> dict:
    return next(u for u in list_users(conn, scope) if u["id"] == user_id)


def set_active(conn: Connection, actor: Caller, scope: Scope, user_id: str, active: bool,
               now: datetime | None = None) -> dict:
    """Disable (no sign-in, every device refused) or enable an account; idempotent."""
    now = now or utc_now()
    _managed(conn, scope, user_id)
    if user_id == actor.user_id and not active:
        raise ApiError(409, "user.self_disable", "You cannot disable your own account.")
    changed = conn.execute(update(_USER).where(_USER.c.id == user_id, _USER.c.active.is_not(active))
                           .values(active=active)).rowcount
    if changed:
        record_event(conn, "user.enable" if active else "user.disable", user_id=actor.user_id,
                     device_id=actor.device_id, table_name="user_account", row_id=user_id, at=now)
    conn.commit()
    return _answer(conn, scope, user_id)


def reset_password(conn: Connection, actor: Caller, scope: Scope, user_id: str,
                   now: datetime | None = None) -> tuple[dict, str]:
    """A new one-time password for the account (returned once, never stored in clear); the old one stops working."""
    now = now or utc_now()
    _managed(conn, scope, user_id)
    password = one_time_password()
    conn.execute(update(_USER).where(_USER.c.id == user_id)
                 .values(password_hash=hash_password(password), must_change_password=True))
    record_event(conn, "user.password_reset", user_id=actor.user_id, device_id=actor.device_id,
                 table_name="user_account", row_id=user_id, at=now)
    conn.commit()
    return _answer(conn, scope, user_id), password


def check_new_password(new_password: str, old_password: str) -> None:
    """422 ``password.weak`` for a password too short or equal to the one it replaces."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise ApiError(422, "password.weak", f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if new_password == old_password:
        raise ApiError(422, "password.weak", "Choose a password different from the old one.")


def set_own_password(conn: Connection, user_id: str, new_password: str, *, device_id: str | None,
                     now: datetime) -> None:
    """Store the user's chosen password and clear the must-change flag (the caller commits)."""
    conn.execute(update(_USER).where(_USER.c.id == user_id)
                 .values(password_hash=hash_password(new_password), must_change_password=False))
    record_event(conn, "auth.password_changed", user_id=user_id, device_id=device_id, table_name="user_account",
                 row_id=user_id, at=now)


def change_password(conn: Connection, caller: Caller, current_password: str, new_password: str,
                    now: datetime | None = None) -> None:
    """A signed-in user changes their own password: 401 ``auth.invalid_credentials`` for a wrong current one."""
    from server.services.auth import invalid_credentials

    now = now or utc_now()
    stored = conn.execute(select(_USER.c.password_hash).where(_USER.c.id == caller.user_id)).scalar_one()
    conn.commit()
    if not verify_password(stored, current_password):
        raise invalid_credentials()
    check_new_password(new_password, current_password)
    set_own_password(conn, caller.user_id, new_password, device_id=caller.device_id, now=now)
    conn.commit()
