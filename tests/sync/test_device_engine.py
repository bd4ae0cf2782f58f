"""The device sync engine against the real app in process: scenarios of one or two phones.

Each test names what a coordinator lives through: a first sync, a lost
connection, an expired sign-in, a change the server refuses, a sync that
dies while a page is being applied, a phone that was away too long.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import httpx
import pytest

from mobile.sync import AuthExpired, ServerUnreachable, SyncSummary
from mobile.sync import engine as engine_module
from server.services.sync_pull import purge_tombstones
from tests.sync.device_kit import BASE_URL, Cloud, InjectedFault, Phone, differences


@pytest.fixture
def cloud():
    c = Cloud(coordinators=1)
    yield c
    c.close()


@pytest.fixture
def phones(cloud, tmp_path):
    made: list[Phone] = []

    def make(username: str = "coord_a1") -> Phone:
        phone = Phone(cloud, username, tmp_path / f"phone{len(made)}")
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.close()


def assert_same_as_server(cloud: Cloud, phone: Phone) -> None:
    assert differences(cloud.server_view(phone.user_id), phone.view()) == []


def new_household(phone: Phone, cloud: Cloud, **fields) -> str:
    grid = cloud.grid
    values = {"grid_id": grid.id, "community_id": grid.community_id, "street_id": grid.street_id,
              "address": "幸福路8号"}
    values.update(fields)
    return phone.store.save("household", values, now=phone.now())


def total_rows(phone: Phone) -> int:
    return sum(len(rows) for rows in phone.view().values())


# --- the ordinary day ---------------------------------------------------------------------


def test_first_sync_brings_exactly_the_coordinators_area(cloud, phones):
    phone = phones()
    summary = phone.sync()
    assert summary.pulled > 0 and summary.pushed == 0
    w = cloud.world
    households = phone.store.all_rows("household")
    assert [h["id"] for h in households] == [w.households["grid_a1"].id]
    assert {r["grid_id"] for r in phone.store.all_rows("resident")} == {w.areas["grid_a1"].id}
    assert phone.store.get("resident", w.residents["grid_a2"].id) is None
    assert phone.store.get("resident", w.residents["grid_b1"].id) is None
    assert phone.store.get("resident", w.residents["grid_a1"].id)["name"] == "王芳"
    assert phone.store.get_meta("last_sync_at") == summary.finished_at.isoformat()
    assert_same_as_server(cloud, phone)


def test_the_first_page_of_a_pull_is_a_small_one_and_the_next_ones_grow_to_full(cloud, phones, monkeypatch):
    # the phone starts applying rows sooner, while the server reads the next page (mobile.sync.engine)
    monkeypatch.setattr(engine_module, "FIRST_PAGE_SIZE", 1)
    phone = phones()
    summary = phone.sync(page_size=3)
    limits = phone.transport.pull_limits
    assert limits[:2] == [1, 2] and set(limits[2:]) == {3}
    assert summary.pulled > 1 + 2 + 3  # (so more than three pages came)
    assert_same_as_server(cloud, phone)
    monkeypatch.setattr(engine_module, "FIRST_PAGE_SIZE", 250)
    phone.transport.pull_limits.clear()
    phone.sync(page_size=3)  # a page size below it: every page that size
    assert set(phone.transport.pull_limits) == {3}


def test_new_rows_edited_again_before_the_push_settle_as_the_server_stored_them(cloud, phones):
    # settled by their version alone (``_rows_as_sent``) when the local row is the answered changes' merge
    phone = phones()
    phone.sync()
    once = new_household(phone, cloud)
    twice = new_household(phone, cloud, address="第一次")
    phone.store.save("household", {"address": "第二次", "building": "3"}, row_id=twice, now=phone.now())
    gone = new_household(phone, cloud, address="删了")
    phone.store.delete("household", gone, now=phone.now())
    summary = phone.sync(push_batch=2)  # the three changes of one row split across batches too
    assert summary.rejected == []
    assert phone.store.get("household", twice)["address"] == "第二次"
    assert phone.store.get("household", once)["version"] > 0
    assert_same_as_server(cloud, phone)


def test_an_edit_goes_up_and_comes_back_with_the_server_version(cloud, phones):
    phone = phones()
    phone.sync()
    person = cloud.world.residents["grid_a1"].id
    phone.store.save("resident", {"phone": "13800138000", "skills": ["家政", "电工"]}, row_id=person,
                     now=phone.now())
    home = new_household(phone, cloud)
    assert phone.store.pending_count() == 2
    summary = phone.sync()
    assert (summary.pushed, summary.conflicts, summary.rejected) == (2, 0, [])
    assert phone.store.pending_count() == 0
    assert cloud.row("resident", person)["phone"] == "13800138000"
    assert cloud.row("household", home)["address"] == "幸福路8号"
    assert phone.store.get("household", home)["version"] == cloud.row("household", home)["version"] > 0
    assert_same_as_server(cloud, phone)


def test_a_second_phone_sees_the_first_ones_work(cloud, phones):
    a, b = phones(), phones("coord_g0")
    a.sync()
    b.sync()
    home = new_household(a, cloud)
    visit = a.store.append("visit", {"household_id": home, "grid_id": cloud.grid.id, "coordinator_id": a.user_id,
                                     "visited_at": a.now(), "outcome": "met", "guidance_given": True}, now=a.now())
    a.sync()
    b.sync()
    assert b.store.get("visit", visit)["received_at"] is not None  # set by the server, came down
    assert_same_as_server(cloud, a)
    assert_same_as_server(cloud, b)


# --- refusals and scope ---------------------------------------------------------------------


def test_a_change_outside_the_area_is_rejected_alone_and_not_retried(cloud, phones):
    phone = phones()
    phone.sync()
    w = cloud.world
    outside = w.areas["grid_b1"]
    stray = phone.store.save("household", {"grid_id": outside.id, "community_id": outside.community_id,
                                           "address": "别人的网格"}, now=phone.now())
    # writing over a record of another grid (by id) is refused too, and changes nothing there
    phone.store.save("household", {"grid_id": w.areas["grid_a1"].id, "community_id": "x", "address": "抢过来"},
                     row_id=w.households["grid_b1"].id, now=phone.now())
    mine = new_household(phone, cloud)
    summary = phone.sync()
    assert sorted(code for _t, _r, code, _m in summary.rejected) == ["sync.outside_area", "sync.outside_area"]
    assert summary.pushed == 1 and cloud.row("household", mine) is not None
    assert cloud.row("household", stray) is None
    assert cloud.row("household", w.households["grid_b1"].id)["address"] == "光明一网格小区"
    assert {r["code"] for r in phone.store.rejected_changes()} == {"sync.outside_area"}
    assert phone.store.get("household", stray) is None  # the refused create is gone from the phone
    assert phone.store.pending_count() == 0
    again = phone.sync()
    assert again.rejected == [] and again.pushed == 0  # not retried
    assert_same_as_server(cloud, phone)


def test_a_pull_never_contains_a_record_outside_the_coordinators_grids(cloud, phones):
    other = phones("coord_a2")  # grid a2, same street
    other.sync()
    new_household(other, cloud, grid_id=cloud.world.areas["grid_a2"].id)
    other.sync()
    phone = phones()
    phone.sync()
    grid = cloud.world.areas["grid_a1"].id
    for table in ("household", "resident", "visit", "status_record", "referral", "referral_event"):
        assert {r["grid_id"] for r in phone.store.all_rows(table)} <= {grid}
    assert_same_as_server(cloud, phone)


# --- failures and retries -------------------------------------------------------------------


def test_connection_errors_and_5xx_are_retried_with_backoff(cloud, phones):
    phone = phones()
    new_household(phone, cloud)
    phone.transport.fail("push", "before", times=2)
    phone.transport.fail("pull", "503", times=1)
    summary = phone.sync()
    assert summary.pushed == 1
    assert phone.sleeps == [0.5, 1.0, 0.5]  # two for the push, one for the pull
    assert_same_as_server(cloud, phone)


def test_it_gives_up_after_the_retries_and_keeps_the_outbox(cloud, phones):
    phone = phones()
    new_household(phone, cloud)
    phone.transport.fail("push", "before", times=10)
    with pytest.raises(ServerUnreachable):
        phone.sync(max_retries=3)
    assert phone.sleeps == [0.5, 1.0, 2.0]
    assert phone.store.pending_count() == 1
    phone.transport.faults.clear()
    assert phone.sync().pushed == 1


def test_an_answer_lost_after_the_server_committed_is_not_applied_twice(cloud, phones):
    phone = phones()
    phone.sync()
    home = new_household(phone, cloud)
    phone.store.append("visit", {"household_id": home, "grid_id": cloud.grid.id, "coordinator_id": phone.user_id,
                                 "visited_at": phone.now(), "outcome": "met"}, now=phone.now())
    phone.transport.fail("push", "after")
    summary = phone.sync()
    assert summary.duplicates == 2 and summary.pushed == 0  # the retry found both already applied
    assert phone.transport.handled.count("push") == 2
    feed = cloud.feed_size()
    assert phone.sync().pulled == 0 and cloud.feed_size() == feed
    assert_same_as_server(cloud, phone)


def test_expired_sign_in_raises_auth_expired_and_keeps_the_changes(cloud, phones):
    phone = phones()
    new_household(phone, cloud)
    with httpx.Client(base_url=BASE_URL, transport=cloud.transport) as client:
        assert client.post("/api/v1/auth/logout",
                           headers={"Authorization": f"Bearer {phone.login['token']}"}).status_code == 204
    with pytest.raises(AuthExpired) as raised:
        phone.sync()
    assert "重新登录" in raised.value.message
    assert phone.store.pending_count() == 1


@pytest.mark.parametrize("stage", ["apply:rows", "apply:cursor"])
def test_a_sync_that_dies_while_applying_a_page_resumes_from_the_last_whole_page(cloud, phones, stage):
    writer, phone = phones("coord_g0"), phones()
    writer.sync()
    for i in range(6):
        new_household(writer, cloud, address=f"新楼{i}号")
    writer.sync()

    def hook(name: str) -> None:  # fails inside the second page's transaction
        if name == stage and phone.store.cursor > 0:
            raise InjectedFault(stage)

    phone.store.fault_hook = hook
    with pytest.raises(InjectedFault):
        phone.sync(page_size=4)
    assert phone.store.cursor > 0 and total_rows(phone) == 4  # the first page and its cursor, nothing more
    phone.store.fault_hook = None
    summary = phone.sync(page_size=4)
    assert summary.pulled == 12 and len(phone.store.all_rows("household")) == 7
    assert_same_as_server(cloud, phone)


# --- pulls and local edits ---------------------------------------------------------------------


def test_local_edits_not_yet_pushed_survive_a_pull(cloud, phones):
    a, b = phones(), phones("coord_g0")
    a.sync()
    b.sync()
    person = cloud.world.residents["grid_a1"].id
    a.store.save("resident", {"phone": "13800138000", "skills": ["家政", "厨师"]}, row_id=person, now=a.now())
    b.store.save("resident", {"education": "college", "employment_status": "unemployed",
                              "employment_since": date(2026, 5, 1), "skills": []}, row_id=person, now=b.now())
    b.sync()
    with a.engine() as engine:  # pull only: the outbox still holds the phone edit
        engine.pull(SyncSummary(), lambda *_: None)
    row = a.store.get("resident", person)
    assert row["phone"] == "13800138000"  # the local, unpushed value
    assert row["education"] == "college" and row["employment_status"] == "unemployed"  # the server's
    assert row["skills"] == ["厨师"]  # b removed 家政 later than a saw it; a's added 厨师 is pending
    a.sync()
    b.sync()
    final = cloud.row("resident", person)
    assert (final["phone"], final["education"], final["skills"]) == ("13800138000", "college", ["厨师"])
    assert_same_as_server(cloud, a)
    assert_same_as_server(cloud, b)


def test_a_phone_away_too_long_resyncs_after_pushing_its_outbox(cloud, phones):
    old, busy = phones(), phones("coord_g0")
    old.sync()
    busy.sync()
    gone = new_household(busy, cloud)
    busy.sync()
    old.sync()
    busy.store.delete("household", gone, now=busy.now())
    kept = new_household(busy, cloud, address="还在")
    busy.sync()
    with cloud.engine.begin() as conn:  # the server forgets its tombstones
        assert purge_tombstones(conn, 10**9) >= 1
    assert old.store.get("household", kept) is None  # made after old's last sync
    old.store.save("household", {"notes": "离线时写的"}, row_id=gone, now=old.now())
    summary = old.sync()
    assert summary.resynced
    assert [code for _t, _r, code, _m in summary.rejected] == ["sync.record_deleted"]
    assert old.store.get("household", gone) is None and cloud.row("household", gone) is None  # not resurrected
    assert old.store.get("household", kept)["address"] == "还在"
    assert_same_as_server(cloud, old)


def test_clock_is_observed_from_the_server(cloud, phones):
    phone = phones()
    phone.offset = -(datetime.now(timezone.utc) - datetime(2020, 1, 1, tzinfo=timezone.utc))  # years behind
    phone.sync()
    home = new_household(phone, cloud)
    stamp = phone.store.get("household", home)["stamps"]["address"]
    assert int(stamp[:13]) >= int(datetime.now(timezone.utc).timestamp() * 1000) - 60_000


def test_a_store_locked_during_a_sync_is_a_sync_error_and_the_next_sync_finishes(cloud, phones):
    from mobile.sync import SyncError

    phone = phones()

    def lock_now(stage: str) -> None:
        phone.store.lock()  # the app's idle lock fires while the first page is being applied

    phone.store.fault_hook = lock_now
    with pytest.raises(SyncError) as raised:
        phone.sync(page_size=3)
    assert raised.value.code == "store.locked"
    phone.store.fault_hook = None
    phone.store.unlock("246810")
    assert total_rows(phone) == 3 and phone.store.cursor > 0  # the page in progress finished whole
    assert phone.sync(page_size=3).pulled > 0
    assert_same_as_server(cloud, phone)


def test_a_conflict_on_a_group_is_resolved_with_the_value_as_the_conflict_holds_it(cloud, phones):
    a, b = phones(), phones("coord_g0")
    a.sync()
    b.sync()
    person = cloud.world.residents["grid_a1"].id
    a.store.save("resident", {"employment_status": "employed", "employment_since": date(2026, 6, 1),
                              "employer_name": "惠民超市"}, row_id=person, now=a.now())
    b.store.save("resident", {"employment_status": "unemployed", "employment_since": date(2026, 7, 1)},
                 row_id=person, now=b.now())
    a.sync()
    assert b.sync().conflicts == 1
    a.sync()
    conflict = a.store.open_conflicts()[0]
    assert conflict["field"] == "employment"
    loser = conflict["value_a"] if conflict["winner"] == "b" else conflict["value_b"]
    a.store.resolve_conflict(conflict["id"], loser, now=a.now())
    a.sync()
    b.sync()
    for phone in (a, b):
        row = phone.store.get("resident", person)
        assert row["employment_status"] == loser["employment_status"]
        assert row["employment_since"].isoformat() == loser["employment_since"]
        assert phone.store.open_conflicts() == []
    assert cloud.row("conflict", conflict["id"])["state"] == "resolved"
    assert_same_as_server(cloud, a)
    assert_same_as_server(cloud, b)


def test_a_server_failing_before_its_commit_is_retried_and_applies_once(cloud, phones, monkeypatch):
    from server.services.change_log import VersionCounter

    phone = phones()
    phone.sync()
    home = new_household(phone, cloud)
    real = VersionCounter.save
    calls = {"n": 0}

    def crash_once(self):  # the last step before the push transaction commits
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("injected: the server dies inside the push transaction")
        return real(self)

    monkeypatch.setattr(VersionCounter, "save", crash_once)
    summary = phone.sync()
    assert calls["n"] == 2 and phone.sleeps == [0.5]  # a 500 answer, then the retry
    assert summary.pushed == 1 and summary.duplicates == 0  # the first attempt was rolled back
    assert cloud.row("household", home)["version"] > 0
    assert_same_as_server(cloud, phone)
