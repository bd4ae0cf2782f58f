"""Wrong codes on the employer's page, counted in the database per address and per referral: refused past a limit.

Each wrong code is an audit event ``referral.check_failed``: one for the
address it came from (``table_name`` "check_address", ``row_id`` a hash of
the address, never the address itself) and, when the referral code was right
but the check token or check code was not, one for each referral of that code.
Counting events in the database makes the limits hold across every server
process. Two requests at the very same moment may both pass a limit's last
step (the count is read, then the event written): the limit is approximate by
a request or two, never unbounded.
"""
from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, select

from server.services.audit import record_event
from shared.models import AuditEvent

_AUDIT = AuditEvent.__table__
FAILED = "referral.check_failed"
ADDRESS_TABLE = "check_address"
REFERRAL_TABLE = "referral"


class TooManyFailures(Exception):
    """Too many wrong codes lately: ``retry_after`` seconds until the next try counts."""

    def __init__(self, per: str, retry_after: int) -> None:
        super().__init__(per, retry_after)
        self.per, self.retry_after = per, retry_after


def address_key(address: str) -> str:
    """The ``row_id`` of an address's failures: 32 hex characters of its hash (the address is not kept)."""
    return hashlib.sha256(f"check-address|{address}".encode("utf-8")).hexdigest()[:32]


def _failures(conn: Connection, table_name: str, row_id: str, since: datetime) -> list[datetime]:
    return [at for (at,) in conn.execute(
        select(_AUDIT.c.at).where(_AUDIT.c.action == FAILED, _AUDIT.c.row_id == row_id,
                                  _AUDIT.c.table_name == table_name, _AUDIT.c.at >= since)
        .order_by(_AUDIT.c.at))]


def check(conn: Connection, table_name: str, row_id: str, now: datetime, *, limit: int, window: timedelta) -> None:
    """``TooManyFailures`` when this address or referral had ``limit`` failures within ``window`` (0 = no limit)."""
    if limit <= 0:
        return
    failures = _failures(conn, table_name, row_id, now - window)
    if len(failures) < limit:
        return
    free_at = _as_utc(failures[len(failures) - limit]) + window
    raise TooManyFailures(table_name, max(1, math.ceil((free_at - now).total_seconds())))


def record_failure(conn: Connection, address: str, referral_ids: list[str], reason: str, now: datetime) -> None:
    """One failure for the address and one for each referral the code named, committed at once."""
    record_event(conn, FAILED, table_name=ADDRESS_TABLE, row_id=address_key(address), detail={"reason": reason},
                 at=now)
    for referral_id in referral_ids:
        record_event(conn, FAILED, table_name=REFERRAL_TABLE, row_id=referral_id, detail={"reason": reason}, at=now)
    conn.commit()


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
