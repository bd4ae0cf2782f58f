"""Signing in with the server, choosing the PIN, unlocking offline with it, the idle lock, and signing in again.

Signing in again (``reauthenticate``) keeps the phone's data and outbox: it is
asked for when the phone has not reached the server for the policy's
``offline_days`` (checked right after the PIN), and when the server refused
the token of a device that was signed out or retired; the sync after it
pushes what the phone holds first. A phone the administrator revoked as lost
is told so on its next contact and deletes its key and files instead.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from mobile.services.session import DEFAULT_LOCK_MINUTES, Session, normalize_server_url
from mobile.state import LOCKED, READY, REAUTH, SET_PIN, SIGNED_OUT, AppState
from mobile.store import DeviceStore, StoreWiped, WrongPin

LOGIN_PATH = "/api/v1/auth/login"
ME_PATH = "/api/v1/auth/me"
LOGOUT_PATH = "/api/v1/auth/logout"
PIN_LENGTH = 6
DEFAULT_OFFLINE_DAYS = 14  # when the server's login answer names no policy
LOST_MESSAGE = "管理员已将本机登记为丢失：本机上的数据和密钥已删除，请重新登录"


class SignInError(Exception):
    """A refusal to show the user as is (Chinese, never containing personal data)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_new_pin(pin: str, again: str) -> str | None:
    """Why a new PIN is refused, or None. Six digits, not all the same, not a run like 123456."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        return f"PIN 应为 {PIN_LENGTH} 位数字"
    if len(set(pin)) == 1:
        return "PIN 不能是同一个数字"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {-1}):
        return "PIN 不能是连续数字"
    if pin != again:
        return "两次输入的 PIN 不一致"
    return None


def grid_ids_of(user: dict[str, Any]) -> list[str]:
    return [a["id"] for a in user.get("areas", []) if a.get("level") == "grid"]


def is_idle(last_activity: datetime | None, now: datetime, lock_minutes: int) -> bool:
    return last_activity is not None and now - last_activity >= timedelta(minutes=lock_minutes)


def offline_too_long(last_contact: datetime | None, now: datetime, offline_days: int) -> bool:
    """The phone has not reached the server for more than ``offline_days`` (never reached it counts as long ago)."""
    return last_contact is None or now - last_contact > timedelta(days=offline_days)


class PasswordChangeRequired(SignInError):
    """The password was a one-time password: the user chooses their own before the server gives a token."""


MIN_PASSWORD_LENGTH = 8


class DeviceLost(Exception):
    """The server said this device was reported lost: its data must go."""


def session_meta(answer: dict[str, Any], url: str, now: datetime) -> dict[str, Any]:
    """What a login answer leaves in the phone's meta (the user with its grid ids, the policy, the contact time)."""
    user = dict(answer["user"])
    user["grid_ids"] = grid_ids_of(user)
    policy = answer.get("policy") or {}
    return {"server_url": url, "token": answer["token"], "device_id": answer["device_id"], "user": user,
            "offline_days": int(policy.get("offline_days") or DEFAULT_OFFLINE_DAYS),
            "last_contact_at": now.isoformat(), "slip_base_url": str(answer.get("slip_base_url") or "")}


class SignInService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def current_phase(self) -> str:
        """A new page's phase: a phone with data always starts locked, even when another page (a second
        browser tab on the same data folder) has unlocked it: every page asks for the PIN."""
        store = self.session.store
        if store.is_unlocked and self.session.reauth_reason:
            return REAUTH
        if store.is_provisioned():
            return LOCKED
        return SET_PIN if self.session.pending_sign_in else SIGNED_OUT

    def refresh(self) -> None:
        """Copy the session's phase into the page's state (and the user's name for the unlock screen)."""
        self.state.phase = self.current_phase()
        if self.state.phase == LOCKED and self.session.store.is_unlocked:
            self.state.user = self.session.user

    async def sign_in(self, server_url: str, username: str, password: str, new_password: str | None = None,
                      again: str | None = None) -> None:
        """Check the password with the server; on success the PIN screen comes next.

        ``PasswordChangeRequired`` when it was a one-time password: call again
        with the new password typed twice (``new_password``, ``again``).
        """
        try:
            url = normalize_server_url(server_url)
        except ValueError as error:
            raise SignInError(str(error)) from None
        if not username.strip() or not password:
            raise SignInError("请填写用户名和密码")
        if new_password is not None:
            if len(new_password) < MIN_PASSWORD_LENGTH:
                raise PasswordChangeRequired(f"新密码至少 {MIN_PASSWORD_LENGTH} 位")
            if new_password != again:
                raise PasswordChangeRequired("两次输入的新密码不一致")
        answer = await asyncio.to_thread(self._login, url, username.strip(), password, new_password=new_password)
        self.session.pending_sign_in = session_meta(answer, url, self.session.now())
        self.state.server_url = url
        self.state.user = self.session.pending_sign_in["user"]
        self.state.phase = SET_PIN

    def _login(self, url: str, username: str, password: str, device_token: str | None = None,
               new_password: str | None = None) -> dict[str, Any]:
        body = {"username": username, "password": password, "device_name": self.session.device_name}
        if new_password:
            body["new_password"] = new_password
        if device_token:  # signing in again on one's own phone: someone else's guessing does not slow it
            body["device_token"] = device_token
        try:
            with self.session.http_client(url) as client:
                response = client.post(LOGIN_PATH, json=body)
        except httpx.HTTPError:
            raise SignInError("无法连接服务器，请检查服务器地址和网络") from None
        if response.status_code == 401:
            raise SignInError("用户名或密码错误")
        if response.status_code == 429:  # failed sign-ins slow the next ones down (docs/security.md)
            seconds = response.headers.get("retry-after", "")
            wait = f"请 {seconds} 秒后再试" if seconds.isdigit() else "请稍后再试"
            raise SignInError(f"登录失败次数过多，{wait}")
        code = _code_of(response)
        if code == "auth.password_change_required":
            raise PasswordChangeRequired("这是管理员给的初始密码：请设置您自己的新密码（至少 8 位），输入两次")
        if code == "password.weak":
            raise PasswordChangeRequired("新密码至少 8 位，且不能与初始密码相同")
        if response.status_code != 200:
            raise SignInError(f"服务器暂时无法登录（{response.status_code}），请稍后再试")
        return response.json()

    async def set_pin(self, pin: str, again: str) -> None:
        """Make the data key, wrap it with the PIN, and keep the session (token, user) encrypted."""
        refusal = check_new_pin(pin, again)
        if refusal:
            raise SignInError(refusal)
        pending = self.session.pending_sign_in
        if not pending:
            raise SignInError("请先登录")
        await asyncio.to_thread(self._provision, pin, pending)
        self.session.pending_sign_in = None
        self._load_meta()
        await self._after_unlock()

    def _provision(self, pin: str, pending: dict[str, Any]) -> None:
        store = self.session.store
        if store.is_provisioned():  # another user's leftovers: signing in starts afresh
            store.wipe()
        store.provision(pin)
        if not store.is_unlocked:
            store.unlock(pin)
        with store.transaction():  # the session (token, device id, user) is kept whole
            for key, value in pending.items():
                store.set_meta(key, value)
            if store.get_meta("lock_minutes") is None:
                store.set_meta("lock_minutes", DEFAULT_LOCK_MINUTES)

    async def unlock(self, pin: str) -> None:
        try:
            await asyncio.to_thread(self.session.store.unlock, pin)
        except WrongPin as error:
            remaining = getattr(error, "remaining_attempts", None)
            if remaining is None and error.args:
                remaining = error.args[0]
            raise SignInError(f"PIN 错误，还可以再试 {remaining} 次") from None
        except StoreWiped:
            self.state.phase = SIGNED_OUT
            self.state.user = None
            raise SignInError("PIN 错误次数过多，手机上的数据已清除，请重新登录") from None
        self._load_meta()
        last_contact = _as_datetime(self.session.meta("last_contact_at") or self.session.meta("last_sync_at"))
        days = int(self.session.meta("offline_days", DEFAULT_OFFLINE_DAYS))
        if offline_too_long(last_contact, self.session.now(), days):
            self.session.reauth_reason = "offline"  # the data stays closed to the screens until the server agrees
            self.state.phase = REAUTH
            return
        await self._after_unlock()

    async def reauthenticate(self, password: str) -> None:
        """Sign in again with the server, keeping the phone's data and outbox; SignInError says why not."""
        if not password:
            raise SignInError("请填写密码")
        try:
            await asyncio.to_thread(self._reauthenticate, password)
        except DeviceLost:
            await asyncio.to_thread(self.session.destroy_data)
            self.state.user, self.state.pending, self.state.phase = None, 0, SIGNED_OUT
            raise SignInError(LOST_MESSAGE) from None
        self.session.reauth_reason = None
        self._load_meta()
        await self._after_unlock()

    def _reauthenticate(self, password: str) -> None:
        session, store = self.session, self.session.store
        url, old_token, user = session.meta("server_url", ""), session.meta("token"), session.user
        self._check_not_lost(url, old_token)
        answer = self._login(url, user.get("username", ""), password, device_token=old_token)
        if answer["user"]["id"] != user.get("id"):
            raise SignInError("请用本机原来的账号登录（换账号请先在“设置”中退出登录）")
        with store.transaction():
            for key, value in session_meta(answer, url, session.now()).items():
                store.set_meta(key, value)
        if old_token:  # the old device entry is done with (best effort: it may be revoked already)
            try:
                with session.http_client(url, old_token, timeout=3.0) as client:
                    client.post(LOGOUT_PATH)
            except httpx.HTTPError:
                pass

    def _check_not_lost(self, url: str, token: str | None) -> None:
        """The first contact in a long time goes with the old token: a phone reported lost hears it here."""
        if not token:
            return
        try:
            with self.session.http_client(url, token) as client:
                response = client.get(ME_PATH)
        except httpx.HTTPError:
            raise SignInError("无法连接服务器，请检查服务器地址和网络") from None
        if response.status_code == 401 and is_lost_answer(response):
            raise DeviceLost()

    async def _after_unlock(self) -> None:
        from mobile.services.search import SearchIndex

        self.session.search_index = await asyncio.to_thread(SearchIndex.build, self.session.store)
        self.touch()
        self.state.phase = READY

    def _load_meta(self) -> None:
        session = self.session
        self.state.user = session.user
        self.state.server_url = session.meta("server_url", "")
        self.state.lock_minutes = int(session.meta("lock_minutes", DEFAULT_LOCK_MINUTES))
        self.state.last_sync_at = _as_datetime(session.meta("last_sync_at"))
        self.state.pending = session.store.pending_count()

    def touch(self) -> None:
        """The user did something: the idle clock starts again."""
        self.state.last_activity = self.session.now()

    def lock_if_idle(self) -> bool:
        """Lock the store when the user has been idle for the lock time; True when it locked."""
        if self.state.phase not in (READY, REAUTH):
            return False
        if not is_idle(self.state.last_activity, self.session.now(), self.state.lock_minutes):
            return False
        self.lock()
        return True

    def lock(self) -> None:
        self.session.store.lock()
        self.session.search_index = None
        self.state.phase = LOCKED


def _code_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return body.get("code", "") if isinstance(body, dict) else ""


def is_lost_answer(response: httpx.Response) -> bool:
    """A 401 whose problem says ``details.wipe``: the administrator revoked this device as lost."""
    try:
        problem = response.json()
    except ValueError:
        return False
    details = problem.get("details") if isinstance(problem, dict) else None
    return isinstance(details, dict) and details.get("wipe") is True


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def sign_in_device(store: DeviceStore, server_url: str, username: str, password: str, pin: str, *,
                   transport: httpx.BaseTransport | None = None, device_name: str = "入户通",
                   now: datetime | None = None) -> dict[str, Any]:
    """Sign a phone in without the UI, in one call: what the sign-in and PIN screens do together.

    Logs in at ``server_url`` (``POST /api/v1/auth/login``; the HTTPS rule of
    ``normalize_server_url`` applies unless a ``transport`` is given: tests
    and harnesses pass ``InProcessTransport(app)``), makes the store's data
    key under ``pin`` (a store signed in before is wiped first) and keeps the
    session (token, device id, user, policy) sealed in the store. The store
    is left unlocked; sync it with ``SyncEngine.for_store(store, transport=...)``.
    Returns the login answer's ``user`` (with ``grid_ids``). Raises
    ``SignInError`` (Chinese message) for a wrong password, an unreachable
    server or a bad PIN; nothing is written then.
    """
    url = server_url.rstrip("/") if transport is not None else normalize_server_url(server_url)
    refusal = check_new_pin(pin, pin)
    if refusal:
        raise SignInError(refusal)
    body = {"username": username, "password": password, "device_name": device_name}
    try:
        with httpx.Client(base_url=url, transport=transport, timeout=60.0) as client:
            response = client.post(LOGIN_PATH, json=body)
    except httpx.HTTPError:
        raise SignInError("无法连接服务器，请检查服务器地址和网络") from None
    if response.status_code != 200:
        raise SignInError("用户名或密码错误" if response.status_code == 401 else
                          f"服务器暂时无法登录（{response.status_code}），请稍后再试")
    meta = session_meta(response.json(), url, now or datetime.now(timezone.utc))
    if store.is_provisioned():
        store.wipe()
    store.provision(pin)
    with store.transaction():
        for key, value in meta.items():
            store.set_meta(key, value)
        if store.get_meta("lock_minutes") is None:
            store.set_meta("lock_minutes", DEFAULT_LOCK_MINUTES)
    return meta["user"]
