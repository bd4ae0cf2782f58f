"""The stamps column stores the stamp most keys share once and reads back exactly the dict that was written,
on both databases and on the phone; rows written before (plain JSON) read as they are."""
from __future__ import annotations

import json
import sqlite3

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select, text

from shared.models import Household
from shared.stamps_column import MIN_SHARED, SHARED_KEY, pack_stamps, unpack_stamps

STAMP = "1796409893973.00001.62864caf-3563-449f-a9b4-77f5b1efc4e6"
keys = st.one_of(st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True), st.just("_deleted"),
                 st.builds(lambda f, e: f"{f}|{e}", st.sampled_from(["skills", "services"]),
                           st.text(min_size=1, max_size=8).filter(lambda e: "|" not in e)))
stamps = st.dictionaries(keys, st.sampled_from([STAMP, STAMP.replace("00001", "00002"), "1796409893999.00000.x"]),
                         max_size=30)


@given(stamps)
def test_packing_then_unpacking_gives_the_same_stamps_through_json(value):
    packed = pack_stamps(value)
    assert unpack_stamps(json.loads(json.dumps(packed, ensure_ascii=False))) == value
    assert unpack_stamps(value) == value  # a plain (earlier) value reads as it is
    shared = packed.get(SHARED_KEY)
    if shared is not None:  # the shared stamp is written once, for at least MIN_SHARED keys
        assert len(shared[1]) >= MIN_SHARED and all(value[k] == shared[0] for k in shared[1])
        assert all(stamp != shared[0] for key, stamp in packed.items() if key != SHARED_KEY)


def test_a_new_rows_stamps_are_written_once():
    row = {f"field_{i}": STAMP for i in range(25)}
    packed = json.dumps(pack_stamps(row))
    assert packed.count(STAMP) == 1 and len(packed) < len(json.dumps(row)) / 2


def _household(stamps: dict) -> dict:
    return {"id": "h-1", "grid_id": "g-1", "community_id": "c-1", "street_id": "s-1", "address": "幸福路1号",
            "version": 1, "deleted": False, "stamps": stamps}


def test_the_column_stores_packed_json_and_reads_the_dict_on_both_databases(any_engine):
    engine = any_engine
    table = Household.__table__
    written = {**{f"field_{i}": STAMP for i in range(6)}, "notes": STAMP.replace("00001", "00007")}
    with engine.begin() as conn:
        conn.execute(insert(table), [_household(written)])
        raw = conn.execute(text("SELECT CAST(stamps AS TEXT) FROM household WHERE id = 'h-1'")).scalar()
        read = conn.execute(select(table.c.stamps).where(table.c.id == "h-1")).scalar()
        conn.execute(text("UPDATE household SET stamps = :plain WHERE id = 'h-1'"), {"plain": json.dumps(written)})
        earlier = conn.execute(select(table.c.stamps).where(table.c.id == "h-1")).scalar()
    assert read == written == earlier
    assert json.loads(raw) == pack_stamps(written) and raw.count(STAMP) == 1


def test_the_phone_stores_a_pulled_rows_stamps_packed(tmp_path):
    from mobile.store.db import DB_FILE_NAME
    from tests.mobile.test_store import household, open_store

    store = open_store(tmp_path)
    home = household(store, notes="走访")
    stamps = store.all_rows("household")[0]["stamps"]
    store.close()
    with sqlite3.connect(tmp_path / DB_FILE_NAME) as raw:
        stored = json.loads(raw.execute("SELECT stamps FROM household WHERE id = ?", (home,)).fetchone()[0])
    assert len(stamps) >= MIN_SHARED and SHARED_KEY in stored and unpack_stamps(stored) == stamps
