"""`doorstep sync purge` deletes old tombstones, raises the horizon, and a phone behind it must resync."""
import pytest
from sqlalchemy import select

from doorstep.cli import main
from server.db import make_engine
from server.errors import ApiError
from server.migrate import upgrade
from server.services.change_log import LogEntry, record_changes
from server.services.scope import Scope
from server.services.sync_pull import pull_changes
from shared.models import Household, SyncState, new_id


def test_purge_removes_old_tombstones_and_raises_horizon(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/server.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    grid = new_id()
    ids = [new_id() for _ in range(3)]
    with engine.begin() as conn:
        conn.execute(Household.__table__.insert(), [
            {"id": i, "community_id": new_id(), "grid_id": grid, "stamps": {}, "deleted": n < 2}
            for n, i in enumerate(ids)])
        record_changes(conn, [LogEntry("household", i, grid_id=grid) for i in ids])
    assert main(["sync", "purge", "--keep-versions", "0", "--url", url]) == 0
    assert "purged 2 tombstones" in capsys.readouterr().out
    with engine.connect() as conn:
        left = {r[0] for r in conn.execute(select(Household.__table__.c.id))}
        horizon = conn.execute(select(SyncState.__table__.c.tombstone_horizon)).scalar()
    assert left == {ids[2]}
    assert horizon == 3
    assert main(["sync", "status", "--url", url]) == 0
    assert "tombstone horizon 3, tombstones 0" in capsys.readouterr().out
    behind = Scope(user_id=new_id(), role="coordinator", grid_ids=frozenset({grid}))
    with engine.connect() as conn:
        with pytest.raises(ApiError) as error:
            pull_changes(conn, behind, cursor=1, limit=10, now_ms=0)
        assert error.value.code == "sync.resync_required"
        page = pull_changes(conn, behind, cursor=0, limit=10, now_ms=0)
    assert [row["id"] for row in page["rows"]] == [ids[2]]
    engine.dispose()
