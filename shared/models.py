"""The one data model of Doorstep, used by the server and the phone (SQLModel tables).

Conventions every table follows:
- primary keys are UUID strings (36 characters) generated where the record is
  created, usually on the phone (``new_id()``);
- all datetimes are timezone-aware UTC (SQLModel refuses naive ones); dates
  are calendar dates;
- codes (statuses, outcomes, services) are the values of ``shared.vocab`` enums;
- synced tables carry ``version`` (the server's change version, 0 while a row
  exists only on a phone), ``deleted`` (the tombstone flag) and ``stamps`` (the
  hybrid-logical-clock stamp of every field or field group, see
  ``shared.sync_schema``, which says which fields sync and how they merge);
- the denormalised scope columns (``grid_id``, ``street_id``) let the server
  filter what a user may see with plain indexed SQL.

Tables that only the server keeps (users, devices, the change log, audit events,
spot checks) are here too, so Alembic and the tests see one model; the phone
creates only ``DEVICE_TABLES`` (plus its own outbox tables from ``mobile``).
"""
from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.protected import ProtectedJSON, ProtectedText
from shared.stamps_column import StampsJSON


def new_id() -> str:
    """A fresh random UUID string, the primary key of any new record."""
    return str(uuid.uuid4())


def ordered_ids(ms: int, noise: bytes) -> list[str]:
    """UUIDs of version 7 (RFC 9562) for records the server adds to a growing table, one per 10 bytes of
    ``noise`` (random bytes from the caller): the time ``ms`` (Unix milliseconds) leads, so new keys sort after
    old ones and land at the end of the primary key's index, not on a random page of it (a random UUID's
    insert reads and dirties one leaf page of a large index per row)."""
    if len(noise) % 10 or not 0 <= ms < 1 << 48:
        raise ValueError("noise in 10-byte steps and a time after 1970, within 48 bits of milliseconds")
    ids = []
    for start in range(0, len(noise), 10):
        rand = int.from_bytes(noise[start:start + 10], "big")  # 80 bits: 12 of rand_a, 62 of rand_b (6 unused)
        value = (ms << 80) | (0x7 << 76) | ((rand >> 62) & 0xFFF) << 64 | (0b10 << 62) | (rand & ((1 << 62) - 1))
        ids.append(str(uuid.UUID(int=value)))
    return ids


CHECK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32 (as the referral code)
CHECK_TOKEN_LENGTH = 20  # 100 random bits


def new_check_token() -> str:
    """A fresh random check token for a referral slip's QR code (100 bits, Crockford base32).

    Made where the referral is made (the phone, offline): see ``docs/employer-check.md``.
    """
    number = secrets.randbits(5 * CHECK_TOKEN_LENGTH)
    return "".join(CHECK_ALPHABET[(number >> (5 * i)) & 31] for i in range(CHECK_TOKEN_LENGTH))


def utc_now() -> datetime:
    """Default for creation times of rows made outside the sync path (aware UTC)."""
    return datetime.now(timezone.utc)


def _id_field(**kw: Any) -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36, **kw)


class SyncedRow(SQLModel):
    """Columns every synced table has (see module docstring)."""

    id: str = _id_field()
    version: int = Field(default=0, index=True)
    deleted: bool = Field(default=False)
    stamps: dict = Field(default_factory=dict, sa_type=StampsJSON)  # stored packed (shared.stamps_column)
    updated_by: Optional[str] = Field(default=None, max_length=36)


# --- areas ------------------------------------------------------------------


class Area(SyncedRow, table=True):
    """A district, street, community or grid; ``parent_id`` walks up the tree.

    The ancestor ids are denormalised so any level can be filtered in one query.
    """

    __tablename__ = "area"
    level: str = Field(max_length=16, index=True)
    name: str = Field(max_length=100)
    code: str = Field(default="", max_length=32)
    # 统计用区划代码 (12 digits) of a district, street or community, where the office has it; server only
    stat_code: str = Field(default="", max_length=12)
    parent_id: Optional[str] = Field(default=None, max_length=36, index=True)
    district_id: Optional[str] = Field(default=None, max_length=36, index=True)
    street_id: Optional[str] = Field(default=None, max_length=36, index=True)
    community_id: Optional[str] = Field(default=None, max_length=36, index=True)
    relocated: bool = False  # 棚改回迁 community: separate re-employment target


# --- people who use the system (server only) ----------------------------------


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"
    id: str = _id_field()
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=16)  # shared.vocab.Role
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utc_now)
    # a one-time password (new account, reset): sign-in asks for a new one before it gives a token
    must_change_password: bool = False


class UserArea(SQLModel, table=True):
    """An area a user is assigned to (a coordinator's grids, a manager's street)."""

    __tablename__ = "user_area"
    user_id: str = Field(primary_key=True, max_length=36, foreign_key="user_account.id")
    area_id: str = Field(primary_key=True, max_length=36, foreign_key="area.id")


class Device(SQLModel, table=True):
    """A signed-in phone or browser; its opaque token is stored only as a hash."""

    __tablename__ = "device"
    id: str = _id_field()
    user_id: str = Field(max_length=36, foreign_key="user_account.id", index=True)
    name: str = Field(default="", max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utc_now)
    last_seen_at: Optional[datetime] = None
    revoked_at: Optional[datetime] = None
    # revoked as lost or stolen: the device is told to delete its key and data on its next contact
    wipe_requested_at: Optional[datetime] = None
    # Highest push sequence number applied: the idempotency key of pushes.
    last_seq: int = 0
    # The highest stamp the server stored for this device's edits: every later edit of the device is stored
    # above it, so a clamped clock keeps the order the edits were made in (``server.services.device_stamps``).
    last_stamp: str = Field(default="", max_length=80)


class PushRejection(SQLModel, table=True):
    """A change the server refused, kept so a replayed push is answered ``rejected`` again, not ``duplicate``."""

    __tablename__ = "push_rejection"
    device_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    code: str = Field(max_length=64)
    message: str = Field(default="", max_length=500)


class ScopeChange(SQLModel, table=True):
    """A user gained (``joined``) or lost (``left``) an area: a grid handed over, areas set anew.

    ``version`` comes from the locked change counter, so a pull knows which
    changes it has not told the phone about yet (``server.services.assignments``).
    """

    __tablename__ = "scope_change"
    id: str = _id_field()
    version: int
    user_id: str = Field(max_length=36)
    area_id: str = Field(max_length=36)
    level: str = Field(max_length=16)  # grid | street | district
    kind: str = Field(max_length=8)  # left | joined
    at: datetime


# --- households and residents -----------------------------------------------


class Household(SyncedRow, table=True):
    __tablename__ = "household"
    community_id: str = Field(max_length=36, index=True)
    grid_id: str = Field(max_length=36, index=True)
    street_id: Optional[str] = Field(default=None, max_length=36, index=True)
    # address group: merged together (shared.sync_schema)
    address: str = Field(default="", max_length=200)  # 小区/路名
    building: str = Field(default="", max_length=20)  # 楼/栋
    unit: str = Field(default="", max_length=20)  # 单元
    room: str = Field(default="", max_length=20)  # 室
    # hardship flags
    zero_employment: bool = False
    double_unemployed: bool = False
    single_parent: bool = False
    low_income: bool = False
    relocated: bool = False
    # zero-employment clock (20 days; one month when two members are wanted)
    zero_employment_identified_on: Optional[date] = None
    zero_employment_wants_two: bool = False
    zero_employment_resolved_on: Optional[date] = None
    zero_employment_met: Optional[bool] = None
    notes: str = Field(default="", max_length=2000)


class Resident(SyncedRow, table=True):
    """A household member. Name, ID number and phone are encrypted on the phone."""

    __tablename__ = "resident"
    household_id: str = Field(max_length=36, index=True)
    grid_id: str = Field(max_length=36, index=True)
    community_id: Optional[str] = Field(default=None, max_length=36, index=True)
    name: str = Field(default="", max_length=255)
    # ID number and phone are sealed on the server too (shared.protected): equality look-ups still work
    id_number: Optional[str] = Field(default=None, max_length=255, index=True, sa_type=ProtectedText("id_number"))
    sex: Optional[str] = Field(default=None, max_length=8)
    birth_date: Optional[date] = None
    phone: Optional[str] = Field(default=None, max_length=255, sa_type=ProtectedText("phone"))
    relation: str = Field(default="", max_length=20)  # 与户主关系
    education: Optional[str] = Field(default=None, max_length=16)
    skills: list = Field(default_factory=list, sa_type=JSON)  # set of skill names
    # employment group: status and its start date change together
    employment_status: Optional[str] = Field(default=None, max_length=16)
    employment_since: Optional[date] = None
    employer_name: str = Field(default="", max_length=200)
    # registration group
    unemployment_registered: Optional[bool] = None
    unemployment_registered_on: Optional[date] = None
    able_to_work: Optional[bool] = None  # 有劳动能力和就业愿望
    # job wishes
    job_wish_occupations: list = Field(default_factory=list, sa_type=JSON)  # set of occupation codes
    job_wish_min_wage: Optional[int] = None  # yuan per month
    job_wish_hours: Optional[str] = Field(default=None, max_length=16)  # shared.vocab.WorkHours
    job_wish_max_distance_km: Optional[float] = None
    training_wish: Optional[str] = Field(default=None, max_length=200)  # "" = none wanted
    disability: bool = False
    disability_level: Optional[str] = Field(default=None, max_length=16)
    # consent to collect and use the information (PIPL): when, what (scope and the notice shown), by whom
    consent_given_at: Optional[datetime] = None
    consent_scope: str = Field(default="", max_length=200)
    consent_notice: str = Field(default="", max_length=32)  # version of the notice read out (docs/privacy.md)
    consent_recorded_by: Optional[str] = Field(default=None, max_length=36)
    notes: str = Field(default="", max_length=2000)


class StatusRecord(SyncedRow, table=True):
    """A dated change of employment, registration or ability (append-only history).

    Rates for a past period are recomputed from these, not from the current
    fields of ``resident``; the phone writes one whenever those fields change.
    """

    __tablename__ = "status_record"
    resident_id: str = Field(max_length=36, index=True)
    grid_id: str = Field(max_length=36, index=True)
    kind: str = Field(max_length=16)  # shared.vocab.StatusKind
    value: str = Field(max_length=16)
    effective_on: date
    recorded_by: Optional[str] = Field(default=None, max_length=36)
    recorded_at: datetime = Field(default_factory=utc_now)


Index("ix_status_record_resident_kind", StatusRecord.resident_id, StatusRecord.kind, StatusRecord.effective_on)


# --- visits -------------------------------------------------------------------


class Visit(SyncedRow, table=True):
    """One door-to-door visit (append-only: a correction is a new visit)."""

    __tablename__ = "visit"
    household_id: str = Field(max_length=36, index=True)
    grid_id: str = Field(max_length=36, index=True)
    coordinator_id: str = Field(max_length=36, index=True)
    visited_at: datetime = Field(index=True)
    outcome: str = Field(max_length=16)  # shared.vocab.VisitOutcome
    resident_ids: list = Field(default_factory=list, sa_type=JSON)  # who was met
    services: list = Field(default_factory=list, sa_type=JSON)  # shared.vocab.ServiceItem codes
    guidance_given: bool = False
    guidance_notes: str = Field(default="", max_length=2000)
    notes: str = Field(default="", max_length=2000)
    next_follow_up_on: Optional[date] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    received_at: Optional[datetime] = None  # set by the server: entry rate
    imported: bool = False  # entered from a paper ledger (doorstep import), not recorded on a phone


# "visited in P" and "guided in P" look up a household's visits by time
Index("ix_visit_household_visited", Visit.household_id, Visit.visited_at)


# --- jobs -----------------------------------------------------------------------


class Employer(SyncedRow, table=True):
    __tablename__ = "employer"
    street_id: str = Field(max_length=36, index=True)
    community_id: Optional[str] = Field(default=None, max_length=36)
    name: str = Field(max_length=200)
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32, sa_type=ProtectedText("phone", max_length=32))
    address: str = Field(default="", max_length=200)
    assistance_base: bool = False  # 再就业援助基地


class Vacancy(SyncedRow, table=True):
    __tablename__ = "vacancy"
    employer_id: str = Field(max_length=36, index=True)
    street_id: str = Field(max_length=36, index=True)
    community_id: Optional[str] = Field(default=None, max_length=36)
    title: str = Field(max_length=200)
    occupation_code: str = Field(default="", max_length=16)
    occupation_name: str = Field(default="", max_length=100)
    openings: int = 1
    filled: int = 0
    wage_min: Optional[int] = None
    wage_max: Optional[int] = None
    hours: Optional[str] = Field(default=None, max_length=16)  # shared.vocab.WorkHours
    shift: str = Field(default="", max_length=100)
    location: str = Field(default="", max_length=200)
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    age_min: Optional[int] = None
    age_max: Optional[int] = None
    education_min: Optional[str] = Field(default=None, max_length=16)
    skills_required: list = Field(default_factory=list, sa_type=JSON)
    public_welfare: bool = False  # 公益性岗位
    assistance_base: bool = False  # 再就业援助基地
    valid_until: Optional[date] = None
    closed: bool = False
    collected_by: Optional[str] = Field(default=None, max_length=36)
    collected_on: Optional[date] = None


class Referral(SyncedRow, table=True):
    """A person referred to a vacancy; ``status`` is derived from its events."""

    __tablename__ = "referral"
    resident_id: str = Field(max_length=36, index=True)
    vacancy_id: str = Field(max_length=36, index=True)
    grid_id: str = Field(max_length=36, index=True)
    code: str = Field(max_length=16, index=True)  # short code on the slip
    # the QR code's secret: the employer's page answers only with it (or its check code); docs/employer-check.md
    check_token: str = Field(default_factory=new_check_token, max_length=32)
    consent_at: Optional[datetime] = None
    created_by: Optional[str] = Field(default=None, max_length=36)
    created_at: datetime = Field(default_factory=utc_now)
    status: str = Field(default="referred", max_length=16)  # shared.vocab.ReferralStatus
    status_on: Optional[date] = None


class ReferralEvent(SyncedRow, table=True):
    """One step of a referral (append-only history)."""

    __tablename__ = "referral_event"
    referral_id: str = Field(max_length=36, index=True)
    grid_id: str = Field(max_length=36, index=True)
    status: str = Field(max_length=16)
    occurred_on: date
    recorded_by: Optional[str] = Field(default=None, max_length=36)
    recorded_at: datetime = Field(default_factory=utc_now)
    stamp: str = Field(default="", max_length=80)  # HLC of the event: orders statuses
    note: str = Field(default="", max_length=500)


# --- sync bookkeeping -----------------------------------------------------------


class Conflict(SyncedRow, table=True):
    """Two people changed one field concurrently: the winner applied, kept for a person to decide."""

    __tablename__ = "conflict"
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36, index=True)
    field: str = Field(max_length=64)
    grid_id: Optional[str] = Field(default=None, max_length=36, index=True)
    street_id: Optional[str] = Field(default=None, max_length=36, index=True)
    base_value: Optional[Any] = Field(default=None, sa_type=ProtectedJSON, nullable=True)
    value_a: Optional[Any] = Field(default=None, sa_type=ProtectedJSON, nullable=True)
    user_a: Optional[str] = Field(default=None, max_length=36)
    device_a: Optional[str] = Field(default=None, max_length=36)
    stamp_a: str = Field(default="", max_length=80)
    value_b: Optional[Any] = Field(default=None, sa_type=ProtectedJSON, nullable=True)
    user_b: Optional[str] = Field(default=None, max_length=36)
    device_b: Optional[str] = Field(default=None, max_length=36)
    stamp_b: str = Field(default="", max_length=80)
    winner: str = Field(default="a", max_length=1)  # "a" | "b"
    state: str = Field(default="open", max_length=16)  # shared.vocab.ConflictState
    resolved_by: Optional[str] = Field(default=None, max_length=36)
    resolved_value: Optional[Any] = Field(default=None, sa_type=ProtectedJSON, nullable=True)
    created_at: datetime = Field(default_factory=utc_now)


class ChangeLog(SQLModel, table=True):
    """The server's change feed: one entry per changed row, at its latest version.

    ``version`` values are handed out under a lock on ``sync_state`` that is
    held until commit, so versions become visible in increasing order and a
    puller that reads past version N can never miss a later commit below N.
    """

    __tablename__ = "change_log"
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36)
    grid_id: Optional[str] = Field(default=None, max_length=36)
    street_id: Optional[str] = Field(default=None, max_length=36)
    district_id: Optional[str] = Field(default=None, max_length=36)
    # set when this version is a device's push whose row that device already holds as stored (its own merge of
    # the answer equals the row): the device that pushed it, and the row's version before the push
    device_id: Optional[str] = Field(default=None, max_length=36)
    prior_version: Optional[int] = None


Index("ix_scope_change_user_version", ScopeChange.user_id, ScopeChange.version)
Index("ix_change_log_row", ChangeLog.table_name, ChangeLog.row_id, unique=True)
# A pull reads the entries of its scope after a cursor in version order: one range per scope column.
Index("ix_change_log_grid_version", ChangeLog.grid_id, ChangeLog.version)
Index("ix_change_log_street_version", ChangeLog.street_id, ChangeLog.version)
Index("ix_change_log_district_version", ChangeLog.district_id, ChangeLog.version)


class SyncState(SQLModel, table=True):
    """One row: the last version handed out and the tombstone horizon."""

    __tablename__ = "sync_state"
    id: int = Field(default=1, primary_key=True)
    last_version: int = 0
    tombstone_horizon: int = 0  # tombstones at or below this version were purged


class AuditEvent(SQLModel, table=True):
    """Who did what, when (no personal data in ``detail``)."""

    __tablename__ = "audit_event"
    id: str = _id_field()
    at: datetime = Field(default_factory=utc_now, index=True)
    user_id: Optional[str] = Field(default=None, max_length=36)
    device_id: Optional[str] = Field(default=None, max_length=36)
    action: str = Field(max_length=64)
    table_name: Optional[str] = Field(default=None, max_length=32)
    row_id: Optional[str] = Field(default=None, max_length=36)
    detail: dict = Field(default_factory=dict, sa_type=JSON)


class LoginThrottle(SQLModel, table=True):
    """Recent failed sign-ins for one account, address or device: how long the next attempt waits.

    ``key`` is ``account:<user id>``, ``login:<bucket>`` (a username no account has, by a
    coarse hash bucket), ``address:<hash>`` or ``device:<device id>``: never a typed name or an
    address in plain text. ``attempts`` only grows: writers compare and set it, so two server
    processes counting the same attempt at once cannot both pass.
    """

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=80)
    attempts: int = 0
    failures: int = 0
    last_failed_at: Optional[datetime] = None
# throttles count recent events of one action for one row (a referral, an address bucket, a login bucket)
Index("ix_audit_event_action_row_at", AuditEvent.action, AuditEvent.row_id, AuditEvent.at)


class SpotCheck(SQLModel, table=True):
    """One person drawn for verification by phone or at home, and the result."""

    __tablename__ = "spot_check"
    __table_args__ = (UniqueConstraint("sample_id", "resident_id"),)
    id: str = _id_field()
    sample_id: str = Field(max_length=36, index=True)
    resident_id: str = Field(max_length=36)
    area_id: str = Field(max_length=36)
    seed: int = 0
    drawn_at: datetime = Field(default_factory=utc_now)
    method: str = Field(default="phone", max_length=16)  # phone | home
    result: Optional[str] = Field(default=None, max_length=32)  # confirmed | not_confirmed | unreachable
    notes: str = Field(default="", max_length=500)
    verified_by: Optional[str] = Field(default=None, max_length=36)
    verified_at: Optional[datetime] = None
    # the drawn community a drawn person belongs to (people are drawn within the communities drawn)
    community_id: Optional[str] = Field(default=None, max_length=36)
    rating: Optional[int] = None  # the resident's evaluation of the service, 1 (poor) to 5 (very good); optional


class InformationRecord(SQLModel, table=True):
    """What the server held of one person's information from ``recorded_at`` on: entered, and complete or not.

    Written by the server (``server.services.information_history``) when a
    resident first reaches it (from a phone or a ledger) and whenever the
    completeness of what it holds changes; never updated. The information
    rates of a past period read the latest record before the period's end,
    so a field filled later does not change them (docs/information-history.md).
    """

    __tablename__ = "information_record"
    id: str = _id_field()
    resident_id: str = Field(max_length=36)
    grid_id: str = Field(max_length=36, index=True)
    recorded_at: datetime
    complete: bool
    missing: list = Field(default_factory=list, sa_type=JSON)  # shared.validation.missing_fields
    source: str = Field(default="phone", max_length=16)  # phone | ledger | server | backfill


Index("ix_information_record_resident", InformationRecord.resident_id, InformationRecord.recorded_at)


class FieldChange(SQLModel, table=True):
    """One field of a record changed by a ledger or a correction: the value before and after, and the day it held from.

    Written by the server (``server.services.field_history``) in the
    transaction that changed the field; never updated, deleted when the
    person is anonymised. Both values are sealed cells on the server (they may
    be a phone number). Edits from phones are not kept here: their history is
    in the stamps and conflict records (docs/ledger-template.md, "Later ledgers").
    """

    __tablename__ = "field_change"
    id: str = _id_field()
    table_name: str = Field(max_length=32)
    row_id: str = Field(max_length=36)
    grid_id: Optional[str] = Field(default=None, max_length=36)
    field: str = Field(max_length=64)
    old_value: Optional[Any] = Field(default=None, sa_type=ProtectedJSON, nullable=True)
    new_value: Optional[Any] = Field(default=None, sa_type=ProtectedJSON, nullable=True)
    as_of: Optional[date] = None  # the ledger's 台账日期 (None: from the moment of the change)
    changed_at: datetime = Field(default_factory=utc_now)
    source: str = Field(default="ledger", max_length=16)  # ledger | correction
    changed_by: Optional[str] = Field(default=None, max_length=36)


Index("ix_field_change_row", FieldChange.row_id, FieldChange.changed_at)


class CoordinatorAssessment(SQLModel, table=True):
    """A manager's yearly assessment of one coordinator: points per item (``shared.assessment.ITEMS``)."""

    __tablename__ = "coordinator_assessment"
    __table_args__ = (UniqueConstraint("user_id", "year"),)
    id: str = _id_field()
    user_id: str = Field(max_length=36, index=True)
    year: int
    scores: dict = Field(default_factory=dict, sa_type=JSON)  # item -> points
    notes: str = Field(default="", max_length=2000)
    assessed_by: Optional[str] = Field(default=None, max_length=36)
    assessed_at: datetime = Field(default_factory=utc_now)


SYNCED_MODELS: tuple[type[SyncedRow], ...] = (
    Area, Household, Resident, StatusRecord, Visit, Employer, Vacancy, Referral, ReferralEvent, Conflict,
)
SERVER_ONLY_MODELS: tuple[type[SQLModel], ...] = (UserAccount, UserArea, Device, ChangeLog, SyncState, AuditEvent, SpotCheck,
                                                  InformationRecord, CoordinatorAssessment, LoginThrottle,
                                                  PushRejection, ScopeChange, FieldChange)
MODEL_BY_TABLE: dict[str, type[SQLModel]] = {m.__tablename__: m for m in SYNCED_MODELS + SERVER_ONLY_MODELS}


def server_tables() -> list:
    """Every table the server database holds."""
    return [m.__table__ for m in SYNCED_MODELS + SERVER_ONLY_MODELS]


def device_tables() -> list:
    """The synced tables the phone keeps (its outbox and key tables live in ``mobile``)."""
    return [m.__table__ for m in SYNCED_MODELS]
