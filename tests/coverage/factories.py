"""Coverage test data: rows built in memory, written to a database, and handed as they are to the pure reference."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from shared import coverage as cov
from shared.models import Area, Household, InformationRecord, Resident, StatusRecord, Visit, new_id
from shared.validation import make_id_number, missing_fields

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
COMPLETE = {
    "sex": "female", "birth_date": date(1990, 3, 7), "phone": "13800138000", "education": "senior",
    "employment_status": "unemployed", "unemployment_registered": True, "job_wish_occupations": ["4-10-01"],
    "job_wish_min_wage": 3000, "training_wish": "",
}


def _row(model, **values: Any) -> dict[str, Any]:
    """A full row of a table: the model's defaults, then ``values``."""
    instance = model(**values)
    return {column.name: getattr(instance, column.name) for column in model.__table__.columns}


@dataclass
class Ledger:
    """Areas, households, residents, status records and visits of a test, kept as plain dict rows."""

    areas: list[dict] = field(default_factory=list)
    households: list[dict] = field(default_factory=list)
    residents: list[dict] = field(default_factory=list)
    status_records: list[dict] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)
    information_records: list[dict] = field(default_factory=list)
    _serial: int = 0

    def area(self, level: str, name: str, parent: dict | None = None, **values: Any) -> dict:
        ancestors = {"district_id": None, "street_id": None, "community_id": None}
        if parent is not None:
            ancestors = {k: parent[k] for k in ancestors}
            ancestors[f"{parent['level']}_id"] = parent["id"]
        row = _row(Area, level=level, name=name, code=name, parent_id=parent["id"] if parent else None,
                   **ancestors, **values)
        self.areas.append(row)
        return row

    def household(self, grid: dict, **values: Any) -> dict:
        self._serial += 1
        row = _row(Household, grid_id=grid["id"], community_id=grid["community_id"], street_id=grid["street_id"],
                   address=f"幸福路{self._serial}号", **values)
        self.households.append(row)
        return row

    def resident(self, home: dict, complete: bool = True, *, entered_at: datetime | None = T0,
                 **values: Any) -> dict:
        """A resident; the server learned of them at ``entered_at`` with these values (None: a bare name, not entered)."""
        self._serial += 1
        fields = dict(COMPLETE) if complete else {}
        fields.update(values)
        fields.setdefault("name", "王芳")
        fields.setdefault("id_number", make_id_number("110101", date(1990, 3, 7), self._serial % 1000))
        row = _row(Resident, household_id=home["id"], grid_id=home["grid_id"], community_id=home["community_id"],
                   **fields)
        self.residents.append(row)
        if entered_at is not None:
            self.information(row, entered_at)
        return row

    def information(self, person: dict, at: datetime, **values: Any) -> dict:
        """An information record of the person at ``at``: complete as their current fields say, unless told."""
        missing = missing_fields(person)
        fields = {"complete": not missing, "missing": missing, **values}
        row = _row(InformationRecord, resident_id=person["id"], grid_id=person["grid_id"], recorded_at=at, **fields)
        self.information_records.append(row)
        return row

    def status(self, person: dict, kind: str, value: str, on: date, *, recorded_at: datetime | None = None,
               **values: Any) -> dict:
        self._serial += 1
        row = _row(StatusRecord, resident_id=person["id"], grid_id=person["grid_id"], kind=kind, value=value,
                   effective_on=on, recorded_at=recorded_at or T0.replace(second=self._serial % 60), **values)
        self.status_records.append(row)
        return row

    def registered_unemployed(self, person: dict, since: date, *, able: bool = True) -> dict:
        """A registration and an unemployment record from ``since`` (and able and willing, unless told)."""
        self.status(person, "registration", "registered", since)
        self.status(person, "employment", "unemployed", since)
        if able:
            self.status(person, "ability", "able", since)
        return person

    def visit(self, home: dict, at: datetime, outcome: str = "met", *, coordinator_id: str = "c1",
              received_at: datetime | None | str = "at once", **values: Any) -> dict:
        """A visit; it reached the server at once unless ``received_at`` says when (None: not yet)."""
        row = _row(Visit, household_id=home["id"], grid_id=home["grid_id"], coordinator_id=coordinator_id,
                   visited_at=at, outcome=outcome, received_at=at if received_at == "at once" else received_at,
                   **values)
        self.visits.append(row)
        return row

    def write(self, target: Engine | Connection) -> None:
        """Insert every row (Core, one statement per table)."""
        if isinstance(target, Engine):
            with target.begin() as conn:
                self.write(conn)
            return
        for model, rows in ((Area, self.areas), (Household, self.households), (Resident, self.residents),
                            (StatusRecord, self.status_records), (Visit, self.visits),
                            (InformationRecord, self.information_records)):
            if rows:
                target.execute(insert(model.__table__), rows)

    def reference(self, period: cov.Period) -> dict[str, cov.CoverageCounts]:
        """The pure reference's per-grid counts (grids with only zeros dropped, as the SQL leaves them out)."""
        counts = cov.grid_counts(households=self.households, residents=self.residents,
                                 status_records=self.status_records, visits=self.visits, period=period,
                                 information_records=self.information_records)
        return {g: c for g, c in counts.items() if c != cov.CoverageCounts()}


def small_tree(ledger: Ledger) -> dict[str, dict]:
    """District 和平区 > streets 北站/南湖 > communities 幸福/光明 > grids 幸福一/幸福二/光明一."""
    district = ledger.area("district", "和平区")
    street_a = ledger.area("street", "北站街道", district)
    street_b = ledger.area("street", "南湖街道", district)
    community_a = ledger.area("community", "幸福社区", street_a)
    community_b = ledger.area("community", "光明社区", street_b)
    return {
        "district": district, "street_a": street_a, "street_b": street_b,
        "community_a": community_a, "community_b": community_b,
        "grid_a1": ledger.area("grid", "幸福一网格", community_a),
        "grid_a2": ledger.area("grid", "幸福二网格", community_a),
        "grid_b1": ledger.area("grid", "光明一网格", community_b),
    }


def new_uuid() -> str:
    return new_id()
