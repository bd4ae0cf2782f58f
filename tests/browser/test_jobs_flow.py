"""In a real browser: record a vacancy, find jobs for a resident, refer with consent, show the slip, sync.

One phone (`doorstep app --web`) signed in as a demo coordinator records a
vacancy from a new employer, opens a job seeker's household, taps "推荐岗位",
refers the person to that vacancy with their consent, and shows the slip.
The screenshot of the slip is read back: its QR code decodes to the code
printed on it, and after a sync the server has the referral under that code.
Screenshots go to artifacts/browser/jobs-*.png.
"""
from __future__ import annotations

import re
import time

import pytest
import zxingcpp
from PIL import Image

from mobile.services.search import household_address
from mobile.views.referral_new import CONSENT_LABEL
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_offline_visit_and_conflict import USER, Phone, server_rows, sign_in

pytestmark = pytest.mark.browser

TITLE = "社区助老员"
EMPLOYER = "安康居家养老服务中心"
CONTACT, CONTACT_PHONE = "周主任", "13812345678"


PICK_BELOW = """([text, caption]) => {
    const top = (e) => e.getBoundingClientRect().top;
    const label = (e) => e.getAttribute('aria-label') || e.textContent || '';
    const area = (e) => { const r = e.getBoundingClientRect(); return r.width * r.height; };
    const marks = Array.from(document.querySelectorAll('flt-semantics, [role]'))
        .filter(e => label(e).includes(text) && area(e) > 0).sort((a, b) => area(a) - area(b));
    if (!marks.length) return false;
    const y = top(marks[0]);
    const buttons = Array.from(document.querySelectorAll('[role=button]'))
        .filter(b => label(b).trim() === caption && top(b) > y && area(b) > 0).sort((a, b) => top(a) - top(b));
    if (!buttons.length) return false;
    buttons[0].setAttribute('data-picked', caption);
    return true;
}"""


def tap_below(phone: Phone, text: str, caption: str) -> None:
    """Tap the first button ``caption`` under the smallest on-screen element showing ``text`` (a card's title)."""
    for step in range(24):
        if phone.page.evaluate(PICK_BELOW, [text, caption]):
            phone.page.locator(f'[data-picked="{caption}"]').first.click()
            phone.page.evaluate("document.querySelectorAll('[data-picked]').forEach(e => e.removeAttribute('data-picked'))")
            return
        phone.page.mouse.move(195, 500)
        phone.page.mouse.wheel(0, 300 if step < 12 else -300)
        time.sleep(0.3)
    raise AssertionError(f"no {caption!r} button under {text!r}")


def shows(phone: Phone, text: str, timeout: int = 60_000) -> None:
    """Wait until some on-screen node says ``text`` (in its text, or in the label a card merges its texts into)."""
    phone.page.wait_for_function(
        """(text) => Array.from(document.querySelectorAll('flt-semantics, [role]')).some(e =>
            (e.getAttribute('aria-label') || '').includes(text) || (e.textContent || '').includes(text))""",
        arg=text, timeout=timeout)


def job_seeker(db):
    """A job seeker of the coordinator's grids (unemployed or status unknown): (id, name, household address)."""
    found = server_rows(db, """
        select r.id, r.name, h.address, h.building, h.unit, h.room from resident r
        join household h on h.id = r.household_id
        where r.deleted = 0 and r.name != '' and (r.employment_status is null or r.employment_status = 'unemployed')
          and (r.able_to_work is null or r.able_to_work = 1)
          and h.grid_id in (select ua.area_id from user_area ua join user_account u on u.id = ua.user_id
                            where u.username = ?)
        order by r.id limit 1""", USER)
    assert found, "the demo data has no job seeker in the coordinator's grids"
    rid, name, address, building, unit, room = found[0]
    return rid, name, household_address({"address": address, "building": building, "unit": unit, "room": room})


def record_vacancy(phone: Phone) -> None:
    phone.tap("岗位", role="tab")
    phone.see("新增岗位")
    phone.tap("新增岗位")
    phone.tap("新增单位")
    phone.page.locator('input[aria-label="单位名称 *"]').wait_for(timeout=60_000)
    time.sleep(1)  # the employer fields have just opened above the rest of the form: let the layout settle
    phone.type("单位名称 *", EMPLOYER)
    phone.type("联系人", CONTACT)
    phone.type("联系电话", CONTACT_PHONE)
    phone.type("单位地址", "永安路 66 号")
    phone.tap("保存单位")
    phone.page.locator('input[aria-label="单位名称 *"]').wait_for(state="detached", timeout=60_000)
    time.sleep(1)
    phone.type("岗位名称 *", TITLE)
    phone.type("职业（工种）", "养老")
    phone.tap("养老护理员")
    phone.see("已选：4-10-01-05 养老护理员")
    phone.type("最低月薪", "3800")
    phone.shot("jobs-01-vacancy-form")
    phone.tap("保存")
    phone.see(EMPLOYER)
    phone.see("3,800 元/月起")


def test_find_jobs_for_a_resident_refer_and_show_the_slip(browser_stack):
    server, new_phone, outside = browser_stack
    rid, name, address = job_seeker(server.db)
    phone = Phone(new_phone("jobs"), "jobs")
    sign_in(phone)
    record_vacancy(phone)
    phone.shot("jobs-02-vacancy-list")

    # the resident's card → 推荐岗位: the new vacancy is suggested, with its reasons
    phone.tap("搜索", role="tab")
    phone.type("搜索居民或住户", name)
    phone.see("找到")
    phone.page.get_by_text(address, exact=False).first.click()
    phone.see("家庭成员")
    tap_below(phone, name, "推荐岗位")
    shows(phone, "适合的岗位")
    shows(phone, TITLE)
    phone.shot("jobs-03-jobs-for-resident")

    # refer, with consent
    tap_below(phone, TITLE, "推荐")
    shows(phone, "确认推荐")
    phone.tap(CONSENT_LABEL, role="checkbox")
    phone.tap("确认推荐")
    shows(phone, "就业推荐单")
    shows(phone, EMPLOYER)
    shows(phone, name)
    shows(phone, f"{CONTACT} {CONTACT_PHONE}")
    phone.reveal(phone.page.get_by_text("用人单位可扫码或输入推荐码核对", exact=False))
    phone.page.wait_for_function(  # the "已推荐，待同步" toast has gone: nothing covers the slip
        "() => !document.body.innerText.includes('待同步')", timeout=15_000)
    slip = phone.shot("jobs-04-slip")

    # the slip as photographed: a QR code holding the code printed above it
    shown = phone.page.evaluate("() => document.body.innerText")
    printed = re.search(r"\b([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})\b", shown)
    assert printed, shown
    code = printed[1] + printed[2]
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(ARTIFACTS / "jobs-04-slip.png"))]
    assert decoded == [code]
    assert min(slip.getextrema()) < 64  # dark modules were drawn

    # synced: the server has the referral under that code, for that person and that vacancy
    phone.tap("查看推荐进度")
    shows(phone, "当前状态：已推荐")
    for _ in range(8):  # back to a screen with the navigation bar
        if phone.page.get_by_role("tab", name="同步").count():
            break
        phone.tap("Back")
        time.sleep(0.5)
    phone.tap("同步", role="tab")
    phone.tap("立即同步")
    shows(phone, "待上传的修改：0 条")
    [(resident_id, title, status)] = server_rows(server.db, """
        select r.resident_id, v.title, r.status from referral r join vacancy v on v.id = r.vacancy_id
        where r.code = ?""", code)
    assert (resident_id, title, status) == (rid, TITLE, "referred")
    assert server_rows(server.db, "select count(*) from referral_event e join referral r on r.id = e.referral_id "
                                  "where r.code = ? and e.status = 'referred'", code) == [(1,)]
    assert all("127.0.0.1" not in url for url in outside)  # anything else was refused: no internet needed
