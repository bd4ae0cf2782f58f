"""The sync screen's logic: changes waiting, a sync run in a worker thread with its progress, and what came and went."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any, Callable, Optional

from mobile.services.directory import refresh_colleagues
from mobile.services.search import SearchIndex
from mobile.services.session import Session
from mobile.services.sign_in import LOST_MESSAGE
from mobile.state import REAUTH, SIGNED_OUT, AppState
from mobile.sync import AuthExpired, SyncError
from shared import sync_protocol as proto

TABLE_LABELS = {
    "household": "住户", "resident": "居民", "status_record": "状态记录", "visit": "走访", "employer": "用人单位",
    "vacancy": "岗位", "referral": "推荐", "referral_event": "推荐进展", "conflict": "冲突", "area": "区域",
}
STEP_LABELS = {"push": "正在上传修改", "pull": "正在下载数据", "done": "同步完成"}
PROGRESS_POLL_S = 0.15

REASONS_ZH = {
    proto.REJECT_INVALID_VALUE: "填写的内容不符合要求，服务器未保存",
    proto.REJECT_OUTSIDE_AREA: "该记录不在您负责的区域内",
    proto.REJECT_READ_ONLY: "这一项只能由服务器修改",
    proto.REJECT_UNKNOWN_RECORD: "服务器上没有这条记录，无法修改",
    proto.REJECT_DELETED: "该记录已被删除，修改未保存",
    proto.REJECT_UNKNOWN_TABLE: "服务器不接收这类记录",
    proto.REJECT_REVOKED_DEVICE: "本设备已被停用，请重新登录",
}


def reason_zh(code: str) -> str:
    """Why the server refused a change, in Chinese (never the server's English message)."""
    return REASONS_ZH.get(code) or f"服务器拒绝了这条修改（{code or '原因不明'}）"


SYNC_ERRORS_ZH = {
    "sync.unreachable": "无法连接服务器，请检查网络后再试。修改已保存在本机，不会丢失。",
    "store.locked": "应用已锁定，解锁后再同步。",
}


def sync_error_zh(error: SyncError) -> str:
    """A failed sync in Chinese only: the engine's messages carry an English half (" / ...") and details."""
    known = SYNC_ERRORS_ZH.get(getattr(error, "code", ""))
    if known:
        return known
    text = str(getattr(error, "message", "") or error).split(" / ")[0].split("/ ")[0].strip()
    return text or "同步失败，请稍后再试。"


def _run_and_close(engine: Any, progress: Callable[[str, float], None]) -> Any:
    with engine:
        return engine.sync(progress=progress)


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """What came and went, in Chinese."""
    lines = [f"上传 {summary.get('pushed', 0)} 条修改", f"下载 {summary.get('pulled', 0)} 条记录"]
    if summary.get("duplicates"):
        lines.append(f"{summary['duplicates']} 条此前已上传")
    if summary.get("conflicts"):
        lines.append(f"新冲突 {summary['conflicts']} 个，请在下方处理")
    for table, _row_id, code, _message in summary.get("rejected") or []:  # the message is the server's English
        lines.append(f"被服务器拒绝：{TABLE_LABELS.get(table, table)}（{reason_zh(code)}）")
    if summary.get("clock_notice"):
        lines.append(summary["clock_notice"])
    if summary.get("resynced"):
        lines.append("已重新完整下载本机数据")
    return lines


class SyncService:
    def __init__(self, session: Session, state: AppState) -> None:
        self.session = session
        self.state = state

    def refresh_counts(self) -> None:
        from mobile.services.conflicts import ConflictService

        self.state.pending = self.session.store.pending_count()
        self.state.open_conflicts = len(ConflictService(self.session, self.state).open_conflicts())

    async def sync(self, on_progress: Optional[Callable[[], None]] = None) -> Optional[dict[str, Any]]:
        """Push the outbox and pull what changed; None when it failed (``state.sync_error`` says why)."""
        if self.state.syncing:
            return None
        state = self.state
        state.syncing, state.sync_error, state.sync_progress, state.sync_step = True, "", 0.0, "正在连接服务器"
        progress: dict[str, Any] = {}
        lock = threading.Lock()

        def record(step: str, fraction: float) -> None:  # called from the worker thread
            with lock:
                progress.update(step=step, fraction=fraction)

        engine = self.session.sync_engine()
        task = asyncio.ensure_future(asyncio.to_thread(_run_and_close, engine, record))
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=PROGRESS_POLL_S)
                with lock:
                    if progress:
                        state.sync_step = STEP_LABELS.get(progress["step"], progress["step"])
                        state.sync_progress = max(0.0, min(1.0, float(progress["fraction"])))
                if on_progress:
                    on_progress()
            result = task.result()
        except AuthExpired as expired:
            if expired.wipe:  # reported lost: the key and the files go, nothing is left to open
                await asyncio.to_thread(self.session.destroy_data)
                state.user, state.pending, state.phase = None, 0, SIGNED_OUT
                state.sync_error = LOST_MESSAGE
            else:  # signed out or retired: sign in again, then what the phone holds is pushed first
                self.session.reauth_reason = "signed_out"
                state.phase = REAUTH
                state.sync_error = "登录已失效，请输入密码重新登录；本机尚未上传的修改会先上传"
            return None
        except SyncError as error:
            state.sync_error = sync_error_zh(error)
            return None
        finally:
            state.syncing, state.sync_progress, state.sync_step = False, None, ""
        summary = asdict(result) if is_dataclass(result) else dict(result)
        await self._after_sync(summary)
        return summary

    async def _after_sync(self, summary: dict[str, Any]) -> None:
        store = self.session.store
        finished = summary.get("finished_at") or self.session.now()
        when = finished.isoformat() if isinstance(finished, datetime) else finished
        with store.transaction():
            if store.get_meta("last_sync_at") is None or summary.get("finished_at"):
                store.set_meta("last_sync_at", when)
            store.set_meta("last_contact_at", when)  # the offline limit counts from here
            if store.get_meta("first_sync_at") is None:  # the worklist's "changed by others" counts from here
                store.set_meta("first_sync_at", when)
        await asyncio.to_thread(refresh_colleagues, self.session)  # names for timelines and conflicts
        if summary.get("pulled") and self.session.search_index is not None:
            self.session.search_index = await asyncio.to_thread(SearchIndex.build, store)
        self.state.last_sync_at = finished if isinstance(finished, datetime) else datetime.fromisoformat(finished)
        self.state.sync_summary = summary
        self.refresh_counts()
