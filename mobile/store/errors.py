"""The store's exceptions (decryption failures are ``mobile.store.crypto.DecryptionError``)."""
from __future__ import annotations


class StoreError(Exception):
    """Base of the store's own errors; messages are Chinese first and never contain personal data."""


class StoreLocked(StoreError):
    def __init__(self) -> None:
        super().__init__("应用已锁定，请输入 PIN 解锁 / the store is locked")


class WrongPin(StoreError):
    def __init__(self, remaining_attempts: int) -> None:
        super().__init__(f"PIN 错误，还可尝试 {remaining_attempts} 次 / wrong PIN, {remaining_attempts} attempts left")
        self.remaining_attempts = remaining_attempts


class StoreWiped(StoreError):
    def __init__(self) -> None:
        super().__init__("PIN 错误次数过多，本机数据已清除，请重新登录 / too many wrong PINs: keys wiped, sign in again")


class NotProvisioned(StoreError):
    def __init__(self) -> None:
        super().__init__("本机尚未设置 PIN，请先登录 / no PIN set on this device: sign in first")
