"""Hybrid clock stamps: order, ticks past what was seen, clamping, and malformed stamps refused."""
import pytest
from pydantic import ValidationError

from shared.hlc import HybridClock, clamp_stamp, parse_stamp
from shared.sync_protocol import Change


def test_tick_moves_past_observed_stamps_even_when_the_wall_clock_is_behind():
    clock = HybridClock("dev-a")
    first = clock.tick(1_000)
    clock.observe(HybridClock("dev-b").tick(5_000))
    second = clock.tick(900)  # the wall clock went backwards
    assert first < second
    assert parse_stamp(second).physical_ms == 5_000


def test_clamp_limits_a_stamp_from_the_future_and_says_so():
    stamp = HybridClock("dev-a").tick(10_000_000)
    clamped, did = clamp_stamp(stamp, server_now_ms=1_000, max_ahead_ms=500)
    assert did and parse_stamp(clamped).physical_ms == 1_500
    assert clamp_stamp(stamp, server_now_ms=10_000_000) == (stamp, False)


@pytest.mark.parametrize("text", ["", "1.2.x", "176400000000a.00000.d", "١٧٦٤٠٠٠٠٠٠٠٠٠.00000.d",
                                  "1764000000000.٠٠٠٠٠.d"])
def test_malformed_stamps_are_refused(text):
    with pytest.raises(ValueError):
        parse_stamp(text)


def test_a_push_sequence_number_fits_the_servers_column():
    row = "00000000-0000-4000-8000-000000000000"
    Change(seq=2**31 - 1, table="household", row_id=row)
    with pytest.raises(ValidationError):
        Change(seq=2**31, table="household", row_id=row)
