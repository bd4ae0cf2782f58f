"""Randomized checks: the fast ranking path agrees with the explained one on every pair."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import matching
from shared.matching import VacancyIndex, rank_residents, rank_vacancies
from tests.conftest import hypothesis_examples
from tests.jobs.factories import COMMUNITY, OTHER_COMMUNITY, TODAY, household, resident, vacancy

CODES = ["4-10-01-06", "4-10-01-05", "4-10-03-02", "4-09-08-01", "6-31-01-03", "6-18-02-04", ""]
SKILLS = ["家政", "家政服务", "保洁", "电工", "电工证", "焊工", "驾驶", "厨师"]
HOURS = [None, "full_time", "part_time", "flexible", "shifts"]
EDUCATION = [None, "none", "primary", "junior", "senior", "vocational", "college", "bachelor", "postgraduate"]
maybe_wage = st.sampled_from([None, 2000, 2500, 3000, 3500, 4000, 5000])
rarely = st.sampled_from([False] * 7 + [True])  # most pairs should pass the hard rules, so scores get compared
position = st.one_of(st.none(), st.tuples(st.floats(41.8, 41.95), st.floats(123.85, 124.05)))

vacancies = st.builds(
    lambda code, skills, wmin, extra, hours, pos, amin, amax, edu, flags, days, community: vacancy(
        occupation_code=code, occupation_name="", skills_required=skills, wage_min=wmin,
        wage_max=None if wmin is None or extra is None else wmin + extra, hours=hours,
        latitude=pos[0] if pos else None, longitude=pos[1] if pos else None, age_min=amin, age_max=amax,
        education_min=edu, public_welfare=flags[0], assistance_base=flags[1], closed=flags[2],
        filled=2 if flags[3] else 0, valid_until=TODAY + timedelta(days=days), community_id=community,
    ),
    st.sampled_from(CODES), st.one_of(st.just([]), st.lists(st.sampled_from(SKILLS), max_size=2, unique=True)),
    maybe_wage, st.sampled_from([None, 0, 500, 1500]), st.sampled_from(HOURS), position,
    st.sampled_from([None, None, 16, 25, 30]), st.sampled_from([None, None, 35, 50, 60]),
    st.sampled_from([None, None, None, "junior", "senior", "college"]),
    st.tuples(st.booleans(), st.booleans(), rarely, rarely), st.integers(-3, 60),
    st.sampled_from([COMMUNITY, OTHER_COMMUNITY]),
)

people = st.builds(
    lambda codes, skills, wage, hours, km, birth, sex, edu, status, training, disability: resident(
        job_wish_occupations=codes, skills=skills, job_wish_min_wage=wage, job_wish_hours=hours,
        job_wish_max_distance_km=km, birth_date=birth, sex=sex, education=edu, employment_status=status,
        training_wish=training, disability=disability,
    ),
    st.lists(st.sampled_from(CODES[:-1]), max_size=2, unique=True), st.lists(st.sampled_from(SKILLS), max_size=3),
    maybe_wage, st.sampled_from(HOURS), st.one_of(st.none(), st.sampled_from([2.0, 5.0, 10.0])),
    st.one_of(st.none(), st.dates(date(1960, 1, 1), date(2009, 12, 31))), st.sampled_from(["male", "female"]),
    st.sampled_from(EDUCATION), st.sampled_from(["unemployed"] * 4 + ["employed", None]),
    st.sampled_from(["", "电工", "家政"]), st.booleans(),
)


@settings(max_examples=hypothesis_examples(), deadline=None)
@given(person=people, jobs=st.lists(vacancies, max_size=12), zero=st.booleans(), home=position)
def test_ranking_agrees_with_the_explained_scores(person, jobs, zero, home):
    hh = household(zero_employment=zero)
    everything = rank_vacancies(person, VacancyIndex(jobs), today=TODAY, household=hh, home=home,
                                top=None, include_excluded=True)
    included = [s for s in everything if not s.excluded]
    # the fast path kept exactly the pairs the explained hard rules let through, ordered by explained score
    assert [(-s.score, s.target_id) for s in included] == sorted((-s.score, s.target_id) for s in included)
    assert len(everything) == len(jobs)
    assert all(bool(s.exclusions) == s.excluded for s in everything)
    seeker = matching.Seeker(person, today=TODAY, household=hh, home=home)
    for features in VacancyIndex(jobs).features:
        fast = matching._fast(seeker, features, TODAY.toordinal())
        assert (fast is None) == bool(matching._exclusions(seeker, features, TODAY.toordinal()))
        if fast is not None:
            assert fast == matching._explained_score(seeker, features)[0]
    top3 = rank_vacancies(person, jobs, today=TODAY, household=hh, home=home, top=3)
    assert [s.target_id for s in top3] == [s.target_id for s in included[:3]]


@settings(max_examples=hypothesis_examples(), deadline=None)
@given(job=vacancies, persons=st.lists(people, max_size=10))
def test_people_ranking_puts_priority_then_score(job, persons):
    ranked = rank_residents(job, persons, today=TODAY, include_excluded=True)
    included = [s for s in ranked if not s.excluded]
    keys = [(-s.priority, -s.score, s.target_id) for s in included]
    assert keys == sorted(keys)
    assert {s.target_id for s in ranked} == {p["id"] for p in persons}
    # a pair is excluded from one side exactly when it is from the other
    for person in persons:
        [mine] = rank_vacancies(person, [job], today=TODAY, include_excluded=True)
        theirs = next(s for s in ranked if s.target_id == person["id"])
        assert mine.excluded == theirs.excluded and mine.exclusions == theirs.exclusions
        if not mine.excluded:
            assert mine.reasons == theirs.reasons
