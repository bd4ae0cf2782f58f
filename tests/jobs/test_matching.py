"""Job matching on hand-built cases: each hard rule excludes, each reason appears, the score orders."""
from __future__ import annotations

from datetime import date

import pytest

from shared.matching import VacancyIndex, rank_all, rank_residents, rank_vacancies
from shared.models import Household, Resident, Vacancy
from tests.jobs.factories import COMMUNITY, TODAY, household, resident, vacancy


def one(person, job, **kw):
    """The single suggestion for a person and a vacancy, excluded ones included."""
    [suggestion] = rank_vacancies(person, [job], today=TODAY, include_excluded=True, **kw)
    return suggestion


# --- hard rules ---------------------------------------------------------------------

EXCLUDING = [
    ("closed", {}, {"closed": True}, "岗位已关闭"),
    ("expired", {}, {"valid_until": date(2025, 6, 15)}, "岗位已过期（有效期至 2025-06-15）"),
    ("filled", {}, {"openings": 2, "filled": 2}, "岗位已招满"),
    ("employed", {"employment_status": "employed"}, {}, "本人已就业"),
    ("flexibly employed", {"employment_status": "flexible"}, {}, "本人已就业"),
    ("self-employed", {"employment_status": "self_employed"}, {}, "本人已就业"),
    ("retired", {"employment_status": "retired"}, {}, "已退休"),
    ("student", {"employment_status": "student"}, {}, "在校学生"),
    ("unable", {"employment_status": "unable"}, {}, "无劳动能力"),
    ("not able and willing", {"able_to_work": False}, {}, "无劳动能力或就业意愿"),
    ("too young", {"birth_date": date(2008, 6, 17)}, {"age_min": 18}, "年龄 16 岁，不在 18– 岁"),
    ("too old", {"birth_date": date(1970, 6, 16)}, {"age_min": 18, "age_max": 50}, "年龄 55 岁，不在 18–50 岁"),
    ("education", {"education": "junior"}, {"education_min": "senior"}, "学历初中，低于要求高中"),
    ("skill lacking", {"skills": ["家政", "保洁"]}, {"skills_required": ["电工证", "焊工"]},
     "缺少所需技能: 电工证、焊工"),
]


@pytest.mark.parametrize(("case", "person", "job", "reason"), EXCLUDING, ids=[c[0] for c in EXCLUDING])
def test_each_hard_rule_excludes_with_its_reason(case, person, job, reason):
    suggestion = one(resident(**person), vacancy(**job))
    assert suggestion.excluded
    assert suggestion.exclusions == [reason]
    assert rank_vacancies(resident(**person), [vacancy(**job)], today=TODAY) == []


def test_every_rule_broken_is_listed():
    person = resident(employment_status="employed", birth_date=date(1960, 1, 1), skills=["家政"])
    job = vacancy(closed=True, filled=2, valid_until=date(2025, 1, 1), age_max=45, education_min="college",
                  skills_required=["电工"])
    assert one(person, job).exclusions == [
        "岗位已关闭", "岗位已招满", "岗位已过期（有效期至 2025-01-01）", "本人已就业",
        "年龄 65 岁，不在 –45 岁", "学历初中，低于要求大专", "缺少所需技能: 电工",
    ]


@pytest.mark.parametrize(
    ("person", "job"),
    [
        ({}, {"valid_until": TODAY}),  # the last valid day still counts
        ({}, {"openings": 2, "filled": 1}),
        ({"birth_date": date(2007, 6, 16)}, {"age_min": 18}),  # 18 today
        ({"birth_date": date(1975, 6, 17)}, {"age_max": 49}),  # 50 tomorrow
        ({"education": "senior"}, {"education_min": "senior"}),
        ({"education": "bachelor"}, {"education_min": "vocational"}),
        ({"skills": ["电工"]}, {"skills_required": ["电工证", "焊工"]}),  # one of them is enough ("any")
        ({"employment_status": None, "able_to_work": None}, {}),  # unknown status: still looking
    ],
)
def test_boundaries_and_partial_fits_are_not_excluded(person, job):
    assert not one(resident(**person), vacancy(**job)).excluded


def test_unknown_facts_never_exclude_and_say_what_to_ask():
    person = resident(birth_date=None, education=None, skills=[])
    job = vacancy(age_min=18, age_max=40, education_min="college", skills_required=["电工证"])
    suggestion = one(person, job)
    assert not suggestion.excluded
    assert "需确认技能: 电工证" in suggestion.reasons


# --- reasons ------------------------------------------------------------------------

REASONS = [
    ("same occupation", {"job_wish_occupations": ["4-10-01-06"]}, {}, "工种对口: 家政服务员", 30),
    ("same minor group", {"job_wish_occupations": ["4-10-01-01"]}, {}, "工种相近: 家政服务员", 20),
    ("same middle group", {"job_wish_occupations": ["4-10-03-02"]}, {}, "同类工种: 家政服务员", 12),
    ("same major group", {"job_wish_occupations": ["4-07-05-01"]}, {}, "同大类工种: 家政服务员", 5),
    ("required skills", {"skills": ["家政", "保洁", "驾驶"]}, {"skills_required": ["家政", "保洁"]},
     "技能匹配: 家政、保洁", 20),
    ("skill names the occupation", {"skills": ["家政"]}, {}, "技能匹配: 家政", 8),
    ("wage minimum meets wish", {"job_wish_min_wage": 3000}, {"wage_min": 3500, "wage_max": 4000},
     "工资 3,500 ≥ 期望 3,000", 15),
    ("only wage maximum meets wish", {"job_wish_min_wage": 3800}, {"wage_min": 3500, "wage_max": 4000},
     "工资最高 4,000 ≥ 期望 3,800", 8),
    ("wage below wish", {"job_wish_min_wage": 5000}, {"wage_min": 3500, "wage_max": 4000},
     "工资 4,000 低于期望 5,000", -15),
    ("hours as wished", {"job_wish_hours": "full_time"}, {"hours": "full_time"}, "工时相符: 全日制", 8),
    ("hours acceptable", {"job_wish_hours": "full_time"}, {"hours": "shifts"}, "工时可接受: 倒班", 4),
    ("hours wrong", {"job_wish_hours": "part_time"}, {"hours": "full_time"}, "工时不符: 期望非全日制，岗位全日制", -5),
    ("same community", {}, {"community_id": COMMUNITY}, "同社区", 8),
    ("training wish", {"training_wish": "家政"}, {}, "培训意向: 家政", 6),
    ("assistance base", {"unemployment_registered": True}, {"assistance_base": True}, "再就业援助基地", 4),
]


@pytest.mark.parametrize(("case", "person", "job", "reason", "points"), REASONS, ids=[c[0] for c in REASONS])
def test_each_reason_appears_with_its_points(case, person, job, reason, points):
    base = one(resident(), vacancy())  # the defaults have none of the factors
    assert base.score == 0 and base.reasons == []
    suggestion = one(resident(**person), vacancy(**job))
    assert reason in suggestion.reasons
    assert reason not in base.reasons
    assert suggestion.score - base.score == points


# 1 degree of latitude is 111.2 km on the sphere; 0.02° ≈ 2.2 km, 0.1° ≈ 11.1 km
HOME = (41.88, 123.95)


@pytest.mark.parametrize(
    ("max_km", "offset", "reason", "points"),
    [(5.0, 0.02, "距离 2.2 公里 ≤ 5 公里", 10), (5.0, 0.1, "距离 11.1 公里 > 期望 5 公里", -10),
     (None, 0.02, "距离 2.2 公里", 6), (None, 0.1, None, 0)],
)
def test_distance_against_the_wished_maximum(max_km, offset, reason, points):
    job = vacancy(latitude=HOME[0] + offset, longitude=HOME[1])
    person = resident(job_wish_max_distance_km=max_km)
    suggestion = one(person, job, home=HOME)
    without_home = one(person, job)
    assert suggestion.score - without_home.score == points
    if reason:
        assert reason in suggestion.reasons
    assert not any(r.startswith("距离") for r in without_home.reasons)


def test_home_position_may_come_from_the_household():
    job = vacancy(latitude=HOME[0] + 0.02, longitude=HOME[1])
    home = household(latitude=HOME[0], longitude=HOME[1])
    assert "距离 2.2 公里 ≤ 5 公里" in one(resident(job_wish_max_distance_km=5), job, household=home).reasons


# --- order -------------------------------------------------------------------------


def test_score_orders_the_vacancies_best_first():
    person = resident(job_wish_occupations=["4-10-01-06"], skills=["家政"], job_wish_min_wage=3000)
    exact = vacancy(title="住家保姆", wage_min=3500)
    exact_low_pay = vacancy(title="钟点工", wage_min=2500, wage_max=2800)
    similar = vacancy(title="月嫂", occupation_code="4-10-01-01", occupation_name="育婴员", wage_min=4000)
    unrelated = vacancy(title="焊工", occupation_code="6-18-02-04", occupation_name="焊工", wage_min=6000)
    ranked = rank_vacancies(person, [unrelated, exact_low_pay, similar, exact], today=TODAY)
    assert [s.target_id for s in ranked] == [exact["id"], similar["id"], exact_low_pay["id"], unrelated["id"]]
    # 30 + 8 + 15; 20 + 15; 30 + 8 − 15 (pay below the wish); 15 (pay only)
    assert [s.score for s in ranked] == [53, 35, 23, 15]
    assert ranked[0].reasons == ["工种对口: 家政服务员", "技能匹配: 家政", "工资 3,500 ≥ 期望 3,000"]


def test_top_limits_and_ties_break_by_id():
    jobs = [vacancy() for _ in range(15)]
    ranked = rank_vacancies(resident(), jobs, today=TODAY)
    assert len(ranked) == 10
    assert [s.target_id for s in ranked] == sorted(j["id"] for j in jobs)[:10]
    assert len(rank_vacancies(resident(), jobs, today=TODAY, top=None)) == 15


def test_excluded_ones_follow_the_included_when_asked():
    jobs = [vacancy(closed=True), vacancy(), vacancy(age_max=20)]
    ranked = rank_vacancies(resident(), VacancyIndex(jobs), today=TODAY, include_excluded=True)
    assert [s.excluded for s in ranked] == [False, True, True]
    assert ranked[0].target_id == jobs[1]["id"]


def test_people_for_a_job_best_first_with_the_excluded_ones_explained():
    job = vacancy(occupation_code="6-31-01-03", occupation_name="电工", title="物业电工",
                  skills_required=["电工证"], age_max=55)
    electrician = resident(job_wish_occupations=["6-31-01-03"], skills=["电工"])
    maybe = resident(skills=[])
    cook = resident(skills=["厨师"])
    too_old = resident(skills=["电工证"], birth_date=date(1960, 1, 1))
    ranked = rank_residents(job, [cook, too_old, maybe, electrician], today=TODAY, include_excluded=True)
    assert [(s.target_id, s.excluded) for s in ranked] == [
        (electrician["id"], False), (maybe["id"], False), *sorted([(cook["id"], True), (too_old["id"], True)])
    ]
    assert ranked[0].reasons == ["工种对口: 电工", "技能匹配: 电工证"]
    assert "需确认技能: 电工证" in ranked[1].reasons


def test_models_work_as_well_as_dicts():
    job = Vacancy(**{k: v for k, v in vacancy(community_id=COMMUNITY).items()})
    person = Resident(**{k: v for k, v in resident(job_wish_occupations=["4-10-01-06"]).items()})
    home = Household(**{k: v for k, v in household(zero_employment=True).items()})
    [suggestion] = rank_vacancies(person, [job], today=TODAY, household=home)
    assert suggestion.target_id == job.id
    assert suggestion.reasons == ["工种对口: 家政服务员", "同社区"]


# --- hardship on public-welfare posts --------------------------------------------------


def test_hardship_people_come_first_for_a_public_welfare_post():
    post = vacancy(title="社区保洁", occupation_code="4-09-08-01", occupation_name="保洁员", public_welfare=True)
    strong = resident(job_wish_occupations=["4-09-08-01"], skills=["保洁"], job_wish_min_wage=2000)
    zero = household(zero_employment=True)
    zero_member = resident(household_id=zero["id"])
    woman_40 = resident(birth_date=date(1985, 6, 16))
    man_50 = resident(sex="male", birth_date=date(1975, 6, 16))
    disabled = resident(disability=True)
    both = resident(disability=True, sex="male", birth_date=date(1970, 1, 1))
    ranked = rank_residents(post, [strong, zero_member, woman_40, man_50, disabled, both],
                            today=TODAY, households={zero["id"]: zero})
    ids = [s.target_id for s in ranked]
    assert ids[0] == both["id"]  # two hardship groups
    assert set(ids[1:5]) == {zero_member["id"], woman_40["id"], man_50["id"], disabled["id"]}
    assert ids[5] == strong["id"]  # best score, but no hardship: last
    assert ranked[-1].score > ranked[0].score
    by_id = {s.target_id: s for s in ranked}
    assert by_id[zero_member["id"]].reasons[-2:] == ["零就业家庭优先", "公益性岗位"]
    assert "4050人员优先" in by_id[woman_40["id"]].reasons
    assert "4050人员优先" in by_id[man_50["id"]].reasons
    assert by_id[both["id"]].reasons[-3:] == ["4050人员优先", "残疾人优先", "公益性岗位"]


def test_the_40_50_group_starts_on_the_birthday():
    post = vacancy(public_welfare=True)
    woman_39 = resident(birth_date=date(1985, 6, 17))
    man_49 = resident(sex="male", birth_date=date(1975, 6, 17))
    man_40 = resident(sex="male", birth_date=date(1980, 1, 1))
    for person in (woman_39, man_49, man_40):
        assert one(person, post).priority == 0
        assert not any("优先" in r for r in one(person, post).reasons)


def test_hardship_does_not_reorder_ordinary_posts():
    ordinary = vacancy()
    zero = household(zero_employment=True)
    strong = resident(job_wish_occupations=["4-10-01-06"])
    weak = resident(household_id=zero["id"], disability=True)
    ranked = rank_residents(ordinary, [weak, strong], today=TODAY, households={zero["id"]: zero})
    assert [s.target_id for s in ranked] == [strong["id"], weak["id"]]
    assert all(s.priority == 0 and not any("优先" in r for r in s.reasons) for s in ranked)


def test_a_hardship_person_sees_public_welfare_posts_lifted():
    person = resident(disability=True, job_wish_occupations=["4-09-08-01"])
    welfare = vacancy(occupation_code="4-10-01-06", public_welfare=True)
    ordinary = vacancy(occupation_code="4-10-01-06")
    exact = vacancy(occupation_code="4-09-08-01", occupation_name="保洁员")
    ranked = rank_vacancies(person, [ordinary, welfare, exact], today=TODAY)
    assert [s.target_id for s in ranked] == [exact["id"], welfare["id"], ordinary["id"]]
    assert ranked[1].score - ranked[2].score == 15


def test_a_whole_community_at_once():
    index = VacancyIndex([vacancy(), vacancy(age_max=30)])
    people = [resident(), resident(birth_date=date(2000, 1, 1)), resident(employment_status="employed")]
    result = rank_all(people, index, today=TODAY)
    assert [len(result[p["id"]]) for p in people] == [1, 2, 0]
