"""The server's growing tables (information records, audit events) get time-first keys of the record's time."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone


def test_the_servers_record_ids_are_fresh_and_of_their_time():
    from server.services.record_ids import record_ids

    at = datetime(2026, 12, 4, 19, 30, tzinfo=timezone.utc)
    ids = record_ids(at, 500)
    assert len(set(ids)) == 500 and record_ids(at, 0) == []
    assert {uuid.UUID(i).int >> 80 for i in ids} == {int(at.timestamp() * 1000)}
    assert max(record_ids(at - timedelta(milliseconds=1), 50)) < min(ids)


def test_an_audit_event_gets_a_time_first_key_of_its_time():
    from sqlalchemy import select

    from server.db import make_engine
    from server.migrate import server_metadata
    from server.services.audit import record_event
    from shared.models import AuditEvent

    engine = make_engine("sqlite://")
    server_metadata().create_all(engine)
    at = datetime(2026, 12, 4, 19, 30, tzinfo=timezone.utc)
    with engine.begin() as conn:
        first = record_event(conn, "auth.login", at=at)
        second = record_event(conn, "auth.login", at=at + timedelta(seconds=1))
        stored = conn.execute(select(AuditEvent.__table__.c.id).order_by(AuditEvent.__table__.c.id)).scalars().all()
    engine.dispose()
    assert stored == [first, second] and uuid.UUID(first).version == 7
    assert uuid.UUID(first).int >> 80 == int(at.timestamp() * 1000)
