"""Visit history of the last three months, and the referrals handed out on visits with their steps."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from server.demo import catalog
from server.demo.jobs import Jobs
from server.demo.people import People
from server.demo.rows import Draw, Grid, add_months, noon
from shared.hlc import Stamp
from shared.referrals import CROCKFORD
from shared.vocab import ServiceItem

CODE_ALPHABET = CROCKFORD  # the phone's codes' letters: what the employer's page and the phone's search read back
_FATES = (("referred", 15), ("interviewed", 15), ("not_hired", 35), ("declined", 15), ("no_show", 20))


@dataclass
class Visits:
    visits: list[dict] = field(default_factory=list)
    referrals: list[dict] = field(default_factory=list)
    referral_events: list[dict] = field(default_factory=list)


def months(window_start: date, today: date) -> list[tuple[date, date]]:
    """The calendar months from ``window_start`` up to yesterday, the last one cut at yesterday."""
    out, start = [], window_start
    while start < today:
        out.append((start, min(add_months(start, 1) - timedelta(days=1), today - timedelta(days=1))))
        start = add_months(start, 1)
    return out


class _Builder:
    def __init__(self, draw: Draw, people: People, jobs: Jobs) -> None:
        self.draw, self.people, self.jobs = draw, people, jobs
        self.today = draw.today
        self.out = Visits()
        self._codes: set[str] = set()
        self._hired: set[str] = set()  # residents whose job came through a referral

    def household(self, household: dict, grid: Grid, window: list[tuple[date, date]]) -> None:
        d, p = self.draw, self.people
        members = p.members[household["id"]]
        followed = [m for m in members if m["id"] in p.registered_on and m["id"] not in p.unvisited
                    and p.reemployed_on.get(m["id"], self.today) >= window[0][0]]
        hardship = household["zero_employment"] or household["double_unemployed"] or household["single_parent"]
        if any(m["id"] in p.unvisited for m in members):
            return  # the coordinator has not reached this household yet (the demo's story)
        if not followed and not hardship:
            if d.chance(0.25):  # an information-collection call on an ordinary household
                day = d.workday(window[0][0], window[-1][1])
                self.visit(household, grid, day, [m for m in members if p.age[m["id"]] >= 16], ordinary=True)
            return
        for start, end in window:
            active = [m for m in followed if p.registered_on[m["id"]] <= end
                      and p.reemployed_on.get(m["id"], end) >= start]
            if not active and not hardship:
                continue
            chance = (0.97 if hardship else 0.88) * (0.9 if end.day < 28 else 1.0)
            earliest = max([start] + [p.registered_on[m["id"]] for m in active])
            latest = min([end] + [p.reemployed_on[m["id"]] - timedelta(days=1) for m in active
                                  if m["id"] in p.reemployed_on])
            if earliest > latest or not d.chance(chance):
                continue
            met = active or [m for m in members if p.age[m["id"]] >= 16]
            day = d.workday(earliest, latest)
            outcome = self.visit(household, grid, day, met)
            while outcome == "not_home" and day < latest and d.chance(0.75):  # call again a few days later
                day = d.workday(day + timedelta(days=1), min(latest, day + timedelta(days=6)))
                outcome = self.visit(household, grid, day, met)

    def complete(self, household: dict, grid: Grid, window: list[tuple[date, date]]) -> None:
        """In a community whose story is that it does the work (``People.story``): every registered person met
        with guidance in every month they were registered unemployed (but those left unvisited on purpose)."""
        p = self.people
        mine = [v for v in self.out.visits if v["household_id"] == household["id"] and v["outcome"] == "met"
                and v["guidance_given"]]
        for start, end in window:
            for member in p.members[household["id"]]:
                rid = member["id"]
                if rid not in p.registered_on or rid in p.unvisited:
                    continue
                first = max(start, p.registered_on[rid])
                last = min(end, p.reemployed_on[rid] - timedelta(days=1) if rid in p.reemployed_on else end)
                if first > last or any(first <= v["visited_at"].date() <= end and (not v["resident_ids"]
                                       or rid in v["resident_ids"]) for v in mine):
                    continue
                mine.append(self.visit(household, grid, self.draw.workday(first, last), [member], outcome="met",
                                       guidance=True, row_wanted=True))

    def visit(self, household: dict, grid: Grid, day: date, people: list[dict], ordinary: bool = False,
              outcome: str | None = None, guidance: bool | None = None, row_wanted: bool = False):
        d = self.draw
        drawn = d.weighted((("met", 80), ("not_home", 16), ("refused", 3), ("moved_away", 1)) if ordinary
                           else (("met", 86), ("not_home", 10), ("refused", 4)))
        outcome = outcome or drawn
        at = d.at_work_hours(day)
        row = d.row(
            "visit", id=d.new_id(), household_id=household["id"], grid_id=grid.id, coordinator_id=grid.coordinator_id,
            visited_at=at, outcome=outcome, received_at=self._received(at, day),
        )
        if d.chance(0.75):
            row.update(latitude=round(grid.centre[0] + d.rng.uniform(-0.003, 0.003), 6),
                       longitude=round(grid.centre[1] + d.rng.uniform(-0.004, 0.004), 6))
        if outcome == "met":
            chance = not ordinary and d.chance(0.72)
            guidance = chance if guidance is None else guidance
            row.update(
                resident_ids=[m["id"] for m in people], guidance_given=guidance,
                guidance_notes=d.pick(catalog.GUIDANCE_NOTES) if guidance else "",
                services=self._services(day, people, guidance, ordinary), notes=d.pick(catalog.VISIT_NOTES),
                next_follow_up_on=day + timedelta(days=d.rng.randint(14, 40)),
            )
        else:
            notes = {"not_home": catalog.NOT_HOME_NOTES, "refused": catalog.REFUSED_NOTES}.get(outcome, ("已搬离本址",))
            row.update(notes=d.pick(notes),
                       next_follow_up_on=day + timedelta(days=d.rng.randint(2, 7) if outcome == "not_home" else 30))
        self.out.visits.append(row)
        if ServiceItem.vacancy_information.value in row["services"] and not ordinary:
            for person in people:
                if person["id"] in self.people.registered_on:
                    self.maybe_refer(person, grid, day, at)
        return row if row_wanted else outcome

    def _services(self, day: date, people: list[dict], guidance: bool, ordinary: bool) -> list[str]:
        d, p = self.draw, self.people
        if ordinary:
            return [d.pick((ServiceItem.policy_consultation, ServiceItem.vacancy_information)).value]
        given = {
            ServiceItem.unemployment_registration: any(
                day - timedelta(days=30) <= p.registered_on.get(m["id"], date.min) <= day for m in people),
            ServiceItem.vacancy_information: d.chance(0.55),
            ServiceItem.policy_consultation: d.chance(0.4),
            ServiceItem.guidance_training_information: d.chance(0.6 if guidance else 0.15),
            ServiceItem.insurance_claim: d.chance(0.1),
            ServiceItem.reemployment_certificate: d.chance(0.1),
            ServiceItem.unemployment_period: d.chance(0.08),
            ServiceItem.special_subsidy: d.chance(0.12),
        }
        chosen = [item.value for item in ServiceItem if given.get(item)]
        return chosen or [ServiceItem.policy_consultation.value]

    def _received(self, at: datetime, day: date) -> datetime:
        """When the visit reached the server: that evening's sync, a few more than 72 hours late."""
        d = self.draw
        if day <= self.today - timedelta(days=8) and d.chance(0.03):
            return at + timedelta(hours=d.rng.uniform(73, 150))
        return at + timedelta(minutes=d.rng.randint(20, 8 * 60))

    # --- referrals ----------------------------------------------------------------
    def maybe_refer(self, person: dict, grid: Grid, day: date, at: datetime) -> None:
        d = self.draw
        employed_on = self.people.reemployed_on.get(person["id"])
        hired = (employed_on is not None and day < employed_on <= day + timedelta(days=30)
                 and person["employment_status"] == "employed" and person["id"] not in self._hired)
        if not hired and not d.chance(0.18):
            return
        open_now = self.jobs.open_on(grid.street_id, day)
        if not open_now:
            return
        wished = [v for v in open_now if v["occupation_code"] in person["job_wish_occupations"]]
        vacancy = d.pick(wished or open_now)
        if hired:
            steps = [("referred", day)]
            if (employed_on - day).days >= 2:
                steps.append(("interviewed", d.between(day + timedelta(days=1), employed_on - timedelta(days=1))))
            steps.append(("hired", employed_on))
            person["employer_name"] = self.jobs.employer_name[vacancy["employer_id"]]
            self._hired.add(person["id"])
            vacancy["filled"] += 1
            vacancy["openings"] = max(vacancy["openings"], vacancy["filled"])
        else:
            steps = self._steps(day, d.weighted(_FATES))
        referral = d.row(
            "referral", id=d.new_id(), resident_id=person["id"], vacancy_id=vacancy["id"], grid_id=grid.id,
            code=self._code(), check_token="".join(d.pick(CODE_ALPHABET) for _ in range(20)), consent_at=at,
            created_by=grid.coordinator_id, created_at=at,
            status=steps[-1][0], status_on=steps[-1][1],
        )
        self.out.referrals.append(referral)
        for counter, (status, on) in enumerate(steps):
            recorded = max(at, noon(on) + timedelta(minutes=d.rng.randint(0, 400)))
            self.out.referral_events.append(d.row(
                "referral_event", id=d.new_id(), referral_id=referral["id"], grid_id=grid.id, status=status,
                occurred_on=on, recorded_by=grid.coordinator_id, recorded_at=recorded,
                stamp=Stamp(int(recorded.timestamp() * 1000), counter, f"seed-{d.seed}").encode(),
            ))

    def _steps(self, day: date, fate: str) -> list[tuple[str, date]]:
        """The steps of a referral that ends in ``fate``, cut at yesterday."""
        d = self.draw
        steps = [("referred", day)]
        if fate in ("interviewed", "not_hired"):
            steps.append(("interviewed", day + timedelta(days=d.rng.randint(2, 7))))
        if fate == "not_hired":
            steps.append(("not_hired", steps[-1][1] + timedelta(days=d.rng.randint(3, 10))))
        if fate in ("declined", "no_show"):
            steps.append((fate, day + timedelta(days=d.rng.randint(1, 5) if fate == "declined" else d.rng.randint(3, 7))))
        return [(status, on) for status, on in steps if on < self.today]

    def _code(self) -> str:
        while True:
            code = "".join(self.draw.pick(CODE_ALPHABET) for _ in range(8))
            if code not in self._codes:
                self._codes.add(code)
                return code


def build_visits(draw: Draw, people: People, grids: list[Grid], jobs: Jobs, window_start: date) -> Visits:
    """Visits from ``window_start`` to yesterday by each grid's coordinator, with referrals made on them."""
    b = _Builder(draw, people, jobs)
    window = months(window_start, draw.today)
    by_id = {g.id: g for g in grids}
    for household in people.households:
        b.household(household, by_id[household["grid_id"]], window)
        if people.story.get(household["community_id"]) in ("model", "overdue"):
            b.complete(household, by_id[household["grid_id"]], window)
    return b.out
