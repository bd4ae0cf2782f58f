"""The 20-day clock of zero-employment households in the coverage counts, across month and year ends."""
from __future__ import annotations

from datetime import date

import pytest

from server.services.coverage import grid_counts, zero_employment_clocks
from shared import coverage as cov
from shared import zero_employment as ze
from tests.coverage.factories import Ledger, small_tree

JAN, FEB, MAR = (cov.Period.month(m) for m in ("2026-01", "2026-02", "2026-03"))
DEC = cov.Period.month("2026-12")


def household_with(employed_on: list[date | None], identified: date = date(2026, 1, 31), wants_two: bool = False):
    ledger = Ledger()
    tree = small_tree(ledger)
    home = ledger.household(tree["grid_a1"], zero_employment=True, zero_employment_identified_on=identified,
                            zero_employment_wants_two=wants_two)
    for day in employed_on:
        person = ledger.resident(home)
        ledger.registered_unemployed(person, date(2025, 6, 1))
        if day is not None:
            ledger.status(person, "employment", "employed", day)
    return ledger, tree["grid_a1"]["id"]


def zero_counts(counts: cov.CoverageCounts) -> tuple[int, int, int, int]:
    return counts.zero_identified, counts.zero_met, counts.zero_overdue, counts.zero_open


CASES = [
    # identified 31 Jan: deadline 20 Feb (20 calendar days, across the month end)
    ("hired on the deadline", [date(2026, 2, 20)], False, JAN, (1, 0, 0, 1)),
    ("hired on the deadline", [date(2026, 2, 20)], False, FEB, (1, 1, 0, 0)),
    ("hired on the deadline", [date(2026, 2, 20)], False, MAR, (0, 0, 0, 0)),  # settled in February
    ("hired a day late", [date(2026, 2, 21)], False, FEB, (1, 0, 1, 0)),
    ("never hired", [None], False, MAR, (1, 0, 1, 0)),  # still overdue, still counted
    # asked for two (双就业): the first by 20 Feb (20 days), the second by 28 Feb (one month, clamped)
    ("two hired by 28 Feb", [date(2026, 2, 10), date(2026, 2, 28)], True, FEB, (1, 1, 0, 0)),
    ("second hired 1 Mar", [date(2026, 2, 10), date(2026, 3, 1)], True, FEB, (1, 0, 0, 1)),  # 0 days left
    ("second hired 1 Mar", [date(2026, 2, 10), date(2026, 3, 1)], True, MAR, (1, 0, 1, 0)),  # met late
    ("only one of two", [date(2026, 2, 10), None], True, MAR, (1, 0, 1, 0)),
    # the first of two employed on day 24 (24 Feb): the 20-day deadline is missed, whatever the second does
    ("first of two on day 24", [date(2026, 2, 24), date(2026, 2, 26)], True, FEB, (1, 0, 1, 0)),
    ("first of two on day 24", [date(2026, 2, 24), None], True, FEB, (1, 0, 1, 0)),
    ("nobody of two by 20 Feb", [None, None], True, FEB, (1, 0, 1, 0)),
]


@pytest.mark.parametrize(("case", "employed_on", "wants_two", "period", "expected"), CASES,
                         ids=[f"{c[0]}-{c[3].label}" for c in CASES])
def test_the_clock_in_the_counts(any_engine, case, employed_on, wants_two, period, expected):
    ledger, grid_id = household_with(employed_on, wants_two=wants_two)
    reference = ledger.reference(period).get(grid_id, cov.CoverageCounts())
    assert zero_counts(reference) == expected
    ledger.write(any_engine)
    with any_engine.connect() as conn:
        assert grid_counts(conn, [grid_id], period).get(grid_id, cov.CoverageCounts()) == reference


def test_days_left_across_the_year_end(any_engine):
    ledger, grid_id = household_with([None], identified=date(2026, 12, 20))
    ledger.write(any_engine)
    with any_engine.connect() as conn:
        [(_, clock)] = zero_employment_clocks(conn, [grid_id], DEC)
    assert (clock.state, clock.deadline, clock.days_left) == ("open", date(2027, 1, 9), 9)
    with any_engine.connect() as conn:
        [(_, clock)] = zero_employment_clocks(conn, [grid_id], cov.Period.month("2027-01"))
    assert (clock.state, clock.days_overdue) == ("overdue", 22)  # 31 Jan - 9 Jan


def test_employment_that_began_before_identification_does_not_stop_the_clock():
    ledger, _ = household_with([date(2026, 1, 10)])
    history = cov.History.from_records(ledger.status_records)
    household = ledger.households[0]
    assert cov.zero_employment_clock(household, [history], date(2026, 2, 1)).state == "open"
    assert cov.zero_employment_clock(household, [history], date(2026, 2, 21)).state == "overdue"
    # a new job after a spell without one does stop it
    ledger.status(ledger.residents[0], "employment", "unemployed", date(2026, 2, 2))
    ledger.status(ledger.residents[0], "employment", "flexible", date(2026, 2, 9))
    history = cov.History.from_records(ledger.status_records)
    clock = cov.zero_employment_clock(household, [history], date(2026, 2, 21))
    assert (clock.state, clock.resolved_on) == ("met", date(2026, 2, 9))


def test_two_deadlines_and_the_days_left_to_the_next_one():
    # identified 31 Jan 2026, asking for two: 20 Feb for the first member, 28 Feb for the second
    assert ze.deadlines(date(2026, 1, 31), True) == (date(2026, 2, 20), date(2026, 2, 28))
    open_first = ze.clock_from(date(2026, 1, 31), True, [], date(2026, 2, 15))
    assert (open_first.state, open_first.deadline, open_first.days_left) == ("open", date(2026, 2, 20), 5)
    open_second = ze.clock_from(date(2026, 1, 31), True, [date(2026, 2, 12)], date(2026, 2, 25))
    assert (open_second.state, open_second.deadline, open_second.days_left) == ("open", date(2026, 2, 28), 3)
    late_first = ze.clock_from(date(2026, 1, 31), True, [date(2026, 2, 24)], date(2026, 2, 25))
    assert (late_first.state, late_first.deadline, late_first.label_zh) == ("overdue", date(2026, 2, 20), "已超期 5 天")
    waiting = ze.clock_from(date(2026, 1, 31), True, [date(2026, 2, 12)], date(2026, 3, 3))
    assert (waiting.state, waiting.deadline, waiting.days_overdue) == ("overdue", date(2026, 2, 28), 3)
    # a hire that stops the clock records whether both deadlines were met
    assert ze.resolution(date(2026, 1, 31), True, [date(2026, 2, 24), date(2026, 2, 26)]) == (date(2026, 2, 26), False)
    assert ze.resolution(date(2026, 1, 31), True, [date(2026, 2, 20), date(2026, 2, 28)]) == (date(2026, 2, 28), True)
