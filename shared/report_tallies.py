"""Tallies of the monthly report (月报) over in-memory rows: new cases, the nine service items, job and training wishes, spot checks.

The server fetches the few rows each needs with SQL and counts them here, so
the phone, the tests and the report count the same way. Rates among them are
``shared.coverage.Rate`` (numerator and denominator, "—" when empty).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.coverage import REGISTERED, History, Period, Rate, _get, employed_since
from shared.vocab import ServiceItem

SERVICE_ITEMS: tuple[str, ...] = tuple(s.value for s in ServiceItem)
# monthly wage bands (yuan) of the job-seeking analysis: (label, lowest, highest or None)
WAGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("2000元以下", 0, 1999), ("2000–2999元", 2000, 2999), ("3000–3999元", 3000, 3999),
    ("4000–4999元", 4000, 4999), ("5000元及以上", 5000, None),
)
NOT_STATED = "未填写"
NO_TRAINING = "不需要培训"


def newly_registered(registration: History, period: Period) -> date | None:
    """The day in P on which the person became registered (not registered the day before), or None."""
    state = registration.on(period.start - timedelta(days=1))
    days = [(period.start, registration.on(period.start))]
    days += [(d, v) for d, v in registration.entries if period.start < d <= period.end]
    for day, value in days:
        if value == REGISTERED and state != REGISTERED:
            return day
        state = value
    return None


def newly_employed(employment: History, period: Period) -> date | None:
    """The first day in P on which the person became employed (any form), or None."""
    return employed_since(employment, period.start, period.end)


def service_tally(visits: Iterable[Mapping[str, Any] | object], period: Period) -> dict[str, int]:
    """Visits in P that delivered each of the nine service items (a visit counts once per item it lists)."""
    tally = dict.fromkeys(SERVICE_ITEMS, 0)
    for visit in visits:
        if _get(visit, "deleted", False) or not period.contains(_get(visit, "visited_at")):
            continue
        for item in set(_get(visit, "services") or ()):
            if item in tally:
                tally[item] += 1
    return tally


def wage_band(wage: int | None) -> str:
    if wage is None:
        return NOT_STATED
    for label, low, high in WAGE_BANDS:
        if wage >= low and (high is None or wage <= high):
            return label
    return NOT_STATED


@dataclass(frozen=True)
class Wishes:
    """What the registered unemployed want: occupations, wages, hours and training (the job-seeking analysis)."""

    people: int
    occupations: tuple[tuple[str, int], ...]  # (occupation code, people), most wanted first
    wages: tuple[tuple[str, int], ...]  # (band label, people), in band order
    hours: tuple[tuple[str, int], ...]
    training: tuple[tuple[str, int], ...]  # (wish, people), most wanted first; "" = none wanted


def wishes(people: Iterable[Mapping[str, Any] | object]) -> Wishes:
    """The tally over these people (each counted once per occupation they want)."""
    occupations: Counter[str] = Counter()
    wages: Counter[str] = Counter()
    hours: Counter[str] = Counter()
    training: Counter[str] = Counter()
    count = 0
    for person in people:
        count += 1
        occupations.update(set(_get(person, "job_wish_occupations") or ()))
        wages[wage_band(_get(person, "job_wish_min_wage"))] += 1
        hours[_get(person, "job_wish_hours") or NOT_STATED] += 1
        wish = _get(person, "training_wish")
        training[NOT_STATED if wish is None else (wish.strip() or NO_TRAINING)] += 1
    order = [label for label, _, _ in WAGE_BANDS] + [NOT_STATED]

    def ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))

    return Wishes(count, ranked(occupations), tuple((b, wages[b]) for b in order if wages[b]), ranked(hours),
                  ranked(training))


@dataclass(frozen=True)
class SpotCheckSummary:
    """The spot-check results of one group (a community or a coordinator)."""

    drawn: int = 0
    checked: int = 0  # a result recorded
    reached: int = 0  # confirmed or not confirmed (not "unreachable")
    confirmed: int = 0
    discrepancies: int = 0  # not confirmed: the service recorded did not match what the resident said
    ratings: int = 0
    rating_total: int = 0

    def __add__(self, other: SpotCheckSummary) -> SpotCheckSummary:
        return SpotCheckSummary(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (self.drawn, self.checked, self.reached, self.confirmed, self.discrepancies, self.ratings,
                self.rating_total)

    @property
    def reached_rate(self) -> Rate:
        return Rate(self.reached, self.checked)

    @property
    def confirmed_rate(self) -> Rate:
        """Confirmed / reached: the share of the people reached who confirmed the service recorded."""
        return Rate(self.confirmed, self.reached)

    @property
    def average_rating(self) -> float | None:
        return None if self.ratings == 0 else self.rating_total / self.ratings

    @property
    def rating_text(self) -> str:
        average = self.average_rating
        return "—" if average is None else f"{average:.1f}（{self.ratings}人）"


def spot_check_summary(item: Mapping[str, Any] | object) -> SpotCheckSummary:
    """What one drawn person adds (result confirmed / not_confirmed / unreachable / None, rating 1–5 or None)."""
    result = _get(item, "result")
    rating = _get(item, "rating")
    return SpotCheckSummary(
        drawn=1, checked=int(result is not None), reached=int(result in ("confirmed", "not_confirmed")),
        confirmed=int(result == "confirmed"), discrepancies=int(result == "not_confirmed"),
        ratings=int(rating is not None), rating_total=int(rating or 0))



def mask_phone(phone: str | None) -> str:
    """138****1234: the first three and last four digits of a mobile number; shorter numbers keep the last two."""
    text = (phone or "").strip()
    if not text:
        return ""
    if len(text) >= 11:
        return f"{text[:3]}****{text[-4:]}"
    return "*" * max(0, len(text) - 2) + text[-2:]
