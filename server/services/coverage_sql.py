"""Set-based SQL for the coverage formulas of ``shared.coverage`` (SQLAlchemy Core; SQLite and PostgreSQL).

Status histories become spans: each record holds from its day until the next
record of the same person and kind (``LEAD``). Records superseded on their own
day get an empty span, so each day has the state of its last record — the
rule of ``shared.coverage.History``. "State on day d" is then "a span with
``eff <= d < nxt``" and "on some day of P" is "a non-empty span meeting P".
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import Subquery

from shared.coverage import (
    ABLE,
    EMPLOYED_CODES,
    ENTRY_WINDOW,
    GUIDANCE_SERVICE_ITEMS,
    MET,
    REGISTERED,
    Period,
    age_cutoff,
)
from shared.models import Area, Household, InformationRecord, Resident, StatusRecord, Visit
from shared.vocab import StatusKind

AREA = Area.__table__
HOUSEHOLD = Household.__table__
RESIDENT = Resident.__table__
STATUS = StatusRecord.__table__
VISIT = Visit.__table__
INFORMATION = InformationRecord.__table__
EMPLOYED = sorted(EMPLOYED_CODES)


def in_ids(column, ids: Sequence[str], name: str) -> ColumnElement[bool]:
    """``column IN (ids)`` as one expanding parameter (any number of ids), bound as the column binds (sealed cells)."""
    return column.in_(bindparam(name, list(ids), expanding=True, type_=column.type))


def count_if(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def json_text(column) -> ColumnElement[str]:
    return cast(column, String)


def json_list_empty(column) -> ColumnElement[bool]:
    # JSON lists are written by json.dumps: "[]" when empty, "null" for None
    return or_(column.is_(None), json_text(column).in_(("[]", "null")))


def json_list_has(column, value) -> ColumnElement[bool]:
    """The JSON list of plain codes or UUIDs holds ``value`` (neither can contain a quote or a LIKE wildcard)."""
    return json_text(column).like(literal('%"') + value + literal('"%'))


def on_time_condition(dialect: str) -> ColumnElement[bool]:
    """A received visit reached the server within 72 hours of its time."""
    if dialect == "sqlite":
        # julianday keeps about 10 µs at today's dates: round the difference to milliseconds
        millis = func.round((func.julianday(VISIT.c.received_at) - func.julianday(VISIT.c.visited_at)) * 86_400_000)
        return millis <= ENTRY_WINDOW / timedelta(milliseconds=1)
    return VISIT.c.received_at <= VISIT.c.visited_at + ENTRY_WINDOW


def visit_of_own_household() -> ColumnElement[bool]:
    """The visit's grid is its household's (``push_guard``): a visit naming another grid's household counts nowhere."""
    return exists().where(HOUSEHOLD.c.id == VISIT.c.household_id, HOUSEHOLD.c.grid_id == VISIT.c.grid_id)


def resident_of_own_household(person=RESIDENT) -> ColumnElement[bool]:
    """The resident's grid is its household's: a resident put into another grid's household counts nowhere."""
    return exists().where(HOUSEHOLD.c.id == person.c.household_id, HOUSEHOLD.c.grid_id == person.c.grid_id)


def residents_in(grid_ids: Sequence[str]) -> Select:
    return select(RESIDENT.c.id).where(in_ids(RESIDENT.c.grid_id, grid_ids, "grid_ids"), RESIDENT.c.deleted.is_(False))


def spans(resident_ids: Select, kinds: Sequence[str] | None = None) -> Subquery:
    """Every status record of these residents with the day the next one of its kind takes over (``nxt``)."""
    order = (STATUS.c.effective_on, STATUS.c.recorded_at, STATUS.c.id)
    query = select(
        STATUS.c.resident_id, STATUS.c.kind, STATUS.c.value, STATUS.c.effective_on.label("eff"),
        func.lead(STATUS.c.effective_on).over(partition_by=(STATUS.c.resident_id, STATUS.c.kind), order_by=order)
        .label("nxt"),
    ).where(STATUS.c.deleted.is_(False), STATUS.c.resident_id.in_(resident_ids),
            # a record counts only in its resident's grid (``push_guard``)
            exists().where(RESIDENT.c.id == STATUS.c.resident_id, RESIDENT.c.grid_id == STATUS.c.grid_id))
    if kinds is not None:
        query = query.where(STATUS.c.kind.in_(list(kinds)))
    return query.subquery("spans")


def _holds_on(s: Subquery, day) -> ColumnElement[bool]:
    return and_(s.c.eff <= day, or_(s.c.nxt.is_(None), s.c.nxt > day))


def _meets(s: Subquery, period: Period) -> ColumnElement[bool]:
    """A non-empty span that shares at least one day with P."""
    return and_(s.c.eff <= period.end, or_(s.c.nxt.is_(None), and_(s.c.nxt > period.start, s.c.nxt > s.c.eff)))


def flags(s: Subquery, period: Period) -> Subquery:
    """Per resident: registered on some day of P, employed at start, not employed on some later day, employed and able at end."""
    employment = s.c.kind == StatusKind.employment.value
    employed = s.c.value.in_(EMPLOYED)

    def flag(condition, name):
        return func.max(case((condition, 1), else_=0)).label(name)

    return select(
        s.c.resident_id,
        flag(and_(s.c.kind == StatusKind.registration.value, s.c.value == REGISTERED, _meets(s, period)), "reg"),
        flag(and_(employment, employed, _holds_on(s, period.start)), "emp_start"),
        flag(and_(employment, ~employed, _meets(s, period)), "unemp_in_p"),
        flag(and_(employment, employed, _holds_on(s, period.end)), "emp_end"),
        flag(and_(s.c.kind == StatusKind.ability.value, s.c.value == ABLE, _holds_on(s, period.end)), "able_end"),
    ).group_by(s.c.resident_id).subquery("flags")


def is_base(f: Subquery) -> ColumnElement[bool]:
    """Registered unemployed in P: registered on some day and not employed on some day."""
    return and_(func.coalesce(f.c.reg, 0) == 1,
                or_(func.coalesce(f.c.emp_start, 0) == 0, func.coalesce(f.c.unemp_in_p, 0) == 1))


def group_4050(period: Period, person=RESIDENT) -> ColumnElement[bool]:
    born = person.c.birth_date
    return or_(and_(person.c.sex == "female", born <= age_cutoff(period.end, 40)),
               and_(person.c.sex == "male", born <= age_cutoff(period.end, 50)))


def visit_in(period: Period) -> ColumnElement[bool]:
    return and_(VISIT.c.deleted.is_(False), VISIT.c.visited_at >= period.start_at,
                VISIT.c.visited_at < period.end_before)


def guidance_recorded() -> ColumnElement[bool]:
    """The visit recorded guidance: the flag or the guidance service item (``shared.coverage.records_guidance``)."""
    return or_(VISIT.c.guidance_given.is_(True),
               *(json_list_has(VISIT.c.services, literal(code)) for code in sorted(GUIDANCE_SERVICE_ITEMS)))


def guided(period: Period, person) -> ColumnElement[bool]:
    """A guidance visit in P to the person's household that names them or nobody (correlated to ``person``)."""
    return exists().where(
        VISIT.c.household_id == person.c.household_id, VISIT.c.grid_id == person.c.grid_id, visit_in(period),
        guidance_recorded(),
        or_(json_list_empty(VISIT.c.resident_ids), json_list_has(VISIT.c.resident_ids, person.c.id)),
    )


def visited(period: Period, person) -> ColumnElement[bool]:
    """A visit with outcome "met" in P to the person's household (correlated to ``person``)."""
    return exists().where(VISIT.c.household_id == person.c.household_id, VISIT.c.grid_id == person.c.grid_id,
                          visit_in(period), VISIT.c.outcome == MET)


def information_before(period: Period, person) -> ColumnElement[bool]:
    """An information record of the person before the period's end: entered by then (correlated to ``person``)."""
    return exists().where(INFORMATION.c.resident_id == person.c.id, INFORMATION.c.recorded_at < period.end_before)


def complete_at_end(period: Period, person) -> ColumnElement[bool]:
    """The person's latest information record before the period's end says complete (``shared.coverage.information_at``)."""
    later = INFORMATION.alias("later")
    newer = or_(later.c.recorded_at > INFORMATION.c.recorded_at,
                and_(later.c.recorded_at == INFORMATION.c.recorded_at, later.c.id > INFORMATION.c.id))
    return exists().where(
        INFORMATION.c.resident_id == person.c.id, INFORMATION.c.recorded_at < period.end_before,
        INFORMATION.c.complete.is_(True),
        ~exists().where(later.c.resident_id == INFORMATION.c.resident_id, later.c.recorded_at < period.end_before,
                        newer),
    )


def relocated_household(person) -> ColumnElement[bool]:
    """The person's household is flagged 棚改回迁 (correlated to ``person``)."""
    return exists().where(HOUSEHOLD.c.id == person.c.household_id, HOUSEHOLD.c.relocated.is_(True),
                          HOUSEHOLD.c.deleted.is_(False))


def candidates(grid_ids: Sequence[str], period: Period):
    """Residents of the grids with a registration record by ``end``: nobody else can be registered unemployed in P.

    The histories' spans, the costly part, are computed for these few only.
    """
    registered = select(STATUS.c.resident_id).where(
        STATUS.c.kind == StatusKind.registration.value, STATUS.c.effective_on <= period.end,
        STATUS.c.deleted.is_(False))
    return select(RESIDENT).where(in_ids(RESIDENT.c.grid_id, grid_ids, "grid_ids"), RESIDENT.c.deleted.is_(False),
                                  RESIDENT.c.id.in_(registered), resident_of_own_household()).cte("candidates")


@dataclass(frozen=True)
class PersonRows:
    """The candidates (``person``, columns as in ``resident``) joined to their flags, and the flag expressions."""

    query: Select
    person: Any
    columns: dict[str, ColumnElement[bool]]


def resident_rows(grid_ids: Sequence[str], period: Period) -> PersonRows:
    """The residents of the grids who may be in the base, with their flags (for the counts and the lists)."""
    person = candidates(grid_ids, period)
    f = flags(spans(select(person.c.id)), period)
    columns = {
        "base": is_base(f),
        "visited": visited(period, person),
        "complete": complete_at_end(period, person),
        "entered": information_before(period, person),
        "relocated": relocated_household(person),
        "guided": guided(period, person),
        "able": func.coalesce(f.c.able_end, 0) == 1,
        "employed": func.coalesce(f.c.emp_end, 0) == 1,
        "older": group_4050(period, person),
    }
    return PersonRows(select(person).join(f, f.c.resident_id == person.c.id), person, columns)
