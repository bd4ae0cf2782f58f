"""The cleaning's fast paths (values already as stored) give what the full path gives, refusals included."""
from __future__ import annotations

import os
from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared import sync_codec
from shared.sync_schema import SYNC_SPECS
from shared.validation import NAME_MAX_LENGTH, FieldError, normalize_name, validate_id_number, validate_phone
from tests.shared.test_validation import TODAY, id_numbers

EXAMPLES = settings(max_examples=int(os.environ.get("DOORSTEP_HYPOTHESIS_EXAMPLES", "100")), deadline=None)


class Typed(str):
    """The same text as a str subclass: the fast paths take exact ``str`` only, so this goes the full way."""


def outcome(check, value, **kwargs):
    try:
        return "ok", check(value, **kwargs)
    except FieldError as error:
        return "refused", error.code


# 18 characters shaped like a stored number, most of them wrong somewhere (region, date, check digit)
shaped = st.text(alphabet="0123456789", min_size=17, max_size=17).flatmap(
    lambda first: st.sampled_from("0123456789X").map(lambda last: first + last))


@EXAMPLES
@given(st.one_of(id_numbers, shaped, st.text(alphabet="0123456789Xx １２ \u0663", max_size=20)),
       st.sampled_from([TODAY, None]))
def test_an_id_number_already_as_stored_is_checked_as_the_full_path_checks_it(value, today):
    assert outcome(validate_id_number, value, today=today) == outcome(validate_id_number, Typed(value), today=today)


@EXAMPLES
@given(st.one_of(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.text(alphabet="0123456789+-８ \u0661", max_size=15)))
def test_a_phone_already_as_stored_is_checked_as_the_full_path_checks_it(value):
    assert outcome(validate_phone, value) == outcome(validate_phone, Typed(value))


def test_every_ideograph_a_plain_name_may_hold_is_a_name_the_full_path_keeps_as_is():
    ideographs = "".join(chr(cp) for cp in range(0x4E00, 0x9FF0))
    for start in range(0, len(ideographs), NAME_MAX_LENGTH):
        name = ideographs[start:start + NAME_MAX_LENGTH]
        assert normalize_name(Typed(name)) == name == normalize_name(name)


@EXAMPLES
@given(st.text(alphabet="王芳李建国欧阳娜·• 　\u9ff0\u3400\uf900Ａa\u0301\n", max_size=NAME_MAX_LENGTH + 3))
def test_a_name_already_as_stored_is_cleaned_as_the_full_path_cleans_it(value):
    assert outcome(normalize_name, value) == outcome(normalize_name, Typed(value))


TEXT_FIELDS = [(table, name) for table, spec in sorted(SYNC_SPECS.items()) for name in sorted(spec.fields)
               if sync_codec.column_info(table, name).kind == "str"]


def cleaned(table, name, value, today):
    try:
        return "ok", sync_codec.clean_row(table, {name: value}, today=today)[name]
    except (ValueError, TypeError) as error:
        return "refused", type(error).__name__, str(error)


def one_by_one(table, name, value, today):
    try:
        return "ok", sync_codec.clean_value(table, name, value, today=today)
    except (ValueError, TypeError) as error:
        return "refused", type(error).__name__, str(error)


@EXAMPLES
@given(st.sampled_from(TEXT_FIELDS),
       st.one_of(st.text(max_size=60), st.sampled_from(["employed", "male", "senior", " 电工 ", "a\nb", "x" * 600])))
def test_clean_row_gives_what_clean_value_gives_for_every_text_field(field, value):
    table, name = field
    today = date(2026, 12, 3)
    assert cleaned(table, name, value, today) == one_by_one(table, name, value, today)


ALL_FIELDS = [(table, name) for table, spec in sorted(SYNC_SPECS.items()) for name in sorted(spec.fields)]


@EXAMPLES
@given(st.sampled_from(ALL_FIELDS),
       st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False), st.booleans(),
                 st.lists(st.text(max_size=5), max_size=3),
                 st.sampled_from(["employed", "senior", "hired", " 电工 ", "2026-12-03", "2026-12-03T08:00:00+08:00"])))
def test_clean_row_gives_what_clean_value_gives_for_every_field(field, sent):
    # what a push cleans: the value as decoded from the wire (the per-field cleaners keep dates, numbers and
    # flags as they are, and codes spelt as in their vocabulary)
    table, name = field
    try:
        value = sync_codec.decode_value(table, name, sent)
    except (ValueError, TypeError, OverflowError):
        assume(False)
    today = date(2026, 12, 3)
    assert cleaned(table, name, value, today) == one_by_one(table, name, value, today)


def decoded(decode, table, name, value):
    try:
        return "ok", decode(table, name, value)
    except ValueError as error:
        return "refused", str(error)


@EXAMPLES
@given(st.sampled_from(sorted((table, name) for table, spec in SYNC_SPECS.items() for name in spec.fields)),
       st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none(), st.lists(st.text(max_size=5)),
                 st.floats(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.sampled_from(["2026-12-03", "2026-12-03T08:00:00+08:00"])))
def test_decode_row_gives_what_decode_value_gives_for_every_field(field, value):
    # decode_row (and the push's own decoding) keeps the values of the types ``kept_types`` names without a call
    from server.services.sync_push import _decode

    table, name = field
    expected = decoded(sync_codec.decode_value, table, name, value)
    assert decoded(lambda t, n, v: sync_codec.decode_row(t, {n: v})[n], table, name, value) == expected
    assert decoded(lambda t, n, v: _decode(t, {n: v})[n], table, name, value) == expected


@EXAMPLES
@given(st.sampled_from(sorted(SYNC_SPECS)).flatmap(lambda table: st.tuples(st.just(table), st.dictionaries(
    st.sampled_from(sorted(SYNC_SPECS[table].fields)),
    st.one_of(st.none(), st.booleans(), st.text(max_size=12),
              st.sampled_from(["employed", " 电工 ", "Ｂ栋", "a\u0301", "13800138000", "11010519491231002X"])),
    max_size=6))))
def test_clean_row_changes_names_exactly_the_fields_the_cleaning_changed(row):
    table, values = row
    try:
        cleaned, changed = sync_codec.clean_row_changes(table, values, today=date(2026, 12, 3))
    except (ValueError, TypeError) as error:
        with_error = type(error)
        try:
            sync_codec.clean_row(table, values, today=date(2026, 12, 3))
        except with_error:
            return
        raise AssertionError("clean_row_changes refused what clean_row keeps") from None
    assert cleaned == sync_codec.clean_row(table, values, today=date(2026, 12, 3))
    assert list(cleaned) == list(values)
    assert changed == {name: value for name, value in cleaned.items() if value != values[name]}
