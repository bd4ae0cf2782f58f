"""The resident form's logic: every field of the model, parsed and checked with shared.validation as it is typed.

The view hands raw text and choices to ``ResidentForm.set``; the form answers
which fields changed (a valid ID number fills the birth date and sex), keeps
one Chinese error per field, measures completeness with
``shared.validation.missing_fields``, warns when the ID number is already on
the phone, and saves through the store (one outbox entry). A change of
employment status, unemployment registration or ability also appends a dated
status record, so the history behind past months' rates is kept.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Optional

from mobile.services.search import household_address
from mobile.services.session import Session
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone
from shared.occupations import occupation_name
from shared.privacy import CONSENT_LABEL_ZH, NOTICE_VERSION
from shared.validation import (
    FIELD_LABELS_ZH,
    MEMBER_FIELDS,
    REQUIRED_IF_NOT_EMPLOYED,
    REQUIRED_RESIDENT_FIELDS,
    FieldError,
    birth_date_from_id,
    in_labour_force,
    missing_fields,
    normalize_code_text,
    normalize_name,
    normalize_text,
    sex_from_id,
    validate_distance_km,
    validate_id_number,
    validate_phone,
    validate_wage,
)
from shared.vocab import (
    EMPLOYED_STATUSES,
    Education,
    EmploymentStatus,
    Sex,
    StatusKind,
    WorkHours,
    label_zh,
    relation_zh,
)

LABELS: dict[str, str] = {
    **FIELD_LABELS_ZH,
    "relation": "与户主关系", "skills": "技能", "employment_since": "就业状态起始日期", "employer_name": "工作单位",
    "unemployment_registered_on": "失业登记日期", "able_to_work": "有劳动能力和就业愿望",
    "job_wish_hours": "期望工作时间", "job_wish_max_distance_km": "可接受距离（公里）",
    "disability": "残疾", "disability_level": "残疾等级", "consent": CONSENT_LABEL_ZH,
    "consent_scope": "同意范围", "notes": "备注",
}
RELATIONS = ("户主", "配偶", "儿子", "女儿", "父亲", "母亲", "兄弟姐妹", "孙子女", "儿媳/女婿", "其他")
DISABILITY_LEVELS = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}
YES_NO = {"yes": "是", "no": "否"}
CHOICES: dict[str, dict[str, str]] = {
    "sex": {s.value: label_zh(s.value) for s in Sex},
    "relation": {r: r for r in RELATIONS},  # older records' 子女/父母 are added as they are met
    "education": {e.value: label_zh(e.value) for e in Education},
    "employment_status": {s.value: label_zh(s.value) for s in EmploymentStatus},
    "unemployment_registered": YES_NO,
    "able_to_work": YES_NO,
    "job_wish_hours": {h.value: label_zh(h.value) for h in WorkHours},
    "disability_level": DISABILITY_LEVELS,
}
DATE_FIELDS = ("birth_date", "employment_since", "unemployment_registered_on")
TEXT_FIELDS = ("employer_name", "consent_scope", "notes")
BOOL3_FIELDS = ("unemployment_registered", "able_to_work")
NO_TRAINING_WORDS = frozenset({"无", "不需要", "没有", "不要", "否"})
DEFAULT_CONSENT_SCOPE = "就业服务信息采集与使用"
_DATE = re.compile(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?")
_EMPLOYED = frozenset(s.value for s in EMPLOYED_STATUSES)


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("表单有错误")
        self.errors = errors


def parse_date(text: str, *, field: str) -> Optional[date]:
    text = normalize_code_text(text or "", field=field)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise FieldError(field, "date.format", "日期格式应为 2024-03-15", "dates look like 2024-03-15")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def raw_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """The form's raw values (what the controls show) for a stored resident."""
    raw: dict[str, Any] = {}
    for name in ("name", "id_number", "phone", *TEXT_FIELDS):
        raw[name] = _text(row.get(name))
    for name in DATE_FIELDS:
        raw[name] = row[name].isoformat() if row.get(name) else ""
    for name in ("sex", "relation", "education", "employment_status", "job_wish_hours", "disability_level"):
        raw[name] = row.get(name) or None
    raw["relation"] = relation_zh(raw["relation"]) or None
    for name in BOOL3_FIELDS:
        raw[name] = None if row.get(name) is None else ("yes" if row[name] else "no")
    raw["skills"] = "、".join(row.get("skills") or [])
    raw["job_wish_occupations"] = list(row.get("job_wish_occupations") or [])
    raw["job_wish_min_wage"] = _text(row.get("job_wish_min_wage"))
    distance = row.get("job_wish_max_distance_km")
    raw["job_wish_max_distance_km"] = "" if distance is None else f"{distance:g}"
    training = row.get("training_wish")
    raw["training_wish"] = "" if training is None else (training or "无")
    raw["disability"] = bool(row.get("disability"))
    raw["consent"] = row.get("consent_given_at") is not None
    return raw


class ResidentForm:
    def __init__(self, session: Session, *, resident_id: str | None = None, household_id: str | None = None) -> None:
        self.session = session
        store = session.store
        self.original: dict[str, Any] = store.get("resident", resident_id) if resident_id else {}
        if resident_id and not self.original:
            raise LookupError("resident not on this phone")
        self.resident_id = resident_id
        self.household_id = household_id or self.original.get("household_id")
        self.household = store.get("household", self.household_id) or {}
        self.raw: dict[str, Any] = raw_from_row(self.original)
        if not self.original.get("consent_scope"):
            self.raw["consent_scope"] = DEFAULT_CONSENT_SCOPE
        self.initial_raw = dict(self.raw)
        self.errors: dict[str, str] = {}

    @property
    def consent_note(self) -> str:
        """How the recorded consent stands, for the form (empty when none is recorded)."""
        given = self.original.get("consent_given_at")
        if not given:
            return ""
        notice = self.original.get("consent_notice") or "旧版"
        return f"已于 {given.astimezone(CHINA_TZ).strftime('%Y-%m-%d')} 取得本人同意（告知书 {notice}）"

    @property
    def is_new(self) -> bool:
        return self.resident_id is None

    @property
    def address(self) -> str:
        return household_address(self.household)

    def today(self) -> date:
        return self.session.now().astimezone(CHINA_TZ).date()

    # --- typing -----------------------------------------------------------------

    def set(self, field: str, raw: Any, *, final: bool = False) -> set[str]:
        """Take a field's raw value; returns every field whose shown value or error changed.

        While typing (``final`` False) an ID number or phone that is still too
        short is not called wrong; on leaving the field or saving it is.
        """
        self.raw[field] = raw
        changed = {field}
        error = self._check(field, final=final)
        self._set_error(field, error)
        if field == "id_number" and error is None:
            try:
                number = self._parse("id_number")
            except FieldError:
                number = None  # still being typed
            if number:
                self.raw["birth_date"] = birth_date_from_id(number).isoformat()
                self.raw["sex"] = sex_from_id(number)
                self._set_error("birth_date", None)
                changed |= {"birth_date", "sex"}
        return changed

    def _set_error(self, field: str, error: Optional[str]) -> None:
        if error:
            self.errors[field] = error
        else:
            self.errors.pop(field, None)

    def _check(self, field: str, *, final: bool) -> Optional[str]:
        raw = self.raw.get(field)
        if not final and field == "id_number" and len(re.sub(r"\s", "", raw or "")) < 15:
            return None
        if not final and field == "phone" and len(re.sub(r"\D", "", raw or "")) < 11:
            return None
        try:
            self._parse(field)
        except FieldError as error:
            return error.message_zh
        return None

    def _parse(self, field: str) -> Any:
        raw = self.raw.get(field)
        if field == "name":
            return normalize_name(raw) if (raw or "").strip() else None
        if field == "id_number":
            return validate_id_number(raw, today=self.today()) if (raw or "").strip() else None
        if field == "phone":
            return validate_phone(raw) if (raw or "").strip() else None
        if field in DATE_FIELDS:
            day = parse_date(raw, field=field)
            if day and day > self.today():
                raise FieldError(field, "date.future", "不能晚于今天", "must not be in the future")
            return day
        if field in TEXT_FIELDS:
            return normalize_text(raw or "", field=field, allow_newlines=field == "notes")
        if field == "relation":
            return raw or ""  # a text column: "" when not asked
        if field in CHOICES and field not in BOOL3_FIELDS:
            return raw or None
        if field in BOOL3_FIELDS:
            return None if raw is None else raw == "yes"
        if field == "skills":
            text = normalize_text(raw or "", field=field)
            return sorted({s.strip() for s in re.split(r"[,，、;；\s]+", text) if s.strip()})
        if field == "job_wish_occupations":
            return sorted(set(raw or []))
        if field == "job_wish_min_wage":
            return validate_wage(raw, field=field) if (raw or "").strip() else None
        if field == "job_wish_max_distance_km":
            return self._distance(raw)
        if field == "training_wish":
            text = normalize_text(raw or "", field=field)
            if not text:
                return None
            return "" if text in NO_TRAINING_WORDS else text
        if field in ("disability", "consent"):
            return bool(raw)
        raise KeyError(field)

    def _distance(self, raw: Any) -> Optional[float]:
        text = normalize_code_text(raw or "", field="job_wish_max_distance_km")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = -1.0  # refused as out of range, with the range in the message
        return validate_distance_km(value)

    # --- what the form shows ------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Every field parsed; a field with an error counts as empty."""
        out: dict[str, Any] = {}
        for field in self.raw:
            try:
                out[field] = self._parse(field)
            except (FieldError, KeyError):
                out[field] = None
        return out

    def completeness(self) -> tuple[int, int, list[str]]:
        """(fields filled, fields required, Chinese labels of the missing ones) by the one rule in shared/."""
        values = self.values()
        employed = values.get("employment_status") in _EMPLOYED
        if in_labour_force(values, self.today()):
            required = [f for f in REQUIRED_RESIDENT_FIELDS if not (employed and f in REQUIRED_IF_NOT_EMPLOYED)]
        else:  # a child, a pensioner, a student: a household member, not a job seeker
            required = list(MEMBER_FIELDS)
        missing = missing_fields(values, on=self.today())
        return len(required) - len(missing), len(required), [LABELS[f] for f in missing]

    def duplicates(self) -> list[str]:
        """Other residents on the phone with the same ID number, as 'name（address）'."""
        try:
            number = self._parse("id_number")
        except FieldError:
            return []
        if not number:
            return []
        store = self.session.store
        found = []
        for row in store.find_by_id_number(number):
            if row["id"] == self.resident_id:
                continue
            home = household_address(store.get("household", row.get("household_id")) or {})
            found.append(f"{row.get('name') or '（未填姓名）'}（{home or '地址不详'}）")
        return found

    def occupation_labels(self) -> list[tuple[str, str]]:
        return [(code, occupation_name(code) or code) for code in self.raw.get("job_wish_occupations") or []]

    # --- saving -------------------------------------------------------------------

    def validate_all(self) -> dict[str, Any]:
        """Check every field; the ones the user touched must be right to save.

        A stored value that fails today's checks (an old record with a mistyped
        ID number) is shown as an error but does not block saving other fields:
        it is not sent, since it did not change.
        """
        for field in list(self.raw):
            self._set_error(field, self._check(field, final=True))
        values = self.values()
        if not values.get("name"):
            self.errors.setdefault("name", "不能为空")
        blocking = {f: e for f, e in self.errors.items() if self.is_new or self.raw.get(f) != self.initial_raw.get(f)}
        if blocking:
            raise FormInvalid(blocking)
        return values

    def changed_fields(self, values: dict[str, Any], now: datetime) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for field, value in values.items():
            if field == "consent":
                had = self.original.get("consent_given_at") is not None
                # when, what (the scope and the notice read out) and by whom: the consent group is written whole
                who = (self.session.user or {}).get("id")
                if value and not had:
                    fields.update(consent_given_at=now, consent_notice=NOTICE_VERSION, consent_recorded_by=who,
                                  consent_scope=values.get("consent_scope") or DEFAULT_CONSENT_SCOPE)
                elif not value and had:  # withdrawn: who recorded the withdrawal
                    fields.update(consent_given_at=None, consent_notice="", consent_recorded_by=who)
                continue
            if self.is_new or (self.original.get(field) != value and self.raw.get(field) != self.initial_raw.get(field)):
                fields[field] = value
        if self.is_new:
            fields.update(household_id=self.household_id, grid_id=self.household.get("grid_id"),
                          community_id=self.household.get("community_id"))
            if not values.get("consent"):
                fields.pop("consent_scope", None)  # the scope describes a consent given
            # a new row carries only what was filled ("" training wish means "none wanted": keep it)
            fields = {k: v for k, v in fields.items()
                      if v is not None and v != [] and (v != "" or k == "training_wish")}
        return fields

    def save(self) -> str:
        """Validate everything and write the resident (and any status records) through the outbox."""
        values = self.validate_all()
        store = self.session.store
        now = self.session.now()
        fields = self.changed_fields(values, now)
        if not fields:
            return self.resident_id or ""
        try:
            with store.transaction():  # the resident and its status records commit together, or neither
                resident_id = store.save("resident", fields, row_id=self.resident_id, now=now)
                for record in self.status_records(values, resident_id):
                    store.append("status_record", record, now=now)
        except FieldError as error:
            self.errors[error.field] = error.message_zh
            raise FormInvalid(dict(self.errors)) from None
        self.resident_id = resident_id
        self.original = store.get("resident", resident_id) or {}
        self.initial_raw = raw_from_row(self.original)
        if self.session.search_index is not None:
            self.session.search_index.upsert_resident(self.original)
        return resident_id

    def status_records(self, values: dict[str, Any], resident_id: str) -> list[dict[str, Any]]:
        """Dated history for the fields the rates are computed from, when they changed."""
        today = self.today()
        changes = (
            (StatusKind.employment, "employment_status", values.get("employment_status"),
             values.get("employment_since")),
            (StatusKind.registration, "unemployment_registered",
             None if values.get("unemployment_registered") is None
             else ("registered" if values["unemployment_registered"] else "deregistered"),
             values.get("unemployment_registered_on")),
            (StatusKind.ability, "able_to_work",
             None if values.get("able_to_work") is None else ("able" if values["able_to_work"] else "unable"), None),
        )
        records = []
        for kind, field, value, since in changes:
            if value is None or (not self.is_new and self.original.get(field) == values.get(field)):
                continue
            if value == "deregistered" and self.original.get(field) is not True:
                continue  # "not registered" for someone never registered is no deregistration
            records.append({
                "resident_id": resident_id, "grid_id": self.household.get("grid_id") or self.original.get("grid_id"),
                "kind": kind.value, "value": value, "effective_on": since or today,
                "recorded_by": self.session.user.get("id"), "recorded_at": self.session.now(),
            })
        return records
