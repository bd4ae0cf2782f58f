"""Referral rules: the status machine, the slip's short code, and what a hire changes."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.referrals import (
    CROCKFORD,
    FINAL_STATUSES,
    NEXT_STATUSES,
    allowed_next,
    can_move,
    format_code,
    hire_effects,
    normalize_code,
    referral_code,
    timeline,
)
from shared.vocab import ReferralStatus
from tests.conftest import hypothesis_examples
from tests.jobs.factories import household, resident, vacancy

NOW = datetime(2025, 6, 16, 9, 30, tzinfo=timezone.utc)


def test_status_machine_moves_forward_only():
    assert allowed_next("referred") == ("interviewed", "declined", "no_show")
    assert allowed_next("interviewed") == ("hired", "not_hired", "declined", "no_show")
    assert FINAL_STATUSES == {"hired", "not_hired", "declined", "no_show"}
    assert FINAL_STATUSES == {s for s, nxt in NEXT_STATUSES.items() if not nxt}  # the fold's finals
    for final in FINAL_STATUSES:
        assert allowed_next(final) == ()
    assert can_move("referred", "interviewed") and not can_move("interviewed", "referred")
    assert not can_move("referred", "hired")  # an interview comes first
    assert not can_move("hired", "not_hired")
    assert set(allowed_next("referred")) | set(allowed_next("interviewed")) | {"referred"} == {
        s.value for s in ReferralStatus
    }


def test_referral_code_is_short_stable_and_unambiguous():
    rid = "3f0c9a4e-8d61-4b8e-9a51-1b2c3d4e5f60"
    code = referral_code(rid)
    assert code == referral_code(rid)
    assert len(code) == 8 and set(code) <= set(CROCKFORD)
    assert not set(code) & set("ILOU")
    assert format_code(code) == f"{code[:4]}-{code[4:]}"
    assert normalize_code(format_code(code).lower()) == code


def test_typed_back_codes_forgive_lookalikes():
    assert normalize_code("o1il-2 3") == "01112" + "3"
    assert normalize_code("ab7k-9qx4") == "AB7K9QX4"


@settings(max_examples=hypothesis_examples(200))
@given(st.uuids())
def test_codes_are_crockford(rid):
    code = referral_code(str(rid))
    assert len(code) == 8 and all(ch in CROCKFORD for ch in code)


def test_codes_rarely_collide():
    codes = {referral_code(str(uuid.UUID(int=i))) for i in range(20_000)}
    assert len(codes) >= 19_999


def test_timeline_orders_by_clock_stamp():
    events = [
        {"status": "hired", "stamp": "1718530000000.00000.b", "occurred_on": date(2025, 6, 20)},
        {"status": "referred", "stamp": "1718520000000.00000.a", "occurred_on": date(2025, 6, 16)},
        {"status": "interviewed", "stamp": "1718520000000.00001.a", "occurred_on": date(2025, 6, 18)},
    ]
    assert [e["status"] for e in timeline(events)] == ["referred", "interviewed", "hired"]


# --- hire effects ---------------------------------------------------------------


def test_a_hire_makes_the_resident_employed_with_a_dated_record():
    person = resident()
    effects = hire_effects(person, hired_on=date(2025, 6, 20), employer_name="幸福家政公司",
                           recorded_at=NOW, recorded_by="u1", vacancy=vacancy(filled=1))
    assert effects.resident_changes == {
        "employment_status": "employed", "employment_since": date(2025, 6, 20), "employer_name": "幸福家政公司",
    }
    assert effects.status_record == {
        "resident_id": person["id"], "grid_id": person["grid_id"], "kind": "employment", "value": "employed",
        "effective_on": date(2025, 6, 20), "recorded_by": "u1", "recorded_at": NOW,
    }
    assert effects.household_changes == {}
    assert effects.vacancy_changes == {"filled": 2}


@pytest.mark.parametrize(("hired_on", "met"), [(date(2025, 2, 20), True), (date(2025, 2, 21), False)])
def test_a_hire_stops_the_zero_employment_clock(hired_on, met):
    hh = household(zero_employment=True, zero_employment_identified_on=date(2025, 1, 31))
    person = resident(household_id=hh["id"])
    effects = hire_effects(person, hired_on=hired_on, employer_name="x", recorded_at=NOW, household=hh,
                           members=[person])
    assert effects.household_changes == {"zero_employment_resolved_on": hired_on, "zero_employment_met": met}


def test_two_wanted_the_clock_stops_at_the_second():
    hh = household(zero_employment=True, zero_employment_identified_on=date(2025, 1, 31),
                   zero_employment_wants_two=True)
    first, second = resident(household_id=hh["id"]), resident(household_id=hh["id"])
    effects = hire_effects(first, hired_on=date(2025, 2, 10), employer_name="x", recorded_at=NOW,
                           household=hh, members=[first, second])
    assert effects.household_changes == {}  # one of two: still running
    second_hired = dict(first, employment_status="employed", employment_since=date(2025, 2, 10))
    effects = hire_effects(second, hired_on=date(2025, 2, 28), employer_name="y", recorded_at=NOW,
                           household=hh, members=[second_hired, second])
    assert effects.household_changes == {"zero_employment_resolved_on": date(2025, 2, 28),
                                         "zero_employment_met": True}


def test_an_already_stopped_clock_is_left_alone():
    hh = household(zero_employment=True, zero_employment_identified_on=date(2025, 1, 31),
                   zero_employment_resolved_on=date(2025, 2, 3), zero_employment_met=True)
    effects = hire_effects(resident(), hired_on=date(2025, 3, 1), employer_name="x", recorded_at=NOW,
                           household=hh)
    assert effects.household_changes == {}
