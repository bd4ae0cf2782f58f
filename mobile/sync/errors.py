"""The sync engine's exceptions, in one tree; messages are Chinese first and carry no personal data."""
from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure; ``code`` is the server's error code when it gave one."""

    def __init__(self, message: str, code: str = "sync.failed") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ServerUnreachable(SyncError):
    """No answer (network down, timeouts) or the server kept failing (5xx) after every retry."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("无法连接服务器，请稍后再试 / server unreachable" + (f" ({detail})" if detail else ""),
                         "sync.unreachable")


class AuthExpired(SyncError):
    """401: the token expired or the device was revoked; sign in again (unsynced changes are kept).

    ``wipe``: the administrator revoked this device as lost; the app deletes its key and data.
    """

    def __init__(self, code: str = "auth.required", wipe: bool = False) -> None:
        super().__init__("登录已失效，请重新登录 / sign in again", code)
        self.wipe = wipe


class ResyncRequired(SyncError):
    """410 ``sync.resync_required``: handled inside ``SyncEngine.sync`` (push, drop synced rows, pull from 0)."""

    def __init__(self) -> None:
        super().__init__("需要重新全量同步 / full resync required", "sync.resync_required")


class BadAnswer(SyncError):
    """The server's answer was broken or not the protocol's (size, time, gzip, JSON, shape, cursor); nothing applied."""

    def __init__(self, detail: str, message: str = "服务器返回的数据有误，同步已停止，本机未同步的修改都还在") -> None:
        super().__init__(f"{message} / bad answer from the server ({detail})", "sync.bad_answer")
        self.detail = detail
