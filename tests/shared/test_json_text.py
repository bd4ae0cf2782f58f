"""shared.json_text gives what the standard json gives, orjson or not: the edges orjson refuses fall back."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import json_text

values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@given(values)
def test_what_it_writes_json_reads_back_and_what_json_writes_it_reads(value):
    assert json.loads(json_text.dumps(value)) == value
    assert json_text.loads(json.dumps(value, ensure_ascii=False)) == value
    assert json_text.loads(json.dumps(value)) == value  # \\u escapes too


def test_the_edges_orjson_refuses_come_out_as_json_gives_them():
    big = 2**80  # beyond 64 bits: orjson refuses to write it, json writes it
    assert json_text.dumps({"n": big}) == b'{"n":1208925819614629174706176}'
    assert json_text.dumps({1: "a"}) == b'{"1":"a"}'  # a non-string key, as json writes it
    assert json_text.loads('"\\ud800"') == "\ud800"  # a lone surrogate: orjson refuses, json reads
    assert json_text.dumps("中文") == "\"中文\"".encode()  # not escaped



def test_not_json_is_a_value_error_as_json_raises_it():
    for text in (b"", b"{", b"\xff\xfe", b"[1,]"):
        with pytest.raises(ValueError):
            json_text.loads(text)


def test_the_strict_parse_refuses_what_the_request_guard_must_refuse():
    for text in (b"NaN", b"[Infinity]", b"[1e999]", b'"\x01"', b"\xff"):
        assert json_text.strict_loads(text) == (False, None)
    assert json_text.strict_loads(b'{"a":[1,2.5,"\\u4e2d"]}') == (True, {"a": [1, 2.5, "中"]})
