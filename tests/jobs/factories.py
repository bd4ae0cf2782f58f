"""Factories with fixed defaults for the jobs tests: plain dicts shaped like device-store rows."""
from __future__ import annotations

import uuid
from datetime import date
from itertools import count

TODAY = date(2025, 6, 16)
STREET = "00000000-0000-0000-0000-0000000000a1"
COMMUNITY = "00000000-0000-0000-0000-0000000000c1"
OTHER_COMMUNITY = "00000000-0000-0000-0000-0000000000c2"
GRID = "00000000-0000-0000-0000-0000000000d1"
_ids = count(1)


def next_id() -> str:
    return str(uuid.UUID(int=next(_ids)))


def vacancy(**fields) -> dict:
    """An open 家政服务员 vacancy in COMMUNITY with no requirements; override what a test needs."""
    row = {
        "id": next_id(), "employer_id": next_id(), "street_id": STREET, "community_id": OTHER_COMMUNITY,
        "title": "家政服务员", "occupation_code": "4-10-01-06", "occupation_name": "家政服务员",
        "openings": 2, "filled": 0, "wage_min": None, "wage_max": None, "hours": None, "shift": "",
        "location": "", "latitude": None, "longitude": None, "age_min": None, "age_max": None,
        "education_min": None, "skills_required": [], "public_welfare": False, "assistance_base": False,
        "valid_until": date(2025, 12, 31), "closed": False,
    }
    row.update(fields)
    return row


def resident(**fields) -> dict:
    """An unemployed, able woman of 35 with no wishes recorded; override what a test needs."""
    row = {
        "id": next_id(), "household_id": next_id(), "grid_id": GRID, "community_id": COMMUNITY,
        "sex": "female", "birth_date": date(1990, 3, 1), "education": "junior", "skills": [],
        "employment_status": "unemployed", "employment_since": None, "employer_name": "",
        "unemployment_registered": True, "able_to_work": True, "job_wish_occupations": [],
        "job_wish_min_wage": None, "job_wish_hours": None, "job_wish_max_distance_km": None,
        "training_wish": "", "disability": False,
    }
    row.update(fields)
    return row


def household(**fields) -> dict:
    row = {
        "id": next_id(), "community_id": COMMUNITY, "grid_id": GRID, "zero_employment": False,
        "zero_employment_identified_on": None, "zero_employment_wants_two": False,
        "zero_employment_resolved_on": None, "zero_employment_met": None,
    }
    row.update(fields)
    return row
