"""In a real browser: sign in, lose the server, add a resident and a visit offline, sync, and a conflict decided.

Two phones (two `doorstep app --web` processes, each with its own data folder)
are signed in as the same coordinator. With the server stopped, phone A
changes a resident's phone number, adds a member and records a visit; phone B
changes the same phone number. The server comes back; A syncs and the server
has the new resident and the visit; B syncs and sees the conflict on its sync
screen, decides it, and the decision reaches the server. Screenshots of every
step go to artifacts/browser/.
"""
from __future__ import annotations

from datetime import date

import pytest
from PIL import Image, ImageChops

from mobile.services.search import household_address
from shared.validation import make_id_number
from tests.browser.driver import SAVE_RETRY_S, USER, Phone, server_rows, sign_in

pytestmark = pytest.mark.browser

NEW_NAME = "欧阳晓梅"
NEW_ID = make_id_number("210402", date(1983, 4, 16), 122)
PHONE_A, PHONE_B = "13911110001", "13722220002"


def open_household(phone: Phone, name: str, address: str) -> None:
    phone.tab("搜索")
    phone.type("搜索居民或住户", name)
    phone.see("找到")
    phone.click(phone.page.get_by_text(address, exact=False), f"the search result {address!r}",
                expect="家庭成员（1）")


def edit_phone_number(phone: Phone, number: str) -> None:
    form = phone.field("手机号 *")
    phone.tap("编辑信息", expect="信息完整度")
    phone.type("手机号 *", number)
    phone.tap("保存", expect=lambda: not form.count(), retry_s=SAVE_RETRY_S)  # the form closes
    phone.see("家庭成员")


def target_household(db):
    """A household of the coordinator's grids with exactly one member: (household row, resident id, name)."""
    found = server_rows(db, """
        select h.id, h.address, h.building, h.unit, h.room, min(r.id), min(r.name) from household h
        join resident r on r.household_id = h.id and r.deleted = 0
        where h.grid_id in (select ua.area_id from user_area ua join user_account u on u.id = ua.user_id
                            where u.username = ?)
        group by h.id having count(r.id) = 1 order by h.id limit 1""", USER)
    hid, address, building, unit, room, rid, name = found[0]
    return hid, household_address({"address": address, "building": building, "unit": unit, "room": room}), rid, name


def glyph(image: Image.Image) -> Image.Image:
    """The app bar title's first character cell."""
    return image.crop((14, 14, 44, 46))


def test_offline_work_reaches_the_server_and_a_second_phone_decides_the_conflict(browser_stack):
    stack = browser_stack
    server = stack.server
    hid, address, rid, name = target_household(server.db)

    stack.step("two phones sign in as the same coordinator and open the same household")
    a = stack.phone("phone-a")
    b = stack.phone("phone-b")
    sign_in(a)
    worklist = a.shot("01-a-worklist")
    sign_in(b)
    b.shot("02-b-worklist")
    open_household(a, name, address)
    open_household(b, name, address)
    a.shot("03-a-household")

    stack.step("offline: A changes the phone number")
    server.stop()  # from here the phones work offline
    edit_phone_number(a, PHONE_A)
    stack.step("offline: A adds a member")
    a.tap("添加成员", expect="信息完整度")
    a.type("姓名 *", NEW_NAME)
    a.type("身份证号 *", NEW_ID)
    a.see("信息完整度 4/11")  # name, ID number, and the birth date and sex it filled
    a.shot("04-a-new-resident-offline")
    a.tap("保存", expect=lambda: not a.field("姓名 *").count(), retry_s=SAVE_RETRY_S)  # the form closes
    a.see(NEW_NAME)
    a.see("家庭成员（2）")
    stack.step("offline: A records a visit")
    a.tap("记录走访", expect=lambda: a.page.get_by_role("button", name="已见面").count())
    a.tap("已见面", expect=lambda: a.page.get_by_role("checkbox", name=name).count())  # who was met: asked now
    a.check("政策咨询")
    a.shot("05-a-visit-offline")
    a.tap("保存", expect="共走访", retry_s=SAVE_RETRY_S)  # the household again, visited
    stack.step("offline: B changes the same phone number")
    edit_phone_number(b, PHONE_B)
    stack.step("offline: A's sync finds no server and keeps its 3 changes")
    a.back_to("同步")
    a.see("待上传的修改：3 条")
    a.tap("立即同步", expect="无法连接")  # still offline: nothing lost, nothing sent
    a.see("待上传的修改：3 条")
    a.shot("06-a-sync-offline")

    stack.step("the server is back: A syncs")
    server.start()
    a.tap("立即同步", expect="待上传的修改：0 条")
    synced = a.shot("07-a-synced")
    [(new_id,)] = server_rows(server.db, "select id from resident where household_id = ? and name = ?", hid, NEW_NAME)
    assert server_rows(server.db, "select id_number, birth_date from resident where id = ?", new_id) == [
        (NEW_ID, "1983-04-16")]
    visits = server_rows(server.db, "select outcome, services from visit where household_id = ? and received_at "
                                    "is not null order by visited_at desc", hid)
    assert visits[0][0] == "met" and "policy_consultation" in visits[0][1]
    assert server_rows(server.db, "select phone from resident where id = ?", rid) == [(PHONE_A,)]

    stack.step("B syncs and sees the conflict with both values")
    b.back_to("同步")
    b.tap("立即同步", expect=f"居民 {name} · 手机号")
    b.see("需要您决定的冲突")
    b.see(PHONE_A)
    b.see(PHONE_B)
    b.shot("08-b-conflict")
    [(conflict_id, state)] = server_rows(server.db, "select id, state from conflict where row_id = ?", rid)
    assert state == "open"
    stack.step("B decides the conflict and syncs the decision")
    # B edited after A: B's value is in force (latest edit wins), A's is listed with who and when, and B
    # decides for A's number (the one the resident gave last, say).
    b.see("我（本机）修改")
    b.see("我（另一台设备）修改")
    b.see_no("您在本机的修改没有生效")  # B's own edit did not lose: nothing to warn about
    b.tap("改用此值", expect="没有需要您处理的冲突", retry_s=SAVE_RETRY_S)
    b.tap("立即同步", expect=lambda: server_rows(server.db, "select state from conflict where id = ?",
                                               conflict_id) == [("resolved",)])
    b.see("待上传的修改：0 条")
    b.shot("09-b-decided")
    assert server_rows(server.db, "select state from conflict where id = ?", conflict_id) == [("resolved",)]
    assert server_rows(server.db, "select phone from resident where id = ?", rid) == [(PHONE_A,)]

    stack.step("Chinese is drawn with the app's font")
    # The font came from the app itself, and the title's first character differs between screens ("今" of
    # 今日走访, "同" of 同步); empty boxes (tofu) would be the same box on both.
    first, second = glyph(worklist), glyph(synced)
    assert min(first.getextrema()) < 128 and min(second.getextrema()) < 128  # ink, not blank
    difference = ImageChops.difference(first, second).point(lambda v: 255 if v > 64 else 0)
    assert difference.histogram()[255] > 40
    font = a.page.request.get(a.page.url.split("/", 3)[0] + "//" + a.page.url.split("/", 3)[2] +
                              "/fonts/DoorstepSans.otf")
    assert font.ok and len(font.body()) > 1_000_000
    assert all("127.0.0.1" not in url for url in stack.outside)  # anything else was refused: no internet needed
