"""The seeded random source of one demo build, and how it makes ids, times and complete table rows."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Sequence, TypeVar

from faker import Faker

from shared.hlc import Stamp
from shared.merge import set_key
from shared.models import MODEL_BY_TABLE
from shared.sync_schema import SYNC_SPECS

T = TypeVar("T")
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157",
    "158", "159", "166", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199",
)
CHINA = timezone(timedelta(hours=8))  # local time of visits and working days
_REQUIRED_EXPLICITLY = frozenset({"id", "created_at", "recorded_at", "check_token"})  # defaults that would read the clock or draw randomly


@dataclass(frozen=True)
class Grid:
    """A grid of the demo district, with what households, visits and jobs need to know about it."""

    id: str
    name: str
    street_name: str
    community_name: str
    community_id: str
    street_id: str
    district_id: str
    relocated: bool
    estate: str  # the 小区 its buildings are in
    road: str  # the road of its few houses
    centre: tuple[float, float]  # latitude, longitude
    coordinator_id: str


def _field_defaults(table: str) -> dict[str, Any]:
    """Column defaults of a table, without the ones that would make a build non-deterministic."""
    model = MODEL_BY_TABLE[table]
    defaults = {}
    for name, info in model.model_fields.items():
        if name in _REQUIRED_EXPLICITLY or info.is_required():
            continue
        defaults[name] = info.get_default(call_default_factory=True)
    return defaults


class Draw:
    """Everything random in a build comes from here: the same seed gives the same rows, ids included."""

    def __init__(self, seed: int, today: date) -> None:
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        midnight = datetime.combine(today, time(0), tzinfo=timezone.utc)
        self.stamp = Stamp(int(midnight.timestamp() * 1000), 0, f"seed-{seed}").encode()
        self._defaults = {table: _field_defaults(table) for table in MODEL_BY_TABLE}

    # --- randomness -----------------------------------------------------------
    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def weighted(self, pairs: Sequence[tuple[T, float]]) -> T:
        return self.rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]

    def between(self, start: date, end: date) -> date:
        """A day from start to end, both included."""
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def workday(self, start: date, end: date) -> date:
        """A day from start to end, Monday to Saturday when the range has one."""
        for _ in range(10):
            day = self.between(start, end)
            if day.weekday() < 6:
                return day
        return day

    def at_work_hours(self, day: date) -> datetime:
        """A moment of office hours (8:30-17:30 China time) on a day, as aware UTC."""
        minute = self.rng.randint(8 * 60 + 30, 17 * 60 + 30)
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=CHINA)
        return local.astimezone(timezone.utc)

    def mobile(self) -> str:
        """A mainland mobile number (real prefixes, random subscriber part)."""
        return self.pick(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def money(self, low: int, high: int, step: int = 100) -> int:
        return self.rng.randrange(low // step, high // step + 1) * step

    # --- rows -----------------------------------------------------------------
    def row(self, table: str, **values: Any) -> dict[str, Any]:
        """A complete row (every column) of a table; ``stamp_rows`` stamps it once it is final."""
        # copy mutable defaults (lists, dicts): rows must not share them
        row = {k: v.copy() if isinstance(v, (list, dict)) else v for k, v in self._defaults[table].items()}
        row.update(values)
        missing = set(MODEL_BY_TABLE[table].__table__.columns.keys()) - row.keys()
        if missing:
            raise ValueError(f"{table} row lacks {sorted(missing)}")
        return row


def stamp_rows(table: str, rows: list[dict], stamp: str) -> None:
    """Give finished synced rows the seed's stamp as the merge base: on every clock key, and on every
    element of a set field (``shared.merge`` keys), whose values are stored sorted as merges store them."""
    spec = SYNC_SPECS[table]
    keys = tuple(dict.fromkeys(spec.clock_key(f) for f in spec.fields if f not in spec.sets))
    for row in rows:
        stamps = dict.fromkeys(keys, stamp)
        for name in spec.sets:
            row[name] = sorted(row[name])
            stamps.update((set_key(name, element), stamp) for element in row[name])
        row["stamps"] = stamps


def noon(day: date) -> datetime:
    """10:00 China time on a day, as aware UTC: when an office event of that day is recorded."""
    return datetime.combine(day, time(10), tzinfo=CHINA).astimezone(timezone.utc)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
