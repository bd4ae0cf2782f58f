"""Today's worklist: my households in the order they need doing.

Order (the first reason a household has decides its place; every reason shows):
1. never visited;
2. a follow-up due today or overdue (the latest visit's next follow-up date);
3. a zero-employment household whose clock is running (20 days from when it
   was identified, one month when two members are wanted), fewest days left first;
4. changed by someone else in the last week (newest first), after this phone's
   first sync (what the first download brought is the starting point, not news).
Households with none of these are counted, not listed: search finds them.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Optional

from mobile.services.search import household_address
from mobile.services.session import Session
from mobile.state import AppState
from shared.hlc import parse_stamp

ZERO_EMPLOYMENT_DAYS = 20
RECENT_CHANGE_DAYS = 7
NEVER_VISITED, FOLLOW_UP, ZERO_EMPLOYMENT, CHANGED_BY_OTHERS = range(4)


def add_one_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def zero_employment_deadline(identified_on: date, wants_two: bool) -> date:
    return add_one_month(identified_on) if wants_two else identified_on + timedelta(days=ZERO_EMPLOYMENT_DAYS)


def zero_employment_days_left(household: dict[str, Any], today: date) -> Optional[int]:
    """Days left on a running zero-employment clock (negative when overdue), None when no clock runs."""
    identified = household.get("zero_employment_identified_on")
    if not household.get("zero_employment") or identified is None:
        return None
    if household.get("zero_employment_met") or household.get("zero_employment_resolved_on"):
        return None
    return (zero_employment_deadline(identified, bool(household.get("zero_employment_wants_two"))) - today).days


def last_change_by_others(rows: list[dict[str, Any]], my_device_id: str | None) -> Optional[datetime]:
    """When someone on another device last changed any of these rows (from their clock stamps)."""
    latest: Optional[int] = None
    for row in rows:
        for text in (row.get("stamps") or {}).values():
            if not isinstance(text, str):
                continue  # set fields keep a stamp per element
            try:
                stamp = parse_stamp(text)
            except ValueError:
                continue
            if stamp.device_id != my_device_id and (latest is None or stamp.physical_ms > latest):
                latest = stamp.physical_ms
    if latest is None:
        return None
    return datetime.fromtimestamp(latest / 1000, tz=datetime.now().astimezone().tzinfo)


@dataclass
class WorkItem:
    household_id: str
    address: str
    names: list[str]
    reasons: list[tuple[int, str]] = field(default_factory=list)  # (kind, Chinese text)
    sort_key: tuple = ()


@dataclass
class Worklist:
    items: list[WorkItem]
    households: int  # all my households on the phone
    nothing_due: int


def build_worklist(households: list[dict[str, Any]], visits: list[dict[str, Any]],
                   names: dict[str, list[str]], resident_changes: dict[str, datetime],
                   *, today: date, now: datetime, my_device_id: str | None,
                   since: Optional[datetime] = None) -> Worklist:
    """Pure: the worklist from rows already read (tests and the benchmark call it directly)."""
    latest_visit: dict[str, dict[str, Any]] = {}
    for v in visits:
        seen = latest_visit.get(v["household_id"])
        if seen is None or v["visited_at"] > seen["visited_at"]:
            latest_visit[v["household_id"]] = v
    items: list[WorkItem] = []
    for h in households:
        item = WorkItem(h["id"], household_address(h), names.get(h["id"], []))
        keys: list[tuple] = []
        visit = latest_visit.get(h["id"])
        if visit is None:
            item.reasons.append((NEVER_VISITED, "从未走访"))
            keys.append((NEVER_VISITED, 0, item.address))
        elif visit.get("next_follow_up_on") and visit["next_follow_up_on"] <= today:
            late = (today - visit["next_follow_up_on"]).days
            item.reasons.append((FOLLOW_UP, f"回访逾期 {late} 天" if late else "今天回访"))
            keys.append((FOLLOW_UP, -late, item.address))
        left = zero_employment_days_left(h, today)
        if left is not None:
            item.reasons.append((ZERO_EMPLOYMENT, f"零就业 逾期 {-left} 天" if left < 0 else f"零就业 剩 {left} 天"))
            keys.append((ZERO_EMPLOYMENT, left, item.address))
        changed = max(filter(None, (last_change_by_others([h], my_device_id), resident_changes.get(h["id"]))),
                      default=None)
        recent = changed is not None and now - changed <= timedelta(days=RECENT_CHANGE_DAYS)
        if recent and (since is None or changed > since):
            days = (today - changed.date()).days
            item.reasons.append((CHANGED_BY_OTHERS, "他人今天修改" if days <= 0 else f"他人 {days} 天前修改"))
            keys.append((CHANGED_BY_OTHERS, -changed.timestamp(), item.address))
        if keys:
            item.sort_key = min(keys)
            items.append(item)
    items.sort(key=lambda i: i.sort_key)
    return Worklist(items, len(households), len(households) - len(items))


class WorklistService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def today(self) -> date:
        return self.session.now().astimezone().date()

    def worklist(self) -> Worklist:
        store = self.session.store
        households = store.rows("household")
        visits = store.rows("visit")
        index = self.session.search_index
        names = index.household_names() if index is not None else {}
        changes = index.changed_by_others if index is not None else {}
        since = self.session.meta("first_sync_at")
        return build_worklist(
            households, visits, names, changes, today=self.today(), now=self.session.now(),
            my_device_id=store.device_id, since=datetime.fromisoformat(since) if since else None,
        )
