"""Conflicts that concern me: both values side by side, in words, and my decision written back through the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mobile.services.resident_form import LABELS as RESIDENT_LABELS
from mobile.services.search import household_address
from mobile.services.session import Session
from mobile.services.sync import TABLE_LABELS
from mobile.state import AppState
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
class ConflictItem:
    id: str
    record: str  # which record, in words
    field: str  # which field, in words
    text_a: str
    text_b: str
    who_a: str
    who_b: str
    winner: str  # "a" or "b": the value in force now
    row: dict[str, Any]


class ConflictService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def _who(self, user_id: Any, device_id: Any) -> str:
        store = self.session.store
        if device_id and device_id == store.device_id:
            return "本机"
        if user_id and user_id == self.session.user.get("id"):
            return "我（其他设备）"
        return "其他人员"

    def concerns_me(self, row: dict[str, Any]) -> bool:
        me, device = self.session.user.get("id"), self.session.store.device_id
        return me in (row.get("user_a"), row.get("user_b")) or device in (row.get("device_a"), row.get("device_b"))

    def open_conflicts(self) -> list[ConflictItem]:
        items = [self._item(row) for row in self.session.store.open_conflicts() if self.concerns_me(row)]
        items.sort(key=lambda i: i.row.get("created_at") or datetime.min)
        return items

    def _item(self, row: dict[str, Any]) -> ConflictItem:
        field = row["field"]
        return ConflictItem(
            row["id"], self._record_label(row), FIELD_LABELS.get(field, field),
            value_text(field, row.get("value_a")), value_text(field, row.get("value_b")),
            self._who(row.get("user_a"), row.get("device_a")), self._who(row.get("user_b"), row.get("device_b")),
            row.get("winner") or "a", row,
        )

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
