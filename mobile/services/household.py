"""The household card and "one person, one card" (一人一卡): members, hardship flags, each member's service history."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Optional

from mobile.services.search import household_address
from mobile.services.session import Session
from mobile.services.worklist import is_on_the_clock, member_employment, zero_employment_days_left
from mobile.state import AppState
from shared.validation import age_on, missing_fields
from shared.vocab import label_zh
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone

HARDSHIP_FLAGS = ("zero_employment", "double_unemployed", "single_parent", "low_income", "relocated")
REGISTRATION_LABELS = {"registered": "失业登记", "deregistered": "注销失业登记", "able": "有劳动能力和就业愿望",
                       "unable": "无劳动能力或就业愿望"}


@dataclass
class HistoryEvent:
    on: date
    kind: str  # visit | guidance | status | referral | outcome
    title: str
    detail: str = ""


@dataclass
class Member:
    row: dict[str, Any]
    age: Optional[int]
    tags: list[str]
    missing: list[str]
    history: list[HistoryEvent] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.row["id"]


@dataclass
class HouseholdCard:
    household: dict[str, Any]
    address: str
    flags: list[str]
    members: list[Member]
    visit_count: int
    last_visit: Optional[dict[str, Any]]


def _day(value: Any) -> date:
    return value.astimezone(CHINA_TZ).date() if isinstance(value, datetime) else value


def member_tags(row: dict[str, Any], age: Optional[int]) -> list[str]:
    tags = [label_zh(row["employment_status"])] if row.get("employment_status") else []
    if row.get("unemployment_registered"):
        tags.append("已失业登记")
    if age is not None and row.get("sex") and age >= (40 if row["sex"] == "female" else 50) and age < 60:
        tags.append("4050人员")
    if row.get("disability"):
        tags.append("残疾")
    return tags


def visit_events(visit: dict[str, Any]) -> list[HistoryEvent]:
    on = _day(visit["visited_at"])
    services = "、".join(label_zh(s) for s in visit.get("services") or [])
    events = [HistoryEvent(on, "visit", f"走访：{label_zh(visit['outcome'])}", services)]
    if visit.get("guidance_given") or visit.get("guidance_notes"):
        events.append(HistoryEvent(on, "guidance", "就业指导", visit.get("guidance_notes") or ""))
    return events


def status_event(record: dict[str, Any]) -> HistoryEvent:
    value = record["value"]
    if record["kind"] == "employment":
        title = f"就业状态：{label_zh(value)}"
        kind = "outcome" if value in ("employed", "flexible", "self_employed") else "status"
    else:
        title = REGISTRATION_LABELS.get(value, label_zh(value))
        kind = "status"
    return HistoryEvent(record["effective_on"], kind, title)


class HouseholdService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def card(self, household_id: str) -> Optional[HouseholdCard]:
        store = self.session.store
        household = store.get("household", household_id)
        if household is None:
            return None
        today = self.session.now().astimezone(CHINA_TZ).date()
        visits = sorted(store.rows("visit", household_id=household_id), key=lambda v: v["visited_at"], reverse=True)
        members = [self._member(row, visits, today) for row in store.rows("resident", household_id=household_id)]
        members.sort(key=lambda m: (m.row.get("relation") != "户主", m.row.get("birth_date") or date.max))
        flags = [label_zh(f) for f in HARDSHIP_FLAGS if household.get(f)]
        left = (zero_employment_days_left(household, member_employment(store, household_id), today)
                if is_on_the_clock(household) else None)
        if left is not None:
            flags.append(f"零就业时限逾期 {-left} 天" if left < 0 else f"零就业时限剩 {left} 天")
        return HouseholdCard(household, household_address(household), flags, members, len(visits),
                             visits[0] if visits else None)

    def _member(self, row: dict[str, Any], visits: list[dict[str, Any]], today: date) -> Member:
        store = self.session.store
        age = age_on(row["birth_date"], today) if row.get("birth_date") and row["birth_date"] <= today else None
        history: list[HistoryEvent] = []
        for visit in visits:
            met = visit.get("resident_ids") or []
            if not met or row["id"] in met:
                history.extend(visit_events(visit))
        history.extend(status_event(r) for r in store.rows("status_record", resident_id=row["id"]))
        for referral in store.rows("referral", resident_id=row["id"]):
            vacancy = store.get("vacancy", referral["vacancy_id"]) or {}
            title = f"推荐岗位：{vacancy.get('title') or '（岗位）'}"
            history.append(HistoryEvent(_day(referral["created_at"]), "referral", title,
                                        f"当前：{label_zh(referral.get('status'))}"))
            for event in store.rows("referral_event", referral_id=referral["id"]):
                if event["status"] != "referred":
                    history.append(HistoryEvent(event["occurred_on"], "outcome",
                                                f"推荐结果：{label_zh(event['status'])}", event.get("note") or ""))
        history.sort(key=lambda e: e.on, reverse=True)
        return Member(row, age, member_tags(row, age), missing_fields(row, on=today), history)
