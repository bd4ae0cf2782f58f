"""Benchmark of shared.matching: top 10 of 5,000 vacancies for one resident, and a community against 2,000.

Run: .venv/bin/python bench/bench_matching.py [--seed N]
Targets (issue 5, this 2-core machine): ≤ 10 ms and ≤ 3 s. Prints figures, never fails. Wall time
is what a user waits; CPU time is shown beside it because other work on the machine inflates wall time.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import date, timedelta

from shared.matching import VacancyIndex, rank_all, rank_vacancies
from shared.occupations import PUBLIC_WELFARE_POST_TYPES, occupation_by_code, occupations

TODAY = date(2025, 6, 16)
CENTER = (41.88, 123.95)  # a street in 抚顺
SKILLS = ["家政", "保洁", "电工", "焊工", "驾驶", "厨师", "面点", "育婴", "护理", "电脑", "收银", "仓储", "叉车", "保安"]
COMMUNITIES = [str(uuid.UUID(int=i)) for i in range(1, 9)]


def _near(rng: random.Random, km: float) -> tuple[float, float]:
    return CENTER[0] + rng.uniform(-km, km) / 111, CENTER[1] + rng.uniform(-km, km) / 83


def make_vacancies(n: int, rng: random.Random) -> list[dict]:
    common = [o for o in occupations() if o.code.startswith(("4-", "6-"))]
    welfare = [code for _, code in PUBLIC_WELFARE_POST_TYPES]
    rows = []
    for _ in range(n):
        public = rng.random() < 0.15
        occ = occupation_by_code(rng.choice(welfare)) if public else rng.choice(common)
        low = rng.choice([None, 2200, 2500, 3000, 3500, 4000, 5000])
        lat, lon = _near(rng, 6)
        rows.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "title": occ.name, "occupation_code": occ.code, "occupation_name": occ.name,
            "community_id": rng.choice(COMMUNITIES),
            "openings": rng.randint(1, 5), "filled": 0 if rng.random() < 0.9 else 5,
            "wage_min": low, "wage_max": None if low is None else low + rng.choice([0, 500, 1500]),
            "hours": rng.choice([None, "full_time", "part_time", "shifts", "flexible"]),
            "latitude": lat if rng.random() < 0.7 else None, "longitude": lon,
            "age_min": rng.choice([None, 18, 20]), "age_max": rng.choice([None, 45, 50, 55, 60]),
            "education_min": rng.choice([None, None, "junior", "senior", "college"]),
            "skills_required": rng.sample(SKILLS, rng.choice([0, 0, 1, 2])),
            "public_welfare": public, "assistance_base": rng.random() < 0.1,
            "valid_until": TODAY + timedelta(days=rng.randint(-60, 120)), "closed": rng.random() < 0.05,
        })
    return rows


def make_seekers(n: int, rng: random.Random) -> tuple[list[dict], dict[str, dict], dict[str, tuple]]:
    codes = [o.code for o in occupations() if o.code.startswith("4-")]
    residents, households, homes = [], {}, {}
    for _ in range(n):
        household_id = str(uuid.UUID(int=rng.getrandbits(128)))
        households[household_id] = {"id": household_id, "zero_employment": rng.random() < 0.05,
                                    "community_id": COMMUNITIES[0]}
        homes[household_id] = _near(rng, 1)
        residents.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "household_id": household_id,
            "community_id": COMMUNITIES[0], "sex": rng.choice(["male", "female"]),
            "birth_date": date(rng.randint(1965, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            "education": rng.choice(["primary", "junior", "senior", "vocational", "college"]),
            "skills": rng.sample(SKILLS, rng.randint(0, 3)), "employment_status": "unemployed",
            "unemployment_registered": True, "able_to_work": True,
            "job_wish_occupations": rng.sample(codes, rng.randint(1, 3)),
            "job_wish_min_wage": rng.choice([None, 2500, 3000, 3500, 4000]),
            "job_wish_hours": rng.choice([None, "full_time", "part_time", "flexible"]),
            "job_wish_max_distance_km": rng.choice([None, 3.0, 5.0, 10.0]),
            "training_wish": rng.choice(["", "电工", "家政", "面点"]), "disability": rng.random() < 0.03,
        })
    return residents, households, homes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--community", type=int, default=300, help="job seekers in the community")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    seekers, households, homes = make_seekers(200, rng)
    mixed = make_vacancies(5000, rng)
    all_open = [dict(v, valid_until=None, closed=False, filled=0) for v in mixed]
    for label, vacancies in (("all open", all_open), ("mixed: some expired, filled or closed", mixed)):
        start = time.perf_counter()
        index = VacancyIndex(vacancies)
        index.open_on(TODAY)  # the day's open list, cached by the first call
        build_ms = (time.perf_counter() - start) * 1000
        times, cpu = [], []
        for resident in seekers:
            hh = resident["household_id"]
            start, start_cpu = time.perf_counter(), time.process_time()
            rank_vacancies(resident, index, today=TODAY, household=households[hh], home=homes[hh], top=10)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        times.sort()
        cpu.sort()
        print(f"top 10 of 5,000 vacancies ({label}, {len(index.open_on(TODAY))} open) for one resident: "
              f"median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms, "
              f"max {times[-1]:.2f} ms; CPU median {statistics.median(cpu):.2f} ms, max {cpu[-1]:.2f} ms  "
              f"(target ≤ 10 ms; index built once in {build_ms:.0f} ms)")

    vacancies = make_vacancies(2000, rng)
    seekers, households, homes = make_seekers(args.community, rng)
    start, start_cpu = time.perf_counter(), time.process_time()
    index = VacancyIndex(vacancies)
    result = rank_all(seekers, index, today=TODAY, households=households, homes=homes, top=10)
    total, total_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"{len(seekers)} job seekers of a community against 2,000 vacancies (index included): "
          f"{total:.3f} s (CPU {total_cpu:.3f} s), {sum(len(v) for v in result.values())} suggestions  "
          f"(target ≤ 3 s)")


if __name__ == "__main__":
    main()
