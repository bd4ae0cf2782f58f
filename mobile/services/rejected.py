"""Changes the server refused: which record and fields, why (in Chinese), and dismissing them once read.

The store keeps every rejected change (``store.rejected_changes()``); they are
never retried, so the coordinator must see them to redo the work some other way
(a deleted record, a household moved out of their grid ...).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobile.services.conflicts import FIELD_LABELS, record_label
from mobile.services.session import Session
from mobile.services.sync import reason_zh
from mobile.state import AppState
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone


@dataclass
class RejectedItem:
    seq: int
    record: str  # which record, in words
    what: str  # the fields the change wrote, or "删除"
    reason: str  # in Chinese
    when: str  # local time it was refused


def _when(value: Any) -> str:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


class RejectedService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def items(self) -> list[RejectedItem]:
        """Every refused change still kept on the phone, oldest first."""
        store = self.session.store
        out = []
        for change in store.rejected_changes():
            if change.get("op") == "delete":
                what = "删除"
            else:
                what = "、".join(dict.fromkeys(FIELD_LABELS.get(f, f) for f in change.get("fields") or {})) or "修改"
            out.append(RejectedItem(change["seq"], record_label(store, change["table"], change["row_id"]), what,
                                    reason_zh(change["code"]), _when(change.get("rejected_at"))))
        return out

    def dismiss(self, seq: int) -> None:
        """The coordinator has read it: forget it on this phone."""
        self.session.store.dismiss_rejected(seq)
