"""The visit form's logic: outcome, who was met, the nine service items, guidance, next follow-up, GPS."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

from mobile.services.resident_form import FormInvalid, parse_date
from mobile.services.search import household_address
from mobile.services.session import Session
from shared.validation import FieldError, normalize_text, validate_gps
from shared.vocab import ServiceItem, VisitOutcome, label_zh
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone

OUTCOMES = {o.value: label_zh(o.value) for o in VisitOutcome}
SERVICES = {s.value: label_zh(s.value) for s in ServiceItem}
FOLLOW_UP_SHORTCUTS = (7, 14, 30)


class VisitForm:
    def __init__(self, session: Session, household_id: str) -> None:
        self.session = session
        store = session.store
        self.household = store.get("household", household_id)
        if self.household is None:
            raise LookupError("household not on this phone")
        self.household_id = household_id
        self.members = [(r["id"], r.get("name") or "（未填姓名）")
                        for r in store.rows("resident", household_id=household_id)]
        self.outcome: Optional[str] = None
        self.met: set[str] = set()
        self.services: set[str] = set()
        self.guidance_given = False
        self.guidance_notes = ""
        self.notes = ""
        self.next_follow_up = ""
        self.position: Optional[tuple[float, float]] = None
        self.errors: dict[str, str] = {}

    @property
    def address(self) -> str:
        return household_address(self.household)

    def today(self) -> date:
        return self.session.now().astimezone(CHINA_TZ).date()

    def follow_up_in(self, days: int) -> str:
        self.next_follow_up = (self.today() + timedelta(days=days)).isoformat()
        self.errors.pop("next_follow_up_on", None)
        return self.next_follow_up

    def set_guidance_notes(self, text: str) -> None:
        self.guidance_notes = text
        if text.strip():
            self.guidance_given = True

    def set_position(self, latitude: Any, longitude: Any) -> None:
        try:
            self.position = validate_gps(latitude, longitude)
        except FieldError:
            self.position = None

    def _follow_up_date(self) -> Optional[date]:
        day = parse_date(self.next_follow_up, field="next_follow_up_on")
        if day is not None and day < self.today():
            raise FieldError("next_follow_up_on", "date.past", "不能早于今天", "must not be before today")
        return day

    def validate(self) -> dict[str, Any]:
        self.errors = {}
        if self.outcome not in OUTCOMES:
            self.errors["outcome"] = "请选择走访结果"
        try:
            follow_up = self._follow_up_date()
        except FieldError as error:
            self.errors["next_follow_up_on"] = error.message_zh
            follow_up = None
        texts = {}
        for name, value in (("guidance_notes", self.guidance_notes), ("notes", self.notes)):
            try:
                texts[name] = normalize_text(value, field=name, allow_newlines=True)
            except FieldError as error:
                self.errors[name] = error.message_zh
        if self.errors:
            raise FormInvalid(dict(self.errors))
        fields: dict[str, Any] = {
            "household_id": self.household_id,
            "grid_id": self.household["grid_id"],
            "coordinator_id": self.session.user.get("id"),
            "visited_at": self.session.now(),
            "outcome": self.outcome,
            "resident_ids": sorted(self.met) if self.outcome == "met" else [],
            "services": [s for s in SERVICES if s in self.services],
            "guidance_given": self.guidance_given or bool(texts["guidance_notes"]),
            "guidance_notes": texts["guidance_notes"],
            "notes": texts["notes"],
            "next_follow_up_on": follow_up,
        }
        if self.position is not None:
            fields["latitude"], fields["longitude"] = self.position
        return fields

    def save(self) -> str:
        """Append the visit (visits are never edited: a correction is a new visit)."""
        fields = self.validate()
        return self.session.store.append("visit", fields, now=self.session.now())
