"""In a real browser, at a phone's 390×844 and a desk's 1366×768: what a coordinator and a manager hit first.

One `doorstep app --web` process per viewport, each signed in once. On the
phone a coordinator: the worklist puts the 20-day clock first and is all
Chinese; the resident form keeps 保存 in reach, asks 是/否 with buttons and
the ID number on the number keyboard, fields as wide as the screen; 立即锁定
keeps the half-typed form for after the PIN; a second tab asks for the PIN;
a sync without the server says so in Chinese. At the desk a manager: the
page uses the width (table beside the chart), the bars name every street in
full with its value, the month buttons redraw, and a list entry opens the
household. Screenshots go to artifacts/browser/field-*.png.
"""
from __future__ import annotations

import re

import pytest

from mobile.services.manager import shift_month
from tests.browser.driver import BOOT_S, MANAGER, PIN, SAVE_RETRY_S, USER, Phone, server_rows, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
ENGLISH = re.compile(r"\b(Back|characters? remaining|unreachable|ConnectError|sign in again|Dropdown)\b")
NAME = "韩雪梅"


def all_chinese(phone: Phone, where: str) -> None:
    said = phone.screen_text(limit=100_000)
    found = ENGLISH.search(said)
    assert not found, f"{where}: English reaches the user: {found[0]!r} in {said[:1500]}"


def box(phone: Phone, locator) -> dict:
    found = phone.reveal(locator)
    return phone.wait_for(found.bounding_box, "the control's place on screen")


def a_household(db) -> tuple[str, str]:
    """A household of the coordinator's grids with a member: (a member's name, the address search shows)."""
    [(name, address)] = server_rows(db, """
        select min(r.name), h.address from household h join resident r on r.household_id = h.id and r.deleted = 0
        where r.name != '' and h.grid_id in (select ua.area_id from user_area ua
            join user_account u on u.id = ua.user_id where u.username = ?)
        group by h.id order by h.id limit 1""", USER)
    return name, address


def test_a_coordinator_on_a_small_phone_and_a_manager_at_a_desk(browser_stack):
    stack = browser_stack
    server = stack.server

    stack.step("phone 390×844: the coordinator signs in; the worklist puts the 20-day clock first, in Chinese")
    phone = stack.phone("field-phone", PHONE)
    sign_in(phone)
    phone.see("待办原因")  # the filters, drop-downs in the accessibility tree with their labels
    phone.see("困难类型")
    said = phone.screen_text(limit=100_000)
    zero, never = said.find("零就业 "), said.find("从未走访")
    if zero >= 0:
        assert zero < never, "a household on the 20-day clock comes after one never visited"
    all_chinese(phone, "worklist")
    phone.shot("field-01-phone-worklist")

    stack.step("phone: a new member's form: 保存 in reach, buttons for 是/否, the number keyboard for the ID")
    member, address = a_household(server.db)
    phone.tab("搜索")
    phone.type("搜索居民或住户", member)
    phone.see("找到")
    phone.click(phone.page.get_by_text(address, exact=False), f"the search result {address!r}", expect="家庭成员")
    phone.tap("添加成员", expect="信息完整度")
    save = box(phone, phone.page.get_by_role("button", name="保存", exact=True))
    assert save["y"] + save["height"] <= PHONE["height"] and save["height"] >= 48, save  # no scrolling to save
    name_field = box(phone, phone.field("姓名"))
    assert name_field["width"] >= 330, name_field  # the width of the screen, not 300 of 390 px
    for choice in ("是", "否"):
        assert phone.page.get_by_role("button", name=choice, exact=True).count() >= 2, f"no {choice} button"
    all_chinese(phone, "resident form")
    phone.type("姓名 *", NAME)
    phone.type("身份证号 *", "21040219830416")
    keyboards = phone.page.evaluate("() => Array.from(document.querySelectorAll('input, textarea')).map(e => "
                                    "[e.getAttribute('aria-label') || '', e.inputMode || e.type, e === "
                                    "document.activeElement])")
    focused = [k for k in keyboards if k[2] or k[0].startswith("身份证号")]
    assert any(k[1] in ("numeric", "decimal", "number", "tel") for k in focused), f"the ID field's keyboard: {keyboards}"
    relation = box(phone, phone.page.get_by_role("button", name="与户主关系", exact=True))
    assert relation["width"] >= 330, relation  # drop-downs as wide as the fields
    phone.shot("field-02-phone-form")

    stack.step("phone: 立即锁定 covers the form; a second tab of the app asks for the PIN")
    lock = phone.page.locator('[aria-label="立即锁定"]')  # an icon button: named by its tooltip
    phone.click(lock, "立即锁定", expect="入户通 · 已锁定")
    phone.see_no(NAME)
    all_chinese(phone, "unlock screen")  # no "6 characters remaining" under the PIN
    second = Phone(phone.page.context.new_page(), "field-phone-tab-2", stack.journal)
    stack.phones.append(second)
    second.page.goto(phone.address, timeout=BOOT_S * 1000)
    second.start()
    second.see("入户通 · 已锁定", timeout=BOOT_S)
    second.see_no("今天的走访", timeout=5)
    second.shot("field-03-second-tab-locked")
    second.page.close()
    stack.phones.remove(second)

    stack.step("phone: after the PIN the form is back as it was")
    phone.type("PIN", PIN)
    phone.tap("解锁", expect="信息完整度")
    phone.see("信息完整度 1/11")  # the typed name still counts: the same form, not a fresh one (0/11)
    phone.shot("field-04-phone-form-after-unlock")

    stack.step("phone: without the server the sync says so in Chinese")
    phone.back_to("同步")
    server.stop()
    phone.tap("立即同步", expect="无法连接服务器")
    all_chinese(phone, "sync without the server")
    phone.shot("field-05-phone-sync-offline")
    server.start()

    stack.step("desk 1366×768: the manager's coverage uses the width")
    desk = stack.phone("field-desk", DESK)
    sign_in(desk, MANAGER, home="区 · ")
    desk.see("走访率")
    desk.see("下级街道")
    table = box(desk, desk.page.get_by_role("columnheader", name="指标", exact=True))  # the table's first header
    chart = box(desk, desk.page.get_by_text("下级街道：走访率", exact=True))
    assert chart["x"] > table["x"] + 400 and abs(chart["y"] - table["y"]) < 200, (table, chart)  # side by side
    streets = [n for (n,) in server_rows(server.db, "select name from area where level = 'street' order by name")]
    for street in streets:
        desk.see(street)  # whole names, not cut to four characters
    desk.wait_for(lambda: re.search(r"\d+\.\d%（\d+/\d+）", desk.screen_text(limit=100_000)), "values on the bars")
    all_chinese(desk, "coverage at a desk")
    desk.shot("field-06-desk-coverage")

    stack.step("desk: the month buttons redraw the screen")
    month = desk.text_of(r"统计月份 (\d{4}-\d{2})")[1]
    desk.tap("上个月", expect=f"统计月份 {shift_month(month, -1)}")
    desk.tap("上个月", expect=f"统计月份 {shift_month(month, -2)}")
    desk.tap("下个月", expect=f"统计月份 {shift_month(month, -1)}")
    desk.see("走访率")

    stack.step("desk: a list entry opens the household")
    desk.tap("未走访名单", expect="共 ")
    count = int(desk.text_of(r"共 (\d+) 人")[1])
    desk.shot("field-07-desk-list")
    if count:
        desk.click(desk.page.get_by_role("button", name=re.compile(r" · ")), "the list's first entry",
                   expect="家庭成员", retry_s=SAVE_RETRY_S)
        desk.shot("field-08-desk-household")
    assert all("127.0.0.1" not in url for url in stack.outside)
