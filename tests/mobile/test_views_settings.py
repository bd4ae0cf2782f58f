"""Settings: server address, lock time, and signing out (refused while changes wait, unless confirmed)."""
from __future__ import annotations

import flet as ft

from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, choose, field, tap, texts, type_into


def alerts(app):
    return [d for d in app.page.dialogs if isinstance(d, ft.AlertDialog)]


def test_sign_out_is_refused_while_changes_wait_and_wipes_the_phone_when_confirmed(make_app, cloud):
    app = ready(make_app())
    store = ctx(app).session.store
    resident = cloud.world.residents["grid_a1"].id
    view = app.open(f"/resident/{resident}")
    type_into(field(view, "手机号"), "13900000001")
    tap(button(view, "保存"))
    assert store.pending_count() == 1

    view = app.open("/settings")
    tap(button(view, "退出登录"))
    assert app.page.route == "/settings" and store.is_unlocked
    [dialog] = alerts(app)
    assert "1 条修改尚未上传" in texts(dialog)
    tap(button(dialog, "取消"))
    assert alerts(app) == [] and store.is_provisioned()

    tap(button(view, "退出登录"))
    tap(button(alerts(app)[0], "仍然退出"))
    assert app.page.route == "/sign-in"
    assert not store.is_provisioned()
    assert app.open("/") is app.page.view and app.page.route == "/sign-in"  # nothing behind the sign-in


def test_sign_out_after_a_sync_needs_no_confirmation(make_app):
    app = ready(make_app())
    tap(button(app.open("/settings"), "退出登录"))
    assert alerts(app) == [] and app.page.route == "/sign-in"


def test_server_address_and_lock_time_are_kept(make_app):
    app = ready(make_app())
    view = app.open("/settings")
    server = field(view, "服务器地址")
    type_into(server, "not a url")
    tap(button(view, "保存服务器地址"))
    assert server.error and "格式不对" in server.error
    type_into(server, "192.168.1.5:8000/")
    tap(button(view, "保存服务器地址"))
    assert server.error is None and server.value == "http://192.168.1.5:8000"
    choose(field(view, "无操作自动锁定"), "15")
    session = ctx(app).session
    assert session.meta("server_url") == "http://192.168.1.5:8000" and session.meta("lock_minutes") == 15
    assert ctx(app).state.lock_minutes == 15
