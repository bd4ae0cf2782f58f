"""Sign-in throttling without lock-out: growing delays per account and per address, kept in the database.

Each attempt is counted before the password is checked (argon2 is slow: a
burst of parallel guesses must not all pass the check first), against keys
in ``login_throttle``:

- the account (``account:<user id>``; a username no account has counts
  under a coarse bucket of its hash, ``login:xyz``, one of 4,096, so a 429
  does not tell whether the account exists and the typed name is not kept);
- the address the request came from (``address:`` and 16 hex digits of its hash).

After ``free`` failures of a key within the window, the next attempt waits
``first_delay * 2**(failures - free)`` seconds after the last failure, at
most ``max_delay``; earlier is 429 ``auth.too_many_attempts`` with
``Retry-After``, and is not counted. Nothing locks: after the wait one more
try is allowed, and a key without failures for the window is forgotten.

A sign-in that names a device of the same user by its token (``device_token``:
the phone's earlier token, even signed out or expired, not revoked by an
administrator) is counted under that device (``device:<id>``) instead: the
right password from the user's own phone works while someone else guesses,
from anywhere. Device ids alone are not proof (colleagues see them in
conflict records); the token is a secret only that phone had.

A right password clears the account's (or device's) key and takes its own
attempt back from the address's, so an office of colleagues behind one
address is not slowed by their daily sign-ins.
"""
from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from server.errors import ApiError
from server.security import token_hash
from shared.models import AuditEvent, Device, LoginThrottle

_AUDIT = AuditEvent.__table__
_DEVICE = Device.__table__
_THROTTLE = LoginThrottle.__table__
FAILED = "auth.login_failed"
SUCCEEDED = "auth.login"
BUCKET_TABLE = "login"
ADMIN_REVOKED = "device.revoke"  # the audit action of an administrator's revocation


@dataclass(frozen=True)
class Policy:
    """How many failures pass freely (per account, per address), the first and the longest delay, the window."""

    account_free: int = 5
    address_free: int = 30
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=5)
    window: timedelta = timedelta(minutes=15)
    enabled: bool = True

    def delay(self, failures: int, free: int) -> timedelta:
        if failures < free:
            return timedelta(0)
        return min(self.max_delay, self.first_delay * 2 ** min(failures - free, 30))


@dataclass(frozen=True)
class Attempt:
    """The keys one sign-in attempt is counted under, and each key's free failures."""

    keys: dict[str, int]
    account_key: str
    address_key: str | None


def unknown_user_bucket(username: str) -> str:
    """The key part of a name no account has: 12 bits of its hash (many names share one)."""
    return f"{BUCKET_TABLE}:{hashlib.sha256(username.encode('utf-8')).hexdigest()[:3]}"


def address_key(address: str | None) -> str | None:
    if not address:
        return None
    return "address:" + hashlib.sha256(address.encode("utf-8")).hexdigest()[:16]


def trusted_device(conn: Connection, user_id: str | None, device_token: str | None) -> str | None:
    """The id of the user's own device this token belongs to, unless an administrator revoked it."""
    if not (user_id and device_token):
        return None
    device_id = conn.execute(select(_DEVICE.c.id).where(_DEVICE.c.token_hash == token_hash(device_token),
                                                        _DEVICE.c.user_id == user_id)).scalar()
    if device_id is None:
        return None
    revoked_by_admin = conn.execute(select(_AUDIT.c.id).where(
        _AUDIT.c.action == ADMIN_REVOKED, _AUDIT.c.table_name == "device", _AUDIT.c.row_id == device_id)).first()
    return None if revoked_by_admin else device_id


def attempt_for(user_id: str | None, username: str, address: str | None, device_id: str | None,
                policy: Policy) -> Attempt:
    if device_id is not None:
        key = f"device:{device_id}"
        return Attempt({key: policy.account_free}, key, None)
    account = f"account:{user_id}" if user_id else unknown_user_bucket(username)
    keys = {account: policy.account_free}
    by_address = address_key(address)
    if by_address:
        keys[by_address] = policy.address_free
    return Attempt(keys, account, by_address)


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _too_many(seconds: float) -> ApiError:
    retry = max(1, math.ceil(seconds))
    return ApiError(429, "auth.too_many_attempts",
                    "Too many failed sign-ins: wait a moment and try again.",
                    {"retry_after_seconds": retry}, headers={"Retry-After": str(retry)})


class _Raced(Exception):
    """Another request changed a throttle row between our read and our write."""


def claim(conn: Connection, attempt: Attempt, now: datetime, policy: Policy) -> None:
    """Count this attempt as a failure under every key (cleared on success), or 429 when one must still wait.

    Reads, then writes only if every row is as read (compare and set on ``attempts``): of two processes
    counting the same attempt at once, one passes and the other reads again. Commits on ``conn``.
    """
    if not policy.enabled:
        return
    # Colleagues behind one address sign in at the same moment: a lost compare-and-set is read again and
    # retried (a few times), not answered 429; only a real wait after failures refuses.
    for round_ in range(RACE_RETRIES):
        if _claim_once(conn, attempt, now, policy):
            forget_stale(conn, now, policy)
            return
        time.sleep(random.uniform(0, 0.01 * (round_ + 1)))  # out of step with the request it raced
    raise _too_many(policy.first_delay.total_seconds())


RACE_RETRIES = 20


def _claim_once(conn: Connection, attempt: Attempt, now: datetime, policy: Policy) -> bool:
    """One read and compare-and-set of every key; False when another request counted one of them meanwhile."""
    rows = {row.key: row for row in conn.execute(select(_THROTTLE).where(_THROTTLE.c.key.in_(list(attempt.keys))))}
    conn.commit()  # a write transaction that starts with its write waits its turn on SQLite
    wait = timedelta(0)
    counts = {}
    for key, free in attempt.keys.items():
        row = rows.get(key)
        last = _aware(row.last_failed_at) if row else None
        failures = row.failures if row and last and now - last <= policy.window else 0
        counts[key] = failures
        if failures:
            wait = max(wait, last + policy.delay(failures, free) - now)
    if wait > timedelta(0):
        raise _too_many(wait.total_seconds())
    try:
        for key in attempt.keys:
            row = rows.get(key)
            if row is None:
                conn.execute(insert(_THROTTLE).values(key=key, attempts=1, failures=1, last_failed_at=now))
                continue
            moved = conn.execute(update(_THROTTLE).where(_THROTTLE.c.key == key, _THROTTLE.c.attempts == row.attempts)
                                 .values(attempts=row.attempts + 1, failures=counts[key] + 1, last_failed_at=now))
            if moved.rowcount != 1:
                raise _Raced
    except (IntegrityError, _Raced):  # another request counted an attempt of these keys meanwhile
        conn.rollback()
        return False
    conn.commit()
    return True


def forget_stale(conn: Connection, now: datetime, policy: Policy) -> None:
    """Drop keys without a failure for the window, in a transaction of its own: it holds no row another
    attempt's transaction needs (no deadlock), and losing a race to another cleanup only postpones it."""
    try:
        conn.execute(delete(_THROTTLE).where(_THROTTLE.c.last_failed_at < now - policy.window))
        conn.commit()
    except DBAPIError:
        conn.rollback()


def release(conn: Connection, attempt: Attempt, policy: Policy) -> None:
    """The password was right: forget the account's (or device's) failures, give the address its attempt back."""
    if not policy.enabled:
        return
    conn.execute(delete(_THROTTLE).where(_THROTTLE.c.key == attempt.account_key))
    if attempt.address_key:
        conn.execute(update(_THROTTLE).where(_THROTTLE.c.key == attempt.address_key, _THROTTLE.c.failures > 0)
                     .values(failures=_THROTTLE.c.failures - 1, attempts=_THROTTLE.c.attempts + 1))
