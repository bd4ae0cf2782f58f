"""Spot checks for managers: draw a reproducible sample, export the call list, record each verification."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from server.deps import ConnDep, ManagerUser, ScopeDep
from server.errors import error_responses
from server.routes.coverage import MONTH_PATTERN, PERIOD_PATTERN, area_of, parse_period
from server.services import spot_checks
from shared.models import utc_now

router = APIRouter(prefix="/spot-checks", tags=["spot checks"], responses=error_responses(401, 403, 404, 422))


class DrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area_id: str | None = Field(default=None, max_length=36)
    month: str | None = Field(default=None, pattern=MONTH_PATTERN)
    period: str | None = Field(default=None, pattern=PERIOD_PATTERN)
    start: date | None = None
    end: date | None = None
    rate: float = Field(default=0.01, gt=0, le=1)
    community_share: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = Field(default=None, ge=0, lt=2**31)
    method: Literal["phone", "home"] = "phone"


class ResultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    result: Literal["confirmed", "not_confirmed", "unreachable"]
    notes: str = Field(default="", max_length=500)
    method: Literal["phone", "home"] | None = None
    rating: int | None = Field(default=None, ge=1, le=5, description="the resident's rating of the service, 1–5")


@router.post("", status_code=201)
def draw(body: DrawRequest, manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """Draw about ``rate`` of the registered unemployed of the area in the period (and ``community_share`` of its communities)."""
    period = parse_period(body.month, body.start, body.end, utc_now(), body.period)
    return spot_checks.draw_sample(conn, scope, area_of(scope, body.area_id), period, user_id=manager.user_id,
                                   now=utc_now(), rate=body.rate, community_share=body.community_share,
                                   seed=body.seed, method=body.method)


@router.get("")
def samples(_manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> list[dict]:
    """The samples drawn in the caller's areas, newest first."""
    return spot_checks.list_samples(conn, scope)


@router.get("/{sample_id}")
def sample(sample_id: str, _manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> dict:
    return spot_checks.sample_items(conn, scope, sample_id)


@router.get("/{sample_id}/summary")
def summary(sample_id: str, _manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """The sample's results per community and per coordinator (reached, confirmed, discrepancies, ratings)."""
    return spot_checks.sample_summary(spot_checks.sample_items(conn, scope, sample_id))


@router.get("/{sample_id}/call-list", response_class=Response)
def call_list(sample_id: str, _manager: ManagerUser, scope: ScopeDep, conn: ConnDep,
              format: Annotated[Literal["csv", "xlsx"], Query()] = "csv") -> Response:
    """The call list (姓名, 手机号, 地址, 社区, 网格, 协管员 ...) as CSV or XLSX."""
    items = spot_checks.sample_items(conn, scope, sample_id)
    if format == "xlsx":
        content, media = spot_checks.call_list_xlsx(items), spot_checks_xlsx()
    else:
        content, media = spot_checks.call_list_csv(items), "text/csv; charset=utf-8"
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="spot-check-{sample_id[:8]}.{format}"'})


@router.post("/items/{item_id}")
def record(item_id: str, body: ResultRequest, manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """Record the result of one verification."""
    return spot_checks.record_result(conn, scope, item_id, result=body.result, notes=body.notes,
                                     user_id=manager.user_id, now=utc_now(), method=body.method, rating=body.rating)


def spot_checks_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
