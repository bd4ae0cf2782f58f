"""Households and residents of the demo district: families, ID numbers, work, hardship, and dated histories."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from server.demo import catalog
from server.demo.rows import Draw, Grid, add_months, noon
from shared.validation import make_id_number
from shared.vocab import EMPLOYED_STATUSES, EmploymentStatus, StatusKind

_EMPLOYED = frozenset(s.value for s in EMPLOYED_STATUSES)
# Family make-ups of ordinary households, with weights (about 2.4 people a household).
MAKEUPS = (
    ("elder_single", 10), ("elder_couple", 17), ("couple", 13), ("couple_child", 28), ("couple_2children", 8),
    ("three_generations", 8), ("single_adult", 12), ("elder_with_adult_child", 4),
)
# Zero-employment cases, cycled: the clock is overdue, open, met, or open with two members wanted.
ZERO_CASES = ("overdue", "open", "met", "overdue", "open_two", "overdue", "open", "met")
_EDUCATION_BY_COHORT = (
    (1960, (("none", 8), ("primary", 35), ("junior", 45), ("senior", 12))),
    (1975, (("primary", 10), ("junior", 45), ("senior", 25), ("vocational", 15), ("college", 5))),
    (1990, (("junior", 25), ("senior", 25), ("vocational", 22), ("college", 18), ("bachelor", 10))),
    (9999, (("junior", 10), ("senior", 15), ("vocational", 20), ("college", 30), ("bachelor", 22),
            ("postgraduate", 3))),
)
_GENERAL_WISHES = ("4-09-08-01", "4-07-05-01", "4-01-02-03", "4-02-05-01", "4-03-02-05", "4-10-01-06")


def is_older_worker(sex: str, age: int) -> bool:
    """The 40/50 group: women aged 40 or more, men aged 50 or more."""
    return age >= (40 if sex == "female" else 50)


@dataclass
class People:
    households: list[dict] = field(default_factory=list)
    residents: list[dict] = field(default_factory=list)
    status_records: list[dict] = field(default_factory=list)
    members: dict[str, list[dict]] = field(default_factory=dict)  # household id -> residents, head first
    registered_on: dict[str, date] = field(default_factory=dict)  # everyone with a registration in history
    reemployed_on: dict[str, date] = field(default_factory=dict)  # registered people employed again
    age: dict[str, int] = field(default_factory=dict)  # resident id -> age on the build's day
    # the story of each community (catalog.STORY): ``model`` ones meet the full-employment standard
    story: dict[str, str] = field(default_factory=dict)  # community id -> story
    bare_names: set[str] = field(default_factory=set)  # names from the register only: not entered
    unvisited: set[str] = field(default_factory=set)  # registered people the coordinator has not reached


class _Builder:
    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self.today = draw.today
        self.out = People()
        self._id_numbers: set[str] = set()
        self._phones: set[str] = set()
        self._history: dict[str, list[tuple[str, str, date]]] = {}
        self._grid_of: dict[str, Grid] = {}
        self.surname: dict[str, str] = {}  # resident id -> family name (some have two characters)

    # --- one person -----------------------------------------------------------
    def person(self, household: dict, relation: str, sex: str, age: int, surname: str | None = None) -> dict:
        d, today = self.draw, self.today
        birth = d.between(add_months(today, -12 * (age + 1)) + timedelta(days=1), add_months(today, -12 * age))
        region = d.weighted(catalog.REGION_CODES)
        while True:
            number = make_id_number(region, birth, d.rng.randrange(500) * 2 + (1 if sex == "male" else 0))
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                break
        surname = surname or d.fake.last_name()
        first = d.fake.first_name_male() if sex == "male" else d.fake.first_name_female()
        status, since = self._initial_status(sex, age, birth)
        adult = age >= 16 and status != EmploymentStatus.student
        row = d.row(
            "resident", id=d.new_id(), household_id=household["id"], grid_id=household["grid_id"],
            community_id=household["community_id"], name=surname + first,
            id_number=number, sex=sex, birth_date=birth, phone=self._phone() if age >= 16 else None,
            relation=catalog.RELATIONS[relation], education=self._education(age, birth.year, status),
            skills=d.rng.sample(catalog.SKILLS, d.weighted(((0, 30), (1, 40), (2, 22), (3, 8)))) if adult else [],
            employment_status=status and status.value, employment_since=since,
            employer_name=self._employer_name(status),
            unemployment_registered=False if adult else None,
            able_to_work=None if status in (None, EmploymentStatus.student, EmploymentStatus.retired)
            else status != EmploymentStatus.unable,
        )
        if adult and d.chance(0.025):
            row.update(disability=True, disability_level=d.pick(catalog.DISABILITY_LEVELS))
        self.out.residents.append(row)
        self.out.members[household["id"]].append(row)
        self.out.age[row["id"]] = age
        self.surname[row["id"]] = surname
        return row

    def _phone(self) -> str:
        while True:
            phone = self.draw.mobile()
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def _initial_status(self, sex: str, age: int, birth: date) -> tuple[EmploymentStatus | None, date | None]:
        d = self.draw
        if age < 6:
            return None, None
        if age < 16 or (age <= 22 and d.chance(0.75)):
            return EmploymentStatus.student, None
        retire_at = 60 if sex == "male" else (50 if d.chance(0.6) else 55)
        if age >= retire_at:
            return EmploymentStatus.retired, add_months(birth, 12 * retire_at)
        status = d.weighted(((EmploymentStatus.employed, 72), (EmploymentStatus.flexible, 14),
                             (EmploymentStatus.self_employed, 7), (EmploymentStatus.unemployed, 3),
                             (EmploymentStatus.unable, 4)))
        if status == EmploymentStatus.unable:
            return status, None
        earliest = max(add_months(birth, 12 * 18), add_months(self.today, -12 * 20))
        return status, d.between(earliest, max(earliest, date(self.today.year - 1, 12, 31)))

    def _employer_name(self, status: EmploymentStatus | None) -> str:
        if status == EmploymentStatus.employed:
            return self.draw.fake.company()
        return "个体经营" if status == EmploymentStatus.self_employed else ""

    def _education(self, age: int, born: int, status: EmploymentStatus | None) -> str | None:
        if age < 6:
            return None
        if status == EmploymentStatus.student:
            return "primary" if age < 12 else "junior" if age < 15 else "senior" if age < 19 else \
                self.draw.pick(("college", "bachelor"))
        return self.draw.weighted(next(levels for before, levels in _EDUCATION_BY_COHORT if born < before))

    # --- registration and re-employment (with their dated history) --------------
    def register(self, row: dict, on: date, able: bool = True) -> None:
        """Make a resident registered unemployed since ``on``, with job wishes and consent."""
        d = self.draw
        if not row["skills"] and d.chance(0.75):
            row["skills"] = [d.pick(catalog.SKILLS)]
        row.update(
            employment_status=EmploymentStatus.unemployed.value, employment_since=on, employer_name="",
            unemployment_registered=True, unemployment_registered_on=on, able_to_work=able,
            job_wish_occupations=self._wishes(row), job_wish_min_wage=d.money(2200, 5500),
            job_wish_hours=d.weighted((("full_time", 60), ("part_time", 15), ("flexible", 15), ("shifts", 10))),
            job_wish_max_distance_km=float(d.pick((2, 3, 5, 5, 8, 10, 15))),
            training_wish="" if d.chance(0.45) else d.pick(catalog.TRAINING_WISHES),
            consent_given_at=noon(on) + timedelta(minutes=d.rng.randint(0, 300)), consent_scope=catalog.CONSENT_SCOPE,
        )
        if row["phone"] is None:
            row["phone"] = self._phone()
        self.out.registered_on[row["id"]] = on
        self._history[row["id"]] = [
            (StatusKind.registration.value, "registered", on),
            (StatusKind.employment.value, EmploymentStatus.unemployed.value, on),
            (StatusKind.ability.value, "able" if able else "unable", on),
        ]

    def reemploy(self, row: dict, registered: date, employed: date) -> None:
        """A registered unemployed person who found work on ``employed`` (and left the register)."""
        d = self.draw
        self.register(row, registered)
        status = d.weighted(((EmploymentStatus.employed, 70), (EmploymentStatus.flexible, 20),
                             (EmploymentStatus.self_employed, 10)))
        row.update(
            employment_status=status.value, employment_since=employed, employer_name=self._employer_name(status),
            unemployment_registered=False, unemployment_registered_on=None, job_wish_occupations=[],
            job_wish_min_wage=None, job_wish_hours=None, job_wish_max_distance_km=None,
        )
        self.out.reemployed_on[row["id"]] = employed
        self._history[row["id"]] += [
            (StatusKind.employment.value, status.value, employed),
            (StatusKind.registration.value, "deregistered", employed),
        ]

    def employ(self, row: dict, since: date) -> None:
        """Make sure a resident is at work (for the households whose make-up needs one), keeping a job they have."""
        if row["employment_status"] not in _EMPLOYED:
            row.update(employment_status=EmploymentStatus.employed.value, employer_name=self.draw.fake.company(),
                       employment_since=since, unemployment_registered=False, able_to_work=True)
        if row["id"] not in self._history:  # the rates read employment from the dated history
            self._history[row["id"]] = [(StatusKind.employment.value, row["employment_status"],
                                         row["employment_since"] or since)]

    def _wishes(self, row: dict) -> list[str]:
        skilled = [code for code, _name, skills, *_ in catalog.OCCUPATIONS if set(skills) & set(row["skills"])]
        pool = skilled + [c for c in _GENERAL_WISHES if c not in skilled]
        chosen = self.draw.rng.sample(pool[:6], min(len(pool[:6]), self.draw.weighted(((1, 45), (2, 40), (3, 15)))))
        return chosen

    def registration_date(self) -> date:
        """When a currently registered person registered: mostly in the last two years."""
        d, today = self.draw, self.today
        return d.weighted((
            (lambda: d.between(today - timedelta(days=1000), today - timedelta(days=500)), 25),
            (lambda: d.between(today - timedelta(days=499), today - timedelta(days=90)), 55),
            (lambda: d.between(today - timedelta(days=89), today - timedelta(days=3)), 20),
        ))()

    def reemployment_dates(self, window_start: date) -> tuple[date, date]:
        """(registered, employed again) for someone re-employed this year, half of them in the visit window."""
        d, today = self.draw, self.today
        if d.chance(0.5):
            employed = d.between(window_start, today - timedelta(days=1))
        else:
            employed = d.between(date(today.year, 1, 5), window_start - timedelta(days=1))
        return employed - timedelta(days=d.rng.randint(30, 420)), employed

    def status_rows(self) -> None:
        d = self.draw
        for resident_id, events in self._history.items():
            grid = self._grid_of[resident_id]
            for kind, value, on in events:
                self.out.status_records.append(d.row(
                    "status_record", id=d.new_id(), resident_id=resident_id, grid_id=grid.id, kind=kind,
                    value=value, effective_on=on, recorded_by=grid.coordinator_id,
                    recorded_at=noon(on) + timedelta(minutes=d.rng.randint(0, 400)),
                ))

    # --- households ------------------------------------------------------------
    def household(self, grid: Grid, address: tuple[str, str, str, str]) -> dict:
        street, building, unit, room = address
        row = self.draw.row(
            "household", id=self.draw.new_id(), community_id=grid.community_id, grid_id=grid.id,
            street_id=grid.street_id, address=street, building=building, unit=unit, room=room,
            relocated=grid.relocated,
        )
        self.out.households.append(row)
        self.out.members[row["id"]] = []
        return row

    def ordinary(self, household: dict, makeup: str) -> None:
        d, p = self.draw, self.person
        sex = d.pick(("male", "female"))
        if makeup == "elder_single":
            p(household, "head", sex, d.rng.randint(62, 88))
        elif makeup == "single_adult":
            p(household, "head", sex, d.rng.randint(22, 59))
        elif makeup == "elder_couple":
            head = d.rng.randint(60, 85)
            p(household, "head", "male", head)
            p(household, "spouse", "female", max(55, head + d.rng.randint(-5, 1)))
        elif makeup == "elder_with_adult_child":
            head = d.rng.randint(60, 82)
            surname = self.surname[p(household, "head", sex, head)["id"]]
            self.child(household, surname, d.rng.randint(max(28, head - 40), min(55, head - 22)))
        else:
            low, high = {"couple": (24, 59), "couple_child": (26, 60), "couple_2children": (30, 55),
                         "three_generations": (30, 50)}[makeup]
            head = d.rng.randint(low, high)
            surname, wife = self.couple(household, head)
            for _ in range({"couple": 0, "couple_2children": 2}.get(makeup, 1)):
                self.child(household, surname, self.child_age(min(head, wife)))
            if makeup == "three_generations":
                parents = (("father", "male"), ("mother", "female"))
                for relation, parent_sex in d.rng.sample(parents, d.rng.randint(1, 2)):
                    p(household, relation, parent_sex, min(90, head + d.rng.randint(24, 32)),
                      surname if parent_sex == "male" else None)

    def couple(self, household: dict, head_age: int, wife_age: int | None = None) -> tuple[str, int]:
        """A husband (the head) and his wife; returns the children's family name and the wife's age."""
        surname = self.surname[self.person(household, "head", "male", head_age)["id"]]
        if wife_age is None:
            wife_age = max(21, head_age + self.draw.rng.randint(-6, 2))
        self.person(household, "spouse", "female", wife_age)
        return surname, wife_age

    def child_age(self, parent_age: int, low: int = 0, high: int = 32) -> int:
        """A child's age for a parent (the younger one) aged 20 to 40 at the birth (within ``low``..``high`` when possible)."""
        return self.draw.rng.randint(max(low, parent_age - 40, 0), max(0, min(high, parent_age - 20)))

    def child(self, household: dict, surname: str | None, age: int) -> dict:
        sex = self.draw.pick(("male", "female"))
        return self.person(household, "son" if sex == "male" else "daughter", sex, age, surname)


def build_people(draw: Draw, grids: list[Grid], households: int, window_start: date) -> People:
    """Every household and resident, hardship households and histories included."""
    b = _Builder(draw)
    d, scale = draw, households / 2500
    n_zero, n_double, n_single = (max(1, round(n * scale)) for n in (8, 10, 10))
    hardship = d.rng.sample(range(households), n_zero + n_double + n_single)
    kinds = {i: "zero" for i in hardship[:n_zero]}
    kinds.update({i: "double" for i in hardship[n_zero:n_zero + n_double]})
    kinds.update({i: "single" for i in hardship[n_zero + n_double:]})
    counters = {"zero": 0, "double": 0, "single": 0}
    index, next_number = 0, {}
    for grid, count in zip(grids, _spread(households, len(grids)), strict=True):
        for address in _addresses(d, grid, count, next_number):
            household = b.household(grid, address)
            kind = kinds.get(index)
            if kind is None:
                b.ordinary(household, d.weighted(MAKEUPS))
            else:
                _HARDSHIP[kind](b, household, counters[kind], window_start)
                counters[kind] += 1
            for row in b.out.members[household["id"]]:
                b._grid_of[row["id"]] = grid
            index += 1
    hardship_ids = {h["id"] for h in b.out.households if h["zero_employment"] or h["double_unemployed"]
                    or h["single_parent"]}
    _sample_registered(b, hardship_ids, round(300 * scale), round(110 * scale), window_start)
    b.out.story = {g.community_id: catalog.STORY[g.community_name] for g in grids}
    _tell_the_story(b, window_start)
    _blank_some_fields(b)
    _low_income(b)
    b.status_rows()
    return b.out


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _addresses(d: Draw, grid: Grid, count: int, next_number: dict[str, int]) -> list[tuple[str, str, str, str]]:
    """Flats of the grid's estate (building, unit, room) and a few houses on its road.

    ``next_number`` holds the next free building number of each estate and house number of each road,
    so grids sharing an estate or a road continue its numbering.
    """
    houses = round(count * 0.06)
    first_house = next_number.get(grid.road, 1)
    out = [(f"{grid.road}{n}号", "", "", "") for n in range(first_house, first_house + 2 * houses, 2)]
    next_number[grid.road] = first_house + 2 * houses
    building = next_number.get(grid.estate, 1)
    while len(out) < count:
        units, floors = d.pick((2, 3, 4)), d.pick((5, 6, 6, 7))
        for unit in range(1, units + 1):
            for floor in range(1, floors + 1):
                for room in (1, 2):
                    if d.chance(0.9):
                        out.append((grid.estate, str(building), str(unit), f"{floor}{room:02d}"))
        building += 1
    next_number[grid.estate] = building
    return out[:count]


# --- hardship households ---------------------------------------------------------


def _zero_employment(b: _Builder, household: dict, i: int, window_start: date) -> None:
    d, today = b.draw, b.today
    case = ZERO_CASES[i % len(ZERO_CASES)]
    identified = {
        "overdue": lambda: d.between(today - timedelta(days=55), today - timedelta(days=21)),
        "open": lambda: d.between(today - timedelta(days=19), today - timedelta(days=1)),
        "open_two": lambda: d.between(today - timedelta(days=27), today - timedelta(days=20)),
        "met": lambda: d.between(today - timedelta(days=55), today - timedelta(days=25)),
    }[case]()
    if i % 2 == 0:
        surname, wife = b.couple(household, d.rng.randint(50, 57), wife_age=d.rng.randint(42, 49))
        head, spouse = b.out.members[household["id"]]
        b.register(spouse, d.between(identified - timedelta(days=400), identified - timedelta(days=5)),
                   able=d.chance(0.85))
        if d.chance(0.6):
            b.child(household, surname, b.child_age(wife, 8, 17))
    else:
        age = d.rng.randint(40, 54)
        head = b.person(household, "head", d.pick(("male", "female")), age)
        b.person(household, "mother", "female", min(88, age + d.rng.randint(24, 30)))
    registered = d.between(identified - timedelta(days=400), identified - timedelta(days=5))
    household.update(zero_employment=True, zero_employment_identified_on=identified,
                     zero_employment_wants_two=case == "open_two", notes="零就业家庭，已建立帮扶台账")
    if case == "met":
        employed = identified + timedelta(days=d.rng.randint(5, 18))
        b.reemploy(head, registered, employed)
        household.update(zero_employment_resolved_on=employed, zero_employment_met=True)
    else:
        b.register(head, registered)


def _double_unemployed(b: _Builder, household: dict, i: int, window_start: date) -> None:
    d, today = b.draw, b.today
    variant = i % 3
    wife = d.rng.randint(45 if variant == 0 else 40, 49)
    surname, _ = b.couple(household, max(wife, d.rng.randint(45, 57)), wife_age=wife)
    head, spouse = b.out.members[household["id"]]
    b.register(head, d.between(today - timedelta(days=500), today - timedelta(days=30)))
    if variant == 1:  # one of the couple found work this year
        registered, employed = b.reemployment_dates(window_start)
        b.reemploy(spouse, registered, employed)
    else:
        b.register(spouse, d.between(today - timedelta(days=500), today - timedelta(days=30)))
    if variant == 0:  # an adult child at work
        child = b.child(household, surname, b.child_age(wife, 22, 30))
        b.employ(child, today - timedelta(days=d.rng.randint(200, 1500)))
    elif d.chance(0.5):
        b.child(household, surname, b.child_age(wife, 10, 18))
    household.update(double_unemployed=True, notes="夫妻双方失业，重点帮扶")


def _single_parent(b: _Builder, household: dict, i: int, window_start: date) -> None:
    d, today = b.draw, b.today
    sex = "female" if d.chance(0.75) else "male"
    age = d.rng.randint(32, 50)
    parent = b.person(household, "head", sex, age)
    surname = b.surname[parent["id"]] if sex == "male" or d.chance(0.5) else None
    for _ in range(d.rng.randint(1, 2)):
        b.child(household, surname, b.child_age(age, 3, 20))
    variant = i % 5
    if variant <= 2:
        b.register(parent, d.between(today - timedelta(days=600), today - timedelta(days=20)))
    elif variant == 4:
        b.reemploy(parent, *b.reemployment_dates(window_start))
    else:
        b.employ(parent, today - timedelta(days=d.rng.randint(100, 2000)))
    household.update(single_parent=True)


_HARDSHIP = {"zero": _zero_employment, "double": _double_unemployed, "single": _single_parent}


# --- the rest of the registered unemployed -----------------------------------------


def _sample_registered(b: _Builder, hardship_ids: set[str], registered: int, reemployed: int,
                       window_start: date) -> None:
    """Register ordinary residents until about ``registered`` are on the register, 40% of them 40/50."""
    d = b.draw
    current = sum(1 for r in b.out.residents if r["unemployment_registered"])
    working = _EMPLOYED | {EmploymentStatus.unemployed.value}
    eligible = [r for r in b.out.residents if r["household_id"] not in hardship_ids
                and r["employment_status"] in working and b.out.age[r["id"]] >= 18]
    older = [r for r in eligible if is_older_worker(r["sex"], b.out.age[r["id"]])]
    younger = [r for r in eligible if not is_older_worker(r["sex"], b.out.age[r["id"]])]
    wanted = max(0, registered - current)
    picked_old = d.rng.sample(older, min(len(older), round(0.4 * wanted)))
    picked = picked_old + d.rng.sample(younger, min(len(younger), wanted - len(picked_old)))
    for row in picked:
        b.register(row, b.registration_date(), able=d.chance(0.92))
        if d.chance(0.06):
            row.update(disability=True, disability_level=d.pick(catalog.DISABILITY_LEVELS))
    taken = {r["id"] for r in picked}
    older = [r for r in older if r["id"] not in taken and r["employment_status"] != "unemployed"]
    younger = [r for r in younger if r["id"] not in taken and r["employment_status"] != "unemployed"]
    again_old = d.rng.sample(older, min(len(older), round(0.4 * reemployed)))
    again = again_old + d.rng.sample(younger, min(len(younger), reemployed - len(again_old)))
    for row in again:
        b.reemploy(row, *b.reemployment_dates(window_start))


def _blank_some_fields(b: _Builder) -> None:
    """A few registered people still lack a required field, so the information-collection rate is not 100%.

    Not in the communities whose story is that they meet every criterion.
    """
    d = b.draw
    for row in b.out.residents:
        if b.out.story.get(row["community_id"]) in ("model", "overdue"):
            continue
        if row["unemployment_registered"] and d.chance(0.07):
            name = d.pick(("phone", "education", "job_wish_min_wage", "training_wish", "job_wish_occupations"))
            row[name] = [] if name == "job_wish_occupations" else None


def _low_income(b: _Builder) -> None:
    d = b.draw
    for household in b.out.households:
        members = b.out.members[household["id"]]
        if household["zero_employment"] or household["single_parent"]:
            p = 0.5
        elif household["double_unemployed"]:
            p = 0.4
        elif any(m["unemployment_registered"] for m in members):
            p = 0.12
        else:
            p = 0.01 if len(members) == 1 else 0.0
        if p and d.chance(p):
            household["low_income"] = True


# --- the story: who meets the full-employment standard, who misses it and why -----------------

REEMPLOYED_SHARE = 0.92  # what a community that meets the standard reaches (the target is 80%, 85% for 40/50)
RELOCATED_SHARE = 0.97  # ... and its relocated people (95%)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _tell_the_story(b: _Builder, window_start: date) -> None:
    """Make each community's numbers tell its story (``catalog.STORY``) over the months of visits.

    ``model`` and ``overdue`` communities: every zero-employment household
    gets a member employed in time (``overdue`` keeps its overdue ones),
    every hardship household has someone at work, and about 88% of the
    registered unemployed of these months found work (96% of the relocated).
    ``behind`` communities keep the district's ordinary mix (low
    re-employment, some fields missing, a few names from the register not yet
    entered, overdue households). Visits are completed for ``model`` and
    ``overdue`` in ``server.demo.visits`` (``overdue`` leaves a few people
    unvisited: ``People.unvisited``).
    """
    d, out, today = b.draw, b.out, b.today
    for household in out.households:
        story = out.story[household["community_id"]]
        members = out.members[household["id"]]
        if story == "behind":
            continue
        if household["zero_employment"] and household["zero_employment_resolved_on"] is None:
            identified = household["zero_employment_identified_on"]
            keep_overdue = story == "overdue" and identified + timedelta(days=20) < today
            registered = [m for m in members if m["unemployment_registered"]]
            if registered and not keep_overdue and identified + timedelta(days=5) < today:
                head = registered[0]
                employed = d.between(identified + timedelta(days=3), min(identified + timedelta(days=18),
                                                                         today - timedelta(days=1)))
                b.reemploy(head, out.registered_on[head["id"]], employed)
                if not household["zero_employment_wants_two"]:
                    household.update(zero_employment_resolved_on=employed, zero_employment_met=True)
        elif (household["double_unemployed"] or household["single_parent"]) and not any(
                m["employment_status"] in _EMPLOYED for m in members):
            person = next((m for m in members if m["unemployment_registered"]), None)
            if person is not None and out.registered_on[person["id"]] + timedelta(days=8) < today:
                b.reemploy(person, out.registered_on[person["id"]], _employed_day(b, person, window_start))
    start = max(window_start, quarter_start(today))  # the quarter the managers assess
    for community_id, story in out.story.items():
        if story != "behind":
            _reemploy_until(b, community_id, start)
        if story == "overdue":  # a few people alone on the register in an ordinary household, never reached
            alone = []
            for household in out.households:
                registered = [m for m in out.members[household["id"]] if m["unemployment_registered"]]
                if household["community_id"] == community_id and len(registered) == 1 and not (
                        household["zero_employment"] or household["double_unemployed"] or household["single_parent"]):
                    alone.append(registered[0]["id"])
            out.unvisited.update(d.rng.sample(sorted(alone), min(len(alone), 4)))
        if story == "behind":
            waiting = sorted(r["id"] for r in out.residents if r["community_id"] == community_id
                             and r["unemployment_registered"])
            out.bare_names.update(d.rng.sample(waiting, min(len(waiting), 5)))


def _employed_day(b: _Builder, person: dict, window_start: date) -> date:
    registered = b.out.registered_on[person["id"]]
    start = max(window_start, registered + timedelta(days=7))
    return b.draw.between(start, max(start, b.today - timedelta(days=1)))


def _reemploy_until(b: _Builder, community_id: str, window_start: date) -> None:
    """Re-employ registered people of the community until the shares of the model are reached in the window."""
    out, today = b.out, b.today

    def in_window(r: dict) -> bool:  # registered unemployed at some time of the window, able and willing
        return (r["id"] in out.registered_on and out.registered_on[r["id"]] < today and r["able_to_work"]
                and out.reemployed_on.get(r["id"], today) >= window_start)

    people = [r for r in out.residents if r["community_id"] == community_id and in_window(r)]
    households = {h["id"]: h for h in out.households if h["community_id"] == community_id}
    groups = [
        [r for r in people if is_older_worker(r["sex"], out.age[r["id"]])],
        people,
        [r for r in people if households[r["household_id"]]["relocated"]],
    ]
    for group, share in zip(groups, (REEMPLOYED_SHARE, REEMPLOYED_SHARE, RELOCATED_SHARE), strict=True):
        waiting = sorted((r for r in group if r["unemployment_registered"]
                          and not households[r["household_id"]]["zero_employment"]), key=lambda r: r["id"])
        for person in waiting:
            employed = sum(1 for r in group if not r["unemployment_registered"])
            if employed >= share * len(group):
                break
            if out.registered_on[person["id"]] + timedelta(days=8) < today:  # registered a week ago at least
                b.reemploy(person, out.registered_on[person["id"]], _employed_day(b, person, window_start))
