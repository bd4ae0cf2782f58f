"""Audit events: who did what, when, in the caller's transaction (never personal data in ``detail``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from server.services.record_ids import record_ids
from shared.models import AuditEvent, utc_now

_AUDIT = AuditEvent.__table__


def record_event(conn: Connection, action: str, *, user_id: str | None = None, device_id: str | None = None,
                 table_name: str | None = None, row_id: str | None = None,
                 detail: dict[str, Any] | None = None, at: datetime | None = None) -> str:
    """Add one audit event (the caller commits); ``action`` is a dotted code like ``auth.login``."""
    at = at or utc_now()
    event_id = record_ids(at, 1)[0]  # time first: the audit table only grows
    conn.execute(insert(_AUDIT).values(
        id=event_id, at=at, user_id=user_id, device_id=device_id, action=action,
        table_name=table_name, row_id=row_id, detail=detail or {},
    ))
    return event_id
