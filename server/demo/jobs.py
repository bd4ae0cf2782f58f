"""Employers and vacancies of the demo district's two streets (public-welfare posts and assistance bases included)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from server.demo import catalog
from server.demo.rows import Draw, Grid

_BY_CODE = {occupation[0]: occupation for occupation in catalog.OCCUPATIONS}
_PREFIXES = ("", "抚阳市", "新安区")


@dataclass
class Jobs:
    employers: list[dict] = field(default_factory=list)
    vacancies: list[dict] = field(default_factory=list)
    employer_name: dict[str, str] = field(default_factory=dict)  # employer id -> name

    def open_on(self, street_id: str, day: date) -> list[dict]:
        """The vacancies of a street one could be referred to on a day."""
        return [v for v in self.vacancies if v["street_id"] == street_id and not v["closed"]
                and v["collected_on"] <= day <= v["valid_until"]]


def build_jobs(draw: Draw, grids: list[Grid], employers: int, vacancies: int) -> Jobs:
    """``employers`` employers (each street's two service centres first) offering ``vacancies`` vacancies."""
    d, out = draw, Jobs()
    streets = list(dict.fromkeys(g.street_id for g in grids))
    centres = len(streets) * len(catalog.PUBLIC_WELFARE_EMPLOYERS) if employers >= 8 else 0
    kinds: list[tuple | None] = []  # None: a street service centre offering public-welfare posts
    taken: set[str] = set()
    for i in range(employers):
        grid = d.pick([g for g in grids if g.street_id == streets[i % len(streets)]])
        if i < centres:
            kind, base = None, False
            name = grid.street_name + catalog.PUBLIC_WELFARE_EMPLOYERS[i // len(streets)]
        else:
            kind = d.pick(catalog.EMPLOYER_KINDS)
            name = _unique_name(d, kind[0], taken)
            base = kind[2] and d.chance(0.3)
        row = d.row(
            "employer", id=d.new_id(), street_id=grid.street_id, community_id=grid.community_id, name=name,
            contact_name=d.fake.name(), contact_phone=d.mobile(),
            address=f"{grid.road}{d.rng.randint(1, 300)}号", assistance_base=base,
        )
        out.employers.append(row)
        out.employer_name[row["id"]] = name
        taken.add(name)
        kinds.append(kind)
    # every employer offers at least one vacancy; about 15% of vacancies are public-welfare posts
    welfare = list(range(centres))
    others = list(range(centres, employers)) or welfare
    owners = list(range(employers))
    owners += [d.pick(welfare) for _ in range(max(0, round(0.15 * vacancies) - centres))] if welfare else []
    owners += [d.pick(others) for _ in range(max(0, vacancies - len(owners)))]
    for i in owners[:vacancies]:
        employer = out.employers[i]
        grid = next(g for g in grids if g.community_id == employer["community_id"])
        coordinator = d.pick([g.coordinator_id for g in grids if g.street_id == employer["street_id"]])
        out.vacancies.append(_vacancy(d, employer, kinds[i], grid, coordinator))
    return out


def _vacancy(d: Draw, employer: dict, kind: tuple | None, grid: Grid, coordinator_id: str) -> dict:
    today = d.today
    welfare = kind is None
    if welfare:
        title, code = d.pick(catalog.PUBLIC_WELFARE_POSTS)
        _code, name, skills, _band, hours, education = _BY_CODE[code]
        wage_min, wage_max = d.money(2500, 2700), 3000
        age_min, age_max = 35, 60
    else:
        code = d.pick(kind[1])
        _code, name, skills, (low, high), hours, education = _BY_CODE[code]
        hours = hours if d.chance(0.7) else d.pick(("full_time", "part_time", "flexible", "shifts"))
        title = name + {"part_time": "（兼职）", "shifts": "（倒班）"}.get(hours, "")
        wage_min = d.money(max(2500, low - 300), max(2500, low + 500))
        wage_max = min(9000, max(wage_min + 300, d.money(high - 500, high + 500)))
        age_min, age_max = d.pick((18, 18, 20, 22)), d.pick((None, 40, 45, 50, 55, 55, 60))
    state = d.weighted((("open", 85), ("expired", 10), ("closed", 5)))
    valid_until = {
        "open": lambda: today + timedelta(days=d.rng.randint(1, 90)),
        "expired": lambda: today - timedelta(days=d.rng.randint(1, 30)),
        "closed": lambda: today + timedelta(days=d.rng.randint(-20, 60)),
    }[state]()
    collected_on = min(today - timedelta(days=1), valid_until - timedelta(days=d.rng.randint(30, 150)))
    openings = d.weighted(((1, 35), (2, 30), (3, 15), (5, 12), (10, 8)))
    lat, lon = grid.centre
    return d.row(
        "vacancy", id=d.new_id(), employer_id=employer["id"], street_id=employer["street_id"],
        community_id=employer["community_id"], title=title, occupation_code=code, occupation_name=name,
        openings=openings, filled=d.rng.randint(0, openings // 2), wage_min=wage_min, wage_max=wage_max,
        hours=hours, shift=d.pick(catalog.SHIFTS[hours]), location=employer["address"],
        latitude=round(lat + d.rng.uniform(-0.01, 0.01), 6), longitude=round(lon + d.rng.uniform(-0.012, 0.012), 6),
        age_min=age_min, age_max=age_max, education_min=education if d.chance(0.8) else None,
        skills_required=[s for s in skills if d.chance(0.5)], public_welfare=welfare,
        assistance_base=employer["assistance_base"], valid_until=valid_until, closed=state == "closed",
        collected_by=coordinator_id, collected_on=collected_on,
    )


def _unique_name(d: Draw, suffix: str, taken: set[str]) -> str:
    for _ in range(20):
        name = d.pick(_PREFIXES) + d.pick(catalog.EMPLOYER_WORDS) + suffix
        if name not in taken:
            return name
    branch = 2  # names run out in big builds: another branch of the same firm
    while f"{name}{branch}分公司" in taken:
        branch += 1
    return f"{name}{branch}分公司"
