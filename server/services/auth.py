"""Signing in and out: password check, device tokens (stored hashed), and who a bearer token belongs to.

All state is in the database (several server processes may run), so a
revoked device is refused on its very next request, by any process.

Reads are committed before a write starts: a SQLite transaction that reads and
then writes fails at once (no busy wait) when another process wrote between
the two, while one that starts with its write waits its turn.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, insert, select, update

from server.errors import ApiError
from server.security import hash_password, new_token, token_hash, verify_password
from server.services import login_throttle
from server.services.audit import record_event
from server.settings import Settings
from shared.models import Area, Device, UserAccount, UserArea, new_id, utc_now

_USER = UserAccount.__table__
_DEVICE = Device.__table__
_AREA = Area.__table__
_USER_AREA = UserArea.__table__
_BEARER = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    """The signed-in user of a request and the device they use."""

    user_id: str
    username: str
    display_name: str
    role: str
    device_id: str


@dataclass(frozen=True)
class LoginResult:
    token: str
    device_id: str
    user: dict


def normalize_username(username: str) -> str:
    """Usernames compare without case and surrounding spaces."""
    return username.strip().lower()


@cache
def _dummy_hash() -> str:
    # Verified against when the user is unknown, so both failures take the same time.
    return hash_password("doorstep-no-such-user")


def invalid_credentials() -> ApiError:
    return ApiError(401, "auth.invalid_credentials", "Wrong username or password.", headers=_BEARER)


def throttle_policy(settings: Settings) -> login_throttle.Policy:
    return login_throttle.Policy(
        account_free=settings.login_free_failures, address_free=settings.login_address_free_failures,
        first_delay=timedelta(seconds=settings.login_first_delay_seconds),
        max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        window=timedelta(seconds=settings.login_window_seconds), enabled=settings.login_throttle)


def login(conn: Connection, username: str, password: str, device_name: str,
          now: datetime | None = None, settings: Settings | None = None, *, address: str | None = None,
          device_token: str | None = None, new_password: str | None = None) -> LoginResult:
    """Check the password and register a new device with a fresh token (shown only in this answer).

    Failed attempts slow the next ones down (``server.services.login_throttle``):
    429 ``auth.too_many_attempts`` before the password is checked while the
    account or the address must still wait; ``device_token`` (the user's own
    phone's earlier token) counts the attempt under that phone instead.

    An account with a one-time password (``must_change_password``) gets no
    token until the same request brings ``new_password``: 403
    ``auth.password_change_required`` after the right password without one.
    """
    now = now or utc_now()
    settings = settings or Settings()
    policy = throttle_policy(settings)
    username = normalize_username(username)
    user = conn.execute(select(_USER).where(_USER.c.username == username)).mappings().first()
    own_device = login_throttle.trusted_device(conn, user["id"] if user else None, device_token)
    attempt = login_throttle.attempt_for(user["id"] if user else None, username, address, own_device, policy)
    login_throttle.claim(conn, attempt, now, policy)
    ok = verify_password(user["password_hash"] if user else _dummy_hash(), password)
    if not (user and ok and user["active"]):
        reason = "unknown_user" if user is None else ("inactive" if ok else "wrong_password")
        # No username in the event: a mistyped one may be a person's name (an unknown one gets a coarse bucket).
        bucket = None if user else login_throttle.unknown_user_bucket(username)
        record_event(conn, login_throttle.FAILED, user_id=user["id"] if user else None,
                     table_name=login_throttle.BUCKET_TABLE if bucket else None, row_id=bucket,
                     detail={"reason": reason, **({"own_device": True} if own_device else {})}, at=now)
        conn.commit()
        raise invalid_credentials()
    login_throttle.release(conn, attempt, policy)
    if user["must_change_password"]:
        from server.services.staff import check_new_password, set_own_password

        if not new_password:
            conn.commit()
            raise ApiError(403, "auth.password_change_required",
                           "This is a one-time password: choose a new password to sign in.")
        try:
            check_new_password(new_password, password)
        except ApiError:
            conn.commit()
            raise
        set_own_password(conn, user["id"], new_password, device_id=None, now=now)
    token = new_token()
    device_id = new_id()
    conn.execute(insert(_DEVICE).values(id=device_id, user_id=user["id"], name=device_name,
                                        token_hash=token_hash(token), created_at=now, last_seen_at=now,
                                        last_seq=0))
    record_event(conn, "auth.login", user_id=user["id"], device_id=device_id, table_name="device",
                 row_id=device_id, at=now)
    conn.commit()
    return LoginResult(token=token, device_id=device_id, user=user_profile(conn, user))


def user_profile(conn: Connection, user) -> dict:
    """What a client shows of a user: name, role and assigned areas."""
    areas = conn.execute(
        select(_AREA.c.id, _AREA.c.level, _AREA.c.name, _AREA.c.code, _AREA.c.parent_id)
        .join(_USER_AREA, _USER_AREA.c.area_id == _AREA.c.id)
        .where(_USER_AREA.c.user_id == user["id"]).order_by(_AREA.c.level, _AREA.c.code, _AREA.c.name)
    ).mappings().all()
    return {"id": user["id"], "username": user["username"], "display_name": user["display_name"],
            "role": user["role"], "areas": [dict(a) for a in areas]}


def authenticate(conn: Connection, token: str, settings: Settings, now: datetime | None = None) -> Caller:
    """The caller a bearer token belongs to, or 401; leaves no transaction open on ``conn``."""
    now = now or utc_now()
    row = conn.execute(
        select(_DEVICE.c.id, _DEVICE.c.revoked_at, _DEVICE.c.wipe_requested_at, _DEVICE.c.created_at,
               _DEVICE.c.last_seen_at,
               _USER.c.id.label("user_id"), _USER.c.username, _USER.c.display_name, _USER.c.role,
               _USER.c.active)
        .join(_USER, _USER.c.id == _DEVICE.c.user_id)
        .where(_DEVICE.c.token_hash == token_hash(token))
    ).mappings().first()
    conn.commit()
    if row is None:
        raise ApiError(401, "auth.invalid_token", "Sign in again: this token is not valid.", headers=_BEARER)
    if row["wipe_requested_at"] is not None:
        # a lost phone: tell it to delete its key and data (and note that it came back)
        record_event(conn, "device.wipe_sent", user_id=row["user_id"], device_id=row["id"], table_name="device",
                     row_id=row["id"], at=now)
        conn.commit()
        raise ApiError(401, "auth.device_revoked", "This device was reported lost: delete its data.",
                       {"wipe": True}, headers=_BEARER)
    if row["revoked_at"] is not None or not row["active"]:
        raise ApiError(401, "auth.device_revoked", "This device was signed out; sign in again.", headers=_BEARER)
    last_seen = row["last_seen_at"] or row["created_at"]
    if settings.token_idle_days and now - last_seen > timedelta(days=settings.token_idle_days):
        raise ApiError(401, "auth.invalid_token", "Sign in again: this token has expired.", headers=_BEARER)
    if now - last_seen >= timedelta(seconds=settings.last_seen_interval_seconds):
        # written at most once per interval, so reads stay reads
        conn.execute(update(_DEVICE).where(_DEVICE.c.id == row["id"]).values(last_seen_at=now))
        conn.commit()
    return Caller(user_id=row["user_id"], username=row["username"], display_name=row["display_name"],
                  role=row["role"], device_id=row["id"])


def logout(conn: Connection, caller: Caller, now: datetime | None = None) -> None:
    """Revoke the caller's own device: its token stops working at once."""
    now = now or utc_now()
    conn.execute(update(_DEVICE).where(_DEVICE.c.id == caller.device_id, _DEVICE.c.revoked_at.is_(None))
                 .values(revoked_at=now))
    record_event(conn, "auth.logout", user_id=caller.user_id, device_id=caller.device_id,
                 table_name="device", row_id=caller.device_id, at=now)
    conn.commit()


def current_profile(conn: Connection, caller: Caller) -> dict:
    user = conn.execute(select(_USER).where(_USER.c.id == caller.user_id)).mappings().one()
    return user_profile(conn, user)
