"""A phone never downloads what it has just uploaded: the push answers carry the versions, the pull skips the
phone's own rows when its merge of the answers equals the server's row, and sends every other one."""
from __future__ import annotations

import json

import pytest

from tests.sync.device_kit import Cloud, Phone, differences
from tests.sync.server_kit import TestPhone, served


@pytest.fixture
def setup(any_engine):
    with served(any_engine) as parts:
        yield parts


def _pull(phone: TestPhone, **own: int) -> list[dict]:
    query = "".join(f"&{name}={value}" for name, value in own.items())
    got, cursor = [], phone.cursor
    while True:
        page = phone.client.get(f"/api/v1/sync/pull?cursor={cursor}&limit=500{query}", token=phone.token).json()
        got += page["rows"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return got


def test_the_pull_skips_only_rows_the_pushing_phone_holds_as_stored(setup):
    engine, world, client = setup
    phone, colleague = TestPhone(client, "coord_a1"), TestPhone(client, "coord_a1")
    phone.pull()
    colleague.pull()
    seen_at = phone.cursor
    grid = world.areas["grid_a1"]
    resident, other = world.residents["grid_a1"], world.households["grid_a1"]
    # the colleague changes the household after this phone last pulled: the phone's push merges onto that
    assert colleague.push([colleague.edit("household", other.id, {"notes": "同事改的"})])["results"][0][
        "status"] == "applied"
    changes = [
        phone.create("household", {"grid_id": grid.id, "community_id": grid.community_id,
                                   "street_id": grid.street_id, "address": "幸福路9号", "building": "", "unit": "",
                                   "room": ""}),  # exactly as sent
        phone.edit("resident", resident.id, {"phone": "１３９００１３９０００"}),  # the server folds full-width digits
        phone.edit("household", other.id, {"low_income": True}),  # merged with the colleague's change
    ]
    answer = phone.push(changes)
    assert [r["status"] for r in answer["results"]] == ["applied"] * 3, answer
    versions = {c["row_id"]: r["version"] for c, r in zip(changes, answer["results"], strict=True)}
    assert all(isinstance(v, int) and v > seen_at for v in versions.values())
    since = min(versions.values())

    rows = {r["id"]: r for r in _pull(phone, own_from=since, own_cursor=seen_at)}
    created = changes[0]["row_id"]
    assert created not in rows  # the phone has it as stored: not sent back
    # cleaned by the server: the answer carries the stored value, so the phone need not download the row
    assert answer["results"][1]["fields"] == {"phone": "13900139000"} and resident.id not in rows
    assert answer["results"][0]["fields"] == {} == answer["results"][2]["fields"]
    sent = phone.wire_answer["results"]  # nothing cleaned, nothing refused: the answer as sent leaves those out
    assert "fields" not in sent[0] and "code" not in sent[0] and sent[1]["fields"] == {"phone": "13900139000"}
    assert rows[other.id]["fields"]["notes"] == "同事改的"  # merged with another's change: sent back
    assert {r["version"] for r in rows.values()} >= {versions[other.id]}
    # without the parameters, or for any other device, nothing is skipped
    assert created in {r["id"] for r in _pull(phone)}
    assert created in {r["id"] for r in colleague.pull()}
    # a store that lost its rows (its pushes were answered before ``own_from``) gets them again
    assert created in {r["id"] for r in _pull(phone, own_from=max(versions.values()) + 1, own_cursor=seen_at)}


def _new_home(phone: Phone, grid, address: str, **more: str) -> str:
    """A household saved on the phone (its outbox), in ``grid``."""
    return phone.store.save("household", {"grid_id": grid.id, "community_id": grid.community_id,
                                          "street_id": grid.street_id, "address": address, **more}, now=phone.now())


def test_a_phones_sync_pulls_back_none_of_its_own_work_and_still_equals_the_server(tmp_path):
    cloud = Cloud(coordinators=1)
    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    try:
        phone.sync()
        grid = cloud.grid
        homes = [_new_home(phone, grid, f"幸福路{i}号") for i in range(30)]
        person = cloud.world.residents["grid_a1"].id
        phone.store.save("resident", {"notes": "会电焊", "skills": ["电工"]}, row_id=person, now=phone.now())
        phone.transport.pushes.clear()
        summary = phone.sync()
        assert summary.pushed == 31 and summary.pulled == 0
        for home in homes:
            assert phone.store.get("household", home)["version"] == cloud.row("household", home)["version"] > 0
        assert differences(cloud.server_view(phone.user_id), phone.view()) == []
        # the push went compressed: fewer bytes on the wire than its JSON
        assert summary.bytes_sent < sum(len(body) for body in phone.transport.pushes) / 2
        assert json.loads(phone.transport.pushes[0])["changes"][0]["table"] == "household"
        # a second phone's edit of one of them comes down to the first
        other = Phone(cloud, "coord_a1", tmp_path / "other")
        other.sync()
        other.store.save("household", {"notes": "二号机"}, row_id=homes[0], now=other.now())
        other.sync()
        assert phone.sync().pulled == 1 and phone.store.get("household", homes[0])["notes"] == "二号机"
        # a phone whose synced rows were dropped (a resync from zero) gets its own earlier work back
        assert phone.store.reset_for_resync() and phone.store.get("household", homes[1]) is None
        _new_home(phone, grid, "新的一户")
        phone.sync()
        assert all(phone.store.get("household", home) is not None for home in homes)
        assert differences(cloud.server_view(phone.user_id), phone.view()) == []
        other.close()
    finally:
        phone.close()
        cloud.close()


def test_a_new_rows_stamp_travels_once_and_means_every_field(setup):
    engine, world, client = setup
    phone = TestPhone(client, "coord_a1")
    phone.pull()
    grid = world.areas["grid_a1"]
    change = phone.create("household", {"grid_id": grid.id, "community_id": grid.community_id,
                                        "street_id": grid.street_id, "address": "幸福路11号", "building": "2",
                                        "unit": "", "room": "", "low_income": True})
    one = change["stamps"].pop("address")
    assert set(change.pop("stamps").values()) == {one}
    answer = phone.push([{**change, "stamp": one}])
    assert answer["results"][0]["status"] == "applied", answer
    stored = next(r for r in phone.pull() if r["id"] == change["row_id"])
    assert stored["stamps"] == {"address": one, "grid_id": one, "community_id": one, "street_id": one,
                                "low_income": one}
    # not both forms at once, and not on a delete
    both = phone.edit("household", change["row_id"], {"notes": "x"})
    both["stamp"] = both["stamps"]["notes"]
    deleting = {**phone.delete("household", change["row_id"]), "stamp": one}
    results = phone.push([both, deleting])["results"]
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "sync.invalid_value")] * 2


def test_the_phones_file_gives_back_what_a_push_freed(tmp_path):
    cloud = Cloud(coordinators=1)
    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    try:
        phone.sync()
        grid = cloud.grid
        for i in range(400):
            _new_home(phone, grid, f"幸福路{i}号", notes="走访情况良好，" * 40)
        phone.sync()
        raw = phone.store.engine.raw_connection()
        try:
            pages, free = (raw.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count"))
            assert raw.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
        finally:
            raw.close()
        assert free * 10 < pages  # the outbox's pages went back: the file is its live data
        wal = tmp_path / "phone" / "doorstep.sqlite3-wal"
        assert not wal.exists() or wal.stat().st_size < 64 * 1024
    finally:
        phone.close()
        cloud.close()


def test_values_the_server_stores_other_than_sent_come_in_the_answer_not_by_the_pull(tmp_path, monkeypatch):
    """A phone whose cleaning lags the server's (an older app): the answer names the stored values, the phone
    merges them, holds the rows as stored, and its pull downloads none of them."""
    from server.services import sync_push
    from shared.sync_codec import clean_row_changes

    def stricter(table, values, *, today):  # the server folds notes to upper case; this phone does not
        cleaned, changed = clean_row_changes(table, values, today=today)
        if cleaned.get("notes"):
            cleaned["notes"] = changed["notes"] = cleaned["notes"].upper()
        return cleaned, changed

    monkeypatch.setattr(sync_push, "clean_row_changes", stricter)
    cloud = Cloud(coordinators=1)
    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    try:
        phone.sync()
        home = _new_home(phone, cloud.grid, "幸福路1号", notes="new home")
        person = cloud.world.residents["grid_a1"].id
        phone.store.save("resident", {"notes": "welder"}, row_id=person, now=phone.now())
        summary = phone.sync()
        assert summary.pushed == 2 and summary.pulled == 0
        assert phone.store.get("household", home)["notes"] == "NEW HOME" == cloud.row("household", home)["notes"]
        assert phone.store.get("resident", person)["notes"] == "WELDER" == cloud.row("resident", person)["notes"]
        assert differences(cloud.server_view(phone.user_id), phone.view()) == []
        assert phone.sync().pulled == 0
    finally:
        phone.close()
        cloud.close()
