"""The phone keeps the shared model's indexes that its queries use, and not the index over sealed ID numbers
(each cell has its own nonce, so that index orders ciphertext); a number is still found by its hashes."""
from __future__ import annotations

import sqlite3

from mobile.store import MemoryKeyStore
from mobile.store.db import DB_FILE_NAME, PHONE_UNUSED_INDEXES
from tests.mobile.test_store import ID_2, PIN, household, open_store, resident


def _indexes(path, table: str) -> set[str]:
    with sqlite3.connect(path / DB_FILE_NAME) as raw:
        return {row[1] for row in raw.execute(f'PRAGMA index_list("{table}")')}


def test_a_new_store_has_no_index_over_sealed_id_numbers_and_finds_a_number_by_its_hashes(tmp_path):
    store = open_store(tmp_path)
    person = resident(store, household(store))
    assert "ix_resident_id_number" not in _indexes(tmp_path, "resident")
    assert {"ix_resident_household_id", "ix_resident_grid_id"} <= _indexes(tmp_path, "resident")
    assert [r["id"] for r in store.find_by_id_number(ID_2)] == [person]
    store.close()


def test_a_store_made_with_the_index_loses_it_on_open_and_keeps_its_rows(tmp_path):
    keys = MemoryKeyStore()
    store = open_store(tmp_path, keys)
    person = resident(store, household(store))
    store.close()
    with sqlite3.connect(tmp_path / DB_FILE_NAME) as raw:  # as a store of an earlier version has it
        raw.execute("CREATE INDEX ix_resident_id_number ON resident (id_number)")
    assert "ix_resident_id_number" in _indexes(tmp_path, "resident")
    again = open_store(tmp_path, keys, provision=False)
    again.unlock(PIN)
    assert not set(PHONE_UNUSED_INDEXES) & _indexes(tmp_path, "resident")
    assert [r["id"] for r in again.find_by_id_number(ID_2)] == [person]
    again.close()


def test_residents_and_households_keep_only_the_indexes_the_phone_reads_them_by(tmp_path):
    store = open_store(tmp_path)
    home = household(store)
    person = resident(store, home)
    resident_indexes = {i for i in _indexes(tmp_path, "resident") if not i.startswith("sqlite_autoindex")}
    household_indexes = {i for i in _indexes(tmp_path, "household") if not i.startswith("sqlite_autoindex")}
    assert resident_indexes == {"ix_resident_household_id", "ix_resident_grid_id"}
    assert household_indexes == {"ix_household_grid_id"}
    with sqlite3.connect(tmp_path / DB_FILE_NAME) as raw:  # a household's members and a grid's rows use them
        members = raw.execute("EXPLAIN QUERY PLAN SELECT * FROM resident WHERE deleted = 0 AND household_id = ?",
                              (home,)).fetchall()
        grid = raw.execute("EXPLAIN QUERY PLAN SELECT id FROM household WHERE grid_id = ?", ("g",)).fetchall()
    assert "ix_resident_household_id" in str(members) and "ix_household_grid_id" in str(grid)
    assert [r["id"] for r in store.rows("resident", household_id=home)] == [person]
    store.close()
