"""Encryption at rest on the phone: AES-GCM cells bound to their place, a PIN-wrapped data key, keyed ID hashes.

- Every sensitive value is sealed with AES-GCM under the random 256-bit data
  key, with ``table|column|row id`` as associated data: a value copied into
  another cell (another row, another column) fails to open.
- The data key is stored only wrapped, under a key-encryption key
  KEK = HKDF-SHA256(Scrypt(PIN, salt) || device secret, info="doorstep-kek").
  The 32-byte device secret lives in the phone's secure storage, never in the
  database file, so the file plus a six-digit PIN is not enough to open it.
- Search by ID digits uses HMAC-SHA256 under a key derived from the data key,
  never the plaintext.
Every failure to open a sealed value is ``DecryptionError``.
"""
from __future__ import annotations

import base64
import hmac
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from shared import json_text

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
# Scrypt cost on the phone: n=2**15, r=8 takes 32 MiB and ~0.1 s per unlock here.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_PREFIX = "e1."  # format version of a sealed cell
_WRAP_AD = b"doorstep-data-key"


class DecryptionError(Exception):
    """A sealed value could not be opened: wrong key, wrong place, or tampered bytes (no detail, on purpose)."""

    def __init__(self) -> None:
        super().__init__("无法解密数据 / cannot decrypt data")


def random_bytes(size: int = KEY_BYTES) -> bytes:
    return os.urandom(size)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise DecryptionError() from None


def derive_kek(pin: str, salt: bytes, secret: bytes, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    """The key that wraps the data key: the PIN stretched by Scrypt, mixed with the device secret."""
    stretched = Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(pin.encode("utf-8"))
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"doorstep-kek").derive(
        stretched + secret
    )


def wrap_key(kek: bytes, data_key: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _WRAP_AD)


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    """The data key; DecryptionError when the PIN (or secret) is wrong."""
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _WRAP_AD)
    except (InvalidTag, ValueError):
        raise DecryptionError() from None


def _derive(data_key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(data_key)


class CellCipher:
    """Seals and opens values under the data key; the place (table, column, row) is the associated data."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != KEY_BYTES:
            raise ValueError("data key must be 32 bytes")
        self._aead = AESGCM(_derive(data_key, b"doorstep-cells"))
        self._search_key = _derive(data_key, b"doorstep-id-search")

    @staticmethod
    def place(table: str, column: str, row_id: str) -> bytes:
        return f"{table}|{column}|{row_id}".encode("utf-8")

    def seal(self, plaintext: bytes, place: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        return _PREFIX + b64(nonce + self._aead.encrypt(nonce, plaintext, place))

    def open(self, token: str, place: bytes) -> bytes:
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            raise DecryptionError()
        raw = unb64(token[len(_PREFIX):])
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError()
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], place)
        except (InvalidTag, ValueError):
            raise DecryptionError() from None

    def seal_text(self, value: str, table: str, column: str, row_id: str) -> str:
        return self.seal(value.encode("utf-8"), self.place(table, column, row_id))

    def open_text(self, token: str, table: str, column: str, row_id: str) -> str:
        try:
            return self.open(token, self.place(table, column, row_id)).decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError() from None

    def seal_json(self, value: Any, place: bytes) -> str:
        return self.seal(json_text.dumps(value), place)

    def open_json(self, token: str, place: bytes) -> Any:
        try:
            return json_text.loads(self.open(token, place))
        except ValueError:
            raise DecryptionError() from None

    def id_digest(self, kind: str, value: str) -> str:
        """Keyed hash of an ID number or of its last digits (``kind``: full, last4, last6)."""
        message = f"{kind}:{value.upper()}".encode("ascii", "replace")
        return hmac.digest(self._search_key, message, "sha256").hex()  # (one call into OpenSSL)


def id_full_digest(cipher: CellCipher, id_number: str) -> str:
    """The ``full`` hash of ``id_search_digests``: enough to tell whether a row's stored hashes are current."""
    return cipher.id_digest("full", id_number.strip().upper())


def id_part_digests(cipher: CellCipher, id_number: str) -> dict[str, str]:
    """The other hashes of ``id_search_digests``: of the number's last 4 and 6 characters."""
    value = id_number.strip().upper()
    return {kind: cipher.id_digest(kind, value[-size:]) for kind, size in (("last4", 4), ("last6", 6))
            if len(value) >= size}


def id_search_digests(cipher: CellCipher, id_number: str) -> dict[str, str]:
    """The hashes stored for one ID number: the whole number and its last 4 and 6 characters."""
    return {"full": id_full_digest(cipher, id_number), **id_part_digests(cipher, id_number)}
