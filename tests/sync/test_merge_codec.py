"""shared.sync_codec: values between JSON and Python, strictly by column type, and the field checks."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.sync_codec import clean_row, clean_value, decode_row, decode_value, encode_row, encode_value
from shared.validation import make_id_number
from tests.conftest import hypothesis_examples

TODAY = date(2024, 5, 1)


def test_dates_and_datetimes_round_trip_in_utc():
    born = decode_value("resident", "birth_date", "1970-02-03")
    assert born == date(1970, 2, 3)
    assert encode_value("resident", "birth_date", born) == "1970-02-03"
    at = decode_value("visit", "visited_at", "2024-05-01T10:00:00+08:00")
    assert at == datetime(2024, 5, 1, 2, 0, tzinfo=timezone.utc)
    assert encode_value("visit", "visited_at", at) == "2024-05-01T02:00:00+00:00"
    # SQLite hands datetimes back naive: they are UTC
    assert encode_value("visit", "visited_at", datetime(2024, 5, 1, 2)) == "2024-05-01T02:00:00+00:00"


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [
        ("visit", "visited_at", "2024-05-01T10:00:00"),  # no offset
        ("visit", "visited_at", 1714500000),
        ("resident", "birth_date", "19700203"),
        ("resident", "birth_date", "1970-02-30"),
        ("household", "zero_employment", 1),
        ("resident", "job_wish_min_wage", True),
        ("resident", "job_wish_min_wage", 3500.5),
        ("resident", "job_wish_min_wage", 2**40),
        ("resident", "job_wish_max_distance_km", "3"),
        ("resident", "job_wish_max_distance_km", float("nan")),
        ("household", "grid_id", None),  # not nullable
        ("household", "address", 5),
        ("household", "no_such_field", "x"),
        ("no_such_table", "x", "x"),
    ],
)
def test_decode_refuses_wrong_types(table, field, value):
    with pytest.raises(ValueError):
        decode_value(table, field, value)


def test_rows_round_trip():
    wire = {"visited_at": "2024-05-01T02:00:00+00:00", "outcome": "met", "services": ["policy_consultation"],
            "next_follow_up_on": "2024-06-01", "latitude": 41.8, "guidance_given": True}
    assert encode_row("visit", decode_row("visit", wire)) == wire


@settings(max_examples=hypothesis_examples())
@given(st.dates(min_value=date(1900, 1, 1)), st.datetimes(timezones=st.just(timezone.utc)))
def test_any_date_and_time_round_trips(day, moment):
    assert decode_value("resident", "birth_date", encode_value("resident", "birth_date", day)) == day
    assert decode_value("visit", "visited_at", encode_value("visit", "visited_at", moment)) == moment


def test_clean_normalises_text_names_ids_phones_and_sets():
    number = make_id_number("110105", date(1970, 2, 3), 123)
    row = clean_row("resident", {
        "name": " 张　三 ", "id_number": number[:-1] + number[-1].lower(), "phone": "+86 138-0013-8000",
        "skills": ["家政", "电工", "家政", "ＡＢ"], "notes": "第一行\n第二行", "sex": "male",
    }, today=TODAY)
    assert row["name"] == "张 三"
    assert row["id_number"] == number
    assert row["phone"] == "13800138000"
    # Free text (skills included) keeps its full-width characters; only codes and numbers fold (issue 17).
    assert row["skills"] == ["家政", "电工", "ＡＢ"]
    assert row["notes"] == "第一行\n第二行"
    assert clean_value("resident", "phone", "", today=TODAY) is None


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [
        ("resident", "id_number", "110105197002031230"),  # bad check digit
        ("resident", "id_number", make_id_number("110105", date(2024, 5, 2), 1)),  # born after today
        ("resident", "phone", "0101234567"),
        ("resident", "name", "张三3"),
        ("resident", "sex", "x"),
        ("resident", "employment_status", "busy"),
        ("visit", "services", ["policy_consultation", "haircut"]),
        ("visit", "outcome", "met\n"),
        ("household", "address", "a\x00b"),
        ("household", "building", "x" * 21),
        ("household", "address", "line\nbreak"),
        ("resident", "job_wish_min_wage", -1),
        ("vacancy", "latitude", 91.0),
        ("resident", "skills", ["a|b"]),
        ("resident", "skills", [""]),
        ("referral_event", "status", "promoted"),
        ("conflict", "state", "closed"),
        ("resident", "name", False),  # not text: refused as such (it was an AttributeError)
        ("resident", "id_number", 110105199003070017),
        ("resident", "phone", 13912345678),
        ("household", "address", ["a"]),
        ("resident", "job_wish_max_distance_km", -1),  # a distance is 0-500 km on the server too (was the form's)
        ("resident", "job_wish_max_distance_km", 501),
        ("resident", "job_wish_max_distance_km", 2**63),
    ],
)
def test_clean_refuses_bad_values_without_repeating_them(table, field, value):
    with pytest.raises(ValueError) as caught:
        clean_value(table, field, value, today=TODAY)
    if isinstance(value, str) and len(value) > 4:
        assert value not in str(caught.value)


def test_status_record_value_must_match_its_kind():
    assert clean_row("status_record", {"kind": "registration", "value": "registered"}, today=TODAY)
    with pytest.raises(ValueError):
        clean_row("status_record", {"kind": "registration", "value": "employed"}, today=TODAY)


def test_id_number_check_uses_the_given_day():
    born_tomorrow = make_id_number("110105", TODAY + timedelta(days=1), 1)
    assert clean_value("resident", "id_number", born_tomorrow, today=TODAY + timedelta(days=1)) == born_tomorrow


def test_a_row_is_cleaned_as_its_fields_are_a_distance_range_included():
    assert clean_row("resident", {"job_wish_max_distance_km": 12}, today=TODAY) == {"job_wish_max_distance_km": 12.0}
    for far in (-0.5, 500.5, 2**63):
        with pytest.raises(ValueError):
            clean_row("resident", {"job_wish_max_distance_km": far}, today=TODAY)
