"""The phone's cryptography: sealed cells bound to their place, the PIN+secret key wrap, keyed ID hashes."""
from __future__ import annotations

import pytest

from mobile.store import crypto
from mobile.store.crypto import CellCipher, DecryptionError

ROW = "0b7e1f2a-0000-4000-8000-000000000001"
OTHER_ROW = "0b7e1f2a-0000-4000-8000-000000000002"


@pytest.fixture
def cipher() -> CellCipher:
    return CellCipher(crypto.random_bytes())


def test_a_sealed_cell_opens_only_in_its_own_place(cipher):
    token = cipher.seal_text("110101199003071233", "resident", "id_number", ROW)
    assert "110101199003071233" not in token
    assert cipher.open_text(token, "resident", "id_number", ROW) == "110101199003071233"
    for table, column, row in [("resident", "id_number", OTHER_ROW), ("resident", "phone", ROW),
                               ("employer", "id_number", ROW)]:
        with pytest.raises(DecryptionError):
            cipher.open_text(token, table, column, row)


def test_sealing_twice_gives_different_tokens(cipher):
    """A fresh nonce each time: equal values are not recognisable in the file."""
    a = cipher.seal_text("王芳", "resident", "name", ROW)
    b = cipher.seal_text("王芳", "resident", "name", ROW)
    assert a != b
    assert cipher.open_text(a, "resident", "name", ROW) == cipher.open_text(b, "resident", "name", ROW) == "王芳"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1],  # a flipped byte
    lambda t: t[:20],  # cut short
    lambda t: "e1.!!!not-base64",  # not base64
    lambda t: t.replace("e1.", "e9.", 1),  # unknown format
    lambda t: 42,  # not even text
])
def test_every_broken_token_is_one_exception(cipher, mangle):
    token = cipher.seal_text("13800138000", "resident", "phone", ROW)
    with pytest.raises(DecryptionError) as raised:
        cipher.open_text(mangle(token), "resident", "phone", ROW)
    assert "13800138000" not in str(raised.value)


def test_another_data_key_cannot_open(cipher):
    token = cipher.seal_json({"value_a": "13800138000"}, cipher.place("conflict", "value_a", ROW))
    with pytest.raises(DecryptionError):
        CellCipher(crypto.random_bytes()).open_json(token, cipher.place("conflict", "value_a", ROW))


def test_the_wrapped_key_needs_both_the_pin_and_the_device_secret():
    data_key, secret, salt = crypto.random_bytes(), crypto.random_bytes(), crypto.random_bytes(16)
    wrapped = crypto.wrap_key(crypto.derive_kek("123456", salt, secret, n=2**10), data_key)
    assert crypto.unwrap_key(crypto.derive_kek("123456", salt, secret, n=2**10), wrapped) == data_key
    with pytest.raises(DecryptionError):
        crypto.unwrap_key(crypto.derive_kek("123457", salt, secret, n=2**10), wrapped)
    with pytest.raises(DecryptionError):  # right PIN, but the secret from secure storage is missing
        crypto.unwrap_key(crypto.derive_kek("123456", salt, crypto.random_bytes(), n=2**10), wrapped)
    assert data_key not in wrapped


def test_the_production_scrypt_cost_is_used_by_default():
    assert (crypto.SCRYPT_N, crypto.SCRYPT_R, crypto.SCRYPT_P) == (2**15, 8, 1)
    kek = crypto.derive_kek("123456", b"s" * 16, b"k" * 32)
    assert kek == crypto.derive_kek("123456", b"s" * 16, b"k" * 32)
    assert kek != crypto.derive_kek("123456", b"s" * 16, b"k" * 32, n=2**10)


def test_id_digests_are_keyed_and_distinguish_kinds(cipher):
    digests = crypto.id_search_digests(cipher, "11010119900307123x")
    assert set(digests) == {"full", "last4", "last6"}
    assert digests["full"] == cipher.id_digest("full", "11010119900307123X")
    assert digests["last4"] == cipher.id_digest("last4", "123X")
    assert digests["last4"] != cipher.id_digest("last6", "123X")
    assert CellCipher(crypto.random_bytes()).id_digest("last4", "123X") != digests["last4"]
    assert "123X" not in digests["last4"]
