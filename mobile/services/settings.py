"""Settings: the server's address, the idle-lock minutes, and signing out (refused while changes are unsynced)."""
from __future__ import annotations

import asyncio

import httpx

from mobile.services.session import LOCK_CHOICES, Session, normalize_server_url
from mobile.state import SIGNED_OUT, AppState

LOGOUT_PATH = "/api/v1/auth/logout"
LOGOUT_TIMEOUT_S = 3.0


class UnsyncedChanges(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(f"还有 {count} 条修改没有同步到服务器")
        self.count = count


class SettingsService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def set_server_url(self, text: str) -> str:
        """Raises ValueError (Chinese message) for an address that cannot be one."""
        url = normalize_server_url(text)
        self.session.store.set_meta("server_url", url)
        self.state.server_url = url
        return url

    def set_lock_minutes(self, minutes: int) -> None:
        if minutes not in LOCK_CHOICES:
            raise ValueError("锁定时间只能从列表中选择")
        self.session.store.set_meta("lock_minutes", minutes)
        self.state.lock_minutes = minutes

    async def sign_out(self, *, force: bool = False) -> None:
        """Revoke the token (when the server answers) and wipe the phone's data and keys.

        Refused with UnsyncedChanges while the outbox is not empty, unless
        ``force``: those changes would be lost.
        """
        store = self.session.store
        pending = store.pending_count()
        if pending and not force:
            self.state.pending = pending
            raise UnsyncedChanges(pending)
        await asyncio.to_thread(self._revoke_token)
        await self.forget_phone()

    async def forget_phone(self) -> None:
        """Wipe the data and keys without asking the server (a forgotten PIN: the store is locked)."""
        await asyncio.to_thread(self.session.store.wipe)
        self.session.search_index = None
        self.session.pending_sign_in = None
        self.session.reauth_reason = None
        self.state.user = None
        self.state.pending = 0
        self.state.last_sync_at = None
        self.state.sync_summary = None
        self.state.phase = SIGNED_OUT

    def _revoke_token(self) -> None:
        url, token = self.session.meta("server_url"), self.session.meta("token")
        if not (url and token):
            return
        try:
            with self.session.http_client(url, token, timeout=LOGOUT_TIMEOUT_S) as client:
                client.post(LOGOUT_PATH)
        except httpx.HTTPError:
            pass  # offline: the administrator can still revoke the device on the server
