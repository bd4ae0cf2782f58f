"""Conflicts that concern me: both values in words, who wrote each and when, the one in force, my decision."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Optional

from mobile.services.directory import name_of
from mobile.services.resident_form import LABELS as RESIDENT_LABELS
from mobile.services.search import household_address
from mobile.services.session import Session
from mobile.services.sync import TABLE_LABELS
from mobile.state import AppState
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone
from shared.hlc import parse_stamp
from shared.occupations import occupation_name
from shared.vocab import label_zh

FIELD_LABELS = {
    **RESIDENT_LABELS,
    "employment": "就业状态", "registration": "失业登记", "consent": "本人同意", "address": "地址",
    "building": "楼栋", "unit": "单元", "room": "室", "zero_employment_clock": "零就业结案",
    "zero_employment": "零就业家庭", "double_unemployed": "双失业", "single_parent": "单亲家庭",
    "low_income": "低保", "relocated": "棚改回迁", "zero_employment_identified_on": "零就业认定日期",
    "zero_employment_wants_two": "需两人就业", "zero_employment_resolved_on": "零就业结案日期",
    "zero_employment_met": "按时实现就业", "title": "岗位名称", "openings": "招聘人数", "wage": "工资",
    "consent_given_at": "同意时间",
}


def value_text(field: str, value: Any) -> str:
    """A stored value in words (codes to labels, dates, yes/no, group members joined)."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, dict):
        return "，".join(f"{FIELD_LABELS.get(k, k)}：{value_text(k, v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        if field == "job_wish_occupations":
            return "、".join(occupation_name(v) or v for v in value)
        return "、".join(label_zh(str(v)) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return label_zh(str(value))


def record_label(store: Any, table: str, row_id: str) -> str:
    """Which record, in words: "居民 王芳", "住户 幸福路 3栋"; a deleted one says so."""
    record = store.get(table, row_id, include_deleted=True) or {}
    gone = "（已删除）" if record.get("deleted") else ""
    if table == "resident":
        return f"居民 {record.get('name') or ''}".strip() + gone
    if table == "household":
        return f"住户 {household_address(record)}".strip() + gone
    if table == "vacancy" and record.get("title"):
        return f"岗位 {record['title']}{gone}"
    if table == "employer" and record.get("name"):
        return f"用人单位 {record['name']}{gone}"
    return TABLE_LABELS.get(table, table) + gone


@dataclass
class Side:
    """One of the two values: in words, who wrote it, when, and whether it is the one in force now."""

    key: str  # "a" (what the server had) or "b" (what came in)
    text: str
    who: str  # 我（本机）, 我（另一台设备）, a colleague's name, 其他工作人员
    when: str  # "11-25 14:03", "" when unknown
    in_force: bool
    mine: bool  # written on this phone


@dataclass
class ConflictItem:
    id: str
    record: str  # which record, in words
    field: str  # which field, in words
    a: Side
    b: Side
    row: dict[str, Any]

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.a, self.b

    @property
    def in_force(self) -> Side:
        return self.a if self.a.in_force else self.b

    @property
    def mine_lost(self) -> bool:
        """This phone's value was overwritten: the coordinator must be told and confirm."""
        return any(s.mine and not s.in_force for s in self.sides) and not all(s.mine for s in self.sides)


def stamp_time(text: Any) -> str:
    """When a stamp was made, local time, "11-25 14:03" ("" for a missing or unreadable stamp)."""
    try:
        stamp = parse_stamp(str(text or ""))
    except ValueError:
        return ""
    return datetime.fromtimestamp(stamp.physical_ms / 1000, tz=timezone.utc).astimezone(CHINA_TZ).strftime("%m-%d %H:%M")


class ConflictService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def _who(self, user_id: Any, device_id: Any) -> str:
        store = self.session.store
        if device_id and device_id == store.device_id:
            return "我（本机）"
        if user_id and user_id == self.session.user.get("id"):
            return "我（另一台设备）"
        return name_of(self.session, user_id) or "其他工作人员"  # the directory of colleagues (mobile.services.directory)

    def concerns_me(self, row: dict[str, Any]) -> bool:
        me, device = self.session.user.get("id"), self.session.store.device_id
        return me in (row.get("user_a"), row.get("user_b")) or device in (row.get("device_a"), row.get("device_b"))

    def open_conflicts(self) -> list[ConflictItem]:
        items = [self._item(row) for row in self.session.store.open_conflicts() if self.concerns_me(row)]
        items.sort(key=lambda i: i.row.get("created_at") or datetime.min)
        return items

    def lost_count(self) -> int:
        """Open conflicts in which the value this phone wrote is not the one in force."""
        return sum(1 for item in self.open_conflicts() if item.mine_lost)

    def _current_text(self, row: dict[str, Any]) -> Optional[str]:
        """The field's value on the phone now (what the server holds after a sync), in words."""
        record = self.session.store.get(row["table_name"], row["row_id"], include_deleted=True)
        if not record:
            return None
        field = row["field"]
        if field in record:
            return value_text(field, record[field])
        sample = row.get("value_a") if isinstance(row.get("value_a"), dict) else row.get("value_b")
        if isinstance(sample, dict):  # a group of fields written together
            return value_text(field, {k: record.get(k) for k in sample})
        return None

    def _item(self, row: dict[str, Any]) -> ConflictItem:
        field = row["field"]
        texts = {k: value_text(field, row.get(f"value_{k}")) for k in ("a", "b")}
        current = self._current_text(row)
        winner = row.get("winner") or "a"
        if current is not None and current in texts.values() and texts["a"] != texts["b"]:
            winner = "a" if texts["a"] == current else "b"
        device = self.session.store.device_id
        sides = [Side(k, texts[k], self._who(row.get(f"user_{k}"), row.get(f"device_{k}")),
                      stamp_time(row.get(f"stamp_{k}")), winner == k, bool(device) and row.get(f"device_{k}") == device)
                 for k in ("a", "b")]
        return ConflictItem(row["id"], self._record_label(row), FIELD_LABELS.get(field, field), *sides, row)

    def _record_label(self, row: dict[str, Any]) -> str:
        return record_label(self.session.store, row["table_name"], row["row_id"])

    def decide(self, conflict_id: str, side: str) -> None:
        """Keep value a or b for the field; both the field and the conflict's resolution go to the server."""
        row = next((r for r in self.session.store.open_conflicts() if r["id"] == conflict_id), None)
        if row is None:
            raise LookupError("conflict already resolved")
        chosen = row["value_a"] if side == "a" else row["value_b"]
        self.session.store.resolve_conflict(conflict_id, chosen, now=self.session.now())
        self.state.pending = self.session.store.pending_count()
        self.state.open_conflicts = len(self.open_conflicts())
