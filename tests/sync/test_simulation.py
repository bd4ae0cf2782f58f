"""Randomized multi-device simulations: the real app in process, real device stores, Hypothesis scripts.

The issue's simulation tests, from the device's side (test 4, two server
processes on PostgreSQL, and the merge-function properties are the server's):
1 convergence, 2 replayed pushes, 3 injected failures, 6 concurrent edits to
different fields, 7 one field, 8 deletes and resync, 9 referral status,
10 clocks. Example counts come from ``hypothesis_examples()``.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from unittest import mock

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mobile.sync import SyncSummary
from server.services.sync_pull import purge_tombstones
from shared.hlc import parse_stamp
from shared.merge import REFERRAL_RANK
from tests.conftest import hypothesis_examples
from tests.sync.device_kit import (
    BASE_URL,
    KINDS,
    RESIDENT_EDITS,
    DeterministicIds,
    InjectedFault,
    Sim,
    differences,
    seed_id,
)
from tests.sync.server_kit import dump

SIM = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# (kind, phone, a, b): a and b pick the field, value and row at run time; small ranges make phones collide
OPS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 5), st.integers(0, 11), st.integers(0, 11)),
               min_size=6, max_size=30)


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    s = Sim(tmp_path_factory.mktemp("phones"))
    yield s
    s.close()


def pushed(sim: Sim) -> int:
    return sum(s.pushed + s.duplicates for s in sim.summaries)


# --- 1. convergence --------------------------------------------------------------------------------


# Scripts that always run, besides the random ones: the paths that matter most.
CONFLICT = [("edit_resident", 0, 0, 0), ("edit_resident", 1, 0, 0), ("sync", 0, 0, 0), ("sync", 1, 0, 0)]
DELETE_VS_EDIT = [("delete_resident", 0, 0, 0), ("edit_resident", 1, 1, 0), ("sync", 1, 0, 0), ("sync", 0, 0, 0),
                  ("edit_resident", 2, 2, 0), ("sync", 2, 0, 0), ("edit_resident", 1, 3, 0)]
MIXED = [("skill", 0, 1, 0), ("skill", 1, 2, 0), ("create_resident", 2, 0, 3), ("visit", 0, 1, 1),
         ("edit_household", 0, 0, 1), ("edit_household", 1, 0, 1), ("create_household", 2, 5, 0),
         ("sync", 0, 0, 0), ("sync", 1, 0, 0), ("edit_resident", 2, 3, 1), ("sync", 2, 0, 0),
         ("delete_resident", 1, 4, 0), ("skill", 2, 1, 4)]


@settings(max_examples=hypothesis_examples(25), **SIM)
@example(count=2, ops=CONFLICT)
@example(count=3, ops=DELETE_VS_EDIT)
@example(count=3, ops=MIXED)
@given(count=st.integers(2, 6), ops=OPS)
def test_random_offline_edits_in_random_interleavings_converge(sim, count, ops):
    phones = sim.start(count)
    version = sim.cloud.last_version()
    sim.morning(phones)
    for op in ops:
        sim.apply(phones, op)
    edits = sum(p.store.pending_count() for p in phones) + pushed(sim)
    sim.finish(phones)
    assert sim.converged(phones) == []
    # something really went through: every phone has the grid's rows, and the edits reached the server
    assert all(len(p.store.rows("resident")) + len(p.store.all_rows("resident")) > 0 for p in phones)
    if edits:
        assert pushed(sim) > 0 and sim.cloud.last_version() > version


# --- 2. replays ------------------------------------------------------------------------------------


@settings(max_examples=hypothesis_examples(15), **SIM)
@example(ops=MIXED, replays=[(0, 2, 0, 0), (1, 1, 1, 2)])
@given(ops=OPS, replays=st.lists(st.tuples(st.integers(0, 99), st.integers(1, 3), st.integers(0, 99),
                                           st.integers(0, 99)), min_size=1, max_size=6))
def test_replaying_any_push_any_number_of_times_changes_nothing(sim, ops, replays):
    phones = sim.start(3)
    sim.morning(phones)
    for op in ops:
        sim.apply(phones, op)
    sim.finish(phones)
    recorded = [(p, body) for p in phones for body in p.transport.pushes]
    if not recorded:
        return
    before, feed = dump(sim.cloud.engine), sim.cloud.feed_size()
    with httpx.Client(base_url=BASE_URL, transport=sim.cloud.transport) as client:
        for pick, times, start, stop in replays:
            phone, body = recorded[pick % len(recorded)]
            request = json.loads(body)
            changes = request["changes"]
            part = changes[start % len(changes):][: max(1, stop % (len(changes) + 1))]  # any part of it
            for _ in range(times):
                answer = client.post("/api/v1/sync/push", json={**request, "changes": part},
                                     headers={"Authorization": f"Bearer {phone.login['token']}"})
                assert answer.status_code == 200, answer.text
                refused = {r["seq"] for r in phone.store.rejected_changes()}
                # the first answer again: refused changes are refused again, the others are duplicates
                assert all(r["status"] == ("rejected" if r["seq"] in refused else "duplicate")
                           for r in answer.json()["results"])
    assert dump(sim.cloud.engine) == before
    assert sim.cloud.feed_size() == feed
    for phone in phones:  # and the phones see nothing new
        assert sim.sync(phone).pulled == 0
    assert sim.converged(phones) == []


# --- 3. failures at every point ---------------------------------------------------------------------

FAULTS = st.sampled_from([
    None, ("push", "before"), ("push", "after"), ("push", "503"), ("pull", "before"), ("pull", "after"),
    ("hook", "apply:rows"), ("hook", "apply:cursor"),
])


def _run_script(sim: Sim, ops, faults, t0) -> tuple[dict, list[dict]]:
    phones = sim.start(3, t0=t0)
    with mock.patch("mobile.store.device_store.new_id", DeterministicIds("script")):
        sim.morning(phones)
        for i, op in enumerate(ops):
            if op[0] == "sync" and faults:
                sim.step += 1  # as Sim.apply does
                _sync_with_fault(sim, phones[op[1] % len(phones)], faults[i % len(faults)])
            else:
                sim.apply(phones, op)
        sim.finish(phones)
    assert sim.converged(phones) == []
    return sim.cloud.server_rows(strict_time=False), [p.view(strict_time=False) for p in phones]


def _sync_with_fault(sim: Sim, phone, fault) -> None:
    if fault is None:
        sim.sync(phone)
        return
    kind, when = fault
    if kind != "hook":
        phone.transport.fail(kind, when)
        sim.sync(phone)  # retried inside the sync
        phone.transport.faults.clear()
        return

    def hook(stage: str) -> None:
        if stage == when:
            phone.store.fault_hook = None
            raise InjectedFault(stage)

    phone.store.fault_hook = hook
    try:
        sim.sync(phone)
    except InjectedFault:
        sim.sync(phone)  # the app syncs again later: it resumes
    phone.store.fault_hook = None


@settings(max_examples=hypothesis_examples(12), **SIM)
@example(ops=MIXED + CONFLICT, faults=[("push", "after"), ("hook", "apply:rows"), ("pull", "after"),
                                       ("hook", "apply:cursor"), ("push", "before")])
@given(ops=OPS, faults=st.lists(FAULTS, min_size=1, max_size=8))
def test_a_failure_injected_anywhere_ends_like_an_uninterrupted_run(sim, ops, faults):
    t0 = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
    clean_server, clean_phones = _run_script(sim, ops, [], t0)
    faulty_server, faulty_phones = _run_script(sim, ops, faults, t0)
    assert differences(clean_server, faulty_server) == []
    for clean, faulty in zip(clean_phones, faulty_phones, strict=True):
        assert differences(clean, faulty) == []


# --- 6. concurrent edits to different fields -----------------------------------------------------------

FIELD_VALUES = {
    "phone": {"phone": "13800138000"}, "notes": {"notes": "晚上在家"}, "education": {"education": "college"},
    "employment": {"employment_status": "employed", "employment_since": date(2026, 10, 1),
                   "employer_name": "惠民超市"},
    "registration": {"unemployment_registered": True, "unemployment_registered_on": date(2026, 2, 1)},
    "job_wish_min_wage": {"job_wish_min_wage": 3500}, "able_to_work": {"able_to_work": True},
    "training_wish": {"training_wish": "电工证"},
}


@settings(max_examples=hypothesis_examples(15), **SIM)
@given(data=st.data(), count=st.integers(2, 4))
def test_concurrent_edits_to_different_fields_all_survive_even_during_a_pull(sim, data, count):
    phones = sim.start(count)
    person = seed_id("person/0")
    for phone in phones:
        sim.sync(phone)
    keys = data.draw(st.permutations(sorted(FIELD_VALUES)))[:count]
    skills = data.draw(st.lists(st.sampled_from(["木工", "焊工", "司机", "保洁"]), min_size=count,
                                max_size=count, unique=True))
    order = data.draw(st.permutations(range(count)))
    late = order[-1]  # the last to sync edits while its pull is being applied
    for i, phone in enumerate(phones):
        if i == late:
            continue
        phone.store.save("household", {"grid_id": sim.cloud.grid.id, "community_id": sim.cloud.grid.community_id,
                                       "address": f"新楼{i}"}, now=phone.now())  # pages before the resident
        phone.store.save("resident", {**FIELD_VALUES[keys[i]], "skills": ["家政", skills[i]]}, row_id=person,
                         now=phone.now())
    for i in order[:-1]:
        sim.step += 1
        sim.sync(phones[i])
    edited = {}

    def edit_during_pull(stage: str, _fraction: float) -> None:
        if stage == "pull" and not edited:
            late_phone = phones[late]
            late_phone.store.save("resident", {**FIELD_VALUES[keys[late]], "skills": ["家政", skills[late]]},
                                  row_id=person, now=late_phone.now())
            edited["done"] = late_phone.store.get("resident", person)["version"]

    sim.step += 1
    sim.sync(phones[late], page_size=1, progress=edit_during_pull)
    assert edited, "the edit during the pull happened"
    mid = phones[late].store.get("resident", person)
    assert mid["version"] > edited["done"]  # the row came in after the edit ...
    assert {k: mid[k] for k in FIELD_VALUES[keys[late]]} == FIELD_VALUES[keys[late]]  # ... and kept it
    sim.finish(phones)
    assert sim.converged(phones) == []
    final = sim.cloud.row("resident", person)
    for i in range(count):
        assert {k: final[k] for k in FIELD_VALUES[keys[i]]} == FIELD_VALUES[keys[i]]
    assert set(final["skills"]) == {"家政", *skills}  # concurrent additions to one set all survive


# --- 7. concurrent edits to one field -----------------------------------------------------------------


@settings(max_examples=hypothesis_examples(12), **SIM)
@given(values=st.lists(st.sampled_from(["13800138000", "13900139000", "15000150000", "18600186000"]),
                       min_size=2, max_size=3, unique=True),
       skews=st.lists(st.integers(-5000, 5000), min_size=3, max_size=3),
       order=st.permutations(range(3)), chooser=st.integers(0, 2), pick=st.integers(0, 1))
def test_concurrent_edits_to_one_field_same_winner_in_every_order_one_conflict_resolved_everywhere(
        sim, values, skews, order, chooser, pick):
    count = len(values)
    order = [i for i in order if i < count]
    t0 = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
    person = seed_id("person/0")
    outcomes = []
    for arrival in (list(range(count)), order):
        phones = sim.start(count, t0=t0)
        for phone in phones:
            sim.sync(phone)
        stamps = []
        for i, phone in enumerate(phones):
            phone.offset = timedelta(milliseconds=skews[i])
            phone.store.save("resident", {"phone": values[i]}, row_id=person, now=phone.now())
            stamps.append(phone.store.get("resident", person)["stamps"]["phone"])
        for i in arrival:
            sim.step += 1
            sim.sync(phones[i])
        sim.finish(phones)
        assert sim.converged(phones) == []
        expected = values[max(range(count), key=lambda i: parse_stamp(stamps[i]))]
        winner = sim.cloud.row("resident", person)["phone"]
        conflicts = phones[0].store.open_conflicts()
        outcomes.append((winner, expected, len(conflicts)))
    (winner_a, expected, conflicts_a), (winner_b, _same, conflicts_b) = outcomes
    assert winner_a == winner_b == expected  # every arrival order, the same deterministic winner
    if count == 2:
        assert conflicts_a == conflicts_b == 1  # exactly one conflict record
    # resolve it on one phone (phones are those of the second run); it converges everywhere
    resolver = phones[chooser % count]
    conflict = resolver.store.open_conflicts()[0]
    assert {conflict["value_a"], conflict["value_b"]} <= set(values)
    chosen = (conflict["value_a"], conflict["value_b"])[pick]
    for c in resolver.store.open_conflicts():
        resolver.store.resolve_conflict(c["id"], chosen, now=resolver.now())
    sim.finish(phones)
    assert sim.converged(phones) == []
    assert sim.cloud.row("resident", person)["phone"] == chosen
    for phone in phones:
        assert phone.store.open_conflicts() == []
        assert phone.store.get("resident", person)["phone"] == chosen
        assert {c["state"] for c in phone.store.all_rows("conflict")} == {"resolved"}


# --- 8. deletes and the old phone --------------------------------------------------------------------


@settings(max_examples=hypothesis_examples(12), **SIM)
@given(edits=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=4),
       order=st.permutations(range(4)))
def test_deletes_beat_concurrent_edits_and_an_old_phone_cannot_resurrect(sim, edits, order):
    phones = sim.start(5)
    old = phones[4]
    person = seed_id("person/0")
    for phone in phones:
        sim.sync(phone)
    deleter, editors = phones[0], phones[1:4]
    deleter.store.delete("resident", person, now=deleter.now())
    for which, value in edits:
        _name, choices = RESIDENT_EDITS[which % len(RESIDENT_EDITS)]
        editor = editors[value % 3]
        editor.store.save("resident", choices[value % len(choices)], row_id=person, now=editor.now())
    for i in order:
        sim.step += 1
        sim.sync(phones[i])
    sim.finish(phones[:4])
    assert sim.converged(phones[:4]) == []
    assert sim.cloud.row("resident", person)["deleted"] is True
    for phone in phones[:4]:
        assert phone.store.get("resident", person) is None
        assert [r["deleted"] for r in phone.store.all_rows("resident") if r["id"] == person] == [True]
    # the server purges its tombstones; the old phone, away since, edits the row it still has
    with sim.cloud.engine.begin() as conn:
        assert purge_tombstones(conn, 10**9) >= 1
    assert old.store.get("resident", person) is not None
    old.store.save("resident", {"notes": "离线时写的"}, row_id=person, now=old.now())
    summary = sim.sync(old)
    assert summary.resynced and [c for _t, _r, c, _m in summary.rejected] == ["sync.record_deleted"]
    assert old.store.get("resident", person) is None and sim.cloud.row("resident", person) is None
    assert sim.converged([old]) == []  # (the others keep their copy of the purged tombstone)


# --- 9. referral status -------------------------------------------------------------------------------

STATUSES = ["referred", "interviewed", "hired", "not_hired", "declined", "no_show"]


@settings(max_examples=hypothesis_examples(12), **SIM)
@given(steps=st.lists(st.tuples(st.sampled_from(["event", "sync"]), st.integers(0, 2), st.sampled_from(STATUSES)),
                      min_size=3, max_size=16))
def test_referral_status_never_moves_backwards_on_any_replica(sim, steps):
    phones = sim.start(3)
    for phone in phones:
        sim.sync(phone)
    grid = sim.cloud.grid
    first = phones[0]
    referral = first.store.save("referral", {"resident_id": seed_id("person/0"), "vacancy_id": seed_id("vacancy/0"),
                                             "grid_id": grid.id, "code": "R0001"}, now=first.now())
    first.store.append("referral_event", {"referral_id": referral, "grid_id": grid.id, "status": "referred",
                                          "occurred_on": date(2026, 11, 1)}, now=first.now())
    sim.sync(first)
    seen = {}

    def check() -> None:
        replicas = {p.username: p.store.get("referral", referral) for p in phones}
        replicas["server"] = sim.cloud.row("referral", referral)
        for name, row in replicas.items():
            if row is None:
                continue
            rank = REFERRAL_RANK[row["status"]]
            assert rank >= seen.get(name, -1), f"{name} moved back to {row['status']}"
            seen[name] = rank

    for kind, which, status in steps:
        sim.step += 1
        phone = phones[which]
        if kind == "event" and phone.store.get("referral", referral) is not None:
            phone.store.append("referral_event", {"referral_id": referral, "grid_id": grid.id, "status": status,
                                                  "occurred_on": date(2026, 11, 2)}, now=phone.now())
        else:
            sim.sync(phone)
        check()
    sim.finish(phones)
    check()
    assert sim.converged(phones) == []


# --- 10. clocks ------------------------------------------------------------------------------------------

OFFSETS = st.sampled_from([timedelta(days=-3), timedelta(hours=-1), timedelta(0), timedelta(minutes=3),
                           timedelta(days=3), timedelta(days=2)])


@settings(max_examples=hypothesis_examples(15), **SIM)
@example(count=3, ops=MIXED + CONFLICT, offsets=[timedelta(days=3), timedelta(days=-3), timedelta(hours=-1)])
@given(count=st.integers(2, 4), ops=OPS, offsets=st.lists(OFFSETS, min_size=1, max_size=10))
def test_phones_with_clocks_days_ahead_behind_or_going_backwards_converge(sim, count, ops, offsets):
    phones = sim.start(count)
    sim.morning(phones)
    for i, op in enumerate(ops):
        phones[op[1] % count].offset = offsets[i % len(offsets)]  # a clock that jumps, also backwards
        sim.apply(phones, op)
    sim.finish(phones)
    assert sim.converged(phones) == []


def test_a_phone_with_its_clock_in_the_future_cannot_win_for_ever(sim):
    future, normal, other = sim.start(3, t0=datetime.now(timezone.utc))  # virtual time = the server's, here
    person = seed_id("person/0")
    for phone in (future, normal, other):
        sim.sync(phone)
    future.offset = timedelta(days=3)
    normal.offset = timedelta(minutes=6)  # a bit fast: more than 5 minutes ahead is clamped too
    future.store.save("resident", {"notes": "未来的值"}, row_id=person, now=future.now())
    future_stamp = future.store.get("resident", person)["stamps"]["notes"]
    sim.sync(future)
    sim.step += 1  # the later edit is later on the server's clock too
    normal.store.save("resident", {"notes": "后来的值"}, row_id=person, now=normal.now())
    normal_stamp = normal.store.get("resident", person)["stamps"]["notes"]
    assert parse_stamp(future_stamp) > parse_stamp(normal_stamp)  # unclamped, the future phone would win
    sim.sync(normal)
    sim.finish([future, normal, other])
    assert sim.converged([future, normal, other]) == []
    assert sim.cloud.row("resident", person)["notes"] == "后来的值"
    server_stamp = sim.cloud.row("resident", person)["stamps"]["notes"]
    assert parse_stamp(server_stamp).physical_ms < parse_stamp(future_stamp).physical_ms - 86_400_000


# --- device-side merge: the phone's prediction equals the server's merge -----------------------------


def _without_versions(view: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    out = {}
    for table, rows in view.items():
        if table == "conflict":  # made by the server during the push: they come with the next pull
            continue
        out[table] = {}
        for row_id, text in rows.items():
            row = json.loads(text)
            row.pop("version")
            out[table][row_id] = json.dumps(row, sort_keys=True, ensure_ascii=False)
    return out


@settings(max_examples=hypothesis_examples(15), **SIM)
@example(ops=CONFLICT + DELETE_VS_EDIT + MIXED)
@given(ops=OPS)
def test_once_its_push_is_answered_the_phone_holds_the_servers_rows(sim, ops):
    """Pending edits kept over a pull, then settled with the server's merge rules, give the server's rows."""
    phones = sim.start(2)
    sim.morning(phones)
    offline, online = phones
    for kind, which, a, b in ops:
        if kind == "sync" and which % 2 == 0:
            continue  # the offline phone does not sync until the end
        sim.apply(phones, (kind, which, a, b))
    with offline.engine() as engine:
        engine.pull(SyncSummary(), lambda *_: None)  # others' work arrives over pending edits
        engine.push(SyncSummary(), lambda *_: None)  # then the push is answered: no pull after it
    assert offline.store.pending_count() == 0
    server = _without_versions(sim.cloud.server_view(offline.user_id, strict_time=False))
    assert differences(server, _without_versions(offline.view(strict_time=False))) == []
