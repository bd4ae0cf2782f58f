"""管理 · 账号: the administrator's accounts: create (one-time password), disable or enable, reset a password."""
from __future__ import annotations

from typing import Any

import flet as ft

from mobile.components.admin_tabs import admin_view, call, one_time_dialog
from mobile.components.touch import action_button, choice, section, text_input
from mobile.routing import AppContext, NavEntry
from mobile.services.admin import LEVEL_LABELS, ROLE_LABELS, AdminService
from shared.vocab import Role

ROUTE = "/admin"
NAV = NavEntry("管理", ft.Icons.ADMIN_PANEL_SETTINGS, ROUTE, order=80, roles=frozenset({Role.admin.value}))
ROLE_LEVELS = {"coordinator": ("grid", "community"), "manager": ("community", "street", "district"),
               "admin": ("district", "street", "community", "grid")}


def build(ctx: AppContext) -> ft.View:
    service = ctx.service(AdminService)
    return admin_view(ctx, ROUTE, "管理 · 账号", lambda: (service.users(), service.areas()),
                      lambda data: render(ctx, service, *data), root=True)


def render(ctx: AppContext, service: AdminService, users: list[dict], areas: list[dict]) -> list[ft.Control]:
    message = ft.Text("", size=15)

    def act(user: dict[str, Any], what: str):
        async def handler(e: Any = None) -> None:
            if what == "reset":
                ok, password = await call(ctx, message, lambda: service.reset_password(user["id"]))
                if ok:
                    await ctx.go(ROUTE)  # the list says 待改初始密码 from now on
                    ctx.show_dialog(one_time_dialog(ctx, user["display_name"], password))
                    ctx.update()
                return
            ok, _ = await call(ctx, message, lambda: service.set_active(user["id"], what == "enable"))
            if ok:
                await ctx.go(ROUTE)
        return handler

    rows: list[ft.Control] = []
    for user in users:
        where = "、".join(a["name"] for a in user["areas"]) or "全部（系统管理员）"
        state = "启用" if user["active"] else "已停用"
        if user.get("must_change_password"):
            state += " · 待改初始密码"
        rows.append(ft.Container(ft.Column([
            ft.Text(f"{user['display_name']}（{user['username']}）· {ROLE_LABELS.get(user['role'], user['role'])}",
                    size=16, weight=ft.FontWeight.BOLD),
            ft.Text(f"{where} · {state}", size=14),
            ft.Row([ft.OutlinedButton("重置密码", on_click=act(user, "reset")),
                    ft.OutlinedButton("停用" if user["active"] else "启用",
                                      on_click=act(user, "disable" if user["active"] else "enable"))], wrap=True),
        ], spacing=4), padding=ft.Padding.symmetric(vertical=6), data=user["username"]))

    username, display_name = text_input("用户名（字母或数字）", ""), text_input("姓名", "")
    role = choice("角色", ROLE_LABELS, Role.coordinator.value)
    area = choice("负责区域", {}, None, searchable=True)

    def area_options(for_role: str) -> None:
        levels = ROLE_LEVELS.get(for_role, ())
        area.options = [ft.DropdownOption(key=a["id"], text=f"{LEVEL_LABELS[a['level']]} · {a['name']}")
                        for a in areas if a["level"] in levels]

    def role_chosen(e: Any) -> None:
        area_options(e.control.value)
        area.value = None
        ctx.update()

    role.on_select = role_chosen
    area_options(Role.coordinator.value)

    async def create(e: Any = None) -> None:
        ok, made = await call(ctx, message, lambda: service.create_user(
            username.value, display_name.value, role.value, [area.value] if area.value else []))
        if not ok:
            return
        await ctx.go(ROUTE)
        ctx.show_dialog(one_time_dialog(ctx, made["display_name"], made["one_time_password"]))
        ctx.update()

    return [message, section(f"账号（{len(users)}）"), *rows,
            section("新建账号"), username, display_name, role, area,
            ft.Text("新账号会得到一个初始密码，首次登录时须改为自己的密码。", size=14),
            action_button("新建账号", create, icon=ft.Icons.PERSON_ADD)]
