"""Coverage for managers and coordinators: rates with numerators and denominators, and the lists behind them.

``area_id`` may be left out when the caller has exactly one assigned area.
The period is ``period=2026-11|2026-Q4|2026-H2|2026`` (a month, quarter, half
year or year), ``month=YYYY-MM``, or ``start`` and ``end`` (calendar days,
China Standard Time); without any it is the current month. A period lies within
``FIRST_DAY``..``LAST_DAY`` and spans at most ``MAX_PERIOD_DAYS`` (the lists
and the activity table work month by month): otherwise 422 ``period.invalid``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from server.deps import ReportsConnDep, ScopeDep, SettingsDep
from server.errors import ApiError, error_responses
from server.services import coverage, coverage_lists
from server.services.scope import Scope
from shared.coverage import CHINA_TZ, Period
from shared.models import utc_now

router = APIRouter(prefix="/coverage", tags=["coverage"], responses=error_responses(401, 403, 404, 422))

AreaQuery = Annotated[str | None, Query(max_length=36, description="An area id; default: the caller's one area")]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$"
PeriodQuery = Annotated[str | None, Query(pattern=PERIOD_PATTERN,
                                          description="a month 2026-11, quarter 2026-Q4, half year 2026-H2 or year 2026")]
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2099, 12, 31)
MAX_PERIOD_DAYS = 5 * 365 + 2  # five years


def parse_period(month: str | None, start: date | None, end: date | None, now: datetime,
                 period: str | None = None) -> Period:
    """The period asked for: a month, quarter, half year or year, a span of days, or the current month (CST)."""
    try:
        if sum(bool(x) for x in (period, month, start or end)) > 1:
            raise ValueError("give one of period, month, or start and end")
        if period:
            return bounded(Period.parse(period))
        if month:
            return bounded(Period.month(month))
        if start or end:
            if not (start and end):
                raise ValueError("give both start and end")
            return bounded(Period(start, end))
    except ValueError as error:
        raise ApiError(422, "period.invalid",
                       "The period is not valid: give period=2026-11|2026-Q4|2026-H2|2026, month=YYYY-MM or start and end.",
                       {"reason": str(error)}) from None
    return Period.month(f"{now.astimezone(CHINA_TZ):%Y-%m}")


def bounded(period: Period) -> Period:
    """The period if it lies within the years served and is not too long (``ValueError`` otherwise)."""
    if period.start < FIRST_DAY or period.end > LAST_DAY:
        raise ValueError(f"a period lies between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    if period.end - period.start >= timedelta(days=MAX_PERIOD_DAYS):
        raise ValueError(f"a period spans at most {MAX_PERIOD_DAYS} days")
    return period


def area_of(scope: Scope, area_id: str | None) -> str:
    if area_id:
        return area_id
    if len(scope.assigned_ids) == 1:
        return next(iter(scope.assigned_ids))
    raise ApiError(422, "area.required", "Choose an area: you are assigned to several (or none).",
                   {"assigned": sorted(scope.assigned_ids)})


@router.get("")
def report(scope: ScopeDep, conn: ReportsConnDep, settings: SettingsDep, area_id: AreaQuery = None, month: MonthQuery = None,
           start: date | None = None, end: date | None = None, period: PeriodQuery = None) -> dict:
    """Rates of the area, its children, every community (with the full-employment check), grid and coordinator."""
    span = parse_period(month, start, end, utc_now(), period)
    return coverage.coverage_report(conn, scope, area_of(scope, area_id), span,
                                    settings.full_employment_target).as_dict()


@router.get("/not-visited")
def not_visited(scope: ScopeDep, conn: ReportsConnDep, area_id: AreaQuery = None, month: MonthQuery = None,
                start: date | None = None, end: date | None = None,
                coordinator_id: Annotated[str | None, Query(max_length=36)] = None, period: PeriodQuery = None) -> dict:
    """Registered unemployed people not yet visited in the period (per coordinator with ``coordinator_id``)."""
    period = parse_period(month, start, end, utc_now(), period)
    items = coverage_lists.not_visited(conn, scope, area_of(scope, area_id), period, coordinator_id)
    return {"period": period.as_dict(), "items": items}


@router.get("/incomplete")
def incomplete(scope: ScopeDep, conn: ReportsConnDep, area_id: AreaQuery = None, month: MonthQuery = None,
               start: date | None = None, end: date | None = None,
               coordinator_id: Annotated[str | None, Query(max_length=36)] = None, period: PeriodQuery = None) -> dict:
    """Registered unemployed people with required fields missing, and which."""
    period = parse_period(month, start, end, utc_now(), period)
    items = coverage_lists.incomplete(conn, scope, area_of(scope, area_id), period, coordinator_id)
    return {"period": period.as_dict(), "items": items}


@router.get("/zero-employment-overdue")
def zero_employment_overdue(scope: ScopeDep, conn: ReportsConnDep, area_id: AreaQuery = None, month: MonthQuery = None,
                            start: date | None = None, end: date | None = None, period: PeriodQuery = None) -> dict:
    """Zero-employment households past their deadline at the period's end."""
    period = parse_period(month, start, end, utc_now(), period)
    items = coverage_lists.overdue_zero_employment(conn, scope, area_of(scope, area_id), period)
    return {"period": period.as_dict(), "items": items}


@router.get("/zero-employment")
def zero_employment(scope: ScopeDep, conn: ReportsConnDep, area_id: AreaQuery = None, month: MonthQuery = None,
                    start: date | None = None, end: date | None = None,
                    state: Literal["met", "overdue", "open"] | None = None, period: PeriodQuery = None) -> dict:
    """Zero-employment households on the clock in the period: met, overdue, or open with the days left."""
    period = parse_period(month, start, end, utc_now(), period)
    items = coverage_lists.zero_employment_households(conn, scope, area_of(scope, area_id), period, state)
    return {"period": period.as_dict(), "items": items}


@router.get("/activity")
def activity(scope: ScopeDep, conn: ReportsConnDep, area_id: AreaQuery = None, month: MonthQuery = None,
             start: date | None = None, end: date | None = None, period: PeriodQuery = None) -> dict:
    """Each coordinator's visits, guidance, vacancies collected, referrals and hires per month."""
    period = parse_period(month, start, end, utc_now(), period)
    items = coverage_lists.coordinator_activity(conn, scope, area_of(scope, area_id), period)
    return {"period": period.as_dict(), "items": items}
