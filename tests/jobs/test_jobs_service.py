"""Vacancies, matching and referrals on the phone, through the real store, sync engine and server."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from mobile.services.jobs import FormInvalid, VacancyForm
from shared.models import Referral, ReferralEvent, StatusRecord
from shared.referrals import check_code, referral_code
from shared.zero_employment import clock_state


def add_vacancy(device, **fields) -> str:
    """A vacancy recorded through the form, as the screen does (employer added on the way)."""
    employer_id = device.jobs.save_employer("幸福家政服务有限公司", contact_name="李经理", contact_phone="024-52345678",
                                            address="幸福路 8 号")
    form = VacancyForm(device.jobs)
    values = {"employer_id": employer_id, "title": "住家保姆", "occupation_code": "4-10-01-06", "openings": "2",
              "wage_min": "3,500", "wage_max": "4500", "skills_required": "家政"}
    values.update(fields)
    for name, value in values.items():
        form.set(name, value)
    return form.save()


def test_a_vacancy_recorded_offline_reaches_every_coordinator_of_the_street(phone, cloud):
    a1 = phone("coord_a1")
    cloud.transport.online = False  # recorded in a stairwell with no signal
    vacancy_id = add_vacancy(a1)
    row = a1.jobs.vacancy(vacancy_id)
    assert row["street_id"] == cloud.world.areas["street_a"].id
    assert (row["occupation_name"], row["wage_min"], row["wage_max"]) == ("家政服务员", 3500, 4500)
    assert row["collected_by"] == a1.store.user_id and row["collected_on"] == a1.jobs.today()
    assert row["valid_until"] == a1.jobs.today() + timedelta(days=30)
    assert [i.id for i in a1.jobs.vacancies()] == [vacancy_id]
    cloud.transport.online = True
    assert a1.sync().pushed == 2
    a2 = phone("coord_a2")  # another grid of the same street
    assert [i.row["title"] for i in a2.jobs.vacancies()] == ["住家保姆"]
    assert a2.jobs.vacancies()[0].employer["contact_phone"] == "024-52345678"
    other_street = phone("manager_b")
    assert other_street.jobs.vacancies() == []


def test_the_vacancy_form_refuses_what_it_should(phone):
    a1 = phone()
    form = VacancyForm(a1.jobs)
    for name, value in {"title": " ", "openings": "0", "wage_min": "5000", "wage_max": "4000", "age_min": "50",
                        "age_max": "40", "valid_until": "2020-01-01"}.items():
        form.set(name, value)
    with pytest.raises(FormInvalid) as failure:
        form.save()
    assert failure.value.errors == {
        "employer_id": "请选择或新增用人单位", "title": "不能为空", "openings": "应在 1 到 9999 之间",
        "wage_max": "不能低于最低月薪", "age_max": "不能小于最低年龄", "valid_until": "有效期已过",
    }
    with pytest.raises(FormInvalid) as failure:
        a1.jobs.save_employer("", contact_phone="12345")
    assert set(failure.value.errors) == {"name", "contact_phone"}


def test_jobs_for_a_resident_and_people_for_a_job_on_the_phone(phone, cloud):
    a1 = phone()
    good = add_vacancy(a1)
    add_vacancy(a1, title="电工", occupation_code="6-31-01-03", skills_required="电工证")
    resident = cloud.world.residents["grid_a1"]  # 王芳, skills 家政
    [suggestion] = a1.jobs.jobs_for(resident.id)
    assert suggestion.vacancy["id"] == good
    assert "技能匹配: 家政" in suggestion.suggestion.reasons
    people = a1.jobs.people_for(good)
    assert [p.resident["id"] for p in people] == [resident.id]
    assert people[0].household["id"] == resident.household_id


def test_a_referral_needs_consent_and_its_slip_decodes_to_its_code(phone, cloud):
    a1 = phone()
    vacancy_id = add_vacancy(a1)
    resident = cloud.world.residents["grid_a1"]
    with pytest.raises(ValueError, match="同意"):
        a1.jobs.refer(resident.id, vacancy_id, consent=False)
    referral_id = a1.jobs.refer(resident.id, vacancy_id, consent=True)
    assert a1.jobs.refer(resident.id, vacancy_id, consent=True) == referral_id  # not twice
    referral = a1.jobs.referral(referral_id)
    assert referral["code"] == referral_code(referral_id) and referral["consent_at"] is not None
    assert referral["grid_id"] == resident.grid_id
    [event] = a1.jobs.events(referral_id)
    assert (event["status"], event["recorded_by"], event["stamp"] != "") == ("referred", a1.store.user_id, True)
    slip = a1.jobs.slip(referral_id)
    assert dict(slip.lines())["求职人"] == "王芳" and dict(slip.lines())["联系人"] == "李经理 024-52345678"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(slip.qr_png)))
    assert decoded.text == f"http://testserver/r/{referral['code']}?t={referral['check_token']}"
    assert slip.check_code == check_code(referral["check_token"]) and slip.entry_url == "http://testserver/r"
    assert a1.jobs.find_by_code(slip.code_display.lower()) == referral


def test_the_status_moves_forward_only(phone, cloud):
    a1 = phone()
    referral_id = a1.jobs.refer(cloud.world.residents["grid_a1"].id, add_vacancy(a1), consent=True)
    with pytest.raises(ValueError, match="不能从“已推荐”改为“已录用”"):
        a1.jobs.advance(referral_id, "hired")
    a1.jobs.advance(referral_id, "interviewed")
    with pytest.raises(ValueError, match="不能从“已面试”改为“已推荐”"):
        a1.jobs.advance(referral_id, "referred")
    with pytest.raises(ValueError, match="晚于今天"):
        a1.jobs.advance(referral_id, "not_hired", occurred_on=a1.jobs.today() + timedelta(days=1))
    a1.jobs.advance(referral_id, "not_hired", note="经验不足")
    card = a1.jobs.card(referral_id)
    assert (card.status, card.next_statuses) == ("not_hired", ())
    assert [(s.status, s.recorded_by, s.current) for s in card.steps] == [
        ("referred", "我", False), ("interviewed", "我", False), ("not_hired", "我", True)]
    with pytest.raises(ValueError):
        a1.jobs.advance(referral_id, "hired")


def test_hiring_makes_the_resident_employed_and_stops_the_zero_employment_clock(phone, cloud):
    a1 = phone()
    resident = cloud.world.residents["grid_a1"]
    today = a1.jobs.today()
    identified = today - timedelta(days=12)
    a1.store.save("household", {"zero_employment": True, "zero_employment_identified_on": identified},
                  row_id=resident.household_id, now=a1.session.now())
    assert clock_state(a1.store.get("household", resident.household_id), today).state == "open"
    vacancy_id = add_vacancy(a1)
    referral_id = a1.jobs.refer(resident.id, vacancy_id, consent=True)
    a1.jobs.advance(referral_id, "interviewed")
    a1.jobs.advance(referral_id, "hired")
    person = a1.store.get("resident", resident.id)
    assert (person["employment_status"], person["employment_since"], person["employer_name"]) == (
        "employed", today, "幸福家政服务有限公司")
    [record] = a1.store.rows("status_record", resident_id=resident.id)
    assert (record["kind"], record["value"], record["effective_on"]) == ("employment", "employed", today)
    household = a1.store.get("household", resident.household_id)
    assert (household["zero_employment_resolved_on"], household["zero_employment_met"]) == (today, True)
    assert clock_state(household, today).state == "met"
    assert a1.jobs.vacancy(vacancy_id)["filled"] == 1
    assert a1.jobs.jobs_for(resident.id) == []  # employed now: not looking
    a1.sync()
    with cloud.engine.connect() as conn:
        assert conn.execute(select(Referral.__table__.c.status).where(Referral.__table__.c.id == referral_id)
                            ).scalar_one() == "hired"
        assert conn.execute(select(StatusRecord.__table__.c.value)).scalars().all() == ["employed"]
    assert a1.store.get("referral", referral_id)["status"] == "hired"  # the server's field came back


def test_a_late_hire_stops_the_clock_as_not_met(phone, cloud):
    a1 = phone()
    resident = cloud.world.residents["grid_a1"]
    identified = a1.jobs.today() - timedelta(days=21)
    a1.store.save("household", {"zero_employment": True, "zero_employment_identified_on": identified},
                  row_id=resident.household_id, now=a1.session.now())
    referral_id = a1.jobs.refer(resident.id, add_vacancy(a1), consent=True)
    a1.jobs.advance(referral_id, "interviewed")
    a1.jobs.advance(referral_id, "hired")
    household = a1.store.get("household", resident.household_id)
    assert household["zero_employment_met"] is False
    assert clock_state(household, a1.jobs.today()).state == "overdue"


def _status_on_server(cloud, referral_id: str) -> str:
    with cloud.engine.connect() as conn:
        return conn.execute(select(Referral.__table__.c.status).where(Referral.__table__.c.id == referral_id)
                            ).scalar_one()


def test_two_phones_update_one_referral_concurrently_and_it_only_moves_forward(phone, cloud, clock):
    a = phone("coord_a1")
    b = phone("coord_a1_b")  # a second coordinator of the same grid
    referral_id = a.jobs.refer(cloud.world.residents["grid_a1"].id, add_vacancy(a), consent=True)
    a.sync()
    b.sync()
    assert b.jobs.current_status(referral_id)[0] == "referred"
    rank = {"referred": 0, "interviewed": 1, "hired": 2, "not_hired": 2, "declined": 2, "no_show": 2}
    seen: dict[str, list[str]] = {"a": [], "b": [], "server": []}

    def observe() -> None:
        seen["a"].append(a.jobs.current_status(referral_id)[0])
        seen["b"].append(b.jobs.current_status(referral_id)[0])
        seen["server"].append(_status_on_server(cloud, referral_id))

    # both offline: A records the interview, B (who heard later) the interview and the hire
    a.jobs.advance(referral_id, "interviewed")
    clock.advance(seconds=1)
    b.jobs.advance(referral_id, "interviewed")
    b.jobs.advance(referral_id, "hired")
    observe()
    b.sync()
    observe()
    # A, not yet synced, still sees "interviewed" and records a no-show; its stamp is later than B's hire
    clock.advance(seconds=1)
    a.jobs.advance(referral_id, "no_show")
    a.sync()
    b.sync()
    observe()
    # a late, lower step changes nothing: A's phone was behind and records the interview again
    with pytest.raises(ValueError):
        a.jobs.advance(referral_id, "interviewed")
    final = {a.jobs.current_status(referral_id)[0], b.jobs.current_status(referral_id)[0],
             _status_on_server(cloud, referral_id)}
    assert final == {"no_show"}  # both final; the later stamp wins on every replica
    assert a.jobs.card(referral_id).disagreement and b.jobs.card(referral_id).disagreement
    for replica, statuses in seen.items():
        ranks = [rank[s] for s in statuses]
        assert ranks == sorted(ranks), (replica, statuses)
    with cloud.engine.connect() as conn:
        events = conn.execute(select(ReferralEvent.__table__.c.status)
                              .where(ReferralEvent.__table__.c.referral_id == referral_id)).scalars().all()
    assert sorted(events) == sorted(["referred", "interviewed", "interviewed", "hired", "no_show"])
    assert len(a.jobs.card(referral_id).steps) == len(b.jobs.card(referral_id).steps) == 5


def test_a_lower_step_recorded_late_never_moves_the_status_back(phone, cloud, clock):
    a = phone("coord_a1")
    b = phone("coord_a1_b")
    referral_id = a.jobs.refer(cloud.world.residents["grid_a1"].id, add_vacancy(a), consent=True)
    a.sync()
    b.sync()
    a.jobs.advance(referral_id, "interviewed")
    a.jobs.advance(referral_id, "hired")
    a.sync()
    clock.advance(minutes=5)
    b.jobs.advance(referral_id, "interviewed")  # B never synced since: "interviewed" is forward for B
    assert b.jobs.current_status(referral_id)[0] == "interviewed"
    b.sync()
    a.sync()
    assert a.jobs.current_status(referral_id)[0] == b.jobs.current_status(referral_id)[0] == "hired"
    assert _status_on_server(cloud, referral_id) == "hired"
    assert date.today() - timedelta(days=2) <= b.jobs.current_status(referral_id)[1] <= date.today() + timedelta(days=2)
