"""The referral slip for the resident to photograph: who, where, whom to call, the short code and its QR code."""
from __future__ import annotations

import flet as ft

from mobile.components.frame import screen
from mobile.components.touch import action_button
from mobile.routing import AppContext
from mobile.services.jobs import JobsService

ROUTE = "/referral/{referral_id}/slip"
QR_SIZE = 220


def build(ctx: AppContext) -> ft.View:
    jobs = ctx.service(JobsService)
    referral_id = ctx.params["referral_id"]
    route = f"/referral/{referral_id}/slip"
    slip = jobs.slip(referral_id)
    if slip is None:
        return screen(ctx, route, "推荐单", [ft.Text("本机上没有这条推荐记录。", size=16)])

    async def timeline(e=None) -> None:
        await ctx.go(f"/referral/{referral_id}")

    lines = [ft.Row([ft.Text(f"{label}：", size=16, width=84), ft.Text(value, size=16, expand=True)],
                    vertical_alignment=ft.CrossAxisAlignment.START) for label, value in slip.lines()]
    sheet = ft.Container(
        ft.Column([
            ft.Text("就业推荐单", size=22, weight=ft.FontWeight.BOLD),
            ft.Text("请持此单（或出示照片）到用人单位应聘", size=14),
            ft.Divider(),
            *lines,
            ft.Divider(),
            ft.Text("推荐码", size=15),
            ft.Text(slip.code_display, size=34, weight=ft.FontWeight.BOLD, key="referral-code"),
            ft.Image(src=slip.qr_png, width=QR_SIZE, height=QR_SIZE, key="referral-qr",
                     semantics_label=f"推荐码 {slip.code_display} 的二维码"),
            *([ft.Text(f"核对码 {slip.check_code}", size=20, weight=ft.FontWeight.BOLD, key="check-code")]
              if slip.check_code else []),
            ft.Text("用人单位可扫码或输入推荐码核对", size=13),
            *([ft.Text(f"核对网址：{slip.entry_url}", size=12)] if slip.entry_url else []),
        ], horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=8),
        padding=16, border=ft.Border.all(1, ft.Colors.OUTLINE), border_radius=8, bgcolor=ft.Colors.WHITE,
    )
    return screen(ctx, route, "推荐单", [
        sheet, action_button("查看推荐进度", timeline, icon=ft.Icons.TIMELINE, primary=False),
    ])
