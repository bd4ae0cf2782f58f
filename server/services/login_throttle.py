"""Failed sign-ins per username, counted in the database (so every server process sees them): 429 past a limit.

Failures are the ``auth.login_failed`` audit events already written. A known
user's are counted by their id (only those since their last sign-in); an
unknown username's by a coarse bucket of its hash (``row_id`` "login:xyz",
one of 4,096), so the event keeps nothing that names the person typed, and an
unknown name is throttled just like a real one: a 429 does not tell whether
an account exists. While throttled the password is not even checked.
"""
from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, func, select

from server.errors import ApiError
from shared.models import AuditEvent

_AUDIT = AuditEvent.__table__
FAILED = "auth.login_failed"
SUCCEEDED = "auth.login"
BUCKET_TABLE = "login"


def unknown_user_bucket(username: str) -> str:
    """The ``row_id`` of a failure for a name no account has: 12 bits of its hash (many names share one)."""
    return f"{BUCKET_TABLE}:{hashlib.sha256(username.encode('utf-8')).hexdigest()[:3]}"


def _failures_since(conn: Connection, user_id: str | None, bucket: str, since: datetime) -> list[datetime]:
    where = [_AUDIT.c.action == FAILED, _AUDIT.c.at >= since]
    if user_id is not None:
        last_ok = conn.execute(select(func.max(_AUDIT.c.at)).where(
            _AUDIT.c.action == SUCCEEDED, _AUDIT.c.user_id == user_id, _AUDIT.c.at >= since)).scalar()
        where += [_AUDIT.c.user_id == user_id] + ([_AUDIT.c.at > last_ok] if last_ok is not None else [])
    else:
        where += [_AUDIT.c.user_id.is_(None), _AUDIT.c.table_name == BUCKET_TABLE, _AUDIT.c.row_id == bucket]
    return [at for (at,) in conn.execute(select(_AUDIT.c.at).where(*where).order_by(_AUDIT.c.at))]


def check(conn: Connection, user_id: str | None, username: str, now: datetime, *, max_failures: int,
          window: timedelta) -> None:
    """429 ``auth.too_many_attempts`` (with ``Retry-After``) when this username failed too often lately."""
    if max_failures <= 0:
        return
    failures = _failures_since(conn, user_id, unknown_user_bucket(username), now - window)
    if len(failures) < max_failures:
        return
    # allowed again once enough of them have left the window
    free_at = _as_utc(failures[len(failures) - max_failures]) + window
    retry = max(1, math.ceil((free_at - now).total_seconds()))
    raise ApiError(429, "auth.too_many_attempts",
                   "Too many failed sign-ins for this username: wait a few minutes and try again.",
                   {"retry_after_seconds": retry}, headers={"Retry-After": str(retry)})


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
