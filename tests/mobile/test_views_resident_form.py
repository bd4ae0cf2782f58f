"""The resident form: inline validation, the ID number filling birth date and sex, completeness, duplicates, saving."""
from __future__ import annotations

from datetime import date

import flet as ft
import pytest

from shared.occupations import occupation_name
from shared.validation import make_id_number
from shared.coverage import CHINA_TZ
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, choose, field, pick, radio_group, set_yes_no, tap, texts, type_into, walk

NEW_ID = make_id_number("210402", date(1978, 9, 30), 24)  # even 17th digit: female


def open_new(app, cloud):
    """From the household card, 添加成员 (as the coordinator does)."""
    home = cloud.world.households["grid_a1"].id
    card = app.open(f"/household/{home}")
    tap(button(card, "添加成员"))
    assert app.page.route == f"/household/{home}/resident/new"
    return app.page.view, home


def meter_text(view):
    return next(line for line in texts(view).splitlines() if line.startswith("信息完整度"))


def test_typing_an_id_number_checks_it_fills_birth_date_and_sex_and_moves_the_meter(make_app, cloud):
    app = ready(make_app())
    view, _ = open_new(app, cloud)
    assert meter_text(view) == "信息完整度 0/11"
    id_field = field(view, "身份证号")
    type_into(id_field, NEW_ID[:10])
    assert id_field.error is None  # still typing: not called wrong yet
    type_into(id_field, NEW_ID[:10], blur=True)
    assert "18 位" in id_field.error
    wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    type_into(id_field, wrong)
    assert "校验位" in id_field.error
    type_into(id_field, NEW_ID)
    assert id_field.error is None
    assert field(view, "出生日期").value == "1978-09-30"
    group, _ = radio_group(view, "女")
    assert group.value == "female"
    assert meter_text(view) == "信息完整度 3/11"
    phone = field(view, "手机号")
    type_into(phone, "1234567890123", blur=True)
    assert phone.error
    type_into(phone, "139-0000-2222")
    assert phone.error is None and meter_text(view) == "信息完整度 4/11"
    choose(field(view, "就业状态"), "employed")  # the job-wish group is not asked of employed people
    assert meter_text(view) == "信息完整度 5/7"
    assert "还缺：姓名、文化程度" in texts(view)


def test_an_id_number_already_on_the_phone_is_warned_about(make_app, cloud):
    app = ready(make_app())
    view, _ = open_new(app, cloud)
    type_into(field(view, "姓名"), "刘敏")
    type_into(field(view, "身份证号"), NEW_ID)
    tap(button(view, "保存"))
    view, _ = open_new(app, cloud)
    assert "已在本机登记" not in texts(view)
    type_into(field(view, "身份证号"), NEW_ID.lower())
    assert "注意：此身份证号已在本机登记 —— 刘敏（幸福一网格小区）" in texts(view)


def test_saving_goes_through_the_outbox_and_a_status_change_keeps_history(make_app, cloud):
    app = ready(make_app())
    session = ctx(app).session
    before = session.store.pending_count()
    view, home = open_new(app, cloud)
    tap(button(view, "保存"))
    assert "请先改正：姓名 —— 不能为空" in texts(view)
    type_into(field(view, "姓名"), "  刘 敏 ")
    type_into(field(view, "身份证号"), NEW_ID)
    type_into(field(view, "手机号"), "13900002222")
    choose(field(view, "文化程度"), "senior")
    choose(field(view, "就业状态"), "unemployed")
    pick(view, "是")  # unemployment registered (first yes/no group on the form)
    type_into(field(view, "期望最低工资"), "3,500")
    type_into(field(view, "培训意愿"), "无")
    type_into(field(view, "技能"), "家政、保洁，电工")
    picker = field(view, "求职意向工种")
    type_into(picker, "保洁")
    tap(button(view, "+ 保洁员"))
    assert any(isinstance(c, ft.Chip) for c in walk(view))
    assert meter_text(view) == "信息完整度 11/11（完整）"
    tap(button(view, "保存"))
    assert app.page.route == f"/household/{home}"  # back on the household card
    assert "刘 敏" in texts(app.page.view) and "信息完整" in texts(app.page.view)
    store = session.store
    person = next(r for r in store.rows("resident", household_id=home) if r["name"] == "刘 敏")
    assert person["id_number"] == NEW_ID and person["phone"] == "13900002222"
    assert person["skills"] == ["保洁", "家政", "电工"] and person["training_wish"] == ""
    assert person["job_wish_min_wage"] == 3500
    assert [occupation_name(code) for code in person["job_wish_occupations"]] == ["保洁员"]
    history = store.rows("status_record", resident_id=person["id"])
    assert {(h["kind"], h["value"]) for h in history} == {("employment", "unemployed"), ("registration", "registered")}
    assert store.pending_count() == before + 3  # the resident and two status records

    member = next(c for c in walk(app.page.view) if isinstance(c, ft.Card) and c.key == person["id"])
    tap(button(member, "编辑信息"))
    assert app.page.route == f"/resident/{person['id']}"
    view = app.page.view
    choose(field(view, "就业状态"), "flexible")
    type_into(field(view, "就业状态起始日期"), "2026-01-05")
    tap(button(view, "保存"))
    history = store.rows("status_record", resident_id=person["id"])
    assert ("employment", "flexible", date(2026, 1, 5)) in {(h["kind"], h["value"], h["effective_on"]) for h in history}
    assert len(history) == 3
    assert "灵活就业" in texts(app.page.view)  # the household card shows the new status


def test_a_status_change_that_fails_halfway_saves_neither_the_resident_nor_its_history(make_app, cloud):
    app = ready(make_app())
    store = ctx(app).session.store
    person = cloud.world.residents["grid_a1"]
    before = (store.get("resident", person.id), store.rows("status_record"), store.outbox_batch(1000))

    def fail_on_history(stage: str) -> None:  # the resident's row and outbox entry are written by then
        if stage == "save:status_record":
            raise OSError("disk full (injected)")

    view = app.open(f"/resident/{person.id}")
    choose(field(view, "就业状态"), "flexible")
    type_into(field(view, "就业状态起始日期"), "2026-01-05")
    store.fault_hook = fail_on_history
    with pytest.raises(OSError):
        tap(button(view, "保存"))
    store.fault_hook = None
    assert (store.get("resident", person.id), store.rows("status_record"), store.outbox_batch(1000)) == before
    tap(button(view, "保存"))  # tried again: both land
    assert store.get("resident", person.id)["employment_status"] == "flexible"
    assert [(r["kind"], r["value"]) for r in store.rows("status_record")] == [("employment", "flexible")]


def test_never_registered_is_no_deregistration_and_chinese_punctuation_is_kept(make_app, cloud):
    from sqlalchemy import select

    from shared.models import Resident, StatusRecord

    app = ready(make_app())
    view, home = open_new(app, cloud)
    type_into(field(view, "姓名"), "赵丽")
    full_width_id = NEW_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    type_into(field(view, "身份证号"), full_width_id)
    type_into(field(view, "手机号"), "１３９００００２２２２")
    choose(field(view, "就业状态"), "unemployed")
    set_yes_no(view, "失业登记", "否")
    type_into(field(view, "备注"), "白天在超市上班（周一休息），电话：晚上打；")
    type_into(field(view, "工作单位"), "抚顺市（新抚区）家政公司")
    tap(button(view, "保存"))
    assert app.page.route == f"/household/{home}", texts(view)
    store = ctx(app).session.store
    person = next(r for r in store.rows("resident", household_id=home) if r["name"] == "赵丽")
    assert person["id_number"] == NEW_ID and person["phone"] == "13900002222"  # codes folded to half-width
    assert person["notes"] == "白天在超市上班（周一休息），电话：晚上打；"  # free text as typed
    assert person["employer_name"] == "抚顺市（新抚区）家政公司"
    kinds = {(h["kind"], h["value"]) for h in store.rows("status_record", resident_id=person["id"])}
    assert kinds == {("employment", "unemployed")}  # no 注销失业登记 for someone never registered
    assert "注销失业登记" not in texts(app.page.view)

    tap(button(app.open("/sync"), "立即同步"))
    with cloud.engine.connect() as conn:
        row = conn.execute(select(Resident.__table__).where(Resident.__table__.c.id == person["id"])).mappings().one()
        records = conn.execute(select(StatusRecord.__table__.c.value)
                               .where(StatusRecord.__table__.c.resident_id == person["id"])).scalars().all()
    assert row["notes"] == "白天在超市上班（周一休息），电话：晚上打；" and row["unemployment_registered"] is False
    assert records == ["unemployed"]


def test_a_child_is_a_household_member_not_a_job_seeker(make_app, cloud, clock):
    from shared.validation import in_labour_force, missing_fields

    app = ready(make_app())
    today = clock().astimezone(CHINA_TZ).date()
    child_id = make_id_number("210402", date(today.year - 4, 3, 1), 22)  # a girl of four
    view, home = open_new(app, cloud)
    type_into(field(view, "姓名"), "王小雨")
    type_into(field(view, "身份证号"), child_id)
    choose(field(view, "与户主关系"), "女儿")
    assert meter_text(view) == "信息完整度 4/4（完整）"  # name, ID number, sex, birth date: nothing about work
    tap(button(view, "保存"))
    card = app.page.view
    child = next(c for c in walk(card) if isinstance(c, ft.Card) and texts(c).startswith("王小雨"))
    shown = texts(child)
    assert "女儿 · 女 · 4 岁" in shown and "信息完整" in shown and "信息缺" not in shown
    assert "推荐岗位" not in shown and "编辑信息" in shown
    adult = next(c for c in walk(card) if isinstance(c, ft.Card) and texts(c).startswith("王芳"))
    assert "推荐岗位" in texts(adult)
    row = {"birth_date": date(today.year - 4, 3, 1), "employment_status": None}
    assert not in_labour_force(row, today) and missing_fields(row, on=today) == ["name", "id_number", "sex"]
    assert in_labour_force(dict(row, birth_date=date(today.year - 30, 1, 1)), today)
    assert len(missing_fields(row)) == 10  # the rates' rule (registered unemployed people) is unchanged
