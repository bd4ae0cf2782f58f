"""Coverage formulas (DOMAIN.md "Precise definitions"): each rate as numerator / denominator, over in-memory rows.

This is the reference implementation: ``server.services.coverage`` computes
the same counts with set-based SQL and is tested against this module.

Decisions the domain brief leaves open, made once here:

- A period is a span of calendar days in China Standard Time (UTC+8, no
  daylight saving). Instants (visits) fall in it when
  ``start_at <= t < end_before``: a visit at 23:59:59 on the last day counts,
  one at 00:00:00 the next day does not.
- Status histories have one state per day: among records of one kind on the
  same day the last one (by ``recorded_at``, then ``id``) is the day's state;
  the state on day d is the latest day-final record on or before d. A person
  with no employment record is not employed; with no registration record,
  not registered; with no ability record, not counted as able and willing.
- "Registered unemployed in P": registered on some day of P and not employed
  on some day of P (so "not employed for the whole of P").
- Re-employment: for someone in the base, "became employed during P and is
  still employed at end" reduces to "employed at end" — they were not
  employed on some day of P, so being employed at ``end`` means the change
  happened inside P. "Able and willing" is the ability state at ``end``.
- Guidance: a visit in P to the person's household with ``guidance_given``
  or a service item from ``GUIDANCE_SERVICE_ITEMS``, whose ``resident_ids``
  list the person or is empty (nobody named: the household as a whole).
  Only 职业指导与培训信息 (``guidance_training_information``) counts as the
  guidance service item; the other eight items are services, not guidance.
- Information entered and complete at ``end`` come from the server's
  information records (``InformationRecord``, one written whenever what the
  server holds of a person changes completeness, see docs/information-history.md):
  entered = some record before ``end_before``; complete = the latest such
  record says complete. A value filled later does not change an earlier period.
- Timely entry (录入及时率, not part of the full-employment standard) is over
  visits that came from a phone (``received_at`` set); visits imported from
  paper ledgers have none and count in neither number.
- Relocated (棚改回迁) people: residents of a household flagged ``relocated``.
- Timely entry and zero-employment households belong to the grid recorded on
  the visit / household; visited, guidance and the rest to the resident's grid.
- A criterion of the full-employment check whose rate has no denominator
  ("—") passes: there was nothing to fail.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from shared.validation import age_on
from shared.vocab import EMPLOYED_STATUSES, ServiceItem, StatusKind, VisitOutcome
from shared.zero_employment import ClockState, clock_from

CHINA_TZ = timezone(timedelta(hours=8), "CST")
PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_PERIOD_TEXT = re.compile(r"(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?")
ENTRY_WINDOW = timedelta(hours=72)
EMPLOYED_CODES: frozenset[str] = frozenset(str(s.value) for s in EMPLOYED_STATUSES)
REGISTERED = "registered"
DEREGISTERED = "deregistered"
ABLE = "able"
UNABLE = "unable"
# The service item that is employment guidance (职业指导与培训信息); see the module docstring.
GUIDANCE_SERVICE_ITEMS: frozenset[str] = frozenset({ServiceItem.guidance_training_information.value})
MET = VisitOutcome.met.value

# Targets of the full-employment community (DOMAIN.md), as fractions.
REEMPLOYMENT_TARGET = 0.80
RELOCATED_EMPLOYMENT_TARGET = 0.95  # 棚改回迁下岗失业人员就业率 (seed 002)
REEMPLOYMENT_4050_TARGET = 0.85
FULL = 1.0
# The share of a district's communities that should be full-employment communities (seed 002: 60%).
DISTRICT_TARGET = 0.60


def _get(row: Mapping[str, Any] | object, name: str, default: Any = None) -> Any:
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def as_utc(instant: datetime) -> datetime:
    """An aware UTC datetime; a naive one (as SQLite returns them) is taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)


# --- periods and rates ----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The calendar days ``start`` to ``end`` (both included), in China Standard Time."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("a period's start must not be after its end")

    @classmethod
    def month(cls, text: str) -> Period:
        """The month ``"YYYY-MM"`` (e.g. ``"2026-11"``)."""
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            date(year, month, 1)
        except ValueError:
            raise ValueError("a month is written YYYY-MM, e.g. 2026-11") from None
        return cls.months(year, month, 1)

    @classmethod
    def months(cls, year: int, first_month: int, count: int) -> Period:
        """``count`` calendar months from ``first_month`` of ``year``."""
        index = year * 12 + first_month - 1 + count
        following = date(index // 12, index % 12 + 1, 1)
        return cls(date(year, first_month, 1), following - timedelta(days=1))

    @classmethod
    def parse(cls, text: str) -> Period:
        """A month ``2026-11``, a quarter ``2026-Q4``, a half year ``2026-H2`` or a year ``2026``."""
        match = _PERIOD_TEXT.fullmatch(text.strip().upper())
        if match is None:
            raise ValueError("a period is written 2026-11, 2026-Q4, 2026-H2 or 2026")
        year, month, quarter, half = match.group(1, 2, 3, 4)
        year = int(year)
        if year < 1:
            raise ValueError("a period is written 2026-11, 2026-Q4, 2026-H2 or 2026")
        if month:
            if not 1 <= int(month) <= 12:
                raise ValueError("a month is 01 to 12")
            return cls.months(year, int(month), 1)
        if quarter:
            return cls.months(year, 3 * int(quarter) - 2, 3)
        if half:
            return cls.months(year, 6 * int(half) - 5, 6)
        return cls.months(year, 1, 12)

    @property
    def kind(self) -> str:
        """``month``, ``quarter``, ``half``, ``year`` for whole calendar spans, else ``days``."""
        following = self.end + timedelta(days=1)
        if self.start.day != 1 or following.day != 1:
            return "days"
        length = (following.year * 12 + following.month) - (self.start.year * 12 + self.start.month)
        first = self.start.month
        if length == 1:
            return "month"
        if length == 3 and first % 3 == 1:
            return "quarter"
        if length == 6 and first in (1, 7):
            return "half"
        if length == 12 and first == 1:
            return "year"
        return "days"

    @classmethod
    def containing(cls, day: date, kind: str) -> Period:
        """The month, quarter, half year or year that holds ``day``."""
        length = PERIOD_MONTHS[kind]
        first = (day.month - 1) // length * length + 1
        return cls.months(day.year, first, length)

    def shift(self, steps: int) -> Period:
        """The period ``steps`` months, quarters, half years or years later (earlier when negative)."""
        length = PERIOD_MONTHS[self.kind]  # KeyError for a span of days: it has no neighbours
        index = self.start.year * 12 + self.start.month - 1 + steps * length
        return Period.months(index // 12, index % 12 + 1, length)

    @property
    def start_at(self) -> datetime:
        """The first instant of the period (UTC)."""
        return datetime.combine(self.start, time(0), CHINA_TZ).astimezone(timezone.utc)

    @property
    def end_before(self) -> datetime:
        """The first instant after the period (UTC): the period is ``[start_at, end_before)``."""
        return datetime.combine(self.end + timedelta(days=1), time(0), CHINA_TZ).astimezone(timezone.utc)

    def contains(self, instant: datetime) -> bool:
        return self.start_at <= as_utc(instant) < self.end_before

    @property
    def label(self) -> str:
        """``2026-11``, ``2026-Q4``, ``2026-H2``, ``2026``, or ``start—end`` for other spans."""
        kind, year = self.kind, self.start.year
        if kind == "month":
            return f"{self.start:%Y-%m}"
        if kind == "quarter":
            return f"{year}-Q{(self.start.month + 2) // 3}"
        if kind == "half":
            return f"{year}-H{1 if self.start.month == 1 else 2}"
        if kind == "year":
            return f"{year}"
        return f"{self.start.isoformat()}—{self.end.isoformat()}"

    @property
    def label_zh(self) -> str:
        """``2026年11月``, ``2026年第四季度``, ``2026年下半年``, ``2026年``, or the two days."""
        kind, year = self.kind, self.start.year
        if kind == "month":
            return f"{year}年{self.start.month}月"
        if kind == "quarter":
            return f"{year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        if kind == "half":
            return f"{year}年{'上' if self.start.month == 1 else '下'}半年"
        if kind == "year":
            return f"{year}年"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label,
                "kind": self.kind, "label_zh": self.label_zh}


@dataclass(frozen=True)
class Rate:
    """A share with its numerator and denominator; ``value`` is None ("—") when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def text(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"

    def meets(self, target: float) -> bool:
        """At or above ``target``; a rate with no denominator has nothing to fail."""
        # integers, so 100% means every one and 80% is exact (no float rounding)
        return self.denominator == 0 or self.numerator * 1000 >= round(target * 1000) * self.denominator

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value,
                "text": self.text}


# --- status histories -------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """One person's day-final states of one kind, ascending by day."""

    entries: tuple[tuple[date, str], ...] = ()

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any] | object]) -> History:
        """From status records of one person and kind (deleted ones skipped); the last record of a day wins."""
        ordered = sorted(
            (r for r in records if not _get(r, "deleted", False)),
            key=lambda r: (_get(r, "effective_on"), as_utc(_get(r, "recorded_at")), str(_get(r, "id"))),
        )
        by_day: dict[date, str] = {}
        for record in ordered:
            by_day[_get(record, "effective_on")] = str(_get(record, "value"))
        return cls(tuple(sorted(by_day.items())))

    def on(self, day: date) -> str | None:
        """The state on ``day`` (None before the first record)."""
        state = None
        for effective_on, value in self.entries:
            if effective_on > day:
                break
            state = value
        return state

    def on_some_day(self, start: date, end: date, wanted) -> bool:
        """Whether ``wanted(state)`` holds on at least one day of ``[start, end]``."""
        return wanted(self.on(start)) or any(start < d <= end and wanted(v) for d, v in self.entries)


def histories(status_records: Iterable[Mapping[str, Any] | object]) -> dict[tuple[str, str], History]:
    """Every (resident_id, kind) history in a set of status records."""
    grouped: dict[tuple[str, str], list] = {}
    for record in status_records:
        grouped.setdefault((_get(record, "resident_id"), str(_get(record, "kind"))), []).append(record)
    return {key: History.from_records(records) for key, records in grouped.items()}


def is_employed_value(value: str | None) -> bool:
    return value is not None and value in EMPLOYED_CODES


def is_registered_unemployed(registration: History, employment: History, period: Period) -> bool:
    """Registered on some day of P and not employed on some day of P."""
    registered = registration.on_some_day(period.start, period.end, lambda v: v == REGISTERED)
    return registered and employment.on_some_day(period.start, period.end, lambda v: not is_employed_value(v))


def age_cutoff(on_date: date, years: int) -> date:
    """The latest birth date of someone aged at least ``years`` on ``on_date`` (``age_on`` semantics)."""
    try:
        cutoff = on_date.replace(year=on_date.year - years)
    except ValueError:  # 29 February in a year that has none
        cutoff = date(on_date.year - years, 2, 28)
    assert age_on(cutoff, on_date) >= years and age_on(cutoff + timedelta(days=1), on_date) < years
    return cutoff


def in_4050_group(sex: str | None, birth_date: date | None, on_date: date) -> bool:
    """Women aged 40 or more and men aged 50 or more on ``on_date``."""
    if birth_date is None or sex not in ("female", "male"):
        return False
    return age_on(birth_date, on_date) >= (40 if sex == "female" else 50)


def records_guidance(visit: Mapping[str, Any] | object) -> bool:
    """Whether a visit recorded employment guidance (the flag or the guidance service item)."""
    return bool(_get(visit, "guidance_given")) or any(
        str(s) in GUIDANCE_SERVICE_ITEMS for s in (_get(visit, "services") or ()))


def guided_person(visit: Mapping[str, Any] | object, resident_id: str) -> bool:
    """A guidance visit reached this person: they are named on it, or nobody is."""
    named = _get(visit, "resident_ids") or ()
    return records_guidance(visit) and (not named or resident_id in named)


def on_time(visit: Mapping[str, Any] | object) -> bool | None:
    """Whether a visit reached the server within 72 hours (None: not received yet)."""
    received_at = _get(visit, "received_at")
    if received_at is None:
        return None
    return as_utc(received_at) - as_utc(_get(visit, "visited_at")) <= ENTRY_WINDOW


# --- counts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageCounts:
    """The numerators and denominators of one area in one period; counts of disjoint areas add up."""

    registered: int = 0  # registered unemployed in P
    visited: int = 0
    complete: int = 0  # ... whose information was complete at end
    entered: int = 0  # ... whose information was entered into the system by end
    guided: int = 0
    able: int = 0  # ... and able and willing to work at end
    reemployed: int = 0
    able_4050: int = 0
    reemployed_4050: int = 0
    relocated_able: int = 0  # relocated (棚改回迁) people among ``able``
    relocated_employed: int = 0  # ... employed at end
    visits_received: int = 0  # visits made in P that reached the server from a phone
    visits_on_time: int = 0  # ... within 72 hours
    hardship_households: int = 0  # double-unemployed or single-parent
    hardship_with_employed: int = 0
    zero_identified: int = 0  # zero-employment households on the clock in P (see zero_employment_counts)
    zero_met: int = 0
    zero_overdue: int = 0
    zero_open: int = 0

    def __add__(self, other: CoverageCounts) -> CoverageCounts:
        return CoverageCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def visit_rate(self) -> Rate:
        return Rate(self.visited, self.registered)

    @property
    def information_rate(self) -> Rate:
        return Rate(self.complete, self.registered)

    @property
    def entry_rate(self) -> Rate:
        """网络录入率: registered unemployed whose information was entered by end / registered unemployed."""
        return Rate(self.entered, self.registered)

    @property
    def timely_entry_rate(self) -> Rate:
        """录入及时率 (not a full-employment criterion): visits on the server within 72 hours / visits received."""
        return Rate(self.visits_on_time, self.visits_received)

    @property
    def relocated_employment_rate(self) -> Rate:
        """棚改回迁人员就业率: relocated able and willing registered unemployed employed at end / all of them."""
        return Rate(self.relocated_employed, self.relocated_able)

    @property
    def guidance_rate(self) -> Rate:
        return Rate(self.guided, self.registered)

    @property
    def reemployment_rate(self) -> Rate:
        return Rate(self.reemployed, self.able)

    @property
    def reemployment_4050_rate(self) -> Rate:
        return Rate(self.reemployed_4050, self.able_4050)

    @property
    def hardship_rate(self) -> Rate:
        return Rate(self.hardship_with_employed, self.hardship_households)

    @property
    def zero_employment_on_time_rate(self) -> Rate:
        """Zero-employment households met on time / those whose outcome is known (met or overdue)."""
        return Rate(self.zero_met, self.zero_met + self.zero_overdue)

    def rates(self) -> dict[str, Rate]:
        return {name: getattr(self, name) for name in RATE_NAMES}


RATE_NAMES: tuple[str, ...] = (
    "visit_rate", "information_rate", "entry_rate", "guidance_rate", "reemployment_rate",
    "reemployment_4050_rate", "relocated_employment_rate", "hardship_rate", "zero_employment_on_time_rate",
    "timely_entry_rate",
)
RATE_LABELS_ZH: dict[str, str] = {
    "visit_rate": "走访率", "information_rate": "信息采集率", "entry_rate": "网络录入率",
    "guidance_rate": "就业指导率", "reemployment_rate": "再就业率", "reemployment_4050_rate": "“4050”人员再就业率",
    "relocated_employment_rate": "棚改回迁人员就业率",
    "hardship_rate": "困难家庭至少一人就业比例", "zero_employment_on_time_rate": "零就业家庭按时就业比例",
    "timely_entry_rate": "录入及时率",
}
COUNT_LABELS_ZH: dict[str, str] = {
    "registered": "登记失业人员", "visited": "已走访", "complete": "信息完整", "entered": "已录入系统",
    "guided": "已就业指导",
    "able": "有劳动能力和就业愿望", "reemployed": "实现再就业", "able_4050": "“4050”有劳动能力和就业愿望",
    "reemployed_4050": "“4050”实现再就业", "relocated_able": "棚改回迁有劳动能力和就业愿望",
    "relocated_employed": "棚改回迁已就业", "visits_received": "已上传走访", "visits_on_time": "72小时内上传",
    "hardship_households": "双失业/单亲家庭", "hardship_with_employed": "至少一人就业",
    "zero_identified": "零就业家庭", "zero_met": "按时就业", "zero_overdue": "逾期", "zero_open": "未到期",
}


def information_at(records: Iterable[Mapping[str, Any] | object], period: Period) -> dict[str, Any]:
    """Each person's latest information record before the period's end (latest by ``recorded_at``, then ``id``)."""
    latest: dict[str, Any] = {}
    for record in records:
        at = as_utc(_get(record, "recorded_at"))
        if at >= period.end_before:
            continue
        rid = _get(record, "resident_id")
        known = latest.get(rid)
        if known is None or (at, str(_get(record, "id"))) > (as_utc(_get(known, "recorded_at")), str(_get(known, "id"))):
            latest[rid] = record
    return latest


def resident_counts(resident: Mapping[str, Any] | object, hist: Mapping[tuple[str, str], History],
                    household_visits: list, period: Period, information: Mapping[str, Any] | object | None = None,
                    relocated: bool = False) -> CoverageCounts:
    """What one resident adds to their grid's counts (all zero unless registered unemployed in P).

    ``information`` is the person's latest information record before ``end``
    (None: not entered by then); ``relocated`` their household's 棚改回迁 flag.
    """
    rid = _get(resident, "id")
    empty = History()
    registration = hist.get((rid, StatusKind.registration.value), empty)
    employment = hist.get((rid, StatusKind.employment.value), empty)
    if not is_registered_unemployed(registration, employment, period):
        return CoverageCounts()
    in_p = [v for v in household_visits if period.contains(_get(v, "visited_at"))]
    able = hist.get((rid, StatusKind.ability.value), empty).on(period.end) == ABLE
    employed = is_employed_value(employment.on(period.end))
    older = in_4050_group(_get(resident, "sex"), _get(resident, "birth_date"), period.end)
    return CoverageCounts(
        registered=1,
        visited=int(any(str(_get(v, "outcome")) == MET for v in in_p)),
        complete=int(information is not None and bool(_get(information, "complete"))),
        entered=int(information is not None),
        guided=int(any(guided_person(v, rid) for v in in_p)),
        able=int(able),
        reemployed=int(able and employed),
        able_4050=int(able and older),
        reemployed_4050=int(able and older and employed),
        relocated_able=int(able and relocated),
        relocated_employed=int(able and relocated and employed),
    )


def is_hardship(household: Mapping[str, Any] | object) -> bool:
    return bool(_get(household, "double_unemployed")) or bool(_get(household, "single_parent"))


def grid_counts(
    *,
    households: Iterable[Mapping[str, Any] | object],
    residents: Iterable[Mapping[str, Any] | object],
    status_records: Iterable[Mapping[str, Any] | object],
    visits: Iterable[Mapping[str, Any] | object],
    period: Period,
    information_records: Iterable[Mapping[str, Any] | object] = (),
) -> dict[str, CoverageCounts]:
    """The counts of every grid that has a household, resident or visit in these rows (deleted rows skipped)."""
    households = [h for h in households if not _get(h, "deleted", False)]
    relocated = {_get(h, "id") for h in households if _get(h, "relocated")}
    information = information_at(information_records, period)
    residents = [r for r in residents if not _get(r, "deleted", False)]
    visits = [v for v in visits if not _get(v, "deleted", False)]
    hist = histories(status_records)
    empty = History()
    by_household: dict[str, list] = {}
    for visit in visits:
        by_household.setdefault(_get(visit, "household_id"), []).append(visit)
    members: dict[str, list] = {}
    for resident in residents:
        members.setdefault(_get(resident, "household_id"), []).append(resident)

    totals: dict[str, CoverageCounts] = {}

    def add(grid_id: str, counts: CoverageCounts) -> None:
        totals[grid_id] = totals.get(grid_id, CoverageCounts()) + counts

    for resident in residents:
        add(_get(resident, "grid_id"),
            resident_counts(resident, hist, by_household.get(_get(resident, "household_id"), []), period,
                            information.get(_get(resident, "id")), _get(resident, "household_id") in relocated))
    for visit in visits:
        received = on_time(visit)
        if period.contains(_get(visit, "visited_at")) and received is not None:
            add(_get(visit, "grid_id"), CoverageCounts(visits_received=1, visits_on_time=int(received)))
        else:
            add(_get(visit, "grid_id"), CoverageCounts())

    def employment_of(resident) -> History:
        return hist.get((_get(resident, "id"), StatusKind.employment.value), empty)

    for household in households:
        people = members.get(_get(household, "id"), [])
        counts = CoverageCounts()
        if is_hardship(household):
            employed = any(is_employed_value(employment_of(r).on(period.end)) for r in people)
            counts += CoverageCounts(hardship_households=1, hardship_with_employed=int(employed))
        counts += zero_employment_counts(household, [employment_of(r) for r in people], period)
        add(_get(household, "grid_id"), counts)
    return totals


def employed_since(employment: History, identified_on: date, today: date) -> date | None:
    """The first day from ``identified_on`` to ``today`` on which a member *became* employed.

    Employment that began before ``identified_on`` and simply continues does
    not count (``shared.zero_employment``: only employment starting on or
    after D stops the clock).
    """
    state = employment.on(identified_on - timedelta(days=1))
    changes = [(identified_on, employment.on(identified_on))]
    changes += [(d, v) for d, v in employment.entries if identified_on < d <= today]
    for day, value in changes:
        if is_employed_value(value) and not is_employed_value(state):
            return day
        state = value
    return None


def zero_employment_clock(household: Mapping[str, Any] | object, member_employment: Iterable[History],
                          today: date) -> ClockState | None:
    """The household's clock on ``today`` (``shared.zero_employment``), from the members' employment histories.

    The dates members became employed are taken from the status histories
    (the source of every rate), not from the stop a hire records on the
    household, so a past period is judged as it stood and the first of two
    members is seen.
    """
    identified_on = _get(household, "zero_employment_identified_on")
    if identified_on is None or not _get(household, "zero_employment") or today < identified_on:
        return None
    wants_two = bool(_get(household, "zero_employment_wants_two"))
    return clock_from(identified_on, wants_two, [employed_since(h, identified_on, today) for h in member_employment],
                      today)


def on_clock_in(clock: ClockState | None, period: Period) -> bool:
    """A household counts in P when identified by ``end`` and not resolved before ``start``."""
    return clock is not None and (clock.resolved_on is None or clock.resolved_on >= period.start)


def zero_employment_counts(household: Mapping[str, Any] | object, member_employment: Iterable[History],
                           period: Period) -> CoverageCounts:
    """One household's place in the zero-employment counts of P: met, overdue or open at ``end``."""
    clock = zero_employment_clock(household, member_employment, period.end)
    if not on_clock_in(clock, period):
        return CoverageCounts()
    return CoverageCounts(zero_identified=1, zero_met=int(clock.state == "met"),
                          zero_overdue=int(clock.state == "overdue"), zero_open=int(clock.state == "open"))


def total(counts: Iterable[CoverageCounts]) -> CoverageCounts:
    result = CoverageCounts()
    for item in counts:
        result += item
    return result


# --- the full-employment community ---------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    name: str
    label_zh: str
    rate: Rate
    target: float
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label_zh": self.label_zh, "rate": self.rate.as_dict(), "target": self.target,
                "passed": self.passed}


@dataclass(frozen=True)
class CommunityCheck:
    """The full-employment community check (充分就业社区) of one community in P."""

    criteria: tuple[Criterion, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "criteria": [c.as_dict() for c in self.criteria]}


def full_employment_check(counts: CoverageCounts) -> CommunityCheck:
    """Each criterion of the full-employment community pass or fail (the timely-entry rate is not one)."""
    overdue = Rate(counts.zero_overdue, counts.zero_identified)
    rows = [
        ("reemployment_rate", counts.reemployment_rate, REEMPLOYMENT_TARGET),
        ("reemployment_4050_rate", counts.reemployment_4050_rate, REEMPLOYMENT_4050_TARGET),
        ("relocated_employment_rate", counts.relocated_employment_rate, RELOCATED_EMPLOYMENT_TARGET),
        ("hardship_rate", counts.hardship_rate, FULL),
        ("visit_rate", counts.visit_rate, FULL),
        ("information_rate", counts.information_rate, FULL),
        ("entry_rate", counts.entry_rate, FULL),
        ("guidance_rate", counts.guidance_rate, FULL),
    ]
    criteria = [Criterion(name, RATE_LABELS_ZH[name], rate, target, rate.meets(target)) for name, rate, target in rows]
    criteria.append(Criterion("zero_employment_overdue", "零就业家庭无逾期", overdue, 0.0, counts.zero_overdue == 0))
    return CommunityCheck(tuple(criteria))


def community_pass_rate(checks: Iterable[CommunityCheck]) -> Rate:
    """The share of communities that pass the full-employment check."""
    checks = list(checks)
    return Rate(sum(1 for c in checks if c.passed), len(checks))


@dataclass(frozen=True)
class DistrictTarget:
    """The share of full-employment communities against the target share (60% in seed 002)."""

    share: Rate
    target: float = DISTRICT_TARGET

    @property
    def met(self) -> bool | None:
        """Whether the share reaches the target; None ("—") when there is no community to count."""
        return None if self.share.denominator == 0 else self.share.meets(self.target)

    @property
    def text_zh(self) -> str:
        verdict = {True: "已达到", False: "未达到", None: "—"}[self.met]
        return (f"充分就业社区 {self.share.numerator}/{self.share.denominator}（{self.share.text}），"
                f"目标 {self.target * 100:.0f}%：{verdict}")

    def as_dict(self) -> dict[str, Any]:
        return {"share": self.share.as_dict(), "target": self.target, "met": self.met, "text_zh": self.text_zh}


# --- roll-up ----------------------------------------------------------------------------------


def rollup(per_grid: Mapping[str, CoverageCounts], areas: Iterable[Mapping[str, Any] | object]) -> dict[str, CoverageCounts]:
    """The counts of every area: a grid's counts go to itself and to its community, street and district."""
    areas = list(areas)
    result: dict[str, CoverageCounts] = {}
    for area in areas:
        result.setdefault(_get(area, "id"), CoverageCounts())
    for area in areas:
        if str(_get(area, "level")) != "grid" or _get(area, "id") not in per_grid:
            continue
        counts = per_grid[_get(area, "id")]
        ancestors = {_get(area, "id"), _get(area, "community_id") or _get(area, "parent_id"),
                     _get(area, "street_id"), _get(area, "district_id")}
        for area_id in ancestors - {None}:
            result[area_id] = result.get(area_id, CoverageCounts()) + counts
    return result


def coordinator_counts(per_grid: Mapping[str, CoverageCounts],
                       grids_of: Mapping[str, Iterable[str]]) -> dict[str, CoverageCounts]:
    """A coordinator's numbers: the sum over the grids assigned to them (each grid once)."""
    return {user_id: total(per_grid.get(g, CoverageCounts()) for g in set(grids)) for user_id, grids in grids_of.items()}
