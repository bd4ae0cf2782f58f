"""Reports to download: the monthly report (月报) of an area as an Excel workbook."""
from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from server.deps import ManagerUser, ReportsConnDep, ScopeDep, SettingsDep
from server.errors import error_responses
from server.routes.coverage import AreaQuery, MonthQuery, PeriodQuery, area_of, parse_period
from server.services import monthly_report
from server.services.coverage import visible_areas
from shared.models import utc_now

router = APIRouter(prefix="/reports", tags=["reports"], responses=error_responses(401, 403, 404, 422))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/monthly", response_class=Response,
            responses={200: {"content": {XLSX: {}}, "description": "the workbook"}})
def monthly(manager: ManagerUser, scope: ScopeDep, conn: ReportsConnDep, settings: SettingsDep,
            area_id: AreaQuery = None,
            month: MonthQuery = None, start: date | None = None,
            end: Annotated[date | None, Query()] = None, period: PeriodQuery = None,
            full_phones: Annotated[bool, Query(description="the call list: residents' phone numbers unmasked")] = False,
            ) -> Response:
    """The monthly report (or the quarter's, half year's, year's) of a community, street or district in the manager's area."""
    period = parse_period(month, start, end, utc_now(), period)
    area_id = area_of(scope, area_id)
    name = next(a["name"] for a in visible_areas(conn, scope, area_id) if a["id"] == area_id)
    book = monthly_report.build_workbook(conn, scope, area_id, period, utc_now(), target=settings.full_employment_target,
                                         prepared_by=manager.display_name, full_phones=full_phones)
    filename = monthly_report.file_name(name, period)
    # A header is Latin-1: the plain name is ASCII (a span's label has a dash), the UTF-8 one is quoted.
    plain = period.label if period.label.isascii() else f"{period.start.isoformat()}_{period.end.isoformat()}"
    return Response(monthly_report.workbook_bytes(book), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"report-{plain}.xlsx\"; filename*=UTF-8''{quote(filename)}",
    })
