"""Password hashes (argon2id) and opaque device tokens (stored only as SHA-256)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Modest memory so that seeding demo users and the tests stay quick; still argon2id.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh opaque bearer token (shown once to the device)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)

# no 0/O, 1/l/I: a one-time password is read aloud or copied from paper
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MIN_PASSWORD_LENGTH = 8


def one_time_password() -> str:
    """A random password for a new account or a reset (about 60 bits): ``xxxx-xxxx-xxxx``."""
    groups = ("".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)
