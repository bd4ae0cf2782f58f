"""Audit events: who did what, when, in the caller's transaction (never personal data in ``detail``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from shared.models import AuditEvent, new_id, utc_now

_AUDIT = AuditEvent.__table__


def record_event(conn: Connection, action: str, *, user_id: str | None = None, device_id: str | None = None,
                 table_name: str | None = None, row_id: str | None = None,
                 detail: dict[str, Any] | None = None, at: datetime | None = None) -> str:
    """Add one audit event (the caller commits); ``action`` is a dotted code like ``auth.login``."""
    event_id = new_id()
    conn.execute(insert(_AUDIT).values(
        id=event_id, at=at or utc_now(), user_id=user_id, device_id=device_id, action=action,
        table_name=table_name, row_id=row_id, detail=detail or {},
    ))
    return event_id
