"""The zero-employment household clock (零就业家庭 20 天, 双就业 一个月): deadlines, state and whether hires met them.

Rule (seed 002, DOMAIN.md): a household identified on day D must have a
member employed on or before D + 20 days (对新出现的零就业家庭要确保其在20天内实现一人
就业). One that asks for two members employed (双就业) must in addition have
the second employed on or before D + 1 month (保证一个月内实现"双就业"): it is
*met* only when both deadlines are met. It is *overdue* when a deadline has
passed unmet (employment after a deadline counts as missed, not met), and
*open* otherwise, with the days left to the next deadline.

Date arithmetic, exactly:
- "D + 20 days" is 20 calendar days (1 Feb + 20 days = 21 Feb; 31 Jan → 20 Feb).
- "D + 1 month" is the same day of the next month; when that month is
  shorter, the last day of that month (31 Jan → 28 Feb, or 29 Feb in a leap
  year; 31 Mar → 30 Apr; 31 Dec → 31 Jan of the next year).
- The deadline day itself still counts: a hire on the deadline meets it, and
  ``days_left`` is 0 that day.
- Only employment starting on or after D counts (the household had nobody
  employed when it was identified). The first member employed answers the
  20-day deadline, the second the one-month deadline.

Everything takes ``today`` as an argument, so a past period is judged as it
stood then: a household resolved after ``today`` is still open (or overdue) on
``today``.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

ZERO_EMPLOYMENT_DAYS = 20
TWO_MEMBERS_MONTHS = 1

ClockStateName = Literal["met", "overdue", "open"]


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the last day of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadlines(identified_on: date, wants_two: bool = False) -> tuple[date, date | None]:
    """The first member's deadline (D + 20 days) and, for a household asking for two, the second's (D + 1 month)."""
    second = add_months(identified_on, TWO_MEMBERS_MONTHS) if wants_two else None
    return identified_on + timedelta(days=ZERO_EMPLOYMENT_DAYS), second


def deadline(identified_on: date, wants_two: bool = False) -> date:
    """The last deadline: D + 20 days, or D + 1 month for a household asking for two."""
    first, second = deadlines(identified_on, wants_two)
    return second or first


def members_needed(wants_two: bool) -> int:
    return 2 if wants_two else 1


def _employed_dates(identified_on: date, employed_on: Iterable[date | None]) -> list[date]:
    return sorted(d for d in employed_on if d is not None and d >= identified_on)


def met_on_time(identified_on: date, wants_two: bool, dates: list[date]) -> bool:
    """Whether the sorted employment dates meet every deadline (the first by D + 20, the second by D + 1 month)."""
    first, second = deadlines(identified_on, wants_two)
    if not dates or dates[0] > first:
        return False
    return not wants_two or (len(dates) > 1 and dates[1] <= second)


def resolution(identified_on: date, wants_two: bool, employed_on: Iterable[date | None]) -> tuple[date, bool] | None:
    """When the clock stopped and whether every deadline was met, from the dates members became employed.

    ``employed_on`` holds one date per employed member (None or dates before
    ``identified_on`` are ignored). The clock stops when the needed number of
    members (1, or 2 when the household asked for two) is employed: on the
    needed-th earliest date. None while too few members are employed.
    """
    dates = _employed_dates(identified_on, employed_on)
    needed = members_needed(wants_two)
    if len(dates) < needed:
        return None
    return dates[needed - 1], met_on_time(identified_on, wants_two, dates)


def met_by(identified_on: date, wants_two: bool, employed_on: date) -> bool:
    """Whether employment starting on ``employed_on`` is in time for the last deadline."""
    return identified_on <= employed_on <= deadline(identified_on, wants_two)


@dataclass(frozen=True)
class ClockState:
    state: ClockStateName
    deadline: date  # open: the next deadline; overdue: the one missed; met: the last one
    days_left: int | None  # open: days until the next deadline (0 on the deadline day); otherwise None
    resolved_on: date | None  # when the clock stopped (the needed members employed), if it had by ``today``
    days_overdue: int | None = None  # overdue and still waiting for that member: days past the deadline
    first_deadline: date | None = None  # D + 20 days
    second_deadline: date | None = None  # D + 1 month, for a household asking for two
    first_employed_on: date | None = None
    second_employed_on: date | None = None

    @property
    def label_zh(self) -> str:
        if self.state == "met":
            return "已按期就业"
        if self.state == "overdue":
            return f"已超期 {self.days_overdue} 天" if self.days_overdue else "超期后就业"
        return f"剩余 {self.days_left} 天"


def _get(row: Mapping[str, Any] | object, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def clock_from(identified_on: date, wants_two: bool, employed_on: Iterable[date | None], today: date) -> ClockState:
    """The clock on ``today`` from the dates members became employed (dates after ``today`` are not seen yet)."""
    dates = [d for d in _employed_dates(identified_on, employed_on) if d <= today]
    first_due, second_due = deadlines(identified_on, wants_two)
    first = dates[0] if dates else None
    second = dates[1] if wants_two and len(dates) > 1 else None
    resolved_on = second if wants_two else first
    facts = {"first_deadline": first_due, "second_deadline": second_due, "first_employed_on": first,
             "second_employed_on": second}
    # each deadline: (due, date employed or None); the first missed one decides "overdue"
    steps = [(first_due, first)] + ([(second_due, second)] if wants_two else [])
    for due, employed in steps:
        if employed is None and today > due:
            return ClockState("overdue", due, None, resolved_on, (today - due).days, **facts)
        if employed is not None and employed > due:
            # employed late; while the clock still waits for a second member it counts the days since
            waiting = None if resolved_on is not None else (today - due).days
            return ClockState("overdue", due, None, resolved_on, waiting, **facts)
    if resolved_on is not None:
        return ClockState("met", second_due or first_due, None, resolved_on, **facts)
    due = first_due if first is None else second_due
    return ClockState("open", due, (due - today).days, None, **facts)


def clock_state(household: Mapping[str, Any] | object, today: date) -> ClockState | None:
    """The household's clock on ``today`` from what a hire recorded on it; None when not on the clock.

    Uses ``zero_employment_identified_on``, ``zero_employment_wants_two`` and
    the stop recorded by a hire (``zero_employment_resolved_on`` and
    ``zero_employment_met``); a stop dated after ``today`` is not seen yet.
    The rates use ``shared.coverage.zero_employment_clock`` instead, which
    reads every member's employment history (it knows when the first of two
    members was employed).
    """
    identified_on = _get(household, "zero_employment_identified_on")
    if not _get(household, "zero_employment") or identified_on is None or today < identified_on:
        return None
    wants_two = bool(_get(household, "zero_employment_wants_two"))
    resolved_on = _get(household, "zero_employment_resolved_on")
    if resolved_on is None or resolved_on > today:
        return clock_from(identified_on, wants_two, [], today)
    clock = clock_from(identified_on, wants_two, [resolved_on] * members_needed(wants_two), today)
    if clock.state == "met" and _get(household, "zero_employment_met") is False:  # the first of two was late
        return ClockState("overdue", clock.first_deadline, None, resolved_on, None, clock.first_deadline,
                          clock.second_deadline)
    return clock
