"""The phone's session: its data folder and local store, the clock, the server it talks to, and the search index.

One ``Session`` per data folder (a phone has one); each page (window or
browser tab) has its own ``AppState`` and services over it. Everything the
services need from outside comes through here, so tests swap the clock, the
key store and the HTTP transport.
"""
from __future__ import annotations

import ipaddress
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import httpx

from mobile.store import DeviceStore, KeyStore
from mobile.store.db import DB_FILE_NAME

DEFAULT_DATA_DIR = Path("data/device")
DEFAULT_LOCK_MINUTES = 5
LOCK_CHOICES = (1, 2, 5, 10, 15, 30)
UI_SYNC_RETRIES = 2


def utc_clock() -> datetime:
    return datetime.now(timezone.utc)


def default_data_dir() -> Path:
    """DOORSTEP_DEVICE_DIR, else the app data folder Flet gives a packaged app, else ./data/device."""
    for name in ("DOORSTEP_DEVICE_DIR", "FLET_APP_STORAGE_DATA"):
        if os.environ.get(name):
            return Path(os.environ[name])
    return DEFAULT_DATA_DIR


def is_local_host(host: str) -> bool:
    """This machine, the office network (private addresses, one-word names, .local/.lan): plain HTTP is allowed."""
    host = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host or host.endswith((".local", ".lan", ".localhost"))
    return address.is_loopback or address.is_private or address.is_link_local


def normalize_server_url(text: str) -> str:
    """'192.168.1.5:8000/' -> 'http://192.168.1.5:8000', 'jy.example.cn' -> 'https://jy.example.cn'.

    HTTPS is the default and the only choice for a server outside the office
    network; raises ValueError with a Chinese message.
    """
    url = (text or "").strip()
    if not url:
        raise ValueError("请填写服务器地址")
    if "://" not in url:
        host = url.split("/", 1)[0].rsplit(":", 1)[0] if not url.startswith("[") else url[1:].split("]", 1)[0]
        url = ("http://" if is_local_host(host) else "https://") + url
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host or any(c.isspace() for c in url):
        raise ValueError("服务器地址格式不对，例如 https://jy.example.cn 或 http://192.168.1.5:8000")
    if parsed.scheme == "http" and not is_local_host(parsed.host):
        raise ValueError("互联网上的服务器必须使用 https:// 加密连接（只有本机和单位内网可以用 http://）")
    return url.rstrip("/")


class _Shared(httpx.BaseTransport):
    """A transport that outlives the clients using it (httpx closes a client's transport with the client)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass


class Session:
    def __init__(
        self,
        data_dir: Path,
        keystore: KeyStore,
        *,
        clock: Callable[[], datetime] = utc_clock,
        transport: Optional[httpx.BaseTransport] = None,
        device_name: str = "入户通",
        scrypt_n: Optional[int] = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.keystore = keystore
        self.clock = clock
        self.transport = _Shared(transport) if transport is not None else None
        self.device_name = device_name
        self.store_options = {"scrypt_n": scrypt_n} if scrypt_n else {}  # tests use a cheaper Scrypt
        self._store: Optional[DeviceStore] = None
        self._open_lock = threading.Lock()
        self.search_index: Any = None  # mobile.services.search.SearchIndex, built at unlock
        self.pending_sign_in: Optional[dict[str, Any]] = None  # between the password and the PIN
        self.reauth_reason: Optional[str] = None  # "offline" | "signed_out": the password goes to the server first

    @property
    def store(self) -> DeviceStore:
        with self._open_lock:
            if self._store is None:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self._store = DeviceStore.open(self.data_dir, self.keystore, **self.store_options)
            return self._store

    def destroy_data(self) -> None:
        """A lost phone: forget the keys, delete every record, then the database files themselves."""
        with self._open_lock:
            store, self._store = self._store, None
        if store is None:
            store = DeviceStore.open(self.data_dir, self.keystore, **self.store_options)
        store.wipe()
        store.close()
        for path in self.data_dir.glob(f"{DB_FILE_NAME}*"):
            path.unlink(missing_ok=True)
        self.search_index = None
        self.pending_sign_in = None
        self.reauth_reason = None

    def now(self) -> datetime:
        return self.clock()

    def meta(self, key: str, default: Any = None) -> Any:
        value = self.store.get_meta(key)
        return default if value is None else value

    @property
    def user(self) -> dict[str, Any]:
        return self.meta("user", {}) or {}

    @property
    def grid_ids(self) -> list[str]:
        return list(self.user.get("grid_ids") or [])

    def http_client(self, base_url: str, token: str | None = None, timeout: float = 15.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=base_url, transport=self.transport, timeout=timeout, headers=headers)

    def sync_engine(self):
        """A SyncEngine for the signed-in user (the store must be unlocked)."""
        from mobile.sync import SyncEngine

        # Few retries: the coordinator is watching the screen and can tap again.
        return SyncEngine(self.store, self.meta("server_url", ""), self.meta("token", ""),
                          transport=self.transport, clock=self.clock, max_retries=UI_SYNC_RETRIES)
