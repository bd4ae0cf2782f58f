"""The SQL counts agree with the pure reference on random ledgers, on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.services.coverage import grid_counts
from shared import coverage as cov
from shared.models import new_id
from shared.vocab import EmploymentStatus, ServiceItem, VisitOutcome
from tests.conftest import hypothesis_examples
from tests.coverage.factories import Ledger, small_tree

DAY0 = date(2026, 10, 20)
PERIODS = [cov.Period.month("2026-11"), cov.Period(date(2026, 11, 5), date(2026, 11, 5)),
           cov.Period(date(2026, 10, 28), date(2026, 11, 12))]
KIND_VALUES = {
    "employment": [s.value for s in EmploymentStatus] + ["employed", "employed"],
    "registration": ["registered", "deregistered"],
    "ability": ["able", "unable"],
}

days = st.integers(min_value=0, max_value=55).map(lambda n: DAY0 + timedelta(days=n))


@st.composite
def instants(draw) -> datetime:
    """Times clustered at the period's edges (to the second) and spread across it."""
    period = PERIODS[0]
    edge = draw(st.sampled_from([period.start_at, period.end_before, PERIODS[1].start_at, PERIODS[2].end_before]))
    offset = draw(st.one_of(st.integers(-2, 2), st.integers(-20 * 86400, 20 * 86400)))
    return edge + timedelta(seconds=offset)


@st.composite
def ledgers(draw) -> Ledger:
    ledger = Ledger()
    tree = small_tree(ledger)
    grids = [tree["grid_a1"], tree["grid_a2"], tree["grid_b1"]]
    for _ in range(draw(st.integers(1, 5))):
        identified = draw(st.one_of(st.none(), days))
        home = ledger.household(
            draw(st.sampled_from(grids)), double_unemployed=draw(st.booleans()), single_parent=draw(st.booleans()),
            zero_employment=identified is not None and draw(st.booleans()), zero_employment_identified_on=identified,
            zero_employment_wants_two=draw(st.booleans()), relocated=draw(st.booleans()),
            deleted=draw(st.booleans()) and draw(st.booleans()))
        people = []
        for _ in range(draw(st.integers(0, 3))):
            fields = {}
            for name in draw(st.lists(st.sampled_from(["name", "phone", "education", "training_wish", "sex",
                                                       "job_wish_occupations", "job_wish_min_wage"]), max_size=2)):
                blanks = {"name": ["", " "], "job_wish_occupations": [[]], "job_wish_min_wage": [None]}
                fields[name] = draw(st.sampled_from(blanks.get(name, [None, "", " "])))
            fields.setdefault("sex", draw(st.sampled_from(["male", "female"])))
            person = ledger.resident(
                home, **fields, entered_at=None,
                birth_date=draw(st.sampled_from([None, date(1976, 11, 30), date(1976, 12, 1), date(1986, 11, 12),
                                                 date(1986, 11, 13), date(1995, 5, 5)])),
                employment_status=draw(st.sampled_from([None, "unemployed", "employed", "flexible", "retired"])),
                deleted=draw(st.booleans()) and draw(st.booleans()))
            people.append(person)
            # what the server held of them: nothing, or records at instants around the period's edges
            for _ in range(draw(st.integers(0, 3))):
                at = draw(instants())
                ledger.information(person, at, complete=draw(st.booleans()))
                if draw(st.booleans()) and draw(st.booleans()):  # two records at the same instant: the id decides
                    ledger.information(person, at, complete=draw(st.booleans()))
            if draw(st.booleans()):  # the usual case: registered unemployed before the period
                since = draw(days)
                ledger.registered_unemployed(person, since - timedelta(days=30), able=draw(st.booleans()))
                if draw(st.booleans()):  # found work (perhaps within 20 days of a zero-employment date)
                    ledger.status(person, "employment", draw(st.sampled_from(["employed", "flexible"])),
                                  draw(st.sampled_from([DAY0 + timedelta(days=14), DAY0 + timedelta(days=22)]))
                                  if identified is None or draw(st.booleans())
                                  else identified + timedelta(days=draw(st.sampled_from([0, 5, 20, 21, 40]))))
            for _ in range(draw(st.integers(0, 4))):
                kind = draw(st.sampled_from(["employment", "employment", "registration", "ability"]))
                ledger.status(person, kind, draw(st.sampled_from(KIND_VALUES[kind])), draw(days),
                              recorded_at=datetime(2026, 12, 1, tzinfo=timezone.utc)
                              + timedelta(seconds=draw(st.integers(0, 2))),
                              id=new_id(), deleted=draw(st.booleans()) and draw(st.booleans()))
        for _ in range(draw(st.integers(0, 3))):
            at = draw(instants())
            delay = draw(st.one_of(st.none(), st.sampled_from([0, 3600, 72 * 3600, 72 * 3600 + 1, 9 * 86400])))
            named = draw(st.sampled_from([[], [p["id"] for p in people[:1]], [new_id()]]))
            ledger.visit(home, at, draw(st.sampled_from([o.value for o in VisitOutcome])),
                         received_at=None if delay is None else at + timedelta(seconds=delay),
                         guidance_given=draw(st.booleans()), resident_ids=named,
                         services=draw(st.sampled_from([[], [ServiceItem.guidance_training_information.value],
                                                        [ServiceItem.policy_consultation.value]])),
                         deleted=draw(st.booleans()) and draw(st.booleans()))
        if people and draw(st.booleans()):  # a visit received later than it was made, in the wrong order
            ledger.visit(home, PERIODS[0].end_before - timedelta(seconds=1), received_at=None)
    return ledger


def check_agreement(engine, ledger: Ledger, period: cov.Period) -> None:
    grid_ids = [a["id"] for a in ledger.areas if a["level"] == "grid"]
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            ledger.write(conn)
            got = {g: c for g, c in grid_counts(conn, grid_ids, period).items() if c != cov.CoverageCounts()}
        finally:
            transaction.rollback()
    assert got == ledger.reference(period)


@settings(max_examples=hypothesis_examples(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers(), period=st.sampled_from(PERIODS))
def test_sql_counts_agree_with_the_reference_on_random_ledgers(any_engine, ledger, period):
    check_agreement(any_engine, ledger, period)
