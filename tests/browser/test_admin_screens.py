"""In a real browser: the administrator walks the 管理 screens and a coordinator signs in with a one-time password.

`doorstep serve` on the seeded demo; the demo administrator (admin) signs in, opens 管理: the accounts
(刘洋's password reset to a one-time password, 王芳 disabled), 网格分配 (every grid with its coordinator),
设备 (who and when last seen) and 区域 (the tree). On a second phone 刘洋 signs in with the one-time
password, must choose their own password, and reaches the worklist. Screenshots: artifacts/browser/admin-*.png.
"""
from __future__ import annotations

import pytest

from tests.browser.driver import PIN, SAVE_RETRY_S, server_rows, sign_in

pytestmark = pytest.mark.browser

def test_the_administrator_resets_a_password_and_the_coordinator_chooses_their_own(browser_stack):
    stack = browser_stack
    db = stack.server.db

    stack.step("the administrator signs in and opens 管理 · 账号")
    admin = stack.phone("admin", viewport={"width": 1366, "height": 900})
    sign_in(admin, "admin", home="走访率")
    admin.tab("管理")
    admin.see("张伟（zhangwei）· 协管员")
    admin.shot("admin-01-accounts")

    stack.step("刘洋's password is reset: a one-time password, shown once")
    admin.tap_under("刘洋（liuyang）", "重置密码", expect="初始密码（只显示这一次）")
    one_time = admin.text_of(r"\b([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\b")[1]
    admin.shot("admin-02-one-time-password")
    admin.tap("我已记下", expect=lambda: not admin.shows("初始密码（只显示这一次）"))
    admin.see("待改初始密码")

    stack.step("王芳 is disabled")
    admin.tap_under("王芳（wangfang）", "停用", expect="已停用")
    assert server_rows(db, "select active from user_account where username = 'wangfang'") == [(0,)]

    stack.step("网格分配, 设备 and 区域")
    admin.tap("网格分配", expect="每个网格只有一名责任协管员")
    admin.see("第一网格")
    admin.shot("admin-03-grids")
    admin.tap("设备", expect="最近联网")
    admin.see("系统管理员（admin）")
    admin.shot("admin-04-devices")
    admin.tap("区域", expect="区域由服务器上的")
    admin.see("社区 永安社区")
    admin.shot("admin-05-areas")

    stack.step("刘洋 signs in with the one-time password and must choose their own")
    phone = stack.phone("liuyang")
    phone.see("入户通 · 登录", timeout=180)
    phone.type("用户名", "liuyang")
    phone.type("密码", one_time)
    new = phone.field("新密码（至少 8 位）")
    phone.tap("登录", expect=lambda: new.filter(visible=True).count(), retry_s=20)
    phone.see("初始密码")
    phone.shot("admin-06-choose-password")
    phone.type("新密码（至少 8 位）", "liu yang 2026")
    phone.type("再次输入新密码", "liu yang 2026")
    pin = phone.field("设置 PIN（6 位数字）")
    phone.tap("登录", expect=lambda: pin.filter(visible=True).count(), retry_s=SAVE_RETRY_S)
    phone.type("设置 PIN（6 位数字）", PIN)
    phone.type("再次输入 PIN", PIN)
    phone.tap("确定", expect=lambda: not pin.count() or phone.shows("正在下载"), retry_s=SAVE_RETRY_S)
    phone.see("今天的走访")
    assert server_rows(db, "select must_change_password from user_account where username = 'liuyang'") == [(0,)]
    actions = {a for (a,) in server_rows(db, "select action from audit_event")}
    assert {"user.password_reset", "user.disable", "auth.password_changed"} <= actions
