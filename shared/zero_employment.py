"""The zero-employment household clock (零就业家庭 20 天): deadline, state and whether a hire met it.

Rule (DOMAIN.md): a household identified on day D is *met* when a member's
status becomes employed on or before D + 20 days; a household that asked for
two members employed has until D + 1 month, and both must be employed by then.
It is *overdue* when not met and the deadline has passed, *open* otherwise.

Date arithmetic, exactly:
- "D + 20 days" is 20 calendar days (1 Feb + 20 days = 21 Feb; 31 Jan → 20 Feb).
- "D + 1 month" is the same day of the next month; when that month is
  shorter, the last day of that month (31 Jan → 28 Feb, or 29 Feb in a leap
  year; 31 Mar → 30 Apr; 31 Dec → 31 Jan of the next year).
- The deadline day itself still counts: a hire on the deadline meets it, and
  ``days_left`` is 0 that day.
- Only employment starting on or after D counts (the household had nobody
  employed when it was identified).

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


def deadline(identified_on: date, wants_two: bool = False) -> date:
    """The last day on which employment meets the target."""
    if wants_two:
        return add_months(identified_on, TWO_MEMBERS_MONTHS)
    return identified_on + timedelta(days=ZERO_EMPLOYMENT_DAYS)


def members_needed(wants_two: bool) -> int:
    return 2 if wants_two else 1


def resolution(identified_on: date, wants_two: bool, employed_on: Iterable[date | None]) -> tuple[date, bool] | None:
    """When the clock stopped and whether that met the deadline, from the dates members became employed.

    ``employed_on`` holds one date per employed member (None or dates before
    ``identified_on`` are ignored). The clock stops when the needed number of
    members (1, or 2 when the household asked for two) is employed: on the
    needed-th earliest date. None while too few members are employed.
    """
    dates = sorted(d for d in employed_on if d is not None and d >= identified_on)
    needed = members_needed(wants_two)
    if len(dates) < needed:
        return None
    stopped_on = dates[needed - 1]
    return stopped_on, stopped_on <= deadline(identified_on, wants_two)


def met_by(identified_on: date, wants_two: bool, employed_on: date) -> bool:
    """Whether employment starting on ``employed_on`` is in time (for the last member needed)."""
    return identified_on <= employed_on <= deadline(identified_on, wants_two)


@dataclass(frozen=True)
class ClockState:
    state: ClockStateName
    deadline: date
    days_left: int | None  # open: days until the deadline (0 on the deadline day); otherwise None
    resolved_on: date | None  # when the clock stopped, if it had by ``today``
    days_overdue: int | None = None  # overdue and still not resolved: days past the deadline

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


def clock_state(household: Mapping[str, Any] | object, today: date) -> ClockState | None:
    """The household's clock on ``today``; None when it is not a zero-employment household with a date.

    Uses ``zero_employment_identified_on``, ``zero_employment_wants_two`` and
    the stop recorded by a hire (``zero_employment_resolved_on``); a stop dated
    after ``today`` is not seen yet.
    """
    identified_on = _get(household, "zero_employment_identified_on")
    if not _get(household, "zero_employment") or identified_on is None or today < identified_on:
        return None
    due = deadline(identified_on, bool(_get(household, "zero_employment_wants_two")))
    resolved_on = _get(household, "zero_employment_resolved_on")
    if resolved_on is not None and resolved_on <= today:
        if resolved_on <= due:
            return ClockState("met", due, None, resolved_on)
        return ClockState("overdue", due, None, resolved_on)
    if today > due:
        return ClockState("overdue", due, None, None, (today - due).days)
    return ClockState("open", due, (due - today).days, None)
