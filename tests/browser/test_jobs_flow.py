"""In a real browser: record a vacancy, find jobs for a resident, refer with consent, show the slip, sync.

One phone (`doorstep app --web`) signed in as a demo coordinator records a
vacancy from a new employer, opens a job seeker's household, taps "推荐岗位",
refers the person to that vacancy with their consent, and shows the slip.
The screenshot of the slip is read back: its QR code decodes to the server's
check page for the code printed on it, and after a sync the server has the referral under that code.
Screenshots go to artifacts/browser/jobs-*.png.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
import zxingcpp
from PIL import Image

from mobile.services.search import household_address
from mobile.views.referral_new import CONSENT_LABEL
from tests.browser.driver import ARTIFACTS, SAVE_RETRY_S, USER, Phone, server_rows, sign_in

pytestmark = pytest.mark.browser

TITLE = "社区助老员"
EMPLOYER = "安康居家养老服务中心"
CONTACT, CONTACT_PHONE = "周主任", "13812345678"
CODE = r"\b([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})\b"  # a referral code as printed: XXXX-XXXX


SEEKER_SQL = """
        select r.id, r.name, h.address, h.building, h.unit, h.room from resident r
        join household h on h.id = r.household_id
        where r.deleted = 0 and r.name != '' and {status}
          and (r.able_to_work is null or r.able_to_work = 1) and r.birth_date <= date('now', '-18 years')
          and r.birth_date > date('now', '-55 years')
          and h.grid_id in (select ua.area_id from user_area ua join user_account u on u.id = ua.user_id
                            where u.username = ?)
        order by r.id limit 1"""


def job_seeker(db):
    """A job seeker of the coordinator's grids (unemployed or status unknown): (id, name, household address).

    The demo's story may leave nobody out of work in a small seed's grids: then a working-age member becomes
    unemployed on the server, before any phone pulls it.
    """
    found = server_rows(db, SEEKER_SQL.format(
        status="(r.employment_status is null or r.employment_status = 'unemployed')"), USER)
    if not found:
        found = server_rows(db, SEEKER_SQL.format(status="1 = 1"), USER)
        assert found, "the demo data has no working-age resident in the coordinator's grids"
        with closing(sqlite3.connect(db, timeout=30)) as conn:
            conn.execute("update resident set employment_status = 'unemployed', able_to_work = 1 where id = ?",
                         (found[0][0],))
            conn.commit()
    rid, name, address, building, unit, room = found[0]
    return rid, name, household_address({"address": address, "building": building, "unit": unit, "room": room})


def record_vacancy(phone: Phone) -> None:
    employer_name = phone.field("单位名称 *")
    phone.tab("岗位")
    phone.tap("新增岗位", expect=lambda: phone.page.get_by_role("button", name="新增单位").count())
    phone.tap("新增单位", expect=lambda: employer_name.filter(visible=True).count())
    phone.type("单位名称 *", EMPLOYER)
    phone.type("联系人", CONTACT)
    phone.type("联系电话", CONTACT_PHONE)
    phone.type("单位地址", "永安路 66 号")
    phone.tap("保存单位", expect=lambda: not employer_name.count(), retry_s=SAVE_RETRY_S)
    phone.type("岗位名称 *", TITLE)
    phone.type("职业（工种）", "养老")
    phone.tap("养老护理员", expect="已选：4-10-01-05 养老护理员")
    phone.type("最低月薪", "3800")
    phone.shot("jobs-01-vacancy-form")
    title = phone.field("岗位名称 *")
    phone.tap("保存", expect=lambda: not title.count() and phone.shows("3,800 元/月起"),  # back on the list
              retry_s=SAVE_RETRY_S)
    phone.see(EMPLOYER)


def test_find_jobs_for_a_resident_refer_and_show_the_slip(browser_stack):
    stack = browser_stack
    server = stack.server
    rid, name, address = job_seeker(server.db)

    stack.step("the coordinator signs in and records a vacancy of a new employer")
    phone = stack.phone("jobs")
    sign_in(phone)
    record_vacancy(phone)
    phone.shot("jobs-02-vacancy-list")

    stack.step("the job seeker's card → 推荐岗位: the new vacancy is suggested, with its reasons")
    phone.tab("搜索")
    phone.type("搜索居民或住户", name)
    phone.see("找到")
    phone.click(phone.page.get_by_text(address, exact=False), f"the search result {address!r}", expect="家庭成员")
    phone.tap_under(name, "推荐岗位", expect="适合的岗位")
    phone.see(TITLE)
    phone.shot("jobs-03-jobs-for-resident")

    stack.step("refer, with consent")
    phone.tap_under(TITLE, "推荐", expect="确认推荐")
    phone.check(CONSENT_LABEL)
    phone.tap("确认推荐", expect="就业推荐单", retry_s=SAVE_RETRY_S)
    phone.see(EMPLOYER)
    phone.see(name)
    phone.see(f"{CONTACT} {CONTACT_PHONE}")

    stack.step("the slip as photographed: a QR code holding the code printed above it")
    phone.reveal(phone.page.get_by_text("用人单位可扫码或输入推荐码核对", exact=False), "the slip's QR code")
    phone.see_no("待同步")  # the "已推荐，待同步" toast has gone: nothing covers the slip
    printed = phone.text_of(CODE)
    code = printed[1] + printed[2]
    slip = phone.shot("jobs-04-slip")
    [decoded] = [r.text for r in zxingcpp.read_barcodes(Image.open(ARTIFACTS / "jobs-04-slip.png"))]
    assert decoded.startswith(f"{server.address}/r/{code}?t=")  # the employer's check page for this referral
    assert min(slip.getextrema()) < 64  # dark modules were drawn

    stack.step("synced: the server has the referral under that code, for that person and that vacancy")
    phone.tap("查看推荐进度", expect="当前状态：已推荐")
    phone.back_to("同步")
    phone.tap("立即同步", expect=lambda: server_rows(server.db, "select count(*) from referral where code = ?",
                                                  code) == [(1,)])
    phone.see("待上传的修改：0 条")
    [(resident_id, title, status)] = server_rows(server.db, """
        select r.resident_id, v.title, r.status from referral r join vacancy v on v.id = r.vacancy_id
        where r.code = ?""", code)
    assert (resident_id, title, status) == (rid, TITLE, "referred")
    assert server_rows(server.db, "select count(*) from referral_event e join referral r on r.id = e.referral_id "
                                  "where r.code = ? and e.status = 'referred'", code) == [(1,)]
    assert all("127.0.0.1" not in url for url in stack.outside)  # anything else was refused: no internet needed
