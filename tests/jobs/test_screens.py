"""The jobs screens driven from Python: record a vacancy, find jobs for a resident, refer, slip, timeline."""
from __future__ import annotations

import io

import flet as ft
import zxingcpp
from PIL import Image

from mobile.services.jobs import JobsService
from mobile.views.referral_new import CONSENT_LABEL
from shared.referrals import check_code, format_code
from tests.mobile.conftest import SERVER
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, choose, field, tap, texts, tick, type_into, walk


def record_vacancy(app, *, title="家政服务员", search="家政", pick="家政服务员", wage="3500", welfare=False):
    """Jobs tab → 新增岗位 → a new employer → occupation → pay → 保存 (back on the list)."""
    view = app.open("/jobs")
    tap(button(view, "新增岗位"))
    assert app.page.route == "/vacancy/new"
    view = app.page.view
    tap(button(view, "新增单位"))
    type_into(field(view, "单位名称"), "幸福家政服务有限公司")
    type_into(field(view, "联系人"), "李经理")
    type_into(field(view, "联系电话"), "13912345678")
    type_into(field(view, "单位地址"), "幸福路 8 号")
    tap(button(view, "保存单位"))
    assert field(view, "用人单位").value is not None
    if welfare:
        tick(view, "公益性岗位")
    type_into(field(view, "职业（工种）"), search)
    tap(button(view, pick))
    assert field(view, "岗位名称").value == title
    type_into(field(view, "最低月薪"), wage)
    tap(button(view, "保存"))
    assert app.page.route == "/jobs"
    return app.page.view


def test_record_a_vacancy_then_refer_a_resident_show_the_slip_and_track_it_to_hired(make_app, cloud):
    app = ready(make_app())
    resident = cloud.world.residents["grid_a1"]
    assert "还没有岗位" in texts(app.open("/jobs"))
    shown = texts(record_vacancy(app))
    assert "家政服务员" in shown and "幸福家政服务有限公司" in shown and "招聘中" in shown and "3,500 元/月起" in shown

    # the resident's card offers "推荐岗位"; the suggestion says why
    view = app.open(f"/household/{resident.household_id}")
    tap(button(view, "推荐岗位"))
    assert app.page.route == f"/resident/{resident.id}/jobs"
    shown = texts(app.page.view)
    assert "适合的岗位（1）" in shown and "技能匹配: 家政" in shown and "幸福家政服务有限公司 · 3,500 元/月起" in shown

    # refer: consent first
    tap(button(app.page.view, "推荐"))
    view = app.page.view
    tap(button(view, "确认推荐"))
    assert "推荐前需征得本人同意" in texts(view)
    tick(view, CONSENT_LABEL)
    assert "推荐前需征得本人同意" not in texts(view)
    tap(button(view, "确认推荐"))
    referral = ctx(app).service(JobsService).store.rows("referral")[0]
    assert app.page.route == f"/referral/{referral['id']}/slip"

    # the slip: who, where, whom to call, the code and a QR code of it
    slip = app.page.view
    shown = texts(slip)
    for expected in ("就业推荐单", "王芳", "家政服务员", "幸福家政服务有限公司", "幸福路 8 号", "李经理 13912345678",
                     format_code(referral["code"]), f"核对码 {check_code(referral['check_token'])}"):
        assert expected in shown
    [image] = [c for c in walk(slip) if isinstance(c, ft.Image)]
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.src)))
    assert decoded.text == f"{SERVER}/r/{referral['code']}?t={referral['check_token']}"

    # the timeline: forward only, each step dated and attributed
    tap(button(slip, "查看推荐进度"))
    assert app.page.route == f"/referral/{referral['id']}"
    assert "当前状态：已推荐" in texts(app.page.view)
    tap(button(app.page.view, "已面试"))
    view = app.page.view
    assert "当前状态：已面试" in texts(view) and "已录用" in texts(view)
    assert "已推荐" not in [c.content for c in walk(view) if isinstance(c, ft.FilledButton)]
    type_into(field(view, "备注"), "下周一上岗")
    tap(button(view, "已录用"))
    shown = texts(app.page.view)
    assert "当前状态：已录用" in shown and "推荐已结束。" in shown and "记录人：我 · 下周一上岗" in shown

    # hired: the person is employed now, so no more suggestions
    shown = texts(app.open(f"/resident/{resident.id}/jobs"))
    assert "本人已就业，不推荐岗位。" in shown and "推荐记录（1）" in shown and "已录用" in shown
    assert "已录用" in texts(app.open(f"/household/{resident.household_id}"))


def test_a_bad_date_on_the_timeline_is_said_plainly(make_app, cloud):
    app = ready(make_app())
    record_vacancy(app)
    jobs = ctx(app).service(JobsService)
    resident = cloud.world.residents["grid_a1"]
    referral_id = jobs.refer(resident.id, jobs.vacancies()[0].id, consent=True)
    view = app.open(f"/referral/{referral_id}")
    type_into(field(view, "日期"), "昨天")
    tap(button(view, "已面试"))
    assert "日期：日期格式应为 2025-07-31" in texts(app.page.view)
    assert jobs.current_status(referral_id)[0] == "referred"


def test_people_for_a_public_welfare_post_and_the_excluded_ones(make_app, cloud):
    app = ready(make_app())
    record_vacancy(app, title="保洁员", search="bj", pick="保洁员", welfare=True)
    jobs = ctx(app).service(JobsService)
    [item] = jobs.vacancies()
    assert item.row["public_welfare"] and item.row["occupation_code"] == "4-09-08-01"
    view = app.open(f"/vacancy/{item.id}")
    assert "公益性岗位" in texts(view)
    tap(button(view, "适合的人"))
    shown = texts(app.page.view)
    assert "符合条件的求职者（1）" in shown and "王芳" in shown and "公益性岗位：零就业家庭成员" in shown
    # an age limit the resident does not meet moves her to the excluded list, with the reason
    view = app.open(f"/vacancy/{item.id}/edit")
    type_into(field(view, "最高年龄"), "30")
    tap(button(view, "保存"))
    view = app.open(f"/vacancy/{item.id}/people")
    assert "符合条件的求职者（0）" in texts(view) and "王芳" not in texts(view)
    tap(button(view, "不符合条件的人（1）"))
    assert "王芳" in texts(view) and "岁，不在 –30 岁" in texts(view)


def test_the_vacancy_form_shows_what_is_wrong(make_app):
    app = ready(make_app())
    view = app.open("/vacancy/new")
    type_into(field(view, "招聘人数"), "0")
    tap(button(view, "保存"))
    assert app.page.route == "/vacancy/new"
    assert "请先改正：用人单位 —— 请选择或新增用人单位" in texts(view)
    assert field(view, "招聘人数").error == "应在 1 到 9999 之间"
    choose(field(view, "工作时间"), "part_time")
    assert field(view, "工作时间").value == "part_time"


def test_an_active_referral_is_shown_instead_of_a_second_one(make_app, cloud):
    app = ready(make_app())
    record_vacancy(app)
    jobs = ctx(app).service(JobsService)
    resident = cloud.world.residents["grid_a1"]
    referral_id = jobs.refer(resident.id, jobs.vacancies()[0].id, consent=True)
    view = app.open(f"/resident/{resident.id}/jobs")
    assert "推荐" not in [c.content for c in walk(view) if isinstance(c, ft.FilledButton)]
    tap(button(view, "已推荐 · 查看"))
    assert app.page.route == f"/referral/{referral_id}"
    view = app.open(f"/vacancy/{jobs.vacancies()[0].id}")
    assert "已推荐（1）" in texts(view) and "王芳" in texts(view)


def test_jobs_are_offered_only_for_job_seekers(make_app, cloud):
    app = ready(make_app())
    jobs = ctx(app).service(JobsService)
    resident = cloud.world.residents["grid_a1"]
    assert "推荐岗位" in texts(app.open(f"/household/{resident.household_id}"))
    jobs.store.save("resident", {"employment_status": "retired"}, row_id=resident.id, now=jobs.now())
    assert "推荐岗位" not in texts(app.open(f"/household/{resident.household_id}"))
    assert "已退休，不推荐岗位。" in texts(app.open(f"/resident/{resident.id}/jobs"))
