"""A referral step writes several rows (the event, and for a hire the resident, a status record, the
household's zero-employment clock and the vacancy): all of them commit together, or none does."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.jobs.test_jobs_service import add_vacancy


class InjectedFault(Exception):
    pass


def fail_at(store, stage: str) -> None:
    def hook(name: str) -> None:
        if name == stage:
            raise InjectedFault(name)
    store.fault_hook = hook


def state(device, resident, referral_id: str | None, vacancy_id: str) -> dict:
    store = device.store
    return {
        "resident": store.get("resident", resident.id),
        "household": store.get("household", resident.household_id),
        "vacancy": store.get("vacancy", vacancy_id),
        "status_records": store.rows("status_record"),
        "referrals": store.rows("referral"),
        "events": store.rows("referral_event"),
        "outbox": store.outbox_batch(10_000),
    }


@pytest.mark.parametrize("stage", ["save:status_record", "save:household"])
def test_a_hire_that_fails_halfway_writes_nothing(phone, cloud, stage):
    a1 = phone()
    resident = cloud.world.residents["grid_a1"]
    a1.store.save("household", {"zero_employment": True,
                                "zero_employment_identified_on": a1.jobs.today() - timedelta(days=5)},
                  row_id=resident.household_id, now=a1.session.now())
    vacancy_id = add_vacancy(a1)
    referral_id = a1.jobs.refer(resident.id, vacancy_id, consent=True)
    a1.jobs.advance(referral_id, "interviewed")
    before = state(a1, resident, referral_id, vacancy_id)
    pending = a1.store.pending_count()

    fail_at(a1.store, stage)
    with pytest.raises(InjectedFault):
        a1.jobs.advance(referral_id, "hired")
    a1.store.fault_hook = None
    assert state(a1, resident, referral_id, vacancy_id) == before
    assert a1.store.pending_count() == pending
    assert a1.jobs.current_status(referral_id)[0] == "interviewed"
    assert a1.store.get("resident", resident.id)["employment_status"] != "employed"

    # tried again, the whole hire lands: event, resident, status record, clock stop; the vacancy's filled count
    # is the server's (counted from hired referrals): the phone shows it predicted, nothing queued for it
    a1.jobs.advance(referral_id, "hired")
    assert a1.jobs.current_status(referral_id)[0] == "hired"
    assert a1.store.get("resident", resident.id)["employment_status"] == "employed"
    assert len(a1.store.rows("status_record")) == 1
    assert a1.store.get("household", resident.household_id)["zero_employment_met"] is True
    assert a1.jobs.vacancy(vacancy_id)["filled"] == 1
    assert a1.store.pending_count() == pending + 4
    assert [e["table"] for e in a1.store.outbox_batch(10_000)[-4:]] == [
        "referral_event", "resident", "status_record", "household"]


def test_a_referral_without_its_first_event_is_never_written(phone, cloud):
    a1 = phone()
    resident = cloud.world.residents["grid_a1"]
    vacancy_id = add_vacancy(a1)
    pending = a1.store.pending_count()
    fail_at(a1.store, "save:referral_event")
    with pytest.raises(InjectedFault):
        a1.jobs.refer(resident.id, vacancy_id, consent=True)
    a1.store.fault_hook = None
    assert a1.store.rows("referral") == [] and a1.store.rows("referral_event") == []
    assert a1.store.pending_count() == pending
