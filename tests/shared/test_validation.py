"""Tests of shared.validation: ID numbers, phones, names, text, wages, GPS and the completeness rule."""
from __future__ import annotations

import os
import pickle
import re
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.validation import (
    FIELD_LABELS_ZH,
    REQUIRED_IF_NOT_EMPLOYED,
    REQUIRED_RESIDENT_FIELDS,
    FieldError,
    age_on,
    birth_date_from_id,
    id_check_char,
    is_complete,
    make_id_number,
    missing_fields,
    normalize_code_text,
    normalize_name,
    normalize_text,
    sex_from_id,
    validate_gps,
    validate_id_number,
    validate_phone,
    validate_wage,
)

EXAMPLES = settings(max_examples=int(os.environ.get("DOORSTEP_HYPOTHESIS_EXAMPLES", "100")), deadline=None)

KNOWN_VALID = "11010519491231002X"  # 北京市朝阳区, 1949-12-31, female, check digit X
TODAY = date(2024, 6, 15)
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65]

regions = st.builds(lambda p, city, county: f"{p:02d}{city:02d}{county:02d}", st.sampled_from(PROVINCES),
                    st.integers(1, 99), st.integers(0, 99))
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
seqs = st.integers(0, 999)
id_numbers = st.builds(make_id_number, regions, births, seqs)


def with_check(first17: str) -> str:
    """A number with the right check digit, so only the part under test is wrong."""
    return first17 + id_check_char(first17)


def id_error(value: str, **kwargs) -> FieldError:
    with pytest.raises(FieldError) as caught:
        validate_id_number(value, **kwargs)
    return caught.value


def assert_no_personal_data(err: FieldError, *secrets: str) -> None:
    text = " ".join([str(err), repr(err), err.message_zh, err.message_en])
    assert not re.search(r"\d{6,}", text), text
    for secret in secrets:
        assert secret not in text


def assert_bilingual(err: FieldError, label_zh: str, label_en: str) -> None:
    text = str(err)
    zh, sep, en = text.partition(" / ")
    assert sep, text
    assert label_zh in zh and re.search(r"[\u4e00-\u9fff]", err.message_zh)
    assert label_en in en and re.search(r"[A-Za-z]{3}", err.message_en)


# --- ID numbers ---


def test_known_valid_number_is_accepted_with_its_birth_date_and_sex():
    assert validate_id_number(KNOWN_VALID, today=TODAY) == KNOWN_VALID
    assert birth_date_from_id(KNOWN_VALID) == date(1949, 12, 31)
    assert sex_from_id(KNOWN_VALID) == "female"
    assert id_check_char(KNOWN_VALID[:17]) == "X"


@EXAMPLES
@given(regions, births, seqs)
def test_made_numbers_round_trip(region, birth, seq):
    number = make_id_number(region, birth, seq)
    assert len(number) == 18
    assert validate_id_number(number, today=TODAY) == number
    assert birth_date_from_id(number) == birth
    assert sex_from_id(number) == ("male" if seq % 2 else "female")


@EXAMPLES
@given(id_numbers)
def test_every_single_character_corruption_is_rejected(number):
    for pos, original in enumerate(number):
        alphabet = "0123456789X" if pos == 17 else "0123456789"
        for replacement in alphabet:
            if replacement == original:
                continue
            corrupted = number[:pos] + replacement + number[pos + 1:]
            err = id_error(corrupted)
            assert err.code in {"id_number.region", "id_number.birth_date", "id_number.checksum"}
            if pos >= 14:  # sequence and check digit: only the checksum can catch it
                assert err.code == "id_number.checksum"
            assert_no_personal_data(err, corrupted, number)


@EXAMPLES
@given(id_numbers)
def test_transpositions_are_rejected_except_ten_apart(number):
    # MOD 11-2 weights repeat every 10 positions, so only swaps 10 apart can slip through.
    tried = rejected = 0
    for i in range(18):
        for j in range(i + 1, 18):
            if number[i] == number[j]:
                continue
            chars = list(number)
            chars[i], chars[j] = chars[j], chars[i]
            swapped = "".join(chars)
            tried += 1
            try:
                validate_id_number(swapped)
            except FieldError:
                rejected += 1
            else:
                assert j - i == 10, (i, j)
    assert rejected >= tried - 8


def test_lowercase_x_is_normalised():
    assert validate_id_number(KNOWN_VALID.lower()) == KNOWN_VALID


@EXAMPLES
@given(id_numbers)
def test_full_width_digits_and_spaces_are_normalised(number):
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    spaced = f"\u3000{full_width[:6]} {full_width[6:14]}\u3000{full_width[14:].lower()} "
    assert validate_id_number(spaced) == number


@EXAMPLES
@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), seqs)
def test_legacy_15_digit_numbers_are_converted_to_18_with_the_19xx_year(region, birth, seq):
    legacy = f"{region}{birth:%y%m%d}{seq:03d}"
    converted = validate_id_number(legacy, today=TODAY)
    assert converted == make_id_number(region, birth, seq)
    assert converted[6:10] == f"{birth.year}" and converted[6:8] == "19"
    assert validate_id_number(converted) == converted


def test_known_legacy_number_converts_to_the_known_18_digit_one():
    assert validate_id_number("110105491231002") == KNOWN_VALID


def test_legacy_numbers_are_refused_when_conversion_is_off():
    err = id_error("110105491231002", convert_legacy=False)
    assert err.code == "id_number.legacy_refused"
    assert "15" in err.message_zh and "15-digit numbers are refused" in err.message_en
    assert_no_personal_data(err, "110105491231002")


def test_legacy_conversion_still_checks_the_date_and_region():
    assert id_error("110105490230002").code == "id_number.birth_date"
    assert id_error("990105491231002").code == "id_number.region"


def test_future_birth_date_is_rejected_given_today():
    tomorrow = make_id_number("110105", date(2024, 6, 16), 1)
    err = id_error(tomorrow, today=TODAY)
    assert err.code == "id_number.birth_date_future"
    assert_no_personal_data(err, tomorrow, "2024-06-16")
    assert validate_id_number(make_id_number("110105", TODAY, 1), today=TODAY)
    assert validate_id_number(tomorrow) == tomorrow  # no today: the future check is skipped


@pytest.mark.parametrize("yyyymmdd", ["19900230", "19900431", "19001301", "19900000", "19000229", "18991231"])
def test_impossible_birth_dates_are_rejected(yyyymmdd):
    err = id_error(with_check(f"110105{yyyymmdd}123"))
    assert err.code == "id_number.birth_date"
    assert_no_personal_data(err, yyyymmdd)


def test_leap_day_is_a_real_birth_date():
    number = with_check("11010520000229123")
    assert birth_date_from_id(number) == date(2000, 2, 29)


@pytest.mark.parametrize("region", ["000101", "100101", "990101", "910101", "110000", "830101", "110005",
                                    "710101", "810101", "820101", "710000", "840000"])
def test_bad_regions_are_rejected(region):
    err = id_error(with_check(f"{region}19900101123"))
    assert err.code == "id_number.region"


@pytest.mark.parametrize("region", ["110105", "500101", "650102", "440300", "810000", "820000", "830000"])
def test_mainland_regions_and_hong_kong_macao_taiwan_residence_permits_are_accepted(region):
    number = make_id_number(region, date(1990, 1, 1), 123)
    assert validate_id_number(number) == number


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number.empty"),
        ("  \u3000 ", "id_number.empty"),
        ("1101051949123100", "id_number.length"),
        ("11010519491231002X1", "id_number.length"),
        ("11010519491231002A", "id_number.characters"),
        ("1101051949-231002X", "id_number.characters"),
        ("1101051949X231002X", "id_number.characters"),
        ("11010549123100X", "id_number.characters"),
        ("110105194912310021", "id_number.checksum"),
    ],
)
def test_each_failure_has_its_own_code(value, code):
    err = id_error(value)
    assert err.code == code
    assert err.field == "id_number"
    assert_bilingual(err, "身份证号", "ID number")
    assert_no_personal_data(err, *[value.strip()] if value.strip() else [])


def test_checksum_message_says_the_check_digit_is_wrong_without_the_number():
    err = id_error(KNOWN_VALID[:17] + "1")
    assert "校验" in err.message_zh and "check digit" in err.message_en
    assert_no_personal_data(err, KNOWN_VALID, KNOWN_VALID[:17])


def test_control_characters_in_an_id_number_are_refused():
    err = id_error(KNOWN_VALID[:9] + "\x00" + KNOWN_VALID[9:])
    assert (err.field, err.code) == ("id_number", "text.control_char")


def test_make_id_number_refuses_what_validation_would_refuse():
    with pytest.raises(ValueError):
        make_id_number("990101", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("110105", date(1899, 12, 31), 1)
    with pytest.raises(ValueError):
        make_id_number("110105", date(1990, 1, 1), 1000)


# --- ages ---


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1974, 6, 15), date(2024, 6, 14), 49),
        (date(1974, 6, 15), date(2024, 6, 15), 50),
        (date(2000, 2, 29), date(2023, 2, 28), 22),
        (date(2000, 2, 29), date(2023, 3, 1), 23),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
        (date(2024, 6, 15), date(2024, 6, 15), 0),
    ],
)
def test_age_counts_completed_years(born, on, age):
    assert age_on(born, on) == age


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_on(date(2024, 6, 15), date(2024, 6, 14))


# --- phones ---


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "8613800138000",
        "0086 13800138000",
        "１３８００１３８０００",
        "\u3000+86\u3000138\u30000013\u30008000 ",
    ],
)
def test_valid_mobile_numbers_are_normalised(value):
    assert validate_phone(value) == "13800138000"


@pytest.mark.parametrize("value", ["19912345678", "16612345678", "14512345678"])
def test_every_mobile_prefix_from_13_to_19_is_accepted(value):
    assert validate_phone(value) == value


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "phone.empty"),
        (" - ", "phone.empty"),
        ("138001380001", "phone.length"),
        ("1380013800", "phone.length"),
        ("12800138000", "phone.not_mobile"),
        ("10800138000", "phone.not_mobile"),
        ("010-12345678", "phone.not_mobile"),
        ("1380013800a", "phone.characters"),
        ("(138)00138000", "phone.characters"),
        ("+1 415 555 0100", "phone.country"),
        ("+86 12800138000", "phone.not_mobile"),
    ],
)
def test_invalid_phones_have_codes_and_no_personal_data(value, code):
    with pytest.raises(FieldError) as caught:
        validate_phone(value)
    err = caught.value
    assert err.code == code and err.field == "phone"
    assert_bilingual(err, "手机号", "mobile number")
    assert_no_personal_data(err)


# --- text and names ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ＡＢＣａｂｃ１２３", "ABCabc123"),
        ("（Ｔｅｓｔ）！", "(Test)!"),
        ("\u3000 １３９－0000\u3000", "139-0000"),
        ("Ｅ\u0301", "É"),
        ("  a\u3000b  ", "a b"),
    ],
)
def test_normalize_code_makes_full_width_half_width(value, expected):
    assert normalize_code_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("家住３号楼，电话：见备注（白天不在）；", "家住３号楼，电话：见备注（白天不在）；"),  # free text as typed
        ("\u3000 你好\u3000", "你好"),
        ("cafe\u0301", "café"),
    ],
)
def test_normalize_text_keeps_full_width_punctuation(value, expected):
    assert normalize_text(value) == expected


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "tab\there", "line\nbreak", "del\x7f", "c1\x85", "c1\x9f"])
def test_control_characters_are_refused(value):
    with pytest.raises(FieldError) as caught:
        normalize_text(value, field="name")
    assert (caught.value.field, caught.value.code) == ("name", "text.control_char")
    assert_bilingual(caught.value, "姓名", "name")


def test_newlines_may_be_allowed_for_notes_but_nul_never():
    assert normalize_text(" line one\r\n\tline two \n", allow_newlines=True) == "line one\r\n\tline two"
    with pytest.raises(FieldError):
        normalize_text("a\x00b", allow_newlines=True)


@EXAMPLES
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_normalize_text_is_idempotent(value):
    once = normalize_text(value)
    assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张三"),
        ("  张   三 ", "张 三"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽 • 买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("John\u3000 Smith", "John Smith"),
        ("ＬＩ　Ｍｉｎｇ", "LI Ming"),
    ],
)
def test_names_are_normalised(value, expected):
    assert normalize_name(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "name.empty"),
        ("\u3000 ", "name.empty"),
        ("张" * 51, "name.too_long"),
        ("李四1", "name.characters"),
        ("王五!", "name.characters"),
        ("·张三", "name.middle_dot"),
        ("阿依古丽··买买提", "name.middle_dot"),
        ("张\x00三", "text.control_char"),
    ],
)
def test_bad_names_are_refused(value, code):
    with pytest.raises(FieldError) as caught:
        normalize_name(value)
    assert caught.value.code == code and caught.value.field == "name"
    assert "张" not in str(caught.value)


def test_a_fifty_character_name_is_accepted():
    assert normalize_name("张" * 50) == "张" * 50


# --- wages and GPS ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3500", 3500), ("3,500", 3500), ("３，５００", 3500), ("１２,０００", 12000), (" 0 ", 0), (4200, 4200),
     (4200.0, 4200), ("1,000,000", 1_000_000)],
)
def test_wages_are_parsed(value, expected):
    assert validate_wage(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "wage.empty"), (None, "wage.empty"), ("35,00", "wage.characters"), ("3500.5", "wage.characters"),
     ("abc", "wage.characters"), (3500.5, "wage.characters"), (-1, "wage.negative"), ("-200", "wage.negative"),
     (1_000_001, "wage.too_large")],
)
def test_bad_wages_are_refused(value, code):
    with pytest.raises(FieldError) as caught:
        validate_wage(value, field="job_wish_min_wage")
    assert caught.value.code == code
    assert_bilingual(caught.value, "期望最低工资", "minimum wanted wage")


def test_a_bool_is_not_a_wage():
    with pytest.raises(TypeError):
        validate_wage(True)


def test_gps_in_range_is_accepted():
    assert validate_gps(39.9042, 116.4074) == (39.9042, 116.4074)
    assert validate_gps("-90", 180) == (-90.0, 180.0)


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [(90.01, 0, "latitude.range"), (-91, 0, "latitude.range"), (float("nan"), 0, "latitude.range"),
     ("north", 0, "latitude.range"), (0, 180.5, "longitude.range"), (0, float("inf"), "longitude.range")],
)
def test_gps_out_of_range_is_refused(lat, lon, code):
    with pytest.raises(FieldError) as caught:
        validate_gps(lat, lon)
    assert caught.value.code == code


# --- completeness ---


def complete_unemployed(**changes):
    resident = {
        "name": "张三",
        "id_number": KNOWN_VALID,
        "sex": "female",
        "birth_date": date(1949, 12, 31),
        "phone": "13800138000",
        "education": "senior",
        "employment_status": "unemployed",
        "unemployment_registered": False,
        "job_wish_occupations": ["cleaner"],
        "job_wish_min_wage": 0,
        "training_wish": "",
    }
    resident.update(changes)
    return resident


def test_a_complete_unemployed_resident_misses_nothing():
    assert missing_fields(complete_unemployed()) == []
    assert is_complete(complete_unemployed())


def test_missing_fields_lists_empty_values_in_the_required_order():
    resident = complete_unemployed(phone=None, name="  ", job_wish_occupations=[], training_wish=None)
    assert missing_fields(resident) == ["name", "phone", "job_wish_occupations", "training_wish"]
    assert not is_complete(resident)


def test_missing_keys_count_as_missing():
    assert missing_fields({}) == list(REQUIRED_RESIDENT_FIELDS)


@pytest.mark.parametrize("status", ["employed", "flexible", "self_employed"])
def test_employed_residents_need_no_job_wishes(status):
    resident = complete_unemployed(employment_status=status)
    for field in REQUIRED_IF_NOT_EMPLOYED:
        resident[field] = None
    assert missing_fields(resident) == []


def test_unknown_employment_status_still_needs_job_wishes():
    resident = complete_unemployed(employment_status=None, job_wish_min_wage=None)
    assert missing_fields(resident) == ["employment_status", "job_wish_min_wage"]


def test_objects_with_attributes_are_checked_like_mappings():
    assert missing_fields(SimpleNamespace(**complete_unemployed())) == []
    assert missing_fields(SimpleNamespace(**complete_unemployed(education=""))) == ["education"]


def test_every_required_field_has_a_chinese_label():
    assert set(REQUIRED_RESIDENT_FIELDS) <= set(FIELD_LABELS_ZH)
    assert REQUIRED_IF_NOT_EMPLOYED <= set(REQUIRED_RESIDENT_FIELDS)
    assert [FIELD_LABELS_ZH[f] for f in REQUIRED_RESIDENT_FIELDS] == [
        "姓名", "身份证号", "性别", "出生日期", "手机号", "文化程度", "就业状态",
        "失业登记", "求职意向工种", "期望最低工资", "培训意愿",
    ]


# --- the error type ---


def test_field_error_is_a_value_error_that_pickles():
    err = FieldError("phone", "phone.length", "应为 11 位数字", "must have 11 digits")
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.field, again.code, again.message_zh, again.message_en) == (
        "phone", "phone.length", "应为 11 位数字", "must have 11 digits")
    assert str(again) == "手机号：应为 11 位数字 / mobile number: must have 11 digits"
