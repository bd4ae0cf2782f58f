"""Migration 0007_i11 adds the one-time password flag, the statistical area code and the imported-visit mark."""
import pytest
from sqlalchemy import create_engine, inspect, text

from server.migrate import downgrade, upgrade

VISIT = ("INSERT INTO visit (id, version, deleted, stamps, household_id, grid_id, coordinator_id, visited_at, outcome,"
         " resident_ids, services, guidance_given, guidance_notes, notes, received_at)"
         " VALUES (:id, 1, false, '{}', 'h', 'g', 'c', '2026-11-02 02:00:00', 'met', '[]', '[]', false, '', '', :got)")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/m.sqlite3"
    return request.getfixturevalue("pg_empty_database")


def test_0007_i11_marks_paper_visits_as_imported_and_goes_back(empty_url):
    upgrade(empty_url, "0006_i18")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text(VISIT), {"id": "paper", "got": None})
        conn.execute(text(VISIT), {"id": "phone", "got": "2026-11-02 03:00:00"})
    upgrade(empty_url, "0007_i11")
    with engine.connect() as conn:
        marks = dict(conn.execute(text("SELECT id, imported FROM visit")).all())
    assert {k: bool(v) for k, v in marks.items()} == {"paper": True, "phone": False}
    assert "must_change_password" in {c["name"] for c in inspect(engine).get_columns("user_account")}
    assert "stat_code" in {c["name"] for c in inspect(engine).get_columns("area")}
    engine.dispose()
    downgrade("0006_i18", empty_url)
    engine = create_engine(empty_url)
    assert "imported" not in {c["name"] for c in inspect(engine).get_columns("visit")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM visit")).scalar() == 2
    engine.dispose()
