"""Referral rules: which status may follow which, the short code on the slip, and what a hire changes.

Status machine (the UI offers only these moves; ``shared.merge.referral_status``
folds the events of all phones forward-only, so a late or concurrent event
never moves a referral back):

    referred ──→ interviewed ──→ hired | not_hired
        │               │
        └──→ declined | no_show  (final; from referred or interviewed)

hired, not_hired, declined and no_show are final.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.merge import FINAL_REFERRAL_STATUSES
from shared.vocab import EMPLOYED_STATUSES, EmploymentStatus, ReferralStatus, StatusKind
from shared.zero_employment import resolution

_R = ReferralStatus
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    _R.referred.value: (_R.interviewed.value, _R.declined.value, _R.no_show.value),
    _R.interviewed.value: (_R.hired.value, _R.not_hired.value, _R.declined.value, _R.no_show.value),
    _R.hired.value: (),
    _R.not_hired.value: (),
    _R.declined.value: (),
    _R.no_show.value: (),
}
# The same finals as the fold's (shared.merge ranks them highest); kept in step by the tests.
FINAL_STATUSES: frozenset[str] = FINAL_REFERRAL_STATUSES


def allowed_next(status: str) -> tuple[str, ...]:
    """The statuses the UI may offer after ``status`` (empty for a final one)."""
    return NEXT_STATUSES.get(str(status), ())


def can_move(current: str, new: str) -> bool:
    return str(new) in allowed_next(current)


def is_final(status: str) -> bool:
    return str(status) in FINAL_STATUSES


# --- the short code on the slip ---------------------------------------------------

# Crockford's base32: digits and capitals without I, L, O, U (nothing to misread).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_READ_AS = {"O": "0", "I": "1", "L": "1"}


def referral_code(referral_id: str) -> str:
    """The slip's code: 8 Crockford base32 characters (40 bits) of SHA-256 of the referral id.

    Pure and stable, so any phone or the server can recompute it from the id.
    With 40 bits, a street's few thousand referrals collide with a chance
    below 1 in 100,000; the code looks a referral up, the id stays the key.
    """
    digest = hashlib.sha256(referral_id.encode("utf-8")).digest()
    number = int.from_bytes(digest[:5], "big")
    return "".join(CROCKFORD[(number >> shift) & 31] for shift in range(35, -1, -5))


def normalize_code(text: str) -> str:
    """A code as typed back ("abcd-efgh", "0O1l") in canonical form; hyphens and spaces dropped."""
    cleaned = "".join(ch for ch in text.upper() if ch not in "- ")
    return "".join(_READ_AS.get(ch, ch) for ch in cleaned)


def format_code(code: str) -> str:
    """The code as printed on the slip, in two groups of four: "7K2M-9QX4"."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


# --- timeline ------------------------------------------------------------------------


def _get(row: Mapping[str, Any] | object, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def timeline(events: Iterable[Mapping[str, Any] | object]) -> list[Mapping[str, Any] | object]:
    """A referral's events in the order they happened (HLC stamp; date and recording time break ties)."""
    return sorted(
        events,
        key=lambda e: (_get(e, "stamp") or "", _get(e, "occurred_on") or date.min, str(_get(e, "recorded_at") or "")),
    )


# --- what a hire implies -----------------------------------------------------------


@dataclass(frozen=True)
class HireEffects:
    """The changes a hire makes, as field dicts for the device store (``save``/``append``)."""

    resident_changes: dict[str, Any]  # the employment group of the resident
    status_record: dict[str, Any]  # a new status_record row (append)
    household_changes: dict[str, Any] = field(default_factory=dict)  # the zero-employment clock stop, or {}
    vacancy_changes: dict[str, Any] = field(default_factory=dict)  # one more opening filled, or {}


def hire_effects(
    resident: Mapping[str, Any] | object,
    *,
    hired_on: date,
    employer_name: str,
    recorded_at: datetime,
    recorded_by: str | None = None,
    household: Mapping[str, Any] | object | None = None,
    members: Iterable[Mapping[str, Any] | object] = (),
    vacancy: Mapping[str, Any] | object | None = None,
) -> HireEffects:
    """What hiring ``resident`` on ``hired_on`` changes.

    - the resident's employment group: employed since ``hired_on`` at ``employer_name``;
    - a dated status record (kind employment, value employed), the history rates are computed from;
    - for a zero-employment household whose clock still runs: the clock stops
      (``zero_employment_resolved_on`` and ``zero_employment_met``) once enough
      members are employed; ``members`` are the household's other residents,
      whose own employment counts when the household asked for two;
    - the vacancy's expected filled count, one more (``vacancy_changes``): a
      prediction the phone shows until its next pull. ``filled`` is a server
      field, counted by the server from the vacancy's hired referrals, so two
      phones hiring for one vacancy offline both count.
    """
    resident_changes = {
        "employment_status": EmploymentStatus.employed.value,
        "employment_since": hired_on,
        "employer_name": employer_name,
    }
    status_record = {
        "resident_id": _get(resident, "id"),
        "grid_id": _get(resident, "grid_id"),
        "kind": StatusKind.employment.value,
        "value": EmploymentStatus.employed.value,
        "effective_on": hired_on,
        "recorded_by": recorded_by,
        "recorded_at": recorded_at,
    }
    household_changes: dict[str, Any] = {}
    identified_on = _get(household, "zero_employment_identified_on") if household is not None else None
    if (
        household is not None
        and _get(household, "zero_employment")
        and identified_on is not None
        and _get(household, "zero_employment_resolved_on") is None
    ):
        employed_codes = {s.value for s in EMPLOYED_STATUSES}
        others = [
            _get(m, "employment_since")
            for m in members
            if _get(m, "id") != _get(resident, "id") and str(_get(m, "employment_status")) in employed_codes
        ]
        stop = resolution(identified_on, bool(_get(household, "zero_employment_wants_two")), [hired_on, *others])
        if stop is not None:
            household_changes = {"zero_employment_resolved_on": stop[0], "zero_employment_met": stop[1]}
    vacancy_changes: dict[str, Any] = {}
    if vacancy is not None:
        vacancy_changes = {"filled": int(_get(vacancy, "filled") or 0) + 1}
    return HireEffects(resident_changes, status_record, household_changes, vacancy_changes)


# --- the employer's check (docs/employer-check.md) ---------------------------------------

EMPLOYER_RECORDER = "employer"  # ``referral_event.recorded_by`` of a step the employer confirmed on the slip's page
CHECK_CODE_LENGTH = 6
CHECK_PATH = "/r"  # the employer's page on the server: /r/<code>?t=<token>, or /r to type the codes
# The steps an employer may confirm, and the reasons a person was not hired (the page offers these only).
EMPLOYER_STATUSES: tuple[str, ...] = (_R.interviewed.value, _R.hired.value, _R.not_hired.value)
NOT_HIRED_REASONS: dict[str, str] = {
    "requirements": "不符合岗位要求",
    "filled": "岗位已招满",
    "withdrew": "求职人放弃",
    "absent": "求职人未来面试",
    "other": "其他原因",
}
_COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "诸葛", "上官", "皇甫", "司徒", "东方", "夏侯", "尉迟", "公孙", "慕容", "长孙", "宇文", "令狐",
    "西门", "南宫", "独孤", "端木", "轩辕", "呼延",
))


def check_code(token: str) -> str:
    """The short check code printed beside the referral code: 6 Crockford characters (30 bits) of SHA-256 of the
    check token, so the server recomputes it and the slip needs no second secret."""
    digest = hashlib.sha256(("check|" + token).encode("utf-8")).digest()
    number = int.from_bytes(digest[:4], "big") >> 2
    return "".join(CROCKFORD[(number >> shift) & 31] for shift in range(25, -1, -5))


def slip_url(base_url: str, code: str, token: str) -> str:
    """What the slip's QR code holds: the server's page for this referral, with its check token."""
    return f"{base_url.rstrip('/')}{CHECK_PATH}/{code}?t={token}"


def masked_name(name: str | None) -> str:
    """The surname with the given name masked ("陈*"), all an employer is shown of the person; "" without a name."""
    name = (name or "").strip()
    if not name:
        return ""
    surname = name[:2] if len(name) > 2 and name[:2] in _COMPOUND_SURNAMES else name[:1]
    return surname + "*"


def employer_choices(current: str) -> tuple[str, ...]:
    """What the employer may confirm after ``current``: later steps only (none once the referral is final)."""
    if is_final(current):
        return ()
    if current == _R.interviewed.value:
        return (_R.hired.value, _R.not_hired.value)
    return EMPLOYER_STATUSES


def employer_steps(current: str, chosen: str) -> tuple[str, ...]:
    """The events an employer's answer adds: a hire or a refusal straight after the referral passes the interview
    first, as the coordinator's status machine (``NEXT_STATUSES``) has it; () when ``chosen`` is not a later step."""
    if chosen not in employer_choices(current):
        return ()
    if current == _R.referred.value and chosen != _R.interviewed.value:
        return (_R.interviewed.value, chosen)
    return (chosen,)
