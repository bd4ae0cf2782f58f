"""Coordinator assessment for managers: the year's figures beside the scores, saving scores, the yearly sheet (XLSX)."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from server.deps import ConnDep, ManagerUser, ScopeDep
from server.errors import error_responses
from server.routes.coverage import AreaQuery, area_of
from server.services import assessments
from server.services.coverage import visible_areas
from shared.models import utc_now

router = APIRouter(prefix="/assessments", tags=["assessments"], responses=error_responses(401, 403, 404, 422))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YearQuery = Annotated[int, Query(ge=1990, le=2099, description="the year assessed, e.g. 2026")]
YearPath = Annotated[int, Path(ge=1990, le=2099)]
UserPath = Annotated[str, Path(max_length=36)]


class ScoresRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: dict[str, int] = Field(description="item -> points, within each item's maximum (shared.assessment)")
    notes: str = Field(default="", max_length=2000)


@router.get("")
def list_assessments(_manager: ManagerUser, scope: ScopeDep, conn: ConnDep, year: YearQuery,
                     area_id: AreaQuery = None) -> dict:
    """Every coordinator of the area: the year's activity figures, the scores given, total and verdict."""
    return {"year": year, "items": assessments.assessments(conn, scope, area_of(scope, area_id), year)}


@router.put("/{user_id}/{year}")
def save(user_id: UserPath, year: YearPath, body: ScoresRequest, manager: ManagerUser, scope: ScopeDep,
         conn: ConnDep, area_id: AreaQuery = None) -> dict:
    """Score one coordinator for one year (six items; under 60 in total fails)."""
    return assessments.save_scores(conn, scope, area_of(scope, area_id), user_id, year, scores=body.scores,
                                   notes=body.notes, assessed_by=manager.user_id, now=utc_now())


@router.get("/{user_id}/{year}/sheet", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "the yearly assessment sheet"}})
def sheet(user_id: UserPath, year: YearPath, _manager: ManagerUser, scope: ScopeDep, conn: ConnDep,
          area_id: AreaQuery = None) -> Response:
    """The yearly assessment sheet of one coordinator, as a workbook to print and sign."""
    area_id = area_of(scope, area_id)
    item = assessments.one(conn, scope, area_id, user_id, year)
    area_name = next(a["name"] for a in visible_areas(conn, scope, area_id) if a["id"] == area_id)
    name = f"考核表-{year}-{item['name']}.xlsx"
    return Response(assessments.sheet_xlsx(item, area_name), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"assessment-{year}.xlsx\"; filename*=UTF-8''{quote(name)}"})
