"""The worklist through the app: the zero-employment clock and changes made by others, as the coordinator sees them."""
from __future__ import annotations

from datetime import timedelta

import flet as ft

from mobile.services.worklist import ZERO_EMPLOYMENT
from shared.coverage import CHINA_TZ
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, choose, field, tap, texts, type_into, walk


def reasons_of(view, address: str) -> str:
    """The worklist tile of a household: its address line and reasons."""
    lines = texts(view).splitlines()
    if address not in lines:
        return ""
    start = lines.index(address)
    return "\n".join(lines[start:start + 4])


def test_employment_recorded_on_the_form_stops_the_clock_on_the_worklist_and_the_card(make_app, cloud, clock):
    app = ready(make_app())
    session = ctx(app).session
    home = cloud.world.households["grid_a1"]
    person = cloud.world.residents["grid_a1"]
    today = clock().astimezone(CHINA_TZ).date()
    identified = today - timedelta(days=10)
    session.store.save("household", {"zero_employment": True, "zero_employment_identified_on": identified},
                       row_id=home.id, now=session.now())
    assert "零就业 剩 10 天" in reasons_of(app.open("/"), "幸福一网格小区")
    assert "零就业时限剩 10 天" in texts(app.open(f"/household/{home.id}"))

    # the coordinator hears the resident found work 4 days ago (no referral): the form records it
    view = app.open(f"/resident/{person.id}")
    choose(field(view, "就业状态"), "employed")
    type_into(field(view, "就业状态起始日期"), (today - timedelta(days=4)).isoformat())
    tap(button(view, "保存"))
    card = texts(app.open(f"/household/{home.id}"))
    assert "就业" in card and "零就业时限" not in card
    worklist = app.open("/")
    assert "幸福一网格小区" in texts(worklist) and "零就业" not in reasons_of(worklist, "幸福一网格小区")


def test_a_member_changed_on_another_phone_puts_the_household_on_the_worklist(make_app, cloud, other_phone, clock):
    app = ready(make_app())
    home = cloud.world.households["grid_a1"]
    person = cloud.world.residents["grid_a1"]
    session = ctx(app).session
    session.store.append("visit", {"household_id": home.id, "grid_id": home.grid_id, "visited_at": session.now(),
                                   "coordinator_id": session.user["id"], "outcome": "met"}, now=session.now())
    assert "幸福一网格小区" not in texts(app.open("/"))  # visited, nothing due

    colleague = other_phone("coord_a1_b")
    colleague.sync()
    clock.advance(minutes=1)
    colleague.store.save("resident", {"phone": "13700000002"}, row_id=person.id, now=clock())  # only the member
    colleague.sync()
    tap(button(app.open("/sync"), "立即同步"))
    assert "他人今天修改" in reasons_of(app.open("/"), "幸福一网格小区")


def test_an_overdue_zero_employment_household_comes_first_and_the_filters_narrow_the_list(make_app, cloud, clock):
    app = ready(make_app())
    session = ctx(app).session
    first = cloud.world.households["grid_a1"]
    today = clock().astimezone(CHINA_TZ).date()
    for n in range(60):  # a grid full of households nobody has visited yet
        session.store.save("household", {"grid_id": first.grid_id, "community_id": first.community_id,
                                          "address": f"新建小区 {n + 1} 号楼"}, now=session.now())
    poor = session.store.save("household", {"grid_id": first.grid_id, "community_id": first.community_id,
                                            "address": "低保户 1 号楼", "low_income": True}, now=session.now())
    session.store.save("household", {"zero_employment": True, "zero_employment_identified_on":
                                     today - timedelta(days=41)}, row_id=first.id, now=session.now())
    view = app.open("/")
    lines = [t for t in texts(view).splitlines() if t.endswith("号楼") or t == "幸福一网格小区"]
    assert lines[:2] == ["幸福一网格小区", "低保户 1 号楼"]  # the 20-day clock, then hardship, on the first screen
    assert "零就业 逾期 21 天" in reasons_of(view, "幸福一网格小区")
    assert "困难家庭：低保" in reasons_of(view, "低保户 1 号楼")
    assert button(view, "显示更多（还有 12 户）").visible

    choose(field(view, "困难类型"), "low_income")
    view = app.page.view
    assert "筛选后 1 户" in texts(view) and "低保户 1 号楼" in texts(view) and "新建小区 1 号楼" not in texts(view)
    choose(field(view, "困难类型"), "all")
    choose(field(app.page.view, "待办原因"), str(ZERO_EMPLOYMENT))
    view = app.page.view
    assert "筛选后 1 户" in texts(view) and "幸福一网格小区" in texts(view)
    assert {c.key for c in walk(view) if isinstance(c, ft.Card)} == {first.id}
    assert poor != first.id
