"""Worklist order: zero-employment clocks, hardship, follow-ups due, never visited, changes by others; filters."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from mobile.services.worklist import (
    FOLLOW_UP,
    HARDSHIP,
    build_worklist,
    filter_worklist,
    zero_employment_days_left,
)
from shared.coverage import History, zero_employment_clock
from shared.hlc import Stamp
from tests.conftest import hypothesis_examples

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
ME, OTHER = "device-me", "device-other"


def household(hid, **kw):
    return {"id": hid, "address": f"{hid}号楼", "stamps": {}, **kw}


def visit(hid, days_ago, follow_up_in=None):
    return {"household_id": hid, "visited_at": NOW - timedelta(days=days_ago),
            "next_follow_up_on": TODAY + timedelta(days=follow_up_in) if follow_up_in is not None else None}


def stamp(when, device):
    return Stamp(int(when.timestamp() * 1000), 0, device).encode()


def test_households_come_in_the_order_they_need_doing():
    homes = [
        household("done"),  # visited, no follow-up, nothing else: not listed
        household("zero_open", zero_employment=True, zero_employment_identified_on=TODAY - timedelta(days=15)),
        household("zero_late", zero_employment=True, zero_employment_identified_on=TODAY - timedelta(days=25)),
        household("zero_met", zero_employment=True, zero_employment_identified_on=TODAY - timedelta(days=25)),
        household("follow_today"), household("follow_late"), household("follow_later"),
        household("never"), household("poor", low_income=True, single_parent=True, grid_id="g2"),
        household("poor_done", low_income=True),
        household("changed", stamps={"notes": stamp(NOW - timedelta(days=2), OTHER)}),
        household("changed_by_me", stamps={"notes": stamp(NOW - timedelta(hours=1), ME)}),
        household("changed_long_ago", stamps={"notes": stamp(NOW - timedelta(days=30), OTHER)}),
    ]
    visits = [visit(h, 40) for h in ("done", "zero_open", "zero_late", "zero_met", "changed", "changed_by_me",
                                     "changed_long_ago", "poor_done")]
    visits += [visit("follow_today", 7, 0), visit("follow_late", 10, -3), visit("follow_later", 1, 5),
               visit("follow_late", 30)]  # an older visit does not hide the newest's follow-up
    resident_changes = {"follow_later": NOW - timedelta(days=1)}
    # zero_met: a member became employed 3 days after it was identified
    employment = {"zero_met": [History(), employed(TODAY - timedelta(days=22))]}
    worklist = build_worklist(homes, visits, {"never": ["张三"]}, resident_changes, today=TODAY, now=NOW,
                              my_device_id=ME, employment=employment)
    order = [i.household_id for i in worklist.items]
    # the 20-day clock first (overdue, then fewest days left), then hardship with something due, then the rest
    assert order == ["zero_late", "zero_open", "poor", "follow_late", "follow_today", "never", "follow_later",
                     "changed"]
    reasons = {i.household_id: [text for _, text in i.reasons] for i in worklist.items}
    assert reasons["never"] == ["从未走访"] and worklist.items[5].names == ["张三"]
    assert reasons["poor"] == ["困难家庭：单亲家庭、低保", "从未走访"]
    assert [i.household_id for i in filter_worklist(worklist.items, grid_id="g2")] == ["poor"]
    assert [i.household_id for i in filter_worklist(worklist.items, flag="zero_employment")] == ["zero_late",
                                                                                                 "zero_open"]
    assert [i.household_id for i in filter_worklist(worklist.items, reason=FOLLOW_UP)] == ["follow_late",
                                                                                           "follow_today"]
    assert [i.household_id for i in filter_worklist(worklist.items, reason=HARDSHIP)] == ["poor"]
    assert reasons["follow_late"] == ["回访逾期 3 天"] and reasons["follow_today"] == ["今天回访"]
    assert reasons["zero_late"] == ["零就业 逾期 5 天"] and reasons["zero_open"] == ["零就业 剩 5 天"]
    assert reasons["follow_later"] == ["他人 1 天前修改"] and reasons["changed"] == ["他人 2 天前修改"]
    assert worklist.households == 13 and worklist.nothing_due == 5

    since_yesterday = build_worklist(homes, visits, {}, resident_changes, today=TODAY, now=NOW, my_device_id=ME,
                                     since=NOW - timedelta(hours=30), employment=employment)  # the phone's first sync
    assert "changed" not in [i.household_id for i in since_yesterday.items]
    assert "follow_later" in [i.household_id for i in since_yesterday.items]


def employed(on: date, before: date | None = None) -> History:
    """A member's employment history: unemployed (from ``before``, if given), employed from ``on``."""
    entries = ((before, "unemployed"),) if before else ()
    return History(entries + ((on, "employed"),))


def zero(identified: date, **kw) -> dict:
    return {"zero_employment": True, "zero_employment_identified_on": identified, **kw}


def test_the_zero_employment_clock_is_one_month_when_two_members_are_wanted():
    identified = date(2026, 1, 31)
    two = zero(identified, zero_employment_wants_two=True)
    # asking for two (双就业): the first member is still due within 20 days (20 Feb), the second by 28 Feb
    assert zero_employment_days_left(two, [], date(2026, 2, 19)) == 1
    assert zero_employment_days_left(two, [], date(2026, 2, 27)) == -7
    one = zero(identified)
    assert zero_employment_days_left(one, [], date(2026, 2, 27)) == -7  # 20 days ran out on 20 February
    assert zero_employment_days_left(dict(one, zero_employment=False), [], TODAY) is None
    # one member employed: the clock of a household that asked for two still runs
    assert zero_employment_days_left(two, [employed(date(2026, 2, 3))], date(2026, 2, 27)) == 1
    assert zero_employment_days_left(two, [employed(date(2026, 2, 3)), employed(date(2026, 2, 20))],
                                     date(2026, 2, 27)) is None


def test_a_stop_counts_only_from_its_date_and_only_for_employment_begun_after_identification():
    identified = date(2026, 11, 1)
    home = zero(identified)
    # employed on 10 November: met, off the list from that day, still running the day before
    assert zero_employment_days_left(home, [employed(date(2026, 11, 10))], date(2026, 11, 9)) == 12
    assert zero_employment_days_left(home, [employed(date(2026, 11, 10))], date(2026, 11, 10)) is None
    # employed late (after the 21st): the clock stopped, late; nothing left to do
    assert zero_employment_days_left(home, [employed(date(2026, 11, 24))], TODAY) is None
    # a job held since before the household was identified does not stop the clock
    assert zero_employment_days_left(home, [employed(date(2026, 9, 1))], TODAY) == -4
    # a stop recorded on the household but not (yet) in anyone's history is not the manager's either
    assert zero_employment_days_left(dict(home, zero_employment_resolved_on=date(2026, 12, 1),
                                          zero_employment_met=True), [], TODAY) == -4


@settings(max_examples=hypothesis_examples(), deadline=None)
@given(identified=st.dates(date(2024, 1, 1), date(2026, 12, 31)), wants_two=st.booleans(),
       starts=st.lists(st.integers(-40, 60), max_size=3), today_after=st.integers(-5, 50))
def test_the_worklist_clock_agrees_with_the_managers(identified, wants_two, starts, today_after):
    """The household is on the worklist exactly when the coverage lists call it open or overdue and unresolved."""
    home = zero(identified, zero_employment_wants_two=wants_two)
    members = [employed(identified + timedelta(days=d), identified - timedelta(days=90)) for d in starts]
    today = identified + timedelta(days=today_after)
    clock = zero_employment_clock(home, members, today)
    left = zero_employment_days_left(home, members, today)
    worklist = build_worklist([dict(home, id="h", address="1号", stamps={})], [{"household_id": "h",
                              "visited_at": NOW - timedelta(days=400), "next_follow_up_on": None}], {}, {},
                              today=today, now=NOW, my_device_id=ME, employment={"h": members})
    running = clock is not None and clock.resolved_on is None
    assert (left is not None) == running == bool(worklist.items)
    if running:
        assert left == (clock.days_left if clock.state == "open" else -clock.days_overdue)
