"""The SQLite file's connection settings: WAL, foreign keys, a page cache and checkpoints sized for pushes."""
from __future__ import annotations

from server.db import SQLITE_CACHE_KIB, SQLITE_CHECKPOINT_PAGES, make_engine


def test_every_connection_to_a_sqlite_file_gets_the_settings(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        for _ in range(2):  # a second pooled connection too
            with engine.connect() as conn:
                pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
                assert pragma("journal_mode") == "wal"
                assert pragma("synchronous") == 1  # NORMAL
                assert pragma("foreign_keys") == 1
                assert pragma("cache_size") == -SQLITE_CACHE_KIB
                assert pragma("wal_autocheckpoint") == SQLITE_CHECKPOINT_PAGES
    finally:
        engine.dispose()
    assert SQLITE_CACHE_KIB > 2048 and SQLITE_CHECKPOINT_PAGES > 1000  # above SQLite's defaults
