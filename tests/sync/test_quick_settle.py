"""A push answer names the row's version before the push (``prior_version``) only when the phone's row is the
stored one once it takes the new version; the phone then settles the row by its version alone, and a row whose
answer says otherwise is merged as before, so the phone still equals the server."""
from __future__ import annotations

import pytest

import mobile.store.syncing as syncing
from tests.sync.device_kit import Cloud, Phone, differences
from tests.sync.server_kit import TestPhone, served


@pytest.fixture
def setup(any_engine):
    with served(any_engine) as parts:
        yield parts


def _version(phone: TestPhone, table: str, row_id: str) -> int:
    return phone.rows[(table, row_id)]["version"]


def test_the_answer_names_the_prior_version_only_when_every_sent_stamp_won(setup):
    engine, world, client = setup
    phone, colleague = TestPhone(client, "coord_a1"), TestPhone(client, "coord_a1")
    late = TestPhone(client, "coord_a1", clock_offset_ms=-3_600_000)  # its clock an hour behind
    for device in (phone, colleague, late):
        device.pull()
    resident, home = world.residents["grid_a1"], world.households["grid_a1"]
    before = _version(phone, "resident", resident.id)

    answer = phone.push([phone.edit("resident", resident.id, {"notes": "会电焊"})])["results"][0]
    assert answer["status"] == "applied" and answer["prior_version"] == before < answer["version"]
    # two changes of one row in a batch: both name the version before the first
    first, second = phone.push([phone.edit("household", home.id, {"notes": "一"}),
                                phone.edit("household", home.id, {"low_income": True})])["results"]
    assert first["prior_version"] == second["prior_version"] == _version(phone, "household", home.id)

    # a stamp that loses the merge (an hour older than the colleague's, the same value: no conflict): applied,
    # but the phone's row is not the stored one (it holds its own stamp), so no prior version
    assert colleague.push([colleague.edit("resident", resident.id, {"training_wish": "厨师"})])["results"][0][
        "status"] == "applied"
    stale = late.edit("resident", resident.id, {"training_wish": "厨师"})
    lost = late.push([stale])["results"][0]
    assert lost["status"] == "applied" and lost["prior_version"] is None
    stored = next(r for r in late.pull() if r["id"] == resident.id)
    assert stored["stamps"]["training_wish"] > stale["stamps"]["training_wish"]

    # a conflict, and a create: the create's row was nothing before (0)
    conflicting = phone.edit("resident", resident.id, {"training_wish": "面点师"})  # base: what it saw, stale
    created = phone.create("household", {"grid_id": world.areas["grid_a1"].id,
                                         "community_id": world.areas["grid_a1"].community_id,
                                         "street_id": world.areas["grid_a1"].street_id, "address": "幸福路3号",
                                         "building": "", "unit": "", "room": ""})
    results = phone.push([conflicting, created])["results"]
    assert results[0]["status"] == "conflict" and results[0]["prior_version"] is None
    assert results[1]["status"] == "applied" and results[1]["prior_version"] == 0


def test_a_phone_settles_its_own_edits_by_version_and_merges_the_rest(tmp_path, monkeypatch):
    opened: list[tuple[str, str]] = []
    settle_row = syncing._settle_row

    def counting(settled, key, *args, **kwargs):
        opened.append(key)
        return settle_row(settled, key, *args, **kwargs)

    monkeypatch.setattr(syncing, "_settle_row", counting)
    cloud = Cloud(coordinators=1)
    phone = Phone(cloud, "coord_a1", tmp_path / "phone")
    other = Phone(cloud, "coord_a1", tmp_path / "other")
    try:
        phone.sync()
        other.sync()
        person = cloud.world.residents["grid_a1"].id
        home = cloud.world.households["grid_a1"].id
        # another phone changes one field of the household meanwhile: this phone's edit merges onto it
        other.store.save("household", {"notes": "二号机"}, row_id=home, now=other.now())
        other.sync()
        phone.store.save("resident", {"notes": "会电焊", "skills": ["电工"]}, row_id=person, now=phone.now())
        phone.store.save("resident", {"notes": "会电焊，也会开叉车"}, row_id=person, now=phone.now())
        phone.store.save("household", {"low_income": True}, row_id=home, now=phone.now())
        opened.clear()
        summary = phone.sync()
        assert summary.rejected == [] and summary.pushed == 3
        # the resident: both answers named the version the phone held, so its row was not opened; the household
        # had the other phone's change in between: merged as before, and its row comes by the pull
        assert ("resident", person) not in opened and ("household", home) in opened
        assert summary.pulled == 1
        for table, row_id in (("resident", person), ("household", home)):
            assert phone.store.get(table, row_id)["version"] == cloud.row(table, row_id)["version"]
        assert phone.store.get("household", home)["notes"] == "二号机"
        assert phone.store.get("resident", person)["skills"] == ["电工"]
        assert differences(cloud.server_view(phone.user_id), phone.view()) == []
        # the next edits of the resident, in two batches: the first is merged (the second is still pending then),
        # the second settles from the version the first answer gave
        phone.store.save("resident", {"notes": "已推荐"}, row_id=person, now=phone.now())
        phone.store.save("resident", {"skills": []}, row_id=person, now=phone.now())
        opened.clear()
        phone.sync(push_batch=1)  # (the row comes back by the pull: its feed entry's prior version is batch 1's)
        assert opened == [("resident", person)]
        assert phone.store.get("resident", person)["skills"] == [] == cloud.row("resident", person)["skills"]
        assert differences(cloud.server_view(phone.user_id), phone.view()) == []
    finally:
        other.close()
        phone.close()
        cloud.close()
