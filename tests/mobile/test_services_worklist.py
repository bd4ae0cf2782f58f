"""Worklist order: never visited, follow-ups due, zero-employment clocks, changes by others (pure function)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from mobile.services.worklist import (
    add_one_month,
    build_worklist,
    zero_employment_days_left,
)
from shared.hlc import Stamp

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
        household("zero_met", zero_employment=True, zero_employment_identified_on=TODAY - timedelta(days=25),
                  zero_employment_met=True),
        household("follow_today"), household("follow_late"), household("follow_later"),
        household("never"),
        household("changed", stamps={"notes": stamp(NOW - timedelta(days=2), OTHER)}),
        household("changed_by_me", stamps={"notes": stamp(NOW - timedelta(hours=1), ME)}),
        household("changed_long_ago", stamps={"notes": stamp(NOW - timedelta(days=30), OTHER)}),
    ]
    visits = [visit(h, 40) for h in ("done", "zero_open", "zero_late", "zero_met", "changed", "changed_by_me",
                                     "changed_long_ago")]
    visits += [visit("follow_today", 7, 0), visit("follow_late", 10, -3), visit("follow_later", 1, 5),
               visit("follow_late", 30)]  # an older visit does not hide the newest's follow-up
    resident_changes = {"follow_later": NOW - timedelta(days=1)}
    worklist = build_worklist(homes, visits, {"never": ["张三"]}, resident_changes, today=TODAY, now=NOW,
                              my_device_id=ME)
    order = [i.household_id for i in worklist.items]
    assert order == ["never", "follow_late", "follow_today", "zero_late", "zero_open", "follow_later", "changed"]
    reasons = {i.household_id: [text for _, text in i.reasons] for i in worklist.items}
    assert reasons["never"] == ["从未走访"] and worklist.items[0].names == ["张三"]
    assert reasons["follow_late"] == ["回访逾期 3 天"] and reasons["follow_today"] == ["今天回访"]
    assert reasons["zero_late"] == ["零就业 逾期 5 天"] and reasons["zero_open"] == ["零就业 剩 5 天"]
    assert reasons["follow_later"] == ["他人 1 天前修改"] and reasons["changed"] == ["他人 2 天前修改"]
    assert worklist.households == 11 and worklist.nothing_due == 4

    since_yesterday = build_worklist(homes, visits, {}, resident_changes, today=TODAY, now=NOW, my_device_id=ME,
                                     since=NOW - timedelta(hours=30))  # the phone's first sync
    assert "changed" not in [i.household_id for i in since_yesterday.items]
    assert "follow_later" in [i.household_id for i in since_yesterday.items]


def test_the_zero_employment_clock_is_one_month_when_two_members_are_wanted():
    identified = date(2026, 1, 31)
    two = {"zero_employment": True, "zero_employment_identified_on": identified, "zero_employment_wants_two": True}
    assert add_one_month(identified) == date(2026, 2, 28)
    assert zero_employment_days_left(two, date(2026, 2, 27)) == 1
    one = dict(two, zero_employment_wants_two=False)
    assert zero_employment_days_left(one, date(2026, 2, 27)) == -7  # 20 days ran out on 20 February
    assert zero_employment_days_left(dict(one, zero_employment_resolved_on=date(2026, 2, 1)), TODAY) is None
    assert zero_employment_days_left(dict(one, zero_employment=False), TODAY) is None
