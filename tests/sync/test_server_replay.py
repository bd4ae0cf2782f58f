"""Randomized: replaying pushes in any slices changes nothing, and two phones' edits converge in any order."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from server.services.change_log import record_changes
from server.services.scope import load_scope
from server.services.sync_push import new_row, push_changes
from server.services.sync_rows import encode_fields, row_scope
from shared.hlc import Stamp
from shared.models import Device, Resident, SQLModel, server_tables
from shared.sync_protocol import PushRequest
from tests.conftest import hypothesis_examples, sqlite_memory_engine
from tests.sync.server_kit import dump, feed_world

NOW = datetime(2026, 5, 1, 2, 0, tzinfo=timezone.utc)
BASE_MS = int(NOW.timestamp() * 1000) - 60_000
DEVICE_IDS = {"coord_a1": "00000000-0000-4000-8000-00000000000a",
              "manager_a": "00000000-0000-4000-8000-00000000000b"}
ROW = "00000000-0000-4000-8000-0000000000f1"  # the resident both phones edit (grid a1)
EXAMPLES = settings(max_examples=hypothesis_examples(25), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=1)
def _template():
    """The world and two devices, built once; each example gets a copy of this database."""
    engine = sqlite_memory_engine()
    SQLModel.metadata.create_all(engine, tables=server_tables())
    world = feed_world(engine)
    with engine.begin() as conn:
        for username, device_id in DEVICE_IDS.items():
            conn.execute(insert(Device.__table__).values(id=device_id, user_id=world.users[username].id,
                                                         token_hash=device_id, created_at=NOW, last_seq=0))
        home = world.households["grid_a1"]
        row = {**new_row("resident", ROW), "household_id": home.id, "grid_id": home.grid_id,
               "community_id": home.community_id}
        conn.execute(insert(Resident.__table__).values(**row))
        record_changes(conn, [row_scope("resident", row)])
    return engine, world


def _fresh():
    template, world = _template()
    engine = sqlite_memory_engine()
    source, target = template.raw_connection(), engine.raw_connection()
    try:
        source.driver_connection.backup(target.driver_connection)
    finally:
        source.close()
        target.close()
    return engine, world, dict(DEVICE_IDS)


def _push(engine, world, username, device_id, changes):
    with engine.connect() as conn:
        scope = load_scope(conn, world.users[username].id)
        conn.commit()
        request = PushRequest(device_id=device_id, changes=changes)
        return push_changes(conn, world.users[username].id, device_id, scope, request, NOW)


FIELDS = st.sampled_from([
    ("notes", lambda draw: draw(st.sampled_from(["甲", "乙", "丙"]))),
    ("education", lambda draw: draw(st.sampled_from(["senior", "college", "none"]))),
    ("phone", lambda draw: draw(st.sampled_from(["13800138000", "13900139000", "bad"]))),
])


@st.composite
def edits(draw, device_id, target_ids, count):
    """``count`` changes by one phone: plain fields, the employment group, skills, now and then a delete."""
    changes, seq = [], 0
    for _ in range(count):
        seq += 1
        row_id = draw(st.sampled_from(target_ids))
        stamp = Stamp(BASE_MS + draw(st.integers(0, 50)) * 10 + seq, 0, device_id).encode()
        kind = draw(st.integers(0, 9))
        if kind == 9:
            changes.append({"seq": seq, "table": "resident", "row_id": row_id, "op": "delete", "delete_stamp": stamp})
        elif kind >= 7:
            changes.append({"seq": seq, "table": "resident", "row_id": row_id, "set_ops": {"skills": [
                {"element": draw(st.sampled_from(["家政", "电工"])), "present": draw(st.booleans()), "stamp": stamp}]}})
        elif kind >= 5:
            changes.append({"seq": seq, "table": "resident", "row_id": row_id,
                            "fields": {"employment_status": draw(st.sampled_from(["employed", "unemployed"])),
                                       "employment_since": None, "employer_name": draw(st.sampled_from(["", "某厂"]))},
                            "stamps": {"employment": stamp}})
        else:
            name, value = draw(FIELDS)
            changes.append({"seq": seq, "table": "resident", "row_id": row_id, "fields": {name: value(draw)},
                            "stamps": {name: stamp}})
    return changes


@EXAMPLES
@given(st.data())
def test_replaying_any_slices_of_pushes_any_number_of_times_changes_nothing(data):
    engine, world, devices = _fresh()
    targets = [ROW, world.residents["grid_a2"].id]
    changes = data.draw(edits(devices["manager_a"], targets, data.draw(st.integers(1, 8))))
    cut = data.draw(st.integers(0, len(changes)))
    first = {}
    for part in (changes[:cut], changes[cut:]):
        if part:
            first.update((r.seq, r) for r in _push(engine, world, "manager_a", devices["manager_a"], part).results)
    before = dump(engine)
    for _ in range(data.draw(st.integers(1, 3))):
        start = data.draw(st.integers(0, len(changes) - 1))
        end = data.draw(st.integers(start + 1, len(changes)))
        answer = _push(engine, world, "manager_a", devices["manager_a"], changes[start:end])
        for result in answer.results:  # a refusal is answered again as a refusal, everything else is a duplicate
            was = first[result.seq]
            assert (result.status, result.code) == (("rejected", was.code) if was.status == "rejected"
                                                    else ("duplicate", None))
        assert dump(engine) == before
    engine.dispose()


@EXAMPLES
@given(st.data())
def test_two_phones_edits_give_the_same_row_in_either_arrival_order(data):
    drawn = {username: data.draw(edits(DEVICE_IDS[username], [ROW], data.draw(st.integers(1, 5))))
             for username in ("coord_a1", "manager_a")}
    rows = []
    for arrival in (("coord_a1", "manager_a"), ("manager_a", "coord_a1")):
        engine, world, devices = _fresh()
        for username in arrival:
            _push(engine, world, username, devices[username], drawn[username])
        with engine.connect() as conn:
            table = Resident.__table__
            row = dict(conn.execute(select(table).where(table.c.id == ROW)).mappings().one())
        engine.dispose()
        if row["deleted"]:  # a tombstone's fields freeze when it is deleted: only the tombstone must agree
            rows.append(("deleted", row["stamps"]["_deleted"]))
        else:
            rows.append((encode_fields("resident", row), row["stamps"]))
    assert rows[0] == rows[1]
