"""Time-first record keys (UUIDv7): valid UUIDs of version 7, the time in front, so later keys sort after earlier
ones (the server's information records and audit events get them: tests/server/test_record_ids.py)."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.models import ordered_ids

MS = st.integers(min_value=0, max_value=(1 << 48) - 1)


@given(MS, st.binary(min_size=10, max_size=10), st.binary(min_size=10, max_size=10))
def test_an_ordered_id_is_a_version_7_uuid_with_its_time_in_front_and_every_random_bit_kept(ms, one, two):
    first, second = ordered_ids(ms, one + two)
    for text, noise in ((first, one), (second, two)):
        value = uuid.UUID(text)
        assert value.version == 7 and value.variant == uuid.RFC_4122 and str(value) == text
        assert value.int >> 80 == ms
        rand = int.from_bytes(noise, "big")
        assert (value.int >> 64) & 0xFFF == (rand >> 62) & 0xFFF and value.int & ((1 << 62) - 1) == rand & ((1 << 62) - 1)


@given(MS, MS, st.binary(min_size=10, max_size=10), st.binary(min_size=10, max_size=10))
def test_a_later_millisecond_sorts_after_an_earlier_one_as_text(a, b, noise_a, noise_b):
    if a == b:
        return
    (early, late) = sorted((a, b))
    assert ordered_ids(early, noise_a)[0] < ordered_ids(late, noise_b)[0]


def test_bad_noise_or_time_is_refused():
    for ms, noise in ((0, b"x" * 9), (-1, b"x" * 10), (1 << 48, b"x" * 10)):
        with pytest.raises(ValueError):
            ordered_ids(ms, noise)
    assert ordered_ids(5, b"") == []
