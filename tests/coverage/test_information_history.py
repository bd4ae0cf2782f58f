"""Information as it stood at a period's end: a phone number filled in December leaves October's rate alone."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from sqlalchemy import select

from server.services.coverage import grid_counts
from shared import coverage as cov
from shared.models import InformationRecord
from tests.sync.server_kit import TestPhone, served

SEPTEMBER, OCTOBER, DECEMBER = (cov.Period.month(m) for m in ("2026-09", "2026-10", "2026-12"))
FIELDS = {"name": "刘洋", "id_number": "110105199003070017", "sex": "male", "birth_date": "1990-03-07", "education": "senior",
          "employment_status": "unemployed", "employment_since": None, "employer_name": "",
          "unemployment_registered": True, "unemployment_registered_on": "2026-09-01",
          "job_wish_occupations": ["4-10-01"], "job_wish_min_wage": 3000, "training_wish": ""}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def counts(engine, grid_id: str, period: cov.Period) -> tuple[int, int, int]:
    with engine.connect() as conn:
        c = grid_counts(conn, [grid_id], period).get(grid_id, cov.CoverageCounts())
    return c.registered, c.entered, c.complete


def test_a_field_filled_later_does_not_change_an_earlier_period(any_engine, monkeypatch):
    with served(any_engine) as (engine, world, client):
        phone = TestPhone(client, "coord_a1")
        phone.pull()
        household = world.households["grid_a1"]
        grid = household.grid_id
        before = {p.label: counts(engine, grid, p) for p in (SEPTEMBER, OCTOBER, DECEMBER)}
        client.app.state.clock = lambda: at(2026, 10, 20, 2)  # the server's sync time
        person = phone.create("resident", {"household_id": household.id, "grid_id": grid, **FIELDS})
        rid = person["row_id"]
        facts = [phone.create("status_record", {"resident_id": rid, "grid_id": grid, "kind": kind,
                                                "value": value, "effective_on": "2026-09-01"})
                 for kind, value in (("registration", "registered"), ("employment", "unemployed"),
                                     ("ability", "able"))]
        phone.push([person, *facts])  # entered on 20 October without a phone number
        client.app.state.clock = lambda: at(2026, 12, 3, 2)  # the server's sync time
        phone.push([phone.edit("resident", rid, {"notes": "下午在家"})])  # completeness unchanged: no record
        phone.push([phone.edit("resident", rid, {"phone": "13912345678"})])  # filled on 3 December
        with engine.connect() as conn:
            table = InformationRecord.__table__
            records = conn.execute(select(table).where(table.c.resident_id == rid)
                                   .order_by(table.c.recorded_at)).mappings().all()
        after = {p.label: counts(engine, grid, p) for p in (SEPTEMBER, OCTOBER, DECEMBER)}
    assert [(r["complete"], r["missing"], r["source"]) for r in records] == [
        (False, ["phone"], "phone"), (True, [], "phone")]
    assert records[0]["recorded_at"].date() == date(2026, 10, 20)
    # keys of their sync time, time first (UUIDv7): the later record's key sorts after the earlier one's
    keys = [uuid.UUID(r["id"]) for r in records]
    assert [k.version for k in keys] == [7, 7] and records[0]["id"] < records[1]["id"]
    assert [k.int >> 80 for k in keys] == [int(at(2026, 10, 20, 2).timestamp() * 1000),
                                           int(at(2026, 12, 3, 2).timestamp() * 1000)]

    def added(label):  # what the new person adds: (registered, entered, complete)
        return tuple(a - b for a, b in zip(after[label], before[label], strict=True))

    assert added("2026-09") == (1, 0, 0)  # registered since 1 September, entered only on 20 October
    assert added("2026-10") == (1, 1, 0)  # entered, the phone number still missing at 31 October
    assert added("2026-12") == (1, 1, 1)  # complete from 3 December


def test_the_latest_record_is_the_latest_time_then_the_largest_id(any_engine):
    from server.services.information_history import latest_records

    table = InformationRecord.__table__
    older, same = at(2026, 10, 1, 2), at(2026, 11, 5, 2)
    rows = [  # (id, resident, recorded_at, complete, missing)
        ("00000000-0000-7000-8000-000000000009", "p1", older, True, []),  # the largest id, but an earlier time
        ("00000000-0000-7000-8000-000000000002", "p1", same, False, ["phone"]),
        ("00000000-0000-7000-8000-000000000003", "p1", same, False, ["education"]),  # same time, larger id
        ("00000000-0000-7000-8000-000000000001", "p2", older, False, ["phone"]),
        ("00000000-0000-7000-8000-000000000004", "p3", same, True, []),
    ]
    with any_engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "resident_id": r, "grid_id": "g", "recorded_at": t, "complete": c,
                                       "missing": m, "source": "phone"} for i, r, t, c, m in rows])
    with any_engine.connect() as conn:
        latest = latest_records(conn, ["p1", "p2", "p3", "p4"])
    assert latest == {"p1": (False, ["education"]), "p2": (False, ["phone"]), "p3": (True, [])}
