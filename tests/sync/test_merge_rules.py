"""shared.merge: every rule is commutative, associative and idempotent, and says what the issue asks."""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.hlc import Stamp
from shared.merge import (
    DELETED_KEY,
    EMPTY_ROW,
    IncomingChange,
    ReferralStep,
    RowState,
    merge_register,
    merge_row,
    merge_set,
    merge_states,
    merge_tombstone,
    referral_status,
    set_key,
    set_members,
    set_ops_from_value,
)
from shared.sync_schema import SYNC_SPECS
from tests.conftest import hypothesis_examples

RESIDENT = SYNC_SPECS["resident"]
DEVICES = ("dev-a", "dev-b", "dev-c")
EXAMPLES = settings(max_examples=hypothesis_examples(), deadline=None)

# few distinct times and counters, so equal stamps and device-id ties happen often
stamps = st.builds(lambda ms, c, d: Stamp(1_700_000_000_000 + ms, c, d).encode(),
                   st.integers(0, 3), st.integers(0, 1), st.sampled_from(DEVICES))
maybe_stamps = st.none() | stamps
plain_values = st.none() | st.sampled_from(["", "甲", "乙", "丙"]) | st.integers(0, 2)
registers = st.tuples(plain_values, maybe_stamps)
elements = st.sampled_from(["家政", "电工", "厨师", "保安"])
set_registers = st.dictionaries(elements, st.tuples(st.booleans(), maybe_stamps), max_size=4)


@EXAMPLES
@given(registers, registers, registers)
def test_register_merge_is_commutative_associative_idempotent(a, b, c):
    assert merge_register(a, b) == merge_register(b, a)
    assert merge_register(merge_register(a, b), c) == merge_register(a, merge_register(b, c))
    assert merge_register(a, a) == a


@EXAMPLES
@given(registers, registers)
def test_the_later_stamp_wins_and_the_device_id_breaks_ties(a, b):
    winner = merge_register(a, b)
    assert (winner[1] or "") == max(a[1] or "", b[1] or "")


def test_same_time_and_counter_the_device_id_decides():
    a = ("甲", Stamp(5, 0, "dev-a").encode())
    b = ("乙", Stamp(5, 0, "dev-b").encode())
    assert merge_register(a, b) == merge_register(b, a) == b


@EXAMPLES
@given(maybe_stamps, maybe_stamps, maybe_stamps)
def test_tombstone_merge_is_a_lattice_and_never_undeletes(a, b, c):
    assert merge_tombstone(a, b) == merge_tombstone(b, a)
    assert merge_tombstone(merge_tombstone(a, b), c) == merge_tombstone(a, merge_tombstone(b, c))
    assert merge_tombstone(a, a) == a
    if a is not None:
        assert merge_tombstone(a, b) is not None


@EXAMPLES
@given(set_registers, set_registers, set_registers)
def test_set_merge_is_commutative_associative_idempotent(a, b, c):
    assert merge_set(a, b) == merge_set(b, a)
    assert merge_set(merge_set(a, b), c) == merge_set(a, merge_set(b, c))
    assert merge_set(a, a) == dict(a)


@EXAMPLES
@given(stamps, stamps, stamps)
def test_concurrent_adds_union_and_a_removal_wins_only_when_later(add_1, add_2, removal):
    one = {"家政": (True, add_1)}
    two = {"电工": (True, add_2)}
    assert set_members(merge_set(one, two)) == sorted(["家政", "电工"])
    removed = merge_set(one, {"家政": (False, removal)})
    assert ("家政" in set_members(removed)) == (add_1 >= removal)


def test_set_value_from_a_device_removes_only_what_it_saw():
    ops = set_ops_from_value(["电工"], seen=["家政", "电工"], stamp="s")
    assert ops == [("电工", True, "s"), ("家政", False, "s")]


def _fold(changes, start=EMPTY_ROW):
    state = start
    for change in changes:
        outcome = merge_row(RESIDENT, state, change)
        state = RowState(outcome.values, outcome.stamps, outcome.deleted)
    return state


EMPLOYMENT = ("employment_status", "employment_since", "employer_name")


@st.composite
def changes(draw):
    """A random device change to a resident: plain fields, the employment group, skills, maybe a delete."""
    device = draw(st.sampled_from(DEVICES))
    stamp = draw(stamps.filter(lambda s: s.endswith(device)) | st.just(Stamp(1_700_000_000_000, 0, device).encode()))
    values, change_stamps = {}, {}
    if draw(st.booleans()):
        values["notes"] = draw(st.sampled_from(["甲", "乙", "丙"]))
        change_stamps["notes"] = stamp
    if draw(st.booleans()):
        status = draw(st.sampled_from(["employed", "unemployed"]))
        values.update(employment_status=status, employment_since=None,
                      employer_name=draw(st.sampled_from(["", "某厂", "某店"])))
        change_stamps["employment"] = stamp
    ops = {}
    if draw(st.booleans()):
        ops["skills"] = [(draw(elements), draw(st.booleans()), stamp)]
    delete = stamp if draw(st.integers(0, 9)) == 0 else None
    return IncomingChange(values=values, stamps=change_stamps, set_ops=ops, delete_stamp=delete, device_id=device)


@EXAMPLES
@given(st.lists(changes(), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_merge_row_gives_the_same_row_in_every_arrival_order(batch, random):
    shuffled = list(batch)
    random.shuffle(shuffled)
    assert _fold(batch) == _fold(shuffled)
    # and applying a change twice changes nothing
    once = _fold(batch)
    assert _fold(batch + batch) == once
    assert not merge_row(RESIDENT, once, batch[0]).changed


@EXAMPLES
@given(st.lists(changes(), min_size=1, max_size=4), st.lists(changes(), min_size=1, max_size=4),
       st.lists(changes(), min_size=1, max_size=4))
def test_merge_states_is_commutative_associative_idempotent(x, y, z):
    a, b, c = _fold(x), _fold(y), _fold(z)
    assert merge_states(RESIDENT, a, b) == merge_states(RESIDENT, b, a)
    assert merge_states(RESIDENT, merge_states(RESIDENT, a, b), c) == merge_states(
        RESIDENT, a, merge_states(RESIDENT, b, c))
    assert merge_states(RESIDENT, a, a) == a
    # the replicas' merge is what the server gets by applying every change
    assert merge_states(RESIDENT, a, b) == _fold(x + y)


def test_a_group_is_taken_whole_from_the_winner():
    early = IncomingChange(values={"employment_status": "employed", "employment_since": None, "employer_name": "某厂"},
                           stamps={"employment": Stamp(1, 0, "dev-a").encode()}, device_id="dev-a")
    late = IncomingChange(values={"employment_status": "unemployed", "employment_since": None, "employer_name": ""},
                          stamps={"employment": Stamp(2, 0, "dev-b").encode()}, device_id="dev-b")
    for order in ([early, late], [late, early]):
        state = _fold(order)
        assert (state.values["employment_status"], state.values["employer_name"]) == ("unemployed", "")


def test_different_fields_both_survive():
    a = IncomingChange(values={"notes": "甲"}, stamps={"notes": Stamp(2, 0, "dev-a").encode()}, device_id="dev-a")
    b = IncomingChange(values={"relation": "子"}, stamps={"relation": Stamp(1, 0, "dev-b").encode()},
                       device_id="dev-b")
    assert _fold([a, b]).values == _fold([b, a]).values == {"notes": "甲", "relation": "子"}


def test_a_delete_beats_a_later_edit_and_the_row_stays_deleted():
    delete = IncomingChange(delete_stamp=Stamp(1, 0, "dev-a").encode(), device_id="dev-a")
    edit = IncomingChange(values={"notes": "乙"}, stamps={"notes": Stamp(9, 0, "dev-b").encode()}, device_id="dev-b")
    for order in ([delete, edit], [edit, delete]):
        state = _fold(order)
        assert state.deleted and state.stamps[DELETED_KEY] == delete.delete_stamp


def test_concurrent_edit_of_one_field_is_one_conflict_with_the_same_winner_in_both_orders():
    base = _fold([IncomingChange(values={"notes": "原"}, stamps={"notes": Stamp(1, 0, "dev-c").encode()},
                                 device_id="dev-c")])
    seen = base.stamps["notes"]
    a = IncomingChange(values={"notes": "甲"}, stamps={"notes": Stamp(3, 0, "dev-a").encode()},
                       base={"notes": seen}, device_id="dev-a")
    b = IncomingChange(values={"notes": "乙"}, stamps={"notes": Stamp(2, 0, "dev-b").encode()},
                       base={"notes": seen}, device_id="dev-b")
    results = []
    for first, second in ((a, b), (b, a)):
        assert merge_row(RESIDENT, base, first).conflicts == ()
        middle = _fold([first], base)
        outcome = merge_row(RESIDENT, middle, second)
        (conflict,) = outcome.conflicts
        assert conflict.key == "notes" and conflict.base_stamp == seen
        winner = conflict.a if conflict.winner == "a" else conflict.b
        assert winner == ("甲", a.stamps["notes"]) == (outcome.values["notes"], outcome.stamps["notes"])
        results.append(outcome.values)
    assert results[0] == results[1]


def test_no_conflict_for_my_own_earlier_edit_same_value_or_a_seen_base():
    s1, s2 = Stamp(1, 0, "dev-a").encode(), Stamp(2, 0, "dev-a").encode()
    mine = _fold([IncomingChange(values={"notes": "甲"}, stamps={"notes": s1}, device_id="dev-a")])
    again = IncomingChange(values={"notes": "乙"}, stamps={"notes": s2}, base={}, device_id="dev-a")
    assert merge_row(RESIDENT, mine, again).conflicts == ()
    same = IncomingChange(values={"notes": "甲"}, stamps={"notes": Stamp(2, 0, "dev-b").encode()},
                          device_id="dev-b")
    assert merge_row(RESIDENT, mine, same).conflicts == ()
    seen = IncomingChange(values={"notes": "丙"}, stamps={"notes": Stamp(2, 0, "dev-b").encode()},
                          base={"notes": s1}, device_id="dev-b")
    assert merge_row(RESIDENT, mine, seen).conflicts == ()


def test_set_ops_keep_element_stamps_in_the_row():
    s = Stamp(1, 0, "dev-a").encode()
    state = _fold([IncomingChange(set_ops={"skills": [("家政", True, s), ("电工", False, s)]}, device_id="dev-a")])
    assert state.values["skills"] == ["家政"]
    assert state.stamps == {set_key("skills", "家政"): s, set_key("skills", "电工"): s}


statuses = st.sampled_from(["referred", "interviewed", "hired", "not_hired", "declined", "no_show"])
events = st.lists(st.builds(ReferralStep, statuses, stamps, st.none()), max_size=6)


@EXAMPLES
@given(events, st.randoms(use_true_random=False))
def test_referral_status_ignores_arrival_order_and_never_moves_back(history, random):
    shuffled = list(history)
    random.shuffle(shuffled)
    assert referral_status(history) == referral_status(shuffled)
    rank = {"referred": 0, "interviewed": 1}
    seen = [referral_status(shuffled[: i + 1]) for i in range(len(shuffled))]
    ranks = [rank.get(s.status, 2) for s in seen]
    assert ranks == sorted(ranks)
    assert referral_status(history + history) == referral_status(history)


@EXAMPLES
@given(events, events, events)
def test_referral_status_is_a_merge(a, b, c):
    def merged(*parts):
        result = referral_status(itertools.chain(*parts))
        return [] if result is None else [result]
    assert merged(a, b) == merged(b, a)
    assert merged(merged(a, b), c) == merged(a, merged(b, c))


def test_a_late_interview_does_not_undo_a_hire():
    hired = ReferralStep("hired", Stamp(1, 0, "dev-a").encode(), "2024-05-02")
    interviewed = ReferralStep("interviewed", Stamp(9, 0, "dev-b").encode(), "2024-05-01")
    assert referral_status([hired, interviewed]).status == "hired"
    assert referral_status([interviewed, hired]).status == "hired"
    assert referral_status([]) is None
