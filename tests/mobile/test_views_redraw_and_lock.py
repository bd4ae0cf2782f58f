"""What the screens redraw and keep: the month buttons, a half-typed form under the idle lock, a second tab's PIN."""
from __future__ import annotations

import asyncio

from mobile.services.manager import ManagerService, shift_month
from mobile.services.sign_in import SignInService
from tests.mobile.conftest import PIN
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, field, tap, texts, type_into


def shown_month(view) -> str:
    line = next(t for t in texts(view).splitlines() if t.startswith("统计月份"))
    return line.split()[-1]


def test_the_month_buttons_redraw_the_coverage_and_the_download_takes_the_month_shown(make_app):
    app = ready(make_app(), "manager_a")
    view = app.page.finish_tasks()
    service = ctx(app).service(ManagerService)
    now = service.month
    assert shown_month(view) == now and "覆盖统计" in view.appbar.title.value
    for step in range(1, 9):
        tap(button(app.page.view, "上个月"))
        view = app.page.finish_tasks()
        assert shown_month(view) == shift_month(now, -step), step
        assert "正在加载" not in texts(view)  # filled in with that month's figures
    tap(button(view, "下个月"))
    view = app.page.finish_tasks()
    assert shown_month(view) == shift_month(now, -7) == service.month  # the report is of the month on screen
    name, _ = service.monthly_report(ctx(app).session.user["areas"][0]["id"])
    assert shift_month(now, -7) in name


def test_the_idle_lock_keeps_a_half_typed_form_for_after_the_pin(make_app, clock, cloud):
    app = ready(make_app())
    home = cloud.world.households["grid_a1"].id
    card = app.open(f"/household/{home}")
    tap(button(card, "添加成员"))
    form = app.page.view
    type_into(field(form, "姓名"), "李秀英")
    type_into(field(form, "身份证号"), "21040219780930")
    clock.advance(minutes=6)
    assert ctx(app).service(SignInService).lock_if_idle()
    asyncio.run(app.page.push_route("/unlock"))  # what the idle watcher does
    assert app.page.route == "/unlock" and [v.route for v in app.page.views] == ["/unlock"]
    assert "李秀英" not in texts(app.page.view)  # nothing of the form shows under the lock
    type_into(field(app.page.view, "PIN"), PIN)
    tap(button(app.page.view, "解锁"))
    assert app.page.route == f"/household/{home}/resident/new"
    assert app.page.view is form  # the same screen, not a fresh one
    assert field(form, "姓名").value == "李秀英" and field(form, "身份证号").value == "21040219780930"
    assert [v.route for v in app.page.views] == ["/", f"/household/{home}", f"/household/{home}/resident/new"]


def test_a_second_tab_on_the_same_phone_data_asks_for_the_pin(make_app):
    app = ready(make_app())
    assert ctx(app).session.store.is_unlocked
    second = app.another_tab()
    assert second.route == "/unlock", second.route
    assert "今天的走访" not in texts(second.view)
    for route in ("/", "/sync", "/settings"):
        asyncio.run(second.push_route(route))
        assert second.route == "/unlock"
    type_into(field(second.view, "PIN"), "000000")
    tap(button(second.view, "解锁"))
    assert "PIN 错误" in texts(second.view)
    assert ctx(app).session.store.is_unlocked  # the first tab's data stays open
    type_into(field(second.view, "PIN"), PIN)
    tap(button(second.view, "解锁"))
    assert second.route == "/" and "今天的走访" in texts(second.view)


def test_lock_now_from_any_screen_keeps_it_for_after_the_pin(make_app, cloud):
    app = ready(make_app())
    home = cloud.world.households["grid_a1"].id
    visit = app.open(f"/household/{home}/visit")
    type_into(field(visit, "走访备注"), "白天不在家，晚上再来")
    tap(button(visit, "立即锁定"))
    assert app.page.route == "/unlock" and not ctx(app).session.store.is_unlocked
    type_into(field(app.page.view, "PIN"), PIN)
    tap(button(app.page.view, "解锁"))
    assert app.page.view is visit and app.page.route == f"/household/{home}/visit"
    assert field(visit, "走访备注").value == "白天不在家，晚上再来"
