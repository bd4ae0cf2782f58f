"""Migration 0004_i15 gives every existing referral its own check token, indexes audit events, and goes back."""
import pytest
from sqlalchemy import create_engine, inspect, text

from server.migrate import downgrade, upgrade

REFERRAL = ("INSERT INTO referral (id, version, deleted, stamps, resident_id, vacancy_id, grid_id, code, created_at,"
            " status) VALUES (:id, 1, false, '{}', 'r', 'v', 'g', 'ABCD1234', '2026-11-25', 'referred')")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/m.sqlite3"
    return request.getfixturevalue("pg_empty_database")


def test_0004_i15_backfills_random_tokens_and_goes_back(empty_url):
    upgrade(empty_url, "0003_i16")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(text(REFERRAL), {"id": f"ref{n}"})
    upgrade(empty_url, "0004_i15")
    with engine.connect() as conn:
        tokens = conn.execute(text("SELECT check_token FROM referral")).scalars().all()
    assert len(set(tokens)) == 3 and all(len(t) == 20 for t in tokens)
    assert "ix_audit_event_action_row_at" in {i["name"] for i in inspect(engine).get_indexes("audit_event")}
    engine.dispose()
    downgrade("0003_i16", empty_url)
    engine = create_engine(empty_url)
    assert "check_token" not in {c["name"] for c in inspect(engine).get_columns("referral")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM referral")).scalar() == 3
    engine.dispose()
