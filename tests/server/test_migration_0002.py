"""Migration 0002 keeps conflict rows, lets their values be NULL, adds the visit index, and goes back."""
import pytest
from sqlalchemy import create_engine, inspect, text

from server.migrate import downgrade, upgrade

CONFLICT = ("INSERT INTO conflict (id, version, deleted, stamps, table_name, row_id, field, base_value, value_a,"
            " stamp_a, value_b, stamp_b, winner, state, resolved_value, created_at) VALUES (:id, 1, false, '{}',"
            " 'resident', 'r', 'phone', 'null', '\"a\"', '', '\"b\"', '', 'a', 'open', {resolved}, '2026-11-25')")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/m.sqlite3"
    return request.getfixturevalue("pg_empty_database")


def test_0002_up_and_down_keeps_conflicts(empty_url):
    upgrade(empty_url, "0001")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text(CONFLICT.replace("{resolved}", "'null'")), {"id": "c1"})
    upgrade(empty_url, "0002")
    with engine.begin() as conn:
        conn.execute(text(CONFLICT.replace("{resolved}", "NULL")), {"id": "c2"})
        assert conn.execute(text("SELECT count(*) FROM conflict")).scalar() == 2
    assert "ix_visit_household_visited" in {i["name"] for i in inspect(engine).get_indexes("visit")}
    engine.dispose()
    downgrade("0001", empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM conflict WHERE resolved_value IS NULL")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM conflict")).scalar() == 2
    assert "ix_visit_household_visited" not in {i["name"] for i in inspect(engine).get_indexes("visit")}
    engine.dispose()
