"""Each rate on the hand-counted ledger (tests/coverage/handcount.py), in the pure reference and in SQL."""
from __future__ import annotations

from datetime import date

import pytest

from server.services.coverage import coverage_report, grid_counts
from server.services.scope import Scope
from shared import coverage as cov
from tests.coverage import handcount
from tests.coverage.handcount import NOVEMBER

# Counted by hand from handcount.py (P1..P10, households H1..H8):
GRID_A1 = cov.CoverageCounts(
    registered=4,        # P1, P2, P3, P5 (P4 employed all month, P6 never registered, P7 from December)
    visited=3,           # P1 and P2 (H1 at 23:59:59 on 30 Nov), P5 (H4); P3's met visit is a second late
    complete=2,          # P1, P5: P2's phone was filled in December, P3 was never entered
    entered=3,           # P1, P2, P5 (P3 is a bare name from the register)
    guided=2,            # P1 (named on H1's guidance visit), P5 (guidance item, nobody named); not P2
    able=3,              # P1, P2, P3 (P5 unable)
    reemployed=1,        # P1 (flexible work from 10 Nov)
    able_4050=2,         # P1 (woman, 46), P3 (man, 56)
    reemployed_4050=1,   # P1
    visits_received=3,   # H1 30 Nov, H2 1 Nov (not home), H4 6 Nov; H2's 1 Dec visit is outside (timely entry)
    visits_on_time=2,    # H1 after 1 h, H2 after exactly 72 h; H4 after 72 h + 1 s is late
    hardship_households=2, hardship_with_employed=2,  # H1 (P1 flexible), H3 (P4 employed)
    zero_identified=1, zero_met=1,                    # H4: P5 employed 20 Nov, deadline 25 Nov
)
GRID_A2 = cov.CoverageCounts(
    registered=1,        # P9 (P8 deregistered on 31 Oct)
    visited=1, complete=1, entered=1, guided=0,  # the guidance visit was at 23:59:59 on 31 Oct
    able=1, reemployed=0, able_4050=1, reemployed_4050=0,  # P9, woman of 43
    relocated_able=1, relocated_employed=0,  # P9 lives in a relocated household
    visits_received=0, visits_on_time=0,  # the 15 Nov visit was imported from paper: not in timely entry
    zero_identified=1, zero_overdue=1,    # H7: identified 1 Oct, deadline 21 Oct, nobody employed
)
GRID_B1 = cov.CoverageCounts(registered=1, visited=1, complete=1, entered=1, guided=1, able=1, reemployed=1,
                             able_4050=1, reemployed_4050=1, relocated_able=1, relocated_employed=1,
                             visits_received=1, visits_on_time=1)


def manager_scope(tree: dict[str, dict]) -> Scope:
    ids = {level: frozenset(a["id"] for a in tree.values() if a.get("level") == level)
           for level in ("grid", "community", "street", "district")}
    return Scope(user_id="manager", role="manager", assigned_ids=frozenset({tree["district"]["id"]}),
                 grid_ids=ids["grid"], community_ids=ids["community"], street_ids=ids["street"],
                 district_ids=ids["district"])


@pytest.fixture
def ledger():
    return handcount.build()


def test_each_count_of_the_reference_matches_the_hand_count(ledger):
    data, t = ledger
    counts = data.reference(NOVEMBER)
    assert counts[t["grid_a1"]["id"]] == GRID_A1
    assert counts[t["grid_a2"]["id"]] == GRID_A2
    assert counts[t["grid_b1"]["id"]] == GRID_B1


def test_each_count_of_the_sql_matches_the_hand_count(any_engine, ledger):
    data, t = ledger
    data.write(any_engine)
    with any_engine.connect() as conn:
        counts = grid_counts(conn, [t[g]["id"] for g in ("grid_a1", "grid_a2", "grid_b1")], NOVEMBER)
    assert counts == {t["grid_a1"]["id"]: GRID_A1, t["grid_a2"]["id"]: GRID_A2, t["grid_b1"]["id"]: GRID_B1}


def test_the_district_report_rolls_grids_up_and_checks_each_community(any_engine, ledger):
    data, t = ledger
    data.write(any_engine)
    with any_engine.connect() as conn:
        report = coverage_report(conn, manager_scope(t), t["district"]["id"], NOVEMBER)
    assert report.area.counts == GRID_A1 + GRID_A2 + GRID_B1
    community_a, community_b = sorted(report.communities, key=lambda c: c.name != "幸福社区")
    assert community_a.name == "幸福社区" and community_a.counts == GRID_A1 + GRID_A2
    rates = community_a.counts
    assert (rates.visit_rate.numerator, rates.visit_rate.denominator, rates.visit_rate.text) == (4, 5, "80.0%")
    assert rates.information_rate.text == "60.0%"   # 3 / 5 (P2 complete only in December, P3 never entered)
    assert rates.entry_rate.text == "80.0%"         # 4 / 5 (over people: P3 is a bare name)
    assert rates.timely_entry_rate.text == "66.7%"  # 2 / 3 visits (the imported one counts in neither)
    assert rates.relocated_employment_rate.text == "0.0%"  # 0 / 1 (P9)
    assert rates.guidance_rate.text == "40.0%"      # 2 / 5
    assert rates.reemployment_rate.text == "25.0%"  # 1 / 4
    assert rates.reemployment_4050_rate.text == "33.3%"  # 1 / 3
    assert rates.hardship_rate.text == "100.0%"     # 2 / 2
    failed = {c.name for c in community_a.check.criteria if not c.passed}
    assert failed == {"reemployment_rate", "reemployment_4050_rate", "visit_rate", "information_rate", "entry_rate",
                      "guidance_rate", "zero_employment_overdue", "relocated_employment_rate"}
    assert "timely_entry_rate" not in {c.name for c in community_a.check.criteria}
    assert community_b.check.passed  # every rate 1/1; no hardship or zero-employment household ("—" passes)
    assert community_b.counts.hardship_rate.text == "—"
    assert (report.community_pass_rate.numerator, report.community_pass_rate.denominator) == (1, 2)
    assert [c.name for c in report.children] == ["北站街道", "南湖街道"]
    grid_a2 = next(g for g in report.grids if g.id == t["grid_a2"]["id"])
    assert grid_a2.counts.timely_entry_rate.value is None and grid_a2.counts.timely_entry_rate.text == "—"


def test_a_visit_at_the_last_second_counts_and_one_a_second_later_does_not(any_engine, ledger):
    data, t = ledger
    data.write(any_engine)
    december_first = cov.Period(date(2026, 12, 1), date(2026, 12, 1))
    with any_engine.connect() as conn:
        november = grid_counts(conn, [t["grid_a1"]["id"]], NOVEMBER)[t["grid_a1"]["id"]]
        december = grid_counts(conn, [t["grid_a1"]["id"]], december_first)[t["grid_a1"]["id"]]
    # November: H1's visit at 23:59:59 on 30 Nov counts; H2's at 00:00:00 on 1 Dec does not (P3 unvisited)
    assert november.visited == 3
    # 1 December: base P2, P3, P7 (P1 and P5 employed all day); H2's 00:00:00 visit counts for P3, H1's does not
    assert (december.registered, december.visited, december.guided) == (3, 1, 1)
    assert data.reference(december_first)[t["grid_a1"]["id"]] == december


def test_a_rate_without_denominator_is_a_dash_never_zero_or_full():
    assert cov.Rate(0, 0).value is None and cov.Rate(0, 0).text == "—"
    assert cov.Rate(0, 3).text == "0.0%" and cov.Rate(3, 3).text == "100.0%"
    assert cov.Rate(2, 3).as_dict() == {"numerator": 2, "denominator": 3, "value": 2 / 3, "text": "66.7%"}
    assert cov.Rate(4, 5).meets(0.80) and not cov.Rate(79, 100).meets(0.80) and not cov.Rate(99, 100).meets(1.0)


def test_relocated_people_need_95_percent_employment_not_the_whole_community():
    # 10 able registered unemployed, 9 re-employed (90% >= 80%); 20 of them relocated, 19 employed (95%)
    counts = cov.CoverageCounts(registered=40, visited=40, complete=40, entered=40, guided=40, able=40,
                                reemployed=36, able_4050=2, reemployed_4050=2, relocated_able=20,
                                relocated_employed=19)
    assert cov.full_employment_check(counts).passed
    short = cov.full_employment_check(cov.CoverageCounts(**{**counts.as_dict(), "relocated_employed": 18}))
    assert [c.name for c in short.criteria if not c.passed] == ["relocated_employment_rate"]  # 90% < 95%
    criterion = next(c for c in short.criteria if c.name == "relocated_employment_rate")
    assert (criterion.target, criterion.rate.text) == (0.95, "90.0%")
    assert cov.full_employment_check(cov.CoverageCounts()).passed  # nothing to fail: every rate "—"


def test_the_timely_entry_rate_is_reported_but_not_a_criterion():
    counts = cov.CoverageCounts(registered=1, visited=1, complete=1, entered=1, guided=1, visits_received=4,
                                visits_on_time=1)
    assert counts.timely_entry_rate.text == "25.0%" and counts.entry_rate.text == "100.0%"
    assert cov.full_employment_check(counts).passed


def test_the_district_share_of_full_employment_communities_against_its_target():
    assert cov.DistrictTarget(cov.Rate(3, 5)).met is True  # 60% reaches 60%
    assert cov.DistrictTarget(cov.Rate(5, 9)).met is False
    assert cov.DistrictTarget(cov.Rate(0, 0)).met is None
    assert cov.DistrictTarget(cov.Rate(7, 10), target=0.725).text_zh == "充分就业社区 7/10（70.0%），目标 72%：未达到"


def test_the_40_50_group_turns_on_the_birthday():
    end = date(2026, 11, 30)
    assert cov.in_4050_group("female", date(1986, 11, 30), end)
    assert not cov.in_4050_group("female", date(1986, 12, 1), end)
    assert cov.in_4050_group("male", date(1976, 11, 30), end)
    assert not cov.in_4050_group("male", date(1980, 1, 1), end)
    assert not cov.in_4050_group(None, date(1950, 1, 1), end)
    assert cov.age_cutoff(date(2028, 2, 29), 50) == date(1978, 2, 28)


def test_same_day_records_keep_the_last_one_recorded():
    data, _ = handcount.build()
    person = data.residents[0]
    first = data.status(person, "registration", "deregistered", date(2026, 11, 3))
    data.status(person, "registration", "registered", date(2026, 11, 3), recorded_at=first["recorded_at"]
                .replace(hour=5))
    history = cov.histories(data.status_records)[(person["id"], "registration")]
    assert history.on(date(2026, 11, 3)) == "registered"
    assert history.on(date(2026, 11, 2)) == "registered"
