"""Today's worklist: my households in the order they need doing, and the filters over it.

Order (the most urgent reason a household has decides its place; every reason shows):
1. a zero-employment household whose clock is running (20 days from when it
   was identified, one month when two members are wanted): overdue ones first,
   then fewest days left; the clock is ``shared.coverage.zero_employment_clock``, the
   one the manager's lists use (dates from ``shared.zero_employment``, stopped by the
   members' employment histories as they stood today);
2. a hardship household (double-unemployed, single-parent, low-income, relocated)
   with something due: never visited or a follow-up due;
3. a follow-up due today or overdue (the latest visit's next follow-up date), most overdue first;
4. never visited;
5. changed by someone else in the last week (newest first), after this phone's
   first sync (what the first download brought is the starting point, not news).
Households with none of these are counted, not listed: search finds them.
``filter_worklist`` narrows it by grid, hardship flag and reason.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Optional

from mobile.services.search import household_address
from mobile.services.session import Session
from mobile.state import AppState
from shared.coverage import History, zero_employment_clock
from shared.hlc import parse_stamp
from shared.vocab import StatusKind
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone

RECENT_CHANGE_DAYS = 7
NEVER_VISITED, FOLLOW_UP, ZERO_EMPLOYMENT, CHANGED_BY_OTHERS, HARDSHIP = range(5)
RANK = {ZERO_EMPLOYMENT: 0, HARDSHIP: 1, FOLLOW_UP: 2, NEVER_VISITED: 3, CHANGED_BY_OTHERS: 4}  # what comes first
HARDSHIP_FLAGS = {"zero_employment": "零就业", "double_unemployed": "双失业", "single_parent": "单亲家庭",
                  "low_income": "低保", "relocated": "棚改回迁"}
REASON_FILTERS = {ZERO_EMPLOYMENT: "零就业时限", HARDSHIP: "困难家庭", FOLLOW_UP: "回访到期",
                  NEVER_VISITED: "从未走访", CHANGED_BY_OTHERS: "他人修改"}


def member_employment(store: Any, household_id: str) -> list[History]:
    """The employment history of each member of a household, from the phone's status records."""
    return [History.from_records(store.rows("status_record", resident_id=r["id"], kind=StatusKind.employment.value))
            for r in store.rows("resident", household_id=household_id)]


def is_on_the_clock(household: Mapping[str, Any]) -> bool:
    return bool(household.get("zero_employment")) and household.get("zero_employment_identified_on") is not None


def zero_employment_days_left(household: Mapping[str, Any], employment: Sequence[History],
                              today: date) -> Optional[int]:
    """Days left on a running zero-employment clock (negative: days overdue), None when no clock runs.

    A clock runs until enough members became employed (met, or late): only
    then does the household leave the worklist. A stop dated after ``today``
    is not seen yet.
    """
    clock = zero_employment_clock(household, employment, today)
    if clock is None or clock.resolved_on is not None:
        return None
    return clock.days_left if clock.state == "open" else -(clock.days_overdue or 0)


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
    return datetime.fromtimestamp(latest / 1000, tz=CHINA_TZ)


@dataclass
class WorkItem:
    household_id: str
    address: str
    names: list[str]
    reasons: list[tuple[int, str]] = field(default_factory=list)  # (kind, Chinese text), most urgent first
    sort_key: tuple = ()
    grid_id: Optional[str] = None
    flags: list[str] = field(default_factory=list)  # hardship flag codes (HARDSHIP_FLAGS)

    @property
    def kinds(self) -> set[int]:
        return {kind for kind, _ in self.reasons}

    @property
    def urgent(self) -> bool:
        """Overdue: a zero-employment deadline or a follow-up has passed."""
        return any(text.startswith(("回访逾期", "零就业 逾期")) for _, text in self.reasons)


@dataclass
class Worklist:
    items: list[WorkItem]
    households: int  # all my households on the phone
    nothing_due: int


def build_worklist(households: list[dict[str, Any]], visits: list[dict[str, Any]],
                   names: dict[str, list[str]], resident_changes: dict[str, datetime],
                   *, today: date, now: datetime, my_device_id: str | None,
                   since: Optional[datetime] = None,
                   employment: Optional[Mapping[str, Sequence[History]]] = None) -> Worklist:
    """Pure: the worklist from rows already read (tests and the benchmark call it directly).

    ``employment``: for each zero-employment household, its members' employment
    histories (``member_employment``); a household missing there has nobody employed.
    """
    employment = employment or {}
    latest_visit: dict[str, dict[str, Any]] = {}
    for v in visits:
        seen = latest_visit.get(v["household_id"])
        if seen is None or v["visited_at"] > seen["visited_at"]:
            latest_visit[v["household_id"]] = v
    items: list[WorkItem] = []
    for h in households:
        item = WorkItem(h["id"], household_address(h), names.get(h["id"], []), grid_id=h.get("grid_id"),
                        flags=[f for f in HARDSHIP_FLAGS if h.get(f)])
        keys: list[tuple] = []
        left = zero_employment_days_left(h, employment.get(h["id"], ()), today)
        if left is not None:
            item.reasons.append((ZERO_EMPLOYMENT, f"零就业 逾期 {-left} 天" if left < 0 else f"零就业 剩 {left} 天"))
            keys.append((RANK[ZERO_EMPLOYMENT], left, item.address))
        visit = latest_visit.get(h["id"])
        due: Optional[tuple[int, int]] = None  # (kind, days late)
        if visit is None:
            item.reasons.append((NEVER_VISITED, "从未走访"))
            due = (NEVER_VISITED, 0)
        elif visit.get("next_follow_up_on") and visit["next_follow_up_on"] <= today:
            late = (today - visit["next_follow_up_on"]).days
            item.reasons.append((FOLLOW_UP, f"回访逾期 {late} 天" if late else "今天回访"))
            due = (FOLLOW_UP, late)
        if due is not None:
            keys.append((RANK[due[0]], -due[1], item.address))
            hardship = [HARDSHIP_FLAGS[f] for f in item.flags if f != "zero_employment"]
            if hardship and left is None:
                item.reasons.insert(0, (HARDSHIP, "困难家庭：" + "、".join(hardship)))
                keys.append((RANK[HARDSHIP], -due[1], item.address))
        changed = max(filter(None, (last_change_by_others([h], my_device_id), resident_changes.get(h["id"]))),
                      default=None)
        recent = changed is not None and now - changed <= timedelta(days=RECENT_CHANGE_DAYS)
        if recent and (since is None or changed > since):
            days = (today - changed.date()).days
            item.reasons.append((CHANGED_BY_OTHERS, "他人今天修改" if days <= 0 else f"他人 {days} 天前修改"))
            keys.append((RANK[CHANGED_BY_OTHERS], -changed.timestamp(), item.address))
        if keys:
            item.sort_key = min(keys)
            items.append(item)
    items.sort(key=lambda i: i.sort_key)
    return Worklist(items, len(households), len(households) - len(items))


def filter_worklist(items: Sequence[WorkItem], *, grid_id: Optional[str] = None, flag: Optional[str] = None,
                    reason: Optional[int] = None) -> list[WorkItem]:
    """The items of one grid, with one hardship flag, having one reason (None: any)."""
    return [i for i in items if (grid_id is None or i.grid_id == grid_id) and (flag is None or flag in i.flags)
            and (reason is None or reason in i.kinds)]


class WorklistService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def today(self) -> date:
        return self.session.now().astimezone(CHINA_TZ).date()

    def grids(self) -> dict[str, str]:
        """My grids by id, with their names (for the grid filter)."""
        names = {a.get("id"): a.get("name") for a in self.session.user.get("areas", [])}
        return {g: names.get(g) or g for g in self.session.grid_ids}

    def worklist(self) -> Worklist:
        store = self.session.store
        households = store.rows("household")
        visits = store.rows("visit")
        index = self.session.search_index
        names = index.household_names() if index is not None else {}
        changes = index.changed_by_others if index is not None else {}
        since = self.session.meta("first_sync_at")
        employment = {h["id"]: member_employment(store, h["id"]) for h in households if is_on_the_clock(h)}
        return build_worklist(
            households, visits, names, changes, today=self.today(), now=self.session.now(),
            my_device_id=store.device_id, since=datetime.fromisoformat(since) if since else None,
            employment=employment,
        )
