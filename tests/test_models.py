"""The shared model round-trips the same on SQLite and PostgreSQL."""
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from shared.models import Area, Household, Resident, Visit, new_id


def test_models_round_trip(any_engine):
    with Session(any_engine) as session:
        grid = Area(level="grid", name="一网格", code="G1")
        household = Household(community_id=new_id(), grid_id=grid.id, address="幸福路12号", building="3",
                              unit="2", room="501", zero_employment=True,
                              zero_employment_identified_on=date(2026, 11, 2))
        resident = Resident(household_id=household.id, grid_id=grid.id, name="张三", skills=["家政", "保洁"],
                            birth_date=date(1975, 5, 1), job_wish_min_wage=3000, stamps={"name": "x"})
        visit = Visit(household_id=household.id, grid_id=grid.id, coordinator_id=new_id(),
                      visited_at=datetime(2026, 11, 3, 9, 30, tzinfo=timezone.utc), outcome="met",
                      services=["policy_consultation"], latitude=41.88, longitude=123.95)
        session.add_all([grid, household, resident, visit])
        session.commit()
    with Session(any_engine) as session:
        got = session.exec(select(Resident)).one()
        assert got.name == "张三"
        assert got.skills == ["家政", "保洁"]
        assert got.birth_date == date(1975, 5, 1)
        assert got.stamps == {"name": "x"}
        assert len(got.id) == 36
        got_visit = session.exec(select(Visit)).one()
        assert got_visit.services == ["policy_consultation"]
        assert got_visit.visited_at == datetime(2026, 11, 3, 9, 30, tzinfo=timezone.utc)
        assert session.exec(select(Household)).one().zero_employment_identified_on == date(2026, 11, 2)
