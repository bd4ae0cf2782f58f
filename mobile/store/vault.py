"""The data key's life: made at provisioning, wrapped under the PIN and device secret, counted wrong PINs, wiped.

The wrong-PIN count is kept both in the database and in the KeyStore; the
larger one counts, so restoring an old copy of either does not reset it.
"""
from __future__ import annotations

import re

from sqlalchemy import Engine, delete, insert, select, update

from mobile.store import crypto
from mobile.store.db import DEVICE_KEY, read_tx, write_tx
from mobile.store.errors import NotProvisioned, StoreWiped, WrongPin
from mobile.store.keystore import KeyStore
from shared.models import new_id

MAX_WRONG_PINS = 5
_PIN = re.compile(r"\d{6}")


def check_pin_format(pin: str) -> None:
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise ValueError("PIN 必须是 6 位数字 / the PIN must be 6 digits")


class Vault:
    def __init__(self, engine: Engine, keystore: KeyStore) -> None:
        self.engine = engine
        self.keystore = keystore

    def _row(self):
        with read_tx(self.engine) as conn:
            return conn.execute(select(DEVICE_KEY).where(DEVICE_KEY.c.id == 1)).mappings().first()

    @staticmethod
    def _secret_key(store_id: str) -> str:
        return f"doorstep.{store_id}.secret"

    @staticmethod
    def _count_key(store_id: str) -> str:
        return f"doorstep.{store_id}.wrong_pins"

    def is_provisioned(self) -> bool:
        return self._row() is not None

    def wrong_pins(self) -> int:
        row = self._row()
        if row is None:
            return 0
        stored = self.keystore.get(self._count_key(row["store_id"]))
        return max(row["wrong_pins"], int(stored) if stored and stored.isdigit() else 0)

    def provision(self, pin: str, *, scrypt_n: int = crypto.SCRYPT_N) -> bytes:
        """A new random data key, stored wrapped; returns it (the store is then unlocked)."""
        check_pin_format(pin)
        if self.is_provisioned():
            raise ValueError("本机已设置 PIN；请先退出登录 / already provisioned: wipe first")
        store_id, data_key = new_id(), crypto.random_bytes()
        secret, salt = crypto.random_bytes(), crypto.random_bytes(crypto.SALT_BYTES)
        kek = crypto.derive_kek(pin, salt, secret, n=scrypt_n)
        self.keystore.set(self._secret_key(store_id), crypto.b64(secret))
        self.keystore.set(self._count_key(store_id), "0")
        with write_tx(self.engine) as conn:
            conn.execute(insert(DEVICE_KEY).values(
                id=1, store_id=store_id, wrapped_key=crypto.wrap_key(kek, data_key), salt=salt,
                scrypt_n=scrypt_n, scrypt_r=crypto.SCRYPT_R, scrypt_p=crypto.SCRYPT_P, wrong_pins=0))
        return data_key

    def unlock(self, pin: str) -> bytes:
        """The data key; WrongPin(remaining) or, after MAX_WRONG_PINS, StoreWiped (keys gone)."""
        check_pin_format(pin)
        row = self._row()
        if row is None:
            raise NotProvisioned()
        store_id = row["store_id"]
        secret_text = self.keystore.get(self._secret_key(store_id))
        count = self.wrong_pins()
        if secret_text is None or count >= MAX_WRONG_PINS:
            self.wipe_keys()  # without the secret the data can never be opened again
            raise StoreWiped()
        try:
            kek = crypto.derive_kek(pin, row["salt"], crypto.unb64(secret_text),
                                    n=row["scrypt_n"], r=row["scrypt_r"], p=row["scrypt_p"])
            data_key = crypto.unwrap_key(kek, row["wrapped_key"])
        except crypto.DecryptionError:
            count += 1
            self._save_count(store_id, count)
            if count >= MAX_WRONG_PINS:
                self.wipe_keys()
                raise StoreWiped() from None
            raise WrongPin(MAX_WRONG_PINS - count) from None
        if count:
            self._save_count(store_id, 0)
        return data_key

    def _save_count(self, store_id: str, count: int) -> None:
        self.keystore.set(self._count_key(store_id), str(count))
        with write_tx(self.engine) as conn:
            conn.execute(update(DEVICE_KEY).where(DEVICE_KEY.c.id == 1).values(wrong_pins=count))

    def wipe_keys(self) -> None:
        """Forget the device secret and the wrapped key: whatever was sealed can no longer be opened."""
        row = self._row()
        if row is not None:
            self.keystore.delete(self._secret_key(row["store_id"]))
            self.keystore.delete(self._count_key(row["store_id"]))
        with write_tx(self.engine) as conn:
            conn.execute(delete(DEVICE_KEY))
