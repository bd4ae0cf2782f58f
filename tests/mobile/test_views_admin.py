"""The administrator's 管理 screens, driven through Python against the real server: accounts, grids, devices, areas.

The district's administrator (``admin``) creates a coordinator, who signs in with the one-time password and must
choose their own; resets and disables an account; hands grid a1 to another coordinator; revokes a phone.
"""
from __future__ import annotations

import flet as ft
from sqlalchemy import select

from mobile.views import admin_areas, admin_devices, admin_grids, admin_users
from shared.models import AuditEvent, UserArea
from tests.mobile.flows import ready, set_pin, sign_in
from tests.mobile.ui import button, choose, field, tap, texts, type_into, walk


def show(app, route):
    """Open an admin page and let it load from the server."""
    app.open(route)
    app.page.finish_tasks()
    return app.page.view


def settle(app):
    app.page.finish_tasks()
    return app.page.view


def tabs(view) -> list[str]:
    return [d.label for d in view.navigation_bar.destinations]


def row_of(view, username):
    found = [c for c in walk(view) if isinstance(c, ft.Container) and c.data == username]
    assert len(found) == 1, f"{len(found)} rows of {username}"
    return found[0]


def dialog_password(page) -> str:
    dialog = page.dialogs[-1]
    assert dialog.title.value == "初始密码（只显示这一次）"
    return dialog.content.controls[1].value


def actions(engine, action):
    with engine.connect() as conn:
        return conn.execute(select(AuditEvent.__table__.c.row_id).where(AuditEvent.__table__.c.action == action)).all()


def test_the_administrator_creates_an_account_who_then_chooses_their_own_password(make_app, cloud):
    admin = ready(make_app("admin"), "admin")
    assert "管理" in tabs(admin.page.view)
    view = show(admin, admin_users.ROUTE)
    assert "幸福一网格" in texts(view) and "coord_a1" in texts(view)
    type_into(field(view, "用户名（字母或数字）"), "Liuyang")
    type_into(field(view, "姓名"), "刘洋")
    area = field(view, "负责区域")
    assert {o.text for o in area.options} >= {"网格 · 幸福一网格", "社区 · 幸福社区"}  # a coordinator's levels
    area.value = cloud.world.areas["grid_a2"].id
    tap(button(view, "新建账号"))
    one_time = dialog_password(admin.page)
    settle(admin)
    assert "liuyang" in texts(admin.page.view) and "待改初始密码" in texts(row_of(admin.page.view, "liuyang"))

    phone = make_app("liuyang").start()
    view = sign_in(phone, "liuyang", one_time)
    assert phone.page.route == "/sign-in" and field(view, "新密码（至少 8 位）").visible
    assert "初始密码" in texts(view)
    type_into(field(view, "新密码（至少 8 位）"), "liu yang 2026")
    type_into(field(view, "再次输入新密码"), "liu yang 2027")
    tap(button(view, "登录"))
    assert "两次输入的新密码不一致" in texts(phone.page.view)
    type_into(field(view, "再次输入新密码"), "liu yang 2026")
    tap(button(view, "登录"))
    assert phone.page.route == "/pin/new"
    set_pin(phone)
    assert phone.page.route == "/"
    assert "待改初始密码" not in texts(row_of(show(admin, admin_users.ROUTE), "liuyang"))


def test_a_reset_and_a_disable_from_the_accounts_screen(make_app, cloud):
    admin = ready(make_app("admin"), "admin")
    view = show(admin, admin_users.ROUTE)
    tap(button(row_of(view, "coord_a2"), "重置密码"))
    assert len(dialog_password(admin.page)) == 14
    assert "待改初始密码" in texts(row_of(settle(admin), "coord_a2"))  # the list says so at once
    view = show(admin, admin_users.ROUTE)
    tap(button(row_of(view, "coord_a2"), "停用"))
    settle(admin)
    assert "已停用" in texts(row_of(admin.page.view, "coord_a2"))
    assert button(row_of(admin.page.view, "coord_a2"), "启用")
    coord = cloud.world.users["coord_a2"].id
    assert actions(cloud.engine, "user.password_reset") == [(coord,)]
    assert actions(cloud.engine, "user.disable") == [(coord,)]


def test_a_grid_is_handed_to_another_coordinator(make_app, cloud):
    admin = ready(make_app("admin"), "admin")
    view = show(admin, admin_grids.ROUTE)
    grid = cloud.world.areas["grid_a1"]
    chooser = field(view, "幸福社区 · 幸福一网格")
    assert chooser.value is not None  # the test world has two coordinators on a1 (coord_a1, coord_a1_b)
    choose(chooser, cloud.world.users["coord_a2"].id)
    settle(admin)
    with cloud.engine.connect() as conn:
        holders = set(conn.execute(select(UserArea.__table__.c.user_id)
                                   .where(UserArea.__table__.c.area_id == grid.id)).scalars())
    assert holders == {cloud.world.users["coord_a2"].id}
    view = admin.page.view
    assert field(view, "幸福社区 · 幸福一网格").value == cloud.world.users["coord_a2"].id
    assert actions(cloud.engine, "grid.assign") == [(grid.id,)]
    areas = texts(show(admin, admin_areas.ROUTE))
    assert "网格 幸福一网格（GA1） · coord_a2" in areas and "区县 和平区" in areas


def test_a_lost_phone_is_reported_from_the_devices_screen(make_app, cloud):
    coordinator = ready(make_app("coord"), "coord_a1")
    admin = ready(make_app("admin"), "admin")
    view = show(admin, admin_devices.ROUTE)
    row = next(c for c in walk(view) if isinstance(c, ft.Container) and "（coord_a1）" in texts(c))
    assert "使用中" in texts(row) and "最近联网 2" in texts(row)
    tap(button(row, "报失"))
    tap(button(admin.page.dialogs[-1], "确定"))
    settle(admin)
    assert "已报失" in texts(admin.page.view)
    assert len(actions(cloud.engine, "device.revoke")) == 1
    assert coordinator.page.route == "/"


def test_a_phone_keeps_the_directory_sealed_and_names_who_recorded_a_step(make_app, cloud):
    from mobile.services.directory import name_of
    from tests.mobile.flows import ctx

    phone = ready(make_app("coord"), "coord_a1")
    session = ctx(phone).session
    assert name_of(session, cloud.world.users["coord_a2"].id) == "coord_a2（协管员）"
    assert name_of(session, cloud.world.users["manager_b"].id) is None  # not of my areas
    assert name_of(session, "no-such-user") is None
    raw = (session.data_dir / "doorstep.sqlite3").read_bytes()
    assert b"coord_a2" not in raw  # the names are sealed like the rest of the store
