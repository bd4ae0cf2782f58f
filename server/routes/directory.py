"""The directory of colleagues: who works in my areas (display names and roles only)."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from server.deps import ConnDep, ScopeDep
from server.errors import error_responses
from server.services import directory

router = APIRouter(tags=["directory"], responses=error_responses(401))


class ColleagueOut(BaseModel):
    id: str
    display_name: str
    role: str
    active: bool


@router.get("/directory", response_model=list[ColleagueOut])
def list_colleagues(scope: ScopeDep, conn: ConnDep) -> list[dict]:
    """The users of my areas, so the phone names who recorded a step or wrote a conflicting value."""
    return directory.colleagues(conn, scope)
