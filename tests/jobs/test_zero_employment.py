"""The zero-employment clock: 20 days, one month for two members, exact across month ends."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.zero_employment import add_months, clock_from, clock_state, deadline, met_by, resolution
from tests.conftest import hypothesis_examples
from tests.jobs.factories import household


@pytest.mark.parametrize(
    ("identified", "due"),
    [
        (date(2025, 1, 1), date(2025, 1, 21)),
        (date(2025, 1, 31), date(2025, 2, 20)),
        (date(2025, 2, 15), date(2025, 3, 7)),  # February has 28 days in 2025
        (date(2024, 2, 15), date(2024, 3, 6)),  # and 29 in 2024
        (date(2025, 12, 20), date(2026, 1, 9)),
    ],
)
def test_twenty_calendar_days(identified, due):
    assert deadline(identified) == due


@pytest.mark.parametrize(
    ("identified", "due"),
    [
        (date(2025, 1, 15), date(2025, 2, 15)),
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2024, 1, 29), date(2024, 2, 29)),
        (date(2025, 1, 29), date(2025, 2, 28)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 2, 28), date(2025, 3, 28)),
        (date(2025, 12, 31), date(2026, 1, 31)),
    ],
)
def test_one_month_when_two_members_are_wanted(identified, due):
    assert deadline(identified, wants_two=True) == due


@settings(max_examples=hypothesis_examples(200))
@given(day=st.dates(date(1990, 1, 1), date(2090, 12, 31)), months=st.integers(-30, 30))
def test_add_months_lands_in_the_right_month_on_the_same_or_last_day(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)


def test_open_then_overdue_with_days_left():
    hh = household(zero_employment=True, zero_employment_identified_on=date(2025, 1, 31))
    assert clock_state(hh, date(2025, 1, 30)) is None  # not identified yet
    first = clock_state(hh, date(2025, 1, 31))
    assert (first.state, first.deadline, first.days_left) == ("open", date(2025, 2, 20), 20)
    last = clock_state(hh, date(2025, 2, 20))
    assert (last.state, last.days_left, last.label_zh) == ("open", 0, "剩余 0 天")
    late = clock_state(hh, date(2025, 2, 23))
    assert (late.state, late.days_left, late.days_overdue, late.label_zh) == ("overdue", None, 3, "已超期 3 天")


def test_a_stop_counts_only_from_its_date():
    hh = household(zero_employment=True, zero_employment_identified_on=date(2025, 1, 31),
                   zero_employment_resolved_on=date(2025, 2, 20), zero_employment_met=True)
    assert clock_state(hh, date(2025, 2, 19)).state == "open"
    met = clock_state(hh, date(2025, 6, 1))
    assert (met.state, met.resolved_on, met.label_zh) == ("met", date(2025, 2, 20), "已按期就业")
    late = household(zero_employment=True, zero_employment_identified_on=date(2025, 1, 31),
                     zero_employment_resolved_on=date(2025, 2, 21), zero_employment_met=False)
    assert clock_state(late, date(2025, 2, 21)).state == "overdue"
    assert clock_state(late, date(2025, 2, 21)).resolved_on == date(2025, 2, 21)
    assert clock_state(late, date(2025, 2, 21)).label_zh == "超期后就业"


def test_not_a_zero_employment_household():
    assert clock_state(household(), date(2025, 1, 1)) is None
    assert clock_state(household(zero_employment=True), date(2025, 1, 1)) is None  # no date recorded


def test_one_month_clock_state_across_february():
    hh = household(zero_employment=True, zero_employment_identified_on=date(2024, 1, 31),
                   zero_employment_wants_two=True)
    # nobody employed: the first member's 20 days run out on 20 Feb, even for a household asking for two
    assert clock_state(hh, date(2024, 2, 20)).days_left == 0
    assert clock_state(hh, date(2024, 2, 21)).state == "overdue"
    # the first employed in time: the second has until 29 Feb (leap year)
    second = clock_from(date(2024, 1, 31), True, [date(2024, 2, 5)], date(2024, 2, 29))
    assert (second.state, second.deadline, second.days_left) == ("open", date(2024, 2, 29), 0)
    assert clock_from(date(2024, 1, 31), True, [date(2024, 2, 5)], date(2024, 3, 1)).state == "overdue"


def test_resolution_needs_enough_members_by_the_deadline():
    d = date(2025, 1, 31)
    assert resolution(d, False, [date(2025, 2, 20)]) == (date(2025, 2, 20), True)
    assert resolution(d, False, [date(2025, 2, 21)]) == (date(2025, 2, 21), False)
    assert resolution(d, False, [None, date(2025, 1, 2)]) is None  # employment before D does not count
    assert resolution(d, True, [date(2025, 2, 3)]) is None  # one of two: the clock still runs
    assert resolution(d, True, [date(2025, 2, 28), date(2025, 2, 3)]) == (date(2025, 2, 28), True)
    assert resolution(d, True, [date(2025, 2, 24), date(2025, 2, 26)]) == (date(2025, 2, 26), False)  # first late
    assert resolution(d, True, [date(2025, 2, 3), date(2025, 3, 1)]) == (date(2025, 3, 1), False)


def test_met_by():
    d = date(2025, 1, 31)
    assert met_by(d, False, date(2025, 2, 20)) and not met_by(d, False, date(2025, 2, 21))
    assert met_by(d, True, date(2025, 2, 28)) and not met_by(d, True, date(2025, 3, 1))
    assert not met_by(d, False, date(2025, 1, 30))
