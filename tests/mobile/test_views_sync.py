"""The sync screen against the real server in process: what went and came, and a conflict decided on the phone."""
from __future__ import annotations

import asyncio
import threading

import flet as ft
from sqlalchemy import select

from shared.models import Conflict, Resident
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, event, field, tap, texts, type_into, walk


def edit_phone(app, resident_id, phone):
    view = app.open(f"/resident/{resident_id}")
    type_into(field(view, "手机号"), phone)
    tap(button(view, "保存"))


def server_row(cloud, model, row_id):
    with cloud.engine.connect() as conn:
        return conn.execute(select(model.__table__).where(model.__table__.c.id == row_id)).mappings().one()


def test_sync_pushes_what_was_done_offline_and_shows_what_came_and_went(make_app, cloud):
    app = ready(make_app())
    resident = cloud.world.residents["grid_a1"].id
    cloud.transport.online = False
    edit_phone(app, resident, "13900000001")
    view = app.open("/sync")
    assert "待上传的修改：1 条" in texts(view)
    tap(button(view, "立即同步"))
    shown = texts(app.page.view)
    assert "无法连接服务器，请检查网络后再试。修改已保存在本机，不会丢失。" in shown and "待上传的修改：1 条" in shown
    assert "unreachable" not in shown and "ConnectError" not in shown  # Chinese only
    cloud.transport.online = True
    tap(button(app.page.view, "立即同步"))
    shown = texts(app.page.view)
    assert "待上传的修改：0 条" in shown and "上传 1 条修改" in shown and "从未同步" not in shown
    assert server_row(cloud, Resident, resident)["phone"] == "13900000001"


def test_a_conflict_that_concerns_me_shows_both_values_and_my_decision_reaches_the_server(
        make_app, cloud, other_phone):
    app = ready(make_app())
    colleague = other_phone("coord_a1_b")
    colleague.sync()
    resident = cloud.world.residents["grid_a1"].id
    edit_phone(app, resident, "13900000001")  # both change the phone while offline
    colleague.store.save("resident", {"phone": "13700000002"}, row_id=resident, now=ctx(app).session.now())
    colleague.sync()  # the colleague's change reaches the server first

    view = app.open("/sync")
    tap(button(view, "立即同步"))
    view = app.page.view
    shown = texts(view)
    assert "新冲突 1 个" in shown
    cards = [c for c in walk(view) if isinstance(c, ft.Card)]
    assert len(cards) == 1
    card = texts(cards[0])
    assert "居民 王芳 · 手机号" in card and "13900000001" in card and "13700000002" in card
    # the colleague's edit is the later one and is in force: listed first, with who and when; this phone is told
    lines = card.splitlines()
    assert lines[1] == "您在本机的修改没有生效：他人同时改了这一项。请确认保留哪个值。"
    assert lines[2:6] == ["当前生效", lines[3], "13700000002", "保留此值"] and lines[3].startswith("coord_a1_b（协管员）修改 · ")  # by name: the directory
    assert lines[6:10] == ["未生效", lines[7], "13900000001", "改用此值"] and lines[7].startswith("我（本机）修改 · ")
    assert "您有 1 处修改没有生效" in shown
    assert "1 处同步冲突待确认" in texts(app.open("/"))  # told on the worklist too

    cards = [c for c in walk(app.open("/sync")) if isinstance(c, ft.Card)]
    tap(button(cards[0], "保留此值"))
    view = app.page.view
    assert "没有需要您处理的冲突" in texts(view) and "待上传的修改：" in texts(view)
    tap(button(view, "立即同步"))
    conflict = ctx(app).session.store.rows("conflict")[0]["id"]
    assert server_row(cloud, Conflict, conflict)["state"] == "resolved"
    assert server_row(cloud, Resident, resident)["phone"] == "13700000002"
    assert ctx(app).session.store.get("resident", resident)["phone"] == "13700000002"


def test_a_change_the_server_refused_is_listed_with_its_reason_in_chinese_until_dismissed(
        make_app, cloud, other_phone):
    app = ready(make_app())
    colleague = other_phone("coord_a1_b")
    colleague.sync()
    resident = cloud.world.residents["grid_a1"].id
    colleague.store.delete("resident", resident, now=ctx(app).session.now())  # moved away: removed on the other phone
    colleague.sync()
    edit_phone(app, resident, "13900000001")  # meanwhile this phone, not yet synced, corrects the number

    view = app.open("/sync")
    assert "被服务器拒绝的修改" not in texts(view)  # nothing refused yet: no such section
    tap(button(view, "立即同步"))
    view = app.page.view
    shown = texts(view)
    assert "被服务器拒绝：居民（该记录已被删除，修改未保存）" in shown  # the summary, in Chinese
    assert "被服务器拒绝的修改" in shown
    cards = [c for c in walk(view) if isinstance(c, ft.Card) and str(c.key).startswith("rejected-")]
    assert len(cards) == 1
    card = texts(cards[0])
    assert "居民 王芳（已删除） · 手机号" in card and "该记录已被删除，修改未保存" in card
    assert "record" not in card and "deleted" not in card  # not the server's English
    assert "13900000001" not in card
    store = ctx(app).session.store
    assert len(store.rejected_changes()) == 1 and store.pending_count() == 0

    tap(button(cards[0], "知道了"))
    view = app.page.view
    assert store.rejected_changes() == []
    assert "被服务器拒绝的修改" not in texts(view)
    assert "被服务器拒绝的修改" not in texts(app.open("/sync"))  # gone for good


def test_a_phone_whose_clock_is_days_ahead_is_told_so_once_in_chinese(make_app, cloud, clock):
    app = ready(make_app())
    clock.advance(days=3)  # the phone's date is wrong
    view = app.open("/sync")
    tap(button(view, "立即同步"))
    shown = texts(app.page.view)
    assert shown.count("手机时间不准") == 1 and "比服务器快约 72 小时" in shown
    tap(button(app.page.view, "立即同步"))
    assert "手机时间不准" not in texts(app.page.view)  # once


def test_while_a_sync_waits_on_the_network_the_screen_stays_live_and_shows_its_progress(make_app, cloud, monkeypatch):
    app = ready(make_app())
    resident = cloud.world.residents["grid_a1"].id
    edit_phone(app, resident, "13900000002")
    view = app.open("/sync")
    held, go_on = threading.Event(), threading.Event()
    forward = cloud.transport.handle_request

    def slow_network(request):  # the pull's answer takes its time (a weak signal), in the sync's worker thread
        if request.url.path.endswith("/sync/pull") and not go_on.is_set():
            held.set()
            go_on.wait(10)
        return forward(request)

    monkeypatch.setattr(cloud.transport, "handle_request", slow_network)

    async def tap_and_watch():
        sync_button = button(view, "立即同步")
        task = asyncio.ensure_future(sync_button.on_click(event(sync_button)))
        beats = 0
        while not held.is_set() and beats < 1000:  # the loop runs on while the sync waits in its thread
            await asyncio.sleep(0.01)
            beats += 1
        await asyncio.sleep(0.4)  # the screen polls the sync's progress every 0.15 s
        bars = [c for c in walk(app.page.view) if isinstance(c, ft.ProgressBar)]
        during = {"beats": beats, "bars": [(b.visible, b.value) for b in bars], "shown": texts(app.page.view),
                  "disabled": sync_button.disabled, "done": task.done()}
        go_on.set()
        await task
        return during

    during = asyncio.run(tap_and_watch())
    assert 0 < during["beats"] < 1000 and not during["done"]
    assert during["bars"] and during["bars"][0] == (True, 0.0)  # pushed; the first page is on its way
    assert "正在下载数据" in during["shown"] and during["disabled"] is True
    shown = texts(app.page.view)
    assert "上传 1 条修改" in shown and "正在下载数据" not in shown and "待上传的修改：0 条" in shown
    assert not [c for c in walk(app.page.view) if isinstance(c, ft.ProgressBar)]  # hidden again
    assert server_row(cloud, Resident, resident)["phone"] == "13900000002"
