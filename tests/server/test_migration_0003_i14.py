"""Migration 0003_i14 gives every stored resident an information record as they stand (dated 1990), and goes back."""
import pytest
from sqlalchemy import create_engine, inspect, text

from server.migrate import downgrade, upgrade

RESIDENT = ("INSERT INTO resident (id, version, deleted, stamps, household_id, grid_id, name, relation, skills,"
            " employer_name, job_wish_occupations, disability, consent_scope, notes, phone, sex)"
            " VALUES (:id, 1, false, '{}', 'h', 'g', '王芳', '', '[]', '', '[]', false, '', '', :phone, 'female')")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/m.sqlite3"
    return request.getfixturevalue("pg_empty_database")


def test_0003_backfills_information_records_and_goes_back(empty_url):
    upgrade(empty_url, "0002")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text(RESIDENT), {"id": "r1", "phone": "13800138000"})
    upgrade(empty_url, "0003_i14")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT resident_id, grid_id, complete, source FROM information_record")).all()
    assert [(r[0], r[1], bool(r[2]), r[3]) for r in rows] == [("r1", "g", False, "backfill")]  # most fields empty
    assert {"community_id", "rating"} <= {c["name"] for c in inspect(engine).get_columns("spot_check")}
    engine.dispose()
    downgrade("0003_i13a", empty_url)
    engine = create_engine(empty_url)
    assert "information_record" not in inspect(engine).get_table_names()
    assert "rating" not in {c["name"] for c in inspect(engine).get_columns("spot_check")}
    engine.dispose()
