"""The employer's check of a referral slip: open it with its codes, see what was recorded, confirm the next step.

The employer has no account. What opens a referral is its code together with
either the QR code's check token or the short check code printed beside it
(``docs/employer-check.md``); wrong ones are throttled per address and per
referral (``check_throttle``). What the employer is shown is only the
position, the referral's date and the person's masked surname.

A confirmation is recorded as the coordinator's own steps are: referral events
(``recorded_by`` = ``EMPLOYER_RECORDER``) and, for a hire, the changes of
``shared.referrals.hire_effects`` (employment, a status record, the
zero-employment clock; the vacancy's filled count is recounted from its hired referrals), all merged through the
push path (``sync_push.apply_server_changes``) with server stamps, so they
reach the phones at their next pull and the status moves forward only.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import Connection, select

from server.services import check_throttle
from server.services.audit import record_event
from server.services.change_log import lock_versions
from server.services.scope import Scope
from server.services.sync_push import apply_server_changes
from server.services.sync_rows import fetch_rows, table_of
from server.settings import Settings
from shared import sync_protocol as proto
from shared.coverage import CHINA_TZ
from shared.hlc import HybridClock
from shared.merge import referral_status
from shared.models import new_id
from shared.referrals import (
    CODE_LENGTH,
    CROCKFORD,
    EMPLOYER_RECORDER,
    EMPLOYER_STATUSES,
    NOT_HIRED_REASONS,
    check_code,
    employer_choices,
    employer_steps,
    hire_effects,
    masked_name,
    normalize_code,
)
from shared.sync_codec import encode_value
from shared.sync_schema import SYNC_SPECS
from shared.vocab import ReferralStatus, label_zh

_REFERRAL = table_of("referral")
_EVENT = table_of("referral_event")
MAX_START_AHEAD_DAYS = 31  # a hire may start up to a month after the employer says so
MAX_TOKEN_CHARS = 64


class CheckRefused(Exception):
    """The page refuses: an HTTP status, a stable code and the Chinese message shown to the employer."""

    def __init__(self, status: int, code: str, message: str, view: "ReferralView | None" = None) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.view = status, code, message, view


@dataclass(frozen=True)
class Credential:
    """What opened the referral: the QR code's token, or the check code typed from the slip."""

    code: str
    token: str = ""
    check: str = ""


@dataclass(frozen=True)
class Step:
    status: str
    occurred_on: date
    note: str
    by_employer: bool


@dataclass(frozen=True)
class ReferralView:
    """Everything the page shows of a referral (nothing else is read out of the row)."""

    referral_id: str
    code: str
    position: str
    employer_name: str
    referred_on: date
    person: str  # "陈*"
    status: str
    status_on: Optional[date]
    steps: list[Step] = field(default_factory=list)
    choices: tuple[str, ...] = ()
    today: Optional[date] = None


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA_TZ).date()


# --- opening ------------------------------------------------------------------------------


def open_referral(conn: Connection, settings: Settings, credential: Credential, address: str,
                  now: datetime) -> ReferralView:
    """The referral the codes open, as the page shows it; ``CheckRefused`` with a Chinese message otherwise."""
    referral = _verified(conn, settings, credential, address, now)
    view = _view(conn, referral, now)
    conn.commit()
    return view


def _verified(conn: Connection, settings: Settings, credential: Credential, address: str,
              now: datetime) -> dict[str, Any]:
    window = timedelta(seconds=settings.check_window_seconds)
    try:
        check_throttle.check(conn, check_throttle.ADDRESS_TABLE, check_throttle.address_key(address), now,
                             limit=settings.check_max_failures_per_address, window=window)
    except check_throttle.TooManyFailures as too_many:
        raise _too_many(too_many, "本网络地址输错推荐码的次数过多") from None
    code = normalize_code(credential.code or "")
    if len(code) != CODE_LENGTH or not set(code) <= set(CROCKFORD):
        check_throttle.record_failure(conn, address, [], "code_format", now)
        raise CheckRefused(404, "check.unknown_code", "推荐码不正确：请核对推荐单上的 8 位推荐码（如 7K2M-9QX4）。")
    found = [dict(row) for row in conn.execute(
        select(_REFERRAL).where(_REFERRAL.c.code == code, _REFERRAL.c.deleted.is_(False))).mappings()]
    if not found:
        check_throttle.record_failure(conn, address, [], "unknown_code", now)
        raise CheckRefused(404, "check.unknown_code", "推荐码不正确：请核对推荐单上的 8 位推荐码（如 7K2M-9QX4）。")
    for referral in found:
        try:
            check_throttle.check(conn, check_throttle.REFERRAL_TABLE, referral["id"], now,
                                 limit=settings.check_max_failures_per_referral, window=window)
        except check_throttle.TooManyFailures as too_many:
            raise _too_many(too_many, "这张推荐单的核对码输错次数过多") from None
    matched = [r for r in found if _matches(r, credential)]
    if not matched:
        check_throttle.record_failure(conn, address, [r["id"] for r in found], "wrong_check", now)
        raise CheckRefused(403, "check.wrong_check",
                           "核对码不正确：请重新扫描推荐单上的二维码，或核对推荐码旁的 6 位核对码。")
    referral = matched[0]
    if _created_on(referral) + timedelta(days=settings.referral_check_days) < china_today(now):
        raise CheckRefused(410, "check.expired",
                           f"这张推荐单已超过 {settings.referral_check_days} 天有效期，不能再在线确认。"
                           "如需说明情况，请联系开具推荐单的社区协管员。")
    conn.commit()
    return referral


def _matches(referral: dict[str, Any], credential: Credential) -> bool:
    token = referral.get("check_token") or ""
    if not token:
        return False
    if credential.token:
        return hmac.compare_digest(credential.token.strip().upper()[:MAX_TOKEN_CHARS].encode(), token.encode())
    if credential.check:
        return hmac.compare_digest(normalize_code(credential.check)[:MAX_TOKEN_CHARS].encode(),
                                   check_code(token).encode())
    return False


def _too_many(too_many: check_throttle.TooManyFailures, what: str) -> CheckRefused:
    minutes = max(1, -(-too_many.retry_after // 60))
    return CheckRefused(429, "check.too_many_attempts", f"{what}，请 {minutes} 分钟后再试。")


def _created_on(referral: dict[str, Any]) -> date:
    created = referral["created_at"]
    return china_today(created if created.tzinfo else created.replace(tzinfo=timezone.utc))


def _events(conn: Connection, referral_id: str) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(
        select(_EVENT).where(_EVENT.c.referral_id == referral_id, _EVENT.c.deleted.is_(False))
        .order_by(_EVENT.c.stamp, _EVENT.c.occurred_on)).mappings()]


def _current(events: list[dict[str, Any]]) -> tuple[str, Optional[date]]:
    step = referral_status((e["status"], e["stamp"], e["occurred_on"]) for e in events)
    return (step.status, step.occurred_on) if step else (ReferralStatus.referred.value, None)


def _view(conn: Connection, referral: dict[str, Any], now: datetime) -> ReferralView:
    events = _events(conn, referral["id"])
    status, status_on = _current(events)
    vacancy = fetch_rows(conn, "vacancy", [referral["vacancy_id"]]).get(referral["vacancy_id"]) or {}
    employer = fetch_rows(conn, "employer", [vacancy.get("employer_id") or ""]).get(vacancy.get("employer_id")) or {}
    resident = fetch_rows(conn, "resident", [referral["resident_id"]]).get(referral["resident_id"]) or {}
    referred = [e["occurred_on"] for e in events if e["status"] == ReferralStatus.referred.value]
    steps = [Step(e["status"], e["occurred_on"], e["note"] or "", e["recorded_by"] == EMPLOYER_RECORDER)
             for e in events if e["status"] != ReferralStatus.referred.value]
    return ReferralView(
        referral_id=referral["id"], code=referral["code"], position=vacancy.get("title") or "",
        employer_name=employer.get("name") or "", referred_on=min(referred) if referred else _created_on(referral),
        person=masked_name(resident.get("name")), status=status, status_on=status_on, steps=steps,
        choices=employer_choices(status), today=china_today(now))


# --- confirming ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the employer submitted (raw form values)."""

    status: str
    start_on: str = ""
    reason: str = ""


def confirm(conn: Connection, settings: Settings, credential: Credential, answer: Answer, address: str,
            now: datetime) -> ReferralView:
    """Record the employer's answer (the next step, or a hire or refusal) and return what is recorded now."""
    referral = _verified(conn, settings, credential, address, now)
    today = china_today(now)
    before = _view(conn, referral, now)
    conn.commit()
    occurred_on, note = _parse_answer(answer, before, today)
    with conn.begin():
        lock_versions(conn)  # writers queue here (pushes too), so two answers at once add their steps in turn
        events = _events(conn, referral["id"])  # read again under the lock
        current, _ = _current(events)
        steps = employer_steps(current, answer.status)
        if not steps:
            raise CheckRefused(409, "check.not_forward", _not_forward(current), _view(conn, referral, now))
        changes = _step_changes(conn, referral, steps, occurred_on, note, today, now)
        apply_server_changes(conn, changes, _scope_of(conn, referral), now)
        record_event(conn, "referral.employer_confirmed", table_name="referral", row_id=referral["id"],
                     detail={"status": answer.status, "steps": list(steps)}, at=now)
    view = _view(conn, referral, now)
    conn.commit()
    return view


def _not_forward(current: str) -> str:
    if employer_choices(current):
        return f"这张推荐单已记录为“{label_zh(current)}”，只能补充之后的结果。"
    return f"这张推荐单已记录为“{label_zh(current)}”，结果已确定，不能再修改。如有出入，请联系社区协管员。"


def _parse_answer(answer: Answer, view: ReferralView, today: date) -> tuple[date, str]:
    """(the day of the chosen step, the note): a hire's start date, a refusal's reason; ``CheckRefused`` 422."""
    if answer.status not in EMPLOYER_STATUSES:
        raise CheckRefused(422, "check.status", "请选择一个结果：已面试、已录用或未录用。", view)
    if answer.status not in employer_choices(view.status):
        raise CheckRefused(409, "check.not_forward", _not_forward(view.status), view)
    if answer.status == ReferralStatus.hired.value:
        try:
            start = date.fromisoformat((answer.start_on or "").strip())
        except ValueError:
            raise CheckRefused(422, "check.start_on", "请填写入职日期（如 2026-12-01）。", view) from None
        latest = today + timedelta(days=MAX_START_AHEAD_DAYS)
        if not view.referred_on <= start <= latest:
            raise CheckRefused(422, "check.start_on",
                               f"入职日期应在推荐日期 {view.referred_on.isoformat()} 到 {latest.isoformat()} 之间。", view)
        return start, ""
    if answer.status == ReferralStatus.not_hired.value:
        if answer.reason not in NOT_HIRED_REASONS:
            raise CheckRefused(422, "check.reason", "请选择未录用的原因。", view)
        return today, NOT_HIRED_REASONS[answer.reason]
    return today, ""


# --- the changes, as a device would push them -----------------------------------------------------


def _scope_of(conn: Connection, referral: dict[str, Any]) -> Scope:
    """Where the employer's answer may write: the referral's grid and its vacancy's street."""
    vacancy = fetch_rows(conn, "vacancy", [referral["vacancy_id"]]).get(referral["vacancy_id"]) or {}
    streets = {vacancy["street_id"]} if vacancy.get("street_id") else set()
    return Scope(user_id=EMPLOYER_RECORDER, role="coordinator", grid_ids=frozenset({referral["grid_id"]}),
                 street_ids=frozenset(streets))


class _Changes:
    """Builds ``proto.Change`` objects with server stamps later than every stamp of the rows they touch."""

    def __init__(self, now: datetime, rows: list[dict[str, Any]]) -> None:
        self.clock = HybridClock(proto.SERVER_CLOCK_ID)
        for row in rows:
            for stamp in (row.get("stamps") or {}).values():
                if isinstance(stamp, str):
                    self.clock.observe(stamp)
        self.now_ms = int(now.timestamp() * 1000)
        self.changes: list[proto.Change] = []

    def add(self, table: str, values: dict[str, Any], row: dict[str, Any] | None = None) -> str:
        spec = SYNC_SPECS[table]
        stamp = self.clock.tick(self.now_ms)
        values = {**values, "stamp": stamp} if table == "referral_event" else values
        keys = {spec.clock_key(name) for name in values}
        row_id = row["id"] if row else new_id()
        self.changes.append(proto.Change(
            seq=len(self.changes) + 1, table=table, row_id=row_id,
            fields={name: encode_value(table, name, value) for name, value in values.items()},
            stamps={key: stamp for key in keys},
            base={key: (row.get("stamps") or {}).get(key) for key in keys} if row else {}))
        return row_id


def _step_changes(conn: Connection, referral: dict[str, Any], steps: tuple[str, ...], occurred_on: date,
                  note: str, today: date, now: datetime) -> list[proto.Change]:
    resident = fetch_rows(conn, "resident", [referral["resident_id"]]).get(referral["resident_id"])
    vacancy = fetch_rows(conn, "vacancy", [referral["vacancy_id"]]).get(referral["vacancy_id"])
    household = members = employer = None
    if resident is not None:
        household = fetch_rows(conn, "household", [resident["household_id"]]).get(resident["household_id"])
        members = [dict(r) for r in conn.execute(select(table_of("resident")).where(
            table_of("resident").c.household_id == resident["household_id"],
            table_of("resident").c.deleted.is_(False))).mappings()]
    if vacancy is not None:
        employer = fetch_rows(conn, "employer", [vacancy["employer_id"]]).get(vacancy["employer_id"])
    changes = _Changes(now, [r for r in (resident, vacancy, household) if r])
    for status in steps:
        final = status == steps[-1]
        changes.add("referral_event", {
            "referral_id": referral["id"], "grid_id": referral["grid_id"], "status": status,
            "occurred_on": occurred_on if final else min(occurred_on, today), "recorded_by": EMPLOYER_RECORDER,
            "recorded_at": now, "note": note if final else ""})
    if steps[-1] == ReferralStatus.hired.value and resident is not None:
        effects = hire_effects(resident, hired_on=occurred_on,
                               employer_name=(employer or {}).get("name") or (vacancy or {}).get("title", ""),
                               recorded_at=now, recorded_by=EMPLOYER_RECORDER, household=household,
                               members=members or [], vacancy=vacancy)
        changes.add("resident", effects.resident_changes, resident)
        changes.add("status_record", effects.status_record)
        if effects.household_changes and household is not None:
            changes.add("household", effects.household_changes, household)
        # the vacancy's filled count follows from the hired referral (``sync_push`` counts it)
    return changes.changes
