"""Jobs on the phone: employers and vacancies (offline, street-wide), matching, and referrals tracked to the outcome.

Everything goes through the device store, so it works offline and syncs like
any other record: employers and vacancies carry the coordinator's street
(every coordinator of the street sees them), referrals and their events the
resident's grid. A referral's status is ``shared.merge.referral_status`` over
its events (the same fold the server uses), so a status only moves forward
on every phone. "Today" is the date in China (UTC+8), as the store checks dates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

from mobile.services.directory import name_of
from mobile.services.referral_slip import Slip, build_slip
from mobile.services.session import Session
from mobile.state import AppState
from shared.matching import Seeker, Suggestion, VacancyIndex, rank_residents, rank_vacancies
from shared.merge import referral_status
from shared.models import new_check_token, new_id
from shared.occupations import occupation_name
from shared.referrals import (
    EMPLOYER_RECORDER,
    allowed_next,
    can_move,
    hire_effects,
    is_final,
    normalize_code,
    referral_code,
    timeline,
)
from shared.validation import FieldError, normalize_code_text, normalize_text, validate_phone, validate_wage
from shared.vocab import Education, WorkHours, label_zh

CHINA = timezone(timedelta(hours=8))
DEFAULT_VALID_DAYS = 30
_LANDLINE = re.compile(r"(0\d{2,3}-?)?\d{7,8}(-\d{1,5})?")
_SKILL_SPLIT = re.compile(r"[、,，;；/\s]+")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
STATE_LABELS = {"open": "招聘中", "expired": "已过期", "filled": "已招满", "closed": "已关闭"}


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def vacancy_state(row: dict[str, Any], today: date) -> str:
    """open | expired | filled | closed (the first that applies, closed first)."""
    if row.get("closed"):
        return "closed"
    if (row.get("filled") or 0) >= (row.get("openings") or 1):
        return "filled"
    if row.get("valid_until") is not None and row["valid_until"] < today:
        return "expired"
    return "open"


def wage_text(row: dict[str, Any]) -> str:
    low, high = row.get("wage_min"), row.get("wage_max")
    if low is None and high is None:
        return "面议"
    if low is not None and high is not None and high != low:
        return f"{low:,}–{high:,} 元/月"
    return f"{(low if low is not None else high):,} 元/月" + ("起" if high is None else "")


def parse_day(text: str, *, field: str) -> Optional[date]:
    text = normalize_code_text(text or "", field=field)
    if not text:
        return None
    match = _DATE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise FieldError(field, "date.format", "日期格式应为 2025-07-31", "dates look like 2025-07-31")


def split_skills(text: str) -> list[str]:
    return sorted({s for s in (normalize_text(p, field="text") for p in _SKILL_SPLIT.split(text or "")) if s})


def check_contact_phone(text: str) -> str:
    """A mobile number (11 digits) or a landline such as 024-12345678; "" when empty."""
    text = normalize_code_text(text or "", field="phone").replace(" ", "")
    if not text:
        return ""
    try:
        return validate_phone(text)
    except FieldError:
        if _LANDLINE.fullmatch(text):
            return text
    raise FieldError("phone", "phone.contact", "应为手机号或座机号（如 024-12345678）",
                     "must be a mobile or landline number")


# --- the vacancy form -------------------------------------------------------------------

VACANCY_LABELS = {
    "employer_id": "用人单位", "title": "岗位名称", "occupation_code": "职业（工种）", "openings": "招聘人数",
    "filled": "已招人数", "wage_min": "最低月薪", "wage_max": "最高月薪", "hours": "工作时间", "shift": "班次",
    "location": "工作地点", "community_id": "所在社区", "age_min": "最低年龄", "age_max": "最高年龄",
    "education_min": "最低学历", "skills_required": "技能要求", "public_welfare": "公益性岗位",
    "assistance_base": "再就业援助基地", "valid_until": "有效期至", "closed": "停止招聘",
}
HOURS_CHOICES = {h.value: label_zh(h.value) for h in WorkHours}
EDUCATION_CHOICES = {e.value: label_zh(e.value) for e in Education}


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("表单有错误")
        self.errors = errors


def _int_in(text: Any, field: str, low: int, high: int) -> Optional[int]:
    text = normalize_code_text(str(text or ""), field="text")
    if not text:
        return None
    if not text.isdigit():
        raise FieldError(field, "int.characters", "应为整数", "must be a whole number")
    value = int(text)
    if not low <= value <= high:
        raise FieldError(field, "int.range", f"应在 {low} 到 {high} 之间", f"must be from {low} to {high}")
    return value


class VacancyForm:
    """The vacancy form's values (raw text as typed), checks, and save; the view only shows it."""

    def __init__(self, jobs: "JobsService", vacancy_id: Optional[str] = None) -> None:
        self.jobs = jobs
        self.vacancy_id = vacancy_id
        self.row = jobs.vacancy(vacancy_id) if vacancy_id else None
        today = jobs.today()
        row = self.row or {"openings": 1, "filled": 0, "valid_until": today + timedelta(days=DEFAULT_VALID_DAYS)}
        self.raw: dict[str, Any] = {
            name: ("" if row.get(name) is None else str(row[name]))
            for name in ("employer_id", "title", "openings", "wage_min", "wage_max", "shift", "location",
                         "age_min", "age_max", "valid_until")
        }
        self.raw.update({
            "occupation_code": row.get("occupation_code") or "", "hours": row.get("hours"),
            "education_min": row.get("education_min"), "community_id": row.get("community_id"),
            "skills_required": "、".join(row.get("skills_required") or []),
            "public_welfare": bool(row.get("public_welfare")), "assistance_base": bool(row.get("assistance_base")),
            "closed": bool(row.get("closed")),
        })
        self.position: Optional[tuple[float, float]] = (
            (row["latitude"], row["longitude"]) if row.get("latitude") is not None else None)
        self.errors: dict[str, str] = {}

    @property
    def is_new(self) -> bool:
        return self.row is None

    def set(self, name: str, value: Any) -> None:
        self.raw[name] = value
        self.errors.pop(name, None)

    def parse(self) -> dict[str, Any]:
        """The row's fields from the raw values; fills ``errors`` (Chinese, one per field)."""
        self.errors = {}
        out: dict[str, Any] = {}

        def take(name: str, fn) -> None:
            try:
                out[name] = fn(self.raw.get(name))
            except FieldError as error:
                self.errors[name] = error.message_zh

        take("employer_id", lambda v: v or None)
        take("title", lambda v: normalize_text(v or "", field="text"))
        take("occupation_code", lambda v: v or "")
        take("openings", lambda v: _int_in(v, "openings", 1, 9999))
        for name in ("wage_min", "wage_max"):
            take(name, lambda v, n=name: validate_wage(v, field=n) if str(v or "").strip() else None)
        take("hours", lambda v: v or None)
        take("shift", lambda v: normalize_text(v or "", field="text"))
        take("location", lambda v: normalize_text(v or "", field="text"))
        take("community_id", lambda v: v or None)
        take("age_min", lambda v: _int_in(v, "age_min", 16, 75))
        take("age_max", lambda v: _int_in(v, "age_max", 16, 75))
        take("education_min", lambda v: v or None)
        take("skills_required", lambda v: split_skills(v or ""))
        take("valid_until", lambda v: parse_day(v or "", field="valid_until"))
        for name in ("public_welfare", "assistance_base", "closed"):
            out[name] = bool(self.raw.get(name))
        if not out.get("employer_id"):
            self.errors.setdefault("employer_id", "请选择或新增用人单位")
        if not out.get("title"):
            self.errors.setdefault("title", "不能为空")
        if out.get("openings") is None:
            self.errors.setdefault("openings", "不能为空")
        if None not in (out.get("wage_min"), out.get("wage_max")) and out["wage_min"] > out["wage_max"]:
            self.errors.setdefault("wage_max", "不能低于最低月薪")
        if None not in (out.get("age_min"), out.get("age_max")) and out["age_min"] > out["age_max"]:
            self.errors.setdefault("age_max", "不能小于最低年龄")
        if self.is_new and out.get("valid_until") is not None and out["valid_until"] < self.jobs.today():
            self.errors.setdefault("valid_until", "有效期已过")
        order = list(VACANCY_LABELS)  # the first error shown is the first on the form
        self.errors = dict(sorted(self.errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
        out["occupation_name"] = occupation_name(out.get("occupation_code"))
        out["latitude"], out["longitude"] = self.position if self.position else (None, None)
        return out

    def save(self) -> str:
        fields = self.parse()
        if self.errors:
            raise FormInvalid(dict(self.errors))
        self.vacancy_id = self.jobs.save_vacancy(fields, vacancy_id=self.vacancy_id)
        self.row = self.jobs.vacancy(self.vacancy_id)
        return self.vacancy_id


# --- what the screens show --------------------------------------------------------------


@dataclass
class VacancyItem:
    row: dict[str, Any]
    employer: Optional[dict[str, Any]]
    state: str
    referrals: int = 0

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def wage(self) -> str:
        return wage_text(self.row)


@dataclass
class JobSuggestion:
    suggestion: Suggestion
    vacancy: dict[str, Any]
    employer: Optional[dict[str, Any]]
    referral: Optional[dict[str, Any]] = None  # an active referral of this person to this vacancy


@dataclass
class PersonSuggestion:
    suggestion: Suggestion
    resident: dict[str, Any]
    household: Optional[dict[str, Any]]
    referral: Optional[dict[str, Any]] = None


@dataclass
class TimelineStep:
    status: str
    occurred_on: date
    recorded_by: str  # "我" or a short label of another account
    recorded_at: Optional[datetime]
    note: str
    current: bool  # the step that sets the status

    @property
    def label(self) -> str:
        return label_zh(self.status)


@dataclass
class ReferralCard:
    referral: dict[str, Any]
    resident: Optional[dict[str, Any]]
    vacancy: Optional[dict[str, Any]]
    employer: Optional[dict[str, Any]]
    status: str
    status_on: Optional[date]
    steps: list[TimelineStep] = field(default_factory=list)
    next_statuses: tuple[str, ...] = ()
    disagreement: bool = False  # two different final outcomes were recorded (two phones)

    @property
    def status_label(self) -> str:
        return label_zh(self.status)


class JobsService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state
        self._index: Optional[tuple[Any, VacancyIndex]] = None
        self._edits = 0

    @property
    def store(self):
        return self.session.store

    def now(self) -> datetime:
        return self.session.now()

    def today(self) -> date:
        return china_today(self.now())

    @property
    def user_id(self) -> Optional[str]:
        return self.store.user_id

    # --- areas --------------------------------------------------------------------------

    def street_id(self) -> Optional[str]:
        """The street of the coordinator's areas (vacancies and employers are kept per street)."""
        user = self.session.user
        area_ids = [a["id"] for a in user.get("areas") or []] or list(user.get("grid_ids") or [])
        for area_id in area_ids:
            area = self.store.get("area", area_id)
            if area is not None and area["level"] in ("street", "community", "grid"):
                return area["id"] if area["level"] == "street" else area["street_id"]
        return None

    def communities(self) -> dict[str, str]:
        """The communities of the coordinator's street: id → name."""
        street = self.street_id()
        rows = self.store.rows("area", level="community", street_id=street) if street else []
        return {a["id"]: a["name"] for a in sorted(rows, key=lambda a: a["name"])}

    def community_name(self, community_id: Optional[str]) -> str:
        area = self.store.get("area", community_id) if community_id else None
        return area["name"] if area else ""

    # --- employers ----------------------------------------------------------------------

    def employers(self) -> list[dict[str, Any]]:
        return sorted(self.store.rows("employer"), key=lambda e: e["name"])

    def employer(self, employer_id: Optional[str]) -> Optional[dict[str, Any]]:
        return self.store.get("employer", employer_id) if employer_id else None

    def save_employer(self, name: str, *, contact_name: str = "", contact_phone: str = "", address: str = "",
                      community_id: Optional[str] = None, assistance_base: bool = False,
                      employer_id: Optional[str] = None) -> str:
        """Create or update an employer of the coordinator's street; FormInvalid with Chinese messages."""
        errors: dict[str, str] = {}
        fields: dict[str, Any] = {"community_id": community_id or None, "assistance_base": bool(assistance_base)}
        for key, value in (("name", name), ("contact_name", contact_name), ("address", address)):
            try:
                fields[key] = normalize_text(value or "", field="text")
            except FieldError as error:
                errors[key] = error.message_zh
        if not fields.get("name") and "name" not in errors:
            errors["name"] = "不能为空"
        try:
            fields["contact_phone"] = check_contact_phone(contact_phone)
        except FieldError as error:
            errors["contact_phone"] = error.message_zh
        if errors:
            raise FormInvalid(errors)
        if employer_id is None:
            street = self.street_id()
            if street is None:
                raise FormInvalid({"name": "本机没有所属街道的信息，请先同步"})
            fields["street_id"] = street
        return self.store.save("employer", fields, row_id=employer_id, now=self.now())

    # --- vacancies ------------------------------------------------------------------------

    def vacancy(self, vacancy_id: str) -> Optional[dict[str, Any]]:
        return self.store.get("vacancy", vacancy_id)

    def save_vacancy(self, fields: dict[str, Any], *, vacancy_id: Optional[str] = None) -> str:
        fields = dict(fields)
        if vacancy_id is None:
            street = self.street_id()
            if street is None:
                raise FormInvalid({"employer_id": "本机没有所属街道的信息，请先同步"})
            fields.setdefault("street_id", street)
            fields.setdefault("collected_by", self.user_id)
            fields.setdefault("collected_on", self.today())
        saved = self.store.save("vacancy", fields, row_id=vacancy_id, now=self.now())
        self._edits += 1
        return saved

    def vacancies(self, *, include_inactive: bool = False, query: str = "") -> list[VacancyItem]:
        """The street's vacancies, open ones first, newest first; ``query`` matches title, occupation or employer."""
        today = self.today()
        employers = {e["id"]: e for e in self.store.rows("employer")}
        counts: dict[str, int] = {}
        for referral in self.store.rows("referral"):
            counts[referral["vacancy_id"]] = counts.get(referral["vacancy_id"], 0) + 1
        needle = (query or "").strip().casefold()
        items = []
        for row in self.store.rows("vacancy"):
            item = VacancyItem(row, employers.get(row["employer_id"]), vacancy_state(row, today), counts.get(row["id"], 0))
            if item.state != "open" and not include_inactive:
                continue
            words = (row["title"], row.get("occupation_name") or "", (item.employer or {}).get("name") or "")
            if needle and not any(needle in w.casefold() for w in words):
                continue
            items.append(item)
        items.sort(key=lambda i: (i.state != "open", -(i.row.get("collected_on") or date.min).toordinal(),
                                  i.row["title"]))
        return items

    def index(self) -> VacancyIndex:
        """The street's vacancies prepared for matching, rebuilt after a sync or an edit on this page."""
        key = (self.state.last_sync_at, self._edits)
        if self._index is None or self._index[0] != key:
            self._index = (key, VacancyIndex(self.store.rows("vacancy")))
        return self._index[1]

    # --- matching -----------------------------------------------------------------------

    def _home(self, household_id: str, visits: Optional[list[dict[str, Any]]] = None) -> Optional[tuple[float, float]]:
        """The household's position: the GPS fix of its latest visit that has one."""
        rows = visits if visits is not None else self.store.rows("visit", household_id=household_id)
        fixes = [v for v in rows if v.get("latitude") is not None and v.get("longitude") is not None]
        if not fixes:
            return None
        last = max(fixes, key=lambda v: v["visited_at"])
        return last["latitude"], last["longitude"]

    def _active_referrals(self, **equals: str) -> dict[tuple[str, str], dict[str, Any]]:
        found = {}
        for referral in self.store.rows("referral", **equals):
            if not is_final(self.current_status(referral["id"])[0]):
                found[(referral["resident_id"], referral["vacancy_id"])] = referral
        return found

    def jobs_for(self, resident_id: str, *, top: int = 10) -> list[JobSuggestion]:
        """The best open vacancies for a resident, with reasons (empty when not looking for work)."""
        resident = self.store.get("resident", resident_id)
        if resident is None:
            return []
        household = self.store.get("household", resident["household_id"])
        ranked = rank_vacancies(resident, self.index(), today=self.today(), household=household,
                                home=self._home(resident["household_id"]), top=top)
        active = self._active_referrals(resident_id=resident_id)
        out = []
        for suggestion in ranked:
            vacancy = self.index().by_id[suggestion.target_id].row
            out.append(JobSuggestion(suggestion, vacancy, self.employer(vacancy["employer_id"]),
                                     active.get((resident_id, vacancy["id"]))))
        return out

    def not_looking_reason(self, resident_id: str) -> Optional[str]:
        """Why no job is suggested for this person (employed, retired ...), or None."""
        resident = self.store.get("resident", resident_id)
        if resident is None:
            return "本机没有此人的记录"
        return Seeker(resident, today=self.today()).not_looking

    def people_for(self, vacancy_id: str, *, top: Optional[int] = 30,
                   include_excluded: bool = False) -> list[PersonSuggestion]:
        """The job seekers on this phone who fit a vacancy: hardship people first on a public-welfare post."""
        vacancy = self.vacancy(vacancy_id)
        if vacancy is None:
            return []
        seekers = (self.store.rows("resident", employment_status="unemployed")
                   + self.store.rows("resident", employment_status=None))
        households = {h["id"]: h for h in self.store.rows("household")}
        homes: dict[str, tuple[float, float]] = {}
        if vacancy.get("latitude") is not None:
            by_household: dict[str, list[dict[str, Any]]] = {}
            for visit in self.store.rows("visit"):
                by_household.setdefault(visit["household_id"], []).append(visit)
            homes = {h: p for h, visits in by_household.items() if (p := self._home(h, visits)) is not None}
        ranked = rank_residents(vacancy, seekers, today=self.today(), households=households, homes=homes, top=top,
                                include_excluded=include_excluded)
        by_id = {r["id"]: r for r in seekers}
        active = self._active_referrals(vacancy_id=vacancy_id)
        return [PersonSuggestion(s, by_id[s.target_id], households.get(by_id[s.target_id]["household_id"]),
                                 active.get((s.target_id, vacancy_id))) for s in ranked]

    # --- referrals ------------------------------------------------------------------------

    def referral(self, referral_id: str) -> Optional[dict[str, Any]]:
        return self.store.get("referral", referral_id)

    def find_by_code(self, text: str) -> Optional[dict[str, Any]]:
        code = normalize_code(text)
        found = self.store.rows("referral", code=code)
        return found[0] if found else None

    def events(self, referral_id: str) -> list[dict[str, Any]]:
        return timeline(self.store.rows("referral_event", referral_id=referral_id))

    def current_status(self, referral_id: str) -> tuple[str, Optional[date]]:
        """(status, since) by the forward-only fold over every event on this phone."""
        step = referral_status((e["status"], e["stamp"], e["occurred_on"]) for e in self.events(referral_id))
        return (step.status, step.occurred_on) if step else ("referred", None)

    def refer(self, resident_id: str, vacancy_id: str, *, consent: bool, note: str = "") -> str:
        """A referral in person, with the resident's consent: the referral and its first event ("referred")."""
        if not consent:
            raise ValueError("推荐前需征得本人同意")
        resident = self.store.get("resident", resident_id)
        vacancy = self.vacancy(vacancy_id)
        if resident is None or vacancy is None:
            raise ValueError("本机没有此人或此岗位的记录")
        existing = self._active_referrals(resident_id=resident_id).get((resident_id, vacancy_id))
        if existing is not None:
            return existing["id"]
        now, referral_id = self.now(), new_id()
        with self.store.transaction():  # the referral and its first event, or neither
            self.store.save("referral", {
                "resident_id": resident_id, "vacancy_id": vacancy_id, "grid_id": resident["grid_id"],
                "code": referral_code(referral_id), "check_token": new_check_token(), "consent_at": now, "created_by": self.user_id, "created_at": now,
            }, row_id=referral_id, now=now)
            self._event(referral_id, resident["grid_id"], "referred", self.today(), note)
        return referral_id

    def _event(self, referral_id: str, grid_id: str, status: str, occurred_on: date, note: str) -> str:
        now = self.now()
        return self.store.append("referral_event", {
            "referral_id": referral_id, "grid_id": grid_id, "status": status, "occurred_on": occurred_on,
            "recorded_by": self.user_id, "recorded_at": now, "note": normalize_text(note or "", field="text"),
        }, now=now)

    def advance(self, referral_id: str, status: str, *, occurred_on: Optional[date] = None, note: str = "") -> str:
        """Record the next step; only a forward move from the current status is accepted.

        A hire also applies ``shared.referrals.hire_effects``: the resident
        becomes employed (employment group + a status record), the vacancy has
        one more opening filled, and a zero-employment household's clock stops.
        The event and all of these commit together, or nothing is written.
        """
        referral = self.referral(referral_id)
        if referral is None:
            raise ValueError("本机没有这条推荐记录")
        current, _since = self.current_status(referral_id)
        if not can_move(current, status):
            raise ValueError(f"推荐状态不能从“{label_zh(current)}”改为“{label_zh(status)}”")
        day = occurred_on or self.today()
        if day > self.today():
            raise ValueError("日期不能晚于今天")
        with self.store.transaction():
            event_id = self._event(referral_id, referral["grid_id"], status, day, note)
            if status == "hired":
                self._apply_hire(referral, day)
        if status == "hired":
            self._edits += 1  # the vacancy's filled count changed: rebuild the matching index
        return event_id

    def _apply_hire(self, referral: dict[str, Any], hired_on: date) -> None:
        store, now = self.store, self.now()
        resident = store.get("resident", referral["resident_id"])
        if resident is None:
            return
        vacancy = self.vacancy(referral["vacancy_id"])
        employer = self.employer((vacancy or {}).get("employer_id"))
        household = store.get("household", resident["household_id"])
        effects = hire_effects(
            resident, hired_on=hired_on, employer_name=(employer or {}).get("name") or (vacancy or {}).get("title", ""),
            recorded_at=now, recorded_by=self.user_id, household=household,
            members=store.rows("resident", household_id=resident["household_id"]), vacancy=vacancy,
        )
        with store.transaction():  # one local transaction: all of the hire, or none of it
            store.save("resident", effects.resident_changes, row_id=resident["id"], now=now)
            store.append("status_record", effects.status_record, now=now)
            if effects.household_changes and household is not None:
                store.save("household", effects.household_changes, row_id=household["id"], now=now)
            if effects.vacancy_changes and vacancy is not None:  # counted by the server: shown until the pull
                store.predict("vacancy", vacancy["id"], effects.vacancy_changes)

    def _recorder(self, user_id: Optional[str]) -> str:
        if user_id and user_id == self.user_id:
            return "我"
        if user_id == EMPLOYER_RECORDER:
            return "用人单位（扫码确认）"
        return name_of(self.session, user_id) or ("其他工作人员" if user_id else "（未知）")

    def card(self, referral_id: str) -> Optional[ReferralCard]:
        """The referral with its timeline, who recorded each step, and the moves allowed next."""
        referral = self.referral(referral_id)
        if referral is None:
            return None
        events = self.events(referral_id)
        step = referral_status((e["status"], e["stamp"], e["occurred_on"]) for e in events)
        status, status_on = (step.status, step.occurred_on) if step else ("referred", None)
        steps = [TimelineStep(e["status"], e["occurred_on"], self._recorder(e.get("recorded_by")),
                              e.get("recorded_at"), e.get("note") or "",
                              step is not None and e["stamp"] == step.stamp and e["status"] == step.status)
                 for e in events]
        finals = {e["status"] for e in events if is_final(e["status"])}
        vacancy = self.vacancy(referral["vacancy_id"])
        return ReferralCard(referral, self.store.get("resident", referral["resident_id"]), vacancy,
                            self.employer((vacancy or {}).get("employer_id")), status, status_on, steps,
                            allowed_next(status), len(finals) > 1)

    def referrals_of_resident(self, resident_id: str) -> list[ReferralCard]:
        cards = [self.card(r["id"]) for r in self.store.rows("referral", resident_id=resident_id)]
        return sorted((c for c in cards if c), key=lambda c: c.referral["created_at"], reverse=True)

    def referrals_of_vacancy(self, vacancy_id: str) -> list[ReferralCard]:
        cards = [self.card(r["id"]) for r in self.store.rows("referral", vacancy_id=vacancy_id)]
        return sorted((c for c in cards if c), key=lambda c: c.referral["created_at"], reverse=True)

    def slip(self, referral_id: str) -> Optional[Slip]:
        card = self.card(referral_id)
        if card is None:
            return None
        first = card.steps[0].occurred_on if card.steps else china_today(card.referral["created_at"])
        mine = card.referral.get("created_by") == self.user_id
        coordinator = (self.session.user.get("display_name") or "") if mine else ""
        base_url = self.session.meta("slip_base_url", "") or self.session.meta("server_url", "")
        return build_slip(card.referral, card.resident, card.vacancy, card.employer,
                          wage=wage_text(card.vacancy or {}), referred_on=first, coordinator=coordinator,
                          base_url=base_url)
