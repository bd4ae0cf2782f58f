"""Search while typing: pinyin initials, the last digits of an ID number, phone, name and address."""
from __future__ import annotations

from datetime import date

import flet as ft

from mobile.services.resident_form import ResidentForm
from shared.validation import make_id_number
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import field, run, texts, type_into, walk

ZHANG_SAN_ID = make_id_number("110101", date(1985, 5, 1), 13)


def add_resident(app, household_id, **raw):
    form = ResidentForm(ctx(app).session, household_id=household_id)
    for name, value in raw.items():
        form.set(name, value, final=True)
    return form.save()


def results(view):
    return [c for c in walk(view) if isinstance(c, ft.Card)]


def test_results_come_while_typing_by_initials_id_digits_phone_and_address(make_app, cloud):
    app = ready(make_app())
    home = cloud.world.households["grid_a1"].id
    add_resident(app, home, name="张三", id_number=ZHANG_SAN_ID)
    add_resident(app, home, name="张珊珊", phone="13900001111")
    add_resident(app, home, name="李四", phone="138 1234 5678")
    add_resident(app, home, name="单田芳")
    view = app.open("/search")
    query = field(view, "搜索居民或住户")

    type_into(query, "z")
    assert {"张三", "张珊珊"} <= set(texts(view).splitlines())
    type_into(query, "zs")
    shown = texts(view)
    assert "张三" in shown and "张珊珊" in shown and "李四" not in shown and "王芳" not in shown
    type_into(query, "zss")
    assert "张珊珊" in texts(view) and "张三\n" not in texts(view) + "\n"

    type_into(query, ZHANG_SAN_ID[-4:])
    shown = texts(view)
    assert "张三" in shown and "匹配：身份证尾号" in shown and f"尾号{ZHANG_SAN_ID[-4:]}" in shown
    assert ZHANG_SAN_ID not in shown  # the full number is never listed

    type_into(query, "5678")
    assert "李四" in texts(view) and "匹配：电话" in texts(view) and "138****5678" in texts(view)

    type_into(query, "dtf")  # 单 reads shan or dan: both initials find 单田芳
    assert "单田芳" in texts(view)
    type_into(query, "stf")
    assert "单田芳" in texts(view)

    type_into(query, "王")
    assert "王芳" in texts(view) and "匹配：姓名" in texts(view)
    type_into(query, "幸福一网格")
    assert "匹配：地址" in texts(view) and len(results(view)) == 5  # everyone living there

    type_into(query, "")
    assert results(view) == []


def test_tapping_a_result_opens_the_household(make_app, cloud):
    app = ready(make_app())
    view = app.open("/search")
    type_into(field(view, "搜索居民或住户"), "wf")
    card = results(view)[0]
    tile = next(c for c in walk(card) if isinstance(c, ft.ListTile))
    run(tile.on_click(None))
    assert app.page.route == f"/household/{cloud.world.households['grid_a1'].id}"
    assert "王芳" in texts(app.page.view) and "家庭成员（1）" in texts(app.page.view)
