"""Sync: changes waiting, progress while syncing, last sync, what came and went, changes the server refused, and my
conflicts to decide."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.conflict_card import conflict_card
from mobile.components.frame import screen
from mobile.components.rejected_card import rejected_card
from mobile.components.touch import action_button, section
from mobile.routing import AppContext, NavEntry
from mobile.services.conflicts import ConflictService
from mobile.services.rejected import RejectedService
from mobile.services.sync import SyncService, summary_lines
from mobile.state import READY
from shared.coverage import CHINA_TZ  # the service's calendar day, whatever the device's zone

ROUTE = "/sync"
NAV = NavEntry("同步", ft.Icons.SYNC, ROUTE, order=30)


def _when(value: Any) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else "从未同步"


def build(ctx: AppContext) -> ft.View:
    sync, conflicts, refused = ctx.service(SyncService), ctx.service(ConflictService), ctx.service(RejectedService)
    state = ctx.state
    sync.refresh_counts()
    pending = ft.Text("", size=17, weight=ft.FontWeight.W_500)
    last = ft.Text("", size=15)
    step = ft.Text("", size=14)
    progress = ft.ProgressBar(value=0, visible=False, bar_height=8)
    error = ft.Text("", color=ft.Colors.ERROR, size=15)
    summary = ft.Column(spacing=2)
    lost_note = ft.Text("", size=15, color=ft.Colors.ERROR, weight=ft.FontWeight.BOLD, visible=False)
    conflict_list = ft.Column(spacing=8)
    refused_list = ft.Column(spacing=8)
    refused_part = ft.Column([
        section("被服务器拒绝的修改"),
        ft.Text("这些修改没有保存到服务器，也不会再上传；请核实后重新录入。", size=14), refused_list,
    ], spacing=12, visible=False)

    def dismiss(seq: int):
        def handler(e: Any = None) -> None:
            refused.dismiss(seq)
            show()
            ctx.update()
        return handler

    def decide(conflict_id: str, side: str):
        def handler(e: Any = None) -> None:
            conflicts.decide(conflict_id, side)
            ctx.toast("已记录您的决定，下次同步时上传")
            show()
            ctx.update()
        return handler

    def show() -> None:
        pending.value = f"待上传的修改：{state.pending} 条"
        last.value = f"上次同步：{_when(state.last_sync_at)}"
        progress.visible = state.syncing
        progress.value = state.sync_progress
        step.value = state.sync_step if state.syncing else ""
        button.disabled = state.syncing
        error.value = state.sync_error
        summary.controls = [ft.Text(line, size=15) for line in summary_lines(state.sync_summary)] \
            if state.sync_summary else []
        rejected = refused.items()
        refused_list.controls = [rejected_card(item, dismiss) for item in rejected]
        refused_part.visible = bool(rejected)
        items = conflicts.open_conflicts()
        conflict_list.controls = [conflict_card(item, decide) for item in items] or [
            ft.Text("没有需要您处理的冲突。", size=15)]
        lost = sum(1 for item in items if item.mine_lost)
        lost_note.value = f"您有 {lost} 处修改没有生效（他人同时修改了同一项），请在下方确认保留哪个值。" if lost else ""
        lost_note.visible = bool(lost)

    async def run(e: Any = None) -> None:
        def tick() -> None:
            show()
            ctx.page.update()

        await sync.sync(on_progress=tick)
        if state.phase != READY:  # signed out on the server (sign in again) or reported lost (wiped)
            await ctx.go(ctx.home)
            return
        show()
        ctx.update()

    button = action_button("立即同步", run, icon=ft.Icons.SYNC)
    show()
    return screen(ctx, ROUTE, "同步", [
        lost_note, pending, last, button, step, progress, error,
        section("最近一次同步"), summary, refused_part,
        section("需要您决定的冲突"), ft.Text("两人同时修改了同一项：先列出当前生效的值，请确认保留哪个。", size=14), conflict_list,
    ], root=True)
