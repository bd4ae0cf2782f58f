"""In a real browser at a phone's size: the coordinator refers offline, the employer scans the slip and confirms
已录用, the coordinator's phone learns it at its next sync and the household's zero-employment clock stops.

The job seeker's household is made a zero-employment household identified 5
days ago on the server before the phone's first sync (the demo's few are in
other grids). The coordinator records a vacancy, then with the server stopped
refers the person and shows the slip; the server starts again and the phone
syncs. The employer's phone (another browser context, 390×844) opens the URL
read from the QR code in the slip's screenshot, chooses 已录用 and submits.
Screenshots go to artifacts/browser/employer-*.png.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest
import zxingcpp
from PIL import Image

from mobile.views.referral_new import CONSENT_LABEL
from tests.browser.conftest import VIEWPORT
from tests.browser.driver import ARTIFACTS, ROOT, SAVE_RETRY_S, server_rows, sign_in
from tests.browser.test_jobs_flow import CODE, EMPLOYER, TITLE, job_seeker, record_vacancy

pytestmark = pytest.mark.browser
CHINA = timezone(timedelta(hours=8))
FONT = ROOT / "mobile" / "assets" / "fonts" / "DoorstepSans.otf"
TEST_FONT_PATH = "/__browser-test-font.otf"  # answered by the browser test itself, never by the server


def with_cjk_font(page) -> None:
    """Debian's headless Chromium has no CJK font (a phone has one): lend it the app's, for readable screenshots."""
    page.add_style_tag(content=f"@font-face{{font-family:DoorstepTest;src:url({TEST_FONT_PATH})}}"
                               "body,input,select,button{font-family:DoorstepTest,sans-serif!important}")
    page.evaluate("document.fonts.ready")


def make_zero_employment(db, resident_id: str, identified_on) -> str:
    """The resident's household on a running zero-employment clock (on the server, before any phone pulls it)."""
    with closing(sqlite3.connect(db, timeout=30)) as conn:
        [(household_id,)] = conn.execute("select household_id from resident where id = ?", (resident_id,)).fetchall()
        conn.execute("update household set zero_employment = 1, zero_employment_identified_on = ?,"
                     " zero_employment_wants_two = 0, zero_employment_resolved_on = null, zero_employment_met = null"
                     " where id = ?", (identified_on.isoformat(), household_id))
        conn.execute("update resident set employment_status = 'unemployed' where household_id = ? and id != ?"
                     " and employment_status in ('employed', 'flexible')", (household_id, resident_id))
        conn.commit()
    return household_id


def test_the_employer_scans_the_slip_confirms_a_hire_and_the_coordinators_phone_shows_it(browser_stack):
    stack = browser_stack
    server = stack.server
    today = datetime.now(CHINA).date()
    rid, name, address = job_seeker(server.db)
    household_id = make_zero_employment(server.db, rid, today - timedelta(days=5))

    stack.step("the coordinator signs in, records a vacancy, and sees the household's clock running")
    phone = stack.phone("coordinator")
    sign_in(phone)
    record_vacancy(phone)
    phone.tab("搜索")
    phone.type("搜索居民或住户", name)
    phone.see("找到")
    phone.click(phone.page.get_by_text(address, exact=False), f"the search result {address!r}", expect="家庭成员")
    phone.see("零就业时限剩 15 天")

    stack.step("offline: refer with consent and show the slip")
    server.stop()
    phone.tap_under(name, "推荐岗位", expect="适合的岗位")
    phone.tap_under(TITLE, "推荐", expect="确认推荐")
    phone.check(CONSENT_LABEL)
    phone.tap("确认推荐", expect="就业推荐单", retry_s=SAVE_RETRY_S)
    phone.see(EMPLOYER)
    phone.reveal(phone.page.get_by_text("用人单位可扫码或输入推荐码核对", exact=False), "the slip's QR code")
    phone.see_no("待同步")
    printed = phone.text_of(CODE)
    code = printed[1] + printed[2]
    check = phone.text_of(r"核对码 ([0-9A-HJKMNP-TV-Z]{6})")[1]
    phone.shot("employer-01-slip")
    [url] = [r.text for r in zxingcpp.read_barcodes(Image.open(ARTIFACTS / "employer-01-slip.png"))]
    assert url.startswith(f"{server.address}/r/{code}?t=")  # the token was made on the phone, offline

    stack.step("back online: the phone syncs the referral")
    server.start()
    phone.tap("查看推荐进度", expect="当前状态：已推荐")
    phone.back_to("同步")
    phone.tap("立即同步", expect=lambda: server_rows(server.db, "select count(*) from referral where code = ?",
                                                  code) == [(1,)])
    phone.see("待上传的修改：0 条")
    [(token,)] = server_rows(server.db, "select check_token from referral where code = ?", code)
    assert url == f"{server.address}/r/{code}?t={token}"

    stack.step("the employer opens the QR code's URL on their phone and confirms 已录用")
    context = stack.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    stack.resources.callback(context.close)
    context.route("**/*", stack._local_only)
    context.route(f"{server.address}{TEST_FONT_PATH}", lambda route: route.fulfill(
        body=FONT.read_bytes(), headers={"Content-Type": "font/otf"}))
    employer = context.new_page()
    employer.goto(url)
    with_cjk_font(employer)
    body = employer.locator("main")
    for expected in (TITLE, EMPLOYER, today.isoformat(), name[0] + "*", f"{code[:4]}-{code[4:]}", "已推荐"):
        assert expected in body.inner_text()
    assert name not in employer.content()  # the surname only
    employer.get_by_label("已录用").check()
    assert employer.get_by_label("入职日期").input_value() == today.isoformat()
    employer.screenshot(path=str(ARTIFACTS / "employer-02-page.png"))
    employer.get_by_role("button", name="提交").click()
    employer.get_by_text("已提交，谢谢").wait_for()
    with_cjk_font(employer)
    assert "已录用" in employer.locator("#status").inner_text()
    employer.screenshot(path=str(ARTIFACTS / "employer-03-recorded.png"))
    assert server_rows(server.db, "select status from referral where code = ?", code) == [("hired",)]
    typed = context.new_page()  # the printed codes work as well, and show what was recorded
    typed.goto(f"{server.address}/r")
    typed.get_by_label("推荐码（8 位）").fill(f"{code[:4]}-{code[4:]}".lower())
    typed.get_by_label("核对码（6 位）").fill(check)
    typed.get_by_role("button", name="查看推荐单").click()
    typed.get_by_text("这张推荐单的结果已确定").wait_for()

    stack.step("the coordinator's phone syncs and shows the hire; the household's clock has stopped")
    phone.tap("立即同步", expect="上传 0 条修改")  # this sync's summary: nothing to send, the hire to fetch
    phone.see("待上传的修改：0 条")
    phone.tab("搜索", field="搜索居民或住户")
    phone.type("搜索居民或住户", name)
    phone.see("找到")
    phone.click(phone.page.get_by_text(address, exact=False), f"the search result {address!r}", expect="家庭成员")
    phone.see("当前：已录用")  # the member's service history: the referral and its outcome
    phone.see("推荐结果：已录用")
    phone.see_no("零就业时限剩")  # employed now: the clock stopped, as a coordinator's hire stops it
    phone.shot("employer-04-phone-household")
    [(resolved_on, met)] = server_rows(server.db, "select zero_employment_resolved_on, zero_employment_met"
                                                  " from household where id = ?", household_id)
    assert (resolved_on, met) == (today.isoformat(), 1)
    assert all("127.0.0.1" not in u for u in stack.outside)
