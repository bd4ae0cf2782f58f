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

import sqlite3
import time
from datetime import date

import pytest
from PIL import Image, ImageChops

from mobile.services.search import household_address
from shared.validation import make_id_number
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

USER, PASSWORD, PIN = "zhangwei", "demo1234", "135792"
NEW_NAME = "欧阳晓梅"
NEW_ID = make_id_number("210402", date(1983, 4, 16), 122)
PHONE_A, PHONE_B = "13911110001", "13722220002"
WAIT_MS = 60_000


class Phone:
    def __init__(self, page, name: str) -> None:
        self.page, self.name = page, name
        page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=WAIT_MS)
        page.evaluate("document.querySelector('flt-semantics-placeholder').click()")

    def see(self, text: str, timeout: int = WAIT_MS) -> None:
        try:
            # Flutter puts a text either in an element's text or in its aria-label (cards, list tiles)
            shown = self.page.get_by_text(text, exact=False).or_(self.page.locator(f'[aria-label*="{text}"]'))
            shown.filter(visible=True).first.wait_for(timeout=timeout)
        except Exception:
            self.page.screenshot(path=str(ARTIFACTS / f"failed-{self.name}.png"))
            print(self.page.evaluate("() => Array.from(document.querySelectorAll('flt-semantics'))"
                                     ".map(e => e.getAttribute('aria-label') || e.textContent).join(' | ')"))
            raise

    def reveal(self, locator):
        """Scroll the Flutter view until the control is in the semantics tree."""
        for step in range(24):
            if locator.count() and locator.first.is_visible():
                return locator.first
            self.page.mouse.move(195, 500)
            self.page.mouse.wheel(0, 350 if step < 12 else -350)  # down the screen, then back up
            time.sleep(0.3)
        labels = self.page.evaluate(
            "() => Array.from(document.querySelectorAll('input, textarea, [role]'))"
            ".map(e => (e.getAttribute('role') || e.tagName) + ':' + (e.getAttribute('aria-label') || e.textContent))")
        raise AssertionError(f"{locator} never appeared; on screen: {labels}")

    def type(self, label: str, text: str) -> None:
        """Focus the field, replace its text by typing (fill() can miss Flutter's change events), check it took.

        Typing starts only once the field really has the keyboard focus: Flutter
        moves focus a moment after the click, and keys sent before that land in
        the previously focused field.
        """
        selector = f'input[aria-label^="{label}"], textarea[aria-label^="{label}"]'
        for _ in range(3):
            box = self.reveal(self.page.locator(selector))
            box.click()
            if not self._focused(selector):
                continue
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(text, delay=30)
            for _ in range(20):
                if box.input_value() == text:
                    time.sleep(0.2)  # let the change event reach the app before the next action
                    return
                time.sleep(0.1)
        raise AssertionError(f"{label}: typed {text!r}, field shows {self.page.locator(selector).first.input_value()!r}")

    def _focused(self, selector: str) -> bool:
        for _ in range(30):
            if self.page.evaluate(f"() => document.activeElement && document.activeElement.matches({selector!r})"):
                return True
            time.sleep(0.1)
        return False

    def tap(self, name: str, role: str = "button") -> None:
        self.reveal(self.page.get_by_role(role, name=name, exact=True)).click()

    def back_to(self, tab: str) -> None:
        """Back arrow until the bottom navigation shows, then that tab."""
        for _ in range(4):
            if self.page.get_by_role("tab", name=tab, exact=True).count():
                break
            self.page.get_by_role("button", name="Back").first.click()
            time.sleep(0.8)
        self.tap(tab, role="tab")

    def shot(self, step: str) -> Image.Image:
        time.sleep(1.5)
        path = ARTIFACTS / f"{step}.png"
        self.page.screenshot(path=str(path))
        return Image.open(path).convert("L")


def sign_in(phone: Phone) -> None:
    phone.see("入户通 · 登录")
    phone.type("用户名", USER)
    phone.type("密码", PASSWORD)
    phone.tap("登录")
    phone.page.locator('input[aria-label="设置 PIN（6 位数字）"]').wait_for(timeout=WAIT_MS)
    phone.type("设置 PIN（6 位数字）", PIN)
    phone.type("再次输入 PIN", PIN)
    phone.tap("确定")
    phone.see("今天的走访")


def open_household(phone: Phone, name: str, address: str) -> None:
    phone.tap("搜索", role="tab")
    phone.type("搜索居民或住户", name)
    phone.see("找到")
    phone.page.get_by_text(address, exact=False).first.click()
    phone.see("家庭成员（1）")


def edit_phone_number(phone: Phone, number: str) -> None:
    phone.tap("编辑信息")
    phone.see("信息完整度")
    phone.type("手机号 *", number)
    phone.tap("保存")
    phone.see("家庭成员")


def server_rows(db, sql, *args):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


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
    server, new_phone, outside = browser_stack
    hid, address, rid, name = target_household(server.db)

    a = Phone(new_phone("phone-a"), "a")
    b = Phone(new_phone("phone-b"), "b")
    sign_in(a)
    worklist = a.shot("01-a-worklist")
    sign_in(b)
    b.shot("02-b-worklist")
    open_household(a, name, address)
    open_household(b, name, address)
    a.shot("03-a-household")

    server.stop()  # from here the phones work offline
    edit_phone_number(a, PHONE_A)
    a.tap("添加成员")
    a.type("姓名 *", NEW_NAME)
    a.type("身份证号 *", NEW_ID)
    a.shot("04-a-new-resident-offline")
    a.see("信息完整度 4/11")  # name, ID number, and the birth date and sex it filled
    a.tap("保存")
    a.see(NEW_NAME)
    a.tap("记录走访")
    a.tap("已见面", role="radio")
    a.tap("政策咨询", role="checkbox")
    a.shot("05-a-visit-offline")
    a.tap("保存")
    a.see("共走访")
    edit_phone_number(b, PHONE_B)
    a.back_to("同步")
    a.see("待上传的修改：3 条")
    a.tap("立即同步")
    a.see("无法连接")  # still offline: nothing lost, nothing sent
    a.shot("06-a-sync-offline")

    server.start()
    a.tap("立即同步")
    a.see("待上传的修改：0 条")
    synced = a.shot("07-a-synced")
    [(new_id,)] = server_rows(server.db, "select id from resident where household_id = ? and name = ?", hid, NEW_NAME)
    assert server_rows(server.db, "select id_number, birth_date from resident where id = ?", new_id) == [
        (NEW_ID, "1983-04-16")]
    visits = server_rows(server.db, "select outcome, services from visit where household_id = ? and received_at "
                                    "is not null order by visited_at desc", hid)
    assert visits[0][0] == "met" and "policy_consultation" in visits[0][1]
    assert server_rows(server.db, "select phone from resident where id = ?", rid) == [(PHONE_A,)]

    b.back_to("同步")
    b.tap("立即同步")
    b.see("需要您决定的冲突")
    b.see(f"居民 {name} · 手机号")
    b.see(PHONE_A)
    b.see(PHONE_B)
    b.shot("08-b-conflict")
    [(conflict_id, state)] = server_rows(server.db, "select id, state from conflict where row_id = ?", rid)
    assert state == "open"
    b.tap("采用我（其他设备）的值")
    b.see("没有需要您处理的冲突")
    b.tap("立即同步")
    b.see("待上传的修改：0 条")
    b.shot("09-b-decided")
    assert server_rows(server.db, "select state from conflict where id = ?", conflict_id) == [("resolved",)]
    assert server_rows(server.db, "select phone from resident where id = ?", rid) == [(PHONE_A,)]

    # Chinese rendered: the font came from the app itself, and the title's first character differs between
    # screens ("今" of 今日走访, "同" of 同步); empty boxes (tofu) would be the same box on both.
    first, second = glyph(worklist), glyph(synced)
    assert min(first.getextrema()) < 128 and min(second.getextrema()) < 128  # ink, not blank
    difference = ImageChops.difference(first, second).point(lambda v: 255 if v > 64 else 0)
    assert difference.histogram()[255] > 40
    font = a.page.request.get(a.page.url.split("/", 3)[0] + "//" + a.page.url.split("/", 3)[2] +
                              "/fonts/DoorstepSans.otf")
    assert font.ok and len(font.body()) > 1_000_000
    assert all("127.0.0.1" not in url for url in outside)  # anything else was refused: no internet needed
